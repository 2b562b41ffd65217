//! Operations: `/healthz`, `/metrics` (Prometheus text) and `/v1/openapi.json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::node::Shared;

/// The API description, kept by hand beside the code (a test checks it names every route).
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /healthz`: the node is up; with how far the log and the index have got.
pub async fn healthz(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let g = shared.gauges();
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "last_seq": g.last_seq,
        "indexed_seq": g.indexed_seq,
        "stories": g.stories,
        "subscribers": g.subscribers,
    }))
}

/// `GET /metrics`.
pub async fn metrics(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let mut text = shared.metrics.render(&shared.gauges());
    feed_metrics(&shared, &mut text);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}

/// The feed side's counters and gauges, in the same exposition format.
fn feed_metrics(shared: &Shared, out: &mut String) {
    use crate::metrics::write_metric;
    use std::sync::atomic::Ordering::Relaxed;
    let st = shared.feeds.poller.stats();
    for (name, help, v) in [
        (
            "herald_feed_polls_total",
            "Feed polls finished.",
            st.polls.load(Relaxed),
        ),
        (
            "herald_feed_not_modified_total",
            "Feed polls answered 304 Not Modified.",
            st.not_modified.load(Relaxed),
        ),
        (
            "herald_feed_poll_errors_total",
            "Feed polls that failed.",
            st.errors.load(Relaxed),
        ),
        (
            "herald_feed_items_new_total",
            "Feed items that became new stories.",
            st.items_new.load(Relaxed),
        ),
        (
            "herald_feed_items_changed_total",
            "Feed items that became new versions.",
            st.items_changed.load(Relaxed),
        ),
        (
            "herald_feed_websub_pushes_total",
            "Contents pushed by WebSub hubs.",
            st.pushes.load(Relaxed),
        ),
    ] {
        write_metric(out, "counter", name, help, v);
    }
    let (feeds, failing) = shared.feeds.registry.health_counts();
    write_metric(out, "gauge", "herald_feeds", "Followed feeds.", feeds as u64);
    write_metric(
        out,
        "gauge",
        "herald_feeds_failing",
        "Feeds whose last poll failed.",
        failing as u64,
    );
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
