//! 巡查排班: a grid's weekly roster for its grid leader and the community's cadres — the
//! slots by weekday and time, a form to add one, and taking one off.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use cases::patrol::roster::{RosterSlot, SlotInput};
use kernel::Error;
use serde::Deserialize;

use crate::AppState;
use crate::extract::{CsrfForm, PageUser};
use crate::pages::{FormErrors, Frame, PageResult, done, render};

/// Which grid, and the toast.
#[derive(Debug, Deserialize, Default)]
pub struct RosterQuery {
    grid_id: Option<String>,
    toast: Option<String>,
}

/// The add form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct SlotForm {
    #[serde(default)]
    grid_id: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

#[derive(Template)]
#[template(path = "patrol_roster.html")]
struct RosterPage {
    frame: Frame,
    grids: Vec<(i64, String)>,
    grid: Option<(i64, String)>,
    slots: Vec<RosterSlot>,
    people: Vec<(i64, String)>,
    weekdays: Vec<(i64, String)>,
    form: SlotForm,
    errors: FormErrors,
}

async fn view(
    s: &AppState,
    u: &PageUser,
    grid_id: Option<i64>,
    toast: Option<String>,
    form: SlotForm,
    errors: FormErrors,
    status: StatusCode,
) -> PageResult {
    let (db, a) = (&s.db, &u.access);
    let grids: Vec<(i64, String)> = cases::patrol::kept_grids(db, a)
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    if grids.is_empty() {
        return Err(Error::Forbidden("只有网格长和社区干部可以安排巡查排班").into());
    }
    let id = grid_id.unwrap_or(grids[0].0);
    let slots = cases::patrol::roster::of_grid(db, a, id).await?;
    let grid = grids.iter().find(|g| g.0 == id).cloned();
    if grid.is_none() {
        return Err(Error::NotFound.into());
    }
    let people = cases::patrol::roster::candidates(db, a, id).await?;
    let mut res = render(&RosterPage {
        frame: Frame::new(a, "巡查排班", "patrols")
            .with_toast(toast)
            .with_back("/patrols"),
        grids,
        grid,
        slots,
        people,
        weekdays: (1..=7)
            .map(|d| (d, kernel::time::weekday_cn(d as i8)))
            .collect(),
        form,
        errors,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// GET /patrols/roster?grid_id=
pub async fn page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    let grid = q.grid_id.as_deref().and_then(|g| g.trim().parse().ok());
    let form = SlotForm {
        start: "09:00".into(),
        end: "11:00".into(),
        ..Default::default()
    };
    view(
        &s,
        &u,
        grid,
        q.toast,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// POST /patrols/roster: add a slot.
pub async fn add(
    State(s): State<AppState>,
    u: PageUser,
    CsrfForm(f): CsrfForm<SlotForm>,
) -> PageResult {
    let grid: Option<i64> = f.grid_id.trim().parse().ok();
    let input = SlotInput {
        grid_id: grid,
        person_id: f.person_id.trim().parse().ok(),
        weekday: f.weekday.trim().parse().ok(),
        start: f.start.clone(),
        end: f.end.clone(),
    };
    match cases::patrol::roster::add(&s.db, &u.access, input).await {
        Ok(slot) => Ok(done(
            &format!("/patrols/roster?grid_id={}", slot.grid_id),
            &format!(
                "已为 {} 排班：{} {}–{}",
                slot.person_name, slot.weekday_label, slot.start, slot.end
            ),
        )),
        Err(Error::Invalid(v)) => {
            view(
                &s,
                &u,
                grid,
                None,
                f,
                FormErrors(v),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /patrols/roster/{id}/delete: take a slot off.
pub async fn remove(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<SlotForm>,
) -> PageResult {
    cases::patrol::roster::remove(&s.db, &u.access, id).await?;
    let to = match f.grid_id.trim().parse::<i64>() {
        Ok(g) => format!("/patrols/roster?grid_id={g}"),
        Err(_) => "/patrols/roster".into(),
    };
    Ok(done(&to, "已取消这个班次"))
}
