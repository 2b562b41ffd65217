//! Drawing: `draw(&App, &mut Frame)` lays out the command line, the list pane (wire,
//! results), the detail pane (story, entity, help) and the status line.

use herald_model::{Story, Timestamp};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::{
    AlertInfo, App, Backtest, ConnState, Detail, EntityPage, FUNCTIONS, Focus, FoldedCopy, Headline, Link,
    ListMode, Trend,
};
use crate::text::{clean_keep_offsets, clean_line, truncate, wrap, wrap_ranges};
use crate::theme::Theme;

/// Smallest terminal the layout works in; below it a message says so.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// Where things go on a screen of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Text columns of the panes.
    pub width: usize,
    /// Headline rows in the list pane.
    pub list_rows: usize,
    /// Text rows in the detail pane.
    pub detail_rows: usize,
}

/// The layout for a terminal of `(columns, rows)`: one row of command line, the list
/// pane (two fifths) and the detail pane, each under a title row, and one status row.
pub fn areas(size: (u16, u16)) -> Areas {
    let (w, h) = (usize::from(size.0), usize::from(size.1));
    let body = h.saturating_sub(2);
    let list_h = (body * 2 / 5).max(3).min(body);
    let detail_h = body - list_h;
    Areas {
        width: w.max(1),
        list_rows: list_h.saturating_sub(1),
        detail_rows: detail_h.saturating_sub(1),
    }
}

/// Renders the whole screen.
pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let t = &app.theme;
    frame.render_widget(Block::new().style(t.base), area);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "Terminal too small ({}×{}): Herald needs at least {MIN_WIDTH}×{MIN_HEIGHT}. Enlarge the window, or press q to quit.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(msg).style(t.base).wrap(Wrap { trim: true }), area);
        return;
    }
    let a = areas((area.width, area.height));
    let cmd = Rect::new(area.x, area.y, area.width, 1);
    let list_h = (a.list_rows + 1) as u16;
    let list = Rect::new(area.x, area.y + 1, area.width, list_h);
    let detail = Rect::new(area.x, list.bottom(), area.width, (a.detail_rows + 1) as u16);
    let status = Rect::new(area.x, area.bottom().saturating_sub(1), area.width, 1);

    draw_command_line(app, frame, cmd);
    draw_list(app, frame, list, a.list_rows);
    draw_detail(app, frame, detail, a);
    draw_status(app, frame, status);
}

fn draw_command_line(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let line = match &app.input {
        Some(input) => {
            let shown = clean_line(input);
            // Keep the end of a long line (where the cursor is) in view.
            let room = usize::from(area.width).saturating_sub(3);
            let skip = crate::text::width(&shown).saturating_sub(room);
            let visible: String = shown.chars().skip(skip).collect();
            let x = area.x + 2 + crate::text::width(&visible).min(room) as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            Line::from(vec![
                Span::styled("> ", t.title),
                Span::styled(visible, t.command),
            ])
        }
        None => Line::from(vec![
            Span::styled("> ", t.title),
            Span::styled(
                "type a function and press Enter: N oil · TOP · TREN · ALRT · FEED · ENT name · HELP",
                t.dim,
            ),
        ]),
    };
    frame.render_widget(Paragraph::new(line).style(t.command), area);
}

