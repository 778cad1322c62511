//! One patrol: its record, the cases reported on it, and the steps open to the viewer —
//! end it (the patroller), correct a returned one, confirm it or send it back (the grid
//! leader or cadre, never the patroller).

use askama::Template;
use axum::extract::{Path, Query, State};
use cases::patrol::{EndPatrol, PatrolState, SendBack};
use kernel::Error;
use kernel::time::{date_of_ms, datetime_cn, now_ms, relative_cn};
use serde::Deserialize;

use super::{PatrolForm, Sent, date_problem, elapsed_cn, sent_of};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::words::{hm, minutes_cn, span_parts};
use crate::pages::{Frame, PageResult, done, render};

/// A patrol as its page shows it.
pub struct Detail {
    id: i64,
    grid: String,
    person: String,
    state_label: &'static str,
    tone: &'static str,
    when: (String, String),
    when_title: String,
    minutes: String,
    recorded_after: bool,
    found: String,
    return_reason: Option<String>,
    confirmed: Option<String>,
    credited: bool,
    credit_missing: bool,
    date: String,
    start: String,
    end: String,
}

/// A case reported on the patrol.
pub struct CaseLine {
    id: i64,
    category: String,
    description: String,
    state_label: String,
    tone: &'static str,
    when: String,
}

#[derive(Template)]
#[template(path = "patrol.html")]
struct DetailPage {
    frame: Frame,
    p: Detail,
    cases: Vec<CaseLine>,
    can: Vec<String>,
    sent: Sent,
    hint: String,
}

impl DetailPage {
    fn can(&self, step: &str) -> bool {
        self.can.iter().any(|c| c == step)
    }
    fn err(&self, step: &str, field: &str) -> Option<&str> {
        (self.sent.step == step)
            .then(|| self.sent.errors.get(field))
            .flatten()
    }
    /// What was typed into `field` of `step`, else the patrol's own value.
    fn val<'a>(&'a self, step: &str, field: &str) -> &'a str {
        let typed = self.sent.step == step;
        let f = &self.sent.form;
        match field {
            "found" if typed => &f.found,
            "found" if step == "resubmit" => &self.p.found,
            "reason" if typed => &f.reason,
            "date" if typed => &f.date,
            "date" => &self.p.date,
            "start" if typed => &f.start,
            "start" => &self.p.start,
            "end" if typed => &f.end,
            "end" if step == "resubmit" => &self.p.end,
            _ => "",
        }
    }
}

fn hint(v: &cases::patrol::PatrolView, mine: bool) -> String {
    let can = |s: &str| v.can.iter().any(|c| c == s);
    match v.patrol.state {
        PatrolState::Open if mine => {
            "巡查中：发现问题点“上报问题”，会自动记在这次巡查下；巡查完填写发现情况并结束。".into()
        }
        PatrolState::Open => format!("{} 正在巡查。", v.person_name),
        PatrolState::Recorded if can("confirm") => {
            "请核对巡查时间和发现情况：属实就确认（时长记入其时间银行和积分），有误请写明原因退回。"
                .into()
        }
        PatrolState::Recorded => "已提交，等待网格长或社区干部确认。".into(),
        PatrolState::Returned if mine => "巡查记录被退回：请按退回原因修改后重新提交。".into(),
        PatrolState::Returned => "已退回巡查人修改。".into(),
        PatrolState::Confirmed => "巡查记录已确认。".into(),
    }
}

