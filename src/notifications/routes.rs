//! The admin's view of the email outbox.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::outbox::{self, OutboxEmail, OutboxFilter};
use crate::http::pagination::{Cursor, PageRequest};
use crate::http::{AdminUser, ApiError, Page, Problem, QueryParams};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_emails).service(retry_email);
}

/// An outbox message, without its body.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxItem {
    pub id: Uuid,
    /// Which message this is (`verify_email`, `certificate_issued`, ...).
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// The last delivery error, e.g. the SMTP server's reply.
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<OutboxEmail> for OutboxItem {
    fn from(m: OutboxEmail) -> Self {
        OutboxItem {
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            sent_at: m.sent_at,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: Option<String>,
    /// Part of the recipient's address.
    pub recipient: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The outbox, newest first, filtered by status and recipient.
///
/// Who: admin.
#[utoipa::path(tag = "administration", security(("bearer" = [])), params(OutboxQuery), responses(
    (status = 200, body = Page<OutboxItem>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/admin/emails")]
async fn list_emails(
    state: web::Data<AppState>,
    _admin: AdminUser,
    QueryParams(query): QueryParams<OutboxQuery>,
) -> Result<web::Json<Page<OutboxItem>>, ApiError> {
    if let Some(status) = &query.status
        && !["pending", "sending", "sent", "failed"].contains(&status.as_str())
    {
        return Err(ApiError::BadRequest {
            detail: "invalid query parameter `status`".into(),
            errors: vec![crate::http::FieldError::new("status", "must be pending, sending, sent or failed")],
        });
    }
    let page = PageRequest::new(query.limit, query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let rows =
        outbox::list(&mut conn, &OutboxFilter { status: query.status, recipient: query.recipient }, &page)
            .await?;
    Ok(web::Json(page.page(
        rows,
        |m: &OutboxEmail| Cursor { created_at: m.created_at, id: m.id },
        OutboxItem::from,
    )))
}

/// Re-queue a failed message for delivery now, with a fresh set of attempts.
///
/// Who: admin.
#[utoipa::path(tag = "administration", security(("bearer" = [])), responses(
    (status = 200, body = OutboxItem), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "The message is not failed")))]
#[post("/admin/emails/{id}/retry")]
async fn retry_email(
    state: web::Data<AppState>,
    AdminUser(admin): AdminUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<OutboxItem>, ApiError> {
    let mut conn = state.pool.get().await?;
    match outbox::requeue_failed(&mut conn, *id).await? {
        Some(message) => {
            tracing::info!(email_id = %message.id, by = %admin.id(), "failed email re-queued");
            Ok(web::Json(OutboxItem::from(message)))
        }
        None => {
            let exists = outbox::find(&mut conn, *id).await?.is_some();
            Err(if exists {
                ApiError::Conflict("only a failed message can be retried".into())
            } else {
                ApiError::not_found()
            })
        }
    }
}
