//! Turns a parsed Herald query into a tantivy query, following the shared matching rules.
//!
//! The rules (shared with the naive evaluator in herald-alerts):
//! * text is analysed with `herald_nlp::analyze`; a word that analyses to several terms
//!   (`U.S.`) is a phrase of them, one that analyses to none matches nothing;
//! * a prefix matches terms that start with the lowercased, unstemmed prefix;
//! * exact-match fields (source id, language, topic, entity ids, ticker, speaker id)
//!   compare trimmed, lowercased values; a prefix there means "starts with";
//! * `since:`/`until:` compare the story's time exactly (whole seconds and nanoseconds,
//!   any year), and a relative bound past the representable times lies before or after
//!   every story;
//! * `NOT` on its own (or an `AND` of only negatives) means "every story except".

use std::collections::BTreeSet;
use std::ops::Bound;

use herald_query::{Field as QField, Query, TimeBound, Value};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Explanation, Occur,
    PhraseQuery, Query as TQuery, RangeQuery, Scorer, TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term};
use time::OffsetDateTime;

use super::IndexError;
use super::schema::Fields;
use super::tokenizer::keyword;

/// How many distinct terms all the prefixes of one query may expand to, together.
pub const MAX_PREFIX_TERMS: usize = 10_000;

/// How deeply a query may nest; deeper trees are refused rather than risk the stack.
pub const MAX_QUERY_DEPTH: usize = 100;

/// Headline matches count double in relevance ranking.
const HEADLINE_BOOST: f32 = 2.0;

type Boxed = Box<dyn TQuery>;

/// Translates queries against one searcher snapshot (prefixes expand over its terms).
pub(crate) struct Translator<'a> {
    searcher: &'a Searcher,
    fields: &'a Fields,
    now: OffsetDateTime,
    /// Prefix terms still allowed before the query counts as too broad.
    budget: usize,
}

impl<'a> Translator<'a> {
    pub(crate) fn new(searcher: &'a Searcher, fields: &'a Fields, now: OffsetDateTime) -> Self {
        Translator {
            searcher,
            fields,
            now,
            budget: MAX_PREFIX_TERMS,
        }
    }

    pub(crate) fn translate(&mut self, q: &Query) -> Result<Boxed, IndexError> {
        self.node(q, 0)
    }

