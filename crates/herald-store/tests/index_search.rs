//! Search index behaviour on ~30 hand-written stories: every field, the query operators, paging, versions, persistence.

use std::collections::HashSet;
use std::path::Path;

use herald_model::{Entity, EntityKind, Quote, Source, Story, Topic};
use herald_query::{Field, Query, TimeBound, Value};
use herald_store::index::{IndexError, IndexHandle, IndexOptions, SearchIndex, SearchOptions, Sort};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

// ---- query builders -------------------------------------------------------------------

fn word(field: Option<Field>, w: &str) -> Query {
    Query::Match {
        field,
        value: Value::Word(w.into()),
    }
}
fn any_word(w: &str) -> Query {
    word(None, w)
}
fn phrase(field: Option<Field>, p: &str) -> Query {
    Query::Match {
        field,
        value: Value::Phrase(p.into()),
    }
}
fn prefix(field: Option<Field>, p: &str) -> Query {
    Query::Match {
        field,
        value: Value::Prefix(p.into()),
    }
}
fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

// ---- fixtures -------------------------------------------------------------------------

fn story(id: &str, seq: u64, hours_ago: i64, headline: &str, body: &str) -> Story {
    let t = NOW - Duration::hours(hours_ago);
    Story {
        id: id.into(),
        version: 1,
        seq,
        source: Source {
            id: "wire-example".into(),
            name: "Example Wire".into(),
            url: None,
        },
        url: Some(format!("https://example.com/{id}")),
        headline: headline.into(),
        body: body.into(),
        language: Some("en".into()),
        published_at: Some(t),
        received_at: Some(t + Duration::seconds(3)),
        ..Story::default()
    }
}

fn entity(id: &str, kind: EntityKind, name: &str, aliases: &[&str]) -> Entity {
    Entity::new(id, kind, name).with_aliases(aliases)
}

fn topic(code: &str) -> Topic {
    Topic {
        code: code.into(),
        name: String::new(),
        score: 0.7,
        evidence: Vec::new(),
    }
}

fn quote(text: &str, speaker: Option<&str>, speaker_name: Option<&str>) -> Quote {
    Quote {
        text: text.into(),
        speaker: speaker.map(str::to_string),
        speaker_name: speaker_name.map(str::to_string),
        start: 0,
        end: 0,
    }
}

