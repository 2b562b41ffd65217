//! Regression aid: prints everything enrichment produces for each gold story (the story,
//! the learned aliases, the surfaces), so that two versions can be diffed byte for byte.

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures/gold is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    let enricher = herald_nlp::Enricher::new(herald_nlp::Kb::embedded().expect("embedded KB"));
    for p in paths {
        let story = herald_model::parse_text(&std::fs::read(&p).expect("gold story readable"))
            .expect("gold story parses")
            .into_story();
        let mut a = story.clone();
        let report = enricher.enrich_report(&mut a);
        let mut b = story.clone();
        let surfaces = enricher.enrich_with_surfaces(&mut b);
        println!("== {}", p.display());
        println!("{a:#?}");
        println!("learned: {:#?}", report.learned);
        println!("surfaces: {surfaces:#?}");
        // Also the knowledge-free path (no KB), which the node uses as a fallback.
        let mut c = story;
        herald_nlp::enrich(&mut c);
        println!("plain: {c:#?}");
    }
}
