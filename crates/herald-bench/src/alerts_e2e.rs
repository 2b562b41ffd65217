//! `herald-bench alerts-e2e`: publish → alert delivery over SSE, through a real node that
//! holds many standing alerts.
//!
//! Starts `herald serve`, registers `--alerts` alerts over `POST /v1/alerts` (the API
//! takes one per request, so they go over many concurrent connections, each an fsync'd
//! write on the node): all but `--probes` of them drawn as `herald-bench alerts` draws
//! them, and `--probes` alerts each on a word of its own that no generated story uses.
//! Then it opens `GET /v1/alerts/stream` and publishes generated stories at a steady rate;
//! a known share of them (`--marked`) carries one probe's word in its headline.
//!
//! Every hit event is timed from the moment its story was sent (the story's `url` carries
//! its index, and comes back in the hit). The probes count losses exactly: each marked,
//! acknowledged story must bring exactly one hit of its probe alert.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use herald_bench::generator::Generator;
use herald_bench::node::Node;
use herald_bench::sse::{SseEvent, SseParser};
use herald_bench::stats::{Samples, Summary, ms};
use herald_nlp::{Enricher, Kb};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{Semaphore, watch};

use crate::alerts::{AlertMaker, Mix, stories};

/// Target from issue 5: publish → alert SSE delivery p99 with 100,000 alerts loaded.
const TARGET_P99_US: f64 = 5_000.0;
/// Stories the background alerts are drawn against (as `herald-bench alerts` does).
const MAKER_STORIES: u64 = 2_000;
/// Most stories one run may publish (bounds the bookkeeping).
const MAX_STORIES: u64 = 2_000_000;
/// Most hit latencies kept (8 bytes each).
const MAX_SAMPLES: usize = 50_000_000;
/// How long hits may take to arrive after the last story was acknowledged.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Stories' urls: `URL_PREFIX` + index.
const URL_PREFIX: &str = "https://bench.herald.invalid/story/";
/// Letters of probe words: no vowels and no `s` or `y`, so no stemmer rule joins two of
/// them (`zqprobebcd` and `zqprobebcds` cannot both exist: all are the same length).
const PROBE_LETTERS: &[u8] = b"bcdfghjkmnpqrtvwxz";

#[derive(Args, Debug)]
pub struct E2eArgs {
    /// The herald binary to start (`herald serve`).
    #[arg(long, default_value = "target/release/herald")]
    herald: PathBuf,
    /// Directory for the node's temporary data directory (default: the system temp dir).
    #[arg(long)]
    data_root: Option<PathBuf>,
    /// Seed for stories and alerts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Alerts registered in all (probes included).
    #[arg(long, default_value_t = 100_000)]
    alerts: u64,
    /// Probe alerts, each on its own word (at most 5,832).
    #[arg(long, default_value_t = 1_000)]
    probes: u64,
    /// Share of stories that carry a probe's word.
    #[arg(long, default_value_t = 0.25)]
    marked: f64,
    /// Stories published per second.
    #[arg(long, default_value_t = 200)]
    rate: u32,
    /// Seconds of publishing that are timed.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Seconds of publishing before those, at the same rate, whose stories are checked for
    /// lost hits but timed apart (a node's first second after a start: caches, threads).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Concurrent connections registering alerts and publishing stories.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Background alert mix (see `herald-bench alerts`).
    #[arg(long, value_enum, default_value = "v2")]
    mix: Mix,
}

impl E2eArgs {
    fn validate(&self) -> anyhow::Result<u64> {
        let letters = PROBE_LETTERS.len() as u64;
        anyhow::ensure!(
            (1..=letters.pow(3)).contains(&self.probes),
            "--probes must be between 1 and {}",
            letters.pow(3)
        );
        anyhow::ensure!(self.alerts >= self.probes, "--alerts must be at least --probes");
        anyhow::ensure!(
            (0.0..=1.0).contains(&self.marked),
            "--marked is a share: between 0 and 1"
        );
        anyhow::ensure!(
            self.rate > 0 && self.duration > 0,
            "--rate and --duration must be at least 1"
        );
        anyhow::ensure!(
            (1..=1024).contains(&self.connections),
            "--connections must be between 1 and 1024"
        );
        let total = u64::from(self.rate).saturating_mul(self.duration.saturating_add(self.warmup));
        anyhow::ensure!(
            total <= MAX_STORIES,
            "--rate × (--warmup + --duration) is {total} stories; the limit is {MAX_STORIES}"
        );
        Ok(total)
    }
}

