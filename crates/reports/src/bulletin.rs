//! The monthly bulletin (月通报) of a community or street: everything generated from the
//! records of the unit's subtree for the month — orders, activities, cases and their
//! rates, patrols, meetings and trainings, and the assessment (grade distribution,
//! deductions each with its case, awards and fines). No ranking tables (DOMAIN.md §0):
//! people appear only in the awards, deductions and fines lists, by name.

use kernel::time::{datetime_cn, now_ms, today};
use kernel::{Db, Error, Result};
use org::{Access, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::assessed;
use crate::export::{Document, Section, Table};
use crate::period::{Period, average, hours, points, yuan};

/// Which bulletin.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, IntoParams)]
pub struct BulletinQuery {
    /// The community or street; the caller's own top unit when missing.
    pub unit: Option<i64>,
    /// `YYYY-MM`; last month when missing.
    pub period: Option<String>,
}

/// Orders in the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderPart {
    /// Placed.
    pub placed: i64,
    /// Done.
    pub done: i64,
    /// Overdue.
    pub overdue: i64,
    /// Rated.
    pub rated: i64,
    /// Average rating (`4.50`, `—`).
    pub average_rating: String,
}

/// Activities in the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityPart {
    /// Held.
    pub held: i64,
    /// People attended (person-times, approved).
    pub attended: i64,
    /// Approved minutes.
    pub minutes: i64,
    /// Hours (`12.5`).
    pub hours: String,
}

/// Cases in the month (the national method's figures).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CasePart {
    /// 上报数.
    pub reported: i64,
    /// 立案数.
    pub filed: i64,
    /// 应结案数.
    pub should_close: i64,
    /// 结案数.
    pub closed: i64,
    /// 按期结案率 (`93.5%`, `—`).
    pub on_time_rate: String,
    /// 返工率.
    pub rework_rate: String,
    /// Found outside the grid (inspection, media, hotline): 漏报数.
    pub found_outside: i64,
    /// 群众满意率.
    pub satisfaction_rate: String,
}

/// Patrols and meetings in the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyPart {
    /// Patrols started.
    pub patrols: i64,
    /// Of those confirmed.
    pub patrols_confirmed: i64,
    /// Meetings held (closed with roll call).
    pub meetings: i64,
    /// Invitations to them.
    pub meetings_invited: i64,
    /// Present.
    pub meetings_attended: i64,
    /// Trainings held.
    pub trainings: i64,
    /// Invitations.
    pub trainings_invited: i64,
    /// Present.
    pub trainings_attended: i64,
}

/// The assessment of the month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentPart {
    /// Whether results are read (false while the assessment API is not connected).
    pub connected: bool,
    /// Grade distribution.
    pub grades: Vec<assessed::GradeCount>,
    /// Deductions, each with its case.
    pub deductions: Vec<assessed::Deduction>,
    /// Awards.
    pub awards: Vec<assessed::Award>,
    /// Fines.
    pub fines: Vec<assessed::Fine>,
}

/// A monthly bulletin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Bulletin {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its kind.
    pub unit_kind: String,
    /// `YYYY-MM`.
    pub period: String,
    /// 2026年11月.
    pub period_label: String,
    /// When generated, in words.
    pub generated_at: String,
    /// Orders.
    pub orders: OrderPart,
    /// Activities.
    pub activities: ActivityPart,
    /// Cases.
    pub cases: CasePart,
    /// Patrols, meetings, trainings.
    pub duty: DutyPart,
    /// Assessment.
    pub assessment: AssessmentPart,
}

/// The unit a report is about: the one named, else the caller's top unit; only for
/// cadres and administrators at or above it (others: not found).
pub(crate) async fn cadre_unit(
    db: &Db,
    access: &Access,
    unit: Option<i64>,
) -> Result<org::units::Unit> {
    let id = match unit {
        Some(id) => id,
        None => access
            .grants()
            .iter()
            .filter(|g| {
                matches!(
                    g.role,
                    Role::CommunityCadre | Role::Admin | Role::PlatformAdmin
                )
            })
            .min_by_key(|g| g.unit_path.len())
            .map(|g| g.unit_id)
            .ok_or(Error::NotFound)?,
    };
    let u = org::units::get(db, access, id).await?;
    if !access.holds_over(Role::CommunityCadre, &u.path) {
        return Err(Error::NotFound);
    }
    Ok(u)
}

