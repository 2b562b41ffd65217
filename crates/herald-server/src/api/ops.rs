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
    let text = shared.metrics.render(&shared.gauges());
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
}

/// `GET /v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
