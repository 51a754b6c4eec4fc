//! Handlers for attempts, the gradebook, statistics and extra attempts.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::attempts::{self, load_quiz};
use super::gradebook::{self, GradebookRow, QuestionStatistic};
use super::grading::Answer;
use super::views::{AttemptView, QuestionForTrainee, attempt_view};
use super::{Attempt, policy, store};
use crate::courses::access;
use crate::db::schema::quiz_attempt_grants;
use crate::http::pagination::PageRequest;
use crate::http::{ApiError, CurrentUser, FieldError, JsonBody, Page, Problem, QueryParams};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start_attempt)
        .service(save_answers)
        .service(submit_attempt)
        .service(get_attempt)
        .service(list_attempts)
        .service(question_statistics)
        .service(grant_attempts);
}

/// A newly started attempt: the drawn questions, without any correctness data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptStarted {
    pub id: Uuid,
    pub quiz_id: Uuid,
    pub number: i32,
    pub started_at: DateTime<Utc>,
    /// Answers saved after this are refused; `null`: no time limit.
    pub deadline_at: Option<DateTime<Utc>>,
    pub questions: Vec<QuestionForTrainee>,
}

/// Start an attempt: the questions are drawn (and shuffled, if the quiz says so) and frozen
/// for this attempt. 409 while another attempt is open, when attempts are used up, or when
/// the module is locked.
///
/// Who: a trainee enrolled in the quiz's course.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), responses(
    (status = 201, body = AttemptStarted), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/quizzes/{id}/attempts")]
