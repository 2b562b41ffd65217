//! `herald-bench alerts`: the standing-query matcher under 10⁴…10⁶ realistic alerts, with
//! naive evaluation of every alert beside it where that finishes in reasonable time.
//!
//! In process, one thread (the figures are per core). Stories come from the synthetic
//! generator, enriched with the embedded knowledge base so they carry real entities.
//! Alerts are drawn per index (alert `i` of a seed is always the same), so a set of
//! 1,000,000 is grown from the set of 100,000 and never held twice as text.
//!
//! The mix (see [`AlertMaker::text`]) is dominated by entity and multi-term alerts, as a
//! real population is: 20 % a single watched name, 20 % a name with a word, 10 % a name
//! with a NOT, 4 % two names, 3 % a name in a topic, 5 % a prefix with a name, 10 % OR
//! lists of names and tickers, 10 % phrases (two in three beside a name), 10 % AND of
//! plain words, 5 % a word behind a broad filter (`lang:en x`, `source:y x`), 3 %
//! `said:`, one in 10,000 purely negative. Per story it yields a few hundred hits
//! (`hits/story` in the report), most from names in the news, which the generator's
//! small cast repeats far more often than real news would.
//!
//! `--mix v1` is the first mix, kept to compare: there the word behind a broad filter is
//! drawn Zipf-weighted by how often words occur in the stories, so the most watched
//! words are the commonest words of the corpus and 5 % of alerts give over half of all
//! hits (about 340 of 614 per story). `v2` (the default) draws it as topical watch words
//! are chosen: uniformly over the news vocabulary (how popular a word is with people
//! who set alerts is not how often stories use it). Everything else is the same draw.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use herald_alerts::{AlertId, Matcher, Scratch, naive};
use herald_bench::generator::{Generator, PHRASES};
use herald_bench::stats::{Samples, Summary, ms};
use herald_model::{EntityKind, Source, Story};
use herald_nlp::{Enricher, EntityIdx, Kb, analyze};
use herald_query::Query;
use time::OffsetDateTime;

/// Targets from issue 5, at 1,000,000 alerts.
const TARGET_STORIES_PER_SECOND: f64 = 5_000.0;
const TARGET_P99_US: f64 = 1_000.0;
const TARGET_MEMORY_BYTES: usize = 2_000_000_000;
const TARGET_ADD_US: f64 = 1_000.0;

/// Alerts added one at a time (and timed) to a full set.
const TIMED_ADDS: u64 = 1_000;

/// Which alert mix to draw (see the module doc).
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    V1,
    V2,
}

#[derive(Args, Debug)]
pub struct AlertsArgs {
    /// Alert mix: `v2` (default) or the first one, `v1`, to compare.
    #[arg(long, value_enum, default_value = "v2")]
    mix: Mix,
    /// Alert-set sizes to measure, ascending, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000u64, 100_000, 1_000_000])]
    queries: Vec<u64>,
    /// Stories streamed through the matcher at each size.
    #[arg(long, default_value_t = 2_000)]
    stories: u64,
    /// Seed for stories and alerts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Give up naive evaluation at a size once it has run this many seconds.
    #[arg(long, default_value_t = 120)]
    naive_seconds: u64,
    /// Run naive evaluation only up to this many alerts.
    #[arg(long, default_value_t = 100_000)]
    naive_max: u64,
}

/// What one size measured.
struct Row {
    alerts: u64,
    build: Duration,
    latency: Summary,
    stories_per_second: f64,
    /// Stories per second of this thread's CPU time (Linux): the same figure without
    /// the time other processes took the core, for a shared machine.
    stories_per_cpu_second: Option<f64>,
    /// The same through `matches_with` (owned hits, a String per term).
    owned_per_second: f64,
    hits_per_story: f64,
    /// Candidates verified per story (presearch's leftovers; see `MatchStats`).
    verified_per_story: f64,
    max_hits: usize,
    memory_bytes: usize,
    peak_rss: Option<u64>,
    add: Summary,
    remove: Summary,
    naive: Option<NaiveRow>,
}

