//! Presenting results: plain text per scenario, and the Markdown section with targets for `all`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::scenario::latency::LatencyReport;
use crate::scenario::search::{LIMIT, SearchReport};
use crate::scenario::throughput::ThroughputReport;
use crate::stats::{Summary, ms};

/// Targets from the project brief.
pub const TARGET_DELIVERY_P99_US: f64 = 2_000.0;
pub const TARGET_STORIES_PER_SECOND: f64 = 20_000.0;
pub const TARGET_SEARCH_P99_US: f64 = 20_000.0;
/// 1.5 GB, in bytes (decimal, the stricter reading).
pub const TARGET_PEAK_RSS_BYTES: u64 = 1_500_000_000;

/// Where and how a run happened.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub date: String,
    pub uname: String,
    pub cpu: String,
    pub cores: usize,
    pub command: String,
    pub herald: String,
}

impl Environment {
    /// Describes this machine and the command line that is running.
    pub fn detect(herald: &std::path::Path) -> Environment {
        let date = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| "unknown".to_owned());
        let uname = std::process::Command::new("uname")
            .arg("-srm")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let listed = cpuinfo.lines().filter(|l| l.starts_with("processor")).count();
        let cores = if listed > 0 {
            listed
        } else {
            std::thread::available_parallelism().map_or(0, usize::from)
        };
        Environment {
            date,
            uname,
            cpu,
            cores,
            command: command_line(),
            herald: herald.display().to_string(),
        }
    }
}

