//! Service configuration, read once from the environment at start-up.
//!
//! Every setting the service reads is listed here, in README.md and in `.env.example`.
//! A value that does not parse stops start-up with an error naming the variable, so a typo
//! never silently falls back to a default.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/poc_lms` | PostgreSQL; the database is created when missing |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `PUBLIC_URL` | `http://` + `BIND_ADDR` | base of links in emails and certificates |
//! | `SMTP_URL` | unset | `smtp://host:port`, `smtp://host?tls=required`, `smtps://user:pass@host`; unset: mail is written as `.eml` files |
//! | `MAIL_DIR` | `./var/mail` | where `.eml` files go when `SMTP_URL` is unset |
//! | `MAIL_FROM` | `poc-lms <no-reply@localhost>` | sender of every email |
//! | `JWT_SECRET` | generated, kept in the database | HS256 key for access tokens, at least 32 bytes |
//! | `LOG_FORMAT` | `text` | `text` or `json` |
//! | `RUST_LOG` | `info` | log filter (tracing-subscriber `EnvFilter` syntax) |
//! | `DB_POOL_SIZE` | `16` | maximum PostgreSQL connections per process |
//! | `COURSE_CONTENT_DIR` | `./course-content` | course files that `serve` imports into an empty database, and `import-content`'s default |
//! | `ALLOW_SELF_REGISTRATION` | `on` | `off` refuses `POST /auth/register` (people join by invitation only) |
//! | `ISSUER_NAME` | `poc-lms` | the issuing body named on certificates and in credentials |
//! | `SIGNING_KEY_PATH` | unset | Ed25519 PKCS#8 PEM key that signs credentials; unset: generated once and kept in the database |
//! | `VERIFY_RATE_LIMIT_PER_MINUTE` | `60` | certificate verifications allowed per client address per minute |
//! | `WORKER` | `on` | `off` keeps the background worker out of `serve` (run `poc-lms worker` instead) |
//! | `OUTBOX_MAX_ATTEMPTS` | `8` | delivery attempts before a transiently failing email is marked `failed` |
//! | `OUTBOX_RETRY_BASE_SECONDS` | `30` | first retry delay; doubles per attempt (with jitter), capped at one hour |

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use url::Url;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/poc_lms";
const DEFAULT_BIND_ADDR: &str = "127.0.0.1:8080";
const DEFAULT_MAIL_DIR: &str = "./var/mail";
const DEFAULT_MAIL_FROM: &str = "poc-lms <no-reply@localhost>";
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// How the outbox worker paces deliveries and retries.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    pub max_attempts: i32,
    pub retry_base: Duration,
    /// How long a claimed message stays reserved for the worker that claimed it; after that
    /// another worker may take it over (the first one is presumed dead).
    pub lease: Duration,
    pub poll_interval: Duration,
    pub batch_size: i64,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
    pub public_url: Url,
    pub smtp_url: Option<String>,
    pub mail_dir: PathBuf,
    pub mail_from: Mailbox,
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    pub db_pool_size: usize,
    pub worker_enabled: bool,
    pub allow_self_registration: bool,
    pub course_content_dir: PathBuf,
    pub issuer_name: String,
    pub signing_key_path: Option<PathBuf>,
    pub verify_rate_limit_per_minute: u32,
    pub outbox: OutboxSettings,
}

/// A setting that could not be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

impl Config {
    /// Reads the process environment (after `.env`, which `main` loads).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let parsed_db =
            Url::parse(&database_url).map_err(|e| invalid("DATABASE_URL", format!("not a URL ({e})")))?;
        if !matches!(parsed_db.scheme(), "postgres" | "postgresql") {
            return Err(invalid("DATABASE_URL", "scheme must be postgres:// or postgresql://"));
        }

        let bind_raw = get("BIND_ADDR").unwrap_or_else(|| DEFAULT_BIND_ADDR.to_owned());
        let bind_addr: SocketAddr = bind_raw.parse().map_err(|_| {
            invalid("BIND_ADDR", format!("`{bind_raw}` is not an address like 127.0.0.1:8080"))
        })?;

