//! Account administration: role changes, deactivation and reactivation, with the guarantee that
//! the last active administrator can be neither demoted nor deactivated.

use diesel_async::AsyncConnection;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, UserChanges};
use super::{Role, UserProfile, UserStatus};
use crate::http::extract::double_option;
use crate::http::{ApiError, CurrentUser};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub full_name: Option<String>,
    pub role: Option<Role>,
    /// `deactivated` blocks login and ends every session at once; `active` restores access.
    pub status: Option<UserStatus>,
    /// `null` removes the user from their organisation.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub organisation_id: Option<Option<Uuid>>,
}

pub async fn update_user(
    state: &AppState,
    admin: &CurrentUser,
    id: Uuid,
    request: &UpdateUser,
) -> Result<UserProfile, ApiError> {
    let full_name = match &request.full_name {
        Some(name) => {
            Some(super::normalise_full_name(name, "full_name").map_err(|e| ApiError::Validation(vec![e]))?)
        }
        None => None,
    };
    let changes = UserChanges {
        full_name,
        role: request.role.map(|r| r.as_str().to_owned()),
        status: request.status.map(|s| s.as_str().to_owned()),
        organisation_id: request.organisation_id,
        ..Default::default()
    };
    let mut conn = state.pool.get().await?;
    crate::directory::ensure_exists(&mut conn, request.organisation_id.flatten(), "organisation_id").await?;
    let updated = conn
        .transaction(async |tx| {
            // Lock the admins first (always in this order) so concurrent demotions serialise.
            let active_admins = store::lock_active_admins(tx).await?;
            let target = store::find_for_update(tx, id).await?.ok_or_else(ApiError::not_found)?;
            let was_active_admin = target.is_active() && target.role() == Role::Admin;
            let stays_active_admin = request.status.unwrap_or(if target.is_active() {
                UserStatus::Active
            } else {
                UserStatus::Deactivated
            }) == UserStatus::Active
                && request.role.unwrap_or(target.role()) == Role::Admin;
            if was_active_admin && !stays_active_admin && active_admins <= 1 {
                return Err(ApiError::Conflict(
                    "this is the last active administrator; appoint another first".into(),
                ));
            }
            let updated = store::update(tx, id, &changes).await?;
            if target.is_active() && request.status == Some(UserStatus::Deactivated) {
                store::revoke_all_sessions(tx, id).await?;
            }
            if target.role != updated.role || target.status != updated.status {
                let summary = serde_json::json!({
                    "role": {"from": target.role, "to": updated.role},
                    "status": {"from": target.status, "to": updated.status},
                });
                crate::audit::log(tx, Some(admin.id()), "user.access_changed", "user", id, summary).await?;
            }
            Ok::<_, ApiError>((target, updated))
        })
        .await;
    let (before, after) = updated?;
    if before.role != after.role {
        tracing::info!(user_id = %id, by = %admin.id(), from = %before.role, to = %after.role, "role changed");
    }
    if before.status != after.status {
        tracing::info!(user_id = %id, by = %admin.id(), status = %after.status, "account status changed");
    }
    Ok(UserProfile::from(&after))
}

/// Creates an active administrator with a verified email (the `create-admin` command).
pub async fn create_admin(
    state: &AppState,
    email: &str,
    full_name: &str,
    password: &str,
) -> Result<super::User, ApiError> {
    let (email, full_name) = crate::auth::registration::validate_new_account(email, full_name, password)?;
    let hash = state.passwords.hash(password).await?;
    let mut conn = state.pool.get().await?;
    if store::find_by_email(&mut conn, &email).await?.is_some() {
        return Err(ApiError::Conflict(format!("a user with the email {email} already exists")));
    }
    // The account and its audit entry commit together; the actor is nobody (the command line).
    let user = conn
        .transaction(async |tx| {
            let user = store::insert(
                tx,
                &super::NewUser {
                    email: &email,
                    full_name: &full_name,
                    role: Role::Admin.as_str(),
                    organisation_id: None,
                    preferred_language: "en",
                    email_verified_at: Some(chrono::Utc::now()),
                    password_hash: &hash,
                },
            )
            .await?;
            let summary = serde_json::json!({"role": "admin", "via": "command line"});
            crate::audit::log(tx, None, "user.created", "user", user.id, summary).await?;
            Ok::<_, ApiError>(user)
        })
        .await?;
    tracing::info!(user_id = %user.id, "administrator created from the command line");
    Ok(user)
}
