//! The App's behaviour at the keyboard and as stories arrive, without any screen or node.

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use herald_model::EntityKind;
use herald_term::app::{Detail, ListMode, WIRE_CAPACITY};
use herald_term::{App, Command, Event};
use support::{app_with, harbour_story, render, screen, story, with_entity};

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    let mut cmds = Vec::new();
    for c in text.chars() {
        cmds.extend(app.update(key(KeyCode::Char(c))));
    }
    cmds
}

fn three() -> Vec<herald_model::Story> {
    vec![
        story(
            1,
            "Tidewater Wire",
            "Grain prices climb as harvest estimates fall",
            "b",
            0,
        ),
        story(
            2,
            "Northgate News",
            "Oil refinery fire brought under control",
            "b",
            7,
        ),
        story(
            3,
            "Tidewater Wire",
            "Central bank of Veloria holds rates at 4%",
            "b",
            12,
        ),
    ]
}

#[test]
fn typing_n_oil_and_enter_issues_a_search() {
    let mut app = app_with(&three(), 80, 24);
    assert!(type_text(&mut app, "N oil").is_empty());
    assert_eq!(app.command_line(), "N oil");
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(cmds, vec![Command::Search { query: "oil".into() }]);
    assert!(matches!(&app.list, ListMode::Results { title, loading: true, .. } if title == "N oil"));
    assert!(app.input.is_none(), "the command line lets go after <GO>");
    // Functions are case-insensitive.
    type_text(&mut app, "n refinery");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::Search {
            query: "refinery".into()
        }]
    );
}

#[test]
fn a_bad_query_is_reported_without_a_request() {
    let mut app = app_with(&three(), 80, 24);
    type_text(&mut app, "N (oil");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let msg = app.message.clone().expect("an error message");
    assert!(
        msg.error && msg.text.contains("bad query") && msg.text.contains("column"),
        "{msg:?}"
    );
    type_text(&mut app, "FOO");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("unknown function"))
    );
}

#[test]
fn up_arrow_recalls_history() {
    let mut app = app_with(&three(), 80, 24);
    type_text(&mut app, "N oil");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "TOP");
    app.update(key(KeyCode::Enter));
    type_text(&mut app, "x");
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Up));
    assert_eq!(app.command_line(), "TOP");
    app.update(key(KeyCode::Up));
    assert_eq!(app.command_line(), "N oil");
    app.update(key(KeyCode::Down));
    assert_eq!(app.command_line(), "TOP");
    assert_eq!(app.update(key(KeyCode::Enter)), Vec::<Command>::new());
    assert!(matches!(&app.list, ListMode::Results { title, .. } if title == "TOP"));
}

#[test]
fn tab_completes_function_names() {
    let mut app = app_with(&three(), 80, 24);
    type_text(&mut app, "RE");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.command_line(), "READ ");
    type_text(&mut app, "2");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::LoadStory {
            id: "st_test2".into()
        }]
    );
    type_text(&mut app, "he");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.command_line(), "HELP ");
}

#[test]
fn enter_on_a_headline_opens_it_and_esc_goes_back() {
    let mut app = app_with(&three(), 80, 24);
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::LoadStory {
            id: "st_test3".into()
        }]
    );
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Down));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::LoadStory {
            id: "st_test1".into()
        }]
    );
    app.update(Event::StoryLoaded(Box::new(harbour_story())));
    assert!(matches!(app.detail, Detail::Story(_)));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.detail, Detail::Empty);
    // READ with a line number out of range says which numbers exist.
    assert!(app.execute("READ 9").is_empty());
    assert!(app.message.as_ref().is_some_and(|m| m.text.contains("1 to 3")));
}

#[test]
fn ent_asks_the_node_and_q_quits() {
    let mut app = app_with(&three(), 80, 24);
    type_text(&mut app, "ent Nadia Ferreira");
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::FindEntity {
            name: "Nadia Ferreira".into()
        }]
    );
    assert!(!app.quit);
    assert_eq!(app.update(key(KeyCode::Char('q'))), vec![Command::Quit]);
    assert!(app.quit);
}

