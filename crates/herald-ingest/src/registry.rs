//! The feeds a node follows, their health and their poll state, kept durably in the data dir.
//!
//! One JSON file (`DATA/feeds/feeds.json`) holds every feed: what the user gave (URL,
//! title, tags, full-text choice) and what polling learned (validators, hints, the items
//! already seen, health). Changes from the API are written at once; poll state is written
//! at most every few seconds by the poller ([`Registry::save_if_dirty`]) and at shutdown.
//! Losing the last seconds of poll state is harmless: the story store recognises a
//! re-sent item as a duplicate of what it already holds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::schedule::Hints;

/// Items remembered per feed beyond those in its latest document.
pub const SEEN_PER_FEED: usize = 1_000;
/// Longest feed id.
const MAX_ID: usize = 48;
/// Longest feed URL accepted.
pub const MAX_URL: usize = 2048;

/// Whether a feed is polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FeedStatus {
    /// Polled on its schedule (the last poll may still have failed: see `last_error`).
    #[default]
    Active,
    /// The server answered 410 Gone: no longer polled until the user polls it by hand.
    Gone,
    /// Paused by the user.
    Paused,
}

/// A feed's health as the API and CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Health {
    pub status: FeedStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_fetch_at: Option<OffsetDateTime>,
    /// The HTTP status of the last answer (304 for "not modified").
    pub last_http_status: Option<u16>,
    /// What went wrong with the last poll, in words; `None` when it went well.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_new_item_at: Option<OffsetDateTime>,
    /// Items that became stories (new or changed) over the feed's life.
    pub items_seen: u64,
    /// Consecutive failed polls.
    pub failures: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_poll_at: Option<OffsetDateTime>,
    /// The interval the schedule settled on, seconds.
    pub interval_secs: u64,
    /// Whether the feed's WebSub hub pushes to this node.
    pub websub: bool,
}

/// A feed: what the user asked for and how it is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feed {
    /// Stable id; also the `source.id` of its stories (so `source:ID` finds them).
    pub id: String,
    pub url: String,
    /// The feed's title (from the user, the OPML file, or the feed itself).
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub site_url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Fetch the linked page for items that carry only a summary.
    #[serde(default)]
    pub full_text: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    #[serde(default)]
    pub health: Health,
}

/// One item already turned into a story: its identity, its content, its link (hashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    pub key: u64,
    pub content: u64,
    /// 0 when the item has no link.
    pub link: u64,
}

/// What polling keeps per feed that users need not see.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PollState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Unix seconds of recent items, for the adaptive interval.
    pub item_times: Vec<i64>,
    pub ttl_minutes: Option<u32>,
    pub max_age_secs: Option<u64>,
    pub skip_hours: Vec<u8>,
    /// The title came from the user or an OPML file: the feed's own title does not replace it.
    pub title_fixed: bool,
    /// The id was made from the host because no title was known: the first poll that
    /// learns the feed's title renames it (before any story carries the id).
    pub id_provisional: bool,
    /// Polls so far (the jitter's seed moves with it).
    pub polls: u64,
    /// WebSub: the hub and topic the feed advertised, the secret we gave the hub, and
    /// until when (Unix seconds) the hub confirmed the subscription.
    pub hub: Option<String>,
    pub topic: Option<String>,
    pub websub_secret: Option<String>,
    pub websub_until: Option<i64>,
    /// When (Unix seconds) we last asked the hub to subscribe us.
    pub websub_requested: Option<i64>,
    #[serde(with = "seen_hex")]
    pub seen: Vec<Seen>,
}

impl PollState {
    /// The publisher's hints as the schedule takes them.
    pub fn hints(&self) -> Hints {
        Hints {
            ttl_minutes: self.ttl_minutes,
            max_age: self.max_age_secs.map(std::time::Duration::from_secs),
            retry_after: None,
            skip_hours: self.skip_hours.clone(),
        }
    }
}

