//! The knowledge base over HTTP: `GET /v1/entities?q=` (look up), `GET /v1/entities/{id}`
//! (one entity, the aliases stories offered for it and its latest stories) and
//! `POST /v1/entities` (add or extend one; the next story uses it).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query as QueryParams, State};
use axum::http::StatusCode;
use herald_nlp::KbEntity;
use herald_query::{Field, Query, Value as QValue};
use herald_store::index::{SearchOptions, Sort};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::error::ApiError;
use super::quotes::{parse_limit, rfc3339};
use crate::nlp::{KbEditError, NewEntity};
use crate::node::Shared;

const DEFAULT_LIMIT: usize = 20;
/// Aliases listed per entity in a lookup; countries carry dozens of demonyms and spellings.
const LOOKUP_ALIASES: usize = 10;
/// Latest stories listed with an entity.
const LATEST_STORIES: usize = 10;
/// Stories read to find the entities most often named beside one.
const CO_MENTION_STORIES: usize = 100;
/// Entities listed as most often named beside one.
const CO_MENTIONED: usize = 10;
/// Longest lookup text or id accepted.
const MAX_TEXT_BYTES: usize = 300;

#[derive(Debug, Deserialize)]
pub struct LookupParams {
    q: Option<String>,
    /// DESIGN §5's name for the same thing.
    prefix: Option<String>,
    limit: Option<String>,
}

