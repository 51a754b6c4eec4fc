//! Which parts of a course a trainee may open, and how far they are: pure rules, no database.
//!
//! A module is completed when all its lessons are completed and its quiz, if it has one, is
//! passed. A module that requires the previous one is locked until that one is completed; the
//! lessons and quiz of a locked module are locked too.

use std::collections::HashSet;

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Locked,
    Available,
    Completed,
}

/// One module as the rules see it, in course order.
#[derive(Debug, Clone)]
pub struct ModuleShape {
    pub id: Uuid,
    pub requires_previous: bool,
    pub lessons: Vec<Uuid>,
    pub quiz: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleState {
    pub id: Uuid,
    pub status: ItemStatus,
    pub lessons: Vec<(Uuid, ItemStatus)>,
    pub quiz: Option<(Uuid, ItemStatus)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseState {
    pub modules: Vec<ModuleState>,
    /// Completed lessons and passed quizzes, as a share of all of them (rounded down).
    pub percent_complete: u8,
    pub all_completed: bool,
}

impl CourseState {
    pub fn lesson_status(&self, lesson_id: Uuid) -> Option<ItemStatus> {
        self.modules.iter().flat_map(|m| m.lessons.iter()).find(|(id, _)| *id == lesson_id).map(|(_, s)| *s)
    }

    pub fn quiz_status(&self, quiz_id: Uuid) -> Option<ItemStatus> {
        self.modules.iter().filter_map(|m| m.quiz).find(|(id, _)| *id == quiz_id).map(|(_, s)| s)
    }
}

pub fn evaluate(
    modules: &[ModuleShape],
    completed_lessons: &HashSet<Uuid>,
    passed_quizzes: &HashSet<Uuid>,
) -> CourseState {
    let mut states = Vec::with_capacity(modules.len());
    let mut previous_completed = true;
    let (mut items, mut done) = (0usize, 0usize);
    for module in modules {
        let locked = module.requires_previous && !previous_completed;
        let status_of = |finished: bool| match (locked, finished) {
            (true, _) => ItemStatus::Locked,
            (false, true) => ItemStatus::Completed,
            (false, false) => ItemStatus::Available,
        };
        let lessons: Vec<(Uuid, ItemStatus)> =
            module.lessons.iter().map(|id| (*id, status_of(completed_lessons.contains(id)))).collect();
        let quiz = module.quiz.map(|id| (id, status_of(passed_quizzes.contains(&id))));
        let lessons_done = module.lessons.iter().filter(|id| completed_lessons.contains(id)).count();
        let quiz_done = module.quiz.is_some_and(|id| passed_quizzes.contains(&id));
        items += module.lessons.len() + usize::from(module.quiz.is_some());
        done += lessons_done + usize::from(quiz_done);
        let finished = lessons_done == module.lessons.len() && (module.quiz.is_none() || quiz_done);
        // Progress made before a module was locked (e.g. after a reorder) still counts as done.
        let status = if finished {
            ItemStatus::Completed
        } else if locked {
            ItemStatus::Locked
        } else {
            ItemStatus::Available
        };
        previous_completed = finished;
        states.push(ModuleState { id: module.id, status, lessons, quiz });
    }
    let percent_complete = (done * 100).checked_div(items).map_or(0, |p| u8::try_from(p).unwrap_or(100));
    let all_completed = !modules.is_empty() && states.iter().all(|m| m.status == ItemStatus::Completed);
    CourseState { modules: states, percent_complete, all_completed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(requires_previous: bool, lessons: usize, quiz: bool) -> ModuleShape {
        ModuleShape {
            id: Uuid::new_v4(),
            requires_previous,
            lessons: (0..lessons).map(|_| Uuid::new_v4()).collect(),
            quiz: quiz.then(Uuid::new_v4),
        }
    }

    #[test]
    fn a_module_requiring_its_predecessor_is_locked_until_that_one_completes() {
        let modules = vec![module(false, 2, false), module(true, 1, false)];
        let none = HashSet::new();
        let state = evaluate(&modules, &none, &none);
        assert_eq!(state.modules[0].status, ItemStatus::Available);
        assert_eq!(state.modules[1].status, ItemStatus::Locked);
        assert_eq!(state.modules[1].lessons[0].1, ItemStatus::Locked);
        assert_eq!(state.percent_complete, 0);

        let first_done: HashSet<Uuid> = modules[0].lessons.iter().copied().collect();
        let state = evaluate(&modules, &first_done, &none);
        assert_eq!(state.modules[0].status, ItemStatus::Completed);
        assert_eq!(state.modules[1].status, ItemStatus::Available);
        assert_eq!(state.percent_complete, 66);
        assert!(!state.all_completed);
    }

    #[test]
    fn a_module_with_a_quiz_completes_only_when_the_quiz_is_passed() {
        let modules = vec![module(false, 1, true)];
        let lessons: HashSet<Uuid> = modules[0].lessons.iter().copied().collect();
        let state = evaluate(&modules, &lessons, &HashSet::new());
        assert_eq!(state.modules[0].status, ItemStatus::Available);
        assert_eq!(state.modules[0].quiz.unwrap().1, ItemStatus::Available);
        assert_eq!(state.percent_complete, 50);
        let passed: HashSet<Uuid> = modules[0].quiz.into_iter().collect();
        let state = evaluate(&modules, &lessons, &passed);
        assert!(state.all_completed);
        assert_eq!(state.percent_complete, 100);
    }

    #[test]
    fn modules_without_the_requirement_are_open_from_the_start() {
        let modules = vec![module(false, 1, false), module(false, 1, false)];
        let state = evaluate(&modules, &HashSet::new(), &HashSet::new());
        assert!(state.modules.iter().all(|m| m.status == ItemStatus::Available));
    }

    #[test]
    fn an_empty_course_is_never_complete() {
        let state = evaluate(&[], &HashSet::new(), &HashSet::new());
        assert!(!state.all_completed);
        assert_eq!(state.percent_complete, 0);
    }
}
