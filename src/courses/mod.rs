//! Courses and their authoring: modules, lessons, quizzes and questions, publication, and the
//! course-as-files format (`content`).

pub mod content;
pub mod rules;

#[cfg(test)]
mod fixtures;
