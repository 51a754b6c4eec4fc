//! Publication rules: what a course must satisfy before learners see it. Pure checks on a
//! `CourseBundle`, so they apply the same way to imported files and to courses edited in the
//! database. Every problem is reported, so an author fixes them all in one round.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;

use crate::courses::content::{CourseBundle, CourseFile, LessonFile, ModuleBundle, QuestionFile, QuizFile};

pub const COURSE_STATUSES: [&str; 3] = ["draft", "published", "archived"];
pub const GRADING_METHODS: [&str; 2] = ["highest", "latest"];
pub const REVIEW_POLICIES: [&str; 4] = ["never", "after_submit", "after_pass", "after_last_attempt"];
pub const QUESTION_KINDS: [&str; 5] =
    ["single_choice", "multiple_choice", "true_false", "short_text", "numeric"];

const MAX_SLUG_LEN: usize = 100;
const CHOICE_OPTIONS: std::ops::RangeInclusive<usize> = 2..=10;
/// Shorter limits cannot be met by a learner reading even one question.
const MIN_TIME_LIMIT_SECONDS: i32 = 30;

/// One reason a course cannot be published. `path` locates the offending value in the bundle,
/// e.g. `modules[1].quiz.questions[3].options` (indices from 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem that stops `bundle` from being published; empty when it may be published.
pub fn publication_problems(bundle: &CourseBundle) -> Vec<Problem> {
    let mut problems = Problems::default();
    check_course(&bundle.course, &mut problems);
    if bundle.modules.is_empty() {
        problems.add("modules", "a course needs at least one module");
    }
    for (index, module) in bundle.modules.iter().enumerate() {
        check_module(index, module, &mut problems);
    }
    problems.0
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem { path: path.into(), message: message.into() });
    }
}

fn check_course(course: &CourseFile, problems: &mut Problems) {
    if is_blank(&course.title) {
        problems.add("course.title", "the course title is empty");
    }
    if is_blank(&course.summary) {
        problems.add("course.summary", "the course summary is empty");
    }
    if !is_slug(&course.slug) {
        problems.add(
            "course.slug",
            format!(
                "slug \"{}\" must be lower-case letters and digits in hyphen-separated words, at most {MAX_SLUG_LEN} characters",
                course.slug
            ),
        );
    }
    // The same rule as the API's (`users::validate_language`), so files and requests agree.
    if crate::users::validate_language(&course.language, "language").is_err() {
        problems.add(
            "course.language",
            format!("language \"{}\" is not a language tag such as \"en\" or \"fr-CA\"", course.language),
        );
    }
    if let Some(days) = course.certificate_validity_days.filter(|days| *days <= 0) {
        problems.add(
            "course.certificate_validity_days",
            format!("certificate validity must be at least 1 day, not {days}; leave it out for certificates that never expire"),
        );
    }
}

fn check_module(index: usize, module: &ModuleBundle, problems: &mut Problems) {
    let path = format!("modules[{index}]");
    if is_blank(&module.module.title) {
        problems.add(format!("{path}.title"), "the module title is empty");
    }
    if index == 0 && module.module.requires_previous {
        problems.add(
            format!("{path}.requires_previous"),
            "the first module has no previous module to require; set requires_previous = false",
        );
    }
    if module.lessons.is_empty() {
        problems.add(format!("{path}.lessons"), "module has no lessons");
    }
    for (lesson_index, lesson) in module.lessons.iter().enumerate() {
        check_lesson(&format!("{path}.lessons[{lesson_index}]"), lesson, problems);
    }
    if let Some(quiz) = &module.quiz {
        check_quiz(&format!("{path}.quiz"), quiz, problems);
    }
}

fn check_lesson(path: &str, lesson: &LessonFile, problems: &mut Problems) {
    if is_blank(&lesson.title) {
        problems.add(format!("{path}.title"), "the lesson title is empty");
    }
    if is_blank(&lesson.body_markdown) {
        problems.add(format!("{path}.body_markdown"), "the lesson has no text");
    }
    if let Some(minutes) = lesson.estimated_minutes.filter(|minutes| *minutes <= 0) {
        problems.add(
            format!("{path}.estimated_minutes"),
            format!("estimated minutes must be at least 1, not {minutes}"),
        );
    }
}

