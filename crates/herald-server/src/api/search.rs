//! `GET /v1/search?q=&limit=&cursor=&sort=&fold=`: full-text and entity search over the archive.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use herald_store::index::{SearchOptions, Sort};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::error::ApiError;
use super::quotes::{parse_limit, rfc3339};
use crate::node::Shared;

/// Deepest page a cursor may reach; deeper paging is a sign of a query to narrow.
const MAX_OFFSET: usize = 10_000;
const DEFAULT_LIMIT: usize = 20;

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
    fold: Option<String>,
}

/// Answers a search: hits with id, headline, source, time, score and highlighted snippets.
pub async fn search(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let q = p.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(ApiError::bad_request(
            "bad_query",
            "q is required: a query such as q=harbour strike",
        ));
    }
    let query = herald_query::parse(&q).map_err(|e| ApiError::bad_query("q", &e))?;
    let limit = parse_limit(p.limit.as_deref(), DEFAULT_LIMIT)?;
    let offset = match p.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|o| *o <= MAX_OFFSET)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_parameter",
                    format!(
                        "cursor={c:?} is not a cursor from a previous answer (or pages past {MAX_OFFSET})"
                    ),
                )
            })?,
    };
    let sort = match p.sort.as_deref() {
        None | Some("") | Some("relevance") => Sort::Relevance,
        Some("time") => Sort::Time,
        Some(s) => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("sort={s:?}: expected relevance or time"),
            ));
        }
    };
    let fold = super::stream::parse_fold(p.fold.as_deref())?;
    let opts = SearchOptions {
        limit,
        offset,
        sort,
        now: OffsetDateTime::now_utc(),
    };
    let worker = shared.clone();
    // Search and snippet building are CPU work and file reads: keep them off the reactor.
    let body = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let res = worker
            .index
            .search(&query, &opts)
            .map_err(|e| ApiError::bad_request("search_failed", e.to_string()))?;
        let mut hits = Vec::with_capacity(res.hits.len());
        let mut folded = 0;
        for h in &res.hits {
            let story = worker.stories.get(&h.id).ok().flatten();
            let duplicate_of = story.as_ref().and_then(|s| s.duplicate_of.clone());
            // Folding drops later copies of a story from the page (the first one stays).
            if fold && duplicate_of.is_some() {
                folded += 1;
                continue;
            }
            let highlights = match &story {
                Some(story) => worker.index.highlight(&query, &story.headline, &story.body),
                None => Vec::new(),
            };
            hits.push(json!({
                "id": h.id,
                "seq": h.seq,
                "headline": h.headline,
                "source": {"id": h.source_id, "name": h.source_name},
                "url": h.url,
                "published_at": rfc3339(h.published_at),
                "time": rfc3339(h.time),
                "score": h.score,
                "highlights": highlights,
                "duplicate_of": duplicate_of,
            }));
        }
        let next = offset + res.hits.len();
        let next_cursor = if next < res.total && next <= MAX_OFFSET && !res.hits.is_empty() {
            Value::from(next.to_string())
        } else {
            Value::Null
        };
        let mut body = json!({"total": res.total, "hits": hits, "next_cursor": next_cursor});
        if fold {
            body["folded"] = folded.into();
        }
        Ok(body)
    })
    .await
    .map_err(|e| ApiError::internal(format!("search task failed: {e}")))??;
    shared.metrics.searches.fetch_add(1, Ordering::Relaxed);
    Ok(Json(body))
}