/// Read a month, last month when missing.
pub fn month(period: Option<&str>) -> Result<Period> {
    match period.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Period::last_month(today())),
        Some(s) => match Period::parse(s)? {
            p @ Period::Month(..) => Ok(p),
            _ => Err(Error::field("period", "月通报的统计期是一个月，如 2026-11")),
        },
    }
}

/// The bulletin of a unit for a month, generated now from the records.
pub async fn generate(db: &Db, access: &Access, q: &BulletinQuery) -> Result<Bulletin> {
    let p = month(q.period.as_deref())?;
    let unit = cadre_unit(db, access, q.unit).await?;
    let city = access.city_id();
    let (from_ms, to_ms) = (p.start_ms(), p.end_ms());
    let (from, to) = (p.first_day().to_string(), p.last_day().to_string());
    let o = orders::totals::under(db, city, &unit.path, from_ms, to_ms).await?;
    let a = activities::totals::under(db, city, &unit.path, from_ms, to_ms).await?;
    let c = cases::figures::by_unit(
        db,
        access,
        &cases::figures::FigureQuery {
            unit_id: Some(unit.id),
            from: Some(from.clone()),
            to: Some(to.clone()),
        },
    )
    .await?
    .total
    .figures;
    let pt = cases::totals::patrols_under(db, city, &unit.path, from_ms, to_ms).await?;
    let m = duty::attendance::under(db, city, &unit.path, from_ms, to_ms).await?;
    let period = p.to_string();
    let rate = cases::figures::rate_text;
    Ok(Bulletin {
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        unit_kind: unit.kind.as_str().into(),
        period_label: p.label(),
        generated_at: datetime_cn(now_ms()),
        orders: OrderPart {
            placed: o.placed,
            done: o.done,
            overdue: o.overdue,
            rated: o.rated,
            average_rating: average(o.rating_sum, o.rated),
        },
        activities: ActivityPart {
            held: a.held,
            attended: a.attended,
            minutes: a.minutes,
            hours: hours(a.minutes),
        },
        cases: CasePart {
            reported: c.reports,
            filed: c.filed,
            should_close: c.should_close,
            closed: c.closed,
            on_time_rate: rate(c.on_time_rate),
            rework_rate: rate(c.rework_rate),
            found_outside: c.missed,
            satisfaction_rate: rate(c.satisfaction_rate),
        },
        duty: DutyPart {
            patrols: pt.started,
            patrols_confirmed: pt.confirmed,
            meetings: m.meetings,
            meetings_invited: m.people.meetings_invited,
            meetings_attended: m.people.meetings_attended,
            trainings: m.trainings,
            trainings_invited: m.people.trainings_invited,
            trainings_attended: m.people.trainings_attended,
        },
        assessment: AssessmentPart {
            connected: assessed::CONNECTED,
            grades: assessed::distribution(db, city, &unit.path, &period).await?,
            deductions: assessed::deductions_under(db, access, &unit.path, &period, &from, &to)
                .await?,
            awards: assessed::awards(db, access, &unit.path, &period).await?,
            fines: assessed::fines(db, access, &unit.path, &period).await?,
        },
        period,
    })
}

fn figures(rows: &[(&str, String)]) -> Table {
    let mut t = Table::new(&["指标", "数值"]);
    for (k, v) in rows {
        t.row(vec![(*k).into(), v.clone().into()]);
    }
    t
}

fn section(heading: &str, table: Table) -> Section {
    Section {
        heading: heading.into(),
        paragraphs: Vec::new(),
        table: Some(table),
    }
}