fn check_quiz(path: &str, quiz: &QuizFile, problems: &mut Problems) {
    check_quiz_settings(path, quiz, problems);
    if quiz.questions.is_empty() {
        problems.add(format!("{path}.questions"), "the quiz has no questions");
    }
    for (index, question) in quiz.questions.iter().enumerate() {
        check_question(&format!("{path}.questions[{index}]"), question, problems);
    }
    check_pass_mark_reachable(path, quiz, problems);
}

fn check_quiz_settings(path: &str, quiz: &QuizFile, problems: &mut Problems) {
    if is_blank(&quiz.title) {
        problems.add(format!("{path}.title"), "the quiz title is empty");
    }
    if !(1..=100).contains(&quiz.pass_mark_percent) {
        problems.add(
            format!("{path}.pass_mark_percent"),
            format!("pass mark must be between 1 and 100 percent, not {}", quiz.pass_mark_percent),
        );
    }
    if let Some(attempts) = quiz.max_attempts.filter(|attempts| *attempts < 1) {
        problems.add(
            format!("{path}.max_attempts"),
            format!("max attempts must be at least 1, not {attempts}; leave it out for unlimited attempts"),
        );
    }
    if let Some(seconds) = quiz.time_limit_seconds.filter(|seconds| *seconds < MIN_TIME_LIMIT_SECONDS) {
        problems.add(
            format!("{path}.time_limit_seconds"),
            format!("time limit must be at least {MIN_TIME_LIMIT_SECONDS} seconds, not {seconds}"),
        );
    }
    if let Some(per_attempt) = quiz.questions_per_attempt {
        if per_attempt < 1 {
            problems.add(
                format!("{path}.questions_per_attempt"),
                format!("questions per attempt must be at least 1, not {per_attempt}"),
            );
        } else if usize::try_from(per_attempt).is_ok_and(|per_attempt| per_attempt > quiz.questions.len()) {
            problems.add(
                format!("{path}.questions_per_attempt"),
                format!(
                    "{per_attempt} questions per attempt, but the quiz has only {}",
                    quiz.questions.len()
                ),
            );
        }
    }
    check_one_of(
        &format!("{path}.grading_method"),
        "grading method",
        &quiz.grading_method,
        &GRADING_METHODS,
        problems,
    );
    check_one_of(
        &format!("{path}.review_policy"),
        "review policy",
        &quiz.review_policy,
        &REVIEW_POLICIES,
        problems,
    );
}

fn check_one_of(path: &str, what: &str, value: &str, allowed: &[&str], problems: &mut Problems) {
    if !allowed.contains(&value) {
        problems.add(path, format!("{what} \"{value}\" is not one of {}", allowed.join(", ")));
    }
}

fn check_question(path: &str, question: &QuestionFile, problems: &mut Problems) {
    let kind = question.kind.as_str();
    check_one_of(&format!("{path}.kind"), "question kind", kind, &QUESTION_KINDS, problems);
    if question.points < 1 {
        problems.add(format!("{path}.points"), format!("points must be at least 1, not {}", question.points));
    }
    if is_blank(&question.prompt) {
        problems.add(format!("{path}.prompt"), "the question prompt is empty");
    }
    match kind {
        "single_choice" => {
            check_choices(path, question, CHOICE_OPTIONS, CorrectOptions::ExactlyOne, problems)
        }
        "multiple_choice" => {
            check_choices(path, question, CHOICE_OPTIONS, CorrectOptions::AtLeastOne, problems)
        }
        "true_false" => check_choices(path, question, 2..=2, CorrectOptions::ExactlyOne, problems),
        "short_text" => check_short_text(path, question, problems),
        "numeric" => check_numeric(path, question, problems),
        _ => {}
    }
    check_unused_fields(path, question, problems);
    check_option_labels(path, question, problems);
}

#[derive(Clone, Copy)]
enum CorrectOptions {
    ExactlyOne,
    AtLeastOne,
}

