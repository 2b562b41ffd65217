//! The live-wire latency scenario: steady publishing, many subscribers, publish→delivery time.
//!
//! Subscribers connect first; then stories go out at a fixed rate (each story has a
//! due time, `i / rate` after the start, so the pace does not drift into bursts).
//! Every subscriber notes when each story's event arrives and matches it to its send
//! time through the story's guid, which encodes the story's index.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{Common, NodeInfo, on_node, per_second};
use crate::client::{Api, Published};
use crate::error::BenchError;
use crate::generator::{Generator, index_from_guid};
use crate::sse::SseParser;
use crate::stats::{Samples, Summary};

/// Parameters of the latency scenario.
#[derive(Debug, Clone, clap::Args, Serialize)]
pub struct LatencyArgs {
    /// Stories published per second.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 60)]
    pub duration: u64,
    /// SSE subscribers to the live wire.
    #[arg(long, default_value_t = 10)]
    pub subscribers: usize,
    /// Concurrent HTTP connections publishing.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
}

/// The most stories one latency run may send (bounds the bookkeeping memory).
const MAX_STORIES: u64 = 10_000_000;
/// The most deliveries one run may time (each is kept as a sample: 8 bytes).
const MAX_DELIVERIES: u64 = 20_000_000;
/// How long subscribers may take, after the last acknowledgement, to receive everything.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a subscriber may take to get its response headers.
const SUBSCRIBE_TIMEOUT: Duration = Duration::from_secs(10);

impl LatencyArgs {
    fn validate(&self) -> Result<u64, BenchError> {
        let total = u64::from(self.rate).saturating_mul(self.duration);
        if self.rate == 0 || self.duration == 0 {
            return Err(BenchError::Param(
                "--rate and --duration must be at least 1".into(),
            ));
        }
        if total > MAX_STORIES {
            return Err(BenchError::Param(format!(
                "--rate × --duration is {total} stories; the limit is {MAX_STORIES}"
            )));
        }
        if !(1..=1000).contains(&self.subscribers) {
            return Err(BenchError::Param(
                "--subscribers must be between 1 and 1000".into(),
            ));
        }
        let deliveries = total.saturating_mul(self.subscribers as u64);
        if deliveries > MAX_DELIVERIES {
            return Err(BenchError::Param(format!(
                "--rate × --duration × --subscribers is {deliveries} deliveries to time; the limit is {MAX_DELIVERIES}"
            )));
        }
        if !(1..=1024).contains(&self.connections) {
            return Err(BenchError::Param(
                "--connections must be between 1 and 1024".into(),
            ));
        }
        Ok(total)
    }

    /// The scenario's own deadline: publishing time plus generous room to start and drain.
    pub fn deadline(&self) -> Duration {
        Duration::from_secs(self.duration.saturating_add(120))
    }
}

/// The result of a latency run.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyReport {
    pub params: LatencyArgs,
    pub seed: u64,
    /// Stories whose publication was attempted.
    pub sent: u64,
    /// Stories acknowledged with 201.
    pub acked: u64,
    pub publish_errors: u64,
    pub first_publish_error: Option<String>,
    /// Acknowledged stories per second over the publishing time.
    pub achieved_rate: f64,
    pub publish_seconds: f64,
    /// Send start → SSE event received, over all subscribers.
    pub delivery: Summary,
    /// Send start → 201.
    pub publish: Summary,
    /// Acknowledged stories some subscriber never received (summed over subscribers).
    pub lost: u64,
    /// Events for a story a subscriber had already received.
    pub duplicate_deliveries: u64,
    /// Subscribers the node disconnected with a `lag` event.
    pub lagged_subscribers: u64,
    /// Subscribers whose stream broke for another reason, with the reason.
    pub subscriber_errors: Vec<String>,
}

/// Runs the scenario on a fresh node.
pub async fn run(common: &Common, args: &LatencyArgs) -> Result<LatencyReport, BenchError> {
    let total = args.validate()?;
    let deadline = common.deadline.unwrap_or_else(|| args.deadline());
    let seed = common.seed;
    on_node(common, "latency", deadline, |node| {
        measure(node, args.clone(), seed, total)
    })
    .await
}

/// One bit per story.
struct Bitset(Vec<u64>);

impl Bitset {
    fn new(n: u64) -> Self {
        Bitset(vec![0; n.div_ceil(64) as usize])
    }

    /// Sets bit `i`; returns whether it was already set (out of range counts as set).
    fn set(&mut self, i: u64) -> bool {
        let Some(word) = self.0.get_mut((i / 64) as usize) else {
            return true;
        };
        let mask = 1u64 << (i % 64);
        let was = *word & mask != 0;
        *word |= mask;
        was
    }

    fn get(&self, i: u64) -> bool {
        self.0
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }
}

