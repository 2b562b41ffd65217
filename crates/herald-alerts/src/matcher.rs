//! The indexed standing-query matcher: many alerts, each story matched against all of
//! them by presearch (only alerts the story could satisfy) then exact verification.
//!
//! Each alert compiles ([`compile`]) to a test tree and a few *anchors*, keys such that
//! any story it matches carries one of them: an analysed term, a name term under its
//! field, an identifier, or a prefix of one of those. An AND is filed under its rarest
//! child only; an OR under all its children; a query with a NOT on top (or of nothing
//! but NOTs) on a list that every story checks. A story is prepared once ([`view`]), its
//! keys probed in the index ([`index`]) and set in a per-story bit filter; a candidate
//! whose query requires a word the filter says the story lacks is dropped unvisited, and
//! every other candidate is verified exactly by the rules of [`crate::naive`], which the
//! property test holds this matcher to.
//!
//! Verification runs flat programs ([`program`]): each alert's tree as a few `u32` ops
//! (inline in its 32-byte record when short, else in one shared arena) over leaves
//! interned once for all alerts. A leaf is tested at most once per story (a per-story
//! memo), and not at all when the story lacks the filter bit of every one of its own
//! anchors (its *gate*), so thousands of alerts on one name cost one test of that name.
//! A leaf that is nothing but a key (one word in headline or body, a prefix, an
//! identifier, a one-word name) is filed in the index too and is never tested: the
//! probe that finds its key marks it held, and one not marked does not hold.
//!
//! Per story nothing is allocated once a [`Scratch`] is warm: candidates are
//! deduplicated through a bit per alert slot, and [`Matcher::match_story`] lends out the
//! hits, whose terms are the compiled labels (strings only for a caller that wants
//! them: [`HitRef::to_hit`], [`Matcher::matches_with`]).
//!
//! Cost: a story pays for its analysis, one probe per distinct key it carries, one
//! record read and a few memo reads per candidate, and one test per distinct leaf the
//! candidates reach, so matching time grows with how many alerts a story (nearly)
//! satisfies, not with how many alerts there are.

mod compile;
mod index;
mod program;
mod view;

use herald_model::Story;
use herald_nlp::Analyzer;
use herald_query::Query;
use rustc_hash::FxHashMap;

use compile::{Anchor, Compiled, FILTER_BITS, Rarity, Refusal, compile, filter_bit};
use index::{Found, Postings, Slot};
use program::{Arena, Eval, LeafId, Leaves, Memo, flatten, release};
use view::View;

pub use compile::MAX_DEPTH;

/// The caller's name for an alert.
pub type AlertId = u64;

/// Why an alert was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error(
        "alerts cannot use since:/until: (alert {id}): an alert is matched against each \
         new story as it arrives, so a time bound would only make it go quiet; remove it"
    )]
    TimeBound { id: AlertId },
    #[error("alert {id}: the query nests deeper than {MAX_DEPTH} levels")]
    TooDeep { id: AlertId },
    #[error("alert {id}: the matcher already holds the most alerts it can ({max})")]
    Full { id: AlertId, max: usize },
}

/// An alert a story satisfies, with the terms of the query that it matched (as written
/// in the query language: `entity:Daesh`, `"grain exports"`, `export*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: AlertId,
    pub terms: Vec<String>,
}

/// Reusable working memory for [`Matcher::match_story`] and [`Matcher::matches_with`]: the analyzer (whose stem cache
/// stays warm from story to story), the candidate buffer, the story filter (8 KiB) and
/// the memo of leaf results (a byte per distinct leaf of the alerts).
#[derive(Debug)]
pub struct Scratch {
    analyzer: Analyzer,
    candidates: Vec<Slot>,
    key: String,
    /// One bit per [`filter_bit`] of the keys the story carries.
    filter: Box<[u64]>,
    memo: Memo,
    matched: Vec<LeafId>,
    gathered: Vec<Record>,
    /// Leaves presearch found to hold (see `compile::Leaf::decided`).
    decided: Vec<LeafId>,
    /// The story's hits, each a run of `terms`.
    hits: Vec<Span>,
    terms: Vec<LeafId>,
    /// A bit per alert slot: the candidates, deduplicated and in slot order (all clear
    /// between stories).
    seen: Vec<u64>,
    /// A bit per word of `seen` that has any bit set.
    summary: Vec<u64>,
    stats: MatchStats,
}

