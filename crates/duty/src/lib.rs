//! Duty (值班): the rosters of a grid or community — shifts with a time, a place, what the
//! duty is and the people on it — with the checks a cadre must answer with a recorded
//! reason (outside the person's stated availability, over the city's monthly load cap,
//! inside working hours on a working day); leave (请假) asked in advance and swaps (调班)
//! agreed by both people, both approved by the responsible cadre; absences (缺勤) recorded
//! by the cadre after a shift and contested once; meetings and trainings with a sign-in
//! button or a roll call, crediting the ledger once per person. There is no clock-in
//! anywhere (DOMAIN.md §0).

pub mod absence;
pub mod attendance;
pub mod checks;
pub mod figures;
pub mod leave;
pub mod meetings;
pub mod shifts;
pub mod swap;

use kernel::{Db, Error, Result};
use org::units::Unit;
use org::{Access, Role};

/// Whether the account keeps duty for the node: a grid leader or community cadre over it
/// (or an administrator above).
pub fn keeps(access: &Access, path: &str) -> bool {
    access.holds_over(Role::GridLeader, path) || access.holds_over(Role::CommunityCadre, path)
}

/// The node a roster or meeting belongs to: a grid or a community-level node the caller
/// keeps. Unknown, of another kind or out of scope: a field error on `unit_id`.
pub(crate) async fn kept_unit(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Unit> {
    let Some(id) = unit_id else {
        return Err(Error::field("unit_id", "请选择网格或社区"));
    };
    match org::units::fetch_any(db, access.city_id(), id).await? {
        Some(u)
            if (u.kind == org::units::UnitKind::Grid || u.kind.is_community_level())
                && keeps(access, &u.path) =>
        {
            Ok(u)
        }
        _ => Err(Error::field(
            "unit_id",
            "没有这个网格或社区，或您不负责它的值班",
        )),
    }
}

/// The path of the community-level node a unit belongs to (itself when it is one).
pub(crate) async fn community_path(db: &Db, city_id: i64, unit: &Unit) -> Result<String> {
    if unit.kind.is_community_level() {
        return Ok(unit.path.clone());
    }
    let ids: Vec<i64> = unit
        .path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .collect();
    for id in ids.iter().rev() {
        if let Some(u) = org::units::fetch_any(db, city_id, *id).await?
            && u.kind.is_community_level()
        {
            return Ok(u.path);
        }
    }
    Ok(unit.path.clone())
}

/// The root unit id of a path (`/1/4/` → 1), for a system access.
pub(crate) fn root_of(path: &str) -> i64 {
    path.split('/')
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0)
}