/// The probe word of probe `k`: `zqprobe` and three letters.
fn probe_word(k: u64) -> String {
    let n = PROBE_LETTERS.len() as u64;
    let letter = |i: u64| char::from(PROBE_LETTERS.get((i % n) as usize).copied().unwrap_or(b'b'));
    let mut w = String::from("zqprobe");
    w.extend([letter(k / (n * n)), letter(k / n), letter(k)]);
    w
}

/// The probe whose word story `i` carries, if it is one of the marked share.
fn probe_of(i: u64, marked: f64, probes: u64) -> Option<u64> {
    // SplitMix64 of the index: a fixed, evenly spread choice.
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let u = (z >> 11) as f64 / (1u64 << 53) as f64;
    (u < marked).then(|| z % probes.max(1))
}

/// Story `i` as the node is sent it: the generated story, its url carrying the index, and
/// the probe's word at the end of the headline when it is marked.
fn story_json(generator: &Generator, i: u64, probe: Option<u64>) -> Vec<u8> {
    let g = generator.story(i);
    let mut v = serde_json::to_value(&g).unwrap_or_else(|_| json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.insert("url".into(), format!("{URL_PREFIX}{i}").into());
        if let Some(k) = probe {
            obj.insert(
                "headline".into(),
                format!("{} {}", g.headline, probe_word(k)).into(),
            );
        }
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// What the run measured.
pub struct E2eReport {
    args_line: String,
    alerts: u64,
    probes: u64,
    register_seconds: f64,
    register: Summary,
    register_errors: u64,
    first_register_error: Option<String>,
    sent: u64,
    acked: u64,
    publish_errors: u64,
    first_publish_error: Option<String>,
    achieved_rate: f64,
    publish: Summary,
    delivery: Summary,
    /// Stories of the warm-up, and their timings (not in `publish` / `delivery`).
    warmup_stories: u64,
    warmup_publish: Summary,
    warmup_delivery: Summary,
    hits: u64,
    probe_expected: u64,
    probe_received: u64,
    probe_lost: u64,
    probe_duplicates: u64,
    probe_unexpected: u64,
    lagged: bool,
    stream_error: Option<String>,
    node_peak_rss: Option<u64>,
}

impl E2eReport {
    /// A one-screen summary with the target marked.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut t = String::new();
        let dist = |s: &Summary| {
            format!(
                "p50 {}  p99 {}  p99.9 {}  max {}  (n = {})",
                ms(s.p50_us),
                ms(s.p99_us),
                ms(s.p999_us),
                ms(s.max_us),
                s.count
            )
        };
        let _ = writeln!(t, "alerts-e2e: {}", self.args_line);
        let _ = writeln!(
            t,
            "  registered            {} alerts ({} probes) in {:.1} s ({:.0}/s), {} errors",
            self.alerts.saturating_sub(self.register_errors),
            self.probes,
            self.register_seconds,
            self.alerts as f64 / self.register_seconds.max(1e-9),
            self.register_errors
        );
        let _ = writeln!(t, "  POST /v1/alerts       {}", dist(&self.register));
        let _ = writeln!(
            t,
            "  published             {} stories, {} acknowledged, {:.1}/s, {} errors",
            self.sent, self.acked, self.achieved_rate, self.publish_errors
        );
        let _ = writeln!(t, "  publish → 201         {}", dist(&self.publish));
        let _ = writeln!(t, "  publish → alert SSE   {}", dist(&self.delivery));
        if self.warmup_stories > 0 {
            let _ = writeln!(
                t,
                "  warm-up               first {} stories, timed apart: → 201 p99 {}, → SSE p99 {}, max {}",
                self.warmup_stories,
                ms(self.warmup_publish.p99_us),
                ms(self.warmup_delivery.p99_us),
                ms(self.warmup_delivery.max_us)
            );
        }
        let _ = writeln!(
            t,
            "  hits                  {} ({:.1} per story)",
            self.hits,
            self.hits as f64 / self.acked.max(1) as f64
        );
        let _ = writeln!(
            t,
            "  probe hits            {} of {} expected: lost {}, duplicated {}, unexpected {}",
            self.probe_received,
            self.probe_expected,
            self.probe_lost,
            self.probe_duplicates,
            self.probe_unexpected
        );
        let _ = writeln!(
            t,
            "  lagged {}   node peak RSS {}",
            if self.lagged { "YES" } else { "no" },
            self.node_peak_rss
                .map_or_else(|| "n/a".to_owned(), |b| format!("{:.0} MB", b as f64 / 1e6))
        );
        for (what, e) in [
            ("first register error", &self.first_register_error),
            ("first publish error", &self.first_publish_error),
            ("stream error", &self.stream_error),
        ] {
            if let Some(e) = e {
                let _ = writeln!(t, "  {what}: {e}");
            }
        }
        let mark = |ok: bool| if ok { "met" } else { "**missed**" };
        let _ = writeln!(
            t,
            "  target: p99 < 5 ms with {} alerts — {}; hits lost 0 — {}",
            self.alerts,
            mark(self.delivery.count > 0 && self.delivery.p99_us < TARGET_P99_US),
            mark(self.probe_lost == 0 && !self.lagged && self.stream_error.is_none())
        );
        t
    }
}

pub async fn run(args: &E2eArgs) -> anyhow::Result<E2eReport> {
    let total = args.validate()?;
    eprintln!("alerts-e2e: drawing {} alerts…", args.alerts);
    let kb = Kb::embedded().context("cannot load the embedded knowledge base")?;
    let enricher = Enricher::new(kb);
    let sample = stories(args.seed, MAKER_STORIES, &enricher);
    let maker = AlertMaker::new(args.seed, args.mix, enricher.kb(), &sample);
    let background = args.alerts - args.probes;
    let mut queries: Vec<String> = (0..background).map(|i| maker.query_text(i)).collect();
    queries.extend((0..args.probes).map(probe_word));
    drop((sample, maker, enricher));

    let node = Node::start(&args.herald, args.data_root.as_deref()).await?;
    eprintln!("alerts-e2e: node up at {}", node.base_url());
    let base = node.base_url().to_owned();
    let outcome = measure(args, &node, &base, queries, total).await;
    let rss = node.peak_rss_bytes();
    node.stop().await;
    let mut report = outcome?;
    report.node_peak_rss = rss;
    Ok(report)
}

fn client(connections: usize, timeout: Option<Duration>) -> anyhow::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true)
        .no_proxy();
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    b.build().context("cannot build the HTTP client")
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