/// How much work presearch left for the last story matched with a [`Scratch`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchStats {
    /// Alerts the story's keys picked (counted once per key that picked them).
    pub candidates: usize,
    /// Distinct candidates whose required words the story has: each was verified.
    pub verified: usize,
}

impl Scratch {
    /// What the last story matched with this scratch cost (see [`MatchStats`]).
    pub fn stats(&self) -> MatchStats {
        self.stats
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            analyzer: Analyzer::default(),
            candidates: Vec::new(),
            key: String::new(),
            filter: vec![0; FILTER_BITS / 64].into_boxed_slice(),
            memo: Memo::default(),
            matched: Vec::new(),
            gathered: Vec::new(),
            decided: Vec::new(),
            hits: Vec::new(),
            terms: Vec::new(),
            seen: Vec::new(),
            summary: Vec::new(),
            stats: MatchStats::default(),
        }
    }
}

/// One hit in a [`Scratch`]: the alert and its run of matched leaves.
#[derive(Debug, Clone, Copy)]
struct Span {
    id: AlertId,
    start: u32,
    len: u32,
}

/// The hits of one story (see [`Matcher::match_story`]), by ascending alert id.
pub struct Matches<'a> {
    leaves: &'a Leaves,
    hits: &'a [Span],
    terms: &'a [LeafId],
}

impl<'a> Matches<'a> {
    /// How many alerts the story satisfies.
    pub fn len(&self) -> usize {
        self.hits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    /// The hits, by ascending alert id.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = HitRef<'a>> + use<'a> {
        let (leaves, terms) = (self.leaves, self.terms);
        self.hits.iter().map(move |h| HitRef {
            id: h.id,
            leaves,
            terms: terms
                .get(h.start as usize..(h.start as usize).saturating_add(h.len as usize))
                .unwrap_or_default(),
        })
    }
}

/// One hit of [`Matches`], borrowed: the alert id and the terms it matched.
#[derive(Clone, Copy)]
pub struct HitRef<'a> {
    pub id: AlertId,
    leaves: &'a Leaves,
    terms: &'a [LeafId],
}

impl<'a> HitRef<'a> {
    /// The terms of the query that matched, as in [`Hit::terms`].
    pub fn terms(&self) -> impl ExactSizeIterator<Item = &'a str> + use<'a> {
        let leaves = self.leaves;
        self.terms
            .iter()
            .map(move |&l| leaves.get(l).map_or("", |l| &*l.label))
    }

    /// The hit as an owned [`Hit`].
    pub fn to_hit(&self) -> Hit {
        Hit {
            id: self.id,
            terms: self.terms().map(String::from).collect(),
        }
    }
}

/// Programs of at most this many ops (most alerts: a leaf, or an AND of two or three)
/// live in their record rather than the arena.
const INLINE: usize = 4;

/// What verifying a candidate reads, in 32 bytes (half a cache line, aligned): whose
/// alert it is, the filter bits of two terms its query requires (a candidate whose story
/// lacks one is dropped unverified) and its program, inline when short enough, so most
/// candidates cost one memory access before their leaves.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Record {
    id: AlertId,
    required: [u16; 2],
    /// 0 for a free slot (every program has at least one op).
    len: u32,
    /// The program when `len <= INLINE`, else its arena offset in `ops[0]`.
    ops: [u32; INLINE],
}

impl Record {
    fn program<'a>(&'a self, arena: &'a Arena) -> &'a [u32] {
        let len = self.len as usize;
        if len <= INLINE {
            self.ops.get(..len).unwrap_or_default()
        } else {
            arena.get(self.ops[0], self.len)
        }
    }
}

