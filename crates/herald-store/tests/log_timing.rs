//! Rough group-commit throughput of FileLog (run with `--ignored --nocapture`); not a benchmark.

use std::time::Instant;

use herald_store::log::{FileLog, LogOptions};

#[test]
#[ignore = "prints timings; depends on the disk"]
fn appends_per_second_for_batches_of_1_and_32() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("open");
    let story = vec![b's'; 2048];
    for batch in [1usize, 32] {
        let payloads: Vec<&[u8]> = (0..batch).map(|_| story.as_slice()).collect();
        let rounds = 300;
        let start = Instant::now();
        for _ in 0..rounds {
            log.append(&payloads).expect("append");
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "batch {batch:>2}: {:>8.0} appends/s (fsyncs), {:>9.0} records/s, 2 KiB payloads",
            rounds as f64 / secs,
            (rounds * batch) as f64 / secs
        );
    }
}
