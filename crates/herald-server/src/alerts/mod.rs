//! Standing alerts in the node: the durable set of alerts, the matching thread that runs
//! every committed story through them, the hits log and hub behind
//! `/v1/alerts/stream`, webhook delivery from a durable outbox, and the backtest.
//!
//! ```text
//! committer ──try_send──► matching thread ──fsync'd hits──► hits.log ─► hit hub (SSE)
//!   (never waits)          (gaps: read back from the log)       └──► webhook tasks (one per alert)
//! ```
//!
//! * [`store`] — `alerts.jsonl`, the alerts themselves.
//! * [`hits`] — `hits.log`, every hit with its `hit_seq`, and how far matching got.
//! * [`hub`] — live fan-out of hits.
//! * [`ssrf`] — the guard on webhook URLs (herald-ingest's, shared with feed fetching).
//! * [`backtest`] — what a query would have hit over the last days.

pub mod backtest;
pub mod hits;
pub mod hub;
mod runner;
pub use herald_ingest::ssrf;
pub mod store;
mod webhook;

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, mpsc as std_mpsc};
use std::thread::JoinHandle;

use herald_alerts::Matcher;
use herald_store::stories::StoryReader;
use time::OffsetDateTime;

use crate::config::Config;
use crate::hub::Published;
use hits::{HitStats, HitsLog, HitsReader};
use hub::HitHub;
use store::{Alert, AlertStore};

pub use webhook::sign;

/// Longest alert name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// What can go wrong with alerts.
#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("alerts: {what} {path}: {source}")]
    Io {
        what: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("alerts: cannot encode a record: {0}")]
    Encode(String),
    /// The query or another field of a new alert is not acceptable (a 400).
    #[error("{0}")]
    Invalid(String),
    #[error("alerts: cannot start the {0} thread")]
    Thread(String),
}

/// A new alert as asked for.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub name: String,
    pub query: String,
    /// Already checked by [`Alerts::guard`].
    pub webhook: Option<String>,
    pub rate_limit_per_min: Option<u32>,
    pub fold_duplicates: bool,
}

/// The alerts the matching thread uses, swapped under one lock so that an add or a
/// remove takes effect for the very next story.
struct Live {
    matcher: Matcher,
    by_num: HashMap<u64, Arc<Alert>>,
}

/// The node's alerts, shared by the API, the matching thread and the webhook tasks.
pub struct Alerts {
    live: RwLock<Live>,
    store: Mutex<AlertStore>,
    stats: Mutex<HashMap<String, HitStats>>,
    /// Live hits for `/v1/alerts/stream`.
    pub hub: HitHub,
    hits: HitsReader,
    guard: ssrf::Guard,
    webhooks: webhook::Webhooks,
    stories: StoryReader,
}

/// The committer's end of the queue to the matching thread.
pub struct Feed {
    tx: std_mpsc::SyncSender<Arc<Published>>,
    overflowed: Arc<AtomicBool>,
}

impl Feed {
    /// Hands over a committed story without waiting: when the queue is full the matching
    /// thread reads what it missed from the log.
    pub fn offer(&self, p: &Arc<Published>) {
        if self.tx.try_send(p.clone()).is_err() {
            self.overflowed.store(true, Ordering::Release);
        }
    }
}

/// The matching thread; [`Worker::stop`] waits for it to catch up with the log and end.
pub struct Worker {
    thread: Option<JoinHandle<()>>,
    alerts: Arc<Alerts>,
}

