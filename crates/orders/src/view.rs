//! What people see of orders: one order with its history and what the viewer may do next;
//! lists for the resident, the person and the dispatcher; the dispatch board's counts; the
//! record of assignments made against the recommendation (anti-加码).

use kernel::geo::Point;
use kernel::paging::{Page, limit};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};

use crate::model::{self, State};
use crate::recommend::Recommendation;
use crate::service::{manages, reads};
use crate::store::{self, COLS, Event, Order};

/// An order with names, history and the steps open to the viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    /// The order.
    #[serde(flatten)]
    pub order: Order,
    /// State in Chinese.
    pub state_label: String,
    /// Category in Chinese.
    pub category_label: String,
    /// The community's name.
    pub community_name: String,
    /// The resident's name.
    pub resident_name: String,
    /// The person's name.
    pub assignee_name: Option<String>,
    /// The dispatcher's name.
    pub dispatcher_name: Option<String>,
    /// The wanted skill's name.
    pub skill_name: Option<String>,
    /// Dispatched and not accepted in time, or accepted and past the wanted time.
    pub overdue: bool,
    /// History, oldest first.
    pub events: Vec<Event>,
    /// Steps the viewer may take now: `dispatch`, `accept`, `decline`, `finish`,
    /// `confirm`, `rate_back`, `cancel`.
    pub can: Vec<String>,
}

fn overdue(o: &Order, now: i64) -> bool {
    match o.state {
        State::Dispatched => o.accept_by.is_some_and(|t| t < now),
        State::Placed => o.wanted_from < now,
        State::Accepted => o.wanted_to < now,
        _ => false,
    }
}

fn steps_open(access: &Access, o: &Order) -> Vec<String> {
    let me = access.person_id();
    let assignee = me != 0 && o.assignee_person_id == Some(me);
    let resident = me != 0 && (me == o.resident_person_id || me == o.placed_by_person_id);
    let cadre = manages(access, o);
    let mut can = Vec::new();
    let mut add = |ok: bool, s: &str| {
        if ok {
            can.push(s.to_owned());
        }
    };
    add(
        cadre && matches!(o.state, State::Placed | State::Dispatched),
        "dispatch",
    );
    add(assignee && o.state == State::Dispatched, "accept");
    add(
        assignee && matches!(o.state, State::Dispatched | State::Accepted),
        "decline",
    );
    add(assignee && o.state == State::Accepted, "finish");
    add((resident || cadre) && o.state == State::Done, "confirm");
    add(
        assignee && matches!(o.state, State::Done | State::Confirmed) && o.person_rating.is_none(),
        "rate_back",
    );
    add(
        (resident || cadre)
            && matches!(o.state, State::Placed | State::Dispatched | State::Accepted),
        "cancel",
    );
    can
}

/// One order (404 outside the viewer's reach).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<OrderView> {
    let mut conn = db.reader().acquire().await?;
    let order = store::load(&mut conn, access.city_id(), id, "")
        .await?
        .filter(|o| reads(access, o))
        .ok_or(Error::NotFound)?;
    let events = store::events(&mut conn, access.city_id(), id).await?;
    drop(conn);
    let mut views = decorate(db, access, vec![order]).await?;
    let mut v = views.pop().ok_or(Error::NotFound)?;
    v.events = events;
    Ok(v)
}

