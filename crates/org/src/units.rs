//! The organisation tree: city → district → street/town → community/village (or a joint
//! community grouping villages) → grid (grids may nest). Each node keeps its materialised
//! path (`/1/4/9/`) so a subtree is one indexed prefix match.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::geo::{Boundary, Point};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::access::Access;

/// The kind of an organisation node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 市 (the tenant's root).
    City,
    /// 区/县.
    District,
    /// 街道.
    Street,
    /// 乡镇.
    Town,
    /// 社区.
    Community,
    /// 村.
    Village,
    /// 联村社区: a service centre grouping several villages.
    JointCommunity,
    /// 网格 (主体网格 or 单元网格 when nested).
    Grid,
}

impl UnitKind {
    /// Every kind, top down.
    pub const ALL: [UnitKind; 8] = [
        UnitKind::City,
        UnitKind::District,
        UnitKind::Street,
        UnitKind::Town,
        UnitKind::Community,
        UnitKind::Village,
        UnitKind::JointCommunity,
        UnitKind::Grid,
    ];

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::City => "city",
            UnitKind::District => "district",
            UnitKind::Street => "street",
            UnitKind::Town => "town",
            UnitKind::Community => "community",
            UnitKind::Village => "village",
            UnitKind::JointCommunity => "joint_community",
            UnitKind::Grid => "grid",
        }
    }

    /// Parse a stable code or a Chinese name.
    pub fn parse(s: &str) -> Option<UnitKind> {
        let s = s.trim();
        UnitKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
            .or(match s {
                "区" | "县" | "区县" => Some(UnitKind::District),
                "乡" | "镇" => Some(UnitKind::Town),
                "主体网格" | "单元网格" => Some(UnitKind::Grid),
                _ => None,
            })
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::City => "市",
            UnitKind::District => "区县",
            UnitKind::Street => "街道",
            UnitKind::Town => "乡镇",
            UnitKind::Community => "社区",
            UnitKind::Village => "村",
            UnitKind::JointCommunity => "联村社区",
            UnitKind::Grid => "网格",
        }
    }

    /// Whether a node of this kind may sit under a node of `parent`.
    pub fn fits_under(self, parent: UnitKind) -> bool {
        use UnitKind::*;
        match self {
            City => false,
            District => parent == City,
            Street | Town => parent == District,
            Community | JointCommunity => matches!(parent, Street | Town),
            Village => matches!(parent, Street | Town | JointCommunity),
            Grid => matches!(parent, Community | Village | Grid),
        }
    }

    /// Kinds people can be registered with or live in.
    pub fn is_community_level(self) -> bool {
        matches!(
            self,
            UnitKind::Community | UnitKind::Village | UnitKind::JointCommunity
        )
    }

    /// The kinds that may be created under a node of this kind.
    pub fn child_kinds(self) -> Vec<UnitKind> {
        UnitKind::ALL
            .into_iter()
            .filter(|k| k.fits_under(self))
            .collect()
    }
}

/// A node of the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unit {
    /// Id.
    pub id: i64,
    /// Parent node (none for the city).
    pub parent_id: Option<i64>,
    /// Kind.
    pub kind: UnitKind,
    /// Name.
    pub name: String,
    /// Administrative code (行政区划代码 or the city's own grid code).
    pub code: String,
    /// Materialised path of ids.
    pub path: String,
    /// Depth (city = 0).
    pub depth: i64,
    /// Boundary as GeoJSON geometry text.
    pub boundary: Option<String>,
    /// Centre longitude (WGS-84 degrees).
    pub center_lon: Option<f64>,
    /// Centre latitude (WGS-84 degrees).
    pub center_lat: Option<f64>,
}

impl Unit {
    pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Unit> {
        let kind: String = r.try_get("kind")?;
        let lon: Option<i64> = r.try_get("center_lon")?;
        let lat: Option<i64> = r.try_get("center_lat")?;
        Ok(Unit {
            id: r.try_get("id")?,
            parent_id: r.try_get("parent_id")?,
            kind: UnitKind::parse(&kind).ok_or_else(|| Error::Internal(format!("kind {kind}")))?,
            name: r.try_get("name")?,
            code: r.try_get("code")?,
            path: r.try_get("path")?,
            depth: r.try_get("depth")?,
            boundary: r.try_get("boundary")?,
            center_lon: lon.map(|v| v as f64 / kernel::geo::E7),
            center_lat: lat.map(|v| v as f64 / kernel::geo::E7),
        })
    }

