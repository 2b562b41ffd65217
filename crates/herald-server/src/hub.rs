//! The fan-out of committed items (stories, alert hits) to live subscribers, each with a
//! bounded queue.
//!
//! The committer calls [`Hub::publish`] after every durable batch (the alert thread its
//! hit hub's). Publishing never waits: a subscriber whose queue is full is dropped on the
//! spot and marked as lagging, so one slow client can never slow the wire or the other
//! subscribers (DESIGN §1).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use herald_model::Story;
use tokio::sync::mpsc;

/// A committed story as it goes out: the story and its JSON, serialised once for everyone.
#[derive(Debug)]
pub struct Published {
    pub story: Story,
    pub json: String,
}

/// What a hub carries: items in increasing sequence (a story's seq, a hit's hit_seq).
pub trait Sequenced {
    fn seq(&self) -> u64;
}

impl Sequenced for Published {
    fn seq(&self) -> u64 {
        self.story.seq
    }
}

/// The live wire of stories.
pub type Hub = FanOut<Published>;
/// A subscriber to the live wire.
pub type Subscription = Sub<Published>;

struct Slot<T> {
    tx: mpsc::Sender<Arc<T>>,
    lagged: Arc<AtomicBool>,
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    /// The highest seq handed to `publish`; a new subscriber receives only what comes after.
    last_seq: u64,
}

/// The set of live subscribers to items of type `T`.
pub struct FanOut<T> {
    inner: Mutex<Inner<T>>,
    queue: usize,
    closed: AtomicBool,
}

/// One subscriber's end: live items with seq above `after`, until the hub drops it.
pub struct Sub<T> {
    pub rx: mpsc::Receiver<Arc<T>>,
    /// The seq the hub had published when this subscription began: items up to and
    /// including it must come from the log, later ones arrive on `rx`.
    pub after: u64,
    lagged: Arc<AtomicBool>,
}

impl<T> Sub<T> {
    /// True if the hub cut this subscriber off because its queue was full.
    pub fn lagged(&self) -> bool {
        self.lagged.load(Ordering::Acquire)
    }
}

impl<T: Sequenced> FanOut<T> {
    /// A hub whose subscribers may each have `queue` items waiting.
    pub fn new(queue: usize, last_seq: u64) -> FanOut<T> {
        FanOut {
            inner: Mutex::new(Inner {
                slots: Vec::new(),
                last_seq,
            }),
            queue: queue.max(1),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic while holding this lock cannot leave the Vec half-updated, so a poisoned
        // lock is still safe to use.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a subscriber.
    pub fn subscribe(&self) -> Sub<T> {
        let (tx, rx) = mpsc::channel(self.queue);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut inner = self.lock();
        // After close, the sender is dropped at once, so the subscription ends right away.
        if !self.closed.load(Ordering::Acquire) {
            inner.slots.push(Slot {
                tx,
                lagged: lagged.clone(),
            });
        }
        Sub {
            rx,
            after: inner.last_seq,
            lagged,
        }
    }

    /// Hands committed items (in seq order) to every subscriber, without waiting.
    pub fn publish(&self, batch: &[Arc<T>]) {
        let mut inner = self.lock();
        if let Some(last) = batch.last() {
            inner.last_seq = inner.last_seq.max(last.seq());
        }
        inner.slots.retain(|slot| {
            for p in batch {
                match slot.tx.try_send(p.clone()) {
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

    /// How many subscribers are connected.
    pub fn subscribers(&self) -> usize {
        let mut inner = self.lock();
        inner.slots.retain(|s| !s.tx.is_closed());
        inner.slots.len()
    }

    /// Drops every subscriber (at shutdown), so their streams end.
    pub fn close(&self) {
        let mut inner = self.lock();
        self.closed.store(true, Ordering::Release);
        inner.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn story(seq: u64) -> Arc<Published> {
        Arc::new(Published {
            story: Story {
                seq,
                headline: format!("s{seq}"),
                ..Default::default()
            },
            json: String::new(),
        })
    }

    #[test]
    fn slow_subscriber_is_cut_without_blocking_others() {
        let hub = Hub::new(2, 0);
        let mut fast = hub.subscribe();
        let slow = hub.subscribe();
        for seq in 1..=5 {
            hub.publish(&[story(seq)]);
            // The fast one keeps up; the slow one never reads.
            assert_eq!(fast.rx.try_recv().unwrap().story.seq, seq);
        }
        assert!(slow.lagged());
        assert!(!fast.lagged());
        assert_eq!(hub.subscribers(), 1);
    }

    #[test]
    fn new_subscriber_starts_after_last_published() {
        let hub = Hub::new(8, 10);
        hub.publish(&[story(11), story(12)]);
        let s = hub.subscribe();
        assert_eq!(s.after, 12);
    }
}
