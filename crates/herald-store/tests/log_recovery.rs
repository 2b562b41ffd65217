//! FileLog crash recovery: torn tails are cut, every other kind of damage refuses to open.

use std::fs;
use std::path::{Path, PathBuf};

use herald_store::log::{FileLog, HEADER_LEN, LogError, LogOptions};

fn payload(seq: u64) -> Vec<u8> {
    format!("Storm closes mountain pass, bulletin {seq}").into_bytes()
}

/// Writes records 1..=n one append each and returns the log's segment paths (sorted) and the
/// byte offset within its segment at which each record starts (index = seq - 1).
fn build(dir: &Path, opts: &LogOptions, n: u64) -> (Vec<PathBuf>, Vec<(PathBuf, u64)>) {
    let (mut log, _) = FileLog::open(dir, opts.clone()).expect("open");
    let mut starts = Vec::new();
    for seq in 1..=n {
        let before = segments(dir);
        log.append(&[&payload(seq)]).expect("append");
        let after = segments(dir);
        let last = after.last().expect("a segment").clone();
        let len = fs::metadata(&last).expect("meta").len();
        let record_len = (HEADER_LEN + payload(seq).len()) as u64;
        assert!(before.len() <= after.len());
        starts.push((last, len - record_len));
    }
    (segments(dir), starts)
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

fn assert_intact(dir: &Path, opts: &LogOptions, last: u64) {
    let (mut log, report) = FileLog::open(dir, opts.clone()).expect("reopen after cut");
    assert_eq!(report.last_seq, last);
    let reader = log.reader();
    for seq in 1..=last {
        assert_eq!(reader.read(seq).expect("read"), Some(payload(seq)), "seq {seq}");
    }
    assert_eq!(reader.read(last + 1).expect("read"), None);
    assert_eq!(log.append(&[b"Pass reopens"]).expect("append"), vec![last + 1]);
    assert_eq!(
        reader.read(last + 1).expect("read").as_deref(),
        Some(&b"Pass reopens"[..])
    );
}

fn corrupt_error(dir: &Path, opts: &LogOptions) -> (PathBuf, u64, String) {
    match FileLog::open(dir, opts.clone()) {
        Ok(_) => panic!("open must refuse a corrupt log"),
        Err(e @ LogError::Corrupt { .. }) => {
            let message = e.to_string();
            let LogError::Corrupt { file, offset, .. } = e else {
                unreachable!()
            };
            (file, offset, message)
        }
        Err(other) => panic!("expected Corrupt, got {other}"),
    }
}

/// Cuts the last record at every byte inside it; each time the log must open with that record
/// gone, report the cut, and hand out the right seq next.
fn torn_tail_everywhere(opts: LogOptions) {
    let template = tempfile::tempdir().expect("tempdir");
    let (_, starts) = build(template.path(), &opts, 6);
    let (last_file, start) = starts.last().expect("records").clone();
    let full = fs::metadata(&last_file).expect("meta").len();
    let name = last_file.file_name().expect("name").to_owned();
    for cut in start..full {
        let work = tempfile::tempdir().expect("tempdir");
        copy_dir(template.path(), work.path());
        let file = fs::OpenOptions::new()
            .write(true)
            .open(work.path().join(&name))
            .expect("open");
        file.set_len(cut).expect("truncate");
        drop(file);

        let (log, report) = FileLog::open(work.path(), opts.clone()).expect("torn tail opens");
        if cut == start {
            assert_eq!(
                report.truncated, None,
                "a clean record boundary is not a torn tail"
            );
        } else {
            let t = report.truncated.expect("torn tail reported");
            assert_eq!(t.offset, start, "cut at {cut}");
            assert_eq!(t.bytes_cut, cut - start, "cut at {cut}");
            assert_eq!(t.file.file_name(), Some(name.as_os_str()));
            assert_eq!(fs::metadata(work.path().join(&name)).expect("meta").len(), start);
        }
        drop(log);
        assert_intact(work.path(), &opts, 5);
    }
}

#[test]
fn torn_last_record_is_cut_at_every_offset() {
    torn_tail_everywhere(LogOptions::default());
}

#[test]
fn torn_record_alone_in_a_fresh_segment_is_cut() {
    // Each record fills a segment, so the torn record is the only one in the last segment.
    torn_tail_everywhere(LogOptions { segment_bytes: 40 });
}

#[test]
fn garbage_after_the_last_record_is_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions::default();
    let (segs, _) = build(dir.path(), &opts, 4);
    let last = segs.last().expect("segment");
    let valid_len = fs::metadata(last).expect("meta").len();
    // Pseudo-random bytes with the record magic sprinkled in, so the search has to reject them.
    let mut state = 0x2545_f491_u32;
    let mut garbage = Vec::new();
    for i in 0..3000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        garbage.push((state >> 16) as u8);
        if i % 97 == 0 {
            garbage.extend_from_slice(b"HL");
        }
    }
    let mut bytes = fs::read(last).expect("read");
    bytes.extend_from_slice(&garbage);
    fs::write(last, &bytes).expect("write");

    let (_, report) = FileLog::open(dir.path(), opts.clone()).expect("open");
    let t = report.truncated.expect("garbage cut");
    assert_eq!((t.offset, t.bytes_cut), (valid_len, garbage.len() as u64));
    assert_intact(dir.path(), &opts, 4);
}

