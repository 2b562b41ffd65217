//! The story store: ids, versions and dedup on top of the log, rebuilt by replay at open.
//!
//! Each log record is one story version as JSON (DESIGN §3) with `id`, `version`, `seq` and
//! `received_at` set. In memory the store keeps only what dedup and lookups need: per id the
//! latest version's seq, version number and its 64-bit [`version_key`], plus the
//! seqs of older versions for the few ids that have them. Story text stays in the log; the
//! log's own seq index answers seq lookups, since every payload carries its id.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use herald_model::{Source, Story, Timestamp};
use serde::Deserialize;

use crate::log::{FileLog, LogError, LogOptions, LogReader, MAX_PAYLOAD, OpenReport};

/// Errors of the story store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The underlying log failed (I/O, corruption, poisoned).
    #[error("story log: {0}")]
    Log(#[from] LogError),
    /// A log record is not a story this store could have written; replay refuses to guess.
    #[error("story log record at seq {seq} is not valid story JSON: {source}")]
    Decode {
        seq: u64,
        #[source]
        source: serde_json::Error,
    },
    /// A story could not be turned into JSON.
    #[error("cannot encode story {id} as JSON: {source}")]
    Encode {
        id: String,
        #[source]
        source: serde_json::Error,
    },
    /// Replay found records that contradict each other (for example a skipped version).
    #[error("story log record at seq {seq} is inconsistent: {reason}")]
    Inconsistent { seq: u64, reason: String },
}

/// What happened to one story handed to [`StoryStore::commit`].
// Stored carries the whole story because the caller indexes and streams it next; the batch
// vector is short-lived, so boxing would only add an allocation per story.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Committed {
    /// Written to the log: a new id (`version` 1) or a changed version of a known one.
    Stored {
        id: String,
        seq: u64,
        version: u32,
        story: Story,
        /// The story as written to the log (its JSON form), for callers that send it on.
        json: String,
    },
    /// Same content as the stored latest version; nothing was written.
    Duplicate { id: String, seq: u64, version: u32 },
    /// This story alone could not be stored (no id, or too large for one log record); the rest
    /// of the batch was unaffected.
    Rejected { id: String, reason: String },
}

/// What decides whether a re-sent story is a duplicate or a new version: the headline, body,
/// bullets, URL and publication time. A corrected headline or time is a new version;
/// identical text is a duplicate. The digest lives only in memory (it is recomputed from
/// the log at every start), so a fast non-cryptographic hash is enough: a false "duplicate"
/// needs a 64-bit collision between two versions of the same id.
pub fn version_key(story: &Story) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    // `str` hashing is length-delimited, so the parts cannot run into each other.
    story.headline.trim().hash(&mut h);
    story.body.trim().hash(&mut h);
    story.bullets.hash(&mut h);
    story.url.hash(&mut h);
    story.published_at.map(|t| t.unix_timestamp_nanos()).hash(&mut h);
    h.finish()
}

/// The latest version of one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Latest {
    seq: u64,
    key: u64,
    version: u32,
}

/// The in-memory maps, shared between the committer and readers.
#[derive(Debug, Default)]
struct Maps {
    latest: HashMap<Box<str>, Latest>,
    /// For ids with more than one version: the seqs of versions 1..latest (index = version - 1).
    older: HashMap<Box<str>, Vec<u64>>,
}

impl Maps {
    /// Records `version` of `id` at `seq` as the latest.
    fn record(&mut self, id: &str, latest: Latest) {
        match self.latest.get_mut(id) {
            Some(prev) => {
                self.older.entry(id.into()).or_default().push(prev.seq);
                *prev = latest;
            }
            None => {
                self.latest.insert(id.into(), latest);
            }
        }
    }

    fn seq_of(&self, id: &str, version: u32) -> Option<u64> {
        let latest = self.latest.get(id)?;
        if version == latest.version {
            return Some(latest.seq);
        }
        let index = usize::try_from(version.checked_sub(1)?).ok()?;
        self.older.get(id)?.get(index).copied()
    }
}

