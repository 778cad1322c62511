//! Reading the registries: one entry (the phone masked unless the viewer keeps it), with
//! its grid, attributes in words, case history and, for a hardship vendor, how problems
//! with them are to be handled (疏导安置); the lists by kind, node and search.

use kernel::paging::{Page, limit};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AssertSqlSafe;
use utoipa::{IntoParams, ToSchema};

use super::{COLS, Kind, RegistryEntry, for_viewer, from_row, kinds, load, parse_kind, reads};
use crate::access::prefixes;
use crate::patrol::keeps;
use crate::view::{CaseQuery, CaseRow, Filter};

/// One entry as the caller may see it: 404 outside their scope.
pub async fn entry(db: &Db, access: &Access, id: i64) -> Result<RegistryEntry> {
    match load(db, access.city_id(), id).await? {
        Some(e) if reads(access, &e.unit_path) => Ok(for_viewer(access, e)),
        _ => Err(Error::NotFound),
    }
}

/// An entry with its grid, attributes in words, case history and what the viewer may do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryView {
    /// The entry.
    #[serde(flatten)]
    pub entry: RegistryEntry,
    /// The kind in words.
    pub kind_label: String,
    /// The grid's name.
    pub grid_name: String,
    /// The attributes as (label, value in words), in the kind's order.
    pub attrs_shown: Vec<(String, String)>,
    /// For a hardship vendor: how the case is to be handled (疏导安置).
    pub hardship_note: Option<String>,
    /// Cases concerning it, newest first (at most 50).
    pub cases: Vec<CaseRow>,
    /// Whether the viewer keeps it (edit, deactivate).
    pub can_edit: bool,
}

/// The words shown for a hardship vendor.
pub fn hardship_note(e: &RegistryEntry) -> Option<String> {
    (e.kind == Kind::Stall && e.hardship).then(|| {
        let place = e
            .attrs
            .get("relocation")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| format!("引导到“{s}”规范经营"))
            .unwrap_or_else(|| "尽快为其联系便民疏导点或临时摊区".into());
        format!(
            "困难摊贩：以疏导安置为主，{place}；处置占道经营等问题时先劝导、帮扶，不能简单一罚了之。"
        )
    })
}

/// One entry with its case history.
pub async fn view(db: &Db, access: &Access, id: i64) -> Result<RegistryView> {
    let e = entry(db, access, id).await?;
    let grid_name = org::units::fetch_any(db, access.city_id(), e.grid_id)
        .await?
        .map(|g| g.name)
        .unwrap_or_default();
    let cases = crate::view::list(
        db,
        access,
        &CaseQuery {
            view: Some("scope".into()),
            registry_id: Some(e.id),
            limit: Some(50),
            ..Default::default()
        },
    )
    .await?
    .items;
    Ok(RegistryView {
        kind_label: e.kind.label().into(),
        grid_name,
        attrs_shown: e
            .kind
            .attrs()
            .iter()
            .map(|a| (a.label.to_owned(), kinds::shown(a, &e.attrs)))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        hardship_note: hardship_note(&e),
        cases,
        can_edit: keeps(access, &e.unit_path),
        entry: e,
    })
}

/// Which entries to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct RegistryQuery {
    /// One kind.
    pub kind: Option<String>,
    /// Under this node (a grid or a community).
    pub unit_id: Option<i64>,
    /// Text in the name, code or address.
    pub q: Option<String>,
    /// Only hardship vendors (`true`).
    pub hardship: Option<bool>,
    /// `true`: the deactivated entries instead of the active ones.
    pub inactive: Option<bool>,
    /// Keyset: entries with a smaller id.
    pub before: Option<i64>,
    /// Page size (default 50, at most 200).
    pub limit: Option<i64>,
}

/// A line of a registry list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegistryRow {
    /// The entry.
    #[serde(flatten)]
    pub entry: RegistryEntry,
    /// The kind in words.
    pub kind_label: String,
    /// The grid's name.
    pub grid_name: String,
}

/// The prefixes a list covers: the caller's reading scope, narrowed to a node.
pub async fn scope(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Vec<String>> {
    let mine: Vec<String> = prefixes(access)
        .into_iter()
        .filter(|p| reads(access, p))
        .collect();
    let Some(id) = unit_id else {
        return Ok(mine);
    };
    let u = org::units::get(db, access, id).await?;
    if reads(access, &u.path) {
        Ok(vec![u.path])
    } else {
        Ok(mine
            .into_iter()
            .filter(|p| p.starts_with(u.path.as_str()))
            .collect())
    }
}

/// Entries in the caller's scope, newest first.
pub async fn list(db: &Db, access: &Access, q: &RegistryQuery) -> Result<Page<RegistryRow>> {
    let n = limit(q.limit);
    let mut f = Filter::new(access.city_id());
    if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
        f.text("kind = ?", parse_kind(Some(k))?.as_str().into());
    }
    f.under(&scope(db, access, q.unit_id).await?);
    f.int("active = ?", i64::from(q.inactive != Some(true)));
    if q.hardship == Some(true) {
        f.raw("hardship = 1");
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let m = f.text_mark(format!("%{text}%"));
        f.raw(&format!(
            "(name LIKE {m} OR code LIKE {m} OR address LIKE {m})"
        ));
    }
    let before = f.next_mark();
    let lim = f.next_mark();
    let sql = format!(
        "SELECT {COLS} FROM registry_entry WHERE {} AND id < {before} ORDER BY id DESC LIMIT {lim}",
        f.sql
    );
    let rows = f
        .bind(
            sqlx::query(AssertSqlSafe(sql)),
            &[q.before.unwrap_or(i64::MAX), n + 1],
        )
        .fetch_all(db.reader())
        .await?;
    let entries: Vec<RegistryEntry> = rows.iter().map(from_row).collect::<Result<_>>()?;
    let page = Page::from_rows(entries, n, |e| e.id);
    let mut grids = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(page.items.len());
    for e in page.items {
        if let std::collections::hash_map::Entry::Vacant(v) = grids.entry(e.grid_id) {
            let name = org::units::fetch_any(db, access.city_id(), e.grid_id)
                .await?
                .map(|g| g.name)
                .unwrap_or_default();
            v.insert(name);
        }
        items.push(RegistryRow {
            kind_label: e.kind.label().into(),
            grid_name: grids.get(&e.grid_id).cloned().unwrap_or_default(),
            entry: for_viewer(access, e),
        });
    }
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Every entry of `kind` under `prefixes` (for the export), by grid and id; at most
/// `max + 1` rows are read so the caller can tell when there are too many.
pub(crate) async fn all_of(
    db: &Db,
    access: &Access,
    kind: Kind,
    prefixes: &[String],
    max: usize,
) -> Result<Vec<RegistryEntry>> {
    let mut f = Filter::new(access.city_id());
    f.text("kind = ?", kind.as_str().into());
    f.under(prefixes);
    f.raw("active = 1");
    let lim = f.next_mark();
    let sql = format!(
        "SELECT {COLS} FROM registry_entry WHERE {} ORDER BY unit_path, id LIMIT {lim}",
        f.sql
    );
    let rows = f
        .bind(sqlx::query(AssertSqlSafe(sql)), &[max as i64 + 1])
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| from_row(r).map(|e| for_viewer(access, e)))
        .collect()
}
