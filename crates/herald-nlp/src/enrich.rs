//! The enrichment pipeline. A pass-through for now: it keeps what the story brings and
//! adds extractive bullets when it brings none; the enrichment issue fills in entities,
//! quotes, figures and topics.

use herald_model::Story;

/// Bumped whenever enrichment output changes, so that a replay knows to re-enrich.
pub const ENRICHER_VERSION: u32 = 0;

/// Enriches a story in place. Deterministic: the same story in gives the same story out.
pub fn enrich(story: &mut Story) {
    if story.bullets.is_empty() {
        story.bullets = lead_bullets(&story.body, 2);
    }
}

/// The first `n` sentences of the first paragraph, as bullets (cut at 160 characters).
fn lead_bullets(body: &str, n: usize) -> Vec<String> {
    let first = body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or("");
    let mut out = Vec::new();
    let mut rest = first;
    while out.len() < n && !rest.is_empty() {
        // A sentence ends at ". " followed by an uppercase letter; good enough for a lead.
        let cut = rest
            .match_indices(". ")
            .find(|(i, _)| rest[i + 2..].chars().next().is_some_and(char::is_uppercase))
            .map(|(i, _)| i + 1)
            .unwrap_or(rest.len());
        let sentence = rest[..cut].trim();
        if !sentence.is_empty() {
            out.push(clip(sentence, 160));
        }
        rest = rest[cut..].trim_start();
    }
    out
}

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    if let Some(i) = out.rfind(' ') {
        out.truncate(i);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_given_bullets() {
        let mut s = Story {
            headline: "H".into(),
            bullets: vec!["b".into()],
            body: "One. Two.".into(),
            ..Default::default()
        };
        enrich(&mut s);
        assert_eq!(s.bullets, ["b"]);
    }

    #[test]
    fn makes_lead_bullets() {
        let mut s = Story {
            headline: "H".into(),
            body: "Markets fell 3% on Monday. Oil rose. Gold was flat.\n\nMore text.".into(),
            ..Default::default()
        };
        enrich(&mut s);
        assert_eq!(s.bullets, ["Markets fell 3% on Monday.", "Oil rose."]);
    }

    #[test]
    fn clips_long_sentences() {
        let long = "word ".repeat(100);
        let b = lead_bullets(&long, 2);
        assert!(b[0].chars().count() <= 160 && b[0].ends_with('…'));
    }
}
