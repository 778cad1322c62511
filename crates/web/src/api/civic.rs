//! Consultation and public opinion (民主议事、民意箱、民意测验、平台意见): proposals with
//! their stages and funding-type consents, the station–village forum, the opinion box and
//! its ledger, the platform feedback channel, polls with an SVG chart.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use civic::forum::{Forum, NewForum};
use civic::opinion::{
    AnswerInput, Conversion, Handling, LedgerQuery, NewOpinion, OpinionBox, OpinionLine, Receipt,
};
use civic::poll::{Ballot, NewPoll, Poll};
use civic::proposal::{
    Amendment, ConsentInput, DecisionInput, LinkInput, NewComment, NewProposal, Proposal,
    ProposalView, StageMove,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiUser};

type P = crate::error::Problem;

/// Which community's proposals.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitQuery {
    /// The community or joint community.
    pub unit_id: Option<i64>,
}

/// Proposals of my communities (residents included: the history is public).
#[utoipa::path(get, path = "/civic/proposals", tag = "civic", params(UnitQuery),
    responses((status = 200, body = Vec<Proposal>)))]
pub async fn proposals(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Vec<Proposal>>> {
    Ok(Json(
        civic::proposal::list(&s.db, &u.access, q.unit_id).await?,
    ))
}

/// Draft a proposal (酝酿提案), naming who pays.
#[utoipa::path(post, path = "/civic/proposals", tag = "civic", request_body = NewProposal,
    responses((status = 201, body = Proposal), (status = 403, body = P), (status = 422, body = P)))]
pub async fn create_proposal(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(input): ApiJson<NewProposal>,
) -> ApiResult<(StatusCode, Json<Proposal>)> {
    let p = civic::proposal::create(&s.db, &u.access, input).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// A proposal with its parties, its whole history and what adoption still needs.
#[utoipa::path(get, path = "/civic/proposals/{id}", tag = "civic", params(("id" = i64, Path)),
    responses((status = 200, body = ProposalView), (status = 404, body = P)))]
pub async fn proposal(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(civic::proposal::view(&s.db, &u.access, id).await?))
}

/// Move a proposal on (to deliberation, execution, feedback, closed).
#[utoipa::path(post, path = "/civic/proposals/{id}/stage", tag = "civic", params(("id" = i64, Path)),
    request_body = StageMove,
    responses((status = 200, body = Proposal), (status = 403, body = P), (status = 404, body = P),
              (status = 409, body = P), (status = 422, body = P)))]
pub async fn move_stage(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(m): ApiJson<StageMove>,
) -> ApiResult<Json<Proposal>> {
    Ok(Json(
        civic::proposal::advance(&s.db, &u.access, id, m).await?,
    ))
}

/// Comment during deliberation, or give feedback (with a 1–5 rating) during feedback.
#[utoipa::path(post, path = "/civic/proposals/{id}/comments", tag = "civic", params(("id" = i64, Path)),
    request_body = NewComment,
    responses((status = 200, body = Proposal), (status = 404, body = P), (status = 409, body = P),
              (status = 422, body = P)))]
pub async fn comment(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<NewComment>,
) -> ApiResult<Json<Proposal>> {
    Ok(Json(
        civic::proposal::comment(&s.db, &u.access, id, c).await?,
    ))
}

/// Amend the text (a new version; earlier ones stay in the history).
#[utoipa::path(post, path = "/civic/proposals/{id}/amendments", tag = "civic", params(("id" = i64, Path)),
    request_body = Amendment,
    responses((status = 200, body = Proposal), (status = 403, body = P), (status = 404, body = P),
              (status = 409, body = P), (status = 422, body = P)))]
pub async fn amend(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<Amendment>,
) -> ApiResult<Json<Proposal>> {
    Ok(Json(civic::proposal::amend(&s.db, &u.access, id, a).await?))
}

/// Record a funding party's consent or refusal (a village's by that village's cadre, with
/// the assembly's date and the vote).
#[utoipa::path(post, path = "/civic/proposals/{id}/consents", tag = "civic", params(("id" = i64, Path)),
    request_body = ConsentInput,
    responses((status = 200, body = ProposalView), (status = 403, body = P), (status = 404, body = P),
              (status = 409, body = P), (status = 422, body = P)))]
pub async fn consent(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<ConsentInput>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        civic::proposal::record_consent(&s.db, &u.access, id, c).await?,
    ))
}

