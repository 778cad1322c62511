//! People: sent-down personnel, residents and community staff, with their skills, limits,
//! weekly availability, home community and 双报到 registrations (with their employer and
//! with a community). Phones and ID numbers are masked for roles that do not need them;
//! party membership is shown only to roles that need it.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::mask;
use kernel::paging::{self, Page};
use kernel::time::{now_ms, parse_date};
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::access::{Access, PersonScope};
use crate::availability::{self, Slot};
use crate::skills::Skill;
use crate::units::{self, UnitKind};

/// What kind of person a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    /// 下沉人员 / 在职党员.
    Personnel,
    /// 居民.
    Resident,
    /// 社区工作者 / 网格员 / 干部.
    Staff,
}

impl PersonKind {
    /// Every kind.
    pub const ALL: [PersonKind; 3] = [
        PersonKind::Personnel,
        PersonKind::Resident,
        PersonKind::Staff,
    ];
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Personnel => "personnel",
            PersonKind::Resident => "resident",
            PersonKind::Staff => "staff",
        }
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            PersonKind::Personnel => "下沉人员",
            PersonKind::Resident => "居民",
            PersonKind::Staff => "社区工作者",
        }
    }
    /// Parse a code or a Chinese name.
    pub fn parse(s: &str) -> Option<PersonKind> {
        let s = s.trim();
        PersonKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
            .or(match s {
                "在职党员" | "下沉干部" => Some(PersonKind::Personnel),
                "网格员" | "社区干部" => Some(PersonKind::Staff),
                _ => None,
            })
    }
}

/// A 双报到 registration: with the employer, or with a community.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registration {
    /// `employer` or `community`.
    pub side: String,
    /// The employer (employer side).
    pub employer_id: Option<i64>,
    /// The community (community side).
    pub community_id: Option<i64>,
    /// Name of the employer or community.
    pub target_name: String,
    /// For the community side: `home` (where they live) or `assigned`.
    pub basis: Option<String>,
    /// The date of registration, `YYYY-MM-DD`.
    pub registered_on: String,
}

/// A person's record as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: PersonKind,
    /// Name.
    pub name: String,
    /// Mobile (masked unless the caller needs it).
    pub phone: Option<String>,
    /// Whether `phone` and `id_card` are masked.
    pub masked: bool,
    /// Resident ID number (masked unless the caller needs it).
    pub id_card: Option<String>,
    /// Birth date.
    pub birth_date: Option<String>,
    /// Employer.
    pub employer_id: Option<i64>,
    /// Employer's name.
    pub employer_name: Option<String>,
    /// Party member; `null` when the caller may not see it.
    pub party_member: Option<bool>,
    /// Skills.
    pub skills: Vec<Skill>,
    /// Physical limits (no heavy lifting, …).
    pub physical_limits: String,
    /// Weekly availability.
    pub availability: Vec<Slot>,
    /// Home community.
    pub home_community_id: Option<i64>,
    /// Home community's name.
    pub home_community_name: Option<String>,
    /// 双报到 registrations.
    pub registrations: Vec<Registration>,
    /// The date the person left the platform's work, if they did.
    pub left_on: Option<String>,
    /// Whether the record was anonymised by the retention job.
    pub anonymised: bool,
    /// Path of the community the record sits under.
    #[serde(skip)]
    pub scope_path: String,
}

/// A row of a people list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRow {
    /// Id.
    pub id: i64,
    /// Kind.
    pub kind: PersonKind,
    /// Name.
    pub name: String,
    /// Phone, masked unless the caller administers the person.
    pub phone: Option<String>,
    /// Employer's name.
    pub employer_name: Option<String>,
    /// Community's name (registered, else home).
    pub community_name: Option<String>,
    /// Party member; `null` when the caller may not see it.
    pub party_member: Option<bool>,
}

/// Input for a new person or a full change by an administrator.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PersonInput {
    /// `personnel`, `resident` or `staff`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Mobile number (11 digits).
    pub phone: Option<String>,
    /// Resident ID number (18 characters), optional.
    pub id_card: Option<String>,
    /// Employer.
    pub employer_id: Option<i64>,
    /// Party member.
    #[serde(default)]
    pub party_member: bool,
    /// Skill ids.
    #[serde(default)]
    pub skill_ids: Vec<i64>,
    /// Physical limits.
    #[serde(default)]
    pub physical_limits: String,
    /// Weekly availability.
    #[serde(default)]
    pub availability: Vec<Slot>,
    /// Home community.
    pub home_community_id: Option<i64>,
    /// Date registered with the employer (`YYYY-MM-DD`), for personnel.
    pub employer_registered_on: Option<String>,
    /// Community registered with (双报到), for personnel.
    pub registered_community_id: Option<i64>,
    /// `home` or `assigned`.
    pub registration_basis: Option<String>,
    /// Date registered with the community (`YYYY-MM-DD`).
    pub community_registered_on: Option<String>,
    /// Date the person left (`YYYY-MM-DD`); the retention job anonymises the record later.
    pub left_on: Option<String>,
}