fn draw_list(app: &App, frame: &mut Frame, area: Rect, rows: usize) {
    let t = &app.theme;
    let (title, items, loading) = match &app.list {
        ListMode::Wire => {
            let state = if app.wire_loading {
                " · loading older headlines…"
            } else if app.wire_trimmed {
                " · not live: Home (g) goes back to the newest"
            } else {
                ""
            };
            (
                format!(" WIRE · {} headlines{state} ", app.wire.len()),
                None,
                false,
            )
        }
        ListMode::Results {
            title,
            items,
            loading,
        } => (
            format!(" {} · {} ", clean_line(title), items.len()),
            Some(items),
            *loading,
        ),
    };
    let focused = app.focus == Focus::List && app.input.is_none();
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, if focused { t.title } else { t.dim }))
        .style(t.base);
    let selected = app.selected();
    let offset = if rows == 0 {
        selected
    } else {
        selected.saturating_sub(rows - 1)
    };
    let width = usize::from(area.width);
    // TOP says how many outlets ran each story: the reason it ranks where it does.
    let sources = matches!(&app.list, ListMode::Results { title, .. } if title == "TOP");
    let make = |(i, h): (usize, &Headline)| headline_line(t, i, h, i == selected, width, sources);
    let mut lines: Vec<Line> = match items {
        None => app
            .wire
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(make)
            .collect(),
        Some(items) => items
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(make)
            .collect(),
    };
    if lines.is_empty() && items.is_none() && app.first_run() {
        for l in wrap(&first_run_offer(), width.max(1)) {
            lines.push(Line::styled(l, t.title));
        }
    } else if app.wire_loading && items.is_none() && lines.len() < rows {
        lines.push(Line::styled("loading…", t.dim));
    }
    if lines.is_empty() {
        let hint = if loading {
            "searching…"
        } else if items.is_some() {
            "nothing here (Esc: back to the wire)"
        } else {
            "waiting for stories from the node…"
        };
        lines.push(Line::styled(hint, t.dim));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `HH:MM` (UTC) of a story's time.
fn hhmm(time: Option<Timestamp>) -> String {
    time.map_or_else(
        || "--:--".to_string(),
        |t| format!("{:02}:{:02}", t.hour(), t.minute()),
    )
}

/// What the wire pane offers on a node with no stories that follows no feeds.
pub fn first_run_offer() -> String {
    format!(
        "No stories yet. FEED STARTER follows {} public news feeds (BBC, NPR, Al Jazeera, central banks, NASA …); `herald demo` replays sample stories offline.",
        crate::starter_feed_count()
    )
}

fn headline_line(
    t: &Theme,
    i: usize,
    h: &Headline,
    selected: bool,
    width: usize,
    sources: bool,
) -> Line<'static> {
    let style = if selected {
        t.selected
    } else if h.alert.is_some() {
        t.alert
    } else {
        t.base
    };
    let mark = if h.alert.is_some() {
        "!"
    } else if h.duplicate_of.is_some() {
        "≈"
    } else {
        " "
    };
    // Narrow screens give the headline the room a full source name would take.
    let src_w = if width >= 80 { 14 } else { 8 };
    let source = truncate(&clean_line(&h.source), src_w);
    let prefix = format!("{:>4}{mark}{}  {source:<src_w$}  ", i + 1, hhmm(h.time));
    // Folded copies: "+N" after the headline, always visible (the headline gives way).
    let copies = if sources {
        let n = h.copy_count.saturating_add(1);
        format!(" · {n} source{}", if n == 1 { "" } else { "s" })
    } else if h.copy_count > 0 {
        format!(" +{}", h.copy_count)
    } else {
        String::new()
    };
    let room = width
        .saturating_sub(crate::text::width(&prefix))
        .saturating_sub(copies.len());
    Line::from(vec![
        Span::styled(prefix, if selected { t.selected } else { t.dim }),
        Span::styled(truncate(&clean_line(&h.headline), room), style),
        Span::styled(copies, if selected { t.selected } else { t.title }),
    ])
}

