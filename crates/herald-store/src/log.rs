//! The embedded append-only log: segment files of checksummed records, group-committed with one fsync.
//!
//! The log is the truth (DESIGN §1): a record is only visible to readers, and `append` only
//! returns, after it has been written and `sync_data`'d. Everything else in Herald is derived
//! from it by replay.
//!
//! # On-disk format
//!
//! A directory of segment files named `{first_seq:020}.log`. Each segment is a run of records:
//!
//! ```text
//! magic u16 | flags u16 | len u32 | seq u64 | crc32 u32 | payload (len bytes)
//! ```
//!
//! All integers are little-endian; the CRC-32 covers the first 16 header bytes and the payload.
//! Sequence numbers start at 1 and grow by exactly 1 per record across segments.
//!
//! # Preallocation
//!
//! Appending to the end of a file makes every `fdatasync` also commit the file's new size
//! through the filesystem's journal, where it queues behind whatever else the machine is
//! writing (the search index's segments, the hits log): on ext4 that is most of a commit's
//! latency tail. So the writer, when it has nothing else to do, zero-fills and syncs room
//! ahead of its data ([`FileLog::preallocate_step`]); a record written into that room is
//! made durable by flushing its data alone. Zeros after the last record of the last segment
//! are room, not damage; a segment is cut to its records before the next one starts.
//!
//! # Recovery
//!
//! On open every record is validated. A bad record at the very end of the last segment with
//! nothing valid after it is a torn write from a crash and is cut away. Anything else that is
//! wrong (a bad record with valid data after it, a bad record in an older segment, a seq gap)
//! is corruption and opening fails: Herald never skips data silently.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read};
use std::ops::ControlFlow;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Segments roll once they would grow past this many bytes (unless changed in [`LogOptions`]).
pub const DEFAULT_SEGMENT_BYTES: u64 = 128 * 1024 * 1024;

/// The largest payload one record may carry.
pub const MAX_PAYLOAD: usize = 16 * 1024 * 1024;

/// Bytes of the fixed record header.
pub const HEADER_LEN: usize = 20;

/// `b"HL"`; chosen non-zero so a zero-filled (preallocated) tail never looks like a record.
const MAGIC: u16 = u16::from_le_bytes(*b"HL");

/// Buffer size for sequential reads (open-time validation and `scan`).
const SCAN_BUF: usize = 256 * 1024;

/// Chunk size used when searching a damaged tail for a valid record.
const SEARCH_CHUNK: usize = 64 * 1024;

/// Zero-filled room the writer keeps ahead of its data when it is idle: some hundreds of
/// wire stories, so that a burst still writes into room made before it.
const PREALLOC_AHEAD: u64 = 2 * 1024 * 1024;

/// Zeros written (and synced) per [`FileLog::preallocate_step`]: small, so that a story
/// arriving meanwhile waits a millisecond or two at most.
const PREALLOC_PIECE: u64 = 256 * 1024;

/// Errors of the log. Each names the file (and byte offset) it is about.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// An operating-system call on a log file or directory failed.
    #[error("log I/O error while {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The log's files contain damage that is not a torn tail; the node must not start.
    #[error("log corrupt in {} at byte offset {offset}: {reason}", file.display())]
    Corrupt {
        file: PathBuf,
        offset: u64,
        reason: String,
    },
    /// A payload in an `append` batch is larger than [`MAX_PAYLOAD`]; nothing was written.
    #[error("log payload {index} of the batch is {len} bytes, over the limit of {max} bytes")]
    PayloadTooLarge { index: usize, len: usize, max: usize },
    /// An earlier write or fsync failed, so the file's tail is unknown until it is re-validated.
    #[error("log is poisoned after an I/O error, restart the node")]
    Poisoned,
}

impl LogError {
    fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        LogError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    fn corrupt(file: &Path, offset: u64, reason: impl Into<String>) -> Self {
        LogError::Corrupt {
            file: file.to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }
}

/// Tunables of a [`FileLog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// A new segment is started when the next batch would push the current one past this.
    pub segment_bytes: u64,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
        }
    }
}

