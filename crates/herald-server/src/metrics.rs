//! The node's counters and histograms, rendered in Prometheus text format at `/metrics`.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the ingest latency histogram, in seconds (receipt → durable).
const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A Prometheus histogram with fixed buckets, updated without locks.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; LATENCY_BUCKETS.len()],
    inf: AtomicU64,
    /// Sum in nanoseconds, to stay an integer.
    sum_ns: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: std::time::Duration) {
        let s = d.as_secs_f64();
        match LATENCY_BUCKETS.iter().position(|b| s <= *b) {
            Some(i) => self.counts[i].fetch_add(1, Ordering::Relaxed),
            None => self.inf.fetch_add(1, Ordering::Relaxed),
        };
        self.sum_ns
            .fetch_add(d.as_nanos().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (b, c) in LATENCY_BUCKETS.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.inf.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

/// Everything `/metrics` reports that is counted as it happens (gauges such as the
/// subscriber count are read from their owners when rendering).
#[derive(Default)]
pub struct Metrics {
    pub stories_ingested: AtomicU64,
    pub stories_duplicate: AtomicU64,
    pub stories_rejected: AtomicU64,
    pub log_batches: AtomicU64,
    pub ingest_latency: Histogram,
    pub subscribers_lagged: AtomicU64,
    pub searches: AtomicU64,
}

/// Gauges sampled at render time.
pub struct Gauges {
    pub subscribers: usize,
    pub last_seq: u64,
    pub indexed_seq: u64,
    pub stories: usize,
}

/// One metric in the Prometheus text exposition format (`kind`: counter or gauge).
pub fn write_metric(out: &mut String, kind: &str, name: &str, help: &str, v: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
}

impl Metrics {
    /// The Prometheus text exposition of all metrics.
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::with_capacity(4096);
        let counter =
            |out: &mut String, name: &str, help: &str, v: u64| write_metric(out, "counter", name, help, v);
        let gauge =
            |out: &mut String, name: &str, help: &str, v: u64| write_metric(out, "gauge", name, help, v);
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        counter(
            &mut out,
            "herald_stories_ingested_total",
            "Stories durably stored (new stories and new versions).",
            l(&self.stories_ingested),
        );
        counter(
            &mut out,
            "herald_stories_duplicate_total",
            "Publishes answered as duplicates of a stored story.",
            l(&self.stories_duplicate),
        );
        counter(
            &mut out,
            "herald_stories_rejected_total",
            "Publishes refused as bad input.",
            l(&self.stories_rejected),
        );
        counter(
            &mut out,
            "herald_log_batches_total",
            "Group commits (one fsync each).",
            l(&self.log_batches),
        );
        self.ingest_latency.render(
            &mut out,
            "herald_ingest_latency_seconds",
            "Time from receiving a story to its durable commit.",
        );
        gauge(
            &mut out,
            "herald_subscribers",
            "Live stream subscribers.",
            g.subscribers as u64,
        );
        counter(
            &mut out,
            "herald_subscribers_lagged_total",
            "Subscribers cut off for falling behind.",
            l(&self.subscribers_lagged),
        );
        gauge(
            &mut out,
            "herald_log_last_seq",
            "Highest seq in the log.",
            g.last_seq,
        );
        gauge(
            &mut out,
            "herald_index_seq",
            "Highest seq searchable in the index.",
            g.indexed_seq,
        );
        gauge(
            &mut out,
            "herald_index_lag",
            "Stories in the log not yet searchable.",
            g.last_seq.saturating_sub(g.indexed_seq),
        );
        gauge(
            &mut out,
            "herald_stories",
            "Distinct stories stored.",
            g.stories as u64,
        );
        counter(
            &mut out,
            "herald_searches_total",
            "Search requests answered.",
            l(&self.searches),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.ingest_latency.observe(Duration::from_micros(50));
        m.ingest_latency.observe(Duration::from_millis(3));
        m.ingest_latency.observe(Duration::from_secs(10));
        let text = m.render(&Gauges {
            subscribers: 2,
            last_seq: 10,
            indexed_seq: 7,
            stories: 9,
        });
        assert!(
            text.contains("herald_ingest_latency_seconds_bucket{le=\"0.0001\"} 1"),
            "{text}"
        );
        assert!(text.contains("herald_ingest_latency_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("herald_ingest_latency_seconds_bucket{le=\"+Inf\"} 3"));
        assert!(text.contains("herald_index_lag 3"));
        assert!(text.contains("herald_subscribers 2"));
    }
}
