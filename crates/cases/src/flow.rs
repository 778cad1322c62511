//! The steps of the loop after a report, each in one transaction with its event, its
//! audit entry and the notices it causes: 立案 (or 作废 / 合并), 派遣, 处置反馈, 核查 (通过
//! closes the case; 不通过 sends it back as 返工), the reporter's 评价, and escalation by
//! hand up the tree when a problem is beyond a level's authority.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text};
use kernel::time::{datetime_cn, now_ms};
use kernel::{Db, Error, Result, Tx};
use org::inbox::{self, NewNotice};
use org::units::Unit;
use org::{Access, Role};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::{dispatches, handles, reads, reported, verifies};
use crate::category;
use crate::model::{self, Satisfaction, State, Step, escalates_to, level_label};
use crate::responsible;
use crate::store::{self, CaseFile, NewEvent};
use crate::workdays;

/// Open a write transaction on a case the caller may read (else 404), locked.
pub(crate) async fn begin(db: &Db, access: &Access, id: i64) -> Result<(Tx, CaseFile)> {
    let mut tx = db.begin().await?;
    let c = store::load(&mut tx, access.city_id(), id, db.for_update())
        .await?
        .filter(|c| reads(access, c))
        .ok_or(Error::NotFound)?;
    Ok((tx, c))
}

/// The state after `step`, or a 409 that says why not.
pub(crate) fn next(c: &CaseFile, step: Step) -> Result<State> {
    model::next(c.state, step).map_err(|m| Error::conflict("case_state", m))
}

/// What a step records besides the state.
#[derive(Default)]
pub(crate) struct StepExtra<'a> {
    pub reason: Option<&'a str>,
    pub data: Value,
    pub notices: Vec<NewNotice<'a>>,
}