/// What [`FileLog::open`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpenReport {
    /// Segment files in the log.
    pub segments: usize,
    /// Valid records (after any tail was cut).
    pub records: u64,
    /// The seq of the last valid record, 0 for an empty log.
    pub last_seq: u64,
    /// Set when a torn tail was cut away.
    pub truncated: Option<Truncation>,
    /// Zero-filled room found after the last record (left by preallocation, kept).
    pub room: u64,
}

/// A torn tail cut away at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// The segment that was shortened.
    pub file: PathBuf,
    /// The new length of the file: where the torn record began.
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes_cut: u64,
}

/// The storage behind Herald's story log: the embedded [`FileLog`] now, a replicated stream
/// (NATS JetStream) in cluster mode later (DESIGN §6).
pub trait Log: Send {
    /// Durably appends `payloads` in order and returns their seqs.
    fn append(&mut self, payloads: &[&[u8]]) -> Result<Vec<u64>, LogError>;
    /// The payload at `seq`, or `None` if no such record has been committed.
    fn read(&self, seq: u64) -> Result<Option<Vec<u8>>, LogError>;
    /// The seq of the last committed record (0 when empty).
    fn last_seq(&self) -> u64;
    /// Calls `f` for every committed record from `from_seq` on, in order, until it breaks.
    fn scan(&self, from_seq: u64, f: &mut dyn FnMut(u64, &[u8]) -> ControlFlow<()>) -> Result<(), LogError>;
}

/// Where one record lives. Kept small because there is one per record in memory.
#[derive(Debug, Clone, Copy)]
struct Loc {
    offset: u64,
    /// Index into `State::segments`.
    seg: u32,
    len: u32,
}

/// One segment as readers see it.
#[derive(Debug)]
struct Segment {
    first_seq: u64,
    path: PathBuf,
    /// Read-only handle; all reads are positional so readers never share a cursor.
    file: Arc<File>,
    /// End of the last committed record; readers never look past it.
    end: u64,
}

/// The index shared between the writer and all readers. `locs[i]` is the record with seq `i + 1`.
#[derive(Debug, Default)]
struct State {
    segments: Vec<Segment>,
    locs: Vec<Loc>,
}

impl State {
    fn last_seq(&self) -> u64 {
        self.locs.len() as u64
    }

    fn loc(&self, seq: u64) -> Option<Loc> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.locs.get(index).copied()
    }
}

type Shared = Arc<RwLock<State>>;

// The state is only changed by whole pushes/assignments, so a panicking holder cannot leave it
// half-updated; carrying on after a poisoned lock is safe.
fn read_state(shared: &Shared) -> RwLockReadGuard<'_, State> {
    shared.read().unwrap_or_else(|e| e.into_inner())
}

fn write_state(shared: &Shared) -> RwLockWriteGuard<'_, State> {
    shared.write().unwrap_or_else(|e| e.into_inner())
}

/// A decoded record header.
#[derive(Debug, Clone, Copy)]
struct Header {
    magic: u16,
    flags: u16,
    len: u32,
    seq: u64,
    crc: u32,
}

impl Header {
    fn decode(b: &[u8; HEADER_LEN]) -> Header {
        Header {
            magic: u16::from_le_bytes([b[0], b[1]]),
            flags: u16::from_le_bytes([b[2], b[3]]),
            len: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            seq: u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]),
            crc: u32::from_le_bytes([b[16], b[17], b[18], b[19]]),
        }
    }

    /// Checks what can be checked before reading the payload; `room` is the bytes available
    /// after the header in the file (or committed region).
    fn check(&self, room: u64) -> Result<(), String> {
        if self.magic != MAGIC {
            return Err(format!("bad record magic {:#06x}", self.magic));
        }
        if self.flags != 0 {
            return Err(format!("unknown record flags {:#06x}", self.flags));
        }
        if self.len as usize > MAX_PAYLOAD {
            return Err(format!(
                "record length {} is over the limit of {MAX_PAYLOAD}",
                self.len
            ));
        }
        if u64::from(self.len) > room {
            return Err(format!(
                "record of {} bytes runs past the end of the data ({room} bytes left)",
                self.len
            ));
        }
        Ok(())
    }
}

