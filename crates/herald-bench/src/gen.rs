//! The synthetic news generator: deterministic, plausible English stories and search queries.
//!
//! Story `i` of seed `s` is a pure function of `(s, i, size)`, so concurrent publishers
//! can each generate their share without coordination and two runs with one seed send
//! byte-identical stories. Text comes from per-beat templates (`templates.rs`) filled
//! from a word stock (`vocab.rs`); names are drawn with a Zipf-like skew so that a few
//! are everywhere and most are rare, as in real news.

use std::fmt::Write as _;

use herald_model::Source;
use serde::Serialize;
use time::OffsetDateTime;

use crate::templates::{ATTRIBUTIONS, BEATS, Beat, CONNECTIVES, GENERIC, INTRODUCTIONS};
use crate::vocab::{self, Company, Country, Org};

/// The default target size of one story's JSON line, in bytes.
pub const DEFAULT_SIZE: usize = 2048;

/// The largest `--size` accepted; bigger stories would only measure the HTTP body limit.
pub const MAX_SIZE: usize = 4 * 1024 * 1024;

/// Every story has at least this many paragraphs, whatever the requested size.
const MIN_PARAGRAPHS: usize = 4;

/// The JSON of a story with every variable field empty; the size estimate adds those fields.
const SKELETON: &str =
    r#"{"headline":"","body":"","source":{"id":"","name":""},"guid":"","published_at":""}"#;

/// Length of a whole-second UTC RFC 3339 timestamp (`2026-11-24T10:00:00Z`).
const TIMESTAMP_LEN: usize = 20;

/// Stories are dated from here on, a few seconds apart, in index order.
const FIRST_PUBLISHED: OffsetDateTime = time::macros::datetime!(2026-11-24 00:00 UTC);

/// Why a generator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("story size {size} bytes is too large (the limit is {MAX_SIZE} bytes)")]
    SizeTooLarge { size: usize },
}

/// One generated story, in the shape `POST /v1/stories` accepts (DESIGN §3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenStory {
    pub headline: String,
    pub body: String,
    pub source: Source,
    /// Unique per (seed, index); subscribers use it to match deliveries to sends.
    pub guid: String,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
}

impl GenStory {
    /// The story as one line of JSON, without the trailing newline.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and a timestamp cannot fail; fall back to an empty
        // object rather than panic should serde_json ever disagree.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Appends the story's JSON line (with `\n`) to `out`.
    pub fn write_jsonl(&self, out: &mut Vec<u8>) {
        if serde_json::to_writer(&mut *out, self).is_ok() {
            out.push(b'\n');
        }
    }
}

/// Parses the index back out of a guid made by [`Generator::guid`], if it is one.
pub fn index_from_guid(guid: &str) -> Option<u64> {
    let rest = guid.strip_prefix("gen-")?;
    let (_seed, index) = rest.split_once('-')?;
    index.parse().ok()
}

/// Makes stories for one seed and target size.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    size: usize,
}

impl Generator {
    /// A generator with the default story size ([`DEFAULT_SIZE`]).
    pub fn new(seed: u64) -> Self {
        Generator {
            seed,
            size: DEFAULT_SIZE,
        }
    }

    /// A generator whose stories' JSON lines are at least `size` bytes (and at least
    /// four paragraphs), padded with more paragraphs as needed.
    pub fn with_size(seed: u64, size: usize) -> Result<Self, GenError> {
        if size > MAX_SIZE {
            return Err(GenError::SizeTooLarge { size });
        }
        Ok(Generator { seed, size })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// The guid of story `index`: unique per seed and index.
    pub fn guid(&self, index: u64) -> String {
        format!("gen-{:016x}-{index}", self.seed)
    }

    /// Story number `index`; the same arguments always give the same story.
    pub fn story(&self, index: u64) -> GenStory {
        let mut rng = Rng::new(mix(self.seed, index));
        let beat = pick_beat(&mut rng);
        let mut w = Writer::new(rng, beat);

        let mut headline = String::with_capacity(96);
        let template = w.rng.pick(beat.headlines);
        w.expand(template, &mut headline, 0);

        let (source_id, source_name) = w.rng.pick_zipf(vocab::SOURCES);
        let guid = self.guid(index);
        let fixed = SKELETON.len()
            + TIMESTAMP_LEN
            + headline.len()
            + guid.len()
            + source_id.len()
            + source_name.len();
        let body_budget = self.size.saturating_sub(fixed);
        let body = w.body(body_budget, self.size);

        let offset = index.saturating_mul(3).saturating_add(w.rng.below(3) as u64);
        let published_at = i64::try_from(offset)
            .ok()
            .and_then(|s| FIRST_PUBLISHED.checked_add(time::Duration::seconds(s)))
            .filter(|t| t.year() <= 9999)
            .unwrap_or(FIRST_PUBLISHED);

        GenStory {
            headline,
            body,
            source: Source {
                id: source_id.to_owned(),
                name: source_name.to_owned(),
                url: None,
            },
            guid,
            published_at,
        }
    }

    /// The exact length of `story`'s JSON line (without newline), computed without
    /// serialising: only paragraph breaks need escaping in generated text.
    pub fn json_len(story: &GenStory) -> usize {
        let newlines = story.body.bytes().filter(|&b| b == b'\n').count();
        SKELETON.len()
            + TIMESTAMP_LEN
            + story.headline.len()
            + story.body.len()
            + newlines
            + story.guid.len()
            + story.source.id.len()
            + story.source.name.len()
    }
}

/// The kinds of search query the benchmark measures separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    OneTerm,
    TwoTerms,
    ThreeTerms,
    Phrase,
}

