//! `POST /v1/stories` (publish a JSON or plain-text story) and `GET /v1/stories/{id}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use herald_model::{Source, Story};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::ApiError;
use crate::node::{Outcome, Shared};

/// Metadata that plain text cannot carry, given as query parameters. For a JSON story
/// they fill in what the JSON leaves out.
#[derive(Debug, Deserialize, Default)]
pub struct PublishParams {
    source: Option<String>,
    source_name: Option<String>,
    url: Option<String>,
    guid: Option<String>,
    published_at: Option<String>,
}

const MAX_SOURCE_ID: usize = 128;
const MAX_URL: usize = 4096;
const MAX_HEADLINE_BYTES: usize = herald_model::text::MAX_HEADLINE_BYTES;

enum Kind {
    Json,
    Text,
}

fn content_kind(headers: &HeaderMap) -> Result<Kind, ApiError> {
    let unsupported =
        |what: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", what);
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported(
            "Content-Type is missing: send application/json (a story as JSON) or text/plain (a story as text)".into(),
        ));
    };
    let ct = ct
        .to_str()
        .map_err(|_| unsupported("Content-Type is not readable text".into()))?;
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        if k.trim().eq_ignore_ascii_case("charset") {
            let v = v.trim().trim_matches('"').to_ascii_lowercase();
            if !matches!(v.as_str(), "utf-8" | "utf8" | "us-ascii") {
                return Err(unsupported(format!("charset {v:?} is not supported: send UTF-8")));
            }
        }
    }
    match essence.as_str() {
        "application/json" => Ok(Kind::Json),
        e if e.starts_with("application/") && e.ends_with("+json") => Ok(Kind::Json),
        "text/plain" => Ok(Kind::Text),
        other => Err(unsupported(format!(
            "Content-Type {other:?} is not supported: send application/json or text/plain"
        ))),
    }
}

fn parse_time(param: &str, v: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(v.trim(), &Rfc3339).map_err(|e| {
        ApiError::bad_request(
            "bad_time",
            format!("{param}={v:?} is not an RFC 3339 time like 2026-11-24T10:00:00Z ({e})"),
        )
    })
}

/// Turns the request into a story with its id set, or says what is wrong with it.
fn build_story(kind: Kind, body: &[u8], p: PublishParams, now: OffsetDateTime) -> Result<Story, ApiError> {
    let mut story = match kind {
        Kind::Json => serde_json::from_slice::<Story>(body).map_err(|e| {
            ApiError::bad_request(
                "invalid_json",
                format!(
                    "invalid story JSON at line {} column {}: {e}",
                    e.line(),
                    e.column()
                ),
            )
            .with("line", e.line())
            .with("column", e.column())
        })?,
        Kind::Text => herald_model::parse_text(body)
            .map_err(|e| ApiError::bad_request("invalid_text", format!("invalid story text: {e}")))?
            .into_story(),
    };
    // What the node assigns is never taken from the client.
    story.id.clear();
    story.seq = 0;
    story.version = 0;
    story.received_at = Some(now);
    story.headline = story.headline.trim().to_string();
    if story.headline.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_story",
            "the story has no headline",
        ));
    }
    if story.headline.len() > MAX_HEADLINE_BYTES {
        return Err(ApiError::bad_request(
            "invalid_story",
            format!(
                "the headline is {} bytes; at most {MAX_HEADLINE_BYTES} are allowed",
                story.headline.len()
            ),
        ));
    }
    if let Some(s) = p.source {
        story.source.id = s;
    }
    if let Some(n) = p.source_name {
        story.source.name = n;
    }
    if story.source.id.trim().is_empty() {
        story.source = Source {
            id: "api".into(),
            name: "API".into(),
            url: story.source.url.take(),
        };
    }
    story.source.id = story.source.id.trim().to_string();
    if story.source.id.len() > MAX_SOURCE_ID
        || story
            .source
            .id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ApiError::bad_request(
            "invalid_story",
            format!(
                "source id {:?} must be at most {MAX_SOURCE_ID} bytes with no spaces or control characters",
                story.source.id
            ),
        ));
    }
    if story.source.name.trim().is_empty() {
        story.source.name = story.source.id.clone();
    }
    if let Some(u) = p.url {
        story.url = Some(u);
    }
    if let Some(g) = p.guid {
        story.guid = Some(g);
    }
    if let Some(u) = &story.url
        && (u.len() > MAX_URL || u.chars().any(char::is_whitespace))
    {
        return Err(ApiError::bad_request(
            "invalid_story",
            "url must be at most 4096 bytes with no spaces",
        ));
    }
    if let Some(t) = p.published_at {
        story.published_at = Some(parse_time("published_at", &t)?);
    }
    story.id = story.derived_id();
    Ok(story)
}

/// `POST /v1/stories`: 201 `{id, seq, version}` once durable, 200 with `duplicate: true`.
pub async fn publish(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<PublishParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let reject = |e: ApiError| {
        shared
            .metrics
            .stories_rejected
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        e
    };
    let Query(params) = params.map_err(|e| reject(ApiError::bad_request("bad_parameter", e.body_text())))?;
    let kind = content_kind(&headers).map_err(reject)?;
    let body = body.map_err(|e| {
        reject(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the story is larger than {} bytes (max_body_bytes / HERALD_MAX_BODY_BYTES)",
                    shared.config.max_body_bytes
                ),
            )
        } else {
            ApiError::bad_request("bad_body", e.body_text())
        })
    })?;
    let story = build_story(kind, &body, params, OffsetDateTime::now_utc()).map_err(reject)?;
    let outcome = shared.enrich_and_ingest(story).await?;
    let (status, id, seq, version, dup) = match outcome {
        Outcome::Created { id, seq, version } => (StatusCode::CREATED, id, seq, version, false),
        Outcome::Duplicate { id, seq, version } => (StatusCode::OK, id, seq, version, true),
    };
    let location = format!("/v1/stories/{id}");
    let mut body = json!({"id": id, "seq": seq, "version": version});
    if dup {
        body["duplicate"] = true.into();
    }
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct GetParams {
    version: Option<u32>,
}

