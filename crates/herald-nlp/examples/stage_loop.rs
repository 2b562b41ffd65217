//! Profiling aid: runs one enrichment stage (`STAGE=names|quotes|figures|topics|bullets|
//! simhash|all`) over the gold stories `PASSES` times (default 10), so that callgrind can
//! count one stage's instructions without the others around it.

use herald_model::Story;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let passes: usize = std::env::var("PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(10);
    let stage = std::env::var("STAGE").unwrap_or_else(|_| "all".to_string());
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures/gold is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let stories: Vec<Story> = paths
        .iter()
        .map(|p| {
            herald_model::parse_text(&std::fs::read(p).expect("gold story readable"))
                .expect("gold story parses")
                .into_story()
        })
        .collect();
    let enricher = herald_nlp::Enricher::new(herald_nlp::Kb::embedded().expect("embedded KB"));
    let kb = enricher.kb();
    let docs: Vec<String> = stories
        .iter()
        .map(|s| format!("{}\n\n{}\n\n{}", s.headline, s.bullets.join("\n\n"), s.body))
        .collect();
    // The entities the topic stage sees in the pipeline.
    let enriched: Vec<Story> = stories
        .iter()
        .map(|s| {
            let mut s = s.clone();
            enricher.enrich(&mut s);
            s
        })
        .collect();
    for _ in 0..passes {
        for ((s, d), e) in stories.iter().zip(&docs).zip(&enriched) {
            run_stage(&stage, &enricher, kb, s, d, e);
        }
    }
}

#[inline(never)]
fn run_stage(
    stage: &str,
    enricher: &herald_nlp::Enricher,
    kb: &herald_nlp::Kb,
    s: &Story,
    d: &str,
    e: &Story,
) {
    match stage {
        "names" => {
            std::hint::black_box(herald_nlp::names::recognize(kb, d, s.headline.len()));
        }
        "quotes" => {
            std::hint::black_box(herald_nlp::quotes::extract_quotes(d, &[]));
        }
        "figures" => {
            std::hint::black_box(herald_nlp::figures::extract_figures(d));
        }
        "topics" => {
            std::hint::black_box(herald_nlp::topics::classify(&s.headline, &s.body, &e.entities));
        }
        "bullets" => {
            std::hint::black_box(herald_nlp::bullets::extractive_bullets(&s.headline, &s.body, 3));
        }
        "simhash" => {
            std::hint::black_box(herald_nlp::fingerprint::simhash(&s.headline, &s.body));
        }
        _ => {
            let mut s = s.clone();
            enricher.enrich(&mut s);
            std::hint::black_box(&s);
        }
    }
}
