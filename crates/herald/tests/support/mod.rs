//! Test support: the real `herald` binary as a child process on a loopback port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const HERALD: &str = env!("CARGO_BIN_EXE_herald");

/// A `herald serve` process.
pub struct Served {
    pub child: Child,
    pub base: String,
}

impl Served {
    /// Starts a node on `data` and waits for its "listening on" line.
    pub fn start(data: &Path) -> Served {
        let mut child = Command::new(HERALD)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("HERALD_LOG", "warn")
            .env("HERALD_INDEX_COMMIT_MS", "50")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("herald starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads the ready line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Served { child, base }
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM and wait for a clean exit.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "clean shutdown: {status}");
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let r = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
            let s = r.status().as_u16();
            (s, r.json().await.unwrap_or(Value::Null))
        })
    }

    /// Waits until every story in the log is searchable.
    pub fn wait_indexed(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (_, h) = self.get("/healthz");
            if h["indexed_seq"] == h["last_seq"] {
                return h;
            }
            assert!(Instant::now() < deadline, "index never caught up: {h}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the CLI with `HERALD_URL` set, feeding `stdin`.
pub fn cli(base: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(HERALD)
        .args(args)
        .env("HERALD_URL", base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stories")
}
