//! Storing schemes and their dated versions; installing the seeds' presets.

use kernel::audit::{self, Entry};
use kernel::time::{now_ms, parse_date};
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::period::PeriodKind;
use crate::scheme::{Rules, presets};

/// A scheme.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Scheme {
    /// Id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The organisation subtree it applies to.
    pub unit_id: i64,
    /// Its path.
    #[serde(skip)]
    pub unit_path: String,
    /// The kind of person it applies to (`personnel`, `staff`), or everyone.
    pub person_kind: Option<String>,
    /// The role they hold (`grid_leader`, …), or any.
    pub role: Option<String>,
    /// The periods it is run for (`month`, `quarter`, `year`).
    pub periods: Vec<String>,
    /// The preset it came from.
    pub preset: Option<String>,
}

/// A version of a scheme's rules.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Version {
    /// Id.
    pub id: i64,
    /// From when it applies (`YYYY-MM-DD`): periods starting on or after it.
    pub effective_from: String,
    /// The rules.
    pub rules: Rules,
    /// Why it changed.
    pub note: String,
    /// Who made it.
    pub created_by: String,
}

/// A new scheme.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewScheme {
    /// Stable code (letters, digits, `_`).
    pub code: String,
    /// Name.
    pub name: String,
    /// The subtree it applies to.
    pub unit_id: i64,
    /// The kind of person (`personnel`, `staff`); none for everyone but residents.
    pub person_kind: Option<String>,
    /// The role they hold; none for any.
    pub role: Option<String>,
    /// `month`, `quarter`, `year` (one or more).
    pub periods: Vec<String>,
    /// A preset (`zhengzhou`, `guancheng`, `gulou`) — its rules are used when `rules` is
    /// not given.
    pub preset: Option<String>,
    /// The rules.
    pub rules: Option<Rules>,
    /// From when (`YYYY-MM-DD`).
    pub effective_from: String,
}

/// A new version of a scheme's rules.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewVersion {
    /// The rules.
    pub rules: Rules,
    /// From when (`YYYY-MM-DD`); must be after every closed period of the scheme.
    pub effective_from: String,
    /// Why.
    #[serde(default)]
    pub note: String,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Scheme> {
    let periods: String = r.try_get("period_kind")?;
    Ok(Scheme {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        unit_id: r.try_get("unit_id")?,
        unit_path: r.try_get("unit_path")?,
        person_kind: r.try_get("person_kind")?,
        role: r.try_get("role")?,
        periods: periods.split(',').map(str::to_owned).collect(),
        preset: r.try_get("preset")?,
    })
}

const COLS: &str = "id, code, name, unit_id, unit_path, person_kind, role, period_kind, preset";

fn rules_ok(rules: &Rules) -> Result<()> {
    let problems = rules.check();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::Invalid(
        problems
            .into_iter()
            .map(|(f, m)| kernel::error::FieldError {
                field: format!("rules.{f}"),
                message: m,
            })
            .collect(),
    ))
}

fn administers(access: &Access, path: &str) -> bool {
    access.holds_over(Role::Admin, path)
}