fn fixtures() -> Vec<Story> {
    let mut out = Vec::new();

    let mut s = story(
        "st_harbour",
        1,
        2,
        "Harbour Strike Halts Grain Exports as Talks Stall",
        "Dock workers at the country's three largest ports stopped work on Monday after pay \
         talks collapsed. Exporters warned of contract penalties within days.",
    );
    s.entities.push(entity(
        "kb:person/maria-okafor",
        EntityKind::Person,
        "Maria Okafor",
        &[],
    ));
    s.quotes.push(quote(
        "We cannot hold ships for a week",
        Some("kb:person/maria-okafor"),
        Some("Maria Okafor"),
    ));
    s.topics = vec![topic("labour"), topic("economy/trade")];
    out.push(s);

    let mut s = story(
        "st_rail",
        2,
        5,
        "Rail Strikes Spread to the North",
        "Train drivers on two northern lines joined the walkout, and union leaders said more \
         stoppages were planned for next week.",
    );
    s.topics = vec![topic("labour")];
    out.push(s);

    let mut s = story(
        "st_river",
        3,
        30,
        "Militants Retreat From River Town",
        "Fighters of the armed group withdrew from the river town overnight, local officials \
         said, leaving checkpoints abandoned.",
    );
    s.entities.push(entity(
        "kb:org/islamic-state",
        EntityKind::Org,
        "Islamic State",
        &["ISIL", "ISIS", "Daesh"],
    ));
    s.topics = vec![topic("conflict")];
    out.push(s);

    let mut s = story(
        "st_bank",
        4,
        1,
        "Central Bank Holds Rates Steady",
        "The central bank kept its main rate unchanged on Tuesday. Governor Lena Sato said \
         inflation was easing but that the bank would stay watchful.",
    );
    s.source = Source {
        id: "capital-daily".into(),
        name: "Capital Daily".into(),
        url: None,
    };
    s.entities.push(entity(
        "kb:person/lena-sato",
        EntityKind::Person,
        "Lena Sato",
        &[],
    ));
    s.entities.push(entity(
        "kb:org/bank-of-nordland",
        EntityKind::Org,
        "Bank of Nordland",
        &[],
    ));
    // The quote names no speaker: `said:` must find her through the linked entity.
    s.quotes
        .push(quote("Inflation is easing", Some("kb:person/lena-sato"), None));
    s.topics = vec![topic("economy/monetary")];
    out.push(s);

    let mut s = story(
        "st_chip",
        5,
        3,
        "Orbitex Shares Jump After Chip Deal",
        "Shares in the chipmaker rose eleven percent after it agreed to supply processors to a \
         carmaker.",
    );
    let mut orbitex = entity("kb:company/orbitex", EntityKind::Company, "Orbitex Systems", &[]);
    orbitex.ticker = Some("ORBX".into());
    s.entities.push(orbitex);
    s.topics = vec![topic("business/tech")];
    out.push(s);

    let mut s = story(
        "st_summit",
        6,
        8,
        "Coastal Leaders Meet on Fishing Rights",
        "Paulo Ferreira and Ana Costa opened the summit with a call for shared quotas.",
    );
    s.entities.push(entity(
        "doc:paulo-ferreira",
        EntityKind::Person,
        "Paulo Ferreira",
        &[],
    ));
    s.entities
        .push(entity("doc:ana-costa", EntityKind::Person, "Ana Costa", &[]));
    s.entities.push(entity(
        "kb:place/costa-verde",
        EntityKind::Place,
        "Costa Verde",
        &[],
    ));
    out.push(s);

    let mut s = story(
        "st_copper_head",
        7,
        20,
        "Copper Prices Climb on Supply Fears",
        "Metal traders pointed to mine closures in the south; copper ended the day higher.",
    );
    s.topics = vec![topic("markets/commodities")];
    out.push(s);

    let mut s = story(
        "st_copper_body",
        8,
        4,
        "Mining Town Counts the Cost of Closure",
        "Residents said the closure of the copper mine had emptied the high street within a \
         month.",
    );
    s.source = Source {
        id: "ledger-north".into(),
        name: "Northern Ledger".into(),
        url: None,
    };
    out.push(s);

    let mut s = story(
        "st_hafen",
        9,
        6,
        "Hafenarbeiter streiken in Hamburg",
        "Die Hafenarbeiter legten am Montag die Arbeit nieder.",
    );
    s.language = Some("de".into());
    s.source = Source {
        id: "nord-presse".into(),
        name: "Nord Presse".into(),
        url: None,
    };
    out.push(s);

    let mut s = story(
        "st_sanctions",
        10,
        12,
        "New Sanctions Target Shipping Firms",
        "U.S. officials announced sanctions on four shipping firms accused of moving oil.",
    );
    s.topics = vec![topic("politics/sanctions")];
    out.push(s);

    let mut s = story(
        "st_storm",
        11,
        48,
        "Storm Warning Issued for the Coast",
        "Forecasters told residents to prepare for gales.",
    );
    s.topics = vec![topic("weather")];
    out.push(s);

    // Plain filler so paging and counting have something to chew on.
    let filler = [
        (
            "Library Reopens After Repairs",
            "The town library opened its doors again after a year.",
        ),
        (
            "Ferry Timetable Changes",
            "Evening ferries will run every forty minutes from March.",
        ),
        (
            "Orchard Harvest Beats Forecast",
            "Apple growers reported a harvest above expectations.",
        ),
        (
            "Bridge Inspection Finds Minor Cracks",
            "Engineers said the bridge remains safe to use.",
        ),
        (
            "Museum Acquires Rare Map",
            "The map shows the valley before the dam was built.",
        ),
        (
            "School Meals Budget Rises",
            "The council approved more money for school kitchens.",
        ),
        (
            "Cyclists Call for Safer Lanes",
            "A petition asks for barriers on the ring road.",
        ),
        (
            "Airport Adds Winter Routes",
            "Three new destinations start in December.",
        ),
        (
            "Water Utility Fixes Main Leak",
            "Crews repaired the burst pipe overnight.",
        ),
        (
            "Choir Wins Regional Contest",
            "The youth choir took first prize in the final.",
        ),
        (
            "Bakery Chain Opens Tenth Shop",
            "The chain plans two more openings next spring.",
        ),
        (
            "Park Renovation Enters Final Phase",
            "New benches and lighting arrive next month.",
        ),
        (
            "Hospital Extends Visiting Hours",
            "Visitors may now come until nine in the evening.",
        ),
        (
            "Tram Line Survey Begins",
            "Surveyors will map the route over six weeks.",
        ),
        (
            "Farmers Market Moves Indoors",
            "The weekly market shifts to the old hall for winter.",
        ),
        (
            "Theatre Announces Spring Season",
            "Four premieres headline the new programme.",
        ),
        (
            "Recycling Rates Edge Higher",
            "Households sorted more glass and paper this year.",
        ),
        (
            "Festival Draws Record Crowd",
            "Organisers counted sixty thousand visitors.",
        ),
    ];
    for (i, (h, b)) in filler.iter().enumerate() {
        let seq = 12 + i as u64;
        out.push(story(&format!("st_filler_{i:02}"), seq, 50 + i as i64, h, b));
    }
    out
}