type SharedMaps = Arc<RwLock<Maps>>;

// Maps are changed only after a successful append, in one critical section that cannot panic
// midway in a way that matters (inserts of already-built values), so a poisoned lock is usable.
fn read_maps(maps: &SharedMaps) -> RwLockReadGuard<'_, Maps> {
    maps.read().unwrap_or_else(|e| e.into_inner())
}

fn write_maps(maps: &SharedMaps) -> RwLockWriteGuard<'_, Maps> {
    maps.write().unwrap_or_else(|e| e.into_inner())
}

/// The fields replay needs; the rest of the JSON is skipped, which keeps open fast.
#[derive(Deserialize)]
struct ReplayRecord {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: u32,
    headline: String,
    #[serde(default)]
    bullets: Vec<String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    published_at: Option<Timestamp>,
}

impl ReplayRecord {
    fn key(self) -> (String, u32, u64) {
        let story = Story {
            headline: self.headline,
            bullets: self.bullets,
            body: self.body,
            url: self.url,
            published_at: self.published_at,
            source: Source::default(),
            ..Story::default()
        };
        (self.id, self.version, version_key(&story))
    }
}

/// The story store. One owner (the node's committer task) commits; [`StoryReader`]s read.
#[derive(Debug)]
pub struct StoryStore {
    log: FileLog,
    reader: StoryReader,
}

impl StoryStore {
    /// Opens the store in `dir` with default log options and replays the log.
    pub fn open(dir: &Path) -> Result<(StoryStore, OpenReport), StoreError> {
        StoryStore::open_with(dir, LogOptions::default())
    }

