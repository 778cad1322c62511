//! 议事提案: a proposal of a community or joint community, moving 酝酿提案 → 共建理事会商议
//! (comments, amendments: each a new version, earlier ones kept) → 决策 (adopted or
//! rejected, only with the consents its funding requires) → 执行 (linked orders,
//! activities or cases, each checked to exist in scope) → 群众反馈 → closed. Every step is
//! an event with its date and owner; the whole history is public to the community.

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::{now_ms, parse_date, today};
use kernel::{Db, Error, Result};
use org::Access;
use org::units::{Unit, UnitKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::consent::{self, Blocker, Funding, Outcome, Verdict};
use crate::scope::{in_community, runs};

/// A proposal's stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 酝酿提案.
    Drafted,
    /// 共建理事会商议.
    Deliberation,
    /// 决策.
    Decided,
    /// 执行.
    Executed,
    /// 群众反馈.
    Feedback,
    /// 已结束.
    Closed,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 6] = [
        Stage::Drafted,
        Stage::Deliberation,
        Stage::Decided,
        Stage::Executed,
        Stage::Feedback,
        Stage::Closed,
    ];
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Drafted => "drafted",
            Stage::Deliberation => "deliberation",
            Stage::Decided => "decided",
            Stage::Executed => "executed",
            Stage::Feedback => "feedback",
            Stage::Closed => "closed",
        }
    }
    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Drafted => "酝酿提案",
            Stage::Deliberation => "共建理事会商议",
            Stage::Decided => "决策",
            Stage::Executed => "执行",
            Stage::Feedback => "群众反馈",
            Stage::Closed => "已结束",
        }
    }
}

/// Whether a cadre may move a proposal from `from` to `to` by hand (a decision is taken
/// with [`decide`], not by a move).
pub fn may_move(from: Stage, outcome: Option<Outcome>, to: Stage) -> bool {
    matches!(
        (from, outcome, to),
        (Stage::Drafted, _, Stage::Deliberation)
            | (Stage::Decided, Some(Outcome::Adopted), Stage::Executed)
            | (Stage::Decided, Some(Outcome::Rejected), Stage::Closed)
            | (Stage::Executed, _, Stage::Feedback)
            | (Stage::Feedback, _, Stage::Closed)
    )
}

/// A proposal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Proposal {
    /// Id.
    pub id: i64,
    /// The community or joint community.
    pub unit_id: i64,
    /// Its path (scope).
    #[serde(skip)]
    pub unit_path: String,
    /// Title.
    pub title: String,
    /// The current text (the last amendment).
    pub body: String,
    /// The text's version (1 = as drafted).
    pub version: i64,
    /// Who pays.
    pub funding: Funding,
    /// Who pays, in words.
    pub funding_label: String,
    /// Who holds the decision, in words.
    pub decision_right: String,
    /// Stage.
    pub stage: Stage,
    /// Stage, in words.
    pub stage_label: String,
    /// The decision, once taken.
    pub outcome: Option<Outcome>,
    /// The decision's note.
    pub decision_note: String,
    /// The opinion-box item it came from.
    pub opinion_id: Option<i64>,
    /// Who drafted it.
    pub created_by_name: String,
    /// Drafted.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const COLS: &str = "id, unit_id, unit_path, title, body, version, funding, stage, outcome, \
    decision_note, opinion_id, created_by_name, created_at, updated_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Proposal> {
    let funding: String = r.try_get("funding")?;
    let stage: String = r.try_get("stage")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    let funding =
        Funding::parse(&funding).ok_or_else(|| Error::Internal(format!("funding {funding}")))?;
    let stage = Stage::parse(&stage).ok_or_else(|| Error::Internal(format!("stage {stage}")))?;
    Ok(Proposal {
        id: r.try_get("id")?,
        unit_id: r.try_get("unit_id")?,
        unit_path: r.try_get("unit_path")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        version: r.try_get("version")?,
        funding,
        funding_label: funding.label().into(),
        decision_right: funding.right().into(),
        stage,
        stage_label: stage.label().into(),
        outcome: outcome.as_deref().and_then(Outcome::parse),
        decision_note: r.try_get("decision_note")?,
        opinion_id: r.try_get("opinion_id")?,
        created_by_name: r.try_get("created_by_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A funding party with its standing verdict.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Party {
    /// Id.
    pub id: i64,
    /// The village whose collective pays (none for the government).
    pub village_id: Option<i64>,
    /// Who must consent, e.g. 东村村民代表会议.
    pub name: String,
    /// The last verdict recorded.
    pub verdict: Option<Verdict>,
}

/// One step of a proposal's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    /// Id.
    pub id: i64,
    /// `stage`, `comment`, `amendment`, `consent`, `decision`, `link`, `feedback`.
    pub kind: String,
    /// The stage it happened in (for `stage`, the stage entered).
    pub stage: Stage,
    /// Text: the comment, the amended text, the resolution, the decision note.
    pub body: String,
    /// For an amendment: the version it made.
    pub version: Option<i64>,
    /// For a consent: the party.
    pub party_id: Option<i64>,
    /// For a consent: the verdict; for a decision: the outcome code.
    pub verdict: Option<String>,
    /// For a consent: the assembly's date.
    pub assembly_date: Option<String>,
    /// For feedback: 1–5.
    pub rating: Option<i64>,
    /// For a link: `order`, `activity` or `case`.
    pub link_kind: Option<String>,
    /// For a link: the linked object's id.
    pub link_id: Option<i64>,
    /// Who.
    pub actor_name: String,
    /// When.
    pub at: i64,
}

/// A proposal with its parties, history and what a decision still needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProposalView {
    /// The proposal.
    pub proposal: Proposal,
    /// The community's name.
    pub unit_name: String,
    /// The funding parties.
    pub parties: Vec<Party>,
    /// The whole history, oldest first.
    pub events: Vec<Event>,
    /// What adoption still needs (empty when it may be adopted).
    pub adoption_needs: Vec<String>,
    /// Whether the caller may move it, decide it and link work to it.
    pub can_manage: bool,
}

async fn load(db: &Db, city_id: i64, id: i64) -> Result<Option<Proposal>> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_proposal WHERE city_id = $1 AND id = $2"
    )))
    .bind(city_id)
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.first().map(from_row).transpose()
}