// ---- helpers --------------------------------------------------------------------------

fn opts(sort: Sort) -> SearchOptions {
    SearchOptions {
        limit: 100,
        offset: 0,
        sort,
        now: NOW,
    }
}

fn ids(h: &IndexHandle, q: &Query) -> Vec<String> {
    let res = h.search(q, &opts(Sort::Time)).expect("search");
    assert_eq!(res.total, res.hits.len(), "all hits fit in one page here");
    let mut ids: Vec<String> = res.hits.into_iter().map(|h| h.id).collect();
    ids.sort();
    ids
}

fn assert_hits(h: &IndexHandle, q: &Query, expected: &[&str]) {
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(ids(h, q), expected, "query {q}");
}

fn build(dir: &Path) -> SearchIndex {
    let mut index = SearchIndex::open(dir, IndexOptions::default()).expect("open");
    for s in fixtures() {
        index.add(&s).expect("add");
    }
    index.commit().expect("commit");
    index
}

fn total(h: &IndexHandle, q: &Query) -> usize {
    h.search(
        q,
        &SearchOptions {
            limit: 0,
            ..opts(Sort::Time)
        },
    )
    .expect("search")
    .total
}

// ---- tests ----------------------------------------------------------------------------

#[test]
fn words_stemming_phrases_and_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    assert_hits(&h, &any_word("grain"), &["st_harbour"]);
    // "strike" and "Strikes" meet at the same stem; case does not matter.
    assert_hits(&h, &any_word("STRIKES"), &["st_harbour", "st_rail"]);
    assert_hits(&h, &any_word("nosuchword"), &[]);
    // A word with punctuation is a phrase of its parts.
    assert_hits(&h, &any_word("U.S."), &["st_sanctions"]);
    // A word that analyses to nothing matches nothing rather than everything.
    assert_hits(&h, &any_word("--"), &[]);

    assert_hits(&h, &phrase(None, "central bank"), &["st_bank"]);
    assert_hits(&h, &phrase(None, "bank central"), &[]);
    assert_hits(&h, &phrase(None, "pay talks collapsed"), &["st_harbour"]);

    // Prefixes are lowercased, not stemmed: `sanction*` reaches "sanctions" (stem "sanction").
    assert_hits(&h, &prefix(None, "Sanction"), &["st_sanctions"]);
    assert_hits(&h, &prefix(None, "chip"), &["st_chip"]);
    assert_hits(&h, &prefix(Some(Field::Headline), "harb"), &["st_harbour"]);
    assert_hits(&h, &prefix(Some(Field::Body), "harb"), &[]);
}

