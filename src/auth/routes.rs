//! Handlers under `/api/v1/auth` and `/api/v1/invitations`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::invitations::{self, AcceptInvitation, InvitationRequest, InvitationView};
use super::{
    Accepted, LoginRequest, PasswordResetConfirm, PasswordResetRequest, RefreshRequest, RegisterRequest,
    TokenPair, TokenRequest, recovery, registration, sessions,
};
use crate::http::extract::client_ip;
use crate::http::{AdminUser, ApiError, JsonBody, Problem};
use crate::state::AppState;
use crate::users::UserProfile;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(verify_email)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(request_password_reset)
        .service(confirm_password_reset)
        .service(invite)
        .service(accept_invitation);
}

fn accepted(message: &'static str) -> HttpResponse {
    HttpResponse::Accepted().json(Accepted { status: "accepted", message })
}

/// Register a trainee account.
///
/// Who: anyone, while self-registration is enabled (`ALLOW_SELF_REGISTRATION`). The answer is
/// the same whether or not the address already has an account: a new account gets a
/// verification email, an existing one's owner gets a notice.
#[utoipa::path(tag = "auth", security(()), request_body = RegisterRequest, responses(
    (status = 202, body = Accepted), (status = 403, body = Problem, description = "Self-registration is off"),
    (status = 422, body = Problem)))]
#[post("/auth/register")]
async fn register(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    registration::register(&state, &body).await?;
    Ok(accepted("if the address can be registered, a message with the next step is on its way"))
}

/// Confirm an email address with the emailed token.
///
/// Who: anyone holding the token (valid 24 hours, single use).
#[utoipa::path(tag = "auth", security(()), request_body = TokenRequest, responses(
    (status = 204, description = "Verified"), (status = 422, body = Problem)))]
#[post("/auth/verify-email")]
async fn verify_email(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    registration::verify_email(&state, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Log in: an access token (15 minutes) and a refresh token (30 days, single use).
///
/// Who: anyone. After 5 failures for one email within 15 minutes that email is locked for 15
/// minutes, and an address is limited to 30 failures per 15 minutes (429 with `Retry-After`).
#[utoipa::path(tag = "auth", security(()), request_body = LoginRequest, responses(
    (status = 200, body = TokenPair), (status = 401, body = Problem), (status = 429, body = Problem)))]
#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    Ok(web::Json(sessions::login(&state, &body.email, &body.password, &client_ip(&req)).await?))
}

/// Exchange a refresh token for a new pair; the old one dies.
///
/// Who: the holder of a refresh token. Presenting one that was already exchanged revokes its
/// whole family (all sessions descended from that login) and answers 401.
#[utoipa::path(tag = "auth", security(()), request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair), (status = 401, body = Problem)))]
#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    Ok(web::Json(sessions::refresh(&state, &body.refresh_token).await?))
}

/// Log out: the refresh token's family is revoked.
///
/// Who: the holder of a refresh token.
#[utoipa::path(tag = "auth", security(()), request_body = RefreshRequest, responses((status = 204, description = "Logged out")))]
#[post("/auth/logout")]
async fn logout(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    sessions::logout(&state, &body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password-reset email.
///
/// Who: anyone. Always 202, whether or not the account exists.
#[utoipa::path(tag = "auth", security(()), request_body = PasswordResetRequest, responses((status = 202, body = Accepted)))]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    recovery::request_reset(&state, &body.email).await?;
    Ok(accepted("if an account uses this address, a reset link is on its way"))
}

/// Set a new password with the emailed token; every session of the account ends.
///
/// Who: the holder of the emailed token (valid 1 hour, single use).
#[utoipa::path(tag = "auth", security(()), request_body = PasswordResetConfirm, responses(
    (status = 204, description = "Password replaced"), (status = 422, body = Problem)))]
#[post("/auth/password-reset/confirm")]
async fn confirm_password_reset(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    recovery::confirm_reset(&state, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Invite a person by email with a role, an organisation and courses to enrol in.
///
/// Who: admin. The link in the email works once, for 14 days.
#[utoipa::path(tag = "auth", security(("bearer" = [])), request_body = InvitationRequest, responses(
    (status = 201, body = InvitationView), (status = 401, body = Problem), (status = 403, body = Problem),
    (status = 409, body = Problem, description = "The address already has an account"), (status = 422, body = Problem)))]
#[post("/invitations")]
async fn invite(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    JsonBody(body): JsonBody<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let invitation = invitations::invite(&state, &admin, &body).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Accept an invitation: the account is created with the invited role and a verified email.
///
/// Who: the holder of the emailed token. A second acceptance is refused (409).
#[utoipa::path(tag = "auth", security(()), request_body = AcceptInvitation, responses(
    (status = 201, body = UserProfile), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/invitations/accept")]
async fn accept_invitation(
    state: web::Data<AppState>,
    JsonBody(body): JsonBody<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    let profile = invitations::accept(&state, &body).await?;
    Ok(HttpResponse::Created().json(profile))
}
