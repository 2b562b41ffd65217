//! Extractive bullets: the two or three sentences of a story that carry it, clipped to 160
//! characters.
//!
//! The lead (the first sentence that qualifies) always comes first: wire copy puts the news
//! there. The others are scored by what makes a sentence informative in news: words it shares
//! with the headline (stemmed content words), an early position, numbers and names. Sentences
//! that are questions, mostly quotation (a quote without context is a poor summary), or
//! shorter than six words are never chosen, nor one that repeats an already chosen sentence.

use crate::sentences::sentences;

/// Longest bullet, in characters.
pub const MAX_BULLET_CHARS: usize = 160;

/// Sentences considered, from the top of the body.
const MAX_CANDIDATE_SENTENCES: usize = 10;

/// Sentences with fewer words carry too little to stand alone.
const MIN_WORDS: usize = 6;

/// Two chosen sentences sharing more than this fraction of their content words say the
/// same thing; the later one is skipped.
const MAX_OVERLAP: f32 = 0.6;

/// Up to `max` bullets from `body` (lead sentence first, then the best-scoring others, in text
/// order), each at most [`MAX_BULLET_CHARS`] characters (a longer sentence is clipped at a word
/// boundary and ends with "…"). Empty when no sentence qualifies. Deterministic.
pub fn extractive_bullets(headline: &str, body: &str, max: usize) -> Vec<String> {
    if max == 0 {
        return Vec::new();
    }
    let headline_terms = content_terms(headline);
    let ranges = sentences(body);
    let n = ranges.len().max(1) as f32;
    // The sentences that carry a news story are near its top; looking further down costs
    // time (every candidate is stemmed) and does not change the choice.
    let candidates: Vec<Candidate<'_>> = ranges
        .iter()
        .take(MAX_CANDIDATE_SENTENCES)
        .enumerate()
        .filter_map(|(index, r)| {
            let text = body.get(r.clone())?;
            if word_count(text) < MIN_WORDS || is_question(text) || is_mostly_quote(text) {
                return None;
            }
            Some(Candidate {
                index,
                text,
                terms: content_terms(text),
            })
        })
        .collect();
    let Some((lead, rest)) = candidates.split_first() else {
        return Vec::new();
    };

    let mut scored: Vec<(f32, &Candidate<'_>)> = rest
        .iter()
        .map(|c| {
            let overlap = if headline_terms.is_empty() {
                0.0
            } else {
                shared(&c.terms, &headline_terms) as f32 / headline_terms.len() as f32
            };
            let position = 1.0 - c.index as f32 / n;
            let number = if c.text.bytes().any(|b| b.is_ascii_digit()) {
                1.0
            } else {
                0.0
            };
            let names = inner_capitalised_words(c.text).min(3) as f32 / 3.0;
            let long = if c.text.chars().count() > MAX_BULLET_CHARS {
                0.25
            } else {
                0.0
            };
            let score = 2.0 * overlap + position + 0.4 * number + 0.4 * names - long;
            (score, c)
        })
        .collect();
    // Best first; equal scores keep text order, so the result does not depend on sort details.
    scored.sort_by(|(sa, a), (sb, b)| sb.total_cmp(sa).then(a.index.cmp(&b.index)));

    let mut chosen: Vec<&Candidate<'_>> = vec![lead];
    for (_, c) in scored {
        if chosen.len() >= max {
            break;
        }
        if chosen
            .iter()
            .all(|k| similarity(&k.terms, &c.terms) <= MAX_OVERLAP)
        {
            chosen.push(c);
        }
    }
    chosen.sort_by_key(|c| c.index);
    chosen
        .into_iter()
        .map(|c| clip(c.text, MAX_BULLET_CHARS))
        .collect()
}

struct Candidate<'a> {
    index: usize,
    text: &'a str,
    terms: Vec<u64>,
}

/// Function words that say nothing about what a sentence is about.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from", "with", "as",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "it", "its", "this", "that",
    "these", "those", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "not", "no",
    "will", "would", "could", "should", "may", "might", "can", "said", "says", "say", "after", "before",
    "over", "into", "than", "then", "also", "about", "which", "who", "what", "when", "where", "there", "up",
    "out", "more", "s", "do", "does",
];

