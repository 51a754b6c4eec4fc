//! `X-Request-Id`: taken from the request when it is sane, generated otherwise, echoed on the
//! response and recorded on the request's log span so a client's report finds its log lines.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a caller's id only if it is short, printable ASCII: it ends up in logs verbatim.
fn acceptable(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| text.to_owned())
}

pub async fn assign_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(X_REQUEST_ID)
        .and_then(acceptable)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    Ok(response)
}

/// Root span of every request, carrying our request id instead of tracing-actix-web's own.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        tracing::info_span!(
            "http_request",
            http.method = %request.method(),
            http.target = %request.path(),
            request_id = %request_id,
            user_id = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // One line per request. Client errors are routine (info); only server errors warn.
        let (status, route) = match outcome {
            Ok(response) => (
                response.status(),
                response.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned()),
            ),
            Err(error) => (error.as_response_error().status_code(), "unmatched".to_owned()),
        };
        span.record("http.status_code", status.as_u16());
        span.in_scope(|| {
            if status.is_server_error() {
                span.record("otel.status_code", "ERROR");
                tracing::warn!(status = status.as_u16(), route, "request failed");
            } else {
                span.record("otel.status_code", "OK");
                tracing::info!(status = status.as_u16(), route, "request finished");
            }
        });
    }
}
