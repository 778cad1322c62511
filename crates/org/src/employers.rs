//! Employers (派出单位): the bodies, state firms and institutions that send people down,
//! each with its party organisation. An employer is registered at a node (the city, a
//! district or a street) whose admins keep it.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::Access;
use crate::units;

/// Kinds of employer.
pub const KINDS: [&str; 4] = ["机关", "事业单位", "国有企业", "其他"];

/// An employer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Employer {
    /// Id.
    pub id: i64,
    /// The node it is registered at.
    pub unit_id: i64,
    /// Name.
    pub name: String,
    /// 机关 / 事业单位 / 国有企业 / 其他.
    pub kind: String,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Its party organisation (党组织).
    pub party_org: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone (masked for those who do not administer it).
    pub contact_phone: Option<String>,
    /// How many people it has on the platform.
    pub people: i64,
}

/// Input for a new or changed employer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EmployerInput {
    /// The node it is registered at (defaults to the city).
    pub unit_id: Option<i64>,
    /// Name.
    pub name: String,
    /// 机关 / 事业单位 / 国有企业 / 其他.
    pub kind: String,
    /// 统一社会信用代码 (18 characters), optional.
    pub credit_code: Option<String>,
    /// Party organisation.
    pub party_org: String,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
}

const SELECT: &str = "SELECT e.id, e.unit_id, e.name, e.kind, e.credit_code, e.party_org, \
    e.contact_name, e.contact_phone, u.path, \
    (SELECT CAST(COUNT(*) AS BIGINT) FROM person p WHERE p.city_id = e.city_id AND p.employer_id = e.id) AS people \
    FROM employer e JOIN org_unit u ON u.city_id = e.city_id AND u.id = e.unit_id";

fn from_row(r: &sqlx::any::AnyRow, access: &Access) -> Result<(Employer, String)> {
    let path: String = r.try_get("path")?;
    let phone: Option<String> = r.try_get("contact_phone")?;
    let phone = if access.manages_employer(&path) {
        phone
    } else {
        phone.map(|p| kernel::mask::mask_phone(&p))
    };
    Ok((
        Employer {
            id: r.try_get("id")?,
            unit_id: r.try_get("unit_id")?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            credit_code: r.try_get("credit_code")?,
            party_org: r.try_get("party_org")?,
            contact_name: r.try_get("contact_name")?,
            contact_phone: phone,
            people: r.try_get("people")?,
        },
        path,
    ))
}

/// Employers the caller may see, by name.
pub async fn list(db: &Db, access: &Access) -> Result<Vec<Employer>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE e.city_id = $1 ORDER BY e.name LIMIT 2000"
    )))
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let (e, _) = from_row(r, access)?;
        if access.reads_employer(e.id) {
            out.push(e);
        }
    }
    Ok(out)
}

/// One employer the caller may see.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Employer> {
    Ok(get_with_path(db, access, id).await?.0)
}

async fn get_with_path(db: &Db, access: &Access, id: i64) -> Result<(Employer, String)> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE e.city_id = $1 AND e.id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    match rows.first() {
        Some(r) => {
            let (e, path) = from_row(r, access)?;
            if access.reads_employer(e.id) {
                Ok((e, path))
            } else {
                Err(Error::NotFound)
            }
        }
        None => Err(Error::NotFound),
    }
}

/// Find an employer by exact name (for imports).
pub(crate) async fn id_by_name(
    conn: &mut sqlx::AnyConnection,
    city_id: i64,
    name: &str,
) -> Result<Option<i64>> {
    let rows = sqlx::query("SELECT id FROM employer WHERE city_id = $1 AND name = $2")
        .bind(city_id)
        .bind(name)
        .fetch_all(conn)
        .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
}

struct Checked {
    name: String,
    kind: String,
    credit_code: Option<String>,
    party_org: String,
    contact_name: Option<String>,
    contact_phone: Option<String>,
}