/// Content words of `text` (stopwords and single characters left out), lowercased and
/// cut to their first six letters: a crude stem ("sanctions", "sanctioned" → "sancti")
/// that is enough to compare sentences and costs far less than the search stemmer. Kept
/// as hashes, sorted and deduplicated: only equality matters, and a sorted list is
/// cheaper to build and to intersect than a hash set of a sentence's two dozen words.
fn content_terms(text: &str) -> Vec<u64> {
    use std::hash::Hasher;
    let mut out = Vec::with_capacity(text.len() / 6);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A word: a run of letters and digits (ASCII read directly, the rest decoded).
        let start = i;
        let mut ascii = true;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                i += 1;
            } else {
                match text.get(i..).and_then(|s| s.chars().next()) {
                    Some(c) if c.is_alphanumeric() => {
                        ascii = false;
                        i += c.len_utf8();
                    }
                    _ => break,
                }
            }
        }
        if i == start {
            // A separator: step over one character.
            i += text
                .get(i..)
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            continue;
        }
        let word = text.get(start..i).unwrap_or_default();
        if word.len() < 2 || (!ascii && word.chars().nth(1).is_none()) || is_stopword(word) {
            continue;
        }
        let mut h = rustc_hash::FxHasher::default();
        if ascii {
            for &b in word.as_bytes().iter().take(6) {
                h.write_u8(b.to_ascii_lowercase());
            }
        } else {
            for c in word.chars().take(6).flat_map(char::to_lowercase) {
                h.write_u32(c as u32);
            }
        }
        out.push(h.finish());
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A word of at most eight bytes, ASCII-lowercased and packed into an integer (zero
/// padded: no word holds a NUL), so that a stopword test is a few integer compares.
fn packed_lower(word: &str) -> Option<u64> {
    if word.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    for (d, s) in buf.iter_mut().zip(word.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(u64::from_le_bytes(buf))
}

/// A stopword, in any case; a binary search over the packed stopwords.
fn is_stopword(word: &str) -> bool {
    static SET: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let Some(key) = packed_lower(word) else {
        return false; // no stopword is longer
    };
    let set = SET.get_or_init(|| {
        let mut v: Vec<u64> = STOPWORDS.iter().filter_map(|w| packed_lower(w)).collect();
        v.sort_unstable();
        v
    });
    set.binary_search(&key).is_ok()
}

/// How many terms two sorted, deduplicated term lists share.
fn shared(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Jaccard similarity of two term sets.
fn similarity(a: &[u64], b: &[u64]) -> f32 {
    let both = shared(a, b);
    let union = a.len() + b.len() - both;
    if union == 0 {
        return 0.0;
    }
    both as f32 / union as f32
}

/// The next character of `text` at byte `i` (ASCII read directly) and its length.
fn char_at(text: &str, i: usize) -> Option<char> {
    match text.as_bytes().get(i) {
        Some(&b) if b < 0x80 => Some(char::from(b)),
        Some(_) => text.get(i..).and_then(|s| s.chars().next()),
        None => None,
    }
}

/// Words: whitespace-separated pieces holding at least one letter or digit.
fn word_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    let mut has_alnum = false;
    let mut i = 0;
    while let Some(c) = char_at(text, i) {
        i += c.len_utf8();
        if c.is_whitespace() {
            if in_word && has_alnum {
                count += 1;
            }
            in_word = false;
            has_alnum = false;
        } else {
            in_word = true;
            has_alnum |= c.is_alphanumeric();
        }
    }
    count + usize::from(in_word && has_alnum)
}

fn is_question(text: &str) -> bool {
    text.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']'])
        .ends_with(['?', '؟', '？'])
}

/// Whether at least 60% of the sentence's words are inside quotation marks.
fn is_mostly_quote(text: &str) -> bool {
    // Most sentences hold no quotation mark at all: '"', and the lead bytes of “ ” « ».
    if !text.bytes().any(|b| matches!(b, b'"' | 0xE2 | 0xC2)) {
        return false;
    }
    let mut inside = false;
    let mut inside_words = 0usize;
    let mut total = 0usize;
    for word in text.split_whitespace() {
        let has_alnum = word.chars().any(char::is_alphanumeric);
        let mut counted_inside = inside;
        for c in word.chars() {
            match c {
                '“' | '«' => {
                    inside = true;
                    counted_inside = true;
                }
                '”' | '»' => {
                    if !inside {
                        // A close with no open: the quote began in an earlier sentence, so
                        // everything so far was quoted.
                        inside_words = total + usize::from(has_alnum);
                        counted_inside = false;
                    }
                    inside = false;
                }
                '"' => {
                    inside = !inside;
                    if inside {
                        counted_inside = true;
                    }
                }
                _ => {}
            }
        }
        if !has_alnum {
            continue;
        }
        total += 1;
        if counted_inside {
            inside_words += 1;
        }
    }
    total > 0 && inside_words * 10 >= total * 6
}

/// Capitalised words after the first: names of people, places and organisations. A word
/// is a whitespace-separated piece; opening quotes and brackets before it are skipped.
fn inner_capitalised_words(text: &str) -> usize {
    let mut count = 0;
    let mut words = 0usize;
    let mut in_word = false;
    let mut decided = false;
    let mut i = 0;
    while let Some(c) = char_at(text, i) {
        i += c.len_utf8();
        if c.is_whitespace() {
            in_word = false;
            continue;
        }
        if !in_word {
            in_word = true;
            decided = false;
            words += 1;
        }
        if decided || matches!(c, '"' | '“' | '‘' | '(' | '\'') {
            continue;
        }
        decided = true;
        if words > 1 && c.is_uppercase() {
            count += 1;
        }
    }
    count
}

/// `s` if it has at most `max` characters; otherwise its longest prefix that ends at a word
/// boundary and fits with a trailing "…" (cut mid-word only when one word is longer).
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max || max == 0 {
        return s.to_string();
    }
    // Byte offset just past the first `max - 1` characters (room for the ellipsis).
    let limit = s.char_indices().nth(max - 1).map_or(s.len(), |(i, _)| i);
    let head = s.get(..limit).unwrap_or("");
    // Cut at the last space if the next character starts a new word there; else mid-word.
    let next_is_space = s.get(limit..).is_some_and(|t| t.starts_with(char::is_whitespace));
    let cut = if next_is_space {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(i) if i > 0 => head.get(..i).unwrap_or(head),
            _ => head,
        }
    };
    let cut = cut.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—(".contains(c));
    let cut = if cut.is_empty() { head } else { cut };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_words_whole() {
        let s = "alpha beta gamma delta";
        assert_eq!(clip(s, 12), "alpha beta…");
        assert_eq!(clip(s, 100), s);
        assert_eq!(clip(&"x".repeat(20), 10), format!("{}…", "x".repeat(9)));
    }

    #[test]
    fn quote_share() {
        assert!(is_mostly_quote(
            "\"We know roughly where it happened and when,\" he said."
        ));
        assert!(!is_mostly_quote(
            "Officials in Oslo said the talks, which one called \"useful,\" would resume."
        ));
        assert!(is_mostly_quote("beyond that and more of the same.” The end"));
    }
}
