//! A person's annual report (述职报告) drafted from their own record, in the seeds'
//! structure: 一、学习 (trainings and meetings attended); 二、工作 (orders, cases,
//! patrols, activities); 三、服务居民群众 (service hours, ratings); 四、存在的不足
//! (prompts prefilled from the record: overdue cases, reworks, absences); 五、今后打算.
//! Every figure is generated; the person writes the narrative of each section, saves it
//! as a draft, then submits it — after which it is read-only (the figures are frozen
//! with it). Every save and the submission are audited. The person's community cadre
//! (or an administrator above) can read submitted reports.

use kernel::audit::{self, Entry};
use kernel::time::{datetime_cn, now_ms, today};
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use crate::export::{Cell, Document, Section, Table};
use crate::period::{Period, average, hours};

/// The section headings, in order.
pub const HEADINGS: [&str; 5] = [
    "一、学习",
    "二、工作",
    "三、服务居民群众",
    "四、存在的不足",
    "五、今后打算",
];

/// Longest narrative of one section (characters).
pub const MAX_TEXT: usize = 5_000;

/// Which report.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct AnnualQuery {
    /// The year; this year when missing.
    pub year: Option<i16>,
    /// The person; oneself when missing (others: only submitted ones, for their
    /// community cadre or an administrator above).
    pub person: Option<i64>,
}

/// The narrative to save.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NarrativeInput {
    /// The year.
    pub year: i16,
    /// The five sections' text, in order (missing ones count as empty).
    pub sections: Vec<String>,
}

/// Which year to submit.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SubmitInput {
    /// The year.
    pub year: i16,
}

/// The figures of a person's year, from the record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AnnualFigures {
    /// Trainings attended / invited.
    pub trainings_attended: i64,
    /// Invited.
    pub trainings_invited: i64,
    /// Meetings attended.
    pub meetings_attended: i64,
    /// Invited.
    pub meetings_invited: i64,
    /// Absent without excuse (meetings and trainings).
    pub absences: i64,
    /// Orders done.
    pub orders_done: i64,
    /// Minutes of service on orders.
    pub order_minutes: i64,
    /// Ratings received.
    pub rated: i64,
    /// Sum of ratings.
    pub rating_sum: i64,
    /// Activities attended (approved).
    pub activities: i64,
    /// Approved activity minutes.
    pub activity_minutes: i64,
    /// Confirmed patrols.
    pub patrols: i64,
    /// Cases reported.
    pub cases_reported: i64,
    /// Cases handled and closed.
    pub cases_closed: i64,
    /// Cases due but not closed on time.
    pub cases_overdue: i64,
    /// Cases sent back (返工).
    pub cases_reworked: i64,
}

/// A 述职报告.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Annual {
    /// The person.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// The year.
    pub year: i16,
    /// `new` (nothing saved yet), `draft`, `submitted`.
    pub state: String,
    /// Whether the caller may still change it.
    pub editable: bool,
    /// The figures (frozen at submission).
    pub figures: AnnualFigures,
    /// The five narratives.
    pub sections: Vec<String>,
    /// Last saved, in words.
    pub updated_at: Option<String>,
    /// Submitted, in words.
    pub submitted_at: Option<String>,
}

fn year_of(y: Option<i16>) -> Result<i16> {
    let y = y.unwrap_or_else(|| today().year());
    if !(2000..=2100).contains(&y) {
        return Err(Error::field("year", "年份不正确"));
    }
    Ok(y)
}

