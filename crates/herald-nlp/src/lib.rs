//! Herald's language layer: the analyzer that turns text into search terms, and enrichment.
//!
//! * [`analyzer`] — tokens with byte offsets, lowercased and stemmed. The search index and
//!   the standing-query matcher both use it, so a word matches the same way in both.
//! * [`enrich`] — the enrichment pipeline (entities, quotes, figures, topics, bullets).
//!   For now it fills in only what needs no knowledge base: the language guess and
//!   bullets; the enrichment issue builds the rest.
//! * [`kb`] — the knowledge base (`kb/` TSV files, embedded) and its alias index.
//!
//! Pure: no I/O (except [`Kb::from_dir`], which reads the directory its caller names), no
//! clock, no global mutable state.

pub mod analyzer;
pub mod boilerplate;
pub mod bullets;
pub mod enrich;
pub mod eval;
pub mod figures;
pub mod fingerprint;
pub mod kb;
pub mod lang;
pub mod names;
pub mod quotes;
pub mod sentences;
pub mod topics;

pub use analyzer::{Analyzer, Token, analyze, normalize_term};
pub use enrich::{ENRICHER_VERSION, EnrichReport, Enricher, LearnedAlias, enrich};
pub use kb::{EntityIdx, Kb, KbBuilder, KbEntity, KbError, KbMatch};