async fn load_in(tx: &mut sqlx::AnyConnection, db: &Db, city: i64, id: i64) -> Result<Proposal> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_proposal WHERE city_id = $1 AND id = $2{}",
        db.for_update()
    )))
    .bind(city)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    rows.first()
        .map(from_row)
        .transpose()?
        .ok_or(Error::NotFound)
}

/// A proposal the caller may read (404 outside their community).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Proposal> {
    match load(db, access.city_id(), id).await? {
        Some(p) if in_community(access, &p.unit_path) => Ok(p),
        _ => Err(Error::NotFound),
    }
}

async fn parties_in(conn: &mut sqlx::AnyConnection, city: i64, id: i64) -> Result<Vec<Party>> {
    let rows = sqlx::query(
        "SELECT id, village_id, name FROM civic_proposal_party WHERE city_id = $1 \
         AND proposal_id = $2 ORDER BY id",
    )
    .bind(city)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut parties = rows
        .iter()
        .map(|r| {
            Ok(Party {
                id: r.try_get("id")?,
                village_id: r.try_get("village_id")?,
                name: r.try_get("name")?,
                verdict: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows = sqlx::query(
        "SELECT party_id, verdict FROM civic_proposal_event WHERE city_id = $1 \
         AND proposal_id = $2 AND kind = 'consent' ORDER BY id",
    )
    .bind(city)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let pid: Option<i64> = r.try_get("party_id")?;
        let v: Option<String> = r.try_get("verdict")?;
        if let Some(p) = parties.iter_mut().find(|p| Some(p.id) == pid) {
            p.verdict = v.as_deref().and_then(Verdict::parse);
        }
    }
    Ok(parties)
}

fn blockers(p: &Proposal, parties: &[Party], outcome: Outcome) -> Result<(), Vec<Blocker>> {
    let names: Vec<String> = parties.iter().map(|x| x.name.clone()).collect();
    let consents: Vec<(usize, Verdict)> = parties
        .iter()
        .enumerate()
        .filter_map(|(i, x)| x.verdict.map(|v| (i, v)))
        .collect();
    consent::may_decide(p.funding, &names, &consents, outcome)
}

/// A proposal with its parties and its whole history.
pub async fn view(db: &Db, access: &Access, id: i64) -> Result<ProposalView> {
    let proposal = get(db, access, id).await?;
    let city = access.city_id();
    let mut conn = db.reader().acquire().await?;
    let parties = parties_in(&mut conn, city, id).await?;
    let rows = sqlx::query(
        "SELECT id, kind, stage, body, version, party_id, verdict, assembly_date, rating, \
         link_kind, link_id, actor_name, at FROM civic_proposal_event WHERE city_id = $1 \
         AND proposal_id = $2 ORDER BY id",
    )
    .bind(city)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let events = rows
        .iter()
        .map(|r| {
            let stage: String = r.try_get("stage")?;
            Ok(Event {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                stage: Stage::parse(&stage).unwrap_or(Stage::Drafted),
                body: r.try_get("body")?,
                version: r.try_get("version")?,
                party_id: r.try_get("party_id")?,
                verdict: r.try_get("verdict")?,
                assembly_date: r.try_get("assembly_date")?,
                rating: r.try_get("rating")?,
                link_kind: r.try_get("link_kind")?,
                link_id: r.try_get("link_id")?,
                actor_name: r.try_get("actor_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let unit_name = org::units::fetch_any(db, city, proposal.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let adoption_needs = match blockers(&proposal, &parties, Outcome::Adopted) {
        Ok(()) => vec![],
        Err(b) => b.iter().map(Blocker::message).collect(),
    };
    Ok(ProposalView {
        can_manage: runs(access, &proposal.unit_path),
        proposal,
        unit_name,
        parties,
        events,
        adoption_needs,
    })
}

/// Proposals of the communities the caller belongs to (or of `unit_id`), newest first.
pub async fn list(db: &Db, access: &Access, unit_id: Option<i64>) -> Result<Vec<Proposal>> {
    let (cond, binds) = crate::scope::community_sql(access, 3);
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_proposal WHERE city_id = $1 AND ($2 = 0 OR unit_id = $2) \
         AND {cond} ORDER BY id DESC LIMIT 200"
    )))
    .bind(access.city_id())
    .bind(unit_id.unwrap_or(0));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.reader()).await?;
    rows.iter().map(from_row).collect()
}

// ---------------------------------------------------------------------------------------
// Drafting
// ---------------------------------------------------------------------------------------

/// A proposal to draft.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewProposal {
    /// The community or joint community.
    pub unit_id: Option<i64>,
    /// Title (up to 60 characters).
    #[serde(default)]
    pub title: String,
    /// The text (up to 2000 characters).
    #[serde(default)]
    pub body: String,
    /// `government`, `collective` or `mixed`.
    pub funding: Option<String>,
    /// For `collective` and `mixed`: the villages whose collective pays.
    #[serde(default)]
    pub villages: Vec<i64>,
}

/// A checked draft.
pub(crate) struct Draft {
    unit: Unit,
    title: String,
    body: String,
    funding: Funding,
    parties: Vec<(Option<i64>, String)>,
}

/// Check a draft: the unit is a community the caller runs; the villages fit the funding.
pub(crate) async fn check(db: &Db, access: &Access, input: &NewProposal) -> Result<Draft> {
    let city = access.city_id();
    let mut p = Problems::default();
    let title = required_text(&mut p, "title", "标题", &input.title, 60);
    let body = required_text(&mut p, "body", "提案内容", &input.body, 2000);
    let funding = input.funding.as_deref().and_then(Funding::parse);
    if funding.is_none() {
        p.add(
            "funding",
            "请选择出资方式：government（政府出资）、collective（村集体出资）或 mixed（政府与集体合作）",
        );
    }
    let unit = match input.unit_id {
        Some(id) => org::units::fetch_any(db, city, id)
            .await?
            .filter(|u| matches!(u.kind, UnitKind::Community | UnitKind::JointCommunity)),
        None => None,
    };
    if unit.is_none() {
        p.add("unit_id", "请选择提案所属的社区或联村社区");
    }
    let mut parties = vec![];
    if let (Some(f), Some(u)) = (funding, &unit) {
        let mut ids = input.villages.clone();
        ids.sort_unstable();
        ids.dedup();
        let villages = org::units::fetch_many(db, city, &ids).await?;
        let ok: Vec<&Unit> = villages
            .iter()
            .filter(|v| v.kind == UnitKind::Village && v.path.starts_with(&u.path))
            .collect();
        if ok.len() != ids.len() {
            p.add("villages", format!("出资村必须是{}下属的村", u.name));
        }
        match f {
            Funding::Government if !ids.is_empty() => p.add(
                "villages",
                "政府出资的事项不填出资村；村集体出资请选“村集体出资”或“政府与集体合作”",
            ),
            Funding::Collective | Funding::Mixed if ids.is_empty() => p.add(
                "villages",
                "请选择出资的村（村集体出资须经该村村民代表会议同意）",
            ),
            _ => {}
        }
        if f == Funding::Mixed {
            parties.push((None, format!("{}党委", u.name)));
        }
        parties.extend(
            ok.iter()
                .map(|v| (Some(v.id), format!("{}村民代表会议", v.name))),
        );
    }
    p.finish()?;
    let unit = unit.ok_or_else(|| Error::Internal("checked".into()))?;
    if !runs(access, &unit.path) {
        return Err(Error::Forbidden(
            "只有本社区（联村社区）的干部可以提出议事提案",
        ));
    }
    Ok(Draft {
        unit,
        title,
        body,
        funding: funding.ok_or_else(|| Error::Internal("checked".into()))?,
        parties,
    })
}

/// Write a checked draft inside the caller's transaction.
pub(crate) async fn insert_in(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    d: &Draft,
    opinion_id: Option<i64>,
) -> Result<i64> {
    let now = now_ms();
    let city = access.city_id();
    let id = kernel::db::insert_returning_id(
        &mut *tx,
        sqlx::query(
            "INSERT INTO civic_proposal (city_id, unit_id, unit_path, title, body, version, \
             funding, stage, decision_note, opinion_id, created_by_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, 'drafted', '', $7, $8, $9, $9) RETURNING id",
        )
        .bind(city)
        .bind(d.unit.id)
        .bind(&d.unit.path)
        .bind(&d.title)
        .bind(&d.body)
        .bind(d.funding.as_str())
        .bind(opinion_id)
        .bind(access.name())
        .bind(now),
    )
    .await?;
    for (village, name) in &d.parties {
        sqlx::query(
            "INSERT INTO civic_proposal_party (city_id, proposal_id, village_id, name) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(city)
        .bind(id)
        .bind(*village)
        .bind(name)
        .execute(&mut *tx)
        .await?;
    }
    event(
        tx,
        access,
        id,
        Stage::Drafted,
        Ev {
            kind: "stage",
            body: &d.body,
            version: Some(1),
            ..Ev::default()
        },
    )
    .await?;
    audit::record(
        &mut *tx,
        access.actor(),
        Entry {
            action: "proposal_create",
            object_kind: "civic_proposal",
            object_id: id,
            scope_path: &d.unit.path,
            before: None,
            after: Some(json!({"title": d.title, "funding": d.funding.as_str(),
                "parties": d.parties.iter().map(|p| &p.1).collect::<Vec<_>>(),
                "opinion_id": opinion_id})),
        },
    )
    .await?;
    Ok(id)
}

/// Draft a proposal (酝酿提案).
pub async fn create(db: &Db, access: &Access, input: NewProposal) -> Result<Proposal> {
    let d = check(db, access, &input).await?;
    let mut tx = db.begin().await?;
    let id = insert_in(&mut tx, access, &d, None).await?;
    tx.commit().await?;
    get(db, access, id).await
}

#[derive(Default)]
struct Ev<'a> {
    kind: &'a str,
    body: &'a str,
    version: Option<i64>,
    party_id: Option<i64>,
    verdict: Option<&'a str>,
    assembly_date: Option<&'a str>,
    rating: Option<i64>,
    link_kind: Option<&'a str>,
    link_id: Option<i64>,
}

async fn event(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    proposal_id: i64,
    stage: Stage,
    e: Ev<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO civic_proposal_event (city_id, proposal_id, kind, stage, body, version, \
         party_id, verdict, assembly_date, rating, link_kind, link_id, actor_account_id, \
         actor_name, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(access.city_id())
    .bind(proposal_id)
    .bind(e.kind)
    .bind(stage.as_str())
    .bind(e.body)
    .bind(e.version)
    .bind(e.party_id)
    .bind(e.verdict)
    .bind(e.assembly_date)
    .bind(e.rating)
    .bind(e.link_kind)
    .bind(e.link_id)
    .bind(access.account_id())
    .bind(access.name())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn audit_in(
    tx: &mut sqlx::AnyConnection,
    access: &Access,
    p: &Proposal,
    action: &str,
    after: serde_json::Value,
) -> Result<()> {
    audit::record(
        &mut *tx,
        access.actor(),
        Entry {
            action,
            object_kind: "civic_proposal",
            object_id: p.id,
            scope_path: &p.unit_path,
            before: Some(json!({"stage": p.stage.as_str(), "version": p.version})),
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Start a write on a proposal the caller can see: the transaction and the locked row.
async fn open(db: &Db, access: &Access, id: i64) -> Result<(kernel::Tx, Proposal)> {
    get(db, access, id).await?;
    let mut tx = db.begin().await?;
    let p = load_in(&mut tx, db, access.city_id(), id).await?;
    Ok((tx, p))
}

fn must_run(access: &Access, p: &Proposal) -> Result<()> {
    if runs(access, &p.unit_path) {
        Ok(())
    } else {
        Err(Error::Forbidden("只有本社区（联村社区）的干部可以推进议事"))
    }
}

fn wrong_stage(p: &Proposal, what: &str) -> Error {
    Error::conflict(
        "proposal_stage",
        format!("提案处于“{}”阶段，不能{what}", p.stage.label()),
    )
}

// ---------------------------------------------------------------------------------------
// Moving, talking, amending
// ---------------------------------------------------------------------------------------

/// A move to the next stage.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StageMove {
    /// `deliberation`, `executed`, `feedback` or `closed`.
    #[serde(default)]
    pub to: String,
    /// Note (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Move a proposal on (its community's cadres only).
pub async fn advance(db: &Db, access: &Access, id: i64, m: StageMove) -> Result<Proposal> {
    let mut p = Problems::default();
    let note = optional_text(&mut p, "note", "说明", Some(&m.note), 500).unwrap_or_default();
    let to = Stage::parse(&m.to);
    if to.is_none() {
        p.add(
            "to",
            "阶段只能是 deliberation、executed、feedback 或 closed",
        );
    }
    p.finish()?;
    let to = to.ok_or_else(|| Error::Internal("checked".into()))?;
    let (mut tx, pr) = open(db, access, id).await?;
    must_run(access, &pr)?;
    if to == Stage::Decided {
        return Err(Error::conflict(
            "proposal_stage",
            "决策请用“记录决策”，平台会核对出资方的同意",
        ));
    }
    if !may_move(pr.stage, pr.outcome, to) {
        return Err(Error::conflict(
            "proposal_stage",
            format!(
                "提案处于“{}”阶段，不能转到“{}”",
                pr.stage.label(),
                to.label()
            ),
        ));
    }
    sqlx::query(
        "UPDATE civic_proposal SET stage = $1, updated_at = $2 WHERE city_id = $3 AND id = $4",
    )
    .bind(to.as_str())
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        access,
        id,
        to,
        Ev {
            kind: "stage",
            body: &note,
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_stage",
        json!({"stage": to.as_str(), "note": note}),
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// A comment, or in the feedback stage a resident's feedback.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewComment {
    /// Text (up to 500 characters).
    #[serde(default)]
    pub body: String,
    /// For feedback: 1 (很不满意) – 5 (很满意).
    pub rating: Option<i64>,
}

/// Comment during deliberation, or give feedback during the feedback stage (anyone in the
/// community).
pub async fn comment(db: &Db, access: &Access, id: i64, c: NewComment) -> Result<Proposal> {
    let mut p = Problems::default();
    let body = required_text(&mut p, "body", "意见", &c.body, 500);
    if let Some(r) = c.rating
        && !(1..=5).contains(&r)
    {
        p.add("rating", "评分为 1 到 5 分");
    }
    p.finish()?;
    let (mut tx, pr) = open(db, access, id).await?;
    let kind = match pr.stage {
        Stage::Deliberation if c.rating.is_none() => "comment",
        Stage::Deliberation => {
            return Err(Error::field("rating", "评分在群众反馈阶段才开放"));
        }
        Stage::Feedback => "feedback",
        _ => return Err(wrong_stage(&pr, "发表意见（商议和群众反馈阶段才开放）")),
    };
    event(
        &mut tx,
        access,
        id,
        pr.stage,
        Ev {
            kind,
            body: &body,
            rating: c.rating,
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_comment",
        json!({"kind": kind, "rating": c.rating}),
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// An amendment: the new text.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct Amendment {
    /// The whole new text (up to 2000 characters).
    #[serde(default)]
    pub body: String,
}

/// Amend the text during deliberation (a new version; the earlier ones stay in the history).
pub async fn amend(db: &Db, access: &Access, id: i64, a: Amendment) -> Result<Proposal> {
    let mut p = Problems::default();
    let body = required_text(&mut p, "body", "修改后的提案内容", &a.body, 2000);
    p.finish()?;
    let (mut tx, pr) = open(db, access, id).await?;
    must_run(access, &pr)?;
    if pr.stage != Stage::Deliberation {
        return Err(wrong_stage(&pr, "修改提案（只在商议阶段修改）"));
    }
    let v = pr.version + 1;
    sqlx::query(
        "UPDATE civic_proposal SET body = $1, version = $2, updated_at = $3 \
         WHERE city_id = $4 AND id = $5",
    )
    .bind(&body)
    .bind(v)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        access,
        id,
        pr.stage,
        Ev {
            kind: "amendment",
            body: &body,
            version: Some(v),
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_amend",
        json!({"version": v}),
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

// ---------------------------------------------------------------------------------------
// Consent and decision
// ---------------------------------------------------------------------------------------

/// A funding party's consent (or refusal).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ConsentInput {
    /// The village whose assembly answered; leave out for the government party of a mixed
    /// item (recorded by the community's cadre).
    pub village_id: Option<i64>,
    /// `agree` or `refuse`.
    #[serde(default)]
    pub verdict: String,
    /// The assembly's date, `YYYY-MM-DD` (not in the future).
    pub assembly_date: Option<String>,
    /// The vote and resolution, e.g. 应到 35 人，实到 31 人，同意 27 人 (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Record a funding party's consent or refusal: a village's by that village's cadre, the
/// government's (mixed items) by the community's cadre. Only during deliberation.
pub async fn record_consent(
    db: &Db,
    access: &Access,
    id: i64,
    c: ConsentInput,
) -> Result<ProposalView> {
    let city = access.city_id();
    let mut p = Problems::default();
    let verdict = Verdict::parse(&c.verdict);
    if verdict.is_none() {
        p.add(
            "verdict",
            "请选择表决结果：agree（同意）或 refuse（不同意）",
        );
    }
    let note = required_text(&mut p, "note", "表决情况和决议", &c.note, 500);
    let date = c
        .assembly_date
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match date.map(parse_date) {
        None => p.add("assembly_date", "请填写会议日期"),
        Some(None) => p.add("assembly_date", "会议日期应为 YYYY-MM-DD"),
        Some(Some(d)) if d > today() => p.add("assembly_date", "会议日期不能晚于今天"),
        _ => {}
    }
    p.finish()?;
    let verdict = verdict.ok_or_else(|| Error::Internal("checked".into()))?;
    let (mut tx, pr) = open(db, access, id).await?;
    let parties = parties_in(&mut tx, city, id).await?;
    let Some(party) = parties.iter().find(|x| x.village_id == c.village_id) else {
        return Err(Error::field("village_id", "这个村不是本提案的出资方"));
    };
    let path_ok = match party.village_id {
        Some(v) => match org::units::fetch_any(db, city, v).await? {
            Some(u) => crate::scope::village_cadre(access, &u.path),
            None => false,
        },
        None => runs(access, &pr.unit_path),
    };
    if !path_ok {
        return Err(Error::Forbidden(
            "村民代表会议的表决由该村的干部录入；政府一方由社区（联村）干部录入",
        ));
    }
    if pr.stage != Stage::Deliberation {
        return Err(wrong_stage(&pr, "录入出资方意见（只在商议阶段录入）"));
    }
    event(
        &mut tx,
        access,
        id,
        pr.stage,
        Ev {
            kind: "consent",
            body: &note,
            party_id: Some(party.id),
            verdict: Some(verdict.as_str()),
            assembly_date: date,
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_consent",
        json!({"party": party.name, "verdict": verdict.as_str(), "assembly_date": date}),
    )
    .await?;
    tx.commit().await?;
    view(db, access, id).await
}

/// A decision.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `adopted` or `rejected`.
    #[serde(default)]
    pub outcome: String,
    /// The decision's note (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

/// Record the decision (the community's cadres), refused with the missing consents named
/// when the funding gives the decision to others.
pub async fn decide(db: &Db, access: &Access, id: i64, d: DecisionInput) -> Result<ProposalView> {
    let mut p = Problems::default();
    let outcome = Outcome::parse(&d.outcome);
    if outcome.is_none() {
        p.add(
            "outcome",
            "请选择决策结果：adopted（通过）或 rejected（不通过）",
        );
    }
    let note = required_text(&mut p, "note", "决策说明", &d.note, 500);
    p.finish()?;
    let outcome = outcome.ok_or_else(|| Error::Internal("checked".into()))?;
    let (mut tx, pr) = open(db, access, id).await?;
    must_run(access, &pr)?;
    if pr.stage != Stage::Deliberation {
        return Err(wrong_stage(&pr, "决策（须先经共建理事会商议）"));
    }
    let parties = parties_in(&mut tx, access.city_id(), id).await?;
    if let Err(b) = blockers(&pr, &parties, outcome) {
        let msgs: Vec<String> = b.iter().map(Blocker::message).collect();
        return Err(Error::conflict(
            "consent_missing",
            format!("{}：{}", pr.funding.right(), msgs.join("；")),
        ));
    }
    sqlx::query(
        "UPDATE civic_proposal SET stage = 'decided', outcome = $1, decision_note = $2, \
         updated_at = $3 WHERE city_id = $4 AND id = $5",
    )
    .bind(outcome.as_str())
    .bind(&note)
    .bind(now_ms())
    .bind(access.city_id())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    event(
        &mut tx,
        access,
        id,
        Stage::Decided,
        Ev {
            kind: "decision",
            body: &note,
            verdict: Some(outcome.as_str()),
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_decide",
        json!({"outcome": outcome.as_str(), "note": note}),
    )
    .await?;
    tx.commit().await?;
    view(db, access, id).await
}

// ---------------------------------------------------------------------------------------
// Execution
// ---------------------------------------------------------------------------------------

/// Work that executes an adopted proposal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LinkInput {
    /// `order`, `activity` or `case`.
    #[serde(default)]
    pub kind: String,
    /// Its id.
    pub id: Option<i64>,
}

/// Link an order, activity or case (each must exist and be in the caller's scope) to an
/// adopted proposal.
pub async fn link(db: &Db, access: &Access, id: i64, l: LinkInput) -> Result<ProposalView> {
    let target = l.id.unwrap_or(0);
    let exists = match l.kind.trim() {
        "order" => orders::view::get(db, access, target).await.map(|_| ()),
        "activity" => activities::get(db, access, target).await.map(|_| ()),
        "case" => cases::view::get(db, access, target).await.map(|_| ()),
        _ => {
            return Err(Error::field(
                "kind",
                "关联对象只能是 order（工单）、activity（活动）或 case（案件）",
            ));
        }
    };
    match exists {
        Ok(()) => {}
        Err(Error::NotFound | Error::Forbidden(_)) => {
            return Err(Error::field(
                "id",
                "没有这个工单、活动或案件，或它不在您的管辖范围内",
            ));
        }
        Err(e) => return Err(e),
    }
    let (mut tx, pr) = open(db, access, id).await?;
    must_run(access, &pr)?;
    let ok = matches!(
        (pr.stage, pr.outcome),
        (Stage::Decided, Some(Outcome::Adopted)) | (Stage::Executed, _)
    );
    if !ok {
        return Err(wrong_stage(&pr, "关联执行工作（通过决策后才能执行）"));
    }
    let kind = l.kind.trim();
    event(
        &mut tx,
        access,
        id,
        pr.stage,
        Ev {
            kind: "link",
            link_kind: Some(kind),
            link_id: Some(target),
            ..Ev::default()
        },
    )
    .await?;
    audit_in(
        &mut tx,
        access,
        &pr,
        "proposal_link",
        json!({"kind": kind, "id": target}),
    )
    .await?;
    tx.commit().await?;
    view(db, access, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_seeds_order() {
        use Stage::*;
        assert!(may_move(Drafted, None, Deliberation));
        assert!(!may_move(Drafted, None, Executed));
        assert!(!may_move(Deliberation, None, Decided));
        assert!(may_move(Decided, Some(Outcome::Adopted), Executed));
        assert!(!may_move(Decided, Some(Outcome::Rejected), Executed));
        assert!(may_move(Decided, Some(Outcome::Rejected), Closed));
        assert!(may_move(Executed, None, Feedback));
        assert!(may_move(Feedback, None, Closed));
        for s in Stage::ALL {
            assert!(!may_move(Closed, None, s));
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }
}