/// What people may change about themselves.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ProfileInput {
    /// Skill ids.
    #[serde(default)]
    pub skill_ids: Vec<i64>,
    /// Physical limits.
    #[serde(default)]
    pub physical_limits: String,
    /// Weekly availability.
    #[serde(default)]
    pub availability: Vec<Slot>,
}

/// Filters for a people list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct PeopleQuery {
    /// Name, or the last 4 digits of the phone.
    pub q: Option<String>,
    /// Only people of this community (registered or living there) or its subtree.
    pub unit_id: Option<i64>,
    /// Only people of this employer.
    pub employer_id: Option<i64>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only people not yet registered with a community (双报到 incomplete).
    pub unregistered: Option<bool>,
    /// Keyset: rows after this id.
    pub after: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

pub(crate) struct Checked {
    pub kind: PersonKind,
    pub name: String,
    pub phone: Option<String>,
    pub id_card: Option<String>,
    pub birth_date: Option<String>,
    pub employer_id: Option<i64>,
    pub party_member: bool,
    pub skill_ids: Vec<i64>,
    pub physical_limits: String,
    pub availability: Vec<Slot>,
    pub home: Option<units::Unit>,
    pub employer_reg: Option<String>,
    pub community_reg: Option<(units::Unit, String, String)>,
    pub left_on: Option<String>,
}

/// Check a person's fields (shared by the form, the API and the importer). Field errors
/// are collected in `p`; references are resolved inside `conn`.
pub(crate) async fn check_input(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    input: &PersonInput,
    p: &mut Problems,
) -> Result<Option<Checked>> {
    let kind = PersonKind::parse(&input.kind);
    if kind.is_none() {
        p.add("kind", "人员类型应为：下沉人员、居民 或 社区工作者");
    }
    let name = required_text(p, "name", "姓名", &input.name, 32);
    let phone = input
        .phone
        .as_deref()
        .map(mask::normalise_phone)
        .filter(|s| !s.is_empty());
    match &phone {
        Some(ph) if !mask::is_mobile(ph) => p.add("phone", "手机号应为 11 位数字，以 13–19 开头"),
        None if kind == Some(PersonKind::Personnel) || kind == Some(PersonKind::Staff) => {
            p.add("phone", "请填写手机号")
        }
        _ => {}
    }
    let id_card = input
        .id_card
        .as_deref()
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty());
    let mut birth_date = None;
    if let Some(id) = &id_card {
        match mask::birth_date_of_id_card(id) {
            Some(d) => birth_date = Some(d),
            None => p.add(
                "id_card",
                "身份证号无效：应为 18 位，最后一位可为 X，且校验位正确",
            ),
        }
    }
    let physical_limits = optional_text(
        p,
        "physical_limits",
        "身体限制",
        Some(&input.physical_limits),
        200,
    )
    .unwrap_or_default();
    if let Err(e) = availability::check_week(&input.availability) {
        p.add("availability", e);
    }
    let mut employer_id = None;
    if let Some(eid) = input.employer_id {
        let rows = sqlx::query("SELECT id FROM employer WHERE city_id = $1 AND id = $2")
            .bind(city_id)
            .bind(eid)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            p.add("employer_id", "派出单位不存在");
        } else {
            employer_id = Some(eid);
        }
    } else if kind == Some(PersonKind::Personnel) {
        p.add("employer_id", "下沉人员请选择派出单位");
    }
    let mut home = None;
    if let Some(hid) = input.home_community_id {
        match units::fetch(&mut *conn, city_id, hid).await? {
            Some(u) if u.kind.is_community_level() => home = Some(u),
            Some(_) => p.add("home_community_id", "居住社区必须是社区、村或联村社区"),
            None => p.add("home_community_id", "居住社区不存在"),
        }
    }
    let employer_reg = match input.employer_registered_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) if parse_date(d).is_some() => {
            if employer_id.is_none() {
                p.add("employer_registered_on", "先选择派出单位再填写单位报到日期");
            }
            Some(d.to_owned())
        }
        Some(_) => {
            p.add(
                "employer_registered_on",
                "日期格式应为 YYYY-MM-DD，例如 2026-03-01",
            );
            None
        }
    };
    let mut community_reg = None;
    if let Some(cid) = input.registered_community_id {
        let basis = input
            .registration_basis
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("assigned");
        if basis != "home" && basis != "assigned" {
            p.add(
                "registration_basis",
                "报到依据应为 home（居住地）或 assigned（分派）",
            );
        }
        let date = input
            .community_registered_on
            .as_deref()
            .map(str::trim)
            .unwrap_or("");
        if parse_date(date).is_none() {
            p.add(
                "community_registered_on",
                "请填写社区报到日期，格式 YYYY-MM-DD",
            );
        }
        match units::fetch(&mut *conn, city_id, cid).await? {
            Some(u) if u.kind.is_community_level() => {
                community_reg = Some((u, basis.to_owned(), date.to_owned()))
            }
            Some(_) => p.add(
                "registered_community_id",
                "报到社区必须是社区、村或联村社区",
            ),
            None => p.add("registered_community_id", "报到社区不存在"),
        }
    }
    let left_on = match input.left_on.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) if parse_date(d).is_some() => Some(d.to_owned()),
        Some(_) => {
            p.add("left_on", "日期格式应为 YYYY-MM-DD");
            None
        }
    };
    let mut skill_ids = input.skill_ids.clone();
    skill_ids.sort_unstable();
    skill_ids.dedup();
    if skill_ids.len() > 20 {
        p.add("skill_ids", "最多选择 20 项专长");
    }
    for sid in &skill_ids {
        let rows = sqlx::query("SELECT id FROM skill WHERE city_id = $1 AND id = $2")
            .bind(city_id)
            .bind(sid)
            .fetch_all(&mut *conn)
            .await?;
        if rows.is_empty() {
            p.add("skill_ids", format!("专长 {sid} 不在目录中"));
        }
    }
    let Some(kind) = kind else { return Ok(None) };
    if !p.is_empty() {
        return Ok(None);
    }
    Ok(Some(Checked {
        kind,
        name,
        phone,
        id_card,
        birth_date,
        employer_id,
        party_member: input.party_member,
        skill_ids,
        physical_limits,
        availability: input.availability.clone(),
        home,
        employer_reg,
        community_reg,
        left_on,
    }))
}

