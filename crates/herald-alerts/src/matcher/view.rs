//! One story prepared for matching: every text analysed once, every identifier
//! normalised once; then the anchors it carries and the exact test of a compiled leaf.
//!
//! The tests restate `naive`'s field rules over the prepared form; the property test
//! `tests/matcher_agrees_with_naive.rs` holds the two to the same answers.

use herald_model::{EntityKind, Story};
use herald_nlp::Analyzer;
use rustc_hash::FxHashMap;

use super::compile::{
    NS_LANG, NS_SAID_ID, NS_SAID_NAME, NS_SOURCE_ID, NS_SOURCE_NAME, NS_TEXT, NS_TICKER, NS_TOPIC, Pat,
    Scope, Test, key_of, ns_entity_id, ns_entity_name, term_bit,
};

/// One analysed text: each distinct term once (found by hash), where it occurs, and the
/// terms in text order for phrases. Term order (for prefixes) is sorted only if asked.
pub(crate) struct Text {
    /// The distinct terms, back to back: one allocation per text, not one per token.
    arena: String,
    /// Distinct terms, in order of first occurrence.
    terms: Vec<Term>,
    /// In text order: each token's position (strictly increasing) and distinct term.
    tokens: Vec<(usize, u32)>,
    /// Term hash → the first distinct term of that hash (the rest chain via
    /// [`Term::next`]); empty while the text has few terms, which are scanned instead.
    lookup: FxHashMap<u64, u32>,
    /// Distinct terms sorted, each as (its first eight bytes as a number, its index):
    /// built on the first prefix test.
    order: std::cell::OnceCell<Vec<(u64, u32)>>,
    /// A one-word Bloom filter of the terms (see [`term_bit`]).
    mask: u64,
    /// How many distinct terms the text may have (from its length): the lookup is sized
    /// for them once rather than grown step by step.
    expect: usize,
}

/// A distinct term of a text.
struct Term {
    start: u32,
    end: u32,
    /// The next distinct term with the same hash, or `NONE`.
    next: u32,
}

const NONE: u32 = u32::MAX;

/// Texts with at most this many distinct terms (most entity names) are scanned, not hashed.
const SCAN: usize = 8;

/// The first eight bytes of `s` as a big-endian number, zero-padded: for terms (which
/// hold no NUL), number order is string order on those bytes.
fn head(s: &str) -> u64 {
    let mut b = [0u8; 8];
    for (to, from) in b.iter_mut().zip(s.bytes()) {
        *to = from;
    }
    u64::from_be_bytes(b)
}

fn hash(term: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(term)
}

impl Text {
    fn new(analyzer: &mut Analyzer, text: &str) -> Text {
        let mut t = Text {
            arena: String::new(),
            terms: Vec::new(),
            tokens: Vec::new(),
            lookup: FxHashMap::default(),
            order: std::cell::OnceCell::new(),
            mask: 0,
            expect: text.len() / 8,
        };
        analyzer.for_each(text, |term, _, _, position| {
            let h = hash(term);
            let d = match t.find(term, h) {
                Some(d) => d,
                None => t.push_term(term, h),
            };
            t.tokens.push((position, d));
        });
        t
    }

    /// Adds a distinct term, returning its index.
    fn push_term(&mut self, term: &str, h: u64) -> u32 {
        let d = u32::try_from(self.terms.len()).unwrap_or(NONE);
        let start = self.arena.len();
        self.arena.push_str(term);
        self.mask |= term_bit(term);
        let end = self.arena.len();
        self.terms.push(Term {
            start: u32::try_from(start).unwrap_or(NONE),
            end: u32::try_from(end).unwrap_or(NONE),
            next: NONE,
        });
        if self.terms.len() == SCAN + 1 {
            // Past the scan size: index every term so far.
            self.lookup.reserve(self.expect);
            let all: Vec<(u64, u32)> = (0..d).map(|i| (hash(self.term(i)), i)).collect();
            for (h, i) in all {
                self.link(h, i);
            }
        }
        if self.terms.len() > SCAN {
            self.link(h, d);
        }
        d
    }

