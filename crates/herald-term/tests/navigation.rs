//! Moving between stories without a node: Tab completion of entity names, older
//! headlines fetched on scroll (memory bounded), "Related" under a story and
//! "Mentioned with" on an entity's page (each openable), and TOP counting sources.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use herald_model::{EntityKind, Story};
use herald_term::app::{CoMention, Detail, EntityPage, Headline, Link, ListMode, WIRE_CAPACITY};
use herald_term::{App, Command, Event};
use support::{app_with, harbour_story, render, row_with, screen, story, with_entity};

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn candidates(prefix: &str, names: &[&str]) -> Event {
    Event::EntityCandidates {
        prefix: prefix.into(),
        names: names.iter().map(|n| n.to_string()).collect(),
    }
}

#[test]
fn tab_after_ent_asks_the_node_once_and_completes_the_only_name() {
    let mut app = app_with(&[], 80, 24);
    type_text(&mut app, "ENT Nad");
    assert_eq!(
        app.update(key(KeyCode::Tab)),
        vec![Command::CompleteEntity {
            prefix: "Nad".into(),
            kind: None
        }]
    );
    // A second Tab before the answer asks nothing more (debounced).
    assert_eq!(app.update(key(KeyCode::Tab)), Vec::<Command>::new());
    app.update(candidates("Nad", &["Nadia Ferreira"]));
    assert_eq!(app.command_line(), "ENT Nadia Ferreira");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::FindEntity {
            name: "Nadia Ferreira".into()
        }]
    );
}

#[test]
fn tab_in_a_query_completes_the_field_value_quoted_and_cycles_through_several() {
    let mut app = app_with(&[], 80, 24);
    type_text(&mut app, "N strike AND person:Na");
    assert_eq!(
        app.update(key(KeyCode::Tab)),
        vec![Command::CompleteEntity {
            prefix: "Na".into(),
            kind: Some("person".into())
        }]
    );
    app.update(candidates("Na", &["Nadia Ferreira", "Nathan Osei"]));
    // Several: listed, the line untouched until the next Tab.
    assert_eq!(app.command_line(), "N strike AND person:Na");
    let msg = app.message.clone().expect("the candidates");
    assert!(msg.text.contains("Nadia Ferreira · Nathan Osei"), "{msg:?}");
    assert_eq!(app.update(key(KeyCode::Tab)), Vec::<Command>::new());
    assert_eq!(app.command_line(), "N strike AND person:\"Nadia Ferreira\"");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.command_line(), "N strike AND person:\"Nathan Osei\"");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.command_line(), "N strike AND person:\"Nadia Ferreira\"");
    // The completed query is a valid search.
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::Search {
            query: "strike AND person:\"Nadia Ferreira\"".into()
        }]
    );

    // An open quote is completed too; `org:` asks for organisations only.
    type_text(&mut app, "N org:\"Saldana P");
    assert_eq!(
        app.update(key(KeyCode::Tab)),
        vec![Command::CompleteEntity {
            prefix: "Saldana P".into(),
            kind: Some("org".into())
        }]
    );
    app.update(candidates("Saldana P", &["Saldana Port Authority"]));
    assert_eq!(app.command_line(), "N org:\"Saldana Port Authority\"");
}

#[test]
fn a_late_answer_for_a_changed_line_is_dropped_and_no_match_is_said() {
    let mut app = app_with(&[], 80, 24);
    type_text(&mut app, "ENT Nad");
    app.update(key(KeyCode::Tab));
    // The user typed on while the node was thinking: input never waits.
    type_text(&mut app, "ia F");
    app.update(candidates("Nad", &["Nadia Ferreira"]));
    assert_eq!(app.command_line(), "ENT Nadia F");
    // Tab again asks for the new start.
    assert_eq!(
        app.update(key(KeyCode::Tab)),
        vec![Command::CompleteEntity {
            prefix: "Nadia F".into(),
            kind: None
        }]
    );
    app.update(candidates("Nadia F", &[]));
    assert_eq!(app.command_line(), "ENT Nadia F");
    let msg = app.message.clone().expect("message");
    assert!(
        msg.error && msg.text.contains("no entity name starts with \"Nadia F\""),
        "{msg:?}"
    );

    // Outside ENT and the entity fields, Tab asks the node nothing.
    app.update(key(KeyCode::Esc));
    type_text(&mut app, "N oil AND topic:ene");
    assert_eq!(app.update(key(KeyCode::Tab)), Vec::<Command>::new());
}

