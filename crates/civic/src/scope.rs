//! Who belongs to a community for reading its public record.

use org::{Access, Role};

/// Whether the account belongs to the community at `path`: a role held at the community,
/// above it, or inside it (a grid, a village of a joint community, a resident).
pub(crate) fn in_community(access: &Access, path: &str) -> bool {
    access
        .grants()
        .iter()
        .any(|g| path.starts_with(&g.unit_path) || g.unit_path.starts_with(path))
}

/// Whether the account runs the community at `path` (its cadres, or an admin above).
pub(crate) fn runs(access: &Access, path: &str) -> bool {
    access.holds_over(Role::CommunityCadre, path)
}

/// Whether the account is a cadre of the village at `path` itself: a village assembly's
/// vote is recorded by its own cadre, never by the joint community above it or an admin.
pub(crate) fn village_cadre(access: &Access, path: &str) -> bool {
    access
        .grants()
        .iter()
        .any(|g| g.role == Role::CommunityCadre && g.unit_path.starts_with(path))
}

/// The SQL condition of [`in_community`] over a table's `unit_path`, its placeholders
/// numbered from `first`, and the values to bind to them in order.
pub(crate) fn community_sql(access: &Access, first: usize) -> (String, Vec<String>) {
    let mut parts = vec![];
    let mut binds = vec![];
    for g in access.grants() {
        let n = first + binds.len();
        parts.push(format!(
            "unit_path LIKE ${n} OR ${} LIKE unit_path || '%'",
            n + 1
        ));
        binds.push(format!("{}%", g.unit_path));
        binds.push(g.unit_path.clone());
    }
    if parts.is_empty() {
        return ("1 = 0".into(), binds);
    }
    (format!("({})", parts.join(" OR ")), binds)
}
