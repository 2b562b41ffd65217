//! Latency samples and their percentiles (exact: every sample is kept, counts are bounded by the scenario's parameters).

use std::time::Duration;

use serde::Serialize;

/// Latencies recorded in nanoseconds.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    nanos: Vec<u64>,
}

impl Samples {
    pub fn with_capacity(n: usize) -> Self {
        Samples {
            nanos: Vec::with_capacity(n),
        }
    }

    pub fn record(&mut self, d: Duration) {
        self.nanos.push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    pub fn merge(&mut self, other: Samples) {
        self.nanos.extend(other.nanos);
    }

    pub fn len(&self) -> usize {
        self.nanos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nanos.is_empty()
    }

    /// Percentiles by nearest rank; all zeros when there are no samples.
    pub fn summary(mut self) -> Summary {
        self.nanos.sort_unstable();
        let n = self.nanos.len();
        if n == 0 {
            return Summary::default();
        }
        let at = |p: f64| -> f64 {
            // Nearest rank: the smallest sample with at least p of all samples at or below it.
            let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
            self.nanos.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
        };
        let sum: u128 = self.nanos.iter().map(|&x| u128::from(x)).sum();
        Summary {
            count: n as u64,
            mean_us: (sum as f64 / n as f64) / 1000.0,
            p50_us: at(0.50),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: at(1.0),
        }
    }
}

/// What a report shows of a latency distribution, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

/// Microseconds as milliseconds for people (`0.412 ms`).
pub fn ms(us: f64) -> String {
    format!("{:.3} ms", us / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut s = Samples::default();
        for us in 1..=1000u64 {
            s.record(Duration::from_micros(us));
        }
        let sum = s.summary();
        assert_eq!(sum.count, 1000);
        assert_eq!(sum.p50_us, 500.0);
        assert_eq!(sum.p99_us, 990.0);
        assert_eq!(sum.p999_us, 999.0);
        assert_eq!(sum.max_us, 1000.0);
        assert!((sum.mean_us - 500.5).abs() < 1e-9);
    }

    #[test]
    fn empty_is_all_zero() {
        assert_eq!(Samples::default().summary(), Summary::default());
    }

    #[test]
    fn one_slow_sample_shows_in_the_tail_only() {
        let mut s = Samples::default();
        for _ in 0..999 {
            s.record(Duration::from_micros(100));
        }
        s.record(Duration::from_millis(50));
        let sum = s.summary();
        assert_eq!(sum.p99_us, 100.0);
        assert_eq!(sum.max_us, 50_000.0);
    }
}
