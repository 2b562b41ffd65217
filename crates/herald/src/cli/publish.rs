//! `herald publish FILE…|-`: send stories to a node; prints one line per story.

use std::process::ExitCode;

use anyhow::Context;
use reqwest::StatusCode;
use serde_json::Value;

use super::NodeArgs;
use crate::client::{Client, error_message};
use crate::input;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Story files: plain text, JSON, a JSON array, or JSON Lines (.jsonl). `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Source id for the stories (text stories have no other way to say it).
    #[arg(long)]
    source: Option<String>,
    /// Source display name.
    #[arg(long)]
    source_name: Option<String>,
    /// The story's URL.
    #[arg(long)]
    url: Option<String>,
    /// When the source published it (RFC 3339, e.g. 2026-11-24T10:00:00Z).
    #[arg(long, value_name = "TIME")]
    published_at: Option<String>,
    /// Print the node's answers as JSON lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let items = input::items(&args.files)?;
    let client = Client::new(&args.node.url)?;
    let rt = crate::client::runtime()?;
    rt.block_on(async {
        let mut url = client.url("/v1/stories");
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in [
                ("source", &args.source),
                ("source_name", &args.source_name),
                ("url", &args.url),
                ("published_at", &args.published_at),
            ] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
        }
        let mut failed = 0usize;
        for item in items {
            let ct = if item.json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            let resp = client
                .http
                .post(url.clone())
                .header("content-type", ct)
                .body(item.bytes)
                .send()
                .await
                .map_err(|e| client.unreachable(e))?;
            let status = resp.status();
            if status == StatusCode::CREATED || status == StatusCode::OK {
                let v: Value = resp.json().await.context("reading the node's answer")?;
                if args.json {
                    println!("{v}");
                } else {
                    let what = if status == StatusCode::CREATED {
                        "stored"
                    } else {
                        "duplicate"
                    };
                    println!(
                        "{what}\t{}\tseq {}\t{}",
                        v["id"].as_str().unwrap_or("?"),
                        v["seq"],
                        item.label
                    );
                }
            } else {
                failed += 1;
                eprintln!("herald: {}: {}", item.label, error_message(resp).await);
            }
        }
        Ok(if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}
