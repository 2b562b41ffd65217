//! Herald's query language (DESIGN §4): one grammar for search, stream filters and alerts.
//!
//! * [`ast`] — the parsed form: [`Query`] nodes, [`Field`]s, [`Value`]s and time bounds.
//! * [`parse`] — a hand-written recursive-descent parser whose errors carry the byte
//!   offset and column of the character that is wrong.
//!
//! ```
//! let q = herald_query::parse("entity:ISIL AND (Mosul OR \"Nineveh plains\") -source:tabloid").unwrap();
//! assert!(q.to_string().contains("entity:"));
//! ```

pub mod ast;
pub mod parse;

pub use ast::{Field, Query, TimeBound, Value};
pub use parse::{QueryError, parse};
