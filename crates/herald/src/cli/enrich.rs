//! `herald enrich FILE…|-`: parse and enrich stories offline, print what Herald understood;
//! `herald enrich --gold DIR`: score the enrichment on an annotated gold set.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use herald_model::Story;
use herald_nlp::eval::{Annotation, Prediction, Report};
use herald_nlp::fingerprint::DuplicateIndex;

use crate::input;

/// Below these the gold report fails (the thresholds of the enrichment issue and CI).
const MIN_ENTITY_F1: f64 = 0.90;
const MIN_SPEAKER_ACCURACY: f64 = 0.90;
/// Stories remembered for near-duplicate checks across the files of one run.
const DUP_CAPACITY: usize = 100_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Story files (plain text or JSON); `-` reads stdin.
    #[arg(required_unless_present = "gold", value_name = "FILE")]
    files: Vec<String>,
    /// Source id to assume (it takes part in the story id).
    #[arg(long, default_value = "local")]
    source: String,
    /// Print one JSON story per line instead of a summary.
    #[arg(long)]
    json: bool,
    /// Score the enrichment on a gold set instead: DIR holds NAME.txt stories, each with
    /// its NAME.ann.toml annotation. Exits 1 below entity F1 0.90 or speaker accuracy 0.90.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["files", "json"])]
    gold: Option<PathBuf>,
    /// With --gold: list every miss and false hit.
    #[arg(long, short = 'v', requires = "gold")]
    verbose: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.gold {
        return gold(dir, args.verbose);
    }
    let enricher = herald_server::node::embedded_enricher()?;
    // Across the files of one run, a story that repeats an earlier one is marked as the
    // node would mark it.
    let mut dups = DuplicateIndex::new(DUP_CAPACITY);
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
        if story.duplicate_of.is_none()
            && let Some(fp) = story
                .fingerprint
                .as_deref()
                .and_then(|f| u64::from_str_radix(f, 16).ok())
        {
            story.duplicate_of = dups.check_and_insert(fp, &story.id).filter(|d| d != &story.id);
        }
        if args.json {
            println!("{}", serde_json::to_string(&story)?);
        } else {
            print!("{}", summary(&story));
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What a reader wants to see of an enriched story, one fact a line.
fn summary(story: &Story) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{}", story.headline);
    let _ = writeln!(s, "  id:          {}", story.id);
    let _ = writeln!(
        s,
        "  language:    {}",
        story.language.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(s, "  words:       {}", story.body.split_whitespace().count());
    let _ = writeln!(
        s,
        "  fingerprint: {}",
        story.fingerprint.as_deref().unwrap_or("-")
    );
    if let Some(d) = &story.duplicate_of {
        let _ = writeln!(s, "  duplicate of {d}");
    }
    for b in &story.bullets {
        let _ = writeln!(s, "  • {b}");
    }
    for h in &story.subheads {
        let _ = writeln!(s, "  § {h}");
    }
    if !story.topics.is_empty() {
        let topics: Vec<String> = story
            .topics
            .iter()
            .map(|t| format!("{} {:.2}", t.code, t.score))
            .collect();
        let _ = writeln!(s, "  topics:      {}", topics.join(", "));
    }
    for e in &story.entities {
        let roles = if e.roles.is_empty() {
            String::new()
        } else {
            format!(" [{}]", e.roles.join("; "))
        };
        let n = e.mentions.len();
        let plural = if n == 1 { "" } else { "s" };
        let _ = writeln!(
            s,
            "  {:<8} {}{roles} ({}, {n} mention{plural})",
            e.kind.as_str(),
            e.name,
            e.id,
        );
    }
    for q in &story.quotes {
        let speaker = q
            .speaker_name
            .clone()
            .or_else(|| {
                let id = q.speaker.as_ref()?;
                story
                    .entities
                    .iter()
                    .find(|e| &e.id == id)
                    .map(|e| e.name.clone())
            })
            .unwrap_or_else(|| "unattributed".to_string());
        let id = q
            .speaker
            .as_deref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default();
        let text = q.text.trim().trim_end_matches(',');
        let _ = writeln!(s, "  quote    “{text}” — {speaker}{id}");
    }
    for f in &story.figures {
        let _ = writeln!(s, "  figure   {} = {} {}", f.text, f.value, f.unit);
    }
    s.push('\n');
    s
}

/// Scores the enrichment on `dir`'s gold stories and prints the report.
fn gold(dir: &Path, verbose: bool) -> anyhow::Result<ExitCode> {
    let enricher = herald_server::node::embedded_enricher()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the gold set {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} holds no gold stories (NAME.txt with NAME.ann.toml)",
            dir.display()
        );
    }
    let mut report = Report::default();
    for txt in &files {
        let name = txt
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ann_path = txt.with_extension("ann.toml");
        let ann = std::fs::read_to_string(&ann_path)
            .with_context(|| format!("{}: cannot read the annotation of {name}", ann_path.display()))?;
        let gold = Annotation::parse(&ann).map_err(|e| anyhow::anyhow!("{}: {e}", ann_path.display()))?;
        let bytes = std::fs::read(txt).with_context(|| format!("cannot read {}", txt.display()))?;
        let mut story = herald_model::parse_text(&bytes)
            .with_context(|| format!("{}: invalid story text", txt.display()))?
            .into_story();
        let surfaces = enricher.enrich_with_surfaces(&mut story);
        report.add(&name, &gold, &Prediction::from_story(&story, &surfaces));
    }
    print!("{}", report.render(verbose));
    let f1 = report.entity_total().f1();
    let speakers = report.speaker_accuracy();
    let mut ok = true;
    if f1 < MIN_ENTITY_F1 {
        eprintln!("herald: entity F1 {f1:.3} is below {MIN_ENTITY_F1:.2} (-v lists the errors)");
        ok = false;
    }
    if speakers < MIN_SPEAKER_ACCURACY {
        eprintln!(
            "herald: quote-speaker accuracy {speakers:.3} is below {MIN_SPEAKER_ACCURACY:.2} (-v lists the errors)"
        );
        ok = false;
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
