//! Queries on the course tables. A whole course loads as a `CourseBundle` in six queries,
//! whatever its size.

use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::content::{
    CourseBundle, CourseFile, LessonFile, ModuleBundle, ModuleFile, OptionFile, QuestionFile, QuizFile,
};
use super::model::{Course, Lesson, Module, Question, QuestionOption, Quiz};
use crate::db::schema::{
    course_instructors, courses, lessons, modules, question_options, questions, quizzes,
};
use crate::http::pagination::PageRequest;

pub async fn find_course(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<Course>> {
    courses::table.find(id).select(Course::as_select()).first(conn).await.optional()
}

pub async fn is_instructor(
    conn: &mut AsyncPgConnection,
    course_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        course_instructors::table
            .filter(course_instructors::course_id.eq(course_id))
            .filter(course_instructors::user_id.eq(user_id)),
    ))
    .get_result(conn)
    .await
}

/// Which courses a list shows.
pub enum CourseScope {
    All,
    /// Published ones, plus every course this instructor teaches.
    PublishedOrTaughtBy(Uuid),
    Published,
}

pub async fn list_courses(
    conn: &mut AsyncPgConnection,
    scope: CourseScope,
    status: Option<&str>,
    page: &PageRequest,
) -> QueryResult<Vec<Course>> {
    let mut query = courses::table.select(Course::as_select()).into_boxed();
    query = match scope {
        CourseScope::All => query,
        CourseScope::Published => query.filter(courses::status.eq("published")),
        CourseScope::PublishedOrTaughtBy(user_id) => query.filter(
            courses::status.eq("published").or(courses::id.eq_any(
                course_instructors::table
                    .filter(course_instructors::user_id.eq(user_id))
                    .select(course_instructors::course_id),
            )),
        ),
    };
    if let Some(status) = status {
        query = query.filter(courses::status.eq(status.to_owned()));
    }
    if let Some(after) = page.after {
        query = query.filter(
            courses::created_at
                .gt(after.created_at)
                .or(courses::created_at.eq(after.created_at).and(courses::id.gt(after.id))),
        );
    }
    query.order((courses::created_at, courses::id)).limit(page.fetch()).load(conn).await
}

pub async fn course_id_of_module(conn: &mut AsyncPgConnection, module_id: Uuid) -> QueryResult<Option<Uuid>> {
    modules::table.find(module_id).select(modules::course_id).first(conn).await.optional()
}

pub async fn course_id_of_lesson(conn: &mut AsyncPgConnection, lesson_id: Uuid) -> QueryResult<Option<Uuid>> {
    lessons::table
        .inner_join(modules::table)
        .filter(lessons::id.eq(lesson_id))
        .select(modules::course_id)
        .first(conn)
        .await
        .optional()
}

pub async fn course_id_of_quiz(conn: &mut AsyncPgConnection, quiz_id: Uuid) -> QueryResult<Option<Uuid>> {
    quizzes::table
        .inner_join(modules::table)
        .filter(quizzes::id.eq(quiz_id))
        .select(modules::course_id)
        .first(conn)
        .await
        .optional()
}

pub async fn course_id_of_question(
    conn: &mut AsyncPgConnection,
    question_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    questions::table
        .inner_join(quizzes::table.inner_join(modules::table))
        .filter(questions::id.eq(question_id))
        .select(modules::course_id)
        .first(conn)
        .await
        .optional()
}

/// Everything in a course, each level in order.
pub struct CourseTree {
    pub course: Course,
    pub modules: Vec<Module>,
    pub lessons: Vec<Lesson>,
    pub quizzes: Vec<Quiz>,
    pub questions: Vec<Question>,
    pub options: Vec<QuestionOption>,
}

pub async fn load_tree(conn: &mut AsyncPgConnection, course: Course) -> QueryResult<CourseTree> {
    let modules: Vec<Module> = modules::table
        .filter(modules::course_id.eq(course.id))
        .order(modules::position)
        .select(Module::as_select())
        .load(conn)
        .await?;
    let module_ids: Vec<Uuid> = modules.iter().map(|m| m.id).collect();
    let lessons = lessons::table
        .filter(lessons::module_id.eq_any(&module_ids))
        .order((lessons::module_id, lessons::position))
        .select(Lesson::as_select())
        .load(conn)
        .await?;
    let quizzes: Vec<Quiz> = quizzes::table
        .filter(quizzes::module_id.eq_any(&module_ids))
        .select(Quiz::as_select())
        .load(conn)
        .await?;
    let quiz_ids: Vec<Uuid> = quizzes.iter().map(|q| q.id).collect();
    let questions: Vec<Question> = questions::table
        .filter(questions::quiz_id.eq_any(&quiz_ids))
        .order((questions::quiz_id, questions::position))
        .select(Question::as_select())
        .load(conn)
        .await?;
    let question_ids: Vec<Uuid> = questions.iter().map(|q| q.id).collect();
    let options = question_options::table
        .filter(question_options::question_id.eq_any(&question_ids))
        .order((question_options::question_id, question_options::position))
        .select(QuestionOption::as_select())
        .load(conn)
        .await?;
    Ok(CourseTree { course, modules, lessons, quizzes, questions, options })
}

