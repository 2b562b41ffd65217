//! `/v1/feeds`: follow, list, show, poll and drop feeds; OPML import and export; any
//! query as an Atom or JSON feed (`/v1/feeds/out.atom`, `.json`); WebSub callbacks.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use herald_ingest::registry::{Feed, NewFeed};
use herald_model::Story;
use herald_store::index::{SearchOptions, Sort};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::error::ApiError;
use crate::node::Shared;

/// Stories in a feed served by `out.atom` / `out.json` unless `limit` says otherwise.
const OUT_DEFAULT: usize = 50;
const OUT_MAX: usize = 200;

fn feed_json(f: &Feed) -> Value {
    serde_json::to_value(f).unwrap_or(Value::Null)
}

fn registry_error(e: herald_ingest::registry::RegistryError) -> ApiError {
    use herald_ingest::registry::RegistryError as E;
    match e {
        E::BadUrl { .. } => ApiError::bad_request("bad_url", e.to_string()),
        E::NotFound(_) => ApiError::not_found(e.to_string()),
        other => ApiError::internal(other.to_string()),
    }
}

async fn save(shared: &Arc<Shared>) -> Result<(), ApiError> {
    let reg = shared.feeds.registry.clone();
    tokio::task::spawn_blocking(move || reg.save())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    url: Option<String>,
    title: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    full_text: bool,
}

/// `POST /v1/feeds`: follows a feed and polls it at once, answering with its health. A
/// page URL that links to a feed follows that feed instead.
pub async fn add(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<AddBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request("invalid_json", e.body_text()))?;
    let url = body
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("bad_url", "url is required: the feed's address"))?;
    let new = NewFeed {
        url,
        title: body.title,
        tags: body.tags,
        full_text: body.full_text,
        site_url: None,
        // Polled right here, below; the loop must not take it meanwhile.
        first_poll: Some(OffsetDateTime::now_utc() + time::Duration::hours(1)),
    };
    let now = OffsetDateTime::now_utc();
    let (feed, created) = shared
        .feeds
        .registry
        .add(new.clone(), now)
        .map_err(registry_error)?;
    save(&shared).await?;
    if !created {
        return Ok((
            StatusCode::OK,
            Json(json!({"feed": feed_json(&feed), "created": false})),
        )
            .into_response());
    }
    let poller = &shared.feeds.poller;
    let mut report = poller
        .poll_now(&feed.id)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let mut id = report.feed_id.clone().unwrap_or_else(|| feed.id.clone());
    let mut discovered_from = None;
    if report.items == 0
        && let Some(found) = report.discovered.first().cloned()
    {
        // The user gave a page; follow the feed it advertises.
        shared.feeds.registry.remove(&id);
        let (f, _) = shared
            .feeds
            .registry
            .add(NewFeed { url: found, ..new }, now)
            .map_err(registry_error)?;
        discovered_from = Some(feed.url.clone());
        id = f.id.clone();
        report = poller
            .poll_now(&id)
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if let Some(new_id) = &report.feed_id {
            id.clone_from(new_id);
        }
        save(&shared).await?;
    }
    let feed = shared
        .feeds
        .registry
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("feed {id:?} was removed")))?;
    let mut out = json!({"feed": feed_json(&feed), "created": true, "poll": report});
    if let Some(page) = discovered_from {
        out["discovered_from"] = page.into();
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    tag: Option<String>,
}

/// `GET /v1/feeds[?tag=]`: every feed with its health.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let feeds: Vec<Value> = shared
        .feeds
        .registry
        .list()
        .iter()
        .filter(|f| {
            p.tag
                .as_deref()
                .is_none_or(|t| f.tags.iter().any(|x| x.eq_ignore_ascii_case(t)))
        })
        .map(feed_json)
        .collect();
    Ok(Json(json!({"feeds": feeds})))
}

/// `GET /v1/feeds/{id}`.
pub async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let f = shared
        .feeds
        .registry
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("no feed with id {id:?}")))?;
    Ok(Json(json!({"feed": feed_json(&f)})))
}

