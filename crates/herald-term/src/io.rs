//! The I/O layer: turns the App's Commands into calls to the node's HTTP API, and follows
//! the live wire and the alert hits over SSE (reconnecting with back-off, resuming from the
//! last seq), feeding everything back to the App as Events.

use std::time::Duration;

use futures_util::StreamExt;
use herald_model::Story;
use reqwest::{Response, Url};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::TermError;
use crate::app::{
    AlertInfo, BACKTEST_DAYS, Backtest, COMPLETION_COUNT, CoMention, Command, ConnState, EntityPage, Event,
    FeedInfo, Headline, PAGE_SIZE, PollSummary,
};
use crate::sse::SseParser;

/// First wait before reconnecting; it doubles on every failure up to [`BACKOFF_MAX`].
pub const BACKOFF_START: Duration = Duration::from_millis(500);
pub const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// The node sends a keep-alive every 15 s; silence for this long means the link is dead
/// even if TCP has not noticed.
const SILENCE_LIMIT: Duration = Duration::from_secs(40);
/// Search hits asked for per `N` query.
const SEARCH_LIMIT: usize = 100;
/// Hits asked for when looking for a story's related stories (its own copies and
/// duplicates are dropped afterwards, so more than the five shown).
const RELATED_LIMIT: usize = 20;
/// Names asked for per Tab when a kind is wanted (the node's lookup does not filter by
/// kind, so more are asked and the others dropped).
const COMPLETION_ASK: usize = 40;
/// How long one API request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A client bound to one node.
#[derive(Debug, Clone)]
pub struct Node {
    http: reqwest::Client,
    base: Url,
}

impl Node {
    /// A client for the node at `url` (`http://HOST:PORT`).
    pub fn new(url: &str) -> Result<Node, TermError> {
        let bad = |reason: String| TermError::BadUrl {
            url: url.to_string(),
            reason,
        };
        let base = Url::parse(url).map_err(|e| bad(e.to_string()))?;
        if base.scheme() != "http" {
            return Err(bad(format!(
                "scheme {:?} is not supported by this build; use http://HOST:PORT",
                base.scheme()
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("herald-term/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Node { http, base })
    }

    /// The node's address as the user gave it.
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The absolute URL of an API path.
    pub fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let prefix = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{prefix}{path}"));
        u
    }
}

/// Why a request failed, as one line for the status line.
fn describe(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "node unreachable (is `herald serve` running?)".to_string()
    } else if e.is_timeout() {
        "node did not answer in time".to_string()
    } else {
        format!("request failed: {e}")
    }
}

/// The message of an error answer (`{"error": {"message": …}}`), or its start.
async fn error_message(resp: Response) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let msg = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.trim().chars().take(200).collect());
    format!("{status}: {msg}")
}

/// Where the live wire begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Only stories published from now on.
    Now,
    /// Every story after this seq.
    After(u64),
    /// The last N stories in the log first (so the screen is not empty), then live.
    Recent(u64),
}

/// Follows `GET /v1/stream` for ever from `start`, sending each story once and in seq
/// order, plus connection changes. Ends when the receiver is dropped.
pub fn spawn_wire(node: Node, start: Start, tx: mpsc::Sender<Event>) -> JoinHandle<()> {
    let (last, backfill) = match start {
        Start::Now => (None, None),
        Start::After(s) => (Some(s), None),
        Start::Recent(n) => (None, Some(n)),
    };
    tokio::spawn(async move {
        let mut wire = Follower {
            node,
            path: "/v1/stream",
            last,
            backfill,
            tx,
        };
        wire.run(true).await;
    })
}

/// Follows `GET /v1/alerts/stream` (new hits only) and sends each as an `AlertHit`.
pub fn spawn_alerts(node: Node, tx: mpsc::Sender<Event>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut hits = Follower {
            node,
            path: "/v1/alerts/stream",
            last: None,
            backfill: None,
            tx,
        };
        hits.run(false).await;
    })
}

