//! The staff form that records confirmed service (记入服务时长): points by the standard,
//! minutes to the person's account or, for group work, to the community fund.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use kernel::FieldError;
use kernel::time::today;
use ledger::Currency;
use ledger::timebank::ServiceCredit;
use serde::Deserialize;

use super::{form_errors, person_options, plain, typed_minutes, unprocessable};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser, urlencode};
use crate::pages::{FormErrors, Frame, PageResult, done, render};

/// The credit form, as typed (and the person search).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct CreditForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    occurred_on: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    memo: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    guardian_person_id: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    toast: Option<String>,
}

impl CreditForm {
    /// Whether the group box is ticked.
    pub fn is_group(&self) -> bool {
        self.group.as_deref().is_some_and(|v| !v.is_empty())
    }

    fn credit(&self) -> Result<ServiceCredit, kernel::Error> {
        let mut bad = Vec::new();
        let person_id = self.person_id.trim().parse::<i64>().ok();
        if person_id.is_none() {
            bad.push(FieldError {
                field: "person_id".into(),
                message: "请选择服务人员（可先按姓名或手机号后 4 位查找）".into(),
            });
        }
        let guardian = self.guardian_person_id.trim();
        let guardian_person_id = if guardian.is_empty() {
            None
        } else {
            let id = guardian.parse::<i64>().ok();
            if id.is_none() {
                bad.push(FieldError {
                    field: "guardian_person_id".into(),
                    message: "请填写监护人的人员编号（数字），没有监护人请留空".into(),
                });
            }
            id
        };
        let minutes = typed_minutes(&self.hours, &self.minutes).unwrap_or_else(|e| {
            bad.push(e);
            -1
        });
        // Said together with the other mistakes (the ledger checks it again).
        if minutes == 0 && !bad.is_empty() {
            bad.push(FieldError {
                field: "minutes".into(),
                message: "服务时长应为 1 到 1440 分钟".into(),
            });
        }
        if !bad.is_empty() {
            return Err(kernel::Error::Invalid(bad));
        }
        Ok(ServiceCredit {
            person_id: person_id.unwrap_or_default(),
            kind: self.kind.clone(),
            minutes,
            occurred_on: self.occurred_on.clone(),
            memo: self.memo.clone(),
            ref_kind: None,
            ref_id: None,
            group: self.is_group(),
            guardian_person_id,
            key: self.key.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "bank_credit.html")]
struct CreditPage {
    frame: Frame,
    form: CreditForm,
    people: Vec<(i64, String)>,
    more_people: bool,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    errors: FormErrors,
}

async fn credit_view(
    s: &AppState,
    u: &PageUser,
    mut form: CreditForm,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    if !a.is_staff() {
        return Err(
            kernel::Error::Forbidden("只有社区干部、网格长等工作人员可以记入服务时长").into(),
        );
    }
    let selected = form.person_id.trim().parse().ok();
    let (people, more_people) = person_options(s, a, &form.q, None, selected).await?;
    if form.key.is_empty() {
        form.key = org::auth::random_token();
    }
    if form.occurred_on.is_empty() {
        form.occurred_on = today().to_string();
    }
    if form.kind.is_empty() {
        form.kind = "duty.volunteer".into();
    }
    let failed = !errors.0.is_empty();
    let res = render(&CreditPage {
        frame: Frame::new(a, "记入服务时长", "bank")
            .with_toast(form.toast.take())
            .with_back("/bank"),
        form,
        people,
        more_people,
        kinds: ledger::rules::KINDS.iter().map(|k| (k.0, k.1)).collect(),
        today: today().to_string(),
        errors,
    });
    unprocessable(res, failed)
}

/// GET /bank/credit: the form that records confirmed service (`?person_id=` picks the
/// person, `?q=` searches).
pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Query(form): Query<CreditForm>,
) -> PageResult {
    let form = CreditForm {
        key: String::new(),
        ..form
    };
    credit_view(&s, &u, form, FormErrors::default()).await
}

/// POST /bank/credit
pub async fn record(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(form): CsrfForm<CreditForm>,
) -> PageResult {
    let a = &u.access;
    let result = match form.credit() {
        Ok(c) => ledger::timebank::credit_service(&s.db, a, c).await,
        Err(e) => Err(e),
    };
    let again = |toast: &str, person: &str| {
        done(
            &format!("/bank/credit?person_id={}", urlencode(person)),
            toast,
        )
    };
    match result {
        Ok(t) if t.replayed => Ok(again("这笔服务已经记录过了，没有重复记入", &form.person_id)),
        Ok(t) => {
            let name = match t.person_id {
                Some(p) => org::people::get(&s.db, a, p)
                    .await
                    .map(|p| p.name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let points: i64 = t
                .postings
                .iter()
                .filter(|p| p.owner.starts_with("person:") && p.currency == Currency::Points)
                .map(|p| p.amount)
                .sum();
            let minutes = form.credit().map(|c| c.minutes).unwrap_or_default();
            Ok(again(
                &format!(
                    "已为 {name} 记入服务 {}，积分 {}",
                    plain(Currency::Minutes, minutes),
                    plain(Currency::Points, points)
                ),
                &form.person_id,
            ))
        }
        Err(kernel::Error::Forbidden(m)) => {
            let errors = FormErrors(vec![FieldError {
                field: "person_id".into(),
                message: m.into(),
            }]);
            let mut res = credit_view(&s, &u, form, errors).await?;
            *res.status_mut() = StatusCode::FORBIDDEN;
            Ok(res)
        }
        Err(kernel::Error::NotFound) => {
            let errors = FormErrors(vec![FieldError {
                field: "person_id".into(),
                message: "找不到这名人员，或不在您的管辖范围内".into(),
            }]);
            credit_view(&s, &u, form, errors).await
        }
        Err(e) => {
            let errors = form_errors(e, "key")?;
            credit_view(&s, &u, form, errors).await
        }
    }
}