/// Record the step's event, audit entry and notices, commit, and read the case back.
pub(crate) async fn commit_step(
    mut tx: Tx,
    access: &Access,
    before: &CaseFile,
    action: &str,
    to: State,
    extra: StepExtra<'_>,
) -> Result<CaseFile> {
    store::add_event(
        &mut tx,
        access.city_id(),
        before.id,
        NewEvent {
            action,
            from: before.state,
            to,
            actor_person_id: Some(access.person_id()),
            actor_name: access.name(),
            reason: extra.reason,
            data: extra.data.clone(),
        },
    )
    .await?;
    let after = store::load(&mut tx, access.city_id(), before.id, "")
        .await?
        .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: &format!("case_{action}"),
            object_kind: "case_file",
            object_id: before.id,
            scope_path: &before.unit_path,
            before: Some(
                json!({"state": before.state.as_str(), "handler": before.handler_person_id,
                                "level": before.level, "deadline_at": before.deadline_at}),
            ),
            after: Some(
                json!({"state": after.state.as_str(), "handler": after.handler_person_id,
                               "level": after.level, "deadline_at": after.deadline_at,
                               "reason": extra.reason, "data": extra.data}),
            ),
        },
    )
    .await?;
    for n in extra.notices {
        inbox::notify(&mut tx, access.city_id(), n).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// A written reason (void, fail, escalate, requests): 2–200 characters.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Reason {
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// Check a required reason.
pub(crate) fn reason_text(reason: &str, what: &str) -> Result<String> {
    let t = reason.trim();
    match t.chars().count() {
        0 | 1 => Err(Error::field("reason", format!("请写明{what}的理由"))),
        n if n > 200 => Err(Error::field("reason", "理由最多 200 个字")),
        _ => Ok(t.to_owned()),
    }
}

fn link(id: i64) -> String {
    format!("/cases/{id}")
}

/// 立案: a dispatcher accepts a report as a case. A case from a hotline, the media or an
/// inspection that the grid had not reported is marked as missed by the grid and tied to
/// the grid's responsible chain. A confirmed report is credited to its reporter.
pub async fn register(db: &Db, access: &Access, id: i64) -> Result<CaseFile> {
    let (mut tx, c) = begin(db, access, id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以立案"));
    }
    let to = next(&c, Step::Register)?;
    let now = now_ms();
    let missed = if c.source.found_outside_the_grid() {
        match c.grid_id {
            Some(g) if !grid_reported(&mut tx, &c, g).await? => {
                Some(responsible::chain(db, c.city_id, g).await?)
            }
            _ => None,
        }
    } else {
        None
    };
    sqlx::query(
        "UPDATE case_file SET state = $1, registered_at = $2, missed_by_grid = $3, \
         missed_chain = $4, updated_at = $2 WHERE city_id = $5 AND id = $6",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(i64::from(missed.is_some()))
    .bind(
        missed
            .as_ref()
            .map(|m| serde_json::to_string(m).unwrap_or_default()),
    )
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut notices = Vec::new();
    if let Some(r) = c.reporter_person_id.filter(|&r| r != access.person_id()) {
        notices.push(NewNotice {
            person_id: r,
            kind: "case.registered",
            title: format!("您上报的问题已立案（案卷 {id}）"),
            body: c.description.chars().take(60).collect(),
            link: link(id),
        });
    }
    if let Some(chain) = &missed {
        for p in chain.iter().filter_map(|l| l.person_id) {
            notices.push(NewNotice {
                person_id: p,
                kind: "case.missed",
                title: format!("网格漏报：{}发现的问题（案卷 {id}）", c.source.label()),
                body: "该问题网格未上报，已记入网格责任链".into(),
                link: link(id),
            });
        }
    }
    let after = commit_step(
        tx,
        access,
        &c,
        "register",
        to,
        StepExtra {
            data: json!({"missed_by_grid": missed.is_some(), "chain": missed}),
            notices,
            ..Default::default()
        },
    )
    .await?;
    crate::sweep::credit_report(db, c.city_id, id).await?;
    Ok(after)
}

/// Whether the grid had reported the same problem itself: a patrol (or watch) report of
/// the same category in the grid, made before this case and within 30 days of it, within
/// 50 m when both have a position, and not thrown out as "not a case".
async fn grid_reported(tx: &mut Tx, c: &CaseFile, grid: i64) -> Result<bool> {
    let rows = sqlx::query(
        "SELECT lon_e7, lat_e7 FROM case_file WHERE city_id = $1 AND grid_id = $2 \
         AND category_id = $3 AND source IN ('patrol', 'watch') AND id <> $4 \
         AND reported_at <= $5 AND reported_at >= $6 \
         AND (state <> 'voided' OR duplicate_of_id IS NOT NULL) LIMIT 200",
    )
    .bind(c.city_id)
    .bind(grid)
    .bind(c.category_id)
    .bind(c.id)
    .bind(c.reported_at)
    .bind(c.reported_at - 30 * 86_400_000)
    .fetch_all(&mut **tx)
    .await?;
    let here = c
        .lon_e7
        .zip(c.lat_e7)
        .map(|(lon_e7, lat_e7)| kernel::geo::Point { lon_e7, lat_e7 });
    for r in rows {
        let there: (Option<i64>, Option<i64>) = (r.try_get(0)?, r.try_get(1)?);
        match (here, there) {
            (Some(a), (Some(lon_e7), Some(lat_e7))) => {
                let b = kernel::geo::Point { lon_e7, lat_e7 };
                if kernel::fence::distance_m(a, b) <= model::DUPLICATE_RADIUS_M {
                    return Ok(true);
                }
            }
            _ => return Ok(true),
        }
    }
    Ok(false)
}

/// 作废: not a case (a dispatcher's decision, with the reason, told to the reporter).
pub async fn void(db: &Db, access: &Access, id: i64, r: Reason) -> Result<CaseFile> {
    let reason = reason_text(&r.reason, "作废")?;
    let (mut tx, c) = begin(db, access, id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以作废"));
    }
    let to = next(&c, Step::Void)?;
    sqlx::query(
        "UPDATE case_file SET state = $1, voided_reason = $2, updated_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(to.as_str())
    .bind(&reason)
    .bind(now_ms())
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = c
        .reporter_person_id
        .filter(|&p| p != access.person_id())
        .map(|p| NewNotice {
            person_id: p,
            kind: "case.voided",
            title: format!("您上报的问题未立案（案卷 {id}）"),
            body: format!("原因：{reason}"),
            link: link(id),
        })
        .into_iter()
        .collect();
    commit_step(
        tx,
        access,
        &c,
        "void",
        to,
        StepExtra {
            reason: Some(&reason),
            notices,
            ..Default::default()
        },
    )
    .await
}

/// Which open case to merge a duplicate into.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Merge {
    /// The open case this report is a duplicate of.
    pub into_case_id: i64,
}

/// 合并: a report of a problem already on file is voided as its duplicate, linked to the
/// open case (its reporter hears of it and counts as having reported it).
pub async fn merge(db: &Db, access: &Access, id: i64, m: Merge) -> Result<CaseFile> {
    if m.into_case_id == id {
        return Err(Error::field("into_case_id", "不能与自己合并"));
    }
    let (mut tx, c) = begin(db, access, id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以合并"));
    }
    let to = next(&c, Step::Merge)?;
    let target = store::load(&mut tx, c.city_id, m.into_case_id, "")
        .await?
        .filter(|t| reads(access, t))
        .ok_or_else(|| Error::field("into_case_id", "没有这个案卷"))?;
    if !target.state.is_open() {
        return Err(Error::field("into_case_id", "只能并入未结案的案卷"));
    }
    if target.duplicate_of_id.is_some() {
        return Err(Error::field("into_case_id", "那个案卷本身已被合并"));
    }
    let reason = format!("与案卷 {} 重复，已合并", target.id);
    sqlx::query(
        "UPDATE case_file SET state = $1, voided_reason = $2, duplicate_of_id = $3, updated_at = $4 \
         WHERE city_id = $5 AND id = $6",
    )
    .bind(to.as_str())
    .bind(&reason)
    .bind(target.id)
    .bind(now_ms())
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = c
        .reporter_person_id
        .filter(|&p| p != access.person_id())
        .map(|p| NewNotice {
            person_id: p,
            kind: "case.merged",
            title: format!("您上报的问题已有人报过，并入案卷 {}", target.id),
            body: String::new(),
            link: link(target.id),
        })
        .into_iter()
        .collect();
    commit_step(
        tx,
        access,
        &c,
        "merge",
        to,
        StepExtra {
            reason: Some(&reason),
            data: json!({"into": target.id}),
            notices,
        },
    )
    .await
}

/// 派遣: to whom, and optionally another department than the category's.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Dispatch {
    /// The person who handles it (see `GET /cases/{id}/handlers`).
    pub handler_person_id: Option<i64>,
    /// The handling department (defaults to the category's).
    pub department: Option<String>,
    /// A word for the handler (up to 200 characters).
    pub note: Option<String>,
}

/// The people a case can be dispatched to: whoever holds a working role in its street
/// (grid leaders, cadres, property companies, sent-down personnel) or a district admin.
pub async fn handlers(db: &Db, access: &Access, id: i64) -> Result<Vec<org::accounts::Holder>> {
    let mut conn = db.reader().acquire().await?;
    let c = store::load(&mut conn, access.city_id(), id, "")
        .await?
        .filter(|c| reads(access, c))
        .ok_or(Error::NotFound)?;
    drop(conn);
    candidates(db, &c).await
}

async fn candidates(db: &Db, c: &CaseFile) -> Result<Vec<org::accounts::Holder>> {
    let street = street_prefix(db, c).await?;
    let ids: Vec<i64> = path_ids(&c.unit_path);
    let mut hs = org::accounts::holders(
        db,
        c.city_id,
        &[
            Role::GridLeader,
            Role::CommunityCadre,
            Role::PropertyUnit,
            Role::Personnel,
        ],
        Some(&street),
        &[],
    )
    .await?;
    hs.extend(org::accounts::holders(db, c.city_id, &[Role::Admin], None, &ids).await?);
    let mut seen = std::collections::HashSet::new();
    hs.retain(|h| seen.insert(h.person_id));
    Ok(hs)
}

fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The path of the case's street (its community's when it has no street above it).
async fn street_prefix(db: &Db, c: &CaseFile) -> Result<String> {
    for id in path_ids(&c.unit_path).into_iter().rev() {
        if let Some(u) = org::units::fetch_any(db, c.city_id, id).await?
            && u.kind.as_str() == "street"
        {
            return Ok(u.path);
        }
    }
    Ok(org::units::fetch_any(db, c.city_id, c.community_id)
        .await?
        .map(|u| u.path)
        .unwrap_or_else(|| c.unit_path.clone()))
}