impl Checked {
    pub(crate) fn scope_path(&self, root_path: &str) -> String {
        self.community_reg
            .as_ref()
            .map(|(u, _, _)| u.path.clone())
            .or_else(|| self.home.as_ref().map(|u| u.path.clone()))
            .unwrap_or_else(|| root_path.to_owned())
    }

    fn audit_json(&self) -> serde_json::Value {
        json!({"kind": self.kind.as_str(), "name": self.name,
               "phone": self.phone.as_deref().map(mask::mask_phone),
               "id_card": self.id_card.as_deref().map(mask::mask_id_card),
               "employer_id": self.employer_id, "party_member": self.party_member,
               "skill_ids": self.skill_ids, "physical_limits": self.physical_limits,
               "availability": availability::to_text(&self.availability),
               "home_community_id": self.home.as_ref().map(|u| u.id),
               "registered_community_id": self.community_reg.as_ref().map(|r| r.0.id),
               "left_on": self.left_on})
    }
}

pub(crate) async fn root_path(conn: &mut sqlx::AnyConnection, city_id: i64) -> Result<String> {
    let rows = sqlx::query("SELECT path FROM org_unit WHERE city_id = $1 AND parent_id IS NULL")
        .bind(city_id)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .first()
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?
        .unwrap_or_else(|| "/".into()))
}

/// Whether a phone or ID number is already held by another person of the city.
pub(crate) async fn duplicate_of(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    c: &Checked,
    except: Option<i64>,
    p: &mut Problems,
) -> Result<()> {
    if let Some(ph) = &c.phone {
        let rows =
            sqlx::query("SELECT id FROM person WHERE city_id = $1 AND phone = $2 AND id <> $3")
                .bind(city_id)
                .bind(ph)
                .bind(except.unwrap_or(0))
                .fetch_all(&mut *conn)
                .await?;
        if !rows.is_empty() {
            p.add(
                "phone",
                format!("手机号 {} 已登记给其他人员", mask::mask_phone(ph)),
            );
        }
    }
    if let Some(id) = &c.id_card {
        let rows =
            sqlx::query("SELECT id FROM person WHERE city_id = $1 AND id_card = $2 AND id <> $3")
                .bind(city_id)
                .bind(id)
                .bind(except.unwrap_or(0))
                .fetch_all(&mut *conn)
                .await?;
        if !rows.is_empty() {
            p.add("id_card", "身份证号已登记给其他人员");
        }
    }
    Ok(())
}

