//! Per-source boilerplate: paragraphs that recur across one source's recent stories
//! ("Reporting by …; editing by …", "Sign up for our newsletter", a fixed disclaimer) are
//! learned and removed from that source's new stories.
//!
//! Each paragraph is reduced to a key: lowercased, every run of digits → `0`, punctuation and
//! whitespace collapsed, and **capitalised words that do not open a clause → one name
//! placeholder** (adjacent names, and names joined by "and", "&" or a particle such as "de" or
//! "al", count as one). That last step is how credit lines with varying names are learned as
//! one paragraph: "Reporting by Anna Berg; editing by Tom Hale" and "Reporting by Sami Okoro
//! and Lea Voss; Editing by Jo Park" share the key "reporting by · editing by ·". The
//! placeholder is used only when at least two literal words remain, so an all-capitalised line
//! ("Follow Us Online", a subhead) keeps its words and is matched exactly. A clause's first
//! word (at the start, or after `.`, `;`, `:` …) is never masked, so a credit line that opens
//! with a name ("Anna Berg contributed reporting") is only learned when the same first name
//! recurs; that is accepted as rare in wire copy.
//!
//! Per source, a sliding window of the last N stories (default 200) holds each story's
//! distinct keys, with a count per key. A paragraph whose key occurs in at least `min_count`
//! (default 5) of the window's stories and in at least 30% of them is boilerplate.
//!
//! Memory is bounded: at most `max_sources` sources (least recently used evicted), at most
//! [`MAX_KEYS_PER_SOURCE`] distinct keys per source, at most [`MAX_RECORDED_PER_STORY`]
//! paragraphs recorded per story and source names cut to [`MAX_SOURCE_BYTES`]. A source at
//! every limit takes about 190 kB (window 200 × 32 × 8 B, plus the key counts), so the
//! defaults bound the learner near 1.9 GB in the worst case; a typical source (about ten short
//! paragraphs a story, most of them unique) takes 50–90 kB. Lower `window` or `max_sources`
//! where that is too much.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Range;

use rustc_hash::FxHashMap;

use crate::fingerprint::stable_hash;

/// Default number of a source's most recent stories that are remembered.
pub const DEFAULT_WINDOW: usize = 200;
/// Default number of stories a paragraph must occur in before it is removed.
pub const DEFAULT_MIN_COUNT: usize = 5;
/// Default number of sources remembered.
pub const DEFAULT_MAX_SOURCES: usize = 10_000;
/// Distinct paragraph keys counted per source; further new keys are ignored until old
/// stories leave the window.
pub const MAX_KEYS_PER_SOURCE: usize = 4096;
/// Paragraphs recorded per story (the first and last halves of this; boilerplate sits at the
/// top or the bottom of a story).
pub const MAX_RECORDED_PER_STORY: usize = 32;
/// Longer source names are cut (at a character boundary) to this many bytes.
pub const MAX_SOURCE_BYTES: usize = 256;
/// Paragraphs longer than this (in characters) are never removed, nor recorded: boilerplate is
/// short, and a long paragraph is more likely to be news.
pub const MAX_BOILERPLATE_CHARS: usize = 400;

/// Share of the window (in percent) a paragraph must reach to count as boilerplate.
const MIN_SHARE_PERCENT: usize = 30;

/// Learns each source's recurring paragraphs and removes them from its new stories.
pub struct BoilerplateLearner {
    window: usize,
    min_count: usize,
    max_sources: usize,
    sources: FxHashMap<Box<str>, SourceState>,
    /// Last-use tick → source, for evicting the least recently used source.
    lru: BTreeMap<u64, Box<str>>,
    tick: u64,
}

#[derive(Default)]
struct SourceState {
    last_used: u64,
    /// The window: each remembered story's distinct, counted paragraph keys, oldest first.
    stories: VecDeque<Vec<u64>>,
    /// Key → number of stories in the window that have it.
    counts: FxHashMap<u64, usize>,
}

impl Default for BoilerplateLearner {
    fn default() -> Self {
        Self::new()
    }
}

