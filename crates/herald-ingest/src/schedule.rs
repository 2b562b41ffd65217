//! When to poll a feed next: adaptive intervals, server hints, back-off, jitter.
//!
//! A feed is polled about twice per gap between its items, so a wire that posts every
//! two minutes is polled every minute and a weekly blog every few hours; the interval
//! stays between [`MIN_INTERVAL`] and [`MAX_INTERVAL`]. A publisher's own hints (RSS
//! `ttl`, `Cache-Control: max-age`, `Retry-After`, `skipHours`) are minimums we honour,
//! failures back off exponentially, and every interval gets ±10% jitter so thousands of
//! feeds added at once do not stay in lock-step.

use std::time::Duration;

/// The shortest interval between two polls of one feed.
pub const MIN_INTERVAL: Duration = Duration::from_secs(30);
/// The longest interval between two polls of a feed that is alive.
pub const MAX_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// The interval for a feed whose items carry no usable times.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The first back-off after a failure; doubled for each further failure, up to [`MAX_INTERVAL`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(60);
/// How many item times the estimate looks at.
pub const HISTORY: usize = 16;

/// What a publisher told us about how often to come back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// RSS `<ttl>`, minutes.
    pub ttl_minutes: Option<u32>,
    /// `Cache-Control: max-age` or `Expires`.
    pub max_age: Option<Duration>,
    /// `Retry-After` on a 429 or 503.
    pub retry_after: Option<Duration>,
    /// RSS `<skipHours>`: hours (UTC, 0–23) in which the feed asks not to be polled.
    pub skip_hours: Vec<u8>,
}

/// The interval that a feed's publishing rhythm calls for.
///
/// `item_times` are Unix seconds of the feed's recent items (publication times, or when
/// Herald first saw them), in any order; `now` is Unix seconds. The estimate is half the
/// median gap between consecutive items; a feed that has gone quiet for longer than that
/// gap is polled less often (half the time since its last item), so a dead feed drifts to
/// [`MAX_INTERVAL`] and wakes up again when it posts.
pub fn adaptive_interval(item_times: &[i64], now: i64) -> Duration {
    let mut times: Vec<i64> = item_times.iter().copied().filter(|t| *t <= now).collect();
    times.sort_unstable();
    times.dedup();
    if times.len() > HISTORY {
        times.drain(..times.len() - HISTORY);
    }
    let Some(&last) = times.last() else {
        return DEFAULT_INTERVAL;
    };
    let since_last = (now - last).max(0) as u64;
    if times.len() < 2 {
        return clamp(Duration::from_secs(
            (since_last / 2).max(DEFAULT_INTERVAL.as_secs()),
        ));
    }
    let mut gaps: Vec<u64> = times.windows(2).map(|w| (w[1] - w[0]) as u64).collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    clamp(Duration::from_secs(median.max(since_last) / 2))
}