async fn detail_view(
    s: &AppState,
    u: &PageUser,
    id: i64,
    toast: Option<String>,
    sent: Sent,
) -> PageResult {
    let a = &u.access;
    let v = cases::patrol::view::get(&s.db, a, id).await?;
    let now = now_ms();
    let p = &v.patrol;
    let mine = a.person_id() == p.person_id;
    let end = p.ended_at.unwrap_or(now);
    let detail = Detail {
        id: p.id,
        grid: v.grid_name.clone(),
        person: v.person_name.clone(),
        state_label: p.state.label(),
        tone: p.state.tone(),
        when: if p.ended_at.is_some() {
            span_parts(p.started_at, end, now)
        } else {
            (relative_cn(p.started_at, now), "开始".into())
        },
        when_title: datetime_cn(p.started_at),
        minutes: match (v.minutes, p.ended_at) {
            (Some(m), _) => minutes_cn(m),
            (None, None) => format!("已巡查 {}", elapsed_cn(now - p.started_at)),
            (None, Some(_)) => String::new(),
        },
        recorded_after: p.recorded_after,
        found: p.found.clone(),
        return_reason: p.return_reason.clone().filter(|r| !r.is_empty()),
        confirmed: v.confirmed_by_name.clone().map(|n| {
            let at = p
                .confirmed_at
                .map(|t| relative_cn(t, now))
                .unwrap_or_default();
            format!("{n}（{at}）")
        }),
        credited: p.credit_txn_id.is_some(),
        credit_missing: p.state == PatrolState::Confirmed && p.credit_txn_id.is_none(),
        date: date_of_ms(p.started_at).to_string(),
        start: hm(p.started_at),
        end: p.ended_at.map(hm).unwrap_or_default(),
    };
    let cases = v
        .cases
        .iter()
        .map(|c| {
            let mut d: String = c.case.description.chars().take(40).collect();
            if c.case.description.chars().count() > 40 {
                d.push('…');
            }
            CaseLine {
                id: c.case.id,
                category: c.category_name.clone(),
                description: d,
                state_label: c.state_label.clone(),
                tone: c.case.state.tone(),
                when: relative_cn(c.case.reported_at, now),
            }
        })
        .collect();
    let status = sent.status;
    let title = format!("巡查 · {}", v.grid_name);
    let back = if mine { "/patrols" } else { "/patrols/scope" };
    let mut res = render(&DetailPage {
        frame: Frame::new(a, title, "patrols")
            .with_toast(toast)
            .with_back(back),
        p: detail,
        cases,
        can: v.can.clone(),
        sent,
        hint: hint(&v, mine),
    });
    if let Some(st) = status {
        *res.status_mut() = st;
    }
    Ok(res)
}

/// A toast in the address.
#[derive(Debug, Deserialize, Default)]
pub struct ToastOnly {
    toast: Option<String>,
}

/// GET /patrols/{id}
pub async fn show(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    detail_view(&s, &u, id, t.toast, Sent::default()).await
}

async fn act(s: &AppState, u: &PageUser, id: i64, step: &str, f: PatrolForm) -> PageResult {
    use cases::patrol as svc;
    let (db, a) = (&s.db, &u.access);
    let result = match step {
        "end" => {
            // A time typed is on the patrol's own day.
            let ended_at = match f.end.trim() {
                "" => Ok(None),
                t => match svc::view::get(db, a, id).await {
                    Ok(v) => Ok(Some(format!("{}T{t}", date_of_ms(v.patrol.started_at)))),
                    Err(e) => Err(e),
                },
            };
            match ended_at {
                Ok(ended_at) => svc::end(
                    db,
                    a,
                    id,
                    EndPatrol {
                        found: f.found.clone(),
                        ended_at,
                    },
                )
                .await
                .map(|_| "已结束巡查，等待网格长或社区干部确认"),
                Err(e) => Err(e),
            }
        }
        "resubmit" => match date_problem(&f) {
            Some(e) => Err(Error::Invalid(vec![e])),
            None => svc::resubmit(db, a, id, f.past())
                .await
                .map(|_| "已重新提交，等待确认"),
        },
        "confirm" => svc::confirm(db, a, id)
            .await
            .map(|_| "已确认，巡查时长已记入巡查人的时间银行和积分"),
        "return" => svc::send_back(
            db,
            a,
            id,
            SendBack {
                reason: f.reason.clone(),
            },
        )
        .await
        .map(|_| "已退回，巡查人会收到消息"),
        _ => Err(Error::NotFound),
    };
    match result {
        Ok(toast) => Ok(done(&format!("/patrols/{id}"), toast)),
        Err(e) => {
            let sent = sent_of(step, f, e)?;
            detail_view(s, u, id, None, sent).await
        }
    }
}

macro_rules! step_handler {
    ($name:ident, $step:literal, $doc:literal) => {
        #[doc = $doc]
        pub async fn $name(
            State(s): State<AppState>,
            u: PageUser,
            Path(id): Path<i64>,
            CsrfForm(f): CsrfForm<PatrolForm>,
        ) -> PageResult {
            act(&s, &u, id, $step, f).await
        }
    };
}

step_handler!(
    end,
    "end",
    "POST /patrols/{id}/end: 结束巡查 with what was found."
);
step_handler!(
    resubmit,
    "resubmit",
    "POST /patrols/{id}/resubmit: a returned patrol corrected."
);
step_handler!(confirm, "confirm", "POST /patrols/{id}/confirm: 确认.");
step_handler!(
    send_back,
    "return",
    "POST /patrols/{id}/return: 退回 with a reason."
);
