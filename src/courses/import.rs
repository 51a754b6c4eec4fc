//! Writing a `CourseBundle` into the database, idempotently: rows are keyed by the stable ids of
//! the files, an identical bundle changes nothing, an edited one updates in place, and items
//! that trainees have records for are never silently deleted (the import fails instead).

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::content::CourseBundle;
use super::markdown::render_safe_html;
use super::model::{Lesson, Module, Question, QuestionOption, Quiz};
use super::store::{self, CourseTree};
use crate::db::schema::{courses, lessons, modules, question_options, questions, quizzes};
use crate::http::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
}

pub async fn import_bundle(
    conn: &mut AsyncPgConnection,
    bundle: &CourseBundle,
) -> Result<ImportOutcome, ApiError> {
    conn.transaction(async |tx| {
        let course = &bundle.course;
        let existing = courses::table
            .find(course.id)
            .select(super::model::Course::as_select())
            .for_update()
            .first(tx)
            .await
            .optional()?;
        let slug_owner: Option<Uuid> = courses::table
            .filter(courses::slug.eq(&course.slug))
            .select(courses::id)
            .first(tx)
            .await
            .optional()?;
        if slug_owner.is_some_and(|owner| owner != course.id) {
            return Err(ApiError::Conflict(format!(
                "another course already uses the slug `{}`",
                course.slug
            )));
        }
        refuse_foreign_ids(tx, bundle).await?;
        let outcome = match existing {
            Some(existing) => {
                let revision = existing.revision;
                let tree = store::load_tree(tx, existing).await?;
                if tree.to_bundle() == *bundle {
                    return Ok(ImportOutcome::Unchanged);
                }
                delete_missing(tx, &tree, bundle).await?;
                let bump = i32::from(course.status == "published");
                write_course_row(tx, bundle, revision + bump).await?;
                ImportOutcome::Updated
            }
            None => {
                write_course_row(tx, bundle, i32::from(course.status == "published")).await?;
                ImportOutcome::Created
            }
        };
        write_children(tx, bundle).await?;
        // Modules dropped from the files go last: their lessons may have moved elsewhere above.
        let keep: Vec<Uuid> = bundle.modules.iter().map(|m| m.module.id).collect();
        diesel::delete(
            modules::table.filter(modules::course_id.eq(course.id)).filter(modules::id.ne_all(&keep)),
        )
        .execute(tx)
        .await
        .map_err(records_exist)?;
        Ok(outcome)
    })
    .await
}

/// Ids are keys: an id that already belongs to another course's content (a copied file, say)
/// would move that content over here. Refuse instead.
async fn refuse_foreign_ids(tx: &mut AsyncPgConnection, bundle: &CourseBundle) -> Result<(), ApiError> {
    let course_id = bundle.course.id;
    let module_ids: Vec<Uuid> = bundle.modules.iter().map(|m| m.module.id).collect();
    let lesson_ids: Vec<Uuid> = bundle.modules.iter().flat_map(|m| m.lessons.iter().map(|l| l.id)).collect();
    let quiz_list: Vec<_> = bundle.modules.iter().filter_map(|m| m.quiz.as_ref()).collect();
    let quiz_ids: Vec<Uuid> = quiz_list.iter().map(|q| q.id).collect();
    let question_ids: Vec<Uuid> = quiz_list.iter().flat_map(|q| q.questions.iter().map(|x| x.id)).collect();
    let option_ids: Vec<Uuid> = quiz_list
        .iter()
        .flat_map(|q| q.questions.iter().flat_map(|x| x.options.iter().map(|o| o.id)))
        .collect();
    let mut foreign: Vec<Uuid> = modules::table
        .filter(modules::id.eq_any(&module_ids))
        .filter(modules::course_id.ne(course_id))
        .select(modules::id)
        .load(tx)
        .await?;
    foreign.extend(
        lessons::table
            .inner_join(modules::table)
            .filter(lessons::id.eq_any(&lesson_ids))
            .filter(modules::course_id.ne(course_id))
            .select(lessons::id)
            .load::<Uuid>(tx)
            .await?,
    );
    foreign.extend(
        quizzes::table
            .inner_join(modules::table)
            .filter(quizzes::id.eq_any(&quiz_ids))
            .filter(modules::course_id.ne(course_id))
            .select(quizzes::id)
            .load::<Uuid>(tx)
            .await?,
    );
    foreign.extend(
        questions::table
            .inner_join(quizzes::table.inner_join(modules::table))
            .filter(questions::id.eq_any(&question_ids))
            .filter(modules::course_id.ne(course_id))
            .select(questions::id)
            .load::<Uuid>(tx)
            .await?,
    );
    foreign.extend(
        question_options::table
            .inner_join(questions::table.inner_join(quizzes::table.inner_join(modules::table)))
            .filter(question_options::id.eq_any(&option_ids))
            .filter(modules::course_id.ne(course_id))
            .select(question_options::id)
            .load::<Uuid>(tx)
            .await?,
    );
    match <[Uuid]>::first(&foreign) {
        Some(id) => Err(ApiError::Conflict(format!(
            "the id {id} already belongs to another course; give the copied item a new id"
        ))),
        None => Ok(()),
    }
}

