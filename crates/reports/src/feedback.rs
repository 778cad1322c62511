//! Employer feedback (双报到反馈) per employer per quarter: for each of the employer's
//! registered people, where they are registered, what they did in the quarter (orders
//! done, activity hours, patrols, cases reported, meetings and trainings attended),
//! their assessment grade for each month and their awards — 考核结果与派出单位绩效挂钩.
//! [`issue_quarter`] stores the quarter's snapshot per employer (the scheduled job calls
//! it); the page shows the issued snapshot with its date, else the live figures marked
//! 未发布.

use std::collections::HashMap;

use kernel::time::{datetime_cn, now_ms, today};
use kernel::{Db, Error, Result};
use org::Access;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::assessed;
use crate::export::{Document, Section, Table};
use crate::period::{Period, hours, points};

/// Which feedback.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct FeedbackQuery {
    /// The employer; the caller's own (as its employer admin) when missing.
    pub employer: Option<i64>,
    /// `YYYY-Qn`; last quarter when missing.
    pub period: Option<String>,
}

/// One person's quarter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonLine {
    /// The person.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// The community they are registered with.
    pub community: String,
    /// Orders done.
    pub orders_done: i64,
    /// Approved activity minutes.
    pub activity_minutes: i64,
    /// Confirmed patrols.
    pub patrols: i64,
    /// Cases reported.
    pub cases_reported: i64,
    /// Meetings attended.
    pub meetings_attended: i64,
    /// Meetings invited to.
    pub meetings_invited: i64,
    /// Trainings attended.
    pub trainings_attended: i64,
    /// Trainings invited to.
    pub trainings_invited: i64,
    /// Grade per month of the quarter (`优秀 96`, `—` when not assessed).
    pub grades: Vec<String>,
    /// Awards in the quarter (`2026-11 月度最佳`).
    pub awards: Vec<String>,
}

/// A feedback document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Feedback {
    /// The employer.
    pub employer_id: i64,
    /// Its name.
    pub employer_name: String,
    /// `YYYY-Qn`.
    pub period: String,
    /// 2026年第4季度.
    pub period_label: String,
    /// Month labels of the quarter (columns of the grades).
    pub months: Vec<String>,
    /// When generated.
    pub generated_at: String,
    /// When issued (in words), if this is the issued snapshot.
    pub issued_at: Option<String>,
    /// The people.
    pub people: Vec<PersonLine>,
}

/// Read a quarter, last quarter when missing.
pub fn quarter(period: Option<&str>) -> Result<Period> {
    match period.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Period::last_quarter(today())),
        Some(s) => match Period::parse(s)? {
            p @ Period::Quarter(..) => Ok(p),
            _ => Err(Error::field("period", "双报到反馈按季度，如 2026-Q4")),
        },
    }
}

/// The employer, if the caller is its employer admin or an administrator at or above
/// the node it is registered at; otherwise not found.
async fn employer(db: &Db, access: &Access, id: Option<i64>) -> Result<org::employers::Employer> {
    let id = match id {
        Some(id) => id,
        None => *access.employer_ids().first().ok_or(Error::NotFound)?,
    };
    let e = org::employers::get(db, access, id).await?;
    if access.employer_ids().contains(&id) {
        return Ok(e);
    }
    let unit = org::units::fetch_any(db, access.city_id(), e.unit_id)
        .await?
        .ok_or(Error::NotFound)?;
    if access.manages_employer(&unit.path) {
        Ok(e)
    } else {
        Err(Error::NotFound)
    }
}