    fn audit_json(&self) -> serde_json::Value {
        json!({"name": self.name, "code": self.code, "kind": self.kind.as_str(),
               "parent_id": self.parent_id, "path": self.path,
               "has_boundary": self.boundary.is_some(),
               "center": [self.center_lon, self.center_lat]})
    }
}

pub(crate) const COLS: &str =
    "id, parent_id, kind, name, code, path, depth, boundary, center_lon, center_lat";

/// Input for a new node.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewUnit {
    /// The parent node.
    pub parent_id: i64,
    /// Kind code (`community`, `grid`, …).
    pub kind: String,
    /// Name.
    pub name: String,
    /// Administrative code, unique in the city.
    pub code: String,
    /// Optional boundary: a GeoJSON Polygon or MultiPolygon.
    pub boundary: Option<String>,
    /// Optional centre longitude; taken from the boundary when missing.
    pub center_lon: Option<f64>,
    /// Optional centre latitude.
    pub center_lat: Option<f64>,
}

/// Changes to a node (rename, recode, boundary, centre). Missing fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UnitChanges {
    /// New name.
    pub name: Option<String>,
    /// New code.
    pub code: Option<String>,
    /// New boundary (GeoJSON); an empty string removes it.
    pub boundary: Option<String>,
    /// New centre longitude.
    pub center_lon: Option<f64>,
    /// New centre latitude.
    pub center_lat: Option<f64>,
}

pub(crate) struct Geometry {
    boundary: Option<String>,
    center: Option<Point>,
}

pub(crate) fn check_geometry(
    p: &mut Problems,
    boundary: Option<&str>,
    lon: Option<f64>,
    lat: Option<f64>,
) -> Geometry {
    let parsed = match boundary.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(text) if text.len() > 2_000_000 => {
            p.add("boundary", "边界数据过大（最多 2 MB）");
            None
        }
        Some(text) => match Boundary::parse(text) {
            Ok(b) => Some(b),
            Err(e) => {
                p.add("boundary", format!("边界 GeoJSON 无效：{}", e.0));
                None
            }
        },
    };
    let center = match (lon, lat) {
        (Some(x), Some(y)) => match Point::from_degrees(x, y) {
            Some(pt) => Some(pt),
            None => {
                p.add(
                    "center_lon",
                    "中心点坐标超出范围：经度 -180～180，纬度 -90～90",
                );
                None
            }
        },
        (None, None) => parsed.as_ref().and_then(Boundary::centroid),
        _ => {
            p.add("center_lat", "中心点需要同时填写经度和纬度");
            None
        }
    };
    Geometry {
        boundary: parsed.map(|b| b.to_text()),
        center,
    }
}

pub(crate) fn check_code(p: &mut Problems, code: &str) -> String {
    let code = required_text(p, "code", "编码", code, 32);
    if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        p.add("code", "编码只能包含数字、字母和连字符");
    }
    code
}

/// Read a node by id, unchecked (callers check scope).
pub(crate) async fn fetch(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    city_id: i64,
    id: i64,
) -> Result<Option<Unit>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.first().map(Unit::from_row).transpose()
}

/// Read a node by code, unchecked.
pub(crate) async fn fetch_by_code(
    conn: impl sqlx::Executor<'_, Database = sqlx::Any>,
    city_id: i64,
    code: &str,
) -> Result<Option<Unit>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND code = $2"
    )))
    .bind(city_id)
    .bind(code)
    .fetch_all(conn)
    .await?;
    rows.first().map(Unit::from_row).transpose()
}

/// A node the caller may read.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Unit> {
    match fetch(db.reader(), access.city_id(), id).await? {
        Some(u) if access.reads_unit(&u.path) => Ok(u),
        _ => Err(Error::NotFound),
    }
}

