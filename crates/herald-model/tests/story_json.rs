//! The JSON form of a story (DESIGN §3): the documented example, round trips, and the
//! minimal bodies clients send to `POST /v1/stories`.

use herald_model::{EntityKind, Story, parse_text};

/// The DESIGN §3 example with its "…" placeholders filled in.
const DESIGN_EXAMPLE: &str = r#"{
  "id": "st_7Qm3", "version": 1, "seq": 4711,
  "source": {"id": "wire-example", "name": "Example Wire"},
  "url": "https://example.com/a", "guid": "wire-example-2026-11-24-0001",
  "headline": "Harbour Strike Halts Grain Exports as Talks Stall",
  "bullets": ["Dock workers walk out at three ports", "Exporters warn of penalties"],
  "body": "Dock workers at the country's three largest ports stopped work on Monday.",
  "subheads": ["Penalty Clauses"],
  "byline": null, "language": "en",
  "published_at": "2026-11-24T10:00:00Z", "received_at": "2026-11-24T10:00:00.123Z",
  "entities": [{"id": "kb:person/ash-carter", "kind": "person", "name": "Ash Carter",
                "roles": ["Defense Secretary"], "salience": 0.9,
                "mentions": [{"start": 120, "end": 130, "text": "Ash Carter"}]}],
  "quotes": [{"text": "We cannot hold ships for a week", "speaker": "kb:person/ash-carter", "start": 0, "end": 0}],
  "figures": [{"value": 31, "unit": "people", "text": "at least 31 people", "start": 0, "end": 0}],
  "topics": [{"code": "conflict", "name": "Conflict, war and peace", "score": 0.8}],
  "fingerprint": "9f2c", "duplicate_of": null
}"#;

#[test]
fn design_example_deserialises() {
    let s: Story = serde_json::from_str(DESIGN_EXAMPLE).expect("DESIGN §3 example parses");
    assert_eq!(s.id, "st_7Qm3");
    assert_eq!((s.version, s.seq), (1, 4711));
    assert_eq!(s.source.name, "Example Wire");
    assert_eq!(s.bullets.len(), 2);
    assert_eq!(s.subheads, ["Penalty Clauses"]);
    assert_eq!(s.language.as_deref(), Some("en"));
    let published = s.published_at.expect("published_at");
    assert_eq!(published.unix_timestamp(), 1_795_514_400);
    let received = s.received_at.expect("received_at");
    assert_eq!(received.millisecond(), 123);
    assert_eq!(
        s.time(),
        Some(published),
        "published time wins over received time"
    );

    let e = s.entities.first().expect("one entity");
    assert_eq!(e.kind, EntityKind::Person);
    assert_eq!(e.roles, ["Defense Secretary"]);
    assert_eq!(e.mentions.first().map(|m| (m.start, m.end)), Some((120, 130)));
    assert_eq!(
        s.quotes.first().and_then(|q| q.speaker.as_deref()),
        Some("kb:person/ash-carter")
    );
    assert_eq!(s.figures.first().map(|f| f.value), Some(31.0));
    assert_eq!(s.topics.first().map(|t| t.code.as_str()), Some("conflict"));
    assert_eq!(s.byline, None);
    assert_eq!(s.duplicate_of, None);
}

#[test]
fn a_story_round_trips_through_json() {
    let original: Story = serde_json::from_str(DESIGN_EXAMPLE).expect("example parses");
    let json = serde_json::to_string(&original).expect("serialises");
    let back: Story = serde_json::from_str(&json).expect("re-parses");
    assert_eq!(back, original);

    // A story straight from the plain-text format survives the trip too, non-ASCII and all.
    let text = "Café Owners “Relieved” as Rent Cap Passes\n\n• Cap runs to 2028\n\nThe council voted 7–2.\n";
    let story = parse_text(text.as_bytes()).expect("text parses").into_story();
    let back: Story =
        serde_json::from_str(&serde_json::to_string(&story).expect("serialises")).expect("re-parses");
    assert_eq!(back, story);
}

#[test]
fn timestamps_serialise_as_rfc3339() {
    let s: Story = serde_json::from_str(DESIGN_EXAMPLE).expect("example parses");
    let v = serde_json::to_value(&s).expect("serialises");
    assert_eq!(v["published_at"], "2026-11-24T10:00:00Z");
    assert_eq!(v["received_at"], "2026-11-24T10:00:00.123Z");
}

#[test]
fn a_minimal_publish_body_works() {
    let s: Story = serde_json::from_str(r#"{"headline":"x"}"#).expect("minimal body parses");
    assert_eq!(s.headline, "x");
    assert_eq!(s.body, "");
    assert!(s.id.is_empty() && s.seq == 0 && s.version == 0);
    assert!(s.bullets.is_empty() && s.entities.is_empty());
    assert_eq!(s.published_at, None);
    assert_eq!(s.time(), None);
}

#[test]
fn a_body_without_a_headline_is_rejected() {
    let err = serde_json::from_str::<Story>(r#"{"body":"text"}"#).expect_err("headline is required");
    assert!(err.to_string().contains("headline"), "{err}");
}

#[test]
fn unknown_fields_are_ignored() {
    let s: Story = serde_json::from_str(
        r#"{"headline":"x","priority":3,"slugline":"HARBOUR-STRIKE",
            "source":{"id":"w","name":"W","country":"NZ"},
            "entities":[{"id":"doc:1","kind":"org","name":"Dockers Union","extra":true}]}"#,
    )
    .expect("unknown fields are ignored");
    assert_eq!(s.headline, "x");
    assert_eq!(s.source.id, "w");
    assert_eq!(s.entities.first().map(|e| e.kind), Some(EntityKind::Org));
}
