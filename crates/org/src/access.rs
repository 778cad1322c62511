//! Roles and scopes. A role is held at an organisation node and is valid for its subtree.
//! [`Access`] is the permission value every service takes; only this crate can make one
//! (from a verified session or token, or for the system itself).

use kernel::audit::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A role, held at an organisation node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 平台管理员: everything in the city.
    PlatformAdmin,
    /// 区/街道管理员: everything in their district or street.
    Admin,
    /// 社区干部: their community, its grids and people.
    CommunityCadre,
    /// 网格长: their grid.
    GridLeader,
    /// 下沉人员: their own record and tasks.
    Personnel,
    /// 居民: their own record and requests.
    Resident,
    /// 物业/驻区单位: cases in their remit.
    PropertyUnit,
    /// 派出单位管理员: their employer's people.
    EmployerAdmin,
    /// 督查: read-only over their subtree.
    Inspector,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 9] = [
        Role::PlatformAdmin,
        Role::Admin,
        Role::CommunityCadre,
        Role::GridLeader,
        Role::Personnel,
        Role::Resident,
        Role::PropertyUnit,
        Role::EmployerAdmin,
        Role::Inspector,
    ];

    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Admin => "admin",
            Role::CommunityCadre => "community_cadre",
            Role::GridLeader => "grid_leader",
            Role::Personnel => "personnel",
            Role::Resident => "resident",
            Role::PropertyUnit => "property_unit",
            Role::EmployerAdmin => "employer_admin",
            Role::Inspector => "inspector",
        }
    }

    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::Admin => "区/街道管理员",
            Role::CommunityCadre => "社区干部",
            Role::GridLeader => "网格长",
            Role::Personnel => "下沉人员",
            Role::Resident => "居民",
            Role::PropertyUnit => "物业/驻区单位",
            Role::EmployerAdmin => "派出单位管理员",
            Role::Inspector => "督查人员",
        }
    }

    /// Roles that administer people and organisation data (see full contacts, party
    /// membership, import and export).
    pub fn administers(self) -> bool {
        matches!(
            self,
            Role::PlatformAdmin | Role::Admin | Role::CommunityCadre
        )
    }

    /// Roles that read people lists in their subtree.
    fn reads_people(self) -> bool {
        self.administers() || matches!(self, Role::GridLeader | Role::Inspector)
    }
}

/// One role held at one node.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Grant {
    /// The grant's id.
    pub id: i64,
    /// The role.
    pub role: Role,
    /// The node it is held at.
    pub unit_id: i64,
    /// The node's path (`/1/4/9/`).
    pub unit_path: String,
    /// The node's name.
    pub unit_name: String,
    /// For an employer admin: the employer.
    pub employer_id: Option<i64>,
}

/// Where a person's record sits, for permission checks.
#[derive(Debug, Clone)]
pub struct PersonScope {
    /// The person.
    pub person_id: i64,
    /// Path of the community they are registered with (or live in).
    pub scope_path: String,
    /// Their employer.
    pub employer_id: Option<i64>,
}

/// Who is asking and what they may do: the only way into the area services.
#[derive(Debug, Clone)]
pub struct Access {
    pub(crate) actor: Actor,
    pub(crate) account_id: i64,
    pub(crate) person_id: i64,
    pub(crate) grants: Vec<Grant>,
    pub(crate) must_change_password: bool,
    pub(crate) csrf: String,
    pub(crate) via_session: bool,
}

fn under(path: &str, prefix: &str) -> bool {
    path.starts_with(prefix)
}

