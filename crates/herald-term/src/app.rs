//! The terminal's state and its one transition: `App::update(Event) -> Vec<Command>`.
//! Pure — no I/O, and the wall clock only for `TREN` unless a test fixes it with
//! [`App::set_now`] — so every key press and every arrival can be tested directly.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use herald_model::{EntityKind, Story, Timestamp};

use crate::theme::{Theme, ThemeName};
use crate::ui;

/// Headlines kept on the live wire; older ones fall off the bottom (bounded memory).
pub const WIRE_CAPACITY: usize = 2000;
/// Commands kept for Up-arrow recall.
const HISTORY_CAPACITY: usize = 100;
/// Longest command line accepted (a pasted article should not grow it without bound).
const MAX_INPUT_CHARS: usize = 1000;
/// Alert hits remembered for stories not on the wire yet (the hit can beat the story).
const PENDING_ALERTS: usize = 256;
/// Stories listed by `TOP`.
const TOP_COUNT: usize = 50;
/// The functions, in the order `HELP` lists them and Tab offers them.
pub const FUNCTIONS: [&str; 9] = ["N", "READ", "ENT", "TOP", "TREN", "ALRT", "FEED", "HELP", "QUIT"];
/// Related stories listed under a story (`READ`).
pub const RELATED_COUNT: usize = 5;
/// The most salient entities of a story that its related stories are looked up by.
const RELATED_BY: usize = 3;
/// Headlines asked for per page when scrolling past the oldest one kept.
pub const PAGE_SIZE: usize = 100;
/// Copies from an older page whose first headline is older still, held until it comes.
const MAX_ORPHANS: usize = 512;
/// Entity names a Tab completion offers.
pub const COMPLETION_COUNT: usize = 8;
/// The query fields whose values are entity names (Tab completes them in `N`).
pub const ENTITY_FIELDS: [&str; 5] = ["person", "org", "place", "company", "entity"];
/// Copies listed under a folded headline (the count goes on; the list stops here).
pub const MAX_COPIES: usize = 50;
/// Entities and topics kept per wire headline for `TREN`.
const MAX_TERMS_PER_STORY: usize = 32;
/// `TREN` lists a name only with at least this many stories in the last hour.
pub const TREND_MIN_MENTIONS: usize = 3;
/// … and only when its last hour is at least this many times its hourly rate over 24 h.
pub const TREND_RISING: f64 = 1.5;
/// Rows `TREN` lists.
const TREND_ROWS: usize = 40;
/// Days a backtest (`ALRT TEST`) looks back.
pub const BACKTEST_DAYS: u32 = 7;

/// One line of the wire or of a result list.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub seq: u64,
    pub id: String,
    pub time: Option<Timestamp>,
    pub source: String,
    pub headline: String,
    /// Salience of the story's most salient entity (0 when unknown); `TOP` ranks by it.
    pub salience: f32,
    /// The name of the alert this story hit, if any.
    pub alert: Option<String>,
    pub duplicate_of: Option<String>,
    /// Later copies of this story folded under it (newest last, at most [`MAX_COPIES`]).
    pub copies: Vec<FoldedCopy>,
    /// How many copies were folded, including those past [`MAX_COPIES`].
    pub copy_count: usize,
    /// The story's entities (kind, name) and topic names, for `TREN`.
    pub entities: Vec<(EntityKind, String)>,
    pub topics: Vec<String>,
}

/// A near-duplicate folded under the first headline of its story.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedCopy {
    pub id: String,
    pub source: String,
    pub time: Option<Timestamp>,
}

/// An alert (standing query) as `GET /v1/alerts` describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertInfo {
    pub id: String,
    pub name: String,
    pub query: String,
    pub hits: u64,
    pub last_hit: Option<Timestamp>,
}

/// The answer of a backtest (`ALRT TEST`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Backtest {
    pub query: String,
    pub days: u32,
    pub total: u64,
    /// (UTC date, hits), oldest first.
    pub per_day: Vec<(String, u64)>,
    /// The latest matching stories, newest first.
    pub examples: Vec<Headline>,
}

/// One rising name of `TREN`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// "person", "org", "place", "company", "other" or "topic".
    pub kind: String,
    pub name: String,
    /// Stories naming it in the last hour.
    pub hour: usize,
    /// Stories naming it in the last 24 hours (the hour included).
    pub day: usize,
    /// `hour` against the hourly rate over the day (`day / 24`): 1 is steady, 24 is all new.
    pub ratio: f64,
}

impl Headline {
    /// The wire line for a full story.
    pub fn from_story(s: &Story) -> Headline {
        Headline {
            seq: s.seq,
            id: s.id.clone(),
            time: s.time(),
            source: if s.source.name.is_empty() {
                s.source.id.clone()
            } else {
                s.source.name.clone()
            },
            headline: s.headline.clone(),
            salience: s.entities.iter().map(|e| e.salience).fold(0.0, f32::max),
            alert: None,
            duplicate_of: s.duplicate_of.clone(),
            copies: Vec::new(),
            copy_count: 0,
            entities: s
                .entities
                .iter()
                .take(MAX_TERMS_PER_STORY)
                .map(|e| (e.kind, e.name.clone()))
                .collect(),
            topics: s
                .topics
                .iter()
                .take(MAX_TERMS_PER_STORY)
                .map(|t| t.name.clone())
                .collect(),
        }
    }
}

/// An entity's page (`ENT`), as the node describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityPage {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
    pub roles: Vec<String>,
    pub ticker: Option<String>,
    pub stories: Vec<Headline>,
    /// The entities most often named beside it, most often first.
    pub co_mentioned: Vec<CoMention>,
}

/// An entity named in the same stories as another (`ENT`'s "Mentioned with").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoMention {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// Stories naming both (of the entity's latest).
    pub stories: u64,
}

/// A followed feed and its health, as `GET /v1/feeds` describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedInfo {
    pub id: String,
    pub url: String,
    pub title: String,
    /// "active", "gone" or "paused".
    pub status: String,
    pub last_fetch: Option<Timestamp>,
    /// The HTTP status of the last answer (304: not modified).
    pub http_status: Option<u16>,
    /// What went wrong with the last poll, in words.
    pub last_error: Option<String>,
    pub last_new_item: Option<Timestamp>,
    pub items_seen: u64,
    /// Consecutive failed polls.
    pub failures: u32,
    pub next_poll: Option<Timestamp>,
}

impl FeedInfo {
    /// The feed's health in a word with the HTTP code: "ok 200", "error 503", "gone 410",
    /// "paused", or "new" before its first poll.
    pub fn health(&self) -> String {
        let word = match self.status.as_str() {
            "gone" => "gone",
            "paused" => "paused",
            _ if self.last_error.is_some() => "error",
            _ if self.last_fetch.is_none() => return "new".to_string(),
            _ => "ok",
        };
        match self.http_status {
            Some(code) => format!("{word} {code}"),
            None => word.to_string(),
        }
    }

    /// Whether the feed needs the user's eye (its last error is worth printing).
    pub fn failing(&self) -> bool {
        self.status == "gone" || self.last_error.is_some()
    }
}