fn checksum(header: &[u8; HEADER_LEN], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&header[..16]);
    h.update(payload);
    h.finalize()
}

/// Appends one encoded record to `out`.
fn encode_record(out: &mut Vec<u8>, seq: u64, payload: &[u8]) {
    let mut header = [0u8; HEADER_LEN];
    header[0..2].copy_from_slice(&MAGIC.to_le_bytes());
    header[2..4].copy_from_slice(&0u16.to_le_bytes());
    // Callers checked payload.len() <= MAX_PAYLOAD, which fits in u32.
    header[4..8].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    header[8..16].copy_from_slice(&seq.to_le_bytes());
    let crc = checksum(&header, payload);
    header[16..20].copy_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
}

/// A `Read` over a region of a file using positional reads, so any number of readers (and the
/// writer) can use one handle without sharing a cursor. Never reads at or past `end`.
struct PreadReader {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for PreadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let Some(buf) = buf.get_mut(..want) else {
            return Ok(0);
        };
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads the record at the reader's position into `payload`. The outer error is an I/O failure;
/// the inner one says why the bytes are not a valid record.
fn read_record(
    reader: &mut impl Read,
    room: u64,
    payload: &mut Vec<u8>,
) -> io::Result<Result<Header, String>> {
    if room < HEADER_LEN as u64 {
        return Ok(Err(format!("incomplete record header ({room} bytes)")));
    }
    let mut hbytes = [0u8; HEADER_LEN];
    reader.read_exact(&mut hbytes)?;
    let header = Header::decode(&hbytes);
    if let Err(reason) = header.check(room - HEADER_LEN as u64) {
        return Ok(Err(reason));
    }
    payload.clear();
    payload.resize(header.len as usize, 0);
    reader.read_exact(payload)?;
    if checksum(&hbytes, payload) != header.crc {
        return Ok(Err("record checksum mismatch".to_string()));
    }
    Ok(Ok(header))
}

/// Whether a complete, checksum-valid record starts at `pos`.
fn valid_record_at(file: &File, pos: u64, file_len: u64) -> io::Result<bool> {
    let room = file_len.saturating_sub(pos);
    if room < HEADER_LEN as u64 {
        return Ok(false);
    }
    let mut hbytes = [0u8; HEADER_LEN];
    file.read_exact_at(&mut hbytes, pos)?;
    let header = Header::decode(&hbytes);
    if header.check(room - HEADER_LEN as u64).is_err() {
        return Ok(false);
    }
    let mut payload = vec![0u8; header.len as usize];
    file.read_exact_at(&mut payload, pos + HEADER_LEN as u64)?;
    Ok(checksum(&hbytes, &payload) == header.crc)
}

/// The offset of the first valid record starting in `from..file_len`, if any. This is what
/// tells a torn tail (nothing valid after the damage) from corruption (valid data after it).
fn find_valid_record(file: &File, from: u64, file_len: u64) -> io::Result<Option<u64>> {
    let magic = MAGIC.to_le_bytes();
    let mut chunk = vec![0u8; SEARCH_CHUNK];
    let mut pos = from;
    while pos + HEADER_LEN as u64 <= file_len {
        let n = chunk
            .len()
            .min(usize::try_from(file_len - pos).unwrap_or(usize::MAX));
        let Some(window) = chunk.get_mut(..n) else {
            break;
        };
        file.read_exact_at(window, pos)?;
        for (i, pair) in window.windows(2).enumerate() {
            if pair == magic && valid_record_at(file, pos + i as u64, file_len)? {
                return Ok(Some(pos + i as u64));
            }
        }
        // Overlap by one byte so a magic split across chunks is still seen; n >= HEADER_LEN here.
        pos += n as u64 - 1;
    }
    Ok(None)
}

/// Writes `len` zero bytes at `at` and syncs them: room that later writes fill in place,
/// flushed then without a journal commit (see the module's "Preallocation").
pub fn write_room(file: &File, at: u64, len: u64) -> io::Result<()> {
    let zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
    file.write_all_at(&zeros, at)?;
    file.sync_data()
}

/// Whether `from..to` of `file` holds only zero bytes (room preallocated by a writer that
/// keeps zero-filled space ahead of its data; the alerts' hits log does the same).
pub fn all_zero(file: &File, from: u64, to: u64) -> io::Result<bool> {
    let mut chunk = vec![0u8; SEARCH_CHUNK];
    let mut pos = from;
    while pos < to {
        let n = chunk.len().min(usize::try_from(to - pos).unwrap_or(usize::MAX));
        let Some(window) = chunk.get_mut(..n) else {
            break;
        };
        file.read_exact_at(window, pos)?;
        if window.iter().any(|b| *b != 0) {
            return Ok(false);
        }
        pos += n as u64;
    }
    Ok(true)
}

/// The valid part of one segment, as found by [`scan_segment`].
struct SegmentScan {
    /// (offset, payload length) of each valid record, in seq order.
    records: Vec<(u64, u32)>,
    /// Where the valid records end.
    end: u64,
}

/// Validates every record of a segment whose first record must have seq `first_seq`.
/// A damaged tail is only tolerated (returned as `end < file_len`) in the last segment.
fn scan_segment(
    path: &Path,
    file: &Arc<File>,
    file_len: u64,
    first_seq: u64,
    is_last: bool,
) -> Result<SegmentScan, LogError> {
    let mut reader = BufReader::with_capacity(
        SCAN_BUF,
        PreadReader {
            file: Arc::clone(file),
            pos: 0,
            end: file_len,
        },
    );
    let mut records = Vec::new();
    let mut payload = Vec::new();
    let mut pos = 0u64;
    let mut seq = first_seq;
    while pos < file_len {
        let record = read_record(&mut reader, file_len - pos, &mut payload)
            .map_err(|e| LogError::io("reading segment", path, e))?;
        let reason = match record {
            Ok(header) if header.seq == seq => {
                records.push((pos, header.len));
                pos += HEADER_LEN as u64 + u64::from(header.len);
                seq += 1;
                continue;
            }
            // A record that passes its checksum was written whole: a wrong seq is not a torn
            // write but a gap or a foreign record.
            Ok(header) => {
                return Err(LogError::corrupt(
                    path,
                    pos,
                    format!("record has seq {}, expected {seq}", header.seq),
                ));
            }
            Err(reason) => reason,
        };
        if !is_last {
            return Err(LogError::corrupt(
                path,
                pos,
                format!("{reason} in a segment that is not the last"),
            ));
        }
        let next = find_valid_record(file, pos + 1, file_len)
            .map_err(|e| LogError::io("searching the damaged tail of", path, e))?;
        if let Some(valid) = next {
            return Err(LogError::corrupt(
                path,
                pos,
                format!("{reason}, and a valid record follows at byte offset {valid}"),
            ));
        }
        break;
    }
    Ok(SegmentScan { records, end: pos })
}

fn segment_name(first_seq: u64) -> String {
    format!("{first_seq:020}.log")
}

/// The first seq encoded in a segment file name, if `name` is one.
fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".log")?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, LogError> {
    let entries = fs::read_dir(dir).map_err(|e| LogError::io("listing", dir, e))?;
    let mut segments = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| LogError::io("listing", dir, e))?;
        let name = entry.file_name();
        match name.to_str().and_then(parse_segment_name) {
            Some(first_seq) => segments.push((first_seq, entry.path())),
            None if name.to_string_lossy().ends_with(".log") => {
                tracing::warn!(file = %entry.path().display(), "ignoring a .log file that is not named like a segment");
            }
            None => {}
        }
    }
    segments.sort_unstable_by_key(|(first_seq, _)| *first_seq);
    Ok(segments)
}