/// This process's command line, quoted so it can be pasted into a shell.
pub fn command_line() -> String {
    std::env::args()
        .map(|a| shell_quote(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@".contains(&b));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// One target and whether a run met it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub target: String,
    pub value: String,
    pub met: bool,
}

pub fn latency_checks(r: &LatencyReport) -> Vec<Check> {
    vec![
        Check {
            what: "publish → delivery p99".into(),
            target: format!("< {} ms", TARGET_DELIVERY_P99_US / 1000.0),
            value: ms(r.delivery.p99_us),
            met: r.delivery.count > 0 && r.delivery.p99_us < TARGET_DELIVERY_P99_US,
        },
        Check {
            what: "lost stories".into(),
            target: "0".into(),
            value: r.lost.to_string(),
            met: r.lost == 0 && r.acked > 0,
        },
    ]
}

pub fn throughput_checks(r: &ThroughputReport) -> Vec<Check> {
    vec![Check {
        what: "durable ingest".into(),
        target: format!("≥ {TARGET_STORIES_PER_SECOND:.0} stories/s"),
        value: format!("{:.0} stories/s", r.stories_per_second),
        met: r.stories_per_second >= TARGET_STORIES_PER_SECOND,
    }]
}

pub fn search_checks(r: &SearchReport) -> Vec<Check> {
    let mut checks: Vec<Check> = r
        .kinds
        .iter()
        .map(|k| Check {
            what: format!("search p99, {}", k.label),
            target: format!("< {} ms", TARGET_SEARCH_P99_US / 1000.0),
            value: ms(k.latency.p99_us),
            met: k.latency.count > 0 && k.latency.p99_us < TARGET_SEARCH_P99_US,
        })
        .collect();
    checks.push(Check {
        what: "node peak RSS".into(),
        target: "< 1.5 GB".into(),
        value: r.peak_rss_bytes.map_or_else(|| "unknown".into(), mb),
        met: r.peak_rss_bytes.is_some_and(|b| b < TARGET_PEAK_RSS_BYTES),
    });
    checks
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn dist(s: &Summary) -> String {
    format!(
        "p50 {}  p99 {}  p99.9 {}  max {}  (n = {})",
        ms(s.p50_us),
        ms(s.p99_us),
        ms(s.p999_us),
        ms(s.max_us),
        s.count
    )
}

pub fn latency_text(r: &LatencyReport) -> String {
    let p = &r.params;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "latency: {} stories at {}/s for {} s, {} subscribers, {} publishing connections",
        r.sent, p.rate, p.duration, p.subscribers, p.connections
    );
    let _ = writeln!(
        t,
        "  achieved rate         {:.1} stories/s ({} acknowledged, {} publish errors)",
        r.achieved_rate, r.acked, r.publish_errors
    );
    let _ = writeln!(t, "  publish → delivery    {}", dist(&r.delivery));
    let _ = writeln!(t, "  publish → 201         {}", dist(&r.publish));
    let _ = writeln!(
        t,
        "  lost stories {}   duplicate deliveries {}   lagged subscribers {}",
        r.lost, r.duplicate_deliveries, r.lagged_subscribers
    );
    if let Some(e) = &r.first_publish_error {
        let _ = writeln!(t, "  first publish error: {e}");
    }
    for e in &r.subscriber_errors {
        let _ = writeln!(t, "  subscriber error: {e}");
    }
    t
}

pub fn throughput_text(r: &ThroughputReport) -> String {
    let p = &r.params;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "throughput: {} stories of ~{} bytes from {} publishers",
        p.count, p.size, p.publishers
    );
    let _ = writeln!(
        t,
        "  {:.0} stories/s, {:.1} MB/s ({} acknowledged in {:.1} s, mean story {:.0} bytes)",
        r.stories_per_second, r.mb_per_second, r.acked, r.seconds, r.mean_story_bytes
    );
    let _ = writeln!(t, "  publish → 201   {}", dist(&r.publish));
    let _ = writeln!(t, "  errors {}   duplicates {}", r.errors, r.duplicates);
    if let Some(e) = &r.first_error {
        let _ = writeln!(t, "  first error: {e}");
    }
    t
}

pub fn search_text(r: &SearchReport) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "search: {} stories loaded in {:.1} s ({:.0}/s, {} errors); index caught up {:.1} s later",
        r.loaded, r.load_seconds, r.load_rate, r.load_errors, r.index_wait_seconds
    );
    for k in &r.kinds {
        let _ = writeln!(
            t,
            "  {:<8} {}  mean total {:.0}, {} of {} matched nothing, {} errors",
            k.label,
            dist(&k.latency),
            k.mean_total,
            k.zero_hit_queries,
            k.queries,
            k.errors
        );
        if let Some(e) = &k.first_error {
            let _ = writeln!(t, "           first error: {e}");
        }
    }
    let _ = writeln!(
        t,
        "  index {}   log {}   node peak RSS {}",
        mb(r.index_bytes),
        mb(r.log_bytes),
        r.peak_rss_bytes.map_or_else(|| "unknown".into(), mb)
    );
    if let Some(e) = &r.first_load_error {
        let _ = writeln!(t, "  first load error: {e}");
    }
    t
}

/// A scenario's result in `all`: a report, or why there is none.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome<T> {
    Ok(T),
    Error(String),
}

/// Everything `all` produced.
#[derive(Debug, Clone, Serialize)]
pub struct AllReport {
    pub environment: Environment,
    pub latency: Outcome<LatencyReport>,
    pub throughput: Outcome<ThroughputReport>,
    pub search: Outcome<SearchReport>,
    pub checks: Vec<Check>,
}

impl AllReport {
    pub fn new(
        environment: Environment,
        latency: Outcome<LatencyReport>,
        throughput: Outcome<ThroughputReport>,
        search: Outcome<SearchReport>,
    ) -> AllReport {
        let mut checks = Vec::new();
        if let Outcome::Ok(r) = &latency {
            checks.extend(latency_checks(r));
        }
        if let Outcome::Ok(r) = &throughput {
            checks.extend(throughput_checks(r));
        }
        if let Outcome::Ok(r) = &search {
            checks.extend(search_checks(r));
        }
        AllReport {
            environment,
            latency,
            throughput,
            search,
            checks,
        }
    }

    /// Whether every scenario produced a report.
    pub fn complete(&self) -> bool {
        matches!(self.latency, Outcome::Ok(_))
            && matches!(self.throughput, Outcome::Ok(_))
            && matches!(self.search, Outcome::Ok(_))
    }