#[test]
fn every_field_restricts_to_its_part_of_the_story() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    assert_hits(&h, &word(Some(Field::Headline), "copper"), &["st_copper_head"]);
    assert_hits(
        &h,
        &word(Some(Field::Body), "copper"),
        &["st_copper_head", "st_copper_body"],
    );

    // source: by id (case-insensitive) or by words of the name.
    assert_hits(&h, &word(Some(Field::Source), "Capital-Daily"), &["st_bank"]);
    assert_hits(&h, &word(Some(Field::Source), "ledger"), &["st_copper_body"]);
    assert_hits(
        &h,
        &phrase(Some(Field::Source), "Northern Ledger"),
        &["st_copper_body"],
    );

    assert_hits(&h, &word(Some(Field::Lang), "DE"), &["st_hafen"]);
    assert_eq!(total(&h, &word(Some(Field::Lang), "en")), fixtures().len() - 1);

    assert_hits(
        &h,
        &word(Some(Field::Topic), "labour"),
        &["st_harbour", "st_rail"],
    );
    assert_hits(
        &h,
        &prefix(Some(Field::Topic), "economy/"),
        &["st_harbour", "st_bank"],
    );
    // A code is matched whole, not by its words.
    assert_hits(&h, &word(Some(Field::Topic), "economy"), &[]);

    assert_hits(&h, &word(Some(Field::Ticker), "orbx"), &["st_chip"]);
    assert_hits(&h, &prefix(Some(Field::Ticker), "OR"), &["st_chip"]);

    assert_hits(&h, &word(Some(Field::Person), "Okafor"), &["st_harbour"]);
    assert_hits(
        &h,
        &word(Some(Field::Person), "kb:person/maria-okafor"),
        &["st_harbour"],
    );
    // An id of the wrong kind does not match.
    assert_hits(&h, &word(Some(Field::Org), "kb:person/maria-okafor"), &[]);
    assert_hits(
        &h,
        &word(Some(Field::Entity), "KB:PERSON/MARIA-OKAFOR"),
        &["st_harbour"],
    );
    assert_hits(&h, &phrase(Some(Field::Org), "Bank of Nordland"), &["st_bank"]);
    assert_hits(&h, &word(Some(Field::Place), "verde"), &["st_summit"]);
    assert_hits(&h, &word(Some(Field::Company), "orbitex"), &["st_chip"]);
    // Names are in their kind's field only.
    assert_hits(&h, &word(Some(Field::Person), "orbitex"), &[]);

    // said: the speaker's name as written, the linked entity's name, or its id.
    assert_hits(&h, &word(Some(Field::Said), "okafor"), &["st_harbour"]);
    assert_hits(&h, &word(Some(Field::Said), "Sato"), &["st_bank"]);
    assert_hits(&h, &word(Some(Field::Said), "kb:person/lena-sato"), &["st_bank"]);
    assert_hits(&h, &word(Some(Field::Said), "Ferreira"), &[]);
}

#[test]
fn entity_aliases_match_stories_that_never_use_the_alias() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    // The text never says "Daesh": only the linked entity's alias does.
    assert_hits(&h, &any_word("Daesh"), &[]);
    assert_hits(&h, &word(Some(Field::Entity), "Daesh"), &["st_river"]);
    assert_hits(&h, &word(Some(Field::Org), "ISIL"), &["st_river"]);
    assert_hits(&h, &phrase(Some(Field::Entity), "islamic state"), &["st_river"]);
    assert_hits(&h, &prefix(Some(Field::Entity), "dae"), &["st_river"]);
}

#[test]
fn phrases_do_not_run_across_two_names() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    // Names are "Paulo Ferreira" and "Ana Costa": "Ferreira Ana" spans both values.
    assert_hits(&h, &phrase(Some(Field::Person), "Ana Costa"), &["st_summit"]);
    assert_hits(&h, &phrase(Some(Field::Person), "Ferreira Ana"), &[]);
    assert_hits(&h, &phrase(Some(Field::Entity), "Costa Costa"), &[]);
    // In the body the same words are adjacent, so there the phrase does match.
    assert_hits(&h, &phrase(Some(Field::Body), "Ferreira and Ana"), &["st_summit"]);
}

#[test]
fn since_and_until_bound_the_story_time() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    let since = |d| Query::Since(TimeBound::Ago(d));
    let until = |d| Query::Until(TimeBound::Ago(d));
    // Published 1, 2 and 3 hours ago.
    assert_hits(
        &h,
        &since(Duration::hours(3)),
        &["st_bank", "st_harbour", "st_chip"],
    );
    assert_hits(
        &h,
        &Query::And(vec![since(Duration::hours(6)), until(Duration::hours(3))]),
        &["st_copper_body", "st_rail", "st_hafen"],
    );
    // `until` excludes its bound; `since` includes it.
    let at = NOW - Duration::hours(5);
    assert_hits(
        &h,
        &Query::And(vec![Query::Since(TimeBound::At(at)), until(Duration::hours(4))]),
        &["st_rail"],
    );
    assert_hits(
        &h,
        &Query::And(vec![Query::Until(TimeBound::At(at)), since(Duration::hours(6))]),
        &["st_hafen"],
    );
}

