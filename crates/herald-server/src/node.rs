//! The node: opens the data dir, and runs the flow's two writers — the committer (the
//! only writer of the log) and the indexer (the only writer of the search index).
//!
//! ```text
//! HTTP handlers ──jobs──► committer ──fsync'd batch──► hub (streams)
//!   (parse, enrich)        (group commit)  └──bounded queue──► indexer ─► tantivy
//!                                                     (gaps: read back from the log)
//!                                          └──bounded queue──► alert matching (crate::alerts)
//! ```
//!
//! The committer takes everything queued while the previous fsync ran and commits it as
//! one batch (group commit), so many concurrent publishes share one fsync. The indexer
//! takes committed stories from a bounded queue while it keeps up; whatever it misses
//! (the queue was full, or the node restarted) it reads back from the log, so a backlog
//! costs no memory and a restart resumes from the index's last committed seq.

use std::fs::File;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, mpsc as std_mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use herald_model::Story;
use herald_store::index::{IndexError, IndexHandle, IndexOptions, SearchIndex};
use herald_store::stories::{Committed, StoryReader, StoryStore};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, info, warn};

use crate::config::Config;
use crate::hub::{Hub, Published};
use crate::intake::Intake;
use crate::metrics::{Gauges, Metrics};

/// Most stories in one group commit; bounds the size of one write and the wait of the
/// first story in a batch.
const MAX_BATCH: usize = 1024;

/// How a publish ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored durably as `version` of `id` at `seq`.
    Created { id: String, seq: u64, version: u32 },
    /// Already stored, unchanged: nothing was written.
    Duplicate { id: String, seq: u64, version: u32 },
}

/// What can go wrong in the node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("cannot use data dir {path}: {message}")]
    DataDir { path: String, message: String },
    #[error(transparent)]
    Store(#[from] herald_store::stories::StoreError),
    #[error(transparent)]
    Index(#[from] herald_store::index::IndexError),
    #[error("cannot load the knowledge base: {0}")]
    Kb(String),
    #[error("the node is shutting down")]
    ShuttingDown,
    #[error("the log could not store the story: {0}")]
    Commit(String),
    #[error("cannot start alerts: {0}")]
    Alerts(String),
    #[error("cannot start feeds: {0}")]
    Feeds(String),
}

struct Job {
    story: Story,
    received: Instant,
    reply: oneshot::Sender<Result<Outcome, String>>,
}

/// The state that HTTP handlers share.
pub struct Shared {
    pub config: Config,
    pub stories: StoryReader,
    pub index: IndexHandle,
    pub hub: Arc<Hub>,
    pub metrics: Arc<Metrics>,
    pub nlp: Arc<crate::nlp::Nlp>,
    /// Standing alerts: their store, matcher, hits and deliveries.
    pub alerts: Arc<crate::alerts::Alerts>,
    /// Followed feeds and their poller.
    pub feeds: Arc<crate::feeds::Feeds>,
    indexed_seq: Arc<AtomicU64>,
    /// `None` once shutdown began: new publishes are refused, and the committer ends
    /// when the last in-flight sender is gone.
    jobs: RwLock<Option<mpsc::Sender<Job>>>,
}

impl Shared {
    /// Enriches a story (on the blocking pool: pure CPU, about a hundred microseconds for
    /// a wire story, so a burst of large stories never stalls the reactor), then commits
    /// it. The one path of `POST /v1/stories` and of feed items.
    pub async fn enrich_and_ingest(&self, mut story: Story) -> Result<Outcome, NodeError> {
        let nlp = self.nlp.clone();
        let story = tokio::task::spawn_blocking(move || {
            nlp.prepare(&mut story);
            story
        })
        .await
        .map_err(|e| NodeError::Commit(format!("enrichment failed: {e}")))?;
        self.ingest(story).await
    }

    /// Commits a story (its id and `received_at` already set) and answers once it is durable.
    pub async fn ingest(&self, story: Story) -> Result<Outcome, NodeError> {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            story,
            received: Instant::now(),
            reply,
        };
        let jobs = self.jobs.read().unwrap_or_else(|p| p.into_inner()).clone();
        let jobs = jobs.ok_or(NodeError::ShuttingDown)?;
        jobs.send(job).await.map_err(|_| NodeError::ShuttingDown)?;
        match rx.await {
            Ok(Ok(o)) => Ok(o),
            Ok(Err(e)) => Err(NodeError::Commit(e)),
            Err(_) => Err(NodeError::ShuttingDown),
        }
    }

    /// The highest seq that search can see.
    pub fn indexed_seq(&self) -> u64 {
        self.indexed_seq.load(Ordering::Acquire)
    }

    /// Gauges for `/metrics` and `/healthz`.
    pub fn gauges(&self) -> Gauges {
        Gauges {
            subscribers: self.hub.subscribers(),
            last_seq: self.stories.last_seq(),
            indexed_seq: self.indexed_seq(),
            stories: self.stories.len(),
        }
    }
}

