//! Who may see and do what with a case. Roles are held per node and count for its subtree
//! (org::Access); a case belongs to its grid (or community) path.

use org::{Access, Role};

use crate::store::CaseFile;

/// Staff roles that read every case under their node.
const READERS: [Role; 5] = [
    Role::PlatformAdmin,
    Role::Admin,
    Role::CommunityCadre,
    Role::GridLeader,
    Role::Inspector,
];

/// Whether the account may read the case: its reporter, its handler, the staff over it.
/// (The watcher of a closed case reads it through the watch.)
pub fn reads(access: &Access, c: &CaseFile) -> bool {
    let me = access.person_id();
    (me != 0 && (c.reporter_person_id == Some(me) || c.handler_person_id == Some(me)))
        || READERS.iter().any(|r| access.holds_over(*r, &c.unit_path))
}

/// Whether the account accepts, registers, dispatches and decides on requests for cases
/// under `path`: the community's cadres and the admins above (the command seat).
pub fn dispatches(access: &Access, path: &str) -> bool {
    access.holds_over(Role::CommunityCadre, path)
}

/// Whether the account may verify (核查) cases under `path`: grid leaders and cadres.
pub fn verifies(access: &Access, path: &str) -> bool {
    access.holds_over(Role::GridLeader, path) || dispatches(access, path)
}

/// Whether the account is the case's handler.
pub fn handles(access: &Access, c: &CaseFile) -> bool {
    access.person_id() != 0 && c.handler_person_id == Some(access.person_id())
}

/// Whether the account reported the case.
pub fn reported(access: &Access, c: &CaseFile) -> bool {
    access.person_id() != 0 && c.reporter_person_id == Some(access.person_id())
}

/// Path prefixes whose cases the account lists as staff.
pub fn prefixes(access: &Access) -> Vec<String> {
    let mut all: Vec<String> = access
        .grants()
        .iter()
        .filter(|g| READERS.contains(&g.role))
        .map(|g| g.unit_path.clone())
        .collect();
    all.sort_by_key(String::len);
    let mut out: Vec<String> = Vec::new();
    for p in all {
        if !out.iter().any(|o| p.starts_with(o.as_str())) {
            out.push(p);
        }
    }
    out
}