#[test]
fn time_falls_back_to_received_at() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    let mut s = story("st_unpublished", 1, 0, "Late Bulletin", "Text.");
    s.published_at = None;
    s.received_at = Some(NOW - Duration::minutes(10));
    index.add(&s).unwrap();
    index.commit().unwrap();
    let h = index.handle();
    assert_hits(
        &h,
        &Query::Since(TimeBound::Ago(Duration::minutes(15))),
        &["st_unpublished"],
    );
    assert_hits(&h, &Query::Since(TimeBound::Ago(Duration::minutes(5))), &[]);
    let hit = &h.search(&any_word("bulletin"), &opts(Sort::Time)).unwrap().hits[0];
    assert_eq!(hit.time, s.received_at);
    assert_eq!(hit.published_at, None);
}

#[test]
fn boolean_operators_and_pure_negatives() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();
    let n = fixtures().len();

    assert_hits(
        &h,
        &Query::And(vec![any_word("strike"), any_word("grain")]),
        &["st_harbour"],
    );
    assert_hits(
        &h,
        &Query::Or(vec![any_word("grain"), any_word("copper")]),
        &["st_harbour", "st_copper_head", "st_copper_body"],
    );
    assert_hits(
        &h,
        &Query::And(vec![any_word("strike"), not(any_word("grain"))]),
        &["st_rail"],
    );
    assert_eq!(total(&h, &not(any_word("strike"))), n - 2);
    assert_eq!(
        total(
            &h,
            &Query::And(vec![not(any_word("strike")), not(any_word("copper"))])
        ),
        n - 4
    );
    assert_hits(&h, &not(word(Some(Field::Lang), "en")), &["st_hafen"]);
    // NOT inside OR: every story without "grain", plus the one with it.
    assert_eq!(
        total(&h, &Query::Or(vec![not(any_word("grain")), any_word("grain")])),
        n
    );
    assert_hits(&h, &not(not(any_word("grain"))), &["st_harbour"]);
}

#[test]
fn relevance_prefers_headlines_and_time_prefers_recent() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();

    let q = any_word("copper");
    let by_rel = h.search(&q, &opts(Sort::Relevance)).unwrap();
    let rel: Vec<_> = by_rel.hits.iter().map(|h| h.id.as_str()).collect();
    // The older story has copper in its headline too, so it ranks first by relevance.
    assert_eq!(rel, ["st_copper_head", "st_copper_body"]);
    assert!(by_rel.hits[0].score > by_rel.hits[1].score);

    let by_time = h.search(&q, &opts(Sort::Time)).unwrap();
    let time: Vec<_> = by_time.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(time, ["st_copper_body", "st_copper_head"]);

    // Equal scores (a pure filter) fall back to newest first.
    let labour = h
        .search(&word(Some(Field::Topic), "labour"), &opts(Sort::Relevance))
        .unwrap();
    let order: Vec<_> = labour.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(order, ["st_harbour", "st_rail"]);

    // The hit carries what a result list shows.
    let hit = &by_time.hits[0];
    assert_eq!(hit.seq, 8);
    assert_eq!(hit.headline, "Mining Town Counts the Cost of Closure");
    assert_eq!(hit.source_id, "ledger-north");
    assert_eq!(hit.source_name, "Northern Ledger");
    assert_eq!(hit.published_at, Some(NOW - Duration::hours(4)));
    assert_eq!(hit.time, hit.published_at);
    assert_eq!(hit.url.as_deref(), Some("https://example.com/st_copper_body"));
}

