//! The grids' responsibility chain (the Zhengzhou rule): each 单元网格 has a directly
//! responsible person (直接责任人), each 主体网格 a principal responsible person (主要责任人),
//! and above them a lead responsible person (领导责任人). When a problem in a grid is found
//! by someone else — an inspection, the media, the hotline — the chain is what
//! accountability traces; the case keeps the chain as it stood that day.

use kernel::audit::{self, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

/// The three levels, lowest first: code and name.
pub const LEVELS: [(&str, &str); 3] = [
    ("direct", "直接责任人"),
    ("principal", "主要责任人"),
    ("lead", "领导责任人"),
];

/// One link of a grid's chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Link {
    /// `direct`, `principal` or `lead`.
    pub level: String,
    /// The level's name.
    pub level_label: String,
    /// The person (none when nobody is named at that level).
    pub person_id: Option<i64>,
    /// Their name.
    pub name: Option<String>,
    /// The node the person is named at (the grid, its main grid, the community…).
    pub unit_id: Option<i64>,
}

/// The chain of a grid (or any node): for each level, the person named at the node or,
/// failing that, at the nearest node above it.
pub async fn chain(db: &Db, city_id: i64, grid_id: i64) -> Result<Vec<Link>> {
    let Some(grid) = org::units::fetch_any(db, city_id, grid_id).await? else {
        return Err(Error::NotFound);
    };
    // Nearest first: the grid, then its ancestors upwards.
    let ids: Vec<i64> = grid
        .path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .rev()
        .collect();
    let rows = sqlx::query(
        "SELECT r.unit_id, r.level, r.person_id, p.name FROM grid_responsible r \
         JOIN person p ON p.city_id = r.city_id AND p.id = r.person_id WHERE r.city_id = $1",
    )
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    let mut named = Vec::new();
    for r in rows {
        let unit: i64 = r.try_get(0)?;
        if let Some(rank) = ids.iter().position(|i| *i == unit) {
            named.push((
                rank,
                unit,
                r.try_get::<String, _>(1)?,
                r.try_get::<i64, _>(2)?,
                r.try_get::<String, _>(3)?,
            ));
        }
    }
    named.sort_by_key(|n| n.0);
    Ok(LEVELS
        .iter()
        .map(|(code, label)| {
            let hit = named.iter().find(|n| n.2 == *code);
            Link {
                level: (*code).into(),
                level_label: (*label).into(),
                person_id: hit.map(|n| n.3),
                name: hit.map(|n| n.4.clone()),
                unit_id: hit.map(|n| n.1),
            }
        })
        .collect())
}

/// Name someone at a level of a node's chain.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Appoint {
    /// `direct`, `principal` or `lead`.
    #[serde(default)]
    pub level: String,
    /// The person; none clears the level at this node.
    pub person_id: Option<i64>,
}

/// Name (or clear) the person at a level of a grid's or community's chain. Who manages
/// the node (its community's cadres for a grid, the admins above) does it.
pub async fn appoint(db: &Db, access: &Access, unit_id: i64, a: Appoint) -> Result<Vec<Link>> {
    let city = access.city_id();
    let unit = org::units::get(db, access, unit_id).await?;
    let is_grid = unit.kind.as_str() == "grid";
    if !access.manages_unit(&unit.path, is_grid) {
        return Err(Error::Forbidden("只有管理这个网格的干部可以指定责任人"));
    }
    if !LEVELS.iter().any(|l| l.0 == a.level) {
        return Err(Error::field(
            "level",
            "责任层级只能是 direct（直接）、principal（主要）或 lead（领导）",
        ));
    }
    if let Some(p) = a.person_id {
        let scope = org::people::scope_of(db, city, p)
            .await
            .map_err(|_| Error::field("person_id", "没有这个人"))?;
        if !access.reads_person(&scope) {
            return Err(Error::field("person_id", "没有这个人"));
        }
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM grid_responsible WHERE city_id = $1 AND unit_id = $2 AND level = $3")
        .bind(city)
        .bind(unit_id)
        .bind(&a.level)
        .execute(&mut *tx)
        .await?;
    if let Some(p) = a.person_id {
        sqlx::query(
            "INSERT INTO grid_responsible (city_id, unit_id, level, person_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(city)
        .bind(unit_id)
        .bind(&a.level)
        .bind(p)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "appoint",
            object_kind: "grid_responsible",
            object_id: unit_id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"level": a.level, "person_id": a.person_id})),
        },
    )
    .await?;
    tx.commit().await?;
    chain(db, city, unit_id).await
}

/// Each person's grid where they are the directly responsible person (直接责任人) — the
/// grid their results are filed under; one grid per person (the lowest id when several).
pub async fn direct_grids(db: &Db, city_id: i64) -> Result<std::collections::HashMap<i64, i64>> {
    let rows = sqlx::query(
        "SELECT person_id, MIN(unit_id) FROM grid_responsible WHERE city_id = $1 \
         AND level = 'direct' GROUP BY person_id",
    )
    .bind(city_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
