//! `/v1/alerts`: standing queries (create, list, show, delete), their hits as
//! Server-Sent Events (`/v1/alerts/stream`, resumable by hit_seq), and the backtest
//! (`POST /v1/alerts/test`).

use std::convert::Infallible;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::ApiError;
use super::follow::{REPLAY_CHUNK, Replay, resume_from, sse};
use crate::alerts::hits::HitStats;
use crate::alerts::hub::{HitOut, HitSubscription};
use crate::alerts::store::Alert;
use crate::alerts::{AlertsError, NewAlert, backtest};
use crate::node::Shared;

/// Most hits per minute a rate limit may allow (past that, it limits nothing).
const MAX_RATE: u32 = 100_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    name: Option<String>,
    query: Option<String>,
    webhook: Option<String>,
    rate_limit_per_min: Option<u32>,
    fold_duplicates: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    query: Option<String>,
    days: Option<u32>,
}

fn rfc3339(t: Option<OffsetDateTime>) -> Value {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// An alert as the API shows it (the secret only when it was just created).
fn alert_json(a: &Alert, stats: &HitStats) -> Value {
    let mut v = json!({
        "id": a.id,
        "name": a.name,
        "query": a.query,
        "webhook": a.webhook,
        "created_at": rfc3339(Some(a.created_at)),
        "rate_limit_per_min": a.rate_limit_per_min,
        "fold_duplicates": a.fold_duplicates,
        "hits": stats.count,
        "last_hit_at": rfc3339(stats.last_at),
    });
    if let Some(s) = &a.secret {
        v["secret"] = s.clone().into();
    }
    v
}

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(b)| b)
        .map_err(|e| ApiError::bad_request("bad_body", e.body_text()))
}

/// The query of an alert or a backtest: required, parsed, and free of time bounds.
fn parse_query(q: Option<&str>) -> Result<herald_query::Query, ApiError> {
    let q = q.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::bad_request(
            "bad_query",
            "query is required: a query such as \"harbour strike -source:tabloid\"",
        ));
    }
    herald_query::parse(q).map_err(|e| ApiError::bad_query("query", &e))
}

fn alerts_error(e: AlertsError) -> ApiError {
    match e {
        AlertsError::Invalid(m) => ApiError::bad_request("bad_alert", m),
        other => ApiError::internal(other.to_string()),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no alert {id:?} (see GET /v1/alerts)"))
}

/// `POST /v1/alerts`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<CreateBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b = json_body(body)?;
    let query = parse_query(b.query.as_deref())?;
    if backtest::has_time_bound(&query) {
        // The matcher's own words, before anything is stored.
        let msg = herald_alerts::Matcher::new()
            .add(0, &query)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "alerts cannot use since:/until:".into());
        return Err(ApiError::bad_request("time_bound", msg));
    }
    let name = b.name.unwrap_or_default();
    if let Some(r) = b.rate_limit_per_min
        && !(1..=MAX_RATE).contains(&r)
    {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("rate_limit_per_min={r}: expected 1 to {MAX_RATE}"),
        ));
    }
    let webhook = match b.webhook.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) => Some(
            shared
                .alerts
                .guard()
                .check(url)
                .await
                .map_err(|m| ApiError::bad_request("bad_webhook", format!("webhook: {m}")))?
                .to_string(),
        ),
    };
    let new = NewAlert {
        name,
        query: b.query.unwrap_or_default(),
        webhook,
        rate_limit_per_min: b.rate_limit_per_min,
        fold_duplicates: b.fold_duplicates.unwrap_or(true),
    };
    let worker = shared.clone();
    let alert = tokio::task::spawn_blocking(move || worker.alerts.add(new))
        .await
        .map_err(|e| ApiError::internal(format!("alert task failed: {e}")))?
        .map_err(alerts_error)?;
    Ok((
        StatusCode::CREATED,
        Json(alert_json(&alert, &HitStats::default())),
    ))
}

