//! `poc-lms-bench`: logs in demo trainees, discovers what they can do, then drives the hot
//! endpoints of a running poc-lms for a fixed time each and reports throughput, latency, errors
//! and the service's memory against the targets in bench/README.md.

mod client;
mod report;
mod rss;
mod scenarios;
mod setup;
mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::client::Api;
use crate::scenarios::{Run, Scenario};

#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Where the service listens.
    #[arg(long, default_value = "http://127.0.0.1:18080")]
    base_url: String,
    /// Process id of the service, to sample its resident memory from /proc; without it no RSS
    /// figures are reported.
    #[arg(long)]
    pid: Option<u32>,
    /// How many demo trainees to log in.
    #[arg(long, default_value_t = 4096)]
    trainees: usize,
    // The help does not spell out the placeholder: clap renders a braced n as a line break.
    /// Email of trainee n (1..=N); the default shows the placeholder.
    #[arg(long, default_value = "trainee{n}@demo.example.org")]
    email_pattern: String,
    /// The demo trainees' password.
    #[arg(long, default_value = "demo passphrase 1540")]
    password: String,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// Concurrent client tasks per scenario (login-storm uses its own fixed 64 + 8).
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Which scenarios to run, in this order.
    #[arg(long, value_delimiter = ',', default_value = "outline,lesson,quiz,verify,login-storm")]
    scenarios: Vec<Scenario>,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if !cli.email_pattern.contains("{n}") {
        anyhow::bail!("--email-pattern must contain {{n}}");
    }
    // Login-storm runs 72 tasks whatever --connections says; every task keeps its connection.
    let pool = cli.connections.max(scenarios::login_storm::TASKS) + 8;
    let api = Api::new(&cli.base_url, pool)?;

    let fixture = setup::prepare(&api, &cli).await?;

    let run = Run {
        api,
        fixture: Arc::new(fixture),
        password: Arc::from(cli.password.as_str()),
        duration: Duration::from_secs(cli.duration),
        connections: cli.connections,
    };
    let mut results = Vec::new();
    for scenario in &cli.scenarios {
        let result = scenarios::measure(&run, *scenario, cli.pid).await;
        report::print_scenario(&result);
        results.push(result);
    }

    report::print_summary(&results, &cli);
    if let Some(path) = &cli.json_out {
        report::write_json(path, &results, &cli)?;
        println!("results written to {}", path.display());
    }
    // A measurement, not a gate: missed targets are in the report, not in the exit code.
    Ok(())
}