/// What registering the alerts gave: the probes' alert ids (id → probe number).
struct Registered {
    probes: HashMap<String, u64>,
    seconds: f64,
    latency: Summary,
    errors: u64,
    first_error: Option<String>,
}

async fn register(
    http: &reqwest::Client,
    base: &str,
    queries: Vec<String>,
    probes_from: u64,
    connections: usize,
) -> Registered {
    let url = Arc::new(format!("{base}/v1/alerts"));
    let queries = Arc::new(queries);
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let n = queries.len() as u64;
    let progress = {
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            tick.tick().await;
            loop {
                tick.tick().await;
                let d = done.load(Ordering::Relaxed);
                let rate = d as f64 / start.elapsed().as_secs_f64();
                eprintln!("alerts-e2e: registered {d}/{n} alerts ({rate:.0}/s)");
            }
        })
    };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (http, url, queries, next, done) = (
            http.clone(),
            Arc::clone(&url),
            Arc::clone(&queries),
            Arc::clone(&next),
            Arc::clone(&done),
        );
        tasks.spawn(async move {
            let mut samples = Samples::default();
            let mut probes = HashMap::new();
            let mut errors = 0u64;
            let mut first_error = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(query) = queries.get(i as usize) else {
                    break;
                };
                let body = json!({"name": format!("bench-{i}"), "query": query, "fold_duplicates": false});
                let sent = Instant::now();
                let result = async {
                    let resp = http.post(url.as_str()).json(&body).send().await?;
                    let status = resp.status();
                    let text = resp.text().await?;
                    anyhow::ensure!(
                        status.as_u16() == 201,
                        "{status}: {}",
                        text.chars().take(300).collect::<String>()
                    );
                    let c: Created = serde_json::from_str(&text)?;
                    Ok(c.id)
                }
                .await;
                match result {
                    Ok(id) => {
                        samples.record(sent.elapsed());
                        if i >= probes_from {
                            probes.insert(id, i - probes_from);
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("alert {i} ({query}): {e:#}"));
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            (samples, probes, errors, first_error)
        });
    }
    let mut all = Registered {
        probes: HashMap::new(),
        seconds: 0.0,
        latency: Summary::default(),
        errors: 0,
        first_error: None,
    };
    let mut samples = Samples::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((s, p, e, first)) => {
                samples.merge(s);
                all.probes.extend(p);
                all.errors += e;
                if all.first_error.is_none() {
                    all.first_error = first;
                }
            }
            Err(e) => {
                all.errors += 1;
                all.first_error
                    .get_or_insert_with(|| format!("a registering task failed: {e}"));
            }
        }
    }
    progress.abort();
    all.seconds = start.elapsed().as_secs_f64();
    all.latency = samples.summary();
    all
}