fn check_choices(
    path: &str,
    question: &QuestionFile,
    option_count: std::ops::RangeInclusive<usize>,
    correct: CorrectOptions,
    problems: &mut Problems,
) {
    let kind = &question.kind;
    let options = question.options.len();
    if !option_count.contains(&options) {
        let expected = if option_count.start() == option_count.end() {
            format!("exactly {}", option_count.start())
        } else {
            format!("{} to {}", option_count.start(), option_count.end())
        };
        problems.add(
            format!("{path}.options"),
            format!("a {kind} question needs {expected} options, not {options}"),
        );
    }
    let correct_options = question.options.iter().filter(|option| option.is_correct).count();
    match correct {
        CorrectOptions::ExactlyOne if correct_options != 1 => problems.add(
            format!("{path}.options"),
            format!("a {kind} question needs exactly one correct option, not {correct_options}"),
        ),
        CorrectOptions::AtLeastOne if correct_options == 0 => problems
            .add(format!("{path}.options"), format!("a {kind} question needs at least one correct option")),
        _ => {}
    }
}

fn check_short_text(path: &str, question: &QuestionFile, problems: &mut Problems) {
    if !question.accepted_answers.iter().any(|answer| !is_blank(answer)) {
        problems.add(
            format!("{path}.accepted_answers"),
            "a short_text question needs at least one non-empty accepted answer",
        );
    }
}

fn check_numeric(path: &str, question: &QuestionFile, problems: &mut Problems) {
    match question.numeric_answer {
        None => problems.add(format!("{path}.numeric_answer"), "a numeric question needs a numeric_answer"),
        Some(answer) if !answer.is_finite() => problems.add(
            format!("{path}.numeric_answer"),
            format!("the numeric answer must be a finite number, not {answer}"),
        ),
        Some(_) => {}
    }
    if let Some(tolerance) = question.tolerance.filter(|tolerance| !is_valid_tolerance(*tolerance)) {
        problems.add(
            format!("{path}.tolerance"),
            format!("tolerance must be a finite number of at least 0, not {tolerance}"),
        );
    }
}

fn is_valid_tolerance(tolerance: f64) -> bool {
    tolerance.is_finite() && tolerance >= 0.0
}

/// Answers a kind does not use would be ignored by grading; reporting them catches a question
/// whose kind was changed without cleaning up, or answers put on the wrong question.
fn check_unused_fields(path: &str, question: &QuestionFile, problems: &mut Problems) {
    let kind = question.kind.as_str();
    if !QUESTION_KINDS.contains(&kind) {
        return;
    }
    let is_choice = matches!(kind, "single_choice" | "multiple_choice" | "true_false");
    if !is_choice && !question.options.is_empty() {
        problems.add(format!("{path}.options"), format!("a {kind} question has no options"));
    }
    if kind != "short_text" && !question.accepted_answers.is_empty() {
        problems.add(format!("{path}.accepted_answers"), "only short_text questions use accepted answers");
    }
    if kind != "numeric" && question.numeric_answer.is_some() {
        problems.add(format!("{path}.numeric_answer"), "only numeric questions use a numeric answer");
    }
    if kind != "numeric" && question.tolerance.is_some() {
        problems.add(format!("{path}.tolerance"), "only numeric questions use a tolerance");
    }
}

/// Labels must be non-empty and distinguishable: two options reading "Yes" and "yes" look the same
/// to a learner.
fn check_option_labels(path: &str, question: &QuestionFile, problems: &mut Problems) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, option) in question.options.iter().enumerate() {
        let label_path = format!("{path}.options[{index}].label");
        let key = option.label.trim().to_lowercase();
        if key.is_empty() {
            problems.add(label_path, "the option label is empty");
        } else if let Some(first) = seen.get(&key) {
            problems.add(
                label_path,
                format!("option label \"{}\" repeats the label of options[{first}]", option.label),
            );
        } else {
            seen.insert(key, index);
        }
    }
}

