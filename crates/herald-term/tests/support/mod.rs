//! Test support: invented stories, and a screen rendered to text the way a user sees it.

#![allow(dead_code)]

use herald_model::{Entity, EntityKind, Mention, Quote, Source, Story, Topic};
use herald_term::{App, Event, ui};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use time::macros::datetime;

/// A story on the wire, `minutes` after 09:00 UTC on 24 November 2026.
pub fn story(seq: u64, source: &str, headline: &str, body: &str, minutes: i64) -> Story {
    Story {
        id: format!("st_test{seq}"),
        version: 1,
        seq,
        source: Source {
            id: source.to_lowercase(),
            name: source.to_string(),
            url: None,
        },
        headline: headline.to_string(),
        body: body.to_string(),
        published_at: Some(datetime!(2026-11-24 09:00 UTC) + time::Duration::minutes(minutes)),
        ..Story::default()
    }
}

/// Marks every occurrence of `name` in the body as a mention of a new entity.
pub fn with_entity(mut s: Story, kind: EntityKind, name: &str, salience: f32) -> Story {
    let mut e = Entity::new(
        format!("doc:{}", name.to_lowercase().replace(' ', "-")),
        kind,
        name,
    );
    e.salience = salience;
    e.mentions = s
        .body
        .match_indices(name)
        .map(|(start, text)| Mention {
            start,
            end: start + text.len(),
            text: text.to_string(),
        })
        .collect();
    s.entities.push(e);
    s
}

/// An enriched story: bullets, two entities, a quote with its speaker, a topic.
pub fn harbour_story() -> Story {
    let mut s = story(
        7,
        "Tidewater Wire",
        "Harbour strike halts grain exports at Port Saldana",
        "Dock workers at Port Saldana stopped work on Monday after pay talks with the Saldana Port Authority collapsed.\n\nNadia Ferreira, who leads the dockers' union, said the walkout would last until an offer arrived.",
        95,
    );
    s.bullets = vec![
        "Loading of three grain carriers is suspended".to_string(),
        "Exporters warn of penalties within days".to_string(),
    ];
    s = with_entity(s, EntityKind::Person, "Nadia Ferreira", 0.9);
    s = with_entity(s, EntityKind::Org, "Saldana Port Authority", 0.6);
    s.quotes = vec![Quote {
        text: "We will not load a single ship until they come back with an offer".to_string(),
        speaker: Some("doc:nadia-ferreira".to_string()),
        speaker_name: None,
        start: 0,
        end: 0,
    }];
    s.topics = vec![Topic {
        code: "labour".to_string(),
        name: "Labour and employment".to_string(),
        score: 0.8,
        evidence: Vec::new(),
    }];
    s
}

/// Renders the app on a `w`×`h` test screen.
pub fn render(app: &App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| ui::draw(app, f)).expect("draw");
    t.backend().buffer().clone()
}

/// The screen as text, one line per row.
pub fn screen(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        for x in 0..area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The row of the screen holding `needle`, if any.
pub fn row_with(buf: &Buffer, needle: &str) -> Option<u16> {
    screen(buf)
        .lines()
        .position(|l| l.contains(needle))
        .map(|y| y as u16)
}

/// An app of the given size with these stories on the wire.
pub fn app_with(stories: &[Story], w: u16, h: u16) -> App {
    let mut app = App::new("http://127.0.0.1:8765", herald_term::ThemeName::Amber);
    app.update(Event::Resize(w, h));
    for s in stories {
        app.update(Event::Story(Box::new(s.clone())));
    }
    app
}
