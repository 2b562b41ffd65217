//! Herald's load tool as a library: the synthetic news generator and the benchmark harness.
//!
//! * [`generator`] — deterministic, plausible news stories and search queries.
//! * [`node`] — a real `herald serve` on loopback, on a throwaway data directory.
//! * [`client`], [`sse`] — the HTTP calls and the event-stream parser the scenarios use.
//! * [`scenario`] — latency, throughput and search benchmarks, each on its own node.
//! * [`report`], [`stats`] — percentiles, plain-text and Markdown results, targets.

pub mod client;
pub mod error;
#[path = "gen.rs"]
pub mod generator;
pub mod node;
pub mod report;
pub mod scenario;
pub mod sse;
pub mod stats;
mod templates;
mod vocab;

pub use error::BenchError;