    /// Files distinct term `d` (of hash `h`) in the lookup, at the end of its chain.
    fn link(&mut self, h: u64, d: u32) {
        let Some(&first) = self.lookup.get(&h) else {
            self.lookup.insert(h, d);
            return;
        };
        let mut at = first;
        while let Some(t) = self.terms.get(at as usize) {
            if t.next == NONE {
                break;
            }
            at = t.next;
        }
        if let Some(t) = self.terms.get_mut(at as usize)
            && at != d
        {
            t.next = d;
        }
    }

    /// The distinct index of `term` (whose hash is `h`), if the text has it.
    fn find(&self, term: &str, h: u64) -> Option<u32> {
        if self.terms.len() <= SCAN {
            return (0..self.terms.len() as u32).find(|&d| self.term(d) == term);
        }
        let mut at = *self.lookup.get(&h)?;
        while at != NONE {
            if self.term(at) == term {
                return Some(at);
            }
            at = self.terms.get(at as usize)?.next;
        }
        None
    }

    fn term(&self, d: u32) -> &str {
        self.terms
            .get(d as usize)
            .and_then(|t| self.arena.get(t.start as usize..t.end as usize))
            .unwrap_or_default()
    }

    /// Each distinct term once.
    pub(crate) fn distinct_terms(&self) -> impl Iterator<Item = &str> {
        (0..self.terms.len() as u32).map(|d| self.term(d))
    }

    fn order(&self) -> &[(u64, u32)] {
        self.order.get_or_init(|| {
            // Sorted by the first eight bytes as a number (string order for them), the
            // rest compared only on a tie: most comparisons are one integer compare.
            let mut keyed: Vec<(u64, u32)> = (0..self.terms.len() as u32)
                .map(|d| (head(self.term(d)), d))
                .collect();
            keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.term(a.1).cmp(self.term(b.1))));
            keyed
        })
    }

    /// The pattern occurs in this text, by `naive`'s rule.
    pub(crate) fn has(&self, pat: &Pat) -> bool {
        match pat {
            Pat::Nothing => false,
            // Terms with the prefix sort together, right at the prefix.
            Pat::Prefix(p) => {
                let order = self.order();
                let lo = if p.len() <= 8 {
                    // A prefix of at most eight bytes, zero-padded, sorts at or before
                    // every term it starts (and after every smaller term): the search
                    // compares numbers only.
                    let h = head(p);
                    order.partition_point(|&(th, _)| th < h)
                } else {
                    order.partition_point(|&(_, d)| self.term(d) < &**p)
                };
                order
                    .get(lo)
                    .is_some_and(|&(_, d)| self.term(d).starts_with(&**p))
            }
            Pat::Terms(terms) => {
                let Some(((_, first), rest)) = terms.split_first() else {
                    return false;
                };
                let Some(d) = self.find(first, hash(first)) else {
                    return false;
                };
                if rest.is_empty() {
                    return true;
                }
                self.tokens.iter().filter(|&&(_, t)| t == d).any(|&(start, _)| {
                    rest.iter().all(|(offset, term)| {
                        start.checked_add(*offset).is_some_and(|pos| {
                            self.tokens
                                .binary_search_by_key(&pos, |&(p, _)| p)
                                .ok()
                                .and_then(|i| self.tokens.get(i))
                                .is_some_and(|&(_, t)| self.term(t) == &**term)
                        })
                    })
                })
            }
        }
    }
}

/// An entity of the story, prepared.
struct EntityView {
    kind: EntityKind,
    id: Option<String>,
    ticker: Option<String>,
    /// The name, then each alias: each its own text, so a phrase cannot span two.
    names: Vec<Text>,
    /// The union of the names' masks.
    mask: u64,
}

impl EntityView {
    /// One of the names holds `pat`; `bits` are the mask bits it needs.
    fn names_have(&self, pat: &Pat, bits: u64) -> bool {
        self.mask & bits == bits && self.names.iter().any(|n| n.mask & bits == bits && n.has(pat))
    }
}