/// One resumable SSE subscription.
struct Follower {
    node: Node,
    path: &'static str,
    /// The id of the last event handled: sent as `Last-Event-ID` on reconnect.
    last: Option<u64>,
    /// Stories to replay before going live, resolved against the node's last seq on the
    /// first successful contact.
    backfill: Option<u64>,
    tx: mpsc::Sender<Event>,
}

/// Why a connection ended.
enum End {
    /// The App is gone: stop.
    Closed,
    Lost(String),
}

impl Follower {
    async fn run(&mut self, report: bool) {
        let mut backoff = BACKOFF_START;
        loop {
            let end = self.connect(report, &mut backoff).await;
            let reason = match end {
                End::Closed => return,
                End::Lost(r) => r,
            };
            if report {
                let down = ConnState::Down {
                    reason,
                    retry_in: backoff,
                };
                if self.tx.send(Event::Connection(down)).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = self.tx.closed() => return,
            }
            backoff = (backoff * 2).clamp(BACKOFF_START, BACKOFF_MAX);
        }
    }

    async fn connect(&mut self, report: bool, backoff: &mut Duration) -> End {
        if let Some(n) = self.backfill {
            let health = tokio::select! {
                h = get_json(&self.node, self.node.url("/healthz")) => h,
                () = self.tx.closed() => return End::Closed,
            };
            match health {
                Ok(h) => {
                    let last = h["last_seq"].as_u64().unwrap_or(0);
                    self.last = Some(last.saturating_sub(n));
                    self.backfill = None;
                }
                Err(reason) => return End::Lost(reason),
            }
        }
        let mut req = self
            .node
            .http
            .get(self.node.url(self.path))
            .header("accept", "text/event-stream");
        if let Some(l) = self.last {
            req = req.header("last-event-id", l.to_string());
        }
        let resp = tokio::select! {
            r = req.send() => r,
            () = self.tx.closed() => return End::Closed,
        };
        let resp = match resp {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => return End::Lost(error_message(r).await),
            Err(e) => return End::Lost(describe(&e)),
        };
        if report && self.tx.send(Event::Connection(ConnState::Live)).await.is_err() {
            return End::Closed;
        }
        *backoff = BACKOFF_START;
        let mut body = resp.bytes_stream();
        let mut parser = SseParser::default();
        loop {
            let chunk = tokio::select! {
                c = tokio::time::timeout(SILENCE_LIMIT, body.next()) => c,
                () = self.tx.closed() => return End::Closed,
            };
            let chunk = match chunk {
                Err(_) => {
                    return End::Lost(format!("no word from the node for {}s", SILENCE_LIMIT.as_secs()));
                }
                Ok(None) => return End::Lost("the node closed the stream".to_string()),
                Ok(Some(Err(e))) => return End::Lost(format!("stream broke: {e}")),
                Ok(Some(Ok(c))) => c,
            };
            for ev in parser.push(&chunk) {
                let id = ev.id.as_deref().and_then(|i| i.trim().parse::<u64>().ok());
                let event = match ev.name.as_str() {
                    "story" => {
                        let parsed = serde_json::from_str::<Story>(&ev.data);
                        let seq = id.or_else(|| parsed.as_ref().ok().map(|s| s.seq));
                        // A replay overlapping what we saw must not show a story twice.
                        if let (Some(s), Some(l)) = (seq, self.last)
                            && s <= l
                        {
                            continue;
                        }
                        if seq.is_some() {
                            self.last = seq;
                        }
                        match parsed {
                            Ok(story) => Event::Story(Box::new(story)),
                            Err(e) => Event::Failed {
                                what: format!("story seq {}", seq.unwrap_or(0)),
                                message: format!("unreadable JSON from the node: {e}"),
                            },
                        }
                    }
                    "hit" => {
                        if id.is_some() {
                            self.last = id;
                        }
                        let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                        let Some(story_id) = v["story"]["id"].as_str() else {
                            continue;
                        };
                        Event::AlertHit {
                            story_id: story_id.to_string(),
                            alert: v["alert_name"]
                                .as_str()
                                .or(v["alert_id"].as_str())
                                .unwrap_or("alert")
                                .to_string(),
                        }
                    }
                    "lag" => {
                        let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                        let Some(r) = v["resume_from"].as_u64() else {
                            continue;
                        };
                        self.last = Some(r);
                        if report && self.tx.send(Event::Lag { resume_from: r }).await.is_err() {
                            return End::Closed;
                        }
                        // The node cuts a lagging subscriber off; reconnect at once.
                        *backoff = Duration::ZERO;
                        return End::Lost(format!("fell behind; resuming after seq {r}"));
                    }
                    _ => continue,
                };
                if self.tx.send(event).await.is_err() {
                    return End::Closed;
                }
            }
        }
    }
}

