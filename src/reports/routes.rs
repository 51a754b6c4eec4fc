//! `/api/v1/reports/completion` and `/api/v1/reports/seats`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::completion::{self, CompletionFilter, CompletionRow};
use super::coverage::{self, SeatCoverage};
use super::csv_out;
use crate::db::schema::course_instructors;
use crate::http::{AdminUser, ApiError, Problem, QueryParams, StaffUser};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(completion_report).service(seat_report);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletionQuery {
    pub course_id: Option<Uuid>,
    pub cohort_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
}

/// Completion by course, cohort and organisation: enrolled, in progress, completed, overdue,
/// certified and valid, expired, and the median days to complete. `Accept: text/csv` gives CSV.
///
/// Who: admin (everything), instructor (the courses they teach).
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(CompletionQuery), responses(
    (status = 200, body = Vec<CompletionRow>, description = "JSON, or CSV with Accept: text/csv"), (status = 403, body = Problem)))]
#[get("/reports/completion")]
async fn completion_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    StaffUser(user): StaffUser,
    QueryParams(query): QueryParams<CompletionQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let courses = if user.is_admin() {
        None
    } else {
        Some(
            course_instructors::table
                .filter(course_instructors::user_id.eq(user.id()))
                .select(course_instructors::course_id)
                .load::<Uuid>(&mut conn)
                .await?,
        )
    };
    let filter = CompletionFilter {
        course_id: query.course_id,
        cohort_id: query.cohort_id,
        organisation_id: query.organisation_id,
        courses,
    };
    let rows = completion::report(&mut conn, &filter).await?;
    if csv_out::wants_csv(&req) {
        return Ok(csv_out::response(
            completion::CSV_HEADER,
            rows.iter().map(completion::csv_cells).collect(),
            "completion.csv",
        ));
    }
    Ok(HttpResponse::Ok().json(rows))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeatReportQuery {
    pub organisation_id: Option<Uuid>,
}

/// Seat coverage: every seat's current holder and, per required course, valid / expiring
/// (within 90 days) / expired / in progress / not started; seats without a holder say since
/// when. `Accept: text/csv` gives CSV.
///
/// Who: admin.
#[utoipa::path(tag = "reports", security(("bearer" = [])), params(SeatReportQuery), responses(
    (status = 200, body = Vec<SeatCoverage>, description = "JSON, or CSV with Accept: text/csv"), (status = 403, body = Problem)))]
#[get("/reports/seats")]
async fn seat_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    _admin: AdminUser,
    QueryParams(query): QueryParams<SeatReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let report = coverage::report(&mut conn, query.organisation_id).await?;
    if csv_out::wants_csv(&req) {
        return Ok(csv_out::response(coverage::CSV_HEADER, coverage::csv_rows(&report), "seats.csv"));
    }
    Ok(HttpResponse::Ok().json(report))
}