/// A quote of the story, prepared.
struct QuoteView<'a> {
    name: Option<Text>,
    raw_speaker: Option<&'a str>,
    speaker: Option<String>,
}

/// The story, prepared once for every probe and every candidate's verification.
pub(crate) struct View<'a> {
    headline: Text,
    body: Text,
    source_id: Option<String>,
    source_name: Text,
    lang: Option<String>,
    topics: Vec<String>,
    entities: Vec<EntityView>,
    /// Entity indexes by id as written, for quotes' speakers: a story with many quotes
    /// and many entities is not matched pairwise.
    by_raw_id: FxHashMap<&'a str, Vec<usize>>,
    quotes: Vec<QuoteView<'a>>,
}

impl<'a> View<'a> {
    pub(crate) fn new(story: &'a Story, analyzer: &mut Analyzer) -> View<'a> {
        let entities = story
            .entities
            .iter()
            .map(|e| {
                let names: Vec<Text> = std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .map(|n| Text::new(analyzer, n))
                    .collect();
                EntityView {
                    kind: e.kind,
                    id: key_of(&e.id),
                    ticker: e.ticker.as_deref().and_then(key_of),
                    mask: names.iter().fold(0, |m, n| m | n.mask),
                    names,
                }
            })
            .collect();
        let quotes = story
            .quotes
            .iter()
            .map(|q| QuoteView {
                name: q.speaker_name.as_deref().map(|n| Text::new(analyzer, n)),
                raw_speaker: q.speaker.as_deref(),
                speaker: q.speaker.as_deref().and_then(key_of),
            })
            .collect();
        let mut by_raw_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        if !story.quotes.is_empty() {
            for (i, e) in story.entities.iter().enumerate() {
                by_raw_id.entry(e.id.as_str()).or_default().push(i);
            }
        }
        View {
            headline: Text::new(analyzer, &story.headline),
            body: Text::new(analyzer, &story.body),
            source_id: key_of(&story.source.id),
            source_name: Text::new(analyzer, &story.source.name),
            lang: story.language.as_deref().and_then(key_of),
            topics: story.topics.iter().filter_map(|t| key_of(&t.code)).collect(),
            entities,
            by_raw_id,
            quotes,
        }
    }

    /// Calls `f(namespace, key)` for every anchor key the story carries (a key may come
    /// more than once). Each is probed exactly and for every prefix of it.
    pub(crate) fn for_each_key(&self, mut f: impl FnMut(char, &str)) {
        for text in [&self.headline, &self.body] {
            text.distinct_terms().for_each(|t| f(NS_TEXT, t));
        }
        if let Some(id) = &self.source_id {
            f(NS_SOURCE_ID, id);
        }
        self.source_name
            .distinct_terms()
            .for_each(|t| f(NS_SOURCE_NAME, t));
        if let Some(lang) = &self.lang {
            f(NS_LANG, lang);
        }
        for topic in &self.topics {
            f(NS_TOPIC, topic);
        }
        for e in &self.entities {
            for kind in [Some(e.kind), None] {
                if let Some(id) = &e.id {
                    f(ns_entity_id(kind), id);
                }
                let ns = ns_entity_name(kind);
                for name in &e.names {
                    name.distinct_terms().for_each(|t| f(ns, t));
                }
            }
            if let Some(ticker) = &e.ticker {
                f(NS_TICKER, ticker);
            }
        }
        for q in &self.quotes {
            if let Some(name) = &q.name {
                name.distinct_terms().for_each(|t| f(NS_SAID_NAME, t));
            }
            if let Some(id) = &q.speaker {
                f(NS_SAID_ID, id);
            }
            // `said:` also matches the names of the entity the speaker id points at.
            if let Some(raw) = q.raw_speaker {
                for e in self.speaker_entities(raw) {
                    for name in &e.names {
                        name.distinct_terms().for_each(|t| f(NS_SAID_NAME, t));
                    }
                }
            }
        }
    }

    /// The entities whose id is exactly `raw`.
    fn speaker_entities(&self, raw: &str) -> impl Iterator<Item = &EntityView> {
        self.by_raw_id
            .get(raw)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.entities.get(i))
    }

