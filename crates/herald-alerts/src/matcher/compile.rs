//! Compiling one alert query: the exact test tree it is verified with, and the presearch
//! anchors that pick it as a candidate.
//!
//! The anchors obey one rule, on which the whole matcher rests: **a story that satisfies
//! the query carries at least one of its anchors** (see [`super::view`] for what a story
//! carries). A query that cannot promise that (a NOT at its top, an OR with such a
//! branch) is anchored on [`ALWAYS`] and checked against every story.

use herald_model::EntityKind;
use herald_nlp::analyze;
use herald_query::{Field, Query, Value};
use rustc_hash::{FxHashMap, FxHashSet};

/// Deepest query tree accepted. The parser caps nesting well below this; the cap is for
/// trees built in code, which the recursive compiler and verifier must not overflow on.
pub const MAX_DEPTH: usize = 256;

/// The anchor key every story probes: queries filed under it are checked every time.
pub(crate) const ALWAYS: &str = "";

// Namespaces: the first char of an anchor key says which part of a story the rest of
// the key comes from, so that `person:apple` is not a candidate for every story whose
// body says "apple". The namespace is always exactly one char, so a key's own text
// (whatever characters it holds) can never be mistaken for another namespace's.
pub(crate) const NS_TEXT: char = '\u{01}';
pub(crate) const NS_SOURCE_ID: char = '\u{02}';
pub(crate) const NS_SOURCE_NAME: char = '\u{03}';
pub(crate) const NS_LANG: char = '\u{04}';
pub(crate) const NS_TOPIC: char = '\u{05}';
pub(crate) const NS_TICKER: char = '\u{06}';
pub(crate) const NS_SAID_ID: char = '\u{07}';
pub(crate) const NS_SAID_NAME: char = '\u{08}';

/// Entity ids and entity names have one namespace per kind, plus one for any kind
/// (`entity:`); a story files each entity under both its kind's and the any-kind one.
pub(crate) fn ns_entity_id(kind: Option<EntityKind>) -> char {
    ns_for_kind(0x10, kind)
}

pub(crate) fn ns_entity_name(kind: Option<EntityKind>) -> char {
    ns_for_kind(0x18, kind)
}

fn ns_for_kind(base: u32, kind: Option<EntityKind>) -> char {
    let offset = match kind {
        Some(EntityKind::Person) => 0,
        Some(EntityKind::Org) => 1,
        Some(EntityKind::Place) => 2,
        Some(EntityKind::Company) => 3,
        Some(EntityKind::Other) => 4,
        None => 5,
    };
    char::from_u32(base + offset).unwrap_or(NS_TEXT)
}

/// An identifier or code normalised as the reference evaluator compares it: trimmed,
/// then lowercased. `None` for a blank one, which nothing matches.
pub(crate) fn key_of(raw: &str) -> Option<String> {
    let key = raw.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

/// The compiled test tree: the query with every value analysed once, at compile time.
#[derive(Debug)]
pub(crate) enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    /// Inline: a candidate's test is one pointer chase closer.
    Leaf(Leaf),
}

/// One field match, with how it is shown in a hit's `terms`.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub test: Test,
    pub label: Box<str>,
    /// Field, value kind and raw value: equal keys test alike, so alerts share one leaf.
    pub key: Box<str>,
    /// Story-filter bits ([`filter_bit`]) of which the story must have one for the leaf
    /// to hold (its own anchors, when they are one or two exact keys); `[0, 0]`, always
    /// set, when there is no such pair. Checked before the leaf's data is touched.
    pub gate: [u16; 2],
    /// `Some(keys)` when the leaf holds exactly when the story carries one of these
    /// exact anchors (a single word, an identifier, a one-word name): presearch then
    /// decides it while probing, and it is never tested. `None` when it needs its test
    /// (a phrase, a prefix, a word in the headline or body only).
    pub decided: Option<Box<[Anchor]>>,
}