fn draw_detail(app: &App, frame: &mut Frame, area: Rect, a: Areas) {
    let t = &app.theme;
    let title = match &app.detail {
        Detail::Empty => " STORY ".to_string(),
        Detail::Loading(what) => format!(" loading {} ", clean_line(what)),
        Detail::Story(s) => format!(" STORY · {} ", clean_line(&s.id)),
        Detail::Entity(e) => format!(" ENT · {} ", clean_line(&e.id)),
        Detail::Alerts => format!(" ALRT · {} alerts ", app.alerts.len()),
        Detail::Backtest(b) => format!(" ALRT TEST · {} ", clean_line(&b.query)),
        Detail::Trends { rows, .. } => format!(" TREN · {} rising ", rows.len()),
        Detail::Feeds { .. } => format!(" FEED · {} feeds ", app.feeds.len()),
        Detail::Help => " HELP ".to_string(),
    };
    let focused = app.focus == Focus::Detail && app.input.is_none();
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, if focused { t.title } else { t.dim }))
        .style(t.base);
    let (mut lines, links) = detail_content(app, a.width);
    let scroll = app.detail_scroll.min(lines.len().saturating_sub(1));
    let needle = app.find.as_ref().map(|f| f.to_lowercase());
    // The link Enter would open (the first on screen), marked while the pane has focus.
    let marked = links
        .iter()
        .map(|(i, _)| *i)
        .find(|i| *i >= scroll && *i < scroll + a.detail_rows)
        .filter(|_| focused);
    if let Some(l) = marked.and_then(|i| lines.get_mut(i)) {
        for s in &mut l.spans {
            s.style = t.selected;
        }
    }
    let shown: Vec<Line> = lines
        .drain(..)
        .skip(scroll)
        .take(a.detail_rows)
        .map(|mut l| {
            if let Some(n) = &needle
                && plain(&l).to_lowercase().contains(n.as_str())
            {
                for s in &mut l.spans {
                    s.style = s.style.patch(t.found);
                }
            }
            l
        })
        .collect();
    frame.render_widget(Paragraph::new(shown).block(block), area);
}

fn plain(l: &Line) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// The detail pane's lines as plain text (what `/` searches).
pub fn detail_text(app: &App, width: usize) -> Vec<String> {
    detail_lines(app, width).iter().map(plain).collect()
}

/// The detail pane's lines, wrapped to `width` columns.
pub fn detail_lines(app: &App, width: usize) -> Vec<Line<'static>> {
    detail_content(app, width).0
}

/// The detail pane's lines, and which of them Enter can open (line index, link).
pub fn detail_content(app: &App, width: usize) -> (Vec<Line<'static>>, Vec<(usize, Link)>) {
    let t = &app.theme;
    let mut links = Vec::new();
    let lines = match &app.detail {
        Detail::Empty => {
            let mut out = Vec::new();
            push_wrapped(
                &mut out,
                "Enter on a headline opens it; j/k move; Tab switches pane.",
                "",
                t.dim,
                width,
            );
            push_wrapped(
                &mut out,
                "Type a function and press Enter — HELP lists them.",
                "",
                t.dim,
                width,
            );
            out
        }
        Detail::Loading(what) => vec![Line::styled(format!("loading {}…", clean_line(what)), t.dim)],
        Detail::Story(s) => {
            let mut out = story_lines(s, t, width);
            let (copies, count) = app.copies_of(&s.id);
            // The copies go right under the source line: who else ran it is news too.
            let at = out.iter().position(|l| plain(l).is_empty()).unwrap_or(out.len());
            out.splice(at..at, copy_lines(copies, count, t, width));
            if let Some((_, related)) = app.related.as_ref().filter(|(id, _)| *id == s.id) {
                related_lines(related, t, width, &mut out, &mut links);
            }
            out
        }
        Detail::Entity(e) => {
            let mut out = entity_lines(e, t, width);
            co_mention_lines(e, t, width, &mut out, &mut links);
            out
        }
        Detail::Alerts => alert_lines(&app.alerts, t, width),
        Detail::Backtest(b) => backtest_lines(b, t, width),
        Detail::Trends { at, rows } => trend_lines(*at, rows, t, width),
        Detail::Feeds { note } => feed_lines(app, note.as_deref(), width),
        Detail::Help => help_lines(t, width),
    };
    (lines, links)
}