/// Trainee records reference content with `ON DELETE RESTRICT`; say so instead of a bare 409.
fn records_exist(error: diesel::result::Error) -> ApiError {
    match error {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::ForeignKeyViolation, _) => {
            ApiError::Conflict(
                "the files remove content that trainees already have records for; archive the course instead"
                    .into(),
            )
        }
        other => other.into(),
    }
}

async fn write_course_row(
    tx: &mut AsyncPgConnection,
    bundle: &CourseBundle,
    revision: i32,
) -> Result<(), ApiError> {
    let c = &bundle.course;
    let published_at = (c.status == "published").then(chrono::Utc::now);
    diesel::insert_into(courses::table)
        .values((
            courses::id.eq(c.id),
            courses::slug.eq(&c.slug),
            courses::title.eq(&c.title),
            courses::summary.eq(&c.summary),
            courses::language.eq(&c.language),
            courses::status.eq(&c.status),
            courses::revision.eq(revision),
            courses::self_enrolment.eq(c.self_enrolment),
            courses::certificate_validity_days.eq(c.certificate_validity_days),
            courses::published_at.eq(published_at),
        ))
        .on_conflict(courses::id)
        .do_update()
        .set((
            courses::slug.eq(&c.slug),
            courses::title.eq(&c.title),
            courses::summary.eq(&c.summary),
            courses::language.eq(&c.language),
            courses::status.eq(&c.status),
            courses::revision.eq(revision),
            courses::self_enrolment.eq(c.self_enrolment),
            courses::certificate_validity_days.eq(c.certificate_validity_days),
            courses::published_at.eq(diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
                "CASE WHEN excluded.status = 'published' THEN coalesce(courses.published_at, now()) ELSE courses.published_at END",
            )),
        ))
        .execute(tx)
        .await?;
    Ok(())
}

/// Deletes the lessons, quizzes, questions and options of the course that the bundle no longer
/// has (children first).
async fn delete_missing(
    tx: &mut AsyncPgConnection,
    tree: &CourseTree,
    bundle: &CourseBundle,
) -> Result<(), ApiError> {
    let mut keep = std::collections::HashSet::new();
    for m in &bundle.modules {
        keep.extend(m.lessons.iter().map(|l| l.id));
        if let Some(quiz) = &m.quiz {
            keep.insert(quiz.id);
            for q in &quiz.questions {
                keep.insert(q.id);
                keep.extend(q.options.iter().map(|o| o.id));
            }
        }
    }
    let gone = |ids: Vec<Uuid>| ids.into_iter().filter(|id| !keep.contains(id)).collect::<Vec<_>>();
    let options = gone(tree.options.iter().map(|o| o.id).collect());
    let questions_gone = gone(tree.questions.iter().map(|q| q.id).collect());
    let quizzes_gone = gone(tree.quizzes.iter().map(|q| q.id).collect());
    let lessons_gone = gone(tree.lessons.iter().map(|l| l.id).collect());
    diesel::delete(question_options::table.filter(question_options::id.eq_any(&options)))
        .execute(tx)
        .await
        .map_err(records_exist)?;
    diesel::delete(questions::table.filter(questions::id.eq_any(&questions_gone)))
        .execute(tx)
        .await
        .map_err(records_exist)?;
    diesel::delete(quizzes::table.filter(quizzes::id.eq_any(&quizzes_gone)))
        .execute(tx)
        .await
        .map_err(records_exist)?;
    diesel::delete(lessons::table.filter(lessons::id.eq_any(&lessons_gone)))
        .execute(tx)
        .await
        .map_err(records_exist)?;
    Ok(())
}

