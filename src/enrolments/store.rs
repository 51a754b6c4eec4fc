//! Queries on enrolments and lesson completions.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{ACTIVE, Enrolment, WAITLISTED};
use crate::db::schema::{enrolments, lesson_completions};
use crate::http::pagination::PageRequest;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Enrolment>> {
    enrolments::table.find(id).select(Enrolment::as_select()).first(conn).await.optional()
}

/// The person's newest enrolment in the course that is not withdrawn (current or completed),
/// locked when `lock` is set.
pub async fn latest_for(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    course_id: Uuid,
    lock: bool,
) -> QueryResult<Option<Enrolment>> {
    let query = enrolments::table
        .filter(enrolments::user_id.eq(user_id))
        .filter(enrolments::course_id.eq(course_id))
        .filter(enrolments::status.ne(super::WITHDRAWN))
        .order(enrolments::enrolled_at.desc())
        .select(Enrolment::as_select());
    if lock { query.for_update().first(conn).await.optional() } else { query.first(conn).await.optional() }
}

pub async fn completed_lessons(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<HashSet<Uuid>> {
    let ids: Vec<Uuid> = lesson_completions::table
        .filter(lesson_completions::enrolment_id.eq(enrolment_id))
        .select(lesson_completions::lesson_id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Completed lessons of many enrolments at once (one query, for lists).
pub async fn completed_lessons_of(
    conn: &mut AsyncPgConnection,
    enrolment_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, HashSet<Uuid>>> {
    let rows: Vec<(Uuid, Uuid)> = lesson_completions::table
        .filter(lesson_completions::enrolment_id.eq_any(enrolment_ids))
        .select((lesson_completions::enrolment_id, lesson_completions::lesson_id))
        .load(conn)
        .await?;
    let mut map: HashMap<Uuid, HashSet<Uuid>> = HashMap::new();
    for (enrolment, lesson) in rows {
        map.entry(enrolment).or_default().insert(lesson);
    }
    Ok(map)
}

/// Records a completed lesson; a repeat changes nothing.
pub async fn complete_lesson(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
    lesson_id: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(lesson_completions::table)
        .values((
            lesson_completions::enrolment_id.eq(enrolment_id),
            lesson_completions::lesson_id.eq(lesson_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// Filters of an instructor's enrolment list.
#[derive(Debug, Default)]
pub struct EnrolmentFilter {
    pub cohort_id: Option<Uuid>,
    pub status: Option<String>,
}

pub async fn list_for_course(
    conn: &mut AsyncPgConnection,
    course_id: Uuid,
    filter: &EnrolmentFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Enrolment>> {
    let mut query = enrolments::table
        .filter(enrolments::course_id.eq(course_id))
        .select(Enrolment::as_select())
        .into_boxed();
    if let Some(cohort) = filter.cohort_id {
        query = query.filter(enrolments::cohort_id.eq(cohort));
    }
    if let Some(status) = &filter.status {
        query = query.filter(enrolments::status.eq(status.clone()));
    }
    if let Some(after) = page.after {
        query = query.filter(
            enrolments::created_at
                .gt(after.created_at)
                .or(enrolments::created_at.eq(after.created_at).and(enrolments::id.gt(after.id))),
        );
    }
    query.order((enrolments::created_at, enrolments::id)).limit(page.fetch()).load(conn).await
}

pub async fn list_for_user(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Vec<Enrolment>> {
    enrolments::table
        .filter(enrolments::user_id.eq(user_id))
        .order(enrolments::enrolled_at.desc())
        .select(Enrolment::as_select())
        .load(conn)
        .await
}

/// Marks the enrolment completed if it is still active; returns whether this call did it, so
/// that of two racing completions exactly one wins.
pub async fn mark_completed(conn: &mut AsyncPgConnection, enrolment_id: Uuid) -> QueryResult<bool> {
    let changed = diesel::update(enrolments::table.find(enrolment_id).filter(enrolments::status.eq(ACTIVE)))
        .set((enrolments::status.eq(super::COMPLETED), enrolments::completed_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

pub fn is_waitlisted(enrolment: &Enrolment) -> bool {
    enrolment.status == WAITLISTED
}