/// "RELATED": stories sharing the story's most salient entities, each a link.
fn related_lines(
    related: &[Headline],
    t: &Theme,
    width: usize,
    out: &mut Vec<Line<'static>>,
    links: &mut Vec<(usize, Link)>,
) {
    out.push(Line::default());
    if related.is_empty() {
        out.push(Line::styled(
            "RELATED  no other story names its main subjects",
            t.dim,
        ));
        return;
    }
    out.push(Line::styled(
        truncate("RELATED  (Enter opens the marked one; j/k move)", width),
        t.title,
    ));
    for h in related {
        let text = format!(
            "  {}  {:<14}  {}",
            day_time(h.time),
            truncate(&clean_line(&h.source), 14),
            clean_line(&h.headline)
        );
        links.push((out.len(), Link::Story(h.id.clone())));
        out.push(Line::styled(truncate(&text, width), t.base));
    }
}

/// "MENTIONED WITH": the entities most often named beside this one, each a link.
fn co_mention_lines(
    e: &EntityPage,
    t: &Theme,
    width: usize,
    out: &mut Vec<Line<'static>>,
    links: &mut Vec<(usize, Link)>,
) {
    if e.co_mentioned.is_empty() {
        return;
    }
    out.push(Line::default());
    out.push(Line::styled(
        truncate(
            "MENTIONED WITH  (stories naming both; Enter opens the marked one)",
            width,
        ),
        t.title,
    ));
    for c in &e.co_mentioned {
        let style = match c.kind.as_str() {
            "person" => t.person,
            "org" => t.org,
            "place" => t.place,
            "company" => t.company,
            _ => t.other,
        };
        let text = format!(
            "  {:<30} {:<8} {:>4}",
            truncate(&clean_line(&c.name), 30),
            truncate(&clean_line(&c.kind), 8),
            c.stories
        );
        links.push((
            out.len(),
            Link::Entity {
                id: c.id.clone(),
                name: c.name.clone(),
            },
        ));
        out.push(Line::styled(truncate(&text, width), style));
    }
}

/// How long ago (or, for a future time, how soon) `t` is from `now`: "4m ago", "in 2h".
fn age(now: Timestamp, t: Option<Timestamp>) -> String {
    let Some(t) = t else {
        return "-".to_string();
    };
    let secs = (now - t).whole_seconds();
    let span = |s: i64| {
        if s < 60 {
            format!("{s}s")
        } else if s < 3600 {
            format!("{}m", s / 60)
        } else if s < 86_400 {
            format!("{}h", s / 3600)
        } else {
            format!("{}d", s / 86_400)
        }
    };
    if secs >= 0 {
        format!("{} ago", span(secs))
    } else {
        format!("in {}", span(secs.saturating_neg()))
    }
}

/// `FEED`: a numbered table of the feeds with their health, and the last error of a
/// failing one in words under it.
fn feed_lines(app: &App, note: Option<&str>, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if let Some(n) = note {
        push_wrapped(&mut out, n, "", t.title, width);
        out.push(Line::default());
    }
    if app.feeds.is_empty() {
        push_wrapped(
            &mut out,
            &format!(
                "No feeds followed. FEED ADD <url> follows one; FEED STARTER follows {} public news feeds.",
                crate::starter_feed_count()
            ),
            "",
            t.dim,
            width,
        );
        return out;
    }
    out.push(Line::styled(
        truncate(
            &format!(
                "{:>3} {:<16} {:<10} {:>6} {:<8} {:<8} {:<8} TITLE",
                "#", "ID", "STATUS", "ITEMS", "FETCHED", "NEW ITEM", "NEXT"
            ),
            width,
        ),
        t.title,
    ));
    let now = app.now();
    for (i, f) in app.feeds.iter().enumerate() {
        let title = if f.title.is_empty() { &f.url } else { &f.title };
        let row = format!(
            "{:>3} {:<16} {:<10} {:>6} {:<8} {:<8} {:<8} {}",
            i + 1,
            truncate(&clean_line(&f.id), 16),
            f.health(),
            f.items_seen,
            age(now, f.last_fetch),
            age(now, f.last_new_item),
            age(now, f.next_poll),
            clean_line(title)
        );
        let style = if f.failing() { t.error } else { t.base };
        out.push(Line::styled(truncate(&row, width), style));
        if let Some(e) = f.last_error.as_deref().filter(|_| f.failing()) {
            let fails = if f.failures > 1 {
                format!(" ({} failures in a row)", f.failures)
            } else {
                String::new()
            };
            push_wrapped(&mut out, &format!("↳ {e}{fails}"), "    ", t.dim, width);
        }
    }
    out.push(Line::default());
    push_wrapped(
        &mut out,
        "FEED ADD <url> · FEED RM <n> · FEED POLL <n> · FEED STARTER",
        "",
        t.dim,
        width,
    );
    out
}

