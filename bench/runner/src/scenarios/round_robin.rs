//! The loop the single-request scenarios share: tasks take the next item of a list from one
//! counter, send its request and time it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, StatusCode};

use super::{Run, spawn_tasks};
use crate::client::{Errors, call};
use crate::stats::micros_since;

/// Whether the list is walked over and over until the time is up, or once at most.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    Repeat,
    Once,
}

/// `tasks` tasks sending `request(run, index)` for items `0..len` in turn, each expecting 200,
/// for `duration`; every request's latency in microseconds (failed ones included: a slow error
/// is still a slow request).
pub async fn drive<F>(
    run: &Run,
    tasks: usize,
    duration: Duration,
    (len, walk): (usize, Walk),
    errors: &Arc<Errors>,
    request: F,
) -> Vec<u32>
where
    F: Fn(&Run, usize) -> RequestBuilder + Clone + Send + 'static,
{
    let deadline = Instant::now() + duration;
    let next = Arc::new(AtomicUsize::new(0));
    let per_task = spawn_tasks(tasks, |_| {
        let (run, next, errors, request) = (run.clone(), next.clone(), errors.clone(), request.clone());
        async move {
            let mut latencies = Vec::with_capacity(8192);
            while Instant::now() < deadline {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if walk == Walk::Once && index >= len {
                    break;
                }
                let started = Instant::now();
                let result = call(request(&run, index % len), StatusCode::OK).await;
                latencies.push(micros_since(started));
                if let Err(sample) = result {
                    errors.record(sample);
                }
            }
            latencies
        }
    })
    .await;
    per_task.concat()
}