/// Headlines as `/v1/stories` lists them: no entities, newest first.
fn page(seqs: impl Iterator<Item = u64>) -> Vec<Headline> {
    seqs.map(|s| {
        Headline::from_story(&story(
            s,
            "Tidewater Wire",
            &format!("Archive headline {s}"),
            "b",
            0,
        ))
    })
    .collect()
}

#[test]
fn reaching_the_bottom_of_the_wire_fetches_older_headlines_and_folds_their_copies() {
    let stories: Vec<Story> = (101..=110)
        .map(|s| story(s, "Tidewater Wire", &format!("Live headline {s}"), "b", s as i64))
        .collect();
    let mut app = app_with(&stories, 80, 24);
    assert_eq!(
        app.update(key(KeyCode::End)),
        vec![Command::LoadWire { before: Some(101) }]
    );
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("loading older headlines…"), "{text}");
    // While it runs, more scrolling asks nothing more.
    assert_eq!(app.update(key(KeyCode::Char('j'))), Vec::<Command>::new());

    // seq 95 is a copy of 92 from another outlet: it comes before its first (newest first).
    let mut older = page((91..=100).rev());
    if let Some(h) = older.iter_mut().find(|h| h.seq == 95) {
        h.duplicate_of = Some("st_test92".into());
        h.source = "Northgate News".into();
    }
    app.update(Event::WirePage {
        before: Some(101),
        stories: older,
        next_before: Some(91),
    });
    assert_eq!(app.wire.len(), 19);
    assert_eq!(app.wire.back().map(|h| h.seq), Some(91));
    let first = app.wire.iter().find(|h| h.seq == 92).expect("92 on the wire");
    assert_eq!(first.copy_count, 1);
    assert_eq!(
        first.copies.first().map(|c| c.source.as_str()),
        Some("Northgate News")
    );
    assert!(
        !app.wire.iter().any(|h| h.seq == 95),
        "the copy is folded, not a row"
    );
    // The selection stayed on the headline the user was on.
    assert_eq!(app.items().get(app.selected()).map(|h| h.seq), Some(101));
    let text = screen(&render(&app, 80, 24));
    assert!(!text.contains("loading"), "{text}");

    // The bottom again: the next page; at the start of the log, nothing more is asked.
    assert_eq!(
        app.update(key(KeyCode::End)),
        vec![Command::LoadWire { before: Some(91) }]
    );
    app.update(Event::WirePage {
        before: Some(91),
        stories: page((1..=90).rev()),
        next_before: None,
    });
    assert_eq!(app.update(key(KeyCode::End)), Vec::<Command>::new());
    assert_eq!(app.wire.back().map(|h| h.seq), Some(1));

    // A failed fetch lets a later scroll try again.
    let mut app = app_with(&stories, 80, 24);
    app.update(key(KeyCode::End));
    app.update(Event::Failed {
        what: "older headlines".into(),
        message: "node unreachable".into(),
    });
    assert!(!app.wire_loading);
    app.update(key(KeyCode::Char('k')));
    assert_eq!(
        app.update(key(KeyCode::Char('j'))),
        vec![Command::LoadWire { before: Some(101) }]
    );
}

