//! herald-term: Herald's keyboard-driven news terminal, a client of a node's HTTP API.
//!
//! The pieces are kept apart so that each can be tested alone: [`app::App`] is pure state
//! with one transition (`update(Event) -> Vec<Command>`), [`ui::draw`] renders it,
//! [`io`] carries Commands to the node and brings Events back, and [`run`] wires them to
//! a real console.

pub mod app;
pub mod io;
pub mod sse;
pub mod text;
pub mod theme;
pub mod ui;

use std::io::{IsTerminal, Stdout, stdout};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::cursor::Show;
use crossterm::event::Event as TermEvent;
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

pub use app::{App, Command, Event};
pub use theme::ThemeName;

/// Frames are drawn at most this often: a burst of stories costs one redraw per frame.
pub const FRAME: Duration = Duration::from_millis(50);

/// The starter feeds offered on a new data directory (`feeds/starter.opml` in the repo):
/// public wire, broadcaster, central-bank and science feeds, grouped by tag.
pub const STARTER_OPML: &str = include_str!("../../../feeds/starter.opml");
/// How many feeds [`STARTER_OPML`] lists (each feed outline carries an `xmlUrl`).
pub fn starter_feed_count() -> usize {
    STARTER_OPML.matches("xmlUrl=\"").count()
}

/// Stories from the log shown on opening, so the wire is never empty on a busy node.
const BACKFILL: u64 = 200;
/// Events buffered between the I/O tasks and the screen.
const EVENT_QUEUE: usize = 4096;

/// Why the terminal could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum TermError {
    #[error("--node / HERALD_URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("the console failed while {what}")]
    Console {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("the terminal needs a console: stdin and stdout must both be a terminal, not a pipe or a file")]
    NotAConsole,
}

/// How to open the terminal.
#[derive(Debug, Clone)]
pub struct Options {
    /// The node, `http://HOST:PORT`.
    pub node: String,
    /// The requested colours; `NO_COLOR` overrides them (see [`effective_theme`]).
    pub theme: ThemeName,
}

/// The theme to use: `NO_COLOR` (set and not empty, as no-color.org says) means none.
pub fn effective_theme(requested: ThemeName) -> ThemeName {
    match std::env::var_os("NO_COLOR") {
        Some(v) if !v.is_empty() => ThemeName::Plain,
        _ => requested,
    }
}

/// Whether the console is in raw mode on the alternate screen (so the panic hook, which
/// stays installed after `run`, touches the console only while the terminal owns it).
static CONSOLE_TAKEN: AtomicBool = AtomicBool::new(false);

/// Puts the console back as the user had it: raw mode off, main screen, cursor shown.
/// Safe to call more than once (on exit and again from the panic hook).
fn restore_console() {
    if CONSOLE_TAKEN.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), LeaveAlternateScreen, Show);
    }
}

/// Restores the console when dropped, whichever way `run` ends.
struct ConsoleGuard;

impl Drop for ConsoleGuard {
    fn drop(&mut self) {
        restore_console();
    }
}

/// Opens the terminal on the current console and runs it until the user quits.
pub fn run(opts: Options) -> Result<(), TermError> {
    let node = io::Node::new(&opts.node)?;
    if !(std::io::stdin().is_terminal() && stdout().is_terminal()) {
        return Err(TermError::NotAConsole);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(TermError::Runtime)?;
    // A panic anywhere must not leave the user's shell in raw mode on the alternate screen.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_console();
        previous(info);
    }));
    let console = |what| move |source| TermError::Console { what, source };
    enable_raw_mode().map_err(console("switching to raw mode"))?;
    CONSOLE_TAKEN.store(true, Ordering::SeqCst);
    let _guard = ConsoleGuard;
    execute!(stdout(), EnterAlternateScreen).map_err(console("entering the alternate screen"))?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(stdout())).map_err(console("opening the terminal"))?;
    let mut app = App::new(node.base().to_string(), effective_theme(opts.theme));
    let result = rt.block_on(event_loop(&mut terminal, &mut app, node));
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

/// Reads keys and resizes on a plain thread (crossterm's reader blocks) until `stop`.
fn read_input(tx: mpsc::Sender<Event>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        match crossterm::event::poll(Duration::from_millis(100)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let ev = match crossterm::event::read() {
            Ok(TermEvent::Key(k)) => Event::Key(k),
            Ok(TermEvent::Resize(w, h)) => Event::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.blocking_send(ev).is_err() {
            return;
        }
    }
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    node: io::Node,
) -> Result<(), TermError> {
    let (tx, mut rx) = mpsc::channel(EVENT_QUEUE);
    let wire = io::spawn_wire(node.clone(), io::Start::Recent(BACKFILL), tx.clone());
    let alerts = io::spawn_alerts(node.clone(), tx.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let input = {
        let (tx, stop) = (tx.clone(), stop.clone());
        std::thread::spawn(move || read_input(tx, stop))
    };
    if let Ok(size) = terminal.size() {
        app.update(Event::Resize(size.width, size.height));
    }
    let opening = app.opening();
    spawn_commands(app, opening, &node, &tx);
    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut result = Ok(());
    let mut resized = false;
    while !app.quit {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                resized |= matches!(ev, Event::Resize(..));
                handle(app, ev, &node, &tx);
                // Take everything already waiting, so a burst is one frame's work.
                for _ in 0..EVENT_QUEUE {
                    let Ok(ev) = rx.try_recv() else { break };
                    resized |= matches!(ev, Event::Resize(..));
                    handle(app, ev, &node, &tx);
                }
            }
            _ = frames.tick() => {
                app.update(Event::Tick(Instant::now()));
                if app.dirty {
                    // Some terminals (and multiplexers) drop what was on screen when the
                    // window changes size; a full repaint must not trust the last frame.
                    if std::mem::take(&mut resized)
                        && let Err(source) = terminal.clear()
                    {
                        result = Err(TermError::Console { what: "clearing after a resize", source });
                        break;
                    }
                    if let Err(source) = terminal.draw(|f| ui::draw(app, f)) {
                        result = Err(TermError::Console { what: "drawing", source });
                        break;
                    }
                    app.dirty = false;
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    wire.abort();
    alerts.abort();
    drop(rx);
    let _ = input.join();
    result
}

/// Applies an event and starts whatever it asks for on its own task.
fn handle(app: &mut App, ev: Event, node: &io::Node, tx: &mpsc::Sender<Event>) {
    let cmds = app.update(ev);
    spawn_commands(app, cmds, node, tx);
}

/// Starts each command on its own task (so input never waits for the node); its
/// answer comes back on `tx`. `Quit` is the App's own business.
fn spawn_commands(app: &mut App, cmds: Vec<Command>, node: &io::Node, tx: &mpsc::Sender<Event>) {
    for cmd in cmds {
        if cmd == Command::Quit {
            app.quit = true;
            continue;
        }
        let (node, tx) = (node.clone(), tx.clone());
        tokio::spawn(async move {
            if let Some(ev) = io::execute(&node, cmd).await {
                let _ = tx.send(ev).await;
            }
        });
    }
}
