//! Regression aid: enriches every story of `fixtures/gold` and `fixtures/stories` in many
//! distorted variants (curly quotes, case changes, accents, cuts, no paragraphs, CJK stops)
//! plus hostile snippets, printing everything, so two versions can be diffed byte for byte.

use herald_model::Story;

fn variants(s: &Story) -> Vec<Story> {
    let mut out = vec![s.clone()];
    let edit = |f: &dyn Fn(&str) -> String| {
        let mut v = s.clone();
        v.headline = f(&v.headline);
        v.body = f(&v.body);
        v
    };
    out.push(edit(&|t| {
        let mut o = String::new();
        let mut open = true;
        for c in t.chars() {
            match c {
                '"' => {
                    o.push(if open { '“' } else { '”' });
                    open = !open;
                }
                '\'' => o.push('’'),
                _ => o.push(c),
            }
        }
        o
    }));
    out.push(edit(&|t| t.to_uppercase()));
    out.push(edit(&|t| t.to_lowercase()));
    out.push(edit(&|t| t.replace("e", "é").replace("a", "ä")));
    out.push(edit(&|t| t.replace("\n\n", " ").replace('\n', " ")));
    out.push(edit(&|t| t.replace(". ", "。").replace(", ", "，")));
    out.push(edit(&|t| t.replace(' ', "\u{a0}")));
    out.push(edit(&|t| t.replace("-", " - ").replace("'s", "’s ")));
    for k in 1..4 {
        out.push(edit(&|t| {
            let n = t.chars().count() * k / 4;
            t.chars().take(n).collect()
        }));
    }
    let mut d = s.clone();
    d.body = format!("{}\n\n{}\n\n{}", s.body, s.headline, s.body);
    out.push(d);
    out
}

fn main() {
    let root = std::env::var("CORPUS_ROOT")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_string());
    let mut paths = Vec::new();
    for dir in ["fixtures/gold", "fixtures/stories"] {
        if let Ok(rd) = std::fs::read_dir(format!("{root}/{dir}")) {
            paths.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "txt")),
            );
        }
    }
    paths.sort();
    let enricher = herald_nlp::Enricher::new(herald_nlp::Kb::embedded().expect("embedded KB"));
    let mut stories: Vec<Story> = Vec::new();
    for p in &paths {
        if let Ok(parsed) = herald_model::parse_text(&std::fs::read(p).expect("readable")) {
            stories.extend(variants(&parsed.into_story()));
        }
    }
    let snippets = [
        "",
        ".",
        "...",
        "\"\"\"",
        "“",
        "”",
        "‘",
        "’ ’ ‘",
        "$",
        "$$1",
        "1,000.5%",
        "US$3.5 billion",
        "‘Quoted text,’ he said. ‘More.’",
        "\"Open quote never closed",
        "U.S.-led Gen. J. Smith Inc. said.",
        "Ministry of Defence and Ministry of Foreign Affairs of the Kingdom",
        "al-Shabaab, also known as Harakat al-Shabaab al-Mujahideen,",
        "東京で。地震が発生した！ 12人",
        "مرحبا؟ نعم۔",
        "7.1-magnitude quake killed at least 14 people",
        "The admiral said: \"We will act.\" The minister, however, \"disagreed\".",
        "A\nB\n\nC\r\n\r\nD",
        "Lindqvist's aide’s car",
        "between 2 and 3 of 10",
        "twenty-five two-thirds half a million",
    ];
    for (i, t) in snippets.iter().enumerate() {
        stories.push(Story {
            headline: format!("Snippet {i}"),
            body: (*t).to_string(),
            ..Default::default()
        });
        stories.push(Story {
            headline: (*t).to_string(),
            body: format!("{t} {t}\n\n{t}"),
            ..Default::default()
        });
    }
    for (i, story) in stories.into_iter().enumerate() {
        let mut a = story.clone();
        let report = enricher.enrich_report(&mut a);
        let mut b = story.clone();
        let surfaces = enricher.enrich_with_surfaces(&mut b);
        let mut c = story;
        herald_nlp::enrich(&mut c);
        println!(
            "== {i}\n{a:#?}\nlearned: {:#?}\nsurfaces: {surfaces:#?}\nplain: {c:#?}",
            report.learned
        );
    }
}