struct NaiveRow {
    stories: u64,
    per_story: Summary,
    stories_per_second: f64,
    agrees: bool,
    gave_up: bool,
}

pub fn run(args: &AlertsArgs) -> anyhow::Result<()> {
    let mut sizes = args.queries.clone();
    sizes.sort_unstable();
    sizes.dedup();
    anyhow::ensure!(args.stories > 0, "--stories must be at least 1");

    eprintln!(
        "loading the knowledge base and enriching {} stories…",
        args.stories
    );
    let kb = Kb::embedded().context("cannot load the embedded knowledge base")?;
    let enricher = Enricher::new(kb);
    let stories = stories(args.seed, args.stories, &enricher);
    let entities: usize = stories.iter().map(|s| s.entities.len()).sum();
    eprintln!(
        "{} stories, {:.1} entities each",
        stories.len(),
        entities as f64 / stories.len() as f64
    );
    let maker = AlertMaker::new(args.seed, args.mix, enricher.kb(), &stories);

    let mut matcher = Matcher::new();
    // What a node would keep from its recent stories: how common each term is, so that
    // each AND is filed under its rarest part.
    let (docs, df) = term_frequencies(&stories);
    matcher.set_term_frequencies(docs, df);
    let mut scratch = Scratch::default();
    let mut rows = Vec::new();
    let mut have = 0u64;
    let mut build = Duration::ZERO;
    for &size in &sizes {
        eprintln!("growing the set to {size} alerts…");
        let t = Instant::now();
        for i in have..size {
            let q = maker.query(i);
            matcher
                .add(i, &q)
                .with_context(|| format!("alert {i} ({q}) was refused"))?;
        }
        build += t.elapsed();
        have = size;

        // Warm up caches and the analyzer's stem cache, as a running node would be.
        for story in stories.iter().take(100) {
            std::hint::black_box(matcher.match_story(story, &mut scratch).len());
        }
        let mut samples = Samples::with_capacity(stories.len());
        let mut hits = 0usize;
        let mut verified = 0usize;
        let mut matched: Vec<Vec<AlertId>> = Vec::with_capacity(stories.len());
        let t = Instant::now();
        let cpu_before = thread_cpu();
        for story in &stories {
            let start = Instant::now();
            let m = matcher.match_story(story, &mut scratch);
            // Every hit's terms are read (as delivery would), not just counted.
            let term_bytes: usize = m.iter().flat_map(|h| h.terms()).map(str::len).sum();
            std::hint::black_box(term_bytes);
            samples.record(start.elapsed());
            hits += m.len();
            matched.push(m.iter().map(|h| h.id).collect());
            verified += scratch.stats().verified;
        }
        let total = t.elapsed();
        let cpu = thread_cpu()
            .zip(cpu_before)
            .map(|(after, before)| after.saturating_sub(before));
        let latency = samples.summary();
        let stories_per_second = stories.len() as f64 / total.as_secs_f64().max(1e-9);
        let stories_per_cpu_second = cpu.map(|c| stories.len() as f64 / c.as_secs_f64().max(1e-9));
        // The same stories through `matches_with`, which returns owned hits (a String
        // per term of every hit): what a caller pays that wants them all as strings.
        let t = Instant::now();
        for (story, want) in stories.iter().zip(&matched) {
            let owned = matcher.matches_with(story, &mut scratch);
            anyhow::ensure!(
                owned.len() == want.len(),
                "matches_with and match_story disagree on a story"
            );
        }
        let owned_per_second = stories.len() as f64 / t.elapsed().as_secs_f64().max(1e-9);

        let (add, remove) = time_add_remove(&mut matcher, &maker, size)?;
        let naive = (size <= args.naive_max).then(|| {
            eprintln!("naive evaluation of {size} alerts per story…");
            run_naive(
                &maker,
                size,
                &stories,
                &matched,
                Duration::from_secs(args.naive_seconds),
            )
        });
        let row = Row {
            alerts: size,
            build,
            latency,
            stories_per_second,
            stories_per_cpu_second,
            owned_per_second,
            hits_per_story: hits as f64 / stories.len() as f64,
            verified_per_story: verified as f64 / stories.len() as f64,
            max_hits: matched.iter().map(Vec::len).max().unwrap_or(0),
            memory_bytes: matcher.memory_bytes(),
            peak_rss: peak_rss(),
            add,
            remove,
            naive,
        };
        eprint!("{}", row_text(&row));
        rows.push(row);
    }
    print!("{}", report(args, &rows, &maker));
    Ok(())
}