#[test]
fn a_zero_filled_tail_is_room_not_damage() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions::default();
    let (segs, _) = build(dir.path(), &opts, 3);
    let last = segs.last().expect("segment");
    let valid_len = fs::metadata(last).expect("meta").len();
    let file = fs::OpenOptions::new().write(true).open(last).expect("open");
    file.set_len(valid_len + 8192).expect("extend with zeros");
    drop(file);

    let (_, report) = FileLog::open(dir.path(), opts.clone()).expect("open");
    assert_eq!(report.truncated, None, "preallocated zeros are not a torn write");
    assert_eq!(report.room, 8192);
    assert_intact(dir.path(), &opts, 3);
    // The appended record went into the room: the file did not grow.
    assert_eq!(fs::metadata(last).expect("meta").len(), valid_len + 8192);
}

#[test]
fn a_torn_record_in_preallocated_room_is_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions::default();
    let (segs, starts) = build(dir.path(), &opts, 4);
    let last = segs.last().expect("segment");
    let (_, start) = starts[3];
    let valid_len = fs::metadata(last).expect("meta").len();
    // Half of record 4 reached the disk, followed by the zeros of the room it was written into.
    let mut bytes = fs::read(last).expect("read");
    let torn_at = (start + valid_len) / 2;
    bytes.truncate(torn_at as usize);
    bytes.resize(valid_len as usize + 64 * 1024, 0);
    fs::write(last, &bytes).expect("write");

    let (_, report) = FileLog::open(dir.path(), opts.clone()).expect("open");
    let t = report.truncated.expect("torn record cut");
    assert_eq!(t.offset, start);
    assert_eq!(report.room, 0);
    assert_intact(dir.path(), &opts, 3);
}

#[test]
fn preallocated_room_is_filled_by_appends_and_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions::default();
    let (mut log, _) = FileLog::open(dir.path(), opts.clone()).expect("open");
    log.append(&[&payload(1)]).expect("append");
    let mut steps = 0;
    while log.preallocate_step().expect("preallocate") {
        steps += 1;
        assert!(steps < 1000, "preallocation must stop at its bound");
    }
    assert!(steps > 0);
    let seg = segments(dir.path()).pop().expect("segment");
    let len = fs::metadata(&seg).expect("meta").len();
    assert!((1 << 20..=4 << 20).contains(&len), "room of {len} bytes");
    for seq in 2..=50 {
        log.append(&[&payload(seq)]).expect("append");
    }
    assert_eq!(
        fs::metadata(&seg).expect("meta").len(),
        len,
        "appends write into the room"
    );
    drop(log);

    let (_, report) = FileLog::open(dir.path(), opts.clone()).expect("reopen");
    assert_eq!((report.last_seq, report.truncated), (50, None));
    let used: u64 = (1..=50).map(|s| (HEADER_LEN + payload(s).len()) as u64).sum();
    assert_eq!(report.room, len - used);
    assert_intact(dir.path(), &opts, 50);
}