impl CourseTree {
    pub fn lessons_of(&self, module_id: Uuid) -> impl Iterator<Item = &Lesson> {
        self.lessons.iter().filter(move |l| l.module_id == module_id)
    }

    pub fn quiz_of(&self, module_id: Uuid) -> Option<&Quiz> {
        self.quizzes.iter().find(|q| q.module_id == module_id)
    }

    pub fn questions_of(&self, quiz_id: Uuid) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(move |q| q.quiz_id == quiz_id)
    }

    pub fn options_of(&self, question_id: Uuid) -> impl Iterator<Item = &QuestionOption> {
        self.options.iter().filter(move |o| o.question_id == question_id)
    }

    pub fn to_bundle(&self) -> CourseBundle {
        let course = &self.course;
        CourseBundle {
            course: CourseFile {
                id: course.id,
                slug: course.slug.clone(),
                title: course.title.clone(),
                summary: course.summary.clone(),
                language: course.language.clone(),
                certificate_validity_days: course.certificate_validity_days,
                self_enrolment: course.self_enrolment,
                status: course.status.clone(),
            },
            modules: self.modules.iter().map(|m| self.module_bundle(m)).collect(),
        }
    }

    fn module_bundle(&self, module: &Module) -> ModuleBundle {
        ModuleBundle {
            module: ModuleFile {
                id: module.id,
                title: module.title.clone(),
                summary: module.summary.clone(),
                requires_previous: module.requires_previous,
            },
            lessons: self
                .lessons_of(module.id)
                .map(|l| LessonFile {
                    id: l.id,
                    title: l.title.clone(),
                    estimated_minutes: l.estimated_minutes,
                    body_markdown: l.body_markdown.clone(),
                })
                .collect(),
            quiz: self.quiz_of(module.id).map(|q| self.quiz_file(q)),
        }
    }

    fn quiz_file(&self, quiz: &Quiz) -> QuizFile {
        QuizFile {
            id: quiz.id,
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
            questions: self
                .questions_of(quiz.id)
                .map(|q| QuestionFile {
                    id: q.id,
                    kind: q.kind.clone(),
                    prompt: q.prompt.clone(),
                    points: q.points,
                    explanation: q.explanation.clone(),
                    accepted_answers: q.accepted_answers.clone(),
                    numeric_answer: q.numeric_answer,
                    tolerance: q.tolerance,
                    options: self
                        .options_of(q.id)
                        .map(|o| OptionFile { id: o.id, label: o.label.clone(), is_correct: o.is_correct })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Renumbers the children of one parent 1..n in their current order, closing gaps left by
/// deletions and insertions. `table` and `parent` are constants of this module, never input.
pub async fn renumber(
    conn: &mut AsyncPgConnection,
    table: &str,
    parent: &str,
    parent_id: Uuid,
) -> QueryResult<()> {
    let sql = format!(
        "UPDATE {table} t SET position = r.rn FROM ( \
             SELECT id, row_number() OVER (ORDER BY position, id)::int AS rn FROM {table} WHERE {parent} = $1 \
         ) r WHERE t.id = r.id AND t.position <> r.rn"
    );
    diesel::sql_query(sql).bind::<diesel::sql_types::Uuid, _>(parent_id).execute(conn).await.map(|_| ())
}

/// Makes room at `position` (1-based) by moving later siblings down by one.
pub async fn open_gap(
    conn: &mut AsyncPgConnection,
    table: &str,
    parent: &str,
    parent_id: Uuid,
    position: i32,
) -> QueryResult<()> {
    let sql = format!("UPDATE {table} SET position = position + 1 WHERE {parent} = $1 AND position >= $2");
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Uuid, _>(parent_id)
        .bind::<diesel::sql_types::Integer, _>(position)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn next_position(
    conn: &mut AsyncPgConnection,
    table: &str,
    parent: &str,
    parent_id: Uuid,
) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        next: i32,
    }
    let sql =
        format!("SELECT (coalesce(max(position), 0) + 1)::int AS next FROM {table} WHERE {parent} = $1");
    let next: Next =
        diesel::sql_query(sql).bind::<diesel::sql_types::Uuid, _>(parent_id).get_result(conn).await?;
    Ok(next.next)
}

/// Writes `rows` of one level of a bundle, inserting new ids and updating known ones.
pub async fn upsert_modules(conn: &mut AsyncPgConnection, rows: &[Module]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(modules::table)
        .values(rows)
        .on_conflict(modules::id)
        .do_update()
        .set((
            modules::course_id.eq(excluded(modules::course_id)),
            modules::position.eq(excluded(modules::position)),
            modules::title.eq(excluded(modules::title)),
            modules::summary.eq(excluded(modules::summary)),
            modules::requires_previous.eq(excluded(modules::requires_previous)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_lessons(conn: &mut AsyncPgConnection, rows: &[Lesson]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(lessons::table)
        .values(rows)
        .on_conflict(lessons::id)
        .do_update()
        .set((
            lessons::module_id.eq(excluded(lessons::module_id)),
            lessons::position.eq(excluded(lessons::position)),
            lessons::title.eq(excluded(lessons::title)),
            lessons::body_markdown.eq(excluded(lessons::body_markdown)),
            lessons::body_html.eq(excluded(lessons::body_html)),
            lessons::estimated_minutes.eq(excluded(lessons::estimated_minutes)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_quizzes(conn: &mut AsyncPgConnection, rows: &[Quiz]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(quizzes::table)
        .values(rows)
        .on_conflict(quizzes::id)
        .do_update()
        .set((
            quizzes::module_id.eq(excluded(quizzes::module_id)),
            quizzes::title.eq(excluded(quizzes::title)),
            quizzes::pass_mark_percent.eq(excluded(quizzes::pass_mark_percent)),
            quizzes::max_attempts.eq(excluded(quizzes::max_attempts)),
            quizzes::time_limit_seconds.eq(excluded(quizzes::time_limit_seconds)),
            quizzes::questions_per_attempt.eq(excluded(quizzes::questions_per_attempt)),
            quizzes::shuffle_questions.eq(excluded(quizzes::shuffle_questions)),
            quizzes::shuffle_options.eq(excluded(quizzes::shuffle_options)),
            quizzes::grading_method.eq(excluded(quizzes::grading_method)),
            quizzes::review_policy.eq(excluded(quizzes::review_policy)),
            quizzes::partial_credit.eq(excluded(quizzes::partial_credit)),
            quizzes::accent_insensitive.eq(excluded(quizzes::accent_insensitive)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_questions(conn: &mut AsyncPgConnection, rows: &[Question]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(questions::table)
        .values(rows)
        .on_conflict(questions::id)
        .do_update()
        .set((
            questions::quiz_id.eq(excluded(questions::quiz_id)),
            questions::position.eq(excluded(questions::position)),
            questions::kind.eq(excluded(questions::kind)),
            questions::prompt.eq(excluded(questions::prompt)),
            questions::points.eq(excluded(questions::points)),
            questions::explanation.eq(excluded(questions::explanation)),
            questions::accepted_answers.eq(excluded(questions::accepted_answers)),
            questions::numeric_answer.eq(excluded(questions::numeric_answer)),
            questions::tolerance.eq(excluded(questions::tolerance)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn upsert_options(conn: &mut AsyncPgConnection, rows: &[QuestionOption]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(question_options::table)
        .values(rows)
        .on_conflict(question_options::id)
        .do_update()
        .set((
            question_options::question_id.eq(excluded(question_options::question_id)),
            question_options::position.eq(excluded(question_options::position)),
            question_options::label.eq(excluded(question_options::label)),
            question_options::is_correct.eq(excluded(question_options::is_correct)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A course's skeleton for progress: modules, lesson and quiz titles, no bodies or questions.
pub struct CourseStructure {
    pub modules: Vec<Module>,
    /// `(id, module_id, title)`, in module order.
    pub lessons: Vec<(Uuid, Uuid, String)>,
    /// `(id, module_id, title, max_attempts)`.
    pub quizzes: Vec<(Uuid, Uuid, String, Option<i32>)>,
}

pub async fn load_structure(conn: &mut AsyncPgConnection, course_id: Uuid) -> QueryResult<CourseStructure> {
    let modules: Vec<Module> = modules::table
        .filter(modules::course_id.eq(course_id))
        .order(modules::position)
        .select(Module::as_select())
        .load(conn)
        .await?;
    let lessons = lessons::table
        .inner_join(modules::table)
        .filter(modules::course_id.eq(course_id))
        .order((lessons::module_id, lessons::position))
        .select((lessons::id, lessons::module_id, lessons::title))
        .load(conn)
        .await?;
    let quizzes = quizzes::table
        .inner_join(modules::table)
        .filter(modules::course_id.eq(course_id))
        .select((quizzes::id, quizzes::module_id, quizzes::title, quizzes::max_attempts))
        .load(conn)
        .await?;
    Ok(CourseStructure { modules, lessons, quizzes })
}

impl CourseStructure {
    pub fn shapes(&self) -> Vec<crate::enrolments::unlock::ModuleShape> {
        self.modules
            .iter()
            .map(|m| crate::enrolments::unlock::ModuleShape {
                id: m.id,
                requires_previous: m.requires_previous,
                lessons: self.lessons.iter().filter(|l| l.1 == m.id).map(|l| l.0).collect(),
                quiz: self.quizzes.iter().find(|q| q.1 == m.id).map(|q| q.0),
            })
            .collect()
    }
}