/// Which texts a plain word looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Headline,
    Body,
    Both,
}

/// What one leaf checks, mirroring `naive`'s field rules one for one.
#[derive(Debug)]
pub(crate) enum Test {
    Text {
        scope: Scope,
        pat: Pat,
    },
    Source {
        key: KeyPat,
        name: Pat,
    },
    Lang(KeyPat),
    Topic(KeyPat),
    /// `bits`: the name-mask bits `name` needs ([`needed_bits`]), computed once here.
    Entity {
        kind: Option<EntityKind>,
        key: KeyPat,
        name: Pat,
        bits: u64,
    },
    Ticker(KeyPat),
    Said {
        key: KeyPat,
        name: Pat,
        bits: u64,
    },
}

/// The bit a term sets in a story text's mask (`view::Text`). A text lacks a term whose
/// bit it lacks, which rejects most entities' names without looking at them.
pub(crate) fn term_bit(term: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    term.hash(&mut h);
    1u64 << (h.finish() >> 58)
}

/// The bits a text must have for `pat` to occur in it (none for a prefix).
pub(crate) fn needed_bits(pat: &Pat) -> u64 {
    match pat {
        Pat::Terms(terms) => terms.iter().fold(0, |m, (_, t)| m | term_bit(t)),
        Pat::Prefix(_) | Pat::Nothing => 0,
    }
}

/// A value looked for in analysed text.
#[derive(Debug)]
pub(crate) enum Pat {
    /// Terms with their positions relative to the first (one term for most words).
    Terms(Box<[(usize, Box<str>)]>),
    /// A lowercased, unstemmed prefix of some term.
    Prefix(Box<str>),
    /// The value analyses to no term: it matches nothing.
    Nothing,
}

/// A value compared with an identifier: trimmed and lowercased, whole or as a prefix.
#[derive(Debug)]
pub(crate) enum KeyPat {
    Exact(Box<str>),
    Prefix(Box<str>),
}

impl KeyPat {
    fn new(value: &Value) -> KeyPat {
        let v = value.text().trim().to_lowercase().into_boxed_str();
        match value {
            Value::Word(_) | Value::Phrase(_) => KeyPat::Exact(v),
            Value::Prefix(_) => KeyPat::Prefix(v),
        }
    }

    /// Does the normalised key (see [`key_of`]) match?
    pub(crate) fn accepts(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| match self {
            KeyPat::Exact(v) => k == &**v,
            KeyPat::Prefix(v) => k.starts_with(&**v),
        })
    }
}

impl Pat {
    fn new(value: &Value) -> Pat {
        match value {
            Value::Prefix(p) => Pat::Prefix(p.to_lowercase().into_boxed_str()),
            Value::Word(text) | Value::Phrase(text) => {
                let tokens = analyze(text);
                let Some(base) = tokens.first().map(|t| t.position) else {
                    return Pat::Nothing;
                };
                Pat::Terms(
                    tokens
                        .into_iter()
                        .map(|t| (t.position - base, t.term.into_boxed_str()))
                        .collect(),
                )
            }
        }
    }
}

/// One presearch anchor: a story key (exact) or a key prefix, namespace first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Anchor {
    pub key: Box<str>,
    pub prefix: bool,
}

impl Anchor {
    fn new(ns: char, s: &str, prefix: bool) -> Anchor {
        let mut key = String::with_capacity(s.len() + 1);
        key.push(ns);
        key.push_str(s);
        Anchor {
            key: key.into_boxed_str(),
            prefix,
        }
    }
}

/// What presearch knows of a (sub)query.
enum Plan {
    /// Matches no story at all.
    Never,
    /// May match a story that carries none of its keys (it has a NOT at the top).
    Unanchored,
    /// Every story it matches carries one of these; `cost` estimates how many stories
    /// that is (lower is rarer).
    Set { anchors: Vec<Anchor>, cost: u64 },
}

