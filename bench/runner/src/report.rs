//! Printing: each scenario as it ends, a markdown summary for bench/README.md, and the same
//! figures as JSON for machines.

use std::path::Path;

use serde_json::json;

use crate::Cli;
use crate::scenarios::Outcome;
use crate::stats::Summary;

fn mib(kb: Option<u64>) -> String {
    kb.map_or_else(|| "n/a".to_owned(), |kb| format!("{:.1}", kb as f64 / 1024.0))
}

fn latency_line(s: &Summary) -> String {
    format!("p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms", s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms)
}

pub fn print_scenario(o: &Outcome) {
    if let Some(reason) = &o.skipped {
        println!("{}: SKIPPED ({reason})", o.scenario);
        return;
    }
    println!("{}: {} {} in {:.1} s = {:.0}/s", o.scenario, o.count, o.unit, o.seconds, o.rate);
    println!("  latency: {}", latency_line(&o.latency));
    if let Some(s) = &o.secondary {
        println!("  {}: {} requests, {:.0}/s, {}", s.label, s.count, s.rate, latency_line(&s.latency));
    }
    for note in &o.notes {
        println!("  {note}");
    }
    println!("  errors: {}", o.errors);
    for sample in &o.error_samples {
        println!("    {sample}");
    }
    println!(
        "  service RSS: peak {} MiB during the scenario, VmHWM {} MiB",
        mib(o.peak_rss_kb),
        mib(o.hwm_kb)
    );
    for check in &o.checks {
        println!("  [{}] {}", if check.pass { "PASS" } else { "FAIL" }, check.target);
    }
    println!("  => {}", if o.pass() { "PASS" } else { "FAIL" });
}

/// The markdown table; the storm's outline figures get their own row.
pub fn print_summary(outcomes: &[Outcome], cli: &Cli) {
    println!(
        "\n## Results ({} trainees, {} s per scenario, {} connections)\n",
        cli.trainees, cli.duration, cli.connections
    );
    println!(
        "| Scenario | Count | Rate/s | p50 ms | p90 ms | p99 ms | max ms | Errors | Peak RSS MiB | Targets | Result |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    for o in outcomes {
        if let Some(reason) = &o.skipped {
            println!(
                "| {} | – | – | – | – | – | – | – | {} | skipped: {reason} | SKIP |",
                o.scenario,
                mib(o.peak_rss_kb)
            );
            continue;
        }
        let targets: Vec<String> =
            o.checks.iter().map(|c| format!("{} {}", c.target, if c.pass { "✓" } else { "✗" })).collect();
        let l = &o.latency;
        println!(
            "| {} | {} {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} |",
            o.scenario,
            o.count,
            o.unit,
            o.rate,
            l.p50_ms,
            l.p90_ms,
            l.p99_ms,
            l.max_ms,
            o.errors,
            mib(o.peak_rss_kb),
            targets.join("; "),
            if o.pass() { "PASS" } else { "FAIL" }
        );
        if let Some(s) = &o.secondary {
            let l = &s.latency;
            println!(
                "| ↳ {} | {} requests | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | | | | |",
                s.label, s.count, s.rate, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms
            );
        }
    }
    let hwm = outcomes.iter().filter_map(|o| o.hwm_kb).max();
    if hwm.is_some() {
        println!("\nService VmHWM (lifetime peak RSS) at the end: {} MiB.", mib(hwm));
    }
    for o in outcomes.iter().filter(|o| !o.notes.is_empty()) {
        println!("- {}: {}", o.scenario, o.notes.join("; "));
    }
}

pub fn write_json(path: &Path, outcomes: &[Outcome], cli: &Cli) -> anyhow::Result<()> {
    let doc = json!({
        "base_url": cli.base_url,
        "trainees": cli.trainees,
        "duration_s": cli.duration,
        "connections": cli.connections,
        "scenarios": outcomes.iter().map(|o| {
            let mut v = serde_json::to_value(o).unwrap_or_default();
            v["pass"] = json!(o.pass());
            v
        }).collect::<Vec<_>>(),
    });
    std::fs::write(path, serde_json::to_string_pretty(&doc)? + "\n")?;
    Ok(())
}
