//! Quizzes and their questions. Field-level rules are checked here; whether the quiz as a whole
//! can be passed is checked when the course is published.

use diesel::prelude::*;
use diesel::result::OptionalEmptyChangesetExtension;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_positive, check_title, clamp_position, done, editable, refuse_if_records};
use crate::courses::access::Item;
use crate::courses::model::{Question, QuestionOption, Quiz};
use crate::courses::store;
use crate::db::schema::{question_options, questions, quizzes};
use crate::http::extract::double_option;
use crate::http::{ApiError, CurrentUser, FieldError};

pub const GRADING_METHODS: &[&str] = &["highest", "latest"];
pub const REVIEW_POLICIES: &[&str] = &["never", "after_submit", "after_pass", "after_last_attempt"];
pub const QUESTION_KINDS: &[&str] =
    &["single_choice", "multiple_choice", "true_false", "short_text", "numeric"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuizRequest {
    pub title: String,
    /// 0–100; passing needs a score at least this high.
    pub pass_mark_percent: i32,
    /// Omitted: unlimited attempts.
    pub max_attempts: Option<i32>,
    /// Omitted: no time limit.
    pub time_limit_seconds: Option<i32>,
    /// Omitted: every question in every attempt.
    pub questions_per_attempt: Option<i32>,
    #[serde(default)]
    pub shuffle_questions: bool,
    #[serde(default)]
    pub shuffle_options: bool,
    /// `highest` (default) or `latest`.
    pub grading_method: Option<String>,
    /// `never`, `after_submit` (default), `after_pass` or `after_last_attempt`.
    pub review_policy: Option<String>,
    /// Multiple choice earns partial credit (right picks minus wrong picks, floored at zero).
    #[serde(default)]
    pub partial_credit: bool,
    /// Short-text answers match regardless of accents.
    #[serde(default)]
    pub accent_insensitive: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuizRequest {
    pub title: Option<String>,
    pub pass_mark_percent: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub max_attempts: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub time_limit_seconds: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub questions_per_attempt: Option<Option<i32>>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    pub grading_method: Option<String>,
    pub review_policy: Option<String>,
    pub partial_credit: Option<bool>,
    pub accent_insensitive: Option<bool>,
}

fn check_one_of(value: Option<&str>, allowed: &[&str], field: &str, errors: &mut Vec<FieldError>) {
    if let Some(value) = value
        && !allowed.contains(&value)
    {
        errors.push(FieldError::new(field, format!("must be one of {}", allowed.join(", "))));
    }
}

fn check_pass_mark(value: Option<i32>, errors: &mut Vec<FieldError>) {
    if value.is_some_and(|v| !(0..=100).contains(&v)) {
        errors.push(FieldError::new("pass_mark_percent", "must be between 0 and 100"));
    }
}

pub async fn create_quiz(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    module_id: Uuid,
    request: &NewQuizRequest,
) -> Result<Quiz, ApiError> {
    editable(conn, user, Item::Module(module_id)).await?;
    let mut errors = Vec::new();
    let title = check_title(&request.title, "title", &mut errors);
    check_pass_mark(Some(request.pass_mark_percent), &mut errors);
    check_positive(request.max_attempts, "max_attempts", &mut errors);
    check_positive(request.time_limit_seconds, "time_limit_seconds", &mut errors);
    check_positive(request.questions_per_attempt, "questions_per_attempt", &mut errors);
    check_one_of(request.grading_method.as_deref(), GRADING_METHODS, "grading_method", &mut errors);
    check_one_of(request.review_policy.as_deref(), REVIEW_POLICIES, "review_policy", &mut errors);
    done(errors)?;
    let quiz = Quiz {
        id: Uuid::new_v4(),
        module_id,
        title,
        pass_mark_percent: request.pass_mark_percent,
        max_attempts: request.max_attempts,
        time_limit_seconds: request.time_limit_seconds,
        questions_per_attempt: request.questions_per_attempt,
        shuffle_questions: request.shuffle_questions,
        shuffle_options: request.shuffle_options,
        grading_method: request.grading_method.clone().unwrap_or_else(|| "highest".into()),
        review_policy: request.review_policy.clone().unwrap_or_else(|| "after_submit".into()),
        partial_credit: request.partial_credit,
        accent_insensitive: request.accent_insensitive,
    };
    diesel::insert_into(quizzes::table).values(&quiz).execute(conn).await.map_err(
        |e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::Conflict("this module already has a quiz".into()),
            other => other,
        },
    )?;
    Ok(quiz)
}

pub async fn update_quiz(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    request: &UpdateQuizRequest,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Quiz(id)).await?;
    let mut errors = Vec::new();
    let title = request.title.as_deref().map(|t| check_title(t, "title", &mut errors));
    check_pass_mark(request.pass_mark_percent, &mut errors);
    check_positive(request.max_attempts.flatten(), "max_attempts", &mut errors);
    check_positive(request.time_limit_seconds.flatten(), "time_limit_seconds", &mut errors);
    check_positive(request.questions_per_attempt.flatten(), "questions_per_attempt", &mut errors);
    check_one_of(request.grading_method.as_deref(), GRADING_METHODS, "grading_method", &mut errors);
    check_one_of(request.review_policy.as_deref(), REVIEW_POLICIES, "review_policy", &mut errors);
    done(errors)?;
    #[derive(AsChangeset)]
    #[diesel(table_name = quizzes)]
    struct Changes {
        title: Option<String>,
        pass_mark_percent: Option<i32>,
        max_attempts: Option<Option<i32>>,
        time_limit_seconds: Option<Option<i32>>,
        questions_per_attempt: Option<Option<i32>>,
        shuffle_questions: Option<bool>,
        shuffle_options: Option<bool>,
        grading_method: Option<String>,
        review_policy: Option<String>,
        partial_credit: Option<bool>,
        accent_insensitive: Option<bool>,
    }
    let changes = Changes {
        title,
        pass_mark_percent: request.pass_mark_percent,
        max_attempts: request.max_attempts,
        time_limit_seconds: request.time_limit_seconds,
        questions_per_attempt: request.questions_per_attempt,
        shuffle_questions: request.shuffle_questions,
        shuffle_options: request.shuffle_options,
        grading_method: request.grading_method.clone(),
        review_policy: request.review_policy.clone(),
        partial_credit: request.partial_credit,
        accent_insensitive: request.accent_insensitive,
    };
    // An empty change set is not an error (diesel refuses to build an UPDATE without columns);
    // any other query-building error still is.
    diesel::update(quizzes::table.find(id)).set(&changes).execute(conn).await.optional_empty_changeset()?;
    Ok(())
}