async fn decorate(db: &Db, access: &Access, orders: Vec<Order>) -> Result<Vec<OrderView>> {
    let city = access.city_id();
    let mut ids = Vec::new();
    for o in &orders {
        ids.push(o.resident_person_id);
        ids.extend(o.assignee_person_id);
        ids.extend(o.dispatcher_person_id);
    }
    let names = org::pool::names(db, city, &ids).await?;
    // Names of communities and skills, each looked up once per page. The viewer may see
    // an order of a neighbouring community (dispatched to them), so the community's name is
    // read as the system, which only ever shows the name.
    let mut unit_names = std::collections::HashMap::new();
    let mut skill_names = std::collections::HashMap::new();
    for o in &orders {
        if let std::collections::hash_map::Entry::Vacant(slot) = unit_names.entry(o.community_id) {
            let root = o
                .unit_path
                .split('/')
                .nth(1)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            let sys = org::access::system_access(city, root, "查看订单");
            if let Ok(unit) = org::units::get(db, &sys, o.community_id).await {
                slot.insert(unit.name);
            }
        }
        if let Some(s) = o.skill_id
            && !skill_names.contains_key(&s)
        {
            skill_names.insert(s, org::pool::skill_name(db, city, s).await?);
        }
    }
    let now = now_ms();
    let mut out = Vec::with_capacity(orders.len());
    for o in orders {
        let skill_name = o
            .skill_id
            .and_then(|s| skill_names.get(&s).cloned().flatten());
        out.push(OrderView {
            state_label: o.state.label().to_owned(),
            category_label: model::category(&o.category)
                .map(|c| c.label)
                .unwrap_or("其他")
                .to_owned(),
            community_name: unit_names.get(&o.community_id).cloned().unwrap_or_default(),
            resident_name: names
                .get(&o.resident_person_id)
                .cloned()
                .unwrap_or_default(),
            assignee_name: o.assignee_person_id.and_then(|p| names.get(&p).cloned()),
            dispatcher_name: o.dispatcher_person_id.and_then(|p| names.get(&p).cloned()),
            skill_name,
            overdue: overdue(&o, now),
            can: steps_open(access, &o),
            events: Vec::new(),
            order: o,
        });
    }
    Ok(out)
}

/// Which orders to list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
pub struct OrderQuery {
    /// `mine` (placed by or for me), `assigned` (dispatched to me), `scope` (my communities,
    /// for cadres); defaults by role.
    pub view: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// Only overdue ones (dispatch board).
    #[serde(default)]
    pub overdue: bool,
    /// Keyset: the `next` of the previous page.
    pub before: Option<i64>,
    /// Page size (1–200).
    pub limit: Option<i64>,
}

/// The default view for an account: cadres their scope, personnel what is assigned to
/// them, residents their own.
pub fn default_view(access: &Access) -> &'static str {
    if access.is_staff() {
        "scope"
    } else if access.has(Role::Personnel) {
        "assigned"
    } else {
        "mine"
    }
}

/// The WHERE clause of a query (binds: $1 city, $2 keyset, $3 limit, then the texts).
fn filter(access: &Access, q: &OrderQuery) -> Result<Option<(String, Vec<String>)>> {
    let mut cond = vec!["city_id = $1".to_owned(), "id < $2".to_owned()];
    let mut texts: Vec<String> = Vec::new();
    let view = q.view.as_deref().unwrap_or(default_view(access));
    match view {
        "mine" => cond.push(format!(
            "(resident_person_id = {me} OR placed_by_person_id = {me})",
            me = access.person_id()
        )),
        "assigned" => cond.push(format!("assignee_person_id = {}", access.person_id())),
        "scope" => {
            let prefixes: Vec<String> = access
                .grants()
                .iter()
                .filter(|g| {
                    matches!(
                        g.role,
                        Role::PlatformAdmin | Role::Admin | Role::CommunityCadre | Role::Inspector
                    )
                })
                .map(|g| g.unit_path.clone())
                .collect();
            if prefixes.is_empty() {
                return Ok(None);
            }
            let mut ors = Vec::new();
            for p in prefixes {
                texts.push(format!("{p}%"));
                ors.push(format!("unit_path LIKE ${}", texts.len() + 3));
            }
            cond.push(format!("({})", ors.join(" OR ")));
        }
        _ => return Err(Error::field("view", "view 应为 mine、assigned 或 scope")),
    }
    if let Some(s) = q.state.as_deref().filter(|s| !s.is_empty()) {
        let st = State::parse(s).ok_or_else(|| Error::field("state", "没有这个订单状态"))?;
        cond.push(format!("state = '{}'", st.as_str()));
    }
    if q.overdue {
        cond.push(format!(
            "((state = 'dispatched' AND accept_by < {now}) OR (state = 'placed' AND wanted_from < {now}) \
             OR (state = 'accepted' AND wanted_to < {now}))",
            now = now_ms()
        ));
    }
    Ok(Some((cond.join(" AND "), texts)))
}

