//! A per-client fixed-window rate limit, kept in this process (each instance counts on its
//! own; a limit meant to hold across instances belongs in the database, as for logins).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::ApiError;

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Past this many tracked clients, stale windows are swept so the map cannot grow unbounded.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn per_minute(limit: u32) -> Self {
        Self { limit, window: Duration::from_secs(60), windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request from `client`; 429 with the seconds to wait once over the limit.
    pub fn check(&self, client: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = windows.entry(client.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.0)).as_secs().max(1);
            return Err(ApiError::TooManyRequests { retry_after_seconds: wait });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_per_client() {
        let limiter = RateLimiter::per_minute(2);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        assert!(matches!(limiter.check("a"), Err(ApiError::TooManyRequests { .. })));
        assert!(limiter.check("b").is_ok());
    }
}