/// `DELETE /v1/feeds/{id}`: stops following (its stories stay).
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let f = shared
        .feeds
        .registry
        .remove(&id)
        .ok_or_else(|| ApiError::not_found(format!("no feed with id {id:?}")))?;
    save(&shared).await?;
    Ok(Json(json!({"removed": feed_json(&f)})))
}

/// `POST /v1/feeds/{id}/poll`: fetches now and answers with what the poll did.
pub async fn poll(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let report = shared.feeds.poller.poll_now(&id).await.map_err(|e| match e {
        herald_ingest::poller::PollError::NotFound(_) => ApiError::not_found(e.to_string()),
        other => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            other.to_string(),
        ),
    })?;
    let id = report.feed_id.clone().unwrap_or(id);
    let f = shared
        .feeds
        .registry
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("no feed with id {id:?}")))?;
    Ok(Json(json!({"feed": feed_json(&f), "poll": report})))
}

/// `POST /v1/feeds/import`: follows every feed of an OPML file (folders become tags);
/// they are polled straight away, spread over the poller's concurrency.
pub async fn import(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the OPML file is larger than the import limit",
            )
        } else {
            ApiError::bad_request("bad_body", e.body_text())
        }
    })?;
    let parsed = tokio::task::spawn_blocking(move || herald_ingest::opml::parse(&body))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::bad_request("invalid_opml", e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    let (mut added, mut existing, mut errors) = (Vec::new(), 0usize, Vec::new());
    for f in parsed {
        let url = f.url.clone();
        match shared.feeds.registry.add(
            NewFeed {
                url: f.url,
                title: f.title,
                site_url: f.site_url,
                tags: f.tags,
                full_text: false,
                first_poll: None,
            },
            now,
        ) {
            Ok((feed, true)) => added.push(feed.id),
            Ok((_, false)) => existing += 1,
            Err(e) => errors.push(json!({"url": url, "error": e.to_string()})),
        }
    }
    save(&shared).await?;
    shared.feeds.poller.wake();
    let status = if added.is_empty() && existing == 0 && !errors.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({"added": added.len(), "existing": existing, "ids": added, "errors": errors})),
    )
        .into_response())
}

/// `GET /v1/feeds/export`: every feed as OPML 2.0.
pub async fn export(State(shared): State<Arc<Shared>>) -> Response {
    let feeds = shared.feeds.registry.list();
    let list: Vec<herald_ingest::opml::ExportFeed<'_>> = feeds
        .iter()
        .map(|f| herald_ingest::opml::ExportFeed {
            url: &f.url,
            title: if f.title.is_empty() { &f.id } else { &f.title },
            site_url: f.site_url.as_deref(),
            tags: &f.tags,
        })
        .collect();
    let doc = herald_ingest::opml::export("Herald feeds", &list);
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], doc).into_response()
}

#[derive(Debug, Deserialize)]
pub struct OutParams {
    q: Option<String>,
    limit: Option<String>,
}

/// `GET /v1/feeds/out.atom?q=` and `out.json?q=`: the newest stories matching a query
/// (or the newest of all without one) as a feed any reader can follow.
pub async fn out_atom(
    state: State<Arc<Shared>>,
    params: Result<Query<OutParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    out(state, params, headers, true).await
}

/// `GET /v1/feeds/out.json?q=`: as [`out_atom`], in JSON Feed 1.1.
pub async fn out_json(
    state: State<Arc<Shared>>,
    params: Result<Query<OutParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    out(state, params, headers, false).await
}

