//! Seat coverage: for every seat, its current holder and, for each required course, whether
//! they are certified (valid, expiring within 90 days, expired, in progress, not started);
//! seats without a holder say since when. A fixed number of queries for any number of seats.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::{certificates, courses, enrolments, organisations, seat_holdings, seats, users};

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseCoverage {
    pub course_id: Uuid,
    pub course_title: String,
    /// `valid`, `expiring` (within 90 days), `expired`, `in_progress` or `not_started`.
    pub status: &'static str,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatCoverage {
    pub seat_id: Uuid,
    pub seat_title: String,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub holder_id: Option<Uuid>,
    pub holder_name: Option<String>,
    pub holder_since: Option<NaiveDate>,
    /// Without a holder: since when (the last holding's end, or the seat's creation).
    pub uncovered_since: Option<NaiveDate>,
    pub uncovered_days: Option<i64>,
    /// Every required course is `valid` or `expiring`.
    pub covered: bool,
    pub courses: Vec<CourseCoverage>,
}

/// One course's status for a holder, from their newest unrevoked certificate and whether they
/// are studying it now.
pub fn course_status(
    valid_until: Option<Option<DateTime<Utc>>>,
    studying: bool,
    now: DateTime<Utc>,
) -> &'static str {
    match valid_until {
        Some(None) => "valid",
        Some(Some(until)) if until > now + Duration::days(90) => "valid",
        Some(Some(until)) if until > now => "expiring",
        _ if studying => "in_progress",
        Some(Some(_)) => "expired",
        None => "not_started",
    }
}

/// (seat, title, organisation, required courses, created at, organisation name).
type SeatRow = (Uuid, String, Uuid, Vec<Uuid>, DateTime<Utc>, String);
/// (holder, course, issued at, expires at) of an unrevoked certificate.
type CertificateRow = (Uuid, Uuid, DateTime<Utc>, Option<DateTime<Utc>>);

