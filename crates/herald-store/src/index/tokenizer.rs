//! The tantivy tokenizers Herald registers: `herald` (the shared analyzer) and `herald_keyword`.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`HeraldTokenizer`] is registered; every full-text field uses it.
pub const HERALD_TOKENIZER: &str = "herald";

/// Name under which [`KeywordTokenizer`] is registered; every exact-match field uses it.
pub const KEYWORD_TOKENIZER: &str = "herald_keyword";

/// Tokenizes with [`herald_nlp::analyze`], so the index holds exactly the terms (and the
/// positions, including the gaps left by dropped junk words) that the standing-query
/// matcher computes; search and alerts then agree on what matches.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeraldTokenizer;

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
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = herald_nlp::analyze(text)
            .into_iter()
            .map(|t| Token {
                offset_from: t.start,
                offset_to: t.end,
                position: t.position,
                text: t.term,
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
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
        let toks = collect(HeraldTokenizer, text);
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
