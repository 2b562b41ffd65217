//! `herald search QUERY`: search the archive; a table for people, JSON for programs.

use std::process::ExitCode;

use serde_json::Value;

use super::NodeArgs;
use crate::client::{Client, check_query, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A query (DESIGN §4), e.g. 'entity:ISIL AND Mosul -source:tabloid'. Several words are joined.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,
    /// How many hits (1-100).
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Order: relevance or time (newest first).
    #[arg(long, default_value = "relevance", value_parser = ["relevance", "time"])]
    sort: String,
    /// Continue from a previous answer's next_cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// Print the node's answer as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

/// `2026-11-24T10:00:00Z` → `2026-11-24 10:00`.
pub fn short_time(v: &Value) -> String {
    match v.as_str() {
        Some(s) if s.len() >= 16 => format!("{} {}", &s[..10], &s[11..16]),
        _ => "-".repeat(16),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let q = args.query.join(" ");
    check_query(&q, false)?;
    let client = Client::new(&args.node.url)?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut url = client.url("/v1/search");
        url.query_pairs_mut()
            .append_pair("q", &q)
            .append_pair("limit", &args.limit.to_string())
            .append_pair("sort", &args.sort);
        if let Some(c) = &args.cursor {
            url.query_pairs_mut().append_pair("cursor", c);
        }
        let v = client.send_json(client.http.get(url), "search").await?;
        if args.json {
            println!("{v}");
            return Ok(ExitCode::SUCCESS);
        }
        let hits = v["hits"].as_array().cloned().unwrap_or_default();
        if hits.is_empty() {
            eprintln!("no stories match {q:?}");
            return Ok(ExitCode::SUCCESS);
        }
        for h in &hits {
            println!(
                "{}  {:<14.14}  {}\n{:18}{}",
                short_time(&h["time"]),
                h["source"]["name"].as_str().unwrap_or(""),
                h["headline"].as_str().unwrap_or(""),
                "",
                h["id"].as_str().unwrap_or("")
            );
            if let Some(s) = h["highlights"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(Value::as_str)
            {
                let plain = s.replace("<b>", "\x1b[1m").replace("</b>", "\x1b[0m");
                println!(
                    "{:18}{}",
                    "",
                    plain
                        .replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&#39;", "'")
                );
            }
        }
        let total = v["total"].as_u64().unwrap_or(0);
        eprint!("{} of {total} stories", hits.len());
        match v["next_cursor"].as_str() {
            Some(c) => eprintln!("; more with --cursor {c}"),
            None => eprintln!(),
        }
        Ok(ExitCode::SUCCESS)
    })
}