impl Plan {
    fn set(anchor: Anchor, cost: u64) -> Plan {
        Plan::Set {
            anchors: vec![anchor],
            cost,
        }
    }

    /// Either branch may match: the story carries an anchor of one or the other.
    fn or(self, other: Plan) -> Plan {
        match (self, other) {
            (Plan::Unanchored, _) | (_, Plan::Unanchored) => Plan::Unanchored,
            (Plan::Never, p) | (p, Plan::Never) => p,
            (
                Plan::Set { mut anchors, cost: a },
                Plan::Set {
                    anchors: more,
                    cost: b,
                },
            ) => {
                anchors.extend(more);
                Plan::Set {
                    anchors,
                    cost: a.saturating_add(b),
                }
            }
        }
    }

    /// Both must match: either branch's anchors are a sound choice; keep the rarer.
    fn and(self, other: Plan) -> Plan {
        match (self, other) {
            (Plan::Never, _) | (_, Plan::Never) => Plan::Never,
            (Plan::Unanchored, p) | (p, Plan::Unanchored) => p,
            (a @ Plan::Set { cost: ca, .. }, b @ Plan::Set { cost: cb, .. }) => {
                if cb < ca {
                    b
                } else {
                    a
                }
            }
        }
    }
}

/// Why a query was not compiled.
pub(crate) enum Refusal {
    TimeBound,
    TooDeep,
}

/// A compiled alert: its test tree and the anchors to file it under (empty when it can
/// match nothing; `[ALWAYS]` when presearch cannot narrow it).
pub(crate) struct Compiled {
    pub node: Node,
    pub anchors: Vec<Anchor>,
    /// Story-filter bits ([`filter_bit`]) of two terms the query cannot match without
    /// (0, always set, when it has fewer).
    pub required: [u16; 2],
}

/// Bits in the per-story filter of the keys a story carries.
pub(crate) const FILTER_BITS: usize = 1 << 16;

/// The filter bit of a story key. Bit 0 is set for every story, so it stands for "no
/// requirement".
pub(crate) fn filter_bit(ns: char, key: &str) -> u16 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    ns.hash(&mut h);
    key.hash(&mut h);
    (h.finish() >> 48) as u16
}

/// Headline/body terms that every story the query matches has: those of the words and
/// phrases that sit under ANDs only, from the top.
fn required_terms<'n>(node: &'n Node, out: &mut Vec<&'n str>) {
    match node {
        Node::And(nodes) => nodes.iter().for_each(|n| required_terms(n, out)),
        Node::Leaf(leaf) => {
            if let Test::Text {
                pat: Pat::Terms(terms),
                ..
            } = &leaf.test
            {
                out.extend(terms.iter().map(|(_, t)| &**t));
            }
        }
        Node::Or(_) | Node::Not(_) => {}
    }
}

/// Static rarity estimates for choosing an AND's anchor: entity ids and tickers beat name
/// terms, which beat phrases, which beat long words, which beat short or common words;
/// the broad keys come last (a topic, a source, and a language each cover a large share
/// of all stories).
pub(crate) struct Rarity {
    common: FxHashSet<String>,
    /// Fed by the caller: in how many of `docs` stories each term occurs.
    df: FxHashMap<String, u64>,
    docs: u64,
}

/// Words in most news stories; as anchors they would make an alert a candidate for
/// nearly every story. Analysed at start-up, so the list is written as people write.
#[rustfmt::skip]
const COMMON_WORDS: &[&str] = &[
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for", "with", "by", "from",
    "as", "is", "was", "are", "were", "be", "been", "has", "have", "had", "it", "its", "this",
    "that", "he", "she", "they", "we", "his", "her", "their", "not", "but", "after", "before",
    "said", "says", "say", "told", "new", "year", "years", "week", "day", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "percent", "government",
    "officials", "official", "people", "company", "state", "country", "president", "minister",
    "first", "last", "two", "three", "one", "more", "over", "about", "would", "could", "will",
    "also", "up", "down", "out", "into", "than", "who", "which", "when", "where", "while",
    "report", "reported", "according", "time", "city", "world", "national", "million",
    "billion", "market", "talks", "prices", "shares", "bank", "central", "court", "police",
];

