//! The OpenAPI 3.1 document: the base (info, security scheme, shared schemas) here; paths are
//! collected from the handlers' `#[utoipa::path]` as they are registered in `app.rs`.

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::http::{FieldError, Problem};

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";
pub const DOCS_PATH: &str = "/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "poc-lms",
        description = "Training, certification and institutional memory for national Points of Contact on UNSCR 1540.\n\nEvery error is RFC 9457 `application/problem+json`. Each operation's description says who may call it.",
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "auth", description = "Login, tokens, registration, password reset, invitations"),
        (name = "users", description = "Your profile, and account administration"),
        (name = "courses", description = "Courses, modules and lessons: authoring and publication"),
        (name = "quizzes", description = "Quizzes and questions: authoring"),
        (name = "enrolments", description = "Cohorts, enrolment, waitlists and progress"),
        (name = "attempts", description = "Quiz attempts, grading, review and the gradebook"),
        (name = "administration", description = "The email outbox and the audit trail"),
        (name = "directory", description = "Organisations: States and international organisations"),
        (name = "reports", description = "Completion and seat coverage"),
        (name = "certificates", description = "Certificates, their PDF and signed credential, revocation and public verification"),
    )
)]
struct BaseDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build(),
            ),
        );
    }
}

pub fn base() -> OpenApiDoc {
    BaseDoc::openapi()
}

/// The generated document, serialised once at start-up.
pub struct ApiDocument(pub String);

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(openapi_json);
}

/// This OpenAPI 3.1 document.
///
/// Who: anyone.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
#[get("/openapi.json")]
async fn openapi_json(document: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document.0.clone())
}

/// Adds the Swagger UI page, which swagger-ui serves itself (not one of our handlers), so that
/// the document lists every route the service answers.
pub fn document_self(api: &mut OpenApiDoc) {
    let docs = OperationBuilder::new()
        .tag("operations")
        .summary(Some("Interactive API documentation (Swagger UI)"))
        .description(Some("Who: anyone. Works offline: its assets are built into the binary."))
        .response(
            "200",
            ResponseBuilder::new()
                .description("An HTML page")
                .content("text/html", ContentBuilder::new().build()),
        )
        .build();
    api.paths.add_path_operation(DOCS_PATH, vec![HttpMethod::Get], docs);
}
