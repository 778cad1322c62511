//! The time bank (时间银行) and points (积分) pages: one's own account (balances, yearly
//! progress, statement, download, donation to the community fund) and what the other pages
//! share. The staff credit form is in `credit`, funds and the trial balance in `funds`, the
//! points standard and the settings in `standard`.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use kernel::FieldError;
use kernel::time::{date_cn, parse_date};
use ledger::Currency;
use ledger::engine::{Line, StatementQuery, show};
use ledger::timebank::Donation;
use org::Access;
use org::people::PeopleQuery;
use serde::Deserialize;

use super::{FormErrors, Frame, PageResult, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser, urlencode};

pub mod credit;
pub mod funds;
pub mod more;
pub mod standard;

/// Statement lines per page.
const PAGE_LINES: i64 = 30;
/// The most statement lines one download holds.
const MAX_DOWNLOAD_LINES: usize = 50_000;

/// The Chinese name of a transaction kind.
pub fn kind_label(kind: &str) -> String {
    if let Some(k) = kind.strip_prefix("service.") {
        return ledger::rules::KINDS
            .iter()
            .find(|x| x.0 == k)
            .map(|x| x.1)
            .unwrap_or("服务")
            .to_owned();
    }
    match kind {
        "donation" => "捐入社区基金",
        "grant" => "社区基金划拨",
        "reversal" => "冲正",
        "transfer" => "转账",
        "gift" => "亲属赠与",
        "exchange" => "兑换服务",
        "redemption" => "兑换物品",
        "guarantee" => "保障基金兜底",
        _ => "其他",
    }
    .to_owned()
}

/// An amount with its sign, as people read it: +1 小时 30 分钟, -0.50 分.
pub fn signed(currency: Currency, amount: i64) -> String {
    if amount == 0 {
        return String::new();
    }
    if amount > 0 {
        format!("+{}", plain(currency, amount))
    } else {
        plain(currency, amount)
    }
}

/// An amount as people read it: time in hours (1 小时 30 分钟, or 30 分钟 under an hour),
/// points with two decimals; negative amounts with a minus sign.
pub fn plain(currency: Currency, amount: i64) -> String {
    if amount < 0 {
        return format!("-{}", plain(currency, -amount));
    }
    match currency {
        Currency::Minutes if amount > 0 && amount < 60 => format!("{amount} 分钟"),
        _ => show(currency, amount),
    }
}

/// A `YYYY-MM-DD` date written the Chinese way (as given when it does not parse).
pub fn date_text(d: &str) -> String {
    parse_date(d).map(date_cn).unwrap_or_else(|| d.to_owned())
}

fn amount_class(amount: i64) -> &'static str {
    if amount < 0 { "amt minus" } else { "amt plus" }
}

/// One transaction on a statement: its points and minutes on the account together.
#[derive(Debug, Clone)]
pub struct StatementRow {
    /// The smallest posting id of the row (keyset).
    pub min_id: i64,
    /// Transaction id.
    pub txn_id: i64,
    /// Date of the underlying work (`YYYY-MM-DD`).
    pub on: String,
    /// Kind, in Chinese.
    pub kind: String,
    /// What it was.
    pub memo: String,
    /// Points (hundredths), signed.
    pub points_e2: i64,
    /// Minutes, signed.
    pub minutes: i64,
}

impl StatementRow {
    /// 2026年11月25日
    pub fn date(&self) -> String {
        date_text(&self.on)
    }
    /// Signed points, empty when none.
    pub fn points(&self) -> String {
        signed(Currency::Points, self.points_e2)
    }
    /// Signed time, empty when none.
    pub fn time(&self) -> String {
        signed(Currency::Minutes, self.minutes)
    }
    /// The class of the points amount: `amt plus` or `amt minus`.
    pub fn points_class(&self) -> &'static str {
        amount_class(self.points_e2)
    }
    /// The class of the time amount.
    pub fn time_class(&self) -> &'static str {
        amount_class(self.minutes)
    }
}

/// Group statement lines (newest first) into one row per transaction. When more lines
/// follow, the last row may be cut off at the page edge: it is left to the next page.
pub fn group_lines(lines: Vec<Line>, next: Option<i64>) -> (Vec<StatementRow>, Option<i64>) {
    let mut rows: Vec<StatementRow> = Vec::new();
    for l in lines {
        let row = match rows.last_mut() {
            Some(r) if r.txn_id == l.txn_id => r,
            _ => {
                let kind = kind_label(&l.kind);
                rows.push(StatementRow {
                    min_id: l.id,
                    txn_id: l.txn_id,
                    on: l.occurred_on.clone(),
                    // The memo without a repeat of the kind (社区基金划拨：… under 社区基金划拨).
                    memo: l
                        .memo
                        .strip_prefix(kind.as_str())
                        .map(|m| m.trim_start_matches('：'))
                        .unwrap_or(&l.memo)
                        .to_owned(),
                    kind,
                    points_e2: 0,
                    minutes: 0,
                });
                rows.last_mut().expect("just pushed")
            }
        };
        row.min_id = row.min_id.min(l.id);
        match l.currency {
            Currency::Points => row.points_e2 += l.amount,
            Currency::Minutes => row.minutes += l.amount,
        }
    }
    match next {
        Some(_) if rows.len() > 1 => {
            rows.pop();
            let next = rows.last().map(|r| r.min_id);
            (rows, next)
        }
        _ => (rows, next),
    }
}

