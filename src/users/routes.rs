//! Handlers for `/api/v1/me` and the admin's `/api/v1/users`.

use actix_web::{get, patch, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::admin::{self, UpdateUser};
use super::profile::{self, UpdateMe};
use super::store::{self, UserFilter};
use super::{Role, User, UserProfile};
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{AdminUser, ApiError, CurrentUser, JsonBody, Page, Problem, QueryParams};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(user_record);
}

/// Your own profile.
///
/// Who: any signed-in user.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, body = UserProfile), (status = 401, body = Problem)))]
#[get("/me")]
async fn get_me(user: CurrentUser) -> web::Json<UserProfile> {
    web::Json(UserProfile::from(&user.0))
}

/// Change your name, language, reminder preference or password (`password` needs
/// `current_password`, and signs out every session).
///
/// Who: any signed-in user, for their own account.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = UpdateMe, responses(
    (status = 200, body = UserProfile), (status = 401, body = Problem), (status = 422, body = Problem)))]
#[patch("/me")]
async fn update_me(
    state: web::Data<AppState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<UpdateMe>,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(profile::update_me(&state, &user.0, &body).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    pub organisation_id: Option<Uuid>,
    /// Part of a name or an email address, any case.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List users, oldest first, with filters.
///
/// Who: admin.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserListQuery), responses(
    (status = 200, body = Page<UserProfile>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminUser,
    QueryParams(query): QueryParams<UserListQuery>,
) -> Result<web::Json<Page<UserProfile>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let filter = UserFilter { role: query.role, organisation_id: query.organisation_id, query: query.q };
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &filter, &page).await?;
    Ok(web::Json(page.page(
        rows,
        |u: &User| Cursor { created_at: u.created_at, id: u.id },
        |u| UserProfile::from(&u),
    )))
}

/// One user's profile.
///
/// Who: admin.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, body = UserProfile), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserProfile>, ApiError> {
    let mut conn = state.pool.get().await?;
    let user = store::find(&mut conn, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(UserProfile::from(&user)))
}

/// Change a user's role, status, name or organisation. Deactivation ends every session at
/// once; the last active admin can be neither demoted nor deactivated (409).
///
/// Who: admin.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = UpdateUser, responses(
    (status = 200, body = UserProfile), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<Uuid>,
    JsonBody(body): JsonBody<UpdateUser>,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(admin::update_user(&state, &admin, *id, &body).await?))
}

/// The person's whole training record (enrolments, attempts, certificates, seats held) as one
/// document, for handover and archive.
///
/// Who: admin, and the person themselves.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, body = super::record::TrainingRecord), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/users/{id}/record")]
async fn user_record(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<super::record::TrainingRecord>, ApiError> {
    if caller.id() != *id && !caller.is_admin() {
        return Err(ApiError::not_found());
    }
    let mut conn = state.pool.get().await?;
    let user = store::find(&mut conn, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(super::record::build(&mut conn, &user, &state.config.public_url).await?))
}
