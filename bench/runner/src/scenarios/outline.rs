//! `outline`: GET /api/v1/enrolments/{id}/outline with the owner's token, round-robin over
//! every active enrolment. Target: >= 2000 requests/s, p99 < 50 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::round_robin::{Walk, drive};
use super::{Check, Measured, Run};
use crate::client::Errors;
use crate::stats::summarise;

/// Un-measured warm-up: fills the connection pools (client and database) and the caches
/// before the first measured request.
const WARM_UP: Duration = Duration::from_secs(2);

pub async fn run(run: &Run, errors: &Arc<Errors>) -> Result<Measured, String> {
    let warm_errors = Arc::new(Errors::default());
    hammer(run, run.connections, WARM_UP, &warm_errors).await;
    println!("warm-up: {} s ({} errors, not counted)", WARM_UP.as_secs(), warm_errors.count());

    let started = Instant::now();
    let mut latencies = hammer(run, run.connections, run.duration, errors).await;
    let seconds = started.elapsed().as_secs_f64();
    let latency = summarise(&mut latencies);
    let rate = latency.count as f64 / seconds;
    Ok(Measured {
        unit: "requests",
        count: latency.count as u64,
        seconds,
        latency,
        secondary: None,
        notes: Vec::new(),
        checks: vec![
            Check::new(">= 2000 req/s", rate >= 2000.0),
            Check::new("p99 < 50 ms", latency.p99_ms < 50.0),
        ],
    })
}

/// `tasks` tasks requesting outlines round-robin for `duration`; every request's latency in
/// microseconds.
pub async fn hammer(run: &Run, tasks: usize, duration: Duration, errors: &Arc<Errors>) -> Vec<u32> {
    let targets = (run.fixture.outlines.len(), Walk::Repeat);
    drive(run, tasks, duration, targets, errors, |run, index| {
        let target = &run.fixture.outlines[index];
        run.api.get(&target.path, &run.fixture.trainees[target.trainee].token)
    })
    .await
}