fn push_wrapped(out: &mut Vec<Line<'static>>, text: &str, indent: &str, style: Style, width: usize) {
    let room = width.saturating_sub(indent.len()).max(1);
    for (i, l) in wrap(&clean_line(text), room).into_iter().enumerate() {
        let pad = if i == 0 {
            indent.to_string()
        } else {
            " ".repeat(indent.chars().count())
        };
        out.push(Line::from(vec![Span::styled(pad, style), Span::styled(l, style)]));
    }
}

/// A story: headline, where from, bullets, the body with entity names coloured by kind,
/// quotes with their speakers, topics, figures, entities and what it duplicates.
pub fn story_lines(s: &Story, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    push_wrapped(&mut out, &s.headline, "", t.title, width);
    let when = s
        .time()
        .map(|t| {
            format!(
                "{}-{:02}-{:02} {}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                hhmm(Some(t))
            )
        })
        .unwrap_or_default();
    let source = if s.source.name.is_empty() {
        &s.source.id
    } else {
        &s.source.name
    };
    push_wrapped(
        &mut out,
        &format!("{source} · {when} UTC · seq {}", s.seq),
        "",
        t.dim,
        width,
    );
    if !s.bullets.is_empty() {
        out.push(Line::default());
        for b in &s.bullets {
            push_wrapped(&mut out, b, "• ", t.base, width);
        }
    }
    out.push(Line::default());
    out.extend(body_lines(s, t, width));
    if !s.quotes.is_empty() {
        out.push(Line::default());
        out.push(Line::styled("QUOTES", t.title));
        for q in &s.quotes {
            let speaker = q
                .speaker_name
                .clone()
                .or_else(|| {
                    let id = q.speaker.as_deref()?;
                    s.entities
                        .iter()
                        .find(|e| e.id == id)
                        .map(|e| e.name.clone())
                        .or(Some(id.to_string()))
                })
                .unwrap_or_else(|| "unattributed".to_string());
            push_wrapped(
                &mut out,
                &format!("“{}” — {speaker}", q.text),
                "  ",
                t.base,
                width,
            );
        }
    }
    if !s.topics.is_empty() {
        out.push(Line::default());
        let topics: Vec<&str> = s.topics.iter().map(|t| t.name.as_str()).collect();
        push_wrapped(
            &mut out,
            &format!("TOPICS  {}", topics.join(" · ")),
            "",
            t.base,
            width,
        );
    }
    if !s.figures.is_empty() {
        let figs: Vec<&str> = s.figures.iter().map(|f| f.text.as_str()).collect();
        push_wrapped(
            &mut out,
            &format!("FIGURES  {}", figs.join(" · ")),
            "",
            t.base,
            width,
        );
    }
    if !s.entities.is_empty() {
        out.push(Line::default());
        out.push(Line::styled("ENTITIES", t.title));
        for e in &s.entities {
            let roles = if e.roles.is_empty() {
                String::new()
            } else {
                format!(" — {}", e.roles.join(", "))
            };
            let text = format!("{} ({}){roles}", e.name, e.kind.as_str());
            let style = t.entity(e.kind);
            for (i, l) in wrap(&clean_line(&text), width.saturating_sub(2).max(1))
                .into_iter()
                .enumerate()
            {
                let pad = if i == 0 { "■ " } else { "  " };
                out.push(Line::from(vec![Span::styled(pad, style), Span::styled(l, style)]));
            }
        }
    }
    if let Some(d) = &s.duplicate_of {
        out.push(Line::default());
        push_wrapped(
            &mut out,
            &format!("DUPLICATE OF {d} (READ {d})"),
            "",
            t.dim,
            width,
        );
    }
    out
}

