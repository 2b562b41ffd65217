//! `GET /v1/stream?q=&since=&fold=`: the live wire as Server-Sent Events, resumable by seq.
//!
//! Each event is `event: story`, `id: SEQ`, `data: STORY-JSON`. A client that reconnects
//! with `Last-Event-ID: SEQ` (or `?since=SEQ`) first gets every matching story after SEQ
//! from the log, in order, then live ones, with no gap and no repeat. A client whose
//! queue fills gets `event: lag` with `{"resume_from": SEQ}` and is disconnected.

use std::collections::VecDeque;
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

use super::error::ApiError;
use crate::hub::Subscription;
use crate::node::Shared;

/// Stories read from the log per blocking read while catching a client up.
const REPLAY_CHUNK: usize = 512;

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
    let feed = Feed {
        shared,
        filter,
        cursor: from,
        sub: None,
        buf: VecDeque::new(),
        done: false,
    };
    // The stream is driven by the connection itself: a live story goes from the hub's
    // queue to the socket with no task or channel in between.
    let events = futures_util::stream::unfold(feed, |feed| feed.next_event());
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

/// One client's feed: catch up from the log, then follow the hub.
struct Feed {
    shared: Arc<Shared>,
    filter: Filter,
    /// The last seq covered (delivered or skipped by the filter); None until known.
    cursor: Option<u64>,
    /// The live subscription, once caught up.
    sub: Option<Subscription>,
    /// Events ready to go out (a chunk of replayed stories, the final lag event).
    buf: VecDeque<Event>,
    done: bool,
}

impl Feed {
    async fn next_event(mut self) -> Option<(Result<Event, Infallible>, Feed)> {
        loop {
            if let Some(e) = self.buf.pop_front() {
                return Some((Ok(e), self));
            }
            if self.done {
                return None;
            }
            let Some(sub) = self.sub.as_mut() else {
                self.catch_up().await;
                continue;
            };
            match sub.rx.recv().await {
                Some(p) => {
                    let last = self.cursor.unwrap_or(0);
                    if p.story.seq <= last {
                        continue;
                    }
                    self.cursor = Some(p.story.seq);
                    if passes(&self.filter, &p.story) {
                        return Some((Ok(story_event(p.story.seq, &p.json)), self));
                    }
                }
                None => {
                    if sub.lagged() {
                        self.shared
                            .metrics
                            .subscribers_lagged
                            .fetch_add(1, Ordering::Relaxed);
                        let data = format!("{{\"resume_from\":{}}}", self.cursor.unwrap_or(0));
                        self.buf.push_back(Event::default().event("lag").data(data));
                    }
                    self.done = true;
                }
            }
        }
    }

    /// Fills `buf` from the log while far behind; once close to the head, subscribes to the
    /// hub and covers the stretch up to where the subscription begins.
    async fn catch_up(&mut self) {
        let Some(cursor) = self.cursor else {
            // Live only: start after whatever the hub last published.
            let sub = self.shared.hub.subscribe();
            self.cursor = Some(sub.after);
            self.sub = Some(sub);
            return;
        };
        let head = self.shared.stories.last_seq();
        if head.saturating_sub(cursor) > REPLAY_CHUNK as u64 {
            // Far behind: a chunk from the log without holding a hub slot, so that a long
            // replay cannot overflow the live queue.
            match self.replay_chunk(cursor, head).await {
                Some(n) => self.cursor = Some(n),
                None => self.done = true,
            }
            return;
        }
        // Close to the head: subscribe, then replay the short stretch before the
        // subscription's first story.
        let sub = self.shared.hub.subscribe();
        let upto = sub.after;
        self.sub = Some(sub);
        let mut c = cursor;
        while c < upto {
            match self.replay_chunk(c, upto).await {
                Some(n) => c = n,
                None => {
                    self.done = true;
                    return;
                }
            }
        }
        self.cursor = Some(c);
    }

    /// Puts the matching stories with seq in `(after, upto]` (at most a chunk) into `buf`;
    /// returns the last seq covered, or None if the log cannot be read.
    async fn replay_chunk(&mut self, after: u64, upto: u64) -> Option<u64> {
        if after >= upto {
            return Some(after);
        }
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
            return Some(upto);
        };
        for s in chunk {
            if passes(&self.filter, &s) {
                let json = serde_json::to_string(&s).unwrap_or_default();
                self.buf.push_back(story_event(s.seq, &json));
            }
        }
        Some(last)
    }
}
