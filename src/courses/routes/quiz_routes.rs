//! Quizzes and questions.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::tree;
use crate::courses::access::{self, Item};
use crate::courses::authoring::quizzes::{
    self as authoring, NewQuestionRequest, NewQuizRequest, UpdateQuestionRequest, UpdateQuizRequest,
};
use crate::courses::views::{
    AttemptSummary, QuestionForEditors, QuizForEditors, QuizForTrainee, QuizView, question_for_editors,
    quiz_for_editors, quiz_settings,
};
use crate::http::{ApiError, CurrentUser, JsonBody, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_quiz)
        .service(get_quiz)
        .service(update_quiz)
        .service(delete_quiz)
        .service(create_question)
        .service(get_question)
        .service(update_question)
        .service(delete_question);
}

async fn quiz_view(
    conn: &mut diesel_async::AsyncPgConnection,
    quiz_id: Uuid,
) -> Result<QuizForEditors, ApiError> {
    let course_id = access::course_of(conn, Item::Quiz(quiz_id)).await?;
    let tree = tree(conn, course_id).await?;
    let quiz = tree.quizzes.iter().find(|q| q.id == quiz_id).ok_or_else(ApiError::not_found)?;
    Ok(quiz_for_editors(&tree, quiz))
}

async fn question_view(
    conn: &mut diesel_async::AsyncPgConnection,
    question_id: Uuid,
) -> Result<QuestionForEditors, ApiError> {
    let course_id = access::course_of(conn, Item::Question(question_id)).await?;
    let tree = tree(conn, course_id).await?;
    let question = tree.questions.iter().find(|q| q.id == question_id).ok_or_else(ApiError::not_found)?;
    Ok(question_for_editors(&tree, question))
}

/// Attach the module's quiz (one per module; a second is 409).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), request_body = NewQuizRequest, responses(
    (status = 201, body = QuizForEditors), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/modules/{id}/quizzes")]
async fn create_quiz(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<NewQuizRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let quiz = authoring::create_quiz(&mut conn, &user, *id, &body).await?;
    Ok(HttpResponse::Created().json(quiz_view(&mut conn, quiz.id).await?))
}

/// A quiz. The course's instructors get everything, correct answers included; an enrolled
/// trainee gets its settings and their own attempts, never the questions.
///
/// Who: the course's instructors and admins; trainees enrolled in the course (403 otherwise).
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), responses(
    (status = 200, body = QuizView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/quizzes/{id}")]
async fn get_quiz(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<QuizView>, ApiError> {
    let mut conn = state.pool.get().await?;
    let course_id = access::course_of(&mut conn, Item::Quiz(*id)).await?;
    access::readable_course(&mut conn, &user, course_id).await?;
    if access::may_edit(&mut conn, &user, course_id).await? {
        return Ok(web::Json(QuizView::Editors(quiz_view(&mut conn, *id).await?)));
    }
    let enrolment =
        crate::enrolments::progress::studying_enrolment(&mut conn, &user, course_id, false).await?;
    Ok(web::Json(QuizView::Trainee(trainee_view(&mut conn, course_id, *id, enrolment.id).await?)))
}

async fn trainee_view(
    conn: &mut diesel_async::AsyncPgConnection,
    course_id: Uuid,
    quiz_id: Uuid,
    enrolment_id: Uuid,
) -> Result<QuizForTrainee, ApiError> {
    let tree = tree(conn, course_id).await?;
    let quiz = tree.quizzes.iter().find(|q| q.id == quiz_id).ok_or_else(ApiError::not_found)?;
    let attempts = crate::quizzes::store::attempts_of(conn, enrolment_id, quiz_id).await?;
    let records = crate::quizzes::store::records(conn, enrolment_id).await?;
    let granted = crate::quizzes::store::granted_extra(conn, enrolment_id, quiz_id).await?;
    let attempts_allowed = crate::quizzes::policy::attempts_allowed(quiz.max_attempts, granted);
    Ok(QuizForTrainee {
        settings: quiz_settings(&tree, quiz),
        attempts_allowed,
        attempts_used: attempts.len(),
        passed: records.get(&quiz_id).is_some_and(|r| r.passed),
        attempts: attempts
            .into_iter()
            .map(|a| AttemptSummary {
                id: a.id,
                number: a.number,
                status: a.status,
                started_at: a.started_at,
                submitted_at: a.submitted_at,
                score_percent: a.score_percent,
                passed: a.passed,
            })
            .collect(),
    })
}

/// Change a quiz's settings.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), request_body = UpdateQuizRequest, responses(
    (status = 200, body = QuizForEditors), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/quizzes/{id}")]
async fn update_quiz(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateQuizRequest>,
) -> Result<web::Json<QuizForEditors>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::update_quiz(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(quiz_view(&mut conn, *id).await?))
}

/// Delete a quiz; refused (409) once trainees have attempts.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/quizzes/{id}")]
async fn delete_quiz(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::delete_quiz(&mut conn, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a question: `single_choice`, `multiple_choice`, `true_false` (two options),
/// `short_text` (accepted answers) or `numeric` (answer and tolerance).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), request_body = NewQuestionRequest, responses(
    (status = 201, body = QuestionForEditors), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/quizzes/{id}/questions")]
async fn create_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<NewQuestionRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let question = authoring::create_question(&mut conn, &user, *id, &body).await?;
    Ok(HttpResponse::Created().json(question_view(&mut conn, question.id).await?))
}

/// A question with its options and correct answers.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), responses(
    (status = 200, body = QuestionForEditors), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/questions/{id}")]
async fn get_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<QuestionForEditors>, ApiError> {
    let mut conn = state.pool.get().await?;
    let course_id = access::course_of(&mut conn, Item::Question(*id)).await?;
    access::editable_course(&mut conn, &user, course_id).await?;
    Ok(web::Json(question_view(&mut conn, *id).await?))
}

/// Change a question (its kind stays); `options`, when given, replaces them all.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), request_body = UpdateQuestionRequest, responses(
    (status = 200, body = QuestionForEditors), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/questions/{id}")]
async fn update_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateQuestionRequest>,
) -> Result<web::Json<QuestionForEditors>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::update_question(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(question_view(&mut conn, *id).await?))
}

/// Delete a question; refused (409) once trainees have answered it.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "quizzes", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/questions/{id}")]
async fn delete_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::delete_question(&mut conn, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
