//! A case's history as its page tells it: the events (who, what, when, why), the
//! requests with their decisions, and the follow-up watches.

use cases::model::Satisfaction;
use cases::requests::Request;
use cases::store::Event;
use cases::watch::Watch;
use kernel::time::datetime_cn;
use org::Access;
use serde_json::Value;

use super::Clock;

/// One line of the history.
pub struct EventRow {
    pub(super) who: String,
    pub(super) what: String,
    pub(super) link: Option<(String, String)>,
    pub(super) reason: Option<String>,
    pub(super) when: String,
    pub(super) when_title: String,
}

/// A request and its decision.
pub struct RequestRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) days: Option<i64>,
    pub(super) state_label: &'static str,
    pub(super) tone: &'static str,
    pub(super) reason: String,
    pub(super) asked: String,
    pub(super) decided: Option<String>,
    pub(super) note: Option<String>,
}

/// A follow-up watch.
pub struct WatchRow {
    pub(super) watcher: String,
    pub(super) days: i64,
    pub(super) state_label: &'static str,
    pub(super) tone: &'static str,
    pub(super) until: String,
    pub(super) note: String,
    pub(super) rebound_case_id: Option<i64>,
}

fn request_state(state: &str) -> (&'static str, &'static str) {
    match state {
        "pending" => ("待审批", "pending"),
        "approved" => ("已批准", "done"),
        "refused" => ("未批准", "void"),
        _ => ("已撤回", "void"),
    }
}

pub(super) fn request_row(r: &Request, clock: &Clock) -> RequestRow {
    let (state_label, tone) = request_state(&r.state);
    RequestRow {
        id: r.id,
        kind: r.kind_label.clone(),
        days: r.days,
        state_label,
        tone,
        reason: r.reason.clone(),
        asked: format!("{} · {}", r.requested_by_name, clock.when(r.requested_at)),
        decided: match (&r.decided_by_name, r.decided_at) {
            (Some(n), Some(at)) => Some(format!("{n} · {}", clock.when(at))),
            (None, Some(at)) => Some(clock.when(at)),
            _ => None,
        },
        note: r.decision_note.clone().filter(|n| !n.is_empty()),
    }
}

pub(super) fn watch_row(w: &Watch, clock: &Clock) -> WatchRow {
    let (state_label, tone) = match w.state.as_str() {
        "active" => ("盯守中", "active"),
        "rebound" => ("发现反弹", "overdue"),
        _ => ("已结束，未见反弹", "done"),
    };
    WatchRow {
        watcher: w.watcher_name.clone(),
        days: w.days,
        state_label,
        tone,
        until: clock.when(w.ends_at),
        note: w.note.clone(),
        rebound_case_id: w.rebound_case_id,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn event_row(e: &Event, a: &Access, clock: &Clock) -> Option<EventRow> {
    let d = &e.data;
    let kind_of = |code: &str| match code {
        "return" => "回退",
        "extend" => "延期",
        _ => "缓办",
    };
    let mut link = None;
    let what = match e.action.as_str() {
        "report" => "上报问题".to_owned(),
        "rebound" => {
            if let Some(old) = d.get("rebound_of").and_then(Value::as_i64) {
                link = Some((format!("/cases/{old}"), format!("原案卷 {old}")));
            }
            "盯守中发现问题反弹，立此新案卷".to_owned()
        }
        "register" if d.get("missed_by_grid") == Some(&Value::Bool(true)) => {
            "立案（网格未上报，记为网格漏报）".to_owned()
        }
        "register" => "立案".to_owned(),
        "void" => "作废".to_owned(),
        "merge" => {
            if let Some(into) = d.get("into").and_then(Value::as_i64) {
                link = Some((format!("/cases/{into}"), format!("案卷 {into}")));
            }
            "作为重复问题合并".to_owned()
        }
        "dispatch" => format!(
            "派遣给 {}（{}，时限 {}）",
            text(d, "handler_name"),
            text(d, "department"),
            cases::model::TimeLimit::parse(&text(d, "limit"))
                .map(|l| l.label())
                .unwrap_or_default()
        ),
        "handle" => "提交处置结果".to_owned(),
        "pass" => "核查通过，结案".to_owned(),
        "fail" => "核查不通过，退回返工".to_owned(),
        "rate" => format!(
            "评价：{}",
            Satisfaction::parse(&text(d, "satisfaction")).map_or("", Satisfaction::label)
        ),
        "escalate" if d.get("automatic") == Some(&Value::Bool(true)) => {
            format!("超过处置时限，自动上报至{}", text(d, "to_name"))
        }
        "escalate" => format!("上报至 {}", text(d, "to_name")),
        "overdue" => "超过处置时限（已在区级）".to_owned(),
        "resume" => "恢复处置".to_owned(),
        "watch" => format!(
            "安排盯守复查 {} 天",
            d.get("days").and_then(Value::as_i64).unwrap_or(0)
        ),
        "rebound_found" => {
            if let Some(n) = d.get("new_case").and_then(Value::as_i64) {
                link = Some((format!("/cases/{n}"), format!("新案卷 {n}")));
            }
            "盯守发现问题反弹".to_owned()
        }
        "watch_clear" => "盯守结束，未见反弹".to_owned(),
        "credit" => "上报经核实，已为上报人记积分".to_owned(),
        "credit_failed" if a.is_staff() => "上报积分未能记入，系统稍后重试".to_owned(),
        "credit_failed" => return None,
        s if s.starts_with("ask_") => {
            let days = d.get("days").and_then(Value::as_i64);
            match (kind_of(&s[4..]), days) {
                ("延期", Some(n)) => format!("申请延期 {n} 个工作日"),
                (k, _) => format!("申请{k}"),
            }
        }
        s if s.starts_with("approve_") => format!("批准{}", kind_of(&s[8..])),
        s if s.starts_with("refuse_") => format!("不批准{}", kind_of(&s[7..])),
        s => s.to_owned(),
    };
    let label = match e.action.as_str() {
        "void" | "fail" | "escalate" | "overdue" => "原因",
        "handle" => "处置情况",
        "dispatch" => "派遣说明",
        "rate" => "评价",
        s if s.starts_with("ask_") => "理由",
        s if s.starts_with("approve_") || s.starts_with("refuse_") => "意见",
        _ => "说明",
    };
    let shown = !matches!(e.action.as_str(), "credit" | "credit_failed" | "merge");
    Some(EventRow {
        who: e.actor_name.clone(),
        what,
        link,
        reason: e
            .reason
            .clone()
            .filter(|r| shown && !r.is_empty())
            .map(|r| format!("{label}：{r}")),
        when: clock.when(e.at),
        when_title: datetime_cn(e.at),
    })
}
