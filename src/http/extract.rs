//! Request extractors that answer bad input with problem+json naming the offending field.
//!
//! actix's own `Json` and `Query` report serde errors without saying which field failed;
//! these go through `serde_path_to_error` so a client learns `items[2].email`, not just
//! "invalid type".

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use super::error::{ApiError, FieldError};

/// Upper bound of a JSON request body. Course lessons are the largest legitimate bodies.
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

/// A JSON request body of type `T`.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<mime::Mime>().ok())
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType(
                    "the request body must be JSON, sent with Content-Type: application/json".into(),
                ));
            }
            let bytes = body.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit: JSON_LIMIT_BYTES }
                } else {
                    ApiError::BadRequest {
                        detail: format!("could not read the request body: {e}"),
                        errors: vec![],
                    }
                }
            })?;
            parse_json(&bytes).map(JsonBody)
        })
    }
}

/// Deserialises `bytes`: syntax errors are a 400, wrong shapes a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest {
            detail: "the request body is empty; a JSON document was expected".into(),
            errors: vec![],
        });
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = without_position(&inner.to_string());
                ApiError::Validation(vec![FieldError::new(field_name(&path, &message), message)])
            }
            _ => malformed(&inner),
        }
    })?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::BadRequest { detail: format!("malformed JSON: {error}"), errors: vec![] }
}

/// Query parameters of type `T`.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string().as_bytes();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query));
        let result = serde_path_to_error::deserialize(deserializer).map(QueryParams).map_err(|error| {
            let path = error.path().to_string();
            let message = error.into_inner().to_string();
            let field = field_name(&path, &message);
            ApiError::BadRequest {
                detail: format!("invalid query parameter `{field}`: {message}"),
                errors: vec![FieldError::new(field, message)],
            }
        });
        std::future::ready(result)
    }
}

/// For PATCH bodies: tells an absent field (`None`) from an explicit `null` (`Some(None)`).
/// Use with `#[serde(default, deserialize_with = "double_option")]`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// The address of the client as this server sees it (the TCP peer). Forwarding headers are
/// not trusted: anyone can set them.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_else(|| "unknown".to_owned())
}

/// Turns a serde path (`.` at the root) plus message into the field a client should fix.
/// Missing fields are reported by serde at their parent, with the name only in the message.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    match (parent, missing) {
        ("", Some(name)) => name.to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        ("", None) => "body".to_owned(),
        (parent, None) => parent.to_owned(),
    }
}

/// serde_json appends " at line L column C", which means nothing to a client naming fields.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        email: String,
        count: u32,
    }

    fn field_errors(result: Result<Sample, ApiError>) -> Vec<FieldError> {
        match result {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_named() {
        let errors = field_errors(parse_json(br#"{"count": 1}"#));
        assert_eq!(errors[0].field, "email");
    }

    #[test]
    fn wrong_type_is_named() {
        let errors = field_errors(parse_json(br#"{"email": "a@b.c", "count": "x"}"#));
        assert_eq!(errors[0].field, "count");
        assert!(!errors[0].message.contains("line"));
    }

    #[test]
    fn syntax_error_is_a_bad_request() {
        assert!(matches!(parse_json::<Sample>(b"{\"email\": "), Err(ApiError::BadRequest { .. })));
        assert!(matches!(parse_json::<Sample>(b"  "), Err(ApiError::BadRequest { .. })));
        assert!(matches!(
            parse_json::<Sample>(br#"{"email": "a", "count": 1} trailing"#),
            Err(ApiError::BadRequest { .. })
        ));
    }
}
