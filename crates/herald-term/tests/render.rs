//! What a user sees on each screen, rendered with ratatui's TestBackend from invented stories.

mod support;

use std::time::Duration;

use herald_model::EntityKind;
use herald_term::app::{ConnState, EntityPage, Headline};
use herald_term::theme::Theme;
use herald_term::{App, Event, ThemeName};
use ratatui::style::Color;
use support::{app_with, harbour_story, render, row_with, screen, story, with_entity};

fn wire_stories() -> Vec<herald_model::Story> {
    vec![
        story(
            1,
            "Tidewater Wire",
            "Grain prices climb as harvest estimates fall",
            "Body one.",
            0,
        ),
        story(
            2,
            "Northgate News",
            "Oil refinery fire brought under control",
            "Body two.",
            7,
        ),
        story(
            3,
            "Tidewater Wire",
            "Central bank of Veloria holds rates at 4%",
            "Body three.",
            12,
        ),
    ]
}

#[test]
fn the_wire_lists_headlines_newest_first_with_time_and_source() {
    let mut app = app_with(&wire_stories(), 100, 24);
    app.update(Event::Connection(ConnState::Live));
    let buf = render(&app, 100, 24);
    let text = screen(&buf);
    let bank = row_with(&buf, "Central bank of Veloria holds rates").expect("newest headline shown");
    let oil = row_with(&buf, "Oil refinery fire").expect("second headline shown");
    let grain = row_with(&buf, "Grain prices climb").expect("oldest headline shown");
    assert!(bank < oil && oil < grain, "newest on top:\n{text}");
    let bank_line = text.lines().nth(usize::from(bank)).unwrap_or_default();
    assert!(
        bank_line.contains("09:12") && bank_line.contains("Tidewater Wire"),
        "{bank_line}"
    );
    // The command line is the top row, the status line the bottom one.
    assert!(
        text.lines().next().unwrap_or_default().starts_with("> "),
        "{text}"
    );
    let status = text.lines().last().unwrap_or_default();
    assert!(status.contains("http://127.0.0.1:8765"), "{status}");
    assert!(
        status.contains("LIVE") && status.contains("seq 3") && status.contains("3/min"),
        "{status}"
    );
}

#[test]
fn a_lost_connection_and_a_server_error_show_in_the_status_line() {
    let mut app = app_with(&wire_stories(), 100, 24);
    app.update(Event::Connection(ConnState::Down {
        reason: "node unreachable".into(),
        retry_in: Duration::from_secs(2),
    }));
    app.update(Event::Failed {
        what: "search \"oil\"".into(),
        message: "500 Internal Server Error: index unavailable".into(),
    });
    let text = screen(&render(&app, 140, 24));
    let status = text.lines().last().unwrap_or_default();
    assert!(
        status.contains("DOWN: node unreachable (retry in 2.0s)"),
        "{status}"
    );
    assert!(status.contains("index unavailable"), "{status}");
}

#[test]
fn an_alert_hit_is_highlighted_on_the_wire_and_flashed() {
    let mut app = app_with(&wire_stories(), 100, 24);
    app.update(Event::AlertHit {
        story_id: "st_test2".into(),
        alert: "refinery watch".into(),
    });
    let buf = render(&app, 100, 24);
    let text = screen(&buf);
    let row = row_with(&buf, "Oil refinery fire").expect("headline");
    let line = text.lines().nth(usize::from(row)).unwrap_or_default();
    assert!(line.contains('!'), "alert mark on {line}");
    let x = line
        .find("Oil refinery")
        .map(|b| line[..b].chars().count())
        .unwrap_or(0) as u16;
    assert_eq!(
        buf[(x, row)].fg,
        Theme::named(ThemeName::Amber).alert.fg.unwrap_or(Color::Reset)
    );
    assert!(
        text.lines()
            .last()
            .unwrap_or_default()
            .contains("ALERT refinery watch"),
        "{text}"
    );
}

#[test]
fn the_story_pane_shows_bullets_body_quotes_topics_and_coloured_entities() {
    let mut app = app_with(&wire_stories(), 120, 40);
    app.update(Event::StoryLoaded(Box::new(harbour_story())));
    let buf = render(&app, 120, 40);
    let text = screen(&buf);
    for want in [
        "Harbour strike halts grain exports at Port Saldana",
        "• Loading of three grain carriers is suspended",
        "Dock workers at Port Saldana stopped work",
        "“We will not load a single ship",
        "— Nadia Ferreira",
        "Labour and employment",
        "Saldana Port Authority (org)",
    ] {
        assert!(text.contains(want), "missing {want:?}:\n{text}");
    }
    // The person and the organisation in the body are drawn in their kinds' colours.
    let theme = Theme::named(ThemeName::Amber);
    let cell_fg = |needle: &str| {
        let y = row_with(&buf, needle).expect(needle);
        let line = text.lines().nth(usize::from(y)).unwrap_or_default().to_string();
        let x = line.find(needle).map(|b| line[..b].chars().count()).unwrap_or(0) as u16;
        buf[(x, y)].fg
    };
    let person = cell_fg("Nadia Ferreira, who leads");
    let org = cell_fg("Saldana Port Authority collapsed");
    assert_eq!(person, theme.person.fg.unwrap_or(Color::Reset));
    assert_eq!(org, theme.org.fg.unwrap_or(Color::Reset));
    assert_ne!(person, org);
    assert_ne!(cell_fg("Dock workers"), person, "plain text is not highlighted");
}

