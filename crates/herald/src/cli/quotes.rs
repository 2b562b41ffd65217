//! `herald quotes --speaker NAME [QUERY]`: what someone said (about something), newest first.

use std::process::ExitCode;

use serde_json::Value;

use super::NodeArgs;
use crate::client::{Client, check_query, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Who said it: a name as stories write it (Lindqvist) or an entity id.
    #[arg(long, short = 's')]
    speaker: String,
    /// What about: a query (DESIGN §4) the story must match, e.g. sanctions. Words are joined.
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
    /// How many quotes (1-100).
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Continue from a previous answer's next_cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// Print the node's answer as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

/// `2026-11-24T10:00:00Z` → `2026-11-24`.
fn date(v: &Value) -> &str {
    v.as_str().and_then(|s| s.get(..10)).unwrap_or("undated")
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let q = args.query.join(" ");
    check_query(&q, true)?;
    let client = Client::new(&args.node.url)?;
    runtime()?.block_on(async {
        let mut url = client.url("/v1/quotes");
        url.query_pairs_mut()
            .append_pair("speaker", &args.speaker)
            .append_pair("limit", &args.limit.to_string());
        if !q.trim().is_empty() {
            url.query_pairs_mut().append_pair("q", &q);
        }
        if let Some(c) = &args.cursor {
            url.query_pairs_mut().append_pair("cursor", c);
        }
        let v = client.send_json(client.http.get(url), "quote search").await?;
        if args.json {
            println!("{v}");
            return Ok(ExitCode::SUCCESS);
        }
        let quotes = v["quotes"].as_array().cloned().unwrap_or_default();
        if quotes.is_empty() {
            eprintln!(
                "no quotes by {:?}{}",
                args.speaker,
                if q.is_empty() {
                    String::new()
                } else {
                    format!(" matching {q:?}")
                }
            );
        }
        for item in &quotes {
            // Quotes keep their closing comma ("…," she said); a printed quote ends cleanly.
            let text = item["quote"].as_str().unwrap_or("").trim().trim_end_matches(',');
            println!(
                "“{text}” — {} ({}, {})",
                item["speaker"].as_str().unwrap_or(&args.speaker),
                item["story"]["headline"].as_str().unwrap_or(""),
                date(&item["story"]["time"]),
            );
        }
        if let Some(c) = v["next_cursor"].as_str() {
            eprintln!("more with --cursor {c}");
        }
        Ok(ExitCode::SUCCESS)
    })
}
