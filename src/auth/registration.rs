//! Self-registration and email verification. The answer never says whether an address already
//! has an account: its owner gets a notice by email instead.

use diesel_async::AsyncConnection;
use serde_json::json;

use super::store::{self, TokenPurpose};
use super::{RegisterRequest, password, tokens};
use crate::http::{ApiError, FieldError};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;
use crate::users::{self, NewUser, Role};

/// Checks a new account's email, name and password, reporting all problems at once; returns
/// the normalised email and name.
pub fn validate_new_account(
    email: &str,
    full_name: &str,
    new_password: &str,
) -> Result<(String, String), ApiError> {
    let mut errors = Vec::new();
    let email_ok = users::normalise_email(email).map_err(|e| errors.push(e)).ok();
    let name = users::normalise_full_name(full_name, "full_name").map_err(|e| errors.push(e)).ok();
    if let Err(e) = password::check_policy(new_password, email, "password") {
        errors.push(e);
    }
    match (email_ok, name) {
        (Some(email), Some(name)) if errors.is_empty() => Ok((email, name)),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub async fn register(state: &AppState, request: &RegisterRequest) -> Result<(), ApiError> {
    if !state.config.allow_self_registration {
        return Err(ApiError::Forbidden(
            "self-registration is switched off; ask an administrator for an invitation".into(),
        ));
    }
    let (email, full_name) = validate_new_account(&request.email, &request.full_name, &request.password)?;
    {
        let mut conn = state.pool.get().await?;
        crate::directory::ensure_exists(&mut conn, request.organisation_id, "organisation_id").await?;
    }
    // Hash before looking the address up, so taken and free addresses cost the same time.
    let hash = state.passwords.hash(&request.password).await?;
    let public_url = &state.config.public_url;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        if let Some(owner) = users::store::find_by_email(tx, &email).await? {
            let context = json!({
                "recipient_name": owner.full_name,
                "login_link": link(public_url, "login", None),
                "reset_link": link(public_url, "reset-password", None),
            });
            messages::queue(tx, public_url, MessageKind::AddressTaken, &owner.email, context, None).await?;
            tracing::info!(user_id = %owner.id, "registration attempted for an existing account");
            return Ok(());
        }
        let user = users::store::insert(
            tx,
            &NewUser {
                email: &email,
                full_name: &full_name,
                role: Role::Trainee.as_str(),
                organisation_id: request.organisation_id,
                preferred_language: "en",
                email_verified_at: None,
                password_hash: &hash,
            },
        )
        .await?;
        let (token, token_hash) = tokens::new_token();
        store::insert_account_token(tx, user.id, TokenPurpose::VerifyEmail, &token_hash).await?;
        let context =
            json!({"recipient_name": user.full_name, "link": link(public_url, "verify-email", Some(&token))});
        messages::queue(tx, public_url, MessageKind::VerifyEmail, &user.email, context, None).await?;
        crate::audit::log(tx, Some(user.id), "user.registered", "user", user.id, json!({"role": "trainee"}))
            .await?;
        tracing::info!(user_id = %user.id, "account registered");
        Ok::<_, ApiError>(())
    })
    .await
    .or_else(|error| match error {
        // Two registrations of one address raced; the loser's owner already gets the verification.
        ApiError::Conflict(_) => Ok(()),
        other => Err(other),
    })
}

pub async fn verify_email(state: &AppState, token: &str) -> Result<(), ApiError> {
    let hash = tokens::hash_token(token);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let user_id = store::consume_account_token(tx, TokenPurpose::VerifyEmail, &hash)
            .await?
            .ok_or_else(invalid_token)?;
        users::store::mark_email_verified(tx, user_id).await?;
        tracing::info!(%user_id, "email verified");
        Ok(())
    })
    .await
}

pub fn invalid_token() -> ApiError {
    ApiError::Validation(vec![FieldError::new("token", "is invalid, expired or already used")])
}

/// A link into the web front end under `PUBLIC_URL`, e.g. `/verify-email?token=…`.
pub fn link(public_url: &url::Url, path: &str, token: Option<&str>) -> String {
    let mut url = public_url.clone();
    url.set_path(path);
    url.set_query(None);
    if let Some(token) = token {
        url.query_pairs_mut().append_pair("token", token);
    }
    url.to_string()
}
