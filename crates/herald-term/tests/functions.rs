//! The second round of functions, without a node: near-duplicates folded on the wire,
//! `ALRT` (list, add, remove, backtest) and `TREN` (rising names at a fixed "now").

mod support;

use herald_model::{EntityKind, Story, Topic};
use herald_term::app::{AlertInfo, Backtest, Detail, Headline, ListMode, TREND_MIN_MENTIONS};
use herald_term::{App, Command, Event};
use support::{app_with, render, row_with, screen, story, with_entity};
use time::macros::datetime;

/// A copy of `first` from another outlet, `minutes` after 09:00.
fn copy_of(first: &Story, seq: u64, source: &str, minutes: i64) -> Story {
    let mut s = story(seq, source, &first.headline, &first.body, minutes);
    s.duplicate_of = Some(first.id.clone());
    s
}

fn ferry() -> Story {
    story(
        1,
        "Tidewater Wire",
        "Ferry crossings to Isla Verde suspended as storm nears",
        "The coastguard closed the strait.",
        0,
    )
}

#[test]
fn near_duplicates_fold_under_the_first_headline_with_a_count() {
    let first = ferry();
    let other = story(
        2,
        "Northgate News",
        "Grain exports recover after harbour strike",
        "b",
        5,
    );
    let stories = vec![
        first.clone(),
        other,
        copy_of(&first, 3, "Coastline Daily", 9),
        copy_of(&first, 4, "Harbour Radio", 14),
    ];
    let mut app = app_with(&stories, 100, 30);
    assert_eq!(app.wire.len(), 2, "copies are not rows");
    assert_eq!(app.last_seq, Some(4), "the copies still move the resume point");
    let buf = render(&app, 100, 30);
    let text = screen(&buf);
    let row = row_with(&buf, "Ferry crossings to Isla Verde").expect("first headline");
    let line = text.lines().nth(usize::from(row)).unwrap_or_default();
    assert!(line.trim_end().ends_with("+2"), "copy count on the row: {line:?}");
    assert!(!text.contains("Coastline Daily"), "no row for a copy:\n{text}");

    // READ on it lists the copies: source and time.
    app.update(Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char('j'),
        crossterm::event::KeyModifiers::NONE,
    )));
    assert_eq!(
        app.execute("READ 2"),
        vec![Command::LoadStory {
            id: "st_test1".into()
        }]
    );
    app.update(Event::StoryLoaded(Box::new(first)));
    let text = screen(&render(&app, 100, 40));
    assert!(text.contains("COPIES  2 near-duplicates"), "{text}");
    let copy_line = text
        .lines()
        .find(|l| l.contains("Harbour Radio"))
        .unwrap_or_default();
    assert!(
        copy_line.contains("09:14") && copy_line.contains("st_test4"),
        "{copy_line:?}"
    );
    assert!(text.contains("09:09  Coastline Daily"), "{text}");
}

#[test]
fn a_copy_of_a_story_no_longer_on_the_wire_is_a_row_and_an_alert_on_a_copy_marks_the_first() {
    let first = ferry();
    let mut gone = story(1, "Old Wire", "Long gone", "b", 0);
    gone.id = "st_gone".into();
    let orphan = {
        let mut s = story(2, "Coastline Daily", "Orphan copy", "b", 1);
        s.duplicate_of = Some("st_gone_elsewhere".into());
        s
    };
    let mut app = app_with(&[orphan], 80, 24);
    assert_eq!(app.wire.len(), 1, "nothing to fold it under: it stays a row");
    let mut second = first.clone();
    second.seq = 3;
    app.update(Event::Story(Box::new(second.clone())));
    // The hit arrives before the copy it names.
    app.update(Event::AlertHit {
        story_id: "st_test4".into(),
        alert: "storm watch".into(),
    });
    app.update(Event::Story(Box::new(copy_of(&second, 4, "Harbour Radio", 3))));
    let first_row = app.wire.iter().find(|h| h.id == "st_test1").cloned();
    assert_eq!(first_row.and_then(|h| h.alert), Some("storm watch".to_string()));
    assert_eq!(app.wire.len(), 2);
}

