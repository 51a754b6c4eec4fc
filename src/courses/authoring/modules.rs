//! Modules and lessons: create, edit (including moving), delete and reorder.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_positive, check_title, clamp_position, done, editable, refuse_if_records};
use crate::courses::access::{self, Item};
use crate::courses::markdown::render_safe_html;
use crate::courses::model::{Lesson, Module};
use crate::courses::store;
use crate::db::schema::{lessons, modules};
use crate::http::extract::double_option;
use crate::http::{ApiError, CurrentUser, FieldError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModuleRequest {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// 1-based; omitted: after the last module.
    pub position: Option<i32>,
    /// Whether the previous module must be completed first (default: true, except for the first).
    pub requires_previous: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateModuleRequest {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub requires_previous: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleOrderRequest {
    /// Every module of the course, once each, in the new order.
    pub module_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLessonRequest {
    pub title: String,
    pub body_markdown: String,
    pub position: Option<i32>,
    pub estimated_minutes: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLessonRequest {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    /// Moves the lesson within its module (1-based).
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>)]
    pub estimated_minutes: Option<Option<i32>>,
}

pub async fn create_module(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
    request: &NewModuleRequest,
) -> Result<Module, ApiError> {
    access::editable_course(conn, user, course_id).await?;
    let mut errors = Vec::new();
    let title = check_title(&request.title, "title", &mut errors);
    check_positive(request.position, "position", &mut errors);
    done(errors)?;
    conn.transaction(async |tx| {
        let next = store::next_position(tx, "modules", "course_id", course_id).await?;
        let position = clamp_position(request.position, next);
        store::open_gap(tx, "modules", "course_id", course_id, position).await?;
        let module = Module {
            id: Uuid::new_v4(),
            course_id,
            position,
            title,
            summary: request.summary.trim().to_owned(),
            requires_previous: request.requires_previous.unwrap_or(position > 1),
        };
        diesel::insert_into(modules::table).values(&module).execute(tx).await?;
        Ok(module)
    })
    .await
}

pub async fn update_module(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    request: &UpdateModuleRequest,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Module(id)).await?;
    let mut errors = Vec::new();
    let title = request.title.as_deref().map(|t| check_title(t, "title", &mut errors));
    done(errors)?;
    #[derive(AsChangeset)]
    #[diesel(table_name = modules)]
    struct Changes {
        title: Option<String>,
        summary: Option<String>,
        requires_previous: Option<bool>,
    }
    let changes = Changes {
        title,
        summary: request.summary.as_ref().map(|s| s.trim().to_owned()),
        requires_previous: request.requires_previous,
    };
    if changes.title.is_some() || changes.summary.is_some() || changes.requires_previous.is_some() {
        diesel::update(modules::table.find(id)).set(&changes).execute(conn).await?;
    }
    Ok(())
}

pub async fn delete_module(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), ApiError> {
    let course = editable(conn, user, Item::Module(id)).await?;
    conn.transaction(async |tx| {
        diesel::delete(modules::table.find(id)).execute(tx).await.map_err(refuse_if_records)?;
        store::renumber(tx, "modules", "course_id", course.id).await?;
        Ok(())
    })
    .await
}

/// Applies a new module order atomically (positions are checked at commit).
pub async fn reorder_modules(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    course_id: Uuid,
    request: &ModuleOrderRequest,
) -> Result<(), ApiError> {
    access::editable_course(conn, user, course_id).await?;
    conn.transaction(async |tx| {
        let mut current: Vec<Uuid> = modules::table
            .filter(modules::course_id.eq(course_id))
            .select(modules::id)
            .for_update()
            .load(tx)
            .await?;
        let mut requested = request.module_ids.clone();
        current.sort();
        requested.sort();
        if current != requested {
            return Err(ApiError::Validation(vec![FieldError::new(
                "module_ids",
                "must list every module of the course exactly once",
            )]));
        }
        for (index, module_id) in request.module_ids.iter().enumerate() {
            let position = i32::try_from(index + 1).unwrap_or(i32::MAX);
            diesel::update(modules::table.find(module_id))
                .set(modules::position.eq(position))
                .execute(tx)
                .await?;
        }
        Ok(())
    })
    .await
}

pub async fn create_lesson(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    module_id: Uuid,
    request: &NewLessonRequest,
) -> Result<Lesson, ApiError> {
    editable(conn, user, Item::Module(module_id)).await?;
    let mut errors = Vec::new();
    let title = check_title(&request.title, "title", &mut errors);
    check_positive(request.position, "position", &mut errors);
    check_positive(request.estimated_minutes, "estimated_minutes", &mut errors);
    done(errors)?;
    conn.transaction(async |tx| {
        let next = store::next_position(tx, "lessons", "module_id", module_id).await?;
        let position = clamp_position(request.position, next);
        store::open_gap(tx, "lessons", "module_id", module_id, position).await?;
        let lesson = Lesson {
            id: Uuid::new_v4(),
            module_id,
            position,
            title,
            body_html: render_safe_html(&request.body_markdown),
            body_markdown: request.body_markdown.clone(),
            estimated_minutes: request.estimated_minutes,
        };
        diesel::insert_into(lessons::table).values(&lesson).execute(tx).await?;
        Ok(lesson)
    })
    .await
}

pub async fn update_lesson(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
    request: &UpdateLessonRequest,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Lesson(id)).await?;
    let mut errors = Vec::new();
    let title = request.title.as_deref().map(|t| check_title(t, "title", &mut errors));
    check_positive(request.position, "position", &mut errors);
    check_positive(request.estimated_minutes.flatten(), "estimated_minutes", &mut errors);
    done(errors)?;
    #[derive(AsChangeset)]
    #[diesel(table_name = lessons)]
    struct Changes {
        title: Option<String>,
        body_markdown: Option<String>,
        body_html: Option<String>,
        estimated_minutes: Option<Option<i32>>,
    }
    let changes = Changes {
        title,
        body_html: request.body_markdown.as_deref().map(render_safe_html),
        body_markdown: request.body_markdown.clone(),
        estimated_minutes: request.estimated_minutes,
    };
    conn.transaction(async |tx| {
        let lesson: Lesson =
            lessons::table.find(id).select(Lesson::as_select()).for_update().first(tx).await?;
        if changes.title.is_some() || changes.body_markdown.is_some() || changes.estimated_minutes.is_some() {
            diesel::update(lessons::table.find(id)).set(&changes).execute(tx).await?;
        }
        if let Some(position) = request.position {
            let next = store::next_position(tx, "lessons", "module_id", lesson.module_id).await?;
            // Going down, land after the item now at `position`; going up, before it.
            let target = if position > lesson.position { position.min(next - 1) + 1 } else { position };
            store::open_gap(tx, "lessons", "module_id", lesson.module_id, target).await?;
            diesel::update(lessons::table.find(id)).set(lessons::position.eq(target)).execute(tx).await?;
            store::renumber(tx, "lessons", "module_id", lesson.module_id).await?;
        }
        Ok(())
    })
    .await
}

pub async fn delete_lesson(
    conn: &mut AsyncPgConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(), ApiError> {
    editable(conn, user, Item::Lesson(id)).await?;
    conn.transaction(async |tx| {
        let module_id: Uuid = lessons::table.find(id).select(lessons::module_id).first(tx).await?;
        diesel::delete(lessons::table.find(id)).execute(tx).await.map_err(refuse_if_records)?;
        store::renumber(tx, "lessons", "module_id", module_id).await?;
        Ok(())
    })
    .await
}
