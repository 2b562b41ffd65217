//! The enrichment gold set: scores the whole enrichment on fixtures/gold and fails below
//! the thresholds (entity F1 0.90, quote-speaker accuracy 0.90).

use std::path::Path;

use herald_model::parse_text;
use herald_nlp::eval::{Annotation, Prediction, Report};
use herald_nlp::{Enricher, Kb};

fn gold_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold"))
}

fn report() -> Report {
    let enricher = Enricher::new(Kb::embedded().expect("embedded KB"));
    let mut files: Vec<_> = std::fs::read_dir(gold_dir())
        .expect("gold dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "gold set has {} stories", files.len());
    let mut report = Report::default();
    for txt in files {
        let name = txt.file_stem().unwrap().to_string_lossy().to_string();
        let ann = std::fs::read_to_string(txt.with_extension("ann.toml")).expect("annotation");
        let gold = Annotation::parse(&ann).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut story = parse_text(&std::fs::read(&txt).unwrap())
            .expect("parses")
            .into_story();
        let surfaces = enricher.enrich_with_surfaces(&mut story);
        report.add(&name, &gold, &Prediction::from_story(&story, &surfaces));
    }
    report
}

#[test]
fn gold_set_scores() {
    let r = report();
    let verbose = std::env::var_os("HERALD_GOLD_ERRORS").is_some();
    println!("{}", r.render(verbose));
    let f1 = r.entity_total().f1();
    assert!(
        f1 >= 0.90,
        "entity F1 {f1:.3} is below 0.90 (HERALD_GOLD_ERRORS=1 lists the misses)"
    );
    let speakers = r.speaker_accuracy();
    assert!(
        speakers >= 0.90,
        "quote-speaker accuracy {speakers:.3} is below 0.90"
    );
    assert!(
        r.quotes_found * 100 >= r.quotes_total * 95,
        "quotes found {}/{}",
        r.quotes_found,
        r.quotes_total
    );
    assert!(
        r.figures_found * 100 >= r.figures_total * 90,
        "figure recall {}/{}",
        r.figures_found,
        r.figures_total
    );
    assert!(
        r.topics_first_in_top2 * 100 >= r.stories * 90,
        "first topic in top 2 for {}/{}",
        r.topics_first_in_top2,
        r.stories
    );
}