fn alerts() -> Vec<AlertInfo> {
    vec![
        AlertInfo {
            id: "al_1".into(),
            name: "oil-watch".into(),
            query: "oil OR \"crude price\"".into(),
            hits: 12,
            last_hit: Some(datetime!(2026-11-24 08:41 UTC)),
        },
        AlertInfo {
            id: "al_2".into(),
            name: "strikes".into(),
            query: "strike AND harbour".into(),
            hits: 0,
            last_hit: None,
        },
    ]
}

#[test]
fn alrt_lists_adds_removes_and_backtests() {
    let mut app = app_with(&[ferry()], 100, 30);
    assert_eq!(app.execute("alrt"), vec![Command::ListAlerts]);
    app.update(Event::AlertsLoaded {
        alerts: alerts(),
        note: None,
    });
    assert!(matches!(app.detail, Detail::Alerts));
    let text = screen(&render(&app, 100, 30));
    let oil = text.lines().find(|l| l.contains("oil-watch")).unwrap_or_default();
    assert!(
        oil.contains("  1  ")
            && oil.contains("12")
            && oil.contains("2026-11-24 08:41")
            && oil.contains("oil OR \"crude price\""),
        "{oil:?}"
    );
    let strikes = text.lines().find(|l| l.contains("strikes")).unwrap_or_default();
    assert!(strikes.contains("never"), "{strikes:?}");

    assert_eq!(
        app.execute("ALRT ADD grain grain AND exports"),
        vec![Command::AddAlert {
            name: "grain".into(),
            query: "grain AND exports".into()
        }]
    );
    assert_eq!(
        app.execute("ALRT ADD \"storm watch\" storm OR gale"),
        vec![Command::AddAlert {
            name: "storm watch".into(),
            query: "storm OR gale".into()
        }]
    );
    // Missing query, and a query that does not parse: no request, a message instead.
    assert!(app.execute("ALRT ADD lonely").is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("needs a name and a query"))
    );
    assert!(app.execute("ALRT ADD bad (oil").is_empty());
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("bad query")));
    // The node's refusal (an alert cannot use since:) is shown as it said it.
    assert_eq!(app.execute("ALRT ADD recent oil since:2026-11-01").len(), 1);
    app.update(Event::Failed {
        what: "ALRT ADD recent".into(),
        message: "400 Bad Request: alerts match stories as they arrive; since: and until: cannot be used"
            .into(),
    });
    let status = screen(&render(&app, 160, 30));
    let status = status.lines().last().unwrap_or_default();
    assert!(
        status.contains("ALRT ADD recent: 400") && status.contains("since:"),
        "{status}"
    );

    assert_eq!(
        app.execute("ALRT RM 2"),
        vec![Command::RemoveAlert {
            id: "al_2".into(),
            name: "strikes".into()
        }]
    );
    assert!(app.execute("ALRT RM 7").is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("from 1 to 2"))
    );

    assert_eq!(
        app.execute("ALRT TEST harbour strike"),
        vec![Command::TestAlert {
            query: "harbour strike".into()
        }]
    );
    let example = Headline::from_story(&story(
        9,
        "Northgate News",
        "Harbour strike enters second week",
        "b",
        30,
    ));
    app.update(Event::BacktestLoaded(Box::new(Backtest {
        query: "harbour strike".into(),
        days: 3,
        total: 6,
        per_day: vec![
            ("2026-11-22".into(), 0),
            ("2026-11-23".into(), 2),
            ("2026-11-24".into(), 4),
        ],
        examples: vec![example],
    })));
    let text = screen(&render(&app, 100, 30));
    assert!(
        text.contains("6 stories in the last 3 days match harbour strike"),
        "{text}"
    );
    let bar = |date: &str| {
        text.lines()
            .find(|l| l.starts_with(date))
            .map(|l| l.matches('█').count())
            .unwrap_or(usize::MAX)
    };
    assert_eq!(bar("2026-11-22"), 0);
    assert!(
        bar("2026-11-24") > bar("2026-11-23") && bar("2026-11-23") > 0,
        "{text}"
    );
    assert!(
        text.contains("ALRT TEST harbour strike · 1"),
        "examples listed above:\n{text}"
    );
    // Enter opens an example.
    app.focus = herald_term::app::Focus::List;
    assert_eq!(
        app.execute("READ 1"),
        vec![Command::LoadStory {
            id: "st_test9".into()
        }]
    );
}