async fn live(
    db: &Db,
    access: &Access,
    e: &org::employers::Employer,
    p: Period,
) -> Result<Feedback> {
    let city = access.city_id();
    let people = org::people::registered_with_employer(db, access, e.id).await?;
    let ids: Vec<i64> = people.iter().map(|x| x.id).collect();
    let (from_ms, to_ms) = (p.start_ms(), p.end_ms());
    let (from, to) = (p.first_day().to_string(), p.last_day().to_string());
    let orders = orders::totals::of_people(db, city, &ids, from_ms, to_ms).await?;
    let acts = activities::totals::of_people(db, city, &ids, from_ms, to_ms).await?;
    let cases = cases::totals::of_people(db, city, &ids, from_ms, to_ms).await?;
    let meet = duty::attendance::of_people(db, city, &ids, from_ms, to_ms).await?;
    let months = p.months();
    let results = assessed::results_of_employer(db, access, e.id, &from, &to).await?;
    let mut grade: HashMap<(i64, String), String> = HashMap::new();
    for r in &results {
        grade.insert(
            (r.person_id, r.period.clone()),
            format!("{} {}", r.grade_label, points(r.total_e2)),
        );
    }
    let mut awards: HashMap<i64, Vec<String>> = HashMap::new();
    for m in &months {
        for a in assessed::awards_of_people(db, access, &ids, &m.to_string()).await? {
            awards
                .entry(a.person_id)
                .or_default()
                .push(format!("{} {}", m.label(), a.label));
        }
    }
    let mut lines = Vec::new();
    for x in &people {
        let o = orders.get(&x.id).cloned().unwrap_or_default();
        let a = acts.get(&x.id).cloned().unwrap_or_default();
        let c = cases.get(&x.id).cloned().unwrap_or_default();
        let m = meet.get(&x.id).cloned().unwrap_or_default();
        lines.push(PersonLine {
            person_id: x.id,
            name: x.name.clone(),
            community: x.community_name.clone().unwrap_or_else(|| "—".into()),
            orders_done: o.done,
            activity_minutes: a.minutes,
            patrols: c.patrols,
            cases_reported: c.reported,
            meetings_attended: m.meetings_attended,
            meetings_invited: m.meetings_invited,
            trainings_attended: m.trainings_attended,
            trainings_invited: m.trainings_invited,
            grades: months
                .iter()
                .map(|mo| {
                    grade
                        .get(&(x.id, mo.to_string()))
                        .cloned()
                        .unwrap_or_else(|| "—".into())
                })
                .collect(),
            awards: awards.remove(&x.id).unwrap_or_default(),
        });
    }
    lines.sort_by(|a, b| a.community.cmp(&b.community).then(a.name.cmp(&b.name)));
    Ok(Feedback {
        employer_id: e.id,
        employer_name: e.name.clone(),
        period: p.to_string(),
        period_label: p.label(),
        months: months.iter().map(Period::label).collect(),
        generated_at: datetime_cn(now_ms()),
        issued_at: None,
        people: lines,
    })
}

async fn issued(db: &Db, city_id: i64, employer_id: i64, period: &str) -> Result<Option<Feedback>> {
    let rows = sqlx::query(
        "SELECT body, issued_at FROM report_feedback WHERE city_id = $1 AND employer_id = $2 \
         AND period = $3",
    )
    .bind(city_id)
    .bind(employer_id)
    .bind(period)
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let body: String = r.try_get(0)?;
    let at: i64 = r.try_get(1)?;
    let mut f: Feedback =
        serde_json::from_str(&body).map_err(|e| Error::Internal(format!("feedback: {e}")))?;
    f.issued_at = Some(datetime_cn(at));
    Ok(Some(f))
}

/// The feedback of an employer for a quarter: the issued snapshot when there is one,
/// else the live figures (`issued_at` empty: 未发布).
pub async fn get(db: &Db, access: &Access, q: &FeedbackQuery) -> Result<Feedback> {
    let p = quarter(q.period.as_deref())?;
    let e = employer(db, access, q.employer).await?;
    if let Some(f) = issued(db, access.city_id(), e.id, &p.to_string()).await? {
        return Ok(f);
    }
    live(db, access, &e, p).await
}

/// What [`issue_quarter`] did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Issued {
    /// Snapshots stored now.
    pub issued: i64,
    /// Employers that already had one for the quarter (left as issued).
    pub already: i64,
}

