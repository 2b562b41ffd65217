//! The backtest: how many stories of the last N days a query would have hit, per UTC day
//! (zero-filled), and the latest examples, so an alert can be tuned before it goes live.

use herald_query::{Query, TimeBound};
use herald_store::index::{IndexError, IndexHandle, SearchOptions, Sort};
use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, Time};

/// Longest backtest window, in days.
pub const MAX_DAYS: u32 = 366;
/// How many of the latest hits are shown.
pub const EXAMPLES: usize = 5;

/// Hits on one UTC date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: String,
    pub hits: usize,
}

/// One of the latest matching stories.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub id: String,
    pub seq: u64,
    pub headline: String,
    pub source: super::hits::SourceSummary,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    pub url: Option<String>,
}

/// The answer of `POST /v1/alerts/test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    pub days: u32,
    /// The start of the window: `days` days before now.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    pub total: usize,
    /// Every UTC date from `since`'s to today's, oldest first.
    pub per_day: Vec<Day>,
    /// The latest hits, newest first.
    pub examples: Vec<Example>,
}

/// Whether a query holds `since:` or `until:` anywhere.
pub fn has_time_bound(q: &Query) -> bool {
    match q {
        Query::Since(_) | Query::Until(_) => true,
        Query::And(qs) | Query::Or(qs) => qs.iter().any(has_time_bound),
        Query::Not(q) => has_time_bound(q),
        Query::Match { .. } => false,
    }
}

fn midnight(d: Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_utc()
}

fn bounded(q: &Query, from: OffsetDateTime, to: Option<OffsetDateTime>) -> Query {
    let mut parts = vec![q.clone(), Query::Since(TimeBound::At(from))];
    if let Some(t) = to {
        parts.push(Query::Until(TimeBound::At(t)));
    }
    Query::And(parts)
}

/// Runs the backtest of `q` (which must hold no time bound) over the `days` days before `now`.
pub fn run(index: &IndexHandle, q: &Query, days: u32, now: OffsetDateTime) -> Result<Backtest, IndexError> {
    let since = now - Duration::days(i64::from(days));
    let count = |query: &Query| {
        index
            .search(
                query,
                &SearchOptions {
                    limit: 0,
                    offset: 0,
                    sort: Sort::Time,
                    now,
                },
            )
            .map(|r| r.total)
    };
    let mut per_day = Vec::new();
    let mut total = 0;
    let mut date = since.date();
    let today = now.date();
    while date <= today {
        let next = date.next_day();
        let from = midnight(date).max(since);
        // The last day is open-ended, so that the days add up to the whole window.
        let to = next.filter(|_| date < today).map(midnight);
        let hits = count(&bounded(q, from, to))?;
        total += hits;
        per_day.push(Day {
            date: date.to_string(),
            hits,
        });
        match next {
            Some(n) => date = n,
            None => break,
        }
    }
    let latest = index.search(
        &bounded(q, since, None),
        &SearchOptions {
            limit: EXAMPLES,
            offset: 0,
            sort: Sort::Time,
            now,
        },
    )?;
    let examples = latest
        .hits
        .into_iter()
        .map(|h| Example {
            id: h.id,
            seq: h.seq,
            headline: h.headline,
            source: super::hits::SourceSummary {
                id: h.source_id,
                name: h.source_name,
            },
            published_at: h.published_at,
            url: h.url,
        })
        .collect();
    Ok(Backtest {
        days,
        since,
        total,
        per_day,
        examples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_are_found_at_any_depth() {
        let q = |s: &str| herald_query::parse(s).unwrap();
        assert!(has_time_bound(&q("harbour AND (strike OR NOT since:7d)")));
        assert!(has_time_bound(&q("until:2026-01-01")));
        assert!(!has_time_bound(&q("harbour strike -source:tabloid")));
    }
}