#[test]
fn older_headlines_past_the_capacity_drop_the_newest_and_home_reloads_them() {
    let first = 10_001u64;
    let stories: Vec<Story> = (first..first + WIRE_CAPACITY as u64)
        .map(|s| story(s, "Tidewater Wire", &format!("Live headline {s}"), "b", 0))
        .collect();
    let mut app = app_with(&stories, 80, 24);
    assert_eq!(
        app.update(key(KeyCode::End)),
        vec![Command::LoadWire { before: Some(first) }]
    );
    app.update(Event::WirePage {
        before: Some(first),
        stories: page((first - 100..first).rev()),
        next_before: Some(first - 100),
    });
    // Bounded: the newest 100 went, the view stays on the same headline.
    assert_eq!(app.wire.len(), WIRE_CAPACITY);
    assert_eq!(app.items().get(app.selected()).map(|h| h.seq), Some(first));
    assert_eq!(
        app.wire.front().map(|h| h.seq),
        Some(first + WIRE_CAPACITY as u64 - 101)
    );
    assert!(app.wire_trimmed);
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("not live"), "{text}");
    // A live story while away is not squeezed in (it would push the view out).
    app.update(Event::Story(Box::new(story(
        99_999,
        "Tidewater Wire",
        "Breaking",
        "b",
        0,
    ))));
    assert_eq!(app.wire.len(), WIRE_CAPACITY);

    // Home: back to the newest, reloaded from the node.
    assert_eq!(
        app.update(key(KeyCode::Home)),
        vec![Command::LoadWire { before: None }]
    );
    app.update(Event::WirePage {
        before: None,
        stories: page((99_900..=99_999).rev()),
        next_before: Some(99_900),
    });
    assert!(!app.wire_trimmed);
    assert_eq!(app.wire.len(), 100);
    assert_eq!(app.wire.front().map(|h| h.seq), Some(99_999));
    assert_eq!(app.selected(), 0);
    // Live again: the next story goes on top.
    app.update(Event::Story(Box::new(story(
        100_000,
        "Tidewater Wire",
        "After",
        "b",
        0,
    ))));
    assert_eq!(app.wire.front().map(|h| h.seq), Some(100_000));
}

/// Another story naming the harbour story's union leader.
fn union_story(seq: u64, headline: &str) -> Story {
    with_entity(
        story(
            seq,
            "Northgate News",
            headline,
            "Nadia Ferreira spoke to reporters.",
            200,
        ),
        EntityKind::Person,
        "Nadia Ferreira",
        0.7,
    )
}

#[test]
fn read_lists_related_stories_without_its_own_copies_and_enter_opens_one() {
    let mut app = app_with(&[], 120, 70);
    let harbour = harbour_story();
    let cmds = app.update(Event::StoryLoaded(Box::new(harbour.clone())));
    assert_eq!(
        cmds,
        vec![Command::Related {
            story_id: "st_test7".into(),
            query: "entity:\"doc:nadia-ferreira\" OR entity:\"doc:saldana-port-authority\"".into()
        }]
    );
    let mut copy = Headline::from_story(&union_story(30, "Harbour strike halts grain exports"));
    copy.duplicate_of = Some("st_test7".into());
    let items = vec![
        Headline::from_story(&union_story(40, "Union leader rejects the port's new offer")),
        copy,
        Headline::from_story(&harbour),
        Headline::from_story(&union_story(20, "Dockers' union elects Nadia Ferreira")),
    ];
    app.update(Event::RelatedLoaded {
        story_id: "st_test7".into(),
        items,
    });
    let (_, kept) = app.related.clone().expect("related kept");
    let ids: Vec<&str> = kept.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["st_test40", "st_test20"]);
    let buf = render(&app, 120, 70);
    let text = screen(&buf);
    let head = row_with(&buf, "RELATED").expect("related section");
    assert_eq!(
        row_with(&buf, "Union leader rejects the port's new offer"),
        Some(head + 1),
        "{text}"
    );
    assert_eq!(
        row_with(&buf, "Dockers' union elects Nadia Ferreira"),
        Some(head + 2),
        "{text}"
    );
    assert!(!text.contains("Harbour strike halts grain exports\n"), "{text}");

    // Enter opens the marked (first on screen) link; scrolling down moves the mark.
    assert_eq!(app.detail_link(), Some(Link::Story("st_test40".into())));
    for _ in 0..200 {
        if app.detail_link() != Some(Link::Story("st_test40".into())) {
            break;
        }
        app.update(key(KeyCode::Char('j')));
    }
    assert_eq!(app.detail_link(), Some(Link::Story("st_test20".into())));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::LoadStory {
            id: "st_test20".into()
        }]
    );

    // An answer for a story no longer open is dropped; a story naming nobody asks nothing.
    let plain = story(50, "Tidewater Wire", "Weather: a calm week ahead", "Sun.", 0);
    assert_eq!(
        app.update(Event::StoryLoaded(Box::new(plain))),
        Vec::<Command>::new()
    );
    app.update(Event::RelatedLoaded {
        story_id: "st_test7".into(),
        items: vec![Headline::from_story(&union_story(40, "x"))],
    });
    assert!(app.related.is_none());
}

