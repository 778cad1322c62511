//! Open311 GeoReport v2: the city's 小类 as services (with one attribute, the urgency),
//! cases as service requests (the loop folded into `open`/`closed` plus a status note),
//! each case event as a request update (the `servicerequestupdates` extension), and the
//! token a request gets when it is posted. Only what is public goes to a caller without
//! a key: where a case stands, never what was written, where, or by whom.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use kernel::audit::{self, Entry};
use kernel::time::shanghai;
use kernel::{Db, Error, Result};
use org::Access;
use serde::Serialize;
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use crate::access::reads;
use crate::category::{self, Category};
use crate::model::{State, Urgency};
use crate::store::{COLS, CaseFile, from_row};

mod updates;

pub use updates::{RequestUpdate, update_phrase, updates};

/// The longest window a query may span, and the default window back from now (days).
pub const WINDOW_DAYS: i64 = 90;
/// The most requests (or updates) one query answers.
pub const MAX_RESULTS: usize = 1000;
const DAY_MS: i64 = 86_400_000;

/// A service (a 小类 that takes new reports).
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// The category's code (`E0401`).
    pub service_code: String,
    /// Its name (占道经营).
    pub service_name: String,
    /// Kind, time limits and department in words.
    pub description: String,
    /// Always true: the service has the `urgency` attribute.
    pub metadata: bool,
    /// Always `realtime`: the request id comes back at once.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The 大类, the name and the kind, comma separated.
    pub keywords: String,
    /// The 大类's name (街面秩序).
    pub group: String,
}

/// A service's definition: its attributes.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDefinition {
    /// The service.
    pub service_code: String,
    /// Its attributes (one: `urgency`).
    pub attributes: Vec<Attribute>,
}

/// An attribute a client may send as `attribute[code]`.
#[derive(Debug, Clone, Serialize)]
pub struct Attribute {
    /// Whether the user gives a value.
    pub variable: bool,
    /// Its code.
    pub code: &'static str,
    /// `singlevaluelist`.
    pub datatype: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// How to fill it in.
    pub datatype_description: String,
    /// Position in a form (1 first).
    pub order: u32,
    /// What it means.
    pub description: String,
    /// The values allowed.
    pub values: Vec<AttributeValue>,
}

/// One value of a list attribute.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeValue {
    /// What the client sends.
    pub key: &'static str,
    /// What a person reads.
    pub name: &'static str,
}

/// A case as a service request. Fields the caller may not see are `None`.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRequest {
    /// The case's id.
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: &'static str,
    /// Where it stands, in a short phrase.
    pub status_notes: String,
    /// The category's name.
    pub service_name: String,
    /// The category's code.
    pub service_code: String,
    /// What the reporter wrote (readers only).
    pub description: Option<String>,
    /// The handling department.
    pub agency_responsible: String,
    /// The time limit that applies (readers only).
    pub service_notice: Option<String>,
    /// Reported (ISO 8601, +08:00).
    pub requested_datetime: String,
    /// Last changed (for a closed case: when it closed).
    pub updated_datetime: String,
    /// The handling deadline while it is being handled.
    pub expected_datetime: Option<String>,
    /// Where, in words (readers only).
    pub address: Option<String>,
    /// Not used.
    pub address_id: Option<String>,
    /// Not used.
    pub zipcode: Option<String>,
    /// WGS-84 latitude (readers only).
    pub lat: Option<f64>,
    /// WGS-84 longitude (readers only).
    pub long: Option<f64>,
    /// Not given (photos stay on the platform).
    pub media_url: Option<String>,
}

/// What `GET requests` asks for.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// These requests only (every other filter is ignored then).
    pub ids: Option<Vec<i64>>,
    /// These services only (empty: all).
    pub service_codes: Vec<String>,
    /// Reported at or after (ms).
    pub start: Option<i64>,
    /// Reported at or before (ms).
    pub end: Option<i64>,
    /// `Some(true)` open only, `Some(false)` closed only.
    pub open: Option<bool>,
}

