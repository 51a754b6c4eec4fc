//! The `email_outbox` table: enqueue inside the caller's transaction, claim with
//! `FOR UPDATE SKIP LOCKED`, and record each delivery's outcome.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Interval, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::email_outbox;

/// A message to queue. `dedup_key`, when set, makes queueing idempotent.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = email_outbox)]
pub struct NewEmail {
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub dedup_key: Option<String>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxEmail {
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub dedup_key: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A certificate whose PDF is rendered and attached when the email is sent.
    pub attachment_certificate_id: Option<Uuid>,
}

/// Queues `email` on `conn`, which should be the transaction of the change that causes it.
/// Returns `None` when a message with the same `dedup_key` is already queued.
pub async fn enqueue(conn: &mut AsyncPgConnection, email: &NewEmail) -> QueryResult<Option<Uuid>> {
    diesel::insert_into(email_outbox::table)
        .values(email)
        .on_conflict(email_outbox::dedup_key)
        .do_nothing()
        .returning(email_outbox::id)
        .get_result(conn)
        .await
        .optional()
}

/// Reserves up to `limit` due messages for this worker for `lease`: pending ones whose time has
/// come, and ones another worker claimed but did not finish before its lease ran out.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease: Duration,
) -> QueryResult<Vec<OutboxEmail>> {
    diesel::sql_query(
        "UPDATE email_outbox SET status = 'sending', attempts = attempts + 1, \
             locked_until = now() + $2 \
         WHERE id IN ( \
             SELECT id FROM email_outbox \
             WHERE (status = 'pending' AND next_attempt_at <= now()) \
                OR (status = 'sending' AND locked_until < now()) \
             ORDER BY next_attempt_at, created_at \
             LIMIT $1 \
             FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<BigInt, _>(limit)
    .bind::<Interval, _>(pg_interval(lease))
    .load(conn)
    .await
}

pub async fn mark_sent(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::status.eq("sent"),
            email_outbox::sent_at.eq(diesel::dsl::now),
            email_outbox::locked_until.eq(None::<DateTime<Utc>>),
            email_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Puts a message back in the queue to be tried again after `delay`, keeping the error.
pub async fn schedule_retry(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    error: &str,
    delay: Duration,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE email_outbox SET status = 'pending', locked_until = NULL, last_error = $2, \
             next_attempt_at = now() + $3 WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Text, _>(error)
    .bind::<Interval, _>(pg_interval(delay))
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn mark_failed(conn: &mut AsyncPgConnection, id: Uuid, error: &str) -> QueryResult<()> {
    diesel::update(email_outbox::table.find(id))
        .set((
            email_outbox::status.eq("failed"),
            email_outbox::locked_until.eq(None::<DateTime<Utc>>),
            email_outbox::last_error.eq(error),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Hands claimed but unsent messages back at once (on shutdown), without counting the attempt.
pub async fn release(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> QueryResult<()> {
    diesel::update(
        email_outbox::table.filter(email_outbox::id.eq_any(ids)).filter(email_outbox::status.eq("sending")),
    )
    .set((
        email_outbox::status.eq("pending"),
        email_outbox::locked_until.eq(None::<DateTime<Utc>>),
        email_outbox::attempts.eq(email_outbox::attempts - 1),
    ))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Number of messages per status, for metrics.
pub async fn depth_by_status(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, i64)>> {
    email_outbox::table
        .group_by(email_outbox::status)
        .select((email_outbox::status, diesel::dsl::count_star()))
        .load(conn)
        .await
}

fn pg_interval(duration: Duration) -> diesel::data_types::PgInterval {
    diesel::data_types::PgInterval::from_microseconds(i64::try_from(duration.as_micros()).unwrap_or(i64::MAX))
}

/// Filters of the admin outbox list.
#[derive(Debug, Default)]
pub struct OutboxFilter {
    pub status: Option<String>,
    /// Case-insensitive substring of the recipient address.
    pub recipient: Option<String>,
}

/// Newest first (what an admin looks for), keyset-paged on `(created_at, id)` descending.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &OutboxFilter,
    page: &crate::http::pagination::PageRequest,
) -> QueryResult<Vec<OutboxEmail>> {
    let mut query = email_outbox::table.select(OutboxEmail::as_select()).into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(email_outbox::status.eq(status.clone()));
    }
    if let Some(recipient) = filter.recipient.as_deref().filter(|r| !r.is_empty()) {
        query = query.filter(
            email_outbox::recipient.ilike(format!("%{}%", crate::users::store::escape_like(recipient))),
        );
    }
    if let Some(after) = page.after {
        query = query.filter(
            email_outbox::created_at
                .lt(after.created_at)
                .or(email_outbox::created_at.eq(after.created_at).and(email_outbox::id.lt(after.id))),
        );
    }
    query
        .order((email_outbox::created_at.desc(), email_outbox::id.desc()))
        .limit(page.fetch())
        .load(conn)
        .await
}

/// Puts a failed message back in the queue with a fresh set of attempts. Only failed messages
/// qualify; returns the updated row, or `None` when the message is not failed.
pub async fn requeue_failed(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<OutboxEmail>> {
    diesel::update(email_outbox::table.find(id).filter(email_outbox::status.eq("failed")))
        .set((
            email_outbox::status.eq("pending"),
            email_outbox::attempts.eq(0),
            email_outbox::next_attempt_at.eq(diesel::dsl::now),
        ))
        .returning(OutboxEmail::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<OutboxEmail>> {
    email_outbox::table.find(id).select(OutboxEmail::as_select()).first(conn).await.optional()
}
