//! The naive evaluator: does one story satisfy one query? These are the reference
//! semantics of the query language; the search index and the indexed alert matcher must
//! agree with [`matches`] on every story.
//!
//! # Text
//!
//! Text is analysed with [`herald_nlp::analyze`] (split on non-alphanumerics, lowercased,
//! English-stemmed). A query value is analysed the same way:
//!
//! * **Word** — matches a text with a term equal to the word's term. A word that analyses
//!   to several terms (`U.S.`, `al-Shabaab`) is the phrase of them; one that analyses to
//!   none (`--`) matches nothing.
//! * **Phrase** — the phrase's terms at consecutive positions of one text (a word the
//!   analyser drops as too long still holds its position on both sides).
//! * **Prefix** — some term of the text starts with the prefix, lowercased but not
//!   stemmed. Text terms are stemmed, so `sanctions*` does not match "sanctions" (its term
//!   is `sanction`); `sanction*` does.
//!
//! # Fields
//!
//! * none — the value in the headline or the body; `headline:` / `body:` — only there.
//! * Identifiers and codes (source id, language, topic code, entity id, ticker, quote
//!   speaker id) are compared whole and case-insensitively with a word or phrase value,
//!   and with `starts_with` for a prefix value. Whitespace around either side does not
//!   count (`lang:" en"` finds a story in `en`; a feed's `" en "` is `en`), and a blank
//!   identifier is no identifier: no value, not even a prefix, matches it.
//! * `source:` — the source id, or the value as text in the source's name.
//! * `lang:` — the story's language. `topic:` — the code of one of its topics.
//! * `person:` / `org:` / `place:` / `company:` — an entity of that kind whose id is the
//!   value, or whose name or one of whose aliases matches the value as text (each name is
//!   its own text: a phrase does not run from one alias into the next). `entity:` — the
//!   same over entities of every kind, so `entity:Daesh` finds a story that names only
//!   "Islamic State" when the entity lists Daesh as an alias.
//! * `ticker:` — an entity (of any kind) whose ticker is the value.
//! * `said:` — a quote whose speaker's name as written matches the value as text, or
//!   whose speaker id is the value, or whose speaker id is that of an entity in the story
//!   whose name or aliases match the value as text.
//!
//! # Time, and logic
//!
//! `since:` / `until:` compare [`Story::time`] (published, else received) with the bound
//! resolved against `now`: `since` holds when the time is at or after it, `until` when
//! the time is before it. A story with no time fails both (and so passes their `NOT`).
//! Times are compared exactly, to the nanosecond, whatever the year (a feed's zero date
//! `0001-01-01` is before `since:1600-01-01`). A relative bound that leaves the
//! representable times (only a query built in code can: the parser caps them at a
//! century) lies before every time, or after every time when it is negative.
//! AND, OR and NOT are the usual; a query of only negations matches every story that
//! does not have what they exclude.

use herald_model::{Entity, EntityKind, Story};
use herald_nlp::{Token, analyze};
use herald_query::{Field, Query, TimeBound, Value};
use std::cell::OnceCell;
use time::OffsetDateTime;

/// True when `story` satisfies `q`, with relative time bounds taken back from `now`.
pub fn matches(q: &Query, story: &Story, now: OffsetDateTime) -> bool {
    Eval {
        story,
        now,
        headline: OnceCell::new(),
        body: OnceCell::new(),
    }
    .eval(q)
}

/// One story under evaluation; the headline and body are analysed once, on first use.
struct Eval<'a> {
    story: &'a Story,
    now: OffsetDateTime,
    headline: OnceCell<Vec<Token>>,
    body: OnceCell<Vec<Token>>,
}

