//! The user's own page: their record, their skills and free time, their data download.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use org::Access;
use org::availability::Slot;
use org::people::{Person, ProfileInput};

use super::{FormErrors, Frame, PageResult, ToastQuery, done, render};
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};

/// Everything the platform holds about the caller, as one JSON document.
pub async fn own_record(s: &AppState, a: &Access) -> kernel::Result<serde_json::Value> {
    let person = org::people::get(&s.db, a, a.person_id()).await?;
    let account = org::accounts::of_person(&s.db, a, a.person_id()).await?;
    let audit = org::audit_log::own(&s.db, a).await?;
    Ok(serde_json::json!({
        "generated_at": kernel::time::datetime_cn(kernel::time::now_ms()),
        "person": person,
        "account": account,
        "roles": a.grants(),
        "audit": audit,
    }))
}

#[derive(Template)]
#[template(path = "me.html")]
struct MePage {
    frame: Frame,
    p: Person,
    roles: Vec<String>,
    skills: Vec<org::skills::Skill>,
    week: Vec<(u8, &'static str, bool, String, String)>,
    errors: FormErrors,
}

const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

fn week_of(slots: &[Slot]) -> Vec<(u8, &'static str, bool, String, String)> {
    (1..=7u8)
        .map(|d| match slots.iter().find(|s| s.day == d) {
            Some(s) => (
                d,
                DAYS[d as usize - 1],
                true,
                s.start.clone(),
                s.end.clone(),
            ),
            None => (
                d,
                DAYS[d as usize - 1],
                false,
                "09:00".into(),
                "17:00".into(),
            ),
        })
        .collect()
}

async fn me_view(
    s: &AppState,
    u: &PageUser,
    p: Option<Person>,
    errors: FormErrors,
    toast: Option<String>,
) -> PageResult {
    let a = &u.access;
    let p = match p {
        Some(p) => p,
        None => org::people::get(&s.db, a, a.person_id()).await?,
    };
    let failed = !errors.0.is_empty();
    let mut res = render(&MePage {
        frame: Frame::new(a, "我的", "me").with_toast(toast),
        week: week_of(&p.availability),
        p,
        roles: super::role_labels(a),
        skills: org::skills::list(&s.db, a).await?,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// GET /me
pub async fn me_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastQuery>,
) -> PageResult {
    me_view(&s, &u, None, FormErrors::default(), t.toast).await
}

/// POST /me/profile
pub async fn update_profile(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let mut input = ProfileInput::default();
    let mut week: Vec<(bool, String, String)> = vec![(false, String::new(), String::new()); 7];
    for (k, v) in pairs {
        match k.as_str() {
            "skill_ids" => {
                if let Ok(id) = v.parse() {
                    input.skill_ids.push(id)
                }
            }
            "physical_limits" => input.physical_limits = v,
            other => {
                if let Some((d, what)) = other.strip_prefix('d').and_then(|r| r.split_once('_'))
                    && let Ok(d) = d.parse::<usize>()
                    && (1..=7).contains(&d)
                {
                    match what {
                        "on" => week[d - 1].0 = true,
                        "start" => week[d - 1].1 = v,
                        "end" => week[d - 1].2 = v,
                        _ => {}
                    }
                }
            }
        }
    }
    input.availability = week
        .into_iter()
        .enumerate()
        .filter(|(_, w)| w.0)
        .map(|(i, w)| Slot {
            day: i as u8 + 1,
            start: w.1,
            end: w.2,
        })
        .collect();
    match org::people::update_own_profile(&s.db, &u.access, input.clone()).await {
        Ok(_) => Ok(done("/me", "已保存您的专长和可服务时间")),
        Err(kernel::Error::Invalid(errs)) => {
            let mut p = org::people::get(&s.db, &u.access, u.access.person_id()).await?;
            p.availability = input.availability;
            p.physical_limits = input.physical_limits;
            me_view(&s, &u, Some(p), FormErrors(errs), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /me/record.json: download one's own record.
pub async fn download_record(State(s): State<AppState>, u: PageUser) -> PageResult {
    let doc = own_record(&s, &u.access).await?;
    let body =
        serde_json::to_string_pretty(&doc).map_err(|e| kernel::Error::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"my-record.json\"",
            ),
        ],
        body,
    )
        .into_response())
}
