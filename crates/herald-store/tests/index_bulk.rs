//! Bulk indexing of 20 000 synthetic stories: all become searchable; prints throughput and size.
//!
//! Ignored by default (it takes a while in a debug build); run with
//! `cargo test -p herald-store --test index_bulk -- --ignored --nocapture`.

use std::time::Instant;

use herald_model::{Entity, EntityKind, Source, Story};
use herald_query::{Field, Query, Value};
use herald_store::index::{IndexOptions, SearchIndex, SearchOptions, Sort};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);
const STORIES: u64 = 20_000;
/// Roughly what the node commits in 250 ms under load.
const BATCH: u64 = 500;

const WORDS: &[&str] = &[
    "port",
    "strike",
    "grain",
    "talks",
    "minister",
    "council",
    "budget",
    "rates",
    "bank",
    "shares",
    "harvest",
    "storm",
    "coast",
    "election",
    "court",
    "ruling",
    "factory",
    "exports",
    "union",
    "pipeline",
    "border",
    "treaty",
    "hospital",
    "school",
    "river",
    "bridge",
    "airline",
    "fuel",
    "prices",
    "inflation",
    "drought",
    "rail",
    "mine",
    "copper",
    "wheat",
    "fishing",
    "quota",
];

/// A deterministic word stream (xorshift), so runs are comparable.
fn words(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::new();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w = WORDS
            .get((x % WORDS.len() as u64) as usize)
            .copied()
            .unwrap_or("news");
        out.push_str(w);
        // Some unique-ish terms so the dictionary grows like real text does.
        if i % 10 == 0 {
            out.push_str(&format!(" n{}", x % 50_000));
        }
        out.push(if i % 15 == 14 { '.' } else { ' ' });
        out.push(' ');
    }
    out
}

fn synthetic(seq: u64) -> Story {
    let t = NOW - Duration::minutes(seq as i64);
    Story {
        id: format!("st_{seq:06}"),
        version: 1,
        seq,
        source: Source {
            id: format!("wire-{}", seq % 7),
            name: "Synthetic Wire".into(),
            url: None,
        },
        url: Some(format!("https://example.com/{seq}")),
        headline: words(seq * 3 + 1, 9),
        body: words(seq * 3 + 2, 250),
        language: Some("en".into()),
        published_at: Some(t),
        received_at: Some(t),
        entities: vec![Entity {
            id: format!("kb:person/p{}", seq % 300),
            kind: EntityKind::Person,
            name: format!("Person Number{}", seq % 300),
            aliases: Vec::new(),
            ticker: None,
            roles: Vec::new(),
            salience: 0.5,
            mentions: Vec::new(),
        }],
        ..Story::default()
    }
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "slow in debug builds; run with --ignored to measure"]
fn twenty_thousand_stories_index_and_search() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    let stories: Vec<Story> = (1..=STORIES).map(synthetic).collect();
    let text_bytes: usize = stories.iter().map(|s| s.headline.len() + s.body.len()).sum();

    let start = Instant::now();
    let mut commit_time = std::time::Duration::ZERO;
    for s in &stories {
        index.add(s).unwrap();
        if s.seq % BATCH == 0 {
            let c = Instant::now();
            index.commit().unwrap();
            commit_time += c.elapsed();
        }
    }
    index.commit().unwrap();
    let elapsed = start.elapsed();
    assert_eq!(index.indexed_seq(), STORIES);

    let h = index.handle();
    assert_eq!(h.num_docs(), STORIES);
    let q = Query::Match {
        field: Some(Field::Person),
        value: Value::Word("kb:person/p7".into()),
    };
    let opts = SearchOptions {
        limit: 10,
        offset: 0,
        sort: Sort::Relevance,
        now: NOW,
    };
    let s = Instant::now();
    let res = h.search(&q, &opts).unwrap();
    let search_time = s.elapsed();
    assert_eq!(res.total as u64, STORIES / 300 + u64::from(STORIES % 300 >= 7));
    let word = Query::Match {
        field: None,
        value: Value::Word("copper".into()),
    };
    let s = Instant::now();
    let res = h.search(&word, &opts).unwrap();
    let word_time = s.elapsed();
    assert!(res.total > 0);

    println!(
        "indexed {STORIES} stories ({:.1} MB of text) in {:.2?} ({:.0} stories/s; {:.2?} in {} commits); \
         index {:.1} MB; person-id search {:.2?}, word search {:.2?} ({} hits)",
        text_bytes as f64 / 1e6,
        elapsed,
        STORIES as f64 / elapsed.as_secs_f64(),
        commit_time,
        STORIES / BATCH,
        dir_size(dir.path()) as f64 / 1e6,
        search_time,
        word_time,
        res.total,
    );
}
