//! The fan-out of recorded hits to live `/v1/alerts/stream` subscribers, each with a
//! bounded queue: publishing never waits, and a subscriber that falls behind is cut off
//! and told where to resume (the same rules as the story hub, [`crate::hub`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::hits::HitRecord;

/// A hit as it goes out: the record and its JSON, serialised once for everyone.
#[derive(Debug)]
pub struct HitOut {
    pub hit: HitRecord,
    pub json: String,
}

struct Slot {
    tx: mpsc::Sender<Arc<HitOut>>,
    lagged: Arc<AtomicBool>,
}

struct Inner {
    slots: Vec<Slot>,
    last_hit: u64,
}

/// The live subscribers to hits.
pub struct HitHub {
    inner: Mutex<Inner>,
    queue: usize,
    closed: AtomicBool,
}

/// One subscriber's end: hits with hit_seq above `after`, until the hub drops it.
pub struct HitSubscription {
    pub rx: mpsc::Receiver<Arc<HitOut>>,
    /// Hits up to and including this hit_seq must come from the hits log.
    pub after: u64,
    lagged: Arc<AtomicBool>,
}

impl HitSubscription {
    /// True if the hub cut this subscriber off because its queue was full.
    pub fn lagged(&self) -> bool {
        self.lagged.load(Ordering::Acquire)
    }
}

impl HitHub {
    pub fn new(queue: usize, last_hit: u64) -> HitHub {
        HitHub {
            inner: Mutex::new(Inner {
                slots: Vec::new(),
                last_hit,
            }),
            queue: queue.max(1),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here can be left half-updated by a panic: a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn subscribe(&self) -> HitSubscription {
        let (tx, rx) = mpsc::channel(self.queue);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut inner = self.lock();
        if !self.closed.load(Ordering::Acquire) {
            inner.slots.push(Slot {
                tx,
                lagged: lagged.clone(),
            });
        }
        HitSubscription {
            rx,
            after: inner.last_hit,
            lagged,
        }
    }

    /// Hands durable hits (in hit_seq order) to every subscriber, without waiting.
    pub fn publish(&self, batch: &[Arc<HitOut>]) {
        let mut inner = self.lock();
        if let Some(last) = batch.last() {
            inner.last_hit = inner.last_hit.max(last.hit.hit_seq);
        }
        inner.slots.retain(|slot| {
            for h in batch {
                match slot.tx.try_send(h.clone()) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        slot.lagged.store(true, Ordering::Release);
                        return false;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return false,
                }
            }
            true
        });
    }

    /// Drops every subscriber (at shutdown), so their streams end.
    pub fn close(&self) {
        let mut inner = self.lock();
        self.closed.store(true, Ordering::Release);
        inner.slots.clear();
    }
}
