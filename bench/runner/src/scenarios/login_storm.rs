//! `login-storm`: 64 tasks log in continuously (cycling over the trainees) while 8 others
//! request outlines, to show that argon2 hashing does not starve ordinary requests. Target:
//! outline p99 < 100 ms during the storm, no errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use super::{Check, Measured, Run, Secondary, outline, spawn_tasks};
use crate::client::Errors;
use crate::stats::{micros_since, summarise};

pub const LOGIN_TASKS: usize = 64;
pub const OUTLINE_TASKS: usize = 8;
/// Every task of the scenario holds one connection.
pub const TASKS: usize = LOGIN_TASKS + OUTLINE_TASKS;

pub async fn run(run: &Run, errors: &Arc<Errors>) -> Result<Measured, String> {
    let started = Instant::now();
    let deadline = started + run.duration;
    let next = Arc::new(AtomicUsize::new(0));
    let logins = spawn_tasks(LOGIN_TASKS, |_| {
        let (run, next, errors) = (run.clone(), next.clone(), errors.clone());
        async move {
            let trainees = &run.fixture.trainees;
            let mut latencies = Vec::with_capacity(1024);
            while Instant::now() < deadline {
                let email = &trainees[next.fetch_add(1, Ordering::Relaxed) % trainees.len()].email;
                let started = Instant::now();
                let result = run.api.login(email, &run.password).await;
                latencies.push(micros_since(started));
                if let Err(sample) = result {
                    errors.record(sample);
                }
            }
            latencies
        }
    });
    // Both groups run at once; the outline group stops at the same deadline.
    let (logins, mut outlines) =
        tokio::join!(logins, outline::hammer(run, OUTLINE_TASKS, run.duration, errors));
    let seconds = started.elapsed().as_secs_f64();
    let latency = summarise(&mut logins.concat());
    let outline_latency = summarise(&mut outlines);
    Ok(Measured {
        unit: "logins",
        count: latency.count as u64,
        seconds,
        latency,
        secondary: Some(Secondary {
            label: "outline during storm",
            count: outline_latency.count as u64,
            rate: outline_latency.count as f64 / seconds,
            latency: outline_latency,
        }),
        notes: Vec::new(),
        checks: vec![Check::new("outline p99 < 100 ms", outline_latency.p99_ms < 100.0)],
    })
}
