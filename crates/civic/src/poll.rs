//! 民意测验: single or multiple choice (with a most-choices limit), a closing time, one
//! ballot per account, results as an SVG bar chart drawn on the server after closing — or
//! live when the poll says so. Results inform; they are never an assessment measure
//! (DOMAIN §0.4), and the page says so.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, required_text};
use kernel::time::{now_ms, parse_datetime};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::scope::{in_community, runs};

/// What every poll says about its results.
pub const NOT_AN_ASSESSMENT: &str = "测验结果只用于了解民意，不作为任何考核、排名的依据";

/// A poll to create.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewPoll {
    /// The community (or joint community) it asks.
    pub unit_id: Option<i64>,
    /// The question (up to 100 characters).
    #[serde(default)]
    pub question: String,
    /// The options, 2 to 10, each up to 40 characters.
    #[serde(default)]
    pub options: Vec<String>,
    /// Multiple choice.
    #[serde(default)]
    pub multiple: bool,
    /// For multiple choice: at most this many (defaults to every option).
    pub max_choices: Option<i64>,
    /// Closing time, Shanghai `YYYY-MM-DDTHH:MM` or RFC 3339; must be in the future.
    #[serde(default)]
    pub closes_at: String,
    /// Show results while it is open.
    #[serde(default)]
    pub live: bool,
}

/// An option with its count (when results may be shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PollOption {
    /// Id (what a ballot names).
    pub id: i64,
    /// Label.
    pub label: String,
    /// Votes, when results are shown.
    pub votes: Option<i64>,
}

/// A poll as the caller sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Poll {
    /// Id.
    pub id: i64,
    /// The community.
    pub unit_id: i64,
    /// The question.
    pub question: String,
    /// Multiple choice.
    pub multiple: bool,
    /// Most choices on one ballot.
    pub max_choices: i64,
    /// Closing time.
    pub closes_at: i64,
    /// Results shown while open.
    pub live: bool,
    /// Whether it has closed.
    pub closed: bool,
    /// Whether results are shown now.
    pub results_visible: bool,
    /// Ballots cast (when results are shown).
    pub ballots: Option<i64>,
    /// Options.
    pub options: Vec<PollOption>,
    /// Whether the caller has voted.
    pub voted: bool,
    /// Whether the caller may create polls here.
    pub can_manage: bool,
    /// Who asked.
    pub created_by_name: String,
    /// The reminder that results are no assessment measure.
    pub note: String,
}

struct Head {
    id: i64,
    unit_id: i64,
    unit_path: String,
    question: String,
    multiple: bool,
    max_choices: i64,
    closes_at: i64,
    live: bool,
    created_by_name: String,
}

const COLS: &str =
    "id, unit_id, unit_path, question, multiple, max_choices, closes_at, live, created_by_name";

fn head(r: &sqlx::any::AnyRow) -> Result<Head> {
    Ok(Head {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        unit_path: r.try_get("unit_path")?,
        question: r.try_get("question")?,
        multiple: r.try_get::<i64, _>("multiple")? != 0,
        max_choices: r.try_get("max_choices")?,
        closes_at: r.try_get("closes_at")?,
        live: r.try_get::<i64, _>("live")? != 0,
        created_by_name: r.try_get("created_by_name")?,
    })
}

async fn load(db: &Db, access: &Access, id: i64) -> Result<Head> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_poll WHERE city_id = $1 AND id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    match rows.first().map(head).transpose()? {
        Some(h) if in_community(access, &h.unit_path) => Ok(h),
        _ => Err(Error::NotFound),
    }
}