impl BoilerplateLearner {
    /// A learner with the default limits (window 200, min count 5, 10,000 sources).
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_WINDOW, DEFAULT_MIN_COUNT, DEFAULT_MAX_SOURCES)
    }

    /// A learner remembering each source's last `window` stories, removing paragraphs seen in
    /// at least `min_count` of them (and 30% of the window), for at most `max_sources` sources.
    /// Zero limits are raised to 1.
    pub fn with_limits(window: usize, min_count: usize, max_sources: usize) -> Self {
        BoilerplateLearner {
            window: window.max(1),
            min_count: min_count.max(1),
            max_sources: max_sources.max(1),
            sources: FxHashMap::default(),
            lru: BTreeMap::new(),
            tick: 0,
        }
    }

    /// Number of sources currently remembered.
    pub fn sources(&self) -> usize {
        self.sources.len()
    }

    /// Removes `source`'s known boilerplate paragraphs from `body` and returns the result
    /// (`body` unchanged when there are none), then records this story's paragraphs for
    /// `source`. The first paragraph and paragraphs over 400 characters are never removed, so
    /// a non-empty body never comes back empty.
    pub fn strip_and_learn(&mut self, source: &str, body: &str) -> String {
        let key = source_key(source);
        let paragraphs = paragraphs(body);
        let keys: Vec<Option<u64>> = paragraphs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let text = body.get(r.clone())?;
                (i > 0 && text.chars().count() <= MAX_BOILERPLATE_CHARS).then(|| paragraph_key(text))
            })
            .collect();

        let out = match self.sources.get(key) {
            Some(state) => {
                let remove: Vec<bool> = keys
                    .iter()
                    .map(|k| k.is_some_and(|k| self.is_boilerplate(state, k)))
                    .collect();
                rebuild(body, &paragraphs, &remove)
            }
            None => body.to_string(),
        };

        self.record(key, &keys);
        out
    }

    fn is_boilerplate(&self, state: &SourceState, key: u64) -> bool {
        let count = state.counts.get(&key).copied().unwrap_or(0);
        count >= self.min_count && count * 100 >= state.stories.len() * MIN_SHARE_PERCENT
    }

    fn record(&mut self, source: &str, keys: &[Option<u64>]) {
        self.tick += 1;
        let tick = self.tick;
        if !self.sources.contains_key(source) {
            while self.sources.len() >= self.max_sources {
                let Some((_, oldest)) = self.lru.pop_first() else {
                    break;
                };
                self.sources.remove(&oldest);
            }
            self.sources.insert(source.into(), SourceState::default());
        }
        let Some(state) = self.sources.get_mut(source) else {
            return;
        };
        self.lru.remove(&state.last_used);
        state.last_used = tick;
        self.lru.insert(tick, source.into());

        // Which keys to record: distinct, the first and last halves of the cap.
        let present: Vec<u64> = keys.iter().flatten().copied().collect();
        let half = MAX_RECORDED_PER_STORY / 2;
        let picked: Vec<u64> = if present.len() > MAX_RECORDED_PER_STORY {
            present
                .iter()
                .take(half)
                .chain(present.iter().skip(present.len() - half))
                .copied()
                .collect()
        } else {
            present
        };
        let mut story: Vec<u64> = Vec::with_capacity(picked.len());
        for k in picked {
            if story.contains(&k) {
                continue;
            }
            let known = state.counts.contains_key(&k);
            if !known && state.counts.len() >= MAX_KEYS_PER_SOURCE {
                continue;
            }
            *state.counts.entry(k).or_insert(0) += 1;
            story.push(k);
        }
        state.stories.push_back(story);
        while state.stories.len() > self.window {
            let Some(old) = state.stories.pop_front() else {
                break;
            };
            for k in old {
                if let Some(c) = state.counts.get_mut(&k) {
                    *c = c.saturating_sub(1);
                    if *c == 0 {
                        state.counts.remove(&k);
                    }
                }
            }
        }
    }
}

/// The source name as stored: cut to [`MAX_SOURCE_BYTES`] at a character boundary.
fn source_key(source: &str) -> &str {
    let mut end = source.len().min(MAX_SOURCE_BYTES);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    source.get(..end).unwrap_or("")
}

/// Byte ranges of `body`'s paragraphs (runs of non-blank lines), trimmed.
fn paragraphs(body: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if let Some(r) = current.take() {
                out.push(r);
            }
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let range = start + lead..start + lead + trimmed.len();
        current = Some(match current {
            Some(r) => r.start..range.end,
            None => range,
        });
    }
    if let Some(r) = current {
        out.push(r);
    }
    out
}

