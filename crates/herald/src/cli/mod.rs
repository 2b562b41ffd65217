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

/// `herald term` (and `herald` alone at a console): the keyboard-driven news terminal.
pub mod term {
    use std::process::ExitCode;

    use herald_term::ThemeName;

    use super::NodeArgs;

    #[derive(Debug, clap::Args)]
    pub struct Args {
        /// Colours: amber on black, or dark on light. NO_COLOR (set and not empty) turns them off.
        #[arg(long, default_value = "amber", value_parser = ["amber", "light"])]
        theme: String,
        #[command(flatten)]
        node: NodeArgs,
    }

    impl Args {
        /// The defaults: `HERALD_URL` or the local node, amber.
        pub fn from_env() -> Args {
            Args {
                theme: "amber".to_string(),
                node: NodeArgs {
                    url: std::env::var("HERALD_URL")
                        .ok()
                        .filter(|u| !u.trim().is_empty())
                        .unwrap_or_else(|| "http://127.0.0.1:8765".to_string()),
                },
            }
        }
    }

    pub fn run(args: Args) -> anyhow::Result<ExitCode> {
        let theme = match args.theme.as_str() {
            "light" => ThemeName::Light,
            _ => ThemeName::Amber,
        };
        herald_term::run(herald_term::Options {
            node: args.node.url,
            theme,
        })?;
        Ok(ExitCode::SUCCESS)
    }
}

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
