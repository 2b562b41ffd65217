//! The polling loop: due feeds fetched under per-host limits, new items handed to the node.
//!
//! One task wakes when the next feed falls due (or when told: a feed added, a poll
//! asked for), and starts a poll for each due feed, at most `concurrency` at a time and
//! at most `per_host` fetches to one host. A poll fetches conditionally, parses on the
//! blocking pool, asks the registry which items are new or changed, fetches full text
//! where the feed wants it, publishes through the [`Sink`] (the node's own publish path),
//! and records health and the next poll time. A failing, slow or hostile feed costs one
//! permit for at most the fetch's timeout and never stops the others.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use herald_model::{Source, Story};
use time::OffsetDateTime;
use tokio::sync::{Notify, Semaphore, watch};
use tracing::{debug, warn};

use crate::extract::extract_article;
use crate::fetch::{Accept, FetchRequest, Fetched, Fetcher};
use crate::identity::{content_key, to_story};
use crate::parse::{ParsedFeed, parse_feed};
use crate::registry::{FeedStatus, Plan, Registry, Seen, hash64};
use crate::schedule;

/// A boxed future, for the object-safe [`Sink`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where stories go: the node's publish path (enrichment, commit, fan-out).
pub trait Sink: Send + Sync + 'static {
    /// Commits `story` (its id set); `Ok(true)` when it was new or a new version,
    /// `Ok(false)` for a duplicate of what the store holds.
    fn publish(&self, story: Story) -> BoxFuture<'_, Result<bool, String>>;
}

/// How the poller behaves.
#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Polls in flight at once.
    pub concurrency: usize,
    /// Fetches to one host at once.
    pub per_host: usize,
    /// How often poll state is written to disk (API changes are written at once).
    pub save_every: Duration,
    /// The public base URL of this node (`https://herald.example.org`), for WebSub
    /// callbacks; `None` turns WebSub off.
    pub websub_callback: Option<String>,
}

