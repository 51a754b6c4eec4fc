//! Who may see and who may edit a course. Trainees see published courses only (anything else
//! is 404, as if it did not exist); a course's instructors and every admin may edit it; other
//! staff get 403 on a course they can see and 404 on one they cannot.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::Course;
use super::store;
use crate::http::{ApiError, CurrentUser};

pub async fn may_edit(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(user.is_admin()
        || (user.role().is_staff() && store::is_instructor(conn, course_id, user.id()).await?))
}

/// The course if `user` may see it; 404 otherwise.
pub async fn readable_course(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
) -> Result<Course, ApiError> {
    let course = store::find_course(conn, course_id).await?.ok_or_else(ApiError::not_found)?;
    if course.is_published() || may_edit(conn, user, course_id).await? {
        Ok(course)
    } else {
        Err(ApiError::not_found())
    }
}

/// The course if `user` may edit it; 403 if they may only see it, 404 if not even that.
pub async fn editable_course(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
) -> Result<Course, ApiError> {
    let course = store::find_course(conn, course_id).await?.ok_or_else(ApiError::not_found)?;
    if may_edit(conn, user, course_id).await? {
        Ok(course)
    } else if course.is_published() {
        Err(ApiError::Forbidden("only this course's instructors and administrators may change it".into()))
    } else {
        Err(ApiError::not_found())
    }
}

/// Resolves the course a module, lesson, quiz or question belongs to (404 when unknown).
pub async fn course_of(conn: &mut AsyncPgConnection, item: Item) -> Result<Uuid, ApiError> {
    let found = match item {
        Item::Module(id) => store::course_id_of_module(conn, id).await?,
        Item::Lesson(id) => store::course_id_of_lesson(conn, id).await?,
        Item::Quiz(id) => store::course_id_of_quiz(conn, id).await?,
        Item::Question(id) => store::course_id_of_question(conn, id).await?,
    };
    found.ok_or_else(ApiError::not_found)
}

#[derive(Debug, Clone, Copy)]
pub enum Item {
    Module(Uuid),
    Lesson(Uuid),
    Quiz(Uuid),
    Question(Uuid),
}
