//! Highlights: short HTML snippets of a story's text with the words a query matched in `<b>`.
//!
//! Works on the text directly (the body is not stored in the index), with the same analyzer
//! and the same word / phrase / prefix rules as the search, so what is marked is what matched.

use std::ops::Range;

use herald_query::{Field, Query, Value};

use super::translate::MAX_QUERY_DEPTH;

/// At most this many snippets per story.
pub const MAX_SNIPPETS: usize = 2;

/// A snippet shows at most this many characters of text (markup not counted).
pub const SNIPPET_CHARS: usize = 200;

/// How much text to show before the first match of a snippet, so it reads in context.
const LEAD_CHARS: usize = 40;

/// One positive thing a query looks for in text.
#[derive(Debug)]
enum Matcher {
    Term(String),
    /// Terms with their position offsets from the first one.
    Phrase(Vec<(usize, String)>),
    Prefix(String),
}

#[derive(Debug, Default)]
struct Matchers {
    headline: Vec<Matcher>,
    body: Vec<Matcher>,
}

/// Up to [`MAX_SNIPPETS`] snippets from `body` where `q` matched, or from `headline` when
/// the body has no match; empty when neither has one.
pub(crate) fn highlight(q: &Query, headline: &str, body: &str) -> Vec<String> {
    let mut m = Matchers::default();
    collect(q, 0, &mut m);
    let body_spans = spans(body, &m.body);
    if !body_spans.is_empty() {
        return fragments(body, &body_spans, MAX_SNIPPETS);
    }
    let head_spans = spans(headline, &m.headline);
    fragments(headline, &head_spans, 1)
}

/// Gathers the matchers of the query's positive parts (what a `NOT` excludes is never shown).
fn collect(q: &Query, depth: usize, out: &mut Matchers) {
    if depth > MAX_QUERY_DEPTH {
        return;
    }
    match q {
        Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| collect(q, depth + 1, out)),
        Query::Not(_) | Query::Since(_) | Query::Until(_) => {}
        Query::Match { field, value } => {
            let (head, body) = match field {
                None => (true, true),
                Some(Field::Headline) => (true, false),
                Some(Field::Body) => (false, true),
                // Names usually appear in the text as written, so show where.
                Some(
                    Field::Person | Field::Org | Field::Place | Field::Company | Field::Entity | Field::Said,
                ) => (true, true),
                Some(Field::Source | Field::Lang | Field::Topic | Field::Ticker) => (false, false),
            };
            if head && let Some(m) = matcher(value) {
                out.headline.push(m);
            }
            if body && let Some(m) = matcher(value) {
                out.body.push(m);
            }
        }
    }
}

fn matcher(value: &Value) -> Option<Matcher> {
    match value {
        Value::Word(w) | Value::Phrase(w) => {
            let tokens = herald_nlp::analyze(w);
            let base = tokens.first()?.position;
            if let [only] = tokens.as_slice() {
                return Some(Matcher::Term(only.term.clone()));
            }
            Some(Matcher::Phrase(
                tokens
                    .into_iter()
                    .map(|t| (t.position.saturating_sub(base), t.term))
                    .collect(),
            ))
        }
        Value::Prefix(p) => {
            let p = p.to_lowercase();
            (!p.is_empty()).then_some(Matcher::Prefix(p))
        }
    }
}

