//! Contests (申诉): a person may contest their result once, with a reason; a reviewer of
//! their community (or above) answers. A changed result gets a new revision and a recorded
//! change — never a silent overwrite.

use kernel::audit::{self, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::ToSchema;

use crate::results::{self, PersonResult};

/// A contest.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contest {
    /// Id.
    pub id: i64,
    /// The result.
    pub result_id: i64,
    /// Who contests.
    pub person_id: i64,
    /// Why.
    pub reason: String,
    /// `open`, `upheld` (维持), `changed` (改判).
    pub state: String,
    /// The reviewer's answer.
    pub answer: Option<String>,
    /// The new total when changed (hundredths).
    pub new_total_e2: Option<i64>,
    /// Who answered.
    pub reviewer_name: Option<String>,
    /// When asked (ms).
    pub created_at: i64,
    /// When answered (ms).
    pub decided_at: Option<i64>,
}

/// A reviewer's answer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Answer {
    /// `uphold` or `change`.
    pub decision: String,
    /// The answer to the person (required).
    pub answer: String,
    /// For `change`: the corrected total (hundredths, 0–10000).
    pub new_total_e2: Option<i64>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Contest> {
    Ok(Contest {
        id: r.try_get(0)?,
        result_id: r.try_get(1)?,
        person_id: r.try_get(2)?,
        reason: r.try_get(3)?,
        state: r.try_get(4)?,
        answer: r.try_get(5)?,
        new_total_e2: r.try_get(6)?,
        reviewer_name: r.try_get(7)?,
        created_at: r.try_get(8)?,
        decided_at: r.try_get(9)?,
    })
}

const COLS: &str = "id, result_id, person_id, reason, state, answer, new_total_e2, reviewer_name, \
    created_at, decided_at";

/// The contest of a result, if any.
pub async fn of_result(db: &Db, city_id: i64, result_id: i64) -> Result<Option<Contest>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM assess_contest WHERE city_id = $1 AND result_id = $2"
    )))
    .bind(city_id)
    .bind(result_id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

/// Whether the caller reviews results of the subtree at `path`.
pub fn reviews(access: &Access, path: &str) -> bool {
    access.holds_over(Role::CommunityCadre, path)
}

/// Contest one's own result, once, with a reason.
pub async fn contest(db: &Db, access: &Access, result_id: i64, reason: &str) -> Result<Contest> {
    let r = results::get(db, access, result_id).await?;
    if r.person_id != access.person_id() {
        return Err(Error::Forbidden("只有本人可以对考评结果提出申诉"));
    }
    let reason = reason.trim();
    if reason.chars().count() < 4 || reason.chars().count() > 500 {
        return Err(Error::field("reason", "请写明申诉理由（4 到 500 字）"));
    }
    let mut tx = db.begin().await?;
    let res = sqlx::query(
        "INSERT INTO assess_contest (city_id, result_id, person_id, reason, state, created_at) \
         VALUES ($1, $2, $3, $4, 'open', $5) ON CONFLICT DO NOTHING",
    )
    .bind(access.city_id())
    .bind(result_id)
    .bind(access.person_id())
    .bind(reason)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Err(Error::conflict(
            "already_contested",
            "每个考评结果只能申诉一次，您已经申诉过了",
        ));
    }
    sqlx::query("UPDATE assess_result SET contest_state = 'open' WHERE city_id = $1 AND id = $2")
        .bind(access.city_id())
        .bind(result_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "contest",
            object_kind: "assess_result",
            object_id: result_id,
            scope_path: &r.unit_path,
            before: None,
            after: Some(json!({"reason": reason})),
        },
    )
    .await?;
    tx.commit().await?;
    of_result(db, access.city_id(), result_id)
        .await?
        .ok_or(Error::NotFound)
}

