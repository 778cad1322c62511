//! 民意箱 and the 民情台账: suggestions, complaints and praise sent to a community, and —
//! in a second box — about the platform itself (DOMAIN §0.7). Each item is a line of its
//! box's ledger with its handling, answer and time taken in working time. An anonymous
//! item keeps no trace of its sender: no author in the row, an anonymous actor in the
//! audit log, no request id; the sender follows it with the receipt code shown once.

use kernel::audit::{self, Actor, Entry};
use kernel::calendar::working_minutes_between;
use kernel::error::{Problems, required_text};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Row};
use utoipa::{IntoParams, ToSchema};

use crate::proposal::{self, NewProposal};
use crate::scope::{in_community, runs};

/// Which box an item is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpinionBox {
    /// 民意箱 of a community.
    Community,
    /// 平台意见: about the platform itself, answered by the platform's administrators.
    Platform,
}

impl OpinionBox {
    fn as_str(self) -> &'static str {
        match self {
            OpinionBox::Community => "community",
            OpinionBox::Platform => "platform",
        }
    }
}

const KINDS: [(&str, &str); 3] = [
    ("suggestion", "建议"),
    ("complaint", "投诉"),
    ("praise", "表扬"),
];

/// The Chinese name of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|k| k.0 == kind)
        .map(|k| k.1)
        .unwrap_or("意见")
}

/// The Chinese name of a status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "待处理",
        "handling" => "处理中",
        _ => "已答复",
    }
}

/// An item to send.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewOpinion {
    /// The community it goes to (defaults to the sender's own; ignored for the platform box).
    pub unit_id: Option<i64>,
    /// `suggestion`, `complaint` or `praise`.
    #[serde(default)]
    pub kind: String,
    /// What it says (up to 500 characters).
    #[serde(default)]
    pub body: String,
    /// 匿名: nobody, administrators included, can see who sent it.
    #[serde(default)]
    pub anonymous: bool,
}

/// What the sender gets back: the receipt code is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receipt {
    /// The item.
    pub id: i64,
    /// 回执码: follow the item with it (kept only as a hash).
    pub receipt_code: String,
    /// Whether it was sent anonymously.
    pub anonymous: bool,
}

/// A line of a ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpinionLine {
    /// Id.
    pub id: i64,
    /// The box.
    pub r#box: OpinionBox,
    /// The community (the city for the platform box).
    pub unit_id: i64,
    /// Its path.
    #[serde(skip)]
    pub unit_path: String,
    /// `suggestion`, `complaint`, `praise`.
    pub kind: String,
    /// 建议, 投诉, 表扬.
    pub kind_label: String,
    /// What it says.
    pub body: String,
    /// Sent anonymously (then no sender is kept at all).
    pub anonymous: bool,
    /// The sender's name, for a named item and only to its handlers.
    pub author_name: Option<String>,
    /// `pending`, `handling`, `answered`.
    pub status: String,
    /// 待处理, 处理中, 已答复.
    pub status_label: String,
    /// Who handles it.
    pub assignee: Option<String>,
    /// The answer.
    pub answer: Option<String>,
    /// Who answered.
    pub answered_by_name: Option<String>,
    /// Answered.
    pub answered_at: Option<i64>,
    /// Received.
    pub created_at: i64,
    /// The case it became.
    pub case_id: Option<i64>,
    /// The proposal it became.
    pub proposal_id: Option<i64>,
    /// Working minutes from receipt to answer (or to now while open).
    pub working_minutes: i64,
    /// The same in words (2 个工作日 3 小时).
    pub time_taken: String,
}

#[derive(Debug)]
struct Row0 {
    line: OpinionLine,
    author_account_id: Option<i64>,
}