    /// Opens the store in `dir` with the given log options and replays the log, rebuilding the
    /// id → latest version map. Fails on any record that is not a consistent story.
    pub fn open_with(dir: &Path, opts: LogOptions) -> Result<(StoryStore, OpenReport), StoreError> {
        let (log, report) = FileLog::open(dir, opts)?;
        let log_reader = log.reader();
        let mut maps = Maps::default();
        let mut failure = None;
        log_reader.scan(1, |seq, payload| match replay_one(&mut maps, seq, payload) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        let reader = StoryReader {
            log: log_reader,
            maps: Arc::new(RwLock::new(maps)),
        };
        Ok((StoryStore { log, reader }, report))
    }

    /// Idle-time work of the log: zero-fills one piece of room ahead of its data, so that
    /// commits flush their data alone (see `FileLog::preallocate_step`). True if there may
    /// be more to do.
    pub fn preallocate_step(&mut self) -> Result<bool, StoreError> {
        Ok(self.log.preallocate_step()?)
    }

    /// Stores a batch of stories (each with `id` set, normally by `herald_model::story_id`):
    /// duplicates are recognised, changed stories become the next version, new ids version 1.
    /// All written stories go to the log in one append (one fsync). Stories are judged in
    /// order, so the same id twice in a batch behaves as two commits in a row. A story with no
    /// `received_at` gets the current time. On error nothing is stored and no map changes.
    pub fn commit(&mut self, batch: Vec<Story>) -> Result<Vec<Committed>, StoreError> {
        let first_seq = self.log.last_seq() + 1;
        let mut out = Vec::with_capacity(batch.len());
        let mut payloads: Vec<String> = Vec::new();
        // Decisions made earlier in this batch, consulted before the shared map.
        let mut pending: HashMap<String, Latest> = HashMap::new();
        // The map entries to apply once the append succeeded, in seq order.
        let mut updates: Vec<(String, Latest)> = Vec::new();
        {
            let maps = read_maps(&self.reader.maps);
            for mut story in batch {
                if story.id.trim().is_empty() {
                    out.push(Committed::Rejected {
                        id: story.id,
                        reason: "story has no id".to_string(),
                    });
                    continue;
                }
                let key = version_key(&story);
                let current = pending
                    .get(&story.id)
                    .or_else(|| maps.latest.get(story.id.as_str()))
                    .copied();
                if let Some(cur) = current
                    && cur.key == key
                {
                    out.push(Committed::Duplicate {
                        id: story.id,
                        seq: cur.seq,
                        version: cur.version,
                    });
                    continue;
                }
                let version = current.map_or(1, |c| c.version.saturating_add(1));
                let seq = first_seq + payloads.len() as u64;
                story.version = version;
                story.seq = seq;
                if story.received_at.is_none() {
                    story.received_at = Some(time::OffsetDateTime::now_utc());
                }
                let json = serde_json::to_string(&story).map_err(|source| StoreError::Encode {
                    id: story.id.clone(),
                    source,
                })?;
                if json.len() > MAX_PAYLOAD {
                    out.push(Committed::Rejected {
                        reason: format!(
                            "story is {} bytes as JSON, over the limit of {MAX_PAYLOAD}",
                            json.len()
                        ),
                        id: story.id,
                    });
                    continue;
                }
                payloads.push(json);
                let latest = Latest { seq, key, version };
                pending.insert(story.id.clone(), latest);
                updates.push((story.id.clone(), latest));
                out.push(Committed::Stored {
                    id: story.id.clone(),
                    seq,
                    version,
                    story,
                    json: String::new(),
                });
            }
        }
        if payloads.is_empty() {
            return Ok(out);
        }

        let slices: Vec<&[u8]> = payloads.iter().map(String::as_bytes).collect();
        let seqs = self.log.append(&slices)?;
        let expected = (first_seq..first_seq + payloads.len() as u64).collect::<Vec<_>>();
        if seqs != expected {
            // Cannot happen while this store is the log's only writer; if it does, the payloads
            // carry wrong seqs and the maps must not be updated from them.
            return Err(StoreError::Inconsistent {
                seq: seqs.first().copied().unwrap_or(0),
                reason: format!(
                    "log assigned seqs from {:?}, the store expected them from {first_seq}",
                    seqs.first()
                ),
            });
        }

        let mut maps = write_maps(&self.reader.maps);
        for (id, latest) in &updates {
            maps.record(id, *latest);
        }
        drop(maps);
        // Hand each stored story its log form, so callers need not serialise it again.
        let mut payloads = payloads.into_iter();
        for c in &mut out {
            if let Committed::Stored { json, .. } = c {
                *json = payloads.next().unwrap_or_default();
            }
        }
        Ok(out)
    }

    /// The latest version of `id`, or `None` for an unknown id.
    pub fn get(&self, id: &str) -> Result<Option<Story>, StoreError> {
        self.reader.get(id)
    }

    /// Version `version` (1-based) of `id`, or `None` if there is no such version.
    pub fn get_version(&self, id: &str, version: u32) -> Result<Option<Story>, StoreError> {
        self.reader.get_version(id, version)
    }

    /// A read handle for other threads (HTTP handlers, streams, reindex).
    pub fn reader(&self) -> StoryReader {
        self.reader.clone()
    }

    /// The seq of the last stored story version (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.log.last_seq()
    }

    /// Distinct story ids stored.
    pub fn len(&self) -> usize {
        self.reader.len()
    }

    /// Whether no story has been stored.
    pub fn is_empty(&self) -> bool {
        self.reader.is_empty()
    }
}

/// Applies one replayed log record to `maps`.
fn replay_one(maps: &mut Maps, seq: u64, payload: &[u8]) -> Result<(), StoreError> {
    let record: ReplayRecord =
        serde_json::from_slice(payload).map_err(|source| StoreError::Decode { seq, source })?;
    let (id, version, key) = record.key();
    if id.trim().is_empty() {
        return Err(StoreError::Inconsistent {
            seq,
            reason: "story has no id".to_string(),
        });
    }
    let expected = maps
        .latest
        .get(id.as_str())
        .map_or(1, |l| l.version.saturating_add(1));
    if version != expected {
        return Err(StoreError::Inconsistent {
            seq,
            reason: format!("story {id} has version {version}, expected {expected}"),
        });
    }
    maps.record(&id, Latest { seq, key, version });
    Ok(())
}