/// Create a scheme with its first version (administrators of the subtree).
pub async fn create(db: &Db, access: &Access, s: NewScheme) -> Result<Scheme> {
    let mut p = Vec::new();
    let code = s.code.trim().to_owned();
    if code.is_empty()
        || code.len() > 40
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        p.push((
            "code",
            "代码只能用字母、数字和下划线，最多 40 个".to_owned(),
        ));
    }
    if s.name.trim().is_empty() || s.name.chars().count() > 60 {
        p.push(("name", "请填写名称（最多 60 字）".to_owned()));
    }
    let rules = match (&s.rules, s.preset.as_deref()) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(code)) => presets::by_code(code).map(|(_, _, r)| r),
        (None, None) => None,
    };
    let Some(rules) = rules else {
        return Err(Error::field("rules", "请给出考核规则或选择一个预置方案"));
    };
    rules_ok(&rules)?;
    if s.periods.is_empty() || s.periods.iter().any(|k| PeriodKind::parse(k).is_none()) {
        p.push(("periods", "考核周期只能是 month、quarter、year".to_owned()));
    }
    if parse_date(&s.effective_from).is_none() {
        p.push(("effective_from", "生效日期格式应为 YYYY-MM-DD".to_owned()));
    }
    if let Some(k) = &s.person_kind
        && org::people::PersonKind::parse(k).is_none()
    {
        p.push((
            "person_kind",
            "人员类别只能是 personnel、staff 或 resident".to_owned(),
        ));
    }
    if let Some(r) = &s.role
        && Role::parse(r).is_none()
    {
        p.push(("role", "没有这个角色".to_owned()));
    }
    if let Some((f, m)) = p.into_iter().next() {
        return Err(Error::field(f, m));
    }
    let unit = match org::units::fetch_any(db, access.city_id(), s.unit_id).await? {
        Some(u) if access.reads_unit(&u.path) => u,
        _ => return Err(Error::field("unit_id", "没有这个单位")),
    };
    if !administers(access, &unit.path) {
        return Err(Error::Forbidden("考核方案由这一级的管理员设置"));
    }
    let mut tx = db.begin().await?;
    let now = now_ms();
    let exists = sqlx::query("SELECT id FROM assess_scheme WHERE city_id = $1 AND code = $2")
        .bind(access.city_id())
        .bind(&code)
        .fetch_all(&mut *tx)
        .await?;
    if !exists.is_empty() {
        return Err(Error::field("code", "这个代码已经有方案在用"));
    }
    let periods = s.periods.join(",");
    sqlx::query(
        "INSERT INTO assess_scheme (city_id, code, name, unit_id, unit_path, person_kind, role, \
         period_kind, preset, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10)",
    )
    .bind(access.city_id())
    .bind(&code)
    .bind(s.name.trim())
    .bind(unit.id)
    .bind(&unit.path)
    .bind(&s.person_kind)
    .bind(&s.role)
    .bind(&periods)
    .bind(&s.preset)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM assess_scheme WHERE city_id = $1 AND code = $2"
    )))
    .bind(access.city_id())
    .bind(&code)
    .fetch_all(&mut *tx)
    .await?;
    let scheme = from_row(rows.first().ok_or(Error::NotFound)?)?;
    insert_version(
        &mut tx,
        access,
        &scheme,
        &rules,
        &s.effective_from,
        "首次设置",
    )
    .await?;
    tx.commit().await?;
    Ok(scheme)
}

