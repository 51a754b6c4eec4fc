//! Login, refresh-token rotation (with reuse detection) and logout.

use diesel_async::AsyncConnection;
use uuid::Uuid;

use super::store::{self, RefreshToken};
use super::{TokenPair, jwt, throttle, tokens};
use crate::http::ApiError;
use crate::state::AppState;
use crate::users::{self, User};

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized("invalid email or password".into())
}

fn invalid_refresh_token() -> ApiError {
    ApiError::Unauthorized("the refresh token is invalid, expired or revoked; log in again".into())
}

/// Checks the credentials and opens a new session (a new refresh-token family). Unknown
/// emails, wrong passwords and deactivated accounts get the same answer in the same time.
pub async fn login(
    state: &AppState,
    email: &str,
    password: &str,
    client_ip: &str,
) -> Result<TokenPair, ApiError> {
    let email_key = users::email_key(email);
    let user = {
        let mut conn = state.pool.get().await?;
        if let Some(seconds) = throttle::retry_after(&mut conn, &email_key, client_ip).await? {
            tracing::warn!(client_ip, "login refused: too many failures");
            return Err(ApiError::TooManyRequests { retry_after_seconds: seconds });
        }
        users::store::find_by_email(&mut conn, email).await?
    };
    // No connection is held while Argon2 runs: hashing may queue behind other logins.
    let verification =
        state.passwords.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
    let upgrade = verification.needs_rehash && user.as_ref().is_some_and(|u| u.is_active());
    let rehashed = if upgrade { Some(state.passwords.hash(password).await?) } else { None };
    let mut conn = state.pool.get().await?;
    let user = match user {
        Some(user) if verification.matches && user.is_active() => user,
        other => {
            throttle::record_failure(&mut conn, &email_key, client_ip).await?;
            tracing::warn!(user_id = ?other.map(|u| u.id), client_ip, "login failed");
            return Err(invalid_credentials());
        }
    };
    if let Some(rehashed) = rehashed {
        users::store::set_password(&mut conn, user.id, &rehashed).await?;
        tracing::info!(user_id = %user.id, "password re-hashed with current parameters");
    }
    throttle::forgive_email(&mut conn, &email_key).await?;
    let pair = open_session(state, &mut conn, &user, Uuid::new_v4()).await?;
    tracing::info!(user_id = %user.id, "login succeeded");
    Ok(pair)
}

/// Issues an access token and a refresh token in `family_id`.
async fn open_session(
    state: &AppState,
    conn: &mut diesel_async::AsyncPgConnection,
    user: &User,
    family_id: Uuid,
) -> Result<TokenPair, ApiError> {
    let (refresh_token, hash) = tokens::new_token();
    store::insert_refresh_token(conn, user.id, family_id, &hash).await?;
    let access_token = jwt::issue(&state.jwt_secret, user.id, user.role(), user.token_version)
        .map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token, token_type: "Bearer", expires_in: jwt::ACCESS_TOKEN_SECONDS })
}

enum RefreshOutcome {
    Rotated(TokenPair),
    /// The token was unknown, expired or revoked.
    Refused,
    /// A token that was already exchanged came back: someone holds a copy. Its family is now
    /// revoked (committed) and the caller gets 401.
    ReuseDetected(Uuid),
}

/// Exchanges a refresh token for a new pair. The old token dies; presenting it again revokes
/// every token of its family.
pub async fn refresh(state: &AppState, presented: &str) -> Result<TokenPair, ApiError> {
    let hash = tokens::hash_token(presented);
    let mut conn = state.pool.get().await?;
    let outcome = conn
        .transaction(async |tx| {
            let Some(token) = store::lock_refresh_token(tx, &hash).await? else {
                return Ok::<_, ApiError>(RefreshOutcome::Refused);
            };
            if token.used_at.is_some() && token.revoked_at.is_none() {
                store::revoke_family(tx, token.family_id).await?;
                return Ok(RefreshOutcome::ReuseDetected(token.user_id));
            }
            let RefreshToken { id, user_id, family_id, expires_at, revoked_at, .. } = token;
            if revoked_at.is_some() || expires_at <= chrono::Utc::now() {
                return Ok(RefreshOutcome::Refused);
            }
            let user = match users::store::find(tx, user_id).await? {
                Some(user) if user.is_active() => user,
                _ => return Ok(RefreshOutcome::Refused),
            };
            store::mark_refresh_token_used(tx, id).await?;
            Ok(RefreshOutcome::Rotated(open_session(state, tx, &user, family_id).await?))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(pair) => Ok(pair),
        RefreshOutcome::Refused => Err(invalid_refresh_token()),
        RefreshOutcome::ReuseDetected(user_id) => {
            tracing::warn!(%user_id, "refresh token reused: token family revoked");
            Err(invalid_refresh_token())
        }
    }
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored (the answer is the
/// same either way).
pub async fn logout(state: &AppState, presented: &str) -> Result<(), ApiError> {
    let hash = tokens::hash_token(presented);
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        if let Some(token) = store::lock_refresh_token(tx, &hash).await? {
            store::revoke_family(tx, token.family_id).await?;
            tracing::info!(user_id = %token.user_id, "logged out");
        }
        Ok::<_, ApiError>(())
    })
    .await
}