/// A set of standing queries, matched against stories. `Send + Sync`: matching takes
/// `&self`, so any number of threads can match while no one is adding or removing.
pub struct Matcher {
    records: Vec<Record>,
    /// Per slot, cold (read only on removal): its anchors, each with the alert's
    /// position in that anchor's list.
    anchors: Vec<Box<[(Anchor, u32)]>>,
    arena: Arena,
    leaves: Leaves,
    free: Vec<Slot>,
    by_id: FxHashMap<AlertId, Slot>,
    postings: Postings,
    rarity: Rarity,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new()
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher").field("alerts", &self.len()).finish()
    }
}

impl Matcher {
    pub fn new() -> Self {
        Matcher {
            records: Vec::new(),
            anchors: Vec::new(),
            arena: Arena::default(),
            leaves: Leaves::default(),
            free: Vec::new(),
            by_id: FxHashMap::default(),
            postings: Postings::default(),
            rarity: Rarity::default(),
        }
    }

    /// Compiles `q` and adds it as alert `id`, replacing any alert of that id. Refuses
    /// `since:`/`until:` anywhere in the query. Costs O(size of the query).
    pub fn add(&mut self, id: AlertId, q: &Query) -> Result<(), MatchError> {
        let Compiled {
            node,
            anchors,
            required,
        } = compile(q, &self.rarity).map_err(|r| match r {
            Refusal::TimeBound => MatchError::TimeBound { id },
            Refusal::TooDeep => MatchError::TooDeep { id },
        })?;
        let full = MatchError::Full {
            id,
            max: Slot::MAX as usize,
        };
        let mut prog = Vec::new();
        let mut fresh = Vec::new();
        let mut dropped = Vec::new();
        let flat = flatten(node, &mut self.leaves, &mut prog, &mut fresh, &mut dropped);
        self.unfile_leaves(dropped);
        flat.map_err(|_| full.clone())?;
        self.file_leaves(&fresh);
        self.remove(id);
        let Ok(len) = u32::try_from(prog.len()) else {
            self.release(&prog);
            return Err(full);
        };
        let mut ops = [0; INLINE];
        if let Some(inline) = ops.get_mut(..prog.len()) {
            inline.copy_from_slice(&prog);
        } else if let Ok(off) = self.arena.alloc(&prog) {
            ops[0] = off;
        } else {
            self.release(&prog);
            return Err(full);
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => match Slot::try_from(self.records.len()) {
                Ok(slot) => {
                    self.records.push(Record::default());
                    self.anchors.push(Box::default());
                    slot
                }
                Err(_) => {
                    if prog.len() > INLINE {
                        self.arena.free(ops[0], len);
                    }
                    self.release(&prog);
                    return Err(full);
                }
            },
        };
        let anchors = anchors
            .into_iter()
            .map(|a| {
                let pos = self.postings.insert(&a, slot);
                (a, pos)
            })
            .collect();
        if let Some(r) = self.records.get_mut(slot as usize) {
            *r = Record {
                id,
                required,
                len,
                ops,
            };
        }
        if let Some(a) = self.anchors.get_mut(slot as usize) {
            *a = anchors;
        }
        self.by_id.insert(id, slot);
        Ok(())
    }

    /// Tells the matcher how common terms are: for each analysed term (as
    /// [`herald_nlp::analyze`] gives it, from headlines, bodies and entity names), in how
    /// many of `docs` recent stories it occurs. Each AND added afterwards is filed under
    /// the part the fewest stories have; without a table a static guess is used (common
    /// words last, longer words rarer). Alerts already added keep their anchors.
    pub fn set_term_frequencies(&mut self, docs: u64, terms: impl IntoIterator<Item = (String, u64)>) {
        self.rarity.set_frequencies(docs, terms.into_iter().collect());
    }

