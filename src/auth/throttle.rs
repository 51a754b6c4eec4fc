//! Brute-force protection that holds across instances: failed logins are rows in PostgreSQL,
//! counted over a sliding 15-minute window per email and per client address.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::login_failures;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_IP: i64 = 30;

#[derive(QueryableByName)]
struct WindowCount {
    #[diesel(sql_type = BigInt)]
    failures: i64,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    oldest: Option<DateTime<Utc>>,
}

/// Seconds until the caller may try again, or `None` when neither the email nor the address
/// has reached its limit.
pub async fn retry_after(
    conn: &mut AsyncPgConnection,
    email_key: &str,
    client_ip: &str,
) -> QueryResult<Option<u64>> {
    let by_email = window(conn, "email_key", email_key, MAX_FAILURES_PER_EMAIL).await?;
    let by_ip = window(conn, "client_ip", client_ip, MAX_FAILURES_PER_IP).await?;
    Ok(by_email.into_iter().chain(by_ip).max())
}

/// Counts the most recent `limit` failures for `value` inside the window; when all `limit` are
/// there, the lock lasts until the oldest of them leaves the window.
async fn window(
    conn: &mut AsyncPgConnection,
    column: &str,
    value: &str,
    limit: i64,
) -> QueryResult<Option<u64>> {
    // `column` is one of two constants above, never user input.
    let sql = format!(
        "SELECT count(*) AS failures, min(created_at) AS oldest FROM ( \
             SELECT created_at FROM login_failures \
             WHERE {column} = $1 AND created_at > now() - make_interval(mins => {WINDOW_MINUTES}) \
             ORDER BY created_at DESC LIMIT $2) recent"
    );
    let counted: WindowCount =
        diesel::sql_query(sql).bind::<Text, _>(value).bind::<BigInt, _>(limit).get_result(conn).await?;
    if counted.failures < limit {
        return Ok(None);
    }
    let until = counted.oldest.map(|t| t + chrono::Duration::minutes(WINDOW_MINUTES));
    let seconds = until.map(|u| (u - Utc::now()).num_seconds().max(1) as u64).unwrap_or(60);
    Ok(Some(seconds))
}

pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    email_key: &str,
    client_ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::email_key.eq(email_key), login_failures::client_ip.eq(client_ip)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A successful login forgives the email's earlier failures (the address keeps its count).
pub async fn forgive_email(conn: &mut AsyncPgConnection, email_key: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email_key.eq(email_key)))
        .execute(conn)
        .await
        .map(|_| ())
}
