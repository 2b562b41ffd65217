//! The fan-out of recorded hits to live `/v1/alerts/stream` subscribers: the story hub's
//! [`FanOut`](crate::hub::FanOut) (bounded queues, never waiting, a subscriber that falls
//! behind cut off and told where to resume) carrying hits ordered by hit_seq.

use super::hits::HitRecord;
use crate::hub::{FanOut, Sequenced, Sub};

/// A hit as it goes out: the record and its JSON, serialised once for everyone.
#[derive(Debug)]
pub struct HitOut {
    pub hit: HitRecord,
    pub json: String,
}

impl Sequenced for HitOut {
    fn seq(&self) -> u64 {
        self.hit.hit_seq
    }
}

/// The live subscribers to hits.
pub type HitHub = FanOut<HitOut>;
/// One subscriber's end: hits with hit_seq above `after`, until the hub drops it.
pub type HitSubscription = Sub<HitOut>;
