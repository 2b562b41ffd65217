//! Scores enrichment against the hand-annotated gold set (`fixtures/gold`, its README
//! gives the rules): entity precision/recall/F1 per kind, quote-speaker accuracy, figure
//! recall and topic agreement. Pure: the caller reads the files and passes their text.
//!
//! Entities are scored exactly like the spaCy baseline (`scripts/baseline/README.md`), so
//! the two numbers compare: per story, each distinct (kind, surface text) the system
//! predicts either finds a gold entity of that kind whose name or one of whose aliases is
//! exactly that text (a TP for the gold entity, counted once), or is one false positive.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use herald_model::{EntityKind, Story};
use serde::Deserialize;

/// One gold story's annotation (`NN-slug.ann.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct Annotation {
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default, rename = "entity")]
    pub entities: Vec<GoldEntity>,
    #[serde(default, rename = "quote")]
    pub quotes: Vec<GoldQuote>,
    #[serde(default, rename = "figure")]
    pub figures: Vec<GoldFigure>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldEntity {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub ticker: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldQuote {
    pub starts: String,
    pub speaker: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldFigure {
    pub text: String,
    pub value: f64,
    #[serde(default)]
    pub unit: String,
}

impl Annotation {
    pub fn parse(toml_text: &str) -> Result<Annotation, String> {
        toml::from_str(toml_text).map_err(|e| e.to_string())
    }
}

/// Everything the system said about one story, in the terms the gold set uses.
#[derive(Debug, Clone, Default)]
pub struct Prediction {
    /// Distinct (kind, surface) pairs: every mention text of every entity, headline included.
    pub spans: BTreeSet<(EntityKind, String)>,
    /// (quoted text, speaker's canonical name or "" when none, speaker's surfaces).
    pub quotes: Vec<(String, Option<BTreeSet<String>>)>,
    pub figures: Vec<(String, f64, String)>,
    pub topics: Vec<String>,
}

impl Prediction {
    /// From an enriched story plus the surfaces each entity was found under (the
    /// enricher's record, which includes the headline and bullets).
    pub fn from_story(story: &Story, surfaces: &[(usize, String)]) -> Prediction {
        let mut p = Prediction::default();
        let mut forms: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (i, s) in surfaces {
            if let Some(e) = story.entities.get(*i) {
                p.spans.insert((e.kind, s.clone()));
                forms.entry(*i).or_default().insert(s.clone());
            }
        }
        for (i, e) in story.entities.iter().enumerate() {
            let f = forms.entry(i).or_default();
            f.insert(e.name.clone());
            f.extend(e.aliases.iter().cloned());
        }
        for q in &story.quotes {
            let speaker = q.speaker.as_ref().and_then(|id| {
                story
                    .entities
                    .iter()
                    .position(|e| &e.id == id)
                    .and_then(|i| forms.get(&i).cloned())
            });
            p.quotes.push((q.text.clone(), speaker));
        }
        p.figures = story
            .figures
            .iter()
            .map(|f| (f.text.clone(), f.value, f.unit.clone()))
            .collect();
        p.topics = story.topics.iter().map(|t| t.code.clone()).collect();
        p
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

pub const KINDS: [EntityKind; 4] = [
    EntityKind::Person,
    EntityKind::Org,
    EntityKind::Place,
    EntityKind::Company,
];

/// The scores over a set of stories, with the errors that explain them.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub stories: usize,
    pub per_kind: BTreeMap<&'static str, Counts>,
    pub quotes_total: usize,
    pub quotes_found: usize,
    pub speaker_named: usize,
    pub speaker_correct: usize,
    pub anonymous: usize,
    pub anonymous_correct: usize,
    pub figures_total: usize,
    pub figures_found: usize,
    pub topics_first_in_top2: usize,
    pub topic_counts: Counts,
    /// (story, "missed"/"false"/"speaker", detail)
    pub errors: Vec<(String, &'static str, String)>,
}

fn kind_of(s: &str) -> Option<EntityKind> {
    Some(match s {
        "person" => EntityKind::Person,
        "org" => EntityKind::Org,
        "place" => EntityKind::Place,
        "company" => EntityKind::Company,
        _ => return None,
    })
}

fn norm_quote(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Report {
    pub fn entity_total(&self) -> Counts {
        let mut c = Counts::default();
        for k in self.per_kind.values() {
            c.add(*k);
        }
        c
    }

    pub fn speaker_accuracy(&self) -> f64 {
        ratio(
            self.speaker_correct + self.anonymous_correct,
            self.speaker_named + self.anonymous,
        )
    }

    /// Adds one story's scores.
    pub fn add(&mut self, name: &str, gold: &Annotation, pred: &Prediction) {
        self.stories += 1;
        // Entities.
        let mut found = vec![false; gold.entities.len()];
        let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
        for (kind, text) in &pred.spans {
            let hits: Vec<usize> = gold
                .entities
                .iter()
                .enumerate()
                .filter(|(_, g)| {
                    kind_of(&g.kind) == Some(*kind) && (&g.name == text || g.aliases.contains(text))
                })
                .map(|(i, _)| i)
                .collect();
            if hits.is_empty() {
                counts.entry(kind.as_str()).or_default().fp += 1;
                self.errors
                    .push((name.into(), "false", format!("{} {:?}", kind.as_str(), text)));
            }
            for h in hits {
                found[h] = true;
            }
        }
        for (g, f) in gold.entities.iter().zip(&found) {
            let k = kind_of(&g.kind).map_or("other", EntityKind::as_str);
            if *f {
                counts.entry(k).or_default().tp += 1;
            } else {
                counts.entry(k).or_default().fn_ += 1;
                self.errors
                    .push((name.into(), "missed", format!("{} {:?}", g.kind, g.name)));
            }
        }
        for (k, c) in counts {
            self.per_kind.entry(k).or_default().add(c);
        }
        // Quotes: matched by their first words.
        for gq in &gold.quotes {
            self.quotes_total += 1;
            let starts = norm_quote(&gq.starts);
            let hit = pred
                .quotes
                .iter()
                .find(|(t, _)| norm_quote(t).starts_with(&starts));
            if hit.is_some() {
                self.quotes_found += 1;
            }
            let speaker = hit.and_then(|(_, s)| s.as_ref());
            if gq.speaker.is_empty() {
                self.anonymous += 1;
                if speaker.is_none() {
                    self.anonymous_correct += 1;
                } else {
                    self.errors.push((
                        name.into(),
                        "speaker",
                        format!("{:?}: anonymous, got {:?}", gq.starts, speaker),
                    ));
                }
                continue;
            }
            self.speaker_named += 1;
            let gold_forms: BTreeSet<&str> = gold
                .entities
                .iter()
                .filter(|e| e.name == gq.speaker)
                .flat_map(|e| std::iter::once(e.name.as_str()).chain(e.aliases.iter().map(String::as_str)))
                .collect();
            let ok = speaker.is_some_and(|s| s.iter().any(|f| gold_forms.contains(f.as_str())));
            if ok {
                self.speaker_correct += 1;
            } else {
                self.errors.push((
                    name.into(),
                    "speaker",
                    format!(
                        "{:?}: want {:?}, got {:?}",
                        gq.starts,
                        gq.speaker,
                        speaker.map(|s| s.iter().next())
                    ),
                ));
            }
        }
        // Figures: recall by text.
        for gf in &gold.figures {
            self.figures_total += 1;
            if pred.figures.iter().any(|(t, _, _)| t == &gf.text) {
                self.figures_found += 1;
            } else {
                self.errors
                    .push((name.into(), "figure", format!("{:?}", gf.text)));
            }
        }
        // Topics.
        if let Some(first) = gold.topics.first()
            && pred.topics.iter().take(2).any(|t| t == first)
        {
            self.topics_first_in_top2 += 1;
        }
        let g: BTreeSet<&String> = gold.topics.iter().collect();
        let p: BTreeSet<&String> = pred.topics.iter().collect();
        self.topic_counts.add(Counts {
            tp: g.intersection(&p).count(),
            fp: p.difference(&g).count(),
            fn_: g.difference(&p).count(),
        });
    }

    /// The table a person reads.
    pub fn render(&self, with_errors: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "gold stories: {}", self.stories);
        let _ = writeln!(
            s,
            "{:<10} {:>5} {:>5} {:>5} {:>7} {:>7} {:>7}",
            "kind", "TP", "FP", "FN", "P", "R", "F1"
        );
        let mut rows: Vec<(&str, Counts)> = self.per_kind.iter().map(|(k, c)| (*k, *c)).collect();
        rows.push(("overall", self.entity_total()));
        for (k, c) in rows {
            let _ = writeln!(
                s,
                "{:<10} {:>5} {:>5} {:>5} {:>7.3} {:>7.3} {:>7.3}",
                k,
                c.tp,
                c.fp,
                c.fn_,
                c.precision(),
                c.recall(),
                c.f1()
            );
        }
        let _ = writeln!(
            s,
            "quotes: {}/{} found; speaker accuracy {:.3} (named {}/{}, anonymous left unattributed {}/{})",
            self.quotes_found,
            self.quotes_total,
            self.speaker_accuracy(),
            self.speaker_correct,
            self.speaker_named,
            self.anonymous_correct,
            self.anonymous
        );
        let _ = writeln!(
            s,
            "figures: recall {:.3} ({}/{})",
            ratio(self.figures_found, self.figures_total),
            self.figures_found,
            self.figures_total
        );
        let _ = writeln!(
            s,
            "topics: first gold topic in our top 2 for {}/{} stories; topic-set F1 {:.3}",
            self.topics_first_in_top2,
            self.stories,
            self.topic_counts.f1()
        );
        if with_errors {
            for (story, what, detail) in &self.errors {
                let _ = writeln!(s, "  {story}: {what} {detail}");
            }
        }
        s
    }
}
