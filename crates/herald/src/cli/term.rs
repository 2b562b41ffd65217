//! `herald term` (and `herald` alone at a console): the terminal, against `HERALD_URL`, the
//! local node, or a node embedded in this process when neither is there.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use herald_term::ThemeName;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Colours: amber on black, or dark on light. NO_COLOR (set and not empty) turns them off.
    #[arg(long, default_value = "amber", value_parser = ["amber", "light"])]
    theme: String,
    /// The node to talk to. Unset: the node on this machine's data directory if one is
    /// running, else one started inside the terminal on that directory.
    #[arg(long = "node", env = "HERALD_URL", value_name = "URL")]
    node: Option<String>,
    /// The data directory for an embedded node. Default: $XDG_DATA_HOME/herald.
    #[arg(long, env = "HERALD_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
}

impl Args {
    /// What `herald` alone uses: the environment's `HERALD_URL` / `HERALD_DATA`, amber.
    pub fn from_env() -> Args {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Args {
            theme: "amber".to_string(),
            node: var("HERALD_URL"),
            data: var("HERALD_DATA").map(PathBuf::from),
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let theme = match args.theme.as_str() {
        "light" => ThemeName::Light,
        _ => ThemeName::Amber,
    };
    let mut embedded = None;
    let node = match args.node {
        Some(url) => url,
        None => {
            let dir = args.data.unwrap_or_else(herald_server::config::default_data_dir);
            let config = herald_server::Config::load(&dir)
                .with_context(|| format!("reading the configuration of {}", dir.display()))?;
            if answers(config.listen) {
                format!("http://{}", config.listen)
            } else {
                let e = Embedded::start(config)?;
                let url = format!("http://{}", e.addr);
                embedded = Some(e);
                url
            }
        }
    };
    let result = herald_term::run(herald_term::Options { node, theme });
    if let Some(e) = embedded {
        e.stop();
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Whether a Herald node answers `/healthz` at `addr` (within a fraction of a second).
fn answers(addr: SocketAddr) -> bool {
    let probe = || -> std::io::Result<bool> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(300))?;
        s.set_read_timeout(Some(Duration::from_millis(500)))?;
        s.write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )?;
        let mut head = [0u8; 64];
        let n = s.read(&mut head)?;
        Ok(head[..n].starts_with(b"HTTP/1.1 200"))
    };
    probe().unwrap_or(false)
}

/// A node running on a thread of its own for as long as the terminal is open.
struct Embedded {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Embedded {
    fn start(mut config: herald_server::Config) -> anyhow::Result<Embedded> {
        // The usual port may be held by something that is not a Herald node: any free one will do.
        if std::net::TcpListener::bind(config.listen).is_err() {
            config.listen.set_port(0);
        }
        let dir = config.data_dir.clone();
        eprintln!(
            "starting a node on {} (set HERALD_URL to use another)…",
            dir.display()
        );
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<SocketAddr, String>>();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("herald-embedded-node".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the node's runtime: {e}")));
                        return;
                    }
                };
                let ready = ready_tx.clone();
                let served = rt.block_on(herald_server::serve(
                    config,
                    move |addr| {
                        let _ = ready.send(Ok(addr));
                    },
                    async move {
                        let _ = stop_rx.await;
                    },
                ));
                if let Err(e) = served {
                    let _ = ready_tx.send(Err(e.to_string()));
                }
            })
            .context("starting the embedded node's thread")?;
        // Opening replays the log and loads the knowledge base: seconds on a large archive.
        match ready_rx.recv_timeout(Duration::from_secs(300)) {
            Ok(Ok(addr)) => Ok(Embedded { addr, stop, thread }),
            Ok(Err(e)) => bail!("the embedded node on {} could not start: {e}", dir.display()),
            Err(_) => bail!(
                "the embedded node on {} did not start within 5 minutes",
                dir.display()
            ),
        }
    }

    /// Stops the node and waits until everything it acknowledged is on disk.
    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}