impl Default for Rarity {
    fn default() -> Self {
        let common = COMMON_WORDS
            .iter()
            .flat_map(|w| analyze(w))
            .map(|t| t.term)
            .collect();
        Rarity {
            common,
            df: FxHashMap::default(),
            docs: 0,
        }
    }
}

impl Rarity {
    /// Uses measured document frequencies from now on (see `Matcher::set_term_frequencies`).
    pub(crate) fn set_frequencies(&mut self, docs: u64, df: FxHashMap<String, u64>) {
        self.docs = docs;
        self.df = df;
    }

    /// A headline/body term: by measured frequency when there is a table (a term it
    /// lacks is taken as rare); else common words cost most and longer words are rarer.
    pub(crate) fn text_term(&self, term: &str) -> u64 {
        let df = self.df.get(term).copied().unwrap_or(0);
        if let Some(share) = df.saturating_mul(2_000).checked_div(self.docs) {
            return 20 + share;
        }
        if self.common.contains(term) {
            return 1_000;
        }
        200 - 10 * term.chars().count().min(15) as u64
    }

    /// A text prefix: the shorter, the more terms it covers.
    fn text_prefix(&self, prefix: &str) -> u64 {
        match prefix.chars().count() {
            0 => 100_000,
            n => 600u64.saturating_sub(60 * n as u64).max(80),
        }
    }
}

/// Compiles `q`, refusing time bounds (an alert has no "now" to resolve them against that
/// would stay true) and trees deeper than [`MAX_DEPTH`].
pub(crate) fn compile(q: &Query, rarity: &Rarity) -> Result<Compiled, Refusal> {
    let (node, plan) = walk(q, rarity, 0)?;
    let anchors = match plan {
        Plan::Never => Vec::new(),
        Plan::Unanchored => vec![Anchor {
            key: ALWAYS.into(),
            prefix: false,
        }],
        Plan::Set { mut anchors, .. } => {
            // An OR of the same word twice would file the alert twice under one key;
            // the index keeps one position per (alert, key), so keys must be distinct.
            let mut seen = FxHashSet::default();
            anchors.retain(|a| seen.insert(a.clone()));
            anchors
        }
    };
    // Two required terms other than the anchor, rarest first: a candidate whose story
    // lacks either is dropped without visiting its tree.
    let mut terms = Vec::new();
    required_terms(&node, &mut terms);
    terms.sort_unstable_by_key(|t| (rarity.text_term(t), *t));
    terms.dedup();
    let mut bits = terms
        .iter()
        .filter(|t| !anchors.iter().any(|a| a.key.strip_prefix(NS_TEXT) == Some(**t)))
        .map(|t| filter_bit(NS_TEXT, t));
    let required = [bits.next().unwrap_or(0), bits.next().unwrap_or(0)];
    Ok(Compiled {
        node,
        anchors,
        required,
    })
}

