//! `herald serve`: run a node until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;

use super::DataArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Address to listen on (port 0 picks a free one). Default 127.0.0.1:8765.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Largest story accepted by POST /v1/stories, in bytes. Default 1 MiB.
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.data.dir();
    let mut config = herald_server::Config::load(&dir).context("configuration")?;
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(m) = args.max_body_bytes {
        anyhow::ensure!(m > 0, "--max-body-bytes must be above 0");
        config.max_body_bytes = m;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(herald_server::serve(
        config,
        move |addr| {
            // Scripts and tests wait for this exact line on stdout.
            println!("listening on http://{addr}");
            let _ = std::io::stdout().flush();
            tracing::info!(data = %dir.display(), %addr, "herald node ready");
        },
        herald_server::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
