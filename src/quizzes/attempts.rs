//! The life of an attempt: start (draw and freeze questions), save answers until the deadline,
//! and grade exactly once, on submit, when touched after the deadline, or by the worker.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use rand::seq::SliceRandom;
use serde_json::json;
use uuid::Uuid;

use super::grading::{self, Answer, FrozenOption, FrozenQuestion, GradingSettings};
use super::{Attempt, SUBMITTED, store};
use crate::courses::model::{Question, QuestionOption, Quiz};
use crate::db::schema::{
    attempt_questions, course_instructors, courses, modules, question_options, questions, quiz_attempts,
    quizzes,
};
use crate::enrolments::unlock::ItemStatus;
use crate::enrolments::{Enrolment, progress};
use crate::http::{ApiError, CurrentUser};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;

pub async fn load_quiz(conn: &mut AsyncPgConnection, quiz_id: Uuid) -> Result<(Quiz, Uuid), ApiError> {
    quizzes::table
        .inner_join(modules::table)
        .filter(quizzes::id.eq(quiz_id))
        .select((Quiz::as_select(), modules::course_id))
        .first(conn)
        .await
        .optional()?
        .ok_or_else(ApiError::not_found)
}

/// Draws the questions of an attempt: a sample when the quiz draws fewer than it has, in
/// shuffled order and with shuffled options when the quiz says so.
async fn draw(conn: &mut AsyncPgConnection, quiz: &Quiz) -> Result<Vec<FrozenQuestion>, ApiError> {
    let mut pool: Vec<Question> = questions::table
        .filter(questions::quiz_id.eq(quiz.id))
        .order(questions::position)
        .select(Question::as_select())
        .load(conn)
        .await?;
    let ids: Vec<Uuid> = pool.iter().map(|q| q.id).collect();
    let options: Vec<QuestionOption> = question_options::table
        .filter(question_options::question_id.eq_any(&ids))
        .order((question_options::question_id, question_options::position))
        .select(QuestionOption::as_select())
        .load(conn)
        .await?;
    if pool.is_empty() {
        return Err(ApiError::Conflict("this quiz has no questions yet".into()));
    }
    let mut rng = rand::rng();
    if let Some(n) =
        quiz.questions_per_attempt.and_then(|n| usize::try_from(n).ok()).filter(|n| *n < pool.len())
    {
        pool.shuffle(&mut rng);
        pool.truncate(n);
        if !quiz.shuffle_questions {
            pool.sort_by_key(|q| q.position);
        }
    } else if quiz.shuffle_questions {
        pool.shuffle(&mut rng);
    }
    Ok(pool
        .into_iter()
        .map(|q| {
            let mut choices: Vec<FrozenOption> = options
                .iter()
                .filter(|o| o.question_id == q.id)
                .map(|o| FrozenOption { id: o.id, label: o.label.clone(), is_correct: o.is_correct })
                .collect();
            if quiz.shuffle_options {
                choices.shuffle(&mut rng);
            }
            FrozenQuestion {
                id: q.id,
                kind: q.kind,
                prompt: q.prompt,
                points: q.points,
                explanation: q.explanation,
                options: choices,
                accepted_answers: q.accepted_answers,
                numeric_answer: q.numeric_answer,
                tolerance: q.tolerance,
            }
        })
        .collect())
}

/// Starts an attempt for the caller. The enrolment row lock serialises starts, the unique
/// indexes (one open attempt; attempt numbers) and the limit CHECK back it in the database.
pub async fn start(
    state: &AppState,
    user: &CurrentUser,
    quiz_id: Uuid,
) -> Result<(Attempt, Vec<FrozenQuestion>), ApiError> {
    let mut conn = state.pool.get().await?;
    let (quiz, course_id) = load_quiz(&mut conn, quiz_id).await?;
    conn.transaction(async |tx| {
        let enrolment = progress::studying_enrolment(tx, user, course_id, true).await?;
        // The record read under the enrolment lock also gives the attempts used and granted.
        let (_, course_state, record) = progress::evaluate_with_record(tx, &enrolment).await?;
        if course_state.quiz_status(quiz_id) == Some(ItemStatus::Locked) {
            return Err(ApiError::Conflict("this quiz's module is locked: complete the previous module first".into()));
        }
        if let Some(open) = store::open_attempt(tx, enrolment.id, quiz_id).await? {
            if !open.past_deadline(Utc::now()) {
                return Err(ApiError::Conflict(format!("attempt {} is still open; submit it first", open.id)));
            }
            grade_now(tx, state, open, &quiz, &enrolment).await?;
        }
        let used = record.quizzes.get(&quiz_id).map_or(0, |done| done.used);
        let granted = record.extra_attempts.get(&quiz_id).copied().unwrap_or(0);
        let limit = super::policy::attempts_allowed(quiz.max_attempts, granted);
        if limit.is_some_and(|l| used >= l) {
            return Err(ApiError::Conflict("no attempts left on this quiz".into()));
        }
        let drawn = draw(tx, &quiz).await?;
        let deadline = quiz.time_limit_seconds.map(|s| Utc::now() + Duration::seconds(i64::from(s)));
        let attempt: Attempt = diesel::insert_into(quiz_attempts::table)
            .values((
                quiz_attempts::quiz_id.eq(quiz_id),
                quiz_attempts::enrolment_id.eq(enrolment.id),
                quiz_attempts::user_id.eq(user.id()),
                quiz_attempts::number.eq(i32::try_from(used + 1).unwrap_or(i32::MAX)),
                quiz_attempts::attempt_limit.eq(limit.and_then(|l| i32::try_from(l).ok())),
                quiz_attempts::deadline_at.eq(deadline),
            ))
            .returning(Attempt::as_returning())
            .get_result(tx)
            .await
            .map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict("an attempt was started at the same moment; use that one".into()),
                other => other,
            })?;
        let rows: Vec<_> = drawn
            .iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    attempt_questions::attempt_id.eq(attempt.id),
                    attempt_questions::question_id.eq(q.id),
                    attempt_questions::position.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                    attempt_questions::snapshot.eq(serde_json::to_value(q).unwrap_or_default()),
                )
            })
            .collect();
        diesel::insert_into(attempt_questions::table).values(&rows).execute(tx).await?;
        tracing::info!(attempt_id = %attempt.id, quiz_id = %quiz_id, number = attempt.number, "attempt started");
        Ok((attempt, drawn))
    })
    .await
}

