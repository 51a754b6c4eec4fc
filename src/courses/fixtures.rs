//! Test helpers shared by the content and rules tests: sample bundles, the real default course and
//! temporary folders.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

use crate::courses::content::{
    CourseBundle, CourseFile, LessonFile, ModuleBundle, ModuleFile, OptionFile, QuestionFile, QuizFile,
};

/// The default course shipped in the repository.
pub fn default_course_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("course-content").join("unscr-1540-for-pocs")
}

/// A folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_nanos()).unwrap_or(0);
        let name = format!(
            "poc-lms-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Writes `(relative path, text)` pairs under `root`, creating folders as needed.
pub fn write_tree<P: AsRef<Path>, T: AsRef<str>>(root: &Path, files: &[(P, T)]) {
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("file has a parent")).expect("create folder");
        fs::write(&path, text.as_ref()).expect("write file");
    }
}

pub fn option(label: &str, is_correct: bool) -> OptionFile {
    OptionFile { id: Uuid::new_v4(), label: label.to_owned(), is_correct }
}

pub fn question(kind: &str, points: i32, options: Vec<OptionFile>) -> QuestionFile {
    QuestionFile {
        id: Uuid::new_v4(),
        kind: kind.to_owned(),
        prompt: format!("A {kind} question?"),
        points,
        explanation: Some("Because.".to_owned()),
        accepted_answers: Vec::new(),
        numeric_answer: None,
        tolerance: None,
        options,
    }
}

pub fn short_text(answers: &[&str]) -> QuestionFile {
    QuestionFile {
        accepted_answers: answers.iter().map(|answer| (*answer).to_owned()).collect(),
        ..question("short_text", 1, Vec::new())
    }
}

pub fn numeric(answer: f64, tolerance: Option<f64>) -> QuestionFile {
    QuestionFile { numeric_answer: Some(answer), tolerance, ..question("numeric", 1, Vec::new()) }
}

pub fn quiz(questions: Vec<QuestionFile>) -> QuizFile {
    QuizFile {
        id: Uuid::new_v4(),
        title: "Check your understanding".to_owned(),
        pass_mark_percent: 70,
        max_attempts: Some(3),
        time_limit_seconds: Some(600),
        questions_per_attempt: None,
        shuffle_questions: true,
        shuffle_options: false,
        grading_method: "highest".to_owned(),
        review_policy: "after_submit".to_owned(),
        partial_credit: false,
        accent_insensitive: false,
        questions,
    }
}

/// One question of each kind, all valid.
pub fn all_kinds_quiz() -> QuizFile {
    quiz(vec![
        question("single_choice", 1, vec![option("Yes", true), option("No", false)]),
        question("multiple_choice", 2, vec![option("A", true), option("B", true), option("C", false)]),
        question("true_false", 1, vec![option("True", false), option("False", true)]),
        short_text(&["28 April 2004", "2004-04-28"]),
        numeric(1540.0, Some(0.0)),
    ])
}

pub fn lesson(title: &str, body: &str) -> LessonFile {
    LessonFile {
        id: Uuid::new_v4(),
        title: title.to_owned(),
        estimated_minutes: Some(10),
        body_markdown: body.to_owned(),
    }
}

pub fn module(
    title: &str,
    requires_previous: bool,
    lessons: Vec<LessonFile>,
    quiz: Option<QuizFile>,
) -> ModuleBundle {
    ModuleBundle {
        module: ModuleFile {
            id: Uuid::new_v4(),
            title: title.to_owned(),
            summary: "What this module is about.".to_owned(),
            requires_previous,
        },
        lessons,
        quiz,
    }
}

pub fn course(slug: &str, modules: Vec<ModuleBundle>) -> CourseBundle {
    CourseBundle {
        course: CourseFile {
            id: Uuid::new_v4(),
            slug: slug.to_owned(),
            title: "A sample course".to_owned(),
            summary: "A course used by tests.".to_owned(),
            language: "en".to_owned(),
            certificate_validity_days: Some(365),
            self_enrolment: true,
            status: "draft".to_owned(),
        },
        modules,
    }
}

/// A small publishable course: two modules, each with a lesson and a quiz of every kind.
pub fn sample_course() -> CourseBundle {
    course(
        "sample-course",
        vec![
            module(
                "Getting started",
                false,
                vec![lesson("Welcome", "## Hello\n\nFirst lesson.\n")],
                Some(all_kinds_quiz()),
            ),
            module(
                "Going further",
                true,
                vec![lesson("More", "Second lesson.\n"), lesson("Even more", "Third lesson.\n")],
                Some(all_kinds_quiz()),
            ),
        ],
    )
}
