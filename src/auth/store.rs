//! Queries on the authentication tables: refresh-token families, single-use account tokens and
//! invitations. Tokens are looked up by their SHA-256 hash only.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{account_tokens, invitations, refresh_tokens};

pub const REFRESH_TOKEN_DAYS: i64 = 30;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_refresh_token(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    family_id: Uuid,
    hash: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::expires_at.eq(Utc::now() + Duration::days(REFRESH_TOKEN_DAYS)),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The token with this hash, locked so that two refreshes with one token are serialised.
pub async fn lock_refresh_token(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .select(RefreshToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_refresh_token_used(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(refresh_tokens::table.find(id))
        .set(refresh_tokens::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn revoke_family(conn: &mut AsyncPgConnection, family_id: Uuid) -> QueryResult<usize> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// What an emailed single-use token is for, and how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    PasswordReset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::PasswordReset => "password_reset",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::VerifyEmail => Duration::hours(24),
            TokenPurpose::PasswordReset => Duration::hours(1),
        }
    }
}

pub async fn insert_account_token(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    purpose: TokenPurpose,
    hash: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::token_hash.eq(hash),
            account_tokens::expires_at.eq(Utc::now() + purpose.lifetime()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks the unexpired, unused token with this hash as used and returns its user, atomically:
/// of two concurrent uses, exactly one gets the user.
pub async fn consume_account_token(
    conn: &mut AsyncPgConnection,
    purpose: TokenPurpose,
    hash: &[u8],
) -> QueryResult<Option<Uuid>> {
    diesel::update(
        account_tokens::table
            .filter(account_tokens::token_hash.eq(hash))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null())
            .filter(account_tokens::expires_at.gt(diesel::dsl::now)),
    )
    .set(account_tokens::used_at.eq(diesel::dsl::now))
    .returning(account_tokens::user_id)
    .get_result(conn)
    .await
    .optional()
}

/// The user of a still-usable token, without using it up.
pub async fn peek_account_token(
    conn: &mut AsyncPgConnection,
    purpose: TokenPurpose,
    hash: &[u8],
) -> QueryResult<Option<Uuid>> {
    account_tokens::table
        .filter(account_tokens::token_hash.eq(hash))
        .filter(account_tokens::purpose.eq(purpose.as_str()))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(diesel::dsl::now))
        .select(account_tokens::user_id)
        .first(conn)
        .await
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: Uuid,
    pub email: String,
    pub full_name: Option<String>,
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub course_ids: Vec<Uuid>,
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub cohort_ids: Vec<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = invitations)]
pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub full_name: Option<&'a str>,
    pub role: &'a str,
    pub organisation_id: Option<Uuid>,
    pub course_ids: &'a [Uuid],
    pub token_hash: &'a [u8],
    pub invited_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub cohort_ids: &'a [Uuid],
}

pub const INVITATION_DAYS: i64 = 14;

pub async fn insert_invitation(
    conn: &mut AsyncPgConnection,
    invitation: &NewInvitation<'_>,
) -> QueryResult<Invitation> {
    diesel::insert_into(invitations::table)
        .values(invitation)
        .returning(Invitation::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_invitation(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
    lock: bool,
) -> QueryResult<Option<Invitation>> {
    let query = invitations::table.filter(invitations::token_hash.eq(hash)).select(Invitation::as_select());
    if lock { query.for_update().first(conn).await.optional() } else { query.first(conn).await.optional() }
}

pub async fn mark_invitation_accepted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    user_id: Uuid,
) -> QueryResult<()> {
    diesel::update(invitations::table.find(id))
        .set((invitations::accepted_at.eq(diesel::dsl::now), invitations::accepted_user_id.eq(user_id)))
        .execute(conn)
        .await
        .map(|_| ())
}