pub async fn report(
    conn: &mut AsyncPgConnection,
    organisation_id: Option<Uuid>,
) -> QueryResult<Vec<SeatCoverage>> {
    let mut query = seats::table
        .inner_join(organisations::table)
        .select((
            seats::id,
            seats::title,
            seats::organisation_id,
            seats::required_course_ids,
            seats::created_at,
            organisations::name,
        ))
        .order((organisations::name, seats::title))
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(seats::organisation_id.eq(org));
    }
    let seat_rows: Vec<SeatRow> = query.load(conn).await?;
    let seat_ids: Vec<Uuid> = seat_rows.iter().map(|s| s.0).collect();
    let current: Vec<(Uuid, Uuid, String, NaiveDate)> = seat_holdings::table
        .inner_join(users::table.on(users::id.eq(seat_holdings::user_id)))
        .filter(seat_holdings::seat_id.eq_any(&seat_ids))
        .filter(seat_holdings::ends_on.is_null())
        .select((seat_holdings::seat_id, users::id, users::full_name, seat_holdings::starts_on))
        .load(conn)
        .await?;
    let last_ends: Vec<(Uuid, Option<NaiveDate>)> = seat_holdings::table
        .filter(seat_holdings::seat_id.eq_any(&seat_ids))
        .group_by(seat_holdings::seat_id)
        .select((seat_holdings::seat_id, diesel::dsl::max(seat_holdings::ends_on)))
        .load(conn)
        .await?;
    let holders: Vec<Uuid> = current.iter().map(|c| c.1).collect();
    let course_ids: Vec<Uuid> = seat_rows.iter().flat_map(|s| s.3.iter().copied()).collect();
    let titles: Vec<(Uuid, String)> = courses::table
        .filter(courses::id.eq_any(&course_ids))
        .select((courses::id, courses::title))
        .load(conn)
        .await?;
    let certs: Vec<CertificateRow> = certificates::table
        .filter(certificates::user_id.eq_any(&holders))
        .filter(certificates::course_id.eq_any(&course_ids))
        .filter(certificates::revoked_at.is_null())
        .select((
            certificates::user_id,
            certificates::course_id,
            certificates::issued_at,
            certificates::expires_at,
        ))
        .load(conn)
        .await?;
    let studying: Vec<(Uuid, Uuid)> = enrolments::table
        .filter(enrolments::user_id.eq_any(&holders))
        .filter(enrolments::course_id.eq_any(&course_ids))
        .filter(enrolments::status.eq_any(["active", "waitlisted"]))
        .select((enrolments::user_id, enrolments::course_id))
        .load(conn)
        .await?;
    let now = Utc::now();
    let today = now.date_naive();
    Ok(seat_rows
        .into_iter()
        .map(|(seat_id, seat_title, organisation_id, required, created_at, organisation_name)| {
            let holder = current.iter().find(|c| c.0 == seat_id);
            let courses: Vec<CourseCoverage> = required
                .iter()
                .map(|course_id| {
                    let title =
                        titles.iter().find(|t| t.0 == *course_id).map(|t| t.1.clone()).unwrap_or_default();
                    let Some(holder) = holder else {
                        return CourseCoverage {
                            course_id: *course_id,
                            course_title: title,
                            status: "not_started",
                            valid_until: None,
                        };
                    };
                    let latest = certs
                        .iter()
                        .filter(|c| c.0 == holder.1 && c.1 == *course_id)
                        .max_by_key(|c| c.2)
                        .map(|c| c.3);
                    let is_studying = studying.iter().any(|s| s.0 == holder.1 && s.1 == *course_id);
                    CourseCoverage {
                        course_id: *course_id,
                        course_title: title,
                        status: course_status(latest, is_studying, now),
                        valid_until: latest.flatten(),
                    }
                })
                .collect();
            let uncovered_since = match holder {
                Some(_) => None,
                None => Some(
                    last_ends
                        .iter()
                        .find(|l| l.0 == seat_id)
                        .and_then(|l| l.1)
                        .unwrap_or_else(|| created_at.date_naive()),
                ),
            };
            SeatCoverage {
                seat_id,
                seat_title,
                organisation_id,
                organisation_name,
                holder_id: holder.map(|h| h.1),
                holder_name: holder.map(|h| h.2.clone()),
                holder_since: holder.map(|h| h.3),
                uncovered_days: uncovered_since.map(|since| (today - since).num_days()),
                uncovered_since,
                covered: holder.is_some() && courses.iter().all(|c| matches!(c.status, "valid" | "expiring")),
                courses,
            }
        })
        .collect())
}

pub const CSV_HEADER: &[&str] = &[
    "organisation_name",
    "seat_title",
    "holder_name",
    "holder_since",
    "uncovered_since",
    "covered",
    "course_title",
    "status",
    "valid_until",
];

/// One CSV row per seat and required course (a seat without requirements gets one row).
pub fn csv_rows(report: &[SeatCoverage]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for seat in report {
        let base = vec![
            seat.organisation_name.clone(),
            seat.seat_title.clone(),
            seat.holder_name.clone().unwrap_or_default(),
            seat.holder_since.map(|d| d.to_string()).unwrap_or_default(),
            seat.uncovered_since.map(|d| d.to_string()).unwrap_or_default(),
            seat.covered.to_string(),
        ];
        if seat.courses.is_empty() {
            rows.push([base.clone(), vec![String::new(), String::new(), String::new()]].concat());
        }
        for course in &seat.courses {
            let tail = vec![
                course.course_title.clone(),
                course.status.to_owned(),
                course.valid_until.map(|v| v.to_rfc3339()).unwrap_or_default(),
            ];
            rows.push([base.clone(), tail].concat());
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let now = Utc::now();
        assert_eq!(course_status(Some(None), false, now), "valid");
        assert_eq!(course_status(Some(Some(now + Duration::days(400))), false, now), "valid");
        assert_eq!(course_status(Some(Some(now + Duration::days(30))), false, now), "expiring");
        assert_eq!(course_status(Some(Some(now - Duration::days(1))), false, now), "expired");
        assert_eq!(course_status(Some(Some(now - Duration::days(1))), true, now), "in_progress");
        assert_eq!(course_status(None, true, now), "in_progress");
        assert_eq!(course_status(None, false, now), "not_started");
    }
}
