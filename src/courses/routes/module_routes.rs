//! Modules and lessons.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::tree;
use crate::courses::access::{self, Item};
use crate::courses::authoring::modules::{
    self as authoring, ModuleOrderRequest, NewLessonRequest, NewModuleRequest, UpdateLessonRequest,
    UpdateModuleRequest,
};
use crate::courses::model::Lesson;
use crate::courses::views::{CourseDetail, LessonView, ModuleOutline, module_outline};
use crate::db::schema::lessons;
use crate::enrolments::progress;
use crate::enrolments::unlock::ItemStatus;
use crate::http::{ApiError, CurrentUser, JsonBody, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_module)
        .service(reorder_modules)
        .service(get_module)
        .service(update_module)
        .service(delete_module)
        .service(create_lesson)
        .service(get_lesson)
        .service(update_lesson)
        .service(delete_lesson);
}

async fn module_view(
    conn: &mut diesel_async::AsyncPgConnection,
    course_id: Uuid,
    module_id: Uuid,
) -> Result<ModuleOutline, ApiError> {
    let tree = tree(conn, course_id).await?;
    let module = tree.modules.iter().find(|m| m.id == module_id).ok_or_else(ApiError::not_found)?;
    Ok(module_outline(&tree, module))
}

/// Add a module to a course.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = NewModuleRequest, responses(
    (status = 201, body = ModuleOutline), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/courses/{id}/modules")]
async fn create_module(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<NewModuleRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let module = authoring::create_module(&mut conn, &user, *id, &body).await?;
    Ok(HttpResponse::Created().json(module_view(&mut conn, *id, module.id).await?))
}

/// Put the course's modules in a new order, atomically.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = ModuleOrderRequest, responses(
    (status = 200, body = CourseDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[put("/courses/{id}/modules/order")]
async fn reorder_modules(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<ModuleOrderRequest>,
) -> Result<web::Json<CourseDetail>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::reorder_modules(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(CourseDetail::from_tree(&tree(&mut conn, *id).await?)))
}

/// A module with its lessons and quiz (titles).
///
/// Who: anyone who may see the course.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = ModuleOutline), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/modules/{id}")]
async fn get_module(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<ModuleOutline>, ApiError> {
    let mut conn = state.pool.get().await?;
    let course_id = access::course_of(&mut conn, Item::Module(*id)).await?;
    access::readable_course(&mut conn, &user, course_id).await?;
    Ok(web::Json(module_view(&mut conn, course_id, *id).await?))
}

/// Change a module's title, summary or whether it needs the previous one completed.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = UpdateModuleRequest, responses(
    (status = 200, body = ModuleOutline), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/modules/{id}")]
async fn update_module(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateModuleRequest>,
) -> Result<web::Json<ModuleOutline>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::update_module(&mut conn, &user, *id, &body).await?;
    let course_id = access::course_of(&mut conn, Item::Module(*id)).await?;
    Ok(web::Json(module_view(&mut conn, course_id, *id).await?))
}

/// Delete a module and its lessons and quiz; refused (409) once trainees have records for it.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/modules/{id}")]
async fn delete_module(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::delete_module(&mut conn, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a lesson (Markdown; also stored as sanitised HTML).
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = NewLessonRequest, responses(
    (status = 201, body = LessonView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/modules/{id}/lessons")]
async fn create_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<NewLessonRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let lesson = authoring::create_lesson(&mut conn, &user, *id, &body).await?;
    Ok(HttpResponse::Created().json(LessonView::from(lesson)))
}

async fn lesson_view(conn: &mut diesel_async::AsyncPgConnection, id: Uuid) -> Result<LessonView, ApiError> {
    let lesson: Lesson = lessons::table.find(id).select(Lesson::as_select()).first(conn).await?;
    Ok(LessonView::from(lesson))
}

/// A lesson with its Markdown and sanitised HTML body.
///
/// Who: the course's instructors and admins; a trainee enrolled in the course once the
/// lesson's module is unlocked (409 while locked, 403 without an enrolment).
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 200, body = LessonView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/lessons/{id}")]
async fn get_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<LessonView>, ApiError> {
    let mut conn = state.pool.get().await?;
    let course_id = access::course_of(&mut conn, Item::Lesson(*id)).await?;
    access::readable_course(&mut conn, &user, course_id).await?;
    if !access::may_edit(&mut conn, &user, course_id).await? {
        let enrolment = progress::studying_enrolment(&mut conn, &user, course_id, false).await?;
        let (_, course_state) = progress::evaluate(&mut conn, &enrolment).await?;
        if course_state.lesson_status(*id) == Some(ItemStatus::Locked) {
            return Err(ApiError::Conflict(
                "this lesson's module is locked: complete the previous module first".into(),
            ));
        }
    }
    Ok(web::Json(lesson_view(&mut conn, *id).await?))
}

/// Change a lesson's title, body, estimated time or position within its module.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), request_body = UpdateLessonRequest, responses(
    (status = 200, body = LessonView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[patch("/lessons/{id}")]
async fn update_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateLessonRequest>,
) -> Result<web::Json<LessonView>, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::update_lesson(&mut conn, &user, *id, &body).await?;
    Ok(web::Json(lesson_view(&mut conn, *id).await?))
}

/// Delete a lesson; refused (409) once trainees have records for it.
///
/// Who: the course's instructors, admins.
#[utoipa::path(tag = "courses", security(("bearer" = [])), responses(
    (status = 204, description = "Deleted"), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/lessons/{id}")]
async fn delete_lesson(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    authoring::delete_lesson(&mut conn, &user, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