/// Adds [`TIMED_ADDS`] fresh alerts one by one to the full set, then removes them.
fn time_add_remove(
    matcher: &mut Matcher,
    maker: &AlertMaker,
    size: u64,
) -> anyhow::Result<(Summary, Summary)> {
    // Ids far above any set size, drawn from the same distribution.
    let base = 1u64 << 40;
    let queries: Vec<Query> = (0..TIMED_ADDS).map(|i| maker.query(base + size + i)).collect();
    let mut adds = Samples::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        let start = Instant::now();
        matcher.add(base + i as u64, q)?;
        adds.record(start.elapsed());
    }
    let mut removes = Samples::with_capacity(queries.len());
    for i in 0..TIMED_ADDS {
        let start = Instant::now();
        let removed = matcher.remove(base + i);
        removes.record(start.elapsed());
        anyhow::ensure!(removed, "timed alert {i} was not there to remove");
    }
    Ok((adds.summary(), removes.summary()))
}

/// Evaluates every alert on each story the obvious way, for as long as `budget` allows,
/// and checks the answers against the matcher's.
fn run_naive(
    maker: &AlertMaker,
    size: u64,
    stories: &[Story],
    matched: &[Vec<AlertId>],
    budget: Duration,
) -> NaiveRow {
    let queries: Vec<Query> = (0..size).map(|i| maker.query(i)).collect();
    let now = OffsetDateTime::now_utc();
    let mut samples = Samples::default();
    let mut agrees = true;
    let mut gave_up = false;
    let t = Instant::now();
    for (story, expected) in stories.iter().zip(matched) {
        if t.elapsed() > budget {
            gave_up = true;
            break;
        }
        let start = Instant::now();
        let ids: Vec<AlertId> = queries
            .iter()
            .enumerate()
            .filter(|(_, q)| naive::matches(q, story, now))
            .map(|(i, _)| i as AlertId)
            .collect();
        samples.record(start.elapsed());
        agrees &= &ids == expected;
    }
    let total = t.elapsed();
    let n = samples.len() as u64;
    NaiveRow {
        stories: n,
        per_story: samples.summary(),
        stories_per_second: n as f64 / total.as_secs_f64().max(1e-9),
        agrees,
        gave_up,
    }
}

/// The generator's stories as the node would hold them: enriched, in English.
pub(crate) fn stories(seed: u64, n: u64, enricher: &Enricher) -> Vec<Story> {
    let generator = Generator::new(seed);
    (0..n)
        .map(|i| {
            let g = generator.story(i);
            let mut story = Story {
                headline: g.headline,
                body: g.body,
                source: Source {
                    id: g.source.id,
                    name: g.source.name,
                    url: None,
                },
                guid: Some(g.guid),
                language: Some("en".into()),
                published_at: Some(g.published_at),
                ..Story::default()
            };
            enricher.enrich(&mut story);
            story
        })
        .collect()
}

/// In how many stories each analysed term of headline, body or entity names occurs.
fn term_frequencies(stories: &[Story]) -> (u64, HashMap<String, u64>) {
    let mut df: HashMap<String, u64> = HashMap::new();
    for s in stories {
        let names = s
            .entities
            .iter()
            .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases));
        let mut terms: Vec<String> = [&s.headline, &s.body]
            .into_iter()
            .chain(names)
            .flat_map(|t| analyze(t))
            .map(|t| t.term)
            .collect();
        terms.sort_unstable();
        terms.dedup();
        for t in terms {
            *df.entry(t).or_default() += 1;
        }
    }
    (stories.len() as u64, df)
}