impl QueryKind {
    pub const ALL: [QueryKind; 4] = [
        QueryKind::OneTerm,
        QueryKind::TwoTerms,
        QueryKind::ThreeTerms,
        QueryKind::Phrase,
    ];

    /// Human label for reports.
    pub fn label(self) -> &'static str {
        match self {
            QueryKind::OneTerm => "1 term",
            QueryKind::TwoTerms => "2 terms",
            QueryKind::ThreeTerms => "3 terms",
            QueryKind::Phrase => "phrase",
        }
    }
}

/// Words that appear in most beats' templates: queries for them match many stories.
#[rustfmt::skip]
pub static COMMON_TERMS: &[&str] = &[
    "said", "percent", "government", "officials", "people", "company", "year", "week", "court",
    "prices", "talks", "election", "shares", "central", "bank", "demand", "study", "minister",
];

/// Words of one beat: each matches a fair share of stories.
#[rustfmt::skip]
pub static BEAT_TERMS: &[&str] = &[
    "inflation", "ceasefire", "coalition", "earthquake", "marathon", "turnout", "verdict",
    "pipeline", "sanctions", "treaty", "curfew", "revenue", "wildfires", "cyclone", "researchers",
    "appeal", "prosecutors", "yields", "currency", "renewables", "refinery", "displaced", "polls",
    "landfall", "trial", "goals",
];

/// Two-word phrases that the templates produce.
#[rustfmt::skip]
pub static PHRASES: &[&str] = &[
    "central bank", "interest rate", "chief executive", "foreign ministers", "armed groups",
    "national record", "coalition government", "quarterly profit", "humanitarian conditions",
    "heavy rain", "power stations", "bond yields", "job cuts", "electoral commission",
    "disaster agency", "follow-up study", "transfer window", "shell companies",
];

/// Draws search queries from the generator's vocabulary, mixing very common words,
/// beat words, and rare names (which often match few or no stories).
#[derive(Debug, Clone)]
pub struct QueryGen {
    rng: Rng,
    rare: Vec<String>,
}

impl QueryGen {
    pub fn new(seed: u64) -> Self {
        let mut rare: Vec<String> = Vec::new();
        rare.extend(vocab::SURNAMES.iter().map(|s| s.to_lowercase()));
        rare.extend(
            vocab::COMPANIES
                .iter()
                .filter_map(|c| c.name.split(' ').next())
                .map(str::to_lowercase),
        );
        rare.extend(vocab::FIRST_NAMES.iter().map(|s| s.to_lowercase()));
        QueryGen {
            rng: Rng::new(mix(seed, u64::MAX)),
            rare,
        }
    }

    /// One query string of the given kind, in Herald's query language (DESIGN §4).
    pub fn query(&mut self, kind: QueryKind) -> String {
        match kind {
            QueryKind::OneTerm => self.term(),
            QueryKind::TwoTerms => format!("{} {}", self.term(), self.term()),
            QueryKind::ThreeTerms => format!("{} {} {}", self.term(), self.term(), self.term()),
            QueryKind::Phrase => format!("\"{}\"", self.phrase()),
        }
    }

    fn term(&mut self) -> String {
        match self.rng.below(3) {
            0 => self.rng.pick_zipf(COMMON_TERMS).to_owned(),
            1 => self.rng.pick_zipf(BEAT_TERMS).to_owned(),
            _ => self.rng.pick_zipf_ref(&self.rare).clone(),
        }
    }