/// What one poll of a feed did (`FEED POLL`, `FEED ADD`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PollSummary {
    /// `ok`, `not_modified`, `gone` or `error`.
    pub outcome: String,
    pub http_status: Option<u16>,
    /// Items in the document.
    pub items: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub error: Option<String>,
}

impl PollSummary {
    /// One line: "ok (HTTP 200): 12 items — 3 new, 1 changed, 8 unchanged".
    pub fn describe(&self) -> String {
        let http = self
            .http_status
            .map_or_else(String::new, |c| format!(" (HTTP {c})"));
        match (&self.error, self.outcome.as_str()) {
            (Some(e), _) => format!("{}{http}: {e}", self.outcome),
            (None, "not_modified") => format!("not modified{http}: nothing new"),
            (None, _) => format!(
                "{}{http}: {} items — {} new, {} changed, {} unchanged",
                self.outcome, self.items, self.new, self.changed, self.unchanged
            ),
        }
    }
}

/// Something in the lower pane that Enter opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Story(String),
    Entity { id: String, name: String },
}

/// A Tab completion of an entity name in progress.
#[derive(Debug, Clone, PartialEq)]
struct Completion {
    /// The command line as it was when the names were asked for or last put in.
    line: String,
    /// What comes before the name being completed (`ENT `, `N oil AND person:`).
    head: String,
    /// The start of the name the user typed.
    typed: String,
    /// Whether the name is a query value (quoted when it holds a space).
    in_query: bool,
    candidates: Vec<String>,
    /// The candidate the next Tab puts in.
    next: usize,
    /// The node has not answered yet (a Tab meanwhile asks nothing more: debounced).
    pending: bool,
}

/// The connection to the node's live wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Live,
    /// Lost (or never made); the next attempt is in `retry_in`.
    Down {
        reason: String,
        retry_in: Duration,
    },
}

/// Everything that can happen to the terminal.
#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A story arrived on the live wire.
    Story(Box<Story>),
    /// The node dropped us for falling behind; the stream resumes after this seq.
    Lag {
        resume_from: u64,
    },
    /// A standing query matched a story.
    AlertHit {
        story_id: String,
        alert: String,
    },
    SearchResult {
        query: String,
        hits: Vec<Headline>,
        total: u64,
    },
    StoryLoaded(Box<Story>),
    EntityLoaded(Box<EntityPage>),
    /// The node's alerts (after a list, an add or a removal; `note` says which).
    AlertsLoaded {
        alerts: Vec<AlertInfo>,
        note: Option<String>,
    },
    BacktestLoaded(Box<Backtest>),
    /// A request failed; `what` names it ("search \"oil\"", "story st_…").
    Failed {
        what: String,
        message: String,
    },
    Connection(ConnState),
    /// The node's feeds (after a list, an add, a removal, a poll or an import; `note`
    /// says what was done).
    FeedsLoaded {
        feeds: Vec<FeedInfo>,
        note: Option<String>,
    },
    /// How many feeds the node follows (asked on opening, for the first-run offer).
    FeedCount(usize),
    /// Entity names starting with `prefix` (a Tab completion's answer).
    EntityCandidates {
        prefix: String,
        names: Vec<String>,
    },
    /// A page of the wire from the log, newest first: the headlines before seq
    /// `before`, or the newest ones when `before` is `None`.
    WirePage {
        before: Option<u64>,
        stories: Vec<Headline>,
        /// Where the next page back starts; `None` when the log has nothing older.
        next_before: Option<u64>,
    },
    /// Stories related to story `story_id`, newest first (before filtering).
    RelatedLoaded {
        story_id: String,
        items: Vec<Headline>,
    },
    /// Time passes (drives stories/min and message expiry).
    Tick(Instant),
}

/// What the terminal asks the I/O layer to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Search {
        query: String,
    },
    LoadStory {
        id: String,
    },
    FindEntity {
        name: String,
    },
    ListAlerts,
    AddAlert {
        name: String,
        query: String,
    },
    RemoveAlert {
        id: String,
        name: String,
    },
    TestAlert {
        query: String,
    },
    /// Opens an entity's page by its id (a "Mentioned with" line).
    OpenEntity {
        id: String,
    },
    ListFeeds,
    /// Asks only how many feeds the node follows.
    CountFeeds,
    AddFeed {
        url: String,
    },
    RemoveFeed {
        id: String,
    },
    PollFeed {
        id: String,
    },
    /// Follows every feed of an OPML document (`FEED STARTER` sends the starter list).
    ImportFeeds {
        opml: String,
    },
    /// Entity names starting with `prefix`, of one kind ("person", …) or any.
    CompleteEntity {
        prefix: String,
        kind: Option<String>,
    },
    /// A page of the wire from the log: before seq `before`, or the newest.
    LoadWire {
        before: Option<u64>,
    },
    /// Stories matching `query` (the story's salient entities), for its "Related".
    Related {
        story_id: String,
        query: String,
    },
    Quit,
}

/// What the upper pane lists.
#[derive(Debug, Clone, PartialEq)]
pub enum ListMode {
    /// The live wire.
    Wire,
    /// Search hits, `TOP`, or an entity's latest stories.
    Results {
        title: String,
        items: Vec<Headline>,
        loading: bool,
    },
}

/// What the lower pane shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    Empty,
    Loading(String),
    Story(Box<Story>),
    Entity(Box<EntityPage>),
    /// The alerts in [`App::alerts`].
    Alerts,
    Backtest(Box<Backtest>),
    Trends {
        at: Timestamp,
        rows: Vec<Trend>,
    },
    /// The feeds in [`App::feeds`], under what was just done to them.
    Feeds {
        note: Option<String>,
    },
    Help,
}

/// Which pane the navigation keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

/// A status-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub error: bool,
    pub alert: bool,
}

/// The whole terminal state.
#[derive(Debug)]
pub struct App {
    pub node: String,
    pub theme: Theme,
    pub size: (u16, u16),
    /// `Some` while the command line has the keyboard.
    pub input: Option<String>,
    history: Vec<String>,
    history_pos: Option<usize>,
    /// Newest first.
    pub wire: VecDeque<Headline>,
    pub last_seq: Option<u64>,
    pub list: ListMode,
    pub wire_selected: usize,
    pub results_selected: usize,
    pub detail: Detail,
    pub focus: Focus,
    pub detail_scroll: usize,
    /// The text `/` looks for in the lower pane.
    pub find: Option<String>,
    pub conn: ConnState,
    pub message: Option<Message>,
    pending_alerts: HashMap<String, String>,
    /// The alerts as last listed (what `ALRT RM <n>` numbers).
    pub alerts: Vec<AlertInfo>,
    /// The feeds as last listed (what `FEED RM <n>` and `FEED POLL <n>` number).
    pub feeds: Vec<FeedInfo>,
    /// How many feeds the node follows, once known (the first-run offer needs 0).
    pub feeds_followed: Option<usize>,
    /// Stories related to the open story: (its id, up to [`RELATED_COUNT`]).
    pub related: Option<(String, Vec<Headline>)>,
    completion: Option<Completion>,
    /// An older page of the wire is on its way.
    pub wire_loading: bool,
    /// The log may hold headlines older than the wire's last.
    pub wire_more: bool,
    /// The newest headlines were dropped to make room for older ones: the top of the
    /// wire is not live until it is reloaded (Home / `g` does).
    pub wire_trimmed: bool,
    /// Copies from older pages waiting for their first headline: first id → copies.
    orphans: HashMap<String, Vec<FoldedCopy>>,
    /// A fixed "now" for `TREN` (tests); `None` reads the wall clock.
    fixed_now: Option<Timestamp>,
    epoch: Instant,
    clock: Instant,
    /// Stories received per second (seconds since `epoch`), the last minute only.
    arrivals: VecDeque<(u64, u32)>,
    pub quit: bool,
    /// Something changed since the last frame was drawn.
    pub dirty: bool,
}