    /// Does the story pass one leaf's test?
    pub(crate) fn test(&self, test: &Test) -> bool {
        match test {
            Test::Text { scope, pat } => match scope {
                Scope::Headline => self.headline.has(pat),
                Scope::Body => self.body.has(pat),
                Scope::Both => self.headline.has(pat) || self.body.has(pat),
            },
            Test::Source { key, name } => {
                key.accepts(self.source_id.as_deref()) || self.source_name.has(name)
            }
            Test::Lang(key) => key.accepts(self.lang.as_deref()),
            Test::Topic(key) => self.topics.iter().any(|t| key.accepts(Some(t))),
            Test::Ticker(key) => self.entities.iter().any(|e| key.accepts(e.ticker.as_deref())),
            Test::Entity {
                kind,
                key,
                name,
                bits,
            } => {
                let bits = *bits;
                self.entities.iter().any(|e| {
                    kind.is_none_or(|k| e.kind == k)
                        && (key.accepts(e.id.as_deref()) || e.names_have(name, bits))
                })
            }
            Test::Said { key, name, bits } => {
                let bits = *bits;
                self.quotes.iter().any(|q| {
                    q.name.as_ref().is_some_and(|n| n.has(name))
                        || q.raw_speaker.is_some_and(|raw| {
                            key.accepts(q.speaker.as_deref())
                                || self.speaker_entities(raw).any(|e| e.names_have(name, bits))
                        })
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::compile::KeyPat;
    use super::*;

    #[test]
    fn prefix_lookup_finds_terms_sorted_after_shorter_ones() {
        let mut a = Analyzer::default();
        let t = Text::new(&mut a, "zebra export exports exporter alpha");
        assert!(t.has(&Pat::Prefix("expo".into())));
        assert!(t.has(&Pat::Prefix("".into())));
        assert!(!t.has(&Pat::Prefix("exq".into())));
        let empty = Text::new(&mut a, "--");
        assert!(!empty.has(&Pat::Prefix("".into())));
    }

    #[test]
    fn phrase_needs_consecutive_positions() {
        let mut a = Analyzer::default();
        let t = Text::new(&mut a, "grain exports rose; exports of grain fell");
        let phrase = |x: &str, y: &str| Pat::Terms(vec![(0, x.into()), (1, y.into())].into());
        assert!(t.has(&phrase("grain", "export")));
        assert!(t.has(&phrase("export", "of")));
        assert!(!t.has(&phrase("export", "grain")));
        assert!(KeyPat::Exact("en".into()).accepts(Some("en")));
        assert!(!KeyPat::Prefix("".into()).accepts(None));
    }

    #[test]
    fn a_long_text_finds_words_phrases_and_prefixes_by_hash() {
        let mut a = Analyzer::default();
        let t = Text::new(
            &mut a,
            "Dockworkers at the northern harbour voted to extend the strike on Tuesday, \
             saying grain exports could wait until the harbour board returns to talks",
        );
        assert!(t.terms.len() > SCAN, "the hashed lookup is the one under test");
        let word = |w: &str| Pat::Terms(vec![(0, w.into())].into());
        let phrase = |x: &str, y: &str| Pat::Terms(vec![(0, x.into()), (1, y.into())].into());
        assert!(t.has(&word("harbour")));
        assert!(t.has(&word("tuesday")));
        assert!(!t.has(&word("ferry")));
        assert!(t.has(&phrase("grain", "export")));
        assert!(t.has(&phrase("harbour", "board")), "second occurrence of harbour");
        assert!(!t.has(&phrase("export", "grain")));
        assert!(t.has(&Pat::Prefix("dockwork".into())));
        assert!(!t.has(&Pat::Prefix("dockz".into())));
        assert_eq!(t.distinct_terms().count(), t.terms.len());
    }
}