    fn node(&mut self, q: &Query, depth: usize) -> Result<Boxed, IndexError> {
        if depth > MAX_QUERY_DEPTH {
            return Err(IndexError::QueryTooDeep {
                limit: MAX_QUERY_DEPTH,
            });
        }
        match q {
            Query::And(qs) => {
                let mut clauses = Vec::with_capacity(qs.len() + 1);
                for sub in qs {
                    // A negated conjunct excludes directly; no need for its own AllQuery.
                    if let Query::Not(inner) = sub {
                        clauses.push((Occur::MustNot, excluded(self.node(inner, depth + 1)?)));
                    } else {
                        clauses.push((Occur::Must, self.node(sub, depth + 1)?));
                    }
                }
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    // Only negatives (or nothing): start from every story.
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
            Query::Or(qs) => {
                if qs.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                let mut clauses = Vec::with_capacity(qs.len());
                for sub in qs {
                    clauses.push((Occur::Should, self.node(sub, depth + 1)?));
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
            Query::Not(inner) => Ok(Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Boxed),
                (Occur::MustNot, excluded(self.node(inner, depth + 1)?)),
            ]))),
            Query::Since(b) => Ok(self.since(*b)),
            Query::Until(b) => Ok(self.until(*b)),
            Query::Match { field, value } => self.matcher(*field, value),
        }
    }

    /// Stories whose time is at or after the bound.
    fn since(&self, bound: TimeBound) -> Boxed {
        match resolve(bound, self.now) {
            Resolved::BeforeAll => self.secs(Bound::Unbounded, Bound::Unbounded),
            Resolved::AfterAll => Box::new(EmptyQuery),
            Resolved::At(t) => {
                let (secs, nanos) = (t.unix_timestamp(), u64::from(t.nanosecond()));
                if nanos == 0 {
                    return self.secs(Bound::Included(secs), Bound::Unbounded);
                }
                any(vec![
                    self.secs(Bound::Excluded(secs), Bound::Unbounded),
                    self.same_second(secs, Bound::Included(nanos), Bound::Unbounded),
                ])
            }
        }
    }

    /// Stories whose time is before the bound.
    fn until(&self, bound: TimeBound) -> Boxed {
        match resolve(bound, self.now) {
            Resolved::BeforeAll => Box::new(EmptyQuery),
            Resolved::AfterAll => self.secs(Bound::Unbounded, Bound::Unbounded),
            Resolved::At(t) => {
                let (secs, nanos) = (t.unix_timestamp(), u64::from(t.nanosecond()));
                if nanos == 0 {
                    return self.secs(Bound::Unbounded, Bound::Excluded(secs));
                }
                any(vec![
                    self.secs(Bound::Unbounded, Bound::Excluded(secs)),
                    self.same_second(secs, Bound::Unbounded, Bound::Excluded(nanos)),
                ])
            }
        }
    }

    /// Stories whose time, in whole seconds, is in the range. Both bounds unbounded means
    /// every story that has a time (a range query needs one bound, so `i64::MIN` stands in).
    fn secs(&self, lower: Bound<i64>, upper: Bound<i64>) -> Boxed {
        let field = self.fields.time_secs;
        let term = |s| Term::from_field_i64(field, s);
        let lower = match lower {
            Bound::Unbounded => Bound::Included(term(i64::MIN)),
            b => b.map(term),
        };
        Box::new(RangeQuery::new(lower, upper.map(term)))
    }

    /// Stories in second `secs` whose nanoseconds are in the range.
    fn same_second(&self, secs: i64, lower: Bound<u64>, upper: Bound<u64>) -> Boxed {
        let nanos = self.fields.time_nanos;
        let term = |n| Term::from_field_u64(nanos, n);
        let lower = match lower {
            Bound::Unbounded => Bound::Included(term(0)),
            b => b.map(term),
        };
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                self.secs(Bound::Included(secs), Bound::Included(secs)),
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(lower, upper.map(term))) as Boxed,
            ),
        ]))
    }

    fn matcher(&mut self, field: Option<QField>, value: &Value) -> Result<Boxed, IndexError> {
        let f = self.fields.clone();
        let q = match field {
            // Headline or body: the combined field (where headline words count double).
            None => self.text(f.text, value)?,
            Some(QField::Headline) => self.headline(value)?,
            Some(QField::Body) => self.text(f.body, value)?,
            Some(QField::Source) => any(vec![
                self.keyword(f.source_id, "", value)?,
                self.text(f.source_name, value)?,
            ]),
            Some(QField::Lang) => self.keyword(f.lang, "", value)?,
            Some(QField::Topic) => self.keyword(f.topic, "", value)?,
            Some(QField::Ticker) => self.keyword(f.ticker, "", value)?,
            Some(kind @ (QField::Person | QField::Org | QField::Place | QField::Company)) => {
                let names = match kind {
                    QField::Person => f.person,
                    QField::Org => f.org,
                    QField::Place => f.place,
                    _ => f.company,
                };
                let id_prefix = format!("{}:", kind.name());
                any(vec![
                    self.keyword(f.kind_entity_id, &id_prefix, value)?,
                    self.text(names, value)?,
                ])
            }
            Some(QField::Entity) => {
                let mut parts = vec![self.keyword(f.entity_id, "", value)?];
                for names in f.all_names() {
                    parts.push(self.text(names, value)?);
                }
                any(parts)
            }
            Some(QField::Said) => any(vec![
                self.keyword(f.said_id, "", value)?,
                self.text(f.said, value)?,
            ]),
        };
        Ok(q)
    }

    fn headline(&mut self, value: &Value) -> Result<Boxed, IndexError> {
        let q = self.text(self.fields.headline, value)?;
        Ok(Box::new(BoostQuery::new(q, HEADLINE_BOOST)))
    }

    /// A value in a full-text field.
    fn text(&mut self, field: Field, value: &Value) -> Result<Boxed, IndexError> {
        match value {
            Value::Word(w) | Value::Phrase(w) => Ok(phrase_query(field, w)),
            Value::Prefix(p) => {
                let prefix = p.to_lowercase();
                self.prefix(field, &prefix, p)
            }
        }
    }

    /// A value in an exact-match field; `scope` is prepended to the normalised value
    /// (the `person:` in `person:kb:person/x`). Exact matches only filter: they add no score.
    fn keyword(&mut self, field: Field, scope: &str, value: &Value) -> Result<Boxed, IndexError> {
        let v = keyword(value.text());
        let q = match value {
            Value::Word(_) | Value::Phrase(_) => {
                if v.is_empty() {
                    return Ok(Box::new(EmptyQuery));
                }
                let term = Term::from_field_text(field, &format!("{scope}{v}"));
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Boxed
            }
            Value::Prefix(raw) => self.prefix(field, &format!("{scope}{v}"), raw)?,
        };
        Ok(Box::new(ConstScoreQuery::new(q, 0.0)))
    }

    /// Every term of `field` starting with `prefix`, across all segments, within budget.
    fn prefix(&mut self, field: Field, prefix: &str, raw: &str) -> Result<Boxed, IndexError> {
        let mut terms: BTreeSet<String> = BTreeSet::new();
        let too_broad = || IndexError::PrefixTooBroad {
            prefix: raw.to_string(),
            field: self.searcher.schema().get_field_name(field).to_string(),
            limit: MAX_PREFIX_TERMS,
        };
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(field).map_err(|e| IndexError::Search {
                what: format!("reading the terms of `{raw}*`"),
                source: e,
            })?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .into_stream()
                .map_err(|e| IndexError::Search {
                    what: format!("reading the terms of `{raw}*`"),
                    source: e.into(),
                })?;
            while stream.advance() {
                let key = stream.key();
                if !key.starts_with(prefix.as_bytes()) {
                    break;
                }
                // Text terms are UTF-8; anything else cannot come from our tokenizers.
                let Ok(term) = std::str::from_utf8(key) else {
                    continue;
                };
                if !terms.contains(term) {
                    if terms.len() >= self.budget {
                        return Err(too_broad());
                    }
                    terms.insert(term.to_string());
                }
            }
        }
        self.budget -= terms.len();
        if terms.is_empty() {
            return Ok(Box::new(EmptyQuery));
        }
        Ok(Box::new(TermSetQuery::new(
            terms.iter().map(|t| Term::from_field_text(field, t)),
        )))
    }
}

