//! `GET /api/v1/audit`: the trail, oldest first, with filters.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::AuditEntry;
use crate::db::schema::audit_log;
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{AdminUser, ApiError, Page, Problem, QueryParams};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub actor_id: Option<Uuid>,
    /// e.g. `user`, `course`, `enrolment`, `attempt`, `certificate`.
    pub entity_type: Option<String>,
    pub entity_id: Option<Uuid>,
    /// Only entries at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The append-only audit trail, oldest first: who did what to which entity, when, with a
/// short before/after summary and the hash chain that makes tampering detectable.
///
/// Who: admin.
#[utoipa::path(tag = "administration", security(("bearer" = [])), params(AuditQuery), responses(
    (status = 200, body = Page<AuditEntry>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    _admin: AdminUser,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let mut rows = audit_log::table.select(AuditEntry::as_select()).into_boxed();
    if let Some(actor) = query.actor_id {
        rows = rows.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(kind) = query.entity_type {
        rows = rows.filter(audit_log::entity_type.eq(kind));
    }
    if let Some(entity) = query.entity_id {
        rows = rows.filter(audit_log::entity_id.eq(entity));
    }
    if let Some(since) = query.since {
        rows = rows.filter(audit_log::occurred_at.ge(since));
    }
    if let Some(after) = page.after {
        let seq: i64 = audit_log::table
            .filter(audit_log::id.eq(after.id))
            .select(audit_log::seq)
            .first(&mut conn)
            .await?;
        rows = rows.filter(audit_log::seq.gt(seq));
    }
    let entries = rows.order(audit_log::seq).limit(page.fetch()).load(&mut conn).await?;
    Ok(web::Json(page.page(entries, |e: &AuditEntry| Cursor { created_at: e.occurred_at, id: e.id }, |e| e)))
}
