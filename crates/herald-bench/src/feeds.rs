//! `herald-bench feeds`: 10,000 RSS feeds served in process, imported into a real node
//! by OPML, then a full poll cycle in which every feed answers 304.
//!
//! The feed server listens on `--hosts` loopback addresses (127.0.1.1, 127.0.1.2, …,
//! one listener each, one port), so the node's per-host limit sees a spread of hosts as
//! it would on the open web instead of serialising everything behind one. Feed `i` lives
//! on host `i % hosts` at `/f/{i}.xml`: RSS 2.0 with `--items` items drawn from the
//! crate's generator (story `i * items + j`, so every item's text is its own), with an
//! ETag per feed and `304` for a matching `If-None-Match`. The server counts what it
//! answered per feed, which is how the 304 cycle proves every feed was asked and
//! answered "not modified".
//!
//! Phase 1 posts one OPML file to `/v1/feeds/import` and times it until `/healthz`
//! counts every item as a story. Phase 2 asks `POST /v1/feeds/{id}/poll` for every feed
//! (64 at a time): the same poll path (`Poller::poll_marked`) the scheduler runs, so its
//! wall time and the node's CPU time are those of a scheduled cycle. Item dates are two
//! hours apart, so the scheduler itself next wants each feed about an hour (half the gap)
//! after its first poll and stays out of both phases.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use herald_bench::generator::{Generator, MAX_SIZE};
use herald_bench::node::Node;
use herald_bench::report::{Check, Environment};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;
use tokio::sync::Semaphore;

/// Targets from issue 4 (Figures): the 304 cycle of 10,000 feeds.
const TARGET_CYCLE_SECONDS: f64 = 60.0;
const TARGET_CYCLE_CORES: f64 = 1.0;
/// The most feeds one run may serve (per-feed counters are 8 bytes each).
const MAX_FEEDS: u32 = 1_000_000;
const MAX_ITEMS: u32 = 1_000;
/// Loopback addresses 127.0.1.1 … : at most this many (they stay inside 127.0.0.0/8).
const MAX_HOSTS: u32 = 10_000;
/// Seconds between two items of a feed, in their `pubDate`s (newest first, ending now).
const ITEM_GAP_SECS: i64 = 2 * 3600;
/// How long a request to the node may take (listing 10,000 feeds is several MB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Phase 1 stops waiting when the story count has not moved for this long.
const STALL_TIMEOUT: Duration = Duration::from_secs(120);
/// After the last story is committed, how long each feed's health may take to show it.
const HEALTH_SETTLE: Duration = Duration::from_secs(60);
/// Longest wait for the index to catch up with the import before the poll cycle.
const INDEX_WAIT: Duration = Duration::from_secs(600);
/// Before the poll cycle the node must be idle: under this share of a core for one
/// [`QUIET_WINDOW`] (tantivy keeps merging segments for a while after the import).
const QUIET_CORES: f64 = 0.05;
const QUIET_WINDOW: Duration = Duration::from_secs(2);
/// Longest wait for the node to go quiet.
const QUIET_WAIT: Duration = Duration::from_secs(300);
/// How often the story count is read while waiting.
const POLL_EVERY: Duration = Duration::from_millis(200);
const PROGRESS_EVERY: Duration = Duration::from_secs(5);
/// Error texts are cut to this many bytes in the report.
const ERROR_MAX: usize = 300;

/// Reporters' names for `dc:creator` (invented).
const FIRST_NAMES: &[&str] = &[
    "Maren", "Tobias", "Ines", "Kwame", "Lucia", "Ravi", "Sofia", "Dmitri", "Aisha", "Pieter", "Noor",
    "Callum", "Yuki", "Teodora", "Emeka", "Solveig",
];
const LAST_NAMES: &[&str] = &[
    "Albrecht",
    "Okonjo",
    "Vasquez",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Tanaka",
    "Brennan",
    "Kowalczyk",
    "Adeyemi",
    "Castellanos",
    "Rahimi",
    "Ferreira",
    "Novak",
];
const CATEGORIES: &[&str] = &[
    "World",
    "Business",
    "Politics",
    "Science",
    "Technology",
    "Health",
    "Sport",
    "Culture",
    "Climate",
    "Markets",
];

#[derive(Args, Debug, Clone, Serialize)]
pub struct FeedsArgs {
    /// The herald binary to start (`herald serve`).
    #[arg(long, default_value = "target/release/herald")]
    herald: PathBuf,
    /// Directory for the node's temporary data directory (default: the system temp dir).
    #[arg(long)]
    data_root: Option<PathBuf>,
    /// Seed for the feeds' items.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Feeds served and imported.
    #[arg(long, default_value_t = 10_000)]
    feeds: u32,
    /// Items in each feed.
    #[arg(long, default_value_t = 20)]
    items: u32,
    /// Loopback addresses the feeds are spread over (127.0.1.1 …).
    #[arg(long, default_value_t = 100)]
    hosts: u32,
    /// Target size of each item's text, in bytes (as `herald-bench gen --size`).
    #[arg(long, default_value_t = 2048)]
    size: usize,
    /// `POST /v1/feeds/{id}/poll` requests in flight during the 304 cycle.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Hard deadline for the whole run, in seconds.
    #[arg(long, default_value_t = 3600)]
    deadline: u64,
    /// Print the result as JSON instead of Markdown.
    #[arg(long)]
    json: bool,
}

impl FeedsArgs {
    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (1..=MAX_FEEDS).contains(&self.feeds),
            "--feeds must be between 1 and {MAX_FEEDS}"
        );
        anyhow::ensure!(
            (1..=MAX_ITEMS).contains(&self.items),
            "--items must be between 1 and {MAX_ITEMS}"
        );
        anyhow::ensure!(
            (1..=MAX_HOSTS).contains(&self.hosts),
            "--hosts must be between 1 and {MAX_HOSTS}"
        );
        anyhow::ensure!(self.size <= MAX_SIZE, "--size must be at most {MAX_SIZE} bytes");
        anyhow::ensure!(
            (1..=1024).contains(&self.concurrency),
            "--concurrency must be between 1 and 1024"
        );
        anyhow::ensure!(self.deadline > 0, "--deadline must be at least 1 second");
        Ok(())
    }
}