const COLS: &str = "id, box, unit_id, unit_path, kind, body, anonymous, author_account_id, \
    author_name, status, assignee, answer, answered_by_name, answered_at, created_at, case_id, \
    proposal_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Row0> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let bx: String = r.try_get("box")?;
    Ok(Row0 {
        author_account_id: r.try_get("author_account_id")?,
        line: OpinionLine {
            id: r.try_get("id")?,
            r#box: if bx == "platform" {
                OpinionBox::Platform
            } else {
                OpinionBox::Community
            },
            unit_id: r.try_get("unit_id")?,
            unit_path: r.try_get("unit_path")?,
            kind_label: kind_label(&kind).into(),
            kind,
            body: r.try_get("body")?,
            anonymous: r.try_get::<i64, _>("anonymous")? != 0,
            author_name: r.try_get("author_name")?,
            status_label: status_label(&status).into(),
            status,
            assignee: r.try_get("assignee")?,
            answer: r.try_get("answer")?,
            answered_by_name: r.try_get("answered_by_name")?,
            answered_at: r.try_get("answered_at")?,
            created_at: r.try_get("created_at")?,
            case_id: r.try_get("case_id")?,
            proposal_id: r.try_get("proposal_id")?,
            working_minutes: 0,
            time_taken: String::new(),
        },
    })
}

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().to_uppercase().as_bytes()))
}

/// A receipt code: 12 characters without look-alikes (0/O, 1/I), about 60 bits.
fn new_code() -> String {
    const A: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let b: [u8; 12] = rand::random();
    b.iter()
        .map(|x| A[(*x as usize) % A.len()] as char)
        .collect()
}

fn root_path(access: &Access) -> Option<(i64, String)> {
    let g = access.grants().first()?;
    let root = g.unit_path.split('/').nth(1)?.parse::<i64>().ok()?;
    Some((root, format!("/{root}/")))
}

/// Whether the caller handles items of `bx` at `path`.
fn handles(access: &Access, bx: OpinionBox, path: &str) -> bool {
    match bx {
        OpinionBox::Community => runs(access, path),
        OpinionBox::Platform => access.is_platform_admin(),
    }
}

async fn with_times(db: &Db, city: i64, mut lines: Vec<OpinionLine>) -> Result<Vec<OpinionLine>> {
    let (cal, wh) = cases::workdays::calendar(db, city).await?;
    let per_day = i64::from(wh.minutes_per_day().max(1));
    let now = now_ms();
    for l in &mut lines {
        let m =
            working_minutes_between(&cal, &wh, l.created_at, l.answered_at.unwrap_or(now)).max(0);
        l.working_minutes = m;
        let (d, h) = (m / per_day, (m % per_day) / 60);
        l.time_taken = match (d, h) {
            (0, 0) => "不到 1 小时".into(),
            (0, h) => format!("{h} 小时"),
            (d, 0) => format!("{d} 个工作日"),
            (d, h) => format!("{d} 个工作日 {h} 小时"),
        };
    }
    Ok(lines)
}

