//! Enrichment speed on the gold set: KB load time and memory, then whole-enrichment
//! throughput on one core (MB/s of story text, words/s, stories/s). Run with
//! `cargo bench -p herald-nlp --bench enrich` (add `-- --secs N` to time longer).

use std::path::Path;
use std::time::{Duration, Instant};

use herald_model::Story;
use herald_nlp::{Enricher, Kb};

// The allocator the `herald` binary uses, so these figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let secs: u64 = std::env::args()
        .skip_while(|a| a != "--secs")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold"));
    let mut stories: Vec<Story> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures/gold")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for p in &paths {
        let bytes = std::fs::read(p).expect("read");
        stories.push(herald_model::parse_text(&bytes).expect("parse").into_story());
    }
    let bytes: usize = stories
        .iter()
        .map(|s| s.headline.len() + s.body.len() + s.bullets.iter().map(String::len).sum::<usize>())
        .sum();
    let words: usize = stories
        .iter()
        .map(|s| s.headline.split_whitespace().count() + s.body.split_whitespace().count())
        .sum();

    let rss0 = rss_kib().unwrap_or(0);
    let t = Instant::now();
    let kb = Kb::embedded().expect("kb");
    let load = t.elapsed();
    let rss1 = rss_kib().unwrap_or(0);
    let enricher = Enricher::new(kb);
    // Warm up (first-use lexicons, caches).
    for s in &stories {
        let mut s = s.clone();
        enricher.enrich(&mut s);
    }
    let mut passes = 0u64;
    let mut spent = Duration::ZERO;
    let mut per_story: Vec<Duration> = Vec::new();
    while spent < Duration::from_secs(secs) {
        for s in &stories {
            let mut s = s.clone();
            let t = Instant::now();
            enricher.enrich(&mut s);
            let d = t.elapsed();
            spent += d;
            per_story.push(d);
        }
        passes += 1;
    }
    // Where the time goes: each stage alone over the same stories.
    let kb = enricher.kb();
    let docs: Vec<String> = stories
        .iter()
        .map(|s| format!("{}\n\n{}\n\n{}", s.headline, s.bullets.join("\n\n"), s.body))
        .collect();
    let stage = |name: &str, f: &dyn Fn(&Story, &str)| {
        let t = Instant::now();
        let mut n = 0;
        while t.elapsed() < Duration::from_millis(700) {
            for (s, d) in stories.iter().zip(&docs) {
                f(s, d);
            }
            n += 1;
        }
        let per = t.elapsed().as_secs_f64() / (n * stories.len()) as f64;
        println!("  stage {name:<10} {:>7.1} µs/story", per * 1e6);
    };
    stage("kb.find", &|_, d| {
        std::hint::black_box(kb.find(d));
    });
    stage("names", &|s, d| {
        std::hint::black_box(herald_nlp::names::recognize(kb, d, s.headline.len()));
    });
    stage("quotes", &|_, d| {
        std::hint::black_box(herald_nlp::quotes::extract_quotes(d, &[]));
    });
    stage("figures", &|_, d| {
        std::hint::black_box(herald_nlp::figures::extract_figures(d));
    });
    stage("topics", &|s, _| {
        std::hint::black_box(herald_nlp::topics::classify(&s.headline, &s.body, &[]));
    });
    stage("bullets", &|s, _| {
        std::hint::black_box(herald_nlp::bullets::extractive_bullets(&s.headline, &s.body, 3));
    });
    stage("simhash", &|s, _| {
        std::hint::black_box(herald_nlp::fingerprint::simhash(&s.headline, &s.body));
    });
    stage("language", &|s, _| {
        std::hint::black_box(herald_nlp::lang::detect_language(&s.body));
    });
    per_story.sort();
    let q = |p: f64| per_story[((per_story.len() as f64 - 1.0) * p) as usize];
    let total_bytes = bytes as f64 * passes as f64;
    let total_words = words as f64 * passes as f64;
    let s = spent.as_secs_f64();
    println!(
        "stories: {} ({} bytes, {} words) x {} passes",
        stories.len(),
        bytes,
        words,
        passes
    );
    println!(
        "KB load: {:.0} ms, KB resident memory: {:.0} MB",
        load.as_secs_f64() * 1e3,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0
    );
    println!(
        "enrichment, one core: {:.2} MB/s, {:.0} words/s, {:.0} stories/s; per story p50 {:.0} µs, p99 {:.0} µs",
        total_bytes / s / 1e6,
        total_words / s,
        (stories.len() as u64 * passes) as f64 / s,
        q(0.5).as_secs_f64() * 1e6,
        q(0.99).as_secs_f64() * 1e6
    );
}