/// CPU time this thread has run so far (Linux: `/proc/thread-self/schedstat`, in ns).
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Peak resident set size of this process, in bytes (Linux; `None` elsewhere).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// SplitMix64, as the story generator uses: fixed output forever for a seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed);
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// An index in `0..n`, P(i) roughly ∝ 1/(i+1) (Zipf, s = 1).
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let x = ((n as f64 + 1.0).ln() * u).exp();
        (x as usize).saturating_sub(1).min(n.saturating_sub(1))
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    fn pick_zipf<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.zipf(items.len()))
    }
}

/// An entity an alert can name: how to write it in each form a user might.
struct Named {
    kind: EntityKind,
    id: String,
    /// Name and aliases that can be written in quotes (no `"` or `\`).
    names: Vec<String>,
    ticker: Option<String>,
}

/// Draws alert `i` of a seed: entities as users watch them (the ones in the news far more
/// often than the rest of the knowledge base), words Zipf-distributed from the news
/// vocabulary, and a mix of shapes.
pub(crate) struct AlertMaker {
    seed: u64,
    mix: Mix,
    /// Entities seen in the stories, most frequent first.
    in_news: Vec<Named>,
    /// Every entity of the knowledge base.
    all: Vec<Named>,
    /// Words of the stories (4+ letters, whose term is in at most one story in twenty),
    /// most frequent first.
    words: Vec<String>,
    /// Words of names in the knowledge base, none frequent in the stories.
    rare_words: Vec<String>,
    sources: Vec<String>,
    topics: Vec<String>,
    /// Tickers of listed companies (quotable ones).
    tickers: Vec<String>,
    /// Names of people in the news, most frequent first.
    speakers: Vec<String>,
}