#[test]
fn search_results_entity_page_and_help_render() {
    let mut app = app_with(&wire_stories(), 100, 30);
    let cmds = app.execute("N oil");
    assert_eq!(cmds.len(), 1);
    app.update(Event::SearchResult {
        query: "oil".into(),
        hits: vec![Headline::from_story(&wire_stories()[1])],
        total: 1,
    });
    let text = screen(&render(&app, 100, 30));
    assert!(text.contains("N oil · 1"), "{text}");
    assert!(
        text.contains("Oil refinery fire") && !text.contains("Grain prices"),
        "{text}"
    );

    app.update(Event::EntityLoaded(Box::new(EntityPage {
        id: "kb:org/veloria-central-bank".into(),
        name: "Central Bank of Veloria".into(),
        kind: "org".into(),
        aliases: vec!["CBV".into(), "the Veloria central bank".into()],
        roles: vec!["central bank".into()],
        ticker: None,
        stories: vec![Headline::from_story(&wire_stories()[2])],
        co_mentioned: Vec::new(),
    })));
    let text = screen(&render(&app, 100, 30));
    assert!(text.contains("ENT Central Bank of Veloria"), "{text}");
    assert!(text.contains("ALIASES  CBV · the Veloria central bank"), "{text}");
    assert!(text.contains("ROLES    central bank"), "{text}");
    assert!(
        text.contains("holds rates at 4%"),
        "latest stories listed:\n{text}"
    );

    app.execute("HELP");
    let text = screen(&render(&app, 100, 30));
    assert!(
        text.contains("N <query>") && text.contains("READ <n>") && text.contains("ENT <name>"),
        "{text}"
    );
}

#[test]
fn a_terminal_below_40_by_10_gets_a_message_not_a_broken_layout() {
    let app = app_with(&wire_stories(), 30, 8);
    let text = screen(&render(&app, 30, 8));
    assert!(text.contains("too small"), "{text}");
    assert!(!text.contains("Grain prices"), "{text}");
    // At exactly the minimum the layout is drawn.
    let text = screen(&render(&app_with(&wire_stories(), 40, 10), 40, 10));
    assert!(
        text.contains("Central bank") && !text.contains("too small"),
        "{text}"
    );
}

#[test]
fn hostile_story_text_renders_without_panic_or_escape_codes() {
    let long = "x".repeat(2000);
    let hostile = format!(
        "العاصفة تضرب الساحل الشمالي \u{202E}txet desrever 🌊🚢🇳🇴 東京市場\u{1b}[2J\u{7}\u{9b}31m end\r\nnext {long}"
    );
    let body = format!("{long} {hostile}");
    let mut s = story(9, "Wire\u{1b}]0;pwned\u{7}", &hostile, &body, 3);
    s = with_entity(s, EntityKind::Place, "العاصفة", 0.5);
    // A mention whose offsets split a character, and one past the end, must not panic.
    s.entities[0].mentions.push(herald_model::Mention {
        start: 2001,
        end: 2002,
        text: "?".into(),
    });
    s.entities[0].mentions.push(herald_model::Mention {
        start: 5,
        end: 999_999,
        text: "?".into(),
    });
    s.bullets = vec![hostile.clone()];
    for (w, h) in [(80, 24), (40, 10), (200, 60), (39, 9), (1, 1)] {
        let mut app = app_with(std::slice::from_ref(&s), w, h);
        let text = screen(&render(&app, w, h));
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{9b}'),
            "{w}x{h}"
        );
        app.update(Event::StoryLoaded(Box::new(s.clone())));
        let text = screen(&render(&app, w, h));
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202E}'), "{w}x{h}");
        if w >= 80 {
            assert!(
                text.contains("العاصفة") && text.contains("🌊"),
                "{w}x{h}:\n{text}"
            );
        }
    }
}

#[test]
fn no_color_and_the_light_theme() {
    let stories = wire_stories();
    let mut plain = App::new("http://127.0.0.1:8765", ThemeName::Plain);
    let mut light = App::new("http://127.0.0.1:8765", ThemeName::Light);
    for app in [&mut plain, &mut light] {
        for s in &stories {
            app.update(Event::Story(Box::new(s.clone())));
        }
        app.update(Event::StoryLoaded(Box::new(harbour_story())));
    }
    let buf = render(&plain, 80, 30);
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR: not one coloured cell"
    );
    assert!(screen(&buf).contains("Nadia Ferreira"));
    let buf = render(&light, 80, 30);
    assert_eq!(buf[(0, 5)].bg, Color::White, "light background");
}