#[test]
fn a_segment_is_cut_to_its_records_before_the_next_one_starts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions { segment_bytes: 4096 };
    let (mut log, _) = FileLog::open(dir.path(), opts.clone()).expect("open");
    let mut seq = 0;
    while segments(dir.path()).len() < 3 {
        seq += 1;
        log.append(&[&payload(seq)]).expect("append");
        while log.preallocate_step().expect("preallocate") {}
        let last = segments(dir.path()).pop().expect("segment");
        assert!(
            fs::metadata(&last).expect("meta").len() <= 4096 + 200,
            "room never goes past the segment size"
        );
    }
    drop(log);
    let segs = segments(dir.path());
    for older in &segs[..segs.len() - 1] {
        let bytes = fs::read(older).expect("read");
        assert_ne!(
            bytes.last(),
            Some(&0),
            "{} ends in its last record",
            older.display()
        );
    }
    // Opening checks every older segment strictly: room left in one would be corruption.
    assert_intact(dir.path(), &opts, seq);
}

#[test]
fn any_damaged_byte_of_a_middle_record_is_corruption() {
    let template = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions::default();
    let (segs, starts) = build(template.path(), &opts, 9);
    assert_eq!(segs.len(), 1);
    let (_, start) = starts[4];
    let (_, next) = starts[5];
    let name = segs[0].file_name().expect("name").to_owned();
    for at in start..next {
        let work = tempfile::tempdir().expect("tempdir");
        copy_dir(template.path(), work.path());
        let path = work.path().join(&name);
        let mut bytes = fs::read(&path).expect("read");
        bytes[at as usize] ^= 0x5a;
        fs::write(&path, &bytes).expect("write");

        let (file, offset, message) = corrupt_error(work.path(), &opts);
        assert_eq!(file, path, "byte {at}");
        assert_eq!(offset, start, "byte {at}: the damaged record's start is named");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(&format!("byte offset {start}")), "{message}");
        assert_eq!(
            fs::read(&path).expect("read").len(),
            bytes.len(),
            "nothing was cut"
        );
    }
}

#[test]
fn damage_in_an_older_segment_is_corruption_even_at_its_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions { segment_bytes: 150 };
    let (segs, starts) = build(dir.path(), &opts, 10);
    assert!(segs.len() >= 3, "{segs:?}");
    let first = &segs[0];
    // The last record of the first segment: a "tail", but not of the log.
    let (_, start) = starts
        .iter()
        .rfind(|(f, _)| f == first)
        .expect("record in first segment")
        .clone();
    let mut bytes = fs::read(first).expect("read");
    let len = bytes.len();
    bytes.truncate(len - 3);
    fs::write(first, &bytes).expect("write");

    let (file, offset, message) = corrupt_error(dir.path(), &opts);
    assert_eq!((&file, offset), (first, start));
    assert!(message.contains("not the last"), "{message}");
}

#[test]
fn a_missing_segment_is_a_seq_gap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions { segment_bytes: 150 };
    let (segs, _) = build(dir.path(), &opts, 10);
    assert!(segs.len() >= 3);
    fs::remove_file(&segs[1]).expect("remove");
    let (file, offset, message) = corrupt_error(dir.path(), &opts);
    assert_eq!((&file, offset), (&segs[2], 0));
    assert!(message.contains("previous one ends"), "{message}");

    fs::remove_file(&segs[0]).expect("remove first");
    let (file, _, message) = corrupt_error(dir.path(), &opts);
    assert_eq!(file, segs[2]);
    assert!(message.contains("expected 1"), "{message}");
}

#[test]
fn damage_after_open_is_caught_by_the_checksum_on_read_and_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (segs, starts) = build(dir.path(), &LogOptions::default(), 3);
    let (log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("open");
    let reader = log.reader();
    let (_, start) = starts[1];
    let mut bytes = fs::read(&segs[0]).expect("read");
    bytes[start as usize + HEADER_LEN + 2] ^= 1;
    fs::write(&segs[0], &bytes).expect("write");

    assert_eq!(reader.read(1).expect("undamaged record"), Some(payload(1)));
    let err = reader.read(2).expect_err("damaged record");
    assert!(
        matches!(&err, LogError::Corrupt { offset, .. } if *offset == start),
        "{err}"
    );
    let err = reader
        .scan(1, |_, _| std::ops::ControlFlow::Continue(()))
        .expect_err("scan meets the damage");
    assert!(err.to_string().contains(&format!("byte offset {start}")), "{err}");
}
