//! Queries on attempts, their frozen questions and extra-attempt grants.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::courses::model::Quiz;

use super::grading::FrozenQuestion;
use super::{Attempt, OPEN, SUBMITTED};
use crate::db::schema::{attempt_questions, quiz_attempt_grants, quiz_attempts, quizzes};

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid, lock: bool) -> QueryResult<Option<Attempt>> {
    let query = quiz_attempts::table.find(id).select(Attempt::as_select());
    if lock { query.for_update().first(conn).await.optional() } else { query.first(conn).await.optional() }
}

pub async fn open_attempt(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    quiz_id: Uuid,
) -> QueryResult<Option<Attempt>> {
    quiz_attempts::table
        .filter(quiz_attempts::enrolment_id.eq(enrolment_id))
        .filter(quiz_attempts::quiz_id.eq(quiz_id))
        .filter(quiz_attempts::status.eq(OPEN))
        .select(Attempt::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn attempts_of(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    quiz_id: Uuid,
) -> QueryResult<Vec<Attempt>> {
    quiz_attempts::table
        .filter(quiz_attempts::enrolment_id.eq(enrolment_id))
        .filter(quiz_attempts::quiz_id.eq(quiz_id))
        .order(quiz_attempts::number)
        .select(Attempt::as_select())
        .load(conn)
        .await
}

/// Extra attempts granted to this enrolment on this quiz.
pub async fn granted_extra(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    quiz_id: Uuid,
) -> QueryResult<i64> {
    let total: Option<i64> = quiz_attempt_grants::table
        .filter(quiz_attempt_grants::enrolment_id.eq(enrolment_id))
        .filter(quiz_attempt_grants::quiz_id.eq(quiz_id))
        .select(diesel::dsl::sum(quiz_attempt_grants::extra))
        .first(conn)
        .await?;
    Ok(total.unwrap_or(0))
}

/// `policy::attempts_allowed` for one enrolment and quiz, reading the grants only when the quiz
/// has a limit.
pub async fn attempts_allowed(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    quiz: &Quiz,
) -> QueryResult<Option<i64>> {
    let granted = match quiz.max_attempts {
        Some(_) => granted_extra(conn, enrolment_id, quiz.id).await?,
        None => 0,
    };
    Ok(super::policy::attempts_allowed(quiz.max_attempts, granted))
}

/// Extra attempts granted to this enrolment, by quiz (quizzes without a grant are absent).
pub async fn granted_extras(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, Option<i64>)> = quiz_attempt_grants::table
        .filter(quiz_attempt_grants::enrolment_id.eq(enrolment_id))
        .group_by(quiz_attempt_grants::quiz_id)
        .select((quiz_attempt_grants::quiz_id, diesel::dsl::sum(quiz_attempt_grants::extra)))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(quiz_id, extra)| (quiz_id, extra.unwrap_or(0))).collect())
}

pub async fn frozen_questions(
    conn: &mut AsyncPgConnection,
    attempt_id: Uuid,
) -> QueryResult<Vec<FrozenQuestion>> {
    let rows: Vec<serde_json::Value> = attempt_questions::table
        .filter(attempt_questions::attempt_id.eq(attempt_id))
        .order(attempt_questions::position)
        .select(attempt_questions::snapshot)
        .load(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

/// Per quiz of one enrolment: attempts used, best score, and whether it counts as passed under
/// the quiz's grading method (`highest`: any passed attempt; `latest`: the latest graded one).
#[derive(Debug, Clone, Default)]
pub struct QuizRecord {
    pub used: i64,
    pub best_score_percent: Option<f64>,
    pub passed: bool,
}

pub async fn records(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<HashMap<Uuid, QuizRecord>> {
    Ok(records_of(conn, &[enrolment_id]).await?.remove(&enrolment_id).unwrap_or_default())
}

/// (enrolment, quiz, grading method, status, score, passed) of one attempt.
type AttemptOutcomeRow = (Uuid, Uuid, String, String, Option<f64>, Option<bool>);

/// `records` for many enrolments in one query (lists of enrolments with progress).
pub async fn records_of(
    conn: &mut AsyncPgConnection,
    enrolment_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, HashMap<Uuid, QuizRecord>>> {
    let rows: Vec<AttemptOutcomeRow> = quiz_attempts::table
        .inner_join(quizzes::table)
        .filter(quiz_attempts::enrolment_id.eq_any(enrolment_ids))
        .order((quiz_attempts::enrolment_id, quiz_attempts::quiz_id, quiz_attempts::number))
        .select((
            quiz_attempts::enrolment_id,
            quiz_attempts::quiz_id,
            quizzes::grading_method,
            quiz_attempts::status,
            quiz_attempts::score_percent,
            quiz_attempts::passed,
        ))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, HashMap<Uuid, QuizRecord>> = HashMap::new();
    for (enrolment_id, quiz_id, method, status, score, passed) in rows {
        let record = map.entry(enrolment_id).or_default().entry(quiz_id).or_default();
        record.used += 1;
        if status != SUBMITTED {
            continue;
        }
        record.best_score_percent = match (record.best_score_percent, score) {
            (Some(best), Some(s)) => Some(best.max(s)),
            (best, s) => best.or(s),
        };
        let passed = passed.unwrap_or(false);
        // Rows come in attempt order, so for `latest` the last graded attempt decides.
        record.passed = if method == "latest" { passed } else { record.passed || passed };
    }
    Ok(map)
}

pub fn passed(records: &HashMap<Uuid, QuizRecord>) -> HashSet<Uuid> {
    records.iter().filter(|(_, r)| r.passed).map(|(id, _)| *id).collect()
}

/// Open attempts whose deadline has passed, claimed for grading by one worker at a time.
pub async fn expired_open_attempts(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Uuid>> {
    quiz_attempts::table
        .filter(quiz_attempts::status.eq(OPEN))
        .filter(quiz_attempts::deadline_at.lt(diesel::dsl::now))
        .order(quiz_attempts::deadline_at)
        .limit(limit)
        .select(quiz_attempts::id)
        .load(conn)
        .await
}