/// The body wrapped to `width`, with each entity mention drawn in its kind's style. The
/// mentions' byte offsets are checked: one that is out of range or splits a character is
/// drawn plain rather than trusted.
fn body_lines(s: &Story, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let body = clean_keep_offsets(&s.body);
    let mut marks: Vec<(usize, usize, Style)> = s
        .entities
        .iter()
        .flat_map(|e| e.mentions.iter().map(move |m| (m.start, m.end, t.entity(e.kind))))
        .filter(|(a, b, _)| {
            a < b && *b <= body.len() && body.is_char_boundary(*a) && body.is_char_boundary(*b)
        })
        .collect();
    marks.sort_by_key(|m| (m.0, m.1));
    // Overlapping mentions (a place inside an organisation's name): the first one wins.
    let mut kept: Vec<(usize, usize, Style)> = Vec::with_capacity(marks.len());
    for m in marks {
        if kept.last().is_none_or(|k| m.0 >= k.1) {
            kept.push(m);
        }
    }
    let mut out = Vec::new();
    for r in wrap_ranges(&body, width) {
        let mut spans = Vec::new();
        let mut cursor = r.start;
        let first = kept.partition_point(|m| m.1 <= r.start);
        for &(a, b, style) in kept.get(first..).unwrap_or_default() {
            if a >= r.end {
                break;
            }
            let (a, b) = (a.max(r.start), b.min(r.end));
            if let Some(p) = body.get(cursor..a).filter(|p| !p.is_empty()) {
                spans.push(Span::styled(p.to_string(), t.base));
            }
            if let Some(p) = body.get(a..b) {
                spans.push(Span::styled(p.to_string(), style));
            }
            cursor = b;
        }
        if let Some(p) = body.get(cursor..r.end).filter(|p| !p.is_empty()) {
            spans.push(Span::styled(p.to_string(), t.base));
        }
        out.push(Line::from(spans));
    }
    out
}

/// The copies folded under a story on the wire: where and when each appeared.
fn copy_lines(copies: &[FoldedCopy], count: usize, t: &Theme, width: usize) -> Vec<Line<'static>> {
    if count == 0 {
        return Vec::new();
    }
    let mut out = vec![
        Line::default(),
        Line::styled(
            format!("COPIES  {count} near-duplicates folded under this story"),
            t.title,
        ),
    ];
    for c in copies {
        let text = format!(
            "{}  {:<16}  {}",
            hhmm(c.time),
            truncate(&clean_line(&c.source), 16),
            c.id
        );
        push_wrapped(&mut out, &text, "  ", t.base, width);
    }
    if count > copies.len() {
        push_wrapped(
            &mut out,
            &format!("… and {} more", count - copies.len()),
            "  ",
            t.dim,
            width,
        );
    }
    out
}

/// `YYYY-MM-DD HH:MM` of a time, or "never".
fn day_time(t: Option<Timestamp>) -> String {
    t.map_or_else(
        || "never".to_string(),
        |t| {
            format!(
                "{}-{:02}-{:02} {}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                hhmm(Some(t))
            )
        },
    )
}

