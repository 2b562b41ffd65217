//! Test support: a real node on a loopback port with its own temporary data dir, and a
//! minimal Server-Sent Events reader.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use herald_server::Config;
use serde_json::Value;
use tokio::sync::oneshot;

pub struct TestNode {
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestNode {
    pub async fn start() -> TestNode {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> TestNode {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        Self::start_owning(dir, Some(tmp), tune).await
    }

    pub async fn start_in(dir: PathBuf, tune: impl FnOnce(&mut Config)) -> TestNode {
        Self::start_owning(dir, None, tune).await
    }

    /// Starts a node; `tmp`, if given, is removed only after the node has stopped, so the
    /// node never writes into a deleted directory when a test ends.
    async fn start_owning(
        dir: PathBuf,
        tmp: Option<tempfile::TempDir>,
        tune: impl FnOnce(&mut Config),
    ) -> TestNode {
        let mut config = Config::defaults(dir.clone());
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.index_commit_ms = 50;
        tune(&mut config);
        let (addr_tx, addr_rx) = oneshot::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            herald_server::serve(
                config,
                move |a| {
                    let _ = addr_tx.send(a);
                },
                async move {
                    let _ = stop_rx.await;
                },
            )
            .await
            .expect("node runs");
            drop(tmp);
        });
        let addr = tokio::time::timeout(Duration::from_secs(30), addr_rx)
            .await
            .unwrap()
            .unwrap();
        TestNode {
            addr,
            dir,
            http: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the node gracefully and waits until it has let go of its data dir.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), t)
                .await
                .unwrap()
                .unwrap();
        }
    }

    pub async fn publish_text(&self, text: &str, query: &str) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(&format!("/v1/stories{query}")))
            .header("content-type", "text/plain")
            .body(text.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn publish_json(&self, story: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url("/v1/stories"))
            .json(story)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The body of `GET path` as text (metrics, feeds, OPML).
    pub async fn get_text(&self, path: &str) -> String {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        r.text().await.unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Waits until search sees everything in the log.
    pub async fn wait_indexed(&self) {
        for _ in 0..400 {
            let (_, h) = self.get_json("/healthz").await;
            if h["indexed_seq"] == h["last_seq"] {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("index did not catch up");
    }
}

/// One event off an SSE stream.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub id: Option<u64>,
    pub data: Value,
}

/// Reads events from an open `text/event-stream` response.
pub struct Events {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buf: String,
}

impl Events {
    pub fn new(resp: reqwest::Response) -> Events {
        assert_eq!(resp.status(), 200);
        Events {
            body: Box::pin(resp.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next event, or None when the stream ends or nothing comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = Event {
                    name: String::new(),
                    id: None,
                    data: Value::Null,
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        ev.name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        ev.id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        ev.data = serde_json::from_str(v).unwrap_or(Value::String(v.to_string()));
                    }
                }
                if ev.name.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(ev);
            }
            match tokio::time::timeout(wait, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

/// A plain-text story with a unique headline.
pub fn story_text(i: usize, topic: &str) -> String {
    format!(
        "{topic} update number {i} from the trading floor\n\nTraders in Frankfurt watched {topic} closely on the {i}th session, analysts said.\n\nThe central bank kept rates unchanged."
    )
}