/// `GET /v1/entities?q=TEXT&limit=N`: knowledge-base entities whose name or an alias
/// matches, exact aliases first.
pub async fn lookup(
    State(shared): State<Arc<Shared>>,
    params: Result<QueryParams<LookupParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let QueryParams(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let q = p.q.or(p.prefix).unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Err(ApiError::bad_request(
            "bad_parameter",
            "q is required: a name, an alias or the start of one, e.g. q=Daesh",
        ));
    }
    if q.len() > MAX_TEXT_BYTES {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("q is longer than {MAX_TEXT_BYTES} bytes"),
        ));
    }
    let limit = parse_limit(p.limit.as_deref(), DEFAULT_LIMIT)?;
    let enricher = shared.nlp.enricher();
    // A lookup scans every entity's names (tens of thousands): keep it off the reactor.
    let list = tokio::task::spawn_blocking(move || {
        let kb = enricher.kb();
        kb.lookup(&q, limit)
            .into_iter()
            .filter_map(|idx| kb.get(idx))
            .map(|e| {
                json!({
                    "id": e.id,
                    "kind": e.kind,
                    "name": e.name,
                    "category": e.category,
                    "aliases": e.aliases.iter().take(LOOKUP_ALIASES).collect::<Vec<_>>(),
                    "roles": e.roles,
                    "ticker": e.ticker,
                })
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::internal(format!("entity lookup failed: {e}")))?;
    Ok(Json(Value::Array(list)))
}

fn entity_json(e: &KbEntity) -> Value {
    let relations: Vec<Value> = e
        .relations
        .iter()
        .map(|(relation, target)| json!({"relation": relation, "target": target}))
        .collect();
    json!({
        "id": e.id,
        "known": "kb",
        "kind": e.kind,
        "name": e.name,
        "category": e.category,
        "aliases": e.aliases,
        "roles": e.roles,
        "ticker": e.ticker,
        "country": e.country,
        "relations": relations,
    })
}

/// `GET /v1/entities/{id}`: a knowledge-base entity in full, or for an id stories gave
/// (`doc:…`) its kind and name from the latest story; with alias candidates and the
/// latest stories that mention it. Ids hold `/` and `:`, so the route takes the rest of
/// the path; a percent-encoded id is decoded.
pub async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = id.trim().to_string();
    if id.is_empty() || id.len() > MAX_TEXT_BYTES {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("an entity id is 1 to {MAX_TEXT_BYTES} bytes, e.g. kb:group/islamic-state"),
        ));
    }
    let enricher = shared.nlp.enricher();
    let candidates = shared.nlp.candidates(&id);
    let worker = shared.clone();
    let wanted = id.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<Option<Value>, ApiError> {
        let query = Query::Match {
            field: Some(Field::Entity),
            value: QValue::Phrase(id.clone()),
        };
        let opts = SearchOptions {
            limit: CO_MENTION_STORIES,
            offset: 0,
            sort: Sort::Time,
            now: OffsetDateTime::now_utc(),
        };
        let res = worker
            .index
            .search(&query, &opts)
            .map_err(|e| ApiError::internal(format!("searching stories that name {id}: {e}")))?;
        // The entity search also matches names; keep only stories that carry the id itself.
        let mut stories = Vec::new();
        let mut latest = None;
        // Entities named in the same stories: id → (name, kind, stories).
        let mut co: std::collections::HashMap<String, (String, herald_model::EntityKind, u32)> =
            std::collections::HashMap::new();
        for h in &res.hits {
            let story = worker
                .stories
                .get(&h.id)
                .map_err(|e| ApiError::internal(format!("reading story {}: {e}", h.id)))?;
            let Some(story) = story else { continue };
            let Some(e) = story.entities.iter().find(|e| e.id == id) else {
                continue;
            };
            if latest.is_none() {
                latest = Some(json!({
                    "id": e.id,
                    "known": "stories",
                    "kind": e.kind,
                    "name": e.name,
                    "aliases": e.aliases,
                    "roles": e.roles,
                    "ticker": e.ticker,
                }));
            }
            for other in story.entities.iter().filter(|o| o.id != id) {
                co.entry(other.id.clone())
                    .or_insert_with(|| (other.name.clone(), other.kind, 0))
                    .2 += 1;
            }
            if stories.len() < LATEST_STORIES {
                stories.push(json!({
                    "id": story.id,
                    "headline": story.headline,
                    "published_at": rfc3339(story.published_at),
                    "time": rfc3339(story.time()),
                }));
            }
        }
        let mut co: Vec<_> = co.into_iter().collect();
        co.sort_by(|a, b| b.1.2.cmp(&a.1.2).then_with(|| a.1.0.cmp(&b.1.0)));
        let co_mentioned: Vec<Value> = co
            .into_iter()
            .take(CO_MENTIONED)
            .map(|(cid, (name, kind, n))| json!({"id": cid, "name": name, "kind": kind, "stories": n}))
            .collect();
        let kb = enricher.kb();
        let mut body = match kb.by_id(&id).and_then(|i| kb.get(i)) {
            Some(e) => entity_json(e),
            None => match latest {
                Some(v) => v,
                None if !candidates.is_empty() => json!({"id": id, "known": "candidates"}),
                None => return Ok(None),
            },
        };
        body["candidates"] = serde_json::to_value(&candidates)
            .map_err(|e| ApiError::internal(format!("candidates of {id}: {e}")))?;
        body["stories"] = Value::Array(stories);
        body["co_mentioned"] = Value::Array(co_mentioned);
        Ok(Some(body))
    });
    match found.await {
        Ok(Ok(Some(v))) => Ok(Json(v)),
        Ok(Ok(None)) => Err(ApiError::not_found(format!(
            "no entity {wanted:?}: not in the knowledge base and named by no story"
        ))),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(ApiError::internal(format!("entity lookup failed: {e}"))),
    }
}

/// `POST /v1/entities`: adds (or extends) a knowledge-base entity; 201 `{id}`.
pub async fn add(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<NewEntity>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(entity) = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the entity is larger than {} bytes (max_body_bytes)",
                shared.config.max_body_bytes
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the entity as application/json: {\"kind\": \"org\", \"name\": \"…\", \"aliases\": […]}",
        ),
        _ => ApiError::bad_request(
            "invalid_entity",
            format!("invalid entity JSON: {}", e.body_text()),
        ),
    })?;
    let nlp = shared.nlp.clone();
    // Adding rebuilds the knowledge base (hundreds of milliseconds) and writes a file.
    let added = tokio::task::spawn_blocking(move || nlp.add_entity(&entity))
        .await
        .map_err(|e| ApiError::internal(format!("adding the entity failed: {e}")))?;
    match added {
        Ok(id) => Ok((StatusCode::CREATED, Json(json!({"id": id})))),
        Err(e @ (KbEditError::Invalid(_) | KbEditError::Kb(_))) => {
            Err(ApiError::bad_request("invalid_entity", e.to_string()))
        }
        Err(e @ KbEditError::Io { .. }) => Err(ApiError::internal(e.to_string())),
    }
}
