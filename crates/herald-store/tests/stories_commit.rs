//! StoryStore: new stories, duplicates, new versions, batches, replay and concurrent readers.

use std::ops::ControlFlow;

use herald_model::{Source, Story, story_id};
use herald_store::log::{FileLog, LogOptions};
use herald_store::stories::{Committed, StoreError, StoryStore};
use time::macros::datetime;

/// An invented wire story with its id computed the way ingest does.
fn wire(guid: &str, headline: &str, body: &str) -> Story {
    let source = Source {
        id: "wire-lakeside".into(),
        name: "Lakeside Wire".into(),
        url: None,
    };
    Story {
        id: story_id(&source.id, Some(guid), None, headline, body),
        source,
        guid: Some(guid.into()),
        headline: headline.into(),
        body: body.into(),
        published_at: Some(datetime!(2026-05-04 08:30 UTC)),
        received_at: Some(datetime!(2026-05-04 08:30:02 UTC)),
        ..Story::default()
    }
}

fn bridge() -> Story {
    wire(
        "lk-1001",
        "Old Mill Bridge Closes for Repairs",
        "The Old Mill bridge will close for six weeks from Monday while engineers replace its deck.",
    )
}

fn library() -> Story {
    wire(
        "lk-1002",
        "Library Extends Weekend Hours",
        "The central library will open until 8pm on Saturdays after a trial drew large crowds.",
    )
}

fn stored(c: &Committed) -> (&str, u64, u32, &Story) {
    match c {
        Committed::Stored {
            id,
            seq,
            version,
            story,
            json,
        } => {
            // The log form handed back is the story itself.
            let back: Story = serde_json::from_str(json).expect("json is the stored story");
            assert_eq!(&back, story);
            (id, *seq, *version, story)
        }
        other => panic!("expected Stored, got {other:?}"),
    }
}

#[test]
fn new_duplicate_and_new_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    assert!(store.is_empty());

    let out = store.commit(vec![bridge()]).expect("commit");
    let (id, seq, version, story) = stored(&out[0]);
    assert_eq!((id, seq, version), (bridge().id.as_str(), 1, 1));
    assert_eq!(
        (story.seq, story.version),
        (1, 1),
        "the returned story carries seq and version"
    );

    let out = store.commit(vec![bridge()]).expect("resend");
    assert_eq!(
        out,
        vec![Committed::Duplicate {
            id: bridge().id,
            seq: 1,
            version: 1
        }]
    );
    assert_eq!(store.last_seq(), 1, "a duplicate writes nothing");

    let mut corrected = bridge();
    corrected.headline = "Old Mill Bridge Closes for Eight Weeks".into();
    let out = store.commit(vec![corrected.clone()]).expect("correction");
    let (_, seq, version, _) = stored(&out[0]);
    assert_eq!((seq, version), (2, 2));

    let latest = store.get(&bridge().id).expect("get").expect("known id");
    assert_eq!(latest.headline, corrected.headline);
    assert_eq!((latest.seq, latest.version), (2, 2));
    let first = store
        .get_version(&bridge().id, 1)
        .expect("get v1")
        .expect("v1 kept");
    assert_eq!(first.headline, bridge().headline);
    assert_eq!(first.received_at, bridge().received_at);
    assert_eq!(store.get_version(&bridge().id, 0).expect("v0"), None);
    assert_eq!(store.get_version(&bridge().id, 3).expect("v3"), None);
    assert_eq!(store.len(), 1);

    // Re-sending the first text again is a change relative to the latest: a third version.
    let out = store.commit(vec![bridge()]).expect("revert");
    assert_eq!(stored(&out[0]).2, 3);
}

#[test]
fn time_url_and_bullets_make_new_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    store.commit(vec![library()]).expect("commit");
    let mut later = library();
    later.published_at = Some(datetime!(2026-05-04 09:00 UTC));
    let mut bulleted = later.clone();
    bulleted.bullets = vec!["Saturday opening until 8pm".into()];
    let mut enriched_only = bulleted.clone();
    enriched_only.fingerprint = Some("f-123".into());
    enriched_only.received_at = Some(datetime!(2026-05-04 10:00 UTC));
    let out = store
        .commit(vec![later, bulleted, enriched_only])
        .expect("commit");
    assert_eq!(stored(&out[0]).2, 2);
    assert_eq!(stored(&out[1]).2, 3);
    assert_eq!(
        out[2],
        Committed::Duplicate {
            id: library().id,
            seq: 3,
            version: 3
        }
    );
}

#[test]
fn same_id_twice_in_one_batch_behaves_as_sequential_commits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    let mut update = bridge();
    update.body.push_str(" Buses will run a detour.");
    let out = store
        .commit(vec![bridge(), library(), bridge(), update.clone(), update])
        .expect("commit");
    assert_eq!((stored(&out[0]).1, stored(&out[0]).2), (1, 1));
    assert_eq!((stored(&out[1]).1, stored(&out[1]).2), (2, 1));
    assert_eq!(
        out[2],
        Committed::Duplicate {
            id: bridge().id,
            seq: 1,
            version: 1
        }
    );
    assert_eq!((stored(&out[3]).1, stored(&out[3]).2), (3, 2));
    assert_eq!(
        out[4],
        Committed::Duplicate {
            id: bridge().id,
            seq: 3,
            version: 2
        }
    );
    assert_eq!(store.last_seq(), 3);
    assert_eq!(store.len(), 2);
    assert_eq!(
        store.get_version(&bridge().id, 1).expect("v1").map(|s| s.seq),
        Some(1)
    );
    assert_eq!(store.get(&bridge().id).expect("latest").map(|s| s.seq), Some(3));
}

