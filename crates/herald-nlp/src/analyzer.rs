//! The analyzer: text to normalised terms (split on non-alphanumerics, lowercased, stemmed).

use frostem::{Algorithm, Stemmer};

/// Terms longer than this (in bytes) are dropped: they are noise (base64, URLs) and would
/// bloat the term dictionary.
pub const MAX_TERM_BYTES: usize = 64;

/// One term of a text, with the byte range of the word it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The normalised term (lowercased, stemmed).
    pub term: String,
    /// Byte offset of the word's first byte.
    pub start: usize,
    /// Byte offset one past the word's last byte.
    pub end: usize,
    /// Index of the word among the text's words (for phrases).
    pub position: usize,
}

fn stemmer() -> Stemmer {
    Stemmer::new(Algorithm::English)
}

/// Lowercases and stems one word (no splitting).
pub fn normalize_word(stemmer: &Stemmer, word: &str) -> String {
    let lower = word.to_lowercase();
    stemmer.stem(&lower).into_owned()
}

/// Normalises a query word the way [`analyze`] normalises text. A query word that
/// contains punctuation (`U.S.`, `al-Shabaab`) yields several terms; this returns them all.
pub fn normalize_term(word: &str) -> Vec<String> {
    analyze(word).into_iter().map(|t| t.term).collect()
}

/// Splits `text` into normalised terms with their byte offsets.
pub fn analyze(text: &str) -> Vec<Token> {
    let stemmer = stemmer();
    let mut out = Vec::new();
    let mut position = 0;
    let mut start: Option<usize> = None;
    let mut push = |s: usize, e: usize, out: &mut Vec<Token>| {
        let word = &text[s..e];
        if word.len() <= MAX_TERM_BYTES {
            out.push(Token {
                term: normalize_word(&stemmer, word),
                start: s,
                end: e,
                position,
            });
        }
        position += 1;
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            push(s, i, &mut out);
        }
    }
    if let Some(s) = start {
        push(s, text.len(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lowercases_and_stems() {
        let toks = analyze("Dock workers STRIKE; strikes spread.");
        let terms: Vec<_> = toks.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(terms, ["dock", "worker", "strike", "strike", "spread"]);
        assert_eq!(
            &"Dock workers STRIKE; strikes spread."[toks[1].start..toks[1].end],
            "workers"
        );
        assert_eq!(toks[4].position, 4);
    }

    #[test]
    fn unicode_words_and_offsets() {
        let text = "Zürich’s café — 東京 rallies";
        let toks = analyze(text);
        assert_eq!(toks[0].term, "zürich");
        assert_eq!(&text[toks[2].start..toks[2].end], "café");
        assert!(toks.iter().any(|t| t.term == "東京"));
    }

    #[test]
    fn long_junk_is_dropped_but_counts_a_position() {
        let junk = "a".repeat(200);
        let toks = analyze(&format!("x {junk} y"));
        assert_eq!(toks.len(), 2);
        assert_eq!(toks[1].position, 2);
    }
}
