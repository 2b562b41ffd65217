//! A small HTTP client for the node's API, with errors a shell user can act on.

use anyhow::{Context, anyhow, bail};
use reqwest::{Response, Url};
use serde_json::Value;

/// A client bound to one node.
pub struct Client {
    pub http: reqwest::Client,
    base: Url,
}

impl Client {
    pub fn new(url: &str) -> anyhow::Result<Client> {
        let base = Url::parse(url).with_context(|| format!("HERALD_URL / --node {url:?} is not a URL"))?;
        match base.scheme() {
            "http" | "https" => {}
            s => bail!("{url}: unsupported scheme {s:?}; use http://HOST:PORT or https://HOST"),
        }
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .user_agent(concat!("herald-cli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client { http, base })
    }

    /// The absolute URL of an API path.
    pub fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let prefix = u.path().trim_end_matches('/').to_string();
        u.set_path(&format!("{prefix}{path}"));
        u
    }

    /// The URL of `path` followed by `segments`, each percent-encoded as one path segment
    /// (ids may hold `/`, `:` or spaces).
    pub fn url_with(&self, path: &str, segments: &[&str]) -> anyhow::Result<Url> {
        let mut url = self.url(path);
        url.path_segments_mut()
            .map_err(|()| anyhow!("the node URL {} cannot take a path", self.base))?
            .extend(segments);
        Ok(url)
    }

    /// Sends a request and returns the JSON answer (Null for an empty one), or an error
    /// naming `what` failed with the node's own message.
    pub async fn send_json(&self, req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        if !resp.status().is_success() {
            bail!("{what} failed: {}", error_message(resp).await);
        }
        let text = resp.text().await.context("reading the node's answer")?;
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).context("the node's answer is not JSON")
    }

    /// Follows an SSE stream of `event` items (`story` on the wire, `hit` for alerts) from
    /// `url`, calling `on_item` with each one's JSON. Resumes after the last id seen
    /// (`since` at first) when the connection drops or the node says the client lagged,
    /// backing off 0.25 s doubling to 10 s; the first connection failing is an error.
    /// Ends after `count` items, if given.
    pub async fn follow(
        &self,
        url: Url,
        event: &str,
        since: Option<u64>,
        count: Option<u64>,
        mut on_item: impl FnMut(&Value),
    ) -> anyhow::Result<std::process::ExitCode> {
        use futures_util::StreamExt;
        use std::time::Duration;
        let mut last = since;
        let mut seen = 0u64;
        let mut backoff = Duration::from_millis(250);
        let mut ever_connected = false;
        loop {
            let mut req = self.http.get(url.clone()).header("accept", "text/event-stream");
            if let Some(l) = last {
                req = req.header("last-event-id", l.to_string());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if !ever_connected => return Err(self.unreachable(e)),
                Err(e) => {
                    eprintln!(
                        "herald: connection lost ({e}); retrying in {:.1}s",
                        backoff.as_secs_f64()
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            if !resp.status().is_success() {
                bail!("{}", error_message(resp).await);
            }
            ever_connected = true;
            backoff = Duration::from_millis(250);
            let mut body = resp.bytes_stream();
            let mut parser = herald_term::sse::SseParser::default();
            while let Some(Ok(chunk)) = body.next().await {
                for ev in parser.push(&chunk) {
                    let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                    if ev.name == event {
                        if !v.is_null() {
                            on_item(&v);
                        }
                        if let Some(id) = ev.id.as_deref().and_then(|i| i.parse().ok()) {
                            last = Some(id);
                        }
                        seen += 1;
                        if count.is_some_and(|c| seen >= c) {
                            return Ok(std::process::ExitCode::SUCCESS);
                        }
                    } else if ev.name == "lag" {
                        if let Some(r) = v["resume_from"].as_u64() {
                            last = Some(r);
                        }
                        eprintln!(
                            "herald: fell behind; resuming after {event} {}",
                            last.unwrap_or(0)
                        );
                    }
                }
            }
            eprintln!("herald: stream ended; reconnecting");
            tokio::time::sleep(backoff).await;
        }
    }

    /// Turns a transport error into a message that says what to check.
    pub fn unreachable(&self, e: reqwest::Error) -> anyhow::Error {
        if e.is_connect() || e.is_timeout() {
            anyhow!(
                "cannot reach the Herald node at {} ({e}); is `herald serve` running? (set HERALD_URL or --node)",
                self.base
            )
        } else {
            anyhow!("request to {} failed: {e}", self.base)
        }
    }
}

/// The body of an error answer, as the user should read it.
pub async fn error_message(resp: Response) -> String {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let msg = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.trim().chars().take(300).collect());
    format!("{status}: {msg}")
}

/// Parses a query locally, so that a mistake is shown with a caret under it before any
/// network trip. An empty query is allowed where `allow_empty` (it means "everything").
pub fn check_query(q: &str, allow_empty: bool) -> anyhow::Result<()> {
    if allow_empty && q.trim().is_empty() {
        return Ok(());
    }
    herald_query::parse(q)
        .map(|_| ())
        .map_err(|e| anyhow!("bad query:\n{}", e.render(q)))
}

/// The single-threaded runtime a client command runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
