//! `GET /v1/quotes?speaker=&q=&limit=&cursor=`: "what did X say about Y", newest first,
//! each quote with the story it came from.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query as QueryParams, State};
use herald_model::{Quote, Story};
use herald_query::{Field, Query, Value as QValue};
use herald_store::index::{SearchOptions, Sort};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::ApiError;
use crate::node::Shared;

/// Deepest story a cursor may reach (the index pages no further).
const MAX_OFFSET: usize = herald_store::index::MAX_OFFSET;
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
/// Stories read for one answer at most: a speaker whose stories hold few matching quotes
/// must not make one request read thousands of stories. The answer then carries a cursor.
const MAX_STORIES_PER_ANSWER: usize = 500;
/// Longest speaker name accepted; names are short, a longer one is a mistake.
const MAX_SPEAKER_BYTES: usize = 200;

#[derive(Debug, Deserialize)]
pub struct QuotesParams {
    speaker: Option<String>,
    q: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// An RFC 3339 time as JSON, or null.
pub(crate) fn rfc3339(t: Option<OffsetDateTime>) -> Value {
    t.and_then(|t| t.format(&Rfc3339).ok())
        .map(Value::from)
        .unwrap_or(Value::Null)
}

/// `limit=` as a number in `1..=MAX_LIMIT`, `default` when absent.
pub(crate) fn parse_limit(limit: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match limit {
        None | Some("") => Ok(default),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "bad_parameter",
                    format!("limit={l:?}: expected a number from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

/// Where a page starts: the story's place in the newest-first list, and how many of that
/// story's quotes the previous page already gave. Written `N` or `N.K`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    story: usize,
    skip: usize,
}

impl Cursor {
    fn parse(c: &str) -> Option<Cursor> {
        let (s, k) = c.split_once('.').unwrap_or((c, "0"));
        let story = s.parse::<usize>().ok().filter(|s| *s <= MAX_OFFSET)?;
        let skip = k.parse::<usize>().ok().filter(|k| *k <= 10_000)?;
        Some(Cursor { story, skip })
    }

    fn render(self) -> String {
        if self.skip == 0 {
            self.story.to_string()
        } else {
            format!("{}.{}", self.story, self.skip)
        }
    }
}

/// The analysed words of a text (lowercased, stemmed), as search compares them.
fn words(text: &str) -> Vec<String> {
    herald_nlp::analyze(text).into_iter().map(|t| t.term).collect()
}

/// True when `needle`'s words occur, in order and next to each other, among `hay`'s.
fn contains_words(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether a quote was said by the person named `name` (its words `name_words`): the
/// quote's written speaker name, or the speaker entity's id, name or aliases.
fn said_by(q: &Quote, story: &Story, name: &str, name_words: &[String]) -> bool {
    if let Some(n) = &q.speaker_name
        && contains_words(&words(n), name_words)
    {
        return true;
    }
    let Some(id) = &q.speaker else { return false };
    if id.eq_ignore_ascii_case(name.trim()) {
        return true;
    }
    story.entities.iter().filter(|e| &e.id == id).any(|e| {
        std::iter::once(&e.name)
            .chain(&e.aliases)
            .any(|n| contains_words(&words(n), name_words))
    })
}

/// The free words of a query (not under NOT, not in an entity or metadata field): what a
/// quote's text should contain to be "about" the query.
fn query_words(q: &Query, out: &mut Vec<Vec<String>>) {
    match q {
        Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| query_words(q, out)),
        Query::Match { field, value } => {
            if matches!(field, None | Some(Field::Body) | Some(Field::Headline)) {
                let text = match value {
                    QValue::Prefix(p) => p.as_str(),
                    v => v.text(),
                };
                let w = words(text);
                if !w.is_empty() {
                    out.push(w);
                }
            }
        }
        Query::Not(_) | Query::Since(_) | Query::Until(_) => {}
    }
}

/// The speaker's quotes in a story. When some of them hold one of the query's words, only
/// those are given (they answer "about Y"); otherwise all of them (the story matched Y).
fn pick_quotes<'a>(
    story: &'a Story,
    name: &str,
    name_words: &[String],
    about: &[Vec<String>],
) -> Vec<&'a Quote> {
    let by: Vec<&Quote> = story
        .quotes
        .iter()
        .filter(|q| said_by(q, story, name, name_words))
        .collect();
    if about.is_empty() {
        return by;
    }
    let on_topic: Vec<&Quote> = by
        .iter()
        .copied()
        .filter(|q| {
            let w = words(&q.text);
            about.iter().any(|a| {
                // A prefix query word matches the start of a word of the quote.
                contains_words(&w, a) || (a.len() == 1 && w.iter().any(|x| x.starts_with(a[0].as_str())))
            })
        })
        .collect();
    if on_topic.is_empty() { by } else { on_topic }
}

/// The display name of a quote's speaker: as written, else the speaker entity's name.
fn speaker_display(q: &Quote, story: &Story) -> Value {
    if let Some(n) = &q.speaker_name {
        return Value::from(n.as_str());
    }
    q.speaker
        .as_ref()
        .and_then(|id| story.entities.iter().find(|e| &e.id == id))
        .map(|e| Value::from(e.name.as_str()))
        .unwrap_or(Value::Null)
}

fn quote_json(q: &Quote, story: &Story) -> Value {
    json!({
        "quote": q.text,
        "speaker": speaker_display(q, story),
        "speaker_id": q.speaker,
        "story": {
            "id": story.id,
            "headline": story.headline,
            "source": {"id": story.source.id, "name": story.source.name},
            "published_at": rfc3339(story.published_at),
            // When the source gave no time: when Herald received it.
            "time": rfc3339(story.time()),
            "url": story.url,
        },
    })
}

/// Answers "what did `speaker` say (about `q`)": quotes newest first, with their stories.
pub async fn quotes(
    State(shared): State<Arc<Shared>>,
    params: Result<QueryParams<QuotesParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let QueryParams(p) = params.map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    let speaker = p.speaker.unwrap_or_default().trim().to_string();
    if speaker.is_empty() {
        return Err(ApiError::bad_request(
            "bad_parameter",
            "speaker is required: who said it, e.g. speaker=Lindqvist",
        ));
    }
    if speaker.len() > MAX_SPEAKER_BYTES {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("speaker is longer than {MAX_SPEAKER_BYTES} bytes"),
        ));
    }
    let name_words = words(&speaker);
    // An id (`kb:person/…`) is matched as written; a name must have words to match.
    if name_words.is_empty() && !speaker.contains(':') {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("speaker={speaker:?} holds no letters or digits to match a name"),
        ));
    }
    let limit = parse_limit(p.limit.as_deref(), DEFAULT_LIMIT)?;
    let start = match p.cursor.as_deref() {
        None | Some("") => Cursor { story: 0, skip: 0 },
        Some(c) => Cursor::parse(c).ok_or_else(|| {
            ApiError::bad_request(
                "bad_parameter",
                format!("cursor={c:?} is not a cursor from a previous answer (or pages past {MAX_OFFSET})"),
            )
        })?,
    };
    let said = Query::Match {
        field: Some(Field::Said),
        value: QValue::Phrase(speaker.clone()),
    };
    let mut about = Vec::new();
    let query = match p.q.as_deref().map(str::trim) {
        None | Some("") => said,
        Some(q) => {
            let parsed = herald_query::parse(q).map_err(|e| ApiError::bad_query("q", &e))?;
            query_words(&parsed, &mut about);
            Query::And(vec![said, parsed])
        }
    };
    let worker = shared.clone();
    // Search and story reads are CPU work and file reads: keep them off the reactor.
    let body = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let now = OffsetDateTime::now_utc();
        let mut out = Vec::new();
        let mut at = start;
        let mut read = 0;
        let mut next = None;
        'pages: while at.story <= MAX_OFFSET {
            let opts = SearchOptions {
                limit: MAX_LIMIT,
                offset: at.story,
                sort: Sort::Time,
                now,
            };
            let res = worker
                .index
                .search(&query, &opts)
                .map_err(|e| ApiError::bad_request("search_failed", e.to_string()))?;
            if res.hits.is_empty() {
                break;
            }
            for h in &res.hits {
                let story = worker
                    .stories
                    .get(&h.id)
                    .map_err(|e| ApiError::internal(format!("reading story {}: {e}", h.id)))?;
                if let Some(story) = story {
                    let picked = pick_quotes(&story, &speaker, &name_words, &about);
                    for (k, q) in picked.iter().enumerate().skip(at.skip) {
                        if out.len() == limit {
                            next = Some(Cursor {
                                story: at.story,
                                skip: k,
                            });
                            break 'pages;
                        }
                        out.push(quote_json(q, &story));
                    }
                }
                at = Cursor {
                    story: at.story + 1,
                    skip: 0,
                };
                read += 1;
                let more = at.story < res.total && at.story <= MAX_OFFSET;
                if more && (out.len() == limit || read >= MAX_STORIES_PER_ANSWER) {
                    next = Some(at);
                    break 'pages;
                }
                if !more {
                    break 'pages;
                }
            }
        }
        Ok(json!({
            "quotes": out,
            "next_cursor": next.map(Cursor::render),
        }))
    })
    .await
    .map_err(|e| ApiError::internal(format!("quote search failed: {e}")))??;
    Ok(Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_model::{Entity, EntityKind};

    fn story() -> Story {
        let mut s = Story {
            headline: "h".into(),
            ..Default::default()
        };
        s.entities.push(
            Entity::new("kb:person/x", EntityKind::Person, "Anna Lindqvist").with_aliases(&["A. Lindqvist"]),
        );
        s.quotes = vec![
            Quote {
                text: "We will widen the sanctions.".into(),
                speaker: Some("kb:person/x".into()),
                speaker_name: None,
                start: 0,
                end: 0,
            },
            Quote {
                text: "The weather was fine.".into(),
                speaker: None,
                speaker_name: Some("Foreign Minister Anna Lindqvist".into()),
                start: 0,
                end: 0,
            },
            Quote {
                text: "Sanctions are a blunt tool.".into(),
                speaker: None,
                speaker_name: Some("Karin Lindqvistsson".into()),
                start: 0,
                end: 0,
            },
        ];
        s
    }

    fn texts(v: Vec<&Quote>) -> Vec<&str> {
        v.into_iter().map(|q| q.text.as_str()).collect()
    }

    #[test]
    fn speaker_matches_whole_words_of_name_or_entity() {
        let s = story();
        let w = words("lindqvist");
        assert_eq!(
            texts(pick_quotes(&s, "lindqvist", &w, &[])),
            ["We will widen the sanctions.", "The weather was fine."],
            "a different name that only starts alike is not the speaker"
        );
        let w = words("Anna Lindqvist");
        assert_eq!(pick_quotes(&s, "Anna Lindqvist", &w, &[]).len(), 2);
        assert_eq!(
            pick_quotes(&s, "kb:person/x", &words("kb:person/x"), &[]).len(),
            1
        );
    }

    #[test]
    fn quotes_about_the_query_come_alone_else_all() {
        let s = story();
        let w = words("Lindqvist");
        let mut about = Vec::new();
        query_words(&herald_query::parse("sanction*").unwrap(), &mut about);
        assert_eq!(
            texts(pick_quotes(&s, "Lindqvist", &w, &about)),
            ["We will widen the sanctions."]
        );
        let mut about = Vec::new();
        query_words(&herald_query::parse("budget -sanctions").unwrap(), &mut about);
        assert_eq!(pick_quotes(&s, "Lindqvist", &w, &about).len(), 2);
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        for c in ["0", "7", "12.3"] {
            assert_eq!(Cursor::parse(c).unwrap().render(), c);
        }
        for c in ["x", "1.x", "-1", "99999999", "1.2.3"] {
            assert!(Cursor::parse(c).is_none(), "{c}");
        }
    }
}
