//! The OpenAPI 3.1 document: the base (info, security scheme, shared schemas) here; paths are
//! collected from the handlers' `#[utoipa::path]` as they are registered in `app.rs`.

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

/// Adds the two routes served by swagger-ui itself (not by our handlers) so that the document
/// lists every route the service answers.
pub fn document_self(api: &mut OpenApiDoc) {
    let json = OperationBuilder::new()
        .tag("operations")
        .summary(Some("This OpenAPI 3.1 document"))
        .description(Some("Who: anyone."))
        .response(
            "200",
            ResponseBuilder::new()
                .description("The OpenAPI document")
                .content("application/json", ContentBuilder::new().build()),
        )
        .build();
    api.paths.add_path_operation(OPENAPI_PATH, vec![HttpMethod::Get], json);
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
