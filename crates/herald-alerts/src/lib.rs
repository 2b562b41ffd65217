//! Herald's standing-query matching: the naive evaluator ([`naive`]) that decides whether
//! one story satisfies one query, and the indexed [`Matcher`] that matches a story
//! against many alerts at once (presearch, then exact verification) and is proven
//! against the naive evaluator.

pub mod matcher;
pub mod naive;

pub use matcher::{AlertId, Hit, HitRef, MatchError, MatchStats, Matcher, Matches, Scratch};
pub use naive::matches;
