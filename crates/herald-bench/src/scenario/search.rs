//! The search scenario: load a corpus, wait for the index, time queries of four kinds.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::{Common, NodeInfo, load, on_node, per_second};
use crate::client::Api;
use crate::error::BenchError;
use crate::generator::{Generator, QueryGen, QueryKind};
use crate::node::dir_size;
use crate::stats::{Samples, Summary};

/// Parameters of the search scenario.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct SearchArgs {
    /// Stories to load before searching.
    #[arg(long, default_value_t = 1_000_000)]
    pub stories: u64,
    /// Queries of each kind (1, 2 and 3 terms, phrase), run one after another.
    #[arg(long, default_value_t = 500)]
    pub queries: usize,
    /// Concurrent publishers loading the corpus.
    #[arg(long, default_value_t = 32)]
    pub load_publishers: usize,
}

const MAX_STORIES: u64 = 50_000_000;
const MAX_QUERIES: usize = 1_000_000;
/// Unrecorded queries first, so the first measured one does not pay for cold caches alone.
const WARM_UP_QUERIES: usize = 20;
/// Hits asked for per query, as a terminal's first page would.
pub const LIMIT: u32 = 10;
/// The longest wait for the index to catch up with the log after loading.
const INDEX_TIMEOUT: Duration = Duration::from_secs(3600);

impl SearchArgs {
    fn validate(&self) -> Result<(), BenchError> {
        if !(1..=MAX_STORIES).contains(&self.stories) {
            return Err(BenchError::Param(format!(
                "--stories must be between 1 and {MAX_STORIES}"
            )));
        }
        if !(1..=MAX_QUERIES).contains(&self.queries) {
            return Err(BenchError::Param(format!(
                "--queries must be between 1 and {MAX_QUERIES}"
            )));
        }
        if !(1..=1024).contains(&self.load_publishers) {
            return Err(BenchError::Param(
                "--load-publishers must be between 1 and 1024".into(),
            ));
        }
        Ok(())
    }

    /// The scenario's own deadline: loading at 100 stories/s or better, indexing, queries.
    pub fn deadline(&self) -> Duration {
        Duration::from_secs((self.stories / 100).clamp(600, 12 * 3600) + INDEX_TIMEOUT.as_secs())
    }
}

/// Timings of one kind of query.
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    pub kind: QueryKind,
    pub label: &'static str,
    pub queries: usize,
    pub errors: u64,
    pub first_error: Option<String>,
    pub latency: Summary,
    /// Mean of the `total` the node reported (matching stories).
    pub mean_total: f64,
    /// Queries that matched nothing.
    pub zero_hit_queries: u64,
}

/// The result of a search run.
#[derive(Debug, Clone, Serialize)]
pub struct SearchReport {
    pub params: SearchArgs,
    pub seed: u64,
    pub loaded: u64,
    pub load_errors: u64,
    pub first_load_error: Option<String>,
    pub load_seconds: f64,
    pub load_rate: f64,
    /// Time from the last acknowledgement until the index had caught up.
    pub index_wait_seconds: f64,
    pub kinds: Vec<KindReport>,
    pub index_bytes: u64,
    pub log_bytes: u64,
    /// The node's peak RSS (VmHWM), read right before stopping it.
    pub peak_rss_bytes: Option<u64>,
}

impl SearchReport {
    /// The worst p99 over all kinds, in microseconds.
    pub fn worst_p99_us(&self) -> f64 {
        self.kinds.iter().map(|k| k.latency.p99_us).fold(0.0, f64::max)
    }
}

/// Runs the scenario on a fresh node.
pub async fn run(common: &Common, args: &SearchArgs) -> Result<SearchReport, BenchError> {
    args.validate()?;
    let deadline = common.deadline.unwrap_or_else(|| args.deadline());
    let seed = common.seed;
    on_node(common, "search", deadline, |node| {
        measure(node, args.clone(), seed)
    })
    .await
}

async fn measure(node: NodeInfo, args: SearchArgs, seed: u64) -> Result<SearchReport, BenchError> {
    let api = Api::new(&node.base_url, args.load_publishers)?;
    let generator = Generator::new(seed);
    eprintln!(
        "search: loading {} stories from {} publishers",
        args.stories, args.load_publishers
    );
    let loaded = load(
        &api,
        &generator,
        args.stories,
        args.load_publishers,
        "search load",
        false,
    )
    .await;
    if loaded.acked == 0 {
        return Err(BenchError::NothingAcknowledged {
            scenario: "search",
            first_error: loaded.first_error.unwrap_or_else(|| "none reported".to_owned()),
        });
    }

    let index_wait = wait_for_index(&api).await?;
    eprintln!(
        "search: index caught up after {:.1} s; querying",
        index_wait.as_secs_f64()
    );

    let mut queries = QueryGen::new(seed);
    for i in 0..WARM_UP_QUERIES {
        let kind = QueryKind::ALL[i % QueryKind::ALL.len()];
        let _ = api.search(&queries.query(kind), LIMIT).await;
    }
    let mut kinds = Vec::new();
    for kind in QueryKind::ALL {
        let mut latency = Samples::with_capacity(args.queries);
        let (mut errors, mut first_error, mut totals, mut zero) = (0u64, None, 0u64, 0u64);
        for _ in 0..args.queries {
            let q = queries.query(kind);
            let t = Instant::now();
            match api.search(&q, LIMIT).await {
                Ok(answer) => {
                    latency.record(t.elapsed());
                    totals += answer.total;
                    if answer.total == 0 {
                        zero += 1;
                    }
                }
                Err(e) => {
                    errors += 1;
                    first_error.get_or_insert_with(|| format!("query {q:?}: {e}"));
                }
            }
        }
        let answered = latency.len();
        kinds.push(KindReport {
            kind,
            label: kind.label(),
            queries: args.queries,
            errors,
            first_error,
            latency: latency.summary(),
            mean_total: if answered > 0 {
                totals as f64 / answered as f64
            } else {
                0.0
            },
            zero_hit_queries: zero,
        });
    }

    Ok(SearchReport {
        seed,
        loaded: loaded.acked,
        load_errors: loaded.errors,
        first_load_error: loaded.first_error,
        load_seconds: loaded.elapsed.as_secs_f64(),
        load_rate: per_second(loaded.acked as f64, loaded.elapsed),
        index_wait_seconds: index_wait.as_secs_f64(),
        kinds,
        index_bytes: dir_size(&node.data_dir.join("index")),
        log_bytes: dir_size(&node.data_dir.join("log")),
        peak_rss_bytes: node.peak_rss_bytes(),
        params: args,
    })
}

/// Polls `/healthz` until `indexed_seq` reaches `last_seq`.
async fn wait_for_index(api: &Api) -> Result<Duration, BenchError> {
    let start = Instant::now();
    let mut last_print = start;
    loop {
        let h = api.health().await?;
        if h.indexed_seq >= h.last_seq {
            return Ok(start.elapsed());
        }
        if start.elapsed() > INDEX_TIMEOUT {
            return Err(BenchError::IndexLag {
                timeout: INDEX_TIMEOUT,
                indexed_seq: h.indexed_seq,
                last_seq: h.last_seq,
            });
        }
        if last_print.elapsed() > Duration::from_secs(5) {
            eprintln!("search: indexed {} of {}", h.indexed_seq, h.last_seq);
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
