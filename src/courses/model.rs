//! Rows of the course tables, as diesel reads and writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{courses, lessons, modules, question_options, questions, quizzes};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = courses)]
pub struct Course {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub status: String,
    pub revision: i32,
    pub self_enrolment: bool,
    pub certificate_validity_days: Option<i32>,
    pub created_by: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Course {
    pub fn is_published(&self) -> bool {
        self.status == "published"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = modules)]
pub struct Module {
    pub id: Uuid,
    pub course_id: Uuid,
    pub position: i32,
    pub title: String,
    pub summary: String,
    pub requires_previous: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = lessons)]
pub struct Lesson {
    pub id: Uuid,
    pub module_id: Uuid,
    pub position: i32,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    #[diesel(treat_none_as_null = true)]
    pub estimated_minutes: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = quizzes, treat_none_as_null = true)]
pub struct Quiz {
    pub id: Uuid,
    pub module_id: Uuid,
    pub title: String,
    pub pass_mark_percent: i32,
    pub max_attempts: Option<i32>,
    pub time_limit_seconds: Option<i32>,
    pub questions_per_attempt: Option<i32>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub grading_method: String,
    pub review_policy: String,
    pub partial_credit: bool,
    pub accent_insensitive: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = questions, treat_none_as_null = true)]
pub struct Question {
    pub id: Uuid,
    pub quiz_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    pub explanation: Option<String>,
    pub accepted_answers: Vec<String>,
    pub numeric_answer: Option<f64>,
    pub tolerance: Option<f64>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable, AsChangeset)]
#[diesel(table_name = question_options)]
pub struct QuestionOption {
    pub id: Uuid,
    pub question_id: Uuid,
    pub position: i32,
    pub label: String,
    pub is_correct: bool,
}
