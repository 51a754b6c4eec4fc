//! Grading rules: pure functions over an attempt's frozen questions and the trainee's answers.
//!
//! - single choice and true/false: all or nothing;
//! - multiple choice: all or nothing, or with partial credit (right picks minus wrong picks, as
//!   a share of the right options, floored at zero);
//! - short text: matched after trimming, folding case and collapsing spaces (and, if the quiz
//!   says so, ignoring accents) against any accepted answer;
//! - numeric: within the tolerance.
//!
//! The score is a percentage of the points; passing needs score >= pass mark.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::FieldError;

/// A question as drawn into an attempt, correctness included (never sent before review).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenQuestion {
    pub id: Uuid,
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    pub explanation: Option<String>,
    /// In the order the trainee sees them.
    pub options: Vec<FrozenOption>,
    pub accepted_answers: Vec<String>,
    pub numeric_answer: Option<f64>,
    pub tolerance: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenOption {
    pub id: Uuid,
    pub label: String,
    pub is_correct: bool,
}

/// One answer as the trainee sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub question_id: Uuid,
    /// For choice questions (`true_false` included).
    pub option_ids: Option<Vec<Uuid>>,
    /// For `short_text`.
    pub text: Option<String>,
    /// For `numeric`.
    pub number: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct GradingSettings {
    pub partial_credit: bool,
    pub accent_insensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub question_id: Uuid,
    pub earned: f64,
    pub points: i32,
    pub correct: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub earned: f64,
    pub possible: i32,
    pub score_percent: f64,
    pub passed: bool,
    pub questions: Vec<QuestionResult>,
}

fn is_choice(kind: &str) -> bool {
    matches!(kind, "single_choice" | "multiple_choice" | "true_false")
}

