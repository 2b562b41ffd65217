//! Parse throughput: feed bytes to clean stories, beside feed-rs alone (and Python feedparser).
//!
//! Generates a deterministic ~108 KB RSS 2.0 feed of 50 items whose `content:encoded` is
//! realistic HTML (paragraphs, links, emphasis, tracking pixels, scripts, entities), writes
//! it to `target/bench-feeds/rss-108k.xml` for `scripts/baseline/feedparser_bench.py`, and
//! times three things on it: feed-rs alone, `parse_feed`, and `parse_feed` + `to_story` for
//! every item (the whole path to stories). Prints feeds/s and MB/s for each.
//!
//! `HERALD_BENCH_SECS` sets the time per measurement (default 3). When `FEEDPARSER_PYTHON`
//! names a Python with feedparser installed, the baseline script runs on the same file in
//! the same run and the ratio is printed.
//!
//! Run: `cargo bench -p herald-ingest --bench parse`.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use herald_ingest::identity::to_story;
use herald_ingest::parse::parse_feed;
use herald_model::Source;

const FEED_URL: &str = "https://bench.example/feed.xml";

/// A small deterministic generator (xorshift), so the feed is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        let i = (self.next() % words.len().max(1) as u64) as usize;
        words.get(i).copied().unwrap_or("")
    }
}

const SUBJECTS: &[&str] = &[
    "The harbour authority",
    "City council members",
    "Regional health officials",
    "A coalition of farmers",
    "Transit planners",
    "The university's climate group",
    "Striking dock workers",
    "Emergency crews",
    "The finance ministry",
    "Local shop owners",
];
const VERBS: &[&str] = &[
    "announced",
    "rejected",
    "welcomed",
    "questioned",
    "delayed",
    "approved",
    "reviewed",
    "criticised",
];
const OBJECTS: &[&str] = &[
    "a plan to widen the coastal road",
    "new rules on short-term rentals",
    "the budget for the winter season",
    "a proposal to rebuild the old pier",
    "changes to the night bus network",
    "the findings of an independent audit",
    "a pilot scheme for rooftop solar panels",
    "an agreement on fishing quotas",
];
const TAILS: &[&str] = &[
    "on Tuesday after a long debate",
    "despite objections from residents",
    "citing rising costs",
    "in a statement released late in the evening",
    "ahead of next month's vote",
    "after weeks of talks",
];

fn sentence(r: &mut Rng) -> String {
    format!(
        "{} {} {} {}.",
        r.pick(SUBJECTS),
        r.pick(VERBS),
        r.pick(OBJECTS),
        r.pick(TAILS)
    )
}

/// One item's HTML: the mix a news CMS emits, with paragraphs until about `budget` bytes.
fn item_html(r: &mut Rng, n: usize, budget: usize) -> String {
    let mut h = String::new();
    h.push_str("<div class=\"article-body\">");
    for p in 0..20 {
        if h.len() >= budget {
            break;
        }
        h.push_str("<p>");
        h.push_str(&sentence(r));
        h.push_str(" <a href=\"https://bench.example/related/");
        h.push_str(&(n * 10 + p).to_string());
        h.push_str("?utm_source=rss&amp;utm_medium=feed\">");
        h.push_str(r.pick(OBJECTS));
        h.push_str("</a> &mdash; <em>");
        h.push_str(r.pick(TAILS));
        h.push_str("</em>, officials said &ldquo;");
        h.push_str(&sentence(r));
        h.push_str("&rdquo; Prices rose 4&nbsp;% to &euro;12.50 &amp; more.</p>\n");
    }
    h.push_str("<blockquote><p>");
    h.push_str(&sentence(r));
    h.push_str("</p></blockquote>\n<ul><li>");
    h.push_str(r.pick(OBJECTS));
    h.push_str("</li><li>");
    h.push_str(r.pick(OBJECTS));
    h.push_str("</li></ul>\n");
    h.push_str(
        "<script type=\"text/javascript\">window.dataLayer=window.dataLayer||[];dataLayer.push({'article':",
    );
    h.push_str(&n.to_string());
    h.push_str(",'section':'news'});</script>\n");
    h.push_str("<img src=\"https://bench.example/img/");
    h.push_str(&n.to_string());
    h.push_str(".jpg\" alt=\"Photo\" width=\"640\" height=\"360\"/>\n");
    h.push_str("<img src=\"https://pixel.bench.example/t.gif?id=");
    h.push_str(&n.to_string());
    h.push_str("\" width=\"1\" height=\"1\" border=\"0\"/>");
    h.push_str("</div>");
    h
}

/// The benchmark feed: RSS 2.0, 50 items, as close to 108 KB as paragraph steps allow.
fn generate_feed() -> Vec<u8> {
    (200..4000)
        .step_by(20)
        .map(generate_feed_with)
        .min_by_key(|f| f.len().abs_diff(108_000))
        .unwrap_or_default()
}

