//! Seats and their holders. Training requirements belong to the seat: when a new holder takes
//! it, the previous holding ends that day and the newcomer is enrolled in every required course
//! they do not already hold a valid certificate for, all in one transaction.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::certificates::model::{self as cert_model, CertificateStatus};
use crate::db::schema::{courses, organisations, seat_holdings, seats, users};
use crate::enrolments::enrol::{self, EnrolmentRequest, format_date};
use crate::http::{ApiError, CurrentUser, FieldError};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = seats)]
pub struct Seat {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    pub required_course_ids: Vec<Uuid>,
    pub days_to_certify: i32,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = seat_holdings)]
pub struct Holding {
    pub id: Uuid,
    pub seat_id: Uuid,
    pub user_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub handover_note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSeat {
    pub organisation_id: Uuid,
    pub title: String,
    #[serde(default)]
    pub required_course_ids: Vec<Uuid>,
    /// Days a new holder has to earn the required certificates (default 90).
    pub days_to_certify: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHolder {
    pub user_id: Uuid,
    pub starts_on: NaiveDate,
    pub handover_note: Option<String>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    admin: &CurrentUser,
    request: &NewSeat,
) -> Result<Seat, ApiError> {
    let mut errors = Vec::new();
    let title = request.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new("title", "must be 1 to 300 characters"));
    }
    if request.days_to_certify.is_some_and(|d| d < 1) {
        errors.push(FieldError::new("days_to_certify", "must be at least 1"));
    }
    let known: i64 = courses::table
        .filter(courses::id.eq_any(&request.required_course_ids))
        .count()
        .get_result(conn)
        .await?;
    if known != request.required_course_ids.len() as i64 {
        errors.push(FieldError::new("required_course_ids", "every id must be a course (each once)"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    super::ensure_exists(conn, Some(request.organisation_id), "organisation_id").await?;
    let seat: Seat = diesel::insert_into(seats::table)
        .values((
            seats::organisation_id.eq(request.organisation_id),
            seats::title.eq(title),
            seats::required_course_ids.eq(&request.required_course_ids),
            seats::days_to_certify.eq(request.days_to_certify.unwrap_or(90)),
        ))
        .returning(Seat::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => {
                ApiError::Conflict("the organisation already has a seat with this title".into())
            }
            other => other,
        })?;
    tracing::info!(seat_id = %seat.id, by = %admin.id(), "seat created");
    Ok(seat)
}

/// Whether `user` holds a valid certificate for `course_id` now, by the rule verification and the
/// coverage report use: the newest unrevoked certificate, unexpired.
async fn certified(conn: &mut AsyncPgConnection, user_id: Uuid, course_id: Uuid) -> Result<bool, ApiError> {
    let Some(standing) = crate::certificates::store::newest_unrevoked(conn, user_id, course_id).await? else {
        return Ok(false);
    };
    Ok(cert_model::status(&standing, false, Utc::now()) == CertificateStatus::Valid)
}

/// Hands the seat to a new holder (see the module comment). Returns the new holding.
pub async fn hand_over(
    state: &AppState,
    admin: &CurrentUser,
    seat_id: Uuid,
    request: &NewHolder,
) -> Result<Holding, ApiError> {
    let public_url = &state.config.public_url;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let seat: Seat = seats::table.find(seat_id).select(Seat::as_select()).for_update().first(tx).await.optional()?.ok_or_else(ApiError::not_found)?;
        let newcomer = crate::users::store::find(tx, request.user_id).await?.filter(|u| u.is_active());
        let newcomer = newcomer.ok_or_else(|| ApiError::validation("user_id", "is not an active user"))?;
        let current: Option<Holding> = seat_holdings::table
            .filter(seat_holdings::seat_id.eq(seat_id))
            .filter(seat_holdings::ends_on.is_null())
            .select(Holding::as_select())
            .first(tx)
            .await
            .optional()?;
        if let Some(current) = &current {
            if current.user_id == newcomer.id {
                return Err(ApiError::Conflict("this person already holds the seat".into()));
            }
            if request.starts_on < current.starts_on {
                return Err(ApiError::validation("starts_on", "must not be before the current holding began"));
            }
            diesel::update(seat_holdings::table.find(current.id)).set(seat_holdings::ends_on.eq(request.starts_on)).execute(tx).await?;
        }
        let holding: Holding = diesel::insert_into(seat_holdings::table)
            .values((
                seat_holdings::seat_id.eq(seat_id),
                seat_holdings::user_id.eq(newcomer.id),
                seat_holdings::starts_on.eq(request.starts_on),
                seat_holdings::handover_note.eq(request.handover_note.as_deref().map(str::trim).filter(|n| !n.is_empty())),
                seat_holdings::assigned_by.eq(admin.id()),
            ))
            .returning(Holding::as_returning())
            .get_result(tx)
            .await?;
        let due_on = request.starts_on + Duration::days(i64::from(seat.days_to_certify));
        let mut enrolled_titles = Vec::new();
        for course_id in &seat.required_course_ids {
            if certified(tx, newcomer.id, *course_id).await? {
                continue;
            }
            let Some(course) = crate::courses::store::find_course(tx, *course_id).await? else { continue };
            let request = EnrolmentRequest { course: &course, user: &newcomer, cohort_id: None, due_on: Some(due_on), enrolled_by: Some(admin.id()) };
            // A savepoint each: "already enrolled" is fine (they are on their way), not a failure.
            match tx.transaction(async |sp| enrol::enrol(sp, public_url, request).await).await {
                Ok(_) => enrolled_titles.push(course.title.clone()),
                Err(ApiError::Conflict(reason)) => tracing::info!(course_id = %course.id, %reason, "new holder not enrolled again"),
                Err(other) => return Err(other),
            }
        }
        let previous = match &current {
            Some(c) => crate::users::store::find(tx, c.user_id).await?,
            None => None,
        };
        notify(tx, public_url, &seat, &holding, &newcomer, previous.as_ref(), &enrolled_titles, due_on).await?;
        let summary = json!({"from": current.map(|c| c.user_id), "to": newcomer.id, "starts_on": request.starts_on, "enrolled_in": enrolled_titles});
        crate::audit::log(tx, Some(admin.id()), "seat.handed_over", "seat", seat_id, summary).await?;
        Ok(holding)
    })
    .await
}

