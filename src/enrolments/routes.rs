//! Handlers for cohorts, enrolments and progress.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::bulk::{self, BulkReport};
use super::cohorts::{self, CohortView, NewCohortRequest};
use super::enrol::{self, EnrolmentRequest};
use super::progress::{self, Outline};
use super::store::{self, EnrolmentFilter};
use super::{Enrolment, EnrolmentView};
use crate::courses::access;
use crate::courses::store as course_store;
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{ApiError, CurrentUser, JsonBody, Page, Problem, QueryParams};
use crate::state::AppState;

/// Largest bulk-enrolment CSV: 10,000 rows of generous length.
const BULK_LIMIT_BYTES: usize = 8 * 1024 * 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_cohorts)
        .service(create_cohort)
        .service(create_enrolment)
        .service(bulk_enrol)
        .service(list_course_enrolments)
        .service(my_enrolments)
        .service(withdraw)
        .service(outline)
        .service(complete_lesson);
}

/// The course's cohorts with their head counts.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), responses(
    (status = 200, body = Vec<CohortView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/courses/{id}/cohorts")]
async fn list_cohorts(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<CohortView>>, ApiError> {
    let mut conn = state.pool.get().await?;
    access::editable_course(&mut conn, &user, *id).await?;
    Ok(web::Json(cohorts::list(&mut conn, *id).await?))
}

/// Add a cohort (dates, enrolment closing day, capacity).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), request_body = NewCohortRequest, responses(
    (status = 201, body = CohortView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/cohorts")]
async fn create_cohort(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<NewCohortRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    access::editable_course(&mut conn, &user, *id).await?;
    let cohort = cohorts::create(&mut conn, *id, &body).await?;
    let view = cohorts::list(&mut conn, *id)
        .await?
        .into_iter()
        .find(|c| c.id == cohort.id)
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// Someone else to enrol (instructors and admins); omitted: yourself.
    pub user_id: Option<Uuid>,
    pub cohort_id: Option<Uuid>,
    /// Defaults to the cohort's end date.
    pub due_on: Option<NaiveDate>,
}

/// Enrol yourself in an open, published course (verified email needed), or, as the course's
/// instructor, enrol someone. A full cohort puts newcomers on its waitlist (`status` is
/// `waitlisted`); a second current enrolment is 409.
///
/// Who: any signed-in user for themselves; the course's instructors and admins for others.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), request_body = EnrolRequest, responses(
    (status = 201, body = EnrolmentView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/enrolments")]
async fn create_enrolment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<EnrolRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let course = access::readable_course(&mut conn, &user, *id).await?;
    let for_someone_else = body.user_id.is_some_and(|u| u != user.id());
    let learner = if for_someone_else {
        access::editable_course(&mut conn, &user, *id).await?;
        let target = body.user_id.unwrap_or_default();
        let learner = crate::users::store::find(&mut conn, target).await?.filter(|u| u.is_active());
        learner.ok_or_else(|| ApiError::validation("user_id", "is not an active user"))?
    } else {
        if !course.self_enrolment && !access::may_edit(&mut conn, &user, *id).await? {
            return Err(ApiError::Forbidden("this course is by invitation only".into()));
        }
        if user.0.email_verified_at.is_none() {
            return Err(ApiError::Forbidden("confirm your email address before enrolling".into()));
        }
        user.0.clone()
    };
    let public_url = &state.config.public_url;
    let request = EnrolmentRequest {
        course: &course,
        user: &learner,
        cohort_id: body.cohort_id,
        due_on: body.due_on,
        enrolled_by: Some(user.id()),
    };
    let enrolment = conn.transaction(async |tx| enrol::enrol(tx, public_url, request).await).await?;
    Ok(HttpResponse::Created().json(EnrolmentView::from(&enrolment)))
}

/// Enrol many people from CSV (`text/csv`, UTF-8, header `email,full_name,organisation,cohort`):
/// existing accounts are enrolled, unknown addresses invited; every row gets its own result
/// and a bad row never stops the others. Up to 10,000 rows.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), request_body(content = String, content_type = "text/csv"), responses(
    (status = 200, body = BulkReport), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/enrolments/bulk")]
async fn bulk_enrol(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: CurrentUser,
    id: web::Path<Uuid>,
    mut payload: web::Payload,
) -> Result<web::Json<BulkReport>, ApiError> {
    let is_csv = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !is_csv {
        return Err(ApiError::UnsupportedMediaType("send the rows as text/csv".into()));
    }
    let mut conn = state.pool.get().await?;
    let course = access::editable_course(&mut conn, &user, *id).await?;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest {
            detail: format!("could not read the body: {e}"),
            errors: vec![],
        })?;
        if body.len() + chunk.len() > BULK_LIMIT_BYTES {
            return Err(ApiError::PayloadTooLarge { limit: BULK_LIMIT_BYTES });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(web::Json(bulk::enrol_csv(&mut conn, &state.config.public_url, &user, &course, &body).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnrolmentListQuery {
    pub cohort_id: Option<Uuid>,
    /// `active`, `waitlisted`, `completed` or `withdrawn`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// An enrolment with the trainee's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentProgress {
    #[serde(flatten)]
    pub enrolment: EnrolmentView,
    pub percent_complete: u8,
    pub overdue: bool,
}

/// The course's enrolments with progress, oldest first; filter by cohort and status.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), params(EnrolmentListQuery), responses(
    (status = 200, body = Page<EnrolmentProgress>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/courses/{id}/enrolments")]
async fn list_course_enrolments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    QueryParams(query): QueryParams<EnrolmentListQuery>,
) -> Result<web::Json<Page<EnrolmentProgress>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    access::editable_course(&mut conn, &user, *id).await?;
    let filter = EnrolmentFilter { cohort_id: query.cohort_id, status: query.status };
    let rows = store::list_for_course(&mut conn, *id, &filter, &page).await?;
    let with_progress = with_progress(&mut conn, rows).await?;
    Ok(web::Json(page.page(with_progress, |p| Cursor { created_at: p.1, id: p.0.enrolment.id }, |p| p.0)))
}

/// Progress of many enrolments: one structure per course, one completions query and one
/// attempts query in all.
async fn with_progress(
    conn: &mut diesel_async::AsyncPgConnection,
    rows: Vec<Enrolment>,
) -> Result<Vec<(EnrolmentProgress, chrono::DateTime<Utc>)>, ApiError> {
    let percents = progress::percents(conn, &rows).await?;
    let today = Utc::now().date_naive();
    Ok(rows
        .into_iter()
        .map(|e| {
            let progress = EnrolmentProgress {
                enrolment: EnrolmentView::from(&e),
                percent_complete: percents.get(&e.id).copied().unwrap_or(0),
                overdue: progress::is_overdue(&e, today),
            };
            (progress, e.created_at)
        })
        .collect())
}

/// Your enrolments, newest first, with progress.
///
/// Who: any signed-in user (their own).
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), responses((status = 200, body = Vec<EnrolmentProgress>), (status = 401, body = Problem)))]
#[get("/me/enrolments")]
async fn my_enrolments(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<EnrolmentProgress>>, ApiError> {
    let mut conn = state.pool.get().await?;
    let rows = store::list_for_user(&mut conn, user.id()).await?;
    Ok(web::Json(with_progress(&mut conn, rows).await?.into_iter().map(|p| p.0).collect()))
}

/// Withdraw an enrolment (it stays in the history); a freed cohort seat goes to the first on
/// the waitlist.
///
/// Who: the trainee, the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), responses(
    (status = 200, body = EnrolmentView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/enrolments/{id}")]
async fn withdraw(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<EnrolmentView>, ApiError> {
    let mut conn = state.pool.get().await?;
    let enrolment = progress::visible_enrolment(&mut conn, &user, *id).await?;
    let course =
        course_store::find_course(&mut conn, enrolment.course_id).await?.ok_or_else(ApiError::not_found)?;
    let public_url = &state.config.public_url;
    let withdrawn =
        conn.transaction(async |tx| enrol::withdraw(tx, public_url, user.id(), *id, &course).await).await?;
    Ok(web::Json(EnrolmentView::from(&withdrawn)))
}

/// The course tree with each module, lesson and quiz `locked`, `available` or `completed`,
/// percent complete, due date and overdue flag.
///
/// Who: the trainee, the course's instructors, admins.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), responses(
    (status = 200, body = Outline), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/enrolments/{id}/outline")]
async fn outline(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Outline>, ApiError> {
    let mut conn = state.pool.get().await?;
    let enrolment = progress::visible_enrolment(&mut conn, &user, *id).await?;
    let (structure, course_state, record) = progress::evaluate_with_record(&mut conn, &enrolment).await?;
    Ok(web::Json(progress::outline(&enrolment, &structure, &course_state, &record)))
}

/// Mark a lesson complete (idempotent); returns the updated outline. A lesson of a locked
/// module is refused with 409. Completing the last item completes the enrolment.
///
/// Who: a trainee enrolled in the lesson's course.
#[utoipa::path(tag = "enrolments", security(("bearer" = [])), responses(
    (status = 200, body = Outline), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/lessons/{id}/complete")]
async fn complete_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Outline>, ApiError> {
    Ok(web::Json(progress::complete_lesson(&state, &user, *id).await?))
}
