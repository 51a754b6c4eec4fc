//! Changing courses through the API: validation of each request, then the writes, each change in
//! one transaction. Field rules shared by several requests live here.

pub mod courses;
pub mod modules;
pub mod quizzes;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::access;
use super::model::Course;
use crate::http::{ApiError, CurrentUser, FieldError};

pub fn check_title(title: &str, field: &str, errors: &mut Vec<FieldError>) -> String {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        errors.push(FieldError::new(field, "must be 1 to 300 characters"));
    }
    title.to_owned()
}

pub fn check_positive(value: Option<i32>, field: &str, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| v < 1) {
        errors.push(FieldError::new(field, "must be at least 1"));
    }
}

pub fn done(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// The course `item` belongs to, if `user` may edit it.
pub async fn editable(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    item: access::Item,
) -> Result<Course, ApiError> {
    let course_id = access::course_of(conn, item).await?;
    access::editable_course(conn, user, course_id).await
}

/// Maps a delete refused by trainee records (a foreign key) to a clear 409.
pub fn refuse_if_records(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _) => {
            ApiError::Conflict(
                "trainees already have records for this; archive the course instead of deleting".into(),
            )
        }
        other => other.into(),
    }
}

/// A requested 1-based position, clamped to `1..=next` (next = one past the last sibling).
pub fn clamp_position(requested: Option<i32>, next: i32) -> i32 {
    requested.map_or(next, |p| p.clamp(1, next))
}

pub type Id = Uuid;