    fn phrase(&mut self) -> String {
        match self.rng.below(3) {
            0 => self.rng.pick_zipf(PHRASES).to_owned(),
            1 => self.rng.pick_zipf_ref(vocab::COMPANIES).name.to_lowercase(),
            _ => {
                let first = self.rng.pick_zipf(vocab::FIRST_NAMES);
                let last = self.rng.pick_zipf(vocab::SURNAMES);
                format!("{} {}", first.to_lowercase(), last.to_lowercase())
            }
        }
    }
}

/// SplitMix64: tiny, fast and well mixed, and (unlike a library RNG) its output is
/// fixed forever, so a seed names the same corpus in every version of this tool.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index in `0..n` with P(i) roughly proportional to 1/(i+1): `(n+1)^u` for
    /// uniform `u` is log-uniform, and its integer part follows Zipf's law with s = 1.
    fn zipf(&mut self, n: usize) -> usize {
        let x = ((n as f64 + 1.0).ln() * self.unit()).exp();
        (x as usize).saturating_sub(1).min(n.saturating_sub(1))
    }

    /// A uniformly chosen element; the lists passed are the non-empty statics of this crate.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_ref(items)
    }

    fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An element chosen with Zipf skew towards the front of the list.
    fn pick_zipf<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_zipf_ref(items)
    }

    fn pick_zipf_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.zipf(items.len())]
    }
}

/// Combines a seed and a story index into one well-mixed RNG state.
fn mix(seed: u64, index: u64) -> u64 {
    let mut r = Rng::new(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
    r.next_u64()
}

fn pick_beat(rng: &mut Rng) -> &'static Beat {
    let total: u32 = BEATS.iter().map(|b| b.weight).sum();
    let mut x = rng.below(total as usize) as u32;
    for beat in BEATS {
        if x < beat.weight {
            return beat;
        }
        x -= beat.weight;
    }
    &BEATS[0]
}

/// The people, places and things one story is about, fixed for the whole story so
/// that its paragraphs agree with each other.
struct Cast {
    p1: (&'static str, &'static str),
    t1: String,
    p2: (&'static str, &'static str),
    t2: String,
    country: &'static Country,
    country2: &'static Country,
    city: &'static str,
    org: &'static Org,
    co: &'static Company,
    co2: &'static Company,
    party: &'static str,
    party2: &'static str,
    team: String,
    team2: String,
    storm: &'static str,
    inst: &'static str,
    journal: &'static str,
    subject: &'static str,
    court: &'static str,
    case: &'static str,
    commodity: &'static str,
    project: &'static str,
    /// Whether markets in this story went up (keeps "rose" and "higher" consistent).
    up: bool,
}

/// Fills templates for one story.
struct Writer {
    rng: Rng,
    beat: &'static Beat,
    cast: Cast,
    /// Which speaker (1 or 2) `{S}`, `{SL}` and `{ST}` refer to.
    speaker: u8,
    /// Sentences and quotes already used in this story, so paragraphs do not repeat.
    used_sentences: u64,
    used_quotes: u64,
    /// Speakers already quoted with full name and title (bit 1 and bit 2).
    introduced: u8,
}

/// Templates never nest deeper than this (a title inside a sentence inside a quote form);
/// the limit only guards against a template mistake recursing forever.
const MAX_DEPTH: u8 = 4;

