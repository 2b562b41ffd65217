//! `FEED` without a node (the table of feeds with their health, the requests its
//! sub-commands send) and the first-run offer on an empty wire of a node with no feeds.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use herald_term::app::{Detail, FeedInfo, PollSummary};
use herald_term::{App, Command, Event, STARTER_OPML, starter_feed_count};
use support::{app_with, render, row_with, screen, story};
use time::macros::datetime;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Three invented feeds: one well, one failing, one gone. "Now" is 10:00.
fn feeds() -> Vec<FeedInfo> {
    vec![
        FeedInfo {
            id: "tidewater-wire".into(),
            url: "http://feeds.tidewater.test/wire.rss".into(),
            title: "Tidewater Wire".into(),
            status: "active".into(),
            last_fetch: Some(datetime!(2026-11-24 09:55 UTC)),
            http_status: Some(200),
            last_error: None,
            last_new_item: Some(datetime!(2026-11-24 09:20 UTC)),
            items_seen: 412,
            failures: 0,
            next_poll: Some(datetime!(2026-11-24 10:05 UTC)),
        },
        FeedInfo {
            id: "northgate-news".into(),
            url: "http://northgate.test/rss".into(),
            title: "Northgate News".into(),
            status: "active".into(),
            last_fetch: Some(datetime!(2026-11-24 09:58 UTC)),
            http_status: Some(503),
            last_error: Some("the server answered 503 Service Unavailable".into()),
            last_new_item: Some(datetime!(2026-11-23 18:00 UTC)),
            items_seen: 37,
            failures: 4,
            next_poll: Some(datetime!(2026-11-24 10:30 UTC)),
        },
        FeedInfo {
            id: "saldana-herald".into(),
            url: "http://saldana.test/feed".into(),
            title: String::new(),
            status: "gone".into(),
            last_fetch: Some(datetime!(2026-11-24 08:00 UTC)),
            http_status: Some(410),
            last_error: Some("the feed is gone (HTTP 410); polling stopped".into()),
            last_new_item: None,
            items_seen: 0,
            failures: 1,
            next_poll: None,
        },
    ]
}

fn with_feeds(note: Option<&str>) -> App {
    let mut app = app_with(&[], 110, 30);
    app.set_now(datetime!(2026-11-24 10:00 UTC));
    assert_eq!(app.execute("feed"), vec![Command::ListFeeds]);
    app.update(Event::FeedsLoaded {
        feeds: feeds(),
        note: note.map(str::to_string),
    });
    app
}

#[test]
fn feed_shows_each_feed_with_its_health_and_the_error_under_a_failing_one() {
    let app = with_feeds(None);
    assert!(matches!(app.detail, Detail::Feeds { .. }));
    let buf = render(&app, 110, 30);
    let text = screen(&buf);
    assert!(text.contains("FEED · 3 feeds"), "{text}");
    for head in ["ID", "STATUS", "ITEMS", "FETCHED", "NEW ITEM", "NEXT", "TITLE"] {
        assert!(text.contains(head), "column {head}:\n{text}");
    }
    let ok = row_with(&buf, "tidewater-wire").expect("first feed");
    let line = text.lines().nth(usize::from(ok)).unwrap_or_default();
    for want in ["ok 200", "412", "5m ago", "40m ago", "in 5m", "Tidewater Wire"] {
        assert!(line.contains(want), "{want:?} in {line:?}");
    }
    let bad = row_with(&buf, "northgate-news").expect("failing feed");
    let line = text.lines().nth(usize::from(bad)).unwrap_or_default();
    assert!(line.contains("error 503") && line.contains("16h ago"), "{line}");
    // The error in words right under the failing feed, with the run of failures.
    assert_eq!(
        row_with(
            &buf,
            "↳ the server answered 503 Service Unavailable (4 failures in a row)"
        ),
        Some(bad + 1),
        "{text}"
    );
    let gone = row_with(&buf, "saldana-herald").expect("gone feed");
    let line = text.lines().nth(usize::from(gone)).unwrap_or_default();
    // No title: the address stands in; no next poll.
    assert!(
        line.contains("gone 410") && line.contains("http://saldana.test/feed"),
        "{line}"
    );
    assert_eq!(row_with(&buf, "↳ the feed is gone"), Some(gone + 1), "{text}");
    assert!(row_with(&buf, "FEED ADD <url> · FEED RM <n>").is_some(), "{text}");
}

