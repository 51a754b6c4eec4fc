//! `/api/v1/organisations` and `/api/v1/seats`.

use actix_web::{HttpResponse, get, post, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::seats::{self as seats_domain, HistoryEntry, Holding, NewHolder, NewSeat, Seat};
use super::{NewOrganisation, Organisation, validate};
use crate::db::schema::{organisations, seat_holdings, seats, users};
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{AdminUser, ApiError, CurrentUser, JsonBody, Page, Problem, QueryParams, StaffUser};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations)
        .service(create_organisation)
        .service(list_seats)
        .service(create_seat)
        .service(add_holder)
        .service(seat_history);
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

/// A seat with its current holder.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SeatView {
    #[serde(flatten)]
    pub seat: Seat,
    pub organisation_name: String,
    pub current_holder: Option<CurrentHolder>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CurrentHolder {
    pub user_id: uuid::Uuid,
    pub full_name: String,
    pub since: chrono::NaiveDate,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeatQuery {
    pub organisation_id: Option<uuid::Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Seats with their organisation and current holder.
///
/// Who: admin, instructor.
#[utoipa::path(tag = "directory", security(("bearer" = [])), params(SeatQuery), responses(
    (status = 200, body = Page<SeatView>), (status = 403, body = Problem)))]
#[get("/seats")]
async fn list_seats(
    state: web::Data<AppState>,
    _staff: StaffUser,
    QueryParams(query): QueryParams<SeatQuery>,
) -> Result<web::Json<Page<SeatView>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = seats::table
        .inner_join(organisations::table)
        .select((Seat::as_select(), organisations::name))
        .into_boxed();
    if let Some(organisation) = query.organisation_id {
        rows = rows.filter(seats::organisation_id.eq(organisation));
    }
    if let Some(after) = page.after {
        rows = rows.filter(
            seats::created_at
                .gt(after.created_at)
                .or(seats::created_at.eq(after.created_at).and(seats::id.gt(after.id))),
        );
    }
    let list: Vec<(Seat, String)> =
        rows.order((seats::created_at, seats::id)).limit(page.fetch()).load(&mut conn).await?;
    let ids: Vec<uuid::Uuid> = list.iter().map(|(s, _)| s.id).collect();
    let holders: Vec<(uuid::Uuid, uuid::Uuid, String, chrono::NaiveDate)> = seat_holdings::table
        .inner_join(users::table.on(users::id.eq(seat_holdings::user_id)))
        .filter(seat_holdings::seat_id.eq_any(&ids))
        .filter(seat_holdings::ends_on.is_null())
        .select((seat_holdings::seat_id, users::id, users::full_name, seat_holdings::starts_on))
        .load(&mut conn)
        .await?;
    Ok(web::Json(page.page(
        list,
        |(s, _): &(Seat, String)| Cursor { created_at: s.created_at, id: s.id },
        |(seat, organisation_name)| SeatView {
            current_holder: holders.iter().find(|h| h.0 == seat.id).map(|h| CurrentHolder {
                user_id: h.1,
                full_name: h.2.clone(),
                since: h.3,
            }),
            seat,
            organisation_name,
        },
    )))
}

/// Create a seat: a standing role in an organisation with the courses its holder must hold a
/// valid certificate for.
///
/// Who: admin.
#[utoipa::path(tag = "directory", security(("bearer" = [])), request_body = NewSeat, responses(
    (status = 201, body = Seat), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/seats")]
async fn create_seat(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    JsonBody(body): JsonBody<NewSeat>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    Ok(HttpResponse::Created().json(seats_domain::create(&mut conn, &admin, &body).await?))
}

/// Give the seat a new holder: the previous holding ends that day, the newcomer is enrolled in
/// every required course they lack a valid certificate for (due after `days_to_certify`), and
/// the new holder, the previous one and the admins are told.
///
/// Who: admin.
#[utoipa::path(tag = "directory", security(("bearer" = [])), request_body = NewHolder, responses(
    (status = 201, body = Holding), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/seats/{id}/holders")]
async fn add_holder(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<uuid::Uuid>,
    JsonBody(body): JsonBody<NewHolder>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(seats_domain::hand_over(&state, &admin, *id, &body).await?))
}

/// Every holder of the seat, with dates and the training status of each required course at
/// the end of their holding (or now).
///
/// Who: admin.
#[utoipa::path(tag = "directory", security(("bearer" = [])), responses(
    (status = 200, body = Vec<HistoryEntry>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/seats/{id}/history")]
async fn seat_history(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<Vec<HistoryEntry>>, ApiError> {
    let mut conn = state.pool.get().await?;
    Ok(web::Json(seats_domain::history(&mut conn, *id).await?))
}
