//! `herald`: the one binary — run a node, publish, search, follow the wire, enrich offline.

// mimalloc: enrichment makes thousands of small allocations per story (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod client;
mod input;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Herald: a self-hosted, real-time news terminal.
///
/// Stories arrive from wires and feeds; Herald understands them, keeps them durably,
/// finds them instantly and pushes each one to whoever is watching for it.
#[derive(Debug, Parser)]
#[command(name = "herald", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a node: the durable log, the search index, the HTTP API and the live wire.
    Serve(cli::serve::Args),
    /// Send stories (plain text or JSON) to a node.
    Publish(cli::publish::Args),
    /// Search the archive with Herald's query language.
    Search(cli::search::Args),
    /// Follow the live wire, optionally filtered by a query.
    Tail(cli::tail::Args),
    /// Rebuild the search index from the log (the node must be stopped).
    Reindex(cli::reindex::Args),
    /// Enrich stories offline and print them (no node needed); or score the gold set.
    Enrich(cli::enrich::Args),
    /// What someone said (about something): quotes by speaker, newest first.
    Quotes(cli::quotes::Args),
    /// The knowledge base: add entities, show one, look names up.
    Kb(cli::kb::Args),
    /// Standing queries: add, list, remove, backtest, and follow their hits.
    Alerts(cli::alerts::Args),
    /// Feeds: follow, import or export OPML, list with their health, poll now, remove.
    Feeds(cli::feeds::Args),
    /// The terminal: live wire, search, stories and entities at the keyboard (`herald` alone opens it too).
    Term(cli::term::Args),
    /// Replay the project's fixture stories through a node's wire at a realistic pace (try the terminal offline).
    Demo(cli::demo::Args),
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("HERALD_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// Lets `herald search … | head` end quietly, as other Unix tools do, instead of
/// panicking on a closed pipe (Rust ignores SIGPIPE by default).
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resetting a signal to its default action at start-up, before any thread runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        // The terminal needs a console on both ends; in a pipe or a script, say what works.
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            return finish(cli::term::run(cli::term::Args::from_env()));
        }
        eprintln!(
            "`herald` alone opens the terminal, which needs a console (stdin and stdout are not both one). Try:\n  herald serve            run a node\n  herald publish FILE     send a story\n  herald tail             follow the live wire\n  herald search QUERY     search\n\nSee `herald --help`."
        );
        return ExitCode::from(2);
    };
    let result = match command {
        Command::Serve(a) => {
            init_logging();
            cli::serve::run(a)
        }
        Command::Publish(a) => cli::publish::run(a),
        Command::Search(a) => cli::search::run(a),
        Command::Tail(a) => cli::tail::run(a),
        Command::Reindex(a) => {
            init_logging();
            cli::reindex::run(a)
        }
        Command::Enrich(a) => cli::enrich::run(a),
        Command::Quotes(a) => cli::quotes::run(a),
        Command::Kb(a) => cli::kb::run(a),
        Command::Alerts(a) => cli::alerts::run(a),
        Command::Feeds(a) => cli::feeds::run(a),
        Command::Term(a) => cli::term::run(a),
        Command::Demo(a) => cli::demo::run(a),
    };
    finish(result)
}

/// The exit code of a command, printing its error if it failed.
fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("herald: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
