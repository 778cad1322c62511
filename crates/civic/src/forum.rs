//! 站—村协商: a joint community's service station deliberates with its villages — agenda,
//! date, who came, minutes, outcomes (each optionally tied to a proposal). It is a
//! consultative body: it records, it never decides (decisions follow [`crate::consent`]).

use kernel::audit::{self, Entry};
use kernel::error::{Problems, optional_text, required_text};
use kernel::time::{now_ms, parse_date};
use kernel::{Db, Error, Result};
use org::Access;
use org::units::UnitKind;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use utoipa::ToSchema;

use crate::scope::{in_community, runs};

/// One attendee group: a village (or the station) and the people who came for it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Attendance {
    /// The village (none for the station itself).
    pub village_id: Option<i64>,
    /// Its name (filled in by the platform).
    #[serde(default)]
    pub name: String,
    /// Who came, e.g. ["村支书 王建国", "村民代表 李梅"].
    #[serde(default)]
    pub people: Vec<String>,
}

/// An outcome of a deliberation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ForumOutcome {
    /// What was agreed to take forward (up to 200 characters).
    #[serde(default)]
    pub text: String,
    /// The proposal it concerns, if any (of this joint community).
    pub proposal_id: Option<i64>,
}

/// A deliberation to record.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewForum {
    /// The joint community whose station holds it.
    pub unit_id: Option<i64>,
    /// Agenda (up to 500 characters).
    #[serde(default)]
    pub agenda: String,
    /// The day it was held, `YYYY-MM-DD`.
    #[serde(default)]
    pub held_on: String,
    /// Who came.
    #[serde(default)]
    pub attendance: Vec<Attendance>,
    /// Minutes (up to 3000 characters).
    #[serde(default)]
    pub minutes: String,
    /// Outcomes.
    #[serde(default)]
    pub outcomes: Vec<ForumOutcome>,
}

/// A recorded deliberation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Forum {
    /// Id.
    pub id: i64,
    /// The joint community.
    pub unit_id: i64,
    /// Agenda.
    pub agenda: String,
    /// The day.
    pub held_on: String,
    /// Who came.
    pub attendance: Vec<Attendance>,
    /// Minutes.
    pub minutes: String,
    /// Outcomes (consultative: they are carried into proposals, never decisions).
    pub outcomes: Vec<ForumOutcome>,
    /// Who recorded it.
    pub created_by_name: String,
    /// Recorded.
    pub created_at: i64,
    /// Always `true`: the forum consults, it does not decide.
    pub consultative_only: bool,
}

const COLS: &str = "id, unit_id, unit_path, agenda, held_on, attendance, minutes, outcomes, created_by_name, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<(String, Forum)> {
    let att: String = r.try_get("attendance")?;
    let out: String = r.try_get("outcomes")?;
    Ok((
        r.try_get("unit_path")?,
        Forum {
            id: r.try_get("id")?,
            unit_id: r.try_get("unit_id")?,
            agenda: r.try_get("agenda")?,
            held_on: r.try_get("held_on")?,
            attendance: serde_json::from_str(&att).unwrap_or_default(),
            minutes: r.try_get("minutes")?,
            outcomes: serde_json::from_str(&out).unwrap_or_default(),
            created_by_name: r.try_get("created_by_name")?,
            created_at: r.try_get("created_at")?,
            consultative_only: true,
        },
    ))
}

/// Record a deliberation (the joint community's cadres).
pub async fn create(db: &Db, access: &Access, input: NewForum) -> Result<Forum> {
    let city = access.city_id();
    let mut p = Problems::default();
    let agenda = required_text(&mut p, "agenda", "议题", &input.agenda, 500);
    let minutes = optional_text(&mut p, "minutes", "会议纪要", Some(&input.minutes), 3000)
        .unwrap_or_default();
    if parse_date(input.held_on.trim()).is_none() {
        p.add("held_on", "请填写协商日期（YYYY-MM-DD）");
    }
    let unit = match input.unit_id {
        Some(id) => org::units::fetch_any(db, city, id)
            .await?
            .filter(|u| u.kind == UnitKind::JointCommunity),
        None => None,
    };
    let Some(unit) = unit else {
        p.add("unit_id", "站—村协商由联村社区的服务站召开：请选择联村社区");
        p.finish()?;
        return Err(Error::Internal("checked".into()));
    };
    let mut attendance = input.attendance.clone();
    if attendance.is_empty() {
        p.add("attendance", "请记录到会的村和人员");
    }
    for (i, a) in attendance.iter_mut().enumerate() {
        a.people = a
            .people
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        match a.village_id {
            Some(v) => match org::units::fetch_any(db, city, v).await? {
                Some(u) if u.kind == UnitKind::Village && u.path.starts_with(&unit.path) => {
                    a.name = u.name
                }
                _ => p.add(
                    &format!("attendance.{i}.village_id"),
                    format!("这个村不属于{}", unit.name),
                ),
            },
            None => a.name = format!("{}服务站", unit.name),
        }
    }
    let mut outcomes = vec![];
    for (i, o) in input.outcomes.iter().enumerate() {
        let text = required_text(
            &mut p,
            &format!("outcomes.{i}.text"),
            "协商结果",
            &o.text,
            200,
        );
        if let Some(pid) = o.proposal_id {
            match crate::proposal::get(db, access, pid).await {
                Ok(pr) if pr.unit_id == unit.id => {}
                Ok(_) | Err(Error::NotFound) => p.add(
                    &format!("outcomes.{i}.proposal_id"),
                    format!("没有{}的这个议事提案", unit.name),
                ),
                Err(e) => return Err(e),
            }
        }
        outcomes.push(ForumOutcome {
            text,
            proposal_id: o.proposal_id,
        });
    }
    p.finish()?;
    if !runs(access, &unit.path) {
        return Err(Error::Forbidden("站—村协商由联村社区的干部记录"));
    }
    let mut tx = db.begin().await?;
    let id = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO civic_forum (city_id, unit_id, unit_path, agenda, held_on, attendance, \
             minutes, outcomes, created_by_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             $8, $9, $10) RETURNING id",
        )
        .bind(city)
        .bind(unit.id)
        .bind(&unit.path)
        .bind(&agenda)
        .bind(input.held_on.trim())
        .bind(serde_json::to_string(&attendance).unwrap_or_default())
        .bind(&minutes)
        .bind(serde_json::to_string(&outcomes).unwrap_or_default())
        .bind(access.name())
        .bind(now_ms()),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "forum_create",
            object_kind: "civic_forum",
            object_id: id,
            scope_path: &unit.path,
            before: None,
            after: Some(json!({"agenda": agenda, "held_on": input.held_on.trim()})),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, access, id).await
}

/// One deliberation (anyone in the joint community).
pub async fn get(db: &Db, access: &Access, id: i64) -> Result<Forum> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_forum WHERE city_id = $1 AND id = $2"
    )))
    .bind(access.city_id())
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    match rows.first().map(from_row).transpose()? {
        Some((path, f)) if in_community(access, &path) => Ok(f),
        _ => Err(Error::NotFound),
    }
}

/// Deliberations of the joint communities the caller belongs to, newest first.
pub async fn list(db: &Db, access: &Access) -> Result<Vec<Forum>> {
    let (cond, binds) = crate::scope::community_sql(access, 2);
    let mut q = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLS} FROM civic_forum WHERE city_id = $1 AND {cond} ORDER BY id DESC LIMIT 100"
    )))
    .bind(access.city_id());
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db.reader()).await?;
    Ok(rows
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .map(|(_, f)| f)
        .collect())
}