#[test]
fn alrt_rm_before_listing_says_to_list_first() {
    let mut app = app_with(&[], 80, 24);
    assert!(app.execute("ALRT RM 1").is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("ALRT lists them"))
    );
    assert!(app.execute("ALRT FROB").is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("ALRT ADD <name> <query>"))
    );
}

/// A story at `minutes` after 09:00 naming these entities and topics.
fn tagged(seq: u64, minutes: i64, names: &[(EntityKind, &str)], topics: &[&str]) -> Story {
    let mut s = story(seq, "Wire", &format!("Story {seq}"), "", minutes);
    for (kind, name) in names {
        s = with_entity(s, *kind, name, 0.5);
    }
    s.topics = topics
        .iter()
        .map(|t| Topic {
            code: t.to_lowercase(),
            name: t.to_string(),
            score: 0.5,
            evidence: Vec::new(),
        })
        .collect();
    s
}

#[test]
fn tren_lists_names_rising_in_the_last_hour_against_the_day() {
    // "Now" is 20:00. Minutes are counted from 09:00, so 600 = 19:00.
    let mut stories = Vec::new();
    let mut seq = 0;
    let mut add = |minutes: i64, names: &[(EntityKind, &str)], topics: &[&str]| {
        seq += 1;
        stories.push(tagged(seq, minutes, names, topics));
    };
    // Port Saldana: 4 stories in the last hour, 1 earlier in the day → rising (ratio 19.2).
    for m in [610, 630, 650, 655] {
        add(m, &[(EntityKind::Place, "Port Saldana")], &["Labour"]);
    }
    add(100, &[(EntityKind::Place, "Port Saldana")], &[]);
    // Veloria: 3 in the hour but 72 over the day → steady (ratio 1.0), not listed.
    for m in [605, 640, 659] {
        add(m, &[(EntityKind::Place, "Veloria")], &[]);
    }
    for i in 0..69 {
        add(i * 8 - 200, &[(EntityKind::Place, "Veloria")], &[]);
    }
    // Nadia Ferreira: only 2 in the hour → below the minimum, however new.
    add(620, &[(EntityKind::Person, "Nadia Ferreira")], &[]);
    add(621, &[(EntityKind::Person, "Nadia Ferreira")], &[]);
    // Older than a day: ignored entirely.
    for m in [-1500, -1490, -1480] {
        add(m, &[(EntityKind::Org, "Old Board")], &[]);
    }
    let mut app = app_with(&stories, 100, 40);
    // A copy folded under the first story does not count twice.
    let first = stories.first().cloned().unwrap_or_default();
    app.update(Event::Story(Box::new(copy_of(&first, 999, "Harbour Radio", 656))));
    app.set_now(datetime!(2026-11-24 20:00 UTC));

    let rows = app.trending(datetime!(2026-11-24 20:00 UTC));
    let names: Vec<(&str, &str)> = rows.iter().map(|r| (r.kind.as_str(), r.name.as_str())).collect();
    assert_eq!(
        names,
        vec![("topic", "Labour"), ("place", "Port Saldana")],
        "{rows:?}"
    );
    let port = rows.iter().find(|r| r.name == "Port Saldana").cloned();
    let port = port.expect("Port Saldana rising");
    assert_eq!((port.hour, port.day), (4, 5));
    assert!((port.ratio - 19.2).abs() < 1e-9);
    assert!(port.hour >= TREND_MIN_MENTIONS);

    // The same wire an hour later: nothing is in its last hour any more.
    assert!(app.trending(datetime!(2026-11-24 21:00 UTC)).is_empty());

    assert!(app.execute("TREN").is_empty());
    let text = screen(&render(&app, 100, 40));
    assert!(text.contains("Rising at 2026-11-24 20:00 UTC"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("Port Saldana"))
        .unwrap_or_default();
    assert!(
        line.starts_with("place") && line.contains("    4     5") && line.contains("19.2×"),
        "{line:?}"
    );
    assert!(!text.contains("Veloria") && !text.contains("Nadia"), "{text}");
}

#[test]
fn tren_on_a_quiet_wire_says_so() {
    let mut app: App = app_with(&[ferry()], 80, 24);
    app.set_now(datetime!(2026-11-24 09:30 UTC));
    assert!(app.execute("TREN").is_empty());
    assert!(matches!(&app.detail, Detail::Trends { rows, .. } if rows.is_empty()));
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("Nothing is rising right now"), "{text}");
    assert!(matches!(app.list, ListMode::Wire));
}
