//! Queries on `users`. Every function takes the caller's connection so it can join the
//! caller's transaction.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{NewUser, Role, User};
use crate::db::schema::{refresh_tokens, users};
use crate::http::pagination::PageRequest;

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).first(conn).await.optional()
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email_key.eq(super::email_key(email)))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the row for the rest of the transaction.
pub async fn find_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table.find(id).select(User::as_select()).for_update().first(conn).await.optional()
}

pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table).values(user).returning(User::as_returning()).get_result(conn).await
}

/// Filters of the admin user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub organisation_id: Option<Uuid>,
    /// Case-insensitive substring of the name or the email.
    pub query: Option<String>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &UserFilter,
    page: &PageRequest,
) -> QueryResult<Vec<User>> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(organisation_id) = filter.organisation_id {
        query = query.filter(users::organisation_id.eq(organisation_id));
    }
    if let Some(text) = filter.query.as_deref().filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(users::full_name.ilike(pattern.clone()).or(users::email_key.like(pattern)));
    }
    if let Some(after) = page.after {
        query = query.filter(
            users::created_at
                .gt(after.created_at)
                .or(users::created_at.eq(after.created_at).and(users::id.gt(after.id))),
        );
    }
    query.order((users::created_at, users::id)).limit(page.fetch()).load(conn).await
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Locks every active admin (in a stable order) and returns how many there are. Changes that
/// could remove the last admin take this lock first, so two such changes cannot both succeed.
pub async fn lock_active_admins(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    let ids: Vec<Uuid> = users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::status.eq("active"))
        .order(users::id)
        .select(users::id)
        .for_update()
        .load(conn)
        .await?;
    Ok(ids.len())
}

/// Ends every session of the user: refresh tokens revoked and the token version bumped, so
/// access tokens already handed out fail at their next request.
pub async fn revoke_all_sessions(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)
        .await?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_password(conn: &mut AsyncPgConnection, user_id: Uuid, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Fields an update may change; `None` leaves a field alone.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub preferred_language: Option<String>,
    pub reminder_emails: Option<bool>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub organisation_id: Option<Option<Uuid>>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.full_name.is_none()
            && self.preferred_language.is_none()
            && self.reminder_emails.is_none()
            && self.role.is_none()
            && self.status.is_none()
            && self.organisation_id.is_none()
    }
}

pub async fn update(conn: &mut AsyncPgConnection, user_id: Uuid, changes: &UserChanges) -> QueryResult<User> {
    if changes.is_empty() {
        return users::table.find(user_id).select(User::as_select()).first(conn).await;
    }
    diesel::update(users::table.find(user_id))
        .set(changes)
        .returning(User::as_returning())
        .get_result(conn)
        .await
}

pub async fn mark_email_verified(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<()> {
    diesel::update(users::table.find(user_id).filter(users::email_verified_at.is_null()))
        .set(users::email_verified_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}
