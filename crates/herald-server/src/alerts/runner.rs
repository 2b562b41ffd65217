//! The matching thread: every committed story, in seq order, through the live matcher;
//! each hit through the alert's noise control (near-duplicate folding, rate limit), then
//! recorded in the hits log (one fsync per batch), published to the hit hub and handed
//! to the alert's webhook task. Like the indexer, it takes stories from a bounded queue
//! while it keeps up and reads whatever it missed back from the log.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc as std_mpsc};
use std::time::{Duration, Instant};

use herald_alerts::Scratch;
use herald_model::Story;
use herald_store::stories::StoryReader;
use time::OffsetDateTime;
use tracing::{error, info};

use super::Alerts;
use super::hits::{HitRecord, HitsLog, StorySummary};
use super::hub::HitOut;
use crate::hub::Published;
use crate::intake::Intake;

/// Stories taken from the queue, or read from the log, at a time.
const CHUNK: usize = 1024;
/// How often a "processed up to" mark is written while stories produce no hits.
const MARK_EVERY: Duration = Duration::from_secs(1);
/// The rate limit's window.
const MINUTE: Duration = Duration::from_secs(60);

/// One alert's rate-limit state: when its recent hits went out, and how many it held back.
#[derive(Default)]
struct Limit {
    recent: VecDeque<Instant>,
    suppressed: u64,
}

impl Limit {
    /// Whether one more hit may go out at `now` under a limit of `per_min`: `Some(K)` with
    /// the K hits held back since the last one that went out, or `None` (held back).
    fn admit(&mut self, per_min: u32, now: Instant) -> Option<u64> {
        while self
            .recent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE)
        {
            self.recent.pop_front();
        }
        if self.recent.len() >= per_min as usize {
            self.suppressed += 1;
            return None;
        }
        self.recent.push_back(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

struct Matching {
    scratch: Scratch,
    limits: HashMap<u64, Limit>,
}

impl Matching {
    /// Appends the hits `story` makes to `out`, numbered from `next_hit`.
    fn story(&mut self, alerts: &Alerts, story: &Story, next_hit: &mut u64, out: &mut Vec<HitRecord>) {
        let live = alerts.read_live();
        if live.by_num.is_empty() {
            return;
        }
        let now = Instant::now();
        let at = OffsetDateTime::now_utc();
        // Built once per story and cloned into its hits.
        let mut summary: Option<StorySummary> = None;
        // Borrowed hits: a hit's terms become strings only if it passes noise control.
        for hit in live.matcher.match_story(story, &mut self.scratch).iter() {
            let Some(alert) = live.by_num.get(&hit.id) else {
                continue;
            };
            if story.seq <= alert.after_seq || (alert.fold_duplicates && story.duplicate_of.is_some()) {
                continue;
            }
            let suppressed = match alert.rate_limit_per_min {
                Some(n) => match self.limits.entry(hit.id).or_default().admit(n, now) {
                    Some(held_back) => held_back,
                    None => continue,
                },
                None => 0,
            };
            out.push(HitRecord {
                hit_seq: *next_hit,
                alert_id: alert.id.clone(),
                alert_name: alert.name.clone(),
                terms: hit.terms().map(str::to_owned).collect(),
                story: summary.get_or_insert_with(|| StorySummary::of(story)).clone(),
                at,
                suppressed,
            });
            *next_hit += 1;
        }
        // Forget limits of removed alerts, so the map stays as small as the alert set.
        if self.limits.len() > live.by_num.len() * 2 + 16 {
            self.limits.retain(|n, _| live.by_num.contains_key(n));
        }
    }

    /// Matches a batch of consecutive stories and records its hits; false if the hits
    /// log could not be written (the batch is then matched again later).
    fn batch(&mut self, alerts: &Alerts, log: &mut HitsLog, batch: &[Arc<Published>]) -> bool {
        let Some(last) = batch.last().map(|p| p.story.seq) else {
            return true;
        };
        let mut next_hit = log.next_hit_seq();
        let mut out = Vec::new();
        for p in batch {
            self.story(alerts, &p.story, &mut next_hit, &mut out);
        }
        if out.is_empty() {
            log.advance(last);
            return true;
        }
        // Serialized once: the same line goes to the hits log and to every stream.
        let published: Vec<Arc<HitOut>> = out
            .into_iter()
            .map(|hit| {
                let json = serde_json::to_string(&hit).unwrap_or_default();
                Arc::new(HitOut { hit, json })
            })
            .collect();
        let lines: Vec<(u64, &str)> = published
            .iter()
            .map(|h| (h.hit.hit_seq, h.json.as_str()))
            .collect();
        if let Err(e) = log.append_lines(&lines, last) {
            error!(error = %e, "cannot record alert hits; retrying");
            return false;
        }
        {
            let mut stats = super::lock(&alerts.stats);
            for h in &published {
                let s = stats.entry(h.hit.alert_id.clone()).or_default();
                s.count += 1;
                s.last_at = Some(h.hit.at);
            }
        }
        alerts.hub.publish(&published);
        let mut woken: Vec<&str> = published.iter().map(|h| h.hit.alert_id.as_str()).collect();
        woken.sort_unstable();
        woken.dedup();
        for id in woken {
            if let Some(num) = super::store::Alert::num_of(id) {
                alerts.webhooks.wake(num);
            }
        }
        true
    }
}

pub(super) fn run(
    alerts: &Alerts,
    mut log: HitsLog,
    reader: &StoryReader,
    queue: &std_mpsc::Receiver<Arc<Published>>,
    overflowed: &AtomicBool,
) {
    let mut m = Matching {
        scratch: Scratch::default(),
        limits: HashMap::new(),
    };
    let mut intake = Intake::new(reader, queue, overflowed, log.processed() + 1);
    let mut last_mark = Instant::now();
    loop {
        // While the hits log wants room, look for stories without waiting and make room
        // (a piece at a time) when there are none.
        let idle_work = log.wants_room();
        let (batch, read) = intake.take(if idle_work { Duration::ZERO } else { MARK_EVERY }, CHUNK);
        if idle_work
            && batch.is_empty()
            && read.is_ok()
            && let Err(e) = log.preallocate_step()
        {
            error!(error = %e, "cannot preallocate the hits log; recording goes on without");
        }
        let mut failed = false;
        if let Err(e) = read {
            error!(error = %e, "cannot read the log for alert matching");
            failed = true;
        }
        if let Some(first) = batch.first().map(|p| p.story.seq)
            && !m.batch(alerts, &mut log, &batch)
        {
            // Match the batch again from the log once the disk lets us write.
            intake.rewind(first);
            failed = true;
        }
        if last_mark.elapsed() >= MARK_EVERY || !intake.open() {
            if let Err(e) = log.flush_mark() {
                error!(error = %e, "cannot record how far alert matching got");
            }
            last_mark = Instant::now();
        }
        if !intake.open() && (intake.caught_up() || failed) {
            break;
        }
        if failed {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
    info!(processed = log.processed(), "alert matching stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_holds_back_the_excess_and_reports_it_with_the_next_hit() {
        let mut limit = Limit::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(limit.admit(2, at(0)), Some(0));
        assert_eq!(limit.admit(2, at(10)), Some(0));
        assert_eq!(limit.admit(2, at(20)), None);
        assert_eq!(limit.admit(2, at(59)), None);
        // A minute after the first hit, one slot is free again: it carries the count.
        assert_eq!(limit.admit(2, at(60)), Some(2));
        assert_eq!(limit.admit(2, at(61)), None);
        assert_eq!(limit.admit(2, at(130)), Some(1));
    }
}
