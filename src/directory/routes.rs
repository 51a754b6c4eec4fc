//! `/api/v1/organisations`.

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{NewOrganisation, Organisation, validate};
use crate::db::schema::organisations;
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{AdminUser, ApiError, CurrentUser, JsonBody, Page, Problem, QueryParams};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations).service(create_organisation);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationQuery {
    /// `state`, `international_organisation` or `other`.
    pub kind: Option<String>,
    /// Part of the name, any case.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// States and international organisations.
///
/// Who: any signed-in user.
#[utoipa::path(tag = "directory", security(("bearer" = [])), params(OrganisationQuery), responses(
    (status = 200, body = Page<Organisation>), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[get("/organisations")]
async fn list_organisations(
    state: web::Data<AppState>,
    _user: CurrentUser,
    QueryParams(query): QueryParams<OrganisationQuery>,
) -> Result<web::Json<Page<Organisation>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = organisations::table.select(Organisation::as_select()).into_boxed();
    if let Some(kind) = query.kind {
        rows = rows.filter(organisations::kind.eq(kind));
    }
    if let Some(q) = query.q.filter(|q| !q.is_empty()) {
        rows = rows.filter(organisations::name.ilike(format!("%{}%", crate::users::store::escape_like(&q))));
    }
    if let Some(after) = page.after {
        rows = rows.filter(
            organisations::created_at
                .gt(after.created_at)
                .or(organisations::created_at.eq(after.created_at).and(organisations::id.gt(after.id))),
        );
    }
    let list = rows
        .order((organisations::created_at, organisations::id))
        .limit(page.fetch())
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page(list, |o: &Organisation| Cursor { created_at: o.created_at, id: o.id }, |o| o)))
}

/// Add an organisation (a State needs its ISO 3166-1 alpha-2 code).
///
/// Who: admin.
#[utoipa::path(tag = "directory", security(("bearer" = [])), request_body = NewOrganisation, responses(
    (status = 201, body = Organisation), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    JsonBody(body): JsonBody<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let (name, code) = validate(&body)?;
    let mut conn = state.pool.get().await?;
    let created: Organisation = diesel::insert_into(organisations::table)
        .values((
            organisations::name.eq(&name),
            organisations::kind.eq(&body.kind),
            organisations::country_code.eq(&code),
        ))
        .returning(Organisation::as_returning())
        .get_result(&mut conn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => {
                ApiError::Conflict("an organisation with this name (or State code) exists".into())
            }
            other => other,
        })?;
    tracing::info!(organisation_id = %created.id, by = %admin.id(), "organisation added");
    Ok(HttpResponse::Created().json(created))
}