        let public_raw = get("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}"));
        let public_url = Url::parse(&public_raw)
            .map_err(|e| invalid("PUBLIC_URL", format!("`{public_raw}` is not a URL ({e})")))?;
        if !matches!(public_url.scheme(), "http" | "https") {
            return Err(invalid("PUBLIC_URL", "scheme must be http or https"));
        }

        let smtp_url = get("SMTP_URL");
        if let Some(raw) = &smtp_url {
            let parsed = Url::parse(raw).map_err(|e| invalid("SMTP_URL", format!("not a URL ({e})")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(invalid("SMTP_URL", "scheme must be smtp:// or smtps://"));
            }
        }

        let mail_dir = PathBuf::from(get("MAIL_DIR").unwrap_or_else(|| DEFAULT_MAIL_DIR.to_owned()));
        let mail_from_raw = get("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        let mail_from: Mailbox = mail_from_raw
            .parse()
            .map_err(|e| invalid("MAIL_FROM", format!("`{mail_from_raw}` is not a mailbox ({e})")))?;

        let jwt_secret = get("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_JWT_SECRET_BYTES
        {
            return Err(invalid("JWT_SECRET", format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long")));
        }

        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid("LOG_FORMAT", format!("`{other}` is neither `text` nor `json`")));
            }
        };

        let db_pool_size = parse_number(&get, "DB_POOL_SIZE", 16usize, 1..=1000)?;
        let worker_enabled = parse_switch(&get, "WORKER", true)?;
        let allow_self_registration = parse_switch(&get, "ALLOW_SELF_REGISTRATION", true)?;

        let outbox = OutboxSettings {
            max_attempts: parse_number(&get, "OUTBOX_MAX_ATTEMPTS", 8i32, 1..=100)?,
            retry_base: Duration::from_secs(parse_number(
                &get,
                "OUTBOX_RETRY_BASE_SECONDS",
                30u64,
                1..=86_400,
            )?),
            lease: Duration::from_secs(300),
            poll_interval: Duration::from_secs(1),
            batch_size: 50,
        };

        Ok(Config {
            database_url,
            bind_addr,
            public_url,
            smtp_url,
            mail_dir,
            mail_from,
            jwt_secret,
            log_format,
            db_pool_size,
            worker_enabled,
            allow_self_registration,
            course_content_dir: PathBuf::from(
                get("COURSE_CONTENT_DIR").unwrap_or_else(|| "./course-content".to_owned()),
            ),
            issuer_name: get("ISSUER_NAME").unwrap_or_else(|| "poc-lms".to_owned()),
            signing_key_path: get("SIGNING_KEY_PATH").map(PathBuf::from),
            verify_rate_limit_per_minute: parse_number(
                &get,
                "VERIFY_RATE_LIMIT_PER_MINUTE",
                60u32,
                1..=1_000_000,
            )?,
            outbox,
        })
    }
}

fn parse_switch(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(variable).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(invalid(variable, format!("`{other}` is neither `on` nor `off`"))),
    }
}

fn parse_number<T>(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = get(variable) else {
        return Ok(default);
    };
    let value: T = raw.parse().map_err(|_| invalid(variable, format!("`{raw}` is not a whole number")))?;
    if !range.contains(&value) {
        return Err(invalid(variable, format!("{value} is outside {}..={}", range.start(), range.end())));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = config_with(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
        assert!(config.smtp_url.is_none());
        assert!(config.worker_enabled);
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (var, value) in [
            ("BIND_ADDR", "localhost"),
            ("DB_POOL_SIZE", "many"),
            ("DB_POOL_SIZE", "0"),
            ("LOG_FORMAT", "xml"),
            ("JWT_SECRET", "short"),
            ("SMTP_URL", "http://mail"),
            ("DATABASE_URL", "mysql://x/y"),
            ("WORKER", "maybe"),
            ("ALLOW_SELF_REGISTRATION", "sometimes"),
            ("VERIFY_RATE_LIMIT_PER_MINUTE", "0"),
            ("MAIL_FROM", "not an address"),
        ] {
            let err = config_with(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().contains(var));
        }
    }
}