/// `GET /v1/alerts`.
pub async fn list(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let alerts: Vec<Value> = shared
        .alerts
        .list()
        .iter()
        .map(|(a, s)| alert_json(a, s))
        .collect();
    Json(json!({ "alerts": alerts }))
}

/// `GET /v1/alerts/{id}`.
pub async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (a, s) = shared.alerts.get(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(alert_json(&a, &s)))
}

/// `DELETE /v1/alerts/{id}`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let worker = shared.clone();
    let key = id.clone();
    let removed = tokio::task::spawn_blocking(move || worker.alerts.remove(&key))
        .await
        .map_err(|e| ApiError::internal(format!("alert task failed: {e}")))?
        .map_err(alerts_error)?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_found(&id))
    }
}

/// `POST /v1/alerts/test`: the backtest.
pub async fn test(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<TestBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = json_body(body)?;
    let query = parse_query(b.query.as_deref())?;
    if backtest::has_time_bound(&query) {
        return Err(ApiError::bad_request(
            "time_bound",
            "query: leave since:/until: out of a backtest; `days` sets its window",
        ));
    }
    let days = b.days.unwrap_or(7);
    if !(1..=backtest::MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("days={days}: expected 1 to {}", backtest::MAX_DAYS),
        ));
    }
    let index = shared.index.clone();
    let result =
        tokio::task::spawn_blocking(move || backtest::run(&index, &query, days, OffsetDateTime::now_utc()))
            .await
            .map_err(|e| ApiError::internal(format!("backtest task failed: {e}")))?
            .map_err(|e| ApiError::bad_request("search_failed", e.to_string()))?;
    let body = serde_json::to_value(result).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
pub struct StreamParams {
    alert: Option<String>,
    since: Option<String>,
}

fn hit_event(hit_seq: u64, json: &str) -> Event {
    Event::default().event("hit").id(hit_seq.to_string()).data(json)
}

/// `GET /v1/alerts/stream[?alert=ID][&since=HIT_SEQ]`: hits as `event: hit`, `id: HIT_SEQ`.
/// A client that reconnects with `Last-Event-ID` (or `since`) first gets every hit after
/// it from the hits log, then live ones, with no gap and no repeat; one whose queue fills
/// gets `event: lag` with `{"resume_from": HIT_SEQ}` and is disconnected.
pub async fn stream(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<StreamParams>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let alert = match p.alert.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) if shared.alerts.exists(id) => Some(id.to_string()),
        Some(id) => return Err(not_found(id)),
    };
    let from = resume_from(&headers, p.since.as_deref(), "hit_seq")?;
    Ok(sse(Hits { shared, alert }, from))
}

/// The hits log and the live hit hub, for all alerts or one.
struct Hits {
    shared: Arc<Shared>,
    alert: Option<String>,
}

impl Replay for Hits {
    type Item = HitOut;

    fn subscribe(&self) -> HitSubscription {
        self.shared.alerts.hub.subscribe()
    }

    fn head(&self) -> u64 {
        self.shared.alerts.hits().durable()
    }

    async fn replay(&self, after: u64, upto: u64) -> Option<(Vec<Event>, u64)> {
        let reader = self.shared.alerts.hits().clone();
        let alert = self.alert.clone();
        let read = tokio::task::spawn_blocking(move || {
            reader.read(after, upto, REPLAY_CHUNK, |h| {
                alert.as_deref().is_none_or(|a| a == h.alert_id)
            })
        })
        .await;
        let (hits, covered) = match read {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "alert stream replay could not read the hits log");
                return None;
            }
            Err(_) => return None,
        };
        let events = hits
            .iter()
            .map(|h| hit_event(h.hit_seq, &serde_json::to_string(h).unwrap_or_default()))
            .collect();
        Some((events, covered))
    }

    fn live(&self, h: &HitOut) -> Option<Event> {
        self.alert
            .as_deref()
            .is_none_or(|a| a == h.hit.alert_id)
            .then(|| hit_event(h.hit.hit_seq, &h.json))
    }
}
