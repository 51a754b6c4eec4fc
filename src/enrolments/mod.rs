//! Cohorts, enrolment and progress: who takes which course when, capacity and waitlists,
//! lesson completion, module locking and course completion. Records are never deleted: a
//! withdrawal is a status, and re-enrolling starts a new enrolment beside the old one.

pub mod bulk;
pub mod cohorts;
pub mod enrol;
pub mod progress;
pub mod routes;
pub mod store;
pub mod unlock;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::enrolments;

pub const ACTIVE: &str = "active";
pub const WAITLISTED: &str = "waitlisted";
pub const COMPLETED: &str = "completed";
pub const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = enrolments)]
pub struct Enrolment {
    pub id: Uuid,
    pub user_id: Uuid,
    pub course_id: Uuid,
    pub cohort_id: Option<Uuid>,
    pub status: String,
    pub course_revision: i32,
    pub enrolled_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub enrolled_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl Enrolment {
    pub fn is_current(&self) -> bool {
        self.status == ACTIVE || self.status == WAITLISTED
    }
}

/// An enrolment as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnrolmentView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub course_id: Uuid,
    pub cohort_id: Option<Uuid>,
    /// `active`, `waitlisted`, `completed` or `withdrawn`.
    pub status: String,
    pub enrolled_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub course_revision: i32,
}

impl From<&Enrolment> for EnrolmentView {
    fn from(e: &Enrolment) -> Self {
        EnrolmentView {
            id: e.id,
            user_id: e.user_id,
            course_id: e.course_id,
            cohort_id: e.cohort_id,
            status: e.status.clone(),
            enrolled_at: e.enrolled_at,
            due_on: e.due_on,
            completed_at: e.completed_at,
            withdrawn_at: e.withdrawn_at,
            course_revision: e.course_revision,
        }
    }
}