/// Word or phrase in a text field: one term ⇒ term query, several ⇒ a phrase that keeps
/// the analyser's positions (a dropped junk word still leaves its gap), none ⇒ nothing.
fn phrase_query(field: Field, text: &str) -> Boxed {
    let tokens = herald_nlp::analyze(text);
    let Some(first) = tokens.first() else {
        return Box::new(EmptyQuery);
    };
    if tokens.len() == 1 {
        let term = Term::from_field_text(field, &first.term);
        return Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
    }
    let base = first.position;
    let terms = tokens
        .iter()
        .map(|t| {
            (
                t.position.saturating_sub(base),
                Term::from_field_text(field, &t.term),
            )
        })
        .collect();
    Box::new(PhraseQuery::new_with_offset(terms))
}

/// `q` made fit to be a `MustNot` clause.
///
/// tantivy 0.27 starts an exclusion by asking its scorer about the first candidate, which
/// can be before the document that scorer already stands on (a phrase scorer is placed on
/// its first match, a fast-field range after its first seek). Phrase and range scorers
/// assume that never happens and trip a `debug_assert!` or an overflow check, so a debug
/// build panics on `NOT "grain exports"` or `NOT (until:1h until:2h)`. [`ForwardOnly`]
/// answers those questions itself and only ever moves the scorer forward.
fn excluded(q: Boxed) -> Boxed {
    Box::new(ForwardOnly(q))
}

/// Runs a query whose scorer is only ever moved forward (see [`excluded`]).
#[derive(Debug)]
struct ForwardOnly(Boxed);

impl Clone for ForwardOnly {
    fn clone(&self) -> Self {
        ForwardOnly(self.0.box_clone())
    }
}

impl TQuery for ForwardOnly {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardOnlyWeight(self.0.weight(scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardOnlyWeight(Box<dyn Weight>);

impl Weight for ForwardOnlyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardOnlyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardOnlyScorer(Box<dyn Scorer>);

/// `seek_danger` is left to the trait's default, which only ever calls [`seek`](DocSet::seek)
/// forwards.
impl DocSet for ForwardOnlyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let doc = self.0.doc();
        if target <= doc {
            return doc;
        }
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for ForwardOnlyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

/// Where a time bound falls, for a given `now`.
enum Resolved {
    /// Before any time a story can have (`since:` matches every dated story).
    BeforeAll,
    /// After any time a story can have (`until:` matches every dated story).
    AfterAll,
    At(OffsetDateTime),
}

/// The instant `bound` stands for. The parser caps relative bounds at a century, but a
/// query built in code need not be: one that leaves the representable times is placed
/// before or after all of them, as the naive matcher does, instead of overflowing.
fn resolve(bound: TimeBound, now: OffsetDateTime) -> Resolved {
    match bound {
        TimeBound::At(t) => Resolved::At(t),
        TimeBound::Ago(d) => match now.checked_sub(d) {
            Some(t) => Resolved::At(t),
            None if d.is_negative() => Resolved::AfterAll,
            None => Resolved::BeforeAll,
        },
    }
}

/// Any of these; a single alternative is returned as is.
fn any(mut parts: Vec<Boxed>) -> Boxed {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    Box::new(BooleanQuery::new(
        parts.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}