/// 派遣 a registered case: the deadline is counted from now by the category's limit for
/// the case's urgency, on the city's working-day calendar.
pub async fn dispatch(db: &Db, access: &Access, id: i64, d: Dispatch) -> Result<CaseFile> {
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "派遣说明", d.note.as_deref(), 200);
    let department = optional_text(
        &mut p,
        "department",
        "处置部门",
        d.department.as_deref(),
        30,
    );
    if d.handler_person_id.is_none() {
        p.add("handler_person_id", "请选择处置人");
    }
    p.finish()?;
    let handler = d.handler_person_id.unwrap_or_default();
    let (mut tx, c) = begin(db, access, id).await?;
    if !dispatches(access, &c.unit_path) {
        return Err(Error::Forbidden("只有社区干部或上级管理员可以派遣"));
    }
    let to = next(&c, Step::Dispatch)?;
    let Some(h) = candidates(db, &c)
        .await?
        .into_iter()
        .find(|h| h.person_id == handler)
    else {
        return Err(Error::field(
            "handler_person_id",
            "这个人不在本街道的处置人员中：请从名单中选择",
        ));
    };
    let cat = category::get(db, c.city_id, c.category_id).await?;
    let (cal, wh) = workdays::calendar(db, c.city_id).await?;
    let now = now_ms();
    let limit = cat.limit(c.urgency);
    let deadline = limit.deadline(&cal, &wh, now);
    let department = department.unwrap_or_else(|| cat.department.clone());
    sqlx::query(
        "UPDATE case_file SET state = $1, handler_person_id = $2, dispatcher_person_id = $3, \
         department = $4, dispatched_at = $5, deadline_at = $6, escalate_at = $6, \
         extended_days = 0, overdue_at = NULL, updated_at = $5 WHERE city_id = $7 AND id = $8",
    )
    .bind(to.as_str())
    .bind(handler)
    .bind(access.person_id())
    .bind(&department)
    .bind(now)
    .bind(deadline)
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let notices = vec![NewNotice {
        person_id: handler,
        kind: "case.dispatched",
        title: format!(
            "新案件：{}，请在 {} 前处置",
            cat.name,
            datetime_cn(deadline)
        ),
        body: note
            .clone()
            .unwrap_or_else(|| c.description.chars().take(60).collect()),
        link: link(id),
    }];
    commit_step(
        tx,
        access,
        &c,
        "dispatch",
        to,
        StepExtra {
            reason: note.as_deref(),
            data: json!({"handler": handler, "handler_name": h.name, "department": department,
                         "limit": limit.code(), "deadline_at": deadline}),
            notices,
        },
    )
    .await
}

