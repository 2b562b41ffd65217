//! `herald tail [QUERY]`: follow the live wire; reconnects and resumes without gaps.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use futures_util::StreamExt;
use herald_term::sse::SseParser;
use serde_json::Value;

use super::NodeArgs;
use crate::client::{Client, check_query, error_message, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only stories matching this query (DESIGN §4). Several words are joined.
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
    /// Start after this seq (0 replays the whole log first).
    #[arg(long, value_name = "SEQ")]
    since: Option<u64>,
    /// Print each story as one JSON line.
    #[arg(long)]
    json: bool,
    /// Stop after this many stories.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    #[command(flatten)]
    node: NodeArgs,
}

fn print_story(story: &Value, json: bool) {
    if json {
        println!("{story}");
        return;
    }
    let time = story["published_at"]
        .as_str()
        .or(story["received_at"].as_str())
        .unwrap_or("");
    let hhmm = time.get(11..19).unwrap_or("--:--:--");
    println!(
        "{hhmm}  {:<14.14}  {}",
        story["source"]["name"].as_str().unwrap_or(""),
        story["headline"].as_str().unwrap_or("")
    );
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let q = args.query.join(" ");
    check_query(&q, true)?;
    let client = Client::new(&args.node.url)?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut last: Option<u64> = args.since;
        let mut seen = 0u64;
        let mut backoff = Duration::from_millis(250);
        let mut ever_connected = false;
        loop {
            let mut url = client.url("/v1/stream");
            if !q.trim().is_empty() {
                url.query_pairs_mut().append_pair("q", &q);
            }
            let mut req = client.http.get(url).header("accept", "text/event-stream");
            if let Some(l) = last {
                req = req.header("last-event-id", l.to_string());
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    if !ever_connected {
                        return Err(client.unreachable(e));
                    }
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
            let mut parser = SseParser::default();
            while let Some(chunk) = body.next().await {
                let Ok(chunk) = chunk else { break };
                for ev in parser.push(&chunk) {
                    match ev.name.as_str() {
                        "story" => {
                            if let Ok(story) = serde_json::from_str::<Value>(&ev.data) {
                                print_story(&story, args.json);
                            }
                            if let Some(id) = ev.id.as_deref().and_then(|i| i.parse().ok()) {
                                last = Some(id);
                            }
                            seen += 1;
                            if args.count.is_some_and(|c| seen >= c) {
                                return Ok(ExitCode::SUCCESS);
                            }
                        }
                        "lag" => {
                            let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                            if let Some(r) = v["resume_from"].as_u64() {
                                last = Some(r);
                            }
                            eprintln!(
                                "herald: fell behind the wire; resuming after seq {}",
                                last.unwrap_or(0)
                            );
                        }
                        _ => {}
                    }
                }
            }
            eprintln!("herald: stream ended; reconnecting");
            tokio::time::sleep(backoff).await;
        }
    })
}
