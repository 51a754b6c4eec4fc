//! Courses and their authoring: modules, lessons, quizzes and questions, publication, and the
//! course-as-files format (`content`) with its import and export.

pub mod access;
pub mod authoring;
pub mod content;
pub mod import;
pub mod markdown;
pub mod model;
pub mod routes;
pub mod rules;
pub mod store;
pub mod views;

#[cfg(test)]
mod fixtures;
