//! Property test: for random alert sets and random stories, the indexed `Matcher` returns
//! exactly the alerts that naive evaluation of every alert on the story accepts.
//!
//! The vocabulary is small so that matches are common, and it is full of the cases where
//! presearch could go wrong: words that stem alike, words that analyse to several terms
//! or to none, identifiers with stray case and whitespace, blank identifiers, names that
//! only appear as aliases, quotes whose speaker id points at an entity of the story.
//! Cases: 500, or `PROPTEST_CASES`.

use herald_alerts::{AlertId, Matcher, naive};
use herald_model::{Entity, EntityKind, Quote, Source, Story, Topic};
use herald_query::{Field, Query, Value};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

/// Words of headlines and bodies (and of query words and phrases).
const WORDS: &[&str] = &[
    "grain",
    "exports",
    "export",
    "Exporter",
    "harbour",
    "strike",
    "strikes",
    "talks",
    "port",
    "ferry",
    "fire",
    "penalties",
    "penalty",
    "U.S.",
    "al-Shabaab",
    "--",
    "Daesh",
    "Ruiz",
    "İstanbul",
    "Straße",
    "the",
    "of",
];

const SOURCE_IDS: &[&str] = &["wire-a", " Wire-A ", "tabloid", "  ", "coast-gazette"];
const SOURCE_NAMES: &[&str] = &["Example Wire", "Coast Gazette", "Tabloid Daily", ""];
const LANGS: &[&str] = &["en", "EN", " en ", "fr", "", " "];
const TOPICS: &[&str] = &["economy/trade", "economy", "conflict", "Conflict/War", " "];
const ENTITY_IDS: &[&str] = &[
    "kb:person/ana-ruiz",
    "kb:org/isil",
    " KB:ORG/ISIL",
    "doc:ferry-union",
    "",
];
const NAMES: &[&str] = &[
    "Ana Ruiz",
    "Islamic State",
    "Port Verin",
    "Brightline Shipping",
    "Ferry Union",
    "the harbour master",
    "İstanbul Port",
];
const ALIASES: &[&str] = &["ISIL", "Daesh", "Brightline", "Ruiz", "DU", "Verin port", "U.S."];
const TICKERS: &[&str] = &["BRLN", "brln ", "TDW", ""];
const KINDS: &[EntityKind] = &[
    EntityKind::Person,
    EntityKind::Org,
    EntityKind::Place,
    EntityKind::Company,
    EntityKind::Other,
];

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_owned)
}

fn text(max_words: usize) -> impl Strategy<Value = String> {
    let sep = proptest::sample::select(&[" ", " ", ", ", ". ", "-"][..]);
    proptest::collection::vec((one_of(WORDS), sep), 0..max_words)
        .prop_map(|ws| ws.into_iter().map(|(w, s)| format!("{w}{s}")).collect::<String>())
}

fn entity() -> impl Strategy<Value = Entity> {
    (
        one_of(ENTITY_IDS),
        proptest::sample::select(KINDS),
        one_of(NAMES),
        proptest::collection::vec(one_of(ALIASES), 0..3),
        proptest::option::of(one_of(TICKERS)),
    )
        .prop_map(|(id, kind, name, aliases, ticker)| {
            let mut e = Entity::new(id, kind, name);
            e.aliases = aliases;
            e.ticker = ticker;
            e
        })
}

fn quote() -> impl Strategy<Value = Quote> {
    (
        proptest::option::of(one_of(ENTITY_IDS)),
        proptest::option::of(prop_oneof![one_of(NAMES), one_of(ALIASES)]),
    )
        .prop_map(|(speaker, speaker_name)| Quote {
            text: "We will not wait".into(),
            speaker,
            speaker_name,
            start: 0,
            end: 0,
        })
}

fn story() -> impl Strategy<Value = Story> {
    (
        text(8),
        text(30),
        (one_of(SOURCE_IDS), one_of(SOURCE_NAMES)),
        proptest::option::of(one_of(LANGS)),
        proptest::collection::vec(one_of(TOPICS), 0..3),
        proptest::collection::vec(entity(), 0..4),
        proptest::collection::vec(quote(), 0..3),
    )
        .prop_map(
            |(headline, body, (id, name), language, topics, entities, quotes)| Story {
                headline,
                body,
                source: Source { id, name, url: None },
                language,
                topics: topics
                    .into_iter()
                    .map(|code| Topic {
                        code,
                        name: "A topic".into(),
                        score: 0.5,
                        evidence: Vec::new(),
                    })
                    .collect(),
                entities,
                quotes,
                ..Story::default()
            },
        )
}

