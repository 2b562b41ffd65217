//! `herald kb add|show|find`: the node's knowledge base — add an entity, show one with the
//! aliases stories offered for it, look names up.

use std::process::ExitCode;

use serde_json::{Value, json};

use super::NodeArgs;
use super::search::short_time;
use crate::client::{Client, runtime};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Add an entity (or extend one with --id); the next published story uses it.
    Add(AddArgs),
    /// Show an entity: names, roles, relations, alias candidates and latest stories.
    Show(ShowArgs),
    /// Look up entities by name, alias or the start of one.
    Find(FindArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// person, org, place, company or other.
    #[arg(long, value_parser = ["person", "org", "place", "company", "other"])]
    kind: String,
    /// Canonical name.
    #[arg(long)]
    name: String,
    /// Another name it goes by (repeat for several).
    #[arg(long = "alias", value_name = "ALIAS")]
    aliases: Vec<String>,
    /// A role it holds, e.g. "Foreign Minister" (repeat for several).
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<String>,
    /// Stock ticker.
    #[arg(long)]
    ticker: Option<String>,
    /// Finer class, e.g. trade_union, central_bank.
    #[arg(long)]
    category: Option<String>,
    /// Its id (kb:…); by default made from the kind and name. An existing id is extended.
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    node: NodeArgs,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// The entity id, e.g. kb:group/islamic-state or doc:anna-lindqvist.
    id: String,
    /// Print the node's answer as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

#[derive(Debug, clap::Args)]
struct FindArgs {
    /// A name, alias or the start of one. Several words are joined.
    #[arg(required = true, value_name = "TEXT")]
    text: Vec<String>,
    /// How many entities (1-100).
    #[arg(long, short = 'n', default_value_t = 20)]
    limit: usize,
    /// Print the node's answer as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    node: NodeArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Add(a) => add(a),
        Command::Show(a) => show(a),
        Command::Find(a) => find(a),
    }
}

fn add(a: AddArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&a.node.url)?;
    let body = json!({
        "kind": a.kind,
        "name": a.name,
        "aliases": a.aliases,
        "roles": a.roles,
        "ticker": a.ticker,
        "category": a.category,
        "id": a.id,
    });
    let v = runtime()?.block_on(client.send_json(
        client.http.post(client.url("/v1/entities")).json(&body),
        "adding the entity",
    ))?;
    println!("{}", v["id"].as_str().unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn show(a: ShowArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&a.node.url)?;
    let url = client.url_with("/v1/entities", &[&a.id])?;
    let v = runtime()?.block_on(client.send_json(client.http.get(url), &format!("showing {}", a.id)))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    let text = |k: &str| v[k].as_str().unwrap_or("").to_string();
    println!("{}  ({}, {})", text("name"), text("kind"), text("id"));
    let known = match v["known"].as_str() {
        Some("kb") => "the knowledge base",
        Some("stories") => "stories only (not in the knowledge base)",
        _ => "alias candidates only",
    };
    println!("  known from: {known}");
    if !text("category").is_empty() {
        println!("  category:   {}", text("category"));
    }
    for (label, key) in [("aliases", "aliases"), ("roles", "roles")] {
        let list = strings(&v[key]);
        if !list.is_empty() {
            println!("  {label:<11} {}", list.join(", "));
        }
    }
    for (label, key) in [("ticker", "ticker"), ("country", "country")] {
        if let Some(s) = v[key].as_str() {
            println!("  {label:<11} {s}");
        }
    }
    for r in v["relations"].as_array().into_iter().flatten() {
        println!(
            "  {:<11} {}",
            r["relation"].as_str().unwrap_or(""),
            r["target"].as_str().unwrap_or("")
        );
    }
    let candidates = v["candidates"].as_array().cloned().unwrap_or_default();
    if !candidates.is_empty() {
        // Making a candidate official: extend a KB entity by its id; a story-only entity
        // (doc:…) becomes a new KB entity.
        let example = candidates[0]["alias"].as_str().unwrap_or("ALIAS");
        let id = if v["known"] == "kb" {
            format!(" --id {}", a.id)
        } else {
            String::new()
        };
        println!(
            "\nalias candidates (make one official: herald kb add{id} --kind {} --name {:?} --alias {example:?}):",
            text("kind"),
            text("name")
        );
        for c in &candidates {
            println!(
                "  {}  (seen {}×, first in {})\n      “{}”",
                c["alias"].as_str().unwrap_or(""),
                c["seen"].as_u64().unwrap_or(0),
                c["story"].as_str().unwrap_or(""),
                c["evidence"].as_str().unwrap_or("")
            );
        }
    }
    let stories = v["stories"].as_array().cloned().unwrap_or_default();
    if !stories.is_empty() {
        println!("\nlatest stories:");
        for s in &stories {
            println!(
                "  {}  {}  {}",
                short_time(&s["time"]),
                s["headline"].as_str().unwrap_or(""),
                s["id"].as_str().unwrap_or("")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn find(a: FindArgs) -> anyhow::Result<ExitCode> {
    let text = a.text.join(" ");
    let client = Client::new(&a.node.url)?;
    let mut url = client.url("/v1/entities");
    url.query_pairs_mut()
        .append_pair("q", &text)
        .append_pair("limit", &a.limit.to_string());
    let v = runtime()?.block_on(client.send_json(client.http.get(url), "the lookup"))?;
    if a.json {
        println!("{v}");
        return Ok(ExitCode::SUCCESS);
    }
    let list = v.as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        eprintln!("no entity is named {text:?}");
    }
    for e in &list {
        let aliases = strings(&e["aliases"]);
        println!(
            "{:<40} {:<8} {}{}",
            e["id"].as_str().unwrap_or(""),
            e["kind"].as_str().unwrap_or(""),
            e["name"].as_str().unwrap_or(""),
            if aliases.is_empty() {
                String::new()
            } else {
                format!("  ({})", aliases.join(", "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