/// Carries out one Command; the answer (or the failure) comes back as an Event.
pub async fn execute(node: &Node, cmd: Command) -> Option<Event> {
    // Each command's answer, or a failure named by what was asked.
    let (answer, what) = match cmd {
        Command::Quit => return None,
        Command::Search { query } => (search(node, &query).await, format!("search {query:?}")),
        Command::LoadStory { id } => (load_story(node, &id).await, format!("story {id}")),
        Command::ListAlerts => (list_alerts(node, None).await, "ALRT".to_string()),
        Command::AddAlert { name, query } => {
            (add_alert(node, &name, &query).await, format!("ALRT ADD {name}"))
        }
        Command::RemoveAlert { id, name } => {
            (remove_alert(node, &id, &name).await, format!("ALRT RM {name}"))
        }
        Command::TestAlert { query } => (backtest(node, &query).await, format!("ALRT TEST {query}")),
        Command::FindEntity { name } => (find_entity(node, &name).await, format!("ENT {name}")),
        Command::OpenEntity { id } => (load_entity(node, &id, &id).await, format!("ENT {id}")),
        Command::ListFeeds => (list_feeds(node, None).await, "FEED".to_string()),
        // Only for the first-run offer: a node that cannot say stays without one, and
        // the status line already tells of a node that is down.
        Command::CountFeeds => return count_feeds(node).await.ok(),
        Command::AddFeed { url } => (add_feed(node, &url).await, format!("FEED ADD {url}")),
        Command::RemoveFeed { id } => (remove_feed(node, &id).await, format!("FEED RM {id}")),
        Command::PollFeed { id } => (poll_feed(node, &id).await, format!("FEED POLL {id}")),
        Command::ImportFeeds { opml } => (import_feeds(node, opml).await, "FEED STARTER".to_string()),
        Command::CompleteEntity { prefix, kind } => (
            entity_candidates(node, &prefix, kind.as_deref()).await,
            format!("Tab completion of {prefix:?}"),
        ),
        Command::LoadWire { before } => (wire_page(node, before).await, "older headlines".to_string()),
        Command::Related { story_id, query } => (
            related(node, &story_id, &query).await,
            format!("related stories of {story_id}"),
        ),
    };
    Some(answer.unwrap_or_else(|message| Event::Failed { what, message }))
}

/// GETs a JSON answer; an error is one status-line sentence.
async fn get_json(node: &Node, url: Url) -> Result<Value, String> {
    let resp = node
        .http
        .get(url)
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if !resp.status().is_success() {
        return Err(error_message(resp).await);
    }
    resp.json().await.map_err(|e| format!("unreadable answer: {e}"))
}

/// Sends a request whose answer is JSON (or empty, for a DELETE).
async fn send_json(req: reqwest::RequestBuilder) -> Result<Value, String> {
    let resp = req
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    if !resp.status().is_success() {
        return Err(error_message(resp).await);
    }
    let text = resp.text().await.map_err(|e| format!("unreadable answer: {e}"))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| format!("unreadable answer: {e}"))
}

/// `GET /v1/alerts` as an event, with a note on what was just done.
async fn list_alerts(node: &Node, note: Option<String>) -> Result<Event, String> {
    let v = get_json(node, node.url("/v1/alerts")).await?;
    let alerts = v["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some(AlertInfo {
                id: a["id"].as_str()?.to_string(),
                name: a["name"].as_str().unwrap_or("").to_string(),
                query: a["query"].as_str().unwrap_or("").to_string(),
                hits: a["hits"].as_u64().unwrap_or(0),
                last_hit: parse_time(&a["last_hit_at"]),
            })
        })
        .collect();
    Ok(Event::AlertsLoaded { alerts, note })
}

