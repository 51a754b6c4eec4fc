//! Completion by course, cohort and organisation, computed in one grouped query.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct CompletionRow {
    #[diesel(sql_type = SqlUuid)]
    pub course_id: Uuid,
    #[diesel(sql_type = Text)]
    pub course_title: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cohort_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cohort_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub organisation_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub organisation_name: Option<String>,
    /// Enrolments that are not withdrawn.
    #[diesel(sql_type = BigInt)]
    pub enrolled: i64,
    #[diesel(sql_type = BigInt)]
    pub in_progress: i64,
    #[diesel(sql_type = BigInt)]
    pub completed: i64,
    /// In progress and past the due date.
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    /// Completed with a certificate that is neither revoked nor expired.
    #[diesel(sql_type = BigInt)]
    pub certified_valid: i64,
    #[diesel(sql_type = BigInt)]
    pub certificates_expired: i64,
    /// Median days from enrolment to completion.
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub median_days_to_complete: Option<f64>,
}

/// Filters; `courses` limits an instructor to the courses they teach (`None`: all).
#[derive(Debug, Default)]
pub struct CompletionFilter {
    pub course_id: Option<Uuid>,
    pub cohort_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub courses: Option<Vec<Uuid>>,
}

pub async fn report(
    conn: &mut AsyncPgConnection,
    filter: &CompletionFilter,
) -> diesel::QueryResult<Vec<CompletionRow>> {
    // Grouped on the ids alone (cheap to sort for the median), names joined afterwards.
    diesel::sql_query(
        "WITH g AS ( \
             SELECT e.course_id, e.cohort_id, u.organisation_id, \
                    count(*) FILTER (WHERE e.status <> 'withdrawn') AS enrolled, \
                    count(*) FILTER (WHERE e.status = 'active') AS in_progress, \
                    count(*) FILTER (WHERE e.status = 'completed') AS completed, \
                    count(*) FILTER (WHERE e.status = 'active' AND e.due_on < current_date) AS overdue, \
                    count(cert.id) FILTER (WHERE cert.revoked_at IS NULL AND (cert.expires_at IS NULL OR cert.expires_at > now())) AS certified_valid, \
                    count(cert.id) FILTER (WHERE cert.revoked_at IS NULL AND cert.expires_at <= now()) AS certificates_expired, \
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.completed_at - e.enrolled_at) / 86400.0) \
                        FILTER (WHERE e.completed_at IS NOT NULL) AS median_days_to_complete \
             FROM enrolments e \
             JOIN users u ON u.id = e.user_id \
             LEFT JOIN certificates cert ON cert.enrolment_id = e.id \
             WHERE ($1::uuid IS NULL OR e.course_id = $1) AND ($2::uuid IS NULL OR e.cohort_id = $2) \
               AND ($3::uuid IS NULL OR u.organisation_id = $3) AND ($4::uuid[] IS NULL OR e.course_id = ANY($4)) \
             GROUP BY e.course_id, e.cohort_id, u.organisation_id) \
         SELECT g.*, c.title AS course_title, co.name AS cohort_name, o.name AS organisation_name \
         FROM g JOIN courses c ON c.id = g.course_id \
         LEFT JOIN cohorts co ON co.id = g.cohort_id \
         LEFT JOIN organisations o ON o.id = g.organisation_id \
         ORDER BY c.title, co.name NULLS FIRST, o.name NULLS FIRST",
    )
    .bind::<Nullable<SqlUuid>, _>(filter.course_id)
    .bind::<Nullable<SqlUuid>, _>(filter.cohort_id)
    .bind::<Nullable<SqlUuid>, _>(filter.organisation_id)
    .bind::<Nullable<diesel::sql_types::Array<SqlUuid>>, _>(filter.courses.clone())
    .load(conn)
    .await
}

pub const CSV_HEADER: &[&str] = &[
    "course_id",
    "course_title",
    "cohort_id",
    "cohort_name",
    "organisation_id",
    "organisation_name",
    "enrolled",
    "in_progress",
    "completed",
    "overdue",
    "certified_valid",
    "certificates_expired",
    "median_days_to_complete",
];

pub fn csv_cells(row: &CompletionRow) -> Vec<String> {
    let id = |v: Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    vec![
        row.course_id.to_string(),
        row.course_title.clone(),
        id(row.cohort_id),
        row.cohort_name.clone().unwrap_or_default(),
        id(row.organisation_id),
        row.organisation_name.clone().unwrap_or_default(),
        row.enrolled.to_string(),
        row.in_progress.to_string(),
        row.completed.to_string(),
        row.overdue.to_string(),
        row.certified_valid.to_string(),
        row.certificates_expired.to_string(),
        row.median_days_to_complete.map(|d| format!("{d:.1}")).unwrap_or_default(),
    ]
}