/// Shared between publishers and subscribers.
struct Clock {
    t0: Instant,
    /// Send start of story `i`, as nanoseconds since `t0` plus one (0: not sent yet).
    sent_at: Vec<AtomicU64>,
    /// Whether story `i` was acknowledged with 201.
    acked: Vec<AtomicBool>,
}

#[derive(Default)]
struct SubscriberResult {
    latencies: Samples,
    received: Option<Bitset>,
    duplicates: u64,
    lagged: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Delivered {
    #[serde(default)]
    guid: Option<String>,
}

async fn measure(
    node: NodeInfo,
    args: LatencyArgs,
    seed: u64,
    total: u64,
) -> Result<LatencyReport, BenchError> {
    let api = Api::new(&node.base_url, args.connections)?;
    let generator = Generator::new(seed);
    let clock = Arc::new(Clock {
        t0: Instant::now(),
        sent_at: (0..total).map(|_| AtomicU64::new(0)).collect(),
        acked: (0..total).map(|_| AtomicBool::new(false)).collect(),
    });

    // Subscribers first, each live (headers received) before anything is published.
    let (stop_tx, stop_rx) = watch::channel(false);
    let received_counts: Arc<Vec<AtomicU64>> =
        Arc::new((0..args.subscribers).map(|_| AtomicU64::new(0)).collect());
    let finished: Arc<Vec<AtomicBool>> =
        Arc::new((0..args.subscribers).map(|_| AtomicBool::new(false)).collect());
    let mut subscribers = JoinSet::new();
    for s in 0..args.subscribers {
        let (url, resp) = tokio::time::timeout(SUBSCRIBE_TIMEOUT, api.subscribe(None))
            .await
            .map_err(|_| BenchError::Stream {
                url: format!("{}/v1/stream", node.base_url),
                message: format!("no response headers within {SUBSCRIBE_TIMEOUT:?}"),
            })??;
        let clock = Arc::clone(&clock);
        let counts = Arc::clone(&received_counts);
        let finished = Arc::clone(&finished);
        let stop = stop_rx.clone();
        subscribers.spawn(async move {
            let result = subscribe(url, resp, total, &clock, &counts[s], stop).await;
            finished[s].store(true, Ordering::Release);
            result
        });
    }
    eprintln!(
        "latency: {} subscribers connected; publishing {total} stories at {}/s",
        args.subscribers, args.rate
    );

    // Publishers: each takes the next story, waits for its due time, sends it.
    let next = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now();
    let mut publishers = JoinSet::new();
    for _ in 0..args.connections {
        let (api, generator, clock, next) = (
            api.clone(),
            generator.clone(),
            Arc::clone(&clock),
            Arc::clone(&next),
        );
        let rate = f64::from(args.rate);
        publishers.spawn(async move {
            let mut publish = Samples::default();
            let (mut acked, mut errors, mut first_error) = (0u64, 0u64, None::<String>);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let body = generator.story(i).to_json().into_bytes();
                tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / rate)).await;
                let sent = Instant::now();
                let since_t0 =
                    u64::try_from(sent.duration_since(clock.t0).as_nanos()).unwrap_or(u64::MAX - 1);
                if let Some(slot) = clock.sent_at.get(i as usize) {
                    slot.store(since_t0 + 1, Ordering::Release);
                }
                match api.publish(body).await {
                    Ok(Published::Created { .. }) => {
                        publish.record(sent.elapsed());
                        acked += 1;
                        if let Some(flag) = clock.acked.get(i as usize) {
                            flag.store(true, Ordering::Release);
                        }
                    }
                    // A fresh node never has our stories; count it with the errors.
                    Ok(Published::Duplicate { seq }) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| {
                            format!("story {i} was taken as a duplicate of seq {seq}")
                        });
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            (publish, acked, errors, first_error)
        });
    }
    let mut publish = Samples::with_capacity(total as usize);
    let (mut acked, mut publish_errors, mut first_publish_error) = (0, 0, None);
    while let Some(joined) = publishers.join_next().await {
        match joined {
            Ok((samples, a, e, first)) => {
                publish.merge(samples);
                acked += a;
                publish_errors += e;
                if first_publish_error.is_none() {
                    first_publish_error = first;
                }
            }
            Err(e) => {
                publish_errors += 1;
                first_publish_error.get_or_insert_with(|| format!("a publisher task failed: {e}"));
            }
        }
    }
    let publish_elapsed = start.elapsed();
    if acked == 0 {
        return Err(BenchError::NothingAcknowledged {
            scenario: "latency",
            first_error: first_publish_error.unwrap_or_else(|| "none reported".to_owned()),
        });
    }
    eprintln!(
        "latency: published {acked} stories in {:.1} s; waiting for deliveries",
        publish_elapsed.as_secs_f64()
    );

    // Let subscribers catch up with everything acknowledged, then stop them.
    let drain_until = Instant::now() + DRAIN_TIMEOUT;
    while Instant::now() < drain_until {
        let all_done = received_counts
            .iter()
            .zip(finished.iter())
            .all(|(n, f)| n.load(Ordering::Relaxed) >= acked || f.load(Ordering::Acquire));
        if all_done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);

    let mut delivery = Samples::with_capacity((acked as usize).saturating_mul(args.subscribers));
    let (mut lost, mut duplicate_deliveries, mut lagged_subscribers) = (0u64, 0u64, 0u64);
    let mut subscriber_errors = Vec::new();
    while let Some(joined) = subscribers.join_next().await {
        let r = match joined {
            Ok(r) => r,
            Err(e) => SubscriberResult {
                error: Some(format!("subscriber task failed: {e}")),
                ..SubscriberResult::default()
            },
        };
        delivery.merge(r.latencies);
        duplicate_deliveries += r.duplicates;
        if r.lagged {
            lagged_subscribers += 1;
        }
        if let Some(e) = r.error {
            subscriber_errors.push(e);
        }
        lost += (0..total)
            .filter(|&i| {
                clock
                    .acked
                    .get(i as usize)
                    .is_some_and(|a| a.load(Ordering::Acquire))
            })
            .filter(|&i| !r.received.as_ref().is_some_and(|b| b.get(i)))
            .count() as u64;
    }

    // The schedule spans `total / rate` seconds even though the last story is due one
    // interval before its end; dividing by less would report more than the rate.
    let schedule = Duration::from_secs_f64(total as f64 / f64::from(args.rate));
    let achieved_rate = per_second(acked as f64, publish_elapsed.max(schedule));
    Ok(LatencyReport {
        params: args,
        seed,
        sent: total,
        acked,
        publish_errors,
        first_publish_error,
        achieved_rate,
        publish_seconds: publish_elapsed.as_secs_f64(),
        delivery: delivery.summary(),
        publish: publish.summary(),
        lost,
        duplicate_deliveries,
        lagged_subscribers,
        subscriber_errors,
    })
}

