//! Server-Sent Events that catch up from a log and then follow a hub, without a gap or a
//! repeat: the machinery shared by the story wire (`/v1/stream`) and alert hits
//! (`/v1/alerts/stream`).
//!
//! A client names the last seq it saw (`Last-Event-ID`, else `?since=`). While it is far
//! behind it is fed chunks from the log without holding a hub slot (a long replay cannot
//! overflow a live queue); close to the head it subscribes to the hub and replays the short
//! stretch before the subscription's first item; then live items go from the hub's queue
//! straight to the socket. A client the hub cut off for lagging gets `event: lag` with
//! `{"resume_from": SEQ}` and is disconnected.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;

use super::error::ApiError;
use crate::hub::{Sequenced, Sub};

/// Items read from a log per blocking read while catching a client up.
pub(crate) const REPLAY_CHUNK: usize = 512;

/// One kind of followable log: where its items come from and how a client wants them.
pub(crate) trait Replay: Send + 'static {
    type Item: Sequenced + Send + Sync + 'static;
    /// Subscribes to the live hub.
    fn subscribe(&self) -> Sub<Self::Item>;
    /// The last seq durable in the log.
    fn head(&self) -> u64;
    /// The events for the wanted items with seq in `(after, upto]` (at most a chunk), and
    /// the last seq covered; `None` if the log cannot be read.
    fn replay(&self, after: u64, upto: u64) -> impl Future<Output = Option<(Vec<Event>, u64)>> + Send;
    /// The event for a live item, or `None` when the client does not want it.
    fn live(&self, item: &Self::Item) -> Option<Event>;
    /// Told once when the hub cut the client off for lagging.
    fn lagged(&self) {}
}

/// The seq a client resumes after: `Last-Event-ID` (a reconnecting EventSource sends it;
/// it wins over the original `?since=`), else `since`; `None` for live only.
pub(crate) fn resume_from(
    headers: &HeaderMap,
    since: Option<&str>,
    what: &str,
) -> Result<Option<u64>, ApiError> {
    let parse = |name: &str, v: &str| {
        v.trim().parse::<u64>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "bad_parameter",
                format!("{name}={v:?}: expected the {what} of the last one seen (a number)"),
            )
        })
    };
    match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        Some(v) if !v.trim().is_empty() => parse("Last-Event-ID", v),
        _ => match since {
            Some(s) if !s.trim().is_empty() => parse("since", s),
            _ => Ok(None),
        },
    }
}

/// The SSE answer following `src` after `from`.
pub(crate) fn sse<R: Replay>(
    src: R,
    from: Option<u64>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let follow = Follow {
        src,
        cursor: from,
        sub: None,
        buf: VecDeque::new(),
        done: false,
    };
    // Driven by the connection itself: a live item goes from the hub's queue to the
    // socket with no task or channel in between.
    let events = futures_util::stream::unfold(follow, |f| f.next_event());
    Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    )
}

/// One client's feed.
struct Follow<R: Replay> {
    src: R,
    /// The last seq covered (delivered or filtered out); `None` until known.
    cursor: Option<u64>,
    /// The live subscription, once caught up.
    sub: Option<Sub<R::Item>>,
    /// Events ready to go out (a replayed chunk, the final lag event).
    buf: VecDeque<Event>,
    done: bool,
}

impl<R: Replay> Follow<R> {
    async fn next_event(mut self) -> Option<(Result<Event, Infallible>, Self)> {
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
                Some(item) => {
                    let seq = item.seq();
                    if seq <= self.cursor.unwrap_or(0) {
                        continue;
                    }
                    self.cursor = Some(seq);
                    if let Some(e) = self.src.live(&item) {
                        return Some((Ok(e), self));
                    }
                }
                None => {
                    if sub.lagged() {
                        self.src.lagged();
                        let data = format!("{{\"resume_from\":{}}}", self.cursor.unwrap_or(0));
                        self.buf.push_back(Event::default().event("lag").data(data));
                    }
                    self.done = true;
                }
            }
        }
    }

    /// Fills `buf` from the log while far behind; once close to the head, subscribes and
    /// covers the stretch up to where the subscription begins.
    async fn catch_up(&mut self) {
        let Some(cursor) = self.cursor else {
            // Live only: start after whatever the hub last published.
            let sub = self.src.subscribe();
            self.cursor = Some(sub.after);
            self.sub = Some(sub);
            return;
        };
        let head = self.src.head();
        if head.saturating_sub(cursor) > REPLAY_CHUNK as u64 {
            match self.replay_chunk(cursor, head).await {
                Some(n) => self.cursor = Some(n),
                None => self.done = true,
            }
            return;
        }
        let sub = self.src.subscribe();
        let upto = sub.after;
        self.sub = Some(sub);
        let mut c = cursor;
        while c < upto {
            match self.replay_chunk(c, upto).await {
                Some(n) if n > c => c = n,
                // No progress: the log ends before the hub's first item (cannot happen, as
                // hubs only hear of durable items); go live rather than spin.
                Some(_) => break,
                None => {
                    self.done = true;
                    return;
                }
            }
        }
        self.cursor = Some(c.max(cursor));
    }

    async fn replay_chunk(&mut self, after: u64, upto: u64) -> Option<u64> {
        if after >= upto {
            return Some(after);
        }
        let (events, covered) = self.src.replay(after, upto).await?;
        self.buf.extend(events);
        Some(covered.max(after))
    }
}