/// Send an item to a community's box or to the platform's.
pub async fn submit(
    db: &Db,
    access: &Access,
    bx: OpinionBox,
    input: NewOpinion,
) -> Result<Receipt> {
    let city = access.city_id();
    let mut p = Problems::default();
    let body = required_text(&mut p, "body", "内容", &input.body, 500);
    if !KINDS.iter().any(|k| k.0 == input.kind.trim()) {
        p.add(
            "kind",
            "请选择类别：suggestion（建议）、complaint（投诉）或 praise（表扬）",
        );
    }
    let unit = match bx {
        OpinionBox::Platform => root_path(access),
        OpinionBox::Community => {
            let id = match input.unit_id {
                Some(id) => Some(id),
                None => org::people::scope_of(db, city, access.person_id())
                    .await
                    .ok()
                    .and_then(|s| {
                        s.scope_path
                            .trim_end_matches('/')
                            .rsplit('/')
                            .next()?
                            .parse()
                            .ok()
                    }),
            };
            match id {
                Some(id) => org::units::fetch_any(db, city, id)
                    .await?
                    .filter(|u| u.kind.is_community_level() && in_community(access, &u.path))
                    .map(|u| (u.id, u.path)),
                None => None,
            }
        }
    };
    if unit.is_none() {
        p.add("unit_id", "请选择您所在的社区");
    }
    p.finish()?;
    let (unit_id, unit_path) = unit.ok_or_else(|| Error::Internal("checked".into()))?;
    let code = new_code();
    // An anonymous item is written by nobody: no author, an anonymous actor, no request id.
    let (author, author_name, actor) = if input.anonymous {
        (
            None,
            None,
            Actor {
                city_id: city,
                account_id: None,
                name: "匿名".into(),
                request_id: String::new(),
            },
        )
    } else {
        (
            Some(access.account_id()),
            Some(access.name().to_owned()),
            access.actor().clone(),
        )
    };
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO civic_opinion (city_id, box, unit_id, unit_path, kind, body, anonymous, \
             author_account_id, author_name, receipt_hash, status, created_at) VALUES ($1, $2, \
             $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) RETURNING id",
        )
        .bind(city)
        .bind(bx.as_str())
        .bind(unit_id)
        .bind(&unit_path)
        .bind(input.kind.trim())
        .bind(&body)
        .bind(i64::from(input.anonymous))
        .bind(author)
        .bind(author_name)
        .bind(hash(&code))
        .bind(now_ms()),
    )
    .await?;
    audit::record(
        &mut tx,
        &actor,
        Entry {
            action: "opinion_submit",
            object_kind: "civic_opinion",
            object_id: id,
            scope_path: &unit_path,
            before: None,
            after: Some(json!({"box": bx.as_str(), "kind": input.kind.trim(),
                "anonymous": input.anonymous})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Receipt {
        id,
        receipt_code: code,
        anonymous: input.anonymous,
    })
}

async fn load(db: &Db, city: i64, id: i64) -> Result<Option<Row0>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_opinion WHERE city_id = $1 AND id = $2"
    )))
    .bind(city)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

/// One item: for its handlers, or its named sender (404 for anyone else).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<OpinionLine> {
    let r = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let own = r.author_account_id == Some(access.account_id());
    if !own && !handles(access, r.line.r#box, &r.line.unit_path) {
        return Err(Error::NotFound);
    }
    Ok(with_times(db, access.city_id(), vec![r.line])
        .await?
        .remove(0))
}

/// Follow an item by its receipt code (anonymous ones included). The sender is not shown.
pub async fn follow(db: &Db, access: &Access, code: &str) -> Result<OpinionLine> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_opinion WHERE city_id = $1 AND receipt_hash = $2"
    )))
    .bind(access.city_id())
    .bind(hash(code))
    .fetch_all(db.reader())
    .await?;
    let mut r = rows
        .first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)?;
    r.line.author_name = None;
    Ok(with_times(db, access.city_id(), vec![r.line])
        .await?
        .remove(0))
}

/// The caller's own named items (anonymous ones are followed by receipt code only).
pub async fn mine(db: &Db, access: &Access) -> Result<Vec<OpinionLine>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_opinion WHERE city_id = $1 AND author_account_id = $2 \
         ORDER BY id DESC LIMIT 100"
    )))
    .bind(access.city_id())
    .bind(access.account_id())
    .fetch_all(db.reader())
    .await?;
    let lines = rows
        .iter()
        .map(|r| from_row(r).map(|x| x.line))
        .collect::<Result<_>>()?;
    with_times(db, access.city_id(), lines).await
}

/// Filters of a ledger.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
pub struct LedgerQuery {
    /// `pending`, `handling` or `answered`.
    pub status: Option<String>,
    /// `suggestion`, `complaint` or `praise`.
    pub kind: Option<String>,
    /// Lines with an id below this (the next page).
    pub before: Option<i64>,
}

