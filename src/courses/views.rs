//! What the API shows of courses. Trainee-facing views never carry correctness data
//! (`is_correct`, accepted answers, numeric answers, explanations); only `QuizForEditors` does.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::model::{Course, Lesson, Module, Question, Quiz};
use super::store::CourseTree;

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseSummary {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    pub revision: i32,
    pub self_enrolment: bool,
    pub certificate_validity_days: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&Course> for CourseSummary {
    fn from(c: &Course) -> Self {
        CourseSummary {
            id: c.id,
            slug: c.slug.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            language: c.language.clone(),
            status: c.status.clone(),
            revision: c.revision,
            self_enrolment: c.self_enrolment,
            certificate_validity_days: c.certificate_validity_days,
            published_at: c.published_at,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonOutline {
    pub id: Uuid,
    pub position: i32,
    pub title: String,
    pub estimated_minutes: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuizOutline {
    pub id: Uuid,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleOutline {
    pub id: Uuid,
    pub course_id: Uuid,
    pub position: i32,
    pub title: String,
    pub summary: String,
    pub requires_previous: bool,
    pub lessons: Vec<LessonOutline>,
    pub quizzes: Vec<QuizOutline>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetail {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub status: String,
    pub revision: i32,
    pub self_enrolment: bool,
    pub certificate_validity_days: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    pub modules: Vec<ModuleOutline>,
}

impl CourseDetail {
    pub fn from_tree(tree: &CourseTree) -> Self {
        let c = &tree.course;
        CourseDetail {
            id: c.id,
            slug: c.slug.clone(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            language: c.language.clone(),
            status: c.status.clone(),
            revision: c.revision,
            self_enrolment: c.self_enrolment,
            certificate_validity_days: c.certificate_validity_days,
            published_at: c.published_at,
            modules: tree.modules.iter().map(|m| module_outline(tree, m)).collect(),
        }
    }
}

pub fn module_outline(tree: &CourseTree, m: &Module) -> ModuleOutline {
    ModuleOutline {
        id: m.id,
        course_id: m.course_id,
        position: m.position,
        title: m.title.clone(),
        summary: m.summary.clone(),
        requires_previous: m.requires_previous,
        lessons: tree
            .lessons_of(m.id)
            .map(|l| LessonOutline {
                id: l.id,
                position: l.position,
                title: l.title.clone(),
                estimated_minutes: l.estimated_minutes,
            })
            .collect(),
        quizzes: tree
            .quiz_of(m.id)
            .map(|q| QuizOutline { id: q.id, title: q.title.clone() })
            .into_iter()
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonView {
    pub id: Uuid,
    pub module_id: Uuid,
    pub position: i32,
    pub title: String,
    /// As the instructor wrote it.
    pub body_markdown: String,
    /// Rendered and sanitised: safe to insert into a page.
    pub body_html: String,
    pub estimated_minutes: Option<i32>,
}

impl From<Lesson> for LessonView {
    fn from(l: Lesson) -> Self {
        LessonView {
            id: l.id,
            module_id: l.module_id,
            position: l.position,
            title: l.title,
            body_markdown: l.body_markdown,
            body_html: l.body_html,
            estimated_minutes: l.estimated_minutes,
        }
    }
}

/// A quiz's settings: what a trainee may see (no questions, nothing about answers), and the
/// first half of what its editors see.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizSettings {
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
    pub question_count: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionForEditors {
    pub id: Uuid,
    pub label: String,
    pub is_correct: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionForEditors {
    pub id: Uuid,
    pub quiz_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    pub explanation: Option<String>,
    pub options: Vec<OptionForEditors>,
    pub accepted_answers: Vec<String>,
    pub numeric_answer: Option<f64>,
    pub tolerance: Option<f64>,
}

/// A quiz with everything, correctness included: for its course's instructors and admins.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizForEditors {
    #[serde(flatten)]
    pub settings: QuizSettings,
    pub questions: Vec<QuestionForEditors>,
}

pub fn question_for_editors(tree: &CourseTree, q: &Question) -> QuestionForEditors {
    QuestionForEditors {
        id: q.id,
        quiz_id: q.quiz_id,
        position: q.position,
        kind: q.kind.clone(),
        prompt: q.prompt.clone(),
        points: q.points,
        explanation: q.explanation.clone(),
        options: tree
            .options_of(q.id)
            .map(|o| OptionForEditors { id: o.id, label: o.label.clone(), is_correct: o.is_correct })
            .collect(),
        accepted_answers: q.accepted_answers.clone(),
        numeric_answer: q.numeric_answer,
        tolerance: q.tolerance,
    }
}

pub fn quiz_for_editors(tree: &CourseTree, quiz: &Quiz) -> QuizForEditors {
    QuizForEditors {
        settings: quiz_settings(tree, quiz),
        questions: tree.questions_of(quiz.id).map(|q| question_for_editors(tree, q)).collect(),
    }
}

pub fn quiz_settings(tree: &CourseTree, quiz: &Quiz) -> QuizSettings {
    QuizSettings {
        id: quiz.id,
        module_id: quiz.module_id,
        title: quiz.title.clone(),
        pass_mark_percent: quiz.pass_mark_percent,
        max_attempts: quiz.max_attempts,
        time_limit_seconds: quiz.time_limit_seconds,
        questions_per_attempt: quiz.questions_per_attempt,
        shuffle_questions: quiz.shuffle_questions,
        shuffle_options: quiz.shuffle_options,
        grading_method: quiz.grading_method.clone(),
        review_policy: quiz.review_policy.clone(),
        partial_credit: quiz.partial_credit,
        accent_insensitive: quiz.accent_insensitive,
        question_count: tree.questions_of(quiz.id).count(),
    }
}

/// A trainee's own attempt, in summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptSummary {
    pub id: Uuid,
    pub number: i32,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
}

/// A quiz as an enrolled trainee sees it: its settings and their own attempts, no questions.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuizForTrainee {
    #[serde(flatten)]
    pub settings: QuizSettings,
    /// Attempts allowed including extra ones granted; `null`: unlimited.
    pub attempts_allowed: Option<i64>,
    pub attempts_used: usize,
    pub passed: bool,
    pub attempts: Vec<AttemptSummary>,
}

/// `GET /quizzes/{id}`: everything for the course's instructors, settings and own attempts for
/// an enrolled trainee.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum QuizView {
    Editors(QuizForEditors),
    Trainee(QuizForTrainee),
}
