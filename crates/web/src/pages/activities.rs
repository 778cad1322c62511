//! Activity pages (活动): the list (personnel: their sign-ups, then what fits them first,
//! with the reasons; staff: the activities of their scope), the publish form, one
//! activity with sign-up, withdrawal and the check-in block, the organiser's roster with
//! roll call, the attendance review queue, and "我的活动".
//!
//! Check-in is a plain form: `app.js` asks for the position once, when the person presses
//! the button, fills the fields and submits; without the script, or when the position is
//! refused, the coordinates can be typed — and the organiser's roll call counts the same.

use activities::{
    Activity, ActivityQuery, Attendance, Cancellation, CheckIn, CheckInInput, Decision, MineQuery,
    MyActivity, NewActivity, QueueQuery, RollCall, RosterEntry,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kernel::time::{local_datetime, now_ms};
use kernel::{Error, FieldError};
use org::units::UnitKind;
use org::{Access, Role};
use serde::Deserialize;

use super::words::{DAY_MS, is_dispatcher, minutes_cn, moment_cn, span_cn};
use super::{FormErrors, Frame, PageResult, ToastQuery, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

const MINUTE_MS: i64 = 60_000;
/// Check-in opens this long before the start (as `activities::model` has it).
const CHECKIN_EARLY_MS: i64 = 30 * MINUTE_MS;
/// Check-out stays open this long after the end.
const CHECKOUT_LATE_MS: i64 = 60 * MINUTE_MS;
/// Rows of the staff list and of "我的活动" per page.
const PAGE_ROWS: i64 = 30;

/// Whether the account publishes activities and reviews attendance somewhere.
pub fn organises(a: &Access) -> bool {
    is_dispatcher(a)
}

// ---------------------------------------------------------------------------------------
// Words and times
// ---------------------------------------------------------------------------------------

/// Where an activity stands, in a word and the colour of that kind of state: open for
/// sign-up (amber, still to happen), under way (blue), over (green), cancelled (grey).
fn phase(a: &Activity, now: i64) -> (&'static str, &'static str) {
    if a.state == "cancelled" {
        ("已取消", "grey")
    } else if now < a.starts_at {
        ("报名中", "amber")
    } else if now < a.ends_at {
        ("进行中", "blue")
    } else {
        ("已结束", "green")
    }
}

/// The caller's sign-up in a word and its colour.
fn signup_badge(state: &str, position: Option<i64>) -> (String, &'static str) {
    match state {
        "signed" => ("已报名".into(), "blue"),
        "waitlisted" => match position {
            Some(p) => (format!("候补第 {p} 位"), "amber"),
            None => ("候补中".into(), "amber"),
        },
        _ => ("已取消报名".into(), "grey"),
    }
}

/// An attendance record in words and its colour.
fn attendance_badge(a: &Attendance) -> (String, &'static str) {
    match a.state.as_str() {
        "approved" => (format!("出勤已确认 · {}", minutes_cn(a.minutes)), "green"),
        "rejected" => ("出勤未通过".into(), "red"),
        _ => (
            format!("出勤待审核 · 申报 {}", minutes_cn(a.claimed_minutes)),
            "amber",
        ),
    }
}

/// A check-in or check-out as a line: 签到 今天 14:05 · 在范围内 — never the coordinates.
pub struct CheckinLine {
    text: String,
    result: String,
    tone: &'static str,
}

fn checkin_line(c: &CheckIn, now: i64) -> CheckinLine {
    let mut why = Vec::new();
    if !c.inside_fence {
        why.push(format!("位置在范围外约 {} 米", c.distance_m));
    }
    if !c.inside_window {
        why.push("不在活动时间内".to_owned());
    }
    let (result, tone) = if c.result == "accepted" {
        ("在签到范围内".to_owned(), "green")
    } else {
        (format!("{}，待审核", why.join("、")), "amber")
    };
    CheckinLine {
        text: format!("{} {}", c.direction.label(), moment_cn(c.at, now)),
        result,
        tone,
    }
}

/// One activity as a card of a list.
pub struct Card {
    id: i64,
    duty: String,
    title: String,
    when: String,
    when_title: String,
    place: String,
    phase: &'static str,
    tone: &'static str,
    seats: String,
    full: bool,
    reasons: Vec<String>,
    mine: Option<(String, &'static str)>,
    taken: i64,
    capacity: i64,
    waitlist: i64,
    party_only: bool,
    can_manage: bool,
}

fn card(a: &Activity, now: i64) -> Card {
    let (phase, tone) = phase(a, now);
    let full = a.seats_left <= 0;
    let seats = if !full {
        format!("还剩 {} 个名额（共 {} 个）", a.seats_left, a.capacity)
    } else if a.waitlist > 0 {
        format!("名额已满 · {} 人候补", a.waitlist)
    } else {
        format!("名额已满（共 {} 个），可以报名候补", a.capacity)
    };
    Card {
        id: a.id,
        duty: a.duty_label.clone(),
        title: a.title.clone(),
        when: span_cn(a.starts_at, a.ends_at, now),
        when_title: a.when.clone(),
        place: a.place.clone(),
        phase,
        tone,
        seats,
        full,
        reasons: a.fit_reasons.clone(),
        mine: a
            .my_signup
            .as_ref()
            .filter(|s| s.state != "cancelled")
            .map(|s| signup_badge(&s.state, s.position)),
        taken: a.seats_taken,
        capacity: a.capacity,
        waitlist: a.waitlist,
        party_only: a.party_members_only,
        can_manage: a.can_manage,
    }
}

/// The number of pending reviews in the caller's scope, as a short text ("200+" past a page).
async fn pending_reviews(s: &AppState, a: &Access) -> Result<(i64, String), Error> {
    if !organises(a) {
        return Ok((0, String::new()));
    }
    let q = activities::queue(
        &s.db,
        a,
        &QueueQuery {
            after: None,
            limit: Some(200),
        },
    )
    .await?;
    let n = q.items.len() as i64;
    Ok((
        n,
        if q.next.is_some() {
            format!("{n}+")
        } else {
            n.to_string()
        },
    ))
}

// ---------------------------------------------------------------------------------------
// /activities
// ---------------------------------------------------------------------------------------

/// Filters of the list.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    when: Option<String>,
    after: Option<i64>,
    toast: Option<String>,
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    frame: Frame,
    personal: bool,
    mine: Vec<Card>,
    open: Vec<Card>,
    staff: bool,
    can_publish: bool,
    scope: Vec<Card>,
    when: String,
    next_href: Option<String>,
    reviews: i64,
    reviews_text: String,
}

/// The filter chips of the staff list: (value, label).
const WHEN_CHIPS: [(&str, &str); 3] = [("upcoming", "未结束"), ("past", "已结束"), ("all", "全部")];

/// GET /activities
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let a = &u.access;
    let now = now_ms();
    let personal = a.has(Role::Personnel);
    let staff = a.is_staff();
    let (mut mine, mut open) = (Vec::new(), Vec::new());
    if personal {
        let page = activities::mine(
            &s.db,
            a,
            &MineQuery {
                after: None,
                limit: Some(50),
            },
        )
        .await?;
        let mut current: Vec<&MyActivity> = page
            .items
            .iter()
            .filter(|m| {
                m.activity.ends_at > now
                    && m.activity
                        .my_signup
                        .as_ref()
                        .is_some_and(|s| s.state != "cancelled")
            })
            .collect();
        current.sort_by_key(|m| m.activity.starts_at);
        mine = current.iter().map(|m| card(&m.activity, now)).collect();
        let fits = activities::list(
            &s.db,
            a,
            &ActivityQuery {
                for_me: Some(true),
                ..Default::default()
            },
        )
        .await?;
        open = fits
            .items
            .iter()
            .filter(|x| x.my_signup.as_ref().is_none_or(|s| s.state == "cancelled"))
            .map(|x| card(x, now))
            .collect();
    }
    let when = match q.when.as_deref() {
        Some("past") => "past",
        Some("all") => "all",
        _ => "upcoming",
    };
    let (mut scope, mut next_href) = (Vec::new(), None);
    if staff {
        let page = activities::list(
            &s.db,
            a,
            &ActivityQuery {
                when: (when != "all").then(|| when.to_owned()),
                after: q.after,
                limit: Some(PAGE_ROWS),
                ..Default::default()
            },
        )
        .await?;
        scope = page.items.iter().map(|x| card(x, now)).collect();
        next_href = page
            .next
            .map(|n| format!("/activities?when={when}&after={n}"));
    }
    let (reviews, reviews_text) = pending_reviews(&s, a).await?;
    Ok(render(&ListPage {
        frame: Frame::new(a, "活动", "activities").with_toast(q.toast),
        personal,
        mine,
        open,
        staff,
        can_publish: organises(a),
        scope,
        when: when.to_owned(),
        next_href,
        reviews,
        reviews_text,
    }))
}

impl ListPage {
    fn chips(&self) -> Vec<(&'static str, &'static str, bool)> {
        WHEN_CHIPS
            .iter()
            .map(|(v, l)| (*v, *l, *v == self.when))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// /activities/new
// ---------------------------------------------------------------------------------------

/// The publish form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct NewForm {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    duty_kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    fence: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    crs: String,
    #[serde(default)]
    radius_m: String,
    #[serde(default)]
    fence_unit_id: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    wanted_skill_ids: Vec<String>,
    #[serde(default)]
    target_employer_ids: Vec<String>,
    #[serde(default)]
    party_members_only: Option<String>,
}

impl NewForm {
    fn blank() -> NewForm {
        NewForm {
            duty_kind: "duty.volunteer".into(),
            fence: "circle".into(),
            crs: "wgs84".into(),
            radius_m: "200".into(),
            capacity: "10".into(),
            ..Default::default()
        }
    }
    /// Whether a skill is ticked.
    fn has_skill(&self, id: &i64) -> bool {
        self.wanted_skill_ids.iter().any(|v| v == &id.to_string())
    }
    /// Whether an employer is ticked.
    fn has_employer(&self, id: &i64) -> bool {
        self.target_employer_ids
            .iter()
            .any(|v| v == &id.to_string())
    }
    fn party_only(&self) -> bool {
        self.party_members_only
            .as_deref()
            .is_some_and(|v| !v.is_empty())
    }
    fn is_grid(&self) -> bool {
        self.fence == "grid"
    }

    /// The service's input, and the fields that are not numbers where numbers belong (the
    /// service then refuses the input anyway; these messages say what to type).
    fn input(&self) -> (NewActivity, Vec<FieldError>) {
        let mut bad = Vec::new();
        let mut num = |field: &str, v: &str, msg: &str| -> Option<f64> {
            let v = v.trim().replace('，', ".");
            if v.is_empty() {
                return None;
            }
            let n = v.parse::<f64>().ok().filter(|n| n.is_finite());
            if n.is_none() {
                bad.push(FieldError {
                    field: field.into(),
                    message: msg.into(),
                });
            }
            n
        };
        let grid = self.is_grid();
        let (lon, lat, radius) = if grid {
            (None, None, None)
        } else {
            (
                num("lon", &self.lon, "经度请填数字，例如 114.305"),
                num("lat", &self.lat, "纬度请填数字，例如 30.593"),
                num("radius_m", &self.radius_m, "半径请填整数米数，例如 200"),
            )
        };
        let capacity = num("capacity", &self.capacity, "名额请填整数，例如 20");
        let ids =
            |v: &[String]| -> Vec<i64> { v.iter().filter_map(|x| x.trim().parse().ok()).collect() };
        let input = NewActivity {
            unit_id: self.unit_id.trim().parse().unwrap_or(0),
            duty_kind: self.duty_kind.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            place: self.place.clone(),
            lon,
            lat,
            crs: Some(if self.crs.is_empty() {
                "wgs84".into()
            } else {
                self.crs.clone()
            }),
            radius_m: radius.map(|r| r.round() as i64),
            // A grid fence with no grid chosen: id 0 is no grid, and the service says so.
            fence_unit_id: grid.then(|| self.fence_unit_id.trim().parse().unwrap_or(0)),
            capacity: capacity
                .filter(|c| c.fract() == 0.0)
                .map(|c| c as i64)
                .unwrap_or(0),
            wanted_skill_ids: ids(&self.wanted_skill_ids),
            target_employer_ids: ids(&self.target_employer_ids),
            party_members_only: self.party_only(),
        };
        (input, bad)
    }
}

/// A choice of a select: (value, label).
type Choice = (i64, String);

#[derive(Template)]
#[template(path = "activity_new.html")]
struct NewPage {
    frame: Frame,
    form: NewForm,
    units: Vec<Choice>,
    grids: Vec<Choice>,
    duties: Vec<(&'static str, &'static str)>,
    skills: Vec<org::skills::Skill>,
    employers: Vec<Choice>,
    min: String,
    errors: FormErrors,
}

async fn new_view(s: &AppState, u: &PageUser, mut form: NewForm, errors: FormErrors) -> PageResult {
    let a = &u.access;
    if !organises(a) {
        return Err(Error::Forbidden("只有社区干部（或上级管理员）可以发布活动").into());
    }
    let places = org::units::list_in_scope(
        &s.db,
        a,
        &[
            UnitKind::Community,
            UnitKind::Village,
            UnitKind::JointCommunity,
            UnitKind::Grid,
        ],
    )
    .await?;
    let name_of = |id: Option<i64>| {
        places
            .iter()
            .find(|u| Some(u.id) == id)
            .map(|u| u.name.clone())
    };
    let units: Vec<Choice> = places
        .iter()
        .filter(|u| u.kind.is_community_level() && activities::service::manages(a, &u.path))
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let several = units.len() > 1;
    let grids: Vec<Choice> = places
        .iter()
        .filter(|u| {
            u.kind == UnitKind::Grid
                && u.boundary.is_some()
                && activities::service::manages(a, &u.path)
        })
        .map(|u| {
            let label = match name_of(u.parent_id) {
                Some(p) if several => format!("{p} · {}", u.name),
                _ => u.name.clone(),
            };
            (u.id, label)
        })
        .collect();
    if form.unit_id.is_empty()
        && let Some((id, _)) = units.first()
    {
        form.unit_id = id.to_string();
    }
    let employers = org::employers::list(&s.db, a)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let failed = !errors.0.is_empty();
    let mut res = render(&NewPage {
        frame: Frame::new(a, "发布活动", "activities").with_back("/activities"),
        form,
        units,
        grids,
        duties: activities::DutyKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        skills: org::skills::list(&s.db, a).await?,
        employers,
        min: local_datetime(now_ms() - 7 * DAY_MS + MINUTE_MS),
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /activities/new
pub async fn new_page(State(s): State<AppState>, u: PageUser) -> PageResult {
    new_view(&s, &u, NewForm::blank(), FormErrors::default()).await
}

/// POST /activities/new
pub async fn publish(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<NewForm>,
) -> PageResult {
    let a = &u.access;
    if !organises(a) {
        return Err(Error::Forbidden("只有社区干部（或上级管理员）可以发布活动").into());
    }
    let (input, bad) = form.input();
    let errors = match activities::publish(&s.db, a, input).await {
        // A field typed as something other than a number is left out of the input (or
        // sent as 0 seats), which the service always refuses: nothing half-understood is
        // published, and its other problems are said at the same time.
        Ok(act) => {
            return Ok(done(
                &format!("/activities/{}", act.id),
                &format!("已发布活动「{}」", act.title),
            ));
        }
        Err(Error::Invalid(errs)) => errs,
        Err(Error::Forbidden(m)) => vec![FieldError {
            field: "unit_id".into(),
            message: m.into(),
        }],
        Err(e) => return Err(e.into()),
    };
    // Our "type a number" messages replace the service's "fill this in" for those fields.
    let mut all: Vec<FieldError> = errors
        .into_iter()
        .filter(|e| !bad.iter().any(|b| b.field == e.field))
        .collect();
    all.extend(bad);
    new_view(&s, &u, form, FormErrors(all)).await
}

// ---------------------------------------------------------------------------------------
// /activities/{id}
// ---------------------------------------------------------------------------------------

/// The check-in form, as typed (coordinates typed by hand are kept when re-shown).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CheckinForm {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    accuracy: String,
    #[serde(default)]
    crs: String,
}

impl CheckinForm {
    fn input(&self) -> (CheckInInput, Vec<FieldError>) {
        let mut bad = Vec::new();
        let (mut lon, mut lat) = (self.lon.trim().to_owned(), self.lat.trim().to_owned());
        // "114.305, 30.593" pasted into the first field.
        if lat.is_empty()
            && let Some((x, y)) = lon.split_once([',', '，', ' '])
        {
            (lon, lat) = (x.trim().to_owned(), y.trim().to_owned());
        }
        let mut num = |field: &str, v: &str, msg: &str| -> Option<f64> {
            if v.is_empty() {
                return None;
            }
            let n = v.parse::<f64>().ok().filter(|n| n.is_finite());
            if n.is_none() {
                bad.push(FieldError {
                    field: field.into(),
                    message: msg.into(),
                });
            }
            n
        };
        let input = CheckInInput {
            direction: self.direction.clone(),
            lon: num("lon", &lon, "经度请填数字，例如 114.305"),
            lat: num("lat", &lat, "纬度请填数字，例如 30.593"),
            accuracy: num(
                "accuracy",
                self.accuracy.trim(),
                "定位精度请填数字（米），不知道可以不填",
            ),
            crs: Some(if self.crs.trim().is_empty() {
                "wgs84".into()
            } else {
                self.crs.trim().to_owned()
            }),
        };
        (input, bad)
    }
}

/// What the detail page shows again after a failed form: errors of one form and an alert.
#[derive(Default)]
struct Shown {
    alert: Option<String>,
    checkin: CheckinForm,
    checkin_errors: FormErrors,
    cancel_reason: String,
    cancel_errors: FormErrors,
    status: Option<StatusCode>,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct DetailPage {
    frame: Frame,
    c: Card,
    description: String,
    fence: String,
    wanted: Vec<String>,
    targets: String,
    cancel_reason: Option<String>,
    personal: bool,
    /// The sign-up button's label when one may sign up.
    signup: Option<&'static str>,
    signup_note: Option<String>,
    seated: bool,
    waitlisted: Option<i64>,
    can_withdraw: bool,
    /// `in` or `out` when the check-in block is shown.
    direction: Option<&'static str>,
    checkin_note: Option<String>,
    checkins: Vec<CheckinLine>,
    attendance: Option<(String, &'static str, Option<String>)>,
    can_cancel: bool,
    shown: Shown,
}

impl DetailPage {
    fn direction_label(&self) -> &'static str {
        match self.direction {
            Some("out") => "签退",
            _ => "签到",
        }
    }
    fn checking_out(&self) -> bool {
        self.direction == Some("out")
    }
    fn keep_manual(&self) -> bool {
        !self.shown.checkin_errors.0.is_empty()
    }
}

/// The caller's own check-ins and attendance on one activity (from their sign-ups).
async fn my_record(
    s: &AppState,
    a: &Access,
    id: i64,
) -> Result<(Vec<CheckIn>, Option<Attendance>), Error> {
    let mut after = None;
    for _ in 0..10 {
        let page = activities::mine(
            &s.db,
            a,
            &MineQuery {
                after,
                limit: Some(200),
            },
        )
        .await?;
        if let Some(m) = page.items.iter().find(|m| m.activity.id == id) {
            return Ok((m.checkins.clone(), m.attendance.clone()));
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok((vec![], None))
}

async fn detail_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    shown: Shown,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    let act = activities::get(&s.db, a, id).await?;
    let now = now_ms();
    let mut c = card(&act, now);
    let published = act.state == "published";
    let mine = act.my_signup.clone().filter(|m| m.state != "cancelled");
    let personal = a.has(Role::Personnel);
    let seated = mine.as_ref().is_some_and(|m| m.state == "signed");
    let waitlisted = mine
        .as_ref()
        .filter(|m| m.state == "waitlisted")
        .map(|m| m.position.unwrap_or(0));
    let open = published && act.ends_at > now;
    let signup = (personal && mine.is_none() && open).then_some(if c.full {
        "报名候补"
    } else {
        "报名参加"
    });
    let signup_note = signup.map(|_| {
        if c.full {
            "名额已满：报名后进入候补名单，有人取消时按顺序自动递补，并发消息通知您。".to_owned()
        } else {
            "报名后请按时到场。如不能参加，活动开始前可以取消报名，把名额留给别人。".to_owned()
        }
    });
    // A seat holder is not told "full" as if it were news to them.
    if seated && c.full {
        c.seats = if act.capacity == 1 {
            "您占用了唯一的名额".to_owned()
        } else {
            format!("共 {} 个名额，已报满（含您）", act.capacity)
        };
        c.full = false;
    }
    let mut can_withdraw = mine.is_some() && act.starts_at > now && published;
    let (mut checkins, mut attendance) = (Vec::new(), None);
    let (mut direction, mut checkin_note) = (None, None);
    if mine.is_some() || act.my_signup.is_some() {
        let (cs, att) = my_record(s, a, id).await?;
        if seated && published {
            let has_in = cs.iter().any(|c| c.direction == activities::Direction::In);
            let has_out = cs.iter().any(|c| c.direction == activities::Direction::Out);
            let opens = act.starts_at - CHECKIN_EARLY_MS;
            if now < opens {
                checkin_note = Some(format!(
                    "签到在活动开始前 30 分钟开放（{}起）。到时打开这个页面即可签到。",
                    moment_cn(opens, now)
                ));
            } else if !has_in && now <= act.ends_at + CHECKOUT_LATE_MS {
                direction = Some("in");
            } else if has_in && !has_out && now < act.starts_at {
                checkin_note = Some(format!(
                    "已签到。活动开始后，离开现场时再签退（{}开始）；不签退也可以。",
                    moment_cn(act.starts_at, now)
                ));
            } else if has_in && !has_out && now <= act.ends_at + CHECKOUT_LATE_MS {
                direction = Some("out");
            }
            // Once on site, the seat is no longer given up from the phone.
            if has_in {
                can_withdraw = false;
            }
        }
        checkins = cs.iter().map(|c| checkin_line(c, now)).collect();
        attendance = att.as_ref().map(|x| {
            let (label, tone) = attendance_badge(x);
            (label, tone, x.reason.clone())
        });
    }
    let wanted = if act.wanted_skill_ids.is_empty() {
        vec![]
    } else {
        org::skills::list(&s.db, a)
            .await?
            .into_iter()
            .filter(|k| act.wanted_skill_ids.contains(&k.id))
            .map(|k| k.name)
            .collect()
    };
    let targets = if act.target_employer_ids.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = org::employers::list(&s.db, a)
            .await?
            .into_iter()
            .filter(|e| act.target_employer_ids.contains(&e.id))
            .map(|e| e.name)
            .collect();
        if names.len() == act.target_employer_ids.len() {
            names.join("、")
        } else {
            format!("{} 个派出单位", act.target_employer_ids.len())
        }
    };
    let fence = match (act.fence_unit_id, act.radius_m) {
        (Some(g), _) => match org::units::get(&s.db, a, g).await {
            Ok(grid) => format!("「{}」网格范围内", grid.name),
            Err(_) => "活动所在网格范围内".to_owned(),
        },
        (None, Some(r)) => format!("活动地点周围 {r} 米内"),
        _ => String::new(),
    };
    let status = shown.status;
    let frame = Frame::new(a, act.title.clone(), "activities")
        .with_toast(toast)
        .with_back("/activities");
    let mut res = render(&DetailPage {
        frame,
        description: act.description.clone(),
        fence,
        wanted,
        targets,
        cancel_reason: act.cancel_reason.clone(),
        personal,
        signup,
        signup_note,
        seated,
        waitlisted,
        can_withdraw,
        direction,
        checkin_note,
        checkins,
        attendance,
        can_cancel: act.can_manage && open,
        shown,
        c,
    });
    if let Some(st) = status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// GET /activities/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    detail_view(&s, &u, id, Shown::default(), t.toast).await
}

/// Show the detail page again with an alert for a refused action (a conflict or a
/// refusal the person can understand), or the error page for anything else.
async fn refused(s: &AppState, u: &PageUser, id: i64, e: Error) -> PageResult {
    let (status, alert) = match e {
        Error::Conflict { message, .. } => (StatusCode::CONFLICT, message),
        Error::Forbidden(m) => (StatusCode::FORBIDDEN, m.to_owned()),
        e => return Err(e.into()),
    };
    let shown = Shown {
        alert: Some(alert),
        status: Some(status),
        ..Default::default()
    };
    detail_view(s, u, id, shown, None).await
}

/// POST /activities/{id}/signup
pub async fn signup(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    match activities::signup(&s.db, &u.access, id).await {
        Ok(r) if r.state == "signed" => Ok(done(
            &format!("/activities/{id}"),
            "报名成功，您已获得名额。请按时到场",
        )),
        Ok(r) => Ok(done(
            &format!("/activities/{id}"),
            &format!(
                "名额已满，您在候补第 {} 位；有人取消时会自动递补并通知您",
                r.position.unwrap_or(1)
            ),
        )),
        Err(e) => refused(&s, &u, id, e).await,
    }
}

/// POST /activities/{id}/withdraw
pub async fn withdraw(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    match activities::withdraw(&s.db, &u.access, id).await {
        Ok(_) => Ok(done(
            &format!("/activities/{id}"),
            "已取消报名。名额会让给候补的人",
        )),
        Err(e) => refused(&s, &u, id, e).await,
    }
}

/// POST /activities/{id}/checkin: a position taken once (by the page's script, or typed).
pub async fn checkin(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CheckinForm>,
) -> PageResult {
    let (input, bad) = form.input();
    // Something typed that is not a number: nothing is recorded, the form says what to fix.
    let result = if bad.is_empty() {
        activities::checkin::checkin_via(&s.db, Some(&s.checkin_writer), &u.access, id, input).await
    } else {
        Err(Error::Invalid(vec![]))
    };
    let errors = match result {
        Ok(r) => {
            let c = &r.checkin;
            let what = c.direction.label();
            let toast = if r.replayed {
                format!("您已经{what}过了，不用重复{what}")
            } else if c.result == "accepted" {
                format!("{what}成功")
            } else if !c.inside_fence {
                format!("已记录，位置在范围外约 {} 米，将由社区审核", c.distance_m)
            } else {
                "已记录，不在活动时间内，将由社区审核".to_owned()
            };
            return Ok(done(&format!("/activities/{id}"), &toast));
        }
        Err(Error::Invalid(errs)) => errs,
        Err(e) => return refused(&s, &u, id, e).await,
    };
    let mut all: Vec<FieldError> = errors
        .into_iter()
        .filter(|e| !bad.iter().any(|b| b.field == e.field))
        .collect();
    all.extend(bad);
    let shown = Shown {
        checkin: form,
        checkin_errors: FormErrors(all),
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        ..Default::default()
    };
    detail_view(&s, &u, id, shown, None).await
}

/// The cancel form.
#[derive(Debug, Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// POST /activities/{id}/cancel
pub async fn cancel(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> PageResult {
    let reason = Some(form.reason.trim().to_owned()).filter(|r| !r.is_empty());
    match activities::cancel(&s.db, &u.access, id, Cancellation { reason }).await {
        Ok(_) => Ok(done(
            &format!("/activities/{id}"),
            "活动已取消，已通知报名和候补的人员",
        )),
        Err(Error::Invalid(errs)) => {
            let shown = Shown {
                cancel_reason: form.reason,
                cancel_errors: FormErrors(errs),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            detail_view(&s, &u, id, shown, None).await
        }
        Err(e) => refused(&s, &u, id, e).await,
    }
}

// ---------------------------------------------------------------------------------------
// /activities/{id}/roster
// ---------------------------------------------------------------------------------------

/// One person on the roster.
pub struct RosterRow {
    person_id: i64,
    name: String,
    position: Option<i64>,
    joined: String,
    promoted: Option<String>,
    checkins: Vec<CheckinLine>,
    attendance: Option<(String, &'static str)>,
    /// The roll-call minutes field's value.
    minutes: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "activity_roster.html")]
struct RosterPage {
    frame: Frame,
    c: Card,
    seated: Vec<RosterRow>,
    waiting: Vec<RosterRow>,
    started: bool,
    open: bool,
    can_manage: bool,
    window: String,
    pending: i64,
    alert: Option<String>,
}

fn roster_row(e: &RosterEntry, now: i64, default_minutes: i64) -> RosterRow {
    RosterRow {
        person_id: e.person_id,
        name: e.name.clone(),
        position: e.position,
        joined: moment_cn(e.queued_at, now),
        promoted: e.promoted_at.map(|p| moment_cn(p, now)),
        checkins: e.checkins.iter().map(|c| checkin_line(c, now)).collect(),
        attendance: e.attendance.as_ref().map(attendance_badge),
        minutes: default_minutes.to_string(),
        error: None,
    }
}

/// A roll-call form that failed: whose, what was typed, why; or an alert.
#[derive(Default)]
struct RollShown {
    person_id: i64,
    minutes: String,
    error: Option<String>,
    alert: Option<String>,
    status: Option<StatusCode>,
}

async fn roster_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    shown: RollShown,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    let r = activities::roster(&s.db, a, id).await?;
    let now = now_ms();
    let act = &r.activity;
    let window = ((act.ends_at - act.starts_at) / MINUTE_MS).clamp(1, 1440);
    let mut seated: Vec<RosterRow> = r
        .signed
        .iter()
        .map(|e| roster_row(e, now, window))
        .collect();
    for row in seated.iter_mut().filter(|x| x.person_id == shown.person_id) {
        row.minutes = shown.minutes.clone();
        row.error = shown.error.clone();
    }
    let pending = r
        .signed
        .iter()
        .filter(|e| e.attendance.as_ref().is_some_and(|x| x.state == "pending"))
        .count() as i64;
    let mut res = render(&RosterPage {
        frame: Frame::new(a, "报名名单", "activities")
            .with_toast(toast)
            .with_back(format!("/activities/{id}")),
        c: card(act, now),
        waiting: r
            .waitlisted
            .iter()
            .map(|e| roster_row(e, now, window))
            .collect(),
        seated,
        started: act.starts_at <= now,
        open: act.state == "published",
        can_manage: act.can_manage,
        window: minutes_cn(window),
        pending,
        alert: shown.alert,
    });
    if let Some(st) = shown.status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// GET /activities/{id}/roster
pub async fn roster(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    roster_view(&s, &u, id, RollShown::default(), t.toast).await
}

/// The roll-call form of one person.
#[derive(Debug, Deserialize, Default)]
pub struct RollForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    minutes: String,
}

/// POST /activities/{id}/roll-call
pub async fn roll_call(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<RollForm>,
) -> PageResult {
    let person_id = form.person_id.trim().parse::<i64>().unwrap_or(0);
    let typed = form.minutes.trim();
    let minutes = if typed.is_empty() {
        Ok(None)
    } else {
        typed.parse::<i64>().map(Some)
    };
    let fail = |error: Option<String>, alert: Option<String>, status| RollShown {
        person_id,
        minutes: form.minutes.clone(),
        error,
        alert,
        status: Some(status),
    };
    let Ok(minutes) = minutes else {
        let shown = fail(
            Some("时长请填整数分钟，例如 120".into()),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return roster_view(&s, &u, id, shown, None).await;
    };
    match activities::roll_call(&s.db, &u.access, id, RollCall { person_id, minutes }).await {
        Ok(att) => Ok(done(
            &format!("/activities/{id}/roster"),
            &format!(
                "已点名确认 {} 出席 {}，请在出勤审核中核定",
                att.person_name,
                minutes_cn(att.minutes)
            ),
        )),
        Err(Error::Invalid(errs)) => {
            let msg = errs
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("；");
            let shown = fail(Some(msg), None, StatusCode::UNPROCESSABLE_ENTITY);
            roster_view(&s, &u, id, shown, None).await
        }
        Err(Error::Conflict { message, .. }) => {
            let shown = fail(None, Some(message), StatusCode::CONFLICT);
            roster_view(&s, &u, id, shown, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// /attendance/review
// ---------------------------------------------------------------------------------------

/// One pending record of the queue.
pub struct ReviewItem {
    id: i64,
    person: String,
    activity_id: i64,
    activity: String,
    when: String,
    duty: String,
    source: &'static str,
    claimed: String,
    claimed_minutes: i64,
    /// What 通过 credits now (the claim, cut to the time served while the activity runs).
    approve_minutes: i64,
    /// The activity has not started: nothing can be approved yet.
    not_started: bool,
    /// The activity runs: approving now credits only the time served so far.
    running: Option<String>,
    outside: bool,
    distance: Option<i64>,
    checked_in: Option<String>,
    checked_out: Option<String>,
    /// Which form was sent and failed: `approve`, `adjust` or `reject`.
    failed: String,
    minutes: String,
    reason: String,
    errors: FormErrors,
    alert: Option<String>,
}

impl ReviewItem {
    /// The error of `field` when the `form` of this item was the one that failed.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        (self.failed == form)
            .then(|| self.errors.get(field))
            .flatten()
    }
    /// Messages shown above the forms: those of the one-click approval, and those of the
    /// other forms that belong to no field they show.
    fn alerts(&self) -> Vec<String> {
        if self.failed == "approve" {
            return self.errors.0.iter().map(|e| e.message.clone()).collect();
        }
        self.errors.others(&["minutes", "reason"])
    }
    /// The reason typed into the `form` that failed.
    fn val(&self, form: &str) -> &str {
        if self.failed == form {
            &self.reason
        } else {
            ""
        }
    }
}

#[derive(Template)]
#[template(path = "attendance_review.html")]
struct ReviewPage {
    frame: Frame,
    items: Vec<ReviewItem>,
    next_href: Option<String>,
    alert: Option<String>,
}

/// Paging of the queue.
#[derive(Debug, Deserialize, Default)]
pub struct QueuePage {
    after: Option<i64>,
    toast: Option<String>,
}

/// A review form that failed.
#[derive(Default)]
struct ReviewShown {
    id: i64,
    form: ReviewForm,
    errors: FormErrors,
    alert: Option<String>,
    status: Option<StatusCode>,
}

async fn review_view(
    s: &AppState,
    u: &PageUser,
    after: Option<i64>,
    shown: ReviewShown,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    if !organises(a) {
        return Err(Error::Forbidden("只有社区干部（或上级管理员）审核出勤").into());
    }
    let page = activities::queue(
        &s.db,
        a,
        &QueueQuery {
            after,
            limit: Some(PAGE_ROWS),
        },
    )
    .await?;
    let now = now_ms();
    let mut found = false;
    let items: Vec<ReviewItem> = page
        .items
        .iter()
        .map(|t| {
            let mut it = ReviewItem {
                id: t.id,
                person: t.person_name.clone(),
                activity_id: t.activity_id,
                activity: t.activity_title.clone(),
                when: t.activity_when.clone(),
                duty: t.duty_kind.label().to_owned(),
                source: if t.source == "roll_call" {
                    "组织者点名"
                } else {
                    "本人签到"
                },
                claimed: minutes_cn(t.claimed_minutes),
                claimed_minutes: t.claimed_minutes,
                approve_minutes: t.minutes_now,
                not_started: t.activity_starts_at > now,
                running: (t.activity_starts_at <= now && now < t.activity_ends_at).then(|| {
                    format!(
                        "活动还在进行（{}结束）：现在通过只能核定已进行的时长，最多 {}；结束后审核可按全程核定",
                        moment_cn(t.activity_ends_at, now),
                        minutes_cn(t.max_minutes_now)
                    )
                }),
                outside: t.outside,
                distance: t.distance_m.filter(|d| *d > 0),
                checked_in: t.checked_in_at.map(|m| moment_cn(m, now)),
                checked_out: t.checked_out_at.map(|m| moment_cn(m, now)),
                failed: String::new(),
                minutes: t.claimed_minutes.to_string(),
                reason: String::new(),
                errors: FormErrors::default(),
                alert: None,
            };
            if t.id == shown.id {
                found = true;
                it.failed = shown.form.form.clone();
                if shown.form.form == "adjust" {
                    it.minutes = shown.form.minutes.clone();
                }
                it.reason = shown.form.reason.clone();
                it.errors = shown.errors.clone();
                it.alert = shown.alert.clone();
            }
            it
        })
        .collect();
    // The record is not on this page (or no longer pending): say it at the top.
    let alert = if found {
        None
    } else {
        shown.alert.clone().or_else(|| {
            (!shown.errors.0.is_empty()).then(|| {
                shown
                    .errors
                    .0
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("；")
            })
        })
    };
    let mut res = render(&ReviewPage {
        frame: Frame::new(a, "出勤审核", "activities")
            .with_toast(toast)
            .with_back("/activities"),
        items,
        next_href: page.next.map(|n| format!("/attendance/review?after={n}")),
        alert,
    });
    if let Some(st) = shown.status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// GET /attendance/review
pub async fn review_queue(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<QueuePage>,
) -> PageResult {
    review_view(&s, &u, q.after, ReviewShown::default(), q.toast).await
}

/// A review form: `form` says which of the three (通过, 调整时长并通过, 不通过).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    form: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    reason: String,
}

impl ReviewForm {
    fn decision(&self) -> Result<Decision, FieldError> {
        let reason = Some(self.reason.trim().to_owned()).filter(|r| !r.is_empty());
        match self.form.as_str() {
            "adjust" => {
                let m = self.minutes.trim();
                let minutes = m.parse::<i64>().map_err(|_| FieldError {
                    field: "minutes".into(),
                    message: "核定时长请填整数分钟，例如 90".into(),
                })?;
                Ok(Decision {
                    decision: "approve".into(),
                    minutes: Some(minutes),
                    reason,
                })
            }
            "reject" => Ok(Decision {
                decision: "reject".into(),
                minutes: None,
                reason,
            }),
            _ => Ok(Decision {
                decision: "approve".into(),
                minutes: None,
                reason: None,
            }),
        }
    }
}

/// POST /attendance/{id}/review
pub async fn review(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<ReviewForm>,
) -> PageResult {
    let a = &u.access;
    let result = match form.decision() {
        Ok(d) => activities::review(&s.db, a, id, d).await,
        Err(f) => Err(Error::Invalid(vec![f])),
    };
    let (errors, alert, status) = match result {
        Ok(att) if att.state == "approved" => {
            return Ok(done(
                "/attendance/review",
                &format!("已通过，已记入 {} 分钟（{}）", att.minutes, att.person_name),
            ));
        }
        Ok(att) => {
            return Ok(done(
                "/attendance/review",
                &format!("已标记为不通过，已通知 {}", att.person_name),
            ));
        }
        Err(Error::Invalid(errs)) => (errs, None, StatusCode::UNPROCESSABLE_ENTITY),
        Err(Error::Conflict { message, .. }) => (vec![], Some(message), StatusCode::CONFLICT),
        Err(Error::Forbidden(m)) => (vec![], Some(m.to_owned()), StatusCode::FORBIDDEN),
        Err(e) => return Err(e.into()),
    };
    let shown = ReviewShown {
        id,
        form,
        errors: FormErrors(errors),
        alert,
        status: Some(status),
    };
    review_view(&s, &u, None, shown, None).await
}

// ---------------------------------------------------------------------------------------
// /me/activities
// ---------------------------------------------------------------------------------------

/// One of the caller's sign-ups.
pub struct MineRow {
    c: Card,
    signup: (String, &'static str),
    checkins: Vec<CheckinLine>,
    attendance: Option<(String, &'static str, Option<String>)>,
}

#[derive(Template)]
#[template(path = "my_activities.html")]
struct MinePage {
    frame: Frame,
    rows: Vec<MineRow>,
    next_href: Option<String>,
}

/// Paging of "我的活动".
#[derive(Debug, Deserialize, Default)]
pub struct MinePaging {
    after: Option<i64>,
}

/// GET /me/activities
pub async fn mine(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<MinePaging>,
) -> PageResult {
    let a = &u.access;
    let page = activities::mine(
        &s.db,
        a,
        &MineQuery {
            after: q.after,
            limit: Some(PAGE_ROWS),
        },
    )
    .await?;
    let now = now_ms();
    let rows = page
        .items
        .iter()
        .map(|m| {
            let s = m.activity.my_signup.as_ref();
            MineRow {
                c: card(&m.activity, now),
                signup: signup_badge(
                    s.map_or("cancelled", |s| s.state.as_str()),
                    s.and_then(|s| s.position),
                ),
                checkins: m.checkins.iter().map(|c| checkin_line(c, now)).collect(),
                attendance: m.attendance.as_ref().map(|x| {
                    let (l, t) = attendance_badge(x);
                    (l, t, x.reason.clone())
                }),
            }
        })
        .collect();
    Ok(render(&MinePage {
        frame: Frame::new(a, "我的活动", "activities").with_back("/activities"),
        rows,
        next_href: page.next.map(|n| format!("/me/activities?after={n}")),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_numbers_that_are_not_numbers_are_named() {
        let f = NewForm {
            lon: "东经114".into(),
            lat: "30.6".into(),
            radius_m: "200".into(),
            capacity: "二十".into(),
            ..NewForm::blank()
        };
        let (input, bad) = f.input();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["lon", "capacity"]);
        assert_eq!(input.lon, None);
        assert_eq!(input.capacity, 0);
        let c = CheckinForm {
            direction: "in".into(),
            lon: "114.305, 30.593".into(),
            ..Default::default()
        };
        let (input, bad) = c.input();
        assert!(bad.is_empty());
        assert_eq!(input.lat, Some(30.593));
        assert_eq!(input.crs.as_deref(), Some("wgs84"));
    }
}