impl Access {
    /// The tenant.
    pub fn city_id(&self) -> i64 {
        self.actor.city_id
    }
    /// The account acting.
    pub fn account_id(&self) -> i64 {
        self.account_id
    }
    /// The person behind the account.
    pub fn person_id(&self) -> i64 {
        self.person_id
    }
    /// Display name.
    pub fn name(&self) -> &str {
        &self.actor.name
    }
    /// The actor for the audit log.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    /// Set the request id the audit log records.
    pub fn set_request_id(&mut self, id: String) {
        self.actor.request_id = id;
    }
    /// The roles held.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }
    /// Whether the account must change its password before anything else.
    pub fn must_change_password(&self) -> bool {
        self.must_change_password
    }
    /// The CSRF token bound to this session.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }
    /// Whether this came from a browser session (cookie) rather than a bearer token.
    pub fn via_session(&self) -> bool {
        self.via_session
    }
    /// Whether the account holds `role` anywhere.
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }
    /// Whether the account is a platform admin.
    pub fn is_platform_admin(&self) -> bool {
        self.has(Role::PlatformAdmin)
    }
    /// Whether the account holds any role that administers data.
    pub fn is_administrator(&self) -> bool {
        self.grants.iter().any(|g| g.role.administers())
    }
    /// Whether the account holds a staff role (anything but personnel/resident).
    pub fn is_staff(&self) -> bool {
        self.grants
            .iter()
            .any(|g| !matches!(g.role, Role::Personnel | Role::Resident))
    }

    fn grants_with(&self, f: impl Fn(Role) -> bool) -> impl Iterator<Item = &Grant> {
        self.grants.iter().filter(move |g| f(g.role))
    }

    /// Whether the node at `path` is within any of this account's scopes.
    pub fn reads_unit(&self, path: &str) -> bool {
        self.grants.iter().any(|g| under(path, &g.unit_path))
    }

    /// Whether this account may create a node of `kind_is_grid` under `parent_path`.
    pub fn creates_unit_under(&self, parent_path: &str, kind_is_grid: bool) -> bool {
        self.grants_with(|r| matches!(r, Role::PlatformAdmin | Role::Admin))
            .any(|g| under(parent_path, &g.unit_path))
            || (kind_is_grid
                && self
                    .grants_with(|r| r == Role::CommunityCadre)
                    .any(|g| under(parent_path, &g.unit_path)))
    }

    /// Whether this account may rename, move or delete the node at `path`. An admin may
    /// change nodes strictly below the node their role is held at; a community cadre may
    /// change the grids of their community.
    pub fn manages_unit(&self, path: &str, is_grid: bool) -> bool {
        self.grants.iter().any(|g| match g.role {
            Role::PlatformAdmin => under(path, &g.unit_path),
            Role::Admin => under(path, &g.unit_path) && path != g.unit_path,
            Role::CommunityCadre => is_grid && under(path, &g.unit_path) && path != g.unit_path,
            _ => false,
        })
    }

    /// Whether this account may read the person.
    pub fn reads_person(&self, p: &PersonScope) -> bool {
        p.person_id == self.person_id
            || self
                .grants_with(Role::reads_people)
                .any(|g| under(&p.scope_path, &g.unit_path))
            || self
                .grants_with(|r| r == Role::EmployerAdmin)
                .any(|g| g.employer_id.is_some() && g.employer_id == p.employer_id)
    }

    /// Whether this account may change the person's record (and their account and roles).
    pub fn manages_person(&self, p: &PersonScope) -> bool {
        self.grants_with(Role::administers)
            .any(|g| under(&p.scope_path, &g.unit_path))
    }

    /// Whether full phone and ID numbers of `p` are shown (otherwise masked).
    pub fn sees_contact_of(&self, p: &PersonScope) -> bool {
        p.person_id == self.person_id || self.manages_person(p)
    }

    /// Whether party membership of `p` is shown.
    pub fn sees_party_of(&self, p: &PersonScope) -> bool {
        p.person_id == self.person_id
            || self.manages_person(p)
            || self
                .grants_with(|r| r == Role::EmployerAdmin)
                .any(|g| g.employer_id.is_some() && g.employer_id == p.employer_id)
    }

    /// Whether the account holds `role`, or an admin role, at a node covering `path`.
    pub fn holds_over(&self, role: Role, path: &str) -> bool {
        self.grants.iter().any(|g| {
            (g.role == role || matches!(g.role, Role::PlatformAdmin | Role::Admin))
                && under(path, &g.unit_path)
        })
    }

    /// Path prefixes whose people this account may list (staff roles that read people).
    pub fn people_prefixes(&self) -> Vec<String> {
        minimal_prefixes(
            self.grants_with(Role::reads_people)
                .map(|g| g.unit_path.clone()),
        )
    }

    /// Path prefixes where this account administers (import, export, create people).
    pub fn admin_prefixes(&self) -> Vec<String> {
        minimal_prefixes(
            self.grants_with(Role::administers)
                .map(|g| g.unit_path.clone()),
        )
    }

    /// Employers whose people this account may list as their employer admin.
    pub fn employer_ids(&self) -> Vec<i64> {
        self.grants_with(|r| r == Role::EmployerAdmin)
            .filter_map(|g| g.employer_id)
            .collect()
    }

    /// Whether this account may read the employer registered at `unit_path`.
    pub fn reads_employer(&self, employer_id: i64) -> bool {
        self.grants_with(|r| r.reads_people()).next().is_some()
            || self.employer_ids().contains(&employer_id)
    }

    /// Whether this account may create or change an employer owned by the node at `unit_path`.
    pub fn manages_employer(&self, unit_path: &str) -> bool {
        self.grants_with(|r| matches!(r, Role::PlatformAdmin | Role::Admin))
            .any(|g| under(unit_path, &g.unit_path))
    }

    /// Whether this account keeps the city's catalogues (skills) and settings (retention).
    pub fn manages_city(&self) -> bool {
        self.is_platform_admin()
    }

    /// Whether this account may grant `role` at the node at `path`.
    pub fn grants_role_at(&self, role: Role, path: &str) -> bool {
        self.grants.iter().any(|g| match g.role {
            Role::PlatformAdmin => under(path, &g.unit_path),
            Role::Admin => {
                under(path, &g.unit_path)
                    && !matches!(role, Role::PlatformAdmin)
                    && (role != Role::Admin || path != g.unit_path)
            }
            _ => false,
        })
    }

    /// Path prefixes whose audit entries this account may browse.
    pub fn audit_prefixes(&self) -> Vec<String> {
        minimal_prefixes(
            self.grants_with(|r| matches!(r, Role::PlatformAdmin | Role::Admin))
                .map(|g| g.unit_path.clone()),
        )
    }

    /// The highest nodes this account holds roles at (where its tree view starts).
    pub fn top_units(&self) -> Vec<(i64, String)> {
        let prefixes = minimal_prefixes(self.grants.iter().map(|g| g.unit_path.clone()));
        self.grants
            .iter()
            .filter(|g| prefixes.contains(&g.unit_path))
            .map(|g| (g.unit_id, g.unit_path.clone()))
            .fold(Vec::new(), |mut acc, u| {
                if !acc.iter().any(|(id, _)| *id == u.0) {
                    acc.push(u);
                }
                acc
            })
    }
}