    /// Removes alert `id`; false when there was none. Costs O(size of its query).
    pub fn remove(&mut self, id: AlertId) -> bool {
        let Some(slot) = self.by_id.remove(&id) else {
            return false;
        };
        let Some(record) = self.records.get_mut(slot as usize) else {
            return false;
        };
        let record = std::mem::take(record);
        let mut dropped = Vec::new();
        release(record.program(&self.arena), &mut self.leaves, &mut dropped);
        self.unfile_leaves(dropped);
        if record.len as usize > INLINE {
            self.arena.free(record.ops[0], record.len);
        }
        let anchors = self
            .anchors
            .get_mut(slot as usize)
            .map(std::mem::take)
            .unwrap_or_default();
        for (anchor, pos) in anchors.iter() {
            let Some(moved) = self.postings.remove(anchor, *pos, slot) else {
                continue;
            };
            // The alert that filled the gap now sits at `pos` of this anchor's list.
            if let Some(other) = self.anchors.get_mut(moved as usize)
                && let Some(p) = other.iter_mut().find(|(a, _)| a == anchor)
            {
                p.1 = *pos;
            }
        }
        self.free.push(slot);
        true
    }

    /// Files leaves new to the set that presearch decides under their keys.
    fn file_leaves(&mut self, fresh: &[LeafId]) {
        for &id in fresh {
            let keys = self.leaves.get(id).and_then(|l| l.decided.as_deref());
            for key in keys.into_iter().flatten() {
                self.postings.insert_leaf(key, id);
            }
        }
    }

    /// Takes leaves no alert uses any more out of the index (before their ids are reused).
    fn unfile_leaves(&mut self, dropped: Vec<(LeafId, compile::Leaf)>) {
        for (id, leaf) in dropped {
            for key in leaf.decided.iter().flatten() {
                self.postings.remove_leaf(key, id);
            }
        }
    }

    /// Releases the leaves of a program that is not kept.
    fn release(&mut self, prog: &[u32]) {
        let mut dropped = Vec::new();
        release(prog, &mut self.leaves, &mut dropped);
        self.unfile_leaves(dropped);
    }

    /// How many alerts are held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every alert `story` satisfies, by ascending id, each with the terms it matched.
    pub fn matches(&self, story: &Story) -> Vec<Hit> {
        self.matches_with(story, &mut Scratch::default())
    }

    /// [`Matcher::matches`] with working memory kept between calls (one per thread);
    /// the answer is the same, only faster.
    pub fn matches_with(&self, story: &Story, scratch: &mut Scratch) -> Vec<Hit> {
        self.match_story(story, scratch)
            .iter()
            .map(|h| h.to_hit())
            .collect()
    }