impl Default for PollerConfig {
    fn default() -> PollerConfig {
        PollerConfig {
            concurrency: 64,
            per_host: 4,
            save_every: Duration::from_secs(5),
            websub_callback: None,
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PollReport {
    /// `ok`, `not_modified`, `gone` or `error`.
    pub outcome: &'static str,
    pub http_status: Option<u16>,
    /// Items in the document.
    pub items: usize,
    /// Items that became new stories or new versions.
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Items whose link already came through another feed.
    pub elsewhere: usize,
    pub error: Option<String>,
    /// The feed's id after this poll, when the poll gave it one from its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_id: Option<String>,
    /// When the URL was an HTML page: the feeds it links to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub discovered: Vec<String>,
}

/// Running totals for `/metrics`.
#[derive(Debug, Default)]
pub struct PollStats {
    /// Polls finished (any outcome).
    pub polls: AtomicU64,
    /// Polls answered 304.
    pub not_modified: AtomicU64,
    /// Polls that failed (fetch, parse or store).
    pub errors: AtomicU64,
    /// Items that became new stories.
    pub items_new: AtomicU64,
    /// Items that became new versions of their stories.
    pub items_changed: AtomicU64,
    /// Pushes taken from WebSub hubs.
    pub pushes: AtomicU64,
}

/// Why a poll asked for by hand could not run.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("no feed with id {0:?}")]
    NotFound(String),
    #[error("the node is shutting down")]
    ShuttingDown,
}

/// The poller, shared by its loop and the API.
pub struct Poller {
    registry: Arc<Registry>,
    fetcher: Fetcher,
    sink: Arc<dyn Sink>,
    cfg: PollerConfig,
    busy: Mutex<HashSet<String>>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    global: Arc<Semaphore>,
    wake: Notify,
    /// Told whenever a poll ends (for callers waiting on a feed that was busy).
    ended: Notify,
    stats: PollStats,
}

/// The HTTP status a failed fetch got, when it got one.
fn http_status(e: &crate::fetch::FetchError) -> Option<u16> {
    use crate::fetch::FetchError;
    match e {
        FetchError::RateLimited { status, .. } | FetchError::Status { status, .. } => Some(*status),
        _ => None,
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Poller {
    pub fn new(
        registry: Arc<Registry>,
        fetcher: Fetcher,
        sink: Arc<dyn Sink>,
        cfg: PollerConfig,
    ) -> Arc<Poller> {
        Arc::new(Poller {
            registry,
            fetcher,
            sink,
            global: Arc::new(Semaphore::new(cfg.concurrency.max(1))),
            cfg,
            busy: Mutex::new(HashSet::new()),
            hosts: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            ended: Notify::new(),
            stats: PollStats::default(),
        })
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    pub fn config(&self) -> &PollerConfig {
        &self.cfg
    }

    /// Totals since the node started.
    pub fn stats(&self) -> &PollStats {
        &self.stats
    }

    fn count(&self, report: &PollReport) {
        let add = |a: &AtomicU64, n: usize| a.fetch_add(n as u64, Ordering::Relaxed);
        add(&self.stats.items_new, report.new);
        add(&self.stats.items_changed, report.changed);
        match report.outcome {
            "not_modified" => add(&self.stats.not_modified, 1),
            "error" => add(&self.stats.errors, 1),
            _ => 0,
        };
    }

    /// Makes the loop look for due feeds now (after feeds were added).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until `stop` turns true, then writes the poll state.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut last_save = Instant::now();
        loop {
            if *stop.borrow() {
                break;
            }
            let now = OffsetDateTime::now_utc();
            let busy = lock(&self.busy).clone();
            let free = self.global.available_permits();
            let (due, next) = self.registry.due(now, &busy, free);
            for id in due {
                lock(&self.busy).insert(id.clone());
                let me = Arc::clone(&self);
                tokio::spawn(async move {
                    let _ = me.poll_marked(&id).await;
                });
            }
            if last_save.elapsed() >= self.cfg.save_every {
                last_save = Instant::now();
                let reg = Arc::clone(&self.registry);
                match tokio::task::spawn_blocking(move || reg.save_if_dirty()).await {
                    Ok(Err(e)) => warn!(error = %e, "cannot save the feed list"),
                    Err(e) => warn!(error = %e, "saving the feed list failed"),
                    Ok(Ok(_)) => {}
                }
            }
            let wait = next
                .map(|n| (n - now).unsigned_abs())
                .unwrap_or(Duration::from_secs(1))
                .clamp(Duration::from_millis(5), Duration::from_secs(1));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
        let reg = Arc::clone(&self.registry);
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || reg.save_if_dirty()).await {
            warn!(error = %e, "cannot save the feed list at shutdown");
        }
    }

    /// Polls feed `id` now and answers with what happened; if a poll of it is already
    /// running, waits for that one instead of fetching twice.
    pub async fn poll_now(&self, id: &str) -> Result<PollReport, PollError> {
        loop {
            if self.registry.get(id).is_none() {
                return Err(PollError::NotFound(id.to_string()));
            }
            let ended = self.ended.notified();
            if lock(&self.busy).insert(id.to_string()) {
                // A feed marked gone is polled when asked by hand: a publisher may revive it.
                self.registry.update(id, |f, _| {
                    if f.health.status == FeedStatus::Gone {
                        f.health.status = FeedStatus::Active;
                    }
                });
                return self.poll_marked(id).await;
            }
            ended.await;
            // The running poll ended: report its result rather than fetching again.
            if let Some(f) = self.registry.get(id)
                && !lock(&self.busy).contains(id)
            {
                return Ok(PollReport {
                    outcome: if f.health.last_error.is_some() {
                        "error"
                    } else {
                        "ok"
                    },
                    http_status: f.health.last_http_status,
                    error: f.health.last_error,
                    ..PollReport::default()
                });
            }
        }
    }

    /// Polls a feed already marked busy, then unmarks it.
    async fn poll_marked(&self, id: &str) -> Result<PollReport, PollError> {
        let out = self.poll_one(id).await;
        {
            let mut busy = lock(&self.busy);
            busy.remove(id);
            if let Ok(PollReport {
                feed_id: Some(new), ..
            }) = &out
            {
                busy.remove(new);
            }
        }
        self.ended.notify_waiters();
        self.wake.notify_one();
        out
    }

    fn host_limit(&self, url: &str) -> Arc<Semaphore> {
        let host = url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let mut hosts = lock(&self.hosts);
        Arc::clone(
            hosts
                .entry(host)
                .or_insert_with(|| Arc::new(Semaphore::new(self.cfg.per_host.max(1)))),
        )
    }

    async fn poll_one(&self, id: &str) -> Result<PollReport, PollError> {
        let _permit = self.global.acquire().await.map_err(|_| PollError::ShuttingDown)?;
        let (feed, state) = self
            .registry
            .get_full(id)
            .ok_or_else(|| PollError::NotFound(id.to_string()))?;
        let req = FetchRequest {
            url: feed.url.clone(),
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
            accept: Accept::Feed,
        };
        let fetched = {
            let host = self.host_limit(&feed.url);
            let _h = host.acquire().await.map_err(|_| PollError::ShuttingDown)?;
            self.fetcher.fetch(&req).await
        };
        let now = OffsetDateTime::now_utc();
        let mut report = PollReport::default();
        let mut retry_after = None;
        let mut redirect = None;
        let mut max_age = None;
        let mut validators = None;
        let mut gone = false;
        match fetched {
            Ok(Fetched::NotModified {
                permanent_redirect,
                max_age: age,
                ..
            }) => {
                report.outcome = "not_modified";
                report.http_status = Some(304);
                redirect = permanent_redirect;
                max_age = age;
            }
            Ok(Fetched::Ok {
                body,
                content_type,
                etag,
                last_modified,
                final_url,
                permanent_redirect,
                max_age: age,
            }) => {
                report.http_status = Some(200);
                redirect = permanent_redirect;
                max_age = age;
                let parsed = tokio::task::spawn_blocking(move || {
                    parse_feed(&body, content_type.as_deref(), &final_url)
                })
                .await;
                match parsed {
                    Ok(Ok(pf)) => {
                        report.outcome = "ok";
                        match self.ingest_parsed(id, pf, now, &mut report).await {
                            Ok(()) => validators = Some((etag, last_modified)),
                            Err(e) => {
                                report.outcome = "error";
                                report.error = Some(e);
                            }
                        }
                    }
                    Ok(Err(e)) => {
                        report.outcome = "error";
                        report.error = Some(e.to_string());
                        if let crate::parse::ParseError::Html { feeds } = e {
                            report.discovered = feeds;
                        }
                    }
                    Err(e) => {
                        report.outcome = "error";
                        report.error = Some(format!("the parser failed: {e}"));
                    }
                }
            }
            Ok(Fetched::Gone { .. }) => {
                report.outcome = "gone";
                report.http_status = Some(410);
                report.error = Some(
                    "410 Gone: the publisher removed this feed; polling stopped (poll it by hand to retry)"
                        .into(),
                );
                gone = true;
            }
            Err(e) => {
                report.outcome = "error";
                retry_after = e.retry_after();
                report.http_status = http_status(&e);
                report.error = Some(e.to_string());
            }
        }
        if let Some(e) = &report.error {
            debug!(feed = id, error = %e, "poll failed");
        }
        self.stats.polls.fetch_add(1, Ordering::Relaxed);
        self.count(&report);
        let failed = report.error.is_some() && !gone;
        let id = report.feed_id.as_deref().unwrap_or(id);
        self.registry.update(id, |f, s| {
            if let Some(to) = &redirect {
                f.url.clone_from(to);
            }
            if let Some((etag, lm)) = validators {
                s.etag = etag;
                s.last_modified = lm;
            }
            if report.outcome != "error" {
                s.max_age_secs = max_age.map(|d| d.as_secs());
            }
            s.polls += 1;
            f.health.last_fetch_at = Some(now);
            f.health.last_http_status = report.http_status;
            f.health.last_error.clone_from(&report.error);
            if report.new + report.changed > 0 {
                f.health.last_new_item_at = Some(now);
                f.health.items_seen += (report.new + report.changed) as u64;
            }
            f.health.failures = if failed {
                f.health.failures.saturating_add(1)
            } else {
                0
            };
            if gone {
                f.health.status = FeedStatus::Gone;
                f.health.next_poll_at = None;
                return;
            }
            let adaptive = schedule::adaptive_interval(&s.item_times, now.unix_timestamp());
            let mut hints = s.hints();
            hints.retry_after = retry_after;
            let seed = hash64(&f.id) ^ s.polls;
            let delay = schedule::next_delay(adaptive, &hints, f.health.failures, seed);
            f.health.interval_secs = delay.as_secs();
            let at = now.unix_timestamp().saturating_add(delay.as_secs() as i64);
            let at = schedule::skip_hours(at, &s.skip_hours);
            f.health.next_poll_at = OffsetDateTime::from_unix_timestamp(at).ok().or(Some(now + delay));
        });
        Ok(report)
    }

    /// Turns a parsed document of feed `id` into stories: new and changed items are
    /// published (full text first where the feed wants it), the rest skipped.
    async fn ingest_parsed(
        &self,
        id: &str,
        pf: ParsedFeed,
        now: OffsetDateTime,
        report: &mut PollReport,
    ) -> Result<(), String> {
        let callback = self.cfg.websub_callback.clone();
        let renamed = self.registry.rename_from_title(id, pf.title.trim());
        if let Some(new) = &renamed {
            lock(&self.busy).insert(new.clone());
            report.feed_id = Some(new.clone());
        }
        let id = renamed.as_deref().unwrap_or(id);
        let feed = self
            .registry
            .update(id, |f, s| {
                if !s.title_fixed && !pf.title.trim().is_empty() {
                    f.title = pf.title.trim().to_string();
                }
                if f.site_url.is_none() {
                    f.site_url.clone_from(&pf.site_url);
                }
                s.ttl_minutes = pf.ttl_minutes;
                s.skip_hours.clone_from(&pf.skip_hours);
                s.hub.clone_from(&pf.hub);
                s.topic = pf.self_url.clone().or_else(|| Some(f.url.clone()));
                f.clone()
            })
            .ok_or_else(|| "the feed was removed".to_string())?;
        let source = Source {
            id: feed.id.clone(),
            name: if feed.title.is_empty() {
                feed.id.clone()
            } else {
                feed.title.clone()
            },
            url: Some(feed.url.clone()),
        };
        report.items = pf.items.len();
        let mut stories = Vec::with_capacity(pf.items.len());
        let mut seens = Vec::with_capacity(pf.items.len());
        let now_unix = now.unix_timestamp();
        let mut times = Vec::with_capacity(pf.items.len());
        for item in &pf.items {
            let story = to_story(item, &source);
            if story.headline.trim().is_empty() {
                // No title, no text, no link: nothing a reader could use.
                continue;
            }
            seens.push(Seen {
                key: hash64(&story.id),
                content: content_key(item),
                link: story.url.as_deref().map_or(0, hash64),
            });
            times.push(
                item.published
                    .or(item.updated)
                    .map_or(now_unix, OffsetDateTime::unix_timestamp),
            );
            stories.push((story, item.summary_only));
        }
        let plans = self.registry.plan(id, &seens);
        let mut to_publish = Vec::new();
        for (((story, summary_only), seen), plan) in stories.into_iter().zip(&seens).zip(&plans) {
            match plan {
                Plan::New => report.new += 1,
                Plan::Changed => report.changed += 1,
                Plan::Unchanged => {
                    report.unchanged += 1;
                    continue;
                }
                Plan::Elsewhere => {
                    report.elsewhere += 1;
                    continue;
                }
            }
            to_publish.push((story, summary_only, *seen));
        }
        if feed.full_text {
            for (story, summary_only, _) in &mut to_publish {
                if *summary_only {
                    self.full_text(story).await;
                }
            }
        }
        // Oldest first, so the wire's order follows the publisher's.
        to_publish.reverse();
        let results = futures_util::future::join_all(
            to_publish
                .iter()
                .map(|(story, _, _)| self.sink.publish(story.clone())),
        )
        .await;
        let mut published = Vec::new();
        let mut first_error = None;
        for ((_, _, seen), r) in to_publish.iter().zip(results) {
            match r {
                Ok(_) => published.push(*seen),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        self.registry.remember(id, &published, &seens);
        self.registry.update(id, |_, s| {
            s.item_times.extend(times);
            s.item_times.sort_unstable();
            s.item_times.dedup();
            let excess = s.item_times.len().saturating_sub(schedule::HISTORY);
            s.item_times.drain(..excess);
        });
        if let (Some(base), Some(hub), Some(topic)) =
            (callback, pf.hub, pf.self_url.or(Some(feed.url.clone())))
        {
            crate::websub::maybe_subscribe(self, id, &base, &hub, &topic, now);
        }
        match first_error {
            None => Ok(()),
            Some(e) => {
                let failed = to_publish.len() - published.len();
                report.new = report.new.saturating_sub(failed);
                Err(format!("{failed} item(s) could not be stored: {e}"))
            }
        }
    }

    /// Replaces a summary with the linked article's text, when it can be fetched and
    /// read; on any failure the summary stays (and the failure is only logged).
    async fn full_text(&self, story: &mut Story) {
        let Some(url) = story.url.clone() else {
            return;
        };
        let fetched = {
            let host = self.host_limit(&url);
            let Ok(_h) = host.acquire().await else {
                return;
            };
            self.fetcher
                .fetch(&FetchRequest::new(url.clone(), Accept::Html))
                .await
        };
        let body = match fetched {
            Ok(Fetched::Ok { body, .. }) => body,
            Ok(_) => return,
            Err(e) => {
                debug!(%url, error = %e, "full text: fetch failed");
                return;
            }
        };
        let page_url = url.clone();
        match tokio::task::spawn_blocking(move || extract_article(&body, &page_url)).await {
            Ok(Ok(article)) if article.text.len() > story.body.len() => {
                story.body = article.text;
                if story.byline.is_none() {
                    story.byline = article.byline;
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => debug!(%url, error = %e, "full text: no article found"),
            Err(e) => debug!(%url, error = %e, "full text: extraction failed"),
        }
    }

    /// Ingests a document pushed by a WebSub hub for feed `id` (signature already checked).
    pub async fn ingest_push(
        &self,
        id: &str,
        body: bytes::Bytes,
        content_type: Option<String>,
    ) -> Result<PollReport, String> {
        let (feed, _) = self
            .registry
            .get_full(id)
            .ok_or_else(|| format!("no feed with id {id:?}"))?;
        let url = feed.url.clone();
        let pf = tokio::task::spawn_blocking(move || parse_feed(&body, content_type.as_deref(), &url))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let now = OffsetDateTime::now_utc();
        let mut report = PollReport {
            outcome: "ok",
            ..PollReport::default()
        };
        let r = self.ingest_parsed(id, pf, now, &mut report).await;
        self.stats.pushes.fetch_add(1, Ordering::Relaxed);
        self.count(&report);
        self.registry.update(id, |f, _| {
            if report.new + report.changed > 0 {
                f.health.last_new_item_at = Some(now);
                f.health.items_seen += (report.new + report.changed) as u64;
            }
        });
        r.map(|()| report)
    }
}