/// Reports a pass mark higher than the share of points a learner can earn by answering every
/// question correctly. With `questions_per_attempt` the learner gets a random draw, so the draw
/// least favourable to them counts.
fn check_pass_mark_reachable(path: &str, quiz: &QuizFile, problems: &mut Problems) {
    if !(1..=100).contains(&quiz.pass_mark_percent) {
        return; // Already reported as out of range.
    }
    let Some(share) = worst_case_share(quiz) else { return };
    let pass_mark = i128::from(quiz.pass_mark_percent);
    if 100 * i128::from(share.earnable) < pass_mark * i128::from(share.total) {
        let best = 100 * i128::from(share.earnable) / i128::from(share.total);
        let drawn = draw_size(quiz);
        let draw = if drawn < quiz.questions.len() {
            format!(" in the least favourable draw of {drawn} questions")
        } else {
            String::new()
        };
        problems.add(
            format!("{path}.pass_mark_percent"),
            format!(
                "pass mark {pass_mark}% cannot be reached: at most {best}% of the points can be earned{draw}, because some questions have no correct answer"
            ),
        );
    }
}

/// Points that can be earned out of the points on offer in one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PointShare {
    earnable: i64,
    total: i64,
}

/// The lowest share of earnable points over all draws of `questions_per_attempt` questions (all
/// questions when unset or out of range). For a given number `m` of unanswerable questions in the
/// draw, the worst draw takes the `m` unanswerable questions worth the most and fills up with the
/// answerable ones worth the least; trying every possible `m` gives the exact minimum. `None` when
/// no draw carries any points.
fn worst_case_share(quiz: &QuizFile) -> Option<PointShare> {
    let (mut answerable, mut unanswerable): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
    for question in &quiz.questions {
        // Questions with zero or negative points (reported elsewhere) award nothing.
        let points = i64::from(question.points.max(0));
        if can_be_answered_correctly(question) { answerable.push(points) } else { unanswerable.push(points) }
    }
    answerable.sort_unstable();
    unanswerable.sort_unstable_by(|a, b| b.cmp(a));
    let draw = draw_size(quiz);
    let fewest_unanswerable = draw.saturating_sub(answerable.len());
    let most_unanswerable = draw.min(unanswerable.len());
    (fewest_unanswerable..=most_unanswerable)
        .map(|m| {
            let earnable: i64 = answerable[..draw - m].iter().sum();
            let lost: i64 = unanswerable[..m].iter().sum();
            PointShare { earnable, total: earnable + lost }
        })
        .filter(|share| share.total > 0)
        .min_by(|a, b| {
            // a.earnable / a.total against b.earnable / b.total, without rounding.
            (i128::from(a.earnable) * i128::from(b.total))
                .cmp(&(i128::from(b.earnable) * i128::from(a.total)))
        })
}

/// How many questions one attempt gets: `questions_per_attempt`, or all of them when it is unset or
/// out of range (out of range is reported on its own).
fn draw_size(quiz: &QuizFile) -> usize {
    let all = quiz.questions.len();
    quiz.questions_per_attempt
        .and_then(|per_attempt| usize::try_from(per_attempt).ok())
        .filter(|per_attempt| (1..=all).contains(per_attempt))
        .unwrap_or(all)
}