/// A statement's period filter and paging, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct StatementFilter {
    from: Option<String>,
    to: Option<String>,
    after: Option<i64>,
    toast: Option<String>,
}

impl StatementFilter {
    /// The ledger query, and the errors of dates that do not parse (those are ignored).
    pub fn query(&self, limit: i64) -> (StatementQuery, FormErrors) {
        let mut errors = Vec::new();
        let mut date = |field: &str, v: &Option<String>| {
            let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
            if parse_date(v).is_some() {
                Some(v.to_owned())
            } else {
                errors.push(FieldError {
                    field: field.into(),
                    message: "日期格式应为 YYYY-MM-DD，例如 2026-11-25".into(),
                });
                None
            }
        };
        let q = StatementQuery {
            from: date("from", &self.from),
            to: date("to", &self.to),
            after: self.after,
            limit: Some(limit),
        };
        (q, FormErrors(errors))
    }

    /// `path` with the period (and `after` when given) as its query.
    pub fn href(&self, path: &str, after: Option<i64>) -> String {
        let mut qs = Vec::new();
        for (k, v) in [("from", &self.from), ("to", &self.to)] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                qs.push(format!("{k}={}", urlencode(v.trim())));
            }
        }
        if let Some(a) = after {
            qs.push(format!("after={a}"));
        }
        if qs.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", qs.join("&"))
        }
    }
}

/// Hours and minutes typed into a form, as minutes; empty fields count as 0.
pub fn typed_minutes(hours: &str, minutes: &str) -> Result<i64, FieldError> {
    let part = |s: &str| -> Option<i64> {
        let s = s.trim();
        if s.is_empty() {
            Some(0)
        } else {
            s.parse::<i64>()
                .ok()
                .filter(|v| (0..=1_000_000_000).contains(v))
        }
    };
    match (part(hours), part(minutes)) {
        (Some(h), Some(m)) => Ok(h * 60 + m),
        _ => Err(FieldError {
            field: "minutes".into(),
            message: "时长请填写整数的小时和分钟，例如 1 小时 30 分钟".into(),
        }),
    }
}

/// People the caller may pick in a form: matching `q`, within `unit_id` when given, with
/// `selected` kept among them.
pub async fn person_options(
    s: &AppState,
    a: &Access,
    q: &str,
    unit_id: Option<i64>,
    selected: Option<i64>,
) -> kernel::Result<(Vec<(i64, String)>, bool)> {
    let page = org::people::list(
        &s.db,
        a,
        &PeopleQuery {
            q: Some(q.trim().to_owned()).filter(|q| !q.is_empty()),
            unit_id,
            employer_id: None,
            kind: None,
            unregistered: None,
            after: None,
            limit: Some(100),
        },
    )
    .await?;
    let more = page.next.is_some();
    let mut out: Vec<(i64, String)> = page
        .items
        .into_iter()
        .map(|p| {
            let mut label = format!("{}（{}", p.name, p.kind.label());
            if let Some(c) = p.community_name {
                label.push_str(&format!(" · {c}"));
            }
            label.push('）');
            (p.id, label)
        })
        .collect();
    if let Some(id) = selected
        && !out.iter().any(|(i, _)| *i == id)
        && let Ok(p) = org::people::get(&s.db, a, id).await
    {
        out.insert(0, (p.id, format!("{}（{}）", p.name, p.kind.label())));
    }
    Ok((out, more))
}

/// Errors of a ledger call that a form shows beside its fields: invalid fields, and
/// conflicts (not enough balance, a reused key) on `conflict_field`.
pub fn form_errors(e: kernel::Error, conflict_field: &str) -> Result<FormErrors, kernel::Error> {
    match e {
        kernel::Error::Invalid(errs) => Ok(FormErrors(errs)),
        kernel::Error::Conflict { message, .. } => Ok(FormErrors(vec![FieldError {
            field: conflict_field.into(),
            message,
        }])),
        e => Err(e),
    }
}

/// Mark a response as a form shown again with errors.
pub fn unprocessable(mut res: axum::response::Response, failed: bool) -> PageResult {
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The donation form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct DonateForm {
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "bank_me.html")]
struct MyBankPage {
    frame: Frame,
    points: String,
    time: String,
    has_time: bool,
    served: String,
    target: String,
    progress_value: i64,
    progress_max: i64,
    percent: i64,
    reached: bool,
    rows: Vec<StatementRow>,
    next_href: Option<String>,
    period_action: &'static str,
    from: String,
    to: String,
    filtered: bool,
    filter_errors: FormErrors,
    xlsx_href: String,
    show_points: bool,
    form: DonateForm,
    errors: FormErrors,
    staff: bool,
    platform: bool,
    admin: bool,
}

