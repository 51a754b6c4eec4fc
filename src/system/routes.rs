//! Handlers for `/healthz`, `/readyz` and `/metrics`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Health, Readiness};
use crate::notifications::outbox;
use crate::state::AppState;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// Liveness: the process is up and serving.
///
/// Who: anyone.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, description = "The process is up", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok" })
}

diesel::table! {
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

/// Readiness: the database answers and every migration is applied; 503 otherwise.
///
/// Who: anyone.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Database unreachable or schema behind", body = Readiness),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let readiness = match check_database(&state).await {
        Ok(missing) if missing.is_empty() => {
            Readiness { status: "ready", database: true, migrations_current: true, reason: None }
        }
        Ok(missing) => Readiness {
            status: "not_ready",
            database: true,
            migrations_current: false,
            reason: Some(format!("migrations not applied: {}", missing.join(", "))),
        },
        Err(reason) => Readiness {
            status: "not_ready",
            database: false,
            migrations_current: false,
            reason: Some(reason),
        },
    };
    let status = if readiness.status == "ready" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    HttpResponse::build(status).json(readiness)
}

/// Returns the embedded migrations the database lacks, or why the database could not be asked.
async fn check_database(state: &AppState) -> Result<Vec<String>, String> {
    let mut conn = state.pool.get().await.map_err(|e| format!("database unreachable: {e}"))?;
    let applied: Vec<String> = __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .load(&mut conn)
        .await
        .map_err(|e| format!("cannot read the migration table: {e}"))?;
    Ok(state.expected_migrations.iter().filter(|version| !applied.contains(version)).cloned().collect())
}

/// Prometheus metrics in the text exposition format.
///
/// Who: anyone (bind the service so that only your monitoring reaches it if that matters).
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain; version=0.0.4", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let status = state.pool.status();
    let in_use = status.size.saturating_sub(status.available);
    state.metrics.db_pool_connections.with_label_values(&["in_use"]).set(in_use as i64);
    state.metrics.db_pool_connections.with_label_values(&["idle"]).set(status.available as i64);
    // The outbox depth needs the database; when it is down the other metrics still answer.
    if let Ok(mut conn) = state.pool.get().await
        && let Ok(depths) = outbox::depth_by_status(&mut conn).await
    {
        for known in ["pending", "sending", "sent", "failed"] {
            let count = depths.iter().find(|(s, _)| s == known).map_or(0, |(_, n)| *n);
            state.metrics.outbox_messages.with_label_values(&[known]).set(count);
        }
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(state.metrics.render())
}
