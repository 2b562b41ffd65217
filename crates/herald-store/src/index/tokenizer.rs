//! The tantivy tokenizers Herald registers: `herald` (the shared analyzer) and `herald_keyword`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`HeraldTokenizer`] is registered; every full-text field uses it.
pub const HERALD_TOKENIZER: &str = "herald";

/// Name under which [`KeywordTokenizer`] is registered; every exact-match field uses it.
pub const KEYWORD_TOKENIZER: &str = "herald_keyword";

/// How many positions separate two values of one field (two aliases, two speakers' names).
///
/// tantivy itself leaves a gap of one, which a phrase with a dropped junk word in it
/// (`"Collective <70 letters> Partners"`, offsets 0 and 2) would jump, matching the last
/// word of one name and the first of the next; the naive matcher takes each name as its
/// own text. A parsed query is at most 4096 bytes and a dropped word at least 65, so no
/// parsed phrase skips 64 positions or more; a phrase built in code that skips
/// `VALUE_GAP` or more can still cross from one value into the next.
pub const VALUE_GAP: usize = 128;

/// Tokenizes with [`herald_nlp::analyze`], so the index holds exactly the terms (and the
/// positions, including the gaps left by dropped junk words) that the standing-query
/// matcher computes; search and alerts then agree on what matches. The last token of
/// each value spans [`VALUE_GAP`] positions, to keep phrases inside one value.
///
/// The tokenizer keeps its analyzer and its tokens (with their text buffers) between
/// calls, so indexing a story allocates almost nothing per word.
#[derive(Clone, Debug, Default)]
pub struct HeraldTokenizer {
    analyzer: herald_nlp::Analyzer,
    tokens: Vec<Token>,
}

/// The tokens of one value, handed out from the tokenizer's reused buffer.
pub struct BufTokenStream<'a> {
    /// The whole buffer; never empty, so `token()` always has something to point at.
    tokens: &'a mut [Token],
    /// How many tokens of the buffer belong to this value.
    len: usize,
    /// Index of the current token plus one (0 before the first `advance`).
    at: usize,
}

impl BufTokenStream<'_> {
    fn current(&self) -> usize {
        self.at.saturating_sub(1)
    }
}

impl TokenStream for BufTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.at < self.len {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.current()]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.current();
        &mut self.tokens[i]
    }
}

/// A finished list of tokens handed out one at a time.
pub struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.current = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

impl Tokenizer for HeraldTokenizer {
    type TokenStream<'a> = BufTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufTokenStream<'a> {
        let HeraldTokenizer { analyzer, tokens } = self;
        let mut n = 0;
        analyzer.for_each(text, |term, start, end, position| {
            if n == tokens.len() {
                tokens.push(Token::default());
            }
            let t = &mut tokens[n];
            t.offset_from = start;
            t.offset_to = end;
            t.position = position;
            t.position_length = 1;
            t.text.clear();
            t.text.push_str(term);
            n += 1;
        });
        // Keep the buffers of a long text for the next one, but not without bound.
        tokens.truncate(n.max(tokens.len().min(4096)));
        if tokens.is_empty() {
            tokens.push(Token::default());
        }
        // tantivy starts the next value of the field where this one's last token ends.
        if let Some(last) = tokens[..n].last_mut() {
            last.position_length = VALUE_GAP;
        }
        BufTokenStream {
            tokens: &mut tokens[..],
            len: n,
            at: 0,
        }
    }
}

/// The normal form of an exact-match value (ids, codes, tickers, languages): trimmed and
/// lowercased. Used both when indexing and when querying, so the two cannot drift apart.
pub fn keyword(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Indexes the whole value as one term in [`keyword`] form; blank values index nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeywordTokenizer;

impl Tokenizer for KeywordTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let term = keyword(text);
        let tokens = if term.is_empty() {
            Vec::new()
        } else {
            vec![Token {
                offset_from: 0,
                offset_to: text.len(),
                position: 0,
                text: term,
                position_length: 1,
            }]
        };
        VecTokenStream::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect<T: Tokenizer>(mut t: T, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = t.token_stream(text);
        while stream.advance() {
            let tok = stream.token();
            out.push((tok.text.clone(), tok.offset_from, tok.offset_to, tok.position));
        }
        out
    }

    #[test]
    fn herald_tokenizer_matches_the_shared_analyzer() {
        let text = "Dock workers STRIKE again";
        let toks = collect(HeraldTokenizer::default(), text);
        let expected: Vec<_> = herald_nlp::analyze(text)
            .into_iter()
            .map(|t| (t.term, t.start, t.end, t.position))
            .collect();
        assert_eq!(toks, expected);
        assert_eq!(toks.get(2).map(|t| t.0.as_str()), Some("strike"));
    }

    #[test]
    fn keyword_tokenizer_lowercases_the_whole_value() {
        assert_eq!(
            collect(KeywordTokenizer, " Wire-Example "),
            [("wire-example".into(), 0, 14, 0)]
        );
        assert!(collect(KeywordTokenizer, "   ").is_empty());
    }
}
