//! What trainees and instructors see of attempts. Before the review policy allows it, nothing
//! here carries correctness: questions are prompts and labelled options only.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Attempt;
use super::grading::{Answer, FrozenQuestion};

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionForTrainee {
    pub id: Uuid,
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionForTrainee {
    pub id: Uuid,
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    /// Empty for `short_text` and `numeric`.
    pub options: Vec<OptionForTrainee>,
}

impl From<&FrozenQuestion> for QuestionForTrainee {
    fn from(q: &FrozenQuestion) -> Self {
        QuestionForTrainee {
            id: q.id,
            kind: q.kind.clone(),
            prompt: q.prompt.clone(),
            points: q.points,
            options: q
                .options
                .iter()
                .map(|o| OptionForTrainee { id: o.id, label: o.label.clone() })
                .collect(),
        }
    }
}

/// One question of a graded attempt, with the right answer and the trainee's.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    pub question_id: Uuid,
    pub kind: String,
    pub prompt: String,
    pub points: i32,
    pub earned: f64,
    pub correct: bool,
    pub options: Vec<ReviewOption>,
    pub accepted_answers: Vec<String>,
    pub numeric_answer: Option<f64>,
    pub tolerance: Option<f64>,
    pub explanation: Option<String>,
    pub your_text: Option<String>,
    pub your_number: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewOption {
    pub id: Uuid,
    pub label: String,
    pub is_correct: bool,
    pub selected: bool,
}

/// An attempt: while open, its questions and saved answers; once graded, the score, and the
/// review when the policy allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub id: Uuid,
    pub quiz_id: Uuid,
    pub enrolment_id: Uuid,
    pub number: i32,
    /// `open` or `submitted`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<f64>,
    pub passed: Option<bool>,
    /// While open: the drawn questions (no correctness data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<QuestionForTrainee>>,
    /// The trainee's saved answers.
    pub answers: Vec<Answer>,
    /// Present only when the review policy allows it (always for instructors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<ReviewItem>>,
}

pub fn attempt_view(attempt: &Attempt, questions: &[FrozenQuestion], with_review: bool) -> AttemptView {
    let answers = attempt.saved_answers();
    let review = match (with_review, attempt.graded()) {
        (true, Some(grade)) => Some(
            questions
                .iter()
                .map(|q| {
                    let answer = answers.iter().find(|a| a.question_id == q.id);
                    let result = grade.questions.iter().find(|r| r.question_id == q.id);
                    let selected = |id: Uuid| {
                        answer.and_then(|a| a.option_ids.as_ref()).is_some_and(|ids| ids.contains(&id))
                    };
                    ReviewItem {
                        question_id: q.id,
                        kind: q.kind.clone(),
                        prompt: q.prompt.clone(),
                        points: q.points,
                        earned: result.map_or(0.0, |r| r.earned),
                        correct: result.is_some_and(|r| r.correct),
                        options: q
                            .options
                            .iter()
                            .map(|o| ReviewOption {
                                id: o.id,
                                label: o.label.clone(),
                                is_correct: o.is_correct,
                                selected: selected(o.id),
                            })
                            .collect(),
                        accepted_answers: q.accepted_answers.clone(),
                        numeric_answer: q.numeric_answer,
                        tolerance: q.tolerance,
                        explanation: q.explanation.clone(),
                        your_text: answer.and_then(|a| a.text.clone()),
                        your_number: answer.and_then(|a| a.number),
                    }
                })
                .collect(),
        ),
        _ => None,
    };
    AttemptView {
        id: attempt.id,
        quiz_id: attempt.quiz_id,
        enrolment_id: attempt.enrolment_id,
        number: attempt.number,
        status: attempt.status.clone(),
        started_at: attempt.started_at,
        deadline_at: attempt.deadline_at,
        submitted_at: attempt.submitted_at,
        score_percent: attempt.score_percent,
        passed: attempt.passed,
        questions: attempt.is_open().then(|| questions.iter().map(QuestionForTrainee::from).collect()),
        answers,
        review,
    }
}
