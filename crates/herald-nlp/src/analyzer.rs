//! The analyzer: text to normalised terms (split on non-alphanumerics, lowercased, stemmed).

use frostem::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;

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
    let mut lower = String::new();
    let mut out = String::new();
    normalize_into(stemmer, word, &mut lower, &mut out);
    out
}

/// Lowercases `word` into `lower` (ASCII without decoding, the common case) and writes its
/// stem into `out`; both buffers are reused, so a warm analyzer allocates nothing per word.
fn normalize_into(stemmer: &Stemmer, word: &str, lower: &mut String, out: &mut String) {
    lowercase_into(word, lower);
    out.clear();
    out.push_str(&stemmer.stem(lower));
}

fn lowercase_into(word: &str, lower: &mut String) {
    lower.clear();
    if word.is_ascii() {
        lower.push_str(word);
        lower.make_ascii_lowercase();
    } else {
        for c in word.chars() {
            lower.extend(c.to_lowercase());
        }
    }
}

/// Normalises a query word the way [`analyze`] normalises text. A query word that
/// contains punctuation (`U.S.`, `al-Shabaab`) yields several terms; this returns them all.
pub fn normalize_term(word: &str) -> Vec<String> {
    analyze(word).into_iter().map(|t| t.term).collect()
}

/// A reusable analyzer: the same terms as [`analyze`], handed to a callback without
/// allocating per word. The search index's tokenizer runs on this.
pub struct Analyzer {
    stemmer: Stemmer,
    lower: String,
    term: String,
    /// Lowercased word → stem. News vocabulary is Zipfian, so most words are seen again
    /// soon; a lookup costs a fraction of running the Snowball stemmer.
    stems: FxHashMap<Box<str>, Box<str>>,
}

/// Entries kept in an analyzer's stem cache before it starts afresh (about 1 MB).
const STEM_CACHE_ENTRIES: usize = 16_384;

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: stemmer(),
            lower: String::new(),
            term: String::new(),
            stems: FxHashMap::default(),
        }
    }
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Analyzer::default()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Analyzer")
    }
}

impl Analyzer {
    /// Calls `f(term, start, end, position)` for every term of `text`, in order.
    pub fn for_each(&mut self, text: &str, mut f: impl FnMut(&str, usize, usize, usize)) {
        let bytes = text.as_bytes();
        let mut position = 0;
        let mut start: Option<usize> = None;
        let mut i = 0;
        while i <= bytes.len() {
            // One character at a time; ASCII without decoding.
            let (is_word, width) = match bytes.get(i) {
                None => (false, 1),
                Some(&b) if b < 0x80 => (b.is_ascii_alphanumeric(), 1),
                Some(_) => match text[i..].chars().next() {
                    Some(c) => (c.is_alphanumeric(), c.len_utf8()),
                    None => (false, 1),
                },
            };
            if is_word {
                if start.is_none() {
                    start = Some(i);
                }
            } else if let Some(s) = start.take() {
                let word = &text[s..i];
                if word.len() <= MAX_TERM_BYTES {
                    lowercase_into(word, &mut self.lower);
                    match self.stems.get(self.lower.as_str()) {
                        Some(stem) => f(stem, s, i, position),
                        None => {
                            self.term.clear();
                            self.term.push_str(&self.stemmer.stem(&self.lower));
                            if self.stems.len() >= STEM_CACHE_ENTRIES {
                                self.stems.clear();
                            }
                            self.stems
                                .insert(self.lower.as_str().into(), self.term.as_str().into());
                            f(&self.term, s, i, position);
                        }
                    }
                }
                position += 1;
            }
            i += width;
        }
    }
}

/// Splits `text` into normalised terms with their byte offsets.
pub fn analyze(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    Analyzer::default().for_each(text, |term, start, end, position| {
        out.push(Token {
            term: term.to_string(),
            start,
            end,
            position,
        });
    });
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
    fn reusable_analyzer_gives_the_same_terms() {
        let texts = [
            "Zürich’s café — 東京 rallies",
            "U.S. strikes; ÉTATS-UNIS",
            "",
            "  a  ",
            "x\u{301}y",
        ];
        let mut a = Analyzer::default();
        for t in texts {
            let mut got = Vec::new();
            a.for_each(t, |term, s, e, p| got.push((term.to_string(), s, e, p)));
            let want: Vec<_> = analyze(t)
                .into_iter()
                .map(|k| (k.term, k.start, k.end, k.position))
                .collect();
            assert_eq!(got, want, "{t:?}");
            // Every range is a whole word of the text.
            for (_, s, e, _) in &got {
                assert!(t.is_char_boundary(*s) && t.is_char_boundary(*e));
            }
        }
        let terms: Vec<_> = analyze("ÉTATS-UNIS Strikes")
            .into_iter()
            .map(|t| t.term)
            .collect();
        assert_eq!(terms, ["état", "uni", "strike"]);
    }

    #[test]
    fn long_junk_is_dropped_but_counts_a_position() {
        let junk = "a".repeat(200);
        let toks = analyze(&format!("x {junk} y"));
        assert_eq!(toks.len(), 2);
        assert_eq!(toks[1].position, 2);
    }
}