impl Eval<'_> {
    fn eval(&self, q: &Query) -> bool {
        match q {
            Query::And(qs) => qs.iter().all(|q| self.eval(q)),
            Query::Or(qs) => qs.iter().any(|q| self.eval(q)),
            Query::Not(q) => !self.eval(q),
            Query::Since(bound) => self
                .story
                .time()
                .is_some_and(|t| match resolve(*bound, self.now) {
                    Bound::BeforeAll => true,
                    Bound::At(b) => t >= b,
                    Bound::AfterAll => false,
                }),
            Query::Until(bound) => self
                .story
                .time()
                .is_some_and(|t| match resolve(*bound, self.now) {
                    Bound::BeforeAll => false,
                    Bound::At(b) => t < b,
                    Bound::AfterAll => true,
                }),
            Query::Match { field, value } => self.field(*field, value),
        }
    }

    fn headline(&self) -> &[Token] {
        self.headline.get_or_init(|| analyze(&self.story.headline))
    }

    fn body(&self) -> &[Token] {
        self.body.get_or_init(|| analyze(&self.story.body))
    }

    fn field(&self, field: Option<Field>, value: &Value) -> bool {
        let pattern = Pattern::new(value);
        let story = self.story;
        let Some(field) = field else {
            return pattern.in_tokens(self.headline()) || pattern.in_tokens(self.body());
        };
        match field {
            Field::Headline => pattern.in_tokens(self.headline()),
            Field::Body => pattern.in_tokens(self.body()),
            Field::Source => same_key(value, &story.source.id) || pattern.in_text(&story.source.name),
            Field::Lang => story.language.as_deref().is_some_and(|l| same_key(value, l)),
            Field::Topic => story.topics.iter().any(|t| same_key(value, &t.code)),
            Field::Person => self.entity(Some(EntityKind::Person), value, &pattern),
            Field::Org => self.entity(Some(EntityKind::Org), value, &pattern),
            Field::Place => self.entity(Some(EntityKind::Place), value, &pattern),
            Field::Company => self.entity(Some(EntityKind::Company), value, &pattern),
            Field::Entity => self.entity(None, value, &pattern),
            Field::Ticker => story
                .entities
                .iter()
                .any(|e| e.ticker.as_deref().is_some_and(|t| same_key(value, t))),
            Field::Said => story.quotes.iter().any(|q| {
                q.speaker_name.as_deref().is_some_and(|n| pattern.in_text(n))
                    || q.speaker.as_deref().is_some_and(|id| {
                        same_key(value, id)
                            || story
                                .entities
                                .iter()
                                .any(|e| e.id == id && names_match(e, &pattern))
                    })
            }),
        }
    }

    /// Some entity (of `kind`, or of any kind) that the value names by id, name or alias.
    fn entity(&self, kind: Option<EntityKind>, value: &Value, pattern: &Pattern) -> bool {
        self.story
            .entities
            .iter()
            .any(|e| kind.is_none_or(|k| e.kind == k) && (same_key(value, &e.id) || names_match(e, pattern)))
    }
}

/// Where a time bound falls.
enum Bound {
    /// Before any representable time: every dated story is after it.
    BeforeAll,
    At(OffsetDateTime),
    /// After any representable time: every dated story is before it.
    AfterAll,
}

/// The instant a bound stands for. The parser caps relative bounds, but a hand-built
/// query need not be: a bound that leaves the representable times lies before all of
/// them (a huge `Ago`) or after all of them (a huge negative one).
fn resolve(bound: TimeBound, now: OffsetDateTime) -> Bound {
    match bound {
        TimeBound::Ago(d) => match now.checked_sub(d) {
            Some(t) => Bound::At(t),
            None if d.is_negative() => Bound::AfterAll,
            None => Bound::BeforeAll,
        },
        TimeBound::At(t) => Bound::At(t),
    }
}

/// The name or one of the aliases of `e` matches, each taken as its own text.
fn names_match(e: &Entity, pattern: &Pattern) -> bool {
    std::iter::once(&e.name)
        .chain(&e.aliases)
        .any(|n| pattern.in_text(n))
}