/// The alerts as a numbered table (the numbers `ALRT RM` takes).
fn alert_lines(alerts: &[AlertInfo], t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if alerts.is_empty() {
        push_wrapped(
            &mut out,
            "No alerts yet. ALRT ADD <name> <query> adds one; ALRT TEST <query> shows what it would have caught.",
            "",
            t.dim,
            width,
        );
        return out;
    }
    out.push(Line::styled(
        truncate(
            &format!(
                "{:>3}  {:<18}  {:>6}  {:<16}  QUERY",
                "#", "NAME", "HITS", "LAST HIT"
            ),
            width,
        ),
        t.title,
    ));
    for (i, a) in alerts.iter().enumerate() {
        let row = format!(
            "{:>3}  {:<18}  {:>6}  {:<16}  {}",
            i + 1,
            truncate(&clean_line(&a.name), 18),
            a.hits,
            day_time(a.last_hit),
            clean_line(&a.query)
        );
        out.push(Line::styled(truncate(&row, width), t.base));
    }
    out.push(Line::default());
    push_wrapped(
        &mut out,
        "ALRT ADD <name> <query> · ALRT RM <n> · ALRT TEST <query>; hits flash in the status line.",
        "",
        t.dim,
        width,
    );
    out
}

/// A backtest: hits per day as a bar chart, then the latest examples (listed above too).
fn backtest_lines(b: &Backtest, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    push_wrapped(
        &mut out,
        &format!(
            "{} stories in the last {} days match {}",
            b.total, b.days, b.query
        ),
        "",
        t.title,
        width,
    );
    let max = b.per_day.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    // "YYYY-MM-DD " + bar + " count": the bar takes what the line leaves, up to 40 cells.
    let bar_room = width.saturating_sub(11 + 8).clamp(1, 40) as u64;
    for (date, hits) in &b.per_day {
        let cells = (hits * bar_room).div_ceil(max) as usize;
        out.push(Line::from(vec![
            Span::styled(format!("{:<10} ", truncate(&clean_line(date), 10)), t.dim),
            Span::styled("█".repeat(cells), t.title),
            Span::styled(format!(" {hits}"), t.base),
        ]));
    }
    if !b.examples.is_empty() {
        out.push(Line::default());
        out.push(Line::styled("LATEST", t.title));
        for e in &b.examples {
            let text = format!(
                "{}  {}  {}",
                day_time(e.time),
                clean_line(&e.source),
                clean_line(&e.headline)
            );
            out.push(Line::styled(truncate(&text, width), t.base));
        }
    }
    out
}

/// `TREN`: the rising names with their counts and ratio.
fn trend_lines(at: Timestamp, rows: &[Trend], t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    push_wrapped(
        &mut out,
        &format!(
            "Rising at {} UTC: stories in the last hour against the hourly rate over 24 h (wire only)",
            day_time(Some(at))
        ),
        "",
        t.dim,
        width,
    );
    if rows.is_empty() {
        push_wrapped(&mut out, "Nothing is rising right now.", "", t.dim, width);
        return out;
    }
    out.push(Line::styled(
        truncate(
            &format!(
                "{:<8} {:<28} {:>5} {:>5} {:>6}",
                "KIND", "NAME", "1H", "24H", "RATIO"
            ),
            width,
        ),
        t.title,
    ));
    for r in rows {
        let style = match r.kind.as_str() {
            "person" => t.person,
            "org" => t.org,
            "place" => t.place,
            "company" => t.company,
            "topic" => t.base,
            _ => t.other,
        };
        let row = format!(
            "{:<8} {:<28} {:>5} {:>5} {:>5.1}×",
            r.kind,
            truncate(&clean_line(&r.name), 28),
            r.hour,
            r.day,
            r.ratio
        );
        out.push(Line::styled(truncate(&row, width), style));
    }
    out
}