async fn my_bank_view(
    s: &AppState,
    u: &PageUser,
    f: StatementFilter,
    form: DonateForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let me = a.person_id();
    let sum = ledger::timebank::summary(&s.db, a, me).await?;
    let (q, filter_errors) = f.query(PAGE_LINES);
    let page = ledger::timebank::person_statement(&s.db, a, me, &q).await?;
    let (rows, next) = group_lines(page.items, page.next);
    let target = sum.yearly_target.max(0);
    let failed = !errors.0.is_empty();
    let form = DonateForm {
        key: if form.key.is_empty() {
            org::auth::random_token()
        } else {
            form.key
        },
        ..form
    };
    let res = render(&MyBankPage {
        frame: Frame::new(a, "我的时间银行", "bank").with_toast(f.toast.clone()),
        points: plain(Currency::Points, sum.points_e2),
        time: plain(Currency::Minutes, sum.minutes),
        has_time: sum.minutes > 0,
        served: plain(Currency::Minutes, sum.served_this_year),
        target: plain(Currency::Minutes, target),
        progress_value: sum.served_this_year.clamp(0, target),
        progress_max: target.max(1),
        percent: if target > 0 {
            (sum.served_this_year.max(0) * 100 / target).min(100)
        } else {
            100
        },
        reached: sum.served_this_year >= target,
        rows,
        next_href: next.map(|n| f.href("/bank", Some(n))),
        period_action: "/bank",
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        filtered: q.from.is_some() || q.to.is_some(),
        filter_errors,
        xlsx_href: f.href("/bank/statement.xlsx", None),
        show_points: true,
        form,
        errors,
        staff: a.is_staff(),
        platform: a.manages_city(),
        admin: a.is_administrator(),
    });
    unprocessable(res, failed)
}

/// GET /bank: my balances, my progress toward the yearly target, my statement.
pub async fn my_bank(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<StatementFilter>,
) -> PageResult {
    my_bank_view(&s, &u, f, DonateForm::default(), FormErrors::default()).await
}

/// POST /bank/donate: give some of my time coins to my community fund.
pub async fn donate(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<DonateForm>,
) -> PageResult {
    let result = match typed_minutes(&form.hours, &form.minutes) {
        Ok(minutes) => {
            ledger::timebank::donate(
                &s.db,
                &u.access,
                Donation {
                    minutes,
                    key: form.key.clone(),
                },
            )
            .await
        }
        Err(e) => Err(kernel::Error::Invalid(vec![e])),
    };
    match result {
        Ok(t) if t.replayed => Ok(done("/bank", "这笔捐赠已经记录过了，没有重复扣除")),
        Ok(t) => {
            let given: i64 = t
                .postings
                .iter()
                .filter(|p| p.owner.starts_with("fund:") && p.currency == Currency::Minutes)
                .map(|p| p.amount)
                .sum();
            Ok(done(
                "/bank",
                &format!("已捐入社区基金 {}，谢谢您", plain(Currency::Minutes, given)),
            ))
        }
        Err(e) => {
            let errors = form_errors(e, "minutes")?;
            my_bank_view(&s, &u, StatementFilter::default(), form, errors).await
        }
    }
}

/// GET /bank/statement.xlsx: my statement for a period, as a spreadsheet.
pub async fn statement_xlsx(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<StatementFilter>,
) -> PageResult {
    let a = &u.access;
    let (mut q, errors) = f.query(kernel::paging::MAX_LIMIT);
    if !errors.0.is_empty() {
        return Err(kernel::Error::Invalid(errors.0).into());
    }
    q.after = None;
    let mut lines = Vec::new();
    loop {
        let page = ledger::timebank::person_statement(&s.db, a, a.person_id(), &q).await?;
        lines.extend(page.items);
        match page.next {
            Some(n) if lines.len() < MAX_DOWNLOAD_LINES => q.after = Some(n),
            _ => break,
        }
    }
    let (rows, _) = group_lines(lines, None);
    let bytes = statement_workbook(&rows).map_err(kernel::Error::Internal)?;
    Ok(crate::api::admin::xlsx(bytes, "时间银行明细"))
}

/// A statement as an xlsx workbook: 日期, 类型, 说明, 积分, 时间(小时).
pub fn statement_workbook(rows: &[StatementRow]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("明细").map_err(e)?;
    let bold = Format::new().set_bold();
    let number = Format::new().set_num_format("0.00");
    for (c, (h, w)) in [
        ("日期", 14.0),
        ("类型", 16.0),
        ("说明", 48.0),
        ("积分", 10.0),
        ("时间(小时)", 12.0),
    ]
    .into_iter()
    .enumerate()
    {
        ws.set_column_width(c as u16, w).map_err(e)?;
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(e)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write_string(row, 0, &r.on).map_err(e)?;
        ws.write_string(row, 1, &r.kind).map_err(e)?;
        ws.write_string(row, 2, &r.memo).map_err(e)?;
        ws.write_number_with_format(row, 3, r.points_e2 as f64 / 100.0, &number)
            .map_err(e)?;
        ws.write_number_with_format(row, 4, r.minutes as f64 / 60.0, &number)
            .map_err(e)?;
    }
    wb.save_to_buffer().map_err(e)
}
