//! The course as files (`course-content/<slug>/`, format in `course-content/README.md`) and as
//! one in-memory tree, `CourseBundle`, which is also what the database side loads and saves.
//! Import is files → bundle → database; export is database → bundle → files; publishing
//! validates a bundle. One shape, so the forms convert into each other exactly.

pub mod parse;
pub mod write;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A whole course with everything in it, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseBundle {
    pub course: CourseFile,
    /// In course order.
    pub modules: Vec<ModuleBundle>,
}

/// `course.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseFile {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// BCP 47 tag.
    pub language: String,
    /// `None`: certificates never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_validity_days: Option<i32>,
    pub self_enrolment: bool,
    /// `draft`, `published` or `archived`.
    pub status: String,
}

/// One module folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleBundle {
    pub module: ModuleFile,
    /// In module order.
    pub lessons: Vec<LessonFile>,
    /// At most one quiz per module.
    pub quiz: Option<QuizFile>,
}

/// `module.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleFile {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub requires_previous: bool,
}

/// A lesson file: its front matter, plus the Markdown body after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    pub id: Uuid,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_minutes: Option<i32>,
    /// Not in the front matter: the text after it, as written.
    #[serde(skip)]
    pub body_markdown: String,
}

/// `quiz.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuizFile {
    pub id: Uuid,
    pub title: String,
    pub pass_mark_percent: i32,
    /// `None`: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<i32>,
    /// `None`: no time limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_limit_seconds: Option<i32>,
    /// `None`: every question, every attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questions_per_attempt: Option<i32>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    /// `highest` or `latest`.
    pub grading_method: String,
    /// `never`, `after_submit`, `after_pass` or `after_last_attempt`.
    pub review_policy: String,
    /// Multiple choice earns partial credit (right picks minus wrong picks, floored at zero).
    #[serde(default, skip_serializing_if = "is_false")]
    pub partial_credit: bool,
    /// Short-text answers match without regard to accents.
    #[serde(default, skip_serializing_if = "is_false")]
    pub accent_insensitive: bool,
    /// In quiz order.
    #[serde(default)]
    pub questions: Vec<QuestionFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionFile {
    pub id: Uuid,
    /// `single_choice`, `multiple_choice`, `true_false`, `short_text` or `numeric`.
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted_answers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numeric_answer: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// In display order (before any shuffling).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionFile {
    pub id: Uuid,
    pub label: String,
    pub is_correct: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A problem in a content file: which file, which line (when known), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: std::path::PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ContentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