/// Byte ranges of `text` that the matchers hit, sorted and merged.
fn spans(text: &str, matchers: &[Matcher]) -> Vec<Range<usize>> {
    if matchers.is_empty() {
        return Vec::new();
    }
    let tokens = herald_nlp::analyze(text);
    let mut out = Vec::new();
    for m in matchers {
        for (i, tok) in tokens.iter().enumerate() {
            match m {
                Matcher::Term(t) if &tok.term == t => out.push(tok.start..tok.end),
                Matcher::Prefix(p) if tok.term.starts_with(p.as_str()) => out.push(tok.start..tok.end),
                Matcher::Phrase(parts) => {
                    if let Some(end) = phrase_at(&tokens, i, parts) {
                        out.push(tok.start..end);
                    }
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// If the phrase starts at token `i`, the byte offset where it ends.
fn phrase_at(tokens: &[herald_nlp::Token], i: usize, parts: &[(usize, String)]) -> Option<usize> {
    let base = tokens.get(i)?.position;
    let mut end = 0;
    for (offset, term) in parts {
        // Positions increase along the tokens, so the one wanted can be binary-searched.
        let at = tokens
            .binary_search_by_key(&(base + offset), |t| t.position)
            .ok()?;
        let tok = tokens.get(at)?;
        if &tok.term != term {
            return None;
        }
        end = end.max(tok.end);
    }
    Some(end)
}

/// Picks up to `max` non-overlapping windows of at most [`SNIPPET_CHARS`] characters with the
/// most matches and renders them in text order.
fn fragments(text: &str, spans: &[Range<usize>], max: usize) -> Vec<String> {
    if spans.is_empty() || max == 0 {
        return Vec::new();
    }
    // Byte offset of every char, plus the end, to count characters without re-scanning.
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let nchars = bounds.len() - 1;
    if nchars <= SNIPPET_CHARS {
        return vec![render(text, 0..text.len(), spans)];
    }
    let char_of = |byte: usize| bounds.partition_point(|&b| b < byte);
    let byte_of = |ch: usize| bounds.get(ch).copied().unwrap_or(text.len());

    let mut windows: Vec<(usize, Range<usize>)> = spans
        .iter()
        .map(|anchor| {
            let win = window(text, spans, anchor, char_of(anchor.start), &byte_of);
            // Spans are sorted and disjoint, so those inside form one contiguous run.
            let first = spans.partition_point(|s| s.start < win.start);
            let last = spans.partition_point(|s| s.end <= win.end);
            (last.saturating_sub(first), win)
        })
        .collect();
    // Most matches first; among equals, the earliest.
    windows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.start.cmp(&b.1.start)));
    let mut chosen: Vec<Range<usize>> = Vec::new();
    for (_, w) in windows {
        if chosen.len() >= max {
            break;
        }
        if chosen.iter().all(|c| w.end <= c.start || c.end <= w.start) {
            chosen.push(w);
        }
    }
    chosen.sort_by_key(|w| w.start);
    chosen.into_iter().map(|w| render(text, w, spans)).collect()
}

/// The window for one match: a little lead-in starting at a word, then as much as fits,
/// ending at a word boundary and never cutting a match in half.
fn window(
    text: &str,
    spans: &[Range<usize>],
    anchor: &Range<usize>,
    anchor_char: usize,
    byte_of: &dyn Fn(usize) -> usize,
) -> Range<usize> {
    let start_char = anchor_char.saturating_sub(LEAD_CHARS);
    let mut start = byte_of(start_char);
    if start > 0 {
        let lead = text.get(start..anchor.start).unwrap_or("");
        if let Some(ws) = lead.find(char::is_whitespace) {
            start += ws;
        }
    }
    let start_char = text.get(..start).map_or(start_char, |s| s.chars().count());
    let limit = byte_of(start_char + SNIPPET_CHARS);
    let mut end = limit;
    if end < text.len() {
        if let Some(cut) = spans.iter().find(|s| s.start < end && end < s.end) {
            end = cut.start;
        }
        let tail = text.get(anchor.end.min(end)..end).unwrap_or("");
        if let Some(ws) = tail.rfind(char::is_whitespace) {
            end = anchor.end.min(end) + ws;
        }
    }
    if end <= anchor.start {
        // A match longer than a whole snippet: show its beginning.
        return anchor.start..byte_of(anchor_char + SNIPPET_CHARS);
    }
    start..end
}

/// HTML for `range` of `text`: escaped, whitespace runs collapsed, matches in `<b>`.
fn render(text: &str, range: Range<usize>, spans: &[Range<usize>]) -> String {
    let mut out = String::new();
    let mut pos = range.start;
    for s in spans
        .iter()
        .filter(|s| s.start < range.end && range.start < s.end)
    {
        let (a, b) = (s.start.max(range.start), s.end.min(range.end));
        escape_into(&mut out, text.get(pos..a).unwrap_or(""));
        out.push_str("<b>");
        escape_into(&mut out, text.get(a..b).unwrap_or(""));
        out.push_str("</b>");
        pos = b;
    }
    escape_into(&mut out, text.get(pos..range.end).unwrap_or(""));
    out.trim().to_string()
}

fn escape_into(out: &mut String, s: &str) {
    let mut in_space = out.ends_with(' ');
    for c in s.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
            continue;
        }
        in_space = false;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(field: Option<Field>, w: &str) -> Query {
        Query::Match {
            field,
            value: Value::Word(w.into()),
        }
    }

    /// The visible text of a snippet: markup and entities removed.
    fn visible(s: &str) -> String {
        s.replace("<b>", "")
            .replace("</b>", "")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
    }

    #[test]
    fn marks_stemmed_matches_and_escapes_the_rest() {
        let out = highlight(
            &word(None, "strike"),
            "Port news",
            "Dockers <strike> & strikes spread",
        );
        assert_eq!(out, ["Dockers &lt;<b>strike</b>&gt; &amp; <b>strikes</b> spread"]);
    }

    #[test]
    fn negated_words_are_not_marked() {
        let q = Query::And(vec![
            word(None, "grain"),
            Query::Not(Box::new(word(None, "ports"))),
        ]);
        let out = highlight(&q, "", "Grain stuck at ports");
        assert_eq!(out, ["<b>Grain</b> stuck at ports"]);
    }

    #[test]
    fn phrase_marks_only_the_phrase() {
        let q = Query::Match {
            field: None,
            value: Value::Phrase("central bank".into()),
        };
        let out = highlight(&q, "", "The bank said the central bank would act.");
        assert_eq!(out, ["The bank said the <b>central bank</b> would act."]);
    }

    #[test]
    fn long_bodies_give_two_short_snippets() {
        let filler = "The committee met again and discussed routine matters at length. ".repeat(8);
        let body = format!("Tariffs rose sharply. {filler}Exporters fear new tariffs. {filler}");
        let out = highlight(&word(None, "tariff"), "", &body);
        assert_eq!(out.len(), 2, "{out:?}");
        for s in &out {
            assert!(s.contains("<b>"), "{s}");
            assert!(visible(s).chars().count() <= SNIPPET_CHARS, "{s}");
        }
        assert!(out.iter().any(|s| s.contains("<b>Tariffs</b> rose")));
        assert!(out.iter().any(|s| s.contains("new <b>tariffs</b>")));
    }

    #[test]
    fn falls_back_to_the_headline() {
        let out = highlight(
            &word(Some(Field::Headline), "harbour"),
            "Harbour strike",
            "Body text.",
        );
        assert_eq!(out, ["<b>Harbour</b> strike"]);
        assert!(highlight(&word(None, "missing"), "Harbour strike", "Body text.").is_empty());
    }

    #[test]
    fn prefix_and_unicode_text_stay_on_char_boundaries() {
        let body = format!("{} Zürich sanctions é{}", "ü".repeat(150), "é".repeat(300));
        let q = Query::Match {
            field: None,
            value: Value::Prefix("Sanction".into()),
        };
        let out = highlight(&q, "", &body);
        assert_eq!(out.len(), 1);
        assert!(out[0].contains("<b>sanctions</b>"), "{out:?}");
        assert!(visible(&out[0]).chars().count() <= SNIPPET_CHARS);
    }
}
