//! The durable record of alert hits: `DATA/alerts/hits.log`, JSON lines each with a
//! strictly increasing `hit_seq`, plus `{"processed": SEQ}` marks saying how far through
//! the story log matching has got, so that a restart resumes without losing or repeating
//! a hit. One writer (the matching thread); any number of readers (streams, webhooks).
//!
//! Like the story log, the file keeps zero-filled room ahead of its last line, made while
//! matching is idle, so that recording a story's hits flushes data alone rather than
//! waiting on the filesystem journal for a new file size (see `herald_store::log`).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use herald_model::Story;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AlertsError;

/// Every this many hits the file offset is remembered, so a reader starting from a
/// hit_seq seeks close to it instead of reading the file from the start.
const SPARSE_EVERY: u64 = 256;

/// Zero-filled room kept ahead of the last line: a few hundred stories' hits.
const PREALLOC_AHEAD: u64 = 4 * 1024 * 1024;

/// Zeros written and synced per [`HitsLog::preallocate_step`].
const PREALLOC_PIECE: u64 = 256 * 1024;

/// The story a hit is about, as a hit carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StorySummary {
    pub id: String,
    pub seq: u64,
    pub headline: String,
    pub source: SourceSummary,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    #[serde(default)]
    pub url: Option<String>,
    /// Topic codes, most relevant first.
    #[serde(default)]
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub id: String,
    pub name: String,
}

impl StorySummary {
    pub fn of(story: &Story) -> StorySummary {
        StorySummary {
            id: story.id.clone(),
            seq: story.seq,
            headline: story.headline.clone(),
            source: SourceSummary {
                id: story.source.id.clone(),
                name: story.source.name.clone(),
            },
            published_at: story.published_at,
            url: story.url.clone(),
            topics: story.topics.iter().map(|t| t.code.clone()).collect(),
        }
    }
}

/// One delivered hit: an alert's query matched a story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitRecord {
    pub hit_seq: u64,
    pub alert_id: String,
    pub alert_name: String,
    /// The query's terms the story matched, as written in the query language.
    pub terms: Vec<String>,
    pub story: StorySummary,
    /// When the hit was found.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Hits of this alert held back by its rate limit since the previous delivered one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Serialize, Deserialize)]
struct Mark {
    processed: u64,
}

/// Per alert: how many hits, and when the last one was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HitStats {
    pub count: u64,
    pub last_at: Option<OffsetDateTime>,
}

/// What readers share with the writer: how far the file is durable, and where hits begin.
#[derive(Debug, Default)]
struct Progress {
    /// The highest hit_seq that is fsync'd (readers never look past it).
    durable: AtomicU64,
    /// Bytes of the file that are durable lines (the rest is room or being written).
    /// Stored before `durable`, so a reader that sees a hit_seq also sees its bytes.
    durable_len: AtomicU64,
    /// (hit_seq, byte offset of its line), every [`SPARSE_EVERY`] hits.
    sparse: RwLock<Vec<(u64, u64)>>,
}

/// The writer.
pub struct HitsLog {
    path: PathBuf,
    file: File,
    /// Bytes of whole lines; `len..allocated` is durable zero-filled room.
    len: u64,
    allocated: u64,
    /// A preallocation write failed: appends go on growing the file.
    prealloc_failed: bool,
    next_hit: u64,
    processed: u64,
    marked: u64,
    progress: Arc<Progress>,
}

/// A reader; cheap to clone.
#[derive(Clone)]
pub struct HitsReader {
    path: PathBuf,
    progress: Arc<Progress>,
}

fn io_err(what: &str, path: &Path, source: std::io::Error) -> AlertsError {
    AlertsError::Io {
        what: what.to_string(),
        path: path.to_path_buf(),
        source,
    }
}