/// A page of orders, newest first.
pub async fn list(db: &Db, access: &Access, q: &OrderQuery) -> Result<Page<OrderView>> {
    let n = limit(q.limit);
    let Some((cond, texts)) = filter(access, q)? else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let sql = format!("SELECT {COLS} FROM service_order WHERE {cond} ORDER BY id DESC LIMIT $3");
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(access.city_id())
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(n + 1);
    for t in &texts {
        query = query.bind(t.clone());
    }
    let rows = query.fetch_all(db.reader()).await?;
    let orders = rows
        .iter()
        .map(store::from_row)
        .collect::<Result<Vec<_>>>()?;
    let page = Page::from_rows(orders, n, |o| o.id);
    Ok(Page {
        items: decorate(db, access, page.items).await?,
        next: page.next,
    })
}

/// The dispatch board's counts in the viewer's scope.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Board {
    /// Waiting to be dispatched.
    pub placed: i64,
    /// Dispatched, not yet accepted.
    pub dispatched: i64,
    /// Being served.
    pub accepted: i64,
    /// Done, waiting for the resident's confirmation.
    pub done: i64,
    /// Overdue (not accepted in time, or past the wanted time).
    pub overdue: i64,
}

/// Counts for the dispatch board.
pub async fn board(db: &Db, access: &Access) -> Result<Board> {
    let mut b = Board::default();
    for (state, slot) in [
        ("placed", &mut b.placed),
        ("dispatched", &mut b.dispatched),
        ("accepted", &mut b.accepted),
        ("done", &mut b.done),
    ] {
        *slot = count(db, access, "scope", Some(state), false).await?;
    }
    b.overdue = count(db, access, "scope", None, true).await?;
    Ok(b)
}

/// How many orders a list would hold (`view` as in [`OrderQuery`]).
pub async fn count(
    db: &Db,
    access: &Access,
    view: &str,
    state: Option<&str>,
    overdue_only: bool,
) -> Result<i64> {
    let q = OrderQuery {
        view: Some(view.into()),
        state: state.map(str::to_owned),
        overdue: overdue_only,
        ..Default::default()
    };
    let Some((cond, texts)) = filter(access, &q)? else {
        return Ok(0);
    };
    // $3 is the list's limit; counting binds it too so the placeholders stay the same.
    let sql = format!("SELECT COUNT(*) FROM service_order WHERE {cond} AND $3 >= 0");
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(access.city_id())
        .bind(i64::MAX)
        .bind(0i64);
    for t in &texts {
        query = query.bind(t.clone());
    }
    let rows = query.fetch_all(db.reader()).await?;
    Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// An assignment made against the recommendation, with its written reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Override {
    /// The order.
    pub order_id: i64,
    /// Who was assigned.
    pub person_id: Option<i64>,
    /// Their name.
    pub person_name: String,
    /// Who assigned.
    pub dispatcher: String,
    /// What it went against: `skill`, `availability`, `load`.
    pub overrides: Vec<String>,
    /// The reason written.
    pub reason: String,
    /// When (ms).
    pub at: i64,
}

