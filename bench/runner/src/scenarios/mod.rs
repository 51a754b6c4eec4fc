//! The scenarios and what they share: the run's inputs, the task pool that drives a scenario
//! until its deadline, and the wrapper that adds memory sampling and the common targets.

pub mod lesson;
pub mod login_storm;
pub mod outline;
pub mod quiz;
pub mod round_robin;
pub mod verify;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::client::{Api, Errors};
use crate::rss::{self, Sampler};
use crate::setup::Fixture;
use crate::stats::Summary;

/// Memory target for the service, in KiB (150 MiB).
const RSS_TARGET_KB: u64 = 150 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    Outline,
    Lesson,
    Quiz,
    Verify,
    LoginStorm,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Outline => "outline",
            Scenario::Lesson => "lesson",
            Scenario::Quiz => "quiz",
            Scenario::Verify => "verify",
            Scenario::LoginStorm => "login-storm",
        }
    }
}

/// Everything a scenario needs; cheap to clone into tasks.
#[derive(Clone)]
pub struct Run {
    pub api: Api,
    pub fixture: Arc<Fixture>,
    pub password: Arc<str>,
    pub duration: Duration,
    pub connections: usize,
}

/// A figure against its target.
#[derive(Debug, Serialize)]
pub struct Check {
    pub target: String,
    pub pass: bool,
}

impl Check {
    pub fn new(target: impl Into<String>, pass: bool) -> Self {
        Check { target: target.into(), pass }
    }
}

/// A second figure a scenario reports beside its main one (the outlines during the storm).
#[derive(Debug, Serialize)]
pub struct Secondary {
    pub label: &'static str,
    pub count: u64,
    pub rate: f64,
    pub latency: Summary,
}

/// What a scenario measured, before the common targets are added.
pub struct Measured {
    /// What `count` counts: requests, attempts, logins.
    pub unit: &'static str,
    pub count: u64,
    pub seconds: f64,
    pub latency: Summary,
    pub secondary: Option<Secondary>,
    pub notes: Vec<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub scenario: &'static str,
    /// Why the scenario did not run (nothing to work on); `None` when it ran.
    pub skipped: Option<String>,
    pub unit: &'static str,
    pub count: u64,
    pub seconds: f64,
    pub rate: f64,
    pub latency: Summary,
    pub secondary: Option<Secondary>,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub notes: Vec<String>,
    pub peak_rss_kb: Option<u64>,
    /// The service's lifetime peak RSS when the scenario ended.
    pub hwm_kb: Option<u64>,
    pub checks: Vec<Check>,
}

impl Outcome {
    pub fn pass(&self) -> bool {
        self.skipped.is_none() && self.checks.iter().all(|c| c.pass)
    }
}

/// Runs one scenario with RSS sampling, then adds the targets every scenario shares: no
/// errors, service RSS under 150 MiB.
pub async fn measure(run: &Run, scenario: Scenario, pid: Option<u32>) -> Outcome {
    println!(
        "\n== {}: {} s, {} connections",
        scenario.name(),
        run.duration.as_secs(),
        if scenario == Scenario::LoginStorm {
            format!("{} login + {} outline", login_storm::LOGIN_TASKS, login_storm::OUTLINE_TASKS)
        } else {
            run.connections.to_string()
        }
    );
    let errors = Arc::new(Errors::default());
    let sampler = pid.map(Sampler::start);
    let measured = match scenario {
        Scenario::Outline => outline::run(run, &errors).await,
        Scenario::Lesson => lesson::run(run, &errors).await,
        Scenario::Quiz => quiz::run(run, &errors).await,
        Scenario::Verify => verify::run(run, &errors).await,
        Scenario::LoginStorm => login_storm::run(run, &errors).await,
    };
    let peak_rss_kb = match sampler {
        Some(sampler) => sampler.finish().await,
        None => None,
    };
    let hwm_kb = pid.and_then(|pid| rss::read_kb(pid, "VmHWM"));
    let measured = match measured {
        Ok(m) => m,
        Err(reason) => return skipped(scenario, reason, peak_rss_kb, hwm_kb),
    };
    let mut checks = measured.checks;
    checks.push(Check::new("0 errors", errors.count() == 0));
    if let Some(kb) = peak_rss_kb {
        checks.push(Check::new("RSS < 150 MiB", kb < RSS_TARGET_KB));
    }
    Outcome {
        scenario: scenario.name(),
        skipped: None,
        unit: measured.unit,
        count: measured.count,
        seconds: measured.seconds,
        rate: measured.count as f64 / measured.seconds.max(1e-9),
        latency: measured.latency,
        secondary: measured.secondary,
        errors: errors.count(),
        error_samples: errors.samples(),
        notes: measured.notes,
        peak_rss_kb,
        hwm_kb,
        checks,
    }
}

fn skipped(scenario: Scenario, reason: String, peak_rss_kb: Option<u64>, hwm_kb: Option<u64>) -> Outcome {
    Outcome {
        scenario: scenario.name(),
        skipped: Some(reason),
        unit: "requests",
        count: 0,
        seconds: 0.0,
        rate: 0.0,
        latency: Summary::default(),
        secondary: None,
        errors: 0,
        error_samples: Vec::new(),
        notes: Vec::new(),
        peak_rss_kb,
        hwm_kb,
        checks: Vec::new(),
    }
}

/// Spawns `n` tasks built by `task(i)` and collects their results once all have ended.
pub async fn spawn_tasks<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(task(i))).collect();
    let mut out = Vec::with_capacity(n);
    for handle in handles {
        // A panicking task is a bug in the runner; let it surface rather than skew the figures.
        out.push(handle.await.expect("benchmark task panicked"));
    }
    out
}
