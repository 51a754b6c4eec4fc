//! PostgreSQL access: the async connection pool, database creation, embedded migrations and
//! the small key/value store for generated settings.

pub mod migrate;
pub mod schema;
pub mod settings;

use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;

/// Time to wait for a pooled connection before a request gives up with 503: long enough to ride
/// out a burst, short enough that a dead database is reported promptly by `/readyz`.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

pub fn build_pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    // Fast recycling: no `SELECT 1` round trip on every checkout (two per request, since the
    // auth extractor and the handler each check one out). A connection whose socket closed or
    // whose transaction broke is still discarded (`is_broken`), so after a database restart a
    // pooled connection fails at most the one request that finds it dead.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    let pool = Pool::builder(manager)
        .max_size(max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .build()?;
    Ok(pool)
}

/// Creates the database named in `database_url` when it does not exist yet, connecting to the
/// server's `postgres` maintenance database to do so. Safe when several instances race: a
/// concurrent creation is treated as success.
pub async fn ensure_database_exists(database_url: &str) -> anyhow::Result<()> {
    use diesel::sql_types::Text;
    use diesel_async::{AsyncConnection, RunQueryDsl};

    let url = url::Url::parse(database_url)?;
    let name = url.path().trim_start_matches('/').to_owned();
    anyhow::ensure!(!name.is_empty(), "DATABASE_URL names no database");

    let mut maintenance_url = url.clone();
    maintenance_url.set_path("/postgres");
    let mut conn = AsyncPgConnection::establish(maintenance_url.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL at {}: {e}", redact(&url)))?;

    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(&name)
            .get_result(&mut conn)
            .await?;
    if found.exists {
        return Ok(());
    }
    match diesel::sql_query(format!("CREATE DATABASE {}", quote_identifier(&name))).execute(&mut conn).await {
        Ok(_) => {
            tracing::info!(database = %name, "created database");
            Ok(())
        }
        // Another instance won the race; the database exists now, which is all we wanted.
        // (PostgreSQL reports that race either as "already exists" or as a unique violation.)
        Err(diesel::result::Error::DatabaseError(kind, info))
            if matches!(kind, diesel::result::DatabaseErrorKind::UniqueViolation)
                || info.message().contains("already exists") =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Quotes a PostgreSQL identifier (database names cannot be bound as parameters).
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}