/// Assignments made against skills, availability or the monthly cap in the viewer's
/// scope, newest first (the anti-加码 record the reports show).
pub async fn overrides(db: &Db, access: &Access, before: Option<i64>) -> Result<Page<Override>> {
    if !access.is_staff() {
        return Err(Error::Forbidden("只有工作人员可以查看派单记录"));
    }
    let n = limit(None);
    let prefixes = access.people_prefixes();
    let mut out = Vec::new();
    let mut next = None;
    for p in prefixes {
        let rows = sqlx::query(
            "SELECT e.id, e.order_id, e.person_id, e.actor_name, e.overrides, e.reason, e.at \
             FROM order_event e JOIN service_order o ON o.city_id = e.city_id AND o.id = e.order_id \
             WHERE e.city_id = $1 AND e.action = 'dispatch' AND e.overrides <> '' \
             AND o.unit_path LIKE $2 AND e.id < $3 ORDER BY e.id DESC LIMIT $4",
        )
        .bind(access.city_id())
        .bind(format!("{p}%"))
        .bind(before.unwrap_or(i64::MAX))
        .bind(n + 1)
        .fetch_all(db.reader())
        .await?;
        for r in rows {
            let ov: String = r.try_get(4)?;
            out.push((
                r.try_get::<i64, _>(0)?,
                Override {
                    order_id: r.try_get(1)?,
                    person_id: r.try_get(2)?,
                    person_name: String::new(),
                    dispatcher: r.try_get(3)?,
                    overrides: ov.split(',').map(str::to_owned).collect(),
                    reason: r.try_get::<Option<String>, _>(5)?.unwrap_or_default(),
                    at: r.try_get(6)?,
                },
            ));
        }
    }
    out.sort_by_key(|x| std::cmp::Reverse(x.0));
    if out.len() as i64 > n {
        out.truncate(n as usize);
        next = out.last().map(|x| x.0);
    }
    let ids: Vec<i64> = out.iter().filter_map(|x| x.1.person_id).collect();
    let names = org::pool::names(db, access.city_id(), &ids).await?;
    Ok(Page {
        items: out
            .into_iter()
            .map(|(_, mut o)| {
                o.person_name = o
                    .person_id
                    .and_then(|p| names.get(&p).cloned())
                    .unwrap_or_default();
                o
            })
            .collect(),
        next,
    })
}

/// The recommended people for an order (dispatchers only), best first.
pub async fn recommendations(
    db: &Db,
    access: &Access,
    id: i64,
    q: &RecommendQuery,
) -> Result<Vec<Recommendation>> {
    let mut conn = db.reader().acquire().await?;
    let order = store::load(&mut conn, access.city_id(), id, "")
        .await?
        .filter(|o| reads(access, o))
        .ok_or(Error::NotFound)?;
    drop(conn);
    if !manages(access, &order) {
        return Err(Error::Forbidden("只有本社区的干部可以派单"));
    }
    let unit = org::units::get(db, access, order.community_id).await?;
    let center = unit
        .center_lon
        .zip(unit.center_lat)
        .and_then(|(lon, lat)| Point::from_degrees(lon, lat));
    let name = q.q.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if name.is_some_and(|n| n.chars().count() > 20) {
        return Err(Error::field("q", "姓名最多 20 个字"));
    }
    let limit = q.limit.unwrap_or(10).clamp(1, 50) as usize;
    crate::pool::recommend(db, access.city_id(), &order, center, limit, name).await
}

/// Whom to assess for an order: the best few of the pool, or everyone in it whose name
/// contains `q` (to pick someone the ranking did not put first, with a reason if needed).
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct RecommendQuery {
    /// Part of a name: assess the pool members whose name contains it.
    pub q: Option<String>,
    /// How many (1–50, default 10).
    pub limit: Option<i64>,
}

/// A person's orders done and confirmed in a period, with the residents' ratings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoneByPerson {
    /// Orders confirmed by the resident (or the responsible cadre).
    pub done: i64,
    /// Of those, rated.
    pub rated: i64,
    /// Sum of the ratings (1–5 each).
    pub rating_sum: i64,
}

/// Everyone's confirmed orders of the city whose confirmation falls in `[from_ms, to_ms)`,
/// in one pass (the assessment's bulk input).
pub async fn done_by_person(
    db: &Db,
    city_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<std::collections::HashMap<i64, DoneByPerson>> {
    let rows = sqlx::query(
        "SELECT assignee_person_id, COUNT(*), \
         CAST(SUM(CASE WHEN rating IS NULL THEN 0 ELSE 1 END) AS BIGINT), \
         CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM service_order \
         WHERE city_id = $1 AND state = 'confirmed' AND assignee_person_id IS NOT NULL \
         AND confirmed_at >= $2 AND confirmed_at < $3 GROUP BY assignee_person_id",
    )
    .bind(city_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(db.reader())
    .await?;
    let mut out = std::collections::HashMap::new();
    for r in &rows {
        out.insert(
            r.try_get(0)?,
            DoneByPerson {
                done: r.try_get(1)?,
                rated: r.try_get(2)?,
                rating_sum: r.try_get(3)?,
            },
        );
    }
    Ok(out)
}