/// Makes a file creation (or removal) in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| LogError::io("syncing directory", dir, e))
}

fn open_read_only(path: &Path) -> Result<Arc<File>, LogError> {
    File::open(path)
        .map(Arc::new)
        .map_err(|e| LogError::io("opening segment", path, e))
}

fn seg_index(index: usize, path: &Path) -> Result<u32, LogError> {
    u32::try_from(index).map_err(|_| LogError::corrupt(path, 0, "more than 2^32 segments"))
}

/// The embedded append-only log: one writer (this value), any number of [`LogReader`]s.
#[derive(Debug)]
pub struct FileLog {
    dir: PathBuf,
    opts: LogOptions,
    /// Read-write handle of the last segment; written with positional writes at `size`.
    current: File,
    current_path: PathBuf,
    current_index: u32,
    /// Bytes of committed records in the current segment.
    size: u64,
    /// Length of the current segment's file: `size..allocated` is durable zero-filled room.
    allocated: u64,
    /// A preallocation write failed: no more tries until the next segment (appends still work).
    prealloc_failed: bool,
    next_seq: u64,
    poisoned: bool,
    shared: Shared,
}

impl FileLog {
    /// Opens (creating if needed) the log in `dir`, validating every record, cutting a torn
    /// tail, and refusing with [`LogError::Corrupt`] on any other damage.
    pub fn open(dir: &Path, opts: LogOptions) -> Result<(FileLog, OpenReport), LogError> {
        fs::create_dir_all(dir).map_err(|e| LogError::io("creating log directory", dir, e))?;
        let mut found = list_segments(dir)?;
        if found.is_empty() {
            let path = dir.join(segment_name(1));
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| LogError::io("creating segment", &path, e))?;
            sync_dir(dir)?;
            found.push((1, path));
        }

