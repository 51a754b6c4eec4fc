//! Who is calling: `CurrentUser` (any valid access token of an active account), and the role
//! guards `StaffUser` (instructor or admin) and `AdminUser`. Missing or bad tokens are 401; a
//! valid token of the wrong role is 403.
//!
//! The token is checked against the database on every request (one indexed lookup), so a
//! deactivated account, or a token older than the last password change, is refused at once
//! rather than when the token expires.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::ApiError;
use crate::auth::jwt;
use crate::state::AppState;
use crate::users::{Role, User, store};

/// The authenticated caller, freshly loaded from the database.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl CurrentUser {
    pub fn id(&self) -> uuid::Uuid {
        self.0.id
    }

    pub fn role(&self) -> Role {
        self.0.role()
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }
}

fn unauthorized() -> ApiError {
    ApiError::Unauthorized("a valid access token is required (Authorization: Bearer <token>)".into())
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState missing")))?;
            let claims = token.and_then(|t| jwt::verify(&state.jwt_secret, &t)).ok_or_else(unauthorized)?;
            let mut conn = state.pool.get().await?;
            let user = store::find(&mut conn, claims.sub).await?.ok_or_else(unauthorized)?;
            if !user.is_active() || user.token_version != claims.ver {
                return Err(unauthorized());
            }
            tracing::Span::current().record("user_id", tracing::field::display(user.id));
            Ok(CurrentUser(user))
        })
    }
}

macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, $allowed:expr, $message:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub CurrentUser);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let user = CurrentUser::from_request(req, payload);
                Box::pin(async move {
                    let user = user.await?;
                    let allowed: fn(Role) -> bool = $allowed;
                    if allowed(user.role()) {
                        Ok($name(user))
                    } else {
                        Err(ApiError::Forbidden($message.into()))
                    }
                })
            }
        }
    };
}

role_guard!(
    /// An instructor or an admin.
    StaffUser,
    Role::is_staff,
    "this operation is for instructors and administrators"
);
role_guard!(
    /// An administrator.
    AdminUser,
    |role| role == Role::Admin,
    "this operation is for administrators"
);