async fn full(db: &Db, access: &Access, h: Head) -> Result<Poll> {
    let city = access.city_id();
    let closed = now_ms() >= h.closes_at;
    let visible = closed || h.live;
    let rows = sqlx::query(
        "SELECT o.id, o.label, (SELECT COUNT(*) FROM civic_poll_choice c WHERE c.city_id = o.city_id \
         AND c.option_id = o.id) AS votes FROM civic_poll_option o WHERE o.city_id = $1 \
         AND o.poll_id = $2 ORDER BY o.position",
    )
    .bind(city)
    .bind(h.id)
    .fetch_all(db.reader())
    .await?;
    let options = rows
        .iter()
        .map(|r| {
            Ok(PollOption {
                id: r.try_get("id")?,
                label: r.try_get("label")?,
                votes: if visible {
                    Some(r.try_get::<i64, _>("votes")?)
                } else {
                    None
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN account_id = $3 THEN 1 ELSE 0 END), 0) \
         FROM civic_poll_ballot WHERE city_id = $1 AND poll_id = $2",
    )
    .bind(city)
    .bind(h.id)
    .bind(access.account_id())
    .fetch_all(db.reader())
    .await?;
    let (ballots, mine): (i64, i64) = match rows.first() {
        Some(r) => (r.try_get(0)?, r.try_get(1)?),
        None => (0, 0),
    };
    Ok(Poll {
        can_manage: runs(access, &h.unit_path),
        id: h.id,
        unit_id: h.unit_id,
        question: h.question,
        multiple: h.multiple,
        max_choices: h.max_choices,
        closes_at: h.closes_at,
        live: h.live,
        closed,
        results_visible: visible,
        ballots: visible.then_some(ballots),
        options,
        voted: mine > 0,
        created_by_name: h.created_by_name,
        note: NOT_AN_ASSESSMENT.into(),
    })
}

/// One poll.
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Poll> {
    let h = load(db, access, id).await?;
    full(db, access, h).await
}

/// Polls of the caller's communities, newest first.
pub async fn list(db: &Db, access: &Access) -> Result<Vec<Poll>> {
    let (cond, binds) = crate::scope::community_sql(access, 2);
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_poll WHERE city_id = $1 AND {cond} ORDER BY id DESC LIMIT 30"
    )))
    .bind(access.city_id());
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.reader()).await?;
    let mut out = vec![];
    for r in &rows {
        out.push(full(db, access, head(r)?).await?);
    }
    Ok(out)
}

/// Create a poll (the community's cadres).
pub async fn create(db: &Db, access: &Access, input: NewPoll) -> Result<Poll> {
    let city = access.city_id();
    let mut p = Problems::default();
    let question = required_text(&mut p, "question", "问题", &input.question, 100);
    let options: Vec<String> = input
        .options
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if !(2..=10).contains(&options.len()) {
        p.add("options", "请给出 2 到 10 个选项");
    }
    if options.iter().any(|o| o.chars().count() > 40) {
        p.add("options", "每个选项最多 40 个字");
    }
    let mut uniq = options.clone();
    uniq.sort();
    uniq.dedup();
    if uniq.len() != options.len() {
        p.add("options", "选项不能重复");
    }
    let n = options.len() as i64;
    let max = if input.multiple {
        input.max_choices.unwrap_or(n)
    } else {
        1
    };
    if input.multiple && !(1..=n.max(1)).contains(&max) {
        p.add("max_choices", format!("最多可选项数应在 1 到 {n} 之间"));
    }
    let closes_at = parse_datetime(&input.closes_at);
    match closes_at {
        None => p.add("closes_at", "请填写截止时间"),
        Some(t) if t <= now_ms() => p.add("closes_at", "截止时间应晚于现在"),
        _ => {}
    }
    let unit = match input.unit_id {
        Some(id) => org::units::fetch_any(db, city, id)
            .await?
            .filter(|u| u.kind.is_community_level()),
        None => None,
    };
    if unit.is_none() {
        p.add("unit_id", "请选择社区");
    }
    p.finish()?;
    let (unit, closes_at) = match (unit, closes_at) {
        (Some(u), Some(t)) => (u, t),
        _ => return Err(Error::Internal("checked".into())),
    };
    if !runs(access, &unit.path) {
        return Err(Error::Forbidden("只有本社区的干部可以发起民意测验"));
    }
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO civic_poll (city_id, unit_id, unit_path, question, multiple, max_choices, \
             closes_at, live, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10) RETURNING id",
        )
        .bind(city)
        .bind(unit.id)
        .bind(&unit.path)
        .bind(&question)
        .bind(i64::from(input.multiple))
        .bind(max)
        .bind(closes_at)
        .bind(i64::from(input.live))
        .bind(access.name())
        .bind(now_ms()),
    )
    .await?;
    for (i, o) in options.iter().enumerate() {
        sqlx::query(
            "INSERT INTO civic_poll_option (city_id, poll_id, position, label) VALUES ($1, $2, $3, $4)",
        )
        .bind(city)
        .bind(id)
        .bind(i as i64)
        .bind(o)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "poll_create",
            object_kind: "civic_poll",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"question": question, "options": options, "closes_at": closes_at})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// A ballot.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Ballot {
    /// The chosen options' ids.
    #[serde(default)]
    pub options: Vec<i64>,
}