        let mut state = State::default();
        let mut report = OpenReport {
            segments: found.len(),
            ..OpenReport::default()
        };
        let last_index = found.len() - 1;
        let mut expected = 1u64;
        for (index, (first_seq, path)) in found.into_iter().enumerate() {
            if first_seq != expected {
                let reason = if index == 0 {
                    format!("the first segment starts at seq {first_seq}, expected 1")
                } else {
                    format!(
                        "segment starts at seq {first_seq} but the previous one ends at seq {}",
                        expected - 1
                    )
                };
                return Err(LogError::corrupt(&path, 0, reason));
            }
            let file = open_read_only(&path)?;
            let file_len = file
                .metadata()
                .map_err(|e| LogError::io("reading metadata of", &path, e))?
                .len();
            let is_last = index == last_index;
            let scan = scan_segment(&path, &file, file_len, first_seq, is_last)?;
            if scan.end < file_len
                && is_last
                && all_zero(&file, scan.end, file_len)
                    .map_err(|e| LogError::io("reading the tail of", &path, e))?
            {
                report.room = file_len - scan.end;
            } else if scan.end < file_len {
                tracing::warn!(
                    file = %path.display(),
                    offset = scan.end,
                    bytes = file_len - scan.end,
                    "cutting a torn tail from the log"
                );
                report.truncated = Some(Truncation {
                    file: path.clone(),
                    offset: scan.end,
                    bytes_cut: file_len - scan.end,
                });
            }
            let seg = seg_index(index, &path)?;
            state
                .locs
                .extend(scan.records.iter().map(|&(offset, len)| Loc { offset, seg, len }));
            expected += scan.records.len() as u64;
            state.segments.push(Segment {
                first_seq,
                path,
                file,
                end: scan.end,
            });
        }

