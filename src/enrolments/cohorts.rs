//! Cohorts: a course's intake with dates and, optionally, a capacity.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::{cohorts, enrolments};
use crate::http::{ApiError, FieldError};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = cohorts)]
pub struct Cohort {
    pub id: Uuid,
    pub course_id: Uuid,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub enrolment_closes_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl Cohort {
    pub fn is_open(&self, today: NaiveDate) -> bool {
        self.enrolment_closes_on.is_none_or(|closes| today <= closes)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCohortRequest {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Last day to enrol; omitted: open until the end.
    pub enrolment_closes_on: Option<NaiveDate>,
    /// Seats; beyond it newcomers are waitlisted. Omitted: unlimited.
    pub capacity: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CohortView {
    pub id: Uuid,
    pub course_id: Uuid,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub enrolment_closes_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    /// Active and completed enrolments.
    pub enrolled: i64,
    pub waitlisted: i64,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    course_id: Uuid,
    request: &NewCohortRequest,
) -> Result<Cohort, ApiError> {
    let mut errors = Vec::new();
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "must be 1 to 200 characters"));
    }
    if request.ends_on < request.starts_on {
        errors.push(FieldError::new("ends_on", "must not be before starts_on"));
    }
    if request.enrolment_closes_on.is_some_and(|c| c > request.ends_on) {
        errors.push(FieldError::new("enrolment_closes_on", "must not be after ends_on"));
    }
    if request.capacity.is_some_and(|c| c < 1) {
        errors.push(FieldError::new("capacity", "must be at least 1, or omitted for no limit"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    diesel::insert_into(cohorts::table)
        .values((
            cohorts::course_id.eq(course_id),
            cohorts::name.eq(name),
            cohorts::starts_on.eq(request.starts_on),
            cohorts::ends_on.eq(request.ends_on),
            cohorts::enrolment_closes_on.eq(request.enrolment_closes_on),
            cohorts::capacity.eq(request.capacity),
        ))
        .returning(Cohort::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => {
                ApiError::Conflict("the course already has a cohort with this name".into())
            }
            other => other,
        })
}

/// The course's cohorts with their head counts (two queries).
pub async fn list(conn: &mut AsyncPgConnection, course_id: Uuid) -> Result<Vec<CohortView>, ApiError> {
    let rows: Vec<Cohort> = cohorts::table
        .filter(cohorts::course_id.eq(course_id))
        .order((cohorts::starts_on, cohorts::name))
        .select(Cohort::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let counts: Vec<(Option<Uuid>, String, i64)> = enrolments::table
        .filter(enrolments::cohort_id.eq_any(&ids))
        .group_by((enrolments::cohort_id, enrolments::status))
        .select((enrolments::cohort_id, enrolments::status, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    let count = |cohort: Uuid, statuses: &[&str]| {
        counts
            .iter()
            .filter(|(c, s, _)| *c == Some(cohort) && statuses.contains(&s.as_str()))
            .map(|(_, _, n)| n)
            .sum()
    };
    Ok(rows
        .into_iter()
        .map(|c| CohortView {
            enrolled: count(c.id, &[super::ACTIVE, super::COMPLETED]),
            waitlisted: count(c.id, &[super::WAITLISTED]),
            id: c.id,
            course_id: c.course_id,
            name: c.name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            enrolment_closes_on: c.enrolment_closes_on,
            capacity: c.capacity,
        })
        .collect())
}

/// Locks the cohort row: every enrolment decision about its seats goes through this lock, so
/// concurrent enrolments are decided one after another and capacity is never exceeded.
pub async fn lock(conn: &mut AsyncPgConnection, cohort_id: Uuid) -> QueryResult<Option<Cohort>> {
    cohorts::table.find(cohort_id).select(Cohort::as_select()).for_update().first(conn).await.optional()
}

/// Seats taken: active and completed enrolments.
pub async fn seats_taken(conn: &mut AsyncPgConnection, cohort_id: Uuid) -> QueryResult<i64> {
    enrolments::table
        .filter(enrolments::cohort_id.eq(cohort_id))
        .filter(enrolments::status.eq_any([super::ACTIVE, super::COMPLETED]))
        .count()
        .get_result(conn)
        .await
}