/// Checks answers against the attempt's questions: every problem is a 422 naming
/// `answers[i].field`. Empty answers are allowed (they simply earn nothing).
pub fn validate(questions: &[FrozenQuestion], answers: &[Answer]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for (index, answer) in answers.iter().enumerate() {
        let at = |field: &str| format!("answers[{index}].{field}");
        let Some(question) = questions.iter().find(|q| q.id == answer.question_id) else {
            errors.push(FieldError::new(at("question_id"), "is not a question of this attempt"));
            continue;
        };
        if !seen.insert(answer.question_id) {
            errors.push(FieldError::new(at("question_id"), "is answered twice"));
        }
        if is_choice(&question.kind) {
            if answer.text.is_some() || answer.number.is_some() {
                errors.push(FieldError::new(
                    at("option_ids"),
                    "a choice question is answered with option_ids only",
                ));
            }
            let ids = answer.option_ids.as_deref().unwrap_or_default();
            let unique: HashSet<&Uuid> = ids.iter().collect();
            if unique.len() != ids.len() {
                errors.push(FieldError::new(at("option_ids"), "contains the same option twice"));
            }
            if ids.iter().any(|id| !question.options.iter().any(|o| o.id == *id)) {
                errors.push(FieldError::new(
                    at("option_ids"),
                    "contains an option that is not one of this question's",
                ));
            }
            if question.kind != "multiple_choice" && ids.len() > 1 {
                errors.push(FieldError::new(at("option_ids"), "this question takes one option"));
            }
        } else if question.kind == "short_text" {
            if answer.option_ids.is_some() || answer.number.is_some() {
                errors.push(FieldError::new(at("text"), "a short-text question is answered with text only"));
            }
            if answer.text.as_ref().is_some_and(|t| t.chars().count() > 1000) {
                errors.push(FieldError::new(at("text"), "must be at most 1000 characters"));
            }
        } else if question.kind == "numeric" {
            if answer.option_ids.is_some() || answer.text.is_some() {
                errors
                    .push(FieldError::new(at("number"), "a numeric question is answered with a number only"));
            }
            if answer.number.is_some_and(|n| !n.is_finite()) {
                errors.push(FieldError::new(at("number"), "must be a finite number"));
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Trims, folds case, collapses inner white space and, optionally, strips accents.
pub fn normalise_text(text: &str, accent_insensitive: bool) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if accent_insensitive {
        folded.nfd().filter(|c| !is_combining_mark(*c)).nfc().collect()
    } else {
        folded.nfc().collect()
    }
}

/// Points earned on one question (0 for no answer).
pub fn grade_question(question: &FrozenQuestion, answer: Option<&Answer>, settings: GradingSettings) -> f64 {
    let points = f64::from(question.points);
    let Some(answer) = answer else { return 0.0 };
    match question.kind.as_str() {
        "single_choice" | "true_false" => {
            let picked = answer.option_ids.as_deref().unwrap_or_default();
            let right =
                picked.len() == 1 && question.options.iter().any(|o| o.id == picked[0] && o.is_correct);
            if right { points } else { 0.0 }
        }
        "multiple_choice" => {
            let picked: HashSet<Uuid> = answer.option_ids.iter().flatten().copied().collect();
            let correct: HashSet<Uuid> =
                question.options.iter().filter(|o| o.is_correct).map(|o| o.id).collect();
            if correct.is_empty() {
                return 0.0;
            }
            if settings.partial_credit {
                let right = picked.intersection(&correct).count() as f64;
                let wrong = picked.difference(&correct).count() as f64;
                (points * (right - wrong) / correct.len() as f64).max(0.0)
            } else if picked == correct {
                points
            } else {
                0.0
            }
        }
        "short_text" => {
            let Some(text) = answer.text.as_deref() else { return 0.0 };
            let given = normalise_text(text, settings.accent_insensitive);
            let matches = !given.is_empty()
                && question
                    .accepted_answers
                    .iter()
                    .any(|a| normalise_text(a, settings.accent_insensitive) == given);
            if matches { points } else { 0.0 }
        }
        "numeric" => match (answer.number, question.numeric_answer) {
            (Some(given), Some(expected)) => {
                // A hair of slack so that 0.1 + 0.2 style representations are not marked wrong.
                let tolerance = question.tolerance.unwrap_or(0.0) + 1e-9 * expected.abs().max(1.0);
                if (given - expected).abs() <= tolerance { points } else { 0.0 }
            }
            _ => 0.0,
        },
        _ => 0.0,
    }
}

pub fn grade(
    questions: &[FrozenQuestion],
    answers: &[Answer],
    settings: GradingSettings,
    pass_mark_percent: i32,
) -> Grade {
    let results: Vec<QuestionResult> = questions
        .iter()
        .map(|q| {
            let earned = grade_question(q, answers.iter().find(|a| a.question_id == q.id), settings);
            QuestionResult {
                question_id: q.id,
                earned,
                points: q.points,
                correct: earned >= f64::from(q.points),
            }
        })
        .collect();
    let earned: f64 = results.iter().map(|r| r.earned).sum();
    let possible: i32 = questions.iter().map(|q| q.points).sum();
    let score_percent =
        if possible > 0 { (earned * 100.0 / f64::from(possible) * 100.0).round() / 100.0 } else { 0.0 };
    Grade {
        earned,
        possible,
        score_percent,
        passed: score_percent >= f64::from(pass_mark_percent),
        questions: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(correct: bool) -> FrozenOption {
        FrozenOption { id: Uuid::new_v4(), label: "x".into(), is_correct: correct }
    }

    fn question(kind: &str, options: Vec<FrozenOption>) -> FrozenQuestion {
        FrozenQuestion {
            id: Uuid::new_v4(),
            kind: kind.into(),
            prompt: "?".into(),
            points: 2,
            explanation: None,
            options,
            accepted_answers: vec![],
            numeric_answer: None,
            tolerance: None,
        }
    }

    fn picks(q: &FrozenQuestion, ids: &[Uuid]) -> Answer {
        Answer { question_id: q.id, option_ids: Some(ids.to_vec()), text: None, number: None }
    }

    #[test]
    fn single_choice_is_all_or_nothing() {
        let q = question("single_choice", vec![option(true), option(false)]);
        let s = GradingSettings::default();
        assert_eq!(grade_question(&q, Some(&picks(&q, &[q.options[0].id])), s), 2.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[q.options[1].id])), s), 0.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[])), s), 0.0, "empty answer");
        assert_eq!(grade_question(&q, None, s), 0.0, "no answer");
    }

    #[test]
    fn multiple_choice_all_or_nothing_and_partial_credit() {
        let q = question("multiple_choice", vec![option(true), option(true), option(false)]);
        let (a, b, wrong) = (q.options[0].id, q.options[1].id, q.options[2].id);
        let strict = GradingSettings::default();
        let partial = GradingSettings { partial_credit: true, ..Default::default() };
        assert_eq!(grade_question(&q, Some(&picks(&q, &[a, b])), strict), 2.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[a])), strict), 0.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[a])), partial), 1.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[a, wrong])), partial), 0.0);
        assert_eq!(grade_question(&q, Some(&picks(&q, &[wrong])), partial), 0.0, "floored at zero");
        assert_eq!(grade_question(&q, Some(&picks(&q, &[a, b, wrong])), partial), 1.0);
    }

    #[test]
    fn short_text_folds_case_spaces_and_optionally_accents() {
        let mut q = question("short_text", vec![]);
        q.accepted_answers = vec!["Chapter VII".into(), "Résolution 1540".into()];
        let text =
            |t: &str| Answer { question_id: q.id, option_ids: None, text: Some(t.into()), number: None };
        let strict = GradingSettings::default();
        let lenient = GradingSettings { accent_insensitive: true, ..Default::default() };
        assert_eq!(grade_question(&q, Some(&text("  chapter   vii ")), strict), 2.0);
        assert_eq!(grade_question(&q, Some(&text("RÉSOLUTION 1540")), strict), 2.0);
        assert_eq!(grade_question(&q, Some(&text("resolution 1540")), strict), 0.0);
        assert_eq!(grade_question(&q, Some(&text("resolution 1540")), lenient), 2.0);
        assert_eq!(grade_question(&q, Some(&text("")), strict), 0.0);
    }

    #[test]
    fn numeric_within_tolerance() {
        let mut q = question("numeric", vec![]);
        q.numeric_answer = Some(2004.0);
        q.tolerance = Some(1.0);
        let number = |n: f64| Answer { question_id: q.id, option_ids: None, text: None, number: Some(n) };
        let s = GradingSettings::default();
        assert_eq!(grade_question(&q, Some(&number(2005.0)), s), 2.0);
        assert_eq!(grade_question(&q, Some(&number(2005.5)), s), 0.0);
        q.tolerance = None;
        assert_eq!(grade_question(&q, Some(&number(0.1 + 0.2 + 2003.7)), s), 2.0);
    }

    #[test]
    fn validation_rejects_unknown_duplicate_and_mistyped_answers() {
        let choice = question("single_choice", vec![option(true), option(false)]);
        let numeric = question("numeric", vec![]);
        let questions = vec![choice.clone(), numeric.clone()];
        let fields = |answers: Vec<Answer>| {
            validate(&questions, &answers).unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(vec![picks(&choice, &[Uuid::new_v4()])]), ["answers[0].option_ids"]);
        assert_eq!(
            fields(vec![picks(&choice, &[choice.options[0].id, choice.options[0].id])]),
            ["answers[0].option_ids", "answers[0].option_ids"]
        );
        assert_eq!(
            fields(vec![Answer {
                question_id: numeric.id,
                option_ids: None,
                text: Some("two thousand".into()),
                number: None
            }]),
            ["answers[0].number"]
        );
        assert_eq!(
            fields(vec![Answer { question_id: Uuid::new_v4(), option_ids: None, text: None, number: None }]),
            ["answers[0].question_id"]
        );
        assert!(
            validate(
                &questions,
                &[Answer { question_id: numeric.id, option_ids: None, text: None, number: None }]
            )
            .is_ok()
        );
    }

    #[test]
    fn score_is_a_percentage_of_points_and_passing_needs_the_pass_mark() {
        let a = question("single_choice", vec![option(true), option(false)]);
        let mut b = question("single_choice", vec![option(true), option(false)]);
        b.points = 6;
        let answers = vec![picks(&a, &[a.options[0].id]), picks(&b, &[b.options[1].id])];
        let graded = grade(&[a.clone(), b.clone()], &answers, GradingSettings::default(), 25);
        assert_eq!(
            (graded.earned, graded.possible, graded.score_percent, graded.passed),
            (2.0, 8, 25.0, true)
        );
        let graded = grade(&[a, b], &answers, GradingSettings::default(), 26);
        assert!(!graded.passed);
    }
}
