//! `herald tail [QUERY]`: follow the live wire; reconnects and resumes without gaps.

use std::process::ExitCode;

use serde_json::Value;

use super::NodeArgs;
use crate::client::{Client, check_query, runtime};

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
    let mut url = client.url("/v1/stream");
    if !q.trim().is_empty() {
        url.query_pairs_mut().append_pair("q", &q);
    }
    rt.block_on(client.follow(url, "story", args.since, args.count, |story| {
        print_story(story, args.json)
    }))
}
