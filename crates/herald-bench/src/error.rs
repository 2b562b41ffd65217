//! The harness's errors: what went wrong talking to, starting or measuring a node, and where.
//!
//! Messages carry their cause's text themselves (fields are named `error`, not
//! `source`), so printing an error once says everything, and printing its chain
//! does not say it twice.

use std::path::PathBuf;
use std::time::Duration;

/// Anything that stops a benchmark scenario from producing a result.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot start the node {path}: {error}")]
    Spawn { path: PathBuf, error: std::io::Error },
    #[error("the node {path} exited ({status}) before it was ready; its stderr ended with:\n{stderr}")]
    NodeExited {
        path: PathBuf,
        status: String,
        stderr: String,
    },
    #[error(
        "the node {path} printed no `listening on http://…` line within {timeout:?}; its stderr ended with:\n{stderr}"
    )]
    NodeNotReady {
        path: PathBuf,
        timeout: Duration,
        stderr: String,
    },
    #[error("cannot create a data directory under {root}: {error}")]
    DataDir { root: PathBuf, error: std::io::Error },
    /// `message` holds the whole cause chain (reqwest's own message leaves out the cause).
    #[error("request to {url} failed: {message}")]
    Http { url: String, message: String },
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("{url} sent a response that is not the expected JSON: {error}")]
    BadJson { url: String, error: serde_json::Error },
    #[error("the stream {url} broke: {message}")]
    Stream { url: String, message: String },
    #[error(
        "the node acknowledged none of the stories the {scenario} scenario published; the first error was: {first_error}"
    )]
    NothingAcknowledged {
        scenario: &'static str,
        first_error: String,
    },
    #[error("invalid benchmark parameter: {0}")]
    Param(String),
    #[error("the {scenario} scenario did not finish within its deadline of {deadline:?}")]
    Deadline {
        scenario: &'static str,
        deadline: Duration,
    },
    #[error(
        "the index did not catch up with the log within {timeout:?} (indexed {indexed_seq} of {last_seq})"
    )]
    IndexLag {
        timeout: Duration,
        indexed_seq: u64,
        last_seq: u64,
    },
}