#[allow(clippy::too_many_arguments)]
async fn notify(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    seat: &Seat,
    holding: &Holding,
    newcomer: &crate::users::User,
    previous: Option<&crate::users::User>,
    enrolled: &[String],
    due_on: NaiveDate,
) -> Result<(), ApiError> {
    let organisation_name: String =
        organisations::table.find(seat.organisation_id).select(organisations::name).first(tx).await?;
    let admins: Vec<(String, String)> = users::table
        .filter(users::role.eq("admin"))
        .filter(users::status.eq("active"))
        .select((users::full_name, users::email))
        .load(tx)
        .await?;
    let mut recipients: Vec<(&str, String, String)> =
        vec![("new", newcomer.full_name.clone(), newcomer.email.clone())];
    if let Some(previous) = previous {
        recipients.push(("previous", previous.full_name.clone(), previous.email.clone()));
    }
    recipients.extend(admins.into_iter().map(|(name, email)| ("admin", name, email)));
    for (role, name, email) in recipients {
        let context = json!({
            "recipient_role": role, "recipient_name": name, "seat_title": seat.title, "organisation_name": organisation_name,
            "new_holder_name": newcomer.full_name, "previous_holder_name": previous.map(|p| p.full_name.clone()),
            "starts_on": format_date(holding.starts_on), "due_on": format_date(due_on),
            "enrolled_courses": (!enrolled.is_empty()).then(|| enrolled.join(", ")), "handover_note": holding.handover_note,
        });
        messages::queue(tx, public_url, MessageKind::SeatHandover, &email, context, None).await?;
    }
    Ok(())
}

/// One holder of a seat, with the training status of each required course when the holding
/// ended (or now, for the current holder).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub holding_id: Uuid,
    pub user_id: Uuid,
    pub full_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub handover_note: Option<String>,
    pub training: Vec<CourseStatusAt>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseStatusAt {
    pub course_id: Uuid,
    /// `valid`, `expired`, `revoked` or `none` at the end of the holding (or now).
    pub status: String,
    pub certificate_code: Option<String>,
    pub issued_at: Option<chrono::DateTime<Utc>>,
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

pub async fn history(conn: &mut AsyncPgConnection, seat_id: Uuid) -> Result<Vec<HistoryEntry>, ApiError> {
    let seat: Seat = seats::table
        .find(seat_id)
        .select(Seat::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let holdings: Vec<(Holding, String)> = seat_holdings::table
        .inner_join(users::table.on(users::id.eq(seat_holdings::user_id)))
        .filter(seat_holdings::seat_id.eq(seat_id))
        .order((seat_holdings::starts_on, seat_holdings::created_at))
        .select((Holding::as_select(), users::full_name))
        .load(conn)
        .await?;
    let holder_ids: Vec<Uuid> = holdings.iter().map(|(h, _)| h.user_id).collect();
    let certificates: Vec<cert_model::Certificate> = crate::db::schema::certificates::table
        .filter(crate::db::schema::certificates::user_id.eq_any(&holder_ids))
        .filter(crate::db::schema::certificates::course_id.eq_any(&seat.required_course_ids))
        .select(cert_model::Certificate::as_select())
        .load(conn)
        .await?;
    let today = Utc::now().date_naive();
    Ok(holdings
        .into_iter()
        .map(|(h, full_name)| {
            let at = h.ends_on.unwrap_or(today);
            let moment = at.and_hms_opt(23, 59, 59).map_or_else(Utc::now, |t| t.and_utc());
            let training = seat
                .required_course_ids
                .iter()
                .map(|course_id| {
                    let latest = certificates
                        .iter()
                        .filter(|c| {
                            c.user_id == h.user_id && c.course_id == *course_id && c.issued_at <= moment
                        })
                        .max_by_key(|c| c.issued_at);
                    let status = match latest {
                        None => "none".to_owned(),
                        Some(c) if c.revoked_at.is_some_and(|r| r <= moment) => "revoked".to_owned(),
                        Some(c) if c.expires_at.is_some_and(|e| e <= moment) => "expired".to_owned(),
                        Some(_) => "valid".to_owned(),
                    };
                    CourseStatusAt {
                        course_id: *course_id,
                        status,
                        certificate_code: latest.map(|c| c.code.clone()),
                        issued_at: latest.map(|c| c.issued_at),
                        expires_at: latest.and_then(|c| c.expires_at),
                    }
                })
                .collect();
            HistoryEntry {
                holding_id: h.id,
                user_id: h.user_id,
                full_name,
                starts_on: h.starts_on,
                ends_on: h.ends_on,
                handover_note: h.handover_note,
                training,
            }
        })
        .collect())
}
