//! Debug aid: prints what the recognizer finds in a story file (`cargo run -p herald-nlp --example names FILE`).

fn main() {
    let path = std::env::args().nth(1).expect("usage: names FILE");
    let story = herald_model::parse_text(&std::fs::read(&path).expect("read"))
        .expect("parse")
        .into_story();
    let kb = herald_nlp::Kb::embedded().expect("kb");
    let mut doc = story.headline.clone();
    doc.push_str("\n\n");
    let h = story.headline.len();
    for b in &story.bullets {
        doc.push_str(b);
        doc.push_str("\n\n");
    }
    doc.push_str(&story.body);
    let f = herald_nlp::names::recognize(&kb, &doc, h);
    for m in &f.mentions {
        let e = &f.entities[m.entity];
        println!(
            "{:>5} {:<28} {:?} {} [{}] {:?}",
            m.start,
            &doc[m.start..m.end],
            e.kind,
            e.id,
            e.category,
            e.roles
        );
    }
    for l in &f.learned {
        println!("learned {:?} for {}", l.alias, f.entities[l.entity].name);
    }
}