/// Reads one subscriber's stream until told to stop, the node says it lagged, or the stream breaks.
async fn subscribe(
    url: String,
    mut resp: reqwest::Response,
    total: u64,
    clock: &Clock,
    count: &AtomicU64,
    mut stop: watch::Receiver<bool>,
) -> SubscriberResult {
    let mut result = SubscriberResult {
        latencies: Samples::with_capacity(total as usize),
        received: Some(Bitset::new(total)),
        ..SubscriberResult::default()
    };
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    'read: loop {
        let chunk = tokio::select! {
            biased;
            _ = stop.changed() => break,
            chunk = resp.chunk() => chunk,
        };
        // One arrival time for the whole chunk: when its bytes reached us.
        let arrived = Instant::now();
        let bytes = match chunk {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                result.error = Some(format!("{url}: the node closed the stream"));
                break;
            }
            Err(e) => {
                result.error = Some(format!("{url}: {e}"));
                break;
            }
        };
        if let Err(e) = parser.feed(&bytes, &mut events) {
            result.error = Some(format!("{url}: {e}"));
            break;
        }
        for ev in events.drain(..) {
            match ev.event.as_str() {
                "story" => {
                    let Some(i) = serde_json::from_str::<Delivered>(&ev.data)
                        .ok()
                        .and_then(|d| d.guid)
                        .and_then(|g| index_from_guid(&g))
                        .filter(|&i| i < total)
                    else {
                        continue;
                    };
                    let already = result.received.as_mut().is_some_and(|b| b.set(i));
                    if already {
                        result.duplicates += 1;
                        continue;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                    let sent = clock
                        .sent_at
                        .get(i as usize)
                        .map_or(0, |s| s.load(Ordering::Acquire));
                    if sent > 0 {
                        let at = arrived.duration_since(clock.t0);
                        result
                            .latencies
                            .record(at.saturating_sub(Duration::from_nanos(sent - 1)));
                    }
                }
                "lag" => {
                    result.lagged = true;
                    break 'read;
                }
                _ => {}
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitset_reports_repeats_and_ignores_out_of_range() {
        let mut b = Bitset::new(100);
        assert!(!b.set(0));
        assert!(!b.set(99));
        assert!(b.set(99));
        assert!(b.get(0) && b.get(99) && !b.get(50));
        assert!(b.set(1000));
        assert!(!b.get(1000));
    }

    #[test]
    fn parameters_are_bounded() {
        let ok = LatencyArgs {
            rate: 1000,
            duration: 60,
            subscribers: 10,
            connections: 16,
        };
        assert_eq!(ok.validate().ok(), Some(60_000));
        let huge = LatencyArgs {
            rate: 1_000_000,
            duration: 3600,
            ..ok.clone()
        };
        assert!(huge.validate().is_err());
        let none = LatencyArgs { subscribers: 0, ..ok };
        assert!(none.validate().is_err());
    }
}