impl Writer {
    fn new(mut rng: Rng, beat: &'static Beat) -> Self {
        let p1 = person(&mut rng);
        let mut p2 = person(&mut rng);
        if p2 == p1 {
            p2 = (p1.0, rng.pick(vocab::SURNAMES));
        }
        let country = rng.pick_zipf_ref(vocab::COUNTRIES);
        let mut country2 = rng.pick_zipf_ref(vocab::COUNTRIES);
        if std::ptr::eq(country, country2) {
            country2 = rng.pick_ref(vocab::COUNTRIES);
        }
        let city = rng.pick(country.cities);
        let co = rng.pick_zipf_ref(vocab::COMPANIES);
        let mut co2 = rng.pick_zipf_ref(vocab::COMPANIES);
        if std::ptr::eq(co, co2) {
            co2 = rng.pick_ref(vocab::COMPANIES);
        }
        let party = rng.pick(vocab::PARTIES);
        let party2 = rng.pick(vocab::PARTIES);
        let team = format!("{} {}", rng.pick(country.cities), rng.pick(vocab::CLUB_SUFFIXES));
        let team2 = format!(
            "{} {}",
            rng.pick_zipf_ref(vocab::COUNTRIES).capital,
            rng.pick(vocab::CLUB_SUFFIXES)
        );
        let cast = Cast {
            p1,
            t1: String::new(),
            p2,
            t2: String::new(),
            country,
            country2,
            city,
            org: rng.pick_zipf_ref(vocab::ORGS),
            co,
            co2,
            party,
            party2,
            team,
            team2,
            storm: rng.pick(vocab::STORM_NAMES),
            inst: rng.pick(vocab::INSTITUTES),
            journal: rng.pick(vocab::JOURNALS),
            subject: rng.pick(vocab::SCIENCE_SUBJECTS),
            court: rng.pick(vocab::COURTS),
            case: rng.pick(vocab::CASES),
            commodity: rng.pick(vocab::COMMODITIES),
            project: rng.pick(vocab::ENERGY_PROJECTS),
            up: rng.chance(0.5),
        };
        let mut w = Writer {
            rng,
            beat,
            cast,
            speaker: 1,
            used_sentences: 0,
            used_quotes: 0,
            introduced: 0,
        };
        let i1 = w.rng.below(beat.titles.len());
        let mut i2 = w.rng.below(beat.titles.len());
        if i2 == i1 {
            i2 = (i1 + 1) % beat.titles.len();
        }
        let mut t1 = String::new();
        let mut t2 = String::new();
        w.expand(beat.titles[i1], &mut t1, 1);
        w.expand(beat.titles[i2], &mut t2, 1);
        w.cast.t1 = t1;
        w.cast.t2 = t2;
        w
    }

    /// Paragraphs until the JSON-escaped body reaches `budget` bytes (and at least
    /// [`MIN_PARAGRAPHS`]); `size` bounds the paragraph count as a last resort.
    fn body(&mut self, budget: usize, size: usize) -> String {
        let mut body = String::with_capacity(budget + 640);
        let max_paragraphs = MIN_PARAGRAPHS + size / 32;
        let mut n: usize = 0;
        loop {
            // Each "\n\n" separator is 4 bytes once escaped in JSON.
            let escaped_len = body.len() + 2 * n.saturating_sub(1);
            if (n >= MIN_PARAGRAPHS && escaped_len >= budget) || n >= max_paragraphs {
                break;
            }
            if n > 0 {
                body.push_str("\n\n");
            }
            self.paragraph(n, &mut body);
            n += 1;
        }
        body
    }

    fn paragraph(&mut self, n: usize, out: &mut String) {
        if n == 0 {
            let lead = self.rng.pick(self.beat.leads);
            self.expand(lead, out, 0);
            for _ in 0..1 + self.rng.below(2) {
                out.push(' ');
                self.sentence(out);
            }
            return;
        }
        if n % 4 == 1 {
            // Quotes alternate between the two speakers, the lead speaker first.
            self.speaker = if (n / 4).is_multiple_of(2) { 1 } else { 2 };
            let form = if self.introduced & self.speaker == 0 {
                self.introduced |= self.speaker;
                self.rng.pick(INTRODUCTIONS)
            } else {
                self.rng.pick(ATTRIBUTIONS)
            };
            self.expand(form, out, 0);
            for _ in 0..1 + self.rng.below(2) {
                out.push(' ');
                self.sentence(out);
            }
            return;
        }
        let sentences = 3 + self.rng.below(3);
        for k in 0..sentences {
            if k > 0 {
                out.push(' ');
            }
            self.sentence(out);
        }
    }

    /// One body sentence, now and then opened with a connective.
    fn sentence(&mut self, out: &mut String) {
        let template = self.fresh_sentence();
        if let Some(rest) = template.strip_prefix("The ")
            && self.rng.chance(0.15)
        {
            out.push_str(self.rng.pick(CONNECTIVES));
            out.push_str("the ");
            self.expand(rest, out, 0);
        } else {
            self.expand(template, out, 0);
        }
    }

