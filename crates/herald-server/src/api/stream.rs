//! `GET /v1/stream?q=&since=&fold=`: the live wire as Server-Sent Events, resumable by seq.
//!
//! Each event is `event: story`, `id: SEQ`, `data: STORY-JSON`. A client that reconnects
//! with `Last-Event-ID: SEQ` (or `?since=SEQ`) first gets every matching story after SEQ
//! from the log, in order, then live ones, with no gap and no repeat. A client whose
//! queue fills gets `event: lag` with `{"resume_from": SEQ}` and is disconnected.

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use herald_model::Story;
use serde::Deserialize;
use time::OffsetDateTime;

use super::error::ApiError;
use super::follow::{REPLAY_CHUNK, Replay, resume_from, sse};
use crate::hub::{Published, Subscription};
use crate::node::Shared;

#[derive(Debug, Deserialize)]
pub struct StreamParams {
    q: Option<String>,
    since: Option<String>,
    fold: Option<String>,
}

/// What a subscriber wants: stories matching a query, and with `fold=true` only the first
/// of each near-duplicate family (a story with `duplicate_of` is left out).
struct Filter {
    query: Option<herald_query::Query>,
    fold: bool,
}

fn passes(filter: &Filter, story: &Story) -> bool {
    !(filter.fold && story.duplicate_of.is_some())
        && filter
            .query
            .as_ref()
            .is_none_or(|q| herald_alerts::matches(q, story, OffsetDateTime::now_utc()))
}

/// `fold=` as a boolean.
pub(crate) fn parse_fold(v: Option<&str>) -> Result<bool, ApiError> {
    match v.map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(v) => Err(ApiError::bad_request(
            "bad_parameter",
            format!("fold={v:?}: expected true or false"),
        )),
    }
}

fn story_event(seq: u64, json: &str) -> Event {
    Event::default().event("story").id(seq.to_string()).data(json)
}

/// Opens a stream.
pub async fn stream(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<StreamParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let filter = Filter {
        query: match p.q.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) => Some(herald_query::parse(q).map_err(|e| ApiError::bad_query("q", &e))?),
        },
        fold: parse_fold(p.fold.as_deref())?,
    };
    let from = resume_from(&headers, p.since.as_deref(), "seq")?;
    Ok(sse(Wire { shared, filter }, from))
}

/// The story log and the live wire, as one client wants them.
struct Wire {
    shared: Arc<Shared>,
    filter: Filter,
}

impl Replay for Wire {
    type Item = Published;

    fn subscribe(&self) -> Subscription {
        self.shared.hub.subscribe()
    }

    fn head(&self) -> u64 {
        self.shared.stories.last_seq()
    }

    async fn replay(&self, after: u64, upto: u64) -> Option<(Vec<Event>, u64)> {
        let reader = self.shared.stories.clone();
        let chunk = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let res = reader.scan_from(after + 1, |s: Story| {
                if s.seq > upto {
                    return ControlFlow::Break(());
                }
                out.push(s);
                if out.len() >= REPLAY_CHUNK {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            res.map(|_| out)
        })
        .await;
        let chunk = match chunk {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "stream replay could not read the log");
                return None;
            }
            Err(_) => return None,
        };
        let Some(last) = chunk.last().map(|s| s.seq) else {
            return Some((Vec::new(), upto));
        };
        let events = chunk
            .iter()
            .filter(|s| passes(&self.filter, s))
            .map(|s| story_event(s.seq, &serde_json::to_string(s).unwrap_or_default()))
            .collect();
        Some((events, last))
    }

    fn live(&self, p: &Published) -> Option<Event> {
        passes(&self.filter, &p.story).then(|| story_event(p.story.seq, &p.json))
    }

    fn lagged(&self) {
        self.shared
            .metrics
            .subscribers_lagged
            .fetch_add(1, Ordering::Relaxed);
    }
}