fn walk(q: &Query, rarity: &Rarity, depth: usize) -> Result<(Node, Plan), Refusal> {
    if depth > MAX_DEPTH {
        return Err(Refusal::TooDeep);
    }
    Ok(match q {
        Query::Since(_) | Query::Until(_) => return Err(Refusal::TimeBound),
        Query::And(qs) | Query::Or(qs) => {
            let is_and = matches!(q, Query::And(_));
            let mut nodes = Vec::with_capacity(qs.len());
            // The neutral element: AND of nothing is true (unanchored), OR of nothing false.
            let mut plan = if is_and { Plan::Unanchored } else { Plan::Never };
            for q in qs {
                let (n, p) = walk(q, rarity, depth + 1)?;
                nodes.push(n);
                plan = if is_and { plan.and(p) } else { plan.or(p) };
            }
            let nodes = nodes.into_boxed_slice();
            let node = if is_and { Node::And(nodes) } else { Node::Or(nodes) };
            (node, plan)
        }
        Query::Not(inner) => {
            let (n, _) = walk(inner, rarity, depth + 1)?;
            (Node::Not(Box::new(n)), Plan::Unanchored)
        }
        Query::Match { field, value } => {
            let (test, plan) = leaf(*field, value, rarity);
            let label = q.to_string().into_boxed_str();
            let key = leaf_key(*field, value);
            let gate = gate(&plan);
            // Only exact keys: a prefix filed for a leaf would make every story key walk
            // the prefix index that far, a cost paid per story for leaves that are
            // mostly never reached (a prefix alert is anchored on its rarer part).
            let decided = match &plan {
                _ if !decides(&test) => None,
                Plan::Set { anchors, .. } if anchors.iter().any(|a| a.prefix) => None,
                Plan::Set { anchors, .. } => {
                    let mut keys = anchors.clone();
                    keys.dedup();
                    Some(keys.into_boxed_slice())
                }
                Plan::Never | Plan::Unanchored => Some(Box::default()),
            };
            (
                Node::Leaf(Leaf {
                    test,
                    label,
                    key,
                    gate,
                    decided,
                }),
                plan,
            )
        }
    })
}

/// Whether a leaf holds exactly when the story carries one of its anchors. The anchors
/// of a leaf are, by construction in [`leaf`], the keys its test looks for; they are the
/// whole test when every text part is one term (or a prefix: the prefix index finds it)
/// and a headline/body word looks in both (a story's text keys do not say which). The
/// caller keeps prefixes out all the same (see there). `view::View::for_each_key` emits exactly the keys these tests compare with; the
/// property test holds the two together.
fn decides(test: &Test) -> bool {
    let pat = |p: &Pat| match p {
        Pat::Terms(terms) => terms.len() == 1,
        Pat::Prefix(_) | Pat::Nothing => true,
    };
    match test {
        Test::Text { scope, pat: p } => *scope == Scope::Both && pat(p),
        Test::Source { name, .. } | Test::Entity { name, .. } | Test::Said { name, .. } => pat(name),
        Test::Lang(_) | Test::Topic(_) | Test::Ticker(_) => true,
    }
}

/// A leaf's gate (see [`Leaf::gate`]): by the anchor rule, a story the leaf holds on
/// carries one of its anchors, so it has that anchor's filter bit.
fn gate(plan: &Plan) -> [u16; 2] {
    let Plan::Set { anchors, .. } = plan else {
        return [0, 0];
    };
    let bit = |a: &Anchor| {
        let mut chars = a.key.chars();
        let ns = chars.next()?;
        (!a.prefix).then(|| filter_bit(ns, chars.as_str()))
    };
    match anchors.as_slice() {
        [a] => bit(a).map_or([0, 0], |b| [b, b]),
        [a, b] => bit(a).zip(bit(b)).map_or([0, 0], |(a, b)| [a, b]),
        _ => [0, 0],
    }
}

/// What makes two field matches the same test: the field, the kind of value and its
/// text as written (the analysis that follows is a function of these).
fn leaf_key(field: Option<Field>, value: &Value) -> Box<str> {
    let kind = match value {
        Value::Word(_) => 'w',
        Value::Prefix(_) => 'p',
        Value::Phrase(_) => 'q',
    };
    let field = field.map_or("", Field::name);
    format!("{field}\u{0}{kind}{}", value.text()).into_boxed_str()
}