async fn start_attempt(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (attempt, questions) = attempts::start(&state, &user, *id).await?;
    Ok(HttpResponse::Created().json(AttemptStarted {
        id: attempt.id,
        quiz_id: attempt.quiz_id,
        number: attempt.number,
        started_at: attempt.started_at,
        deadline_at: attempt.deadline_at,
        questions: questions.iter().map(QuestionForTrainee::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAnswers {
    pub answers: Vec<Answer>,
}

/// Save answers so far (each replaces an earlier answer to the same question) until the
/// attempt is submitted or its deadline passes (then 409, and the attempt is graded on what
/// was saved in time).
///
/// Who: the attempt's trainee.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), request_body = SaveAnswers, responses(
    (status = 200, body = AttemptView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/attempts/{id}/answers")]
async fn save_answers(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<SaveAnswers>,
) -> Result<web::Json<AttemptView>, ApiError> {
    let (attempt, questions) = attempts::save_answers(&state, &user, *id, body.answers).await?;
    Ok(web::Json(attempt_view(&attempt, &questions, false)))
}

/// Submit: graded on the server, once. Repeating it returns the same result; past the
/// deadline the saved answers are graded. `review` appears when the quiz's policy allows.
///
/// Who: the attempt's trainee.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), responses(
    (status = 200, body = AttemptView), (status = 404, body = Problem)))]
#[post("/attempts/{id}/submit")]
async fn submit_attempt(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttemptView>, ApiError> {
    let attempt = attempts::submit(&state, &user, *id).await?;
    Ok(web::Json(view_for(&state, &user, attempt).await?))
}

/// An attempt: while open its questions and saved answers; once graded its score, with the
/// review when the quiz's policy allows (always for the course's instructors).
///
/// Who: the attempt's trainee, the course's instructors, admins.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), responses(
    (status = 200, body = AttemptView), (status = 404, body = Problem)))]
#[get("/attempts/{id}")]
async fn get_attempt(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<AttemptView>, ApiError> {
    let mut attempt = {
        let mut conn = state.pool.get().await?;
        store::find(&mut conn, *id, false).await?.ok_or_else(ApiError::not_found)?
    };
    if attempt.user_id == user.id() && attempt.is_open() && attempt.past_deadline(Utc::now()) {
        // Touched after its deadline: grade it now rather than show a stale open attempt.
        attempt = attempts::submit(&state, &user, *id).await?;
    }
    Ok(web::Json(view_for(&state, &user, attempt).await?))
}

/// Builds the view of `attempt` for `user`, deciding the review by the quiz's policy.
async fn view_for(state: &AppState, user: &CurrentUser, attempt: Attempt) -> Result<AttemptView, ApiError> {
    let mut conn = state.pool.get().await?;
    let (quiz, course_id) = load_quiz(&mut conn, attempt.quiz_id).await?;
    let editor = access::may_edit(&mut conn, user, course_id).await?;
    if attempt.user_id != user.id() && !editor {
        return Err(ApiError::not_found());
    }
    let with_review = editor || {
        let records = store::records(&mut conn, attempt.enrolment_id).await?;
        let record = records.get(&quiz.id).cloned().unwrap_or_default();
        let allowed = store::attempts_allowed(&mut conn, attempt.enrolment_id, &quiz).await?;
        policy::review_allowed(&quiz.review_policy, !attempt.is_open(), record.passed, record.used, allowed)
    };
    let questions = store::frozen_questions(&mut conn, attempt.id).await?;
    Ok(attempt_view(&attempt, &questions, with_review))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GradebookQuery {
    pub cohort_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Every attempt at the quiz with scores, oldest first, filterable by cohort. With
/// `Accept: text/csv`, all of them as CSV (spreadsheet-safe).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), params(GradebookQuery), responses(
    (status = 200, body = Page<GradebookRow>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/quizzes/{id}/attempts")]
async fn list_attempts(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    id: web::Path<Uuid>,
    QueryParams(query): QueryParams<GradebookQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let (_, course_id) = load_quiz(&mut conn, *id).await?;
    access::editable_course(&mut conn, &user, course_id).await?;
    if crate::reports::csv_out::wants_csv(&req) {
        let rows = gradebook::rows(&mut conn, *id, query.cohort_id, None).await?;
        let cells = rows.iter().map(gradebook::csv_cells).collect();
        return Ok(crate::reports::csv_out::response(&gradebook::CSV_HEADER, cells, "gradebook.csv"));
    }
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let rows = gradebook::rows(&mut conn, *id, query.cohort_id, Some(&page)).await?;
    Ok(HttpResponse::Ok().json(page.page(rows, GradebookRow::cursor, |r| r)))
}

/// Per question: how many graded attempts drew it and the share answered correctly.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), responses(
    (status = 200, body = Vec<QuestionStatistic>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/quizzes/{id}/statistics")]
async fn question_statistics(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<QuestionStatistic>>, ApiError> {
    let mut conn = state.pool.get().await?;
    let (_, course_id) = load_quiz(&mut conn, *id).await?;
    access::editable_course(&mut conn, &user, course_id).await?;
    Ok(web::Json(gradebook::statistics(&mut conn, *id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Extra attempts, 1–100.
    pub extra: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub enrolment_id: Uuid,
    pub quiz_id: Uuid,
    /// All extra attempts granted so far.
    pub total_extra: i64,
}

/// Grant one trainee extra attempts at a quiz (for instance after they used them all).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "attempts", security(("bearer" = [])), request_body = GrantRequest, responses(
    (status = 201, body = GrantView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/enrolments/{id}/quizzes/{quiz_id}/extra-attempts")]
async fn grant_attempts(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
    JsonBody(body): JsonBody<GrantRequest>,
) -> Result<HttpResponse, ApiError> {
    let (enrolment_id, quiz_id) = path.into_inner();
    if !(1..=100).contains(&body.extra) {
        return Err(ApiError::Validation(vec![FieldError::new("extra", "must be between 1 and 100")]));
    }
    let mut conn = state.pool.get().await?;
    let enrolment =
        crate::enrolments::store::find(&mut conn, enrolment_id).await?.ok_or_else(ApiError::not_found)?;
    let (_, course_id) = load_quiz(&mut conn, quiz_id).await?;
    if course_id != enrolment.course_id {
        return Err(ApiError::not_found());
    }
    access::editable_course(&mut conn, &user, course_id).await?;
    diesel::insert_into(quiz_attempt_grants::table)
        .values((
            quiz_attempt_grants::enrolment_id.eq(enrolment_id),
            quiz_attempt_grants::quiz_id.eq(quiz_id),
            quiz_attempt_grants::extra.eq(body.extra),
            quiz_attempt_grants::granted_by.eq(user.id()),
        ))
        .execute(&mut conn)
        .await?;
    tracing::info!(%enrolment_id, %quiz_id, extra = body.extra, by = %user.id(), "extra attempts granted");
    let total_extra = store::granted_extra(&mut conn, enrolment_id, quiz_id).await?;
    Ok(HttpResponse::Created().json(GrantView { enrolment_id, quiz_id, total_extra }))
}