/// Anything a value might be: words, identifiers, names and aliases.
fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => one_of(WORDS),
        1 => one_of(SOURCE_IDS),
        1 => one_of(SOURCE_NAMES),
        1 => one_of(LANGS),
        1 => one_of(TOPICS),
        2 => one_of(ENTITY_IDS),
        2 => one_of(NAMES),
        2 => one_of(ALIASES),
        1 => one_of(TICKERS),
    ]
}

/// Some leading chars of a value, sometimes in another case: `exp`, `KB:O`, ``.
fn prefix_text() -> impl Strategy<Value = String> {
    (value_text(), 0..8usize, any::<bool>()).prop_map(|(v, n, upper)| {
        let p: String = v.chars().take(n).collect();
        if upper { p.to_uppercase() } else { p }
    })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => value_text().prop_map(Value::Word),
        3 => prefix_text().prop_map(Value::Prefix),
        2 => proptest::collection::vec(one_of(WORDS), 2..4).prop_map(|w| Value::Phrase(w.join(" "))),
        1 => value_text().prop_map(Value::Phrase),
    ]
}

fn leaf() -> impl Strategy<Value = Query> {
    let field = prop_oneof![
        3 => Just(None),
        4 => proptest::sample::select(&Field::ALL[..]).prop_map(Some),
    ];
    (field, value()).prop_map(|(field, value)| Query::Match { field, value })
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            2 => proptest::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            2 => inner.prop_map(|q| Query::Not(Box::new(q))),
        ]
    })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// The alerts naive evaluation accepts, by ascending id.
fn naive_ids(alerts: &[(AlertId, Query)], story: &Story) -> Vec<AlertId> {
    let mut ids: Vec<AlertId> = alerts
        .iter()
        .filter(|(_, q)| naive::matches(q, story, NOW))
        .map(|(id, _)| *id)
        .collect();
    ids.sort_unstable();
    ids
}

fn matcher_ids(m: &Matcher, story: &Story) -> Vec<AlertId> {
    m.matches(story).into_iter().map(|h| h.id).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matcher_returns_exactly_what_naive_accepts(
        queries in proptest::collection::vec(query(), 50..200),
        removed in proptest::collection::vec(any::<bool>(), 200),
        stories in proptest::collection::vec(story(), 1..6),
        frequencies in proptest::option::of(proptest::collection::vec(0u64..100, WORDS.len())),
    ) {
        let mut m = Matcher::new();
        // A frequency table changes which part of an AND an alert is filed under, never
        // the answer.
        if let Some(df) = frequencies {
            let terms = WORDS.iter().flat_map(|w| herald_nlp::normalize_term(w));
            m.set_term_frequencies(100, terms.zip(df));
        }
        let mut live: Vec<(AlertId, Query)> = Vec::new();
        for (i, q) in queries.iter().enumerate() {
            // Ids out of insertion order, so that "ascending" is really checked.
            let id = (i as AlertId).wrapping_mul(7919) % 1009;
            prop_assert!(m.add(id, q).is_ok());
            live.retain(|(other, _)| *other != id);
            live.push((id, q.clone()));
        }
        // Remove about half, then add some back under new ids: slots and posting
        // positions get reused.
        let mut gone = Vec::new();
        live.retain(|(id, q)| {
            let drop = removed.get(*id as usize % removed.len()).copied().unwrap_or(false);
            if drop {
                gone.push((*id, q.clone()));
            }
            !drop
        });
        for (id, _) in &gone {
            prop_assert!(m.remove(*id));
        }
        for (i, (_, q)) in gone.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            let id = 5000 + i as AlertId;
            prop_assert!(m.add(id, q).is_ok());
            live.push((id, q.clone()));
        }
        prop_assert_eq!(m.len(), live.len());
        for story in &stories {
            let expected = naive_ids(&live, story);
            let got = matcher_ids(&m, story);
            prop_assert_eq!(got, expected, "story: {:#?}", story);
        }
    }

    #[test]
    fn a_hit_agrees_with_naive_and_reports_only_terms_of_its_query(
        q in query(),
        story in story(),
    ) {
        let mut m = Matcher::new();
        prop_assert!(m.add(1, &q).is_ok());
        let hits = m.matches(&story);
        prop_assert_eq!(hits.len(), usize::from(naive::matches(&q, &story, NOW)));
        for hit in hits {
            let shown = q.to_string();
            for term in &hit.terms {
                // Every reported term is a leaf of the query as the user would write it.
                prop_assert!(shown.contains(term.as_str()), "{} not in {}", term, shown);
            }
        }
    }
}
