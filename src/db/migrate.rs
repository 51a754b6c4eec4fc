//! Embedded schema migrations, applied at start-up and by `poc-lms migrate`.
//!
//! Diesel's migration harness is synchronous, so it runs through `AsyncConnectionWrapper` on a
//! blocking thread (diesel-async's own async harness needs a multi-threaded runtime, which actix
//! does not give us). A PostgreSQL advisory lock serialises instances that start together.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Arbitrary constant shared by every instance: the advisory lock key for migrating.
const MIGRATION_LOCK_KEY: i64 = 0x0050_4f43_5f4c_4d53; // "POC_LMS" in ASCII

/// Applies every pending migration; returns how many ran.
pub async fn run_pending(database_url: &str) -> anyhow::Result<usize> {
    let url = database_url.to_owned();
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(&mut conn)?;
        let outcome = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
        // Release even when migrating failed, so a fixed instance can retry at once.
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(&mut conn)?;
        let applied = outcome?;
        if applied > 0 {
            tracing::info!(applied, "applied database migrations");
        }
        Ok(applied)
    })
    .await?
}

/// The versions of every embedded migration, which `/readyz` expects to find applied.
pub fn expected_versions() -> Vec<String> {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .map(|list| list.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}
