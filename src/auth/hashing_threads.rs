//! A few dedicated threads for Argon2, each keeping one reusable 19 MiB work area.
//!
//! Why not the blocking pool: tokio's blocking pool grows to hundreds of threads under a login
//! storm, and glibc gives busy threads their own malloc arenas; each arena kept the freed
//! 19 MiB Argon2 areas, so the service's resident memory climbed to ~900 MB and stayed there.
//! A fixed set of threads with their own work areas hashes with constant memory
//! (threads × 19 MiB), and the queue in front of them makes a storm wait instead of piling up.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use argon2::Block;

use crate::http::ApiError;

/// One thread's Argon2 work area, allocated on first use and kept for the thread's life.
#[derive(Default)]
pub struct WorkArea {
    blocks: Vec<Block>,
}

impl WorkArea {
    /// `count` blocks (1 KiB each). The kept area only grows to `keep_up_to` blocks (today's
    /// parameters); an older hash with larger parameters gets a temporary area instead.
    pub fn with_blocks<T>(
        &mut self,
        count: usize,
        keep_up_to: usize,
        use_it: impl FnOnce(&mut [Block]) -> T,
    ) -> T {
        if count > keep_up_to {
            return use_it(&mut vec![Block::default(); count]);
        }
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        use_it(&mut self.blocks[..count])
    }
}

type Job = Box<dyn FnOnce(&mut WorkArea) + Send>;

/// Hands jobs to the threads; cloning shares the same threads. The threads end once every
/// handle is dropped.
#[derive(Clone)]
pub struct HashingThreads {
    queue: Sender<Job>,
}

impl HashingThreads {
    pub fn start(threads: usize) -> Self {
        let (queue, jobs) = channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for index in 0..threads.max(1) {
            let jobs = Arc::clone(&jobs);
            let spawned =
                std::thread::Builder::new().name(format!("argon2-{index}")).spawn(move || work(&jobs));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-hashing thread");
            }
        }
        Self { queue }
    }

    /// Runs `job` on a hashing thread and waits for its result without blocking the caller's
    /// async worker.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WorkArea) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        self.queue
            .send(Box::new(move |area: &mut WorkArea| {
                let _ = reply.send(span.in_scope(|| job(area)));
            }))
            .map_err(|_| ApiError::internal(anyhow::anyhow!("the password-hashing threads have stopped")))?;
        // A job that panicked dropped its reply: that request fails, the thread carries on.
        result.await.map_err(|_| ApiError::internal(anyhow::anyhow!("password hashing failed")))
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    let mut area = WorkArea::default();
    loop {
        // Hold the lock only to take one job, so the other threads can take the next.
        let next = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else { return };
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut area))).is_err() {
            // The area may be half-written; that is harmless (Argon2 overwrites it), but start
            // clean anyway.
            area = WorkArea::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_a_panicking_one() {
        let threads = HashingThreads::start(2);
        assert_eq!(threads.run(|_| 40 + 2).await.unwrap(), 42);
        assert!(threads.run(|_| -> i32 { panic!("boom") }).await.is_err());
        let sizes = threads.run(|area| area.with_blocks(8, 16, |blocks| blocks.len())).await.unwrap();
        assert_eq!(sizes, 8);
        assert_eq!(threads.run(|area| area.with_blocks(32, 16, |blocks| blocks.len())).await.unwrap(), 32);
    }
}