/// A cheap, shareable read handle on a [`StoryStore`]; sees a story once its commit returned.
#[derive(Debug, Clone)]
pub struct StoryReader {
    log: LogReader,
    maps: SharedMaps,
}

impl StoryReader {
    /// The seq of the latest version of `id` (no log read).
    pub fn latest_seq(&self, id: &str) -> Option<u64> {
        read_maps(&self.maps).latest.get(id).map(|l| l.seq)
    }

    /// The latest version of `id`, or `None` for an unknown id.
    pub fn get(&self, id: &str) -> Result<Option<Story>, StoreError> {
        let seq = read_maps(&self.maps).latest.get(id).map(|l| l.seq);
        match seq {
            Some(seq) => self.by_seq(seq),
            None => Ok(None),
        }
    }

    /// Version `version` (1-based) of `id`, or `None` if there is no such version.
    pub fn get_version(&self, id: &str, version: u32) -> Result<Option<Story>, StoreError> {
        let seq = read_maps(&self.maps).seq_of(id, version);
        match seq {
            Some(seq) => self.by_seq(seq),
            None => Ok(None),
        }
    }

    /// The story version stored at `seq`, or `None` if `seq` is not committed.
    pub fn by_seq(&self, seq: u64) -> Result<Option<Story>, StoreError> {
        let Some(payload) = self.log.read(seq)? else {
            return Ok(None);
        };
        decode(seq, &payload).map(Some)
    }

    /// Calls `f` with every stored version from `seq` on, in seq order (stream resume,
    /// reindex), until it returns `Break` or has caught up with the log.
    pub fn scan_from(&self, seq: u64, mut f: impl FnMut(Story) -> ControlFlow<()>) -> Result<(), StoreError> {
        let mut failure = None;
        self.log.scan(seq, |seq, payload| match decode(seq, payload) {
            Ok(story) => f(story),
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The seq of the last stored story version (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.log.last_seq()
    }

    /// Distinct story ids stored.
    pub fn len(&self) -> usize {
        read_maps(&self.maps).latest.len()
    }

    /// Whether no story has been stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn decode(seq: u64, payload: &[u8]) -> Result<Story, StoreError> {
    let mut story: Story =
        serde_json::from_slice(payload).map_err(|source| StoreError::Decode { seq, source })?;
    // The log's seq is authoritative; the payload copy is only a convenience for consumers.
    story.seq = seq;
    Ok(story)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(headline: &str) -> Story {
        Story {
            id: "st_test".into(),
            headline: headline.into(),
            body: "The council met on Tuesday.".into(),
            ..Story::default()
        }
    }

    #[test]
    fn handles_can_cross_threads() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        fn movable<T: Send + 'static>() {}
        shareable::<StoryReader>();
        movable::<StoryStore>();
    }

    #[test]
    fn version_key_tracks_what_readers_see() {
        let base = story("Council Approves Ferry Budget");
        let same = base.clone();
        assert_eq!(version_key(&base), version_key(&same));

        let mut bullets = base.clone();
        bullets.bullets = vec!["Fares frozen".into()];
        let mut url = base.clone();
        url.url = Some("https://example.invalid/ferry".into());
        let mut time = base.clone();
        time.published_at = Some(time::macros::datetime!(2026-03-01 09:00 UTC));
        let mut headline = base.clone();
        headline.headline = "Council Approves Larger Ferry Budget".into();
        for changed in [&bullets, &url, &time, &headline] {
            assert_ne!(version_key(&base), version_key(changed));
        }

        // Enrichment and delivery metadata do not make a new version.
        let mut enriched = base.clone();
        enriched.fingerprint = Some("abc".into());
        enriched.seq = 99;
        assert_eq!(version_key(&base), version_key(&enriched));
    }

    #[test]
    fn bullet_boundaries_are_unambiguous() {
        let mut a = story("Split");
        a.bullets = vec!["ab".into(), "c".into()];
        let mut b = story("Split");
        b.bullets = vec!["a".into(), "bc".into()];
        assert_ne!(version_key(&a), version_key(&b));
    }
}