async fn figures_of(db: &Db, access: &Access, person_id: i64, year: i16) -> Result<AnnualFigures> {
    let p = Period::Year(year);
    let city = access.city_id();
    let (from_ms, to_ms) = (p.start_ms(), p.end_ms());
    let ids = [person_id];
    let m = duty::attendance::summary(db, city, person_id, from_ms, to_ms).await?;
    let o = orders::totals::of_people(db, city, &ids, from_ms, to_ms)
        .await?
        .remove(&person_id)
        .unwrap_or_default();
    let a = activities::totals::of_people(db, city, &ids, from_ms, to_ms)
        .await?
        .remove(&person_id)
        .unwrap_or_default();
    let c = cases::totals::of_people(db, city, &ids, from_ms, to_ms)
        .await?
        .remove(&person_id)
        .unwrap_or_default();
    let h = cases::figures::of_person(
        db,
        access,
        person_id,
        &cases::figures::FigureQuery {
            unit_id: None,
            from: Some(p.first_day().to_string()),
            to: Some(p.last_day().to_string()),
        },
    )
    .await?
    .as_handler;
    Ok(AnnualFigures {
        trainings_attended: m.trainings_attended,
        trainings_invited: m.trainings_invited,
        meetings_attended: m.meetings_attended,
        meetings_invited: m.meetings_invited,
        absences: (m.meetings_invited - m.meetings_attended - m.meetings_excused)
            + (m.trainings_invited - m.trainings_attended - m.trainings_excused),
        orders_done: o.done,
        order_minutes: o.minutes,
        rated: o.rated,
        rating_sum: o.rating_sum,
        activities: a.activities,
        activity_minutes: a.minutes,
        patrols: c.patrols,
        cases_reported: c.reported,
        cases_closed: h.closed,
        cases_overdue: (h.should_close - h.closed_on_time).max(0),
        cases_reworked: h.reworked,
    })
}

/// The prompts of 四、存在的不足, from the record.
pub fn shortcomings_prompt(f: &AnnualFigures) -> String {
    let mut lines = Vec::new();
    if f.cases_overdue > 0 {
        lines.push(format!(
            "未按期办结案件 {} 件：请说明原因和改进办法。",
            f.cases_overdue
        ));
    }
    if f.cases_reworked > 0 {
        lines.push(format!(
            "案件处置被退回返工 {} 件：请说明原因。",
            f.cases_reworked
        ));
    }
    if f.absences > 0 {
        lines.push(format!(
            "会议、培训未请假缺席 {} 次：请说明原因。",
            f.absences
        ));
    }
    if lines.is_empty() {
        lines.push("记录中没有逾期、返工或缺席。请写下自己认为的不足。".into());
    }
    lines.join("\n")
}

struct Stored {
    id: i64,
    state: String,
    narrative: Vec<String>,
    figures: String,
    updated_at: i64,
    submitted_at: Option<i64>,
}

async fn stored(db: &Db, city_id: i64, person_id: i64, year: i16) -> Result<Option<Stored>> {
    let rows = sqlx::query(
        "SELECT id, state, narrative, figures, updated_at, submitted_at FROM report_annual \
         WHERE city_id = $1 AND person_id = $2 AND year = $3",
    )
    .bind(city_id)
    .bind(person_id)
    .bind(i64::from(year))
    .fetch_all(db.reader())
    .await?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let narrative: String = r.try_get(2)?;
    Ok(Some(Stored {
        id: r.try_get(0)?,
        state: r.try_get(1)?,
        narrative: serde_json::from_str(&narrative).unwrap_or_default(),
        figures: r.try_get(3)?,
        updated_at: r.try_get(4)?,
        submitted_at: r.try_get(5)?,
    }))
}

fn five(mut v: Vec<String>) -> Vec<String> {
    v.resize(HEADINGS.len(), String::new());
    v.truncate(HEADINGS.len());
    v
}

