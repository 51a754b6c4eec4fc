//! Handlers of the course authoring API, by level: courses, modules and lessons, quizzes and
//! questions.

mod course_routes;
mod module_routes;
mod quiz_routes;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::store::{self, CourseTree};
use crate::http::ApiError;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    course_routes::configure(cfg);
    module_routes::configure(cfg);
    quiz_routes::configure(cfg);
}

/// The whole tree of a course (six queries).
async fn tree(conn: &mut AsyncPgConnection, course_id: Uuid) -> Result<CourseTree, ApiError> {
    let course = store::find_course(conn, course_id).await?.ok_or_else(ApiError::not_found)?;
    Ok(store::load_tree(conn, course).await?)
}