/// An identifier or code compared with a value: whole and case-insensitive, or as a
/// case-insensitive prefix for a prefix value. Surrounding whitespace is not part of
/// either, and a blank key is no key at all.
fn same_key(value: &Value, key: &str) -> bool {
    let key = key.trim().to_lowercase();
    if key.is_empty() {
        return false;
    }
    let v = value.text().trim().to_lowercase();
    match value {
        Value::Word(_) | Value::Phrase(_) => v == key,
        Value::Prefix(_) => key.starts_with(&v),
    }
}

/// A value ready to be looked for in analysed text.
enum Pattern {
    /// Terms with their positions relative to the first one (one term for most words).
    Terms(Vec<(usize, String)>),
    /// A lowercased prefix of some term.
    Prefix(String),
    /// A value that analyses to no term: it matches nothing.
    Nothing,
}

impl Pattern {
    fn new(value: &Value) -> Pattern {
        match value {
            Value::Prefix(p) => Pattern::Prefix(p.to_lowercase()),
            Value::Word(text) | Value::Phrase(text) => {
                let tokens = analyze(text);
                let Some(base) = tokens.first().map(|t| t.position) else {
                    return Pattern::Nothing;
                };
                Pattern::Terms(tokens.into_iter().map(|t| (t.position - base, t.term)).collect())
            }
        }
    }

    fn in_text(&self, text: &str) -> bool {
        match self {
            Pattern::Nothing => false,
            _ => self.in_tokens(&analyze(text)),
        }
    }

