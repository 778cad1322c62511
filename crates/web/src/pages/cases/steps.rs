//! The steps of a case sent from its page: each form posts to `/cases/{id}/{step}`
//! (multipart when it may carry a photo); done, the case page with a toast; refused, the
//! case page again with the message beside the field (422) or at the top (403, 409).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use cases::flow::{Dispatch, Handling, Merge, Rating, Reason, Verdict};
use cases::model::State as CaseState;
use cases::requests::{Decision, NewRequest};
use cases::watch::NewWatch;
use kernel::Error;
use kernel::time::datetime_cn;
use org::Access;

use super::super::{FormErrors, PageResult, done};
use super::detail::{Sent, StepForm, case_view};
use super::report::{message_of, photo_problem};
use crate::AppState;
use crate::extract::{MultipartForm, PageUser};

fn count(s: &str) -> usize {
    s.trim().chars().count()
}

/// Whether the text of a step that may carry a photo would pass, so that the photo is
/// kept only with a step that goes through (the service says why otherwise).
fn text_ok(step: &str, f: &StepForm) -> bool {
    match step {
        "handle" => (2..=500).contains(&count(&f.note)),
        "verify" => match f.result.trim() {
            "pass" => count(&f.note) <= 200,
            "fail" => (2..=200).contains(&count(&f.note)),
            _ => false,
        },
        _ => false,
    }
}

fn id_in(v: &str) -> Option<i64> {
    v.trim().trim_start_matches('#').trim().parse().ok()
}

async fn name_of(s: &AppState, a: &Access, id: Option<i64>) -> String {
    match id {
        Some(p) => org::pool::names(&s.db, a.city_id(), &[p])
            .await
            .ok()
            .and_then(|mut n| n.remove(&p))
            .unwrap_or_default(),
        None => String::new(),
    }
}