impl Worker {
    /// Call after the committer has ended (its [`Feed`] dropped): matching finishes the
    /// log, then webhook delivery and the hit streams stop.
    pub fn stop(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.alerts.webhooks.shutdown();
        self.alerts.hub.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update under these locks is a single insert or append: a panic elsewhere
    // cannot leave them half-done, so a poisoned lock is still sound to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Random bytes from the operating system (ids and webhook secrets).
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut out))
        .is_ok();
    if !ok {
        // No /dev/urandom: the standard library's per-process random hash keys, mixed
        // with the clock, are the best source left without another dependency.
        use std::hash::{BuildHasher, Hasher};
        for (i, chunk) in out.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(i);
            h.write_i128(OffsetDateTime::now_utc().unix_timestamp_nanos());
            for (b, v) in chunk.iter_mut().zip(h.finish().to_le_bytes()) {
                *b = v;
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens `DATA/alerts`, loads the alerts into the matcher, and starts the matching thread
/// and the webhook deliveries.
pub fn start(config: &Config, stories: StoryReader) -> Result<(Arc<Alerts>, Feed, Worker), AlertsError> {
    let dir = config.data_dir.join("alerts");
    let outbox = dir.join("outbox");
    std::fs::create_dir_all(&outbox).map_err(|source| AlertsError::Io {
        what: "creating".into(),
        path: outbox.clone(),
        source,
    })?;
    let (store, loaded) = AlertStore::open(&dir)?;
    let (log, stats) = HitsLog::open(&dir, stories.last_seq())?;
    let hits = log.reader();
    let mut live = Live {
        matcher: Matcher::new(),
        by_num: HashMap::new(),
    };
    for alert in loaded {
        let num = alert.num();
        match herald_query::parse(&alert.query) {
            Ok(q) => {
                if let Err(e) = live.matcher.add(num, &q) {
                    tracing::warn!(alert = %alert.id, error = %e, "stored alert refused by the matcher; it stays idle");
                    continue;
                }
            }
            Err(e) => {
                tracing::warn!(alert = %alert.id, error = %e, "stored alert no longer parses; it stays idle");
                continue;
            }
        }
        live.by_num.insert(num, Arc::new(alert));
    }
    let webhooks = webhook::Webhooks::start(webhook::Settings {
        hits: hits.clone(),
        outbox,
        guard: ssrf::Guard::new(&config.fetch_allow),
        retry_base: std::time::Duration::from_millis(config.alert_retry_base_ms),
        retry_max: std::time::Duration::from_millis(
            config.alert_retry_max_ms.max(config.alert_retry_base_ms),
        ),
        timeout: std::time::Duration::from_millis(config.webhook_timeout_ms),
    })?;
    for alert in live.by_num.values() {
        webhooks.watch(alert.clone(), None);
    }
    let alerts = Arc::new(Alerts {
        live: RwLock::new(live),
        store: Mutex::new(store),
        stats: Mutex::new(stats),
        hub: HitHub::new(config.subscriber_queue, hits.durable()),
        hits,
        guard: ssrf::Guard::new(&config.fetch_allow),
        webhooks,
        stories: stories.clone(),
    });
    let (tx, rx) = std_mpsc::sync_channel(config.alert_queue);
    let overflowed = Arc::new(AtomicBool::new(false));
    let thread = {
        let (alerts, overflowed) = (alerts.clone(), overflowed.clone());
        std::thread::Builder::new()
            .name("herald-alerts".into())
            .spawn(move || runner::run(&alerts, log, &stories, &rx, &overflowed))
            .map_err(|e| AlertsError::Thread(format!("matching ({e})")))?
    };
    let worker = Worker {
        thread: Some(thread),
        alerts: alerts.clone(),
    };
    Ok((alerts, Feed { tx, overflowed }, worker))
}

impl Alerts {
    /// The guard webhook URLs must pass (it resolves host names, hence async).
    pub fn guard(&self) -> &ssrf::Guard {
        &self.guard
    }

    /// The hits log, for streams that replay it.
    pub fn hits(&self) -> &HitsReader {
        &self.hits
    }

    fn read_live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an alert, durably; it is matched against every story committed after this
    /// returns. Blocking (an fsync). The answer carries the webhook secret, the only
    /// time it is shown.
    pub fn add(&self, new: NewAlert) -> Result<Alert, AlertsError> {
        let name = new.name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(AlertsError::Invalid(format!(
                "name: expected 1 to {MAX_NAME_CHARS} characters"
            )));
        }
        let query =
            herald_query::parse(&new.query).map_err(|e| AlertsError::Invalid(format!("query: {e}")))?;
        let mut store = lock(&self.store);
        let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
        let num = loop {
            let n = u64::from_le_bytes(random_bytes::<8>());
            if n != 0 && !live.by_num.contains_key(&n) {
                break n;
            }
        };
        live.matcher
            .add(num, &query)
            .map_err(|e| AlertsError::Invalid(e.to_string()))?;
        // Read under the write lock: every story the matching thread has looked at so far
        // has a seq at or below this, and every later one meets the new alert.
        let after_seq = self.stories.last_seq();
        // Likewise every hit recorded so far was matched without this alert: its webhook
        // outbox starts after them.
        let outbox_from = self.hits.durable();
        let alert = Alert {
            id: Alert::id_of(num),
            name,
            query: new.query.trim().to_string(),
            secret: new.webhook.as_ref().map(|_| hex(&random_bytes::<32>())),
            webhook: new.webhook,
            created_at: OffsetDateTime::now_utc(),
            rate_limit_per_min: new.rate_limit_per_min,
            fold_duplicates: new.fold_duplicates,
            after_seq,
        };
        if let Err(e) = store.add(&alert) {
            live.matcher.remove(num);
            return Err(e);
        }
        let alert_arc = Arc::new(alert.clone());
        live.by_num.insert(num, alert_arc.clone());
        drop(live);
        self.webhooks.watch(alert_arc, Some(outbox_from));
        Ok(alert)
    }

    /// Removes an alert durably; false when there is none of that id. Blocking.
    /// Hits not yet delivered to its webhook are dropped with it.
    pub fn remove(&self, id: &str) -> Result<bool, AlertsError> {
        let Some(num) = Alert::num_of(id) else {
            return Ok(false);
        };
        let mut store = lock(&self.store);
        let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
        if !live.by_num.contains_key(&num) {
            return Ok(false);
        }
        let remaining: Vec<Alert> = live
            .by_num
            .iter()
            .filter(|(n, _)| **n != num)
            .map(|(_, a)| (**a).clone())
            .collect();
        store.remove(id, &remaining)?;
        live.matcher.remove(num);
        live.by_num.remove(&num);
        drop(live);
        lock(&self.stats).remove(id);
        self.webhooks.unwatch(id, num);
        Ok(true)
    }

    /// One alert (without its secret) and its hit counts.
    pub fn get(&self, id: &str) -> Option<(Alert, HitStats)> {
        let num = Alert::num_of(id)?;
        let alert = self.read_live().by_num.get(&num).map(|a| (**a).clone())?;
        let stats = lock(&self.stats).get(id).copied().unwrap_or_default();
        Some((
            Alert {
                secret: None,
                ..alert
            },
            stats,
        ))
    }

    /// Every alert (without secrets), oldest first, with hit counts.
    pub fn list(&self) -> Vec<(Alert, HitStats)> {
        let mut all: Vec<Alert> = self.read_live().by_num.values().map(|a| (**a).clone()).collect();
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        let stats = lock(&self.stats);
        all.into_iter()
            .map(|a| {
                let s = stats.get(&a.id).copied().unwrap_or_default();
                (Alert { secret: None, ..a }, s)
            })
            .collect()
    }

    /// Whether an alert of this id is live.
    pub fn exists(&self, id: &str) -> bool {
        Alert::num_of(id).is_some_and(|n| self.read_live().by_num.contains_key(&n))
    }
}
