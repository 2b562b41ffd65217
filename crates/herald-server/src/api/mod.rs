//! The HTTP API (DESIGN §5): one module per resource, and the router that joins them.

pub mod alerts;
pub mod entities;
pub mod error;
pub mod feeds;
pub mod follow;
pub mod ops;
pub mod quotes;
pub mod search;
pub mod stories;
pub mod stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::routing::get;

use self::error::ApiError;
use crate::node::Shared;

/// Largest OPML file `POST /v1/feeds/import` takes (100,000 feeds fit).
const OPML_LIMIT: usize = 32 * 1024 * 1024;

/// Every route of the API.
pub fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.config.max_body_bytes;
    let push_limit = shared.config.fetch_max_body_bytes;
    Router::new()
        .route("/v1/stories", get(stories::list).post(stories::publish))
        .route("/v1/stories/{id}", get(stories::get))
        .route("/v1/search", get(search::search))
        .route("/v1/stream", get(stream::stream))
        .route("/v1/quotes", get(quotes::quotes))
        // Alerts (the static paths win over {id}).
        .route("/v1/alerts", get(alerts::list).post(alerts::create))
        .route("/v1/alerts/stream", get(alerts::stream))
        .route("/v1/alerts/test", axum::routing::post(alerts::test))
        .route("/v1/alerts/{id}", get(alerts::get).delete(alerts::delete))
        // Feeds (the static paths win over {id}).
        .route("/v1/feeds", get(feeds::list).post(feeds::add))
        .route(
            "/v1/feeds/import",
            axum::routing::post(feeds::import).layer(DefaultBodyLimit::max(OPML_LIMIT)),
        )
        .route("/v1/feeds/export", get(feeds::export))
        .route("/v1/feeds/out.atom", get(feeds::out_atom))
        .route("/v1/feeds/out.json", get(feeds::out_json))
        .route("/v1/feeds/{id}", get(feeds::get).delete(feeds::delete))
        .route("/v1/feeds/{id}/poll", axum::routing::post(feeds::poll))
        .route(
            "/v1/websub/{id}",
            get(feeds::websub_verify)
                .post(feeds::websub_push)
                .layer(DefaultBodyLimit::max(push_limit)),
        )
        .route("/v1/entities", get(entities::lookup).post(entities::add))
        // Entity ids hold '/' and ':' (kb:group/islamic-state): take the rest of the path.
        .route("/v1/entities/{*id}", get(entities::get))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/openapi.json", get(ops::openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such endpoint: {} (see /v1/openapi.json)", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}