/// Record the decision; refused (409 `consent_missing`, naming each missing consent) when
/// the funding gives the decision to parties that have not consented.
#[utoipa::path(post, path = "/civic/proposals/{id}/decision", tag = "civic", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = ProposalView), (status = 403, body = P), (status = 404, body = P),
              (status = 409, body = P), (status = 422, body = P)))]
pub async fn decide(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(d): ApiJson<DecisionInput>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        civic::proposal::decide(&s.db, &u.access, id, d).await?,
    ))
}

/// Link an order, activity or case that executes an adopted proposal.
#[utoipa::path(post, path = "/civic/proposals/{id}/links", tag = "civic", params(("id" = i64, Path)),
    request_body = LinkInput,
    responses((status = 200, body = ProposalView), (status = 403, body = P), (status = 404, body = P),
              (status = 409, body = P), (status = 422, body = P)))]
pub async fn link(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(l): ApiJson<LinkInput>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(civic::proposal::link(&s.db, &u.access, id, l).await?))
}

/// Station–village deliberations (站—村协商) of my joint communities.
#[utoipa::path(get, path = "/civic/forums", tag = "civic", responses((status = 200, body = Vec<Forum>)))]
pub async fn forums(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Forum>>> {
    Ok(Json(civic::forum::list(&s.db, &u.access).await?))
}

/// Record a deliberation: agenda, date, attendance, minutes, outcomes (consultative only).
#[utoipa::path(post, path = "/civic/forums", tag = "civic", request_body = NewForum,
    responses((status = 201, body = Forum), (status = 403, body = P), (status = 422, body = P)))]
pub async fn create_forum(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(f): ApiJson<NewForum>,
) -> ApiResult<(StatusCode, Json<Forum>)> {
    Ok((
        StatusCode::CREATED,
        Json(civic::forum::create(&s.db, &u.access, f).await?),
    ))
}

/// One deliberation.
#[utoipa::path(get, path = "/civic/forums/{id}", tag = "civic", params(("id" = i64, Path)),
    responses((status = 200, body = Forum), (status = 404, body = P)))]
pub async fn forum(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Forum>> {
    Ok(Json(civic::forum::get(&s.db, &u.access, id).await?))
}

/// Drop a suggestion, complaint or praise in my community's 民意箱 (optionally anonymous:
/// then no sender is kept anywhere). The receipt code is shown this once.
#[utoipa::path(post, path = "/civic/opinions", tag = "civic", request_body = NewOpinion,
    responses((status = 201, body = Receipt), (status = 422, body = P)))]
pub async fn submit_opinion(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(o): ApiJson<NewOpinion>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let r = civic::opinion::submit(&s.db, &u.access, OpinionBox::Community, o).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The 民情台账 of my communities (cadres and admins), with filters.
#[utoipa::path(get, path = "/civic/opinions", tag = "civic", params(LedgerQuery),
    responses((status = 200, body = Vec<OpinionLine>), (status = 403, body = P)))]
pub async fn ledger(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<OpinionLine>>> {
    Ok(Json(
        civic::opinion::ledger(&s.db, &u.access, OpinionBox::Community, &q).await?,
    ))
}

/// My named items (both boxes); anonymous ones are followed by receipt code.
#[utoipa::path(get, path = "/civic/opinions/mine", tag = "civic",
    responses((status = 200, body = Vec<OpinionLine>)))]
pub async fn my_opinions(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<OpinionLine>>> {
    Ok(Json(civic::opinion::mine(&s.db, &u.access).await?))
}

/// Follow an item by its receipt code (the sender is never shown).
#[utoipa::path(get, path = "/civic/opinions/receipt/{code}", tag = "civic", params(("code" = String, Path)),
    responses((status = 200, body = OpinionLine), (status = 404, body = P)))]
pub async fn follow(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<OpinionLine>> {
    Ok(Json(civic::opinion::follow(&s.db, &u.access, &code).await?))
}

/// One item (its handlers, or its named sender).
#[utoipa::path(get, path = "/civic/opinions/{id}", tag = "civic", params(("id" = i64, Path)),
    responses((status = 200, body = OpinionLine), (status = 404, body = P)))]
pub async fn opinion(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OpinionLine>> {
    Ok(Json(civic::opinion::get(&s.db, &u.access, id).await?))
}

/// Assign an item to someone (处理中).
#[utoipa::path(post, path = "/civic/opinions/{id}/handling", tag = "civic", params(("id" = i64, Path)),
    request_body = Handling,
    responses((status = 200, body = OpinionLine), (status = 404, body = P), (status = 409, body = P),
              (status = 422, body = P)))]
