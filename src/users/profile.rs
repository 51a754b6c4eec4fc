//! A user's own profile (`/me`): name, language, reminder preference and password.

use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::store::{self, UserChanges};
use super::{User, UserProfile};
use crate::auth::recovery;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    pub full_name: Option<String>,
    /// BCP 47 tag, e.g. `en`, `fr`, `ru`.
    pub preferred_language: Option<String>,
    /// `false` turns off reminder emails (deadlines, expiry); account emails always arrive.
    pub reminder_emails: Option<bool>,
    /// A new password; needs `current_password`. Signs out every session.
    pub password: Option<String>,
    pub current_password: Option<String>,
}

/// Validates every field before writing anything, then saves them in one transaction.
pub async fn update_me(state: &AppState, user: &User, request: &UpdateMe) -> Result<UserProfile, ApiError> {
    let mut errors = Vec::new();
    let mut changes = UserChanges::default();
    if let Some(name) = &request.full_name {
        changes.full_name = super::normalise_full_name(name, "full_name").map_err(|e| errors.push(e)).ok();
    }
    if let Some(language) = &request.preferred_language {
        changes.preferred_language = super::validate_language(language, "preferred_language")
            .map(|()| language.clone())
            .map_err(|e| errors.push(e))
            .ok();
    }
    changes.reminder_emails = request.reminder_emails;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let new_hash = match &request.password {
        Some(new_password) => Some(
            recovery::prepare_password_change(state, user, request.current_password.as_deref(), new_password)
                .await?,
        ),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let updated = conn
        .transaction(async |tx| {
            let updated = store::update(tx, user.id, &changes).await?;
            if let Some(hash) = &new_hash {
                recovery::replace_password(state, tx, &updated, hash).await?;
            }
            Ok::<_, ApiError>(updated)
        })
        .await?;
    if new_hash.is_some() {
        tracing::info!(user_id = %user.id, "password changed by its owner");
    }
    Ok(UserProfile::from(&updated))
}