impl App {
    /// A terminal for the node at `node` (shown in the status line).
    pub fn new(node: impl Into<String>, theme: ThemeName) -> App {
        let now = Instant::now();
        App {
            node: node.into(),
            theme: Theme::named(theme),
            size: (80, 24),
            input: None,
            history: Vec::new(),
            history_pos: None,
            wire: VecDeque::new(),
            last_seq: None,
            list: ListMode::Wire,
            wire_selected: 0,
            results_selected: 0,
            detail: Detail::Empty,
            focus: Focus::List,
            detail_scroll: 0,
            find: None,
            conn: ConnState::Connecting,
            message: None,
            pending_alerts: HashMap::new(),
            alerts: Vec::new(),
            feeds: Vec::new(),
            feeds_followed: None,
            related: None,
            completion: None,
            wire_loading: false,
            wire_more: true,
            wire_trimmed: false,
            orphans: HashMap::new(),
            fixed_now: None,
            epoch: now,
            clock: now,
            arrivals: VecDeque::new(),
            quit: false,
            dirty: true,
        }
    }

    /// What to ask the node on opening: how many feeds it follows (an empty wire on a
    /// node that follows none gets the first-run offer instead of emptiness).
    pub fn opening(&self) -> Vec<Command> {
        vec![Command::CountFeeds]
    }

    /// Whether the wire pane should offer the starter feeds: nothing on the wire and
    /// the node follows no feeds.
    pub fn first_run(&self) -> bool {
        self.wire.is_empty() && self.feeds_followed == Some(0)
    }

    /// The command line's text, or "" when it does not have the keyboard.
    pub fn command_line(&self) -> &str {
        self.input.as_deref().unwrap_or("")
    }

    /// Fixes the time `TREN` measures from (tests), instead of the wall clock.
    pub fn set_now(&mut self, now: Timestamp) {
        self.fixed_now = Some(now);
    }

    /// The time `TREN` and `FEED` measure from: the fixed one, or the wall clock.
    pub fn now(&self) -> Timestamp {
        self.fixed_now.unwrap_or_else(time::OffsetDateTime::now_utc)
    }

    /// The copies folded under the wire headline of story `id` (empty if none).
    pub fn copies_of(&self, id: &str) -> (&[FoldedCopy], usize) {
        self.wire
            .iter()
            .find(|h| h.id == id)
            .map_or((&[][..], 0), |h| (h.copies.as_slice(), h.copy_count))
    }

    /// Stories received in the last minute.
    pub fn stories_per_min(&self) -> u32 {
        let now = self.second(self.clock);
        self.arrivals
            .iter()
            .filter(|(s, _)| now.saturating_sub(*s) < 60)
            .map(|(_, n)| n)
            .sum()
    }

    fn second(&self, t: Instant) -> u64 {
        t.saturating_duration_since(self.epoch).as_secs()
    }

    /// Applies one event; returns what the I/O layer should do about it.
    pub fn update(&mut self, event: Event) -> Vec<Command> {
        if let Event::Tick(t) = event {
            // Time alone changes the screen only when the stories/min figure may move.
            self.dirty |= self.second(t) != self.second(self.clock);
            self.clock = self.clock.max(t);
            return Vec::new();
        }
        let was_dirty = self.dirty;
        self.dirty = true;
        let cmds = self.apply(event);
        // A key that did nothing must not cancel a redraw something else asked for.
        self.dirty |= was_dirty;
        cmds
    }

