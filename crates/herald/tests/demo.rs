//! `herald demo` against a real node: fixture stories arrive through the wire stamped
//! with the current time, at the asked pace, with a reprint folded as a near-duplicate.

mod support;

use std::time::Instant;

use support::{Served, cli};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[test]
fn demo_replays_fixtures_through_the_wire_with_published_at_now() {
    let tmp = tempfile::tempdir().unwrap();
    let node = Served::start(tmp.path());
    let started = OffsetDateTime::now_utc();
    let clock = Instant::now();
    let out = cli(&node.base, &["demo", "--rate", "20", "--limit", "5"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Five stories at 20/s: the pace is kept (four pauses of 50 ms).
    assert!(clock.elapsed().as_millis() >= 200, "{:?}", clock.elapsed());
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines.iter().all(|l| l.starts_with("stored\tst_")), "{stdout}");
    assert!(
        lines[0].contains("seq 1\tTidewater Wire\tIslamic State Fighters Seize"),
        "{stdout}"
    );
    assert!(lines[4].contains("seq 5"), "{stdout}");

    let id = |i: usize| lines[i].split('\t').nth(1).unwrap_or_default().to_string();
    let (status, first) = node.get(&format!("/v1/stories/{}", id(0)));
    assert_eq!(status, 200);
    let published = OffsetDateTime::parse(first["published_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(
        published >= started - time::Duration::seconds(1)
            && published <= OffsetDateTime::now_utc() + time::Duration::seconds(1),
        "published_at is now: {published}"
    );
    // The fourth line is the third story reprinted by another outlet: a near-duplicate.
    let (_, third) = node.get(&format!("/v1/stories/{}", id(2)));
    let (_, copy) = node.get(&format!("/v1/stories/{}", id(3)));
    assert_eq!(copy["headline"], third["headline"]);
    assert_ne!(copy["source"]["id"], third["source"]["id"]);
    assert_eq!(copy["duplicate_of"].as_str(), Some(id(2).as_str()), "{copy}");

    // A second run sends new stories, not duplicates of the first run's.
    let again = cli(&node.base, &["demo", "--rate", "50", "--limit", "1"], "");
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("stored\t"));

    let bad = cli(&node.base, &["demo", "--rate", "0"], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--rate 0"));
}