/// Write a checked new person inside `tx`; returns its id. The caller checked scope.
pub(crate) async fn insert(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    c: &Checked,
    scope_path: &str,
) -> Result<i64> {
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut *tx,
        sqlx::query(
            "INSERT INTO person (city_id, kind, name, phone, id_card, birth_date, employer_id, \
             party_member, physical_limits, availability, home_community_id, scope_path, left_on, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id",
        )
        .bind(access.city_id())
        .bind(c.kind.as_str())
        .bind(&c.name)
        .bind(&c.phone)
        .bind(&c.id_card)
        .bind(&c.birth_date)
        .bind(c.employer_id)
        .bind(i64::from(c.party_member))
        .bind(&c.physical_limits)
        .bind(serde_json::to_string(&c.availability).unwrap_or_else(|_| "[]".into()))
        .bind(c.home.as_ref().map(|u| u.id))
        .bind(scope_path)
        .bind(&c.left_on)
        .bind(now),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "phone", "手机号或身份证号已登记给其他人员"))?;
    write_links(tx, access.city_id(), id, c).await?;
    audit::record(
        tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "person",
            object_id: id,
            scope_path,
            before: None,
            after: Some(c.audit_json()),
        },
    )
    .await?;
    Ok(id)
}

/// Replace a person's skills and registrations with the checked ones.
async fn write_links(
    tx: &mut sqlx::AnyConnection,
    city_id: i64,
    id: i64,
    c: &Checked,
) -> Result<()> {
    sqlx::query("DELETE FROM person_skill WHERE city_id = $1 AND person_id = $2")
        .bind(city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for sid in &c.skill_ids {
        sqlx::query("INSERT INTO person_skill (city_id, person_id, skill_id) VALUES ($1, $2, $3)")
            .bind(city_id)
            .bind(id)
            .bind(sid)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM registration WHERE city_id = $1 AND person_id = $2")
        .bind(city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let now = now_ms();
    if let (Some(eid), Some(date)) = (c.employer_id, &c.employer_reg) {
        sqlx::query(
            "INSERT INTO registration (city_id, person_id, side, employer_id, community_id, basis, \
             registered_on, created_at) VALUES ($1, $2, 'employer', $3, NULL, NULL, $4, $5)",
        )
        .bind(city_id)
        .bind(id)
        .bind(eid)
        .bind(date)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    if let Some((u, basis, date)) = &c.community_reg {
        sqlx::query(
            "INSERT INTO registration (city_id, person_id, side, employer_id, community_id, basis, \
             registered_on, created_at) VALUES ($1, $2, 'community', NULL, $3, $4, $5, $6)",
        )
        .bind(city_id)
        .bind(id)
        .bind(u.id)
        .bind(basis)
        .bind(date)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Register a new person in a community the caller administers.
pub async fn create(db: &Db, access: &Access, input: PersonInput) -> Result<Person> {
    let mut tx = db.begin().await?;
    let mut p = Problems::default();
    let checked = check_input(&mut tx, access.city_id(), &input, &mut p).await?;
    if let Some(c) = &checked {
        duplicate_of(&mut tx, access.city_id(), c, None, &mut p).await?;
    }
    p.finish()?;
    let c = checked.ok_or(Error::Internal("unchecked person".into()))?;
    let root = root_path(&mut tx, access.city_id()).await?;
    let scope = c.scope_path(&root);
    if !access
        .admin_prefixes()
        .iter()
        .any(|pre| scope.starts_with(pre.as_str()))
    {
        return Err(Error::Forbidden(
            "只能登记您管辖社区的人员：请选择您管辖范围内的居住或报到社区",
        ));
    }
    let id = insert(&mut tx, access, &c, &scope).await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// Where a person's record sits, without any permission check (404 when there is no such
/// person; callers decide between 403 and 404).
pub async fn scope_of(db: &Db, city_id: i64, id: i64) -> Result<PersonScope> {
    let rows =
        sqlx::query("SELECT scope_path, employer_id FROM person WHERE city_id = $1 AND id = $2")
            .bind(city_id)
            .bind(id)
            .fetch_all(db.reader())
            .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    Ok(PersonScope {
        person_id: id,
        scope_path: r.try_get(0)?,
        employer_id: r.try_get(1)?,
    })
}

/// Change a person's whole record (administrators in scope).
pub async fn update(db: &Db, access: &Access, id: i64, input: PersonInput) -> Result<Person> {
    if !access.manages_person(&scope_of(db, access.city_id(), id).await?) {
        return Err(Error::Forbidden("您不能修改这名人员的信息"));
    }
    let before = get(db, access, id).await?;
    let mut tx = db.begin().await?;
    let mut p = Problems::default();
    let checked = check_input(&mut tx, access.city_id(), &input, &mut p).await?;
    if let Some(c) = &checked {
        duplicate_of(&mut tx, access.city_id(), c, Some(id), &mut p).await?;
    }
    p.finish()?;
    let c = checked.ok_or(Error::Internal("unchecked person".into()))?;
    let root = root_path(&mut tx, access.city_id()).await?;
    let scope = c.scope_path(&root);
    if !access
        .admin_prefixes()
        .iter()
        .any(|pre| scope.starts_with(pre.as_str()))
    {
        return Err(Error::Forbidden("不能把人员调到您管辖范围以外的社区"));
    }
    sqlx::query(
        "UPDATE person SET kind = $1, name = $2, phone = $3, id_card = $4, birth_date = $5, \
         employer_id = $6, party_member = $7, physical_limits = $8, availability = $9, \
         home_community_id = $10, scope_path = $11, left_on = $12, updated_at = $13 \
         WHERE city_id = $14 AND id = $15",
    )
    .bind(c.kind.as_str())
    .bind(&c.name)
    .bind(&c.phone)
    .bind(&c.id_card)
    .bind(&c.birth_date)
    .bind(c.employer_id)
    .bind(i64::from(c.party_member))
    .bind(&c.physical_limits)
    .bind(serde_json::to_string(&c.availability).unwrap_or_else(|_| "[]".into()))
    .bind(c.home.as_ref().map(|u| u.id))
    .bind(&scope)
    .bind(&c.left_on)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::unique_as_field(e, "phone", "手机号或身份证号已登记给其他人员"))?;
    write_links(&mut tx, access.city_id(), id, &c).await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "update",
            object_kind: "person",
            object_id: id,
            scope_path: &scope,
            before: Some(before.audit_json()),
            after: Some(c.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// A person changes their own skills, limits and availability.
pub async fn update_own_profile(db: &Db, access: &Access, input: ProfileInput) -> Result<Person> {
    let id = access.person_id();
    let before = get(db, access, id).await?;
    let mut tx = db.begin().await?;
    let mut p = Problems::default();
    let mut full = before.as_input();
    full.skill_ids = input.skill_ids;
    full.physical_limits = input.physical_limits;
    full.availability = input.availability;
    // Re-check with the record's own contact data (the caller sees it unmasked: it is theirs).
    let checked = check_input(&mut tx, access.city_id(), &full, &mut p).await?;
    p.finish()?;
    let c = checked.ok_or(Error::Internal("unchecked profile".into()))?;
    sqlx::query(
        "UPDATE person SET physical_limits = $1, availability = $2, updated_at = $3 \
         WHERE city_id = $4 AND id = $5",
    )
    .bind(&c.physical_limits)
    .bind(serde_json::to_string(&c.availability).unwrap_or_else(|_| "[]".into()))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM person_skill WHERE city_id = $1 AND person_id = $2")
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for sid in &c.skill_ids {
        sqlx::query("INSERT INTO person_skill (city_id, person_id, skill_id) VALUES ($1, $2, $3)")
            .bind(access.city_id())
            .bind(id)
            .bind(sid)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "update_profile",
            object_kind: "person",
            object_id: id,
            scope_path: &before.scope_path,
            before: Some(before.audit_json()),
            after: Some(c.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

impl Person {
    /// Where the record sits, for permission checks.
    pub fn scope(&self) -> PersonScope {
        PersonScope {
            person_id: self.id,
            scope_path: self.scope_path.clone(),
            employer_id: self.employer_id,
        }
    }

    fn audit_json(&self) -> serde_json::Value {
        json!({"kind": self.kind.as_str(), "name": self.name,
               "phone": self.phone.as_deref().map(mask::mask_phone),
               "employer_id": self.employer_id,
               "skill_ids": self.skills.iter().map(|s| s.id).collect::<Vec<_>>(),
               "physical_limits": self.physical_limits,
               "availability": availability::to_text(&self.availability),
               "home_community_id": self.home_community_id, "left_on": self.left_on})
    }

    /// The record as form input (for editing).
    pub fn as_input(&self) -> PersonInput {
        let emp = self.registrations.iter().find(|r| r.side == "employer");
        let com = self.registrations.iter().find(|r| r.side == "community");
        PersonInput {
            kind: self.kind.as_str().into(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            id_card: self.id_card.clone(),
            employer_id: self.employer_id,
            party_member: self.party_member.unwrap_or(false),
            skill_ids: self.skills.iter().map(|s| s.id).collect(),
            physical_limits: self.physical_limits.clone(),
            availability: self.availability.clone(),
            home_community_id: self.home_community_id,
            employer_registered_on: emp.map(|r| r.registered_on.clone()),
            registered_community_id: com.and_then(|r| r.community_id),
            registration_basis: com.and_then(|r| r.basis.clone()),
            community_registered_on: com.map(|r| r.registered_on.clone()),
            left_on: self.left_on.clone(),
        }
    }
}

const PERSON_COLS: &str = "p.id, p.kind, p.name, p.phone, p.id_card, p.birth_date, p.employer_id, \
    p.party_member, p.physical_limits, p.availability, p.home_community_id, p.scope_path, \
    p.left_on, p.anonymised_at, e.name AS employer_name, h.name AS home_name";

/// One person the caller may read, masked as their roles require.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Person> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PERSON_COLS} FROM person p \
         LEFT JOIN employer e ON e.city_id = p.city_id AND e.id = p.employer_id \
         LEFT JOIN org_unit h ON h.city_id = p.city_id AND h.id = p.home_community_id \
         WHERE p.city_id = $1 AND p.id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let scope = PersonScope {
        person_id: r.try_get("id")?,
        scope_path: r.try_get("scope_path")?,
        employer_id: r.try_get("employer_id")?,
    };
    if !access.reads_person(&scope) {
        return Err(Error::NotFound);
    }
    let full = access.sees_contact_of(&scope);
    let party = access.sees_party_of(&scope);
    let phone: Option<String> = r.try_get("phone")?;
    let id_card: Option<String> = r.try_get("id_card")?;
    let kind: String = r.try_get("kind")?;
    let availability: String = r.try_get("availability")?;
    let skills = sqlx::query(
        "SELECT s.id, s.name, s.category FROM person_skill ps JOIN skill s \
         ON s.city_id = ps.city_id AND s.id = ps.skill_id \
         WHERE ps.city_id = $1 AND ps.person_id = $2 ORDER BY s.category, s.name",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| {
        Ok(Skill {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            category: r.try_get(2)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let registrations = sqlx::query(
        "SELECT r.side, r.employer_id, r.community_id, COALESCE(e.name, u.name), r.basis, r.registered_on \
         FROM registration r \
         LEFT JOIN employer e ON e.city_id = r.city_id AND e.id = r.employer_id \
         LEFT JOIN org_unit u ON u.city_id = r.city_id AND u.id = r.community_id \
         WHERE r.city_id = $1 AND r.person_id = $2 ORDER BY r.side DESC",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|r| {
        Ok(Registration {
            side: r.try_get(0)?,
            employer_id: r.try_get(1)?,
            community_id: r.try_get(2)?,
            target_name: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
            basis: r.try_get(4)?,
            registered_on: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let anonymised: Option<i64> = r.try_get("anonymised_at")?;
    Ok(Person {
        id,
        kind: PersonKind::parse(&kind).unwrap_or(PersonKind::Resident),
        name: r.try_get("name")?,
        phone: if full {
            phone
        } else {
            phone.map(|p| mask::mask_phone(&p))
        },
        masked: !full,
        id_card: if full {
            id_card
        } else {
            id_card.map(|p| mask::mask_id_card(&p))
        },
        birth_date: if full { r.try_get("birth_date")? } else { None },
        employer_id: scope.employer_id,
        employer_name: r.try_get("employer_name")?,
        party_member: if party {
            Some(r.try_get::<i64, _>("party_member")? != 0)
        } else {
            None
        },
        skills,
        physical_limits: r.try_get("physical_limits")?,
        availability: serde_json::from_str(&availability).unwrap_or_default(),
        home_community_id: r.try_get("home_community_id")?,
        home_community_name: r.try_get("home_name")?,
        registrations,
        left_on: r.try_get("left_on")?,
        anonymised: anonymised.is_some(),
        scope_path: scope.scope_path,
    })
}

/// A page of people the caller may list, newest first, filtered.
pub async fn list(db: &Db, access: &Access, q: &PeopleQuery) -> Result<Page<PersonRow>> {
    let limit = paging::limit(q.limit);
    let mut sql = String::from(
        "SELECT p.id, p.kind, p.name, p.phone, p.party_member, p.scope_path, p.employer_id, \
         e.name AS employer_name, c.name AS community_name FROM person p \
         LEFT JOIN employer e ON e.city_id = p.city_id AND e.id = p.employer_id \
         LEFT JOIN org_unit c ON c.city_id = p.city_id \
           AND c.path = p.scope_path \
         WHERE p.city_id = $1",
    );
    let mut args: Vec<Arg> = vec![Arg::I(access.city_id())];
    // Scope: the subtrees the caller reads people in, or their employers' people.
    let prefixes = access.people_prefixes();
    let employers = access.employer_ids();
    let mut scope = Vec::new();
    for pre in &prefixes {
        args.push(Arg::S(format!("{pre}%")));
        scope.push(format!("p.scope_path LIKE ${}", args.len()));
    }
    for e in &employers {
        args.push(Arg::I(*e));
        scope.push(format!("p.employer_id = ${}", args.len()));
    }
    if scope.is_empty() {
        return Ok(Page {
            items: vec![],
            next: None,
        });
    }
    sql.push_str(&format!(" AND ({})", scope.join(" OR ")));
    if let Some(uid) = q.unit_id {
        let u = units::get(db, access, uid).await?;
        args.push(Arg::S(format!("{}%", u.path)));
        sql.push_str(&format!(" AND p.scope_path LIKE ${}", args.len()));
    }
    if let Some(eid) = q.employer_id {
        args.push(Arg::I(eid));
        sql.push_str(&format!(" AND p.employer_id = ${}", args.len()));
    }
    if let Some(kind) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        let k = PersonKind::parse(kind).ok_or_else(|| Error::field("kind", "人员类型无效"))?;
        args.push(Arg::S(k.as_str().into()));
        sql.push_str(&format!(" AND p.kind = ${}", args.len()));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if text.chars().count() > 32 {
            return Err(Error::field("q", "搜索词最多 32 个字"));
        }
        if text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()) {
            args.push(Arg::S(format!("%{text}")));
            sql.push_str(&format!(" AND p.phone LIKE ${}", args.len()));
        } else {
            let escaped = text.replace(['%', '_'], "");
            args.push(Arg::S(format!("%{escaped}%")));
            sql.push_str(&format!(" AND p.name LIKE ${}", args.len()));
        }
    }
    if q.unregistered == Some(true) {
        sql.push_str(
            " AND p.kind = 'personnel' AND p.left_on IS NULL AND NOT EXISTS (SELECT 1 FROM registration r \
             WHERE r.city_id = p.city_id AND r.person_id = p.id AND r.side = 'community')",
        );
    }
    if let Some(after) = q.after {
        args.push(Arg::I(after));
        sql.push_str(&format!(" AND p.id < ${}", args.len()));
    }
    args.push(Arg::I(limit + 1));
    sql.push_str(&format!(" ORDER BY p.id DESC LIMIT ${}", args.len()));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in args {
        query = match a {
            Arg::I(v) => query.bind(v),
            Arg::S(v) => query.bind(v),
        };
    }
    let rows = query.fetch_all(db.reader()).await?;
    // The SQL already limited the rows to the caller's scope.
    let out = rows
        .iter()
        .map(|r| person_row(access, r).map(|(row, _)| row))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(out, limit, |p| p.id))
}

/// A list row from a query selecting id, kind, name, phone, party_member, scope_path,
/// employer_id, employer_name and community_name, masked as the caller's roles require;
/// with the row's scope for further checks.
fn person_row(access: &Access, r: &sqlx::any::AnyRow) -> Result<(PersonRow, PersonScope)> {
    let scope = PersonScope {
        person_id: r.try_get("id")?,
        scope_path: r.try_get("scope_path")?,
        employer_id: r.try_get("employer_id")?,
    };
    let phone: Option<String> = r.try_get("phone")?;
    let kind: String = r.try_get("kind")?;
    let row = PersonRow {
        id: scope.person_id,
        kind: PersonKind::parse(&kind).unwrap_or(PersonKind::Resident),
        name: r.try_get("name")?,
        phone: if access.sees_contact_of(&scope) {
            phone
        } else {
            phone.map(|p| mask::mask_phone(&p))
        },
        employer_name: r.try_get("employer_name")?,
        community_name: r.try_get("community_name")?,
        party_member: if access.sees_party_of(&scope) {
            Some(r.try_get::<i64, _>("party_member")? != 0)
        } else {
            None
        },
    };
    Ok((row, scope))
}

/// A bind value for dynamically built filters.
pub(crate) enum Arg {
    /// An integer.
    I(i64),
    /// A text.
    S(String),
}

/// People registered with a community (双报到, community side), for its page.
pub async fn registered_with_community(
    db: &Db,
    access: &Access,
    unit_id: i64,
) -> Result<Vec<PersonRow>> {
    let unit = units::get(db, access, unit_id).await?;
    if !unit.kind.is_community_level() {
        return Ok(vec![]);
    }
    registered(db, access, "r.community_id", unit.id).await
}

/// People registered with an employer (双报到, employer side), for its page.
pub async fn registered_with_employer(
    db: &Db,
    access: &Access,
    employer_id: i64,
) -> Result<Vec<PersonRow>> {
    crate::employers::get(db, access, employer_id).await?;
    registered(db, access, "r.employer_id", employer_id).await
}

async fn registered(
    db: &Db,
    access: &Access,
    column: &'static str,
    id: i64,
) -> Result<Vec<PersonRow>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT p.id, p.kind, p.name, p.phone, p.party_member, p.scope_path, p.employer_id, \
         e.name AS employer_name, c.name AS community_name, r.registered_on FROM registration r \
         JOIN person p ON p.city_id = r.city_id AND p.id = r.person_id \
         LEFT JOIN employer e ON e.city_id = p.city_id AND e.id = p.employer_id \
         LEFT JOIN org_unit c ON c.city_id = p.city_id AND c.path = p.scope_path \
         WHERE r.city_id = $1 AND {column} = $2 ORDER BY r.registered_on DESC, p.id DESC LIMIT 500"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let (row, scope) = person_row(access, r)?;
        if access.reads_person(&scope) {
            out.push(row);
        }
    }
    Ok(out)
}

/// Communities (and villages) people can live in or register with, within the caller's scope.
pub async fn community_choices(db: &Db, access: &Access) -> Result<Vec<units::Unit>> {
    units::list_in_scope(
        db,
        access,
        &[
            UnitKind::Community,
            UnitKind::Village,
            UnitKind::JointCommunity,
        ],
    )
    .await
}

/// How many personnel in the caller's administered scope have not registered with a
/// community yet (a to-do for cadres).
pub async fn count_unregistered(db: &Db, access: &Access) -> Result<i64> {
    let mut total = 0;
    for pre in access.admin_prefixes() {
        let rows = sqlx::query(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM person p WHERE p.city_id = $1 AND p.scope_path LIKE $2 \
             AND p.kind = 'personnel' AND p.left_on IS NULL AND NOT EXISTS (SELECT 1 FROM registration r \
             WHERE r.city_id = p.city_id AND r.person_id = p.id AND r.side = 'community')",
        )
        .bind(access.city_id())
        .bind(format!("{pre}%"))
        .fetch_all(db.reader())
        .await?;
        total += rows
            .first()
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .unwrap_or(0);
    }
    Ok(total)
}

/// A person a scheme applies to, with what their results are filed under.
#[derive(Debug, Clone)]
pub struct Assessable {
    /// The person.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Path of the community the record sits under.
    pub scope_path: String,
    /// Employer.
    pub employer_id: Option<i64>,
    /// The community the record sits under.
    pub community_id: Option<i64>,
}

/// Everyone under `path` (a subtree) of the kind, holding the role when one is given,
/// who had not left before `on` (`YYYY-MM-DD`) and is not anonymised: the people an
/// assessment scheme applies to, in one query.
pub async fn assessable(
    db: &Db,
    city_id: i64,
    path: &str,
    kind: Option<&str>,
    role: Option<&str>,
    on: &str,
) -> Result<Vec<Assessable>> {
    let rows = sqlx::query(
        "SELECT p.id, p.name, p.kind, p.scope_path, p.employer_id, c.id FROM person p \
         LEFT JOIN org_unit c ON c.city_id = p.city_id AND c.path = p.scope_path \
         WHERE p.city_id = $1 AND p.scope_path LIKE $2 \
         AND ($3 = '' OR p.kind = $3) AND (p.left_on IS NULL OR p.left_on >= $4) \
         AND p.anonymised_at IS NULL \
         AND ($5 = '' OR EXISTS (SELECT 1 FROM account a JOIN role_grant g \
              ON g.city_id = a.city_id AND g.account_id = a.id \
              WHERE a.city_id = p.city_id AND a.person_id = p.id AND g.role = $5)) \
         ORDER BY p.id",
    )
    .bind(city_id)
    .bind(format!("{path}%"))
    .bind(kind.unwrap_or(""))
    .bind(on)
    .bind(role.unwrap_or(""))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Assessable {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                scope_path: r.try_get(3)?,
                employer_id: r.try_get(4)?,
                community_id: r.try_get(5)?,
            })
        })
        .collect()
}
