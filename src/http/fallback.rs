//! Everything that is not answered by a handler still answers problem+json: unknown routes (404),
//! known routes with the wrong method (405, with `Allow`), and any plain error response actix
//! produces by itself.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use super::error::{ApiError, problem, problem_response};

/// The route templates and methods the app serves, taken from the OpenAPI document that is
/// generated from the same registrations, so the two cannot drift apart.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.trim_matches('/').split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    /// Methods served on `path`, empty when no route template matches it.
    pub fn methods_for(&self, path: &str) -> Vec<&'static str> {
        let wanted: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut methods: Vec<&'static str> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == wanted.len()
                    && segments.iter().zip(&wanted).all(|(template, actual)| {
                        (template.starts_with('{') && !actual.is_empty()) || template == actual
                    })
            })
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

/// Default service: 405 when the path exists under another method, else 404.
pub async fn no_route(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let methods = table.methods_for(req.path());
    // A template matched with this very method: the id in the path is what does not exist.
    let method_served = methods.iter().any(|m| *m == req.method().as_str());
    Err(if methods.is_empty() || method_served {
        ApiError::NotFound(format!("no route matches {}", req.path()))
    } else {
        ApiError::MethodNotAllowed { allowed: methods.into_iter().map(str::to_owned).collect() }
    })
}

/// `ErrorHandlers` hook: rewrites an error response that is not problem+json yet.
pub fn ensure_problem_json<B: MessageBody>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Only bodies actix made up itself (plain text or none) are rewritten; a handler's own
    // JSON (problem+json, or a document such as /readyz's 503) is left as it is.
    let plain =
        res.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !plain {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match (status.is_server_error(), res.response().error()) {
        (false, Some(error)) => error.to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let (req, old) = res.into_parts();
    let mut replacement = problem_response(status, &problem(status, slug(status), detail, None));
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = old.headers().get(&name) {
            replacement.headers_mut().insert(name, value.clone());
        }
    }
    let response: ServiceResponse<EitherBody<B>> =
        ServiceResponse::new(req, replacement).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

fn slug(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        413 => "payload-too-large",
        415 => "unsupported-media-type",
        429 => "too-many-requests",
        503 => "service-unavailable",
        s if s >= 500 => "internal-error",
        _ => "client-error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(paths: &[(&str, &[&'static str])]) -> RouteTable {
        RouteTable {
            routes: paths
                .iter()
                .map(|(p, m)| (p.trim_matches('/').split('/').map(str::to_owned).collect(), m.to_vec()))
                .collect(),
        }
    }

    #[test]
    fn templates_match_any_single_segment() {
        let t = table(&[("/api/v1/courses/{id}", &["GET", "PATCH"]), ("/api/v1/courses", &["GET", "POST"])]);
        assert_eq!(t.methods_for("/api/v1/courses/abc"), vec!["GET", "PATCH"]);
        assert_eq!(t.methods_for("/api/v1/courses"), vec!["GET", "POST"]);
        assert!(t.methods_for("/api/v1/courses/abc/def").is_empty());
        assert!(t.methods_for("/nothing").is_empty());
    }
}
