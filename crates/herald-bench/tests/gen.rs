//! The generator as its users see it: deterministic, valid stories of the requested size.

use std::collections::HashSet;
use std::process::Command;

use herald_bench::generator::{DEFAULT_SIZE, Generator, QueryGen, QueryKind, index_from_guid};
use herald_model::Story;

fn lines(seed: u64, size: usize, n: u64) -> Vec<String> {
    let g = Generator::with_size(seed, size).expect("size within limits");
    (0..n).map(|i| g.story(i).to_json()).collect()
}

#[test]
fn same_seed_same_stories_other_seed_other_stories() {
    let a = lines(42, DEFAULT_SIZE, 200);
    assert_eq!(a, lines(42, DEFAULT_SIZE, 200));
    let b = lines(43, DEFAULT_SIZE, 200);
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert_eq!(same, 0, "seeds 42 and 43 share {same} stories");
}

#[test]
fn a_story_does_not_depend_on_which_others_were_generated() {
    // Concurrent publishers each generate their own indices; story 500 must be the
    // same whether or not 0..500 were generated first.
    let g = Generator::new(9);
    let direct = g.story(500);
    for i in 0..500 {
        g.story(i);
    }
    assert_eq!(g.story(500), direct);
}

#[test]
fn stories_are_valid_herald_stories() {
    let g = Generator::new(7);
    let mut guids = HashSet::new();
    for i in 0..1000 {
        let json = g.story(i).to_json();
        let story: Story = serde_json::from_str(&json).unwrap_or_else(|e| panic!("story {i}: {e}\n{json}"));
        assert!(!story.headline.trim().is_empty(), "story {i} has no headline");
        assert!(
            story.headline.len() < 200,
            "story {i} headline too long: {}",
            story.headline
        );
        let paragraphs = story.body.split("\n\n").count();
        assert!(paragraphs >= 4, "story {i} has {paragraphs} paragraphs");
        assert!(!story.source.id.is_empty() && !story.source.name.is_empty());
        assert!(story.published_at.is_some(), "story {i} has no time");
        assert!(story.body.contains('“'), "story {i} quotes nobody");
        let guid = story.guid.expect("guid");
        assert_eq!(index_from_guid(&guid), Some(i));
        assert!(guids.insert(guid), "story {i} repeats a guid");
    }
}

#[test]
fn stories_have_the_requested_size() {
    for size in [DEFAULT_SIZE, 4096, 16_384] {
        for (i, line) in lines(5, size, 300).iter().enumerate() {
            // Padding adds whole paragraphs, so a story overshoots by less than one.
            assert!(
                (size..size + 1024).contains(&line.len()),
                "size {size}: story {i} is {} bytes",
                line.len()
            );
        }
    }
}

#[test]
fn tiny_sizes_still_give_whole_stories() {
    for line in lines(5, 10, 50) {
        let story: Story = serde_json::from_str(&line).expect("valid JSON");
        assert!(story.body.split("\n\n").count() >= 4);
    }
}

#[test]
fn too_large_a_size_is_refused() {
    let err = Generator::with_size(1, 1 << 30).expect_err("1 GiB stories refused");
    assert!(err.to_string().contains("too large"), "{err}");
}

#[test]
fn headlines_differ() {
    let g = Generator::new(3);
    let headlines: Vec<String> = (0..1000).map(|i| g.story(i).headline).collect();
    let distinct: HashSet<&String> = headlines.iter().collect();
    assert!(
        distinct.len() >= 900,
        "only {} distinct headlines in 1000",
        distinct.len()
    );
    assert!(
        headlines.windows(2).all(|w| w[0] != w[1]),
        "consecutive stories share a headline"
    );
}

#[test]
fn word_frequencies_have_a_long_tail() {
    let g = Generator::new(11);
    let mut counts = std::collections::HashMap::<String, u32>::new();
    for i in 0..1000 {
        let s = g.story(i);
        for w in s
            .body
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            *counts.entry(w.to_lowercase()).or_default() += 1;
        }
    }
    let mut freq: Vec<u32> = counts.values().copied().collect();
    freq.sort_unstable_by(|a, b| b.cmp(a));
    assert!(freq.len() > 1500, "vocabulary of only {} words", freq.len());
    // Zipf: the top word is far more common than the 100th, which is far more common
    // than the 1000th; and many words are rare.
    assert!(freq[0] > 10 * freq[99], "{} vs {}", freq[0], freq[99]);
    assert!(freq[99] > 5 * freq[999], "{} vs {}", freq[99], freq[999]);
    let rare = freq.iter().filter(|&&f| f <= 5).count();
    assert!(rare > 200, "only {rare} words occur 5 times or fewer");
}

#[test]
fn queries_are_deterministic_and_of_the_requested_shape() {
    let mut a = QueryGen::new(1);
    let mut b = QueryGen::new(1);
    for kind in QueryKind::ALL {
        for _ in 0..50 {
            let q = a.query(kind);
            assert_eq!(q, b.query(kind));
            match kind {
                QueryKind::OneTerm => assert_eq!(q.split(' ').count(), 1, "{q}"),
                QueryKind::TwoTerms => assert_eq!(q.split(' ').count(), 2, "{q}"),
                QueryKind::ThreeTerms => assert_eq!(q.split(' ').count(), 3, "{q}"),
                QueryKind::Phrase => {
                    assert!(q.starts_with('"') && q.ends_with('"') && q.contains(' '), "{q}")
                }
            }
            assert!(
                q.chars()
                    .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '"' || c == '-'),
                "query {q:?} has characters the query language would treat specially"
            );
        }
    }
}

#[test]
fn gen_command_writes_the_same_jsonl_twice() {
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_herald-bench"))
            .args(["gen", "--count", "40", "--seed", "8", "--size", "3000"])
            .output()
            .expect("run herald-bench gen");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let first = run();
    assert_eq!(first, run());
    let text = String::from_utf8(first).expect("UTF-8");
    assert_eq!(text.lines().count(), 40);
    for line in text.lines() {
        assert!(line.len() >= 3000, "a line of {} bytes", line.len());
        serde_json::from_str::<Story>(line).expect("each line a story");
    }
}