/// The test for one field match and its anchors (see the module doc for the rule).
fn leaf(field: Option<Field>, value: &Value, rarity: &Rarity) -> (Test, Plan) {
    let pat = Pat::new(value);
    let key = KeyPat::new(value);
    match field {
        None | Some(Field::Headline) | Some(Field::Body) => {
            let scope = match field {
                Some(Field::Headline) => Scope::Headline,
                Some(Field::Body) => Scope::Body,
                _ => Scope::Both,
            };
            let plan = text_plan(NS_TEXT, &pat, rarity, 0);
            (Test::Text { scope, pat }, plan)
        }
        Some(Field::Source) => {
            let plan = key_plan(NS_SOURCE_ID, &key, 400).or(text_plan(NS_SOURCE_NAME, &pat, rarity, 400));
            (Test::Source { key, name: pat }, plan)
        }
        Some(Field::Lang) => {
            let plan = key_plan(NS_LANG, &key, 5_000);
            (Test::Lang(key), plan)
        }
        Some(Field::Topic) => {
            let plan = key_plan(NS_TOPIC, &key, 250);
            (Test::Topic(key), plan)
        }
        Some(Field::Ticker) => {
            let plan = key_plan(NS_TICKER, &key, 5);
            (Test::Ticker(key), plan)
        }
        Some(Field::Said) => {
            let plan = key_plan(NS_SAID_ID, &key, 5).or(text_plan(NS_SAID_NAME, &pat, rarity, 10));
            let bits = needed_bits(&pat);
            (Test::Said { key, name: pat, bits }, plan)
        }
        Some(f @ (Field::Person | Field::Org | Field::Place | Field::Company | Field::Entity)) => {
            let kind = match f {
                Field::Person => Some(EntityKind::Person),
                Field::Org => Some(EntityKind::Org),
                Field::Place => Some(EntityKind::Place),
                Field::Company => Some(EntityKind::Company),
                _ => None,
            };
            // Any-kind keys are shared by more stories than one kind's.
            let extra = if kind.is_none() { 5 } else { 0 };
            let plan = key_plan(ns_entity_id(kind), &key, 5 + extra).or(text_plan(
                ns_entity_name(kind),
                &pat,
                rarity,
                15 + extra,
            ));
            let bits = needed_bits(&pat);
            (
                Test::Entity {
                    kind,
                    key,
                    name: pat,
                    bits,
                },
                plan,
            )
        }
    }
}

/// Anchors for an analysed-text pattern in namespace `ns`. Field-specific texts (names)
/// pass a small `base` and have their term cost scaled down: a name term is far rarer
/// than the same word in running text.
fn text_plan(ns: char, pat: &Pat, rarity: &Rarity, base: u64) -> Plan {
    let scale = |c: u64| if ns == NS_TEXT { c } else { base + c / 10 };
    match pat {
        Pat::Nothing => Plan::Never,
        Pat::Prefix(p) => Plan::set(Anchor::new(ns, p, true), scale(rarity.text_prefix(p))),
        Pat::Terms(terms) => {
            // Every term must be present, so any one is a sound anchor: take the rarest.
            let Some((_, best)) = terms.iter().min_by_key(|(_, t)| rarity.text_term(t)) else {
                return Plan::Never;
            };
            let mut cost = rarity.text_term(best);
            if terms.len() > 1 {
                // A phrase is rarer than its rarest word.
                cost = cost.saturating_sub(30);
            }
            Plan::set(Anchor::new(ns, best, false), scale(cost))
        }
    }
}

/// Anchors for an identifier match in namespace `ns`, costing `cost`.
fn key_plan(ns: char, key: &KeyPat, cost: u64) -> Plan {
    match key {
        // A blank value equals no (non-blank) key.
        KeyPat::Exact(v) if v.is_empty() => Plan::Never,
        KeyPat::Exact(v) => Plan::set(Anchor::new(ns, v, false), cost),
        // A short key prefix covers many keys.
        KeyPat::Prefix(v) => Plan::set(
            Anchor::new(ns, v, true),
            cost.saturating_mul(2) + 40u64.saturating_sub(4 * v.chars().count() as u64),
        ),
    }
}