/// `body` without the paragraphs marked in `remove`, each kept paragraph keeping the
/// separator that preceded it. `body` itself when nothing is removed.
fn rebuild(body: &str, paragraphs: &[Range<usize>], remove: &[bool]) -> String {
    if !remove.iter().any(|&r| r) {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut prev_end = 0;
    let mut last_kept = false;
    for (i, r) in paragraphs.iter().enumerate() {
        let removed = remove.get(i).copied().unwrap_or(false);
        if !removed {
            // The separator that preceded this paragraph in the original (after a removed
            // paragraph, the removed one's trailing separator; its leading one is dropped).
            out.push_str(body.get(prev_end..r.start).unwrap_or(""));
            out.push_str(body.get(r.clone()).unwrap_or(""));
        }
        prev_end = r.end;
        last_kept = !removed;
    }
    if last_kept {
        out.push_str(body.get(prev_end..).unwrap_or(""));
    }
    out
}

/// Lowercase words that join the parts of one name or a list of names.
const NAME_JOINERS: &[&str] = &[
    "and", "de", "la", "le", "van", "von", "der", "den", "al", "el", "bin", "ibn", "da", "di", "du", "del",
    "dos", "y",
];

#[derive(PartialEq, Eq, Debug)]
enum Tok {
    Name,
    Word(String),
}

/// The normalised key of a paragraph (see the module docs).
fn paragraph_key(text: &str) -> u64 {
    let mut masked: Vec<Tok> = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    for (word, clause_start) in words(text) {
        let norm = normalise_word(word);
        let capitalised = word.chars().next().is_some_and(char::is_uppercase);
        if !clause_start && capitalised {
            // Collapse "Name and Name", "Name de la Name", "Name Name" into one placeholder.
            let mut j = masked.len();
            while matches!(masked.get(j.wrapping_sub(1)), Some(Tok::Word(w)) if NAME_JOINERS.contains(&w.as_str()))
            {
                j -= 1;
            }
            if j > 0 && masked.get(j - 1) == Some(&Tok::Name) {
                masked.truncate(j);
            } else {
                masked.push(Tok::Name);
            }
        } else {
            masked.push(Tok::Word(norm.clone()));
        }
        plain.push(norm);
    }
    let literal = masked.iter().filter(|t| matches!(t, Tok::Word(_))).count();
    let mut key = String::new();
    if literal >= 2 {
        for t in &masked {
            match t {
                Tok::Name => key.push('\u{1}'),
                Tok::Word(w) => key.push_str(w),
            }
            key.push(' ');
        }
    } else {
        for w in &plain {
            key.push_str(w);
            key.push(' ');
        }
    }
    stable_hash(key.as_bytes())
}

/// Maximal runs of letters and digits, each with whether it opens a clause (first word, or
/// after `.`, `;`, `:`, `!`, `?`, `|`, `•` or a spaced dash): a capital there is not a name's
/// ("…; Editing by …").
fn words(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut clause_start = true;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_alphanumeric() && i < text.len() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(st) = start.take() {
            out.push((text.get(st..i).unwrap_or(""), clause_start));
            clause_start = false;
        }
        if ".;:!?|–—•".contains(c) {
            clause_start = true;
        }
    }
    out
}

/// Lowercased, each run of digits replaced by a single `0`.
fn normalise_word(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut in_digits = false;
    for c in word.chars() {
        if c.is_numeric() {
            if !in_digits {
                out.push('0');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_lines_with_other_names_share_a_key() {
        let a = paragraph_key("Reporting by Anna Berg; editing by Tom Hale");
        let b = paragraph_key("Reporting by Sami Okoro and Lea de la Cruz; Editing by Jo Park");
        let c = paragraph_key("Reporting by Karl-Erik Lund; editing by Ama O'Neil");
        assert_eq!(a, c);
        assert_eq!(a, b);
        assert_ne!(
            a,
            paragraph_key("Reporting by Anna Berg in Oslo; editing by Tom Hale")
        );
    }

    #[test]
    fn digits_and_spacing_do_not_matter() {
        assert_eq!(
            paragraph_key("This story was updated at 10:45 GMT."),
            paragraph_key("this  story was updated at 9:05   GMT")
        );
    }

    #[test]
    fn title_case_lines_are_matched_exactly() {
        assert_ne!(
            paragraph_key("Market Reaction"),
            paragraph_key("Election Results")
        );
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let body = "  One line\nand more.\n\n \n Two. \n\nThree";
        let ps: Vec<&str> = paragraphs(body).into_iter().map(|r| &body[r]).collect();
        assert_eq!(ps, ["One line\nand more.", "Two.", "Three"]);
    }

    #[test]
    fn rebuild_keeps_separators() {
        let body = "A.\n\nB.\n\nC.\n";
        let ps = paragraphs(body);
        assert_eq!(rebuild(body, &ps, &[false, true, false]), "A.\n\nC.\n");
        assert_eq!(rebuild(body, &ps, &[false, false, true]), "A.\n\nB.");
    }
}