async fn insert_version(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    scheme: &Scheme,
    rules: &Rules,
    from: &str,
    note: &str,
) -> Result<()> {
    let body = serde_json::to_string(rules).map_err(|e| Error::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO assess_scheme_version (city_id, scheme_id, effective_from, body, note, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(access.city_id())
    .bind(scheme.id)
    .bind(from)
    .bind(&body)
    .bind(note)
    .bind(access.name())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    audit::record(
        tx,
        access.actor(),
        Entry {
            action: "set_scheme",
            object_kind: "assess_scheme",
            object_id: scheme.id,
            scope_path: &scheme.unit_path,
            before: None,
            after: Some(json!({"code": scheme.code, "name": scheme.name,
                               "effective_from": from, "note": note, "rules": rules})),
        },
    )
    .await?;
    Ok(())
}

/// Add a version of the rules, applying from its date. A date inside or before a closed
/// period is refused: a closed period is never rewritten.
pub async fn add_version(db: &Db, access: &Access, id: i64, v: NewVersion) -> Result<Version> {
    let scheme = get(db, access, id).await?;
    if !administers(access, &scheme.unit_path) {
        return Err(Error::Forbidden("考核方案由这一级的管理员设置"));
    }
    if parse_date(&v.effective_from).is_none() {
        return Err(Error::field(
            "effective_from",
            "生效日期格式应为 YYYY-MM-DD",
        ));
    }
    rules_ok(&v.rules)?;
    let mut tx = db.begin().await?;
    let closed = sqlx::query(
        "SELECT MAX(period_to) FROM assess_run WHERE city_id = $1 AND scheme_id = $2 \
         AND state = 'closed'",
    )
    .bind(access.city_id())
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let last_closed: Option<String> = closed.first().map(|r| r.try_get(0)).transpose()?.flatten();
    if let Some(last) = last_closed
        && v.effective_from <= last
    {
        return Err(Error::field(
            "effective_from",
            format!("{last} 及以前的考核期已结束，新规则只能从之后的日期生效"),
        ));
    }
    let dup = sqlx::query(
        "SELECT id FROM assess_scheme_version WHERE city_id = $1 AND scheme_id = $2 \
         AND effective_from = $3",
    )
    .bind(access.city_id())
    .bind(id)
    .bind(&v.effective_from)
    .fetch_all(&mut *tx)
    .await?;
    if !dup.is_empty() {
        return Err(Error::field("effective_from", "这一天已经有一个版本生效"));
    }
    let note = if v.note.trim().is_empty() {
        "修改规则"
    } else {
        v.note.trim()
    };
    insert_version(&mut tx, access, &scheme, &v.rules, &v.effective_from, note).await?;
    tx.commit().await?;
    let versions = versions(db, access, id).await?;
    versions
        .into_iter()
        .find(|x| x.effective_from == v.effective_from)
        .ok_or(Error::NotFound)
}

/// A scheme the caller may read: it applies to their unit or one below it.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Scheme> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM assess_scheme WHERE city_id = $1 AND id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let s = from_row(rows.first().ok_or(Error::NotFound)?)?;
    if !sees(access, &s.unit_path) {
        return Err(Error::NotFound);
    }
    Ok(s)
}

/// Whether the caller may read a scheme of the subtree at `path`: it covers or lies in
/// the caller's units.
fn sees(access: &Access, path: &str) -> bool {
    access.reads_unit(path)
        || access
            .grants()
            .iter()
            .any(|g| g.unit_path.starts_with(path))
}

/// The schemes the caller may read.
pub async fn list(db: &Db, access: &Access) -> Result<Vec<Scheme>> {
    Ok(all(db, access.city_id())
        .await?
        .into_iter()
        .filter(|s| sees(access, &s.unit_path))
        .collect())
}

/// Every active scheme of the city.
pub async fn all(db: &Db, city_id: i64) -> Result<Vec<Scheme>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM assess_scheme WHERE city_id = $1 AND active = 1 ORDER BY id"
    )))
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// A scheme's versions, oldest first.
pub async fn versions(db: &Db, access: &Access, id: i64) -> Result<Vec<Version>> {
    get(db, access, id).await?;
    version_rows(db, access.city_id(), id).await
}

async fn version_rows(db: &Db, city_id: i64, id: i64) -> Result<Vec<Version>> {
    let rows = sqlx::query(
        "SELECT id, effective_from, body, note, created_by FROM assess_scheme_version \
         WHERE city_id = $1 AND scheme_id = $2 ORDER BY effective_from",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let body: String = r.try_get(2)?;
            Ok(Version {
                id: r.try_get(0)?,
                effective_from: r.try_get(1)?,
                rules: serde_json::from_str(&body).map_err(|e| Error::Internal(e.to_string()))?,
                note: r.try_get(3)?,
                created_by: r.try_get(4)?,
            })
        })
        .collect()
}

/// The version in force for a period starting on `first_day`.
pub async fn version_for(
    db: &Db,
    city_id: i64,
    scheme_id: i64,
    first_day: &str,
) -> Result<Option<Version>> {
    Ok(version_rows(db, city_id, scheme_id)
        .await?
        .into_iter()
        .rev()
        .find(|v| v.effective_from.as_str() <= first_day))
}

/// A version by id.
pub async fn version(db: &Db, city_id: i64, scheme_id: i64, id: i64) -> Result<Version> {
    version_rows(db, city_id, scheme_id)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(Error::NotFound)
}
