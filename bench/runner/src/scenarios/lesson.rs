//! `lesson`: POST /api/v1/lessons/{id}/complete (no body) over the lessons setup found open
//! and not completed. Every request completes a lesson that was not complete before: repeats
//! (completion is idempotent) would skip the insert and flatter the figure, so the scenario
//! stops early when the queue runs dry. Target: >= 1500 requests/s.

use std::sync::Arc;
use std::time::Instant;

use super::round_robin::{Walk, drive};
use super::{Check, Measured, Run};
use crate::client::Errors;
use crate::stats::summarise;

pub async fn run(run: &Run, errors: &Arc<Errors>) -> Result<Measured, String> {
    let queue_len = run.fixture.lessons.len();
    if queue_len == 0 {
        return Err("no open lesson left to complete".into());
    }
    let started = Instant::now();
    let lessons = (queue_len, Walk::Once);
    let mut latencies = drive(run, run.connections, run.duration, lessons, errors, |run, index| {
        let target = &run.fixture.lessons[index];
        run.api.post(&target.path, &run.fixture.trainees[target.trainee].token)
    })
    .await;
    let seconds = started.elapsed().as_secs_f64();
    // `errors` belongs to this scenario alone, so every other request completed its lesson.
    let fresh = latencies.len() as u64 - errors.count();
    let latency = summarise(&mut latencies);
    let count = latency.count as u64;
    let mut notes = vec![format!("{fresh} lessons completed of {queue_len} open")];
    if count as usize >= queue_len {
        notes.push(format!("lesson queue ran dry: stopped early after {seconds:.1} s"));
    }
    Ok(Measured {
        unit: "requests",
        count,
        seconds,
        latency,
        secondary: None,
        notes,
        checks: vec![Check::new(">= 1500 req/s", count as f64 / seconds >= 1500.0)],
    })
}
