//! Revoking a certificate: recorded with its reason and the admin who did it, and told to the
//! holder, in one transaction.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::json;
use uuid::Uuid;

use super::model::Certificate;
use crate::db::schema::certificates;
use crate::http::{ApiError, CurrentUser};
use crate::notifications::messages::{self, MessageKind};
use crate::state::AppState;

pub async fn revoke(
    state: &AppState,
    admin: &CurrentUser,
    id: Uuid,
    reason: &str,
) -> Result<Certificate, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation("reason", "must be 1 to 500 characters"));
    }
    let public_url = &state.config.public_url;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |tx| {
        let current: Certificate =
            certificates::table.find(id).select(Certificate::as_select()).for_update().first(tx).await?;
        if current.revoked_at.is_some() {
            return Err(ApiError::Conflict("the certificate is already revoked".into()));
        }
        let revoked: Certificate = diesel::update(certificates::table.find(id))
            .set((
                certificates::revoked_at.eq(diesel::dsl::now),
                certificates::revocation_reason.eq(reason),
                certificates::revoked_by.eq(admin.id()),
            ))
            .returning(Certificate::as_returning())
            .get_result(tx)
            .await?;
        let holder = crate::users::store::find(tx, revoked.user_id).await?.ok_or_else(ApiError::not_found)?;
        let context = json!({
            "recipient_name": holder.full_name, "course_title": revoked.course_title, "code": revoked.code,
            "revoked_on": Utc::now().format("%-d %B %Y").to_string(), "reason": reason,
        });
        messages::queue(tx, public_url, MessageKind::CertificateRevoked, &holder.email, context, None)
            .await?;
        crate::audit::log(
            tx,
            Some(admin.id()),
            "certificate.revoked",
            "certificate",
            id,
            json!({"reason": reason}),
        )
        .await?;
        tracing::info!(certificate_id = %id, by = %admin.id(), "certificate revoked");
        Ok(revoked)
    })
    .await
}