/// Runs the benchmark and prints its report. Call before any other thread exists: it
/// sets the node's fetch allow-list in this process's environment, which the node inherits.
pub fn run(args: &FeedsArgs) -> anyhow::Result<()> {
    args.validate()?;
    // SAFETY: `main` calls this straight after parsing the command line, before the
    // runtime (or anything else) has started a thread, so nothing can read the
    // environment while it changes. The node's SSRF guard must let 127.0.0.0/8 through.
    unsafe { std::env::set_var("HERALD_FETCH_ALLOW", "127.0.0.0/8") };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let deadline = Duration::from_secs(args.deadline);
    let report = rt
        .block_on(async { tokio::time::timeout(deadline, bench(args)).await })
        .map_err(|_| {
            anyhow::anyhow!("the feeds benchmark did not finish within --deadline {deadline:?}")
        })??;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.markdown());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The feed server.

/// Every feed the server answers for, and what it answered.
struct FeedSite {
    generator: Generator,
    feeds: u32,
    items: u32,
    hosts: u32,
    port: u16,
    /// Unix seconds of the newest item of every feed (the server's start).
    epoch: i64,
    ok: Vec<AtomicU32>,
    not_modified: Vec<AtomicU32>,
    /// Requests for a path that is not a feed.
    unknown: AtomicU64,
    /// Body bytes sent with 200s.
    bytes: AtomicU64,
}

/// What the server had answered at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Served {
    ok: Vec<u32>,
    not_modified: Vec<u32>,
    unknown: u64,
    bytes: u64,
}

impl FeedSite {
    fn new(generator: Generator, feeds: u32, items: u32, hosts: u32, epoch: i64) -> FeedSite {
        FeedSite {
            generator,
            feeds,
            items,
            hosts,
            port: 0,
            epoch,
            ok: (0..feeds).map(|_| AtomicU32::new(0)).collect(),
            not_modified: (0..feeds).map(|_| AtomicU32::new(0)).collect(),
            unknown: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// The loopback address of host `h` (0-based): 127.0.1.1, …, 127.0.1.254, 127.0.2.1, …
    fn host_addr(h: u32) -> Ipv4Addr {
        let third = 1 + h / 254;
        let fourth = 1 + h % 254;
        Ipv4Addr::new(
            127,
            0,
            u8::try_from(third).unwrap_or(u8::MAX),
            u8::try_from(fourth).unwrap_or(u8::MAX),
        )
    }

    fn feed_host(&self, i: u32) -> Ipv4Addr {
        FeedSite::host_addr(i % self.hosts.max(1))
    }

    fn feed_url(&self, i: u32) -> String {
        format!("http://{}:{}/f/{i}.xml", self.feed_host(i), self.port)
    }

    /// The ETag of feed `i`: fixed for the server's life, cheap to compute, so a 304
    /// costs no rendering.
    fn etag(&self, i: u32) -> String {
        format!(
            "\"hb-{:x}-{}-{}-{i}\"",
            self.generator.seed(),
            self.epoch,
            self.items
        )
    }

    /// Feed `i` as an RSS 2.0 document.
    fn render(&self, i: u32) -> String {
        let host = format!("http://{}:{}", self.feed_host(i), self.port);
        let built = rfc2822(self.epoch);
        let mut x = String::with_capacity(self.items as usize * (self.generator.size() + 1200) + 1024);
        let _ = write!(
            x,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
             xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n\
             <title>Bench Desk {i}</title>\n<link>{host}/desk/{i}/</link>\n\
             <description>Synthetic news desk number {i} for the Herald feeds benchmark</description>\n\
             <language>en</language>\n<lastBuildDate>{built}</lastBuildDate>\n\
             <atom:link href=\"{host}/f/{i}.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n"
        );
        for j in 0..self.items {
            self.render_item(&mut x, &host, i, j);
        }
        x.push_str("</channel>\n</rss>\n");
        x
    }

    fn render_item(&self, x: &mut String, host: &str, i: u32, j: u32) {
        let index = u64::from(i) * u64::from(self.items) + u64::from(j);
        let story = self.generator.story(index);
        let pick = mix(self.generator.seed() ^ index);
        let creator = format!(
            "{} {}",
            pick_from(FIRST_NAMES, pick),
            pick_from(LAST_NAMES, pick >> 16)
        );
        let link = format!("{host}/desk/{i}/story/{j}.html");
        let published = rfc2822(self.epoch - i64::from(j) * ITEM_GAP_SECS);
        let headline = escape(&story.headline);
        let paragraphs: Vec<&str> = story
            .body
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .collect();
        let summary = paragraphs.first().map_or_else(String::new, |p| escape(p));
        let _ = write!(
            x,
            "<item>\n<title>{headline}</title>\n<link>{link}</link>\n\
             <guid isPermaLink=\"false\">herald-bench-{:x}-{i}-{j}</guid>\n\
             <pubDate>{published}</pubDate>\n<dc:creator>{creator}</dc:creator>\n\
             <category>{}</category>\n<category>{}</category>\n\
             <description>{summary}</description>\n<content:encoded><![CDATA[",
            self.generator.seed(),
            pick_from(CATEGORIES, pick >> 32),
            escape(&story.source.name),
        );
        // The body as a CMS would publish it: paragraphs, a photo with a caption after
        // the lead, a share widget script and a tracking pixel that sanitising drops.
        let mut html = String::with_capacity(story.body.len() + 600);
        for (n, p) in paragraphs.iter().enumerate() {
            let _ = write!(html, "<p>{}</p>", escape(p));
            if n == 0 {
                let _ = write!(
                    html,
                    "<figure><img src=\"{host}/img/{i}-{j}.jpg\" alt=\"{headline}\" width=\"1200\" height=\"675\"/>\
                     <figcaption>{headline} (Photo: {creator})</figcaption></figure>"
                );
            }
        }
        let _ = write!(
            html,
            "<p><em>Reporting by {creator}; editing by the desk.</em></p>\
             <script>window.shareWidget&&shareWidget('{i}-{j}')</script>\
             <img src=\"{host}/pixel.gif?f={i}&amp;i={j}\" width=\"1\" height=\"1\" alt=\"\"/>"
        );
        // `]]>` cannot appear inside CDATA: split it across two sections.
        x.push_str(&html.replace("]]>", "]]]]><![CDATA[>"));
        x.push_str("]]></content:encoded>\n</item>\n");
    }

    fn snapshot(&self) -> Served {
        Served {
            ok: self.ok.iter().map(|c| c.load(Ordering::Relaxed)).collect(),
            not_modified: self
                .not_modified
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
            unknown: self.unknown.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

/// `/f/{i}.xml` → `i`, if it names a feed the site has.
fn feed_index(file: &str, feeds: u32) -> Option<u32> {
    let i: u32 = file.strip_suffix(".xml")?.parse().ok()?;
    (i < feeds).then_some(i)
}

/// Whether an `If-None-Match` value matches `etag` (a list, weak tags and `*` included).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|tag| {
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.strip_prefix("W/").unwrap_or(etag)
    })
}

async fn serve_feed(
    State(site): State<Arc<FeedSite>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(i) = feed_index(&file, site.feeds) else {
        site.unknown.fetch_add(1, Ordering::Relaxed);
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = site.etag(i);
    let Ok(etag_value) = HeaderValue::from_str(&etag) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let matched = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, &etag));
    let idx = i as usize;
    if matched {
        if let Some(c) = site.not_modified.get(idx) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    let body = site.render(i);
    if let Some(c) = site.ok.get(idx) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    site.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/rss+xml; charset=utf-8"),
            ),
            (header::ETAG, etag_value),
        ],
        body,
    )
        .into_response()
}

