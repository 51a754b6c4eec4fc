//! Latency percentiles from raw samples: every request's duration is kept (a few MB even at
//! 100,000 requests), sorted once, and read by nearest rank.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Summarises durations in microseconds; sorts them in place.
pub fn summarise(micros: &mut [u32]) -> Summary {
    if micros.is_empty() {
        return Summary::default();
    }
    micros.sort_unstable();
    let at = |p: f64| {
        // Nearest rank: the smallest sample with at least p of all samples at or below it.
        let rank = (p * micros.len() as f64).ceil() as usize;
        f64::from(micros[rank.clamp(1, micros.len()) - 1]) / 1000.0
    };
    Summary {
        count: micros.len(),
        p50_ms: at(0.50),
        p90_ms: at(0.90),
        p99_ms: at(0.99),
        max_ms: f64::from(micros[micros.len() - 1]) / 1000.0,
    }
}

/// Microseconds since `start`, saturating (a request over 71 minutes is off the scale anyway).
pub fn micros_since(start: std::time::Instant) -> u32 {
    u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<u32> = (1..=100).rev().map(|ms| ms * 1000).collect();
        let s = summarise(&mut samples);
        assert_eq!(s.count, 100);
        assert_eq!((s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms), (50.0, 90.0, 99.0, 100.0));
    }

    #[test]
    fn one_sample_is_every_percentile() {
        let s = summarise(&mut [1500]);
        assert_eq!((s.p50_ms, s.p99_ms, s.max_ms), (1.5, 1.5, 1.5));
    }

    #[test]
    fn no_samples_is_all_zero() {
        assert_eq!(summarise(&mut []).count, 0);
    }
}
