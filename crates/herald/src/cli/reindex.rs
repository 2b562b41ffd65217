//! `herald reindex`: rebuild the search index from the log, with a progress bar.

use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::DataArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.data.dir();
    let config = herald_server::Config::load(&dir).context("configuration")?;
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} indexing [{bar:40}] {pos}/{len} seq ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let stories = herald_server::node::reindex(&config, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .with_context(|| format!("reindexing {}", dir.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "reindexed {stories} stories in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
