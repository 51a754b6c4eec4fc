//! The shared HTTP client, request helpers that read the whole body and check the status, the
//! error tally, and login.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// How many distinct error samples a scenario keeps for the report.
const SAMPLES: usize = 3;
/// How much of an unexpected response body goes into a sample.
const BODY_PREFIX: usize = 200;

/// One `reqwest::Client` for the whole run: its pool keeps one idle connection per task, so a
/// scenario never pays for new TCP connections once warm.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base_url: &str, pool: usize) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(pool)
            .tcp_nodelay(true)
            // Generous: a stalled request should show up as a huge latency, not vanish early.
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Api { client, base: base_url.trim_end_matches('/').to_owned() })
    }

    /// The full URL of an API path such as `/api/v1/me/enrolments`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str, token: &HeaderValue) -> RequestBuilder {
        self.client.get(self.url(path)).header(reqwest::header::AUTHORIZATION, token.clone())
    }

    pub fn post(&self, path: &str, token: &HeaderValue) -> RequestBuilder {
        self.client.post(self.url(path)).header(reqwest::header::AUTHORIZATION, token.clone())
    }

    pub fn put(&self, path: &str, token: &HeaderValue) -> RequestBuilder {
        self.client.put(self.url(path)).header(reqwest::header::AUTHORIZATION, token.clone())
    }

    /// Logs in and returns the `Authorization` header value for the access token.
    pub async fn login(&self, email: &str, password: &str) -> Result<HeaderValue, String> {
        #[derive(Deserialize)]
        struct Tokens {
            access_token: String,
        }
        let body = serde_json::json!({"email": email, "password": password});
        let req = self.client.post(self.url("/api/v1/auth/login")).json(&body);
        let tokens: Tokens = call_json(req, StatusCode::OK).await?;
        HeaderValue::from_str(&format!("Bearer {}", tokens.access_token)).map_err(|e| e.to_string())
    }
}

/// Sends the request, reads the whole body (so the connection goes back to the pool) and
/// checks the status; the error is a printable sample.
pub async fn call(req: RequestBuilder, expected: StatusCode) -> Result<(), String> {
    let resp = req.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("transport (body): {e}"))?;
    if status == expected { Ok(()) } else { Err(unexpected(status, &body)) }
}

/// Like [`call`], then parses the body as JSON.
pub async fn call_json<T: DeserializeOwned>(req: RequestBuilder, expected: StatusCode) -> Result<T, String> {
    let resp = req.send().await.map_err(|e| format!("transport: {e}"))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| format!("transport (body): {e}"))?;
    if status != expected {
        return Err(unexpected(status, &body));
    }
    serde_json::from_slice(&body).map_err(|e| format!("status {status}, unreadable JSON: {e}"))
}

fn unexpected(status: StatusCode, body: &[u8]) -> String {
    let end = body.len().min(BODY_PREFIX);
    format!("status {status}: {}", String::from_utf8_lossy(&body[..end]))
}

/// Errors of one scenario: every one counted, the first few distinct ones kept verbatim.
#[derive(Default)]
pub struct Errors {
    count: AtomicU64,
    samples: Mutex<Vec<String>>,
}

impl Errors {
    pub fn record(&self, sample: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() < SAMPLES && !samples.contains(&sample) {
            samples.push(sample);
        }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    pub fn samples(&self) -> Vec<String> {
        self.samples.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