/// A node the caller may read, by code.
pub async fn get_by_code(db: &Db, access: &Access, code: &str) -> Result<Unit> {
    match fetch_by_code(db.reader(), access.city_id(), code).await? {
        Some(u) if access.reads_unit(&u.path) => Ok(u),
        _ => Err(Error::NotFound),
    }
}

/// A node by id for the platform's own work (jobs, escalation), whatever the caller's
/// scope; areas check their own permissions on what they do with it.
pub async fn fetch_any(db: &Db, city_id: i64, id: i64) -> Result<Option<Unit>> {
    fetch(db.reader(), city_id, id).await
}

/// Several nodes by id in one query (for names in lists), whatever the caller's scope.
pub async fn fetch_many(db: &Db, city_id: i64, ids: &[i64]) -> Result<Vec<Unit>> {
    let mut ids: Vec<i64> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(city_id);
    for id in &ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(db.reader()).await?;
    rows.iter().map(Unit::from_row).collect()
}

/// The grids with a boundary whose centre lies within `deg` degrees of `p` (a cheap box
/// before the exact test the caller makes), deepest first.
pub async fn grids_near(
    db: &Db,
    city_id: i64,
    p: kernel::geo::Point,
    deg: f64,
) -> Result<Vec<Unit>> {
    let d = (deg * kernel::geo::E7) as i64;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND kind = 'grid' AND boundary IS NOT NULL \
         AND center_lon BETWEEN $2 AND $3 AND center_lat BETWEEN $4 AND $5 ORDER BY depth DESC, id"
    )))
    .bind(city_id)
    .bind(p.lon_e7 - d)
    .bind(p.lon_e7 + d)
    .bind(p.lat_e7 - d)
    .bind(p.lat_e7 + d)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(Unit::from_row).collect()
}

/// The ancestors of a node that the caller may read, top down (for the breadcrumb).
pub async fn ancestors(db: &Db, access: &Access, unit: &Unit) -> Result<Vec<Unit>> {
    let ids: Vec<i64> = unit
        .path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .filter(|id| *id != unit.id)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        if let Some(u) = fetch(db.reader(), access.city_id(), id).await?
            && access.reads_unit(&u.path)
        {
            out.push(u);
        }
    }
    Ok(out)
}

/// The children of a node, by kind and name.
pub async fn children(db: &Db, access: &Access, id: i64) -> Result<Vec<Unit>> {
    let parent = get(db, access, id).await?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND parent_id = $2 ORDER BY code, id"
    )))
    .bind(access.city_id())
    .bind(parent.id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(Unit::from_row).collect()
}

/// The paths of a node and every node below it, at most `limit` (none when there are more):
/// for queries that seek each path exactly instead of scanning a prefix range.
pub async fn paths_under(
    db: &Db,
    city_id: i64,
    prefix: &str,
    limit: usize,
) -> Result<Option<Vec<String>>> {
    let rows = sqlx::query(
        "SELECT path FROM org_unit WHERE city_id = $1 AND path LIKE $2 ORDER BY path LIMIT $3",
    )
    .bind(city_id)
    .bind(format!("{prefix}%"))
    .bind(limit as i64 + 1)
    .fetch_all(db.reader())
    .await?;
    if rows.len() > limit {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?,
    ))
}

/// A node with its descendants down to `levels` below it, in path order (a tree listing).
pub async fn subtree(db: &Db, access: &Access, id: i64, levels: i64) -> Result<Vec<Unit>> {
    let root = get(db, access, id).await?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND path LIKE $2 AND depth <= $3 \
         ORDER BY path LIMIT 5000"
    )))
    .bind(access.city_id())
    .bind(format!("{}%", root.path))
    .bind(root.depth + levels.clamp(0, 8))
    .fetch_all(db.reader())
    .await?;
    let mut units: Vec<Unit> = rows.iter().map(Unit::from_row).collect::<Result<_>>()?;
    sort_as_tree(&mut units);
    Ok(units)
}

