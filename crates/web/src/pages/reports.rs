//! Report pages: the monthly bulletin (月通报), employer feedback (双报到反馈) and the
//! 述职 draft; each with its xlsx and PDF downloads showing the same content.

use askama::Template;
use axum::extract::{Query, State};
use kernel::Error;
use reports::annual::{AnnualQuery, NarrativeInput, SubmitInput};
use reports::bulletin::BulletinQuery;
use reports::export::{Document, Sheets};
use reports::feedback::FeedbackQuery;
use serde::Deserialize;

use super::{Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

#[derive(Template)]
#[template(path = "report_doc.html")]
struct ReportDoc {
    frame: Frame,
    action: String,
    hidden: Vec<(String, String)>,
    period: String,
    period_label: String,
    period_hint: String,
    error: Option<String>,
    doc: Option<Document>,
    status: String,
    status_tone: String,
    xlsx_href: String,
    pdf_href: String,
}

fn field_message(e: &Error) -> Option<String> {
    match e {
        Error::Invalid(f) => Some(
            f.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("；"),
        ),
        _ => None,
    }
}

/// The unit and month of a bulletin, as typed.
#[derive(Debug, Deserialize, Default)]
pub struct BulletinParams {
    unit: Option<String>,
    period: Option<String>,
}

impl BulletinParams {
    fn query(&self) -> Result<BulletinQuery, Error> {
        let unit = match self
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| Error::NotFound)?),
        };
        Ok(BulletinQuery {
            unit,
            period: self.period.clone(),
        })
    }
}

fn links(base: &str, pairs: &[(&str, String)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::extract::urlencode(v)))
        .collect();
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", q.join("&"))
    }
}

/// GET /reports/bulletin: 月通报 of a community or street.
pub async fn bulletin(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<BulletinParams>,
) -> PageResult {
    let a = &u.access;
    let q = p.query()?;
    let (doc, error, period, unit) = match reports::bulletin::generate(&s.db, a, &q).await {
        Ok(b) => (
            Some(b.document()),
            None,
            b.period.clone(),
            b.unit_id.to_string(),
        ),
        Err(e) => match field_message(&e) {
            Some(m) => (
                None,
                Some(m),
                p.period.clone().unwrap_or_default(),
                p.unit.clone().unwrap_or_default(),
            ),
            None => return Err(e.into()),
        },
    };
    let pairs = [("unit", unit.clone()), ("period", period.clone())];
    Ok(render(&ReportDoc {
        frame: Frame::new(a, "月通报", "reports"),
        action: "/reports/bulletin".into(),
        hidden: vec![("unit".into(), unit.clone())],
        period_label: "月份".into(),
        period_hint: "2026-11".into(),
        period,
        error,
        doc,
        status: String::new(),
        status_tone: String::new(),
        xlsx_href: links("/reports/bulletin.xlsx", &pairs),
        pdf_href: links("/reports/bulletin.pdf", &pairs),
    }))
}

fn filename(doc: &Document) -> String {
    doc.title.clone()
}

/// GET /reports/bulletin.xlsx
pub async fn bulletin_xlsx(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<BulletinParams>,
) -> PageResult {
    let doc = reports::bulletin::generate(&s.db, &u.access, &p.query()?)
        .await?
        .document();
    xlsx_download(&doc, Sheets::One, &filename(&doc))
}

/// GET /reports/bulletin.pdf
pub async fn bulletin_pdf(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<BulletinParams>,
) -> PageResult {
    let doc = reports::bulletin::generate(&s.db, &u.access, &p.query()?)
        .await?
        .document();
    let name = filename(&doc);
    pdf_download(doc, &name).await
}

/// The document as an XLSX download named `name`.
fn xlsx_download(doc: &Document, sheets: Sheets, name: &str) -> PageResult {
    let bytes = reports::export::xlsx::write(doc, sheets)?;
    Ok(crate::api::admin::xlsx(bytes, name))
}