impl AlertMaker {
    pub(crate) fn new(seed: u64, mix: Mix, kb: &Kb, stories: &[Story]) -> Self {
        let named = |idx: EntityIdx| {
            let e = kb.get(idx)?;
            let names = std::iter::once(&e.name)
                .chain(&e.aliases)
                .filter(|n| !n.contains(['"', '\\']) && !n.trim().is_empty())
                .take(4)
                .cloned()
                .collect();
            Some(Named {
                kind: e.kind,
                id: e.id.clone(),
                names,
                ticker: e.ticker.clone(),
            })
        };
        let all: Vec<Named> = (0..u32::try_from(kb.len()).unwrap_or(u32::MAX))
            .filter_map(|i| named(EntityIdx(i)))
            .collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut terms: HashMap<String, (usize, String)> = HashMap::new();
        let mut sources: HashMap<&str, usize> = HashMap::new();
        let mut topics: HashMap<&str, usize> = HashMap::new();
        for s in stories {
            for e in &s.entities {
                *seen.entry(&e.id).or_default() += 1;
            }
            // Document frequency of each analysed term (what an alert word matches),
            // with a word as written that gives it.
            let mut in_story: Vec<(String, &str)> = Vec::new();
            for text in [&s.headline, &s.body] {
                for t in analyze(text) {
                    let raw = text.get(t.start..t.end).unwrap_or_default();
                    if raw.chars().count() >= 4 {
                        in_story.push((t.term, raw));
                    }
                }
            }
            in_story.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            in_story.dedup_by(|a, b| a.0 == b.0);
            for (term, raw) in in_story {
                terms.entry(term).or_insert_with(|| (0, raw.to_lowercase())).0 += 1;
            }
            *sources.entry(&s.source.id).or_default() += 1;
            for t in &s.topics {
                *topics.entry(&t.code).or_default() += 1;
            }
        }
        let by_count = |m: HashMap<&str, usize>| {
            let mut v: Vec<(&str, usize)> = m.into_iter().collect();
            v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            v.into_iter().map(|(k, _)| k.to_owned()).collect::<Vec<String>>()
        };
        let in_news: Vec<Named> = by_count(seen)
            .iter()
            .filter_map(|id| kb.by_id(id).and_then(named))
            .collect();
        // Terms in more than one story in twenty are the templates' filler ("under",
        // "coming"): nobody sets an alert on them.
        let common = stories.len() / 20 + 1;
        let is_rare = |w: &str| {
            analyze(w)
                .iter()
                .all(|t| terms.get(&t.term).is_none_or(|(df, _)| *df <= common))
        };
        let mut ranked: Vec<&(usize, String)> = terms.values().filter(|(df, _)| *df <= common).collect();
        ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let words = ranked.into_iter().map(|(_, w)| w.clone()).collect();
        let rare_words = all
            .iter()
            .filter_map(|n| n.names.first())
            .flat_map(|n| n.split(' ').map(str::to_lowercase).collect::<Vec<_>>())
            .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphanumeric))
            .filter(|w| is_rare(w))
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .collect();
        let tickers = all
            .iter()
            .filter_map(|n| n.ticker.clone())
            .filter(|t| !t.contains(['"', '\\']))
            .collect();
        let speakers = in_news
            .iter()
            .filter(|n| n.kind == EntityKind::Person)
            .filter_map(|n| n.names.first().cloned())
            .collect();
        AlertMaker {
            seed,
            mix,
            tickers,
            speakers,
            in_news,
            all,
            words,
            rare_words,
            sources: by_count(sources),
            topics: by_count(topics),
        }
    }

    /// Alert number `i`, parsed; a draw that does not parse (a name the grammar cannot
    /// hold) falls back to a plain word.
    fn query(&self, i: u64) -> Query {
        let mut rng = Rng::new(self.seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let text = self.text(&mut rng);
        herald_query::parse(&text).unwrap_or_else(|_| Query::Match {
            field: None,
            value: herald_query::Value::Word(self.word(&mut rng)),
        })
    }

    /// Alert number `i` as a user would type it: the same draw as [`Self::query`].
    pub(crate) fn query_text(&self, i: u64) -> String {
        let mut rng = Rng::new(self.seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let text = self.text(&mut rng);
        if herald_query::parse(&text).is_ok() {
            text
        } else {
            self.word(&mut rng)
        }
    }

    fn text(&self, rng: &mut Rng) -> String {
        let draw = rng.below(10_000);
        if draw == 0 {
            // Rare: an alert on everything but something is checked against every story.
            return format!("-{} -source:{}", self.word(rng), self.source(rng));
        }
        match draw / 10 {
            // A watch list entry: one name of the knowledge base, mostly not in today's news.
            0..200 => self.entity(rng, false),
            // Someone in the news, on a subject.
            200..400 => format!("{} {}", self.entity(rng, true), self.word(rng)),
            400..500 => {
                let n = 2 + rng.below(2);
                let parts: Vec<String> = (0..n).map(|_| self.listed(rng)).collect();
                format!("({})", parts.join(" OR "))
            }
            500..600 => match rng.below(3) {
                0 => format!("\"{} {}\"", self.word(rng), self.word(rng)),
                _ => format!("\"{}\" {}", self.phrase(rng), self.entity(rng, true)),
            },
            600..700 => match rng.below(2) {
                0 => format!("{} {}", self.word(rng), self.word(rng)),
                _ => format!("{} {} {}", self.word(rng), self.word(rng), self.word(rng)),
            },
            700..800 => match rng.below(2) {
                0 => format!("{} -{}", self.entity(rng, true), self.word(rng)),
                _ => format!("{} -source:{}", self.entity(rng, true), self.source(rng)),
            },
            800..850 => {
                let w = self.word(rng);
                let stem: String = w.chars().take(4 + rng.below(3)).collect();
                format!("{stem}* {}", self.entity(rng, true))
            }
            850..900 => match rng.below(2) {
                0 => format!("source:{} {}", self.source(rng), self.watch_word(rng)),
                _ => format!("lang:en {}", self.watch_word(rng)),
            },
            900..930 => match rng.pick_zipf(&self.topics) {
                Some(t) => format!("topic:{t} {}", self.entity(rng, true)),
                None => self.entity(rng, true),
            },
            930..960 => match rng.pick_zipf(&self.speakers) {
                Some(name) => format!("said:\"{name}\""),
                None => self.entity(rng, false),
            },
            // Two names together: `entity:Daesh AND place:Iraq`.
            _ => format!("{} {}", self.entity(rng, true), self.entity(rng, true)),
        }
    }

    /// An entity written with its kind's field (or `entity:`), by id or by one of its
    /// names: when `in_news`, one time in ten one of the stories' entities, else any of
    /// the knowledge base. (The generated stories name only a few hundred entities, each
    /// in far more of them than a real name is in real news, where mentions spread over
    /// the whole knowledge base; drawing mostly from those would make most alerts fire
    /// every few stories.)
    fn entity(&self, rng: &mut Rng, in_news: bool) -> String {
        let named = if in_news && rng.below(10) == 0 {
            rng.pick(&self.in_news)
        } else {
            rng.pick(&self.all)
        };
        let Some(e) = named else {
            return self.word(rng);
        };
        let field = match (rng.below(4), e.kind) {
            (0, _) | (_, EntityKind::Other) => "entity",
            (_, EntityKind::Person) => "person",
            (_, EntityKind::Org) => "org",
            (_, EntityKind::Place) => "place",
            (_, EntityKind::Company) => "company",
        };
        match rng.pick(&e.names) {
            Some(name) if rng.below(10) < 7 => format!("{field}:\"{name}\""),
            _ => format!("{field}:{}", e.id),
        }
    }

    /// What OR lists hold: tickers of companies, or entities.
    fn listed(&self, rng: &mut Rng) -> String {
        match rng.pick(&self.tickers) {
            Some(t) if rng.below(2) == 0 => format!("ticker:\"{t}\""),
            _ => self.entity(rng, false),
        }
    }

    /// A content word: 30 % from the stories' vocabulary (Zipf), 70 % from the far larger
    /// one of names, most of which the small generated vocabulary never uses.
    fn word(&self, rng: &mut Rng) -> String {
        let w = if rng.below(10) < 3 {
            rng.pick_zipf(&self.words)
        } else {
            rng.pick(&self.rare_words)
        };
        w.cloned().unwrap_or_else(|| "inflation".to_owned())
    }

    /// The word of an alert that is little more than that word: as [`Self::word`] in
    /// `v1`; in `v2` the news vocabulary is drawn uniformly (see the module doc).
    fn watch_word(&self, rng: &mut Rng) -> String {
        if self.mix == Mix::V1 {
            return self.word(rng);
        }
        let w = if rng.below(10) < 3 {
            rng.pick(&self.words)
        } else {
            rng.pick(&self.rare_words)
        };
        w.cloned().unwrap_or_else(|| "inflation".to_owned())
    }

    fn phrase(&self, rng: &mut Rng) -> String {
        match rng.below(3) {
            0 => rng.pick_zipf(PHRASES).map(|p| p.to_string()),
            1 => rng.pick(&self.in_news).and_then(|e| e.names.first()).cloned(),
            _ => Some(format!("{} {}", self.word(rng), self.word(rng))),
        }
        .unwrap_or_else(|| "central bank".to_owned())
    }

    fn source(&self, rng: &mut Rng) -> String {
        // Mostly sources the wire carries; sometimes one it does not.
        match rng.pick_zipf(&self.sources) {
            Some(s) if rng.below(4) > 0 => s.clone(),
            _ => "tabloid-weekly".to_owned(),
        }
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

fn row_text(r: &Row) -> String {
    let naive = match &r.naive {
        Some(n) => format!(
            "naive {:.1} stories/s (p50 {}, over {} stories{}), answers agree: {}",
            n.stories_per_second,
            ms(n.per_story.p50_us),
            n.stories,
            if n.gave_up { ", cut short" } else { "" },
            if n.agrees { "yes" } else { "NO" }
        ),
        None => "naive not run".to_owned(),
    };
    format!(
        "{} alerts: {:.0} stories/s ({} per CPU-second; {:.0} with owned hits), p50 {}, p99 {}, {:.1} hits/story (max {}), {:.0} verified/story, memory {}, peak RSS {}, \
         add p50 {} p99 {} max {}; {}\n",
        r.alerts,
        r.stories_per_second,
        r.stories_per_cpu_second
            .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.0}")),
        r.owned_per_second,
        ms(r.latency.p50_us),
        ms(r.latency.p99_us),
        r.hits_per_story,
        r.max_hits,
        r.verified_per_story,
        mb(r.memory_bytes as u64),
        r.peak_rss.map_or_else(|| "n/a".to_owned(), mb),
        ms(r.add.p50_us),
        ms(r.add.p99_us),
        ms(r.add.max_us),
        naive,
    )
}

/// The Markdown section for BENCHMARKS.md, with the targets marked.
fn report(args: &AlertsArgs, rows: &[Row], maker: &AlertMaker) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let sizes: Vec<String> = args.queries.iter().map(u64::to_string).collect();
    let _ = writeln!(out, "## Alerts: standing-query matching (in process, one core)\n");
    let _ = writeln!(
        out,
        "`herald-bench alerts --mix {} --queries {} --stories {} --seed {}` (release build). \
         {} generated stories enriched with the embedded knowledge base; alerts name \
         {} entities seen in them and {} of the knowledge base.\n",
        format!("{:?}", args.mix).to_lowercase(),
        sizes.join(","),
        args.stories,
        args.seed,
        args.stories,
        maker.in_news.len(),
        maker.all.len(),
    );
    let _ = writeln!(
        out,
        "| alerts | stories/s | per CPU-second | owned hits: stories/s | p50 | p99 | hits/story (max) | verified/story | memory_bytes | peak RSS | add p50 / p99 / max | remove p99 | build | naive stories/s | agree |"
    );
    let _ = writeln!(
        out,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for r in rows {
        let naive = match &r.naive {
            Some(n) => (
                format!(
                    "{:.1} ({} stories{})",
                    n.stories_per_second,
                    n.stories,
                    if n.gave_up { ", cut at the time limit" } else { "" }
                ),
                if n.agrees { "yes" } else { "**NO**" }.to_owned(),
            ),
            None => ("—".to_owned(), "—".to_owned()),
        };
        let _ = writeln!(
            out,
            "| {} | {:.0} | {} | {:.0} | {} | {} | {:.1} ({}) | {:.0} | {} | {} | {} / {} / {} | {} | {:.1} s | {} | {} |",
            r.alerts,
            r.stories_per_second,
            r.stories_per_cpu_second
                .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.0}")),
            r.owned_per_second,
            ms(r.latency.p50_us),
            ms(r.latency.p99_us),
            r.hits_per_story,
            r.max_hits,
            r.verified_per_story,
            mb(r.memory_bytes as u64),
            r.peak_rss.map_or_else(|| "n/a".to_owned(), mb),
            ms(r.add.p50_us),
            ms(r.add.p99_us),
            ms(r.add.max_us),
            ms(r.remove.p99_us),
            r.build.as_secs_f64(),
            naive.0,
            naive.1,
        );
    }
    if let Some(r) = rows.iter().find(|r| r.alerts == 1_000_000) {
        let mark = |ok: bool| if ok { "met" } else { "**missed**" };
        let _ = writeln!(
            out,
            "\nTargets at 1,000,000 alerts: ≥ 5,000 stories/s — {} (wall clock; per \
             CPU-second: {}); p99 < 1 ms — {}; \
             < 2 GB — {} (memory_bytes; peak RSS includes the knowledge base and stories); \
             add < 1 ms — {} (p99).",
            mark(r.stories_per_second >= TARGET_STORIES_PER_SECOND),
            mark(
                r.stories_per_cpu_second
                    .is_some_and(|c| c >= TARGET_STORIES_PER_SECOND)
            ),
            mark(r.latency.p99_us < TARGET_P99_US),
            mark(r.memory_bytes < TARGET_MEMORY_BYTES),
            mark(r.add.p99_us < TARGET_ADD_US),
        );
    }
    out
}