fn entity_lines(e: &EntityPage, t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    push_wrapped(&mut out, &e.name, "", t.title, width);
    push_wrapped(&mut out, &format!("{} · {}", e.kind, e.id), "", t.dim, width);
    if let Some(tk) = &e.ticker {
        push_wrapped(&mut out, &format!("TICKER   {tk}"), "", t.base, width);
    }
    if !e.aliases.is_empty() {
        push_wrapped(
            &mut out,
            &format!("ALIASES  {}", e.aliases.join(" · ")),
            "",
            t.base,
            width,
        );
    }
    if !e.roles.is_empty() {
        push_wrapped(
            &mut out,
            &format!("ROLES    {}", e.roles.join(" · ")),
            "",
            t.base,
            width,
        );
    }
    out.push(Line::default());
    let n = e.stories.len();
    let text = if n == 0 {
        "No stories name it yet.".to_string()
    } else {
        format!("LATEST STORIES: {n}, listed above (Enter opens one).")
    };
    push_wrapped(&mut out, &text, "", t.dim, width);
    out
}

fn help_lines(t: &Theme, width: usize) -> Vec<Line<'static>> {
    let rows: [(&str, &str); 19] = [
        (
            "N <query>",
            "search, e.g. N oil AND place:Rotterdam (results above; Enter opens)",
        ),
        ("READ <n>", "open line n of the list (or Enter on a headline)"),
        (
            "ENT <name>",
            "an entity: kind, aliases, roles, latest stories, entities mentioned with it",
        ),
        (
            "TOP",
            "the stories that matter now: recent, run by many sources, about prominent subjects",
        ),
        (
            "TREN",
            "entities and topics rising: last hour against the last 24 h",
        ),
        ("ALRT", "the alerts: name, query, hits, last hit"),
        (
            "ALRT ADD n q",
            "add alert n for query q (ALRT RM <n> removes one)",
        ),
        (
            "ALRT TEST q",
            "backtest q: hits per day over 7 days and the latest stories",
        ),
        (
            "FEED",
            "the feeds and their health; FEED ADD <url> · RM <n> · POLL <n>",
        ),
        ("FEED STARTER", "follow the starter list of public news feeds"),
        ("HELP", "this page"),
        ("QUIT, q", "leave"),
        ("j k ↑ ↓", "move; PgUp PgDn page; g G top and bottom"),
        (
            "Tab",
            "switch panes; when typing, completes functions and entity names (ENT, person: …)",
        ),
        ("↑ (typing)", "recall earlier functions"),
        ("/text", "find in the story pane; Enter: next match"),
        ("Esc", "back: close the story, then return to the live wire"),
        (":", "start typing a function (any other letter does too)"),
        ("Ctrl-C", "leave at once"),
    ];
    let mut out = vec![Line::styled(
        format!("FUNCTIONS  {}", FUNCTIONS.join(" ")),
        t.title,
    )];
    for (k, v) in rows {
        push_wrapped(&mut out, &format!("{k:<12}{v}"), "", t.base, width);
    }
    out
}

fn draw_status(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let conn = match &app.conn {
        ConnState::Connecting => "connecting…".to_string(),
        ConnState::Live => "LIVE".to_string(),
        ConnState::Down { reason, retry_in } => {
            format!(
                "DOWN: {} (retry in {:.1}s)",
                clean_line(reason),
                retry_in.as_secs_f64()
            )
        }
    };
    let seq = app.last_seq.map_or_else(|| "-".to_string(), |s| s.to_string());
    let mut spans = vec![Span::styled(
        format!(
            " {} │ {conn} │ {}/min │ seq {seq} ",
            clean_line(&app.node),
            app.stories_per_min()
        ),
        t.status,
    )];
    if let Some(m) = &app.message {
        let style = if m.error || m.alert { t.error } else { t.status };
        spans.push(Span::styled(format!("│ {} ", clean_line(&m.text)), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
}
