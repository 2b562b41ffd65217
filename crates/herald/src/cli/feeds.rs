//! `herald feeds add|import|export|list|rm|poll`: follow feeds on a node and see their health.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};

use super::NodeArgs;
use crate::client::{Client, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Follow a feed (RSS, Atom or JSON Feed; a web page that links to its feed works too).
    /// It is polled at once and the result shown.
    Add {
        /// The feed's (or the site's) URL.
        url: String,
        /// A title to show instead of the feed's own.
        #[arg(long)]
        title: Option<String>,
        /// Tags for the feed (repeat or comma-separate).
        #[arg(long = "tag", value_delimiter = ',', value_name = "TAG")]
        tags: Vec<String>,
        /// Fetch each item's page for its full text when the feed carries only summaries.
        #[arg(long)]
        full_text: bool,
        /// Print the node's answer as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Follow every feed of an OPML file (Miniflux, FreshRSS, Feedly, newsboat exports; `-`
    /// reads standard input). Folders become tags.
    Import {
        /// The OPML file (`-` for standard input).
        #[arg(required_unless_present = "starter", conflicts_with = "starter")]
        file: Option<String>,
        /// Follow Herald's starter set instead: public wire, broadcaster, central-bank,
        /// science and sport feeds (feeds/starter.opml in the repo).
        #[arg(long)]
        starter: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Print every feed as OPML (for another reader, or a backup).
    Export {
        #[command(flatten)]
        node: NodeArgs,
    },
    /// The feeds with their health: last fetch, last new item, items, status, last error, next poll.
    List {
        /// Only feeds with this tag.
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Stop following a feed (its stories stay).
    Rm {
        id: String,
        #[command(flatten)]
        node: NodeArgs,
    },
    /// Fetch a feed now and say what came of it.
    Poll {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        node: NodeArgs,
    },
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// "2026-11-25T03:04:05.123Z" → "11-25 03:04"; empty stays "—".
fn short_time(t: &str) -> String {
    if t.len() >= 16 {
        format!("{} {}", &t[5..10], &t[11..16])
    } else {
        "—".into()
    }
}

fn describe_poll(p: &Value) -> String {
    match s(p, "outcome") {
        "not_modified" => "not modified (304)".into(),
        "gone" => "gone (410): no longer polled".into(),
        "error" => format!("failed: {}", s(p, "error")),
        _ => format!(
            "{} items: {} new, {} changed, {} unchanged{}",
            p["items"].as_u64().unwrap_or(0),
            p["new"].as_u64().unwrap_or(0),
            p["changed"].as_u64().unwrap_or(0),
            p["unchanged"].as_u64().unwrap_or(0),
            match p["elsewhere"].as_u64().unwrap_or(0) {
                0 => String::new(),
                n => format!(", {n} already in from another feed"),
            }
        ),
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let node = match &args.command {
        Command::Add { node, .. }
        | Command::Import { node, .. }
        | Command::Export { node }
        | Command::List { node, .. }
        | Command::Rm { node, .. }
        | Command::Poll { node, .. } => node,
    };
    let client = Client::new(&node.url)?;
    let rt = runtime()?;
    rt.block_on(async {
        match args.command {
            Command::Add {
                url,
                title,
                tags,
                full_text,
                json,
                ..
            } => {
                let mut body = json!({"url": url, "tags": tags, "full_text": full_text});
                if let Some(t) = title {
                    body["title"] = t.into();
                }
                let v = client.send_json(client.http.post(client.url("/v1/feeds")).json(&body), "adding the feed").await?;
                if json {
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                let f = &v["feed"];
                if v["created"] == false {
                    println!("{} (already followed)", s(f, "id"));
                    return Ok(ExitCode::SUCCESS);
                }
                println!("{}", s(f, "id"));
                if let Some(page) = v["discovered_from"].as_str() {
                    eprintln!("{page} is a page; following the feed it links to: {}", s(f, "url"));
                }
                eprintln!("{}: {}", if s(f, "title").is_empty() { s(f, "url") } else { s(f, "title") }, describe_poll(&v["poll"]));
                Ok(if v["poll"]["outcome"] == "error" { ExitCode::from(1) } else { ExitCode::SUCCESS })
            }
            Command::Import {
                file, starter, json, ..
            } => {
                let file = file.unwrap_or_default();
                let bytes = if starter {
                    herald_term::STARTER_OPML.as_bytes().to_vec()
                } else if file == "-" {
                    let mut b = Vec::new();
                    std::io::stdin().read_to_end(&mut b).context("reading OPML from standard input")?;
                    b
                } else {
                    std::fs::read(&file).with_context(|| format!("cannot read {file}"))?
                };
                let v = client
                    .send_json(
                        client.http.post(client.url("/v1/feeds/import")).header("content-type", "text/x-opml").body(bytes),
                        "importing the OPML file",
                    )
                    .await?;
                if json {
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                println!(
                    "{} feeds added, {} already followed; they are being polled now (see `herald feeds list`)",
                    v["added"].as_u64().unwrap_or(0),
                    v["existing"].as_u64().unwrap_or(0)
                );
                let errors = v["errors"].as_array().cloned().unwrap_or_default();
                for e in &errors {
                    eprintln!("skipped {}: {}", s(e, "url"), s(e, "error"));
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Export { .. } => {
                let r = client.http.get(client.url("/v1/feeds/export")).send().await.map_err(|e| client.unreachable(e))?;
                let status = r.status();
                let text = r.text().await?;
                if !status.is_success() {
                    anyhow::bail!("exporting feeds: HTTP {status}: {text}");
                }
                print!("{text}");
                Ok(ExitCode::SUCCESS)
            }
            Command::List { tag, json, .. } => {
                let mut url = client.url("/v1/feeds");
                if let Some(t) = &tag {
                    url.query_pairs_mut().append_pair("tag", t);
                }
                let req = client.http.get(url);
                let v = client.send_json(req, "listing feeds").await?;
                if json {
                    println!("{v}");
                    return Ok(ExitCode::SUCCESS);
                }
                let feeds = v["feeds"].as_array().cloned().unwrap_or_default();
                if feeds.is_empty() {
                    eprintln!("no feeds; follow one with `herald feeds add URL` or `herald feeds import FILE.opml`");
                    return Ok(ExitCode::SUCCESS);
                }
                println!("{:<24} {:<7} {:>6} {:<11} {:<11} {:<11} TITLE / LAST ERROR", "ID", "STATUS", "ITEMS", "FETCHED", "NEW ITEM", "NEXT POLL");
                for f in &feeds {
                    let h = &f["health"];
                    let status = match (s(h, "status"), h["last_error"].is_string()) {
                        ("active", true) => "error".to_string(),
                        ("active", false) => h["last_http_status"].as_u64().map_or("new".into(), |c| c.to_string()),
                        (st, _) => st.to_string(),
                    };
                    let title = if s(f, "title").is_empty() { s(f, "url") } else { s(f, "title") };
                    println!(
                        "{:<24} {:<7} {:>6} {:<11} {:<11} {:<11} {}",
                        s(f, "id"),
                        status,
                        h["items_seen"].as_u64().unwrap_or(0),
                        short_time(s(h, "last_fetch_at")),
                        short_time(s(h, "last_new_item_at")),
                        short_time(s(h, "next_poll_at")),
                        title
                    );
                    if let Some(e) = h["last_error"].as_str() {
                        println!("{:<24} └ {e}", "");
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Command::Rm { id, .. } => {
                client
                    .send_json(client.http.delete(client.url_with("/v1/feeds", &[&id])?), "removing the feed")
                    .await?;
                eprintln!("no longer following {id} (its stories stay)");
                Ok(ExitCode::SUCCESS)
            }
            Command::Poll { id, json, .. } => {
                let v = client
                    .send_json(client.http.post(client.url_with("/v1/feeds", &[&id, "poll"])?), "polling the feed")
                    .await?;
                if json {
                    println!("{v}");
                } else {
                    println!("{id}: {}", describe_poll(&v["poll"]));
                }
                Ok(if v["poll"]["outcome"] == "error" { ExitCode::from(1) } else { ExitCode::SUCCESS })
            }
        }
    })
}