/// Shared between publishers and the stream reader.
struct Clock {
    t0: Instant,
    /// Send start of story `i` in nanoseconds since `t0`, plus one (0: not sent).
    sent_at: Vec<AtomicU64>,
    acked: Vec<AtomicBool>,
    /// Stories `0..warmup` are the warm-up, timed apart.
    warmup: u64,
}

impl Clock {
    fn since_sent(&self, i: u64, now: Instant) -> Option<Duration> {
        let at = self.sent_at.get(i as usize)?.load(Ordering::Acquire);
        let sent = self.t0 + Duration::from_nanos(at.checked_sub(1)?);
        Some(now.saturating_duration_since(sent))
    }
}

#[derive(Deserialize)]
struct HitData {
    alert_id: String,
    story: HitStory,
}

#[derive(Deserialize)]
struct HitStory {
    #[serde(default)]
    url: Option<String>,
}

/// What the stream reader saw.
#[derive(Default)]
struct Seen {
    delivery: Samples,
    warmup_delivery: Samples,
    hits: u64,
    /// Per story: its probe's hit arrived.
    probe_hit: Vec<bool>,
    probe_duplicates: u64,
    probe_unexpected: u64,
    lagged: bool,
    error: Option<String>,
}

/// Reads the alert stream until told to stop (or it ends), timing every hit.
async fn read_stream(
    mut resp: reqwest::Response,
    clock: Arc<Clock>,
    probes: Arc<HashMap<String, u64>>,
    expect: Arc<Vec<Option<u64>>>,
    probe_count: Arc<AtomicU64>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen {
        probe_hit: vec![false; expect.len()],
        ..Seen::default()
    };
    let mut parser = SseParser::new();
    let mut events: Vec<SseEvent> = Vec::new();
    loop {
        let chunk = tokio::select! {
            c = resp.chunk() => c,
            _ = stop.changed() => break,
        };
        let chunk = match chunk {
            Ok(Some(c)) => c,
            Ok(None) => {
                seen.error
                    .get_or_insert_with(|| "the node ended the alert stream".into());
                break;
            }
            Err(e) => {
                seen.error.get_or_insert_with(|| format!("alert stream: {e}"));
                break;
            }
        };
        let now = Instant::now();
        events.clear();
        if let Err(e) = parser.feed(&chunk, &mut events) {
            seen.error.get_or_insert_with(|| format!("alert stream: {e}"));
            break;
        }
        for ev in &events {
            match ev.event.as_str() {
                "hit" => {}
                "lag" => seen.lagged = true,
                _ => continue,
            }
            if seen.lagged {
                break;
            }
            let Ok(hit) = serde_json::from_str::<HitData>(&ev.data) else {
                seen.error
                    .get_or_insert_with(|| format!("a hit that is not JSON: {:.200}", ev.data));
                continue;
            };
            seen.hits += 1;
            let Some(i) = hit
                .story
                .url
                .as_deref()
                .and_then(|u| u.strip_prefix(URL_PREFIX))
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let samples = if i < clock.warmup {
                &mut seen.warmup_delivery
            } else {
                &mut seen.delivery
            };
            if let Some(d) = clock.since_sent(i, now)
                && samples.len() < MAX_SAMPLES
            {
                samples.record(d);
            }
            if let Some(&k) = probes.get(&hit.alert_id) {
                match (
                    expect.get(i as usize).copied().flatten(),
                    seen.probe_hit.get_mut(i as usize),
                ) {
                    (Some(want), Some(got)) if want == k => {
                        if *got {
                            seen.probe_duplicates += 1;
                        } else {
                            *got = true;
                            probe_count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => seen.probe_unexpected += 1,
                }
            }
        }
        if seen.lagged {
            break;
        }
    }
    seen
}

async fn measure(
    args: &E2eArgs,
    node: &Node,
    base: &str,
    queries: Vec<String>,
    total: u64,
) -> anyhow::Result<E2eReport> {
    let http = client(args.connections, Some(REQUEST_TIMEOUT))?;
    let n = queries.len() as u64;
    eprintln!(
        "alerts-e2e: registering {n} alerts over {} connections…",
        args.connections
    );
    let reg = register(&http, base, queries, args.alerts - args.probes, args.connections).await;
    eprintln!(
        "alerts-e2e: registered in {:.1} s, {} errors",
        reg.seconds, reg.errors
    );
    anyhow::ensure!(
        reg.probes.len() as u64 == args.probes,
        "only {} of {} probe alerts were registered: {}",
        reg.probes.len(),
        args.probes,
        reg.first_error.as_deref().unwrap_or("no error given")
    );
    if let Some(status) = node_gone(node) {
        anyhow::bail!("the node exited while alerts were registered: {status}");
    }

    let stream_http = client(1, None)?;
    let resp = stream_http
        .get(format!("{base}/v1/alerts/stream"))
        .header(ACCEPT, "text/event-stream")
        .send()
        .await
        .context("cannot open the alert stream")?;
    anyhow::ensure!(
        resp.status().as_u16() == 200,
        "GET /v1/alerts/stream answered {}",
        resp.status()
    );

    let generator = Generator::new(args.seed);
    let expect: Arc<Vec<Option<u64>>> = Arc::new(
        (0..total)
            .map(|i| probe_of(i, args.marked, args.probes))
            .collect(),
    );
    let clock = Arc::new(Clock {
        t0: Instant::now(),
        sent_at: (0..total).map(|_| AtomicU64::new(0)).collect(),
        acked: (0..total).map(|_| AtomicBool::new(false)).collect(),
        warmup: u64::from(args.rate).saturating_mul(args.warmup).min(total),
    });
    let probe_count = Arc::new(AtomicU64::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let reader = tokio::spawn(read_stream(
        resp,
        Arc::clone(&clock),
        Arc::new(reg.probes),
        Arc::clone(&expect),
        Arc::clone(&probe_count),
        stop_rx,
    ));

    eprintln!(
        "alerts-e2e: publishing {total} stories at {}/s ({:.0} % marked)…",
        args.rate,
        args.marked * 100.0
    );
    let url = Arc::new(format!("{base}/v1/stories"));
    let permits = Arc::new(Semaphore::new(args.connections));
    let mut tasks = tokio::task::JoinSet::new();
    let start = Instant::now();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(args.rate));
        tokio::time::sleep_until(due.into()).await;
        let body = story_json(&generator, i, expect.get(i as usize).copied().flatten());
        let permit = Arc::clone(&permits).acquire_owned().await;
        let (http, url, clock) = (http.clone(), Arc::clone(&url), Arc::clone(&clock));
        tasks.spawn(async move {
            let _permit = permit;
            let sent = Instant::now();
            let at = u64::try_from(sent.saturating_duration_since(clock.t0).as_nanos()).unwrap_or(u64::MAX);
            if let Some(s) = clock.sent_at.get(i as usize) {
                s.store(at.saturating_add(1), Ordering::Release);
            }
            let resp = http
                .post(url.as_str())
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await;
            let result = match resp {
                Ok(r) if r.status().as_u16() == 201 => {
                    let _ = r.bytes().await;
                    Ok((i, sent.elapsed()))
                }
                Ok(r) => {
                    let status = r.status();
                    let text = r.text().await.unwrap_or_default();
                    Err(format!("story {i}: {status}: {:.300}", text))
                }
                Err(e) => Err(format!("story {i}: {e}")),
            };
            if result.is_ok()
                && let Some(a) = clock.acked.get(i as usize)
            {
                a.store(true, Ordering::Release);
            }
            result
        });
    }
    let mut publish = Samples::with_capacity(total as usize);
    let mut warmup_publish = Samples::with_capacity(clock.warmup as usize);
    let mut publish_errors = 0u64;
    let mut first_publish_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok((i, d))) if i < clock.warmup => warmup_publish.record(d),
            Ok(Ok((_, d))) => publish.record(d),
            Ok(Err(e)) => {
                publish_errors += 1;
                first_publish_error.get_or_insert(e);
            }
            Err(e) => {
                publish_errors += 1;
                first_publish_error.get_or_insert_with(|| format!("a publishing task failed: {e}"));
            }
        }
    }
    let publish_seconds = start.elapsed().as_secs_f64();
    let acked: Vec<bool> = clock.acked.iter().map(|a| a.load(Ordering::Acquire)).collect();
    let probe_expected = expect
        .iter()
        .zip(&acked)
        .filter(|(e, a)| e.is_some() && **a)
        .count() as u64;

    // Wait until every expected probe hit is in, or the drain time is up.
    let drain = Instant::now();
    while probe_count.load(Ordering::Relaxed) < probe_expected
        && drain.elapsed() < DRAIN_TIMEOUT
        && !reader.is_finished()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A moment more for hits of other alerts on the last stories.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = stop_tx.send(true);
    let seen = reader.await.context("the alert stream reader failed")?;

    let probe_received = seen
        .probe_hit
        .iter()
        .zip(&acked)
        .filter(|(h, a)| **h && **a)
        .count() as u64;
    let acked_count = acked.iter().filter(|a| **a).count() as u64;
    Ok(E2eReport {
        args_line: format!(
            "{} alerts ({} probes), {} stories at {}/s for {} s after {} s of warm-up, {:.0} % marked, mix {:?}, seed {}",
            args.alerts,
            args.probes,
            total,
            args.rate,
            args.duration,
            args.warmup,
            args.marked * 100.0,
            args.mix,
            args.seed
        ),
        alerts: n,
        probes: args.probes,
        register_seconds: reg.seconds,
        register: reg.latency,
        register_errors: reg.errors,
        first_register_error: reg.first_error,
        sent: total,
        acked: acked_count,
        publish_errors,
        first_publish_error,
        achieved_rate: acked_count as f64 / publish_seconds.max(1e-9),
        publish: publish.summary(),
        delivery: seen.delivery.summary(),
        warmup_stories: clock.warmup,
        warmup_publish: warmup_publish.summary(),
        warmup_delivery: seen.warmup_delivery.summary(),
        hits: seen.hits,
        probe_expected,
        probe_received,
        probe_lost: probe_expected.saturating_sub(probe_received),
        probe_duplicates: seen.probe_duplicates,
        probe_unexpected: seen.probe_unexpected,
        lagged: seen.lagged,
        stream_error: seen.error,
        node_peak_rss: None,
    })
}