/// Vote once (anyone in the community) before the poll closes.
pub async fn vote(db: &Db, access: &Access, id: i64, b: Ballot) -> Result<Poll> {
    let city = access.city_id();
    let h = load(db, access, id).await?;
    let poll = full(db, access, load(db, access, id).await?).await?;
    if now_ms() >= h.closes_at {
        return Err(Error::conflict(
            "poll_closed",
            "民意测验已经截止，不能再投票",
        ));
    }
    if poll.voted {
        return Err(Error::conflict(
            "already_voted",
            "您已经投过票了，每人只能投一次",
        ));
    }
    let mut chosen = b.options.clone();
    chosen.sort_unstable();
    chosen.dedup();
    let mut p = Problems::default();
    if chosen.is_empty() {
        p.add("options", "请选择选项");
    }
    if chosen
        .iter()
        .any(|c| !poll.options.iter().any(|o| o.id == *c))
    {
        p.add("options", "没有这个选项");
    }
    if !h.multiple && chosen.len() > 1 {
        p.add("options", "这是单选题，只能选一项");
    }
    if h.multiple && chosen.len() as i64 > h.max_choices {
        p.add("options", format!("最多选 {} 项", h.max_choices));
    }
    p.finish()?;
    let mut tx = db.begin().await?;
    let ballot = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO civic_poll_ballot (city_id, poll_id, account_id, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(city)
        .bind(id)
        .bind(access.account_id())
        .bind(now_ms()),
    )
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::conflict("already_voted", "您已经投过票了，每人只能投一次")
        }
        _ => Error::Db(e),
    })?;
    for o in &chosen {
        sqlx::query(
            "INSERT INTO civic_poll_choice (city_id, poll_id, ballot_id, option_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(city)
        .bind(id)
        .bind(ballot)
        .bind(*o)
        .execute(&mut *tx)
        .await?;
    }
    // The audit says that this account voted, not what it chose.
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "poll_vote",
            object_kind: "civic_poll",
            object_id: id,
            scope_path: &h.unit_path,
            before: None,
            after: Some(json!({"ballot_id": ballot})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The results as a horizontal bar chart (SVG), when they may be shown.
pub async fn chart(db: &Db, access: &Access, id: i64) -> Result<String> {
    let poll = get(db, access, id).await?;
    if !poll.results_visible {
        return Err(Error::conflict("results_hidden", "测验截止后才公布结果"));
    }
    Ok(bar_chart(&poll.question, &poll.options))
}

/// Draw the bars: one row per option, the label, the bar scaled to the largest count,
/// the count and share.
pub fn bar_chart(title: &str, options: &[PollOption]) -> String {
    let (w, row, top) = (360i64, 44i64, 40i64);
    let h = top + row * options.len() as i64 + 16;
    let total: i64 = options.iter().filter_map(|o| o.votes).sum();
    let max = options
        .iter()
        .filter_map(|o| o.votes)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"100%\" \
         role=\"img\" aria-label=\"{t}\" font-family=\"sans-serif\" font-size=\"14\">\
         <title>{t}</title><text x=\"8\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{t}</text>",
        t = esc(title)
    );
    for (i, o) in options.iter().enumerate() {
        let v = o.votes.unwrap_or(0);
        let y = top + row * i as i64;
        let bw = 240 * v / max;
        let pct = if total > 0 { v * 100 / total } else { 0 };
        s.push_str(&format!(
            "<text x=\"8\" y=\"{ty}\">{l}</text><rect x=\"8\" y=\"{ry}\" width=\"{bw}\" \
             height=\"14\" rx=\"3\" fill=\"#07c160\"/><text x=\"{tx}\" y=\"{vy}\">{v} 票（{pct}%）</text>",
            ty = y + 14,
            l = esc(&o.label),
            ry = y + 20,
            tx = 8 + bw + 6,
            vy = y + 32,
        ));
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_escapes_labels_and_scales_bars() {
        let o = |id, l: &str, v| PollOption {
            id,
            label: l.into(),
            votes: Some(v),
        };
        let svg = bar_chart("<问题>", &[o(1, "甲&乙", 3), o(2, "丙", 1)]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("&lt;问题&gt;") && svg.contains("甲&amp;乙"));
        assert!(svg.contains("width=\"240\"") && svg.contains("width=\"80\""));
        assert!(svg.contains("3 票（75%）"));
    }
}
