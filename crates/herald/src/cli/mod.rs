//! One module per subcommand, each with its clap `Args` and a `run`.

pub mod alerts;
pub mod demo;
pub mod enrich;
pub mod feeds;
pub mod kb;
pub mod publish;
pub mod quotes;
pub mod reindex;
pub mod search;
pub mod serve;
pub mod tail;

pub mod term;

use std::path::PathBuf;

/// The `--data` option shared by the commands that open a data dir themselves.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    /// Data directory (log, index, herald.toml). Default: $XDG_DATA_HOME/herald.
    #[arg(long, env = "HERALD_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl DataArgs {
    pub fn dir(&self) -> PathBuf {
        self.data
            .clone()
            .unwrap_or_else(herald_server::config::default_data_dir)
    }
}

/// The `--url` option shared by the commands that talk to a node.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// The node to talk to.
    #[arg(
        id = "node",
        long = "node",
        env = "HERALD_URL",
        default_value = "http://127.0.0.1:8765",
        value_name = "URL"
    )]
    pub url: String,
}