/// Store the quarter's feedback for every employer of every city (the scheduled job's
/// entry point; idempotent: an employer's issued snapshot is never replaced).
pub async fn issue_quarter(db: &Db, period: &str) -> Result<Issued> {
    let p = match Period::parse(period)? {
        p @ Period::Quarter(..) => p,
        _ => return Err(Error::field("period", "双报到反馈按季度，如 2026-Q4")),
    };
    let mut out = Issued::default();
    for city in org::units::cities(db).await? {
        let sys = org::access::system_access(city.id, city.root_unit_id, "双报到季度反馈");
        for e in org::employers::list(db, &sys).await? {
            if issued(db, city.id, e.id, &p.to_string()).await?.is_some() {
                out.already += 1;
                continue;
            }
            let f = live(db, &sys, &e, p).await?;
            let body = serde_json::to_string(&f).map_err(|e| Error::Internal(e.to_string()))?;
            let mut tx = db.begin().await?;
            let id = kernel::db::insert_returning_id(
                &mut tx,
                sqlx::query(
                    "INSERT INTO report_feedback (city_id, employer_id, period, body, issued_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(city.id)
                .bind(e.id)
                .bind(p.to_string())
                .bind(&body)
                .bind(now_ms()),
            )
            .await?;
            kernel::audit::record(
                &mut tx,
                sys.actor(),
                kernel::audit::Entry {
                    action: "report_feedback_issue",
                    object_kind: "report_feedback",
                    object_id: id,
                    scope_path: &format!("/{}/", city.root_unit_id),
                    before: None,
                    after: Some(
                        serde_json::json!({"employer_id": e.id, "period": p.to_string(),
                        "people": f.people.len()}),
                    ),
                },
            )
            .await?;
            tx.commit().await?;
            out.issued += 1;
        }
    }
    Ok(out)
}

impl Feedback {
    /// The feedback as a document (page, xlsx, PDF).
    pub fn document(&self) -> Document {
        let mut work = Table::new(&[
            "姓名",
            "报到社区",
            "完成订单",
            "活动时长（小时）",
            "巡查（次）",
            "上报问题",
            "会议出勤",
            "培训出勤",
        ]);
        let mut grades_h: Vec<&str> = vec!["姓名"];
        grades_h.extend(self.months.iter().map(String::as_str));
        let mut grades = Table::new(&grades_h);
        let mut awards = Table::new(&["姓名", "荣誉"]);
        for x in &self.people {
            work.row(vec![
                x.name.clone().into(),
                x.community.clone().into(),
                x.orders_done.into(),
                hours(x.activity_minutes).into(),
                x.patrols.into(),
                x.cases_reported.into(),
                format!("{}/{}", x.meetings_attended, x.meetings_invited).into(),
                format!("{}/{}", x.trainings_attended, x.trainings_invited).into(),
            ]);
            let mut g = vec![x.name.clone().into()];
            g.extend(x.grades.iter().map(|s| s.clone().into()));
            grades.row(g);
            for a in &x.awards {
                awards.row(vec![x.name.clone().into(), a.clone().into()]);
            }
        }
        let mut s1 = Section {
            heading: "一、下沉人员工作情况".into(),
            paragraphs: vec!["会议、培训出勤为“实到/应到”。".into()],
            table: Some(work),
        };
        if self.people.is_empty() {
            s1.paragraphs = vec!["本单位还没有双报到的人员。".into()];
        }
        let s2 = Section {
            heading: "二、考核结果".into(),
            paragraphs: vec!["考核结果与派出单位绩效挂钩；“—”表示该月未参加考核。".into()],
            table: Some(grades),
        };
        let mut s3 = Section {
            heading: "三、表扬与荣誉".into(),
            paragraphs: Vec::new(),
            table: Some(awards),
        };
        if s3.table.as_ref().is_some_and(|t| t.rows.is_empty()) {
            s3.paragraphs.push("本季度无。".into());
        }
        let status = match &self.issued_at {
            Some(at) => format!("发布时间：{at}"),
            None => format!("未发布（实时数据，生成于 {}）", self.generated_at),
        };
        Document {
            title: format!("{}{}双报到工作反馈", self.employer_name, self.period_label),
            meta: vec![format!("统计期：{}", self.period_label), status],
            sections: vec![s1, s2, s3],
        }
    }
}