    fn apply(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Key(k) => return self.on_key(k),
            Event::Resize(w, h) => self.size = (w, h),
            Event::Story(s) => self.on_story(&s),
            Event::Lag { resume_from } => {
                self.info(format!("fell behind the wire; resuming after seq {resume_from}"));
            }
            Event::AlertHit { story_id, alert } => self.on_alert(story_id, alert),
            Event::SearchResult { query, hits, total } => {
                if let ListMode::Results {
                    title,
                    items,
                    loading,
                } = &mut self.list
                    && *title == format!("N {query}")
                {
                    let n = hits.len();
                    *items = hits;
                    *loading = false;
                    self.results_selected = 0;
                    self.info(format!("{n} of {total} stories match {query:?}"));
                }
            }
            Event::StoryLoaded(s) => {
                let cmds = related_query(&s)
                    .map(|query| Command::Related {
                        story_id: s.id.clone(),
                        query,
                    })
                    .into_iter()
                    .collect();
                self.related = None;
                self.detail = Detail::Story(s);
                self.detail_scroll = 0;
                self.find = None;
                self.focus = Focus::Detail;
                return cmds;
            }
            Event::RelatedLoaded { story_id, items } => self.on_related(story_id, items),
            Event::FeedsLoaded { feeds, note } => {
                self.feeds_followed = Some(feeds.len());
                self.feeds = feeds;
                if let Some(n) = &note {
                    self.info(n.clone());
                }
                self.detail = Detail::Feeds { note };
                self.detail_scroll = 0;
                self.focus = Focus::Detail;
            }
            Event::FeedCount(n) => self.feeds_followed = Some(n),
            Event::EntityCandidates { prefix, names } => self.on_candidates(&prefix, names),
            Event::WirePage {
                before,
                stories,
                next_before,
            } => self.on_wire_page(before, stories, next_before),
            Event::EntityLoaded(page) => {
                self.list = ListMode::Results {
                    title: format!("ENT {}", text_one_line(&page.name)),
                    items: page.stories.clone(),
                    loading: false,
                };
                self.results_selected = 0;
                self.detail = Detail::Entity(page);
                self.detail_scroll = 0;
                self.focus = Focus::List;
            }
            Event::AlertsLoaded { alerts, note } => {
                self.alerts = alerts;
                self.detail = Detail::Alerts;
                self.detail_scroll = 0;
                self.focus = Focus::Detail;
                if let Some(n) = note {
                    self.info(n);
                }
            }
            Event::BacktestLoaded(b) => {
                self.list = ListMode::Results {
                    title: format!("ALRT TEST {}", text_one_line(&b.query)),
                    items: b.examples.clone(),
                    loading: false,
                };
                self.results_selected = 0;
                self.info(format!(
                    "{} stories in the last {} days match {:?}",
                    b.total, b.days, b.query
                ));
                self.detail = Detail::Backtest(b);
                self.detail_scroll = 0;
                self.focus = Focus::List;
            }
            Event::Failed { what, message } => {
                if let ListMode::Results { loading, .. } = &mut self.list {
                    *loading = false;
                }
                // Whatever failed, nothing stays "on its way" for ever: a later scroll
                // or Tab may ask again.
                self.wire_loading = false;
                if self.completion.as_ref().is_some_and(|c| c.pending) {
                    self.completion = None;
                }
                if matches!(self.detail, Detail::Loading(_)) {
                    self.detail = Detail::Empty;
                }
                self.error(format!("{what}: {message}"));
            }
            Event::Connection(c) => self.conn = c,
            Event::Tick(_) => {}
        }
        Vec::new()
    }

    fn info(&mut self, text: String) {
        self.message = Some(Message {
            text,
            error: false,
            alert: false,
        });
    }

    fn error(&mut self, text: String) {
        self.message = Some(Message {
            text,
            error: true,
            alert: false,
        });
    }

    fn on_story(&mut self, s: &Story) {
        // Resuming after a reconnect must never show a story twice.
        if self.last_seq.is_some_and(|l| s.seq <= l) {
            return;
        }
        self.last_seq = Some(s.seq);
        self.count_arrival();
        // A near-duplicate of a headline still on the wire is folded under it, not a row.
        if let Some(first) = s.duplicate_of.as_deref()
            && let Some(h) = self.wire.iter_mut().find(|h| h.id == first)
        {
            h.copy_count = h.copy_count.saturating_add(1);
            if h.copies.len() < MAX_COPIES {
                let source = Headline::from_story(s).source;
                h.copies.push(FoldedCopy {
                    id: s.id.clone(),
                    source,
                    time: s.time(),
                });
            }
            if let Some(alert) = self.pending_alerts.remove(&s.id) {
                h.alert.get_or_insert(alert);
            }
            return;
        }
        if self.wire_trimmed {
            // The user is deep in older headlines and the newest were dropped for them;
            // the live top comes back with Home (a reload), not row by row.
            return;
        }
        let mut h = Headline::from_story(s);
        h.alert = self.pending_alerts.remove(&h.id);
        self.wire.push_front(h);
        self.wire.truncate(WIRE_CAPACITY);
        // Keep the highlighted headline in place while the wire scrolls under it.
        if self.wire_selected > 0 {
            self.wire_selected = (self.wire_selected + 1).min(self.wire.len().saturating_sub(1));
        }
    }

    fn count_arrival(&mut self) {
        let sec = self.second(self.clock);
        match self.arrivals.back_mut() {
            Some((s, n)) if *s == sec => *n = n.saturating_add(1),
            _ => self.arrivals.push_back((sec, 1)),
        }
        while self
            .arrivals
            .front()
            .is_some_and(|(s, _)| sec.saturating_sub(*s) >= 60)
        {
            self.arrivals.pop_front();
        }
    }

    fn on_alert(&mut self, story_id: String, alert: String) {
        let alert = text_one_line(&alert);
        let mut headline = None;
        // The hit may name a copy folded under a headline: that headline carries it.
        for h in self
            .wire
            .iter_mut()
            .filter(|h| h.id == story_id || h.copies.iter().any(|c| c.id == story_id))
        {
            h.alert = Some(alert.clone());
            headline = Some(h.headline.clone());
        }
        if headline.is_none() {
            if self.pending_alerts.len() >= PENDING_ALERTS {
                self.pending_alerts.clear();
            }
            self.pending_alerts.insert(story_id.clone(), alert.clone());
        }
        let what = headline.map_or(story_id, |h| text_one_line(&h));
        self.message = Some(Message {
            text: format!("ALERT {alert}: {what}"),
            error: false,
            alert: true,
        });
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            self.dirty = false;
            return Vec::new();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char('c' | 'd')) {
            self.quit = true;
            return vec![Command::Quit];
        }
        if self.input.is_some() {
            return self.on_command_key(key);
        }
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                return vec![Command::Quit];
            }
            KeyCode::Char(':') => self.input = Some(String::new()),
            KeyCode::Char('/') => self.input = Some("/".to_string()),
            KeyCode::Char('j') | KeyCode::Down => return self.move_by(1),
            KeyCode::Char('k') | KeyCode::Up => return self.move_by(-1),
            KeyCode::PageDown => return self.move_by(self.page() as isize),
            KeyCode::PageUp => return self.move_by(-(self.page() as isize)),
            KeyCode::Home | KeyCode::Char('g') => return self.move_by(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => return self.move_by(isize::MAX / 2),
            KeyCode::Tab => {
                self.focus = match self.focus {
                    Focus::List => Focus::Detail,
                    Focus::Detail => Focus::List,
                }
            }
            KeyCode::Enter => match self.focus {
                Focus::List => return self.open_selected(),
                Focus::Detail => {
                    if let Some(f) = self.find.clone() {
                        self.find_next(&f, self.detail_scroll + 1);
                    } else if let Some(link) = self.detail_link() {
                        return self.open_link(link);
                    } else {
                        self.dirty = false;
                    }
                }
            },
            KeyCode::Esc => self.back(),
            KeyCode::Char(c) if !c.is_control() && !key.modifiers.contains(KeyModifiers::CONTROL) => {
                // Typing anything else starts a function on the command line.
                self.input = Some(c.to_string());
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    fn on_command_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(input) = self.input.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Enter => {
                let line = std::mem::take(input);
                self.input = None;
                self.history_pos = None;
                return self.execute(&line);
            }
            KeyCode::Esc => {
                self.input = None;
                self.history_pos = None;
            }
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Tab => return self.complete(),
            KeyCode::Up => self.recall(-1),
            KeyCode::Down => self.recall(1),
            KeyCode::Char(c) if !c.is_control() && input.chars().count() < MAX_INPUT_CHARS => {
                input.push(c);
                self.history_pos = None;
            }
            _ => self.dirty = false,
        }
        Vec::new()
    }

    /// Tab: completes the function name being typed (`RE` → `READ `), or an entity
    /// name after `ENT ` or a query field such as `person:` (asking the node).
    fn complete(&mut self) -> Vec<Command> {
        let Some(input) = self.input.as_ref() else {
            return Vec::new();
        };
        if input.contains(' ') {
            return self.complete_entity();
        }
        self.complete_function();
        Vec::new()
    }

    /// Tab on an entity name: cycles through the names the node gave for this very
    /// line, or asks it for names starting with what was typed. A Tab while the answer
    /// is on its way asks nothing more, and typing on never waits for it.
    fn complete_entity(&mut self) -> Vec<Command> {
        let input = self.input.clone().unwrap_or_default();
        if let Some(c) = self.completion.as_mut()
            && c.line == input
        {
            if c.pending || c.candidates.len() < 2 {
                self.dirty = false;
                return Vec::new();
            }
            let i = c.next % c.candidates.len();
            let name = c.candidates.get(i).cloned().unwrap_or_default();
            let line = format!("{}{}", c.head, render_name(&name, c.in_query));
            c.next = i + 1;
            c.line.clone_from(&line);
            let n = c.candidates.len();
            self.input = Some(line);
            self.info(format!("{} of {n} (Tab: next)", i + 1));
            return Vec::new();
        }
        let Some((head, typed, kind, in_query)) = entity_context(&input) else {
            self.dirty = false;
            return Vec::new();
        };
        if typed.trim().is_empty() {
            self.info("type the start of a name, then Tab".into());
            return Vec::new();
        }
        self.completion = Some(Completion {
            line: input,
            head,
            typed: typed.clone(),
            in_query,
            candidates: Vec::new(),
            next: 0,
            pending: true,
        });
        vec![Command::CompleteEntity { prefix: typed, kind }]
    }

    /// The node's names for a Tab: one is put in; several are listed (Tab cycles).
    /// An answer for a line the user has since changed is dropped.
    fn on_candidates(&mut self, prefix: &str, names: Vec<String>) {
        let Some(c) = self.completion.as_mut() else {
            self.dirty = false;
            return;
        };
        if !c.pending || c.typed != prefix || self.input.as_deref() != Some(c.line.as_str()) {
            self.completion = None;
            self.dirty = false;
            return;
        }
        c.pending = false;
        match names.as_slice() {
            [] => {
                let typed = text_one_line(&c.typed);
                self.completion = None;
                self.error(format!("no entity name starts with {typed:?}"));
            }
            [one] => {
                let line = format!("{}{}", c.head, render_name(one, c.in_query));
                c.line.clone_from(&line);
                c.candidates = names;
                self.input = Some(line);
                self.message = None;
            }
            many => {
                let list: Vec<String> = many.iter().map(|n| text_one_line(n)).collect();
                let list = list.join(" · ");
                c.candidates = names;
                c.next = 0;
                self.info(format!("Tab cycles: {list}"));
            }
        }
    }

    /// Tab on a function name: the one match is put in (`RE` → `READ `); several are
    /// listed, after their common start.
    fn complete_function(&mut self) {
        let Some(input) = self.input.as_mut() else { return };
        let typed = input.to_uppercase();
        let matches: Vec<&str> = FUNCTIONS
            .iter()
            .copied()
            .filter(|f| f.starts_with(&typed))
            .collect();
        match matches.as_slice() {
            [] => {}
            [one] => *input = format!("{one} "),
            many => {
                let mut prefix = many.first().map(|m| m.to_string()).unwrap_or_default();
                for m in many {
                    while !m.starts_with(&prefix) {
                        prefix.pop();
                    }
                }
                if prefix.len() > typed.len() {
                    *input = prefix;
                }
                let list = many.join(" ");
                self.info(format!("functions: {list}"));
            }
        }
    }

    /// Up/Down on the command line: walks the history (`dir` -1 = older).
    fn recall(&mut self, dir: isize) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let pos = match (self.history_pos, dir < 0) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p >= last => None,
            (Some(p), false) => Some(p + 1),
        };
        self.history_pos = pos;
        self.input = Some(pos.and_then(|p| self.history.get(p).cloned()).unwrap_or_default());
    }

    /// Runs a command line (the `<GO>`).
    pub fn execute(&mut self, line: &str) -> Vec<Command> {
        let line = line.trim();
        if line.is_empty() {
            return Vec::new();
        }
        // A new function's outcome replaces the last one's message.
        self.message = None;
        if self.history.last().map(String::as_str) != Some(line) {
            self.history.push(line.to_string());
            if self.history.len() > HISTORY_CAPACITY {
                self.history.remove(0);
            }
        }
        if let Some(needle) = line.strip_prefix('/') {
            self.start_find(needle.trim());
            return Vec::new();
        }
        let (func, arg) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let arg = arg.trim();
        match func.to_uppercase().as_str() {
            "N" => {
                if arg.is_empty() {
                    self.error("N needs a query, e.g. N oil OR person:\"Maria Okafor\"".into());
                    return Vec::new();
                }
                if let Err(e) = herald_query::parse(arg) {
                    self.error(format!("bad query: {e}"));
                    return Vec::new();
                }
                self.list = ListMode::Results {
                    title: format!("N {arg}"),
                    items: Vec::new(),
                    loading: true,
                };
                self.results_selected = 0;
                self.focus = Focus::List;
                self.message = None;
                vec![Command::Search {
                    query: arg.to_string(),
                }]
            }
            "READ" => {
                if arg.is_empty() {
                    return self.open_selected();
                }
                if arg.starts_with("st_") {
                    return self.load_story(arg.to_string());
                }
                let items = self.items();
                match arg
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| items.get(i))
                {
                    Some(h) => {
                        let id = h.id.clone();
                        self.load_story(id)
                    }
                    None => {
                        let n = items.len();
                        self.error(format!("READ {arg}: pick a line number from 1 to {n}"));
                        Vec::new()
                    }
                }
            }
            "ENT" => {
                if arg.is_empty() {
                    self.error("ENT needs a name, e.g. ENT Maria Okafor".into());
                    return Vec::new();
                }
                self.detail = Detail::Loading(format!("entity {arg}"));
                vec![Command::FindEntity {
                    name: arg.to_string(),
                }]
            }
            "TOP" => {
                self.list = ListMode::Results {
                    title: "TOP".into(),
                    items: self.top(),
                    loading: false,
                };
                self.results_selected = 0;
                self.focus = Focus::List;
                Vec::new()
            }
            "TREN" => {
                let at = self.now();
                let rows = self.trending(at);
                if rows.is_empty() {
                    self.info(format!(
                        "TREN: nothing rising — no name has {TREND_MIN_MENTIONS}+ stories in the last hour at {TREND_RISING}× its daily rate"
                    ));
                }
                self.detail = Detail::Trends { at, rows };
                self.detail_scroll = 0;
                self.focus = Focus::Detail;
                Vec::new()
            }
            "ALRT" => self.alert_function(arg),
            "FEED" => self.feed_function(arg),
            "HELP" => {
                self.detail = Detail::Help;
                self.detail_scroll = 0;
                self.focus = Focus::Detail;
                Vec::new()
            }
            "QUIT" | "Q" => {
                self.quit = true;
                vec![Command::Quit]
            }
            other => {
                let other = text_one_line(other);
                self.error(format!(
                    "unknown function {other:?}; functions: {} (HELP)",
                    FUNCTIONS.join(" ")
                ));
                Vec::new()
            }
        }
    }

    /// `FEED`, `FEED ADD <url>`, `FEED RM <n|id>`, `FEED POLL <n|id>`, `FEED STARTER`.
    fn feed_function(&mut self, arg: &str) -> Vec<Command> {
        let (sub, rest) = arg.split_once(char::is_whitespace).unwrap_or((arg, ""));
        let rest = rest.trim();
        match sub.to_uppercase().as_str() {
            "" | "LIST" | "LS" => {
                self.detail = Detail::Loading("feeds".into());
                vec![Command::ListFeeds]
            }
            "ADD" => {
                if rest.is_empty() || rest.contains(char::is_whitespace) {
                    self.error(
                        "FEED ADD needs one feed address, e.g. FEED ADD https://example.org/news.rss".into(),
                    );
                    return Vec::new();
                }
                self.info(format!(
                    "FEED ADD: following {} and polling it once…",
                    text_one_line(rest)
                ));
                vec![Command::AddFeed {
                    url: rest.to_string(),
                }]
            }
            "RM" | "DEL" | "DELETE" => match self.feed_id(rest, "RM") {
                Some(id) => vec![Command::RemoveFeed { id }],
                None => Vec::new(),
            },
            "POLL" => match self.feed_id(rest, "POLL") {
                Some(id) => {
                    self.info(format!("FEED POLL: fetching {}…", text_one_line(&id)));
                    vec![Command::PollFeed { id }]
                }
                None => Vec::new(),
            },
            "STARTER" => {
                let n = crate::starter_feed_count();
                self.info(format!("FEED STARTER: following {n} public news feeds…"));
                vec![Command::ImportFeeds {
                    opml: crate::STARTER_OPML.to_string(),
                }]
            }
            other => {
                self.error(format!(
                    "FEED {}: expected FEED, FEED ADD <url>, FEED RM <n>, FEED POLL <n> or FEED STARTER",
                    text_one_line(other)
                ));
                Vec::new()
            }
        }
    }

    /// The feed `arg` names: a number from the last `FEED` list, or a feed id.
    fn feed_id(&mut self, arg: &str, sub: &str) -> Option<String> {
        if arg.is_empty() {
            self.error(format!(
                "FEED {sub} needs a feed: its number in FEED's list, or its id"
            ));
            return None;
        }
        if let Ok(n) = arg.parse::<usize>() {
            let found = n
                .checked_sub(1)
                .and_then(|i| self.feeds.get(i))
                .map(|f| f.id.clone());
            if found.is_none() {
                let hint = if self.feeds.is_empty() {
                    "no feeds listed; FEED lists them with their numbers".to_string()
                } else {
                    format!(
                        "pick a feed number from 1 to {} (FEED lists them)",
                        self.feeds.len()
                    )
                };
                self.error(format!("FEED {sub} {n}: {hint}"));
            }
            return found;
        }
        Some(arg.to_string())
    }

    /// `ALRT`, `ALRT ADD <name> <query>`, `ALRT RM <n>`, `ALRT TEST <query>`.
    fn alert_function(&mut self, arg: &str) -> Vec<Command> {
        let (sub, rest) = arg.split_once(char::is_whitespace).unwrap_or((arg, ""));
        let rest = rest.trim();
        match sub.to_uppercase().as_str() {
            "" | "LIST" | "LS" => {
                self.detail = Detail::Loading("alerts".into());
                vec![Command::ListAlerts]
            }
            "ADD" => {
                let Some((name, query)) = split_name(rest) else {
                    self.error(
                        "ALRT ADD needs a name and a query, e.g. ALRT ADD oil-watch oil OR \"crude price\""
                            .into(),
                    );
                    return Vec::new();
                };
                if let Err(e) = herald_query::parse(&query) {
                    self.error(format!("ALRT ADD {name}: bad query: {e}"));
                    return Vec::new();
                }
                vec![Command::AddAlert { name, query }]
            }
            "RM" | "DEL" | "DELETE" => {
                let found = rest
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| self.alerts.get(i))
                    .or_else(|| self.alerts.iter().find(|a| a.id == rest || a.name == rest));
                match found {
                    Some(a) => vec![Command::RemoveAlert {
                        id: a.id.clone(),
                        name: a.name.clone(),
                    }],
                    None if self.alerts.is_empty() => {
                        self.error(format!(
                            "ALRT RM {}: no alerts listed; ALRT lists them with their numbers",
                            text_one_line(rest)
                        ));
                        Vec::new()
                    }
                    None => {
                        self.error(format!(
                            "ALRT RM {}: pick an alert number from 1 to {} (ALRT lists them)",
                            text_one_line(rest),
                            self.alerts.len()
                        ));
                        Vec::new()
                    }
                }
            }
            "TEST" => {
                if rest.is_empty() {
                    self.error("ALRT TEST needs a query, e.g. ALRT TEST harbour strike".into());
                    return Vec::new();
                }
                if let Err(e) = herald_query::parse(rest) {
                    self.error(format!("ALRT TEST: bad query: {e}"));
                    return Vec::new();
                }
                self.detail = Detail::Loading(format!("backtest of {rest}"));
                vec![Command::TestAlert {
                    query: rest.to_string(),
                }]
            }
            other => {
                self.error(format!(
                    "ALRT {}: expected ALRT, ALRT ADD <name> <query>, ALRT RM <n> or ALRT TEST <query>",
                    text_one_line(other)
                ));
                Vec::new()
            }
        }
    }

    /// Entities and topics rising on the wire at `now`: stories naming each in the last
    /// hour against its hourly rate over the last 24 hours. Only first copies count (a
    /// story repeated by ten outlets is one story), and each story counts a name once.
    pub fn trending(&self, now: Timestamp) -> Vec<Trend> {
        // (kind, lowercased name) -> (name as first seen, last hour, last day)
        let mut counts: HashMap<(String, String), (String, usize, usize)> = HashMap::new();
        let hour = time::Duration::HOUR;
        let day = time::Duration::DAY;
        for h in self.wire.iter().filter(|h| h.duplicate_of.is_none()) {
            let Some(t) = h.time else { continue };
            // A clock a little ahead of ours still counts as now.
            let age = (now - t).max(time::Duration::ZERO);
            if age >= day {
                continue;
            }
            let in_hour = age < hour;
            let terms = h
                .entities
                .iter()
                .map(|(k, n)| (k.as_str().to_string(), n.as_str()))
                .chain(h.topics.iter().map(|n| ("topic".to_string(), n.as_str())));
            let mut seen = std::collections::HashSet::new();
            for (kind, name) in terms {
                let key = (kind, name.to_lowercase());
                if name.trim().is_empty() || !seen.insert(key.clone()) {
                    continue;
                }
                let e = counts.entry(key).or_insert_with(|| (name.to_string(), 0, 0));
                e.1 += usize::from(in_hour);
                e.2 += 1;
            }
        }
        let mut rows: Vec<Trend> = counts
            .into_iter()
            .filter(|(_, (_, h, _))| *h >= TREND_MIN_MENTIONS)
            .map(|((kind, _), (name, h, d))| Trend {
                kind,
                name,
                hour: h,
                day: d,
                ratio: h as f64 * 24.0 / d.max(1) as f64,
            })
            .filter(|t| t.ratio >= TREND_RISING)
            .collect();
        rows.sort_by(|a, b| {
            b.ratio
                .total_cmp(&a.ratio)
                .then(b.hour.cmp(&a.hour))
                .then_with(|| a.name.cmp(&b.name))
        });
        rows.truncate(TREND_ROWS);
        rows
    }

    /// The newest stories on the wire ranked by recency, the number of sources that ran
    /// them (the copies folded under each) and the salience of their top entity: a
    /// story an hour old needs a more prominent subject, or more outlets, to stay on top.
    pub fn top(&self) -> Vec<Headline> {
        let newest = self.wire.iter().filter_map(|h| h.time).max();
        let mut ranked: Vec<(f32, &Headline)> = self
            .wire
            .iter()
            .filter(|h| h.duplicate_of.is_none())
            .map(|h| {
                let age_h = match (newest, h.time) {
                    (Some(n), Some(t)) => ((n - t).whole_seconds().max(0) as f32) / 3600.0,
                    _ => 24.0,
                };
                // Recency halves every hour and is worth up to twice the top salience,
                // so a fresh story outranks a prominent one from hours ago. Each doubling
                // of the outlets running it is worth half a salience, up to 1.5 (eight
                // sources): a story everyone carries rises, but not without limit.
                let sources = (h.copy_count as f32 + 1.0).log2().min(3.0) * 0.5;
                (h.salience.clamp(0.0, 1.0) + 2.0 * 0.5f32.powf(age_h) + sources, h)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.seq.cmp(&a.1.seq)));
        ranked
            .into_iter()
            .take(TOP_COUNT)
            .map(|(_, h)| h.clone())
            .collect()
    }

    fn load_story(&mut self, id: String) -> Vec<Command> {
        self.detail = Detail::Loading(format!("story {id}"));
        vec![Command::LoadStory { id }]
    }

    fn open_selected(&mut self) -> Vec<Command> {
        let id = self.items().get(self.selected()).map(|h| h.id.clone());
        match id {
            Some(id) => self.load_story(id),
            None => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// Esc: close the story, then leave a result list for the wire.
    fn back(&mut self) {
        if self.find.is_some() {
            self.find = None;
        } else if self.detail != Detail::Empty {
            self.detail = Detail::Empty;
            self.focus = Focus::List;
        } else if self.list != ListMode::Wire {
            self.list = ListMode::Wire;
        }
        self.message = None;
    }

    /// The headlines the upper pane lists.
    pub fn items(&self) -> Vec<Headline> {
        match &self.list {
            ListMode::Wire => self.wire.iter().cloned().collect(),
            ListMode::Results { items, .. } => items.clone(),
        }
    }

    /// How many headlines the upper pane lists.
    pub fn item_count(&self) -> usize {
        match &self.list {
            ListMode::Wire => self.wire.len(),
            ListMode::Results { items, .. } => items.len(),
        }
    }

    /// The highlighted line of the upper pane.
    pub fn selected(&self) -> usize {
        match self.list {
            ListMode::Wire => self.wire_selected,
            ListMode::Results { .. } => self.results_selected,
        }
    }

    fn page(&self) -> usize {
        let a = ui::areas(self.size);
        match self.focus {
            Focus::List => a.list_rows.max(1),
            Focus::Detail => a.detail_rows.max(1),
        }
    }

    /// Moves the selection (or scrolls the story). On the wire, reaching the last
    /// headline fetches the page before it, and reaching the top of a wire whose
    /// newest headlines were dropped reloads them.
    fn move_by(&mut self, delta: isize) -> Vec<Command> {
        match self.focus {
            Focus::List => {
                let max = self.item_count().saturating_sub(1);
                let cur = self.selected();
                let next = cur.saturating_add_signed(delta).min(max);
                match self.list {
                    ListMode::Wire => {
                        self.wire_selected = next;
                        return self.wire_edge();
                    }
                    ListMode::Results { .. } => self.results_selected = next,
                }
            }
            Focus::Detail => {
                let max = self.detail_line_count().saturating_sub(1);
                self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
            }
        }
        Vec::new()
    }

    /// The page the wire needs now that the selection moved, if any.
    fn wire_edge(&mut self) -> Vec<Command> {
        if self.wire_loading || self.wire.is_empty() {
            return Vec::new();
        }
        if self.wire_selected == 0 && self.wire_trimmed {
            self.wire_loading = true;
            return vec![Command::LoadWire { before: None }];
        }
        let oldest = self.wire.iter().map(|h| h.seq).min().unwrap_or(0);
        if self.wire_selected + 1 >= self.wire.len() && self.wire_more && oldest > 1 {
            self.wire_loading = true;
            return vec![Command::LoadWire { before: Some(oldest) }];
        }
        Vec::new()
    }

    /// A page of the wire from the log. An older page goes under the last headline
    /// (copies folded under their first, even when the first comes a page later); if
    /// that passes [`WIRE_CAPACITY`], the newest headlines — the end away from the
    /// view — are dropped. The newest page replaces the wire (back to live).
    fn on_wire_page(&mut self, before: Option<u64>, stories: Vec<Headline>, next_before: Option<u64>) {
        self.wire_loading = false;
        self.wire_more = next_before.is_some();
        match before {
            None => {
                let top = stories.iter().map(|h| h.seq).max().unwrap_or(0);
                // Live arrivals newer than the page stay (they came while it loaded).
                let newer: Vec<Headline> = self.wire.drain(..).filter(|h| h.seq > top).collect();
                self.orphans.clear();
                self.wire_trimmed = false;
                self.wire_selected = 0;
                // Oldest first, as they arrived, so copies find their first headline.
                for h in stories.into_iter().rev() {
                    self.fold_or_push(h);
                }
                for h in newer.into_iter().rev() {
                    self.wire.push_front(h);
                }
                self.wire.truncate(WIRE_CAPACITY);
            }
            Some(b) => {
                let oldest = self.wire.iter().map(|h| h.seq).min();
                if oldest != Some(b) {
                    // An answer for a wire that has moved on since.
                    return;
                }
                for h in stories.into_iter().filter(|h| h.seq < b) {
                    self.add_older(h);
                }
                let excess = self.wire.len().saturating_sub(WIRE_CAPACITY);
                if excess > 0 {
                    self.wire.drain(..excess);
                    self.wire_selected = self.wire_selected.saturating_sub(excess);
                    self.wire_trimmed = true;
                }
                if self.orphans.len() > MAX_ORPHANS {
                    self.orphans.clear();
                }
            }
        }
    }

    /// An older headline (pages come newest first): a copy waits for its first
    /// headline, which is older; a first headline takes the copies waiting for it.
    fn add_older(&mut self, h: Headline) {
        if let Some(first) = h.duplicate_of.clone() {
            if let Some(f) = self.wire.iter_mut().find(|w| w.id == first) {
                fold_into(f, &h);
            } else {
                self.orphans.entry(first).or_default().push(FoldedCopy {
                    id: h.id,
                    source: h.source,
                    time: h.time,
                });
            }
            return;
        }
        let mut h = h;
        if let Some(mut copies) = self.orphans.remove(&h.id) {
            // Held newest first; a headline lists its copies oldest first.
            copies.reverse();
            h.copy_count = h.copy_count.saturating_add(copies.len());
            h.copies.extend(copies);
            h.copies.truncate(MAX_COPIES);
        }
        self.wire.push_back(h);
    }

    /// A headline arriving in order (oldest first): folded under its first if that is
    /// on the wire, else a row at the top.
    fn fold_or_push(&mut self, h: Headline) {
        if let Some(first) = h.duplicate_of.as_deref()
            && let Some(f) = self.wire.iter_mut().find(|w| w.id == first)
        {
            fold_into(f, &h);
            return;
        }
        self.wire.push_front(h);
    }

    /// Keeps related stories for the open story: not itself, not its copies, not the
    /// story it copies, and not another copy of that.
    fn on_related(&mut self, story_id: String, items: Vec<Headline>) {
        let Detail::Story(s) = &self.detail else {
            self.dirty = false;
            return;
        };
        if s.id != story_id {
            self.dirty = false;
            return;
        }
        let (copies, _) = self.copies_of(&s.id);
        let copy_ids: Vec<&str> = copies.iter().map(|c| c.id.as_str()).collect();
        let first = s.duplicate_of.as_deref();
        let kept: Vec<Headline> = items
            .into_iter()
            .filter(|h| {
                h.id != s.id
                    && h.duplicate_of.as_deref() != Some(s.id.as_str())
                    && Some(h.id.as_str()) != first
                    && (first.is_none() || h.duplicate_of.as_deref() != first)
                    && !copy_ids.contains(&h.id.as_str())
            })
            .take(RELATED_COUNT)
            .collect();
        self.related = Some((story_id, kept));
    }

    /// The link Enter opens in the lower pane: the first one on screen at or below
    /// the top line (scrolling moves it down the list).
    pub fn detail_link(&self) -> Option<Link> {
        let a = ui::areas(self.size);
        let top = self.detail_scroll;
        let (_, links) = ui::detail_content(self, a.width);
        links
            .into_iter()
            .find(|(line, _)| *line >= top && *line < top + a.detail_rows.max(1))
            .map(|(_, l)| l)
    }

    fn open_link(&mut self, link: Link) -> Vec<Command> {
        match link {
            Link::Story(id) => self.load_story(id),
            Link::Entity { id, name } => {
                self.detail = Detail::Loading(format!("entity {name}"));
                vec![Command::OpenEntity { id }]
            }
        }
    }

    fn detail_line_count(&self) -> usize {
        ui::detail_text(self, ui::areas(self.size).width).len()
    }

    fn start_find(&mut self, needle: &str) {
        if needle.is_empty() {
            self.find = None;
            return;
        }
        self.focus = Focus::Detail;
        self.find = Some(needle.to_string());
        self.find_next(needle, self.detail_scroll);
    }

    /// Scrolls the lower pane to the first line at or after `from` holding `needle`
    /// (case-insensitive), wrapping round to the top.
    fn find_next(&mut self, needle: &str, from: usize) {
        let lines = ui::detail_text(self, ui::areas(self.size).width);
        let needle = needle.to_lowercase();
        let hits: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        match hits.iter().find(|&&i| i >= from).or(hits.first()) {
            Some(&i) => {
                self.detail_scroll = i;
                let n = hits.iter().position(|&h| h == i).map_or(0, |p| p + 1);
                self.info(format!(
                    "/{needle}: match {n} of {} (Enter: next, Esc: done)",
                    hits.len()
                ));
            }
            None => self.error(format!("/{needle}: not found in this pane")),
        }
    }
}

/// `name query…` or `"a name" query…` → (name, query); `None` if either is missing.
fn split_name(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let (name, query) = match s.strip_prefix('"') {
        Some(rest) => rest.split_once('"')?,
        None => s.split_once(char::is_whitespace)?,
    };
    let (name, query) = (name.trim(), query.trim());
    (!name.is_empty() && !query.is_empty()).then(|| (name.to_string(), query.to_string()))
}

/// Adds a copy to its first headline (the count goes on past [`MAX_COPIES`]).
fn fold_into(first: &mut Headline, copy: &Headline) {
    first.copy_count = first.copy_count.saturating_add(1);
    if first.copies.len() < MAX_COPIES {
        first.copies.push(FoldedCopy {
            id: copy.id.clone(),
            source: copy.source.clone(),
            time: copy.time,
        });
    }
}

/// The search for a story's related stories: any of its most salient entities, by id.
/// `None` when it names no entity (nothing to relate by).
pub fn related_query(s: &Story) -> Option<String> {
    let mut ents: Vec<&herald_model::Entity> = s
        .entities
        .iter()
        .filter(|e| !e.id.trim().is_empty() && !e.id.contains('"') && !e.id.contains('\\'))
        .collect();
    ents.sort_by(|a, b| b.salience.total_cmp(&a.salience));
    let mut seen = Vec::new();
    for e in ents {
        if !seen.contains(&e.id.as_str()) {
            seen.push(e.id.as_str());
        }
        if seen.len() == RELATED_BY {
            break;
        }
    }
    if seen.is_empty() {
        return None;
    }
    let parts: Vec<String> = seen.iter().map(|id| format!("entity:\"{id}\"")).collect();
    Some(parts.join(" OR "))
}

/// Where a Tab should complete an entity name on this command line: (the text before
/// the name, the start of the name typed, the kind to ask for, whether it is a query
/// value). `ENT <name>`, and in `N` the value of `person:`, `org:`, `place:`,
/// `company:` or `entity:` at the end of the line, quoted or not.
fn entity_context(input: &str) -> Option<(String, String, Option<String>, bool)> {
    let (func, rest) = input.split_once(' ')?;
    match func.to_uppercase().as_str() {
        "ENT" => {
            let name = rest.trim_start();
            let head = &input[..input.len() - name.len()];
            Some((head.to_string(), name.to_string(), None, false))
        }
        "N" => {
            let colon = input.rfind(':')?;
            let (before, value) = (&input[..colon], &input[colon + 1..]);
            let field_start = before
                .rfind(|c: char| c.is_whitespace() || c == '(' || c == '-')
                .map_or(0, |i| i + 1);
            let field = before.get(field_start..)?.to_lowercase();
            if !ENTITY_FIELDS.contains(&field.as_str()) {
                return None;
            }
            let (typed, head_end) = match value.strip_prefix('"') {
                // An open quote: the name may hold spaces, but not a closing quote.
                Some(v) if !v.contains('"') => (v, colon + 1),
                Some(_) => return None,
                None if value.contains(char::is_whitespace) => return None,
                None => (value, colon + 1),
            };
            let kind = (field != "entity").then_some(field);
            Some((input[..head_end].to_string(), typed.to_string(), kind, true))
        }
        _ => None,
    }
}

/// A name as the command line takes it: a query value with a space or a query
/// character is quoted (any quote inside dropped).
fn render_name(name: &str, in_query: bool) -> String {
    let name = text_one_line(name);
    if in_query
        && name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '(' | ')' | ':'))
    {
        format!("\"{}\"", name.replace('"', ""))
    } else {
        name
    }
}

/// A string safe for one line of the screen.
fn text_one_line(s: &str) -> String {
    crate::text::clean_line(s)
}
