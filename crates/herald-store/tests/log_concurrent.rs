//! FileLog readers on other threads see only complete, committed records while appends run.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};

use herald_store::log::{FileLog, LogOptions};

fn payload(seq: u64) -> Vec<u8> {
    format!("Market open {seq}; ")
        .repeat((seq % 11 + 1) as usize)
        .into_bytes()
}

#[test]
fn readers_see_only_complete_records_during_appends() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Small segments so rolls happen while readers are busy.
    let (mut log, _) = FileLog::open(dir.path(), LogOptions { segment_bytes: 4096 }).expect("open");
    let reader = log.reader();
    let done = AtomicBool::new(false);
    const TOTAL: u64 = 2000;

    std::thread::scope(|s| {
        let done = &done;
        for worker in 0..3u64 {
            let reader = reader.clone();
            s.spawn(move || {
                let mut checks = 0u64;
                let mut last_seen = 0;
                while !done.load(Ordering::Acquire) || checks == 0 {
                    let last = reader.last_seq();
                    assert!(last >= last_seen, "last_seq never goes back");
                    last_seen = last;
                    for seq in [last, last / 2 + 1, (last + worker) % (last + 1)] {
                        if seq == 0 || seq > last {
                            continue;
                        }
                        let got = reader
                            .read(seq)
                            .expect("read")
                            .expect("committed record is there");
                        assert_eq!(got, payload(seq), "seq {seq}");
                        checks += 1;
                    }
                    let mut expect = last.saturating_sub(40).max(1);
                    reader
                        .scan(expect, |seq, p| {
                            assert_eq!(seq, expect, "scan has no gaps");
                            assert_eq!(p, payload(seq).as_slice(), "scan seq {seq}");
                            expect += 1;
                            if seq >= last + 40 {
                                ControlFlow::Break(())
                            } else {
                                ControlFlow::Continue(())
                            }
                        })
                        .expect("scan");
                    assert!(expect > last, "scan reached at least the last seq seen before it");
                }
            });
        }
        let mut seq = 1;
        let mut batch = 1;
        while seq <= TOTAL {
            let end = (seq + batch - 1).min(TOTAL);
            let payloads: Vec<Vec<u8>> = (seq..=end).map(payload).collect();
            let slices: Vec<&[u8]> = payloads.iter().map(Vec::as_slice).collect();
            let seqs = log.append(&slices).expect("append");
            assert_eq!(seqs.first(), Some(&seq));
            seq = end + 1;
            batch = batch % 7 + 1;
        }
        done.store(true, Ordering::Release);
    });
    assert_eq!(reader.last_seq(), TOTAL);
}