/// Drop every prefix that another prefix in the set already covers.
fn minimal_prefixes(paths: impl Iterator<Item = String>) -> Vec<String> {
    let mut all: Vec<String> = paths.collect();
    all.sort_by_key(String::len);
    let mut out: Vec<String> = Vec::new();
    for p in all {
        if !out.iter().any(|o| p.starts_with(o.as_str())) {
            out.push(p);
        }
    }
    out
}

/// Build an access value for the system (CLI, jobs, demo loader): a platform admin of the city.
pub fn system_access(city_id: i64, root_unit_id: i64, what: &str) -> Access {
    Access {
        actor: Actor::system(city_id, what),
        account_id: 0,
        person_id: 0,
        grants: vec![Grant {
            id: 0,
            role: Role::PlatformAdmin,
            unit_id: root_unit_id,
            unit_path: format!("/{root_unit_id}/"),
            unit_name: String::new(),
            employer_id: None,
        }],
        must_change_password: false,
        csrf: String::new(),
        via_session: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(role: Role, path: &str, employer: Option<i64>) -> Access {
        let mut a = system_access(1, 1, "t");
        a.person_id = 99;
        a.grants = vec![Grant {
            id: 1,
            role,
            unit_id: 0,
            unit_path: path.into(),
            unit_name: String::new(),
            employer_id: employer,
        }];
        a
    }

    fn person(path: &str, employer: Option<i64>) -> PersonScope {
        PersonScope {
            person_id: 5,
            scope_path: path.into(),
            employer_id: employer,
        }
    }

    #[test]
    fn scopes_follow_the_subtree() {
        let cadre = access(Role::CommunityCadre, "/1/2/3/4/", None);
        assert!(cadre.reads_person(&person("/1/2/3/4/", None)));
        assert!(cadre.reads_person(&person("/1/2/3/4/9/", None)));
        assert!(!cadre.reads_person(&person("/1/2/3/40/", None)));
        assert!(cadre.creates_unit_under("/1/2/3/4/", true));
        assert!(!cadre.creates_unit_under("/1/2/3/4/", false));
        assert!(!cadre.manages_unit("/1/2/3/4/", false));
        assert!(cadre.manages_unit("/1/2/3/4/9/", true));
    }

    #[test]
    fn employer_admin_sees_only_their_people() {
        let e = access(Role::EmployerAdmin, "/1/", Some(7));
        assert!(e.reads_person(&person("/1/2/", Some(7))));
        assert!(!e.reads_person(&person("/1/2/", Some(8))));
        assert!(!e.manages_person(&person("/1/2/", Some(7))));
        assert!(e.sees_party_of(&person("/1/2/", Some(7))));
        assert!(!e.sees_contact_of(&person("/1/2/", Some(7))));
    }

    #[test]
    fn admins_cannot_touch_their_own_node_or_make_platform_admins() {
        let a = access(Role::Admin, "/1/2/", None);
        assert!(!a.manages_unit("/1/2/", false));
        assert!(a.manages_unit("/1/2/3/", false));
        assert!(!a.grants_role_at(Role::PlatformAdmin, "/1/2/3/"));
        assert!(!a.grants_role_at(Role::Admin, "/1/2/"));
        assert!(a.grants_role_at(Role::Admin, "/1/2/3/"));
    }

    #[test]
    fn prefixes_are_minimal() {
        let p = minimal_prefixes(["/1/2/3/", "/1/2/", "/1/5/"].into_iter().map(String::from));
        assert_eq!(p, vec!["/1/2/".to_string(), "/1/5/".to_string()]);
    }
}
