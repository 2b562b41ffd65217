//! Colour schemes: amber on black (the default), a light theme, and plain for `NO_COLOR`.

use herald_model::EntityKind;
use ratatui::style::{Color, Modifier, Style};

/// Which scheme the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    /// Amber on black, as terminals on trading desks have looked for decades.
    #[default]
    Amber,
    /// Dark text on a light background.
    Light,
    /// No colours at all (`NO_COLOR`): emphasis by bold, underline, italics and reverse.
    Plain,
}

/// Every style the screen uses, so that the drawing code never names a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub selected: Style,
    pub alert: Style,
    pub command: Style,
    pub status: Style,
    pub error: Style,
    pub found: Style,
    pub person: Style,
    pub org: Style,
    pub place: Style,
    pub company: Style,
    pub other: Style,
}

impl Theme {
    /// The scheme for a name.
    pub fn named(name: ThemeName) -> Theme {
        match name {
            ThemeName::Amber => Theme::amber(),
            ThemeName::Light => Theme::light(),
            ThemeName::Plain => Theme::plain(),
        }
    }

    fn amber() -> Theme {
        let amber = Color::Rgb(255, 176, 0);
        let base = Style::new().fg(amber).bg(Color::Black);
        Theme {
            base,
            dim: base.fg(Color::Rgb(150, 104, 0)),
            title: base.add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::Black).bg(amber),
            alert: base.fg(Color::LightRed).add_modifier(Modifier::BOLD),
            command: Style::new().fg(Color::White).bg(Color::Rgb(60, 40, 0)),
            status: Style::new().fg(Color::Black).bg(Color::Rgb(200, 140, 0)),
            error: Style::new().fg(Color::White).bg(Color::Red),
            found: Style::new().fg(Color::Black).bg(Color::LightYellow),
            person: base.fg(Color::LightCyan),
            org: base.fg(Color::LightGreen),
            place: base.fg(Color::LightMagenta),
            company: base.fg(Color::LightBlue),
            other: base.add_modifier(Modifier::UNDERLINED),
        }
    }

    fn light() -> Theme {
        let base = Style::new().fg(Color::Black).bg(Color::White);
        Theme {
            base,
            dim: base.fg(Color::DarkGray),
            title: base.add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::White).bg(Color::Blue),
            alert: base.fg(Color::Red).add_modifier(Modifier::BOLD),
            command: Style::new().fg(Color::Black).bg(Color::Gray),
            status: Style::new().fg(Color::White).bg(Color::DarkGray),
            error: Style::new().fg(Color::White).bg(Color::Red),
            found: Style::new().fg(Color::Black).bg(Color::Yellow),
            person: base.fg(Color::Blue),
            org: base.fg(Color::Green),
            place: base.fg(Color::Magenta),
            company: base.fg(Color::Cyan),
            other: base.add_modifier(Modifier::UNDERLINED),
        }
    }

    fn plain() -> Theme {
        let base = Style::new();
        Theme {
            base,
            dim: base,
            title: base.add_modifier(Modifier::BOLD),
            selected: base.add_modifier(Modifier::REVERSED),
            alert: base.add_modifier(Modifier::BOLD),
            command: base,
            status: base.add_modifier(Modifier::REVERSED),
            error: base.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            found: base.add_modifier(Modifier::REVERSED),
            person: base.add_modifier(Modifier::BOLD),
            org: base.add_modifier(Modifier::UNDERLINED),
            place: base.add_modifier(Modifier::ITALIC),
            company: base.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            other: base.add_modifier(Modifier::ITALIC | Modifier::UNDERLINED),
        }
    }

    /// The style an entity of this kind is highlighted with.
    pub fn entity(&self, kind: EntityKind) -> Style {
        match kind {
            EntityKind::Person => self.person,
            EntityKind::Org => self.org,
            EntityKind::Place => self.place,
            EntityKind::Company => self.company,
            EntityKind::Other => self.other,
        }
    }
}
