//! One story prepared for matching: every text analysed once, every identifier
//! normalised once; then the anchors it carries and the exact test of a compiled leaf.
//!
//! The tests restate `naive`'s field rules over the prepared form; the property test
//! `tests/matcher_agrees_with_naive.rs` holds the two to the same answers.

use herald_model::{EntityKind, Story};
use herald_nlp::Analyzer;
use rustc_hash::FxHashMap;

use super::compile::{
    Leaf, NS_LANG, NS_SAID_ID, NS_SAID_NAME, NS_SOURCE_ID, NS_SOURCE_NAME, NS_TEXT, NS_TICKER, NS_TOPIC,
    Node, Pat, Scope, Test, key_of, ns_entity_id, ns_entity_name, term_bit,
};

/// One analysed text, with its tokens also ordered by term for lookups.
pub(crate) struct Text {
    /// The terms, back to back: one allocation per text rather than one per token.
    arena: String,
    /// In text order: positions strictly increase.
    tokens: Vec<Tok>,
    /// Indexes into `tokens`, sorted by term (then position).
    order: Vec<u32>,
    /// A one-word Bloom filter of the terms (see [`term_bit`]).
    mask: u64,
}

/// One token: its term's place in the arena and its word position.
#[derive(Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    position: usize,
}

impl Text {
    fn new(analyzer: &mut Analyzer, text: &str) -> Text {
        let mut arena = String::with_capacity(text.len());
        let mut tokens = Vec::new();
        let mut mask = 0;
        analyzer.for_each(text, |term, _, _, position| {
            let start = arena.len();
            arena.push_str(term);
            mask |= term_bit(term);
            tokens.push(Tok {
                start,
                end: arena.len(),
                position,
            });
        });
        let len = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
        let mut order: Vec<u32> = (0..len).collect();
        order.sort_unstable_by(|&a, &b| {
            Self::term_at(&arena, &tokens, a)
                .cmp(Self::term_at(&arena, &tokens, b))
                .then(a.cmp(&b))
        });
        Text {
            arena,
            tokens,
            order,
            mask,
        }
    }

    fn term_at<'t>(arena: &'t str, tokens: &[Tok], i: u32) -> &'t str {
        tokens
            .get(i as usize)
            .and_then(|t| arena.get(t.start..t.end))
            .unwrap_or_default()
    }

    fn term(&self, t: &Tok) -> &str {
        self.arena.get(t.start..t.end).unwrap_or_default()
    }

    fn sorted(&self) -> impl Iterator<Item = &Tok> {
        self.order.iter().filter_map(|&i| self.tokens.get(i as usize))
    }

    /// Each distinct term once.
    pub(crate) fn distinct_terms(&self) -> impl Iterator<Item = &str> {
        let mut last: Option<&str> = None;
        self.sorted().filter_map(move |t| {
            let term = self.term(t);
            if last == Some(term) {
                return None;
            }
            last = Some(term);
            Some(term)
        })
    }

    /// The tokens whose term sorts at or after `s`, in term order.
    fn from(&self, s: &str) -> impl Iterator<Item = &Tok> {
        let lo = self
            .order
            .partition_point(|&i| Self::term_at(&self.arena, &self.tokens, i) < s);
        self.order
            .get(lo..)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| self.tokens.get(i as usize))
    }

    /// The pattern occurs in this text, by `naive`'s rule.
    pub(crate) fn has(&self, pat: &Pat) -> bool {
        match pat {
            Pat::Nothing => false,
            // Terms with the prefix sort together, right at the prefix.
            Pat::Prefix(p) => self
                .from(p)
                .next()
                .is_some_and(|t| self.term(t).starts_with(&**p)),
            Pat::Terms(terms) => {
                let Some(((_, first), rest)) = terms.split_first() else {
                    return false;
                };
                self.from(first)
                    .take_while(|t| self.term(t) == &**first)
                    .any(|start| {
                        rest.iter().all(|(offset, term)| {
                            start.position.checked_add(*offset).is_some_and(|pos| {
                                self.tokens
                                    .binary_search_by_key(&pos, |t| t.position)
                                    .ok()
                                    .and_then(|i| self.tokens.get(i))
                                    .is_some_and(|t| self.term(t) == &**term)
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

    /// Does the story satisfy the compiled query?
    pub(crate) fn eval(&self, node: &Node) -> bool {
        match node {
            Node::And(nodes) => nodes.iter().all(|n| self.eval(n)),
            Node::Or(nodes) => nodes.iter().any(|n| self.eval(n)),
            Node::Not(n) => !self.eval(n),
            Node::Leaf(leaf) => self.test(&leaf.test),
        }
    }

    /// The labels of the leaves that made a matching query match: those that hold,
    /// outside any NOT (a NOT holds by what is absent, which is no term to show).
    pub(crate) fn matched_terms<'n>(&self, node: &'n Node, out: &mut Vec<&'n Leaf>) {
        match node {
            Node::And(nodes) | Node::Or(nodes) => {
                for n in nodes.iter() {
                    // A leaf is tested once, below; a subtree only if it holds.
                    if matches!(n, Node::Leaf(_)) || self.eval(n) {
                        self.matched_terms(n, out);
                    }
                }
            }
            Node::Not(_) => {}
            Node::Leaf(leaf) => {
                if self.test(&leaf.test) && !out.iter().any(|l| l.label == leaf.label) {
                    out.push(leaf);
                }
            }
        }
    }

    fn test(&self, test: &Test) -> bool {
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
}