    /// The alerts `story` satisfies, by ascending id, borrowed from `scratch`: nothing is
    /// allocated per story or per hit (a hit's terms are read from the alerts' compiled
    /// labels, and become strings only if the caller makes them so, e.g. for the hits it
    /// delivers). The same answer as [`Matcher::matches`].
    pub fn match_story<'a>(&'a self, story: &Story, scratch: &'a mut Scratch) -> Matches<'a> {
        let view = View::new(story, &mut scratch.analyzer);
        let candidates = &mut scratch.candidates;
        let key = &mut scratch.key;
        let filter = &mut scratch.filter;
        let decided = &mut scratch.decided;
        filter.fill(0);
        let mut set = |bit: u16| {
            if let Some(w) = filter.get_mut(usize::from(bit) / 64) {
                *w |= 1 << (bit % 64);
            }
        };
        set(0);
        candidates.clear();
        decided.clear();
        self.postings.probe_always(candidates);
        let mut found = Found {
            slots: candidates,
            leaves: decided,
        };
        view.for_each_key(|ns, k| {
            set(filter_bit(ns, k));
            self.postings.probe(ns, k, key, &mut found);
        });
        // Leaves that presearch decides hold exactly when one of their keys turned up.
        scratch.memo.start(self.leaves.id_bound());
        for &leaf in decided.iter() {
            scratch.memo.set_held(leaf);
        }
        let has = |bit: u16| {
            filter
                .get(usize::from(bit) / 64)
                .is_some_and(|w| w & (1 << (bit % 64)) != 0)
        };
        // Candidates are deduplicated and put in slot order through a bit per slot, with
        // a bit per word of those saying which words have any (sorting thousands of
        // candidates, or scanning 16 KiB per 1,000,000 alerts, cost more), so the records
        // are read in memory order. Bits are cleared as they are read, for the next story.
        let words = self.records.len().div_ceil(64);
        let (seen, summary) = (&mut scratch.seen, &mut scratch.summary);
        if seen.len() < words {
            seen.resize(words, 0);
            summary.resize(words.div_ceil(64), 0);
        }
        for &slot in candidates.iter() {
            let w = slot as usize / 64;
            if let Some(word) = seen.get_mut(w) {
                *word |= 1 << (slot % 64);
                if let Some(s) = summary.get_mut(w / 64) {
                    *s |= 1 << (w % 64);
                }
            }
        }
        scratch.stats.candidates = candidates.len();
        // Records are read in a tight loop of independent loads first, so the processor
        // overlaps their cache misses instead of taking them one at a time between
        // verifications; a candidate missing a required term goes here, unverified.
        let gathered = &mut scratch.gathered;
        gathered.clear();
        for (s, sum) in summary.iter_mut().enumerate() {
            let mut used = std::mem::take(sum);
            while used != 0 {
                let w = s * 64 + used.trailing_zeros() as usize;
                used &= used - 1;
                let Some(word) = seen.get_mut(w) else {
                    continue;
                };
                let mut bits = std::mem::take(word);
                while bits != 0 {
                    let slot = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if let Some(r) = self.records.get(slot) {
                        let [a, b] = r.required;
                        if r.len != 0 && has(a) && has(b) {
                            gathered.push(*r);
                        }
                    }
                }
            }
        }
        scratch.stats.verified = gathered.len();
        let mut eval = Eval {
            view: &view,
            leaves: &self.leaves,
            memo: &mut scratch.memo,
            filter,
        };
        let matched = &mut scratch.matched;
        let hits = &mut scratch.hits;
        let terms = &mut scratch.terms;
        hits.clear();
        terms.clear();
        for r in gathered.iter() {
            let ops = r.program(&self.arena);
            if !eval.holds(ops) {
                continue;
            }
            // Terms are found for hits only (their leaves are memoised by now).
            matched.clear();
            eval.matched(ops, matched);
            let start = terms.len();
            terms.extend_from_slice(matched);
            hits.push(Span {
                id: r.id,
                start: u32::try_from(start).unwrap_or(u32::MAX),
                len: u32::try_from(matched.len()).unwrap_or(0),
            });
        }
        hits.sort_unstable_by_key(|h| h.id);
        Matches {
            leaves: &self.leaves,
            hits,
            terms,
        }
    }