        let Some(last) = state.segments.last() else {
            return Err(LogError::corrupt(dir, 0, "no segment after open"));
        };
        let current_path = last.path.clone();
        let size = last.end;
        let allocated = size + report.room;
        let current = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&current_path)
            .map_err(|e| LogError::io("opening segment for writing", &current_path, e))?;
        if report.truncated.is_some() {
            current
                .set_len(size)
                .and_then(|()| current.sync_all())
                .map_err(|e| LogError::io("truncating the torn tail of", &current_path, e))?;
        }
        report.records = state.last_seq();
        report.last_seq = state.last_seq();
        let log = FileLog {
            dir: dir.to_path_buf(),
            opts,
            current,
            current_path,
            current_index: seg_index(last_index, dir)?,
            size,
            allocated,
            prealloc_failed: false,
            next_seq: state.last_seq() + 1,
            poisoned: false,
            shared: Arc::new(RwLock::new(state)),
        };
        Ok((log, report))
    }

    /// The directory holding the segments.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The seq of the last committed record (0 when empty).
    pub fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// A handle for reading, usable from other threads while this log keeps appending.
    pub fn reader(&self) -> LogReader {
        LogReader {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Writes `payloads` as consecutive records with one write and one `sync_data`, and only
    /// then returns their seqs and makes them visible to readers (group commit).
    ///
    /// A payload over [`MAX_PAYLOAD`] fails the whole batch before anything is written. A failed
    /// write or fsync poisons the log: later appends fail until the node restarts and re-validates.
    pub fn append(&mut self, payloads: &[&[u8]]) -> Result<Vec<u64>, LogError> {
        if self.poisoned {
            return Err(LogError::Poisoned);
        }
        if let Some((index, p)) = payloads.iter().enumerate().find(|(_, p)| p.len() > MAX_PAYLOAD) {
            return Err(LogError::PayloadTooLarge {
                index,
                len: p.len(),
                max: MAX_PAYLOAD,
            });
        }
        if payloads.is_empty() {
            return Ok(Vec::new());
        }
        let total: u64 = payloads.iter().map(|p| HEADER_LEN as u64 + p.len() as u64).sum();
        // A batch always goes to one segment (one write), so a segment can overshoot by a batch.
        if self.size > 0
            && self.size + total > self.opts.segment_bytes
            && let Err(e) = self.roll()
        {
            self.poisoned = true;
            return Err(e);
        }

        let mut buf = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut seqs = Vec::with_capacity(payloads.len());
        let mut locs = Vec::with_capacity(payloads.len());
        let mut offset = self.size;
        for (i, payload) in payloads.iter().enumerate() {
            let seq = self.next_seq + i as u64;
            encode_record(&mut buf, seq, payload);
            seqs.push(seq);
            locs.push(Loc {
                offset,
                seg: self.current_index,
                len: payload.len() as u32,
            });
            offset += HEADER_LEN as u64 + payload.len() as u64;
        }

        let written = self
            .current
            .write_all_at(&buf, self.size)
            .and_then(|()| self.current.sync_data());
        if let Err(e) = written {
            self.poisoned = true;
            return Err(LogError::io("appending to", &self.current_path, e));
        }

        self.size = offset;
        self.allocated = self.allocated.max(offset);
        self.next_seq += payloads.len() as u64;
        let mut state = write_state(&self.shared);
        state.locs.extend(locs);
        if let Some(seg) = state.segments.get_mut(self.current_index as usize) {
            seg.end = offset;
        }
        Ok(seqs)
    }

    /// Zero-fills and syncs one piece of room ahead of the data, if less than
    /// [`PREALLOC_AHEAD`] is left; true if it did (call again while it returns true and there
    /// is nothing else to do). Never touches committed records; a failure stops
    /// preallocation for this segment and is returned for logging, appends go on as before.
    pub fn preallocate_step(&mut self) -> Result<bool, LogError> {
        let limit = self.opts.segment_bytes.min(self.size + PREALLOC_AHEAD);
        if self.poisoned || self.prealloc_failed || self.allocated >= limit {
            return Ok(false);
        }
        let piece = PREALLOC_PIECE.min(limit - self.allocated);
        if let Err(e) = write_room(&self.current, self.allocated, piece) {
            self.prealloc_failed = true;
            return Err(LogError::io("preallocating room in", &self.current_path, e));
        }
        self.allocated += piece;
        Ok(true)
    }

    /// Starts a new segment named after the next seq and makes its creation durable. The
    /// current one is first cut to its records: only the last segment may end in room.
    fn roll(&mut self) -> Result<(), LogError> {
        if self.allocated > self.size {
            self.current
                .set_len(self.size)
                .and_then(|()| self.current.sync_all())
                .map_err(|e| LogError::io("cutting the preallocated room of", &self.current_path, e))?;
        }
        let path = self.dir.join(segment_name(self.next_seq));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| LogError::io("creating segment", &path, e))?;
        sync_dir(&self.dir)?;
        let reader_file = open_read_only(&path)?;
        let mut state = write_state(&self.shared);
        let index = seg_index(state.segments.len(), &path)?;
        state.segments.push(Segment {
            first_seq: self.next_seq,
            path: path.clone(),
            file: reader_file,
            end: 0,
        });
        drop(state);
        self.current = file;
        self.current_path = path;
        self.current_index = index;
        self.size = 0;
        self.allocated = 0;
        self.prealloc_failed = false;
        Ok(())
    }
}