/// Order nodes depth-first with siblings by code (paths sort by id text, not by code).
pub(crate) fn sort_as_tree(units: &mut Vec<Unit>) {
    use std::collections::HashMap;
    let mut by_parent: HashMap<Option<i64>, Vec<Unit>> = HashMap::new();
    let ids: std::collections::HashSet<i64> = units.iter().map(|u| u.id).collect();
    let mut roots = Vec::new();
    for u in units.drain(..) {
        match u.parent_id {
            Some(p) if ids.contains(&p) => by_parent.entry(Some(p)).or_default().push(u),
            _ => roots.push(u),
        }
    }
    fn walk(u: Unit, by_parent: &mut HashMap<Option<i64>, Vec<Unit>>, out: &mut Vec<Unit>) {
        let id = u.id;
        out.push(u);
        if let Some(mut kids) = by_parent.remove(&Some(id)) {
            kids.sort_by(|a, b| a.code.cmp(&b.code));
            for k in kids {
                walk(k, by_parent, out);
            }
        }
    }
    roots.sort_by(|a, b| a.path.len().cmp(&b.path.len()).then(a.code.cmp(&b.code)));
    for r in roots {
        walk(r, &mut by_parent, units);
    }
}

/// Nodes of the given kinds within the caller's scope (for pickers), by path.
pub async fn list_in_scope(db: &Db, access: &Access, kinds: &[UnitKind]) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    for (_, prefix) in access.top_units() {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLS} FROM org_unit WHERE city_id = $1 AND path LIKE $2 ORDER BY path LIMIT 5000"
        )))
        .bind(access.city_id())
        .bind(format!("{prefix}%"))
        .fetch_all(db.reader())
        .await?;
        for r in &rows {
            let u = Unit::from_row(r)?;
            if kinds.is_empty() || kinds.contains(&u.kind) {
                out.push(u);
            }
        }
    }
    sort_as_tree(&mut out);
    Ok(out)
}

/// Counts of what still hangs on a node (a node with any of these cannot be deleted).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Dependents {
    /// Child nodes.
    pub children: i64,
    /// People living in or registered with it.
    pub people: i64,
    /// Employers registered at it.
    pub employers: i64,
    /// Roles held at it.
    pub roles: i64,
}

/// What still hangs on a node.
pub async fn dependents(db: &Db, access: &Access, id: i64) -> Result<Dependents> {
    let u = get(db, access, id).await?;
    count_dependents(db.reader(), access.city_id(), u.id).await
}

async fn count_dependents(pool: &sqlx::AnyPool, city_id: i64, id: i64) -> Result<Dependents> {
    let mut conn = pool.acquire().await?;
    count_in(&mut conn, city_id, id).await
}

/// Create a node under a parent the caller manages.
pub async fn create(db: &Db, access: &Access, input: NewUnit) -> Result<Unit> {
    let mut tx = db.begin().await?;
    let unit = create_in(&mut tx, access, input).await?;
    tx.commit().await?;
    Ok(unit)
}