#[test]
fn a_bad_story_is_rejected_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    let mut no_id = library();
    no_id.id = String::new();
    let mut huge = wire("lk-huge", "Council Publishes Full Minutes", "");
    huge.body = "The council resolved to adopt the report. ".repeat(420_000);
    let out = store.commit(vec![no_id, huge.clone(), bridge()]).expect("commit");
    assert!(
        matches!(&out[0], Committed::Rejected { reason, .. } if reason.contains("no id")),
        "{:?}",
        out[0]
    );
    assert!(
        matches!(&out[1], Committed::Rejected { id, reason } if *id == huge.id && reason.contains("over the limit")),
        "{:?}",
        out[1]
    );
    assert_eq!((stored(&out[2]).1, stored(&out[2]).2), (1, 1));
    assert_eq!(store.get(&huge.id).expect("get"), None);
}

#[test]
fn unknown_id_is_none_and_missing_received_at_is_filled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    assert_eq!(store.get("st_nosuchstory").expect("get"), None);
    assert_eq!(store.reader().by_seq(1).expect("by_seq"), None);
    let mut s = library();
    s.received_at = None;
    let out = store.commit(vec![s]).expect("commit");
    assert!(stored(&out[0]).3.received_at.is_some());
    let back = store.get(&library().id).expect("get").expect("stored");
    assert_eq!(back.received_at, stored(&out[0]).3.received_at);
}

#[test]
fn replay_after_reopen_restores_versions_and_dedup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = LogOptions { segment_bytes: 700 };
    let mut update = bridge();
    update.headline = "Old Mill Bridge Repairs Start Early".into();
    {
        let (mut store, _) = StoryStore::open_with(dir.path(), opts.clone()).expect("open");
        store.commit(vec![bridge(), library()]).expect("commit");
        store.commit(vec![update.clone()]).expect("commit");
        for n in 0..20 {
            let s = wire(
                &format!("lk-{n}"),
                &format!("Parish notice {n}"),
                "Bins go out on Thursday.",
            );
            store.commit(vec![s]).expect("commit");
        }
    }
    let (mut store, report) = StoryStore::open_with(dir.path(), opts).expect("reopen");
    assert_eq!(report.last_seq, 23);
    assert!(report.segments > 1, "the replay crossed segments");
    assert_eq!(store.len(), 22);
    assert_eq!(store.last_seq(), 23);

    assert_eq!(
        store.commit(vec![update.clone()]).expect("resend latest"),
        vec![Committed::Duplicate {
            id: bridge().id,
            seq: 3,
            version: 2
        }]
    );
    assert_eq!(
        store.commit(vec![library()]).expect("resend"),
        vec![Committed::Duplicate {
            id: library().id,
            seq: 2,
            version: 1
        }]
    );
    let v1 = store.get_version(&bridge().id, 1).expect("v1").expect("kept");
    assert_eq!(v1.headline, bridge().headline);
    let mut third = update;
    third.body.push_str(" Work begins on Saturday.");
    let out = store.commit(vec![third]).expect("third version");
    assert_eq!((stored(&out[0]).1, stored(&out[0]).2), (24, 3));
}

#[test]
fn reader_serves_other_threads_and_scans_every_version_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut store, _) = StoryStore::open(dir.path()).expect("open");
    let reader = store.reader();
    let mut update = library();
    update.body.push_str(" Sunday hours are unchanged.");
    store.commit(vec![library(), bridge()]).expect("commit");
    store.commit(vec![update]).expect("commit");

    let handle = std::thread::spawn(move || {
        let latest = reader.get(&library().id).expect("get").expect("known");
        let mut seen = Vec::new();
        reader
            .scan_from(1, |s| {
                seen.push((s.seq, s.version, s.headline));
                ControlFlow::Continue(())
            })
            .expect("scan");
        (latest.version, seen, reader.len(), reader.last_seq())
    });
    let (version, seen, len, last) = handle.join().expect("reader thread");
    assert_eq!(version, 2);
    assert_eq!((len, last), (2, 3));
    let lib = library().headline;
    assert_eq!(
        seen,
        vec![(1, 1, lib.clone()), (2, 1, bridge().headline), (3, 2, lib)]
    );
    let mut from_two = Vec::new();
    store
        .reader()
        .scan_from(2, |s| {
            from_two.push(s.seq);
            ControlFlow::Continue(())
        })
        .expect("scan");
    assert_eq!(from_two, vec![2, 3]);
}

#[test]
fn a_record_that_is_not_a_story_stops_the_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (mut store, _) = StoryStore::open(dir.path()).expect("open");
        store.commit(vec![bridge()]).expect("commit");
    }
    {
        let (mut log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("log");
        log.append(&[b"not json at all"]).expect("append");
    }
    let err = StoryStore::open(dir.path()).expect_err("must refuse");
    assert!(matches!(err, StoreError::Decode { seq: 2, .. }), "{err}");
    assert!(err.to_string().contains("seq 2"), "{err}");
}

#[test]
fn a_skipped_version_in_the_log_stops_the_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = bridge();
    s.version = 2;
    {
        let (mut log, _) = FileLog::open(dir.path(), LogOptions::default()).expect("log");
        let json = serde_json::to_vec(&s).expect("json");
        log.append(&[&json]).expect("append");
    }
    let err = StoryStore::open(dir.path()).expect_err("must refuse");
    assert!(matches!(err, StoreError::Inconsistent { seq: 1, .. }), "{err}");
    assert!(err.to_string().contains("expected 1"), "{err}");
}