#[test]
fn ent_lists_the_entities_mentioned_with_it_and_enter_opens_one() {
    let mut app = app_with(&[], 100, 40);
    app.update(Event::EntityLoaded(Box::new(EntityPage {
        id: "doc:nadia-ferreira".into(),
        name: "Nadia Ferreira".into(),
        kind: "person".into(),
        stories: vec![Headline::from_story(&harbour_story())],
        co_mentioned: vec![
            CoMention {
                id: "doc:saldana-port-authority".into(),
                name: "Saldana Port Authority".into(),
                kind: "org".into(),
                stories: 6,
            },
            CoMention {
                id: "doc:port-saldana".into(),
                name: "Port Saldana".into(),
                kind: "place".into(),
                stories: 4,
            },
        ],
        ..EntityPage::default()
    })));
    let buf = render(&app, 100, 40);
    let text = screen(&buf);
    let head = row_with(&buf, "MENTIONED WITH").expect("section");
    let org = row_with(&buf, "Saldana Port Authority").expect("org row");
    assert_eq!(org, head + 1, "{text}");
    let line = text.lines().nth(usize::from(org)).unwrap_or_default();
    assert!(line.contains("org") && line.trim_end().ends_with('6'), "{line}");
    let place = text.lines().nth(usize::from(head) + 2).unwrap_or_default();
    assert!(
        place.contains("Port Saldana") && place.contains("place"),
        "{text}"
    );

    // The list pane has the stories; Tab to the page, Enter opens the marked entity.
    app.update(key(KeyCode::Tab));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::OpenEntity {
            id: "doc:saldana-port-authority".into()
        }]
    );
    assert!(matches!(&app.detail, Detail::Loading(w) if w.contains("Saldana Port Authority")));
}

#[test]
fn top_ranks_a_story_many_sources_ran_above_a_lone_one_and_shows_the_count() {
    let lone = with_entity(
        story(
            1,
            "Tidewater Wire",
            "Veloria's central bank holds rates",
            "The Central Bank of Veloria held.",
            10,
        ),
        EntityKind::Org,
        "Central Bank of Veloria",
        0.8,
    );
    let wide = with_entity(
        story(
            2,
            "Tidewater Wire",
            "Storm closes the Saldana strait",
            "The Saldana strait closed.",
            0,
        ),
        EntityKind::Place,
        "Saldana",
        0.8,
    );
    let mut stories = vec![lone, wide.clone()];
    for (seq, src) in [
        (3, "Northgate News"),
        (4, "Harbour Radio"),
        (5, "Isla Verde Post"),
    ] {
        let mut c = story(seq, src, &wide.headline, &wide.body, 11);
        c.duplicate_of = Some(wide.id.clone());
        stories.push(c);
    }
    let mut app = app_with(&stories, 100, 30);
    let top = app.top();
    let order: Vec<&str> = top.iter().map(|h| h.id.as_str()).collect();
    // The lone story is newer, but four outlets ran the storm.
    assert_eq!(order, ["st_test2", "st_test1"]);
    app.execute("TOP");
    assert!(matches!(&app.list, ListMode::Results { title, .. } if title == "TOP"));
    let text = screen(&render(&app, 100, 30));
    let storm = text
        .lines()
        .find(|l| l.contains("Storm closes"))
        .unwrap_or_default();
    assert!(storm.trim_end().ends_with("· 4 sources"), "{storm}");
    let bank = text
        .lines()
        .find(|l| l.contains("holds rates"))
        .unwrap_or_default();
    assert!(bank.trim_end().ends_with("· 1 source"), "{bank}");
}