#[test]
fn paging_gives_disjoint_pages_and_a_stable_total() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();
    let q = not(any_word("nosuchword"));
    let n = fixtures().len();

    let mut seen = HashSet::new();
    let mut last_time = None;
    for page in 0..4 {
        let o = SearchOptions {
            limit: 8,
            offset: page * 8,
            ..opts(Sort::Time)
        };
        let res = h.search(&q, &o).unwrap();
        assert_eq!(res.total, n);
        assert_eq!(res.hits.len(), 8.min(n - page * 8));
        for hit in res.hits {
            assert!(seen.insert(hit.id.clone()), "{} appears on two pages", hit.id);
            if let Some(prev) = last_time {
                assert!(hit.time <= prev, "pages are newest first");
            }
            last_time = Some(hit.time);
        }
    }
    assert_eq!(seen.len(), n);

    let capped = h
        .search(
            &q,
            &SearchOptions {
                limit: 10_000,
                ..opts(Sort::Time)
            },
        )
        .unwrap();
    assert_eq!(capped.hits.len(), n.min(herald_store::index::MAX_LIMIT));
    let deep = SearchOptions {
        offset: 1_000_000,
        ..opts(Sort::Time)
    };
    assert!(matches!(
        h.search(&q, &deep),
        Err(IndexError::OffsetTooLarge { .. })
    ));
}

#[test]
fn highlights_mark_the_matched_words() {
    let dir = tempfile::tempdir().unwrap();
    let index = build(dir.path());
    let h = index.handle();
    let s = &fixtures()[0];
    let snippets = h.highlight(&any_word("exporter"), &s.headline, &s.body);
    assert_eq!(snippets.len(), 1);
    assert!(snippets[0].contains("<b>Exporters</b> warned"), "{snippets:?}");
    assert!(
        snippets[0].contains("country&#39;s"),
        "text is HTML-escaped: {snippets:?}"
    );
}

#[test]
fn a_new_version_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(dir.path());
    let h = index.handle();
    let n = fixtures().len() as u64;

    let mut v2 = story(
        "st_storm",
        100,
        1,
        "Storm Makes Landfall on the Coast",
        "Gales hit.",
    );
    v2.version = 2;
    index.add(&v2).unwrap();
    // Not visible before the commit.
    assert_hits(&h, &any_word("landfall"), &[]);
    index.commit().unwrap();
    assert_hits(&h, &any_word("landfall"), &["st_storm"]);
    assert_hits(&h, &any_word("issued"), &[]);
    assert_eq!(h.num_docs(), n);

    // Two versions in one batch: only the last survives.
    let mut v3 = v2.clone();
    v3.version = 3;
    v3.seq = 101;
    v3.headline = "Storm Weakens Over Hills".into();
    let mut v4 = v3.clone();
    v4.version = 4;
    v4.seq = 102;
    v4.headline = "Storm Clears, Cleanup Begins".into();
    index.add(&v3).unwrap();
    index.add(&v4).unwrap();
    index.commit().unwrap();
    assert_hits(&h, &word(Some(Field::Headline), "storm"), &["st_storm"]);
    assert_eq!(
        h.search(&any_word("storm"), &opts(Sort::Time)).unwrap().hits[0].seq,
        102
    );
    assert_eq!(index.indexed_seq(), 102);
}

#[test]
fn reopening_keeps_documents_and_indexed_seq() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
        assert_eq!(index.indexed_seq(), 0);
        for s in fixtures() {
            index.add(&s).unwrap();
        }
        index.commit().unwrap();
        // Added but never committed: must not count as indexed after a restart.
        index
            .add(&story("st_lost", 999, 0, "Uncommitted", "Never committed."))
            .unwrap();
    }
    let index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    assert_eq!(index.indexed_seq(), fixtures().len() as u64);
    let h = index.handle();
    assert_eq!(h.num_docs(), fixtures().len() as u64);
    assert_hits(&h, &any_word("grain"), &["st_harbour"]);
    assert_hits(&h, &any_word("uncommitted"), &[]);
}

#[test]
fn clear_empties_the_index_and_resets_the_seq() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(dir.path());
    let h = index.handle();
    index.clear().unwrap();
    assert_eq!(h.num_docs(), 0);
    assert_eq!(index.indexed_seq(), 0);
    assert_hits(&h, &any_word("grain"), &[]);
    drop(index);
    let index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    assert_eq!(index.indexed_seq(), 0);
    assert_eq!(index.handle().num_docs(), 0);
}