/// A running feed server; dropping it stops every listener.
struct SiteServer {
    site: Arc<FeedSite>,
    /// Held, not read: dropping the set aborts every listener.
    _listeners: tokio::task::JoinSet<()>,
}

impl SiteServer {
    /// Binds one listener per host address on one port (a free one found on the first
    /// address; tried again on another if a later address has it taken) and serves.
    async fn start(mut site: FeedSite) -> anyhow::Result<SiteServer> {
        let mut last_error = None;
        for _attempt in 0..10 {
            let first = tokio::net::TcpListener::bind(SocketAddr::from((FeedSite::host_addr(0), 0)))
                .await
                .with_context(|| format!("cannot listen on {}", FeedSite::host_addr(0)))?;
            let port = first.local_addr().context("no local address")?.port();
            let mut listeners = vec![first];
            for h in 1..site.hosts {
                let addr = SocketAddr::from((FeedSite::host_addr(h), port));
                match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => listeners.push(l),
                    Err(e) => {
                        last_error = Some(format!("cannot listen on {addr}: {e}"));
                        break;
                    }
                }
            }
            if listeners.len() as u32 != site.hosts {
                continue;
            }
            site.port = port;
            let site = Arc::new(site);
            let app = axum::Router::new()
                .route("/f/{file}", axum::routing::get(serve_feed))
                .with_state(Arc::clone(&site));
            let mut tasks = tokio::task::JoinSet::new();
            for l in listeners {
                let app = app.clone();
                tasks.spawn(async move {
                    if let Err(e) = axum::serve(l, app).await {
                        eprintln!("feeds: a feed listener stopped: {e}");
                    }
                });
            }
            return Ok(SiteServer {
                site,
                _listeners: tasks,
            });
        }
        anyhow::bail!(
            "cannot bind the {} feed hosts on one port: {}",
            site.hosts,
            last_error.unwrap_or_default()
        )
    }
}

/// An OPML 2.0 file following every feed of the site, in one folder.
fn opml(site: &FeedSite) -> String {
    let mut o = String::with_capacity(site.feeds as usize * 110 + 256);
    o.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n\
         <head><title>herald-bench feeds</title></head>\n<body>\n\
         <outline text=\"Bench\" title=\"Bench\">\n",
    );
    for i in 0..site.feeds {
        let _ = writeln!(
            o,
            "<outline type=\"rss\" text=\"Bench Desk {i}\" title=\"Bench Desk {i}\" xmlUrl=\"{}\"/>",
            site.feed_url(i)
        );
    }
    o.push_str("</outline>\n</body>\n</opml>\n");
    o
}

// ---------------------------------------------------------------------------------------
// Text helpers.

fn escape(s: &str) -> String {
    herald_ingest::out::escape_xml(s).into_owned()
}

fn rfc2822(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
        .unwrap_or_else(|| "Tue, 24 Nov 2026 00:00:00 +0000".to_owned())
}

/// splitmix64: a well-spread value from any input.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick_from(list: &[&'static str], r: u64) -> &'static str {
    let len = list.len().max(1) as u64;
    list.get((r % len) as usize).copied().unwrap_or("")
}