    fn in_tokens(&self, tokens: &[Token]) -> bool {
        match self {
            Pattern::Nothing => false,
            Pattern::Prefix(p) => tokens.iter().any(|t| t.term.starts_with(p.as_str())),
            Pattern::Terms(terms) => {
                let Some(((_, first), rest)) = terms.split_first() else {
                    return false;
                };
                tokens.iter().filter(|t| &t.term == first).any(|start| {
                    rest.iter().all(|(offset, term)| {
                        start.position.checked_add(*offset).is_some_and(|pos| {
                            // Positions strictly increase along the tokens.
                            tokens
                                .binary_search_by_key(&pos, |t| t.position)
                                .ok()
                                .and_then(|i| tokens.get(i))
                                .is_some_and(|t| &t.term == term)
                        })
                    })
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_model::{Quote, Source, Topic};
    use herald_query::parse;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

    fn entity(id: &str, kind: EntityKind, name: &str, aliases: &[&str]) -> Entity {
        Entity::new(id, kind, name).with_aliases(aliases)
    }

    /// A harbour-strike story with a bit of everything the fields look at.
    fn strike() -> Story {
        let mut okafor = entity("kb:person/maria-okafor", EntityKind::Person, "Maria Okafor", &[]);
        okafor.roles = vec!["council head".into()];
        let mut shipper = entity(
            "kb:company/brightline",
            EntityKind::Company,
            "Brightline Shipping",
            &["Brightline"],
        );
        shipper.ticker = Some("BRLN".into());
        Story {
            id: "st_strike".into(),
            source: Source {
                id: "wire-example".into(),
                name: "Example Wire".into(),
                url: None,
            },
            headline: "Harbour Strike Halts Grain Exports as Talks Stall".into(),
            body: "Dock workers at the three largest ports stopped work on Monday after pay \
                   talks collapsed. Exporters warned of contract penalties within days. \
                   Officials in the U.S. embassy declined to comment."
                .into(),
            language: Some("en".into()),
            published_at: Some(datetime!(2026-11-24 10:00 UTC)),
            entities: vec![
                okafor,
                entity("kb:org/dockers-union", EntityKind::Org, "Dockers' Union", &["DU"]),
                entity("kb:place/port-verin", EntityKind::Place, "Port Verin", &[]),
                shipper,
                entity(
                    "kb:org/isil",
                    EntityKind::Org,
                    "Islamic State",
                    &["ISIL", "Daesh"],
                ),
            ],
            quotes: vec![
                Quote {
                    text: "We cannot hold ships for a week".into(),
                    speaker: Some("kb:person/maria-okafor".into()),
                    speaker_name: Some("the council head".into()),
                    start: 0,
                    end: 0,
                },
                Quote {
                    text: "Nobody told us".into(),
                    speaker: None,
                    speaker_name: Some("Tomas Reyes".into()),
                    start: 0,
                    end: 0,
                },
            ],
            topics: vec![Topic {
                code: "economy/trade".into(),
                name: "Trade".into(),
                score: 0.7,
                evidence: Vec::new(),
            }],
            ..Story::default()
        }
    }

    /// Does the story match the query text?
    fn m(query: &str, story: &Story) -> bool {
        match parse(query) {
            Ok(q) => matches(&q, story, NOW),
            Err(e) => panic!("{query:?} does not parse: {e}"),
        }
    }

    #[track_caller]
    fn yes(query: &str) {
        assert!(m(query, &strike()), "{query:?} should match");
    }

    #[track_caller]
    fn no(query: &str) {
        assert!(!m(query, &strike()), "{query:?} should not match");
    }

    #[test]
    fn words_are_analysed_like_text() {
        yes("harbour");
        yes("HARBOURS"); // stemmed and lowercased like the text
        yes("exporter");
        yes("collapse"); // "collapsed" in the body
        no("harbor");
        no("&&"); // analyses to no term: matches nothing
    }

    #[test]
    fn words_with_punctuation_are_phrases() {
        yes("U.S.");
        yes("u.s");
        no("S.U.");
    }

    #[test]
    fn phrases_need_consecutive_positions_in_one_text() {
        yes("\"grain exports\"");
        yes("\"contract penalties\"");
        no("\"exports grain\"");
        no("\"grain penalties\"");
        // The headline's last word and the body's first are not a phrase.
        no("\"stall dock\"");
    }

    #[test]
    fn prefixes_match_the_start_of_stemmed_terms() {
        yes("export*");
        yes("EXPO*");
        yes("penalt*"); // "penalties" stems to "penalti"
        no("penalties*"); // the term is stemmed; the prefix is not
        no("zebra*");
    }

    #[test]
    fn headline_and_body_restrict() {
        yes("headline:strike");
        no("body:strike");
        yes("body:dock");
        no("headline:dock");
        yes("headline:\"grain exports\"");
    }

    #[test]
    fn source_by_id_or_name() {
        yes("source:wire-example");
        yes("source:WIRE-EXAMPLE");
        yes("source:wire*");
        yes("source:example");
        yes("source:\"Example Wire\"");
        no("source:tabloid");
        yes("source:wire"); // a word of the name
        no("source:wire-exam"); // neither the whole id nor a phrase of the name
    }

    #[test]
    fn lang_and_topic() {
        yes("lang:en");
        yes("lang:EN");
        no("lang:fr");
        yes("topic:economy/trade");
        yes("topic:ECONOMY*");
        no("topic:economy");
        no("topic:trade"); // the name is not matched, the code is
        let mut s = strike();
        s.language = None;
        assert!(!m("lang:en", &s));
    }

    #[test]
    fn entity_fields_by_kind_id_name_and_alias() {
        yes("person:okafor");
        yes("person:\"Maria Okafor\"");
        yes("person:kb:person/maria-okafor");
        yes("person:KB:PERSON/MARIA-OKAFOR");
        yes("person:oka*");
        no("person:\"Okafor Maria\"");
        no("person:Brightline"); // a company, not a person
        yes("org:\"dockers union\"");
        yes("org:DU");
        yes("place:verin");
        no("place:okafor");
        yes("company:brightline");
        yes("company:shipping");
        no("org:shipping");
    }

    #[test]
    fn entity_matches_any_kind_and_aliases() {
        yes("entity:Daesh");
        yes("entity:isil");
        yes("entity:\"Islamic State\"");
        yes("entity:kb:org/isil");
        yes("entity:okafor");
        yes("entity:verin");
        no("entity:\"ISIL Daesh\""); // a phrase does not run across two aliases
        no("entity:Hezbollah");
        // The words of an alias are not in the text: the plain word does not match.
        no("Daesh");
    }

    #[test]
    fn identifiers_ignore_surrounding_whitespace() {
        yes("lang:\" en \"");
        yes("source:\" WIRE-EXAMPLE\"");
        yes("ticker:\"brln \"");
        let mut s = strike();
        s.language = Some(" en ".into());
        assert!(m("lang:en", &s));
        // A blank language is none: not even the emptiest prefix reaches it.
        s.language = Some("  ".into());
        let any_lang = Query::Match {
            field: Some(Field::Lang),
            value: Value::Prefix(String::new()),
        };
        assert!(!matches(&any_lang, &s, NOW));
        assert!(matches(&any_lang, &strike(), NOW));
    }

    #[test]
    fn ticker() {
        yes("ticker:BRLN");
        yes("ticker:brln");
        yes("ticker:BR*");
        no("ticker:BRL");
        no("ticker:brightline");
    }

    #[test]
    fn said_by_name_id_or_entity() {
        yes("said:reyes");
        yes("said:\"Tomas Reyes\"");
        yes("said:kb:person/maria-okafor");
        yes("said:okafor"); // the speaker id's entity is named Maria Okafor
        yes("said:\"council head\""); // the name as written
        yes("said:oka*");
        no("said:brightline"); // in the story, but quoted by nobody
        no("said:\"Reyes Tomas\"");
    }

    #[test]
    fn since_and_until() {
        // Published 10:00, now 12:00.
        yes("since:3h");
        no("since:1h");
        yes("until:1h");
        no("until:3h");
        yes("since:2026-11-24");
        no("until:2026-11-24");
        yes("since:2026-11-24T10:00:00Z"); // at the bound counts as since
        no("until:2026-11-24T10:00:00Z");
        yes("until:2026-11-24T10:00:01Z");

        let mut s = strike();
        s.published_at = None;
        s.received_at = Some(datetime!(2026-11-20 08:00 UTC));
        assert!(m("until:2d", &s), "falls back to received_at");
        assert!(!m("since:2d", &s));

        s.received_at = None;
        assert!(!m("since:10000d", &s), "a story with no time fails since");
        assert!(!m("until:1m", &s), "a story with no time fails until");
        assert!(m("NOT since:1d", &s));
    }

    #[test]
    fn huge_hand_built_bounds_do_not_overflow() {
        let ago = TimeBound::Ago(time::Duration::MAX);
        assert!(matches(&Query::Since(ago), &strike(), NOW));
        assert!(!matches(&Query::Until(ago), &strike(), NOW));
        // A huge negative `Ago` is a bound after every time, not before.
        let ahead = TimeBound::Ago(time::Duration::MIN);
        assert!(!matches(&Query::Since(ahead), &strike(), NOW));
        assert!(matches(&Query::Until(ahead), &strike(), NOW));
    }

    #[test]
    fn and_or_not() {
        yes("harbour strike");
        no("harbour zebra");
        yes("harbour OR zebra");
        no("zebra OR giraffe");
        yes("harbour -zebra");
        no("harbour NOT strike");
        yes("(zebra OR grain) lang:en -source:tabloid");
    }

    #[test]
    fn pure_negative_queries() {
        yes("-source:tabloid");
        no("-source:wire-example");
        yes("NOT zebra NOT giraffe");
        no("NOT zebra NOT harbour");
        let other = Story {
            headline: "Quiet day".into(),
            ..Story::default()
        };
        assert!(m("-harbour", &other));
        assert!(!m("-harbour", &strike()));
    }
}
