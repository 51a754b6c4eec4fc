//! The service's resident memory, read from /proc/<pid>/status: VmRSS sampled every 50 ms
//! while a scenario runs (its peak), and VmHWM, the kernel's own lifetime peak.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

const INTERVAL: Duration = Duration::from_millis(50);

/// A field of /proc/<pid>/status in kB, such as `VmRSS` or `VmHWM`; `None` when the process
/// is gone or the field is missing.
pub fn read_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.strip_prefix(field).is_some_and(|rest| rest.starts_with(':')))?;
    line[field.len() + 1..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Samples VmRSS in the background until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Option<u64>>,
}

impl Sampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = tokio::spawn(async move {
            let mut peak = None;
            let mut ticker = tokio::time::interval(INTERVAL);
            while !flag.load(Ordering::Relaxed) {
                ticker.tick().await;
                // A tiny procfs read: cheaper than handing it to the blocking pool.
                if let Some(kb) = read_kb(pid, "VmRSS") {
                    peak = peak.max(Some(kb));
                }
            }
            peak
        });
        Sampler { stop, handle }
    }

    /// Stops sampling and returns the peak VmRSS seen, in kB.
    pub async fn finish(self) -> Option<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_own_rss() {
        let kb = super::read_kb(std::process::id(), "VmRSS").expect("VmRSS of this process");
        assert!(kb > 0);
        assert!(super::read_kb(std::process::id(), "NoSuchField").is_none());
    }
}
