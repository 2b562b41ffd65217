//! FileLog basics: append, read and scan across segment rolls, and reopening.

use std::ops::ControlFlow;

use herald_store::log::{FileLog, Log, LogError, LogOptions, MAX_PAYLOAD};

/// A payload whose content and length depend on its seq, so misplaced reads show.
fn payload(seq: u64) -> Vec<u8> {
    format!("Harbour report {seq}: ")
        .repeat((seq % 5 + 1) as usize)
        .into_bytes()
}

fn tiny() -> LogOptions {
    LogOptions { segment_bytes: 300 }
}

fn append_range(log: &mut FileLog, from: u64, to: u64, batch: usize) {
    let all: Vec<Vec<u8>> = (from..=to).map(payload).collect();
    let mut next = from;
    for chunk in all.chunks(batch) {
        let slices: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        let seqs = log.append(&slices).expect("append");
        let want: Vec<u64> = (next..next + chunk.len() as u64).collect();
        assert_eq!(seqs, want, "seqs are consecutive");
        next += chunk.len() as u64;
    }
}

fn segment_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn empty_log_starts_at_seq_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut log, report) = FileLog::open(&dir.path().join("log"), tiny()).expect("open");
    assert_eq!(report.last_seq, 0);
    assert_eq!(report.truncated, None);
    assert_eq!(log.last_seq(), 0);
    let reader = log.reader();
    assert_eq!(reader.read(1).expect("read"), None);
    assert_eq!(log.append(&[]).expect("empty batch"), Vec::<u64>::new());
    assert_eq!(log.append(&[b"Ferry strike ends"]).expect("append"), vec![1]);
    assert_eq!(
        reader.read(1).expect("read").as_deref(),
        Some(&b"Ferry strike ends"[..])
    );
}

#[test]
fn reads_and_scans_across_segment_rolls_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut log, _) = FileLog::open(dir.path(), tiny()).expect("open");
    append_range(&mut log, 1, 40, 1);
    append_range(&mut log, 41, 100, 7);

    let names = segment_files(dir.path());
    assert!(names.len() > 5, "tiny segments roll often: {names:?}");
    assert_eq!(
        names.first().map(String::as_str),
        Some("00000000000000000001.log")
    );
    for name in &names {
        assert!(name.len() == 24 && name.ends_with(".log"), "{name}");
    }

    let reader = log.reader();
    assert_eq!(reader.last_seq(), 100);
    for seq in 1..=100 {
        assert_eq!(reader.read(seq).expect("read"), Some(payload(seq)), "seq {seq}");
    }
    assert_eq!(reader.read(0).expect("read 0"), None);
    assert_eq!(reader.read(101).expect("read past end"), None);

    let mut seen = Vec::new();
    reader
        .scan(37, |seq, p| {
            assert_eq!(p, payload(seq).as_slice(), "scan payload {seq}");
            seen.push(seq);
            ControlFlow::Continue(())
        })
        .expect("scan");
    assert_eq!(seen, (37..=100).collect::<Vec<_>>());

    let mut stopped = Vec::new();
    reader
        .scan(0, |seq, _| {
            stopped.push(seq);
            if seq == 12 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .expect("scan with break");
    assert_eq!(
        stopped,
        (1..=12).collect::<Vec<_>>(),
        "scan from 0 starts at 1 and stops on Break"
    );
    drop(log);

    let (mut log, report) = FileLog::open(dir.path(), tiny()).expect("reopen");
    assert_eq!(report.last_seq, 100);
    assert_eq!(report.records, 100);
    assert_eq!(report.segments, names.len());
    assert_eq!(report.truncated, None);
    let reader = log.reader();
    for seq in 1..=100 {
        assert_eq!(
            reader.read(seq).expect("read"),
            Some(payload(seq)),
            "after reopen, seq {seq}"
        );
    }
    append_range(&mut log, 101, 120, 3);
    let mut count = 0;
    reader
        .scan(1, |seq, p| {
            assert_eq!(p, payload(seq).as_slice());
            count += 1;
            ControlFlow::Continue(())
        })
        .expect("scan all");
    assert_eq!(count, 120);
}

#[test]
fn oversized_payload_fails_the_batch_and_the_log_stays_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("open");
    log.append(&[b"Grain prices steady"]).expect("append");

    let big = vec![b'x'; MAX_PAYLOAD + 1];
    let err = log
        .append(&[b"Small story in the same batch", &big])
        .expect_err("too big");
    assert!(matches!(err, LogError::PayloadTooLarge { index: 1, .. }), "{err}");
    assert!(err.to_string().contains("payload 1"), "{err}");
    assert_eq!(log.last_seq(), 1, "nothing of the batch was written");

    assert_eq!(log.append(&[b"Grain prices fall"]).expect("append"), vec![2]);
    let at_limit = vec![b'y'; MAX_PAYLOAD];
    assert_eq!(
        log.append(&[&at_limit]).expect("exactly the limit is fine"),
        vec![3]
    );
    drop(log);
    let (log, report) = FileLog::open(dir.path(), LogOptions::default()).expect("reopen");
    assert_eq!(report.last_seq, 3);
    assert_eq!(
        log.reader().read(2).expect("read").as_deref(),
        Some(&b"Grain prices fall"[..])
    );
    assert_eq!(
        log.reader().read(3).expect("read").map(|p| p.len()),
        Some(MAX_PAYLOAD)
    );
}

#[test]
fn works_through_the_log_trait_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log, _) = FileLog::open(dir.path(), tiny()).expect("open");
    let mut log: Box<dyn Log> = Box::new(log);
    assert_eq!(
        log.append(&[b"one", b"two", b"three"]).expect("append"),
        vec![1, 2, 3]
    );
    assert_eq!(log.last_seq(), 3);
    assert_eq!(log.read(2).expect("read").as_deref(), Some(&b"two"[..]));
    let mut got = Vec::new();
    log.scan(2, &mut |seq, p| {
        got.push((seq, p.to_vec()));
        ControlFlow::Continue(())
    })
    .expect("scan");
    assert_eq!(got, vec![(2, b"two".to_vec()), (3, b"three".to_vec())]);
}

#[test]
fn unrelated_files_in_the_directory_are_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("README.txt"), "notes").expect("write");
    let (mut log, report) = FileLog::open(dir.path(), tiny()).expect("open");
    assert_eq!(report.segments, 1);
    assert_eq!(log.append(&[b"Tram line reopens"]).expect("append"), vec![1]);
    assert!(dir.path().join("README.txt").exists());
}