async fn out(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<OutParams>, QueryRejection>,
    headers: HeaderMap,
    atom: bool,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let name = if atom { "out.atom" } else { "out.json" };
    let limit = super::quotes::parse_limit(p.limit.as_deref(), OUT_DEFAULT)?.min(OUT_MAX);
    let q = p.q.unwrap_or_default();
    let query = if q.trim().is_empty() {
        None
    } else {
        Some(herald_query::parse(&q).map_err(|e| ApiError::bad_query("q", &e))?)
    };
    let worker = shared.clone();
    let stories = tokio::task::spawn_blocking(move || -> Result<Vec<Story>, ApiError> {
        match query {
            Some(query) => {
                let opts = SearchOptions {
                    limit,
                    offset: 0,
                    sort: Sort::Time,
                    now: OffsetDateTime::now_utc(),
                };
                let res = worker
                    .index
                    .search(&query, &opts)
                    .map_err(|e| ApiError::bad_request("search_failed", e.to_string()))?;
                Ok(res
                    .hits
                    .iter()
                    .filter_map(|h| worker.stories.get(&h.id).ok().flatten())
                    .collect())
            }
            None => {
                // Newest first by seq, each story once, as its latest version.
                Ok(super::stories::walk_back(&worker.stories, None, limit)?.0)
            }
        }
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| shared.config.listen.to_string(), str::to_string);
    let base = format!("http://{host}");
    let self_url = if q.is_empty() {
        format!("{base}/v1/feeds/{name}")
    } else {
        format!(
            "{base}/v1/feeds/{name}?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let title = if q.is_empty() {
        "Herald: latest".to_string()
    } else {
        format!("Herald: {q}")
    };
    let updated = stories
        .first()
        .and_then(|s| s.updated_at.or(s.published_at).or(s.received_at))
        .unwrap_or_else(OffsetDateTime::now_utc);
    let meta = herald_ingest::out::FeedMeta {
        title: &title,
        self_url: &self_url,
        node_base: &base,
        updated,
    };
    Ok(if atom {
        (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            herald_ingest::out::atom(&meta, &stories),
        )
            .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")],
            herald_ingest::out::json_feed(&meta, &stories).to_string(),
        )
            .into_response()
    })
}

#[derive(Debug, Deserialize)]
pub struct IntentParams {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.topic")]
    topic: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
    #[serde(rename = "hub.lease_seconds")]
    lease_seconds: Option<i64>,
    #[serde(rename = "hub.reason")]
    reason: Option<String>,
}

/// `GET /v1/websub/{id}`: a hub verifying our subscription intent (echo the challenge).
pub async fn websub_verify(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    params: Result<Query<IntentParams>, QueryRejection>,
) -> Response {
    let Ok(Query(p)) = params else {
        return (StatusCode::BAD_REQUEST, "bad hub parameters").into_response();
    };
    let mode = p.mode.unwrap_or_default();
    let result = herald_ingest::websub::verify_intent(
        &shared.feeds.registry,
        &id,
        &mode,
        p.topic.as_deref().unwrap_or(""),
        p.challenge.as_deref().unwrap_or(""),
        p.lease_seconds,
        OffsetDateTime::now_utc(),
    );
    match result {
        Ok(challenge) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], challenge).into_response(),
        Err(e) => {
            if mode == "denied" {
                let reason = p.reason.unwrap_or_default();
                shared.feeds.registry.update(&id, |f, _| {
                    f.health.last_error = Some(
                        format!("the WebSub hub denied the subscription {reason}")
                            .trim()
                            .to_string(),
                    );
                });
                return StatusCode::OK.into_response();
            }
            (StatusCode::NOT_FOUND, e).into_response()
        }
    }
}

/// `POST /v1/websub/{id}`: a hub pushing new content; ingested at once if its signature
/// is ours. Hubs get 2xx for a push we ignore too, as the spec asks (they must not retry it).
pub async fn websub_push(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Ok(body) = body else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "push too large").into_response();
    };
    let sig = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = herald_ingest::websub::verify_signature(&shared.feeds.registry, &id, sig, &body) {
        tracing::warn!(feed = %id, error = %e, "WebSub push refused");
        return (StatusCode::ACCEPTED, e).into_response();
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match shared.feeds.poller.ingest_push(&id, body, ct).await {
        Ok(report) => (StatusCode::OK, Json(json!({"poll": report}))).into_response(),
        Err(e) => {
            shared.feeds.registry.update(&id, |f, _| {
                f.health.last_error = Some(format!("WebSub push: {e}"))
            });
            (StatusCode::ACCEPTED, e).into_response()
        }
    }
}
