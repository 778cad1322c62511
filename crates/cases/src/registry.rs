//! 登记造册、建立档案: the registries of a grid — enterprises (for environmental
//! inspection), stalls and vendors (with the 困难摊贩 flag: hardship vendors are guided to a
//! relocation place, not only fined), roads and buildings — each located in a grid, each
//! with its case history. Kept by the grid's leader and the community's cadres; read by
//! the staff over the grid (the contact's phone masked for those who do not keep it);
//! imported from and exported to xlsx (see [`sheet`]).

pub mod kinds;
pub mod read;
pub mod sheet;

use kernel::audit::{self, Entry as AuditEntry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::mask::{is_mobile, mask_phone, normalise_phone};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::units::Unit;
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

pub use kinds::Kind;
pub use read::{RegistryQuery, RegistryRow, RegistryView, entry, hardship_note, list, scope, view};

use crate::patrol::{grid_named, keeps};
use crate::report::parse_position;

/// An entry of a registry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryEntry {
    /// Id.
    pub id: i64,
    /// What it is.
    pub kind: Kind,
    /// Name.
    pub name: String,
    /// The grid it is in.
    pub grid_id: i64,
    /// The grid's path (its scope).
    #[serde(skip)]
    pub unit_path: String,
    /// Address.
    pub address: String,
    /// Longitude (WGS-84 degrees).
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// 统一社会信用代码 (enterprises) or the entry's own number.
    pub code: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone (masked unless the viewer keeps the grid's registry).
    pub contact_phone: Option<String>,
    /// Whether the phone is masked.
    pub contact_masked: bool,
    /// 困难摊贩 (stalls only): to be guided and relocated (疏导安置), not only fined.
    pub hardship: bool,
    /// The kind's attributes (see `GET /registries/kinds`).
    #[schema(value_type = Object)]
    pub attrs: Map<String, Value>,
    /// Note.
    pub note: String,
    /// Still in the registry (a closed shop, a demolished building: deactivated).
    pub active: bool,
    /// Created.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

pub(crate) const COLS: &str = "id, kind, name, grid_id, unit_path, address, lon_e7, lat_e7, code, \
    contact_name, contact_phone, hardship, attrs, note, active, created_at, updated_at";

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<RegistryEntry> {
    let kind: String = r.try_get("kind")?;
    let attrs: String = r.try_get("attrs")?;
    let e7 = |v: Option<i64>| v.map(|x| x as f64 / kernel::geo::E7);
    Ok(RegistryEntry {
        id: r.try_get("id")?,
        kind: Kind::parse(&kind).ok_or_else(|| Error::Internal(format!("registry {kind}")))?,
        name: r.try_get("name")?,
        grid_id: r.try_get("grid_id")?,
        unit_path: r.try_get("unit_path")?,
        address: r.try_get("address")?,
        lon: e7(r.try_get("lon_e7")?),
        lat: e7(r.try_get("lat_e7")?),
        code: r.try_get("code")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_masked: false,
        hardship: r.try_get::<i64, _>("hardship")? != 0,
        attrs: serde_json::from_str(&attrs).unwrap_or_default(),
        note: r.try_get("note")?,
        active: r.try_get::<i64, _>("active")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Whether the account reads the registry of the node at `path`: the staff over it.
pub fn reads(access: &Access, path: &str) -> bool {
    [Role::CommunityCadre, Role::GridLeader, Role::Inspector]
        .iter()
        .any(|r| access.holds_over(*r, path))
}

/// The entry as the viewer may see it (the phone masked unless they keep the registry).
pub(crate) fn for_viewer(access: &Access, mut e: RegistryEntry) -> RegistryEntry {
    if !keeps(access, &e.unit_path) {
        e.contact_masked = e.contact_phone.is_some();
        e.contact_phone = e.contact_phone.as_deref().map(mask_phone);
    }
    e
}

pub(crate) async fn load(db: &Db, city_id: i64, id: i64) -> Result<Option<RegistryEntry>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM registry_entry WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

// ---------------------------------------------------------------------------------------
// Input and its check
// ---------------------------------------------------------------------------------------

/// An entry to register, or the new state of one (the kind is kept on a change).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EntryInput {
    /// `enterprise`, `stall`, `road` or `building` (for a new entry).
    pub kind: Option<String>,
    /// Name (up to 60 characters).
    #[serde(default)]
    pub name: String,
    /// The grid it is in.
    pub grid_id: Option<i64>,
    /// Address (up to 100 characters).
    #[serde(default)]
    pub address: String,
    /// Longitude (degrees), with `lat`, optional.
    pub lon: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// `wgs84` (default) or `gcj02`.
    pub crs: Option<String>,
    /// 统一社会信用代码 (required for enterprises), or the entry's own number.
    pub code: Option<String>,
    /// Contact person (up to 30 characters).
    pub contact_name: Option<String>,
    /// Contact phone: a mobile number or a landline with its area code.
    pub contact_phone: Option<String>,
    /// 困难摊贩 (stalls only).
    #[serde(default)]
    pub hardship: bool,
    /// The kind's attributes, e.g. `{"industry": "印刷", "env_key": true}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attrs: Map<String, Value>,
    /// Note (up to 200 characters).
    #[serde(default)]
    pub note: String,
}

/// The fields of an input that passed the checks needing no database.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub kind: Kind,
    pub name: String,
    pub address: String,
    pub point: Option<(i64, i64)>,
    pub code: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub hardship: bool,
    pub attrs: Map<String, Value>,
    pub note: String,
}

/// An input that passed every check, ready to write: its fields and its grid.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub grid: Unit,
    pub f: Fields,
}

impl Checked {
    fn audit_json(&self) -> Value {
        let f = &self.f;
        json!({"kind": f.kind.as_str(), "name": f.name, "grid_id": self.grid.id,
               "address": f.address, "code": f.code, "contact_name": f.contact_name,
               "contact_phone": f.contact_phone.as_deref().map(mask_phone),
               "hardship": f.hardship, "attrs": f.attrs, "note": f.note})
    }
}

fn entry_json(e: &RegistryEntry) -> Value {
    json!({"kind": e.kind.as_str(), "name": e.name, "grid_id": e.grid_id,
           "address": e.address, "code": e.code, "contact_name": e.contact_name,
           "contact_phone": e.contact_phone.as_deref().map(mask_phone),
           "hardship": e.hardship, "attrs": e.attrs, "note": e.note, "active": e.active})
}

/// A landline: optional area code (0 and 2–3 digits) and a 7–8 digit number.
fn is_landline(s: &str) -> bool {
    let d: String = s.chars().filter(|c| *c != '-').collect();
    d.bytes().all(|b| b.is_ascii_digit())
        && ((d.starts_with('0') && (10..=12).contains(&d.len())) || (7..=8).contains(&d.len()))
}

/// Check an input of `kind` (the grid named by id). Field problems come back together;
/// the grid must be one the caller keeps (403 otherwise).
pub(crate) async fn check(
    db: &Db,
    access: &Access,
    kind: Kind,
    input: &EntryInput,
    except_id: i64,
) -> Result<Checked> {
    let mut p = Problems::default();
    let grid = match grid_named(db, access.city_id(), input.grid_id).await {
        Ok(g) => Some(g),
        Err(Error::Invalid(v)) => {
            v.into_iter().for_each(|f| p.add(&f.field, f.message));
            None
        }
        Err(e) => return Err(e),
    };
    let f = check_fields(&mut p, kind, input);
    if let Some(code) = f.code.as_deref().filter(|_| kind.code_required())
        && let Some(other) = code_taken(db, access.city_id(), kind, code, except_id).await?
    {
        p.add(
            "code",
            format!("这个统一社会信用代码已经登记过了（{other}）：请核对，或找到原来的登记修改"),
        );
    }
    p.finish()?;
    let grid = grid.ok_or_else(|| Error::Internal("checked above".into()))?;
    if !keeps(access, &grid.path) {
        return Err(Error::Forbidden(
            "只有本网格的网格长或社区干部可以登记和修改",
        ));
    }
    Ok(Checked { grid, f })
}

/// The checks that need no database: everything but the grid and duplicate codes.
pub(crate) fn check_fields(p: &mut Problems, kind: Kind, input: &EntryInput) -> Fields {
    let name = required_text(p, "name", kind.name_label(), &input.name, 60);
    let address =
        optional_text(p, "address", "地址", Some(&input.address), 100).unwrap_or_default();
    let point = parse_position(p, input.lon, input.lat, input.crs.as_deref())
        .map(|(pt, _)| (pt.lon_e7, pt.lat_e7));
    let code = input
        .code
        .as_deref()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty());
    match (&code, kind.code_required()) {
        (None, true) => p.add("code", format!("请填写{}", kind.code_label())),
        (Some(c), true) if !kinds::is_credit_code(c) => p.add(
            "code",
            "统一社会信用代码应为 18 位，末位是校验码：请对照营业执照重新填写",
        ),
        (Some(c), false) if c.chars().count() > 30 => {
            p.add("code", format!("{}最多 30 个字", kind.code_label()))
        }
        _ => {}
    }
    let contact_name = optional_text(
        p,
        "contact_name",
        "联系人",
        input.contact_name.as_deref(),
        30,
    );
    let contact_phone = input
        .contact_phone
        .as_deref()
        .map(normalise_phone)
        .filter(|s| !s.is_empty());
    if let Some(ph) = &contact_phone
        && !is_mobile(ph)
        && !is_landline(ph)
    {
        p.add(
            "contact_phone",
            "联系电话应为 11 位手机号，或带区号的固定电话，如 027-82881234",
        );
    }
    if input.hardship && kind != Kind::Stall {
        p.add("hardship", "只有摊点摊贩可以标记为困难摊贩");
    }
    let attrs = kinds::check(p, kind, &input.attrs);
    let note = optional_text(p, "note", "备注", Some(&input.note), 200).unwrap_or_default();
    Fields {
        kind,
        name,
        address,
        point,
        code,
        contact_name,
        contact_phone,
        hardship: input.hardship,
        attrs,
        note,
    }
}

/// The name of another entry of `kind` holding `code`, if any.
pub(crate) async fn code_taken(
    db: &Db,
    city_id: i64,
    kind: Kind,
    code: &str,
    except_id: i64,
) -> Result<Option<String>> {
    let rows = sqlx::query(
        "SELECT name FROM registry_entry WHERE city_id = $1 AND kind = $2 AND code = $3 \
         AND id <> $4 LIMIT 1",
    )
    .bind(city_id)
    .bind(kind.as_str())
    .bind(code)
    .bind(except_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
}

pub(crate) fn parse_kind(s: Option<&str>) -> Result<Kind> {
    s.and_then(Kind::parse).ok_or_else(|| {
        Error::field(
            "kind",
            "请选择登记类别：enterprise（企业）、stall（摊点摊贩）、road（道路）或 building（楼栋）",
        )
    })
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// Write a checked entry inside the caller's transaction (forms and imports alike).
pub(crate) async fn insert_in(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    c: &Checked,
) -> Result<i64> {
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        &mut *tx,
        sqlx::query(
            "INSERT INTO registry_entry (city_id, kind, name, grid_id, unit_path, address, \
             lon_e7, lat_e7, code, contact_name, contact_phone, hardship, attrs, note, active, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, 1, $15, $15) RETURNING id",
        )
        .bind(access.city_id())
        .bind(c.f.kind.as_str())
        .bind(&c.f.name)
        .bind(c.grid.id)
        .bind(&c.grid.path)
        .bind(&c.f.address)
        .bind(c.f.point.map(|p| p.0))
        .bind(c.f.point.map(|p| p.1))
        .bind(c.f.code.as_deref())
        .bind(c.f.contact_name.as_deref())
        .bind(c.f.contact_phone.as_deref())
        .bind(i64::from(c.f.hardship))
        .bind(Value::Object(c.f.attrs.clone()).to_string())
        .bind(&c.f.note)
        .bind(now),
    )
    .await?;
    audit::record(
        &mut *tx,
        access.actor(),
        AuditEntry {
            action: "registry_create",
            object_kind: "registry_entry",
            object_id: id,
            scope_path: &c.grid.path,
            before: None,
            after: Some(c.audit_json()),
        },
    )
    .await?;
    Ok(id)
}

/// Register an entry.
pub async fn create(db: &Db, access: &Access, input: EntryInput) -> Result<RegistryEntry> {
    let kind = parse_kind(input.kind.as_deref())?;
    let c = check(db, access, kind, &input, 0).await?;
    let mut tx = db.begin().await?;
    let id = insert_in(&mut tx, access, &c).await?;
    tx.commit().await?;
    entry(db, access, id).await
}

/// An entry the caller changes: 404 when it does not exist, 403 when they do not keep
/// its grid.
async fn to_change(db: &Db, access: &Access, id: i64) -> Result<RegistryEntry> {
    let e = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !keeps(access, &e.unit_path) {
        return Err(Error::Forbidden("只有本网格的网格长或社区干部可以修改登记"));
    }
    Ok(e)
}

/// Change an entry (its kind stays; it may move to another grid the caller keeps).
pub async fn update(db: &Db, access: &Access, id: i64, input: EntryInput) -> Result<RegistryEntry> {
    let before = to_change(db, access, id).await?;
    if let Some(k) = input.kind.as_deref().filter(|k| !k.trim().is_empty())
        && Kind::parse(k) != Some(before.kind)
    {
        return Err(Error::field(
            "kind",
            "登记类别不能修改：请停用这条登记，再按正确的类别重新登记",
        ));
    }
    let c = check(db, access, before.kind, &input, id).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE registry_entry SET name = $1, grid_id = $2, unit_path = $3, address = $4, \
         lon_e7 = $5, lat_e7 = $6, code = $7, contact_name = $8, contact_phone = $9, \
         hardship = $10, attrs = $11, note = $12, updated_at = $13 WHERE city_id = $14 AND id = $15",
    )
    .bind(&c.f.name)
    .bind(c.grid.id)
    .bind(&c.grid.path)
    .bind(&c.f.address)
    .bind(c.f.point.map(|p| p.0))
    .bind(c.f.point.map(|p| p.1))
    .bind(c.f.code.as_deref())
    .bind(c.f.contact_name.as_deref())
    .bind(c.f.contact_phone.as_deref())
    .bind(i64::from(c.f.hardship))
    .bind(Value::Object(c.f.attrs.clone()).to_string())
    .bind(&c.f.note)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        AuditEntry {
            action: "registry_update",
            object_kind: "registry_entry",
            object_id: id,
            scope_path: &c.grid.path,
            before: Some(entry_json(&before)),
            after: Some(c.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    entry(db, access, id).await
}

/// Deactivate (`false`: the shop closed, the building was demolished) or reactivate an
/// entry. Its case history stays.
pub async fn set_active(db: &Db, access: &Access, id: i64, active: bool) -> Result<RegistryEntry> {
    let before = to_change(db, access, id).await?;
    if before.active == active {
        return Err(Error::conflict(
            "registry_unchanged",
            if active {
                "这条登记本来就在用"
            } else {
                "这条登记已经停用了"
            },
        ));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE registry_entry SET active = $1, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(i64::from(active))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        AuditEntry {
            action: if active {
                "registry_reactivate"
            } else {
                "registry_deactivate"
            },
            object_kind: "registry_entry",
            object_id: id,
            scope_path: &before.unit_path,
            before: Some(json!({"active": before.active})),
            after: Some(json!({"active": active})),
        },
    )
    .await?;
    tx.commit().await?;
    entry(db, access, id).await
}
