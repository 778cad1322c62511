//! `servicerequestupdates` (mySociety's GeoReport v2 extension, as FixMyStreet reads it):
//! each step of a case as an update, in a phrase anyone may read, with what was written
//! at the step for the case's readers.

use std::collections::HashSet;

use kernel::{Db, Result};
use org::Access;
use serde::Serialize;
use serde_json::Value;
use sqlx::{AssertSqlSafe, Row};

use super::{MAX_RESULTS, cases_by_ids, full_for, status, w3c, window};
use crate::model::State;

/// One step of a case as a request update.
#[derive(Debug, Clone, Serialize)]
pub struct RequestUpdate {
    /// The case event's id.
    pub update_id: String,
    /// The case's id.
    pub service_request_id: String,
    /// `open` or `closed` after the step.
    pub status: &'static str,
    /// When (ISO 8601, +08:00).
    pub updated_datetime: String,
    /// The step in a phrase (with what was written, for readers).
    pub description: String,
    /// Always empty.
    pub media_url: String,
}

/// Steps that are bookkeeping, not news about the problem: credits, and the requests for
/// a return, an extension or a suspension until they are decided (or refused).
const QUIET: &str = "'credit', 'credit_failed', 'ask_return', 'ask_extend', 'ask_suspend', \
    'refuse_return', 'refuse_extend', 'refuse_suspend'";

/// A step in a phrase anyone may read (no names, no free text).
pub fn update_phrase(action: &str, data: &Value) -> String {
    let dept = data.get("department").and_then(Value::as_str).unwrap_or("");
    match action {
        "report" => "已收到上报".into(),
        "rebound" => "结案后问题反弹，重新上报".into(),
        "register" => "已立案".into(),
        "void" => "未立案".into(),
        "merge" => match data.get("into").and_then(Value::as_i64) {
            Some(n) => format!("与已有问题重复，已并入案卷 {n}"),
            None => "与已有问题重复，已合并".into(),
        },
        "dispatch" if !dept.is_empty() => format!("已派遣，由{dept}处置"),
        "dispatch" => "已派遣".into(),
        "handle" => "已提交处置结果，待核查".into(),
        "pass" => "核查通过，已结案".into(),
        "fail" => "核查未通过，重新处置".into(),
        "escalate" => "已提交上级处理".into(),
        "overdue" => "已超过处置时限".into(),
        "approve_return" => "退回重新派遣".into(),
        "approve_extend" => "处置时限已延长".into(),
        "approve_suspend" => "经批准缓办".into(),
        "resume" => "恢复处置".into(),
        "rate" => "报告人已评价".into(),
        "watch" => "结案后安排盯守复查".into(),
        "watch_clear" => "盯守期满，未见反弹".into(),
        "rebound_found" => "盯守中发现问题反弹".into(),
        _ => "案卷有更新".into(),
    }
}

/// The steps of the city's cases in the window, oldest first (the newest
/// [`MAX_RESULTS`] when there are more); readers of a case also get what was written.
pub async fn updates(
    db: &Db,
    city_id: i64,
    access: Option<&Access>,
    start: Option<i64>,
    end: Option<i64>,
    now: i64,
) -> Result<Vec<RequestUpdate>> {
    let (start, end) = window(start, end, now)?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT id, case_id, action, to_state, reason, data, at FROM case_event \
         WHERE city_id = $1 AND at >= $2 AND at <= $3 AND action NOT IN ({QUIET}) \
         ORDER BY at DESC, id DESC LIMIT {MAX_RESULTS}"
    )))
    .bind(city_id)
    .bind(start)
    .bind(end)
    .fetch_all(db.reader())
    .await?;
    let mut ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get::<i64, _>(1))
        .collect::<std::result::Result<_, _>>()?;
    ids.sort_unstable();
    ids.dedup();
    let readable: HashSet<i64> = cases_by_ids(db, city_id, &ids)
        .await?
        .iter()
        .filter(|c| full_for(access, c))
        .map(|c| c.id)
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().rev() {
        let case_id: i64 = r.try_get(1)?;
        let action: String = r.try_get(2)?;
        let to: String = r.try_get(3)?;
        let reason: Option<String> = r.try_get(4)?;
        let data: String = r.try_get(5)?;
        let data: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
        let mut description = update_phrase(&action, &data);
        if let Some(reason) = reason.filter(|r| !r.is_empty() && readable.contains(&case_id))
            && action != "merge"
        {
            description = format!("{description}：{reason}");
        }
        out.push(RequestUpdate {
            update_id: r.try_get::<i64, _>(0)?.to_string(),
            service_request_id: case_id.to_string(),
            status: status(State::parse(&to).unwrap_or(State::Reported)),
            updated_datetime: w3c(r.try_get(6)?),
            description,
            media_url: String::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phrases_carry_no_free_text() {
        let d = json!({"department": "城管执法中队", "handler_name": "张三"});
        assert_eq!(update_phrase("dispatch", &d), "已派遣，由城管执法中队处置");
        assert!(!update_phrase("dispatch", &d).contains("张三"));
        assert_eq!(
            update_phrase("merge", &json!({"into": 7})),
            "与已有问题重复，已并入案卷 7"
        );
        assert_eq!(update_phrase("something_new", &Value::Null), "案卷有更新");
    }
}