fn check(input: &EmployerInput) -> Result<Checked> {
    let mut p = Problems::default();
    let name = required_text(&mut p, "name", "单位名称", &input.name, 64);
    let kind = input.kind.trim().to_owned();
    if !KINDS.contains(&kind.as_str()) {
        p.add("kind", "单位类型应为：机关、事业单位、国有企业 或 其他");
    }
    let credit_code = optional_text(
        &mut p,
        "credit_code",
        "统一社会信用代码",
        input.credit_code.as_deref(),
        18,
    );
    if let Some(c) = &credit_code
        && (c.len() != 18 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()))
    {
        p.add("credit_code", "统一社会信用代码应为 18 位数字或大写字母");
    }
    let party_org = required_text(&mut p, "party_org", "党组织名称", &input.party_org, 64);
    let contact_name = optional_text(
        &mut p,
        "contact_name",
        "联系人",
        input.contact_name.as_deref(),
        32,
    );
    let contact_phone = input
        .contact_phone
        .as_deref()
        .map(kernel::mask::normalise_phone)
        .filter(|s| !s.is_empty());
    if let Some(ph) = &contact_phone
        && (ph.len() > 20 || !ph.chars().all(|c| c.is_ascii_digit()))
    {
        p.add(
            "contact_phone",
            "联系电话只能包含数字（手机或带区号的座机）",
        );
    }
    p.finish()?;
    Ok(Checked {
        name,
        kind,
        credit_code: credit_code.map(|c| c.to_ascii_uppercase()),
        party_org,
        contact_name,
        contact_phone,
    })
}

/// Register a new employer at a node the caller administers.
pub async fn create(db: &Db, access: &Access, input: EmployerInput) -> Result<Employer> {
    let c = check(&input)?;
    let unit_id = match input.unit_id {
        Some(id) => id,
        None => access
            .top_units()
            .first()
            .map(|u| u.0)
            .ok_or(Error::Forbidden("没有可用的管辖范围"))?,
    };
    let unit = units::fetch(db.reader(), access.city_id(), unit_id)
        .await?
        .ok_or_else(|| Error::field("unit_id", "所属节点不存在"))?;
    if !access.manages_employer(&unit.path) {
        return Err(Error::Forbidden(
            "只有区/街道管理员和平台管理员可以登记派出单位",
        ));
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO employer (city_id, unit_id, name, kind, credit_code, party_org, \
             contact_name, contact_phone, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(access.city_id())
        .bind(unit.id)
        .bind(&c.name)
        .bind(&c.kind)
        .bind(&c.credit_code)
        .bind(&c.party_org)
        .bind(&c.contact_name)
        .bind(&c.contact_phone)
        .bind(now),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "name", "已有同名的派出单位"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "employer",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"name": c.name, "kind": c.kind, "party_org": c.party_org})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// Change an employer the caller administers.
pub async fn update(db: &Db, access: &Access, id: i64, input: EmployerInput) -> Result<Employer> {
    let rows = sqlx::query(
        "SELECT u.path FROM employer e JOIN org_unit u ON u.city_id = e.city_id AND u.id = e.unit_id \
         WHERE e.city_id = $1 AND e.id = $2",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let path: String = rows.first().ok_or(Error::NotFound)?.try_get(0)?;
    if !access.manages_employer(&path) {
        return Err(Error::Forbidden("您不能修改这个派出单位"));
    }
    let (before, path) = get_with_path(db, access, id).await?;
    let c = check(&input)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE employer SET name = $1, kind = $2, credit_code = $3, party_org = $4, \
         contact_name = $5, contact_phone = $6, updated_at = $7 WHERE city_id = $8 AND id = $9",
    )
    .bind(&c.name)
    .bind(&c.kind)
    .bind(&c.credit_code)
    .bind(&c.party_org)
    .bind(&c.contact_name)
    .bind(&c.contact_phone)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::unique_as_field(e, "name", "已有同名的派出单位"))?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "update",
            object_kind: "employer",
            object_id: id,
            scope_path: &path,
            before: Some(
                json!({"name": before.name, "kind": before.kind, "party_org": before.party_org}),
            ),
            after: Some(json!({"name": c.name, "kind": c.kind, "party_org": c.party_org})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}