#[test]
fn the_wire_never_shows_a_story_twice_and_keeps_the_last_2000() {
    let mut app = app_with(&three(), 80, 24);
    // A resumed stream that overlaps what was seen.
    app.update(Event::Story(Box::new(story(
        2,
        "Northgate News",
        "Oil refinery fire brought under control",
        "b",
        7,
    ))));
    assert_eq!(app.wire.len(), 3);
    for seq in 4..(WIRE_CAPACITY as u64 + 100) {
        app.update(Event::Story(Box::new(story(
            seq,
            "Bulk",
            &format!("Headline {seq}"),
            "b",
            20,
        ))));
    }
    assert_eq!(app.wire.len(), WIRE_CAPACITY);
    assert_eq!(app.wire.front().map(|h| h.seq), Some(WIRE_CAPACITY as u64 + 99));
    assert_eq!(app.last_seq, Some(WIRE_CAPACITY as u64 + 99));
}

#[test]
fn the_selected_headline_stays_put_while_the_wire_scrolls() {
    let mut app = app_with(&three(), 80, 24);
    app.update(key(KeyCode::Char('j')));
    app.update(Event::Story(Box::new(story(4, "Wire", "Newer story", "b", 30))));
    assert_eq!(
        app.update(key(KeyCode::Enter)),
        vec![Command::LoadStory {
            id: "st_test2".into()
        }]
    );
}

#[test]
fn top_ranks_recent_stories_about_prominent_subjects_first() {
    let old_big = with_entity(
        story(1, "W", "Old story about the president", "The President spoke.", 0),
        EntityKind::Person,
        "President",
        1.0,
    );
    let new_small = with_entity(
        story(2, "W", "Fresh minor story", "A clerk spoke.", 180),
        EntityKind::Person,
        "clerk",
        0.1,
    );
    let new_big = with_entity(
        story(
            3,
            "W",
            "Fresh story about the president",
            "The President spoke.",
            175,
        ),
        EntityKind::Person,
        "President",
        0.9,
    );
    let app = app_with(&[old_big, new_small, new_big], 80, 24);
    let top: Vec<u64> = app.top().iter().map(|h| h.seq).collect();
    assert_eq!(top, vec![3, 2, 1]);
}

#[test]
fn find_in_the_story_pane_scrolls_to_the_match() {
    let mut s = harbour_story();
    s.body = format!(
        "{}\n\nThe harbour master confirmed the closure.",
        "Filler line.\n".repeat(60)
    );
    let mut app = app_with(&three(), 80, 24);
    app.update(Event::StoryLoaded(Box::new(s)));
    type_text(&mut app, "/harbour master");
    app.update(key(KeyCode::Enter));
    assert!(app.detail_scroll > 50, "scrolled to {}", app.detail_scroll);
    let text = screen(&render(&app, 80, 24));
    assert!(text.contains("The harbour master confirmed"), "{text}");
}

#[test]
fn any_key_storm_at_any_size_never_panics() {
    let codes = [
        KeyCode::Char('N'),
        KeyCode::Char(' '),
        KeyCode::Char('o'),
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Char('/'),
        KeyCode::Backspace,
        KeyCode::Char('G'),
        KeyCode::Char('g'),
        KeyCode::Char('R'),
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Char('\u{1b}'),
        KeyCode::Char('٣'),
    ];
    let mut app = app_with(&three(), 80, 24);
    app.update(Event::StoryLoaded(Box::new(harbour_story())));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..3000 {
        // A fixed xorshift sequence: the same storm every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let code = codes[(state % codes.len() as u64) as usize];
        if code == KeyCode::Char('q') {
            continue;
        }
        app.update(key(code));
        if i % 300 == 0 {
            let (w, h) = (1 + (state >> 8) as u16 % 150, 1 + (state >> 20) as u16 % 50);
            app.update(Event::Resize(w, h));
            render(&app, w, h);
        }
    }
    assert!(!app.quit);
}

#[test]
fn a_key_press_is_drawn_even_when_a_tick_follows_it_within_the_second() {
    let mut app = app_with(&three(), 80, 24);
    app.dirty = false;
    let now = std::time::Instant::now();
    app.update(Event::Tick(now));
    app.dirty = false;
    type_text(&mut app, "R");
    app.update(Event::Tick(now));
    assert!(app.dirty, "the tick must not cancel the key's redraw");
    app.dirty = false;
    app.update(Event::Tick(now));
    assert!(
        !app.dirty,
        "time alone within the same second changes nothing on screen"
    );
}