/// Loads an attempt of the caller (404 for anyone else's), locked.
async fn own_attempt(
    tx: &mut AsyncPgConnection,
    user: &CurrentUser,
    attempt_id: Uuid,
) -> Result<Attempt, ApiError> {
    store::find(tx, attempt_id, true)
        .await?
        .filter(|a| a.user_id == user.id())
        .ok_or_else(ApiError::not_found)
}

enum SaveOutcome {
    /// The attempt with its frozen questions, which the response shows.
    Saved(Box<(Attempt, Vec<FrozenQuestion>)>),
    TooLate,
}

/// Saves answers (replacing earlier answers to the same questions) while the attempt is open
/// and its deadline has not passed. Past the deadline the attempt is graded on what was saved
/// in time, and the late answers are refused (409).
pub async fn save_answers(
    state: &AppState,
    user: &CurrentUser,
    attempt_id: Uuid,
    answers: Vec<Answer>,
) -> Result<(Attempt, Vec<FrozenQuestion>), ApiError> {
    let mut conn = state.pool.get().await?;
    let outcome = conn
        .transaction(async |tx| {
            let attempt = own_attempt(tx, user, attempt_id).await?;
            if !attempt.is_open() {
                return Err(ApiError::Conflict("the attempt is already submitted".into()));
            }
            if attempt.past_deadline(Utc::now()) {
                let (quiz, _) = load_quiz(tx, attempt.quiz_id).await?;
                let enrolment = crate::enrolments::store::find(tx, attempt.enrolment_id)
                    .await?
                    .ok_or_else(ApiError::not_found)?;
                grade_now(tx, state, attempt, &quiz, &enrolment).await?;
                return Ok(SaveOutcome::TooLate);
            }
            let questions = store::frozen_questions(tx, attempt.id).await?;
            grading::validate(&questions, &answers).map_err(ApiError::Validation)?;
            let mut merged = attempt.saved_answers();
            merged.retain(|old| !answers.iter().any(|new| new.question_id == old.question_id));
            merged.extend(answers.iter().cloned());
            let saved: Attempt = diesel::update(quiz_attempts::table.find(attempt.id))
                .set((
                    quiz_attempts::answers.eq(serde_json::to_value(&merged).unwrap_or_default()),
                    quiz_attempts::answers_saved_at.eq(diesel::dsl::now),
                ))
                .returning(Attempt::as_returning())
                .get_result(tx)
                .await?;
            Ok(SaveOutcome::Saved(Box::new((saved, questions))))
        })
        .await?;
    match outcome {
        SaveOutcome::Saved(saved) => Ok(*saved),
        SaveOutcome::TooLate => Err(ApiError::Conflict(
            "the deadline has passed: the attempt was graded on the answers saved in time".into(),
        )),
    }
}

/// Grades the attempt once; a repeated or concurrent submit gets the stored result.
pub async fn submit(state: &AppState, user: &CurrentUser, attempt_id: Uuid) -> Result<Attempt, ApiError> {
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let attempt = own_attempt(tx, user, attempt_id).await?;
        if !attempt.is_open() {
            return Ok(attempt);
        }
        let (quiz, _) = load_quiz(tx, attempt.quiz_id).await?;
        let enrolment = crate::enrolments::store::find(tx, attempt.enrolment_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        grade_now(tx, state, attempt, &quiz, &enrolment).await
    })
    .await
}