/// An instant as GeoReport writes it: ISO 8601 in Beijing time (`2026-05-01T09:30:00+08:00`).
pub fn w3c(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(shanghai())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Read a GeoReport date: ISO 8601 with an offset (`2026-05-01T00:00:00Z`,
/// `…+08:00`), a Beijing local time without one, or a date (`2026-05-01`). A date stands
/// for its first instant, or with `end_of_day` for its last. `None` when unreadable.
pub fn parse_w3c(s: &str, end_of_day: bool) -> Option<i64> {
    let s = s.trim();
    if let Some(d) = kernel::time::parse_date(s) {
        let start = d
            .to_zoned_datetime(shanghai())
            .ok()?
            .timestamp()
            .as_millisecond();
        return Some(if end_of_day {
            start + DAY_MS - 1
        } else {
            start
        });
    }
    kernel::time::parse_datetime(s)
}

/// The window a query covers: both ends given (at most 90 days apart), one end and 90 days
/// from it, or the last 90 days.
pub fn window(start: Option<i64>, end: Option<i64>, now: i64) -> Result<(i64, i64)> {
    let span = WINDOW_DAYS * DAY_MS;
    match (start, end) {
        (None, None) => Ok((now - span, now)),
        (Some(s), None) => Ok((s, s + span)),
        (None, Some(e)) => Ok((e - span, e)),
        (Some(s), Some(e)) if s > e => Err(Error::field("start_date", "不能晚于 end_date")),
        (Some(s), Some(e)) if e - s > span => Err(Error::field(
            "end_date",
            format!("与 start_date 最多相隔 {WINDOW_DAYS} 天"),
        )),
        (Some(s), Some(e)) => Ok((s, e)),
    }
}

/// `open` while something is owed on the case, `closed` once closed or voided.
pub fn status(state: State) -> &'static str {
    if state.is_open() { "open" } else { "closed" }
}

/// Where a case stands, in a short phrase. The reason a case was not registered is
/// written by a cadre and may name people: only readers (`full`) get it.
pub fn status_notes(c: &CaseFile, full: bool) -> String {
    let with_dept = |what: &str| {
        if c.department.is_empty() {
            what.to_owned()
        } else {
            format!("{what}（{}）", c.department)
        }
    };
    match c.state {
        State::Reported => "待受理".into(),
        State::Registered => "已立案，待派遣".into(),
        State::Dispatched => with_dept("处置中"),
        State::Suspended => with_dept("缓办"),
        State::Handled => "已处置，待核查".into(),
        State::Closed => "已结案".into(),
        State::Voided => match (c.duplicate_of_id, c.voided_reason.as_deref()) {
            (Some(n), _) => format!("已并入案卷 {n}"),
            (None, Some(r)) if full && !r.is_empty() => format!("未立案：{r}"),
            (None, _) => "未立案".into(),
        },
    }
}

fn leaf_services(cats: Vec<Category>) -> impl Iterator<Item = Category> {
    cats.into_iter().filter(|c| c.is_leaf() && c.active)
}

fn service_of(c: &Category) -> Service {
    let group = c.group_name.clone().unwrap_or_default();
    Service {
        service_code: c.code.clone(),
        service_name: c.name.clone(),
        description: format!(
            "{}：{}。处置时限：一般 {}，紧急 {}；处置部门：{}",
            c.kind_label(),
            c.full_name(),
            c.limit(Urgency::Normal).label(),
            c.limit(Urgency::Urgent).label(),
            c.department
        ),
        metadata: true,
        kind: "realtime",
        keywords: [group.as_str(), c.name.as_str(), c.kind_label()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(","),
        group,
    }
}

/// The services of a city: its active 小类, in code order.
pub async fn services(db: &Db, city_id: i64) -> Result<Vec<Service>> {
    Ok(leaf_services(category::list(db, city_id).await?)
        .map(|c| service_of(&c))
        .collect())
}

/// The definition of one service; 404 for a code that is not an active 小类.
pub async fn service_definition(db: &Db, city_id: i64, code: &str) -> Result<ServiceDefinition> {
    let c = category::by_code(db, city_id, code).await?;
    if !(c.is_leaf() && c.active) {
        return Err(Error::NotFound);
    }
    Ok(ServiceDefinition {
        service_code: c.code.clone(),
        attributes: vec![Attribute {
            variable: true,
            code: "urgency",
            datatype: "singlevaluelist",
            required: false,
            datatype_description: "normal（一般）或 urgent（紧急）；不填为一般".into(),
            order: 1,
            description: format!(
                "紧急程度：决定处置时限（本类一般 {}，紧急 {}）",
                c.limit(Urgency::Normal).label(),
                c.limit(Urgency::Urgent).label()
            ),
            values: vec![
                AttributeValue {
                    key: "normal",
                    name: "一般",
                },
                AttributeValue {
                    key: "urgent",
                    name: "紧急",
                },
            ],
        }],
    })
}

/// The id of the 小类 with `code` for a new request: a field error on `service_code` when
/// the city has no such category (report() checks that it takes reports).
pub async fn category_for(db: &Db, city_id: i64, code: &str) -> Result<i64> {
    match category::by_code(db, city_id, code).await {
        Ok(c) => Ok(c.id),
        Err(Error::NotFound) => Err(Error::field(
            "service_code",
            format!("没有这个服务类别：{}（见 services.json）", code.trim()),
        )),
        Err(e) => Err(e),
    }
}

/// Give a newly posted case its token (a random secret the client may trade for the id
/// later), recorded in the audit log without the secret itself.
pub async fn issue_token(db: &Db, access: &Access, c: &CaseFile) -> Result<String> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE case_file SET token = $1 WHERE city_id = $2 AND id = $3 AND token IS NULL",
    )
    .bind(&token)
    .bind(c.city_id)
    .bind(c.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::conflict("token_exists", "这个案卷已有令牌"));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "case_token",
            object_kind: "case_file",
            object_id: c.id,
            scope_path: &c.unit_path,
            before: None,
            after: Some(json!({"channel": "open311"})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The case a token was given to.
pub async fn by_token(db: &Db, city_id: i64, token: &str) -> Result<Option<i64>> {
    let rows = sqlx::query("SELECT id FROM case_file WHERE city_id = $1 AND token = $2")
        .bind(city_id)
        .bind(token.trim())
        .fetch_all(db.reader())
        .await?;
    match rows.first() {
        Some(r) => Ok(Some(r.try_get(0)?)),
        None => Ok(None),
    }
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn cases_by_ids(db: &Db, city_id: i64, ids: &[i64]) -> Result<Vec<CaseFile>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT {COLS} FROM case_file WHERE city_id = $1 AND id IN ({}) \
         ORDER BY reported_at DESC, id DESC",
        placeholders(2, ids.len())
    );
    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(city_id);
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(db.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Cases reported in the window, newest first. A case changes after it is reported, never
/// before, so `updated_at >= start` is implied: it lets the (city, updated_at) index skip
/// every case untouched since the window began.
async fn cases_in_window(
    db: &Db,
    city_id: i64,
    (start, end): (i64, i64),
    category_ids: &[i64],
    open: Option<bool>,
) -> Result<Vec<CaseFile>> {
    let mut sql = format!(
        "SELECT {COLS} FROM case_file WHERE city_id = $1 AND updated_at >= $2 \
         AND reported_at >= $2 AND reported_at <= $3"
    );
    if let Some(open) = open {
        sql.push_str(if open {
            " AND state NOT IN ('closed', 'voided')"
        } else {
            " AND state IN ('closed', 'voided')"
        });
    }
    if !category_ids.is_empty() {
        sql.push_str(&format!(
            " AND category_id IN ({})",
            placeholders(4, category_ids.len())
        ));
    }
    sql.push_str(&format!(
        " ORDER BY reported_at DESC, id DESC LIMIT {MAX_RESULTS}"
    ));
    let mut q = sqlx::query(AssertSqlSafe(sql))
        .bind(city_id)
        .bind(start)
        .bind(end);
    for id in category_ids {
        q = q.bind(*id);
    }
    q.fetch_all(db.reader())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

fn full_for(access: Option<&Access>, c: &CaseFile) -> bool {
    access.is_some_and(|a| a.city_id() == c.city_id && reads(a, c))
}

/// The names of the grids or communities of cases with no address, for their `address`.
async fn place_names(db: &Db, city_id: i64, units: HashSet<i64>) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for id in units {
        if let Some(u) = org::units::fetch_any(db, city_id, id).await? {
            out.insert(id, u.name);
        }
    }
    Ok(out)
}

async fn as_requests(
    db: &Db,
    city_id: i64,
    access: Option<&Access>,
    cases: Vec<CaseFile>,
) -> Result<Vec<ServiceRequest>> {
    let cats: HashMap<i64, Category> = category::list(db, city_id)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let unnamed: HashSet<i64> = cases
        .iter()
        .filter(|c| c.address.is_empty() && full_for(access, c))
        .map(|c| c.grid_id.unwrap_or(c.community_id))
        .collect();
    let names = place_names(db, city_id, unnamed).await?;
    Ok(cases
        .iter()
        .map(|c| {
            let full = full_for(access, c);
            let cat = cats.get(&c.category_id);
            let position = c.position().filter(|_| full);
            let address = full.then(|| {
                if c.address.is_empty() {
                    names
                        .get(&c.grid_id.unwrap_or(c.community_id))
                        .cloned()
                        .unwrap_or_default()
                } else {
                    c.address.clone()
                }
            });
            ServiceRequest {
                service_request_id: c.id.to_string(),
                status: status(c.state),
                status_notes: status_notes(c, full),
                service_name: cat.map(|k| k.name.clone()).unwrap_or_default(),
                service_code: cat.map(|k| k.code.clone()).unwrap_or_default(),
                description: full.then(|| c.description.clone()),
                agency_responsible: c.department.clone(),
                service_notice: cat.filter(|_| full).map(|k| {
                    format!(
                        "处置时限：{}（{}）",
                        k.limit(c.urgency).label(),
                        c.urgency.label()
                    )
                }),
                requested_datetime: w3c(c.reported_at),
                updated_datetime: w3c(match c.state {
                    State::Closed => c.closed_at.unwrap_or(c.updated_at),
                    _ => c.updated_at,
                }),
                expected_datetime: c
                    .deadline_at
                    .filter(|_| matches!(c.state, State::Dispatched | State::Handled))
                    .map(w3c),
                address,
                address_id: None,
                zipcode: None,
                lat: position.map(|p| p.1),
                long: position.map(|p| p.0),
                media_url: None,
            }
        })
        .collect())
}

/// Service requests of the city by `filter`, newest first, at most [`MAX_RESULTS`]; with
/// an account that reads a case, its full fields, else the public ones.
pub async fn requests(
    db: &Db,
    city_id: i64,
    access: Option<&Access>,
    filter: &RequestFilter,
    now: i64,
) -> Result<Vec<ServiceRequest>> {
    let cases = match &filter.ids {
        Some(ids) => {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            ids.truncate(MAX_RESULTS);
            cases_by_ids(db, city_id, &ids).await?
        }
        None => {
            let win = window(filter.start, filter.end, now)?;
            let mut category_ids = Vec::new();
            if !filter.service_codes.is_empty() {
                let cats = category::list(db, city_id).await?;
                for code in &filter.service_codes {
                    match cats.iter().find(|c| c.code == code.trim()) {
                        Some(c) => category_ids.push(c.id),
                        None => {
                            return Err(Error::field(
                                "service_code",
                                format!("没有这个服务类别：{}", code.trim()),
                            ));
                        }
                    }
                }
            }
            cases_in_window(db, city_id, win, &category_ids, filter.open).await?
        }
    };
    as_requests(db, city_id, access, cases).await
}

/// One service request; 404 when the city has no such case.
pub async fn request(
    db: &Db,
    city_id: i64,
    access: Option<&Access>,
    id: i64,
) -> Result<ServiceRequest> {
    let cases = cases_by_ids(db, city_id, &[id]).await?;
    as_requests(db, city_id, access, cases)
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_beijing_iso() {
        let ms = parse_w3c("2026-05-01T00:00:00Z", false).unwrap();
        assert_eq!(w3c(ms), "2026-05-01T08:00:00+08:00");
        assert_eq!(parse_w3c("2026-05-01T08:00:00+08:00", false), Some(ms));
        let day = parse_w3c("2026-05-01", false).unwrap();
        assert_eq!(w3c(day), "2026-05-01T00:00:00+08:00");
        let last = parse_w3c("2026-05-01", true).unwrap();
        assert_eq!(last - day, DAY_MS - 1);
        assert_eq!(parse_w3c("yesterday", false), None);
        assert_eq!(parse_w3c("2026-13-01", false), None);
        assert_eq!(parse_w3c("", false), None);
    }

    #[test]
    fn windows_span_at_most_ninety_days() {
        let now = 1_800_000_000_000;
        assert_eq!(window(None, None, now).unwrap(), (now - 90 * DAY_MS, now));
        assert_eq!(window(Some(now), None, now).unwrap().1, now + 90 * DAY_MS);
        assert_eq!(window(None, Some(now), now).unwrap().0, now - 90 * DAY_MS);
        assert!(window(Some(now), Some(now - 1), now).is_err());
        assert!(window(Some(now - 91 * DAY_MS), Some(now), now).is_err());
        assert!(window(Some(now - 90 * DAY_MS), Some(now), now).is_ok());
    }

    #[test]
    fn the_loop_folds_into_open_and_closed() {
        for s in State::ALL {
            let want = if matches!(s, State::Closed | State::Voided) {
                "closed"
            } else {
                "open"
            };
            assert_eq!(status(s), want, "{s:?}");
        }
    }
}