    /// An estimate, in bytes, of the memory the compiled set holds.
    pub fn memory_bytes(&self) -> usize {
        let anchors: usize = self
            .anchors
            .iter()
            .map(|a| {
                a.iter()
                    .map(|(a, _)| size_of::<(Anchor, u32)>() + a.key.len())
                    .sum::<usize>()
            })
            .sum();
        size_of::<Self>()
            + self.records.capacity() * size_of::<Record>()
            + self.anchors.capacity() * size_of::<Box<[(Anchor, u32)]>>()
            + anchors
            + self.arena.heap_bytes()
            + self.leaves.heap_bytes()
            + self.free.capacity() * size_of::<Slot>()
            + self.by_id.capacity() * (size_of::<(AlertId, Slot)>() + 1)
            + self.postings.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_model::{Entity, EntityKind, Quote, Source, Topic};
    use herald_query::parse;

    fn q(text: &str) -> Query {
        match parse(text) {
            Ok(q) => q,
            Err(e) => panic!("{text:?} does not parse: {e}"),
        }
    }

    /// A ferry-safety story with a bit of every field.
    fn ferry() -> Story {
        let mut line = Entity::new("kb:company/tidewater", EntityKind::Company, "Tidewater Lines")
            .with_aliases(&["Tidewater"]);
        line.ticker = Some("TDWL".into());
        Story {
            source: Source {
                id: "coast-gazette".into(),
                name: "Coast Gazette".into(),
                url: None,
            },
            headline: "Ferry Inspections Ordered After Engine Fire".into(),
            body: "Regulators ordered inspections of every ferry on the northern route after \
                   an engine fire forced passengers onto lifeboats."
                .into(),
            language: Some("en".into()),
            entities: vec![
                line,
                Entity::new("kb:person/ines-marlow", EntityKind::Person, "Ines Marlow"),
            ],
            quotes: vec![Quote {
                text: "Nobody was hurt".into(),
                speaker: Some("kb:person/ines-marlow".into()),
                speaker_name: Some("the harbour master".into()),
                start: 0,
                end: 0,
            }],
            topics: vec![Topic {
                code: "transport/maritime".into(),
                name: "Shipping".into(),
                score: 0.8,
                evidence: Vec::new(),
            }],
            ..Story::default()
        }
    }

    fn ids(m: &Matcher, story: &Story) -> Vec<AlertId> {
        m.matches(story).into_iter().map(|h| h.id).collect()
    }

    #[test]
    fn a_matcher_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>(_: &T) {}
        shared(&Matcher::new());
    }