/// The document as a PDF download named `name`, typeset off the async threads.
async fn pdf_download(doc: Document, name: &str) -> PageResult {
    let bytes = tokio::task::spawn_blocking(move || reports::export::pdf::write(&doc))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    Ok(crate::api::reports::pdf(bytes, name))
}

/// The employer and quarter of a feedback, as typed.
#[derive(Debug, Deserialize, Default)]
pub struct EmployerParams {
    employer: Option<String>,
    period: Option<String>,
}

impl EmployerParams {
    fn query(&self) -> Result<FeedbackQuery, Error> {
        let employer = match self
            .employer
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s) => Some(s.parse().map_err(|_| Error::NotFound)?),
        };
        Ok(FeedbackQuery {
            employer,
            period: self.period.clone(),
        })
    }
}

/// GET /reports/employer: 双报到反馈 of an employer for a quarter.
pub async fn employer(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<EmployerParams>,
) -> PageResult {
    let a = &u.access;
    let q = p.query()?;
    let (f, error) = match reports::feedback::get(&s.db, a, &q).await {
        Ok(f) => (Some(f), None),
        Err(e) => match field_message(&e) {
            Some(m) => (None, Some(m)),
            None => return Err(e.into()),
        },
    };
    let (period, employer) = match &f {
        Some(f) => (f.period.clone(), f.employer_id.to_string()),
        None => (
            p.period.clone().unwrap_or_default(),
            p.employer.clone().unwrap_or_default(),
        ),
    };
    let (status, tone) = match f.as_ref().map(|f| f.issued_at.is_some()) {
        Some(true) => ("已发布".to_owned(), "green".to_owned()),
        Some(false) => ("未发布".to_owned(), "amber".to_owned()),
        None => (String::new(), String::new()),
    };
    let pairs = [("employer", employer.clone()), ("period", period.clone())];
    Ok(render(&ReportDoc {
        frame: Frame::new(a, "双报到反馈", "employers"),
        action: "/reports/employer".into(),
        hidden: vec![("employer".into(), employer.clone())],
        period_label: "季度".into(),
        period_hint: "2026-Q4".into(),
        period,
        error,
        doc: f.map(|f| f.document()),
        status,
        status_tone: tone,
        xlsx_href: links("/reports/employer.xlsx", &pairs),
        pdf_href: links("/reports/employer.pdf", &pairs),
    }))
}

/// GET /reports/employer.xlsx
pub async fn employer_xlsx(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<EmployerParams>,
) -> PageResult {
    let doc = reports::feedback::get(&s.db, &u.access, &p.query()?)
        .await?
        .document();
    xlsx_download(&doc, Sheets::PerSection, &filename(&doc))
}

/// GET /reports/employer.pdf
pub async fn employer_pdf(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<EmployerParams>,
) -> PageResult {
    let doc = reports::feedback::get(&s.db, &u.access, &p.query()?)
        .await?
        .document();
    let name = filename(&doc);
    pdf_download(doc, &name).await
}

/// One section of the 述职 page.
pub struct AnnualSection {
    index: usize,
    heading: &'static str,
    figures: Vec<(&'static str, String)>,
    text: String,
}

#[derive(Template)]
#[template(path = "annual_report.html")]
struct AnnualPage {
    frame: Frame,
    year: i16,
    own: bool,
    name: String,
    state: String,
    state_label: &'static str,
    editable: bool,
    updated_at: String,
    submitted_at: String,
    sections: Vec<AnnualSection>,
    xlsx_href: String,
    pdf_href: String,
}

/// The year and person of a 述职报告, as typed.
#[derive(Debug, Deserialize, Default)]
pub struct AnnualParams {
    year: Option<String>,
    person: Option<String>,
    toast: Option<String>,
}

impl AnnualParams {
    fn query(&self) -> Result<AnnualQuery, Error> {
        let num = |v: &Option<String>| -> Result<Option<i64>, Error> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => Ok(Some(s.parse().map_err(|_| Error::NotFound)?)),
            }
        };
        Ok(AnnualQuery {
            year: num(&self.year)?
                .map(|y| i16::try_from(y).map_err(|_| Error::NotFound))
                .transpose()?,
            person: num(&self.person)?,
        })
    }
}