/// The report of a year: one's own (generated figures, saved or prefilled narrative), or
/// someone's submitted one for their community cadre or an administrator above.
pub async fn get(db: &Db, access: &Access, q: &AnnualQuery) -> Result<Annual> {
    let year = year_of(q.year)?;
    let me = access.person_id();
    let person_id = q.person.unwrap_or(me);
    let own = person_id == me && me != 0;
    let s = stored(db, access.city_id(), person_id, year).await?;
    if !own {
        let scope = org::people::scope_of(db, access.city_id(), person_id)
            .await
            .map_err(|_| Error::NotFound)?;
        let readable = s.as_ref().is_some_and(|s| s.state == "submitted")
            && access.holds_over(Role::CommunityCadre, &scope.scope_path);
        if !readable {
            return Err(Error::NotFound);
        }
    }
    let name = org::pool::names(db, access.city_id(), &[person_id])
        .await?
        .remove(&person_id)
        .unwrap_or_default();
    match s {
        Some(s) if s.state == "submitted" => Ok(Annual {
            person_id,
            name,
            year,
            state: s.state,
            editable: false,
            figures: serde_json::from_str(&s.figures).unwrap_or_default(),
            sections: five(s.narrative),
            updated_at: Some(datetime_cn(s.updated_at)),
            submitted_at: s.submitted_at.map(datetime_cn),
        }),
        s => {
            let figures = figures_of(db, access, person_id, year).await?;
            let (state, sections, updated_at) = match s {
                Some(s) => (s.state, five(s.narrative), Some(datetime_cn(s.updated_at))),
                None => {
                    let mut v = five(Vec::new());
                    v[3] = shortcomings_prompt(&figures);
                    ("new".to_owned(), v, None)
                }
            };
            Ok(Annual {
                person_id,
                name,
                year,
                state,
                editable: true,
                figures,
                sections,
                updated_at,
                submitted_at: None,
            })
        }
    }
}

/// Save one's own narrative as the draft of the year (refused once submitted).
pub async fn save(db: &Db, access: &Access, input: NarrativeInput) -> Result<Annual> {
    let year = year_of(Some(input.year))?;
    let me = access.person_id();
    if me == 0 {
        return Err(Error::NotFound);
    }
    let sections = five(
        input
            .sections
            .into_iter()
            .map(|s| s.trim().to_owned())
            .collect(),
    );
    for (i, s) in sections.iter().enumerate() {
        if s.chars().count() > MAX_TEXT {
            return Err(Error::field(
                &format!("section{i}"),
                format!("每部分最多 {MAX_TEXT} 字"),
            ));
        }
    }
    let city = access.city_id();
    let scope = org::people::scope_of(db, city, me).await?;
    let body = json!(sections).to_string();
    let now = now_ms();
    let before = stored(db, city, me, year).await?;
    let mut tx = db.begin().await?;
    let id = match &before {
        Some(s) if s.state == "submitted" => {
            return Err(Error::conflict("submitted", "述职报告已提交，不能再修改"));
        }
        Some(s) => {
            let n = sqlx::query(
                "UPDATE report_annual SET narrative = $1, updated_at = $2 \
                 WHERE city_id = $3 AND id = $4 AND state = 'draft'",
            )
            .bind(&body)
            .bind(now)
            .bind(city)
            .bind(s.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(Error::conflict("submitted", "述职报告已提交，不能再修改"));
            }
            s.id
        }
        None => kernel::db::insert_returning_id(
            &mut tx,
            sqlx::query(
                "INSERT INTO report_annual (city_id, person_id, year, scope_path, state, \
                     narrative, figures, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'draft', $5, '', $6, $6) RETURNING id",
            )
            .bind(city)
            .bind(me)
            .bind(i64::from(year))
            .bind(&scope.scope_path)
            .bind(&body)
            .bind(now),
        )
        .await
        .map_err(|e| Error::unique_as_field(e, "year", "这一年的述职报告已经有了"))?,
    };
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "report_annual_save",
            object_kind: "report_annual",
            object_id: id,
            scope_path: &scope.scope_path,
            before: before.map(|s| json!({"sections": s.narrative})),
            after: Some(json!({"year": year, "sections": sections})),
        },
    )
    .await?;
    tx.commit().await?;
    get(
        db,
        access,
        &AnnualQuery {
            year: Some(year),
            person: None,
        },
    )
    .await
}

