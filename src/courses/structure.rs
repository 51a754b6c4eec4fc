//! A course's skeleton for progress: modules, lesson and quiz titles, no bodies or questions.
//! Every outline, lesson completion and attempt start reads it, so it is one statement: the
//! three tables' rows in one UNION ALL, put in order here.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{lessons, modules, quizzes};
use crate::enrolments::unlock::ModuleShape;

/// What progress needs of a module.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleSkeleton {
    pub id: Uuid,
    pub title: String,
    pub requires_previous: bool,
}

pub struct CourseStructure {
    /// In course order.
    pub modules: Vec<ModuleSkeleton>,
    /// `(id, module_id, title)`, in course order.
    pub lessons: Vec<(Uuid, Uuid, String)>,
    /// `(id, module_id, title, max_attempts)`.
    pub quizzes: Vec<(Uuid, Uuid, String, Option<i32>)>,
}

const MODULE: i32 = 0;
const LESSON: i32 = 1;
const QUIZ: i32 = 2;

/// `(kind, id, module_id, module position, position in module, title, requires_previous,
/// max_attempts)`.
type Row = (i32, Uuid, Uuid, i32, i32, String, bool, Option<i32>);

pub async fn load(conn: &mut AsyncPgConnection, course_id: Uuid) -> QueryResult<CourseStructure> {
    let module_rows = modules::table.filter(modules::course_id.eq(course_id)).select((
        sql::<Integer>("0"),
        modules::id,
        modules::id,
        modules::position,
        sql::<Integer>("0"),
        modules::title,
        modules::requires_previous,
        sql::<Nullable<Integer>>("NULL::int"),
    ));
    let lesson_rows =
        lessons::table.inner_join(modules::table).filter(modules::course_id.eq(course_id)).select((
            sql::<Integer>("1"),
            lessons::id,
            lessons::module_id,
            modules::position,
            lessons::position,
            lessons::title,
            sql::<Bool>("false"),
            sql::<Nullable<Integer>>("NULL::int"),
        ));
    let quiz_rows =
        quizzes::table.inner_join(modules::table).filter(modules::course_id.eq(course_id)).select((
            sql::<Integer>("2"),
            quizzes::id,
            quizzes::module_id,
            modules::position,
            sql::<Integer>("0"),
            quizzes::title,
            sql::<Bool>("false"),
            quizzes::max_attempts,
        ));
    let mut rows: Vec<Row> = module_rows.union_all(lesson_rows).union_all(quiz_rows).load(conn).await?;
    Ok(assemble(&mut rows))
}

/// Puts the rows in course order (each module, then its lessons, then its quiz) and splits them
/// by kind.
fn assemble(rows: &mut [Row]) -> CourseStructure {
    rows.sort_by_key(|row| (row.3, row.0, row.4));
    let mut structure = CourseStructure { modules: Vec::new(), lessons: Vec::new(), quizzes: Vec::new() };
    for (kind, id, module_id, _, _, title, requires_previous, max_attempts) in rows.iter().cloned() {
        match kind {
            MODULE => structure.modules.push(ModuleSkeleton { id, title, requires_previous }),
            LESSON => structure.lessons.push((id, module_id, title)),
            QUIZ => structure.quizzes.push((id, module_id, title, max_attempts)),
            _ => {}
        }
    }
    structure
}

impl CourseStructure {
    pub fn shapes(&self) -> Vec<ModuleShape> {
        self.modules
            .iter()
            .map(|m| ModuleShape {
                id: m.id,
                requires_previous: m.requires_previous,
                lessons: self.lessons.iter().filter(|l| l.1 == m.id).map(|l| l.0).collect(),
                quiz: self.quizzes.iter().find(|q| q.1 == m.id).map(|q| q.0),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_any_order_assemble_into_course_order() {
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        let (l1, l2, l3, q) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut rows: Vec<Row> = vec![
            (QUIZ, q, second, 2, 0, "Check".into(), false, Some(3)),
            (LESSON, l3, second, 2, 1, "Second module".into(), false, None),
            (MODULE, second, second, 2, 0, "Two".into(), true, None),
            (LESSON, l2, first, 1, 2, "B".into(), false, None),
            (LESSON, l1, first, 1, 1, "A".into(), false, None),
            (MODULE, first, first, 1, 0, "One".into(), false, None),
        ];
        let structure = assemble(&mut rows);
        let module_ids: Vec<Uuid> = structure.modules.iter().map(|m| m.id).collect();
        assert_eq!(module_ids, [first, second]);
        assert!(structure.modules[1].requires_previous);
        let lesson_ids: Vec<Uuid> = structure.lessons.iter().map(|l| l.0).collect();
        assert_eq!(lesson_ids, [l1, l2, l3]);
        assert_eq!(structure.quizzes, [(q, second, "Check".to_owned(), Some(3))]);
        let shapes = structure.shapes();
        assert_eq!(shapes[0].lessons, [l1, l2]);
        assert_eq!(shapes[1].quiz, Some(q));
    }
}