/// A running node's storage side. Dropping it without [`Node::shutdown`] still stops the
/// writers, but `shutdown` waits for them to drain.
pub struct Node {
    pub shared: Arc<Shared>,
    committer: Option<JoinHandle<()>>,
    indexer: Option<JoinHandle<()>>,
    /// The alert matching thread (ended after the committer, like the indexer).
    alerts: Option<crate::alerts::Worker>,
    _lock: File,
}

/// The enricher with the embedded knowledge base, loaded once per process (a few
/// hundred milliseconds) and shared by every node the process runs.
pub fn embedded_enricher() -> Result<Arc<herald_nlp::Enricher>, NodeError> {
    static ENRICHER: std::sync::OnceLock<Result<Arc<herald_nlp::Enricher>, String>> =
        std::sync::OnceLock::new();
    ENRICHER
        .get_or_init(|| {
            herald_nlp::Kb::embedded()
                .map(|kb| Arc::new(herald_nlp::Enricher::new(kb)))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(NodeError::Kb)
}

/// Fills the near-duplicate index with the fingerprints of the log's latest stories, so
/// that a restart does not forget what was just seen.
fn seed_duplicates(nlp: &crate::nlp::Nlp, reader: &StoryReader) {
    let last = reader.last_seq();
    let from = last.saturating_sub(crate::nlp::DUP_CAPACITY as u64 / 4);
    let r = reader.scan_from(from, |story| {
        nlp.remember(&story);
        std::ops::ControlFlow::Continue(())
    });
    if let Err(e) = r {
        tracing::warn!(error = %e, "cannot seed the near-duplicate index from the log");
    }
}

/// Takes the data dir's lock so that two nodes (or a node and `herald reindex`) never
/// write the same files.
pub fn lock_data_dir(dir: &Path) -> Result<File, NodeError> {
    let err = |message: String| NodeError::DataDir {
        path: dir.display().to_string(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    let path = dir.join("lock");
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| err(format!("{}: {e}", path.display())))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(err(
            "another herald process is using it (stop it first, or use another --data dir)".into(),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(err(format!("cannot lock {}: {e}", path.display()))),
    }
}

impl Node {
    /// Opens (or creates) the data dir, replays the log and starts the writers.
    pub fn open(config: Config) -> Result<Node, NodeError> {
        let lock = lock_data_dir(&config.data_dir)?;
        let (store, report) = StoryStore::open(&config.data_dir.join("log"))?;
        info!(?report, "log opened");
        let reader = store.reader();
        let nlp = Arc::new(crate::nlp::Nlp::open(&config.data_dir).map_err(NodeError::Kb)?);
        seed_duplicates(&nlp, &reader);
        let indexed_seq = Arc::new(AtomicU64::new(0));
        let (index_tx, index_rx) = std_mpsc::sync_channel::<Arc<Published>>(config.index_queue);
        let overflowed = Arc::new(AtomicBool::new(false));
        // The indexer opens the index on its own thread, so that tantivy's worker and merge
        // threads inherit the indexer's lower priority (see `run_indexer`).
        let (ready_tx, ready_rx) = std_mpsc::sync_channel(1);
        let indexer = {
            let commit_every = Duration::from_millis(config.index_commit_ms);
            let dir = config.data_dir.join("index");
            let opts = IndexOptions {
                writer_memory_bytes: config.index_memory_bytes,
            };
            let (reader, indexed_seq, overflowed) = (reader.clone(), indexed_seq.clone(), overflowed.clone());
            std::thread::Builder::new()
                .name("herald-indexer".into())
                .spawn(move || {
                    lower_thread_priority();
                    let index = match open_or_rebuild_index(&dir, opts) {
                        Ok(i) => i,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    indexed_seq.store(index.indexed_seq(), Ordering::Release);
                    if ready_tx.send(Ok(index.handle())).is_err() {
                        return;
                    }
                    run_indexer(index, reader, index_rx, &overflowed, &indexed_seq, commit_every)
                })
                .map_err(|e| NodeError::Commit(e.to_string()))?
        };
        let index = match ready_rx.recv() {
            Ok(Ok(handle)) => handle,
            Ok(Err(e)) => {
                let _ = indexer.join();
                return Err(e.into());
            }
            Err(_) => {
                return Err(NodeError::Commit(
                    "the indexer thread died while opening the index".into(),
                ));
            }
        };
        // Alerts: matched on their own thread, fed by the committer without waiting.
        let (alerts, alert_feed, alert_worker) =
            crate::alerts::start(&config, reader.clone()).map_err(|e| NodeError::Alerts(e.to_string()))?;
        let (feeds, feed_sink) =
            crate::feeds::Feeds::open(&config).map_err(|e| NodeError::Feeds(e.to_string()))?;
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>(MAX_BATCH * 4);
        let shared = Arc::new(Shared {
            feeds,
            hub: Arc::new(Hub::new(config.subscriber_queue, reader.last_seq())),
            index,
            stories: reader.clone(),
            metrics: Arc::new(Metrics::default()),
            nlp,
            alerts,
            indexed_seq: indexed_seq.clone(),
            jobs: RwLock::new(Some(jobs_tx)),
            config,
        });
        feed_sink.bind(&shared);
        let committer = {
            let (hub, metrics) = (shared.hub.clone(), shared.metrics.clone());
            std::thread::Builder::new()
                .name("herald-committer".into())
                .spawn(move || {
                    run_committer(
                        store,
                        jobs_rx,
                        &hub,
                        &metrics,
                        &index_tx,
                        &overflowed,
                        &alert_feed,
                    )
                })
                .map_err(|e| NodeError::Commit(e.to_string()))?
        };
        Ok(Node {
            shared,
            committer: Some(committer),
            indexer: Some(indexer),
            alerts: Some(alert_worker),
            _lock: lock,
        })
    }

    /// Stops taking stories, lets the committer finish what it holds (every publish
    /// already queued is answered), brings the index up to the log, and ends the streams.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared.jobs.write().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = self.committer.take() {
            let _ = h.join();
        }
        // The committer has ended and dropped the indexer's queue: the indexer indexes
        // what is left in the log, commits and ends.
        if let Some(h) = self.indexer.take() {
            let _ = h.join();
        }
        // Likewise alert matching finishes the log, then webhook delivery stops.
        if let Some(w) = self.alerts.take() {
            w.stop();
        }
        self.shared.hub.close();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_committer(
    mut store: StoryStore,
    mut jobs: mpsc::Receiver<Job>,
    hub: &Hub,
    metrics: &Metrics,
    index: &std_mpsc::SyncSender<Arc<Published>>,
    overflowed: &AtomicBool,
    alerts: &crate::alerts::Feed,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    loop {
        let first = match jobs.try_recv() {
            Ok(job) => job,
            Err(mpsc::error::TryRecvError::Disconnected) => break,
            Err(mpsc::error::TryRecvError::Empty) => {
                // Nothing to commit: make room ahead in the log, a piece at a time so a
                // story arriving meanwhile waits a millisecond at most.
                match store.preallocate_step() {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => warn!(error = %e, "cannot preallocate the log; commits go on without"),
                }
                match jobs.blocking_recv() {
                    Some(job) => job,
                    None => break,
                }
            }
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let stories: Vec<Story> = batch.iter_mut().map(|j| std::mem::take(&mut j.story)).collect();
        match store.commit(stories) {
            Ok(results) => {
                metrics.log_batches.fetch_add(1, Ordering::Relaxed);
                let mut published = Vec::new();
                let mut outcomes = Vec::with_capacity(results.len());
                for r in results {
                    match r {
                        Committed::Stored {
                            id,
                            seq,
                            version,
                            story,
                            json,
                        } => {
                            published.push(Arc::new(Published { story, json }));
                            outcomes.push(Ok(Outcome::Created { id, seq, version }));
                        }
                        Committed::Duplicate { id, seq, version } => {
                            outcomes.push(Ok(Outcome::Duplicate { id, seq, version }));
                        }
                        Committed::Rejected { id, reason } => {
                            outcomes.push(Err(format!("story {id} was not stored: {reason}")));
                        }
                    }
                }
                hub.publish(&published);
                for p in &published {
                    // A full queue is fine: the indexer reads what it missed from the log.
                    if index.try_send(p.clone()).is_err() {
                        overflowed.store(true, Ordering::Release);
                    }
                    // Alerts: the same hand-over, never waiting (gaps are read from the log).
                    alerts.offer(p);
                }
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let counter = match outcome {
                        Ok(Outcome::Created { .. }) => &metrics.stories_ingested,
                        Ok(Outcome::Duplicate { .. }) => &metrics.stories_duplicate,
                        Err(_) => &metrics.stories_rejected,
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    metrics.ingest_latency.observe(job.received.elapsed());
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                error!(error = %e, "log commit failed; the batch was not acknowledged");
                let msg = e.to_string();
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(msg.clone()));
                }
            }
        }
    }
    info!("committer stopped");
}

/// Makes the calling thread (and the threads it starts later: tantivy's) run only when
/// the committer and the HTTP workers leave a core free (Linux `SCHED_IDLE`). Indexing
/// is background work that catches up from the log; on a small machine it would
/// otherwise take CPU from ingest and add milliseconds to publish → delivery latency.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler reads the param struct we pass and changes the policy of
    // the calling thread (pid 0) only.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            warn!("could not lower the indexer's priority");
        }
    }
}

fn run_indexer(
    mut index: SearchIndex,
    reader: StoryReader,
    queue: std_mpsc::Receiver<Arc<Published>>,
    overflowed: &AtomicBool,
    indexed_seq: &AtomicU64,
    commit_every: Duration,
) {
    // While far behind (a restart after a crash, a first start on a big log), commit
    // rarely: each commit makes a segment, and many small ones cost merges.
    const CATCH_UP_LAG: u64 = 10_000;
    const CATCH_UP_COMMIT: Duration = Duration::from_secs(5);
    let mut intake = Intake::new(&reader, &queue, overflowed, index.indexed_seq() + 1);
    let mut dirty = false;
    let mut last_commit = Instant::now();
    if intake.behind() > 0 {
        info!(behind = intake.behind(), "index catching up from the log");
    }
    loop {
        let every = if intake.behind() > CATCH_UP_LAG {
            CATCH_UP_COMMIT
        } else {
            commit_every
        };
        // Wait for the committer only until the next commit is due.
        let wait = if dirty {
            every.saturating_sub(last_commit.elapsed())
        } else {
            Duration::from_secs(1)
        };
        let (batch, read) = intake.take(wait, CATCH_UP_CHUNK);
        let mut failed = false;
        if let Err(e) = read {
            error!(error = %e, "cannot read the log for indexing");
            failed = true;
        }
        for p in &batch {
            // A story that cannot be indexed is skipped (and said so), not retried
            // forever: it stays in the log and readable by id.
            if let Err(e) = index.add(&p.story) {
                error!(seq = p.story.seq, error = %e, "cannot index story; skipping it");
            }
        }
        dirty |= !batch.is_empty();
        let caught_up = intake.caught_up();
        if dirty && (last_commit.elapsed() >= every || failed || (!intake.open() && caught_up)) {
            match index.commit() {
                Ok(()) => {
                    indexed_seq.store(index.indexed_seq(), Ordering::Release);
                    dirty = false;
                }
                Err(e) => error!(error = %e, "index commit failed; will retry"),
            }
            last_commit = Instant::now();
        }
        // At shutdown: stop once caught up, or on an error (the next start replays the rest
        // from the log).
        if !intake.open() && (caught_up || failed) {
            break;
        }
        if failed {
            warn!("indexer backing off after an error");
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    if let Err(e) = index.close() {
        error!(error = %e, "closing the search index failed; it is rebuilt from the log if need be");
    }
    info!(
        indexed_seq = indexed_seq.load(Ordering::Relaxed),
        "indexer stopped"
    );
}

/// Opens the search index; one built by another version of Herald is only a cache of the
/// log, so it is thrown away and rebuilt rather than refusing to start.
fn open_or_rebuild_index(dir: &Path, opts: IndexOptions) -> Result<SearchIndex, IndexError> {
    match SearchIndex::open(dir, opts) {
        Err(IndexError::SchemaMismatch { path, detail }) => {
            warn!(path = %path.display(), %detail, "search index from another version; rebuilding it from the log");
            std::fs::remove_dir_all(dir).map_err(|source| IndexError::CreateDir { path, source })?;
            SearchIndex::open(dir, opts)
        }
        other => other,
    }
}

/// Stories read from the log at a time while catching up, and taken from the queue at once.
const CATCH_UP_CHUNK: usize = 2048;

/// Rebuilds the search index from the log (`herald reindex`); the node must not be running.
/// `progress(done, total)` is called as stories are indexed.
pub fn reindex(config: &Config, mut progress: impl FnMut(u64, u64)) -> Result<u64, NodeError> {
    let _lock = lock_data_dir(&config.data_dir)?;
    let (store, _) = StoryStore::open(&config.data_dir.join("log"))?;
    let index_dir = config.data_dir.join("index");
    // A reindex is also the cure for a damaged index: start from an empty directory.
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir).map_err(|e| NodeError::DataDir {
            path: index_dir.display().to_string(),
            message: e.to_string(),
        })?;
    }
    let mut index = SearchIndex::open(
        &index_dir,
        IndexOptions {
            writer_memory_bytes: config.index_memory_bytes,
        },
    )?;
    index.clear()?;
    let reader = store.reader();
    let total = reader.last_seq();
    let mut done = 0u64;
    let mut err = None;
    reader.scan_from(1, |story: Story| {
        if let Err(e) = index.add(&story) {
            err = Some(e);
            return ControlFlow::Break(());
        }
        done = story.seq;
        if done.is_multiple_of(1000) {
            progress(done, total);
        }
        ControlFlow::Continue(())
    })?;
    if let Some(e) = err {
        return Err(e.into());
    }
    index.close()?;
    progress(total, total);
    Ok(reader.len() as u64)
}
