//! The one API error type, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input: which field (a dotted path into the body, or a parameter name) and why.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (stable; clients may switch on it).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Present on validation errors: every invalid field at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed request: unparsable JSON, a bad path or query parameter.
    #[error("{detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// Well-formed but invalid input.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allowed: Vec<String> },
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// Anything unexpected. The cause is logged once, never shown to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(error.into())
    }

    pub fn not_found() -> Self {
        ApiError::NotFound("the requested resource does not exist".into())
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    fn kind_slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "bad-request",
            ApiError::Validation(_) => "validation-error",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Unavailable(_) => "service-unavailable",
            ApiError::Internal(_) => "internal-error",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            ApiError::BadRequest { detail, errors } => {
                (detail.clone(), (!errors.is_empty()).then(|| errors.clone()))
            }
            ApiError::Validation(errors) => {
                ("the request is well-formed but some fields are invalid".to_owned(), Some(errors.clone()))
            }
            ApiError::MethodNotAllowed { allowed } => {
                (format!("allowed methods: {}", allowed.join(", ")), None)
            }
            ApiError::TooManyRequests { retry_after_seconds } => {
                (format!("try again in {retry_after_seconds} seconds"), None)
            }
            ApiError::Internal(_) => ("an unexpected error occurred; it has been logged".to_owned(), None),
            other => (other.to_string(), None),
        };
        problem(status, self.kind_slug(), detail, errors)
    }
}

/// Builds a problem document for `status`; `slug` names the kind of problem.
pub fn problem(status: StatusCode, slug: &str, detail: String, errors: Option<Vec<FieldError>>) -> Problem {
    Problem {
        kind: format!("https://poc-lms.dev/problems/{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    }
}

pub fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .body(body)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let mut response = problem_response(self.status_code(), &self.to_problem());
        match self {
            ApiError::MethodNotAllowed { allowed } => {
                if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
                    response.headers_mut().insert(header::ALLOW, value);
                }
            }
            ApiError::TooManyRequests { retry_after_seconds } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
            }
            ApiError::Unauthorized(_) => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => ApiError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => ApiError::Conflict(format!(
                "conflicts with an existing record ({})",
                info.constraint_name().unwrap_or("unique")
            )),
            // An insert or update naming something that does not exist. (Deletes refused by
            // trainee records are mapped to 409 where they happen.)
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                ApiError::Validation(vec![FieldError::new(
                    info.column_name().unwrap_or("reference"),
                    "refers to a record that does not exist",
                )])
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Conflict("a concurrent change got there first; retry the request".into())
            }
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        tracing::warn!(error = %error, "no database connection available");
        ApiError::Unavailable("the database is unavailable; try again shortly".into())
    }
}