/// Whether the node process is gone (checked through /proc, as the node is borrowed).
fn node_gone(node: &Node) -> Option<String> {
    let pid = node.pid()?;
    (!std::path::Path::new(&format!("/proc/{pid}")).exists()).then(|| format!("pid {pid} is gone"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_words_are_distinct_and_one_analysed_term_each() {
        let words: Vec<String> = (0..PROBE_LETTERS.len().pow(3) as u64).map(probe_word).collect();
        let mut terms: Vec<String> = words
            .iter()
            .map(|w| {
                let t = herald_nlp::analyze(w);
                assert_eq!(t.len(), 1, "{w} analyses to {} terms", t.len());
                t.into_iter().map(|t| t.term).next().unwrap_or_default()
            })
            .collect();
        terms.sort_unstable();
        terms.dedup();
        assert_eq!(terms.len(), words.len(), "two probe words analyse alike");
    }

    #[test]
    fn about_the_asked_share_of_stories_is_marked_over_every_probe() {
        let marked: Vec<u64> = (0..100_000).filter_map(|i| probe_of(i, 0.25, 10)).collect();
        assert!((24_000..26_000).contains(&marked.len()), "{}", marked.len());
        assert!((0..10).all(|k| marked.contains(&k)));
        assert!((0..1000).all(|i| probe_of(i, 0.0, 10).is_none()));
    }

    #[test]
    fn a_marked_story_carries_its_probe_word_and_its_index() {
        let g = Generator::new(3);
        let body = story_json(&g, 42, Some(7));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let headline = v["headline"].as_str().unwrap_or_default();
        assert!(headline.ends_with(&probe_word(7)), "{headline}");
        assert_eq!(v["url"], format!("{URL_PREFIX}42"));
        let plain = story_json(&g, 42, None);
        let v: serde_json::Value = serde_json::from_slice(&plain).unwrap_or_default();
        assert!(!v["headline"].as_str().unwrap_or_default().contains("zqprobe"));
    }
}