/// Upserts every module, lesson, quiz, question and option of the bundle, numbered 1..n.
async fn write_children(tx: &mut AsyncPgConnection, bundle: &CourseBundle) -> Result<(), ApiError> {
    let (mut module_rows, mut lesson_rows, mut quiz_rows, mut question_rows, mut option_rows) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (m_index, m) in bundle.modules.iter().enumerate() {
        module_rows.push(Module {
            id: m.module.id,
            course_id: bundle.course.id,
            position: position(m_index),
            title: m.module.title.clone(),
            summary: m.module.summary.clone(),
            requires_previous: m.module.requires_previous,
        });
        for (l_index, l) in m.lessons.iter().enumerate() {
            lesson_rows.push(Lesson {
                id: l.id,
                module_id: m.module.id,
                position: position(l_index),
                title: l.title.clone(),
                body_html: render_safe_html(&l.body_markdown),
                body_markdown: l.body_markdown.clone(),
                estimated_minutes: l.estimated_minutes,
            });
        }
        let Some(quiz) = &m.quiz else { continue };
        quiz_rows.push(Quiz {
            id: quiz.id,
            module_id: m.module.id,
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
        });
        for (q_index, q) in quiz.questions.iter().enumerate() {
            question_rows.push(Question {
                id: q.id,
                quiz_id: quiz.id,
                position: position(q_index),
                kind: q.kind.clone(),
                prompt: q.prompt.clone(),
                points: q.points,
                explanation: q.explanation.clone(),
                accepted_answers: q.accepted_answers.clone(),
                numeric_answer: q.numeric_answer,
                tolerance: q.tolerance,
            });
            for (o_index, o) in q.options.iter().enumerate() {
                option_rows.push(QuestionOption {
                    id: o.id,
                    question_id: q.id,
                    position: position(o_index),
                    label: o.label.clone(),
                    is_correct: o.is_correct,
                });
            }
        }
    }
    store::upsert_modules(tx, &module_rows).await?;
    store::upsert_lessons(tx, &lesson_rows).await?;
    store::upsert_quizzes(tx, &quiz_rows).await?;
    store::upsert_questions(tx, &question_rows).await?;
    store::upsert_options(tx, &option_rows).await?;
    Ok(())
}

fn position(index: usize) -> i32 {
    i32::try_from(index + 1).unwrap_or(i32::MAX)
}

/// Why a folder could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The files are broken; nothing was written.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Content(Vec<super::content::ContentError>),
    /// A course's content breaks the publication rules; nothing of that course was written.
    #[error("{slug}: {}", problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid { slug: String, problems: Vec<super::rules::Problem> },
    #[error("{0}")]
    Database(#[from] ApiError),
}

/// Imports every course folder under `root`. Parsing covers all files first, so a broken file
/// means nothing is written; each course is then written in its own transaction.
pub async fn import_dir(
    conn: &mut AsyncPgConnection,
    root: &std::path::Path,
) -> Result<Vec<(String, ImportOutcome)>, ImportError> {
    let bundles = super::content::parse::parse_content_root(root).map_err(ImportError::Content)?;
    let mut outcomes = Vec::with_capacity(bundles.len());
    for bundle in &bundles {
        if bundle.course.status == "published" {
            let problems = super::rules::publication_problems(bundle);
            if !problems.is_empty() {
                return Err(ImportError::Invalid { slug: bundle.course.slug.clone(), problems });
            }
        }
        let outcome = import_bundle(conn, bundle).await?;
        tracing::info!(slug = %bundle.course.slug, ?outcome, "course imported");
        outcomes.push((bundle.course.slug.clone(), outcome));
    }
    Ok(outcomes)
}

/// At start-up: imports `root` when the database has no course yet (a fresh installation).
pub async fn import_default_content(
    conn: &mut AsyncPgConnection,
    root: &std::path::Path,
) -> Result<(), ImportError> {
    let courses: i64 = courses::table.count().get_result(conn).await.map_err(ApiError::from)?;
    if courses > 0 {
        return Ok(());
    }
    if !root.is_dir() {
        tracing::warn!(dir = %root.display(), "no course yet and no course content folder to import (COURSE_CONTENT_DIR)");
        return Ok(());
    }
    import_dir(conn, root).await.map(|_| ())
}
