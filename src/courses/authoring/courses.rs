//! Course-level authoring: create, edit, delete, instructors, publish and archive.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_title, done, refuse_if_records};
use crate::courses::model::Course;
use crate::courses::{access, rules, store};
use crate::db::schema::{course_instructors, courses};
use crate::http::extract::double_option;
use crate::http::{ApiError, CurrentUser, FieldError};
use crate::users::{self, UserProfile};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourseRequest {
    /// Lower-case letters, digits and single hyphens, e.g. `unscr-1540-basics`.
    pub slug: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// BCP 47 tag, e.g. `en`.
    pub language: String,
    /// Days a certificate stays valid; omit for certificates that never expire.
    pub certificate_validity_days: Option<i32>,
    /// Whether trainees may enrol themselves once it is published (default true).
    pub self_enrolment: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCourseRequest {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub language: Option<String>,
    /// `null` makes certificates never expire.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub certificate_validity_days: Option<Option<i32>>,
    pub self_enrolment: Option<bool>,
}

fn check_slug(slug: &str, errors: &mut Vec<FieldError>) {
    let well_formed = !slug.is_empty()
        && slug.len() <= 100
        && slug.split('-').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
    if !well_formed {
        errors.push(FieldError::new(
            "slug",
            "must be lower-case letters and digits in words joined by single hyphens, at most 100 characters",
        ));
    }
}

fn check_validity(days: Option<i32>, errors: &mut Vec<FieldError>) {
    if days.is_some_and(|d| d < 1) {
        errors.push(FieldError::new(
            "certificate_validity_days",
            "must be at least 1, or omitted for no expiry",
        ));
    }
}

fn slug_taken(error: ApiError) -> ApiError {
    match error {
        ApiError::Conflict(_) => ApiError::Conflict("another course already uses this slug".into()),
        other => other,
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    request: &NewCourseRequest,
) -> Result<Course, ApiError> {
    let mut errors = Vec::new();
    check_slug(&request.slug, &mut errors);
    let title = check_title(&request.title, "title", &mut errors);
    if let Err(e) = users::validate_language(&request.language, "language") {
        errors.push(e);
    }
    check_validity(request.certificate_validity_days, &mut errors);
    done(errors)?;
    let course = conn
        .transaction(async |tx| {
            let course: Course = diesel::insert_into(courses::table)
                .values((
                    courses::slug.eq(&request.slug),
                    courses::title.eq(&title),
                    courses::summary.eq(request.summary.trim()),
                    courses::language.eq(&request.language),
                    courses::certificate_validity_days.eq(request.certificate_validity_days),
                    courses::self_enrolment.eq(request.self_enrolment.unwrap_or(true)),
                    courses::created_by.eq(user.id()),
                ))
                .returning(Course::as_returning())
                .get_result(tx)
                .await?;
            diesel::insert_into(course_instructors::table)
                .values((
                    course_instructors::course_id.eq(course.id),
                    course_instructors::user_id.eq(user.id()),
                ))
                .execute(tx)
                .await?;
            Ok::<_, ApiError>(course)
        })
        .await
        .map_err(slug_taken)?;
    tracing::info!(course_id = %course.id, by = %user.id(), "course created");
    Ok(course)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = courses)]
struct CourseChanges {
    slug: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    language: Option<String>,
    certificate_validity_days: Option<Option<i32>>,
    self_enrolment: Option<bool>,
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    request: &UpdateCourseRequest,
) -> Result<(), ApiError> {
    access::editable_course(conn, user, id).await?;
    let mut errors = Vec::new();
    if let Some(slug) = &request.slug {
        check_slug(slug, &mut errors);
    }
    let title = request.title.as_deref().map(|t| check_title(t, "title", &mut errors));
    if let Some(language) = &request.language
        && let Err(e) = users::validate_language(language, "language")
    {
        errors.push(e);
    }
    check_validity(request.certificate_validity_days.flatten(), &mut errors);
    done(errors)?;
    let changes = CourseChanges {
        slug: request.slug.clone(),
        title,
        summary: request.summary.as_ref().map(|s| s.trim().to_owned()),
        language: request.language.clone(),
        certificate_validity_days: request.certificate_validity_days,
        self_enrolment: request.self_enrolment,
    };
    if changes.slug.is_none()
        && changes.title.is_none()
        && changes.summary.is_none()
        && changes.language.is_none()
        && changes.certificate_validity_days.is_none()
        && changes.self_enrolment.is_none()
    {
        return Ok(());
    }
    diesel::update(courses::table.find(id))
        .set(&changes)
        .execute(conn)
        .await
        .map_err(|e| slug_taken(e.into()))?;
    Ok(())
}

pub async fn delete(conn: &mut AsyncPgConnection, user: &CurrentUser, id: Uuid) -> Result<(), ApiError> {
    access::editable_course(conn, user, id).await?;
    diesel::delete(courses::table.find(id)).execute(conn).await.map_err(|e| match refuse_if_records(e) {
        ApiError::Conflict(_) => ApiError::Conflict("the course has enrolments; archive it instead".into()),
        other => other,
    })?;
    tracing::info!(course_id = %id, by = %user.id(), "course deleted");
    Ok(())
}

/// Validates the whole course; on success it becomes `published` and its revision goes up.
pub async fn publish(conn: &mut AsyncPgConnection, user: &CurrentUser, id: Uuid) -> Result<(), ApiError> {
    conn.transaction(async |tx| {
        let course = access::editable_course(tx, user, id).await?;
        let course =
            courses::table.find(course.id).select(Course::as_select()).for_update().first(tx).await?;
        let tree = store::load_tree(tx, course).await?;
        let problems = rules::publication_problems(&tree.to_bundle());
        if !problems.is_empty() {
            return Err(ApiError::Validation(
                problems.into_iter().map(|p| FieldError::new(p.path, p.message)).collect(),
            ));
        }
        diesel::update(courses::table.find(id))
            .set((
                courses::status.eq("published"),
                courses::revision.eq(courses::revision + 1),
                courses::published_at.eq(diesel::dsl::now),
            ))
            .execute(tx)
            .await?;
        crate::audit::record(
            tx,
            crate::audit::Event {
                actor_id: Some(user.id()),
                action: "course.published",
                entity_type: "course",
                entity_id: Some(id),
                summary: serde_json::json!({"from": tree.course.status, "to": "published", "revision": tree.course.revision + 1}),
            },
        )
        .await?;
        tracing::info!(course_id = %id, by = %user.id(), "course published");
        Ok(())
    })
    .await
}

pub async fn archive(conn: &mut AsyncPgConnection, user: &CurrentUser, id: Uuid) -> Result<(), ApiError> {
    access::editable_course(conn, user, id).await?;
    diesel::update(courses::table.find(id)).set(courses::status.eq("archived")).execute(conn).await?;
    tracing::info!(course_id = %id, by = %user.id(), "course archived");
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddInstructorRequest {
    pub user_id: Uuid,
}

pub async fn instructors(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
) -> Result<Vec<UserProfile>, ApiError> {
    access::editable_course(conn, user, course_id).await?;
    let rows: Vec<users::User> = course_instructors::table
        .inner_join(crate::db::schema::users::table)
        .filter(course_instructors::course_id.eq(course_id))
        .order(course_instructors::added_at)
        .select(users::User::as_select())
        .load(conn)
        .await?;
    Ok(rows.iter().map(UserProfile::from).collect())
}

pub async fn add_instructor(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
    request: &AddInstructorRequest,
) -> Result<(), ApiError> {
    access::editable_course(conn, user, course_id).await?;
    let candidate = users::store::find(conn, request.user_id).await?;
    if !candidate.is_some_and(|c| c.is_active() && c.role().is_staff()) {
        return Err(ApiError::validation("user_id", "must be an active instructor or administrator"));
    }
    diesel::insert_into(course_instructors::table)
        .values((
            course_instructors::course_id.eq(course_id),
            course_instructors::user_id.eq(request.user_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    tracing::info!(%course_id, instructor = %request.user_id, by = %user.id(), "instructor added");
    Ok(())
}

pub async fn remove_instructor(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
    instructor: Uuid,
) -> Result<(), ApiError> {
    access::editable_course(conn, user, course_id).await?;
    let removed =
        diesel::delete(course_instructors::table.find((course_id, instructor))).execute(conn).await?;
    if removed == 0 {
        return Err(ApiError::not_found());
    }
    tracing::info!(%course_id, %instructor, by = %user.id(), "instructor removed");
    Ok(())
}
