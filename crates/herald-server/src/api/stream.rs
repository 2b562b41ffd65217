//! `GET /v1/stream?q=&since=`: the live wire as Server-Sent Events, resumable by seq.
//!
//! Each event is `event: story`, `id: SEQ`, `data: STORY-JSON`. A client that reconnects
//! with `Last-Event-ID: SEQ` (or `?since=SEQ`) first gets every matching story after SEQ
//! from the log, in order, then live ones, with no gap and no repeat. A client whose
//! queue fills gets `event: lag` with `{"resume_from": SEQ}` and is disconnected.

use std::convert::Infallible;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use herald_model::Story;
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::mpsc;

use super::error::ApiError;
use crate::node::Shared;

/// Stories read from the log per blocking read while catching a client up.
const REPLAY_CHUNK: usize = 512;
/// Events waiting to be written to one client's socket.
const OUT_QUEUE: usize = 64;

#[derive(Debug, Deserialize)]
pub struct StreamParams {
    q: Option<String>,
    since: Option<String>,
}

type Filter = Option<herald_query::Query>;

fn passes(filter: &Filter, story: &Story) -> bool {
    filter
        .as_ref()
        .is_none_or(|q| herald_alerts::matches(q, story, OffsetDateTime::now_utc()))
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
    let filter = match p.q.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(q) => Some(herald_query::parse(q).map_err(|e| ApiError::bad_query("q", &e))?),
    };
    let parse_seq = |name: &str, v: &str| {
        v.trim().parse::<u64>().map_err(|_| {
            ApiError::bad_request(
                "bad_parameter",
                format!("{name}={v:?}: expected the seq of the last story seen (a number)"),
            )
        })
    };
    // A reconnecting EventSource sends Last-Event-ID; it wins over the original ?since=.
    let from = match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        Some(v) if !v.trim().is_empty() => Some(parse_seq("Last-Event-ID", v)?),
        _ => match p.since.as_deref() {
            Some(s) if !s.trim().is_empty() => Some(parse_seq("since", s)?),
            _ => None,
        },
    };
    let (tx, rx) = mpsc::channel::<Event>(OUT_QUEUE);
    tokio::spawn(feed(shared, filter, from, tx));
    let events =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

/// Sends stories with seq in `(after, upto]` from the log; returns the last seq covered,
/// or None if the client went away.
async fn replay(
    shared: &Arc<Shared>,
    filter: &Filter,
    mut after: u64,
    upto: u64,
    tx: &mpsc::Sender<Event>,
) -> Option<u64> {
    while after < upto {
        let reader = shared.stories.clone();
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
            return Some(upto);
        };
        for s in chunk {
            if passes(filter, &s) {
                let json = serde_json::to_string(&s).unwrap_or_default();
                tx.send(story_event(s.seq, &json)).await.ok()?;
            }
        }
        after = last;
    }
    Some(after)
}

/// One client's feed: catch up from the log, then follow the hub.
async fn feed(shared: Arc<Shared>, filter: Filter, from: Option<u64>, tx: mpsc::Sender<Event>) {
    // Catch up while far behind without holding a hub slot, so that a long replay cannot
    // overflow the live queue.
    let mut cursor = from;
    if let Some(mut c) = cursor {
        loop {
            let head = shared.stories.last_seq();
            if head.saturating_sub(c) <= REPLAY_CHUNK as u64 {
                break;
            }
            match replay(&shared, &filter, c, head, &tx).await {
                Some(n) => c = n,
                None => return,
            }
        }
        cursor = Some(c);
    }
    let mut sub = shared.hub.subscribe();
    let mut last = match cursor {
        Some(c) => match replay(&shared, &filter, c, sub.after, &tx).await {
            Some(n) => n.max(sub.after),
            None => return,
        },
        None => sub.after,
    };
    while let Some(p) = sub.rx.recv().await {
        if p.story.seq <= last {
            continue;
        }
        last = p.story.seq;
        if passes(&filter, &p.story) && tx.send(story_event(p.story.seq, &p.json)).await.is_err() {
            return;
        }
    }
    if sub.lagged() {
        shared.metrics.subscribers_lagged.fetch_add(1, Ordering::Relaxed);
        let data = format!("{{\"resume_from\":{last}}}");
        let _ = tx.send(Event::default().event("lag").data(data)).await;
    }
}
