//! Community funds (集体基金库): the communities in scope, a fund's balance and statement,
//! the cadres' grant to a resident in need; and the city's trial balance.

use askama::Template;
use axum::extract::{Path, Query, State};
use kernel::FieldError;
use ledger::Currency;
use ledger::timebank::Grant;
use serde::Deserialize;

use super::more::GuaranteeForm;
use super::{
    StatementFilter, StatementRow, form_errors, group_lines, person_options, typed_minutes,
    unprocessable,
};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, done, render};

#[derive(Template)]
#[template(path = "bank_funds.html")]
struct ListPage {
    frame: Frame,
    units: Vec<(i64, String)>,
}

/// GET /bank/funds: the community funds the caller may see.
pub async fn list(State(s): State<AppState>, u: PageUser) -> PageResult {
    let a = &u.access;
    if !a.is_staff() {
        return Err(kernel::Error::Forbidden("社区基金由工作人员查看").into());
    }
    let units = org::people::community_choices(&s.db, a)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(render(&ListPage {
        frame: Frame::new(a, "社区基金", "bank").with_back("/bank"),
        units,
    }))
}

/// The grant form's person search, from the fund page's query.
#[derive(Debug, Deserialize, Default)]
pub struct PersonSearch {
    q: Option<String>,
    person_id: Option<String>,
}

/// The grant form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct GrantForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    key: String,
}

#[derive(Template)]
#[template(path = "bank_fund.html")]
struct FundPage {
    frame: Frame,
    unit_id: i64,
    balance: String,
    has_balance: bool,
    rows: Vec<StatementRow>,
    show_points: bool,
    next_href: Option<String>,
    period_action: String,
    from: String,
    to: String,
    filtered: bool,
    filter_errors: FormErrors,
    can_grant: bool,
    people: Vec<(i64, String)>,
    more_people: bool,
    form: GrantForm,
    errors: FormErrors,
    platform: bool,
    guarantee: GuaranteeForm,
}

async fn fund_view(
    s: &AppState,
    u: &PageUser,
    unit_id: i64,
    f: StatementFilter,
    form: GrantForm,
    errors: FormErrors,
) -> PageResult {
    fund_view_full(s, u, unit_id, f, form, errors, GuaranteeForm::default()).await
}

/// The fund page again with the guarantee form as typed and its errors.
pub(super) async fn fund_view_guarantee(
    s: &AppState,
    u: &PageUser,
    unit_id: i64,
    guarantee: GuaranteeForm,
    errors: FormErrors,
) -> PageResult {
    let f = StatementFilter::default();
    fund_view_full(s, u, unit_id, f, GrantForm::default(), errors, guarantee).await
}

async fn fund_view_full(
    s: &AppState,
    u: &PageUser,
    unit_id: i64,
    f: StatementFilter,
    mut form: GrantForm,
    errors: FormErrors,
    mut guarantee: GuaranteeForm,
) -> PageResult {
    let a = &u.access;
    let (q, filter_errors) = f.query(super::PAGE_LINES);
    let (balance, page) = ledger::timebank::fund_statement(&s.db, a, unit_id, &q).await?;
    let unit = org::units::get(&s.db, a, unit_id).await?;
    let can_grant = a
        .admin_prefixes()
        .iter()
        .any(|p| unit.path.starts_with(p.as_str()));
    let (people, more_people) = if can_grant {
        let selected = form.person_id.trim().parse().ok();
        person_options(s, a, &form.q, Some(unit.id), selected).await?
    } else {
        (vec![], false)
    };
    if form.key.is_empty() {
        form.key = org::auth::random_token();
    }
    if guarantee.key.is_empty() {
        guarantee.key = org::auth::random_token();
    }
    let (rows, next) = group_lines(page.items, page.next);
    let action = format!("/bank/funds/{unit_id}");
    let failed = !errors.0.is_empty();
    let res = render(&FundPage {
        frame: Frame::new(a, format!("{}集体基金", unit.name), "bank")
            .with_toast(f.toast.clone())
            .with_back("/bank/funds"),
        unit_id,
        balance: super::plain(Currency::Minutes, balance),
        has_balance: balance > 0,
        rows,
        show_points: false,
        next_href: next.map(|n| f.href(&action, Some(n))),
        period_action: action,
        from: f.from.clone().unwrap_or_default(),
        to: f.to.clone().unwrap_or_default(),
        filtered: q.from.is_some() || q.to.is_some(),
        filter_errors,
        can_grant,
        people,
        more_people,
        form,
        errors,
        platform: a.manages_city(),
        guarantee,
    });
    unprocessable(res, failed)
}