/// Answer a contest: uphold the result, or change its total (a new revision, recorded).
pub async fn answer(db: &Db, access: &Access, result_id: i64, a: Answer) -> Result<Contest> {
    let r: PersonResult = results::get(db, access, result_id).await?;
    if !reviews(access, &r.unit_path) || r.person_id == access.person_id() {
        return Err(Error::Forbidden(
            "申诉由本社区干部或上级管理员答复，本人不能答复",
        ));
    }
    let Some(c) = of_result(db, access.city_id(), result_id).await? else {
        return Err(Error::NotFound);
    };
    if c.state != "open" {
        return Err(Error::conflict("contest_answered", "这项申诉已经答复过了"));
    }
    let answer = a.answer.trim();
    if answer.is_empty() || answer.chars().count() > 500 {
        return Err(Error::field("answer", "请填写答复（最多 500 字）"));
    }
    let new_total = match a.decision.as_str() {
        "uphold" => None,
        "change" => match a.new_total_e2 {
            Some(t) if (0..=10_000).contains(&t) && t != r.total_e2 => Some(t),
            Some(t) if t == r.total_e2 => {
                return Err(Error::field(
                    "new_total_e2",
                    "改判后的分数与原分数相同，请选择维持",
                ));
            }
            _ => {
                return Err(Error::field(
                    "new_total_e2",
                    "请填写改判后的总分（0 到 100）",
                ));
            }
        },
        _ => return Err(Error::field("decision", "请选择维持或改判")),
    };
    let now = now_ms();
    let mut tx = db.begin().await?;
    let state = if new_total.is_some() {
        "changed"
    } else {
        "upheld"
    };
    let res = sqlx::query(
        "UPDATE assess_contest SET state = $1, answer = $2, new_total_e2 = $3, reviewer_person_id = $4, \
         reviewer_name = $5, decided_at = $6 WHERE city_id = $7 AND result_id = $8 AND state = 'open'",
    )
    .bind(state)
    .bind(answer)
    .bind(new_total)
    .bind(access.person_id())
    .bind(access.name())
    .bind(now)
    .bind(access.city_id())
    .bind(result_id)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Err(Error::conflict("contest_answered", "这项申诉已经答复过了"));
    }
    if let Some(t) = new_total {
        let rules = rules_of(&mut tx, access.city_id(), result_id).await?;
        let grade = crate::score::grade(&rules, t);
        sqlx::query(
            "UPDATE assess_result SET total_e2 = $1, grade = $2, revision = revision + 1, \
             contest_state = 'changed', updated_at = $3 WHERE city_id = $4 AND id = $5",
        )
        .bind(t)
        .bind(&grade)
        .bind(now)
        .bind(access.city_id())
        .bind(result_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO assess_result_change (city_id, result_id, revision, before, after, reason, \
             actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(access.city_id())
        .bind(result_id)
        .bind(r.revision + 1)
        .bind(json!({"total_e2": r.total_e2, "grade": r.grade}).to_string())
        .bind(json!({"total_e2": t, "grade": grade}).to_string())
        .bind(format!("申诉改判：{answer}"))
        .bind(access.name())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "UPDATE assess_result SET contest_state = 'upheld' WHERE city_id = $1 AND id = $2",
        )
        .bind(access.city_id())
        .bind(result_id)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "answer_contest",
            object_kind: "assess_result",
            object_id: result_id,
            scope_path: &r.unit_path,
            before: Some(json!({"total_e2": r.total_e2, "grade": r.grade})),
            after: Some(json!({"decision": state, "answer": answer, "new_total_e2": new_total})),
        },
    )
    .await?;
    tx.commit().await?;
    of_result(db, access.city_id(), result_id)
        .await?
        .ok_or(Error::NotFound)
}

async fn rules_of(
    tx: &mut sqlx::AnyConnection,
    city_id: i64,
    result_id: i64,
) -> Result<crate::scheme::Rules> {
    let rows = sqlx::query(
        "SELECT v.body FROM assess_result r JOIN assess_run n ON n.city_id = r.city_id AND n.id = r.run_id \
         JOIN assess_scheme_version v ON v.city_id = n.city_id AND v.id = n.version_id \
         WHERE r.city_id = $1 AND r.id = $2",
    )
    .bind(city_id)
    .bind(result_id)
    .fetch_all(&mut *tx)
    .await?;
    let body: String = rows.first().ok_or(Error::NotFound)?.try_get(0)?;
    serde_json::from_str(&body).map_err(|e| Error::Internal(e.to_string()))
}

/// Open contests the caller reviews (oldest first).
pub async fn queue(db: &Db, access: &Access) -> Result<Vec<(Contest, PersonResult)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM assess_contest WHERE city_id = $1 AND state = 'open' ORDER BY id LIMIT 200"
    )))
    .bind(access.city_id())
    .fetch_all(db.reader())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let c = from_row(r)?;
        if let Ok(res) = results::get(db, access, c.result_id).await
            && reviews(access, &res.unit_path)
            && res.person_id != access.person_id()
        {
            out.push((c, res));
        }
    }
    Ok(out)
}