    /// The Markdown section for BENCHMARKS.md.
    pub fn markdown(&self) -> String {
        let e = &self.environment;
        let mut m = String::new();
        let _ = writeln!(m, "## herald-bench all, {}\n", e.date);
        let _ = writeln!(m, "* Machine: `{}`, {} ({} cores)", e.uname, e.cpu, e.cores);
        let _ = writeln!(m, "* Node: `{}`", e.herald);
        let _ = writeln!(m, "* Command: `{}`\n", e.command);

        let _ = writeln!(m, "### Live wire: publish → delivery\n");
        match &self.latency {
            Outcome::Ok(r) => {
                let p = &r.params;
                let _ = writeln!(
                    m,
                    "{} stories at {}/s for {} s to {} SSE subscribers over {} publishing connections; \
                     achieved {:.1} stories/s.\n",
                    r.sent, p.rate, p.duration, p.subscribers, p.connections, r.achieved_rate
                );
                table_head(&mut m);
                row(&mut m, "publish → delivery p50", &ms(r.delivery.p50_us), "", None);
                let checks = latency_checks(r);
                row_check(&mut m, &checks[0]);
                row(
                    &mut m,
                    "publish → delivery p99.9",
                    &ms(r.delivery.p999_us),
                    "",
                    None,
                );
                row(&mut m, "publish → delivery max", &ms(r.delivery.max_us), "", None);
                row(&mut m, "publish → 201 p50", &ms(r.publish.p50_us), "", None);
                row(&mut m, "publish → 201 p99", &ms(r.publish.p99_us), "", None);
                row_check(&mut m, &checks[1]);
                row(
                    &mut m,
                    "lagged subscribers",
                    &r.lagged_subscribers.to_string(),
                    "",
                    None,
                );
                row(&mut m, "publish errors", &r.publish_errors.to_string(), "", None);
            }
            Outcome::Error(e) => failed(&mut m, e),
        }

        let _ = writeln!(m, "\n### Durable ingest throughput\n");
        match &self.throughput {
            Outcome::Ok(r) => {
                let p = &r.params;
                let _ = writeln!(
                    m,
                    "{} stories of ~{} bytes (mean {:.0}) from {} concurrent publishers, each acknowledged (201) once fsync'd.\n",
                    p.count, p.size, r.mean_story_bytes, p.publishers
                );
                table_head(&mut m);
                for c in throughput_checks(r) {
                    row_check(&mut m, &c);
                }
                row(&mut m, "MB/s", &format!("{:.1}", r.mb_per_second), "", None);
                row(&mut m, "publish → 201 p50", &ms(r.publish.p50_us), "", None);
                row(&mut m, "publish → 201 p99", &ms(r.publish.p99_us), "", None);
                row(&mut m, "errors", &r.errors.to_string(), "", None);
            }
            Outcome::Error(e) => failed(&mut m, e),
        }

        let _ = writeln!(m, "\n### Search\n");
        match &self.search {
            Outcome::Ok(r) => {
                let _ = writeln!(
                    m,
                    "{} stories loaded at {:.0} stories/s, index caught up {:.1} s after the last one; \
                     {} queries of each kind, one at a time, {} hits each.\n",
                    r.loaded, r.load_rate, r.index_wait_seconds, r.params.queries, LIMIT
                );
                let _ = writeln!(
                    m,
                    "| query kind | p50 | p99 | max | mean matches | target (p99) | |"
                );
                let _ = writeln!(m, "|---|---|---|---|---|---|---|");
                for k in &r.kinds {
                    let met = k.latency.count > 0 && k.latency.p99_us < TARGET_SEARCH_P99_US;
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {:.0} | < {} ms | {} |",
                        k.label,
                        ms(k.latency.p50_us),
                        ms(k.latency.p99_us),
                        ms(k.latency.max_us),
                        k.mean_total,
                        TARGET_SEARCH_P99_US / 1000.0,
                        verdict(met)
                    );
                }
                let _ = writeln!(m);
                table_head(&mut m);
                if let Some(c) = search_checks(r).last() {
                    row_check(&mut m, c);
                }
                row(&mut m, "index size on disk", &mb(r.index_bytes), "", None);
                row(&mut m, "log size on disk", &mb(r.log_bytes), "", None);
                row(&mut m, "load errors", &r.load_errors.to_string(), "", None);
            }
            Outcome::Error(e) => failed(&mut m, e),
        }
        m
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

fn table_head(m: &mut String) {
    let _ = writeln!(m, "| metric | value | target | |");
    let _ = writeln!(m, "|---|---|---|---|");
}

fn row(m: &mut String, what: &str, value: &str, target: &str, met: Option<bool>) {
    let _ = writeln!(m, "| {what} | {value} | {target} | {} |", met.map_or("", verdict));
}

fn row_check(m: &mut String, c: &Check) {
    row(m, &c.what, &c.value, &c.target, Some(c.met));
}

fn failed(m: &mut String, error: &str) {
    let _ = writeln!(m, "**Did not complete:**\n\n```\n{error}\n```");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::latency::LatencyArgs;
    use crate::scenario::throughput::ThroughputArgs;

    fn summary(p99_us: f64) -> Summary {
        Summary {
            count: 1000,
            mean_us: p99_us / 2.0,
            p50_us: p99_us / 2.0,
            p99_us,
            p999_us: p99_us,
            max_us: p99_us,
        }
    }

    fn latency(p99_us: f64, lost: u64) -> LatencyReport {
        LatencyReport {
            params: LatencyArgs {
                rate: 1000,
                duration: 60,
                subscribers: 10,
                connections: 16,
            },
            seed: 1,
            sent: 60_000,
            acked: 60_000,
            publish_errors: 0,
            first_publish_error: None,
            achieved_rate: 1000.0,
            publish_seconds: 60.0,
            delivery: summary(p99_us),
            publish: summary(p99_us),
            lost,
            duplicate_deliveries: 0,
            lagged_subscribers: 0,
            subscriber_errors: Vec::new(),
        }
    }

    fn throughput(rate: f64) -> ThroughputReport {
        ThroughputReport {
            params: ThroughputArgs {
                publishers: 32,
                count: 100_000,
                size: 2048,
            },
            seed: 1,
            acked: 100_000,
            duplicates: 0,
            errors: 0,
            first_error: None,
            seconds: 100_000.0 / rate,
            stories_per_second: rate,
            mb_per_second: rate * 2048.0 / 1e6,
            mean_story_bytes: 2100.0,
            publish: summary(3000.0),
        }
    }

    fn env() -> Environment {
        Environment {
            date: "2026-11-24T10:00:00Z".into(),
            uname: "Linux 6.1 x86_64".into(),
            cpu: "Test CPU".into(),
            cores: 2,
            command: "herald-bench all".into(),
            herald: "target/release/herald".into(),
        }
    }

    #[test]
    fn targets_are_marked_met_or_missed() {
        let fast = AllReport::new(
            env(),
            Outcome::Ok(latency(1500.0, 0)),
            Outcome::Ok(throughput(25_000.0)),
            Outcome::Error("the node died".into()),
        );
        assert!(fast.checks.iter().all(|c| c.met), "{:?}", fast.checks);
        assert!(!fast.complete());
        let md = fast.markdown();
        assert!(
            md.contains("| publish → delivery p99 | 1.500 ms | < 2 ms | met |"),
            "{md}"
        );
        assert!(md.contains("Did not complete"), "{md}");
        assert!(md.contains("the node died"), "{md}");
        assert!(md.contains("`herald-bench all`"), "{md}");

        let slow = AllReport::new(
            env(),
            Outcome::Ok(latency(2500.0, 3)),
            Outcome::Ok(throughput(19_999.0)),
            Outcome::Error("skipped".into()),
        );
        assert_eq!(
            slow.checks.iter().filter(|c| !c.met).count(),
            3,
            "{:?}",
            slow.checks
        );
        assert!(slow.markdown().contains("**missed**"));
    }

    #[test]
    fn shell_quoting_round_trips_awkward_arguments() {
        assert_eq!(shell_quote("--rate=1000"), "--rate=1000");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
