//! `verify`: GET /api/v1/verify/{code}, public and unauthenticated, round-robin over the
//! trainees' certificate codes. Target: >= 4000 requests/s. The service must run with
//! VERIFY_RATE_LIMIT_PER_MINUTE raised, or nearly every request is a 429.

use std::sync::Arc;
use std::time::Instant;

use super::round_robin::{Walk, drive};
use super::{Check, Measured, Run};
use crate::client::Errors;
use crate::stats::summarise;

pub async fn run(run: &Run, errors: &Arc<Errors>) -> Result<Measured, String> {
    if run.fixture.verifications.is_empty() {
        return Err("the trainees hold no certificates".into());
    }
    let started = Instant::now();
    let codes = (run.fixture.verifications.len(), Walk::Repeat);
    let mut latencies = drive(run, run.connections, run.duration, codes, errors, |run, index| {
        run.api.client.get(run.api.url(&run.fixture.verifications[index]))
    })
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let latency = summarise(&mut latencies);
    Ok(Measured {
        unit: "requests",
        count: latency.count as u64,
        seconds,
        latency,
        secondary: None,
        notes: vec![format!("{} distinct codes", run.fixture.verifications.len())],
        checks: vec![Check::new(">= 4000 req/s", latency.count as f64 / seconds >= 4000.0)],
    })
}
