//! The audit trail: who changed what, when, to which entity, with a short before/after
//! summary. Entries are written in the transaction of the change they describe, form a hash
//! chain (each row hashes the previous row's hash and its own content), and cannot be updated
//! or deleted (a database trigger).

pub mod chain;
pub mod routes;

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::schema::audit_log;

/// Serialises appends so that the chain stays a single line; held until the appending
/// transaction ends (audited transactions are short). Callers take it last, after any row
/// locks their change needs, so it never takes part in a lock-order deadlock.
const AUDIT_LOCK_KEY: i64 = 0x0041_5544_4954; // "AUDIT" in ASCII

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<Uuid>,
    pub summary: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// What happened, as the caller describes it.
pub struct Event<'a> {
    pub actor_id: Option<Uuid>,
    /// A verb phrase such as `course.published` or `user.role_changed`.
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    /// A short before/after summary; never secrets.
    pub summary: serde_json::Value,
}

/// Appends `event` inside the caller's transaction `tx`.
pub async fn record(tx: &mut AsyncPgConnection, event: Event<'_>) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})")).execute(tx).await?;
    let prev_hash: String = audit_log::table
        .order(audit_log::seq.desc())
        .select(audit_log::hash)
        .first(tx)
        .await
        .optional()?
        .unwrap_or_else(|| chain::GENESIS.to_owned());
    let id = Uuid::new_v4();
    // Microseconds: what PostgreSQL stores, so the hash is recomputed from the stored value.
    let occurred_at = Utc::now().trunc_subsecs(6);
    let content = chain::Content {
        id,
        occurred_at,
        actor_id: event.actor_id,
        action: event.action,
        entity_type: event.entity_type,
        entity_id: event.entity_id,
        summary: &event.summary,
    };
    let hash = chain::hash(&prev_hash, &content);
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(id),
            audit_log::occurred_at.eq(occurred_at),
            audit_log::actor_id.eq(event.actor_id),
            audit_log::action.eq(event.action),
            audit_log::entity_type.eq(event.entity_type),
            audit_log::entity_id.eq(event.entity_id),
            audit_log::summary.eq(&event.summary),
            audit_log::prev_hash.eq(&prev_hash),
            audit_log::hash.eq(&hash),
        ))
        .execute(tx)
        .await?;
    Ok(())
}

/// Shorthand for `record` with an entity.
pub async fn log(
    tx: &mut AsyncPgConnection,
    actor_id: Option<Uuid>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    summary: serde_json::Value,
) -> QueryResult<()> {
    record(tx, Event { actor_id, action, entity_type, entity_id: Some(entity_id), summary }).await
}
