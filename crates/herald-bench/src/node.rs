//! Starting and stopping a real `herald serve` on loopback, on a fresh data directory.
//!
//! The node prints one `listening on http://ADDR` line on stdout when it is ready and
//! logs on stderr. We keep the last lines of stderr to explain a node that fails, and
//! keep draining both pipes so a chatty node never blocks on a full pipe.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::error::BenchError;

/// How long a node may take to print its ready line (a debug build opening an index is slow).
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Lines of the node's stderr kept for error messages.
const STDERR_TAIL_LINES: usize = 30;
/// Longest stderr line kept, in bytes.
const STDERR_LINE_MAX: usize = 400;

/// A running node; stop it with [`Node::stop`]. Dropping it kills the process and
/// removes its data directory too, which is what happens when a scenario's deadline
/// expires.
pub struct Node {
    child: Child,
    herald: PathBuf,
    base_url: String,
    data: tempfile::TempDir,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl Node {
    /// Starts `herald serve` from `herald` on a new temporary directory under
    /// `data_root` (the system temp dir when `None`), and waits until it is listening.
    pub async fn start(herald: &Path, data_root: Option<&Path>) -> Result<Node, BenchError> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("herald-bench-");
        let data = match data_root {
            Some(root) => {
                std::fs::create_dir_all(root).map_err(|error| BenchError::DataDir {
                    root: root.to_owned(),
                    error,
                })?;
                builder.tempdir_in(root)
            }
            None => builder.tempdir(),
        }
        .map_err(|error| BenchError::DataDir {
            root: data_root.map_or_else(std::env::temp_dir, Path::to_owned),
            error,
        })?;

        let mut child = Command::new(herald)
            .arg("serve")
            .arg("--data")
            .arg(data.path())
            .arg("--listen")
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| BenchError::Spawn {
                path: herald.to_owned(),
                error,
            })?;

        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(keep_tail(stderr, Arc::clone(&stderr_tail)));
        }
        let Some(stdout) = child.stdout.take() else {
            return Err(BenchError::NodeExited {
                path: herald.to_owned(),
                status: "no stdout".to_owned(),
                stderr: String::new(),
            });
        };
        let mut lines = BufReader::new(stdout).lines();

        let ready = tokio::time::timeout(STARTUP_TIMEOUT, async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) => {
                        if let Some(url) = line.trim().strip_prefix("listening on ") {
                            return Some(url.trim_end_matches('/').to_owned());
                        }
                    }
                    // EOF or a broken pipe: the node is gone.
                    Ok(None) | Err(_) => return None,
                }
            }
        })
        .await;

        let base_url = match ready {
            Ok(Some(url)) => url,
            Ok(None) => {
                let status = match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
                    Ok(Ok(s)) => s.to_string(),
                    Ok(Err(e)) => format!("unknown status: {e}"),
                    Err(_) => "closed its stdout but is still running".to_owned(),
                };
                // Give the stderr reader a moment to take the last words.
                tokio::time::sleep(Duration::from_millis(200)).await;
                return Err(BenchError::NodeExited {
                    path: herald.to_owned(),
                    status,
                    stderr: tail_text(&stderr_tail),
                });
            }
            Err(_) => {
                return Err(BenchError::NodeNotReady {
                    path: herald.to_owned(),
                    timeout: STARTUP_TIMEOUT,
                    stderr: tail_text(&stderr_tail),
                });
            }
        };
        // Keep draining stdout so the node never blocks writing to it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        Ok(Node {
            child,
            herald: herald.to_owned(),
            base_url,
            data,
            stderr_tail,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The node's peak resident set size so far (VmHWM), in bytes, where /proc has it.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        parse_vm_hwm(&status)
    }

    /// The last lines the node wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        tail_text(&self.stderr_tail)
    }

    /// Whether the node process has exited (it should not, mid-benchmark).
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        }
    }

    /// A readable description of the node for errors.
    pub fn describe(&self) -> String {
        format!("{} at {}", self.herald.display(), self.base_url)
    }

    /// Kills the node, waits for it, and removes its data directory.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        // TempDir removes the directory on drop; the process is gone, so nothing
        // writes into it any more. HERALD_BENCH_KEEP=1 keeps it, to study a loaded node.
        if std::env::var_os("HERALD_BENCH_KEEP").is_some() {
            eprintln!("keeping the node's data in {}", self.data.keep().display());
        } else {
            drop(self.data);
        }
    }
}

/// Total size in bytes of the regular files under `dir` (0 if it does not exist).
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                total += meta.len();
            }
        }
    }
    total
}

/// `VmHWM:    123456 kB` → bytes.
pub(crate) fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

async fn keep_tail(stream: impl AsyncRead + Unpin, tail: Arc<Mutex<VecDeque<String>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut line = line;
        if line.len() > STDERR_LINE_MAX {
            let mut cut = STDERR_LINE_MAX;
            while !line.is_char_boundary(cut) {
                cut -= 1;
            }
            line.truncate(cut);
            line.push('…');
        }
        if let Ok(mut t) = tail.lock() {
            if t.len() == STDERR_TAIL_LINES {
                t.pop_front();
            }
            t.push_back(line);
        }
    }
}

fn tail_text(tail: &Mutex<VecDeque<String>>) -> String {
    match tail.lock() {
        Ok(t) if !t.is_empty() => t.iter().map(String::as_str).collect::<Vec<_>>().join("\n"),
        _ => "(nothing)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\therald\nVmPeak:\t  900 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(51234 * 1024));
        assert_eq!(parse_vm_hwm("Name:\tx\n"), None);
    }

    #[test]
    fn dir_size_adds_nested_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("x"), [0u8; 100]).expect("write");
        std::fs::write(dir.path().join("a/b/y"), [0u8; 23]).expect("write");
        assert_eq!(dir_size(dir.path()), 123);
        assert_eq!(dir_size(&dir.path().join("missing")), 0);
    }

    #[tokio::test]
    async fn a_missing_binary_is_a_clear_error() {
        let err = Node::start(Path::new("/nonexistent/herald"), None)
            .await
            .err()
            .expect("cannot start");
        assert!(err.to_string().contains("/nonexistent/herald"), "{err}");
    }

    #[tokio::test]
    async fn a_node_that_dies_shows_its_stderr() {
        // `sh serve --data …` fails at once, complaining on stderr about the missing
        // script `serve`: a stand-in for a node that cannot start.
        let dir = tempfile::tempdir().expect("temp dir");
        let err = Node::start(Path::new("/bin/sh"), Some(dir.path()))
            .await
            .err()
            .expect("node dies");
        let msg = err.to_string();
        assert!(msg.contains("exited (exit status:"), "{msg}");
        assert!(msg.contains("serve"), "stderr tail missing from: {msg}");
    }
}