impl Log for FileLog {
    fn append(&mut self, payloads: &[&[u8]]) -> Result<Vec<u64>, LogError> {
        FileLog::append(self, payloads)
    }

    fn read(&self, seq: u64) -> Result<Option<Vec<u8>>, LogError> {
        self.reader().read(seq)
    }

    fn last_seq(&self) -> u64 {
        FileLog::last_seq(self)
    }

    fn scan(&self, from_seq: u64, f: &mut dyn FnMut(u64, &[u8]) -> ControlFlow<()>) -> Result<(), LogError> {
        self.reader().scan(from_seq, f)
    }
}

/// A contiguous committed run of records inside one segment, as a scan needs it.
struct Run {
    file: Arc<File>,
    path: PathBuf,
    offset: u64,
    end: u64,
    last_seq: u64,
}

/// A cheap, shareable read handle on a [`FileLog`]. It sees exactly the records whose
/// `append` has returned, and verifies each record's checksum as it reads it.
#[derive(Debug, Clone)]
pub struct LogReader {
    shared: Shared,
}

impl LogReader {
    /// The seq of the last committed record (0 when empty).
    pub fn last_seq(&self) -> u64 {
        read_state(&self.shared).last_seq()
    }

    /// The payload at `seq`, or `None` when `seq` is 0 or not yet committed.
    pub fn read(&self, seq: u64) -> Result<Option<Vec<u8>>, LogError> {
        let (loc, file, path) = {
            let state = read_state(&self.shared);
            let Some(loc) = state.loc(seq) else {
                return Ok(None);
            };
            let Some(seg) = state.segments.get(loc.seg as usize) else {
                return Ok(None);
            };
            (loc, Arc::clone(&seg.file), seg.path.clone())
        };
        let mut buf = vec![0u8; HEADER_LEN + loc.len as usize];
        file.read_exact_at(&mut buf, loc.offset)
            .map_err(|e| LogError::io("reading record from", &path, e))?;
        let Some((hbytes, payload)) = buf.split_first_chunk::<HEADER_LEN>() else {
            return Err(LogError::corrupt(&path, loc.offset, "short record read"));
        };
        let header = Header::decode(hbytes);
        let problem = if let Err(reason) = header.check(u64::from(loc.len)) {
            Some(reason)
        } else if header.len != loc.len || header.seq != seq {
            Some(format!(
                "record header says seq {} len {}, index says seq {seq} len {}",
                header.seq, header.len, loc.len
            ))
        } else if checksum(hbytes, payload) != header.crc {
            Some("record checksum mismatch".to_string())
        } else {
            None
        };
        if let Some(reason) = problem {
            return Err(LogError::corrupt(&path, loc.offset, reason));
        }
        buf.drain(..HEADER_LEN);
        Ok(Some(buf))
    }

