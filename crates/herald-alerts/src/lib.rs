//! Herald's standing-query matching. For now, the naive evaluator ([`naive`]) that
//! decides whether one story satisfies one query; the live stream uses it as its filter
//! and the alerts issue builds the indexed matcher on top (and proves it against this).

pub mod naive;

pub use naive::matches;
