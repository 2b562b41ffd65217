//! Profiling aid: runs the recognizer over the gold stories for a few seconds.

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/gold");
    let mut docs = Vec::new();
    for e in std::fs::read_dir(dir).expect("gold") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "txt") {
            let s = herald_model::parse_text(&std::fs::read(&p).expect("read"))
                .expect("parse")
                .into_story();
            docs.push((
                format!("{}\n\n{}\n\n{}", s.headline, s.bullets.join("\n\n"), s.body),
                s.headline.len(),
            ));
        }
    }
    let kb = herald_nlp::Kb::embedded().expect("kb");
    let t = std::time::Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs() < 4 {
        for (d, h) in &docs {
            std::hint::black_box(herald_nlp::names::recognize(&kb, d, *h));
            n += 1;
        }
    }
    println!("{:.1} µs/story", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