#[test]
fn feed_add_rm_poll_and_starter_send_the_requests_and_show_the_outcome() {
    let mut app = with_feeds(None);
    assert_eq!(
        app.execute("FEED ADD https://news.example.test/ports.rss"),
        vec![Command::AddFeed {
            url: "https://news.example.test/ports.rss".into()
        }]
    );
    assert_eq!(app.execute("FEED ADD"), Vec::<Command>::new());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("FEED ADD needs"))
    );

    // RM and POLL take the number FEED listed, or an id.
    assert_eq!(
        app.execute("feed rm 2"),
        vec![Command::RemoveFeed {
            id: "northgate-news".into()
        }]
    );
    assert_eq!(
        app.execute("FEED POLL tidewater-wire"),
        vec![Command::PollFeed {
            id: "tidewater-wire".into()
        }]
    );
    assert_eq!(app.execute("FEED POLL 9"), Vec::<Command>::new());
    let msg = app.message.clone().expect("message");
    assert!(msg.error && msg.text.contains("from 1 to 3"), "{msg:?}");
    assert_eq!(app.execute("FEED FLY"), Vec::<Command>::new());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.error && m.text.contains("FEED STARTER"))
    );

    // The poll's outcome heads the table and flashes in the status line.
    let poll = PollSummary {
        outcome: "ok".into(),
        http_status: Some(200),
        items: 20,
        new: 3,
        changed: 1,
        unchanged: 16,
        error: None,
    };
    let note = format!("polled tidewater-wire: {}", poll.describe());
    app.update(Event::FeedsLoaded {
        feeds: feeds(),
        note: Some(note),
    });
    let text = screen(&render(&app, 110, 30));
    assert!(
        text.contains("polled tidewater-wire: ok (HTTP 200): 20 items — 3 new, 1 changed, 16 unchanged"),
        "{text}"
    );

    // FEED STARTER sends the repo's starter list, whole, to the node's OPML import.
    let cmds = app.execute("FEED STARTER");
    assert_eq!(
        cmds,
        vec![Command::ImportFeeds {
            opml: STARTER_OPML.to_string()
        }]
    );
    let msg = app.message.clone().expect("message");
    assert!(
        msg.text
            .contains(&format!("following {} public news feeds", starter_feed_count())),
        "{msg:?}"
    );
}

#[test]
fn poll_outcomes_read_as_sentences() {
    let failed = PollSummary {
        outcome: "error".into(),
        http_status: Some(502),
        error: Some("the server answered 502 Bad Gateway".into()),
        ..PollSummary::default()
    };
    assert_eq!(
        failed.describe(),
        "error (HTTP 502): the server answered 502 Bad Gateway"
    );
    let same = PollSummary {
        outcome: "not_modified".into(),
        http_status: Some(304),
        ..PollSummary::default()
    };
    assert_eq!(same.describe(), "not modified (HTTP 304): nothing new");
}

#[test]
fn feed_is_in_help_and_tab_completion() {
    let mut app = app_with(&[], 100, 40);
    app.update(key(KeyCode::Char('F')));
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::Tab));
    assert_eq!(app.command_line(), "FEED ");
    app.update(key(KeyCode::Esc));
    app.execute("HELP");
    let text = screen(&render(&app, 100, 40));
    assert!(
        text.contains("FEED STARTER") && text.contains("FEED ADD <url>"),
        "{text}"
    );
    assert!(
        text.contains("FUNCTIONS  N READ ENT TOP TREN ALRT FEED HELP QUIT"),
        "{text}"
    );
}

#[test]
fn an_empty_wire_on_a_node_without_feeds_offers_the_starter_feeds() {
    let mut app = app_with(&[], 80, 24);
    // Opening asks how many feeds the node follows.
    assert_eq!(app.opening(), vec![Command::CountFeeds]);
    // Until the node answers, the wire just waits.
    let text = screen(&render(&app, 80, 24));
    assert!(
        text.contains("waiting for stories") && !text.contains("No stories yet"),
        "{text}"
    );

    app.update(Event::FeedCount(0));
    let text = screen(&render(&app, 80, 24));
    let n = starter_feed_count();
    assert!(n >= 10, "the starter list has {n} feeds");
    // The offer wraps at 80 columns; read it as one paragraph.
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("No stories yet. FEED STARTER follows {n} public news feeds (BBC, NPR, Al Jazeera, central banks, NASA …); `herald demo` replays sample stories offline.")),
        "{text}"
    );

    // A story arriving ends the offer.
    app.update(Event::Story(Box::new(story(
        1,
        "Tidewater Wire",
        "Ferry crossings resume",
        "b",
        0,
    ))));
    let text = screen(&render(&app, 80, 24));
    assert!(
        !text.contains("No stories yet") && text.contains("Ferry crossings resume"),
        "{text}"
    );

    // A node that follows feeds but has no stories yet gets no offer.
    let mut busy = app_with(&[], 80, 24);
    busy.update(Event::FeedCount(3));
    let text = screen(&render(&busy, 80, 24));
    assert!(
        !text.contains("No stories yet") && text.contains("waiting for stories"),
        "{text}"
    );

    // After FEED STARTER the listed feeds are known, and the offer goes.
    app = app_with(&[], 80, 24);
    app.update(Event::FeedCount(0));
    app.update(Event::FeedsLoaded {
        feeds: feeds(),
        note: Some("followed 3 new feeds".into()),
    });
    assert!(!app.first_run());
}
