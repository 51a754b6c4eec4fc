//! Access tokens: HS256 JWTs, valid 15 minutes, carrying the user's token version so that a
//! password change or deactivation invalidates them at the next request.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::users::Role;

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: Uuid,
    pub role: Role,
    pub exp: i64,
    pub iat: i64,
    pub jti: Uuid,
    /// `users.token_version` when the token was issued.
    pub ver: i32,
}

pub fn issue(secret: &[u8], user_id: Uuid, role: Role, token_version: i32) -> anyhow::Result<String> {
    let now = Utc::now().timestamp();
    let claims = AccessClaims {
        sub: user_id,
        role,
        exp: now + ACCESS_TOKEN_SECONDS,
        iat: now,
        jti: Uuid::new_v4(),
        ver: token_version,
    };
    Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))?)
}

/// The claims of a well-signed, unexpired HS256 token; `None` for anything else.
pub fn verify(secret: &[u8], token: &str) -> Option<AccessClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 5;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(secret), &validation)
        .ok()
        .map(|data| data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_round_trips_and_a_tampered_or_foreign_one_does_not() {
        let id = Uuid::new_v4();
        let token = issue(SECRET, id, Role::Instructor, 3).unwrap();
        let claims = verify(SECRET, &token).unwrap();
        assert_eq!((claims.sub, claims.role, claims.ver), (id, Role::Instructor, 3));
        assert_eq!(claims.exp - claims.iat, ACCESS_TOKEN_SECONDS);

        assert!(verify(b"another-secret-another-secret-xx", &token).is_none());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert!(verify(SECRET, &parts.join(".")).is_none());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            sub: Uuid::new_v4(),
            role: Role::Admin,
            exp: now - 60,
            iat: now - 960,
            jti: Uuid::new_v4(),
            ver: 0,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET))
                .unwrap();
        assert!(verify(SECRET, &token).is_none());
    }

    #[test]
    fn the_none_algorithm_is_refused() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let body = engine.encode(
            format!(
                r#"{{"sub":"{}","role":"admin","exp":{},"iat":{},"jti":"{}","ver":0}}"#,
                Uuid::new_v4(),
                now + 600,
                now,
                Uuid::new_v4()
            )
            .as_bytes(),
        );
        assert!(verify(SECRET, &format!("{header}.{body}.")).is_none());
    }
}