impl Bulletin {
    /// The bulletin as a document (the page, the xlsx and the PDF show this).
    pub fn document(&self) -> Document {
        let n = |x: i64| x.to_string();
        let mut sections = vec![
            section(
                "一、服务订单",
                figures(&[
                    ("下单数", n(self.orders.placed)),
                    ("完成数", n(self.orders.done)),
                    ("逾期数", n(self.orders.overdue)),
                    ("评价数", n(self.orders.rated)),
                    ("平均评分（5分制）", self.orders.average_rating.clone()),
                ]),
            ),
            section(
                "二、志愿服务活动",
                figures(&[
                    ("开展活动（场）", n(self.activities.held)),
                    ("参与（人次）", n(self.activities.attended)),
                    ("服务时长（小时）", self.activities.hours.clone()),
                ]),
            ),
            section(
                "三、案件办理",
                figures(&[
                    ("上报数", n(self.cases.reported)),
                    ("立案数", n(self.cases.filed)),
                    ("应结案数", n(self.cases.should_close)),
                    ("结案数", n(self.cases.closed)),
                    ("按期结案率", self.cases.on_time_rate.clone()),
                    ("返工率", self.cases.rework_rate.clone()),
                    ("网格外发现（漏报）数", n(self.cases.found_outside)),
                    ("群众满意率", self.cases.satisfaction_rate.clone()),
                ]),
            ),
            section(
                "四、巡查与会议培训",
                figures(&[
                    ("巡查（次）", n(self.duty.patrols)),
                    ("其中已确认", n(self.duty.patrols_confirmed)),
                    ("例会等会议（次）", n(self.duty.meetings)),
                    (
                        "会议出勤（实到/应到）",
                        format!(
                            "{}/{}",
                            self.duty.meetings_attended, self.duty.meetings_invited
                        ),
                    ),
                    ("培训（次）", n(self.duty.trainings)),
                    (
                        "培训出勤（实到/应到）",
                        format!(
                            "{}/{}",
                            self.duty.trainings_attended, self.duty.trainings_invited
                        ),
                    ),
                ]),
            ),
        ];
        let a = &self.assessment;
        let mut grades = Table::new(&["等次", "人数"]);
        for g in &a.grades {
            grades.row(vec![g.label.clone().into(), g.count.into()]);
        }
        let mut s = section("五、考核结果", grades);
        if a.grades.iter().all(|g| g.count == 0) {
            s.paragraphs.push("本月尚无考核结果。".into());
        } else {
            s.paragraphs
                .push("各人的得分和依据见“考评”页面，这里只列等次人数。".into());
        }
        sections.push(s);
        let mut d = Table::new(&["关联案件", "姓名", "扣分事由", "扣分"]);
        for x in &a.deductions {
            let href = if x.cause_kind == "case" {
                format!("/cases/{}", x.cause_id)
            } else {
                format!("/assess/results/{}", x.result_id)
            };
            d.linked_row(
                vec![
                    x.cause_label.clone().into(),
                    x.person_name.clone().into(),
                    x.label.clone().into(),
                    points(x.points_e2).into(),
                ],
                href,
            );
        }
        let mut s = section("六、扣分情况", d);
        if a.deductions.is_empty() {
            s.paragraphs.push("本月无扣分。".into());
        }
        sections.push(s);
        let mut aw = Table::new(&["荣誉", "姓名", "所在单位", "依据"]);
        for x in &a.awards {
            aw.row(vec![
                x.label.clone().into(),
                x.person_name.clone().into(),
                x.unit_name.clone().into(),
                x.basis.clone().into(),
            ]);
        }
        let mut s = section("七、表扬与荣誉", aw);
        if a.awards.is_empty() {
            s.paragraphs.push("本月无。".into());
        }
        sections.push(s);
        let mut f = Table::new(&["关联案件", "姓名", "金额（元）", "发现日期"]);
        for x in &a.fines {
            f.linked_row(
                vec![
                    x.case_label.clone().into(),
                    x.person_name.clone().into(),
                    yuan(x.amount_fen).into(),
                    x.found_on.clone().into(),
                ],
                format!("/cases/{}", x.case_id),
            );
        }
        let mut s = section("八、罚款", f);
        if a.fines.is_empty() {
            s.paragraphs.push("本月无。".into());
        }
        sections.push(s);
        Document {
            title: format!("{}{}工作通报", self.unit_name, self.period_label),
            meta: vec![
                format!("统计期：{}", self.period_label),
                format!("生成时间：{}（由系统根据工作记录生成）", self.generated_at),
            ],
            sections,
        }
    }
}