async fn add_alert(node: &Node, name: &str, query: &str) -> Result<Event, String> {
    let body = serde_json::json!({ "name": name, "query": query });
    let v = send_json(node.http.post(node.url("/v1/alerts")).json(&body)).await?;
    let id = v["id"].as_str().unwrap_or("?");
    list_alerts(node, Some(format!("added alert {name:?} ({id}): {query}"))).await
}

async fn remove_alert(node: &Node, id: &str, name: &str) -> Result<Event, String> {
    let mut url = node.url("/v1/alerts/");
    url.path_segments_mut()
        .map_err(|()| "the node URL cannot take a path".to_string())?
        .pop()
        .push(id);
    send_json(node.http.delete(url)).await?;
    list_alerts(node, Some(format!("removed alert {name:?} ({id})"))).await
}

async fn backtest(node: &Node, query: &str) -> Result<Event, String> {
    let body = serde_json::json!({ "query": query, "days": BACKTEST_DAYS });
    let v = send_json(node.http.post(node.url("/v1/alerts/test")).json(&body)).await?;
    Ok(Event::BacktestLoaded(Box::new(Backtest {
        query: query.to_string(),
        days: v["days"]
            .as_u64()
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(BACKTEST_DAYS),
        total: v["total"].as_u64().unwrap_or(0),
        per_day: v["per_day"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| Some((d["date"].as_str()?.to_string(), d["hits"].as_u64().unwrap_or(0))))
            .collect(),
        examples: v["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(hit_headline)
            .collect(),
    })))
}

fn parse_time(v: &Value) -> Option<herald_model::Timestamp> {
    let s = v.as_str()?;
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A search hit or an entity's story as a list line.
fn hit_headline(h: &Value) -> Option<Headline> {
    Some(Headline {
        seq: h["seq"].as_u64().unwrap_or(0),
        id: h["id"].as_str()?.to_string(),
        time: parse_time(&h["time"]).or_else(|| parse_time(&h["published_at"])),
        source: h["source"]["name"]
            .as_str()
            .or(h["source"]["id"].as_str())
            .unwrap_or("")
            .to_string(),
        headline: h["headline"].as_str().unwrap_or("").to_string(),
        salience: 0.0,
        alert: None,
        duplicate_of: h["duplicate_of"].as_str().map(str::to_string),
        copies: Vec::new(),
        copy_count: 0,
        entities: Vec::new(),
        topics: Vec::new(),
    })
}

async fn search(node: &Node, query: &str) -> Result<Event, String> {
    let mut url = node.url("/v1/search");
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("limit", &SEARCH_LIMIT.to_string())
        .append_pair("sort", "time")
        // Later copies of a story are left out, as on the wire.
        .append_pair("fold", "true");
    let v = get_json(node, url).await?;
    let hits: Vec<Headline> = v["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(hit_headline)
        .collect();
    Ok(Event::SearchResult {
        query: query.to_string(),
        total: v["total"].as_u64().unwrap_or(hits.len() as u64),
        hits,
    })
}

async fn load_story(node: &Node, id: &str) -> Result<Event, String> {
    let mut url = node.url("/v1/stories/");
    // The id goes in as one path segment, encoded, whatever it holds.
    url.path_segments_mut()
        .map_err(|()| "the node URL cannot take a path".to_string())?
        .pop()
        .push(id);
    let v = get_json(node, url).await?;
    let story: Story = serde_json::from_value(v).map_err(|e| format!("unreadable story: {e}"))?;
    Ok(Event::StoryLoaded(Box::new(story)))
}

async fn find_entity(node: &Node, name: &str) -> Result<Event, String> {
    let mut url = node.url("/v1/entities");
    url.query_pairs_mut()
        .append_pair("q", name)
        .append_pair("limit", "1");
    let found = get_json(node, url).await?;
    let Some(id) = found
        .as_array()
        .and_then(|a| a.first())
        .and_then(|e| e["id"].as_str())
    else {
        return Err(format!("no entity is called {name:?}"));
    };
    load_entity(node, id, name).await
}

/// An entity's page by its id (`name` stands in if the node gives none).
async fn load_entity(node: &Node, id: &str, name: &str) -> Result<Event, String> {
    let v = get_json(node, item_url(node, "entities", id, None)?).await?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    Ok(Event::EntityLoaded(Box::new(EntityPage {
        id: v["id"].as_str().unwrap_or(id).to_string(),
        name: v["name"].as_str().unwrap_or(name).to_string(),
        kind: v["kind"].as_str().unwrap_or("entity").to_string(),
        aliases: strings("aliases"),
        roles: strings("roles"),
        ticker: v["ticker"].as_str().map(str::to_string),
        stories: v["stories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(hit_headline)
            .collect(),
        co_mentioned: v["co_mentioned"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(CoMention {
                    id: c["id"].as_str()?.to_string(),
                    name: c["name"].as_str().unwrap_or("").to_string(),
                    kind: c["kind"].as_str().unwrap_or("other").to_string(),
                    stories: c["stories"].as_u64().unwrap_or(0),
                })
            })
            .collect(),
    })))
}

/// The URL of `/v1/<collection>/<id>[/<action>]`, the id as one encoded path segment.
fn item_url(node: &Node, collection: &str, id: &str, action: Option<&str>) -> Result<Url, String> {
    let mut url = node.url(&format!("/v1/{collection}/"));
    {
        let mut segs = url
            .path_segments_mut()
            .map_err(|()| "the node URL cannot take a path".to_string())?;
        segs.pop().push(id);
        if let Some(a) = action {
            segs.push(a);
        }
    }
    Ok(url)
}

/// A feed as `GET /v1/feeds` describes it.
fn feed_info(f: &Value) -> Option<FeedInfo> {
    let h = &f["health"];
    Some(FeedInfo {
        id: f["id"].as_str()?.to_string(),
        url: f["url"].as_str().unwrap_or("").to_string(),
        title: f["title"].as_str().unwrap_or("").to_string(),
        status: h["status"].as_str().unwrap_or("active").to_string(),
        last_fetch: parse_time(&h["last_fetch_at"]),
        http_status: h["last_http_status"].as_u64().and_then(|c| u16::try_from(c).ok()),
        last_error: h["last_error"].as_str().map(str::to_string),
        last_new_item: parse_time(&h["last_new_item_at"]),
        items_seen: h["items_seen"].as_u64().unwrap_or(0),
        failures: h["failures"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        next_poll: parse_time(&h["next_poll_at"]),
    })
}

/// A poll report (`{"outcome", "http_status", "items", "new", …}`).
fn poll_summary(p: &Value) -> PollSummary {
    PollSummary {
        outcome: p["outcome"].as_str().unwrap_or("?").to_string(),
        http_status: p["http_status"].as_u64().and_then(|c| u16::try_from(c).ok()),
        items: p["items"].as_u64().unwrap_or(0),
        new: p["new"].as_u64().unwrap_or(0),
        changed: p["changed"].as_u64().unwrap_or(0),
        unchanged: p["unchanged"].as_u64().unwrap_or(0),
        error: p["error"].as_str().map(str::to_string),
    }
}

async fn feeds(node: &Node) -> Result<Vec<FeedInfo>, String> {
    let v = get_json(node, node.url("/v1/feeds")).await?;
    Ok(v["feeds"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(feed_info)
        .collect())
}

/// `GET /v1/feeds` as an event, with a note on what was just done.
async fn list_feeds(node: &Node, note: Option<String>) -> Result<Event, String> {
    Ok(Event::FeedsLoaded {
        feeds: feeds(node).await?,
        note,
    })
}

async fn count_feeds(node: &Node) -> Result<Event, String> {
    Ok(Event::FeedCount(feeds(node).await?.len()))
}

async fn add_feed(node: &Node, url: &str) -> Result<Event, String> {
    let body = serde_json::json!({ "url": url });
    let v = send_json(node.http.post(node.url("/v1/feeds")).json(&body)).await?;
    let feed = feed_info(&v["feed"]).unwrap_or_default();
    let name = if feed.title.is_empty() {
        &feed.id
    } else {
        &feed.title
    };
    let note = if v["created"].as_bool() == Some(false) {
        format!("already following {name} ({})", feed.id)
    } else {
        format!(
            "following {name} ({}); first poll: {}",
            feed.id,
            poll_summary(&v["poll"]).describe()
        )
    };
    list_feeds(node, Some(note)).await
}

async fn remove_feed(node: &Node, id: &str) -> Result<Event, String> {
    send_json(node.http.delete(item_url(node, "feeds", id, None)?)).await?;
    list_feeds(node, Some(format!("stopped following {id} (its stories stay)"))).await
}

async fn poll_feed(node: &Node, id: &str) -> Result<Event, String> {
    let v = send_json(node.http.post(item_url(node, "feeds", id, Some("poll"))?)).await?;
    let note = format!("polled {id}: {}", poll_summary(&v["poll"]).describe());
    list_feeds(node, Some(note)).await
}

async fn import_feeds(node: &Node, opml: String) -> Result<Event, String> {
    let req = node
        .http
        .post(node.url("/v1/feeds/import"))
        .header("content-type", "text/x-opml")
        .body(opml);
    let v = send_json(req).await?;
    let added = v["added"].as_u64().unwrap_or(0);
    let existing = v["existing"].as_u64().unwrap_or(0);
    let errors = v["errors"].as_array().map_or(0, Vec::len);
    let refused = if errors > 0 {
        format!(", {errors} refused")
    } else {
        String::new()
    };
    let note = format!(
        "followed {added} new feeds ({existing} already followed{refused}); their stories arrive as they are polled"
    );
    list_feeds(node, Some(note)).await
}

/// Entity names starting with `prefix` for a Tab (of `kind` when given), at most
/// [`COMPLETION_COUNT`], each once.
async fn entity_candidates(node: &Node, prefix: &str, kind: Option<&str>) -> Result<Event, String> {
    let mut url = node.url("/v1/entities");
    let ask = if kind.is_some() {
        COMPLETION_ASK
    } else {
        COMPLETION_COUNT
    };
    url.query_pairs_mut()
        .append_pair("prefix", prefix)
        .append_pair("limit", &ask.to_string());
    let v = get_json(node, url).await?;
    let mut names: Vec<String> = Vec::new();
    for e in v.as_array().into_iter().flatten() {
        if kind.is_some_and(|k| e["kind"].as_str() != Some(k)) {
            continue;
        }
        let Some(name) = e["name"].as_str() else { continue };
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        if names.len() == COMPLETION_COUNT {
            break;
        }
    }
    Ok(Event::EntityCandidates {
        prefix: prefix.to_string(),
        names,
    })
}

/// A page of the wire from the log: the headlines before `before` (or the newest).
async fn wire_page(node: &Node, before: Option<u64>) -> Result<Event, String> {
    let mut url = node.url("/v1/stories");
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("limit", &PAGE_SIZE.to_string());
        if let Some(b) = before {
            q.append_pair("before", &b.to_string());
        }
    }
    let v = get_json(node, url).await?;
    Ok(Event::WirePage {
        before,
        stories: v["stories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(hit_headline)
            .collect(),
        next_before: v["next_before"].as_u64(),
    })
}

/// Stories matching a story's related-stories query, newest first.
async fn related(node: &Node, story_id: &str, query: &str) -> Result<Event, String> {
    let mut url = node.url("/v1/search");
    url.query_pairs_mut()
        .append_pair("q", query)
        .append_pair("limit", &RELATED_LIMIT.to_string())
        .append_pair("sort", "time")
        .append_pair("fold", "true");
    let v = get_json(node, url).await?;
    Ok(Event::RelatedLoaded {
        story_id: story_id.to_string(),
        items: v["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(hit_headline)
            .collect(),
    })
}