/// GET /me/annual-report: my 述职报告 draft (or a submitted one of someone else, for
/// their community cadre).
pub async fn annual(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<AnnualParams>,
) -> PageResult {
    let a = &u.access;
    let r = reports::annual::get(&s.db, a, &p.query()?).await?;
    let own = r.person_id == a.person_id();
    let person = if own {
        String::new()
    } else {
        r.person_id.to_string()
    };
    let pairs = [("year", r.year.to_string()), ("person", person.clone())];
    let sections = reports::annual::HEADINGS
        .iter()
        .zip(r.section_figures())
        .zip(&r.sections)
        .enumerate()
        .map(|(index, ((h, f), t))| AnnualSection {
            index,
            heading: h,
            figures: f,
            text: t.clone(),
        })
        .collect();
    Ok(render(&AnnualPage {
        frame: Frame::new(a, format!("{}年度述职报告", r.year), "me").with_toast(p.toast),
        year: r.year,
        own,
        name: r.name.clone(),
        state: r.state.clone(),
        state_label: r.state_label(),
        editable: r.editable && own,
        updated_at: r.updated_at.clone().unwrap_or_default(),
        submitted_at: r.submitted_at.clone().unwrap_or_default(),
        sections,
        xlsx_href: links("/me/annual-report.xlsx", &pairs),
        pdf_href: links("/me/annual-report.pdf", &pairs),
    }))
}

/// The narrative typed on the page.
#[derive(Debug, Deserialize)]
pub struct AnnualForm {
    year: i16,
    #[serde(default)]
    section0: String,
    #[serde(default)]
    section1: String,
    #[serde(default)]
    section2: String,
    #[serde(default)]
    section3: String,
    #[serde(default)]
    section4: String,
}

fn annual_back<T>(year: i16, r: Result<T, Error>, ok: &str) -> PageResult {
    let to = format!("/me/annual-report?year={year}");
    match r {
        Ok(_) => Ok(done(&to, ok)),
        Err(Error::Invalid(fs)) => {
            let m: Vec<String> = fs.into_iter().map(|f| f.message).collect();
            Ok(done(&to, &m.join("；")))
        }
        Err(Error::Conflict { message, .. }) => Ok(done(&to, &message)),
        Err(e) => Err(e.into()),
    }
}

/// POST /me/annual-report: save the draft.
pub async fn save_annual(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<AnnualForm>,
) -> PageResult {
    let input = NarrativeInput {
        year: f.year,
        sections: vec![f.section0, f.section1, f.section2, f.section3, f.section4],
    };
    annual_back(
        f.year,
        reports::annual::save(&s.db, &u.access, input).await,
        "草稿已保存",
    )
}

/// Which year to submit.
#[derive(Debug, Deserialize)]
pub struct YearForm {
    year: i16,
}

/// POST /me/annual-report/submit: submit the saved draft.
pub async fn submit_annual(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<YearForm>,
) -> PageResult {
    annual_back(
        f.year,
        reports::annual::submit(&s.db, &u.access, SubmitInput { year: f.year }).await,
        "述职报告已提交",
    )
}

/// GET /me/annual-report.xlsx
pub async fn annual_xlsx(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<AnnualParams>,
) -> PageResult {
    let r = reports::annual::get(&s.db, &u.access, &p.query()?).await?;
    let doc = r.document();
    xlsx_download(&doc, Sheets::One, &format!("{}{}", r.name, doc.title))
}

/// GET /me/annual-report.pdf
pub async fn annual_pdf(
    State(s): State<AppState>,
    u: PageUser,
    Query(p): Query<AnnualParams>,
) -> PageResult {
    let r = reports::annual::get(&s.db, &u.access, &p.query()?).await?;
    let doc = r.document();
    let name = format!("{}{}", r.name, doc.title);
    pdf_download(doc, &name).await
}
