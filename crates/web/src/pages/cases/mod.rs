//! Case pages (案件): report a problem in three taps, the dispatcher's board, lists, one
//! case with a form for each step open to the viewer, the ledger of requests, the
//! follow-up watches, a grid's case map drawn on the server, the figures of the national
//! method with their drill-down, and the catalogues (categories, working-day calendar).

use cases::view::CaseRow;
use cases::{State as CaseState, workdays};
use kernel::calendar::{Calendar, WorkHours};
use kernel::time::{datetime_cn, now_ms, relative_cn};
use org::Access;

use super::words::deadline_cn;
use crate::AppState;

pub mod board;
pub mod catalogue;
pub mod detail;
pub mod figures;
pub mod followup;
pub mod history;
pub mod map;
pub mod report;
pub mod steps;
pub mod svg;

/// The menu area of every case page.
pub const AREA: &str = "cases";

/// Whether the account reads cases as staff somewhere (grid leaders, cadres, inspectors,
/// admins): the board, the map and the figures are theirs.
pub fn reads_as_staff(a: &Access) -> bool {
    !cases::access::prefixes(a).is_empty()
}

/// Times as people say them, with the city's working-day calendar for deadlines.
pub struct Clock {
    cal: Calendar,
    wh: WorkHours,
    /// Now (ms).
    pub now: i64,
}

impl Clock {
    /// The city's calendar, now.
    pub async fn of(s: &AppState, a: &Access) -> kernel::Result<Clock> {
        let (cal, wh) = workdays::calendar(&s.db, a.city_id()).await?;
        Ok(Clock {
            cal,
            wh,
            now: now_ms(),
        })
    }

    /// 还剩 2 个工作日 / 已超期 1 天.
    pub fn deadline(&self, at: i64) -> String {
        deadline_cn(&self.cal, &self.wh, at, self.now)
    }

    /// 今天 14:30, 11月25日 (周三).
    pub fn when(&self, at: i64) -> String {
        relative_cn(at, self.now)
    }

    /// The deadline of a case in words, while its clock runs or is stopped. A case the
    /// deadline job found overdue says so even when the deadline was judged by a clock set
    /// ahead (`civicgrid run-jobs --at`).
    pub fn deadline_of(&self, c: &cases::CaseFile) -> Option<String> {
        match (c.state, c.deadline_at) {
            (CaseState::Dispatched, Some(d)) if d >= self.now && c.overdue_at.is_some() => {
                Some("已超期".into())
            }
            (CaseState::Dispatched, Some(d)) => Some(self.deadline(d)),
            (CaseState::Suspended, Some(_)) => Some("缓办中，计时暂停".into()),
            _ => None,
        }
    }

    /// A line of a list.
    pub fn row(&self, r: &CaseRow) -> Row {
        let c = &r.case;
        let mut description: String = c.description.chars().take(40).collect();
        if c.description.chars().count() > 40 {
            description.push('…');
        }
        let mut place = r.place_name.clone();
        if !c.address.is_empty() {
            if !place.is_empty() {
                place.push_str(" · ");
            }
            place.push_str(&c.address);
        }
        Row {
            id: c.id,
            title: r.category_name.clone(),
            description,
            place,
            state_label: r.state_label.clone(),
            tone: c.state.tone(),
            overdue: r.overdue,
            deadline: self.deadline_of(c),
            deadline_title: c.deadline_at.map(datetime_cn).unwrap_or_default(),
            reported: self.when(c.reported_at),
            reported_title: datetime_cn(c.reported_at),
            source: r.source_label.clone(),
            urgent: c.urgency == cases::Urgency::Urgent,
        }
    }
}

/// A case as a line of a list.
pub struct Row {
    /// Case number.
    pub id: i64,
    /// 大类 / 小类.
    pub title: String,
    /// The start of the description.
    pub description: String,
    /// Grid or community, and the address.
    pub place: String,
    /// State in words.
    pub state_label: String,
    /// Its colour class.
    pub tone: &'static str,
    /// Past its deadline.
    pub overdue: bool,
    /// 还剩… / 已超期…
    pub deadline: Option<String>,
    /// The deadline's absolute time.
    pub deadline_title: String,
    /// When reported, as people say it.
    pub reported: String,
    /// Its absolute time.
    pub reported_title: String,
    /// Where it came from.
    pub source: String,
    /// 紧急.
    pub urgent: bool,
}

/// A choice in a select: value, label, selected.
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// What it says.
    pub label: String,
    /// Chosen now.
    pub selected: bool,
}

/// A link chip.
pub struct Chip {
    /// Where it goes.
    pub href: String,
    /// What it says.
    pub label: String,
    /// The current one.
    pub active: bool,
}

/// The communities and grids of the account's scope, for unit pickers (grids indented
/// under their community).
pub async fn unit_choices(
    s: &AppState,
    a: &Access,
    selected: Option<i64>,
) -> kernel::Result<Vec<Choice>> {
    use org::units::UnitKind;
    let units = org::units::list_in_scope(
        &s.db,
        a,
        &[
            UnitKind::Street,
            UnitKind::Town,
            UnitKind::Community,
            UnitKind::Village,
            UnitKind::JointCommunity,
            UnitKind::Grid,
        ],
    )
    .await?;
    Ok(units
        .into_iter()
        .map(|u| Choice {
            label: match u.kind.as_str() {
                "grid" => format!("\u{3000}{}", u.name),
                "street" | "town" => format!("{}（{}）", u.name, u.kind.label()),
                _ => u.name.clone(),
            },
            selected: Some(u.id) == selected,
            value: u.id.to_string(),
        })
        .collect())
}

/// Append `key=value` to a query string being built (nothing for an empty value).
pub fn push_query(qs: &mut String, key: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    qs.push(if qs.contains('?') { '&' } else { '?' });
    qs.push_str(key);
    qs.push('=');
    qs.push_str(&crate::extract::urlencode(value));
}