/// A box's ledger as its handlers see it: the community box for its cadres (and admins
/// above), the platform box for platform administrators. Newest first, 50 a page.
pub async fn ledger(
    db: &Db,
    access: &Access,
    bx: OpinionBox,
    q: &LedgerQuery,
) -> Result<Vec<OpinionLine>> {
    let prefixes: Vec<String> = match bx {
        OpinionBox::Platform if access.is_platform_admin() => {
            root_path(access).map(|r| vec![r.1]).unwrap_or_default()
        }
        OpinionBox::Platform => {
            return Err(Error::Forbidden("平台意见台账由平台管理员处理"));
        }
        OpinionBox::Community => access
            .grants()
            .iter()
            .filter(|g| {
                matches!(
                    g.role,
                    Role::CommunityCadre | Role::Admin | Role::PlatformAdmin
                )
            })
            .map(|g| g.unit_path.clone())
            .collect(),
    };
    if prefixes.is_empty() {
        return Err(Error::Forbidden("民情台账由社区干部处理"));
    }
    let mut sql = format!(
        "SELECT {COLS} FROM civic_opinion WHERE city_id = $1 AND box = $2 AND id < $3 \
         AND ($4 = '' OR status = $4) AND ($5 = '' OR kind = $5) AND ("
    );
    for i in 0..prefixes.len() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!("unit_path LIKE ${}", i + 6));
    }
    sql.push_str(") ORDER BY id DESC LIMIT 50");
    let mut query = sqlx::query(AssertSqlSafe(sql))
        .bind(access.city_id())
        .bind(bx.as_str())
        .bind(q.before.unwrap_or(i64::MAX))
        .bind(q.status.clone().unwrap_or_default())
        .bind(q.kind.clone().unwrap_or_default());
    for p in &prefixes {
        query = query.bind(format!("{p}%"));
    }
    let rows = query.fetch_all(db.reader()).await?;
    let lines = rows
        .iter()
        .map(|r| from_row(r).map(|x| x.line))
        .collect::<Result<_>>()?;
    with_times(db, access.city_id(), lines).await
}

