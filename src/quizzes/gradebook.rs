//! The instructors' view of a quiz: every attempt with its score (JSON or CSV), and per-question
//! statistics to spot questions that mislead.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::{enrolments, quiz_attempts, users};
use crate::http::pagination::{Cursor, PageRequest};

#[derive(Debug, Serialize, ToSchema, Queryable)]
pub struct GradebookRow {
    pub attempt_id: Uuid,
    pub enrolment_id: Uuid,
    pub user_id: Uuid,
    pub full_name: String,
    pub email: String,
    pub cohort_id: Option<Uuid>,
    pub number: i32,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

impl GradebookRow {
    pub fn cursor(&self) -> Cursor {
        Cursor { created_at: self.started_at, id: self.attempt_id }
    }
}

/// Attempts of a quiz, oldest first; `page` None means all of them (CSV export).
pub async fn rows(
    conn: &mut AsyncPgConnection,
    quiz_id: Uuid,
    cohort_id: Option<Uuid>,
    page: Option<&PageRequest>,
) -> QueryResult<Vec<GradebookRow>> {
    let mut query = quiz_attempts::table
        .inner_join(enrolments::table)
        .inner_join(users::table.on(users::id.eq(quiz_attempts::user_id)))
        .filter(quiz_attempts::quiz_id.eq(quiz_id))
        .select((
            quiz_attempts::id,
            quiz_attempts::enrolment_id,
            quiz_attempts::user_id,
            users::full_name,
            users::email,
            enrolments::cohort_id,
            quiz_attempts::number,
            quiz_attempts::status,
            quiz_attempts::started_at,
            quiz_attempts::submitted_at,
            quiz_attempts::score_percent,
            quiz_attempts::passed,
        ))
        .into_boxed();
    if let Some(cohort) = cohort_id {
        query = query.filter(enrolments::cohort_id.eq(cohort));
    }
    if let Some(after) = page.and_then(|p| p.after) {
        query = query.filter(
            quiz_attempts::started_at
                .gt(after.created_at)
                .or(quiz_attempts::started_at.eq(after.created_at).and(quiz_attempts::id.gt(after.id))),
        );
    }
    if let Some(page) = page {
        query = query.limit(page.fetch());
    }
    query.order((quiz_attempts::started_at, quiz_attempts::id)).load(conn).await
}

/// The gradebook's CSV columns; `csv_cells` gives one row's cells in this order.
pub const CSV_HEADER: [&str; 11] = [
    "attempt_id",
    "user_id",
    "full_name",
    "email",
    "cohort_id",
    "number",
    "status",
    "started_at",
    "submitted_at",
    "score_percent",
    "passed",
];

pub fn csv_cells(r: &GradebookRow) -> Vec<String> {
    vec![
        r.attempt_id.to_string(),
        r.user_id.to_string(),
        r.full_name.clone(),
        r.email.clone(),
        r.cohort_id.map(|c| c.to_string()).unwrap_or_default(),
        r.number.to_string(),
        r.status.clone(),
        r.started_at.to_rfc3339(),
        r.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        r.score_percent.map(|s| s.to_string()).unwrap_or_default(),
        r.passed.map(|p| p.to_string()).unwrap_or_default(),
    ]
}

/// How often each question was answered correctly in graded attempts.
#[derive(Debug, Serialize, ToSchema, QueryableByName)]
pub struct QuestionStatistic {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub question_id: Uuid,
    #[diesel(sql_type = Text)]
    pub prompt: String,
    /// Graded attempts that drew the question.
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = BigInt)]
    pub correct: i64,
    /// `correct / answered`, 0 when never answered.
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub share_correct: f64,
}

/// One query over the graded attempts' per-question results.
pub async fn statistics(conn: &mut AsyncPgConnection, quiz_id: Uuid) -> QueryResult<Vec<QuestionStatistic>> {
    diesel::sql_query(
        "SELECT q.id AS question_id, q.prompt, count(r.question_id) AS answered, \
                count(r.question_id) FILTER (WHERE r.correct) AS correct, \
                coalesce(avg(CASE WHEN r.correct THEN 1.0 ELSE 0.0 END), 0)::float8 AS share_correct \
         FROM questions q \
         LEFT JOIN ( \
             SELECT (item->>'question_id')::uuid AS question_id, (item->>'correct')::boolean AS correct \
             FROM quiz_attempts a, jsonb_array_elements(a.grade->'questions') AS item \
             WHERE a.quiz_id = $1 AND a.status = 'submitted' \
         ) r ON r.question_id = q.id \
         WHERE q.quiz_id = $1 \
         GROUP BY q.id, q.prompt, q.position ORDER BY q.position",
    )
    .bind::<diesel::sql_types::Uuid, _>(quiz_id)
    .load(conn)
    .await
}
