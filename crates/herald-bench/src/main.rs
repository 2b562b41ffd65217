//! `herald-bench`: generate synthetic news, or benchmark a real Herald node on loopback.

// The node's allocator: the in-process alert bench measures the matcher as the node runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod alerts;
mod alerts_e2e;
mod feeds;

use std::fs::File;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use herald_bench::generator::Generator;
use herald_bench::report::{self, AllReport, Environment, Outcome};
use herald_bench::scenario::Common;
use herald_bench::scenario::latency::{self, LatencyArgs};
use herald_bench::scenario::search::{self, SearchArgs};
use herald_bench::scenario::throughput::{self, ThroughputArgs};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "herald-bench",
    version,
    about = "Synthetic news for Herald, and benchmarks that run a real node on loopback"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write generated stories as JSON lines (deterministic for a seed).
    Gen(GenArgs),
    /// Publish at a steady rate to SSE subscribers; report publish → delivery latency.
    Latency {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: LatencyArgs,
    },
    /// Publish as fast as durable ingest allows from many publishers.
    Throughput {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: ThroughputArgs,
    },
    /// Load a corpus, wait for the index, time 1-, 2-, 3-term and phrase queries.
    Search {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        args: SearchArgs,
    },
    /// Run latency, throughput and search, each on a fresh node, and print a Markdown
    /// section with the targets marked met or missed.
    All {
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        latency: LatencyArgs,
        #[command(flatten)]
        throughput: ThroughputArgs,
        #[command(flatten)]
        search: SearchArgs,
    },
    /// Match generated stories against 10⁴…10⁶ standing queries in process (one core),
    /// beside naive evaluation; print a Markdown section with the targets marked.
    Alerts(alerts::AlertsArgs),
    /// Publish → alert SSE delivery through a real node holding many alerts (registered
    /// over the HTTP API), with probe alerts that count lost hits.
    AlertsE2e(alerts_e2e::E2eArgs),
    /// Serve 10,000 RSS feeds in process, import them into a real node by OPML, then time
    /// a poll cycle in which every feed answers 304; print a Markdown section.
    Feeds(feeds::FeedsArgs),
}

#[derive(Args)]
struct GenArgs {
    /// Number of stories.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Seed: the same seed gives the same stories.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Target size of each story's JSON line, in bytes.
    #[arg(long, default_value_t = herald_bench::generator::DEFAULT_SIZE)]
    size: usize,
    /// Index of the first story (to continue an earlier run).
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct CommonArgs {
    /// The herald binary to start (`herald serve`).
    #[arg(long, default_value = "target/release/herald")]
    herald: PathBuf,
    /// Directory for the node's temporary data directory (default: the system temp dir).
    #[arg(long)]
    data_root: Option<PathBuf>,
    /// Seed for generated stories and queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Hard deadline per scenario, in seconds (default: derived from its parameters).
    #[arg(long)]
    deadline: Option<u64>,
    /// Print results as JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl CommonArgs {
    fn common(&self) -> Common {
        Common {
            herald: self.herald.clone(),
            data_root: self.data_root.clone(),
            seed: self.seed,
            deadline: self.deadline.map(Duration::from_secs),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the whole cause chain on one line, without a backtrace.
            eprintln!("herald-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Cmd) -> anyhow::Result<()> {
    match command {
        Cmd::Gen(args) => generate(&args),
        Cmd::Alerts(args) => alerts::run(&args),
        // Builds its own runtime: it must set the node's environment before any thread exists.
        Cmd::Feeds(args) => feeds::run(&args),
        Cmd::AlertsE2e(args) => {
            let r = runtime()?.block_on(alerts_e2e::run(&args))?;
            print!("{}", r.text());
            Ok(())
        }
        Cmd::Latency { common, args } => {
            let r = runtime()?.block_on(latency::run(&common.common(), &args))?;
            print(common.json, &r, report::latency_text(&r))
        }
        Cmd::Throughput { common, args } => {
            let r = runtime()?.block_on(throughput::run(&common.common(), &args))?;
            print(common.json, &r, report::throughput_text(&r))
        }
        Cmd::Search { common, args } => {
            let r = runtime()?.block_on(search::run(&common.common(), &args))?;
            print(common.json, &r, report::search_text(&r))
        }
        Cmd::All {
            common,
            latency,
            throughput,
            search,
        } => {
            let c = common.common();
            let rt = runtime()?;
            let env = Environment::detect(&c.herald);
            // Each scenario's plain-text result goes to stderr as soon as it is known,
            // so a long run shows progress; the report proper comes at the end.
            let l = outcome(rt.block_on(latency::run(&c, &latency)), "latency");
            if let Outcome::Ok(r) = &l {
                eprint!("{}", report::latency_text(r));
            }
            let t = outcome(rt.block_on(throughput::run(&c, &throughput)), "throughput");
            if let Outcome::Ok(r) = &t {
                eprint!("{}", report::throughput_text(r));
            }
            let s = outcome(rt.block_on(search::run(&c, &search)), "search");
            if let Outcome::Ok(r) = &s {
                eprint!("{}", report::search_text(r));
            }
            let all = AllReport::new(env, l, t, s);
            if common.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                print!("{}", all.markdown());
            }
            if !all.complete() {
                anyhow::bail!("not every scenario completed; see the report above");
            }
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn outcome<T>(r: Result<T, herald_bench::BenchError>, scenario: &str) -> Outcome<T> {
    match r {
        Ok(v) => Outcome::Ok(v),
        Err(e) => {
            eprintln!("{scenario}: failed: {e}");
            Outcome::Error(e.to_string())
        }
    }
}

fn print<T: Serialize>(json: bool, value: &T, text: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{text}");
    }
    Ok(())
}

fn generate(args: &GenArgs) -> anyhow::Result<()> {
    let generator = Generator::with_size(args.seed, args.size)?;
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let mut line = Vec::with_capacity(args.size + 1024);
    let start = Instant::now();
    let mut bytes = 0u64;
    let end = args.start.saturating_add(args.count);
    for i in args.start..end {
        line.clear();
        generator.story(i).write_jsonl(&mut line);
        bytes += line.len() as u64;
        if let Err(e) = out.write_all(&line) {
            return quiet_on_broken_pipe(e, &args.out);
        }
    }
    if let Err(e) = out.flush() {
        return quiet_on_broken_pipe(e, &args.out);
    }
    let secs = start.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "generated {} stories ({:.1} MB) in {:.2} s: {:.0} stories/s",
        args.count,
        bytes as f64 / 1e6,
        secs,
        args.count as f64 / secs
    );
    Ok(())
}

/// `herald-bench gen | head` is normal use: a closed pipe ends the run quietly.
fn quiet_on_broken_pipe(e: std::io::Error, out: &Option<PathBuf>) -> anyhow::Result<()> {
    if e.kind() == ErrorKind::BrokenPipe {
        return Ok(());
    }
    let target = out
        .as_ref()
        .map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    Err(e).with_context(|| format!("cannot write stories to {target}"))
}
