//! What every scenario shares: its own node under a hard deadline, and concurrent loading.

pub mod latency;
pub mod search;
pub mod throughput;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::client::{Api, Published};
use crate::error::BenchError;
use crate::generator::Generator;
use crate::node::Node;
use crate::stats::Samples;

/// Options every scenario takes.
#[derive(Debug, Clone)]
pub struct Common {
    /// The `herald` binary to start.
    pub herald: PathBuf,
    /// Where to make the node's temporary data directory (system temp dir if `None`).
    pub data_root: Option<PathBuf>,
    /// Seed for the generated stories and queries.
    pub seed: u64,
    /// Overrides the scenario's own deadline.
    pub deadline: Option<Duration>,
}

/// Starts a node, runs `body` against it within `deadline`, then stops the node and
/// removes its data. If the body fails because the node died, the error says so and
/// shows the node's last words.
pub(crate) async fn on_node<T, F, Fut>(
    common: &Common,
    scenario: &'static str,
    deadline: Duration,
    body: F,
) -> Result<T, BenchError>
where
    F: FnOnce(NodeInfo) -> Fut,
    Fut: Future<Output = Result<T, BenchError>>,
{
    let mut node = Node::start(&common.herald, common.data_root.as_deref()).await?;
    eprintln!("{scenario}: node up at {}", node.base_url());
    let info = NodeInfo {
        base_url: node.base_url().to_owned(),
        data_dir: node.data_dir().to_owned(),
        pid: node.pid(),
    };
    let outcome = tokio::time::timeout(deadline, body(info)).await;
    let result = match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => match node.exited() {
            Some(status) => Err(BenchError::NodeExited {
                path: common.herald.clone(),
                status,
                stderr: node.stderr_tail(),
            }),
            None => Err(err),
        },
        Err(_) => Err(BenchError::Deadline { scenario, deadline }),
    };
    node.stop().await;
    result
}

/// What a scenario body may know about its node (the node itself stays with [`on_node`]).
#[derive(Debug, Clone)]
pub(crate) struct NodeInfo {
    pub base_url: String,
    pub data_dir: PathBuf,
    pub pid: Option<u32>,
}

impl NodeInfo {
    /// Peak RSS (VmHWM) of the node so far, in bytes.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        crate::node::parse_vm_hwm(&status)
    }
}

/// What publishing a batch of stories achieved.
#[derive(Debug, Default)]
pub(crate) struct LoadOutcome {
    pub acked: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// Bytes of story JSON that were acknowledged (201).
    pub bytes: u64,
    pub elapsed: Duration,
    /// Send → 201 of each acknowledged story.
    pub publish: Samples,
}

/// After this many failures, with more failures than successes, loading stops: the
/// node is gone or refusing everything, and the rest would fail the same way.
const GIVE_UP_AFTER_ERRORS: u64 = 100;

/// Largest corpus [`load`] generates ahead of the clock; bigger ones are generated as
/// they are sent.
const PREGENERATE_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Publishes stories `0..count` of `generator` from `publishers` concurrent tasks, as
/// fast as the node acknowledges them, printing progress to stderr every few seconds.
/// With `pregenerate` (and a corpus under [`PREGENERATE_MAX_BYTES`]) the stories are
/// generated before the clock starts, so that on a shared machine the generator's CPU
/// is not taken from the node while it is measured.
pub(crate) async fn load(
    api: &Api,
    generator: &Generator,
    count: u64,
    publishers: usize,
    label: &str,
    pregenerate: bool,
) -> LoadOutcome {
    let ready: Option<Arc<Vec<Vec<u8>>>> = (pregenerate
        && count.saturating_mul(generator.size() as u64 + 512) <= PREGENERATE_MAX_BYTES)
        .then(|| {
            Arc::new(
                (0..count)
                    .map(|i| {
                        let mut body = Vec::with_capacity(generator.size() + 1024);
                        generator.story(i).write_jsonl(&mut body);
                        body
                    })
                    .collect(),
            )
        });
    let next = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let give_up = Arc::new(AtomicBool::new(false));
    let start = Instant::now();

    let progress = {
        let acked = Arc::clone(&acked);
        let label = label.to_owned();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            tick.tick().await;
            loop {
                tick.tick().await;
                let n = acked.load(Ordering::Relaxed);
                let rate = n as f64 / start.elapsed().as_secs_f64();
                eprintln!("{label}: {n}/{count} stories ({rate:.0}/s)");
            }
        })
    };

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..publishers.max(1) {
        let api = api.clone();
        let generator = generator.clone();
        let ready = ready.clone();
        let (next, acked, errors, give_up) = (
            Arc::clone(&next),
            Arc::clone(&acked),
            Arc::clone(&errors),
            Arc::clone(&give_up),
        );
        tasks.spawn(async move {
            let mut out = LoadOutcome::default();
            while !give_up.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let body = match &ready {
                    Some(r) => r[i as usize].clone(),
                    None => {
                        let mut body = Vec::with_capacity(generator.size() + 1024);
                        generator.story(i).write_jsonl(&mut body);
                        body
                    }
                };
                let len = body.len() as u64;
                let sent = Instant::now();
                match api.publish(body).await {
                    Ok(Published::Created { .. }) => {
                        out.publish.record(sent.elapsed());
                        out.acked += 1;
                        out.bytes += len;
                        acked.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Published::Duplicate { .. }) => out.duplicates += 1,
                    Err(e) => {
                        out.errors += 1;
                        out.first_error.get_or_insert_with(|| e.to_string());
                        let failed = errors.fetch_add(1, Ordering::Relaxed) + 1;
                        if failed >= GIVE_UP_AFTER_ERRORS && failed > acked.load(Ordering::Relaxed) {
                            give_up.store(true, Ordering::Relaxed);
                        }
                    }
                }
            }
            out
        });
    }

    let mut total = LoadOutcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(part) => {
                total.acked += part.acked;
                total.duplicates += part.duplicates;
                total.errors += part.errors;
                total.bytes += part.bytes;
                total.publish.merge(part.publish);
                if total.first_error.is_none() {
                    total.first_error = part.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total
                    .first_error
                    .get_or_insert_with(|| format!("a publisher task failed: {e}"));
            }
        }
    }
    progress.abort();
    total.elapsed = start.elapsed();
    total
}

/// `count` per `elapsed`, 0 for an empty interval.
pub(crate) fn per_second(count: f64, elapsed: Duration) -> f64 {
    let s = elapsed.as_secs_f64();
    if s > 0.0 { count / s } else { 0.0 }
}
