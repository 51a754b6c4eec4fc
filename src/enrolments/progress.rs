//! A trainee's progress: the outline of their course with what is locked, open and done, and
//! completing lessons, which completes the enrolment when the last module is done.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::unlock::{self, CourseState, ItemStatus};
use super::{COMPLETED, Enrolment, WITHDRAWN, store};
use crate::courses::store::{self as course_store, CourseStructure};
use crate::db::schema::domain_events;
use crate::http::{ApiError, CurrentUser};
use crate::quizzes::store::{self as quiz_store, QuizRecord};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonProgress {
    pub id: Uuid,
    pub title: String,
    pub status: ItemStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuizProgress {
    pub id: Uuid,
    pub title: String,
    pub status: ItemStatus,
    pub attempts_used: i64,
    /// `null`: unlimited.
    pub attempts_allowed: Option<i64>,
    pub best_score_percent: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleProgress {
    pub id: Uuid,
    pub title: String,
    pub status: ItemStatus,
    pub lessons: Vec<LessonProgress>,
    pub quizzes: Vec<QuizProgress>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Outline {
    pub enrolment_id: Uuid,
    pub course_id: Uuid,
    /// The enrolment's status.
    pub status: String,
    pub percent_complete: u8,
    pub due_on: Option<NaiveDate>,
    /// Past its due date and not completed.
    pub overdue: bool,
    pub modules: Vec<ModuleProgress>,
}

/// What one enrolment has done: completed lessons and, per quiz, attempts and pass.
pub struct Record {
    pub lessons: HashSet<Uuid>,
    pub quizzes: HashMap<Uuid, QuizRecord>,
    /// Extra attempts instructors granted, by quiz.
    pub extra_attempts: HashMap<Uuid, i64>,
}

/// Where one enrolment stands: five queries whatever the course size (structure, completed
/// lessons, attempts).
pub async fn evaluate(
    conn: &mut AsyncPgConnection,
    enrolment: &Enrolment,
) -> Result<(CourseStructure, CourseState), ApiError> {
    let (structure, state, _, _) = evaluate_parts(conn, enrolment).await?;
    Ok((structure, state))
}

/// `evaluate` plus what the trainee has done, with granted attempts (one query more), for the
/// outline and for decisions that count attempts.
pub async fn evaluate_with_record(
    conn: &mut AsyncPgConnection,
    enrolment: &Enrolment,
) -> Result<(CourseStructure, CourseState, Record), ApiError> {
    let (structure, state, lessons, quizzes) = evaluate_parts(conn, enrolment).await?;
    let extra_attempts = quiz_store::granted_extras(conn, enrolment.id).await?;
    Ok((structure, state, Record { lessons, quizzes, extra_attempts }))
}

async fn evaluate_parts(
    conn: &mut AsyncPgConnection,
    enrolment: &Enrolment,
) -> Result<(CourseStructure, CourseState, HashSet<Uuid>, HashMap<Uuid, QuizRecord>), ApiError> {
    let structure = course_store::load_structure(conn, enrolment.course_id).await?;
    let lessons = store::completed_lessons(conn, enrolment.id).await?;
    let quizzes = quiz_store::records(conn, enrolment.id).await?;
    let state = unlock::evaluate(&structure.shapes(), &lessons, &quiz_store::passed(&quizzes));
    Ok((structure, state, lessons, quizzes))
}

/// Percent complete of many enrolments at once: one course structure per distinct course, one
/// completions query and one attempts query in all, however many enrolments.
pub async fn percents(
    conn: &mut AsyncPgConnection,
    rows: &[Enrolment],
) -> Result<HashMap<Uuid, u8>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
    let completions = store::completed_lessons_of(conn, &ids).await?;
    let quiz_records = quiz_store::records_of(conn, &ids).await?;
    let mut shapes = HashMap::new();
    let mut out = HashMap::with_capacity(rows.len());
    for e in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = shapes.entry(e.course_id) {
            slot.insert(course_store::load_structure(conn, e.course_id).await?.shapes());
        }
        let done = completions.get(&e.id).cloned().unwrap_or_default();
        let passed = quiz_records.get(&e.id).map(quiz_store::passed).unwrap_or_default();
        out.insert(e.id, unlock::evaluate(&shapes[&e.course_id], &done, &passed).percent_complete);
    }
    Ok(out)
}

pub fn is_overdue(enrolment: &Enrolment, today: NaiveDate) -> bool {
    enrolment.due_on.is_some_and(|due| due < today)
        && enrolment.status != COMPLETED
        && enrolment.status != WITHDRAWN
}

pub fn outline(
    enrolment: &Enrolment,
    structure: &CourseStructure,
    state: &CourseState,
    record: &Record,
) -> Outline {
    let modules = structure
        .modules
        .iter()
        .zip(&state.modules)
        .map(|(module, module_state)| ModuleProgress {
            id: module.id,
            title: module.title.clone(),
            status: module_state.status,
            lessons: module_state
                .lessons
                .iter()
                .filter_map(|(id, status)| {
                    let title = structure.lessons.iter().find(|l| l.0 == *id)?.2.clone();
                    Some(LessonProgress { id: *id, title, status: *status })
                })
                .collect(),
            quizzes: module_state
                .quiz
                .iter()
                .filter_map(|(id, status)| {
                    let quiz = structure.quizzes.iter().find(|q| q.0 == *id)?;
                    let done = record.quizzes.get(id).cloned().unwrap_or_default();
                    Some(QuizProgress {
                        id: *id,
                        title: quiz.2.clone(),
                        status: *status,
                        attempts_used: done.used,
                        attempts_allowed: crate::quizzes::policy::attempts_allowed(
                            quiz.3,
                            record.extra_attempts.get(id).copied().unwrap_or(0),
                        ),
                        best_score_percent: done.best_score_percent,
                    })
                })
                .collect(),
        })
        .collect();
    Outline {
        enrolment_id: enrolment.id,
        course_id: enrolment.course_id,
        status: enrolment.status.clone(),
        percent_complete: state.percent_complete,
        due_on: enrolment.due_on,
        overdue: is_overdue(enrolment, Utc::now().date_naive()),
        modules,
    }
}

/// The enrolment if `user` is its trainee or may edit its course; 404 otherwise.
pub async fn visible_enrolment(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<Enrolment, ApiError> {
    let enrolment = store::find(conn, id).await?.ok_or_else(ApiError::not_found)?;
    if enrolment.user_id == user.id()
        || crate::courses::access::may_edit(conn, user, enrolment.course_id).await?
    {
        Ok(enrolment)
    } else {
        Err(ApiError::not_found())
    }
}

/// The enrolment through which `user` studies `course_id`: 403 when there is none, 409 while
/// waitlisted.
pub async fn studying_enrolment(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
    lock: bool,
) -> Result<Enrolment, ApiError> {
    let enrolment = store::latest_for(conn, user.id(), course_id, lock)
        .await?
        .ok_or_else(|| ApiError::Forbidden("enrol in the course first".into()))?;
    if store::is_waitlisted(&enrolment) {
        return Err(ApiError::Conflict("you are on the waiting list for this course".into()));
    }
    Ok(enrolment)
}

/// Marks a lesson complete (idempotent). Locked lessons are refused with 409. Completing the
/// last open item completes the enrolment exactly once and records `enrolment_completed`.
pub async fn complete_lesson(
    state: &AppState,
    user: &CurrentUser,
    lesson_id: Uuid,
) -> Result<Outline, ApiError> {
    let mut conn = state.pool.get().await?;
    let course_id =
        crate::courses::access::course_of(&mut conn, crate::courses::access::Item::Lesson(lesson_id)).await?;
    conn.transaction(async |tx| {
        // The enrolment row lock serialises this trainee's completions in this course.
        let enrolment = studying_enrolment(tx, user, course_id, true).await?;
        let (structure, before, mut record) = evaluate_with_record(tx, &enrolment).await?;
        match before.lesson_status(lesson_id) {
            Some(ItemStatus::Locked) => {
                return Err(ApiError::Conflict(
                    "this lesson's module is locked: complete the previous module first".into(),
                ));
            }
            None => return Err(ApiError::not_found()),
            _ => {}
        }
        store::complete_lesson(tx, enrolment.id, lesson_id).await?;
        // The enrolment row lock means nothing else changed this record meanwhile, so the new
        // state follows from the old record plus this lesson, without reading it all again.
        record.lessons.insert(lesson_id);
        let after =
            unlock::evaluate(&structure.shapes(), &record.lessons, &quiz_store::passed(&record.quizzes));
        let mut enrolment = enrolment;
        if after.all_completed && store::mark_completed(tx, enrolment.id).await? {
            record_completion(tx, &state.config.public_url, &enrolment).await?;
            enrolment = store::find(tx, enrolment.id).await?.ok_or_else(ApiError::not_found)?;
        }
        Ok(outline(&enrolment, &structure, &after, &record))
    })
    .await
}

/// Records that an enrolment completed, once (a unique constraint), and issues its certificate
/// in the same transaction.
pub async fn record_completion(
    tx: &mut AsyncPgConnection,
    public_url: &url::Url,
    enrolment: &Enrolment,
) -> Result<(), ApiError> {
    diesel::insert_into(domain_events::table)
        .values((
            domain_events::kind.eq("enrolment_completed"),
            domain_events::entity_id.eq(enrolment.id),
            domain_events::payload
                .eq(json!({"user_id": enrolment.user_id, "course_id": enrolment.course_id})),
        ))
        .on_conflict_do_nothing()
        .execute(tx)
        .await?;
    let summary = json!({"user_id": enrolment.user_id, "course_id": enrolment.course_id, "to": "completed"});
    crate::audit::log(tx, Some(enrolment.user_id), "enrolment.completed", "enrolment", enrolment.id, summary)
        .await?;
    crate::certificates::issue::issue_for(tx, public_url, enrolment).await?;
    tracing::info!(enrolment_id = %enrolment.id, user_id = %enrolment.user_id, "enrolment completed");
    Ok(())
}