/// Seen items as one hex string (48 characters an item): a tenth of the size of JSON
/// numbers, for the 200,000 items of 10,000 feeds.
mod seen_hex {
    use super::Seen;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(seen: &[Seen], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(seen.len() * 48);
        for x in seen {
            use std::fmt::Write;
            let _ = write!(out, "{:016x}{:016x}{:016x}", x.key, x.content, x.link);
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Seen>, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() % 48 != 0 || !s.is_ascii() {
            return Err(serde::de::Error::custom(
                "seen items: not a multiple of 48 hex digits",
            ));
        }
        let num = |i: usize| u64::from_str_radix(&s[i..i + 16], 16).map_err(serde::de::Error::custom);
        let mut out = Vec::with_capacity(s.len() / 48);
        for i in (0..s.len()).step_by(48) {
            out.push(Seen {
                key: num(i)?,
                content: num(i + 16)?,
                link: num(i + 32)?,
            });
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    feed: Feed,
    #[serde(default)]
    state: PollState,
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    feeds: Vec<Record>,
}

/// What a user gives to follow a feed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewFeed {
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub site_url: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub full_text: bool,
    /// When the poller should first take it (default: at once). A caller that polls the
    /// feed itself right after adding it sets this later, so the loop does not race it.
    #[serde(skip)]
    pub first_poll: Option<OffsetDateTime>,
}

/// Why the registry refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read the feed list {path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("cannot write the feed list {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("invalid feed URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("no feed with id {0:?}")]
    NotFound(String),
}

/// What to do with one item of a fetched feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Not seen before: publish.
    New,
    /// Seen with other content: publish as the next version.
    Changed,
    /// Seen as it is: skip.
    Unchanged,
    /// Its link already came through another feed: one story, so skip.
    Elsewhere,
}

struct Inner {
    feeds: BTreeMap<String, Record>,
    by_url: HashMap<String, String>,
    /// Link hash → the feed whose story holds that link.
    links: HashMap<u64, String>,
    /// Active feeds by next poll time: the poller asks for due feeds after every poll, so
    /// finding them must not walk every feed (10,000 feeds, 10,000 polls a cycle).
    queue: BTreeSet<(OffsetDateTime, String)>,
}

/// Where a feed stands in the poll queue: active feeds only; no time yet means at once.
fn queue_key(f: &Feed) -> Option<(OffsetDateTime, String)> {
    (f.health.status == FeedStatus::Active).then(|| {
        (
            f.health.next_poll_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            f.id.clone(),
        )
    })
}

impl Inner {
    fn enqueue(&mut self, f: &Feed) {
        if let Some(k) = queue_key(f) {
            self.queue.insert(k);
        }
    }

    fn dequeue(&mut self, f: &Feed) {
        if let Some(k) = queue_key(f) {
            self.queue.remove(&k);
        }
    }
}

/// The feed list, shared by the API and the poller.
pub struct Registry {
    path: PathBuf,
    inner: Mutex<Inner>,
    dirty: AtomicBool,
}

/// Checks a feed URL's form (the SSRF guard decides later whether it may be reached).
pub fn check_url(url: &str) -> Result<String, RegistryError> {
    let bad = |reason: &str| RegistryError::BadUrl {
        url: url.chars().take(200).collect(),
        reason: reason.into(),
    };
    let trimmed = url.trim();
    if trimmed.len() > MAX_URL {
        return Err(bad("longer than 2048 bytes"));
    }
    let parsed = url::Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("only http and https feeds can be followed"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    Ok(parsed.to_string())
}

/// A readable id from a title or host: `harbour-wire`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() && c.is_ascii() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= MAX_ID - 4 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "feed".into() } else { out }
}