/// 处置反馈: what the handler did.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Handling {
    /// What was done (2–500 characters). A photo is welcome but never required.
    #[serde(default)]
    pub note: String,
}

/// The handler reports what was done; a verifier then checks it on site.
pub async fn handle(db: &Db, access: &Access, id: i64, h: Handling) -> Result<CaseFile> {
    let note = h.note.trim().to_owned();
    match note.chars().count() {
        0 | 1 => {
            return Err(Error::field(
                "note",
                "请写明处置情况，例如：已劝离摊贩，现场已清理",
            ));
        }
        n if n > 500 => return Err(Error::field("note", "处置情况最多 500 个字")),
        _ => {}
    }
    let (mut tx, c) = begin(db, access, id).await?;
    if !handles(access, &c) {
        return Err(Error::Forbidden("这个案件没有派给您"));
    }
    let to = next(&c, Step::Handle)?;
    let now = now_ms();
    sqlx::query(
        "UPDATE case_file SET state = $1, handled_at = $2, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // A return, extension or suspension still waiting has no more object.
    sqlx::query(
        "UPDATE case_request SET state = 'withdrawn', decided_at = $1, decision_note = '已提交处置结果' \
         WHERE city_id = $2 AND case_id = $3 AND state = 'pending'",
    )
    .bind(now)
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut notices = Vec::new();
    if let Some(d) = c.dispatcher_person_id.filter(|&d| d != access.person_id()) {
        notices.push(NewNotice {
            person_id: d,
            kind: "case.handled",
            title: format!("案卷 {id} 已处置，待核查"),
            body: note.chars().take(60).collect(),
            link: link(id),
        });
    }
    commit_step(
        tx,
        access,
        &c,
        "handle",
        to,
        StepExtra {
            reason: Some(&note),
            data: json!({"on_time": c.deadline_at.is_none_or(|d| now <= d)}),
            notices,
        },
    )
    .await
}

/// 核查: the verdict on site.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Verdict {
    /// `pass` closes the case; `fail` sends it back to the handler (返工).
    #[serde(default)]
    pub result: String,
    /// What was found (required when it fails; 2–200 characters).
    pub note: Option<String>,
}