    /// Calls `f` with every committed record from `from_seq` on (seq 0 is treated as 1), in seq
    /// order, reading each segment sequentially. Records committed while the scan runs are
    /// included; it ends when it has caught up or `f` returns `Break`.
    pub fn scan(
        &self,
        from_seq: u64,
        mut f: impl FnMut(u64, &[u8]) -> ControlFlow<()>,
    ) -> Result<(), LogError> {
        let mut seq = from_seq.max(1);
        let mut payload = Vec::new();
        while let Some(run) = self.run_from(seq) {
            let mut reader = BufReader::with_capacity(
                SCAN_BUF,
                PreadReader {
                    file: run.file,
                    pos: run.offset,
                    end: run.end,
                },
            );
            let mut pos = run.offset;
            while seq <= run.last_seq {
                let record = read_record(&mut reader, run.end.saturating_sub(pos), &mut payload)
                    .map_err(|e| LogError::io("scanning", &run.path, e))?;
                match record {
                    Ok(header) if header.seq == seq => {}
                    Ok(header) => {
                        return Err(LogError::corrupt(
                            &run.path,
                            pos,
                            format!("record has seq {}, expected {seq}", header.seq),
                        ));
                    }
                    Err(reason) => return Err(LogError::corrupt(&run.path, pos, reason)),
                }
                if f(seq, &payload).is_break() {
                    return Ok(());
                }
                pos += HEADER_LEN as u64 + payload.len() as u64;
                seq += 1;
            }
        }
        Ok(())
    }

    /// The committed records of the segment holding `seq`, from `seq` on; `None` past the end.
    fn run_from(&self, seq: u64) -> Option<Run> {
        let state = read_state(&self.shared);
        let loc = state.loc(seq)?;
        let index = loc.seg as usize;
        let seg = state.segments.get(index)?;
        let last_seq = match state.segments.get(index + 1) {
            Some(next) => next.first_seq.saturating_sub(1).min(state.last_seq()),
            None => state.last_seq(),
        };
        Some(Run {
            file: Arc::clone(&seg.file),
            path: seg.path.clone(),
            offset: loc.offset,
            end: seg.end,
            last_seq,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_cross_threads() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        fn movable<T: Send + 'static>() {}
        shareable::<LogReader>();
        movable::<FileLog>();
        movable::<Box<dyn Log>>();
    }

    #[test]
    fn segment_names_round_trip_and_reject_strangers() {
        assert_eq!(segment_name(42), "00000000000000000042.log");
        assert_eq!(parse_segment_name(&segment_name(42)), Some(42));
        assert_eq!(parse_segment_name("42.log"), None);
        assert_eq!(parse_segment_name("0000000000000000004x.log"), None);
        assert_eq!(parse_segment_name("00000000000000000042.idx"), None);
    }

    #[test]
    fn failed_write_poisons_until_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (mut log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("open");
        assert_eq!(log.append(&[b"first wire"]).expect("append"), vec![1]);

        // A read-only handle makes the next positional write fail like a dying disk would.
        log.current = File::open(&log.current_path).expect("reopen read-only");
        let err = log.append(&[b"lost"]).expect_err("write must fail");
        assert!(matches!(err, LogError::Io { .. }), "{err}");
        let err = log.append(&[b"after"]).expect_err("poisoned");
        assert!(err.to_string().contains("restart the node"), "{err}");
        assert_eq!(log.reader().last_seq(), 1, "failed batch is invisible");
        drop(log);

        let (mut log, report) = FileLog::open(dir.path(), LogOptions::default()).expect("reopen");
        assert_eq!(report.last_seq, 1);
        assert_eq!(log.append(&[b"second wire"]).expect("append"), vec![2]);
    }
}
