//! `/api/v1/courses` and the course-level operations.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::tree;
use crate::courses::access;
use crate::courses::authoring::courses::{
    self as authoring, AddInstructorRequest, NewCourseRequest, UpdateCourseRequest,
};
use crate::courses::content::write::course_archive;
use crate::courses::model::Course;
use crate::courses::store::{self, CourseScope};
use crate::courses::views::{CourseDetail, CourseSummary};
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{ApiError, CurrentUser, JsonBody, Page, Problem, QueryParams, StaffUser};
use crate::state::AppState;
use crate::users::{Role, UserProfile};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_courses)
        .service(create_course)
        .service(get_course)
        .service(update_course)
        .service(delete_course)
        .service(publish_course)
        .service(archive_course)
        .service(export_course)
        .service(list_instructors)
        .service(add_instructor)
        .service(remove_instructor);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseListQuery {
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Courses you may see, oldest first.
///
/// Who: any signed-in user. Trainees see published courses; instructors also the courses they
/// teach (drafts and archived too); admins everything.
#[utoipa::path(tag = "courses", security(("bearer" = [])), params(CourseListQuery), responses(
    (status = 200, body = Page<CourseSummary>), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[get("/courses")]
async fn list_courses(
    state: web::Data<AppState>,
    user: CurrentUser,
    QueryParams(query): QueryParams<CourseListQuery>,
) -> Result<web::Json<Page<CourseSummary>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let scope = match user.role() {
        Role::Admin => CourseScope::All,
        Role::Instructor => CourseScope::PublishedOrTaughtBy(user.id()),
        Role::Trainee => CourseScope::Published,
    };
    let mut conn = state.pool.get().await?;
    let rows = store::list_courses(&mut conn, scope, query.status.as_deref(), &page).await?;
    Ok(web::Json(page.page(
        rows,
        |c: &Course| Cursor { created_at: c.created_at, id: c.id },
        |c| CourseSummary::from(&c),
    )))
}

/// Create a draft course; you become its first instructor.
///
/// Who: instructor, admin.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = NewCourseRequest, responses(
    (status = 201, body = CourseDetail), (status = 403, body = Problem), (status = 409, body = Problem, description = "Slug taken"),
    (status = 422, body = Problem)))]
#[post("/courses")]
async fn create_course(
    state: web::Data<AppState>,
    StaffUser(user): StaffUser,
    JsonBody(body): JsonBody<NewCourseRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let course = authoring::create(&mut conn, &user, &body).await?;
    let tree = store::load_tree(&mut conn, course).await?;
    Ok(HttpResponse::Created().json(CourseDetail::from_tree(&tree)))
}

/// A course with its modules, lessons and quizzes (titles only; no lesson bodies, no questions).
///
/// Who: any signed-in user who may see the course (drafts: its instructors and admins; others get 404).
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = CourseDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/courses/{id}")]
async fn get_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<CourseDetail>, ApiError> {
    let mut conn = state.pool.get().await?;
    let course = access::readable_course(&mut conn, &user, *id).await?;
    Ok(web::Json(CourseDetail::from_tree(&store::load_tree(&mut conn, course).await?)))
}

/// Change a course's slug, title, summary, language, certificate validity or self-enrolment.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = UpdateCourseRequest, responses(
    (status = 200, body = CourseDetail), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/courses/{id}")]
async fn update_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateCourseRequest>,
) -> Result<web::Json<CourseDetail>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::update(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(CourseDetail::from_tree(&tree(&mut conn, *id).await?)))
}

/// Delete a course that has no enrolments (otherwise 409: archive it).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/courses/{id}")]
async fn delete_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::delete(&mut conn, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publish: validates the whole course (422 listing every problem, each `field` a path such as
/// `modules[1].quiz.questions[0].options`) and bumps `revision`.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = CourseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/publish")]
async fn publish_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<CourseDetail>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::publish(&mut conn, &user, *id).await?;
    Ok(web::Json(CourseDetail::from_tree(&tree(&mut conn, *id).await?)))
}

/// Archive: the course leaves the catalogue; its records stay.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = CourseDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/courses/{id}/archive")]
async fn archive_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<CourseDetail>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::archive(&mut conn, &user, *id).await?;
    Ok(web::Json(CourseDetail::from_tree(&tree(&mut conn, *id).await?)))
}

/// The course in the `course-content/` file format, as a tar archive; `poc-lms import-content`
/// on the extracted folder reproduces it.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, description = "A tar archive of the course folder", content_type = "application/x-tar"),
    (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/courses/{id}/export")]
async fn export_course(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let course = access::editable_course(&mut conn, &user, *id).await?;
    let bundle = store::load_tree(&mut conn, course).await?.to_bundle();
    let archive = course_archive(&bundle).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.tar\"", bundle.course.slug),
        ))
        .body(archive))
}

/// Who teaches the course.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = Vec<UserProfile>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/courses/{id}/instructors")]
async fn list_instructors(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<UserProfile>>, ApiError> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(authoring::instructors(&mut conn, &user, *id).await?))
}

/// Add an instructor (an active instructor or admin account).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = AddInstructorRequest, responses(
    (status = 200, body = Vec<UserProfile>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/instructors")]
async fn add_instructor(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<AddInstructorRequest>,
) -> Result<web::Json<Vec<UserProfile>>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::add_instructor(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(authoring::instructors(&mut conn, &user, *id).await?))
}

/// Remove an instructor from the course.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/courses/{id}/instructors/{user_id}")]
async fn remove_instructor(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (course_id, instructor) = path.into_inner();
    let mut conn = state.pool.get().await?;
    authoring::remove_instructor(&mut conn, &user, course_id, instructor).await?;
    Ok(HttpResponse::NoContent().finish())
}