fn generate_feed_with(budget: usize) -> Vec<u8> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>Bench Bay Daily</title>\n<link>https://bench.example/</link>\n<description>Invented news for a parse benchmark.</description>\n<atom:link rel=\"self\" href=\"https://bench.example/feed.xml\"/>\n<ttl>15</ttl>\n");
    for n in 0..50 {
        let day = n % 28 + 1;
        x.push_str("<item>\n<title>");
        x.push_str(r.pick(SUBJECTS));
        x.push(' ');
        x.push_str(r.pick(VERBS));
        x.push(' ');
        x.push_str(r.pick(OBJECTS));
        x.push_str(" &amp; more</title>\n<link>https://bench.example/news/");
        x.push_str(&n.to_string());
        x.push_str("?utm_source=rss</link>\n<guid isPermaLink=\"false\">bench-");
        x.push_str(&n.to_string());
        x.push_str("</guid>\n<pubDate>Tue, ");
        x.push_str(&day.to_string());
        x.push_str(" Nov 2026 10:");
        x.push_str(&format!("{:02}", n % 60));
        x.push_str(":00 +0000</pubDate>\n<dc:creator>Staff Reporter</dc:creator>\n<category>Local</category>\n<category>Politics</category>\n<description><![CDATA[<p>");
        x.push_str(&sentence(&mut r));
        x.push_str("</p>]]></description>\n<content:encoded><![CDATA[");
        x.push_str(&item_html(&mut r, n, budget));
        x.push_str("]]></content:encoded>\n</item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x.into_bytes()
}

/// Runs `f` repeatedly for about `budget` and returns feeds per second.
fn measure(budget: Duration, mut f: impl FnMut() -> usize) -> f64 {
    // Warm up caches and the allocator.
    for _ in 0..20 {
        black_box(f());
    }
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < budget {
        for _ in 0..10 {
            black_box(f());
        }
        runs += 10;
    }
    runs as f64 / start.elapsed().as_secs_f64()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn main() {
    let secs: f64 = std::env::var("HERALD_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(secs);
    let feed = generate_feed();
    let dir = target_dir().join("bench-feeds");
    let path = dir.join("rss-108k.xml");
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &feed)) {
        eprintln!("cannot write {}: {e}", path.display());
    }
    let mb = feed.len() as f64 / 1_000_000.0;
    println!(
        "feed: {} bytes, 50 items, written to {}",
        feed.len(),
        path.display()
    );

    // Sanity: the whole path yields 50 stories with clean bodies.
    let source = Source {
        id: "bench".into(),
        name: "Bench Bay Daily".into(),
        url: Some(FEED_URL.into()),
    };
    match parse_feed(&feed, Some("application/rss+xml"), FEED_URL) {
        Ok(parsed) => {
            let body = parsed.items.first().map(|i| i.text.as_str()).unwrap_or("");
            assert_eq!(parsed.items.len(), 50, "benchmark feed lost items");
            assert!(
                !body.contains('<') && !body.contains("dataLayer") && body.contains("\n\n"),
                "benchmark text not clean: {body}"
            );
        }
        Err(e) => panic!("benchmark feed does not parse: {e}"),
    }

    let report = |name: &str, fps: f64| {
        println!("{name:<34} {fps:>9.1} feeds/s {:>8.1} MB/s", fps * mb);
    };
    // The HTML-to-text step on its own, over every item's content.
    let contents: Vec<String> = feed_rs::parser::parse(feed.as_slice())
        .map(|f| {
            f.entries
                .iter()
                .filter_map(|e| e.content.as_ref().and_then(|c| c.body.clone()))
                .collect()
        })
        .unwrap_or_default();
    let html_bytes: usize = contents.iter().map(String::len).sum();
    let html = measure(budget, || {
        contents
            .iter()
            .map(|c| herald_ingest::html::html_to_text(c).len())
            .sum()
    });
    println!(
        "{:<34} {:>9.1} MB/s ({} bytes of item HTML per feed)",
        "html_to_text alone",
        html * html_bytes as f64 / 1_000_000.0,
        html_bytes
    );
    let feed_rs = measure(budget, || {
        feed_rs::parser::parse(feed.as_slice()).map_or(0, |f| f.entries.len())
    });
    report("feed-rs alone", feed_rs);
    let ours = measure(budget, || {
        parse_feed(&feed, Some("application/rss+xml"), FEED_URL).map_or(0, |f| f.items.len())
    });
    report("parse_feed", ours);
    let whole = measure(budget, || {
        parse_feed(&feed, Some("application/rss+xml"), FEED_URL).map_or(0, |f| {
            f.items.iter().map(|i| to_story(i, &source).body.len()).sum()
        })
    });
    report("parse_feed + to_story (whole path)", whole);

    if let Some(python) = std::env::var_os("FEEDPARSER_PYTHON") {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/baseline/feedparser_bench.py");
        let out = Command::new(python)
            .arg(&script)
            .arg(&path)
            .arg("--seconds")
            .arg(secs.to_string())
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                print!("{text}");
                let fp = text
                    .lines()
                    .find_map(|l| l.strip_prefix("feeds_per_second="))
                    .and_then(|v| v.trim().parse::<f64>().ok());
                if let Some(fp) = fp.filter(|f| *f > 0.0) {
                    report("feedparser (Python)", fp);
                    println!(
                        "whole path / feedparser = {:.1}x (target >= 40x); feed-rs alone / feedparser = {:.1}x",
                        whole / fp,
                        feed_rs / fp
                    );
                }
            }
            Ok(o) => eprintln!(
                "feedparser baseline failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => eprintln!("cannot run feedparser baseline: {e}"),
        }
    } else {
        println!(
            "(set FEEDPARSER_PYTHON=/path/to/python with feedparser installed to time the baseline in the same run)"
        );
    }
}
