//! The test harness: a fresh database per test, the real app served on a free port, an SMTP
//! sink that records what the worker delivers, and small HTTP helpers.

pub mod courses;
pub mod database;
pub mod mail;
pub mod smtp;
pub mod users;

use std::collections::HashMap;
use std::net::TcpListener;

use actix_web::HttpServer;
use actix_web::dev::ServerHandle;
use poc_lms::{AppState, Config, build_app};

pub use database::TestDatabase;
pub use smtp::SmtpSink;

pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub smtp: Option<SmtpSink>,
    server: ServerHandle,
    // Dropped last: the server and pool must let go of the database first.
    pub db: TestDatabase,
}

/// Settings for a test app; every field has a sensible default.
pub struct TestOptions {
    pub smtp: SmtpChoice,
    pub extra_env: Vec<(&'static str, String)>,
}

pub enum SmtpChoice {
    /// A fresh sink on a free port (the default).
    Sink,
    /// An SMTP URL on which nothing listens.
    Down(u16),
}

impl Default for TestOptions {
    fn default() -> Self {
        Self { smtp: SmtpChoice::Sink, extra_env: Vec::new() }
    }
}

pub fn test_config(database_url: &str, smtp_url: &str, extra: &[(&'static str, String)]) -> Config {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url.to_owned()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("PUBLIC_URL", "http://lms.test".to_owned()),
        ("SMTP_URL", smtp_url.to_owned()),
        ("MAIL_FROM", "poc-lms <no-reply@lms.test>".to_owned()),
        ("JWT_SECRET", TEST_JWT_SECRET.to_owned()),
        ("DB_POOL_SIZE", "8".to_owned()),
        ("WORKER", "off".to_owned()),
    ]);
    for (key, value) in extra {
        vars.insert(key, value.clone());
    }
    Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration is valid")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    pub async fn spawn_with(options: TestOptions) -> Self {
        let db = TestDatabase::create().await;
        let (smtp, smtp_url) = match options.smtp {
            SmtpChoice::Sink => {
                let sink = SmtpSink::start().await;
                let url = sink.url();
                (Some(sink), url)
            }
            SmtpChoice::Down(port) => (None, format!("smtp://127.0.0.1:{port}")),
        };
        let config = test_config(&db.url, &smtp_url, &options.extra_env);
        let state = AppState::connect(config).await.expect("app state");
        Self::serve(db, state, smtp)
    }

    /// Serves `state` on a free port (one worker thread: tests are many, cores are two).
    pub fn serve(db: TestDatabase, state: AppState, smtp: Option<SmtpSink>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind test server");
        let port = listener.local_addr().expect("addr").port();
        let app_state = state.clone();
        let server = HttpServer::new(move || build_app(app_state.clone()))
            .listen(listener)
            .expect("listen")
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            address: format!("http://127.0.0.1:{port}"),
            state,
            client: reqwest::Client::new(),
            smtp,
            server: handle,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    pub fn sink(&self) -> &SmtpSink {
        self.smtp.as_ref().expect("this app has an SMTP sink")
    }

    pub async fn conn(&self) -> poc_lms::db::DbConn {
        self.state.pool.get().await.expect("pooled connection")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting (the command is sent at once; the returned future only waits for it). The
        // database drop that follows forces any remaining connection off.
        drop(self.server.stop(false));
    }
}

/// Reads a problem+json response and checks the essentials every error must carry.
pub async fn problem(response: reqwest::Response, status: u16) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status");
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(content_type.starts_with("application/problem+json"), "content type was {content_type}");
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

/// Fails if any object anywhere in `value` has one of `keys` (correctness data a trainee must
/// not see).
pub fn assert_absent_keys(value: &serde_json::Value, keys: &[&str], context: &str) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                assert!(!keys.contains(&key.as_str()), "{context} exposes `{key}`: {value}");
                assert_absent_keys(inner, keys, context);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| assert_absent_keys(v, keys, context)),
        _ => {}
    }
}