    /// A beat or generic sentence not yet used in this story (all are reusable once
    /// every one has been used, which only very large `--size` values reach).
    fn fresh_sentence(&mut self) -> &'static str {
        let own = self.beat.sentences;
        let total = own.len() + GENERIC.len();
        let i = fresh_index(&mut self.rng, &mut self.used_sentences, total);
        match own.get(i) {
            Some(s) => s,
            None => GENERIC.get(i - own.len()).copied().unwrap_or(""),
        }
    }

    fn fresh_quote(&mut self) -> &'static str {
        let quotes = self.beat.quotes;
        let i = fresh_index(&mut self.rng, &mut self.used_quotes, quotes.len());
        quotes.get(i).copied().unwrap_or("")
    }

    /// Appends `template` with its slots filled.
    fn expand(&mut self, template: &str, out: &mut String, depth: u8) {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return;
            };
            let name = &after[..close];
            let (capitalise, name) = match name.strip_prefix('^') {
                Some(n) => (true, n),
                None => (false, name),
            };
            let start = out.len();
            if depth < MAX_DEPTH {
                self.fill(name, out, depth + 1);
            }
            if capitalise && let Some(first) = out.get(start..start + 1) {
                let upper = first.to_ascii_uppercase();
                out.replace_range(start..start + 1, &upper);
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
    }

    /// Appends the value of slot `name`. Unknown names are written back as `{name}`,
    /// which the tests look for.
    fn fill(&mut self, name: &str, out: &mut String, depth: u8) {
        let c = &self.cast;
        match name {
            "P1" => push_person(out, c.p1),
            "P1L" => out.push_str(c.p1.1),
            "T1" => out.push_str(&c.t1),
            "P2" => push_person(out, c.p2),
            "P2L" => out.push_str(c.p2.1),
            "T2" => out.push_str(&c.t2),
            "S" => push_person(out, if self.speaker == 1 { c.p1 } else { c.p2 }),
            "SL" => out.push_str(if self.speaker == 1 { c.p1.1 } else { c.p2.1 }),
            "ST" => out.push_str(if self.speaker == 1 { &c.t1 } else { &c.t2 }),
            "C" => out.push_str(c.country.name),
            "C2" => out.push_str(c.country2.name),
            "CAP" => out.push_str(c.country.capital),
            "CAP2" => out.push_str(c.country2.capital),
            "CITY" => out.push_str(c.city),
            "DEM" => out.push_str(c.country.demonym),
            "DEM2" => out.push_str(c.country2.demonym),
            "PROV" => out.push_str(c.country.province),
            "CO" => out.push_str(c.co.name),
            "CO2" => out.push_str(c.co2.name),
            "TK" => out.push_str(c.co.ticker),
            "TK2" => out.push_str(c.co2.ticker),
            "COKIND" => out.push_str(c.co.kind),
            "PROD" => out.push_str(c.co.product),
            "ORG" => out.push_str(c.org.name),
            "ORGS" => out.push_str(c.org.short),
            "PARTY" => out.push_str(c.party),
            "PARTY2" => out.push_str(c.party2),
            "TEAM" => out.push_str(&c.team),
            "TEAM2" => out.push_str(&c.team2),
            "STORM" => out.push_str(c.storm),
            "INST" => out.push_str(c.inst),
            "JOURNAL" => out.push_str(c.journal),
            "SUBJ" => out.push_str(c.subject),
            "CASE" => out.push_str(c.case),
            "COMMOD" => out.push_str(c.commodity),
            "PROJ" => out.push_str(c.project),
            "COURT" => {
                let court = c.court;
                self.expand(court, out, depth);
            }
            "MOVE" => out.push_str(self.rng.pick(if c.up { vocab::UP } else { vocab::DOWN })),
            "MOVEH" => out.push_str(self.rng.pick(if c.up { UP_PRESENT } else { DOWN_PRESENT })),
            "DIR" => out.push_str(if c.up { "higher" } else { "lower" }),
            "SAID" => out.push_str(self.rng.pick(vocab::SAID)),
            "DAY" => out.push_str(self.rng.pick(vocab::WEEKDAYS)),
            "MONTH" => out.push_str(self.rng.pick(vocab::MONTHS)),
            "Q" | "Q2" => {
                let quote = self.fresh_quote();
                self.expand(quote, out, depth);
            }
            _ => self.number(name, out),
        }
    }

    /// Numeric slots: fresh values each time they appear.
    fn number(&mut self, name: &str, out: &mut String) {
        let r = &mut self.rng;
        // Writing to a String cannot fail.
        let _ = match name {
            "N" | "N2" => write!(out, "{}", r.range(2, 60)),
            "NS" => write!(out, "{}", r.range(2, 9)),
            "MIN" => write!(out, "{}", r.range(3, 89)),
            "TEMP" => write!(out, "{}", r.range(35, 48)),
            "WIND" => write!(out, "{}", r.range(110, 260)),
            "Y" => write!(out, "{}", r.range(2027, 2035)),
            "YP" => write!(out, "{}", r.range(2012, 2025)),
            "BIG" => {
                let v = r.range(12, 980) * 10;
                if v >= 1000 {
                    write!(out, "{},{:03}", v / 1000, v % 1000)
                } else {
                    write!(out, "{v}")
                }
            }
            "PCT" | "PCT2" => {
                let v = r.range(1, 99);
                write!(out, "{}.{}", v / 10, v % 10)
            }
            "BN" => {
                let v = r.range(11, 499);
                write!(out, "{}.{}", v / 10, v % 10)
            }
            "MAG" => {
                let v = r.range(45, 79);
                write!(out, "{}.{}", v / 10, v % 10)
            }
            "SCORE" => {
                let winner = r.range(1, 4);
                let loser = r.range(0, winner - 1);
                write!(out, "{winner}-{loser}")
            }
            _ => write!(out, "{{{name}}}"),
        };
    }
}

