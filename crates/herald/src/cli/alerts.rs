//! `herald alerts add|list|rm|test|tail`: manage standing queries on a node, backtest a
//! query against the archive, and follow alert hits live.

use std::process::ExitCode;

use anyhow::bail;
use serde_json::{Value, json};

use super::NodeArgs;
use crate::client::{Client, check_query, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add a standing query; every new story that matches it becomes a hit.
    Add {
        /// A name for the alert.
        name: String,
        /// The query (DESIGN §4), e.g. 'entity:ISIL AND place:Iraq'; no since:/until:.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// POST each hit to this URL (signed; the secret is printed once).
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// At most N hits a minute; the rest are counted and reported with the next hit.
        #[arg(long, value_name = "N")]
        rate: Option<u32>,
        /// Also hit near-duplicate copies of a story already seen.
        #[arg(long)]
        no_fold: bool,
        /// Print the node's answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// List the alerts with their hit counts.
    List {
        /// Print the node's answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Remove an alert.
    Rm {
        /// The alert's id (al_…).
        id: String,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Backtest a query: how many stories it would have hit per day, and the latest ones.
    Test {
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// How many days back.
        #[arg(long, default_value_t = 7, value_name = "N")]
        days: u32,
        /// Print the node's answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Follow alert hits live (all alerts, or one); reconnects and resumes without gaps.
    Tail {
        /// Only this alert's hits.
        id: Option<String>,
        /// Start after this hit_seq (0 replays every recorded hit first).
        #[arg(long, value_name = "HIT_SEQ")]
        since: Option<u64>,
        /// Print each hit as one JSON line.
        #[arg(long)]
        json: bool,
        /// Stop after this many hits.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        #[command(flatten)]
        node: NodeArgs,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let node = match &args.command {
        Command::Add { node, .. }
        | Command::List { node, .. }
        | Command::Rm { node, .. }
        | Command::Test { node, .. }
        | Command::Tail { node, .. } => node,
    };
    let client = Client::new(&node.url)?;
    let rt = runtime()?;
    rt.block_on(async {
        match args.command {
            Command::Add {
                name,
                query,
                webhook,
                rate,
                no_fold,
                json,
                ..
            } => {
                let q = query.join(" ");
                check_query(&q, false)?;
                let mut body = json!({"name": name, "query": q, "fold_duplicates": !no_fold});
                if let Some(w) = webhook {
                    body["webhook"] = w.into();
                }
                if let Some(r) = rate {
                    body["rate_limit_per_min"] = r.into();
                }
                let v = client.send_json(client.http.post(client.url("/v1/alerts")).json(&body), "adding the alert").await?;
                if json {
                    println!("{v}");
                } else {
                    println!("{}", v["id"].as_str().unwrap_or(""));
                    if let Some(s) = v["secret"].as_str() {
                        eprintln!("webhook secret (shown only now; verify X-Herald-Signature with it):\n{s}");
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::List { json, .. } => {
                let v = client.send_json(client.http.get(client.url("/v1/alerts")), "listing alerts").await?;
                if json {
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                let alerts = v["alerts"].as_array().cloned().unwrap_or_default();
                if alerts.is_empty() {
                    eprintln!("no alerts; add one with `herald alerts add NAME QUERY`");
                }
                for a in &alerts {
                    println!(
                        "{}  {:>6} hits  {:<20.20}  {}",
                        a["id"].as_str().unwrap_or(""),
                        a["hits"].as_u64().unwrap_or(0),
                        a["name"].as_str().unwrap_or(""),
                        a["query"].as_str().unwrap_or("")
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Rm { id, .. } => {
                // Ids are al_ and hex digits; anything else would not survive as a path segment.
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    bail!("{id:?} is not an alert id (they look like al_0123456789abcdef; see `herald alerts list`)");
                }
                let url = client.url_with("/v1/alerts", &[&id])?;
                client.send_json(client.http.delete(url), "removing the alert").await?;
                eprintln!("removed {id}");
                Ok(ExitCode::SUCCESS)
            }
            Command::Test { query, days, json, .. } => {
                let q = query.join(" ");
                check_query(&q, false)?;
                let body = json!({"query": q, "days": days});
                let v = client.send_json(client.http.post(client.url("/v1/alerts/test")).json(&body), "backtesting").await?;
                if json {
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                println!("{} hits in the last {days} days", v["total"].as_u64().unwrap_or(0));
                for d in v["per_day"].as_array().into_iter().flatten() {
                    let n = d["hits"].as_u64().unwrap_or(0);
                    let bar = "#".repeat(usize::try_from(n.min(60)).unwrap_or(60));
                    println!("{}  {n:>5}  {bar}", d["date"].as_str().unwrap_or(""));
                }
                let examples = v["examples"].as_array().cloned().unwrap_or_default();
                if !examples.is_empty() {
                    println!("\nlatest:");
                }
                for e in &examples {
                    println!(
                        "{}  {:<14.14}  {}",
                        super::search::short_time(&e["published_at"]),
                        e["source"]["name"].as_str().unwrap_or(""),
                        e["headline"].as_str().unwrap_or("")
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Tail {
                id,
                since,
                json,
                count,
                ..
            } => tail(&client, id, since, json, count).await,
        }
    })
}

fn print_hit(hit: &Value, json: bool) {
    if json {
        println!("{hit}");
        return;
    }
    let story = &hit["story"];
    let suppressed = match hit["suppressed"].as_u64() {
        Some(k) if k > 0 => format!("  (+{k} held back)"),
        _ => String::new(),
    };
    println!(
        "{}  {:<16.16}  {:<14.14}  {}{suppressed}",
        super::search::short_time(&story["published_at"]),
        hit["alert_name"].as_str().unwrap_or(""),
        story["source"]["name"].as_str().unwrap_or(""),
        story["headline"].as_str().unwrap_or("")
    );
}

async fn tail(
    client: &Client,
    id: Option<String>,
    since: Option<u64>,
    json: bool,
    count: Option<u64>,
) -> anyhow::Result<ExitCode> {
    let mut url = client.url("/v1/alerts/stream");
    if let Some(id) = &id {
        url.query_pairs_mut().append_pair("alert", id);
    }
    client
        .follow(url, "hit", since, count, |hit| print_hit(hit, json))
        .await
}