/// Grades an open, locked attempt on its saved answers and applies the consequences: a pass
/// may complete the module and the course; a last failed attempt tells trainee and instructors.
pub async fn grade_now(
    tx: &mut AsyncPgConnection,
    state: &AppState,
    attempt: Attempt,
    quiz: &Quiz,
    enrolment: &Enrolment,
) -> Result<Attempt, ApiError> {
    let questions = store::frozen_questions(tx, attempt.id).await?;
    let settings =
        GradingSettings { partial_credit: quiz.partial_credit, accent_insensitive: quiz.accent_insensitive };
    let grade = grading::grade(&questions, &attempt.saved_answers(), settings, quiz.pass_mark_percent);
    let graded: Attempt =
        diesel::update(quiz_attempts::table.find(attempt.id).filter(quiz_attempts::status.eq(super::OPEN)))
            .set((
                quiz_attempts::status.eq(SUBMITTED),
                quiz_attempts::submitted_at.eq(diesel::dsl::now),
                quiz_attempts::score_percent.eq(grade.score_percent),
                quiz_attempts::passed.eq(grade.passed),
                quiz_attempts::grade.eq(serde_json::to_value(&grade).unwrap_or_default()),
            ))
            .returning(Attempt::as_returning())
            .get_result(tx)
            .await?;
    tracing::info!(attempt_id = %graded.id, score = grade.score_percent, passed = grade.passed, "attempt graded");
    if grade.passed {
        let (_, course_state) = progress::evaluate(tx, enrolment).await?;
        if course_state.all_completed && crate::enrolments::store::mark_completed(tx, enrolment.id).await? {
            progress::record_completion(tx, &state.config.public_url, enrolment).await?;
        }
    } else if graded.attempt_limit.is_some_and(|limit| graded.number >= limit) {
        // The limit copied onto the attempt at its start may be out of date: an instructor can
        // grant more while it is open. Grants only add, so the current limit is checked only
        // when the copied one says "last".
        let still_last = store::attempts_allowed(tx, enrolment.id, quiz)
            .await?
            .is_some_and(|limit| i64::from(graded.number) >= limit);
        let records = store::records(tx, enrolment.id).await?;
        let record = records.get(&quiz.id).cloned().unwrap_or_default();
        if still_last && !record.passed {
            notify_no_attempts_left(tx, state, quiz, enrolment, record.best_score_percent.unwrap_or(0.0))
                .await?;
        }
    }
    // Audited last: every lock this grading needs (the enrolment's, when it completes) is
    // taken before the audit lock, in the same order as everywhere else.
    let summary = json!({"quiz_id": graded.quiz_id, "number": graded.number, "score_percent": grade.score_percent, "passed": grade.passed});
    crate::audit::log(tx, Some(graded.user_id), "attempt.graded", "attempt", graded.id, summary).await?;
    Ok(graded)
}

async fn notify_no_attempts_left(
    tx: &mut AsyncPgConnection,
    state: &AppState,
    quiz: &Quiz,
    enrolment: &Enrolment,
    best: f64,
) -> Result<(), ApiError> {
    let trainee = crate::users::store::find(tx, enrolment.user_id).await?.ok_or_else(ApiError::not_found)?;
    let course_title: String =
        courses::table.find(enrolment.course_id).select(courses::title).first(tx).await?;
    let instructors: Vec<(String, String)> = course_instructors::table
        .inner_join(crate::db::schema::users::table)
        .filter(course_instructors::course_id.eq(enrolment.course_id))
        .select((crate::db::schema::users::full_name, crate::db::schema::users::email))
        .load(tx)
        .await?;
    let public_url = &state.config.public_url;
    let recipients = std::iter::once((trainee.full_name.clone(), trainee.email.clone())).chain(instructors);
    for (name, email) in recipients {
        let context = json!({
            "recipient_name": name, "trainee_name": trainee.full_name, "quiz_title": quiz.title,
            "course_title": course_title, "pass_mark": quiz.pass_mark_percent, "best_score": best,
        });
        // One notice per recipient per exhausted limit, however often grading is retried.
        let dedup = format!("quiz-failed:{}:{}:{}", enrolment.id, quiz.id, email.to_lowercase());
        messages::queue(tx, public_url, MessageKind::QuizFailedFinal, &email, context, Some(dedup)).await?;
    }
    Ok(())
}

/// Worker pass: grades attempts whose deadline passed without a submit. Each is graded in its
/// own transaction under its row lock; one graded meanwhile by a request is skipped.
pub async fn grade_expired(state: &AppState) -> Result<usize, ApiError> {
    let mut conn = state.pool.get().await?;
    let ids = store::expired_open_attempts(&mut conn, 100).await?;
    let mut graded = 0;
    for id in ids {
        let done = conn
            .transaction(async |tx| {
                let Some(attempt) = store::find(tx, id, true).await?.filter(Attempt::is_open) else {
                    return Ok::<_, ApiError>(false);
                };
                let (quiz, _) = load_quiz(tx, attempt.quiz_id).await?;
                let enrolment = crate::enrolments::store::find(tx, attempt.enrolment_id)
                    .await?
                    .ok_or_else(ApiError::not_found)?;
                grade_now(tx, state, attempt, &quiz, &enrolment).await?;
                Ok(true)
            })
            .await?;
        graded += usize::from(done);
    }
    Ok(graded)
}