async fn to_handle(db: &Db, access: &Access, id: i64) -> Result<OpinionLine> {
    let r = load(db, access.city_id(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if !handles(access, r.line.r#box, &r.line.unit_path) {
        return Err(Error::NotFound);
    }
    Ok(r.line)
}

async fn audit_in(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    l: &OpinionLine,
    action: &str,
    after: serde_json::Value,
) -> Result<()> {
    audit::record(
        &mut *tx,
        access.actor(),
        Entry {
            action,
            object_kind: "civic_opinion",
            object_id: l.id,
            scope_path: &l.unit_path,
            before: Some(json!({"status": l.status})),
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Who takes an item on.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Handling {
    /// Who handles it (a name or a team, up to 30 characters).
    #[serde(default)]
    pub assignee: String,
}

/// Assign an item (it becomes 处理中).
pub async fn assign(db: &Db, access: &Access, id: i64, h: Handling) -> Result<OpinionLine> {
    let mut p = Problems::default();
    let who = required_text(&mut p, "assignee", "处理人", &h.assignee, 30);
    p.finish()?;
    let l = to_handle(db, access, id).await?;
    if l.status == "answered" {
        return Err(Error::conflict("opinion_answered", "这条意见已经答复"));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE civic_opinion SET status = 'handling', assignee = $1, assigned_at = $2 \
         WHERE city_id = $3 AND id = $4",
    )
    .bind(&who)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        access,
        &l,
        "opinion_assign",
        json!({"status": "handling", "assignee": who}),
    )
    .await?;
    tx.commit().await?;
    get_for_handler(db, access, id).await
}

async fn get_for_handler(db: &Db, access: &Access, id: i64) -> Result<OpinionLine> {
    let l = to_handle(db, access, id).await?;
    Ok(with_times(db, access.city_id(), vec![l]).await?.remove(0))
}

/// An answer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AnswerInput {
    /// The answer (up to 500 characters).
    #[serde(default)]
    pub answer: String,
}

/// Answer an item (it becomes 已答复; the sender reads it, by receipt code if anonymous).
pub async fn answer(db: &Db, access: &Access, id: i64, a: AnswerInput) -> Result<OpinionLine> {
    let mut p = Problems::default();
    let text = required_text(&mut p, "answer", "答复", &a.answer, 500);
    p.finish()?;
    let l = to_handle(db, access, id).await?;
    if l.status == "answered" {
        return Err(Error::conflict("opinion_answered", "这条意见已经答复"));
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE civic_opinion SET status = 'answered', answer = $1, answered_by_name = $2, \
         answered_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(&text)
    .bind(access.name())
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit_in(
        &mut tx,
        access,
        &l,
        "opinion_answer",
        json!({"status": "answered"}),
    )
    .await?;
    tx.commit().await?;
    get_for_handler(db, access, id).await
}

/// Turn an item into a case or a proposal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Conversion {
    /// `case` or `proposal`.
    #[serde(default)]
    pub to: String,
    /// For a case: the 小类 (see `GET /case-categories`).
    pub category_id: Option<i64>,
    /// For a proposal: its title (the item's text becomes its text).
    #[serde(default)]
    pub title: String,
    /// For a proposal: `government`, `collective` or `mixed`.
    pub funding: Option<String>,
    /// For a proposal: the villages whose collective pays.
    #[serde(default)]
    pub villages: Vec<i64>,
}

/// Turn a suggestion or complaint into a case (reported through the cases area with the
/// item's text and community) or a proposal, in one step, linked both ways.
pub async fn convert(db: &Db, access: &Access, id: i64, c: Conversion) -> Result<OpinionLine> {
    let l = to_handle(db, access, id).await?;
    if l.r#box != OpinionBox::Community || l.kind == "praise" {
        return Err(Error::conflict(
            "opinion_not_convertible",
            "只有社区民意箱里的建议和投诉可以转为案件或议事提案",
        ));
    }
    if let Some(n) = l.case_id {
        return Err(Error::conflict(
            "opinion_converted",
            format!("已转为案件 #{n}"),
        ));
    }
    if let Some(n) = l.proposal_id {
        return Err(Error::conflict(
            "opinion_converted",
            format!("已转为议事提案 #{n}"),
        ));
    }
    match c.to.trim() {
        "case" => {
            let (case, _) = cases::report::report(
                db,
                access,
                cases::NewCase {
                    category_id: c.category_id,
                    source: Some("resident".into()),
                    description: l.body.clone(),
                    community_id: Some(l.unit_id),
                    ..cases::NewCase::default()
                },
                "opinion_box",
            )
            .await?;
            let mut tx = db.begin().await?;
            sqlx::query(
                "UPDATE civic_opinion SET case_id = $1, status = CASE WHEN status = 'pending' \
                 THEN 'handling' ELSE status END, assignee = COALESCE(assignee, $2), \
                 assigned_at = COALESCE(assigned_at, $3) WHERE city_id = $4 AND id = $5",
            )
            .bind(case.id)
            .bind(format!("案件 #{}", case.id))
            .bind(now_ms())
            .bind(access.city_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit_in(
                &mut tx,
                access,
                &l,
                "opinion_to_case",
                json!({"case_id": case.id}),
            )
            .await?;
            tx.commit().await?;
        }
        "proposal" => {
            let d = proposal::check(
                db,
                access,
                &NewProposal {
                    unit_id: Some(l.unit_id),
                    title: c.title.clone(),
                    body: l.body.clone(),
                    funding: c.funding.clone(),
                    villages: c.villages.clone(),
                },
            )
            .await?;
            let mut tx = db.begin().await?;
            let pid = proposal::insert_in(&mut tx, access, &d, Some(id)).await?;
            sqlx::query(
                "UPDATE civic_opinion SET proposal_id = $1, status = CASE WHEN status = 'pending' \
                 THEN 'handling' ELSE status END WHERE city_id = $2 AND id = $3",
            )
            .bind(pid)
            .bind(access.city_id())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            audit_in(
                &mut tx,
                access,
                &l,
                "opinion_to_proposal",
                json!({"proposal_id": pid}),
            )
            .await?;
            tx.commit().await?;
        }
        _ => {
            return Err(Error::field(
                "to",
                "请选择转为 case（案件）或 proposal（议事提案）",
            ));
        }
    }
    get_for_handler(db, access, id).await
}