pub async fn assign(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(h): ApiJson<Handling>,
) -> ApiResult<Json<OpinionLine>> {
    Ok(Json(civic::opinion::assign(&s.db, &u.access, id, h).await?))
}

/// Answer an item (已答复), in either box.
#[utoipa::path(post, path = "/civic/opinions/{id}/answer", tag = "civic", params(("id" = i64, Path)),
    request_body = AnswerInput,
    responses((status = 200, body = OpinionLine), (status = 404, body = P), (status = 409, body = P),
              (status = 422, body = P)))]
pub async fn answer(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<AnswerInput>,
) -> ApiResult<Json<OpinionLine>> {
    Ok(Json(civic::opinion::answer(&s.db, &u.access, id, a).await?))
}

/// Turn a suggestion or complaint into a case or a proposal in one step (linked both ways).
#[utoipa::path(post, path = "/civic/opinions/{id}/convert", tag = "civic", params(("id" = i64, Path)),
    request_body = Conversion,
    responses((status = 200, body = OpinionLine), (status = 404, body = P), (status = 409, body = P),
              (status = 422, body = P)))]
pub async fn convert(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<Conversion>,
) -> ApiResult<Json<OpinionLine>> {
    Ok(Json(
        civic::opinion::convert(&s.db, &u.access, id, c).await?,
    ))
}

/// Send a complaint or suggestion about the platform itself (anyone logged in).
#[utoipa::path(post, path = "/civic/platform-feedback", tag = "civic", request_body = NewOpinion,
    responses((status = 201, body = Receipt), (status = 422, body = P)))]
pub async fn submit_platform(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(o): ApiJson<NewOpinion>,
) -> ApiResult<(StatusCode, Json<Receipt>)> {
    let r = civic::opinion::submit(&s.db, &u.access, OpinionBox::Platform, o).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The platform feedback ledger (platform administrators).
#[utoipa::path(get, path = "/civic/platform-feedback", tag = "civic", params(LedgerQuery),
    responses((status = 200, body = Vec<OpinionLine>), (status = 403, body = P)))]
pub async fn platform_ledger(
    State(s): State<AppState>,
    u: ApiUser,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<OpinionLine>>> {
    Ok(Json(
        civic::opinion::ledger(&s.db, &u.access, OpinionBox::Platform, &q).await?,
    ))
}

/// Polls of my communities.
#[utoipa::path(get, path = "/civic/polls", tag = "civic", responses((status = 200, body = Vec<Poll>)))]
pub async fn polls(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Vec<Poll>>> {
    Ok(Json(civic::poll::list(&s.db, &u.access).await?))
}

/// Create a poll (single or multiple choice, closing time, live results or not).
#[utoipa::path(post, path = "/civic/polls", tag = "civic", request_body = NewPoll,
    responses((status = 201, body = Poll), (status = 403, body = P), (status = 422, body = P)))]
pub async fn create_poll(
    State(s): State<AppState>,
    u: ApiUser,
    ApiJson(p): ApiJson<NewPoll>,
) -> ApiResult<(StatusCode, Json<Poll>)> {
    Ok((
        StatusCode::CREATED,
        Json(civic::poll::create(&s.db, &u.access, p).await?),
    ))
}

/// One poll (counts only after closing, or live).
#[utoipa::path(get, path = "/civic/polls/{id}", tag = "civic", params(("id" = i64, Path)),
    responses((status = 200, body = Poll), (status = 404, body = P)))]
pub async fn poll(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Poll>> {
    Ok(Json(civic::poll::get(&s.db, &u.access, id).await?))
}

/// Vote once before closing (409 `already_voted`, 409 `poll_closed`).
#[utoipa::path(post, path = "/civic/polls/{id}/votes", tag = "civic", params(("id" = i64, Path)),
    request_body = Ballot,
    responses((status = 200, body = Poll), (status = 404, body = P), (status = 409, body = P),
              (status = 422, body = P)))]
pub async fn vote(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Ballot>,
) -> ApiResult<Json<Poll>> {
    Ok(Json(civic::poll::vote(&s.db, &u.access, id, b).await?))
}

/// The results as an SVG bar chart (after closing, or live).
#[utoipa::path(get, path = "/civic/polls/{id}/chart.svg", tag = "civic", params(("id" = i64, Path)),
    responses((status = 200, content_type = "image/svg+xml"), (status = 404, body = P),
              (status = 409, body = P)))]
pub async fn chart(
    State(s): State<AppState>,
    u: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let svg = civic::poll::chart(&s.db, &u.access, id).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}
