//! 站—村协商 pages: the deliberations of my joint communities (public to them), and the
//! record form for the joint community's cadres — agenda, date, which villages came and
//! who, minutes, outcomes. The forum consults; the page says it decides nothing.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use civic::forum::{Attendance, Forum, ForumOutcome, NewForum};
use kernel::Error;
use org::units::{Unit, UnitKind};

use super::ToastOnly;
use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, done, render};

#[derive(Template)]
#[template(path = "civic_forums.html")]
struct ListPage {
    frame: Frame,
    forums: Vec<Forum>,
    joints: Vec<(Unit, Vec<Unit>)>,
    f: Vec<(String, String)>,
    errors: FormErrors,
}

impl ListPage {
    fn val(&self, k: &str) -> String {
        self.f
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

async fn view(
    s: &AppState,
    u: &PageUser,
    toast: Option<String>,
    f: Vec<(String, String)>,
    errors: FormErrors,
) -> PageResult {
    let a = &u.access;
    let all =
        org::units::list_in_scope(&s.db, a, &[UnitKind::JointCommunity, UnitKind::Village]).await?;
    let joints = all
        .iter()
        .filter(|j| {
            j.kind == UnitKind::JointCommunity && a.holds_over(org::Role::CommunityCadre, &j.path)
        })
        .take(20)
        .map(|j| {
            let v = all
                .iter()
                .filter(|x| x.kind == UnitKind::Village && x.path.starts_with(&j.path))
                .cloned()
                .collect();
            (j.clone(), v)
        })
        .collect();
    let bad = !errors.0.is_empty();
    let mut res = render(&ListPage {
        frame: Frame::new(a, "站—村协商", "civic")
            .with_toast(toast)
            .with_back("/civic"),
        forums: civic::forum::list(&s.db, a).await?,
        joints,
        f,
        errors,
    });
    if bad {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The deliberations, and the record form for the joint community's cadres.
pub async fn list(
    State(s): State<AppState>,
    u: PageUser,
    Query(t): Query<ToastOnly>,
) -> PageResult {
    view(&s, &u, t.toast, vec![], FormErrors::default()).await
}

fn people(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', '\n'])
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect()
}

/// Record one (`v_<id>` ticks a village, `p_<id>` lists who came for it, `p_station` the
/// station's people; outcomes one a line).
pub async fn create(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let one = |k: &str| {
        f.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut attendance: Vec<Attendance> = f
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("v_").and_then(|id| id.parse::<i64>().ok()))
        .map(|id| Attendance {
            village_id: Some(id),
            people: people(&one(&format!("p_{id}"))),
            ..Default::default()
        })
        .collect();
    let station = people(&one("p_station"));
    if !station.is_empty() {
        attendance.push(Attendance {
            village_id: None,
            people: station,
            ..Default::default()
        });
    }
    let input = NewForum {
        unit_id: one("unit_id").trim().parse().ok(),
        agenda: one("agenda"),
        held_on: one("held_on"),
        attendance,
        minutes: one("minutes"),
        outcomes: one("outcomes")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| ForumOutcome {
                text: l.to_owned(),
                proposal_id: None,
            })
            .collect(),
    };
    match civic::forum::create(&s.db, &u.access, input).await {
        Ok(_) => Ok(done("/civic/forums", "已记录站—村协商")),
        Err(Error::Invalid(v)) => view(&s, &u, None, f, FormErrors(v)).await,
        Err(Error::Forbidden(m)) => {
            view(
                &s,
                &u,
                None,
                f,
                FormErrors(vec![kernel::FieldError {
                    field: "unit_id".into(),
                    message: m.into(),
                }]),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