/// `GET /v1/stories/{id}[?version=N]`: the enriched story (latest version by default).
pub async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Result<Json<Story>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let found = match params.version {
        Some(v) => shared.stories.get_version(&id, v),
        None => shared.stories.get(&id),
    }
    .map_err(|e| ApiError::internal(e.to_string()))?;
    match found {
        Some(s) => Ok(Json(s)),
        None => Err(ApiError::not_found(match params.version {
            Some(v) => format!("no version {v} of story {id:?}"),
            None => format!("no story with id {id:?}"),
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn content_types() {
        assert!(matches!(content_kind(&hdr("application/json")), Ok(Kind::Json)));
        assert!(matches!(
            content_kind(&hdr("text/plain; charset=UTF-8")),
            Ok(Kind::Text)
        ));
        assert!(matches!(
            content_kind(&hdr("application/ninjs+json")),
            Ok(Kind::Json)
        ));
        let e = content_kind(&hdr("text/plain; charset=latin1")).err().unwrap();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(content_kind(&HeaderMap::new()).is_err());
        assert!(content_kind(&hdr("image/png")).is_err());
    }

    #[test]
    fn params_fill_in_metadata_and_id_is_stable() {
        let now = OffsetDateTime::now_utc();
        let p = || PublishParams {
            source: Some("wire-x".into()),
            published_at: Some("2026-11-24T10:00:00Z".into()),
            ..Default::default()
        };
        let a = build_story(Kind::Text, b"Headline\n\nBody text.", p(), now).unwrap();
        let b = build_story(Kind::Text, b"Headline\n\nBody text.", p(), now).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.source.id, "wire-x");
        assert_eq!(a.source.name, "wire-x");
        assert!(a.published_at.is_some());
        let e = build_story(
            Kind::Text,
            b"H\n\nB",
            PublishParams {
                published_at: Some("yesterday".into()),
                ..Default::default()
            },
            now,
        )
        .err()
        .unwrap();
        assert!(e.message.contains("published_at"), "{}", e.message);
    }

    #[test]
    fn json_errors_carry_position() {
        let e = build_story(
            Kind::Json,
            b"{\"headline\": \"x\",\n \"body\": }",
            PublishParams::default(),
            OffsetDateTime::now_utc(),
        )
        .err()
        .unwrap();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.contains("line 2"), "{}", e.message);
        let e = build_story(
            Kind::Json,
            b"{\"headline\": \"  \"}",
            PublishParams::default(),
            OffsetDateTime::now_utc(),
        )
        .err()
        .unwrap();
        assert!(e.message.contains("headline"));
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    before: Option<u64>,
    limit: Option<String>,
}

/// Most stories one `GET /v1/stories` page holds.
const LIST_MAX: usize = 500;

/// `GET /v1/stories?before=SEQ&limit=N`: the wire backwards — the stories committed
/// before `before` (default: the newest), newest first, one line each (id, seq, headline,
/// source, times, url, duplicate_of); `next_before` pages further back.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let limit = super::quotes::parse_limit(p.limit.as_deref(), 50)?.min(LIST_MAX);
    let worker = shared.clone();
    let page = tokio::task::spawn_blocking(move || -> Result<serde_json::Value, ApiError> {
        let (stories, seq) = walk_back(&worker.stories, p.before, limit)?;
        let out: Vec<serde_json::Value> = stories
            .iter()
            .map(|s| {
                json!({
                    "id": s.id,
                    "seq": s.seq,
                    "version": s.version,
                    "headline": s.headline,
                    "source": {"id": s.source.id, "name": s.source.name},
                    "url": s.url,
                    "published_at": super::quotes::rfc3339(s.published_at),
                    "time": super::quotes::rfc3339(s.time()),
                    "duplicate_of": s.duplicate_of,
                })
            })
            .collect();
        let next = if seq > 0 {
            json!(seq + 1)
        } else {
            serde_json::Value::Null
        };
        Ok(json!({"stories": out, "next_before": next}))
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(page))
}

/// Up to `limit` stories committed before seq `before` (default: all), newest first, each
/// at the place of its latest version only (an older version is skipped); and the seq the
/// walk stopped at (0 when it reached the start of the log).
pub(crate) fn walk_back(
    reader: &herald_store::stories::StoryReader,
    before: Option<u64>,
    limit: usize,
) -> Result<(Vec<Story>, u64), ApiError> {
    let last = reader.last_seq();
    let mut seq = before.map_or(last, |b| b.saturating_sub(1).min(last));
    let mut out: Vec<Story> = Vec::with_capacity(limit);
    while seq > 0 && out.len() < limit {
        let story = reader
            .by_seq(seq)
            .map_err(|e| ApiError::internal(format!("reading seq {seq}: {e}")))?;
        if let Some(s) = story
            && reader.latest_seq(&s.id) == Some(seq)
        {
            out.push(s);
        }
        seq -= 1;
    }
    Ok((out, seq))
}
