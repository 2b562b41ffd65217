//! The node's feed side: the feed registry and the poller, wired to the node's publish path.

use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use herald_ingest::fetch::{FetchConfig, Fetcher};
use herald_ingest::poller::{BoxFuture, Poller, PollerConfig, Sink};
use herald_ingest::registry::Registry;
use herald_ingest::ssrf::Guard;
use herald_model::Story;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::node::{Outcome, Shared};

/// Feeds as the node runs them.
pub struct Feeds {
    pub registry: Arc<Registry>,
    pub poller: Arc<Poller>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

/// Hands feed items to the node exactly as `POST /v1/stories` does (enrichment, then commit).
pub struct NodeSink {
    shared: OnceLock<Weak<Shared>>,
    /// Feed items being enriched or committed at once. An import of thousands of feeds
    /// would otherwise put every item of every feed in flight (64 polls × 20 items), each
    /// on its own blocking thread with its own allocator cache: 2.8 GB at 10,000 feeds.
    /// Enrichment is CPU-bound, so a few per core keep the cores and group commit busy.
    in_flight: tokio::sync::Semaphore,
}

/// Feed items in flight per core (see [`NodeSink::in_flight`]).
const IN_FLIGHT_PER_CORE: usize = 8;

impl NodeSink {
    /// Points the sink at the node (once `Shared` exists; the sink is made before it).
    pub fn bind(&self, shared: &Arc<Shared>) {
        let _ = self.shared.set(Arc::downgrade(shared));
    }
}

impl Sink for NodeSink {
    fn publish(&self, mut story: Story) -> BoxFuture<'_, Result<bool, String>> {
        Box::pin(async move {
            let _permit = self
                .in_flight
                .acquire()
                .await
                .map_err(|_| "the node is shutting down".to_string())?;
            let shared = self
                .shared
                .get()
                .and_then(Weak::upgrade)
                .ok_or_else(|| "the node is shutting down".to_string())?;
            story.received_at = Some(time::OffsetDateTime::now_utc());
            match shared.enrich_and_ingest(story).await {
                Ok(Outcome::Created { .. }) => Ok(true),
                Ok(Outcome::Duplicate { .. }) => Ok(false),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// Why the feed side could not start.
#[derive(Debug, thiserror::Error)]
pub enum FeedsError {
    #[error(transparent)]
    Registry(#[from] herald_ingest::registry::RegistryError),
    #[error(transparent)]
    Fetch(#[from] herald_ingest::fetch::FetchError),
}

impl Feeds {
    /// Opens `DATA/feeds/` and builds the fetcher and poller (not yet polling: see [`Feeds::start`]).
    pub fn open(config: &Config) -> Result<(Arc<Feeds>, Arc<NodeSink>), FeedsError> {
        let registry = Arc::new(Registry::open(&config.data_dir.join("feeds"))?);
        let total = Duration::from_millis(config.fetch_timeout_ms);
        let fetcher = Fetcher::new(FetchConfig {
            total_timeout: total,
            connect_timeout: total.min(Duration::from_secs(10)),
            stall_timeout: total.min(Duration::from_secs(15)),
            max_body: config.fetch_max_body_bytes,
            guard: Guard::new(&config.fetch_allow),
            ..FetchConfig::default()
        })?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let sink = Arc::new(NodeSink {
            shared: OnceLock::new(),
            in_flight: tokio::sync::Semaphore::new(cores * IN_FLIGHT_PER_CORE),
        });
        let poller = Poller::new(
            registry.clone(),
            fetcher,
            sink.clone(),
            PollerConfig {
                concurrency: config.feed_concurrency,
                per_host: config.feed_per_host,
                websub_callback: config.websub_callback.clone(),
                ..PollerConfig::default()
            },
        );
        let (stop, _) = watch::channel(false);
        Ok((
            Arc::new(Feeds {
                registry,
                poller,
                stop,
                task: Mutex::new(None),
            }),
            sink,
        ))
    }

    /// Starts the polling loop on the current tokio runtime.
    pub fn start(&self) {
        let rx = self.stop.subscribe();
        let handle = tokio::spawn(self.poller.clone().run(rx));
        *self.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
    }

    /// Tells the loop to stop (polls in flight end with the runtime).
    pub fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Stops the loop and waits until the poll state is written.
    pub async fn stop(&self) {
        self.signal_stop();
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = task {
            let _ = t.await;
        } else {
            let reg = self.registry.clone();
            let _ = tokio::task::spawn_blocking(move || reg.save_if_dirty()).await;
        }
    }
}
