//! Herald's node: the flow of DESIGN §1 wired together, behind the HTTP API of §5.
//!
//! * [`config`] — defaults, `herald.toml`, `HERALD_*` overrides.
//! * [`node`] — opens the data dir and runs the two writers: the committer (group
//!   commit into the log) and the indexer (log → search index).
//! * [`hub`] — fan-out of committed stories to live subscribers, each with a bounded queue.
//! * [`alerts`] — standing queries: matching every committed story, the hits log and
//!   stream, webhook delivery, the backtest.
//! * [`api`] — the HTTP handlers, one module per resource.
//! * [`metrics`] — counters and histograms for `/metrics`.
//! * [`feeds`] — followed feeds and their poller (herald-ingest), publishing like the API.
//! * [`nlp`] — enrichment state: the knowledge base, boilerplate, near-duplicates, alias
//!   candidates.
//!
//! [`serve`] runs a node until it is told to stop (Ctrl-C or SIGTERM).

pub mod alerts;
pub mod api;
pub mod config;
pub mod feeds;
pub mod hub;
mod intake;
pub mod metrics;
pub mod nlp;
pub mod node;

use std::future::Future;
use std::net::SocketAddr;

use axum::serve::ListenerExt;

pub use config::Config;
pub use node::{Node, NodeError};

/// Why `serve` could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the node, listens, calls `ready` with the bound address, and serves until
/// `shutdown` completes; then drains: every acknowledged story is in the log and the
/// index is committed before this returns.
pub async fn serve(
    config: Config,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listen = config.listen;
    let node = tokio::task::spawn_blocking(move || Node::open(config))
        .await
        .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))??;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind { addr: listen, source })?;
    let addr = listener.local_addr()?;
    ready(addr);
    let hub = node.shared.hub.clone();
    let alerts = node.shared.alerts.clone();
    let feeds = node.shared.feeds.clone();
    feeds.start();
    let feeds_at_stop = feeds.clone();
    let app = api::router(node.shared.clone());
    let stop = async move {
        shutdown.await;
        // No new polls: a poll in flight may still publish while the server drains.
        feeds_at_stop.signal_stop();
        // Streams never end on their own; end them so the graceful shutdown can finish.
        hub.close();
        alerts.hub.close();
    };
    // Stream events are small writes that must leave at once: without TCP_NODELAY, Nagle's
    // algorithm holds them back waiting for the client's delayed ACK (tens of ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).with_graceful_shutdown(stop).await?;
    feeds.stop().await;
    tokio::task::spawn_blocking(move || node.shutdown()).await.ok();
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