/// Submit one's own saved draft: the figures are frozen with it and it becomes
/// read-only.
pub async fn submit(db: &Db, access: &Access, input: SubmitInput) -> Result<Annual> {
    let year = year_of(Some(input.year))?;
    let me = access.person_id();
    let city = access.city_id();
    let Some(s) = stored(db, city, me, year).await? else {
        return Err(Error::conflict("no_draft", "请先保存草稿再提交"));
    };
    if s.state == "submitted" {
        return Err(Error::conflict("submitted", "述职报告已提交"));
    }
    let figures = figures_of(db, access, me, year).await?;
    let frozen = serde_json::to_string(&figures).map_err(|e| Error::Internal(e.to_string()))?;
    let scope = org::people::scope_of(db, city, me).await?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    let n = sqlx::query(
        "UPDATE report_annual SET state = 'submitted', figures = $1, submitted_at = $2, \
         updated_at = $2, scope_path = $3 WHERE city_id = $4 AND id = $5 AND state = 'draft'",
    )
    .bind(&frozen)
    .bind(now)
    .bind(&scope.scope_path)
    .bind(city)
    .bind(s.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(Error::conflict("submitted", "述职报告已提交"));
    }
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "report_annual_submit",
            object_kind: "report_annual",
            object_id: s.id,
            scope_path: &scope.scope_path,
            before: Some(json!({"state": "draft"})),
            after: Some(json!({"state": "submitted", "figures": figures})),
        },
    )
    .await?;
    tx.commit().await?;
    get(
        db,
        access,
        &AnnualQuery {
            year: Some(year),
            person: None,
        },
    )
    .await
}

fn figures_table(rows: &[(&str, String)]) -> Table {
    let mut t = Table::new(&["记录中的数字", "数值"]);
    for (k, v) in rows {
        t.row(vec![Cell::from(*k), Cell::from(v.clone())]);
    }
    t
}

impl Annual {
    /// The generated figures of each section (label, value), in section order.
    pub fn section_figures(&self) -> Vec<Vec<(&'static str, String)>> {
        let f = &self.figures;
        let n = |x: i64| x.to_string();
        vec![
            vec![
                (
                    "培训出勤（实到/应到）",
                    format!("{}/{}", f.trainings_attended, f.trainings_invited),
                ),
                (
                    "会议出勤（实到/应到）",
                    format!("{}/{}", f.meetings_attended, f.meetings_invited),
                ),
            ],
            vec![
                ("完成服务订单", n(f.orders_done)),
                ("上报问题", n(f.cases_reported)),
                ("办结案件", n(f.cases_closed)),
                ("巡查（次）", n(f.patrols)),
                ("参加活动（场）", n(f.activities)),
            ],
            vec![
                (
                    "服务时长（小时）",
                    hours(f.order_minutes + f.activity_minutes),
                ),
                ("其中订单服务（小时）", hours(f.order_minutes)),
                ("其中活动（小时）", hours(f.activity_minutes)),
                ("居民评价（次）", n(f.rated)),
                ("平均评分（5分制）", average(f.rating_sum, f.rated)),
            ],
            vec![
                ("未按期办结案件", n(f.cases_overdue)),
                ("返工案件", n(f.cases_reworked)),
                ("未请假缺席会议培训", n(f.absences)),
            ],
            vec![],
        ]
    }

    /// The state in words.
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "submitted" => "已提交",
            "draft" => "草稿",
            _ => "未保存",
        }
    }

    /// The report as a document (page, xlsx, PDF).
    pub fn document(&self) -> Document {
        let figs = self.section_figures();
        let sections = HEADINGS
            .iter()
            .zip(figs)
            .zip(&self.sections)
            .map(|((h, f), text)| Section {
                heading: (*h).into(),
                paragraphs: if text.trim().is_empty() {
                    vec!["（未填写）".into()]
                } else {
                    vec![text.clone()]
                },
                table: (!f.is_empty()).then(|| figures_table(&f)),
            })
            .collect();
        let mut meta = vec![
            format!("述职人：{}", self.name),
            format!("状态：{}", self.state_label()),
        ];
        if let Some(at) = &self.submitted_at {
            meta.push(format!("提交时间：{at}"));
        }
        meta.push("数字由系统根据工作记录生成".into());
        Document {
            title: format!("{}年度述职报告", self.year),
            meta,
            sections,
        }
    }
}