pub async fn delete_quiz(conn: &mut AsyncPgConnection, user: &CurrentUser, id: Uuid) -> Result<(), ApiError> {
    editable(conn, user, Item::Quiz(id)).await?;
    diesel::delete(quizzes::table.find(id)).execute(conn).await.map_err(refuse_if_records)?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    /// Keep an existing option's id when editing; omit for a new option.
    pub id: Option<Uuid>,
    pub label: String,
    #[serde(default)]
    pub is_correct: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestionRequest {
    /// `single_choice`, `multiple_choice`, `true_false`, `short_text` or `numeric`.
    pub kind: String,
    pub prompt: String,
    /// At least 1 (default 1).
    pub points: Option<i32>,
    /// For choice kinds (`true_false` has exactly two).
    #[serde(default)]
    pub options: Vec<OptionInput>,
    /// For `short_text`: any of these is right (case, spacing and, if the quiz says so, accents ignored).
    #[serde(default)]
    pub accepted_answers: Vec<String>,
    /// For `numeric`.
    pub numeric_answer: Option<f64>,
    /// For `numeric`: how far from `numeric_answer` still counts (default 0).
    pub tolerance: Option<f64>,
    pub explanation: Option<String>,
    pub position: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateQuestionRequest {
    pub prompt: Option<String>,
    pub points: Option<i32>,
    /// Replaces all options (ids given are kept).
    pub options: Option<Vec<OptionInput>>,
    pub accepted_answers: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub numeric_answer: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub tolerance: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub explanation: Option<Option<String>>,
}

/// Field rules for a question's parts; structure against its kind (a correct option, two
/// options for true/false) is a publication check.
fn check_question(
    kind: &str,
    prompt: Option<&str>,
    points: Option<i32>,
    options: Option<&[OptionInput]>,
    tolerance: Option<f64>,
    errors: &mut Vec<FieldError>,
) {
    check_one_of(Some(kind), QUESTION_KINDS, "kind", errors);
    if prompt.is_some_and(|p| p.trim().is_empty()) {
        errors.push(FieldError::new("prompt", "must not be empty"));
    }
    check_positive(points, "points", errors);
    for (index, option) in options.unwrap_or_default().iter().enumerate() {
        if option.label.trim().is_empty() {
            errors.push(FieldError::new(format!("options[{index}].label"), "must not be empty"));
        }
    }
    if matches!(kind, "short_text" | "numeric") && options.is_some_and(|o| !o.is_empty()) {
        errors.push(FieldError::new("options", format!("a {kind} question has no options")));
    }
    if tolerance.is_some_and(|t| !t.is_finite() || t < 0.0) {
        errors.push(FieldError::new("tolerance", "must be zero or more"));
    }
}

/// Rows for `options`. A given id is kept only if it already is one of this question's
/// options (`known`): an id from elsewhere must not pull another question's option over here.
fn option_rows(question_id: Uuid, options: &[OptionInput], known: &[Uuid]) -> Vec<QuestionOption> {
    options
        .iter()
        .enumerate()
        .map(|(index, o)| QuestionOption {
            id: o.id.filter(|id| known.contains(id)).unwrap_or_else(Uuid::new_v4),
            question_id,
            position: i32::try_from(index + 1).unwrap_or(i32::MAX),
            label: o.label.trim().to_owned(),
            is_correct: o.is_correct,
        })
        .collect()
}

pub async fn create_question(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    quiz_id: Uuid,
    request: &NewQuestionRequest,
) -> Result<Question, ApiError> {
    editable(conn, user, Item::Quiz(quiz_id)).await?;
    let mut errors = Vec::new();
    check_question(
        &request.kind,
        Some(&request.prompt),
        request.points,
        Some(&request.options),
        request.tolerance,
        &mut errors,
    );
    check_positive(request.position, "position", &mut errors);
    done(errors)?;
    conn.transaction(async |tx| {
        let next = store::next_position(tx, "questions", "quiz_id", quiz_id).await?;
        let position = clamp_position(request.position, next);
        store::open_gap(tx, "questions", "quiz_id", quiz_id, position).await?;
        let question = Question {
            id: Uuid::new_v4(),
            quiz_id,
            position,
            kind: request.kind.clone(),
            prompt: request.prompt.trim().to_owned(),
            points: request.points.unwrap_or(1),
            explanation: request.explanation.clone(),
            accepted_answers: request.accepted_answers.iter().map(|a| a.trim().to_owned()).collect(),
            numeric_answer: request.numeric_answer,
            tolerance: request.tolerance,
        };
        diesel::insert_into(questions::table).values(&question).execute(tx).await?;
        store::upsert_options(tx, &option_rows(question.id, &request.options, &[])).await?;
        Ok(question)
    })
    .await
}

pub async fn update_question(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    request: &UpdateQuestionRequest,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Question(id)).await?;
    conn.transaction(async |tx| {
        let current: Question =
            questions::table.find(id).select(Question::as_select()).for_update().first(tx).await?;
        let mut errors = Vec::new();
        check_question(
            &current.kind,
            request.prompt.as_deref(),
            request.points,
            request.options.as_deref(),
            request.tolerance.flatten(),
            &mut errors,
        );
        done(errors)?;
        #[derive(AsChangeset)]
        #[diesel(table_name = questions)]
        struct Changes {
            prompt: Option<String>,
            points: Option<i32>,
            accepted_answers: Option<Vec<String>>,
            numeric_answer: Option<Option<f64>>,
            tolerance: Option<Option<f64>>,
            explanation: Option<Option<String>>,
        }
        let changes = Changes {
            prompt: request.prompt.as_ref().map(|p| p.trim().to_owned()),
            points: request.points,
            accepted_answers: request
                .accepted_answers
                .as_ref()
                .map(|a| a.iter().map(|s| s.trim().to_owned()).collect()),
            numeric_answer: request.numeric_answer,
            tolerance: request.tolerance,
            explanation: request.explanation.clone(),
        };
        diesel::update(questions::table.find(id))
            .set(&changes)
            .execute(tx)
            .await
            .optional_empty_changeset()?;
        if let Some(options) = &request.options {
            let known: Vec<Uuid> = question_options::table
                .filter(question_options::question_id.eq(id))
                .select(question_options::id)
                .load(tx)
                .await?;
            let rows = option_rows(id, options, &known);
            let keep: Vec<Uuid> = rows.iter().map(|o| o.id).collect();
            diesel::delete(
                question_options::table
                    .filter(question_options::question_id.eq(id))
                    .filter(question_options::id.ne_all(&keep)),
            )
            .execute(tx)
            .await?;
            store::upsert_options(tx, &rows).await?;
        }
        Ok(())
    })
    .await
}

pub async fn delete_question(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Question(id)).await?;
    conn.transaction(async |tx| {
        let quiz_id: Uuid = questions::table.find(id).select(questions::quiz_id).first(tx).await?;
        diesel::delete(questions::table.find(id)).execute(tx).await.map_err(refuse_if_records)?;
        store::renumber(tx, "questions", "quiz_id", quiz_id).await?;
        Ok(())
    })
    .await
}