/// Create a node inside the caller's transaction (used by the importer too).
pub(crate) async fn create_in(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    input: NewUnit,
) -> Result<Unit> {
    let mut p = Problems::default();
    let kind = UnitKind::parse(&input.kind);
    if kind.is_none() {
        p.add(
            "kind",
            "类型无效：应为 区县、街道、乡镇、社区、村、联村社区 或 网格",
        );
    }
    let name = required_text(&mut p, "name", "名称", &input.name, 64);
    let code = check_code(&mut p, &input.code);
    let geo = check_geometry(
        &mut p,
        input.boundary.as_deref(),
        input.center_lon,
        input.center_lat,
    );
    // A parent that does not exist is a field error; one outside the caller's scope is
    // refused below (writes outside scope answer 403).
    let parent = fetch(&mut *tx, access.city_id(), input.parent_id).await?;
    if parent.is_none() {
        p.add("parent_id", "上级节点不存在");
    }
    if let (Some(parent), Some(kind)) = (&parent, kind)
        && !kind.fits_under(parent.kind)
    {
        p.add(
            "kind",
            format!("{}下面不能建{}", parent.kind.label(), kind.label()),
        );
    }
    p.finish()?;
    let (parent, kind) = (parent.expect("checked"), kind.expect("checked"));
    if !access.creates_unit_under(&parent.path, kind == UnitKind::Grid) {
        return Err(Error::Forbidden("只能在您管辖的范围内新建节点"));
    }
    if fetch_by_code(&mut *tx, access.city_id(), &code)
        .await?
        .is_some()
    {
        return Err(Error::field("code", format!("编码 {code} 已被使用")));
    }
    let now = now_ms();
    let id = kernel::db::insert_returning_id(
        tx,
        sqlx::query(
            "INSERT INTO org_unit (city_id, parent_id, kind, name, code, path, depth, boundary, \
             center_lon, center_lat, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(access.city_id())
        .bind(parent.id)
        .bind(kind.as_str())
        .bind(&name)
        .bind(&code)
        .bind(parent.depth + 1)
        .bind(&geo.boundary)
        .bind(geo.center.map(|c| c.lon_e7))
        .bind(geo.center.map(|c| c.lat_e7))
        .bind(now),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "code", "编码已被使用"))?;
    let path = format!("{}{id}/", parent.path);
    sqlx::query("UPDATE org_unit SET path = $1 WHERE city_id = $2 AND id = $3")
        .bind(&path)
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let unit = fetch(&mut *tx, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "org_unit",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(unit.audit_json()),
        },
    )
    .await?;
    Ok(unit)
}