fn cut(s: &str) -> String {
    let mut end = s.len().min(ERROR_MAX);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

// ---------------------------------------------------------------------------------------
// CPU time of a process.

/// utime + stime, in clock ticks, from the text of `/proc/PID/stat`.
fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold spaces: count fields
    // from after its closing parenthesis, where field 3 (state) comes first.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux this runs on).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// CPU seconds (user + system, all threads) used so far by process `pid` (`self` for this one).
fn cpu_seconds(pid: &str, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    Some(stat_ticks(&stat)? as f64 / ticks)
}

// ---------------------------------------------------------------------------------------
// Talking to the node.

#[derive(Deserialize)]
struct Healthz {
    #[serde(default)]
    stories: u64,
    #[serde(default)]
    last_seq: u64,
    #[serde(default)]
    indexed_seq: u64,
}

#[derive(Deserialize)]
struct FeedList {
    feeds: Vec<ListedFeed>,
}

#[derive(Deserialize)]
struct ListedFeed {
    id: String,
    url: String,
    #[serde(default)]
    health: ListedHealth,
}

#[derive(Deserialize, Default)]
struct ListedHealth {
    #[serde(default)]
    last_http_status: Option<u16>,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    items_seen: u64,
}

struct NodeApi {
    http: reqwest::Client,
    base: String,
}

impl NodeApi {
    fn new(base: &str, connections: usize) -> anyhow::Result<NodeApi> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .context("cannot build the HTTP client")?;
        Ok(NodeApi {
            http,
            base: base.to_owned(),
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<(u16, Vec<u8>)> {
        let resp = req.send().await.with_context(|| format!("{what} failed"))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .with_context(|| format!("{what}: the answer broke off"))?;
        Ok((status, body.to_vec()))
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let (status, body) = self.send(self.http.get(&url), &format!("GET {url}")).await?;
        anyhow::ensure!(
            status == 200,
            "GET {url} answered {status}: {}",
            cut(&String::from_utf8_lossy(&body))
        );
        serde_json::from_slice(&body).with_context(|| format!("GET {url}: not the expected JSON"))
    }

    async fn stories(&self) -> anyhow::Result<u64> {
        Ok(self.get_json::<Healthz>("/healthz").await?.stories)
    }

    /// Waits until search has indexed every committed story (at most `limit`), so the
    /// indexer's backlog from the import is not counted as the poll cycle's CPU.
    async fn wait_indexed(&self, limit: Duration) -> anyhow::Result<bool> {
        let start = Instant::now();
        loop {
            let h = self.get_json::<Healthz>("/healthz").await?;
            if h.indexed_seq >= h.last_seq {
                return Ok(true);
            }
            if start.elapsed() >= limit {
                return Ok(false);
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    async fn feeds(&self) -> anyhow::Result<Vec<ListedFeed>> {
        Ok(self.get_json::<FeedList>("/v1/feeds").await?.feeds)
    }

    async fn import(&self, opml: String) -> anyhow::Result<Value> {
        let url = format!("{}/v1/feeds/import", self.base);
        let req = self
            .http
            .post(&url)
            .header(header::CONTENT_TYPE, "text/x-opml")
            .body(opml);
        let (status, body) = self.send(req, &format!("POST {url}")).await?;
        anyhow::ensure!(
            status == 200,
            "POST {url} answered {status}: {}",
            cut(&String::from_utf8_lossy(&body))
        );
        serde_json::from_slice(&body).with_context(|| format!("POST {url}: not the expected JSON"))
    }

    /// `POST /v1/feeds/{id}/poll` → the poll's `outcome` and `http_status`.
    async fn poll(&self, id: &str) -> anyhow::Result<(String, Option<u64>)> {
        let url = format!("{}/v1/feeds/{id}/poll", self.base);
        let (status, body) = self.send(self.http.post(&url), &format!("POST {url}")).await?;
        anyhow::ensure!(
            status == 200,
            "POST {url} answered {status}: {}",
            cut(&String::from_utf8_lossy(&body))
        );
        let v: Value = serde_json::from_slice(&body).with_context(|| format!("POST {url}: not JSON"))?;
        let outcome = v["poll"]["outcome"].as_str().unwrap_or("(none)").to_owned();
        Ok((outcome, v["poll"]["http_status"].as_u64()))
    }
}

// ---------------------------------------------------------------------------------------
// The benchmark.

/// Phase 1: OPML import until every item is a story.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPhase {
    pub added: u64,
    pub import_errors: u64,
    pub expected_stories: u64,
    pub stories: u64,
    /// Every expected story was counted before the wait gave up.
    pub complete: bool,
    pub seconds: f64,
    pub stories_per_second: f64,
    pub node_cpu_seconds: f64,
    /// Feeds whose health shows 200, no error, and every item seen.
    pub feeds_healthy: u64,
    pub feeds_listed: u64,
    pub first_unhealthy: Option<String>,
    pub served_200: u64,
    pub served_304: u64,
    pub served_bytes: u64,
    /// Seconds from the last story to the index holding every story (waited for
    /// before the poll cycle); `None` if it had not caught up within the limit.
    pub index_catch_up_seconds: Option<f64>,
    /// Seconds from the index catching up to the node going idle (background segment
    /// merges), waited for so that the cycle's CPU is the cycle's own; `None` if the
    /// node never went quiet within the limit.
    pub quiet_after_seconds: Option<f64>,
}

/// Phase 2: one poll of every feed, each answered 304.
#[derive(Debug, Clone, Serialize)]
pub struct CyclePhase {
    pub polls: u64,
    pub seconds: f64,
    pub node_cpu_seconds: f64,
    /// Node CPU seconds per wall second.
    pub cores: f64,
    /// What the node said each poll did (`not_modified`, `ok`, `error`, …).
    pub outcomes: BTreeMap<String, u64>,
    pub request_errors: u64,
    pub first_error: Option<String>,
    /// 304s the feed server sent during the cycle, and to how many distinct feeds.
    pub served_304: u64,
    pub feeds_answered_304: u64,
    /// 200s the feed server sent during the cycle (should be none).
    pub served_200: u64,
    pub stories_before: u64,
    pub stories_after: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedsReport {
    pub environment: Environment,
    pub params: FeedsArgs,
    /// `HERALD_*` variables the node ran with.
    pub node_env: Vec<(String, String)>,
    pub import: ImportPhase,
    pub cycle: CyclePhase,
    /// CPU seconds this process (feed server and client) used over both phases.
    pub bench_cpu_seconds: f64,
    pub node_peak_rss_bytes: Option<u64>,
    pub checks: Vec<Check>,
}

async fn bench(args: &FeedsArgs) -> anyhow::Result<FeedsReport> {
    let environment = Environment::detect(&args.herald);
    let generator = Generator::with_size(args.seed, args.size)?;
    let epoch = OffsetDateTime::now_utc().unix_timestamp();
    let server = SiteServer::start(FeedSite::new(
        generator, args.feeds, args.items, args.hosts, epoch,
    ))
    .await?;
    let site = Arc::clone(&server.site);
    eprintln!(
        "feeds: serving {} feeds × {} items on {} hosts ({} … {}), port {}",
        args.feeds,
        args.items,
        args.hosts,
        FeedSite::host_addr(0),
        FeedSite::host_addr(args.hosts - 1),
        site.port
    );
    let mut node = Node::start(&args.herald, args.data_root.as_deref()).await?;
    eprintln!("feeds: node up at {}", node.base_url());
    let result = on_node(args, &site, &node).await;
    let result = match result {
        Err(e) => match node.exited() {
            Some(status) => Err(e.context(format!(
                "the node exited ({status}); its stderr ended with:\n{}",
                node.stderr_tail()
            ))),
            None => Err(e),
        },
        Ok(r) => Ok(r),
    };
    let peak = node.peak_rss_bytes();
    node.stop().await;
    drop(server);
    let (import, cycle, bench_cpu_seconds) = result?;
    let node_env = std::env::vars()
        .filter(|(k, _)| k.starts_with("HERALD_"))
        .collect();
    let checks = checks(&import, &cycle, args.feeds);
    Ok(FeedsReport {
        environment,
        params: args.clone(),
        node_env,
        import,
        cycle,
        bench_cpu_seconds,
        node_peak_rss_bytes: peak,
        checks,
    })
}

async fn on_node(
    args: &FeedsArgs,
    site: &Arc<FeedSite>,
    node: &Node,
) -> anyhow::Result<(ImportPhase, CyclePhase, f64)> {
    let ticks = clock_ticks();
    let pid = node
        .pid()
        .map(|p| p.to_string())
        .context("the node has no process id")?;
    let node_cpu = || cpu_seconds(&pid, ticks).unwrap_or(0.0);
    let api = NodeApi::new(node.base_url(), args.concurrency)?;
    let bench_cpu0 = cpu_seconds("self", ticks).unwrap_or(0.0);
    let import = import_phase(args, site, &api, &node_cpu).await?;
    let cycle = cycle_phase(args, site, &api, &node_cpu).await?;
    let bench_cpu = cpu_seconds("self", ticks).unwrap_or(0.0) - bench_cpu0;
    Ok((import, cycle, bench_cpu))
}

async fn import_phase(
    args: &FeedsArgs,
    site: &FeedSite,
    api: &NodeApi,
    node_cpu: &impl Fn() -> f64,
) -> anyhow::Result<ImportPhase> {
    let expected = u64::from(args.feeds) * u64::from(args.items);
    let doc = opml(site);
    eprintln!(
        "feeds: phase 1: importing {} feeds ({:.1} MB of OPML), waiting for {expected} stories",
        args.feeds,
        doc.len() as f64 / 1e6
    );
    let before = site.snapshot();
    let cpu0 = node_cpu();
    let start = Instant::now();
    let answer = api.import(doc).await?;
    let added = answer["added"].as_u64().unwrap_or(0);
    let import_errors = answer["errors"].as_array().map_or(0, |e| e.len() as u64);
    if let Some(first) = answer["errors"].get(0) {
        eprintln!("feeds: the import refused a feed: {first}");
    }
    eprintln!(
        "feeds: import answered after {:.2} s: {added} added, {import_errors} refused",
        start.elapsed().as_secs_f64()
    );

    let mut stories = 0;
    let mut last_change = Instant::now();
    let mut last_progress = Instant::now();
    let complete = loop {
        let now = api.stories().await?;
        if now != stories {
            stories = now;
            last_change = Instant::now();
        }
        if stories >= expected {
            break true;
        }
        if last_change.elapsed() >= STALL_TIMEOUT {
            eprintln!(
                "feeds: phase 1: the story count stayed at {stories} for {STALL_TIMEOUT:?}; giving up waiting"
            );
            break false;
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            let secs = start.elapsed().as_secs_f64();
            eprintln!(
                "feeds: phase 1: {stories}/{expected} stories after {secs:.0} s ({:.0}/s)",
                stories as f64 / secs
            );
        }
        tokio::time::sleep(POLL_EVERY).await;
    };
    // The clock stops when the last story is counted (or when the wait gave up, in
    // which case the time includes the stall and the report says it is incomplete).
    let seconds = start.elapsed().as_secs_f64();
    let node_cpu_seconds = node_cpu() - cpu0;
    eprintln!(
        "feeds: phase 1: {stories} stories in {seconds:.1} s, node CPU {node_cpu_seconds:.1} s; checking feed health"
    );

    // A poll records its health just after its stories are committed: give the last
    // ones a moment before judging.
    let settle = Instant::now();
    let (healthy, listed, first_unhealthy) = loop {
        let feeds = api.feeds().await?;
        let mut healthy = 0u64;
        let mut first_bad = None;
        for f in &feeds {
            let h = &f.health;
            if h.last_http_status == Some(200)
                && h.last_error.is_none()
                && h.items_seen >= u64::from(args.items)
            {
                healthy += 1;
            } else if first_bad.is_none() {
                first_bad = Some(format!(
                    "{} ({}): status {:?}, error {:?}, items seen {}",
                    f.id,
                    f.url,
                    h.last_http_status,
                    h.last_error.as_deref().map(cut),
                    h.items_seen
                ));
            }
        }
        let listed = feeds.len() as u64;
        if (healthy == listed && listed == u64::from(args.feeds)) || settle.elapsed() >= HEALTH_SETTLE {
            break (healthy, listed, first_bad);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let after = site.snapshot();
    eprintln!("feeds: phase 1: waiting for the search index to catch up before the poll cycle");
    let caught_up = api.wait_indexed(INDEX_WAIT).await?;
    let index_catch_up_seconds = caught_up.then(|| start.elapsed().as_secs_f64() - seconds);
    eprintln!("feeds: phase 1: waiting for the node to go idle (segment merges) before the poll cycle");
    let quiet_after_seconds = wait_quiet(node_cpu).await;
    Ok(ImportPhase {
        added,
        import_errors,
        expected_stories: expected,
        stories,
        complete,
        seconds,
        stories_per_second: if seconds > 0.0 {
            stories as f64 / seconds
        } else {
            0.0
        },
        node_cpu_seconds,
        feeds_healthy: healthy,
        feeds_listed: listed,
        first_unhealthy,
        served_200: sum_delta(&before.ok, &after.ok),
        served_304: sum_delta(&before.not_modified, &after.not_modified),
        served_bytes: after.bytes - before.bytes,
        index_catch_up_seconds,
        quiet_after_seconds,
    })
}

/// Waits until the node uses less than [`QUIET_CORES`] over a [`QUIET_WINDOW`]; answers
/// how long that took, or `None` after [`QUIET_WAIT`].
async fn wait_quiet(node_cpu: &impl Fn() -> f64) -> Option<f64> {
    let start = Instant::now();
    while start.elapsed() < QUIET_WAIT {
        let before = node_cpu();
        tokio::time::sleep(QUIET_WINDOW).await;
        if node_cpu() - before < QUIET_CORES * QUIET_WINDOW.as_secs_f64() {
            return Some(start.elapsed().as_secs_f64());
        }
    }
    None
}

fn sum_delta(before: &[u32], after: &[u32]) -> u64 {
    before
        .iter()
        .zip(after)
        .map(|(b, a)| u64::from(a.saturating_sub(*b)))
        .sum()
}

async fn cycle_phase(
    args: &FeedsArgs,
    site: &FeedSite,
    api: &NodeApi,
    node_cpu: &impl Fn() -> f64,
) -> anyhow::Result<CyclePhase> {
    let feeds = api.feeds().await?;
    let ids: Vec<String> = feeds.into_iter().map(|f| f.id).collect();
    eprintln!(
        "feeds: phase 2: polling {} feeds, {} at a time; each should answer 304",
        ids.len(),
        args.concurrency
    );
    let stories_before = api.stories().await?;
    let before = site.snapshot();
    let cpu0 = node_cpu();
    let start = Instant::now();

    let limit = Arc::new(Semaphore::new(args.concurrency));
    let api = Arc::new(NodeApi {
        http: api.http.clone(),
        base: api.base.clone(),
    });
    let mut tasks = tokio::task::JoinSet::new();
    let mut tally = Tally::default();
    let mut last_progress = Instant::now();
    for id in ids {
        let Ok(permit) = Arc::clone(&limit).acquire_owned().await else {
            break;
        };
        let api = Arc::clone(&api);
        tasks.spawn(async move {
            let r = api.poll(&id).await;
            drop(permit);
            r.map_err(|e| format!("{e:#}"))
        });
        // Reap finished polls as we go, so the set stays about as small as the concurrency.
        while let Some(joined) = tasks.try_join_next() {
            tally.add(joined);
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            eprintln!(
                "feeds: phase 2: {} polls done after {:.0} s",
                tally.polls,
                start.elapsed().as_secs_f64()
            );
        }
    }
    while let Some(joined) = tasks.join_next().await {
        tally.add(joined);
    }
    let seconds = start.elapsed().as_secs_f64();
    let node_cpu_seconds = node_cpu() - cpu0;
    let after = site.snapshot();
    let stories_after = api.stories().await?;
    let feeds_answered_304 = before
        .not_modified
        .iter()
        .zip(&after.not_modified)
        .filter(|(b, a)| a > b)
        .count() as u64;
    let Tally {
        polls,
        outcomes,
        request_errors,
        first_error,
    } = tally;
    eprintln!(
        "feeds: phase 2: {polls} polls in {seconds:.2} s, node CPU {node_cpu_seconds:.2} s; \
         {feeds_answered_304} feeds answered 304"
    );
    Ok(CyclePhase {
        polls,
        seconds,
        node_cpu_seconds,
        cores: if seconds > 0.0 {
            node_cpu_seconds / seconds
        } else {
            0.0
        },
        outcomes,
        request_errors,
        first_error,
        served_304: sum_delta(&before.not_modified, &after.not_modified),
        feeds_answered_304,
        served_200: sum_delta(&before.ok, &after.ok),
        stories_before,
        stories_after,
    })
}

/// What the polls of the 304 cycle answered, as they finish.
#[derive(Default)]
struct Tally {
    polls: u64,
    outcomes: BTreeMap<String, u64>,
    request_errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn add(&mut self, joined: Result<Result<(String, Option<u64>), String>, tokio::task::JoinError>) {
        self.polls += 1;
        match joined {
            Ok(Ok((outcome, status))) => {
                let key = match status {
                    Some(s) => format!("{outcome} ({s})"),
                    None => outcome,
                };
                *self.outcomes.entry(key).or_default() += 1;
            }
            Ok(Err(e)) => {
                self.request_errors += 1;
                self.first_error.get_or_insert_with(|| cut(&e));
            }
            Err(e) => {
                self.request_errors += 1;
                self.first_error
                    .get_or_insert_with(|| format!("a poll task failed: {e}"));
            }
        }
    }
}

/// The targets and the correctness conditions, each met or missed.
fn checks(import: &ImportPhase, cycle: &CyclePhase, feeds: u32) -> Vec<Check> {
    let feeds = u64::from(feeds);
    vec![
        Check {
            what: "stories committed after import".into(),
            target: import.expected_stories.to_string(),
            value: import.stories.to_string(),
            met: import.complete && import.stories == import.expected_stories,
        },
        Check {
            what: "feeds at 200, no error, every item seen".into(),
            target: feeds.to_string(),
            value: import.feeds_healthy.to_string(),
            met: import.feeds_healthy == feeds,
        },
        Check {
            what: "304 cycle wall time".into(),
            target: format!("< {TARGET_CYCLE_SECONDS:.0} s"),
            value: format!("{:.2} s", cycle.seconds),
            met: cycle.polls == feeds && cycle.seconds < TARGET_CYCLE_SECONDS,
        },
        Check {
            what: "304 cycle node CPU / wall".into(),
            target: format!("< {TARGET_CYCLE_CORES:.0} core"),
            value: format!("{:.2} cores", cycle.cores),
            met: cycle.polls == feeds && cycle.cores < TARGET_CYCLE_CORES,
        },
        Check {
            what: "feeds that answered 304 (server count)".into(),
            target: feeds.to_string(),
            value: cycle.feeds_answered_304.to_string(),
            met: cycle.feeds_answered_304 == feeds && cycle.served_200 == 0,
        },
        Check {
            what: "polls the node reported as not_modified (304)".into(),
            target: feeds.to_string(),
            value: cycle
                .outcomes
                .get("not_modified (304)")
                .copied()
                .unwrap_or(0)
                .to_string(),
            met: cycle.outcomes.get("not_modified (304)").copied() == Some(feeds),
        },
        Check {
            what: "stories added by the 304 cycle".into(),
            target: "0".into(),
            value: cycle
                .stories_after
                .saturating_sub(cycle.stories_before)
                .to_string(),
            met: cycle.stories_after == cycle.stories_before,
        },
    ]
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**missed**" }
}

impl FeedsReport {
    /// The Markdown section for BENCHMARKS.md.
    pub fn markdown(&self) -> String {
        let e = &self.environment;
        let p = &self.params;
        let (i, c) = (&self.import, &self.cycle);
        let mut m = String::new();
        let _ = writeln!(m, "## herald-bench feeds, {}\n", e.date);
        let _ = writeln!(m, "* Machine: `{}`, {} ({} cores)", e.uname, e.cpu, e.cores);
        let _ = writeln!(m, "* Node: `{}`", e.herald);
        let _ = writeln!(m, "* Command: `{}`", e.command);
        let env: Vec<String> = self.node_env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(m, "* Node environment: `{}`", env.join(" "));
        let _ = writeln!(
            m,
            "* {} RSS 2.0 feeds × {} items (~{} bytes of text each, HTML with a photo, a script \
             and a tracking pixel) served in process from {} loopback addresses; ETag per feed.\n",
            p.feeds, p.items, p.size, p.hosts
        );
        let _ = writeln!(m, "### Import: OPML → every item a committed story\n");
        let _ = writeln!(m, "| metric | value |");
        let _ = writeln!(m, "|---|---|");
        let _ = writeln!(
            m,
            "| feeds added by the import | {} ({} refused) |",
            i.added, i.import_errors
        );
        let _ = writeln!(
            m,
            "| stories committed | {} of {} |",
            i.stories, i.expected_stories
        );
        let _ = writeln!(m, "| wall time, POST → last story | {:.1} s |", i.seconds);
        let _ = writeln!(m, "| stories/s | {:.0} |", i.stories_per_second);
        let _ = writeln!(
            m,
            "| node CPU | {:.1} s ({:.2} cores) |",
            i.node_cpu_seconds,
            ratio(i.node_cpu_seconds, i.seconds)
        );
        let _ = writeln!(
            m,
            "| feed server answered | {} × 200 ({:.1} MB), {} × 304 |",
            i.served_200,
            i.served_bytes as f64 / 1e6,
            i.served_304
        );
        let _ = writeln!(
            m,
            "| feeds healthy (200, no error) | {} of {} listed |",
            i.feeds_healthy, i.feeds_listed
        );
        let _ = writeln!(
            m,
            "| search index caught up (waited before the cycle) | {} |",
            i.index_catch_up_seconds.map_or_else(
                || "not within the wait".to_owned(),
                |s| format!("{s:.1} s after the last story")
            )
        );
        let _ = writeln!(
            m,
            "| node idle (merges done; waited before the cycle) | {} |",
            i.quiet_after_seconds.map_or_else(
                || "not within the wait".to_owned(),
                |s| format!("{s:.1} s after the index caught up")
            )
        );
        if let Some(bad) = &i.first_unhealthy {
            let _ = writeln!(m, "| first unhealthy feed | {} |", bad.replace('|', "/"));
        }
        let _ = writeln!(m, "\n### Poll cycle: every feed answers 304\n");
        let _ = writeln!(
            m,
            "`POST /v1/feeds/{{id}}/poll` for every feed, {} in flight: the scheduler's own poll \
             path (conditional GET, health and next-poll update), without waiting the ~{} minutes \
             until the feeds fall due.\n",
            p.concurrency,
            ITEM_GAP_SECS / 120
        );
        let _ = writeln!(m, "| metric | value |");
        let _ = writeln!(m, "|---|---|");
        let _ = writeln!(m, "| polls | {} |", c.polls);
        let _ = writeln!(
            m,
            "| wall time | {:.2} s ({:.0} polls/s) |",
            c.seconds,
            ratio(c.polls as f64, c.seconds)
        );
        let _ = writeln!(
            m,
            "| node CPU | {:.2} s ({:.2} cores) |",
            c.node_cpu_seconds, c.cores
        );
        // The cycle runs flat out, so CPU / wall says how busy the node was while it ran;
        // CPU per poll says what a scheduled cycle, spread over its interval, costs.
        let _ = writeln!(
            m,
            "| node CPU per poll | {:.3} ms |",
            ratio(c.node_cpu_seconds * 1000.0, c.polls as f64)
        );
        let outcomes: Vec<String> = c.outcomes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let _ = writeln!(m, "| node's poll outcomes | {} |", outcomes.join(", "));
        let _ = writeln!(
            m,
            "| feed server answered | {} × 304 to {} feeds, {} × 200 |",
            c.served_304, c.feeds_answered_304, c.served_200
        );
        let _ = writeln!(
            m,
            "| stories before → after | {} → {} |",
            c.stories_before, c.stories_after
        );
        let _ = writeln!(m, "| request errors | {} |", c.request_errors);
        if let Some(err) = &c.first_error {
            let _ = writeln!(m, "| first error | {} |", err.replace('|', "/"));
        }
        let _ = writeln!(
            m,
            "\nBench process (feed server + client) CPU over both phases: {:.1} s; node peak RSS {}.\n",
            self.bench_cpu_seconds,
            self.node_peak_rss_bytes
                .map_or_else(|| "unknown".to_owned(), |b| format!("{:.1} MB", b as f64 / 1e6))
        );
        let _ = writeln!(m, "| check | value | target | |");
        let _ = writeln!(m, "|---|---|---|---|");
        for ch in &self.checks {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                ch.what,
                ch.value,
                ch.target,
                verdict(ch.met)
            );
        }
        m
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(feeds: u32, items: u32, hosts: u32) -> FeedSite {
        let generator = Generator::with_size(7, 1024).expect("generator");
        let mut s = FeedSite::new(generator, feeds, items, hosts, 1_795_000_000);
        s.port = 8080;
        s
    }

    #[test]
    fn a_served_feed_reads_back_through_herald_s_parser_with_every_field() {
        let s = site(10, 5, 3);
        let doc = s.render(4);
        let url = s.feed_url(4);
        assert_eq!(url, "http://127.0.1.2:8080/f/4.xml");
        let parsed = herald_ingest::parse::parse_feed(doc.as_bytes(), Some("application/rss+xml"), &url)
            .expect("the feed parses");
        assert_eq!(parsed.title, "Bench Desk 4");
        assert_eq!(parsed.items.len(), 5);
        let mut guids = std::collections::HashSet::new();
        let mut texts = std::collections::HashSet::new();
        for (j, item) in parsed.items.iter().enumerate() {
            let story = s.generator.story(4 * 5 + j as u64);
            assert_eq!(
                item.title, story.headline,
                "item {j}: entities come back unescaped"
            );
            assert!(guids.insert(item.guid.clone().expect("guid")), "guids differ");
            assert!(texts.insert(item.text.clone()), "every item's text is its own");
            assert_eq!(
                item.link.as_deref(),
                Some(format!("http://127.0.1.2:8080/desk/4/story/{j}.html").as_str())
            );
            assert!(
                item.author.as_deref().is_some_and(|a| a.contains(' ')),
                "{:?}",
                item.author
            );
            assert_eq!(item.categories.len(), 2, "{:?}", item.categories);
            let published = item.published.expect("pubDate").unix_timestamp();
            assert_eq!(published, 1_795_000_000 - j as i64 * ITEM_GAP_SECS);
            assert!(!item.summary_only, "content:encoded carries the whole text");
            // The article's paragraphs are there, the script and the pixel are not.
            let last = story.body.split("\n\n").last().expect("a paragraph");
            assert!(item.text.contains(last.trim()), "text: {}", item.text);
            assert!(!item.text.contains("shareWidget"), "script kept: {}", item.text);
            assert!(!item.text.contains("pixel.gif"), "pixel kept: {}", item.text);
        }
    }

    #[test]
    fn if_none_match_is_compared_as_http_does() {
        let tag = "\"hb-7-1-20-3\"";
        assert!(etag_matches(tag, tag));
        assert!(etag_matches("W/\"hb-7-1-20-3\"", tag));
        assert!(etag_matches("\"other\", \"hb-7-1-20-3\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"hb-7-1-20-30\"", tag));
        assert!(!etag_matches("", tag));
        assert_eq!(feed_index("12.xml", 20), Some(12));
        assert_eq!(feed_index("20.xml", 20), None);
        assert_eq!(feed_index("12.rss", 20), None);
        assert_eq!(feed_index("-1.xml", 20), None);
    }

    #[test]
    fn hosts_stay_inside_loopback_and_feeds_spread_over_them() {
        assert_eq!(FeedSite::host_addr(0), Ipv4Addr::new(127, 0, 1, 1));
        assert_eq!(FeedSite::host_addr(253), Ipv4Addr::new(127, 0, 1, 254));
        assert_eq!(FeedSite::host_addr(254), Ipv4Addr::new(127, 0, 2, 1));
        assert!(FeedSite::host_addr(MAX_HOSTS - 1).is_loopback());
        let s = site(1000, 1, 100);
        let doc = opml(&s);
        let feeds = herald_ingest::opml::parse(doc.as_bytes()).expect("the OPML parses");
        assert_eq!(feeds.len(), 1000);
        let urls: std::collections::HashSet<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
        assert_eq!(urls.len(), 1000, "every feed once");
        let hosts: std::collections::HashSet<&str> =
            feeds.iter().filter_map(|f| f.url.split('/').nth(2)).collect();
        assert_eq!(hosts.len(), 100);
        assert!(feeds.iter().all(|f| f.tags == ["Bench"]), "{:?}", feeds.first());
    }

    #[tokio::test]
    async fn the_server_answers_200_then_304_and_counts_both() {
        let server = SiteServer::start(site(6, 3, 3)).await.expect("server starts");
        let s = Arc::clone(&server.site);
        let http = reqwest::Client::builder().no_proxy().build().expect("client");
        // Feed 5 lives on the third host; every host answers on the same port.
        let url = s.feed_url(5);
        assert!(url.starts_with("http://127.0.1.3:"), "{url}");
        let first = http.get(&url).send().await.expect("GET");
        assert_eq!(first.status().as_u16(), 200);
        let etag = first
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .expect("an ETag")
            .to_owned();
        assert!(
            first
                .text()
                .await
                .expect("body")
                .contains("<title>Bench Desk 5</title>")
        );
        let again = http
            .get(&url)
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(again.status().as_u16(), 304);
        assert!(again.bytes().await.expect("body").is_empty());
        let stale = http
            .get(&url)
            .header(header::IF_NONE_MATCH, "\"old\"")
            .send()
            .await
            .expect("GET");
        assert_eq!(stale.status().as_u16(), 200);
        let missing = http
            .get(url.replace("/5.xml", "/6.xml"))
            .send()
            .await
            .expect("GET");
        assert_eq!(missing.status().as_u16(), 404);
        let served = s.snapshot();
        assert_eq!(served.ok, [0, 0, 0, 0, 0, 2]);
        assert_eq!(served.not_modified, [0, 0, 0, 0, 0, 1]);
        assert_eq!(served.unknown, 1);
        assert!(served.bytes > 1000);
    }

    #[test]
    fn cpu_ticks_are_read_past_a_command_name_with_spaces() {
        let stat = "4242 (herald (x) y) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 567 0 0 20 0 9 0 100 0 0";
        assert_eq!(stat_ticks(stat), Some(1234 + 567));
        assert_eq!(stat_ticks("garbage"), None);
        let own = cpu_seconds("self", clock_ticks());
        assert!(own.is_some_and(|s| s >= 0.0), "{own:?}");
    }

    fn phases(cycle_seconds: f64, cycle_cpu: f64, answered: u64) -> (ImportPhase, CyclePhase) {
        let import = ImportPhase {
            added: 100,
            import_errors: 0,
            expected_stories: 2000,
            stories: 2000,
            complete: true,
            seconds: 10.0,
            stories_per_second: 200.0,
            node_cpu_seconds: 15.0,
            feeds_healthy: 100,
            feeds_listed: 100,
            first_unhealthy: None,
            served_200: 100,
            served_304: 0,
            served_bytes: 5_000_000,
            index_catch_up_seconds: Some(4.0),
            quiet_after_seconds: Some(6.0),
        };
        let cycle = CyclePhase {
            polls: 100,
            seconds: cycle_seconds,
            node_cpu_seconds: cycle_cpu,
            cores: cycle_cpu / cycle_seconds,
            outcomes: BTreeMap::from([("not_modified (304)".to_owned(), answered)]),
            request_errors: 0,
            first_error: None,
            served_304: answered,
            feeds_answered_304: answered,
            served_200: 0,
            stories_before: 2000,
            stories_after: 2000,
        };
        (import, cycle)
    }

    #[test]
    fn the_report_marks_targets_met_or_missed() {
        let (import, cycle) = phases(2.0, 1.0, 100);
        let good = checks(&import, &cycle, 100);
        assert!(good.iter().all(|c| c.met), "{good:?}");

        let (import, cycle) = phases(61.0, 70.0, 99);
        let bad = checks(&import, &cycle, 100);
        let missed: Vec<&str> = bad.iter().filter(|c| !c.met).map(|c| c.what.as_str()).collect();
        assert_eq!(
            missed,
            [
                "304 cycle wall time",
                "304 cycle node CPU / wall",
                "feeds that answered 304 (server count)",
                "polls the node reported as not_modified (304)"
            ]
        );
        let report = FeedsReport {
            environment: Environment::detect(std::path::Path::new("target/release/herald")),
            params: FeedsArgs {
                herald: "target/release/herald".into(),
                data_root: None,
                seed: 1,
                feeds: 100,
                items: 20,
                hosts: 10,
                size: 2048,
                concurrency: 64,
                deadline: 60,
                json: false,
            },
            node_env: vec![("HERALD_FETCH_ALLOW".into(), "127.0.0.0/8".into())],
            import,
            cycle,
            bench_cpu_seconds: 3.0,
            node_peak_rss_bytes: Some(200_000_000),
            checks: bad,
        };
        let md = report.markdown();
        assert!(
            md.contains("| 304 cycle wall time | 61.00 s | < 60 s | **missed** |"),
            "{md}"
        );
        assert!(md.contains("| stories committed | 2000 of 2000 |"), "{md}");
        assert!(md.contains("| node CPU per poll | 700.000 ms |"), "{md}");
        assert!(md.contains("HERALD_FETCH_ALLOW=127.0.0.0/8"), "{md}");
    }
}
