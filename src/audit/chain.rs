//! The hash chain: how an entry's hash is computed, and checking a whole trail.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::AuditEntry;
use crate::db::schema::audit_log;

/// The "previous hash" of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hashed content of an entry (everything but its sequence number and hashes).
pub struct Content<'a> {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<Uuid>,
    pub summary: &'a serde_json::Value,
}

/// SHA-256 over the previous hash and the content, fields separated by a byte that cannot
/// appear in them, the summary as compact JSON with sorted keys (serde_json's map is ordered).
pub fn hash(prev_hash: &str, content: &Content<'_>) -> String {
    let mut hasher = Sha256::new();
    let fields = [
        prev_hash.to_owned(),
        content.id.to_string(),
        content.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        content.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        content.action.to_owned(),
        content.entity_type.to_owned(),
        content.entity_id.map(|e| e.to_string()).unwrap_or_default(),
        content.summary.to_string(),
    ];
    for field in fields {
        hasher.update(field.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
}

/// The first entry whose stored hashes do not match the chain, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub id: Uuid,
    pub reason: &'static str,
}

pub fn check(entries: &[AuditEntry], mut prev_hash: String) -> Result<String, Break> {
    for entry in entries {
        if entry.prev_hash != prev_hash {
            return Err(Break {
                seq: entry.seq,
                id: entry.id,
                reason: "its previous-hash does not match the entry before it",
            });
        }
        let content = Content {
            id: entry.id,
            occurred_at: entry.occurred_at,
            actor_id: entry.actor_id,
            action: &entry.action,
            entity_type: &entry.entity_type,
            entity_id: entry.entity_id,
            summary: &entry.summary,
        };
        if hash(&prev_hash, &content) != entry.hash {
            return Err(Break {
                seq: entry.seq,
                id: entry.id,
                reason: "its content does not match its hash",
            });
        }
        prev_hash = entry.hash.clone();
    }
    Ok(prev_hash)
}

/// Checks the whole trail page by page; returns how many entries were checked.
pub async fn verify(conn: &mut AsyncPgConnection) -> Result<Result<u64, Break>, diesel::result::Error> {
    let mut prev_hash = GENESIS.to_owned();
    let mut after = 0i64;
    let mut checked = 0u64;
    loop {
        let page: Vec<AuditEntry> = audit_log::table
            .filter(audit_log::seq.gt(after))
            .order(audit_log::seq)
            .limit(5_000)
            .select(AuditEntry::as_select())
            .load(conn)
            .await?;
        let Some(last) = page.last() else { return Ok(Ok(checked)) };
        after = last.seq;
        match check(&page, prev_hash) {
            Ok(next) => prev_hash = next,
            Err(broken) => return Ok(Err(broken)),
        }
        checked += page.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, prev: &str, action: &str) -> AuditEntry {
        let mut e = AuditEntry {
            seq,
            id: Uuid::new_v4(),
            occurred_at: Utc::now(),
            actor_id: None,
            action: action.into(),
            entity_type: "course".into(),
            entity_id: Some(Uuid::new_v4()),
            summary: serde_json::json!({"from": "draft", "to": "published"}),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = hash(
            prev,
            &Content {
                id: e.id,
                occurred_at: e.occurred_at,
                actor_id: e.actor_id,
                action: &e.action,
                entity_type: &e.entity_type,
                entity_id: e.entity_id,
                summary: &e.summary,
            },
        );
        e
    }

    #[test]
    fn an_intact_chain_checks_and_an_edit_is_found_at_its_row() {
        let first = entry(1, GENESIS, "course.published");
        let second = entry(2, &first.hash, "course.archived");
        let third = entry(3, &second.hash, "course.published");
        let mut chain = vec![first, second, third];
        assert!(check(&chain, GENESIS.to_owned()).is_ok());
        chain[1].summary = serde_json::json!({"from": "draft", "to": "deleted"});
        let broken = check(&chain, GENESIS.to_owned()).unwrap_err();
        assert_eq!(broken.seq, 2);
    }
}