/// GET /bank/funds/{unit_id}: a community fund's balance and statement, and for the
/// community's cadres the grant form.
pub async fn fund_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(unit_id): Path<i64>,
    Query(f): Query<StatementFilter>,
    Query(p): Query<PersonSearch>,
) -> PageResult {
    let form = GrantForm {
        q: p.q.unwrap_or_default(),
        person_id: p.person_id.unwrap_or_default(),
        ..Default::default()
    };
    fund_view(&s, &u, unit_id, f, form, FormErrors::default()).await
}

/// POST /bank/funds/{unit_id}/grant: give time from the fund to a resident in need.
pub async fn grant(
    State(s): State<AppState>,
    u: PageUser,
    Path(unit_id): Path<i64>,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> PageResult {
    let a = &u.access;
    let mut bad = Vec::new();
    let person_id = form.person_id.trim().parse::<i64>().ok();
    if person_id.is_none() {
        bad.push(FieldError {
            field: "person_id".into(),
            message: "请选择接受划拨的居民".into(),
        });
    }
    let minutes = typed_minutes(&form.hours, &form.minutes).unwrap_or_else(|e| {
        bad.push(e);
        0
    });
    let result = if bad.is_empty() {
        ledger::timebank::grant(
            &s.db,
            a,
            Grant {
                unit_id,
                person_id: person_id.unwrap_or_default(),
                minutes,
                reason: form.reason.clone(),
                key: form.key.clone(),
            },
        )
        .await
    } else {
        Err(kernel::Error::Invalid(bad))
    };
    let back = format!("/bank/funds/{unit_id}");
    match result {
        Ok(t) if t.replayed => Ok(done(&back, "这笔划拨已经记录过了，没有重复划拨")),
        Ok(t) => {
            let name = match t.person_id {
                Some(p) => org::people::get(&s.db, a, p)
                    .await
                    .map(|p| p.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok(done(
                &back,
                &format!(
                    "已从社区基金划拨 {} 给 {name}",
                    super::plain(Currency::Minutes, minutes)
                ),
            ))
        }
        Err(kernel::Error::NotFound) if person_id.is_some() => {
            let errors = FormErrors(vec![FieldError {
                field: "person_id".into(),
                message: "找不到这名居民，或不在您的管辖范围内".into(),
            }]);
            fund_view(&s, &u, unit_id, StatementFilter::default(), form, errors).await
        }
        Err(e) => {
            let errors = form_errors(e, "minutes")?;
            fund_view(&s, &u, unit_id, StatementFilter::default(), form, errors).await
        }
    }
}

/// One row of the trial balance as shown.
pub struct TrialRow {
    /// Account kind, in Chinese.
    pub kind: &'static str,
    /// Currency, in Chinese.
    pub currency: &'static str,
    /// The sum, as people read it.
    pub total: String,
}

#[derive(Template)]
#[template(path = "bank_trial.html")]
struct TrialPage {
    frame: Frame,
    rows: Vec<TrialRow>,
    points_total: String,
    minutes_total: String,
    balanced: bool,
    balances_match: bool,
}

fn account_kind_label(kind: &str) -> &'static str {
    match kind {
        "person" => "个人账户",
        "community_fund" => "社区集体基金",
        "issuance" => "发行账户（全部记入的来源）",
        "guarantee" => "政府兜底保障基金",
        "redeemed" => "已兑换",
        _ => "其他账户",
    }
}

/// GET /bank/trial-balance: every currency sums to zero (platform admins).
pub async fn trial_balance(State(s): State<AppState>, u: PageUser) -> PageResult {
    let a = &u.access;
    let t = ledger::timebank::trial_balance(&s.db, a).await?;
    Ok(render(&TrialPage {
        frame: Frame::new(a, "试算平衡表", "bank").with_back("/bank"),
        rows: t
            .rows
            .iter()
            .map(|r| TrialRow {
                kind: account_kind_label(&r.account_kind),
                currency: r.currency.label(),
                total: super::plain(r.currency, r.total),
            })
            .collect(),
        points_total: super::plain(Currency::Points, t.points_total),
        minutes_total: super::plain(Currency::Minutes, t.minutes_total),
        balanced: t.balanced,
        balances_match: t.balances_match,
    }))
}
