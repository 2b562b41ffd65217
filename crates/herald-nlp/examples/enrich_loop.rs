//! Profiling aid: enriches the gold stories a fixed number of times (`PASSES`, default 200),
//! so that `perf stat -e instructions` compares versions without timing noise.

// The allocator the `herald` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let passes: usize = std::env::var("PASSES")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(200);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold");
    let mut stories = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("gold")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    paths.sort();
    for p in paths {
        stories.push(
            herald_model::parse_text(&std::fs::read(&p).expect("read"))
                .expect("parse")
                .into_story(),
        );
    }
    let enricher = herald_nlp::Enricher::new(herald_nlp::Kb::embedded().expect("kb"));
    for _ in 0..passes {
        for s in &stories {
            let mut s = s.clone();
            enricher.enrich(&mut s);
            std::hint::black_box(&s);
        }
    }
}
