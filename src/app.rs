//! Assembles the actix application: routes, middleware, fallbacks and the OpenAPI document.
//! `main` and the integration tests both build the service through `build_app`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::web::{self, PathConfig, PayloadConfig};
use actix_web::{App, Error};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::http::extract::JSON_LIMIT_BYTES;
use crate::http::fallback::{self, RouteTable};
use crate::http::request_id::{RequestSpan, assign_request_id};
use crate::http::{ApiError, FieldError, metrics};
use crate::state::AppState;
use crate::{openapi, system};

pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let (app, mut api) = App::new()
        .into_utoipa_app()
        .openapi(openapi::base())
        .app_data(web::Data::new(state))
        .app_data(PayloadConfig::new(JSON_LIMIT_BYTES))
        .app_data(PathConfig::default().error_handler(|error, _| {
            let message = error.to_string();
            ApiError::BadRequest {
                detail: format!("invalid path parameter: {message}"),
                errors: vec![FieldError::new("path", message)],
            }
            .into()
        }))
        .configure(system::routes::configure)
        .configure(crate::certificates::routes::configure_public)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(openapi::configure)
                .configure(crate::auth::routes::configure)
                .configure(crate::users::routes::configure)
                .configure(crate::courses::routes::configure)
                .configure(crate::enrolments::routes::configure)
                .configure(crate::quizzes::routes::configure)
                .configure(crate::certificates::routes::configure)
                .configure(crate::notifications::routes::configure)
                .configure(crate::audit::routes::configure)
                .configure(crate::directory::routes::configure)
                .configure(crate::reports::routes::configure),
        )
        .split_for_parts();
    openapi::document_self(&mut api);
    let routes = web::Data::new(RouteTable::from_openapi(&api));
    let document = web::Data::new(openapi::ApiDocument(api.to_json().unwrap_or_default()));

    app.app_data(routes)
        .app_data(document)
        .service(web::redirect(openapi::DOCS_PATH, format!("{}/", openapi::DOCS_PATH)))
        .service(
            SwaggerUi::new(format!("{}/{{_:.*}}", openapi::DOCS_PATH))
                .config(utoipa_swagger_ui::Config::from(openapi::OPENAPI_PATH)),
        )
        .default_service(web::to(fallback::no_route))
        .wrap(ErrorHandlers::new().default_handler(fallback::ensure_problem_json))
        .wrap(from_fn(metrics::record_request_metrics))
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(from_fn(assign_request_id))
}