/// A 64-bit hash of a string (FNV-1a: stable across builds and platforms, which the
/// file on disk needs).
pub fn hash64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Registry {
    /// Opens (or starts) the feed list in `dir`.
    pub fn open(dir: &Path) -> Result<Registry, RegistryError> {
        let path = dir.join("feeds.json");
        std::fs::create_dir_all(dir).map_err(|source| RegistryError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let file: File = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| RegistryError::Read {
                path: path.clone(),
                detail: format!("line {} column {}: {e}", e.line(), e.column()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File {
                version: 1,
                feeds: Vec::new(),
            },
            Err(e) => {
                return Err(RegistryError::Read {
                    path,
                    detail: e.to_string(),
                });
            }
        };
        let mut inner = Inner {
            feeds: BTreeMap::new(),
            by_url: HashMap::new(),
            links: HashMap::new(),
            queue: BTreeSet::new(),
        };
        for r in file.feeds {
            inner.by_url.insert(r.feed.url.clone(), r.feed.id.clone());
            for s in &r.state.seen {
                if s.link != 0 {
                    inner.links.entry(s.link).or_insert_with(|| r.feed.id.clone());
                }
            }
            inner.enqueue(&r.feed);
            inner.feeds.insert(r.feed.id.clone(), r);
        }
        Ok(Registry {
            path,
            inner: Mutex::new(inner),
            dirty: AtomicBool::new(false),
        })
    }

    /// Follows a feed; an URL already followed gives the existing feed (`false`), with the
    /// new tags added.
    pub fn add(&self, new: NewFeed, now: OffsetDateTime) -> Result<(Feed, bool), RegistryError> {
        let url = check_url(&new.url)?;
        let mut inner = lock(&self.inner);
        if let Some(id) = inner.by_url.get(&url).cloned() {
            let rec = inner
                .feeds
                .get_mut(&id)
                .ok_or_else(|| RegistryError::NotFound(id.clone()))?;
            for t in new.tags {
                if !rec.feed.tags.contains(&t) {
                    rec.feed.tags.push(t);
                }
            }
            self.dirty.store(true, Ordering::Release);
            return Ok((rec.feed.clone(), false));
        }
        let parsed = url::Url::parse(&url).ok();
        let base = new
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(slug)
            .unwrap_or_else(|| {
                slug(
                    parsed
                        .as_ref()
                        .and_then(|u| u.host_str())
                        .unwrap_or("feed")
                        .trim_start_matches("www."),
                )
            });
        let mut id = base.clone();
        let mut n = 2;
        while inner.feeds.contains_key(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let title_fixed = new.title.as_deref().is_some_and(|t| !t.trim().is_empty());
        let feed = Feed {
            id: id.clone(),
            url: url.clone(),
            title: new.title.map(|t| t.trim().to_string()).unwrap_or_default(),
            site_url: new.site_url,
            tags: new.tags,
            full_text: new.full_text,
            added_at: now,
            health: Health {
                next_poll_at: Some(new.first_poll.unwrap_or(now)),
                ..Health::default()
            },
        };
        inner.by_url.insert(url, id.clone());
        inner.enqueue(&feed);
        inner.feeds.insert(
            id,
            Record {
                feed: feed.clone(),
                state: PollState {
                    title_fixed,
                    id_provisional: !title_fixed,
                    ..PollState::default()
                },
            },
        );
        self.dirty.store(true, Ordering::Release);
        Ok((feed, true))
    }

    /// Gives a feed whose id is still provisional (no story carries it yet) an id made
    /// from `title`; the new id, or `None` when it keeps its id.
    pub fn rename_from_title(&self, id: &str, title: &str) -> Option<String> {
        let mut inner = lock(&self.inner);
        let rec = inner.feeds.get(id)?;
        if !rec.state.id_provisional || !rec.state.seen.is_empty() || rec.feed.health.items_seen > 0 {
            return None;
        }
        let base = slug(title);
        if base == "feed" || base == id {
            inner.feeds.get_mut(id)?.state.id_provisional = false;
            return None;
        }
        let mut new_id = base.clone();
        let mut n = 2;
        while inner.feeds.contains_key(&new_id) {
            new_id = format!("{base}-{n}");
            n += 1;
        }
        let mut rec = inner.feeds.remove(id)?;
        inner.dequeue(&rec.feed);
        rec.feed.id.clone_from(&new_id);
        rec.state.id_provisional = false;
        inner.by_url.insert(rec.feed.url.clone(), new_id.clone());
        inner.enqueue(&rec.feed);
        inner.feeds.insert(new_id.clone(), rec);
        self.dirty.store(true, Ordering::Release);
        Some(new_id)
    }

    /// Stops following a feed (its stories stay).
    pub fn remove(&self, id: &str) -> Option<Feed> {
        let mut inner = lock(&self.inner);
        let rec = inner.feeds.remove(id)?;
        inner.dequeue(&rec.feed);
        inner.by_url.remove(&rec.feed.url);
        inner.links.retain(|_, f| f != id);
        self.dirty.store(true, Ordering::Release);
        Some(rec.feed)
    }

    pub fn get(&self, id: &str) -> Option<Feed> {
        lock(&self.inner).feeds.get(id).map(|r| r.feed.clone())
    }

    /// A feed with its poll state.
    pub fn get_full(&self, id: &str) -> Option<(Feed, PollState)> {
        lock(&self.inner)
            .feeds
            .get(id)
            .map(|r| (r.feed.clone(), r.state.clone()))
    }

    /// Every feed, by id.
    pub fn list(&self) -> Vec<Feed> {
        lock(&self.inner).feeds.values().map(|r| r.feed.clone()).collect()
    }

    /// How many feeds are followed, and how many of them failed their last poll.
    pub fn health_counts(&self) -> (usize, usize) {
        let inner = lock(&self.inner);
        let failing = inner
            .feeds
            .values()
            .filter(|r| r.feed.health.last_error.is_some())
            .count();
        (inner.feeds.len(), failing)
    }

    pub fn len(&self) -> usize {
        lock(&self.inner).feeds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Active feeds due at `now` that are not in `busy`, soonest first, at most `limit`;
    /// and the earliest time any other active feed falls due.
    pub fn due(
        &self,
        now: OffsetDateTime,
        busy: &HashSet<String>,
        limit: usize,
    ) -> (Vec<String>, Option<OffsetDateTime>) {
        let inner = lock(&self.inner);
        let mut due = Vec::new();
        let mut next = None;
        for (at, id) in &inner.queue {
            if *at > now || due.len() >= limit {
                next = Some(*at);
                break;
            }
            if !busy.contains(id) {
                due.push(id.clone());
            }
        }
        (due, next)
    }

    /// Changes one feed (and its poll state) under the lock; `None` if it is gone.
    pub fn update<T>(&self, id: &str, f: impl FnOnce(&mut Feed, &mut PollState) -> T) -> Option<T> {
        let mut inner = lock(&self.inner);
        let rec = inner.feeds.get_mut(id)?;
        let old_url = rec.feed.url.clone();
        let old_key = queue_key(&rec.feed);
        let out = f(&mut rec.feed, &mut rec.state);
        let new_url = rec.feed.url.clone();
        let new_key = queue_key(&rec.feed);
        if new_url != old_url {
            inner.by_url.remove(&old_url);
            inner.by_url.insert(new_url, id.to_string());
        }
        if old_key != new_key {
            if let Some(k) = old_key {
                inner.queue.remove(&k);
            }
            if let Some(k) = new_key {
                inner.queue.insert(k);
            }
        }
        self.dirty.store(true, Ordering::Release);
        Some(out)
    }

    /// What to do with each item (`Seen` with the item's hashes) of a fetch of feed `id`.
    pub fn plan(&self, id: &str, items: &[Seen]) -> Vec<Plan> {
        let inner = lock(&self.inner);
        let Some(rec) = inner.feeds.get(id) else {
            return vec![Plan::Unchanged; items.len()];
        };
        let known: HashMap<u64, u64> = rec.state.seen.iter().map(|s| (s.key, s.content)).collect();
        let mut in_doc = HashSet::new();
        items
            .iter()
            .map(|it| {
                if !in_doc.insert(it.key) {
                    return Plan::Unchanged; // a duplicate GUID within one document
                }
                match known.get(&it.key) {
                    Some(c) if *c == it.content => Plan::Unchanged,
                    Some(_) => Plan::Changed,
                    None => match inner.links.get(&it.link) {
                        Some(other) if it.link != 0 && other != id && inner.feeds.contains_key(other) => {
                            Plan::Elsewhere
                        }
                        _ => Plan::New,
                    },
                }
            })
            .collect()
    }

    /// Records items as turned into stories for feed `id` (newest knowledge wins),
    /// keeping at most [`SEEN_PER_FEED`] beyond `keep` (the latest document's items).
    pub fn remember(&self, id: &str, published: &[Seen], keep: &[Seen]) {
        let mut inner = lock(&self.inner);
        let Inner { feeds, links, .. } = &mut *inner;
        let Some(rec) = feeds.get_mut(id) else {
            return;
        };
        let seen = &mut rec.state.seen;
        for p in published {
            if let Some(s) = seen.iter_mut().find(|s| s.key == p.key) {
                *s = *p;
            } else {
                seen.push(*p);
            }
            if p.link != 0 {
                links.entry(p.link).or_insert_with(|| id.to_string());
            }
        }
        if seen.len() > SEEN_PER_FEED + keep.len() {
            let keep_keys: HashSet<u64> = keep.iter().map(|k| k.key).collect();
            let mut excess = seen.len() - SEEN_PER_FEED - keep.len();
            let mut dropped = Vec::new();
            seen.retain(|s| {
                if excess > 0 && !keep_keys.contains(&s.key) {
                    excess -= 1;
                    dropped.push(s.link);
                    false
                } else {
                    true
                }
            });
            for l in dropped {
                if links.get(&l).is_some_and(|f| f == id) {
                    links.remove(&l);
                }
            }
        }
        self.dirty.store(true, Ordering::Release);
    }

    /// Writes the list if anything changed since the last write.
    pub fn save_if_dirty(&self) -> Result<bool, RegistryError> {
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        match self.save() {
            Ok(()) => Ok(true),
            Err(e) => {
                self.dirty.store(true, Ordering::Release);
                Err(e)
            }
        }
    }

    /// Writes the list now: to a temporary file, synced, then renamed over the old one,
    /// so a crash leaves either the old list or the new one.
    pub fn save(&self) -> Result<(), RegistryError> {
        let bytes = {
            let inner = lock(&self.inner);
            let file = FileRef {
                version: 1,
                feeds: inner.feeds.values().collect(),
            };
            serde_json::to_vec(&file).map_err(|e| RegistryError::Write {
                path: self.path.clone(),
                source: std::io::Error::other(e),
            })?
        };
        let err = |source| RegistryError::Write {
            path: self.path.clone(),
            source,
        };
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(err)?;
        f.write_all(&bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct FileRef<'a> {
    version: u32,
    feeds: Vec<&'a Record>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 03:00 UTC);

    fn new(url: &str, title: Option<&str>) -> NewFeed {
        NewFeed {
            url: url.into(),
            title: title.map(String::from),
            ..NewFeed::default()
        }
    }

    #[test]
    fn ids_are_readable_unique_and_urls_followed_once() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        let (a, created) = r
            .add(new("https://wire.example/rss", Some("Harbour Wire")), NOW)
            .unwrap();
        assert!(created);
        assert_eq!(a.id, "harbour-wire");
        let (b, _) = r
            .add(new("https://other.example/rss", Some("Harbour Wire!")), NOW)
            .unwrap();
        assert_eq!(b.id, "harbour-wire-2");
        let (c, _) = r.add(new("https://www.ledger.example/atom", None), NOW).unwrap();
        assert_eq!(c.id, "ledger-example");
        let mut again = new("https://wire.example/rss", None);
        again.tags = vec!["ports".into()];
        let (d, created) = r.add(again, NOW).unwrap();
        assert!(!created);
        assert_eq!(d.id, "harbour-wire");
        assert_eq!(d.tags, vec!["ports"]);
        assert!(matches!(
            r.add(new("ftp://x.example/f", None), NOW),
            Err(RegistryError::BadUrl { .. })
        ));
        assert!(matches!(
            r.add(new("not a url", None), NOW),
            Err(RegistryError::BadUrl { .. })
        ));
    }

    #[test]
    fn a_host_made_id_becomes_the_title_until_stories_carry_it() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        let (f, _) = r.add(new("https://www.coast.example/rss", None), NOW).unwrap();
        assert_eq!(f.id, "coast-example");
        assert_eq!(
            r.rename_from_title("coast-example", "Coast Desk").as_deref(),
            Some("coast-desk")
        );
        assert!(r.get("coast-example").is_none());
        let (due, _) = r.due(NOW, &HashSet::new(), 10);
        assert_eq!(due, vec!["coast-desk"], "the poll queue follows the rename");
        assert_eq!(r.get("coast-desk").unwrap().url, "https://www.coast.example/rss");
        assert_eq!(r.rename_from_title("coast-desk", "Other"), None, "once only");
        let (g, _) = r.add(new("https://wire.example/rss", Some("Wire")), NOW).unwrap();
        assert_eq!(
            r.rename_from_title(&g.id, "Other"),
            None,
            "a title the user gave stays"
        );
        let (h, _) = r.add(new("https://b.example/rss", None), NOW).unwrap();
        r.remember(
            &h.id,
            &[Seen {
                key: 1,
                content: 1,
                link: 0,
            }],
            &[],
        );
        assert_eq!(
            r.rename_from_title(&h.id, "Bee"),
            None,
            "stories carry it already"
        );
    }

    #[test]
    fn state_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        {
            let r = Registry::open(dir.path()).unwrap();
            r.add(new("https://wire.example/rss", Some("Wire")), NOW).unwrap();
            let items = [
                Seen {
                    key: 1,
                    content: 10,
                    link: 100,
                },
                Seen {
                    key: 2,
                    content: 20,
                    link: 0,
                },
            ];
            r.remember("wire", &items, &items);
            r.update("wire", |f, s| {
                f.health.items_seen = 2;
                s.etag = Some("\"v1\"".into());
            });
            assert!(r.save_if_dirty().unwrap());
            assert!(!r.save_if_dirty().unwrap(), "nothing new to write");
        }
        let r = Registry::open(dir.path()).unwrap();
        let (f, s) = r.get_full("wire").unwrap();
        assert_eq!(f.health.items_seen, 2);
        assert_eq!(s.etag.as_deref(), Some("\"v1\""));
        assert_eq!(s.seen.len(), 2);
        assert_eq!(
            s.seen[0],
            Seen {
                key: 1,
                content: 10,
                link: 100
            }
        );
    }

    #[test]
    fn plan_tells_new_changed_unchanged_and_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        r.add(new("https://a.example/rss", Some("A")), NOW).unwrap();
        r.add(new("https://b.example/rss", Some("B")), NOW).unwrap();
        let first = [
            Seen {
                key: 1,
                content: 10,
                link: 100,
            },
            Seen {
                key: 2,
                content: 20,
                link: 200,
            },
        ];
        assert_eq!(r.plan("a", &first), vec![Plan::New, Plan::New]);
        r.remember("a", &first, &first);
        let second = [
            Seen {
                key: 1,
                content: 10,
                link: 100,
            },
            Seen {
                key: 2,
                content: 21,
                link: 200,
            },
            Seen {
                key: 3,
                content: 30,
                link: 300,
            },
            Seen {
                key: 3,
                content: 30,
                link: 300,
            },
        ];
        assert_eq!(
            r.plan("a", &second),
            vec![Plan::Unchanged, Plan::Changed, Plan::New, Plan::Unchanged]
        );
        // Feed B carries A's story under its own guid: same link, one story.
        let via_b = [
            Seen {
                key: 9,
                content: 90,
                link: 100,
            },
            Seen {
                key: 8,
                content: 80,
                link: 0,
            },
        ];
        assert_eq!(r.plan("b", &via_b), vec![Plan::Elsewhere, Plan::New]);
        // Once A is gone, B's copy is the story.
        r.remove("a");
        assert_eq!(r.plan("b", &via_b), vec![Plan::New, Plan::New]);
    }

    #[test]
    fn seen_items_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        r.add(new("https://a.example/rss", Some("A")), NOW).unwrap();
        for round in 0..30u64 {
            let items: Vec<Seen> = (0..100)
                .map(|i| Seen {
                    key: round * 100 + i + 1,
                    content: 1,
                    link: round * 100 + i + 1,
                })
                .collect();
            r.remember("a", &items, &items);
        }
        let (_, s) = r.get_full("a").unwrap();
        assert_eq!(s.seen.len(), SEEN_PER_FEED + 100);
        assert!(
            s.seen.iter().any(|x| x.key == 3000),
            "the latest document's items stay"
        );
    }

    #[test]
    fn due_is_soonest_first_and_skips_busy_gone_and_future() {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        for (i, t) in ["A", "B", "C", "D"].iter().enumerate() {
            r.add(new(&format!("https://{t}.example/rss"), Some(t)), NOW)
                .unwrap();
            let at = NOW + time::Duration::seconds(i as i64 * 10 - 20);
            r.update(&t.to_lowercase(), |f, _| f.health.next_poll_at = Some(at));
        }
        r.update("b", |f, _| f.health.status = FeedStatus::Gone);
        let busy: HashSet<String> = ["c".to_string()].into();
        let (due, next) = r.due(NOW, &busy, 10);
        assert_eq!(due, vec!["a"]);
        assert_eq!(next, Some(NOW + time::Duration::seconds(10)));
        let (due, _) = r.due(NOW + time::Duration::minutes(1), &HashSet::new(), 1);
        assert_eq!(due, vec!["a"]);
    }

    #[test]
    fn a_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feeds.json"), b"{\"version\":1,\"feeds\":[{]}").unwrap();
        let e = Registry::open(dir.path()).err().unwrap().to_string();
        assert!(e.contains("feeds.json") && e.contains("line 1"), "{e}");
    }
}