    #[test]
    fn time_bounds_are_refused_anywhere_in_the_query() {
        let mut m = Matcher::new();
        for (id, text) in [(1, "since:24h"), (2, "ferry AND (fire OR NOT until:7d)")] {
            let err = m.add(id, &q(text)).err();
            assert_eq!(err, Some(MatchError::TimeBound { id }));
            let message = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.starts_with("alerts cannot use since:/until:"),
                "{message}"
            );
        }
        assert!(m.is_empty(), "a refused alert is not added");
    }

    #[test]
    fn each_field_finds_the_story_and_reports_its_terms() {
        let mut m = Matcher::new();
        let alerts = [
            "ferry",
            "\"engine fire\"",
            "inspect*",
            "source:coast-gazette",
            "source:gazette",
            "lang:en",
            "topic:transport*",
            "company:tidewater",
            "ticker:tdwl",
            "person:marlow",
            "said:marlow",
            "said:\"harbour master\"",
            "entity:kb:person/ines-marlow",
        ];
        for (id, text) in alerts.iter().enumerate() {
            assert_eq!(m.add(id as AlertId, &q(text)), Ok(()), "{text}");
        }
        let hits = m.matches(&ferry());
        let found: Vec<AlertId> = hits.iter().map(|h| h.id).collect();
        assert_eq!(found, (0..alerts.len() as AlertId).collect::<Vec<_>>());
        assert!(hits.iter().all(|h| h.terms.len() == 1));
        assert_eq!(
            hits.get(1).map(|h| h.terms.clone()),
            Some(vec!["\"engine fire\"".into()])
        );
    }

    #[test]
    fn terms_are_the_positive_leaves_that_held() {
        let mut m = Matcher::new();
        m.add(
            5,
            &q("(ferry OR zebra OR lifeboat*) company:tidewater -source:tabloid"),
        )
        .ok();
        let hits = m.matches(&ferry());
        let terms = hits.first().map(|h| h.terms.clone()).unwrap_or_default();
        assert_eq!(terms, ["ferry", "lifeboat*", "company:tidewater"]);
    }

    #[test]
    fn remove_takes_effect_for_the_next_story() {
        let mut m = Matcher::new();
        for (id, text) in [
            (1, "ferry"),
            (2, "ferry engine"),
            (3, "ferry OR zebra"),
            (4, "fire"),
        ] {
            m.add(id, &q(text)).ok();
        }
        assert_eq!(ids(&m, &ferry()), [1, 2, 3, 4]);
        assert!(m.remove(2));
        assert!(!m.remove(2), "already gone");
        assert_eq!(m.len(), 3);
        assert_eq!(ids(&m, &ferry()), [1, 3, 4]);
        // The freed slot is reused by a new alert, which must not inherit the old one.
        m.add(9, &q("zebra")).ok();
        assert_eq!(ids(&m, &ferry()), [1, 3, 4]);
        // Re-adding an id replaces its query.
        m.add(1, &q("zebra")).ok();
        assert_eq!(ids(&m, &ferry()), [3, 4]);
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn pure_negative_queries_match_stories_lacking_the_term() {
        let mut m = Matcher::new();
        m.add(1, &q("-ferry")).ok();
        m.add(2, &q("NOT source:tabloid NOT lang:fr")).ok();
        m.add(3, &q("NOT NOT ferry")).ok();
        let quiet = Story {
            headline: "Council Approves Library Budget".into(),
            ..Story::default()
        };
        assert_eq!(ids(&m, &quiet), [1, 2]);
        assert_eq!(ids(&m, &ferry()), [2, 3]);
    }

    #[test]
    fn values_that_analyse_to_nothing_match_nothing() {
        let mut m = Matcher::new();
        m.add(1, &q("\"--\"")).ok();
        m.add(2, &q("ferry AND \"&&\"")).ok();
        m.add(3, &q("\"--\" OR ferry")).ok();
        assert_eq!(ids(&m, &ferry()), [3]);
        assert_eq!(m.len(), 3);
    }

    #[test]
    fn empty_and_or_built_in_code_follow_logic() {
        let mut m = Matcher::new();
        m.add(1, &Query::And(Vec::new())).ok();
        m.add(2, &Query::Or(Vec::new())).ok();
        assert_eq!(
            ids(&m, &ferry()),
            [1],
            "all of nothing holds; any of nothing does not"
        );
    }

    #[test]
    fn overdeep_trees_are_refused() {
        let mut deep = q("ferry");
        for _ in 0..=MAX_DEPTH {
            deep = Query::Not(Box::new(deep));
        }
        let mut m = Matcher::new();
        assert_eq!(m.add(3, &deep), Err(MatchError::TooDeep { id: 3 }));
    }

    #[test]
    fn memory_grows_with_alerts_and_is_returned_on_removal() {
        let mut m = Matcher::new();
        let empty = m.memory_bytes();
        for id in 0..1000 {
            m.add(id, &q(&format!("company:firm{id} OR \"grain exports\"")))
                .ok();
        }
        let full = m.memory_bytes();
        assert!(full > empty + 1000 * 20, "{empty} → {full}");
        for id in 0..1000 {
            m.remove(id);
        }
        assert!(m.postings.heap_bytes() < full / 2);
        assert!(m.matches(&ferry()).is_empty());
    }

    #[test]
    fn alerts_sharing_a_leaf_keep_it_until_the_last_one_goes() {
        let mut m = Matcher::new();
        m.add(1, &q("company:tidewater")).ok();
        m.add(2, &q("company:tidewater ferry")).ok();
        m.add(3, &q("company:tidewater OR zebra")).ok();
        let live = |m: &Matcher| m.leaves.live();
        assert_eq!(live(&m), 3, "company:tidewater, ferry and zebra, each once");
        m.remove(1);
        m.remove(3);
        assert_eq!(
            ids(&m, &ferry()),
            [2],
            "the shared leaf still answers for alert 2"
        );
        m.remove(2);
        assert_eq!(live(&m), 0);
        assert!(m.leaves.get(0).is_none(), "the leaf itself is dropped");
    }

    #[test]
    fn a_freed_leaf_id_reused_by_another_leaf_is_not_decided_by_the_old_keys() {
        let mut m = Matcher::new();
        // `ferry` is decided by presearch (a single word): filed under the key "ferry".
        m.add(1, &q("ferry")).ok();
        assert_eq!(ids(&m, &ferry()), [1]);
        m.remove(1);
        // The freed leaf id goes to a phrase the story lacks, and a word it has.
        m.add(2, &q("\"ferry fire\"")).ok();
        m.add(3, &q("headline:zebra OR lifeboats")).ok();
        assert_eq!(ids(&m, &ferry()), [3]);
        let mut scratch = Scratch::default();
        let borrowed: Vec<AlertId> = m
            .match_story(&ferry(), &mut scratch)
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(borrowed, [3]);
    }

    #[test]
    fn borrowed_hits_carry_the_same_terms_as_owned_ones() {
        let mut m = Matcher::new();
        for (id, text) in [
            (
                4,
                "(ferry OR zebra OR lifeboat*) company:tidewater -source:tabloid",
            ),
            (2, "\"engine fire\" person:marlow"),
            (9, "ticker:tdwl"),
        ] {
            m.add(id, &q(text)).ok();
        }
        let owned = m.matches(&ferry());
        let mut scratch = Scratch::default();
        let borrowed: Vec<Hit> = m
            .match_story(&ferry(), &mut scratch)
            .iter()
            .map(|h| h.to_hit())
            .collect();
        assert_eq!(owned, borrowed);
        assert_eq!(owned.iter().map(|h| h.id).collect::<Vec<_>>(), [2, 4, 9]);
        assert_eq!(
            owned.first().map(|h| h.terms.clone()),
            Some(vec!["\"engine fire\"".to_owned(), "person:marlow".to_owned()])
        );
    }

    #[test]
    fn presearch_leaves_only_the_alerts_a_story_could_satisfy_to_verify() {
        let mut m = Matcher::new();
        // A thousand alerts on companies the story does not name, one on a word it has,
        // one on a phrase it has (verified: a phrase needs its positions checked).
        for id in 0..1000 {
            m.add(id, &q(&format!("company:firm{id} OR \"grain exports\"")))
                .ok();
        }
        m.add(5000, &q("ferry")).ok();
        m.add(5001, &q("\"engine fire\" -zebra")).ok();
        let mut scratch = Scratch::default();
        let found: Vec<AlertId> = m
            .match_story(&ferry(), &mut scratch)
            .iter()
            .map(|h| h.id)
            .collect();
        assert_eq!(found, [5000, 5001]);
        // Each of the two is picked twice: its key is in the headline and in the body.
        assert_eq!(
            scratch.stats(),
            MatchStats {
                candidates: 4,
                verified: 2
            }
        );
    }

    #[test]
    fn long_programs_reuse_freed_arena_space() {
        let mut m = Matcher::new();
        // Seven ops: past the inline size, so each lives in the arena.
        let text = "(ferry OR zebra) (fire OR lifeboat*) -source:tabloid";
        for round in 0..50 {
            for id in 0..20 {
                m.add(id, &q(text)).ok();
            }
            assert_eq!(ids(&m, &ferry()), (0..20).collect::<Vec<_>>(), "round {round}");
            for id in 0..20 {
                m.remove(id);
            }
        }
        assert!(
            m.arena.heap_bytes() < 20 * 7 * 4 * 4,
            "churn does not grow the arena: {} bytes",
            m.arena.heap_bytes()
        );
        assert!(m.matches(&ferry()).is_empty());
    }

    #[test]
    fn a_scratch_reused_for_hundreds_of_stories_answers_as_a_fresh_one() {
        let mut m = Matcher::new();
        for (id, text) in [(1, "ferry"), (2, "-ferry"), (3, "\"engine fire\" OR budget")] {
            m.add(id, &q(text)).ok();
        }
        let quiet = Story {
            headline: "Council Approves Library Budget".into(),
            ..Story::default()
        };
        let mut scratch = Scratch::default();
        // Past the memo's 127-story stamp cycle, alternating answers.
        for i in 0..300 {
            let story = if i % 2 == 0 { ferry() } else { quiet.clone() };
            let got: Vec<AlertId> = m
                .matches_with(&story, &mut scratch)
                .into_iter()
                .map(|h| h.id)
                .collect();
            let want: &[AlertId] = if i % 2 == 0 { &[1, 3] } else { &[2, 3] };
            assert_eq!(got, want, "story {i}");
        }
    }
}
