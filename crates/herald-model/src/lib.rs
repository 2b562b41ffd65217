//! Herald's data model: the story, its annotations, ids, and the two forms a story travels in.
//!
//! * [`story`] — [`Story`] and its parts (entities, quotes, figures, topics), in the JSON
//!   form of DESIGN §3 (the API's and the log's form).
//! * [`id`] — story ids derived from a source and the source's identity for the story,
//!   so that ingest is idempotent.
//! * [`text`] — the plain-text story format (headline, bullets, subheads, body) and the
//!   removal of trailing promotional boilerplate.
//!
//! This crate does no I/O; it depends on serde (and `time` for timestamps) only.

pub mod id;
pub mod story;
pub mod text;

pub use id::{StoryId, content_hash, story_id};
pub use story::{Enclosure, Entity, EntityKind, Figure, Mention, Quote, Source, Story, Timestamp, Topic};
pub use text::{ParseError, ParsedText, parse_text};