impl HitsLog {
    /// Opens (or creates) `dir/hits.log`, cutting off a torn tail, and counts hits per
    /// alert id. A new file starts at `log_last_seq`: stories already in the log when
    /// alerts first ran are never matched.
    pub fn open(dir: &Path, log_last_seq: u64) -> Result<(HitsLog, HashMap<String, HitStats>), AlertsError> {
        let path = dir.join("hits.log");
        let progress = Arc::new(Progress::default());
        let mut stats: HashMap<String, HitStats> = HashMap::new();
        let (mut last_hit, mut processed, mut good_len, mut existed) = (0u64, 0u64, 0u64, false);
        match File::open(&path) {
            Ok(f) => {
                existed = true;
                let mut r = BufReader::new(f);
                let mut line = String::new();
                let mut sparse = Vec::new();
                loop {
                    line.clear();
                    let n = r.read_line(&mut line).map_err(|e| io_err("reading", &path, e))?;
                    // A line without its newline, or one that does not parse, is where a
                    // crash interrupted an append: everything from there on is cut off
                    // (none of it was reported durable).
                    if n == 0 || !line.ends_with('\n') {
                        break;
                    }
                    if let Ok(h) = serde_json::from_str::<HitRecord>(line.trim_end()) {
                        if h.hit_seq <= last_hit {
                            break;
                        }
                        if last_hit / SPARSE_EVERY != h.hit_seq / SPARSE_EVERY || sparse.is_empty() {
                            sparse.push((h.hit_seq, good_len));
                        }
                        last_hit = h.hit_seq;
                        processed = processed.max(h.story.seq);
                        let s = stats.entry(h.alert_id).or_default();
                        s.count += 1;
                        s.last_at = Some(h.at);
                    } else if let Ok(m) = serde_json::from_str::<Mark>(line.trim_end()) {
                        processed = processed.max(m.processed);
                    } else {
                        break;
                    }
                    good_len += n as u64;
                }
                *progress.sparse.write().unwrap_or_else(|p| p.into_inner()) = sparse;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("opening", &path, e)),
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| io_err("opening", &path, e))?;
        let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut allocated = good_len;
        if file_len > good_len {
            let room = herald_store::all_zero(&file, good_len, file_len)
                .map_err(|e| io_err("reading the tail of", &path, e))?;
            if room {
                allocated = file_len;
            } else {
                tracing::warn!(path = %path.display(), "cutting off a torn tail of the hits log");
                file.set_len(good_len)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| io_err("truncating", &path, e))?;
            }
        }
        progress.durable_len.store(good_len, Ordering::Release);
        progress.durable.store(last_hit, Ordering::Release);
        let mut log = HitsLog {
            path,
            file,
            len: good_len,
            allocated,
            prealloc_failed: false,
            next_hit: last_hit + 1,
            processed,
            marked: processed,
            progress,
        };
        if !existed {
            log.append(&[], log_last_seq)?;
        }
        Ok((log, stats))
    }

    /// The last story seq whose hits are all recorded.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// The hit_seq the next hit gets.
    pub fn next_hit_seq(&self) -> u64 {
        self.next_hit
    }

    pub fn reader(&self) -> HitsReader {
        HitsReader {
            path: self.path.clone(),
            progress: self.progress.clone(),
        }
    }

    /// Appends hits (numbered from [`HitsLog::next_hit_seq`] by the caller) and a mark that
    /// stories up to `processed` are done, then fsyncs once for all of them.
    pub fn append(&mut self, hits: &[HitRecord], processed: u64) -> Result<(), AlertsError> {
        let mut lines = Vec::with_capacity(hits.len());
        for h in hits {
            let json = serde_json::to_string(h).map_err(|e| AlertsError::Encode(e.to_string()))?;
            lines.push((h.hit_seq, json));
        }
        let lines: Vec<(u64, &str)> = lines.iter().map(|(n, j)| (*n, j.as_str())).collect();
        self.append_lines(&lines, processed)
    }

    /// [`HitsLog::append`] of hits already serialized as JSON (one line each, no newline):
    /// `(hit_seq, json)`, so that the matching thread serializes a hit once for the file
    /// and the stream.
    pub fn append_lines(&mut self, hits: &[(u64, &str)], processed: u64) -> Result<(), AlertsError> {
        let mut buf = String::with_capacity(hits.iter().map(|(_, j)| j.len() + 1).sum::<usize>() + 32);
        let mut offsets = Vec::new();
        for (hit_seq, json) in hits {
            if hit_seq % SPARSE_EVERY == 0 || *hit_seq == 1 {
                offsets.push((*hit_seq, self.len + buf.len() as u64));
            }
            buf.push_str(json);
            buf.push('\n');
        }
        buf.push_str(&format!("{{\"processed\":{processed}}}\n"));
        let res = self
            .file
            .write_all_at(buf.as_bytes(), self.len)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = res {
            // Leave no half-written tail behind for the next append to follow (the room
            // goes with it: it may hold part of this write).
            let _ = self.file.set_len(self.len);
            self.allocated = self.len;
            return Err(io_err("appending to", &self.path, e));
        }
        self.len += buf.len() as u64;
        self.allocated = self.allocated.max(self.len);
        self.progress.durable_len.store(self.len, Ordering::Release);
        self.processed = processed;
        self.marked = processed;
        if let Some((last, _)) = hits.last() {
            self.next_hit = last + 1;
            if !offsets.is_empty() {
                self.progress
                    .sparse
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(offsets);
            }
            self.progress.durable.store(*last, Ordering::Release);
        }
        Ok(())
    }

    /// Whether [`HitsLog::preallocate_step`] has work to do.
    pub fn wants_room(&self) -> bool {
        !self.prealloc_failed && self.allocated < self.len + PREALLOC_AHEAD
    }

    /// Zero-fills and syncs one piece of room after the last line if less than
    /// [`PREALLOC_AHEAD`] is left; true if it wrote. A failure stops preallocation (appends
    /// then grow the file as before) and is returned for logging.
    pub fn preallocate_step(&mut self) -> Result<bool, AlertsError> {
        if !self.wants_room() {
            return Ok(false);
        }
        if let Err(e) = herald_store::write_room(&self.file, self.allocated, PREALLOC_PIECE) {
            self.prealloc_failed = true;
            return Err(io_err("preallocating room in", &self.path, e));
        }
        self.allocated += PREALLOC_PIECE;
        Ok(true)
    }

    /// Notes that stories up to `seq` produced no hits; written by [`HitsLog::flush_mark`].
    pub fn advance(&mut self, seq: u64) {
        self.processed = self.processed.max(seq);
    }

    /// Writes a pending mark, if [`HitsLog::advance`] moved past the last one.
    pub fn flush_mark(&mut self) -> Result<(), AlertsError> {
        if self.processed > self.marked {
            self.append(&[], self.processed)?;
        }
        Ok(())
    }
}

