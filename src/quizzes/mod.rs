//! Quiz attempts and grading: drawing and freezing questions, saving answers until the
//! deadline, grading exactly once on the server, review according to the quiz's policy, the
//! instructors' gradebook and question statistics, and extra attempts.

pub mod attempts;
pub mod gradebook;
pub mod grading;
pub mod policy;
pub mod routes;
pub mod store;
pub mod views;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::quiz_attempts;

pub const OPEN: &str = "open";
pub const SUBMITTED: &str = "submitted";

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = quiz_attempts)]
pub struct Attempt {
    pub id: Uuid,
    pub quiz_id: Uuid,
    pub enrolment_id: Uuid,
    pub user_id: Uuid,
    pub number: i32,
    pub attempt_limit: Option<i32>,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub answers: serde_json::Value,
    pub answers_saved_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    pub grade: Option<serde_json::Value>,
}

impl Attempt {
    pub fn is_open(&self) -> bool {
        self.status == OPEN
    }

    pub fn past_deadline(&self, now: DateTime<Utc>) -> bool {
        self.deadline_at.is_some_and(|d| now > d)
    }

    pub fn saved_answers(&self) -> Vec<grading::Answer> {
        serde_json::from_value(self.answers.clone()).unwrap_or_default()
    }

    pub fn graded(&self) -> Option<grading::Grade> {
        self.grade.clone().and_then(|g| serde_json::from_value(g).ok())
    }
}