fn clamp(d: Duration) -> Duration {
    d.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// The back-off after `failures` consecutive failures (0 = none).
pub fn backoff(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 1u64
        .checked_shl(failures.saturating_sub(1).min(20))
        .unwrap_or(u64::MAX);
    Duration::from_secs(FIRST_BACKOFF.as_secs().saturating_mul(factor)).min(MAX_INTERVAL)
}

/// How long to wait before the next poll: the adaptive interval raised to the publisher's
/// hints and to the failure back-off, clamped, with ±10% jitter from `jitter_seed`.
pub fn next_delay(adaptive: Duration, hints: &Hints, failures: u32, jitter_seed: u64) -> Duration {
    let mut d = adaptive;
    if let Some(ttl) = hints.ttl_minutes {
        d = d.max(Duration::from_secs(u64::from(ttl) * 60));
    }
    if let Some(age) = hints.max_age {
        d = d.max(age);
    }
    d = clamp(d.max(backoff(failures)));
    // Retry-After is the server's explicit word: honour it even past the usual ceiling
    // (up to a day, so a mistaken header cannot silence a feed for good).
    if let Some(ra) = hints.retry_after {
        d = d.max(ra.min(Duration::from_secs(24 * 3600)));
    }
    jitter(d, jitter_seed)
}

/// `d` moved by up to ±10%, deterministically from `seed`.
pub fn jitter(d: Duration, seed: u64) -> Duration {
    // splitmix64: a well-spread value from any seed.
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    // A factor in [0.9, 1.1).
    let permille = 900 + (z % 200);
    Duration::from_millis((d.as_millis() as u64).saturating_mul(permille) / 1000)
}

/// The first time at or after `at` (Unix seconds) whose UTC hour is not in `skip_hours`.
/// If every hour is skipped the feed is polled anyway (the hint cannot mean "never").
pub fn skip_hours(at: i64, skip: &[u8]) -> i64 {
    if skip.is_empty() || (0..24u8).all(|h| skip.contains(&h)) {
        return at;
    }
    let mut t = at;
    for _ in 0..24 {
        let hour = (t.rem_euclid(86_400) / 3600) as u8;
        if !skip.contains(&hour) {
            return t;
        }
        // To the start of the next hour.
        t = t - t.rem_euclid(3600) + 3600;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    #[test]
    fn a_busy_wire_is_polled_at_half_its_gap_a_quiet_blog_rarely() {
        let wire: Vec<i64> = (0..20).map(|i| NOW - 120 * i).collect();
        assert_eq!(adaptive_interval(&wire, NOW), Duration::from_secs(60));
        let burst: Vec<i64> = (0..20).map(|i| NOW - 5 * i).collect();
        assert_eq!(adaptive_interval(&burst, NOW), MIN_INTERVAL, "never under 30 s");
        let weekly: Vec<i64> = (0..10).map(|i| NOW - 7 * 86_400 * i).collect();
        assert_eq!(adaptive_interval(&weekly, NOW), MAX_INTERVAL, "never over 6 h");
        let daily: Vec<i64> = (0..10).map(|i| NOW - 3600 * 4 * i).collect();
        assert_eq!(adaptive_interval(&daily, NOW), Duration::from_secs(7200));
    }

    #[test]
    fn a_feed_that_went_quiet_slows_down() {
        // Used to post every 2 minutes, silent for the last 3 hours.
        let times: Vec<i64> = (0..20).map(|i| NOW - 3 * 3600 - 120 * i).collect();
        assert_eq!(adaptive_interval(&times, NOW), Duration::from_secs(3 * 3600 / 2));
    }

    #[test]
    fn no_times_means_the_default_and_future_times_are_ignored() {
        assert_eq!(adaptive_interval(&[], NOW), DEFAULT_INTERVAL);
        assert_eq!(
            adaptive_interval(&[NOW + 10_000, NOW + 20_000], NOW),
            DEFAULT_INTERVAL
        );
    }

    #[test]
    fn hints_raise_the_interval_and_failures_back_off() {
        let base = Duration::from_secs(60);
        let ttl = Hints {
            ttl_minutes: Some(60),
            ..Hints::default()
        };
        let d = next_delay(base, &ttl, 0, 7);
        assert!(
            d >= Duration::from_secs(3240) && d <= Duration::from_secs(3960),
            "{d:?}"
        );
        let age = Hints {
            max_age: Some(Duration::from_secs(600)),
            ..Hints::default()
        };
        let d = next_delay(base, &age, 0, 7);
        assert!(
            d >= Duration::from_secs(540) && d <= Duration::from_secs(660),
            "{d:?}"
        );
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(3), Duration::from_secs(240));
        assert_eq!(backoff(60), MAX_INTERVAL);
        let ra = Hints {
            retry_after: Some(Duration::from_secs(10 * 3600)),
            ..Hints::default()
        };
        assert!(next_delay(base, &ra, 1, 7) >= Duration::from_secs(9 * 3600));
    }

    #[test]
    fn jitter_spreads_within_ten_percent() {
        let d = Duration::from_secs(1000);
        let spread: Vec<Duration> = (0..1000).map(|s| jitter(d, s)).collect();
        assert!(
            spread
                .iter()
                .all(|j| *j >= Duration::from_secs(900) && *j < Duration::from_secs(1100))
        );
        let distinct: std::collections::HashSet<_> = spread.iter().collect();
        assert!(distinct.len() > 100, "jitter must actually vary");
    }

    #[test]
    fn skip_hours_moves_to_the_next_allowed_hour() {
        // NOW is 2026-11-18 ... whatever hour; build a time at 03:15 UTC.
        let midnight = NOW - NOW.rem_euclid(86_400);
        let t = midnight + 3 * 3600 + 900;
        assert_eq!(skip_hours(t, &[3, 4]), midnight + 5 * 3600);
        assert_eq!(skip_hours(t, &[5]), t);
        let all: Vec<u8> = (0..24).collect();
        assert_eq!(skip_hours(t, &all), t);
        assert_eq!(skip_hours(midnight + 23 * 3600 + 1, &[23]), midnight + 86_400);
    }
}