#[test]
fn an_index_with_another_schema_asks_for_reindex() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut b = tantivy::schema::Schema::builder();
        let title = b.add_text_field("title", tantivy::schema::TEXT);
        let index = tantivy::Index::create_in_dir(dir.path(), b.build()).unwrap();
        let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        w.add_document(tantivy::doc!(title => "old")).unwrap();
        w.commit().unwrap();
    }
    let err = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap_err();
    assert!(matches!(err, IndexError::SchemaMismatch { .. }), "{err}");
    assert!(err.to_string().contains("herald reindex"), "{err}");
}

#[test]
fn a_second_writer_on_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    let err = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
}

#[test]
fn bad_input_gets_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(dir.path());
    let h = index.handle();

    let mut no_id = story("", 50, 0, "Anonymous", "Text.");
    no_id.id.clear();
    assert!(matches!(
        index.add(&no_id),
        Err(IndexError::MissingId { seq: 50 })
    ));

    // Nesting beyond the limit is refused, not recursed into.
    let mut deep = any_word("grain");
    for _ in 0..500 {
        deep = not(deep);
    }
    assert!(matches!(
        h.search(&deep, &opts(Sort::Time)),
        Err(IndexError::QueryTooDeep { .. })
    ));

    let tiny = IndexOptions {
        writer_memory_bytes: 1024,
    };
    let other = tempfile::tempdir().unwrap();
    assert!(matches!(
        SearchIndex::open(other.path(), tiny),
        Err(IndexError::WriterMemoryTooSmall { .. })
    ));
}

#[test]
fn a_prefix_that_expands_too_far_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    // 12 000 distinct terms starting with "w".
    let body: String = (0..12_000).map(|i| format!("w{i} ")).collect();
    index.add(&story("st_words", 1, 0, "Word list", &body)).unwrap();
    index.commit().unwrap();
    let h = index.handle();
    let err = h.search(&prefix(None, "w"), &opts(Sort::Time)).unwrap_err();
    assert!(matches!(err, IndexError::PrefixTooBroad { .. }), "{err}");
    assert!(err.to_string().contains("`w*`"), "{err}");
    // A narrower prefix is fine.
    assert_hits(&h, &prefix(None, "w1199"), &["st_words"]);
}

#[test]
fn searches_run_on_many_threads_while_the_writer_adds() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = build(dir.path());
    let h = index.handle();
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let h = h.clone();
                scope.spawn(move || {
                    for _ in 0..50 {
                        let res = h.search(&any_word("grain"), &opts(Sort::Relevance)).unwrap();
                        assert!(res.total >= 1);
                    }
                })
            })
            .collect();
        for i in 0..20u64 {
            let s = story(
                &format!("st_extra_{i}"),
                200 + i,
                0,
                "Grain Update",
                "More grain news.",
            );
            index.add(&s).unwrap();
            index.commit().unwrap();
        }
        for r in readers {
            r.join().unwrap();
        }
    });
    assert_eq!(total(&h, &any_word("grain")), 21);
}

#[test]
fn the_commit_payload_guards_format_and_replay() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<IndexHandle>();

    // Writes a commit whose payload is `payload`, as another Herald version might have.
    fn commit_with_payload(dir: &Path, payload: &str) {
        let index = tantivy::Index::open_in_dir(dir).unwrap();
        let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        let mut prepared = w.prepare_commit().unwrap();
        prepared.set_payload(payload);
        prepared.commit().unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    drop(build(dir.path()));

    // Unreadable bookkeeping: replay everything rather than trust it.
    commit_with_payload(dir.path(), "not json");
    let index = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap();
    assert_eq!(index.indexed_seq(), 0);
    assert_eq!(index.handle().num_docs(), fixtures().len() as u64);
    drop(index);

    // Same fields, but indexed by a different analyzer version: must be rebuilt.
    commit_with_payload(dir.path(), r#"{"format":999,"indexed_seq":5}"#);
    let err = SearchIndex::open(dir.path(), IndexOptions::default()).unwrap_err();
    assert!(matches!(err, IndexError::SchemaMismatch { .. }), "{err}");
    assert!(err.to_string().contains("herald reindex"), "{err}");
}