impl HitsReader {
    /// The highest hit_seq that is durable.
    pub fn durable(&self) -> u64 {
        self.progress.durable.load(Ordering::Acquire)
    }

    /// Up to `max` hits with hit_seq in `(after, upto]` that `keep` accepts, in order, and
    /// the last hit_seq looked at (so that the next call goes on from there).
    pub fn read(
        &self,
        after: u64,
        upto: u64,
        max: usize,
        keep: impl Fn(&HitRecord) -> bool,
    ) -> Result<(Vec<HitRecord>, u64), AlertsError> {
        let upto = upto.min(self.durable());
        if after >= upto {
            return Ok((Vec::new(), after));
        }
        // Never past the durable lines: after them comes zero-filled room.
        let durable_len = self.progress.durable_len.load(Ordering::Acquire);
        let start = {
            let sparse = self.progress.sparse.read().unwrap_or_else(|p| p.into_inner());
            let i = sparse.partition_point(|(seq, _)| *seq <= after + 1);
            i.checked_sub(1)
                .and_then(|i| sparse.get(i))
                .map_or(0, |(_, off)| *off)
        };
        let mut f = File::open(&self.path).map_err(|e| io_err("opening", &self.path, e))?;
        f.seek(SeekFrom::Start(start))
            .map_err(|e| io_err("seeking in", &self.path, e))?;
        let mut r = BufReader::new(f.take(durable_len.saturating_sub(start)));
        let mut line = String::new();
        let mut out = Vec::new();
        let mut covered;
        loop {
            line.clear();
            let n = r
                .read_line(&mut line)
                .map_err(|e| io_err("reading", &self.path, e))?;
            if n == 0 || !line.ends_with('\n') {
                return Ok((out, upto));
            }
            let Ok(h) = serde_json::from_str::<HitRecord>(line.trim_end()) else {
                continue;
            };
            if h.hit_seq <= after {
                continue;
            }
            if h.hit_seq > upto {
                return Ok((out, upto));
            }
            covered = h.hit_seq;
            if keep(&h) {
                out.push(h);
                if out.len() >= max {
                    return Ok((out, covered));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn hit(hit_seq: u64, alert: &str, story_seq: u64) -> HitRecord {
        HitRecord {
            hit_seq,
            alert_id: alert.into(),
            alert_name: "n".into(),
            terms: vec!["harbour".into()],
            story: StorySummary {
                id: format!("st_{story_seq}"),
                seq: story_seq,
                headline: "Harbour reopens".into(),
                source: SourceSummary {
                    id: "w".into(),
                    name: "W".into(),
                },
                published_at: None,
                url: None,
                topics: Vec::new(),
            },
            at: OffsetDateTime::UNIX_EPOCH,
            suppressed: 0,
        }
    }

    #[test]
    fn resumes_numbering_and_reads_from_any_point() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = HitsLog::open(dir.path(), 5).unwrap();
        assert_eq!(
            log.processed(),
            5,
            "a new hits log starts at the story log's head"
        );
        let hits: Vec<HitRecord> = (1..=600)
            .map(|i| hit(i, if i % 3 == 0 { "a" } else { "b" }, 5 + i))
            .collect();
        log.append(&hits, 605).unwrap();
        log.advance(610);
        log.flush_mark().unwrap();
        drop(log);
        let (log, stats) = HitsLog::open(dir.path(), 0).unwrap();
        assert_eq!((log.next_hit_seq(), log.processed()), (601, 610));
        assert_eq!(stats.get("a").map(|s| s.count), Some(200));
        let r = log.reader();
        let (got, covered) = r.read(299, 600, 10, |h| h.alert_id == "a").unwrap();
        let seqs: Vec<u64> = got.iter().map(|h| h.hit_seq).collect();
        assert_eq!(seqs, vec![300, 303, 306, 309, 312, 315, 318, 321, 324, 327]);
        assert_eq!(covered, 327);
        let (got, covered) = r.read(590, 10_000, 100, |_| true).unwrap();
        assert_eq!((got.len(), covered), (10, 600));
    }

    #[test]
    fn a_torn_tail_is_cut_and_numbering_goes_on_from_the_last_whole_hit() {
        let dir = tempfile::tempdir().unwrap();
        let (mut log, _) = HitsLog::open(dir.path(), 0).unwrap();
        log.append(&[hit(1, "a", 1), hit(2, "a", 2)], 2).unwrap();
        drop(log);
        let mut f = File::options()
            .append(true)
            .open(dir.path().join("hits.log"))
            .unwrap();
        f.write_all(b"{\"hit_seq\":3,\"alert_id\"").unwrap();
        let (mut log, _) = HitsLog::open(dir.path(), 0).unwrap();
        assert_eq!(log.next_hit_seq(), 3);
        log.append(&[hit(3, "a", 3)], 3).unwrap();
        let (got, _) = log.reader().read(0, 10, 10, |_| true).unwrap();
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn preallocated_room_takes_the_appends_is_never_read_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hits.log");
        let (mut log, _) = HitsLog::open(dir.path(), 0).unwrap();
        log.append(&[hit(1, "a", 1)], 1).unwrap();
        let mut steps = 0;
        while log.preallocate_step().unwrap() {
            steps += 1;
            assert!(steps < 100, "preallocation stops at its bound");
        }
        assert!(!log.wants_room());
        let len = std::fs::metadata(&path).unwrap().len();
        assert!(len >= PREALLOC_AHEAD, "room of {len} bytes");
        log.append(&[hit(2, "b", 2), hit(3, "a", 3)], 3).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            len,
            "the hits went into the room"
        );
        // A reader stops at the last durable line, however much room follows it.
        let (got, covered) = log.reader().read(0, 100, 100, |_| true).unwrap();
        let seqs: Vec<u64> = got.iter().map(|h| h.hit_seq).collect();
        assert_eq!((seqs, covered), (vec![1, 2, 3], 3));
        drop(log);

        let (mut log, stats) = HitsLog::open(dir.path(), 0).unwrap();
        assert_eq!((log.next_hit_seq(), log.processed()), (4, 3));
        assert_eq!(stats.get("a").map(|s| s.count), Some(2));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), len, "the room is kept");
        log.append(&[hit(4, "a", 4)], 4).unwrap();
        let (got, _) = log.reader().read(2, 100, 100, |_| true).unwrap();
        assert_eq!(got.iter().map(|h| h.hit_seq).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn a_torn_line_in_the_room_is_cut_with_the_room() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hits.log");
        let (mut log, _) = HitsLog::open(dir.path(), 0).unwrap();
        log.append(&[hit(1, "a", 1)], 1).unwrap();
        while log.preallocate_step().unwrap() {}
        drop(log);
        let good = std::fs::read(&path)
            .unwrap()
            .iter()
            .rposition(|b| *b == b'\n')
            .unwrap()
            + 1;
        // Half a line reached the disk inside the room before a crash.
        let f = File::options().write(true).open(&path).unwrap();
        f.write_all_at(b"{\"hit_seq\":2,\"alert_i", good as u64).unwrap();
        drop(f);
        let (mut log, _) = HitsLog::open(dir.path(), 0).unwrap();
        assert_eq!(log.next_hit_seq(), 2);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            good as u64,
            "cut at the last whole line"
        );
        log.append(&[hit(2, "a", 2)], 2).unwrap();
        let (got, _) = log.reader().read(0, 10, 10, |_| true).unwrap();
        assert_eq!(got.len(), 2);
    }
}
