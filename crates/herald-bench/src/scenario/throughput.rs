//! The ingest throughput scenario: many concurrent publishers, durable (201) stories per second.

use std::time::Duration;

use serde::Serialize;

use super::{Common, NodeInfo, load, on_node, per_second};
use crate::client::Api;
use crate::error::BenchError;
use crate::generator::{Generator, MAX_SIZE};
use crate::stats::Summary;

/// Parameters of the throughput scenario.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct ThroughputArgs {
    /// Concurrent publishers (one HTTP connection each).
    #[arg(long, default_value_t = 32)]
    pub publishers: usize,
    /// Stories to publish.
    #[arg(long, default_value_t = 100_000)]
    pub count: u64,
    /// Target size of each story's JSON, in bytes.
    #[arg(long, default_value_t = 2048)]
    pub size: usize,
}

/// The most stories one run may publish (publish latencies are kept: 8 bytes each).
const MAX_STORIES: u64 = 50_000_000;

impl ThroughputArgs {
    fn validate(&self) -> Result<(), BenchError> {
        if !(1..=MAX_STORIES).contains(&self.count) {
            return Err(BenchError::Param(format!(
                "--count must be between 1 and {MAX_STORIES}"
            )));
        }
        if !(1..=1024).contains(&self.publishers) {
            return Err(BenchError::Param(
                "--publishers must be between 1 and 1024".into(),
            ));
        }
        if self.size > MAX_SIZE {
            return Err(BenchError::Param(format!(
                "--size must be at most {MAX_SIZE} bytes"
            )));
        }
        Ok(())
    }

    /// The scenario's own deadline: room for a slow node (about 100 stories/s) plus startup.
    pub fn deadline(&self) -> Duration {
        Duration::from_secs((self.count / 100).clamp(600, 6 * 3600))
    }
}

/// The result of a throughput run.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputReport {
    pub params: ThroughputArgs,
    pub seed: u64,
    pub acked: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    pub stories_per_second: f64,
    /// Megabytes (10^6 bytes) of story JSON acknowledged per second.
    pub mb_per_second: f64,
    /// Average size of a published story's JSON, in bytes.
    pub mean_story_bytes: f64,
    /// Send → 201.
    pub publish: Summary,
}

/// Runs the scenario on a fresh node.
pub async fn run(common: &Common, args: &ThroughputArgs) -> Result<ThroughputReport, BenchError> {
    args.validate()?;
    let deadline = common.deadline.unwrap_or_else(|| args.deadline());
    let seed = common.seed;
    on_node(common, "throughput", deadline, |node| {
        measure(node, args.clone(), seed)
    })
    .await
}

async fn measure(node: NodeInfo, args: ThroughputArgs, seed: u64) -> Result<ThroughputReport, BenchError> {
    let api = Api::new(&node.base_url, args.publishers)?;
    let generator = Generator::with_size(seed, args.size).map_err(|e| BenchError::Param(e.to_string()))?;
    eprintln!(
        "throughput: publishing {} stories of ~{} bytes from {} publishers",
        args.count, args.size, args.publishers
    );
    let out = load(&api, &generator, args.count, args.publishers, "throughput", true).await;
    if out.acked == 0 {
        return Err(BenchError::NothingAcknowledged {
            scenario: "throughput",
            first_error: out.first_error.unwrap_or_else(|| "none reported".to_owned()),
        });
    }
    let elapsed = out.elapsed;
    Ok(ThroughputReport {
        seed,
        acked: out.acked,
        duplicates: out.duplicates,
        errors: out.errors,
        first_error: out.first_error,
        seconds: elapsed.as_secs_f64(),
        stories_per_second: per_second(out.acked as f64, elapsed),
        mb_per_second: per_second(out.bytes as f64 / 1e6, elapsed),
        mean_story_bytes: if out.acked > 0 {
            out.bytes as f64 / out.acked as f64
        } else {
            0.0
        },
        publish: out.publish.summary(),
        params: args,
    })
}