/// A verifier checks the handling on site. Nobody verifies their own handling.
pub async fn verify(db: &Db, access: &Access, id: i64, v: Verdict) -> Result<CaseFile> {
    let pass = match v.result.trim() {
        "pass" => true,
        "fail" => false,
        _ => return Err(Error::field("result", "请选择“核查通过”或“核查不通过”")),
    };
    let note = match (
        pass,
        v.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
    ) {
        (false, n) => Some(reason_text(n.unwrap_or(""), "核查不通过")?),
        (true, Some(n)) if n.chars().count() > 200 => {
            return Err(Error::field("note", "核查说明最多 200 个字"));
        }
        (true, n) => n.map(str::to_owned),
    };
    let (mut tx, c) = begin(db, access, id).await?;
    if !verifies(access, &c.unit_path) {
        return Err(Error::Forbidden("只有网格长、社区干部或上级管理员可以核查"));
    }
    if handles(access, &c) {
        return Err(Error::Forbidden(
            "不能核查自己处置的案件：请由其他网格员或干部核查",
        ));
    }
    let to = next(&c, if pass { Step::Pass } else { Step::Fail })?;
    let now = now_ms();
    if pass {
        sqlx::query(
            "UPDATE case_file SET state = $1, verifier_person_id = $2, closed_at = $3, \
             escalate_at = NULL, updated_at = $3 WHERE city_id = $4 AND id = $5",
        )
        .bind(to.as_str())
        .bind(access.person_id())
        .bind(now)
        .bind(c.city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE case_file SET state = $1, verifier_person_id = $2, rework_count = rework_count + 1, \
             updated_at = $3 WHERE city_id = $4 AND id = $5",
        )
        .bind(to.as_str())
        .bind(access.person_id())
        .bind(now)
        .bind(c.city_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let mut notices = Vec::new();
    if let Some(h) = c.handler_person_id {
        notices.push(NewNotice {
            person_id: h,
            kind: if pass { "case.closed" } else { "case.rework" },
            title: if pass {
                format!("案卷 {id} 核查通过，已结案")
            } else {
                format!("案卷 {id} 核查不通过，请返工")
            },
            body: note.clone().unwrap_or_default(),
            link: link(id),
        });
    }
    if pass
        && let Some(r) = c
            .reporter_person_id
            .filter(|&r| Some(r) != c.handler_person_id)
    {
        notices.push(NewNotice {
            person_id: r,
            kind: "case.closed",
            title: format!("您上报的问题已处理完毕（案卷 {id}），请评价"),
            body: String::new(),
            link: link(id),
        });
    }
    commit_step(
        tx,
        access,
        &c,
        if pass { "pass" } else { "fail" },
        to,
        StepExtra {
            reason: note.as_deref(),
            data: json!({"rework": !pass}),
            notices,
        },
    )
    .await
}

/// 综合评价: the reporter's verdict on a closed case.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Rating {
    /// `satisfied` (满意), `basic` (基本满意) or `unsatisfied` (不满意).
    #[serde(default)]
    pub satisfaction: String,
    /// A word (up to 200 characters).
    pub note: Option<String>,
}

/// The reporter rates the outcome of a closed case, once.
pub async fn rate(db: &Db, access: &Access, id: i64, r: Rating) -> Result<CaseFile> {
    let Some(s) = Satisfaction::parse(r.satisfaction.trim()) else {
        return Err(Error::field("satisfaction", "请选择满意、基本满意或不满意"));
    };
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "评价", r.note.as_deref(), 200);
    p.finish()?;
    let (mut tx, c) = begin(db, access, id).await?;
    if !reported(access, &c) {
        return Err(Error::Forbidden("只有上报人可以评价"));
    }
    if c.state != State::Closed {
        return Err(Error::conflict("case_state", "结案后才能评价"));
    }
    if c.satisfaction.is_some() {
        return Err(Error::conflict("already_rated", "您已经评价过这个案件"));
    }
    sqlx::query(
        "UPDATE case_file SET satisfaction = $1, satisfaction_note = $2, rated_at = $3, updated_at = $3 \
         WHERE city_id = $4 AND id = $5",
    )
    .bind(s.as_str())
    .bind(&note)
    .bind(now_ms())
    .bind(c.city_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    commit_step(
        tx,
        access,
        &c,
        "rate",
        c.state,
        StepExtra {
            reason: note.as_deref(),
            data: json!({"satisfaction": s.as_str()}),
            ..Default::default()
        },
    )
    .await
}

/// The node a case answers for at after one more step up: from a grid (nested or not) to
/// its community, then the street, then the district. `None` at the district.
pub(crate) async fn level_above(db: &Db, c: &CaseFile) -> Result<Option<Unit>> {
    let Some(at) = org::units::fetch_any(db, c.city_id, c.level_unit_id).await? else {
        return Ok(None);
    };
    if at.kind.as_str() == "district" {
        return Ok(None);
    }
    for id in path_ids(&at.path).into_iter().rev().skip(1) {
        if let Some(u) = org::units::fetch_any(db, c.city_id, id).await?
            && escalates_to(u.kind.as_str())
        {
            return Ok(Some(u));
        }
    }
    Ok(None)
}

/// Move a case one level up inside the caller's transaction; the notices for the new
/// level's cadres and admins. Shared by the hand escalation and the scheduled one.
pub(crate) async fn climb(
    db: &Db,
    tx: &mut Tx,
    c: &CaseFile,
    to: &Unit,
    next_look: Option<i64>,
    why: &str,
) -> Result<Vec<NewNotice<'static>>> {
    sqlx::query(
        "UPDATE case_file SET level = level + 1, level_unit_id = $1, escalate_at = $2, \
         updated_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(to.id)
    .bind(next_look)
    .bind(now_ms())
    .bind(c.city_id)
    .bind(c.id)
    .execute(&mut **tx)
    .await?;
    let holders = org::accounts::holders(
        db,
        c.city_id,
        &[Role::CommunityCadre, Role::Admin],
        None,
        &[to.id],
    )
    .await?;
    let title = format!(
        "案卷 {} 上报至{}（{}）：{why}",
        c.id,
        level_label(to.kind.as_str()),
        to.name
    );
    let mut notices: Vec<NewNotice<'static>> = holders
        .into_iter()
        .map(|h| NewNotice {
            person_id: h.person_id,
            kind: "case.escalated",
            title: title.clone(),
            body: c.description.chars().take(60).collect(),
            link: link(c.id),
        })
        .collect();
    if let Some(h) = c.handler_person_id {
        notices.push(NewNotice {
            person_id: h,
            kind: "case.escalated",
            title: title.clone(),
            body: String::new(),
            link: link(c.id),
        });
    }
    let mut seen = std::collections::HashSet::new();
    notices.retain(|n| seen.insert(n.person_id));
    Ok(notices)
}

/// Escalate by hand, with a reason: the problem is beyond this level's authority.
pub async fn escalate(db: &Db, access: &Access, id: i64, r: Reason) -> Result<CaseFile> {
    let reason = reason_text(&r.reason, "上报")?;
    let (mut tx, c) = begin(db, access, id).await?;
    if !(handles(access, &c) || verifies(access, &c.unit_path)) {
        return Err(Error::Forbidden("只有处置人或网格、社区干部可以上报上级"));
    }
    if !matches!(
        c.state,
        State::Registered | State::Dispatched | State::Suspended
    ) {
        return Err(Error::conflict(
            "case_state",
            format!("案卷当前为“{}”，不能上报上级", c.state.label()),
        ));
    }
    let Some(to) = level_above(db, &c).await? else {
        return Err(Error::conflict("top_level", "已由区级负责，不能再往上报"));
    };
    let notices = climb(db, &mut tx, &c, &to, c.escalate_at, &reason).await?;
    commit_step(
        tx,
        access,
        &c,
        "escalate",
        c.state,
        StepExtra {
            reason: Some(&reason),
            data: json!({"to_unit": to.id, "to_name": to.name, "level": c.level + 1,
                         "automatic": false}),
            notices,
        },
    )
    .await
}