/// What a step does, and the toast that says it was done.
async fn run_step(
    s: &AppState,
    u: &PageUser,
    id: i64,
    step: &str,
    f: &StepForm,
    photo: Option<&crate::extract::Upload>,
) -> Result<String, Error> {
    use cases::{flow, requests, watch};
    let (db, a) = (&s.db, &u.access);
    let reason = || Reason {
        reason: f.reason.clone(),
    };
    let note = || Some(f.note.clone()).filter(|n| !n.trim().is_empty());
    Ok(match step {
        "register" => {
            let c = flow::register(db, a, id).await?;
            if c.missed_by_grid {
                "已立案：网格未上报这个问题，已记为网格漏报".into()
            } else {
                "已立案，请派遣处置人".into()
            }
        }
        "void" => {
            flow::void(db, a, id, reason()).await?;
            "已作废，已告知上报人原因".into()
        }
        "merge" => {
            let into = id_in(&f.into_case_other).or_else(|| id_in(&f.into_case_id));
            let Some(into_case_id) = into else {
                return Err(Error::field("into_case_id", "请选择或填写要并入的案卷编号"));
            };
            flow::merge(db, a, id, Merge { into_case_id }).await?;
            format!("已合并到案卷 {into_case_id}")
        }
        "dispatch" => {
            let c = flow::dispatch(
                db,
                a,
                id,
                Dispatch {
                    handler_person_id: id_in(&f.handler_person_id),
                    department: Some(f.department.clone()).filter(|d| !d.trim().is_empty()),
                    note: note(),
                },
            )
            .await?;
            format!(
                "已派遣给 {}，请在 {} 前处置",
                name_of(s, a, c.handler_person_id).await,
                c.deadline_at.map(datetime_cn).unwrap_or_default()
            )
        }
        "handle" => {
            if let Some(p) = photo {
                cases::photo::add(db, a, &s.config.media, id, &p.bytes).await?;
            }
            flow::handle(
                db,
                a,
                id,
                Handling {
                    note: f.note.clone(),
                },
            )
            .await?;
            "已提交处置结果，等待核查".into()
        }
        "verify" => {
            if let Some(p) = photo {
                cases::photo::add(db, a, &s.config.media, id, &p.bytes).await?;
            }
            let c = flow::verify(
                db,
                a,
                id,
                Verdict {
                    result: f.result.clone(),
                    note: note(),
                },
            )
            .await?;
            if c.state == CaseState::Closed {
                "核查通过，已结案".into()
            } else {
                "核查不通过，已退回处置人返工".into()
            }
        }
        "ask" => {
            let days = if f.kind.trim() == "extend" {
                match f.days.trim().parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        return Err(Error::field("days", "请填写要延长几个工作日（整数）"));
                    }
                }
            } else {
                None
            };
            let r = requests::ask(
                db,
                a,
                id,
                NewRequest {
                    kind: f.kind.clone(),
                    reason: f.reason.clone(),
                    days,
                },
            )
            .await?;
            format!("已提交{}申请，等待社区审批", r.kind_label)
        }
        "decide" => {
            let Some(rid) = id_in(&f.request_id) else {
                return Err(Error::field("decision", "找不到要审批的申请"));
            };
            let (r, _) = requests::decide(
                db,
                a,
                rid,
                Decision {
                    decision: f.decision.clone(),
                    note: note(),
                },
            )
            .await?;
            if r.state == "approved" {
                format!("已批准{}申请", r.kind_label)
            } else {
                format!("未批准{}申请，已告知处置人", r.kind_label)
            }
        }
        "resume" => {
            let c = requests::resume(db, a, id).await?;
            match c.deadline_at {
                Some(d) => format!("已恢复处置，时限重新计算至 {}", datetime_cn(d)),
                None => "已恢复处置".into(),
            }
        }
        "escalate" => {
            let c = flow::escalate(db, a, id, reason()).await?;
            let v = cases::view::get(db, a, c.id).await?;
            format!("已上报至{}", v.level_name)
        }
        "watch" => {
            let w = watch::assign(
                db,
                a,
                id,
                NewWatch {
                    watcher_person_id: id_in(&f.watcher_person_id),
                    days: f.days.trim().parse().ok(),
                },
            )
            .await?;
            format!("已安排 {} 盯守复查 {} 天", w.watcher_name, w.days)
        }
        "rate" => {
            flow::rate(
                db,
                a,
                id,
                Rating {
                    satisfaction: f.satisfaction.clone(),
                    note: note(),
                },
            )
            .await?;
            "谢谢您的评价".into()
        }
        "photo" => {
            let Some(p) = photo else {
                return Err(Error::field("photo", "请选择一张照片"));
            };
            cases::photo::add(db, a, &s.config.media, id, &p.bytes).await?;
            "已添加照片".into()
        }
        _ => return Err(Error::NotFound),
    })
}

/// POST /cases/{id}/{step}: one step of the case (multipart when it may carry a photo).
pub async fn step(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, step)): Path<(i64, String)>,
    mp: MultipartForm<StepForm>,
) -> PageResult {
    let photo = mp.file("photo").cloned();
    let f = mp.form;
    let result = match photo.as_ref().and_then(photo_problem) {
        Some(e) => Err(Error::Invalid(vec![e])),
        None => {
            // A photo goes with a step only when the step is open and its text would pass.
            let keep = match (&photo, step.as_str()) {
                (Some(_), "handle" | "verify") => {
                    let v = cases::view::get(&s.db, &u.access, id).await?;
                    v.can.contains(&step) && text_ok(&step, &f)
                }
                (Some(_), "photo") => true,
                _ => false,
            };
            run_step(&s, &u, id, &step, &f, photo.as_ref().filter(|_| keep)).await
        }
    };
    let sent = match result {
        Ok(toast) => return Ok(done(&format!("/cases/{id}"), &toast)),
        Err(Error::Invalid(v)) => Sent {
            step,
            form: f,
            errors: FormErrors(v),
            alert: None,
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        },
        Err(e @ (Error::Forbidden(_) | Error::Conflict { .. })) => Sent {
            status: Some(if matches!(e, Error::Forbidden(_)) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::CONFLICT
            }),
            alert: Some(message_of(&e)),
            step,
            form: f,
            errors: FormErrors::default(),
        },
        Err(e) => return Err(e.into()),
    };
    case_view(&s, &u, id, None, &[], sent).await
}