/// Rename, recode or re-shape a node the caller manages.
pub async fn update(db: &Db, access: &Access, id: i64, ch: UnitChanges) -> Result<Unit> {
    let mut tx = db.begin().await?;
    let before = fetch(&mut *tx, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !access.manages_unit(&before.path, before.kind == UnitKind::Grid) {
        return Err(Error::Forbidden("您不能修改这个节点"));
    }
    let mut p = Problems::default();
    let name = match &ch.name {
        Some(n) => required_text(&mut p, "name", "名称", n, 64),
        None => before.name.clone(),
    };
    let code = match &ch.code {
        Some(c) => check_code(&mut p, c),
        None => before.code.clone(),
    };
    let boundary_text = ch.boundary.clone().or(before.boundary.clone());
    let (lon, lat) = if ch.center_lon.is_some() || ch.center_lat.is_some() {
        (ch.center_lon, ch.center_lat)
    } else if ch.boundary.is_some() {
        (None, None)
    } else {
        (before.center_lon, before.center_lat)
    };
    let geo = check_geometry(&mut p, boundary_text.as_deref(), lon, lat);
    p.finish()?;
    if code != before.code
        && fetch_by_code(&mut *tx, access.city_id(), &code)
            .await?
            .is_some()
    {
        return Err(Error::field("code", format!("编码 {code} 已被使用")));
    }
    sqlx::query(
        "UPDATE org_unit SET name = $1, code = $2, boundary = $3, center_lon = $4, center_lat = $5, \
         updated_at = $6 WHERE city_id = $7 AND id = $8",
    )
    .bind(&name)
    .bind(&code)
    .bind(&geo.boundary)
    .bind(geo.center.map(|c| c.lon_e7))
    .bind(geo.center.map(|c| c.lat_e7))
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| Error::unique_as_field(e, "code", "编码已被使用"))?;
    let after = fetch(&mut *tx, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "update",
            object_kind: "org_unit",
            object_id: id,
            scope_path: &after.path,
            before: Some(before.audit_json()),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Move a node (with its subtree, people and roles) under another parent.
pub async fn move_to(db: &Db, access: &Access, id: i64, new_parent_id: i64) -> Result<Unit> {
    let mut tx = db.begin().await?;
    let unit = fetch(&mut *tx, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let is_grid = unit.kind == UnitKind::Grid;
    if !access.manages_unit(&unit.path, is_grid) {
        return Err(Error::Forbidden("您不能移动这个节点"));
    }
    let parent = match fetch(&mut *tx, access.city_id(), new_parent_id).await? {
        Some(u) if access.reads_unit(&u.path) => u,
        _ => {
            return Err(Error::field(
                "parent_id",
                "新的上级节点不存在或不在您的管辖范围内",
            ));
        }
    };
    if parent.path.starts_with(&unit.path) {
        return Err(Error::field(
            "parent_id",
            "不能移动到自己或自己的下级节点之下",
        ));
    }
    if !unit.kind.fits_under(parent.kind) {
        return Err(Error::field(
            "parent_id",
            format!("{}下面不能放{}", parent.kind.label(), unit.kind.label()),
        ));
    }
    if !access.creates_unit_under(&parent.path, is_grid) {
        return Err(Error::Forbidden("只能移动到您管辖的范围内"));
    }
    if unit.parent_id == Some(parent.id) {
        return Ok(unit);
    }
    let new_path = format!("{}{}/", parent.path, unit.id);
    let old_len = unit.path.chars().count() as i64;
    let depth_delta = parent.depth + 1 - unit.depth;
    let like = format!("{}%", unit.path);
    sqlx::query(
        "UPDATE org_unit SET path = $1 || substr(path, CAST($2 AS INTEGER)), \
         depth = depth + $3, updated_at = $4 WHERE city_id = $5 AND path LIKE $6",
    )
    .bind(&new_path)
    .bind(old_len + 1)
    .bind(depth_delta)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(&like)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE org_unit SET parent_id = $1 WHERE city_id = $2 AND id = $3")
        .bind(parent.id)
        .bind(access.city_id())
        .bind(unit.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE person SET scope_path = $1 || substr(scope_path, CAST($2 AS INTEGER)) \
         WHERE city_id = $3 AND scope_path LIKE $4",
    )
    .bind(&new_path)
    .bind(old_len + 1)
    .bind(access.city_id())
    .bind(&like)
    .execute(&mut *tx)
    .await?;
    let after = fetch(&mut *tx, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "move",
            object_kind: "org_unit",
            object_id: id,
            scope_path: &after.path,
            before: Some(unit.audit_json()),
            after: Some(after.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Delete an empty node; one that still has children, people, employers or roles is refused.
pub async fn delete(db: &Db, access: &Access, id: i64) -> Result<()> {
    let unit = fetch(db.reader(), access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !access.manages_unit(&unit.path, unit.kind == UnitKind::Grid) {
        return Err(Error::Forbidden("您不能删除这个节点"));
    }
    let mut tx = db.begin().await?;
    let d = count_in(&mut tx, access.city_id(), id).await?;
    let mut why = Vec::new();
    if d.children > 0 {
        why.push(format!("{} 个下级节点", d.children));
    }
    if d.people > 0 {
        why.push(format!("{} 名人员", d.people));
    }
    if d.employers > 0 {
        why.push(format!("{} 个派出单位", d.employers));
    }
    if d.roles > 0 {
        why.push(format!("{} 个角色授权", d.roles));
    }
    if !why.is_empty() {
        return Err(Error::conflict(
            "unit_not_empty",
            format!(
                "“{}”下还有{}，请先移走或删除它们再删除此节点",
                unit.name,
                why.join("、")
            ),
        ));
    }
    sqlx::query("DELETE FROM org_unit WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "delete",
            object_kind: "org_unit",
            object_id: id,
            scope_path: &unit.path,
            before: Some(unit.audit_json()),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn count_in(tx: &mut sqlx::AnyConnection, city_id: i64, id: i64) -> Result<Dependents> {
    let rows = sqlx::query(
        "SELECT \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM org_unit WHERE city_id = $1 AND parent_id = $2), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM person p WHERE p.city_id = $1 AND (p.home_community_id = $2 \
            OR EXISTS (SELECT 1 FROM registration r WHERE r.city_id = $1 AND r.person_id = p.id \
                       AND r.community_id = $2))), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM employer WHERE city_id = $1 AND unit_id = $2), \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM role_grant WHERE city_id = $1 AND unit_id = $2)",
    )
    .bind(city_id)
    .bind(id)
    .fetch_all(tx)
    .await?;
    let r = rows.first().ok_or(sqlx::Error::RowNotFound)?;
    Ok(Dependents {
        children: r.try_get(0)?,
        people: r.try_get(1)?,
        employers: r.try_get(2)?,
        roles: r.try_get(3)?,
    })
}

/// Create a new city (tenant) with its root node; used by set-up, the demo and tests.
pub async fn create_city(db: &Db, name: &str, code: &str) -> Result<(i64, Unit)> {
    let mut tx = db.begin().await?;
    let now = now_ms();
    let city_id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query("INSERT INTO city (name, code, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(code)
            .bind(now),
    )
    .await
    .map_err(|e| Error::unique_as_field(e, "code", "城市编码已存在"))?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO org_unit (city_id, parent_id, kind, name, code, path, depth, created_at, \
             updated_at) VALUES ($1, NULL, 'city', $2, $3, '', 0, $4, $4) RETURNING id",
        )
        .bind(city_id)
        .bind(name)
        .bind(code)
        .bind(now),
    )
    .await?;
    sqlx::query("UPDATE org_unit SET path = $1 WHERE city_id = $2 AND id = $3")
        .bind(format!("/{id}/"))
        .bind(city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let root = fetch(&mut *tx, city_id, id).await?.ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        &kernel::audit::Actor::system(city_id, "建立城市"),
        Entry {
            action: "create",
            object_kind: "org_unit",
            object_id: id,
            scope_path: &root.path,
            before: None,
            after: Some(root.audit_json()),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((city_id, root))
}

/// A city (tenant) as an outside client names it: by its code.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct City {
    /// The tenant id.
    pub id: i64,
    /// Name (测试市).
    pub name: String,
    /// Code (行政区划代码), unique across the deployment.
    pub code: String,
    /// The root node of its tree.
    pub root_unit_id: i64,
}

/// The city with `code`; with no code, the only city of the deployment (`None` when the
/// code is unknown, or when none is given and the database holds no city or several).
pub async fn city_by_code(db: &Db, code: Option<&str>) -> Result<Option<City>> {
    let sql = "SELECT c.id, c.name, c.code, u.id FROM city c JOIN org_unit u \
        ON u.city_id = c.id AND u.parent_id IS NULL";
    let rows = match code {
        Some(code) => {
            sqlx::query(AssertSqlSafe(format!("{sql} WHERE c.code = $1")))
                .bind(code.trim())
                .fetch_all(db.reader())
                .await?
        }
        None => {
            sqlx::query(AssertSqlSafe(format!("{sql} ORDER BY c.id LIMIT 2")))
                .fetch_all(db.reader())
                .await?
        }
    };
    if rows.len() != 1 {
        return Ok(None);
    }
    let r = &rows[0];
    Ok(Some(City {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        code: r.try_get(2)?,
        root_unit_id: r.try_get(3)?,
    }))
}

/// Every city of the deployment, by id (for jobs that run per city, such as the
/// quarterly employer feedback).
pub async fn cities(db: &Db) -> Result<Vec<City>> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, c.code, u.id FROM city c JOIN org_unit u \
         ON u.city_id = c.id AND u.parent_id IS NULL ORDER BY c.id",
    )
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(City {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                code: r.try_get(2)?,
                root_unit_id: r.try_get(3)?,
            })
        })
        .collect()
}

/// How many cities the deployment holds (capped at 2: enough to tell none, one, several).
pub async fn city_count(db: &Db) -> Result<i64> {
    let rows = sqlx::query("SELECT id FROM city ORDER BY id LIMIT 2")
        .fetch_all(db.reader())
        .await?;
    Ok(rows.len() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_shape() {
        use UnitKind::*;
        assert!(District.fits_under(City));
        assert!(Village.fits_under(JointCommunity));
        assert!(Grid.fits_under(Grid));
        assert!(!Grid.fits_under(Street));
        assert!(!Community.fits_under(District));
        assert!(!City.fits_under(City));
        assert_eq!(UnitKind::parse("联村社区"), Some(JointCommunity));
        assert_eq!(UnitKind::parse("单元网格"), Some(Grid));
    }
}
