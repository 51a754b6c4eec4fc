//! Shared application state, built once at start-up and cloned into every worker.

use std::sync::Arc;

use crate::auth::password::PasswordService;
use crate::config::Config;
use crate::db::{self, DbPool};
use crate::metrics::Metrics;
use crate::notifications::mailer::Mailer;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: DbPool,
    pub metrics: Arc<Metrics>,
    pub mailer: Mailer,
    /// Argon2 hashing on dedicated threads, one per core.
    pub passwords: PasswordService,
    /// HS256 key for access tokens: `JWT_SECRET`, or the generated one kept in the database.
    pub jwt_secret: Arc<Vec<u8>>,
    /// Per-address limit of public certificate verifications.
    pub verify_limiter: Arc<crate::http::rate_limit::RateLimiter>,
    /// The `SIGNING_KEY_PATH` key, read once at start-up; `None` when keys live in the database.
    pub file_signing_key: Option<Arc<crate::certificates::signing::SigningKey>>,
    /// Migration versions this binary embeds; `/readyz` checks the database has them all.
    pub expected_migrations: Arc<Vec<String>>,
}

const JWT_SECRET_SETTING: &str = "jwt_secret";

impl AppState {
    /// Prepares everything the service needs: the database (created and migrated when
    /// needed), the pool, the JWT secret and the mail transport.
    pub async fn init(config: Config) -> anyhow::Result<Self> {
        db::ensure_database_exists(&config.database_url).await?;
        db::migrate::run_pending(&config.database_url).await?;
        let state = Self::connect(config).await?;
        let mut conn = state.pool.get().await?;
        crate::directory::load_defaults(&mut conn).await?;
        drop(conn);
        Ok(state)
    }

    /// Like `init`, for a database that is already migrated.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let pool = db::build_pool(&config.database_url, config.db_pool_size)?;
        let jwt_secret = match &config.jwt_secret {
            Some(secret) => secret.clone().into_bytes(),
            None => {
                let mut conn = pool.get().await?;
                let (secret, created) =
                    db::settings::get_or_create(&mut conn, JWT_SECRET_SETTING, random_secret).await?;
                if created {
                    tracing::warn!(
                        "JWT_SECRET is unset: generated one and stored it in the database; set JWT_SECRET to manage it yourself"
                    );
                }
                secret.into_bytes()
            }
        };
        let mailer = Mailer::from_config(&config)?;
        let file_signing_key = {
            let mut conn = pool.get().await?;
            crate::certificates::keys::ensure_active_key(&mut conn, &config).await?.map(Arc::new)
        };
        let verify_limiter =
            Arc::new(crate::http::rate_limit::RateLimiter::per_minute(config.verify_rate_limit_per_minute));
        Ok(Self {
            config: Arc::new(config),
            pool,
            metrics: Arc::new(Metrics::new()),
            mailer,
            passwords: PasswordService::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            jwt_secret: Arc::new(jwt_secret),
            expected_migrations: Arc::new(db::migrate::expected_versions()),
            verify_limiter,
            file_signing_key,
        })
    }
}

/// 48 random bytes, base64url: 384 bits, comfortably above HS256's 256-bit key size.
fn random_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 48] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
