//! Authentication and account life cycle: login with short-lived access tokens and rotating
//! refresh tokens, registration and email verification, password reset and change,
//! invitations, and brute-force protection. Who may do what is enforced by the extractors in
//! `http::auth`.

pub mod hashing_threads;
pub mod invitations;
pub mod jwt;
pub mod password;
pub mod recovery;
pub mod registration;
pub mod routes;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tokens;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a successful login or refresh returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid `expires_in` seconds.
    pub access_token: String,
    /// Opaque, single use: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub organisation_id: Option<uuid::Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirm {
    pub token: String,
    pub new_password: String,
}

/// The answer to requests whose outcome must not reveal whether an account exists.
#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    /// Always `accepted`.
    pub status: &'static str,
    pub message: &'static str,
}
