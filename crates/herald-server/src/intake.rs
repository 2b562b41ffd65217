//! What the log's followers (the indexer, alert matching) take next: the stories the
//! committer handed over, in seq order, or — across a gap, after their queue overflowed,
//! at start-up or at shutdown — the same stories read back from the log.
//!
//! The committer never waits on a follower: it hands each committed story to a bounded
//! queue with `try_send` and, when the queue is full, only raises `overflowed`. The
//! follower then reads what it missed from the log, so nothing is skipped and nothing is
//! taken twice.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use herald_model::Story;
use herald_store::stories::StoryReader;

use crate::hub::Published;

/// One follower's intake.
pub(crate) struct Intake<'a> {
    reader: &'a StoryReader,
    queue: &'a std_mpsc::Receiver<Arc<Published>>,
    overflowed: &'a AtomicBool,
    pending: VecDeque<Arc<Published>>,
    /// The seq of the next story to take.
    next: u64,
    /// False once the committer has gone (shutdown): the rest comes from the log.
    open: bool,
    /// Whether the log may hold stories the queue will not bring.
    catching_up: bool,
}

impl<'a> Intake<'a> {
    /// An intake that takes stories from seq `next` on.
    pub(crate) fn new(
        reader: &'a StoryReader,
        queue: &'a std_mpsc::Receiver<Arc<Published>>,
        overflowed: &'a AtomicBool,
        next: u64,
    ) -> Intake<'a> {
        Intake {
            catching_up: reader.last_seq() >= next,
            reader,
            queue,
            overflowed,
            pending: VecDeque::new(),
            next,
            open: true,
        }
    }

    /// Stories committed but not yet taken.
    pub(crate) fn behind(&self) -> u64 {
        self.reader.last_seq().saturating_sub(self.next.saturating_sub(1))
    }

    /// False once the committer is gone (the node is stopping).
    pub(crate) fn open(&self) -> bool {
        self.open
    }

    /// Everything committed so far has been taken.
    pub(crate) fn caught_up(&self) -> bool {
        self.pending.is_empty() && self.reader.last_seq() < self.next
    }

    /// Goes back to `seq` (a batch that must be done again): it comes back from the log.
    pub(crate) fn rewind(&mut self, seq: u64) {
        self.next = seq;
        self.pending.clear();
        self.catching_up = true;
    }

    /// Up to `chunk` stories from `next` on, in seq order, waiting up to `wait` for the
    /// committer only when there is nothing else to do. An error reading the log comes
    /// back after the stories gathered before it.
    pub(crate) fn take(
        &mut self,
        wait: Duration,
        chunk: usize,
    ) -> (Vec<Arc<Published>>, Result<(), herald_store::stories::StoreError>) {
        if self.open {
            if self.pending.is_empty() && !self.catching_up {
                match self.queue.recv_timeout(wait.max(Duration::from_millis(1))) {
                    Ok(p) => self.pending.push_back(p),
                    Err(std_mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std_mpsc::RecvTimeoutError::Disconnected) => self.open = false,
                }
            }
            while self.pending.len() < chunk {
                match self.queue.try_recv() {
                    Ok(p) => self.pending.push_back(p),
                    Err(std_mpsc::TryRecvError::Empty) => break,
                    Err(std_mpsc::TryRecvError::Disconnected) => {
                        self.open = false;
                        break;
                    }
                }
            }
        }
        if self.overflowed.swap(false, Ordering::AcqRel) || !self.open {
            self.catching_up = true;
        }
        while self.pending.front().is_some_and(|p| p.story.seq < self.next) {
            self.pending.pop_front();
        }
        let mut batch = Vec::new();
        if self.pending.front().is_some_and(|p| p.story.seq == self.next) {
            while let Some(p) = self.pending.front().filter(|p| p.story.seq == self.next).cloned() {
                self.pending.pop_front();
                self.next = p.story.seq + 1;
                batch.push(p);
                if batch.len() >= chunk {
                    break;
                }
            }
            return (batch, Ok(()));
        }
        // A gap before the next queued story, or nothing queued while the log may be
        // ahead: read the missing stories back from the log.
        let upto = self.pending.front().map(|p| p.story.seq - 1);
        if upto.is_none() && !self.catching_up {
            return (batch, Ok(()));
        }
        let mut next = self.next;
        let res = self.reader.scan_from(next, |story: Story| {
            if upto.is_some_and(|u| story.seq > u) {
                return ControlFlow::Break(());
            }
            next = story.seq + 1;
            batch.push(Arc::new(Published {
                story,
                json: String::new(),
            }));
            if batch.len() >= chunk {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        self.next = next;
        if res.is_ok()
            && let Some(u) = upto
            && batch.len() < chunk
        {
            // The log has no story between here and the queued one.
            self.next = self.next.max(u + 1);
        }
        if self.reader.last_seq() < self.next {
            self.catching_up = false;
        }
        (batch, res.map(|_| ()))
    }
}
