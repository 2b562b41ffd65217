//! `herald enrich FILE…|-`: parse and enrich stories offline, print what Herald understood.

use std::process::ExitCode;

use anyhow::Context;
use herald_model::Story;

use crate::input;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Story files (plain text or JSON); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Source id to assume (it takes part in the story id).
    #[arg(long, default_value = "local")]
    source: String,
    /// Print one JSON story per line instead of a summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enricher = herald_server::node::embedded_enricher()?;
    let mut failed = 0;
    for item in input::items(&args.files)? {
        let parsed: anyhow::Result<Story> = if item.json {
            serde_json::from_slice(&item.bytes).with_context(|| format!("{}: invalid story JSON", item.label))
        } else {
            herald_model::parse_text(&item.bytes)
                .map(herald_model::ParsedText::into_story)
                .with_context(|| format!("{}: invalid story text", item.label))
        };
        let mut story = match parsed {
            Ok(s) => s,
            Err(e) => {
                eprintln!("herald: {e:#}");
                failed += 1;
                continue;
            }
        };
        if story.source.id.is_empty() {
            story.source.id = args.source.clone();
            story.source.name = args.source.clone();
        }
        story.id = story.derived_id();
        enricher.enrich(&mut story);
        if args.json {
            println!("{}", serde_json::to_string(&story)?);
        } else {
            println!(
                "{}\n  id: {}\n  words: {}",
                story.headline,
                story.id,
                story.body.split_whitespace().count()
            );
            for b in &story.bullets {
                println!("  • {b}");
            }
            for s in &story.subheads {
                println!("  § {s}");
            }
            for e in &story.entities {
                println!(
                    "  {:<8} {} ({}, {} mentions)",
                    e.kind.as_str(),
                    e.name,
                    e.id,
                    e.mentions.len()
                );
            }
            println!();
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
