//! The few calls of the node's HTTP API (DESIGN §5) that the benchmarks make.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::Deserialize;

use crate::error::BenchError;

/// A single request (other than a stream) that takes longer than this is counted as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Error bodies are cut to this many bytes in messages.
const ERROR_BODY_MAX: usize = 300;

/// What `POST /v1/stories` did with a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// 201: durably stored as `seq`.
    Created { seq: u64 },
    /// 200: the node already had it.
    Duplicate { seq: u64 },
}

/// `GET /healthz`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Health {
    #[serde(default)]
    pub last_seq: u64,
    #[serde(default)]
    pub indexed_seq: u64,
    #[serde(default)]
    pub stories: u64,
}

/// The part of a search answer the benchmark looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchAnswer {
    pub total: u64,
    pub hits: usize,
}

#[derive(Deserialize)]
struct PublishBody {
    seq: u64,
}

#[derive(Deserialize)]
struct SearchBody {
    #[serde(default)]
    total: u64,
    #[serde(default)]
    hits: Vec<serde::de::IgnoredAny>,
}

/// A client of one node.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    /// Streams stay open for the whole run, so they get a client without a total timeout.
    stream_client: reqwest::Client,
    base: String,
    stories_url: String,
}

impl Api {
    /// A client for the node at `base` (`http://127.0.0.1:PORT`) that keeps up to
    /// `connections` idle connections for reuse by concurrent publishers.
    pub fn new(base: &str, connections: usize) -> Result<Api, BenchError> {
        let http_err = |e| http(base, e);
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .map_err(http_err)?;
        let stream_client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_nodelay(true)
            .no_proxy()
            .build()
            .map_err(http_err)?;
        Ok(Api {
            client,
            stream_client,
            base: base.to_owned(),
            stories_url: format!("{base}/v1/stories"),
        })
    }

    /// Publishes one story given as JSON bytes.
    pub async fn publish(&self, json: Vec<u8>) -> Result<Published, BenchError> {
        let url = &self.stories_url;
        let resp = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(json)
            .send()
            .await
            .map_err(|source| http(url, source))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|source| http(url, source))?;
        if status != 200 && status != 201 {
            return Err(status_error(url, status, &body));
        }
        let answer: PublishBody = serde_json::from_slice(&body).map_err(|error| BenchError::BadJson {
            url: url.clone(),
            error,
        })?;
        Ok(if status == 201 {
            Published::Created { seq: answer.seq }
        } else {
            Published::Duplicate { seq: answer.seq }
        })
    }

    pub async fn health(&self) -> Result<Health, BenchError> {
        let url = format!("{}/healthz", self.base);
        let body = self.get_ok(&url).await?;
        serde_json::from_slice(&body).map_err(|error| BenchError::BadJson { url, error })
    }

    /// Runs one search and reads its whole answer.
    pub async fn search(&self, query: &str, limit: u32) -> Result<SearchAnswer, BenchError> {
        let url = self.url_with_query("/v1/search", &[("q", query), ("limit", &limit.to_string())])?;
        let body = self.get_ok(&url).await?;
        let answer: SearchBody =
            serde_json::from_slice(&body).map_err(|error| BenchError::BadJson { url, error })?;
        Ok(SearchAnswer {
            total: answer.total,
            hits: answer.hits.len(),
        })
    }

    /// Opens `GET /v1/stream` (optionally filtered by `query`); returns once the node
    /// has sent the response headers, i.e. once the subscription is live.
    pub async fn subscribe(&self, query: Option<&str>) -> Result<(String, reqwest::Response), BenchError> {
        let url = match query {
            Some(q) => self.url_with_query("/v1/stream", &[("q", q)])?,
            None => format!("{}/v1/stream", self.base),
        };
        let resp = self
            .stream_client
            .get(&url)
            .header(ACCEPT, "text/event-stream")
            .send()
            .await
            .map_err(|source| http(&url, source))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let body = resp.bytes().await.unwrap_or_default();
            return Err(status_error(&url, status, &body));
        }
        Ok((url, resp))
    }

    fn url_with_query(&self, path: &str, pairs: &[(&str, &str)]) -> Result<String, BenchError> {
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.base))
            .map_err(|e| BenchError::Param(format!("node address {:?} is not a URL: {e}", self.base)))?;
        url.query_pairs_mut().extend_pairs(pairs);
        Ok(url.into())
    }

    async fn get_ok(&self, url: &str) -> Result<Vec<u8>, BenchError> {
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|source| http(url, source))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|source| http(url, source))?;
        if status != 200 {
            return Err(status_error(url, status, &body));
        }
        Ok(body.to_vec())
    }
}

fn http(url: &str, error: reqwest::Error) -> BenchError {
    // reqwest says "error sending request" and keeps the reason (refused, reset,
    // timed out) in its sources; a benchmark failure needs the reason.
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = c.source();
    }
    BenchError::Http {
        url: url.to_owned(),
        message,
    }
}

fn status_error(url: &str, status: u16, body: &[u8]) -> BenchError {
    let text = String::from_utf8_lossy(body);
    let mut cut = text.len().min(ERROR_BODY_MAX);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    BenchError::Status {
        url: url.to_owned(),
        status,
        body: text[..cut].trim().to_owned(),
    }
}
