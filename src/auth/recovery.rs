//! Password reset by email and password change by the signed-in user. Both end every session of
//! the account and tell its owner by email.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::registration::{invalid_token, link};
use super::store::{self, TokenPurpose};
use super::{password, tokens};
use crate::http::{ApiError, FieldError};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;
use crate::users::{self, User};

/// Emails a reset link when the address belongs to an active account; answers the same either
/// way.
pub async fn request_reset(state: &AppState, email: &str) -> Result<(), ApiError> {
    let public_url = &state.config.public_url;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let Some(user) = users::store::find_by_email(tx, email).await?.filter(User::is_active) else {
            return Ok(());
        };
        let (token, hash) = tokens::new_token();
        store::insert_account_token(tx, user.id, TokenPurpose::PasswordReset, &hash).await?;
        let context = json!({"recipient_name": user.full_name, "link": link(public_url, "reset-password", Some(&token))});
        messages::queue(tx, public_url, MessageKind::PasswordReset, &user.email, context, None).await?;
        tracing::info!(user_id = %user.id, "password reset requested");
        Ok::<_, ApiError>(())
    })
    .await
}

pub async fn confirm_reset(state: &AppState, token: &str, new_password: &str) -> Result<(), ApiError> {
    let hash = tokens::hash_token(token);
    let user = {
        let mut conn = state.pool.get().await?;
        let user_id = store::peek_account_token(&mut conn, TokenPurpose::PasswordReset, &hash)
            .await?
            .ok_or_else(invalid_token)?;
        users::store::find(&mut conn, user_id).await?.ok_or_else(invalid_token)?
    };
    password::check_policy(new_password, &user.email, "new_password")
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let new_hash = state.passwords.hash(new_password).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        // Using the token up here, not at the peek above, makes a concurrent second use fail.
        store::consume_account_token(tx, TokenPurpose::PasswordReset, &hash)
            .await?
            .ok_or_else(invalid_token)?;
        replace_password(state, tx, &user, &new_hash).await
    })
    .await?;
    tracing::info!(user_id = %user.id, "password reset completed");
    Ok(())
}

/// Checks a signed-in user's password change (`current` must be right, the new one must meet
/// the policy) and returns the new hash; the caller stores it with `replace_password` in the
/// transaction that saves the rest of the profile.
pub async fn prepare_password_change(
    state: &AppState,
    user: &User,
    current: Option<&str>,
    new_password: &str,
) -> Result<String, ApiError> {
    let current = current
        .ok_or_else(|| ApiError::validation("current_password", "is required to change the password"))?;
    password::check_policy(new_password, &user.email, "password")
        .map_err(|e| ApiError::Validation(vec![e]))?;
    if !state.passwords.verify(current, Some(&user.password_hash)).await?.matches {
        tracing::warn!(user_id = %user.id, "password change refused: wrong current password");
        return Err(ApiError::Validation(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    state.passwords.hash(new_password).await
}

/// Stores the new hash, ends every session and queues the "password changed" notice.
pub async fn replace_password(
    state: &AppState,
    tx: &mut AsyncPgConnection,
    user: &User,
    new_hash: &str,
) -> Result<(), ApiError> {
    users::store::set_password(tx, user.id, new_hash).await?;
    users::store::revoke_all_sessions(tx, user.id).await?;
    let public_url = &state.config.public_url;
    let context = json!({
        "recipient_name": user.full_name,
        "changed_at": Utc::now().format("%-d %B %Y, %H:%M UTC").to_string(),
        "reset_link": link(public_url, "reset-password", None),
    });
    messages::queue(tx, public_url, MessageKind::PasswordChanged, &user.email, context, None).await?;
    Ok(())
}