static UP_PRESENT: &[&str] = &["rise", "climb", "gain", "jump", "rally"];
static DOWN_PRESENT: &[&str] = &["fall", "slip", "drop", "slide", "tumble"];

fn person(rng: &mut Rng) -> (&'static str, &'static str) {
    (rng.pick_zipf(vocab::FIRST_NAMES), rng.pick_zipf(vocab::SURNAMES))
}

fn push_person(out: &mut String, (first, last): (&str, &str)) {
    out.push_str(first);
    out.push(' ');
    out.push_str(last);
}

/// A uniformly chosen index in `0..n` whose bit in `used` is clear, marking it used;
/// clears `used` when every index has been taken. `n` must be at most 64.
fn fresh_index(rng: &mut Rng, used: &mut u64, n: usize) -> usize {
    let n = n.min(64);
    let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    if *used & all == all {
        *used = 0;
    }
    let free = (all & !*used).count_ones() as usize;
    let mut k = rng.below(free);
    for i in 0..n {
        if *used & (1 << i) == 0 {
            if k == 0 {
                *used |= 1 << i;
                return i;
            }
            k -= 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_len_matches_serde_exactly() {
        let g = Generator::new(7);
        for i in 0..500 {
            let s = g.story(i);
            assert_eq!(Generator::json_len(&s), s.to_json().len(), "story {i}");
        }
    }

    #[test]
    fn every_slot_is_known() {
        let g = Generator::with_size(3, 6000).expect("size within limits");
        for i in 0..2000 {
            let s = g.story(i);
            assert!(!s.headline.contains('{'), "unfilled slot in {:?}", s.headline);
            assert!(!s.body.contains('{'), "unfilled slot in story {i}: {}", s.body);
        }
    }

    #[test]
    fn every_beat_is_written() {
        let g = Generator::new(11);
        let mut unseen: Vec<&str> = BEATS.iter().map(|b| b.name).collect();
        for i in 0..3000 {
            let mut rng = Rng::new(mix(g.seed, i));
            let beat = pick_beat(&mut rng);
            unseen.retain(|&n| n != beat.name);
        }
        assert!(unseen.is_empty(), "beats never chosen: {unseen:?}");
    }

    #[test]
    fn zipf_favours_the_front_but_reaches_the_tail() {
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 100];
        for _ in 0..200_000 {
            counts[rng.zipf(100)] += 1;
        }
        assert!(counts[0] > 5 * counts[9], "{counts:?}");
        assert!(counts[9] > 5 * counts[99], "{counts:?}");
        assert!(counts[99] > 0);
    }

    #[test]
    fn fresh_index_uses_each_once_before_repeating() {
        let mut rng = Rng::new(5);
        let mut used = 0;
        let mut got: Vec<usize> = (0..10).map(|_| fresh_index(&mut rng, &mut used, 10)).collect();
        got.sort_unstable();
        assert_eq!(got, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn guid_index_round_trips() {
        let g = Generator::new(0xfeed);
        assert_eq!(index_from_guid(&g.guid(123_456)), Some(123_456));
        assert_eq!(index_from_guid("someone-else-1"), None);
    }

    #[test]
    fn query_words_occur_in_generated_text() {
        let g = Generator::new(99);
        let mut text = String::new();
        for i in 0..3000 {
            let s = g.story(i);
            text.push_str(&s.headline.to_lowercase());
            text.push(' ');
            text.push_str(&s.body.to_lowercase());
        }
        for w in COMMON_TERMS.iter().chain(BEAT_TERMS).chain(PHRASES) {
            assert!(text.contains(w), "query word {w:?} never generated");
        }
    }
}