/// Whether some answer to the question is graded correct. Deliberately looser than the question
/// checks: a question with, say, an empty prompt or two correct single-choice options is reported
/// there, but still has a correct answer and so does not make the pass mark unreachable.
fn can_be_answered_correctly(question: &QuestionFile) -> bool {
    match question.kind.as_str() {
        "single_choice" | "multiple_choice" | "true_false" => {
            question.options.iter().any(|option| option.is_correct)
        }
        "short_text" => question.accepted_answers.iter().any(|answer| !is_blank(answer)),
        "numeric" => {
            question.numeric_answer.is_some_and(f64::is_finite)
                && question.tolerance.is_none_or(|tolerance| tolerance >= 0.0)
        }
        _ => false,
    }
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// `^[a-z0-9]+(-[a-z0-9]+)*$`, at most `MAX_SLUG_LEN` long.
fn is_slug(slug: &str) -> bool {
    slug.len() <= MAX_SLUG_LEN
        && slug.split('-').all(|word| {
            !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courses::content::parse::parse_course_dir;
    use crate::courses::fixtures::{
        default_course_dir, numeric, option, question, quiz, sample_course, short_text,
    };

    fn located(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|problem| problem.path.as_str()).collect()
    }

    #[test]
    fn the_default_course_can_be_published() {
        let bundle = parse_course_dir(&default_course_dir()).expect("default course parses");
        assert_eq!(publication_problems(&bundle), []);
    }

    #[test]
    fn the_sample_course_can_be_published() {
        assert_eq!(publication_problems(&sample_course()), []);
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let mut bundle = sample_course();
        bundle.modules[1].lessons.clear();
        let quiz = bundle.modules[0].quiz.as_mut().expect("quiz");
        // A single choice question without a correct option, worth enough points that the pass mark
        // of 70% is out of reach: 3 of the 8 points cannot be earned.
        quiz.questions[0].options[0].is_correct = false;
        quiz.questions[0].points = 3;
        let other = bundle.modules[1].quiz.as_mut().expect("quiz");
        other.questions[1].options[2].label = " a ".to_owned();

        let problems = publication_problems(&bundle);
        assert_eq!(
            located(&problems),
            [
                "modules[0].quiz.questions[0].options",
                "modules[0].quiz.pass_mark_percent",
                "modules[1].lessons",
                "modules[1].quiz.questions[1].options[2].label",
            ],
            "{problems:#?}"
        );
        assert_eq!(problems[0].message, "a single_choice question needs exactly one correct option, not 0");
        assert_eq!(
            problems[1].message,
            "pass mark 70% cannot be reached: at most 62% of the points can be earned, because some questions have no correct answer"
        );
        assert_eq!(problems[2].message, "module has no lessons");
        assert_eq!(problems[3].message, "option label \" a \" repeats the label of options[0]");
    }

    #[test]
    fn course_and_module_settings_are_checked() {
        let mut bundle = sample_course();
        bundle.course.title = " ".to_owned();
        bundle.course.summary = String::new();
        bundle.course.slug = "Not-A-Slug".to_owned();
        bundle.course.language = "english!".to_owned();
        bundle.course.certificate_validity_days = Some(0);
        bundle.modules[0].module.requires_previous = true;
        bundle.modules[1].module.title = String::new();
        bundle.modules[1].lessons[0].body_markdown = "\n  \n".to_owned();
        bundle.modules[1].lessons[1].estimated_minutes = Some(0);
        assert_eq!(
            located(&publication_problems(&bundle)),
            [
                "course.title",
                "course.summary",
                "course.slug",
                "course.language",
                "course.certificate_validity_days",
                "modules[0].requires_previous",
                "modules[1].title",
                "modules[1].lessons[0].body_markdown",
                "modules[1].lessons[1].estimated_minutes",
            ]
        );
        assert_eq!(
            located(&publication_problems(&CourseBundle { modules: Vec::new(), ..sample_course() })),
            ["modules"]
        );
    }

    #[test]
    fn quiz_settings_are_checked() {
        let mut bundle = sample_course();
        let quiz = bundle.modules[0].quiz.as_mut().expect("quiz");
        quiz.pass_mark_percent = 0;
        quiz.max_attempts = Some(0);
        quiz.time_limit_seconds = Some(29);
        quiz.questions_per_attempt = Some(6);
        quiz.grading_method = "average".to_owned();
        quiz.review_policy = "always".to_owned();
        bundle.modules[1].quiz.as_mut().expect("quiz").questions.clear();
        assert_eq!(
            located(&publication_problems(&bundle)),
            [
                "modules[0].quiz.pass_mark_percent",
                "modules[0].quiz.max_attempts",
                "modules[0].quiz.time_limit_seconds",
                "modules[0].quiz.questions_per_attempt",
                "modules[0].quiz.grading_method",
                "modules[0].quiz.review_policy",
                "modules[1].quiz.questions",
            ]
        );
    }

    #[test]
    fn questions_are_checked_per_kind() {
        let mut bundle = sample_course();
        let mut too_many =
            question("single_choice", 0, (0..11).map(|n| option(&format!("Option {n}"), n == 0)).collect());
        too_many.prompt = String::new();
        let mut with_answers = question("multiple_choice", 1, vec![option("A", false), option("", false)]);
        with_answers.accepted_answers = vec!["A".to_owned()];
        let mut numeric_without_answer = numeric(f64::NAN, Some(-1.0));
        numeric_without_answer.options = vec![option("1", true)];
        let quiz_questions = vec![
            too_many,
            with_answers,
            question(
                "true_false",
                1,
                vec![option("True", true), option("False", true), option("Maybe", false)],
            ),
            short_text(&["", "  "]),
            numeric_without_answer,
            QuestionFile { numeric_answer: None, ..numeric(0.0, None) },
            question("essay", 1, Vec::new()),
        ];
        bundle.modules[1].quiz = Some(quiz(quiz_questions));
        let problems = publication_problems(&bundle);
        let q = "modules[1].quiz.questions";
        assert_eq!(
            located(&problems),
            [
                format!("{q}[0].points"),
                format!("{q}[0].prompt"),
                format!("{q}[0].options"),
                format!("{q}[1].options"),
                format!("{q}[1].accepted_answers"),
                format!("{q}[1].options[1].label"),
                format!("{q}[2].options"),
                format!("{q}[2].options"),
                format!("{q}[3].accepted_answers"),
                format!("{q}[4].numeric_answer"),
                format!("{q}[4].tolerance"),
                format!("{q}[4].options"),
                format!("{q}[5].numeric_answer"),
                format!("{q}[6].kind"),
                "modules[1].quiz.pass_mark_percent".to_owned(),
            ],
            "{problems:#?}"
        );
    }

    fn one_point_quiz(answerable: usize, unanswerable_points: &[i32]) -> QuizFile {
        let mut questions: Vec<QuestionFile> = (0..answerable).map(|_| short_text(&["yes"])).collect();
        questions.extend(
            unanswerable_points.iter().map(|points| QuestionFile { points: *points, ..short_text(&[]) }),
        );
        quiz(questions)
    }

    #[test]
    fn the_worst_draw_decides_whether_the_pass_mark_can_be_reached() {
        // Over all 5 questions 4 of 6 points (66%) can be earned.
        let mut quiz = one_point_quiz(4, &[2]);
        assert_eq!(worst_case_share(&quiz), Some(PointShare { earnable: 4, total: 6 }));
        // Drawing 2, the worst draw is the 2-point question plus one 1-point question.
        quiz.questions_per_attempt = Some(2);
        assert_eq!(worst_case_share(&quiz), Some(PointShare { earnable: 1, total: 3 }));
        // With everything answerable, every draw gives full marks.
        let all_answerable = one_point_quiz(3, &[]);
        assert_eq!(worst_case_share(&all_answerable), Some(PointShare { earnable: 3, total: 3 }));
        // Two unanswerable questions can fill a draw of two.
        let mut mostly_broken = one_point_quiz(1, &[1, 1]);
        mostly_broken.questions_per_attempt = Some(2);
        assert_eq!(worst_case_share(&mostly_broken), Some(PointShare { earnable: 0, total: 2 }));

        let mut problems = Problems::default();
        quiz.pass_mark_percent = 34;
        check_pass_mark_reachable("quiz", &quiz, &mut problems);
        assert_eq!(
            problems.0,
            [Problem {
                path: "quiz.pass_mark_percent".to_owned(),
                message: "pass mark 34% cannot be reached: at most 33% of the points can be earned in the least favourable draw of 2 questions, because some questions have no correct answer".to_owned(),
            }]
        );
        let mut problems = Problems::default();
        quiz.pass_mark_percent = 33;
        check_pass_mark_reachable("quiz", &quiz, &mut problems);
        assert_eq!(problems.0, []);
    }

    #[test]
    fn language_tags_and_slugs() {
        for tag in ["en", "fr-CA", "zh-Hant-TW", "es-419", "kk"] {
            assert!(crate::users::validate_language(tag, "l").is_ok(), "{tag}");
        }
        for tag in ["", "e", "en_GB", "en-", "english language", "123"] {
            assert!(crate::users::validate_language(tag, "l").is_err(), "{tag}");
        }
        for slug in ["a", "unscr-1540-for-pocs", "x1"] {
            assert!(is_slug(slug), "{slug}");
        }
        for slug in ["", "-a", "a-", "a--b", "A", "a_b", &"a".repeat(101)] {
            assert!(!is_slug(slug), "{slug}");
        }
    }
}
