//! The enrichment pipeline: everything Herald understands about a story, in one pure,
//! deterministic pass — language, entities (KB and unknown names, roles, aliases learned
//! from the text, coreference), quotes with their speakers, figures, topics, bullets and a
//! near-duplicate fingerprint.
//!
//! What a client sent is kept: entities, quotes, figures, topics, bullets or a language
//! that arrive with a story are not replaced. Per-source state (boilerplate learned across
//! a source's stories, the near-duplicate index) lives with the caller: see
//! [`crate::boilerplate`] and [`crate::fingerprint::DuplicateIndex`].

use herald_model::{Entity, EntityKind, Figure, Mention, Quote, Story, Topic};

use crate::kb::Kb;
use crate::{bullets, figures, fingerprint, lang, names, quotes, topics};

/// Bumped whenever enrichment output changes, so that a replay knows to re-enrich.
pub const ENRICHER_VERSION: u32 = 2;

/// Aliases copied onto an entity. They are what lets `entity:Daesh` match a story that
/// says "ISIL", but every one is stored and indexed with every story that names it, so
/// only a few are kept, and none of a city's (GeoNames' alternate spellings are noise
/// for matching and would double the size of a story).
const MAX_ALIASES: usize = 8;

/// What enrichment learned besides the story's own annotations.
#[derive(Debug, Clone, Default)]
pub struct EnrichReport {
    /// For each entity of the story (by index), every text it was found under, headline
    /// and bullets included.
    pub surfaces: Vec<(usize, String)>,
    /// Aliases the text introduced ("X, also known as Y"), with the sentence that says so.
    pub learned: Vec<LearnedAlias>,
}

/// An alias the story's text gave an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedAlias {
    pub entity_id: String,
    pub entity_name: String,
    pub alias: String,
    pub evidence: String,
}

/// Enriches stories with a loaded knowledge base. Pure: text in, annotations out.
pub struct Enricher {
    kb: Kb,
}

impl Enricher {
    pub fn new(kb: Kb) -> Enricher {
        Enricher { kb }
    }

    /// The knowledge base in use.
    pub fn kb(&self) -> &Kb {
        &self.kb
    }

    /// Enriches a story in place. Deterministic: the same story in gives the same story
    /// out. Entities a client sent with the story are kept as they are.
    pub fn enrich(&self, story: &mut Story) {
        self.run(story, false);
    }

    /// Enriches a story and returns, for each entity of the story (by index), every text
    /// it was found under, headline and bullets included (`Entity::mentions` holds only
    /// the body's). The gold-set evaluation scores these.
    pub fn enrich_with_surfaces(&self, story: &mut Story) -> Vec<(usize, String)> {
        self.run(story, true).surfaces
    }

    /// Enriches a story and tells what else was learned on the way: the aliases the text
    /// introduced (candidates for the knowledge base). `surfaces` is left empty.
    pub fn enrich_report(&self, story: &mut Story) -> EnrichReport {
        self.run(story, false)
    }

    fn run(&self, story: &mut Story, want_surfaces: bool) -> EnrichReport {
        if story.language.is_none() {
            let sample = cut(&story.body, 1024);
            story.language = if plainly_english(sample) {
                Some("en".to_string())
            } else {
                let mut sample = format!("{}\n{sample}", story.headline);
                if sample.len() < 64 {
                    sample.push_str(&story.body);
                }
                lang::detect_language(&sample).map(str::to_string)
            };
        }
        let doc = Doc::new(story);
        let mut report = EnrichReport::default();
        let mut found = None;
        if story.entities.is_empty() {
            let f = names::recognize(&self.kb, &doc.text, doc.headline_end);
            let (entities, s, order) = self.entities(&doc, &f, want_surfaces);
            for l in &f.learned {
                if let Some(e) = order.get(l.entity).and_then(|&p| entities.get(p)) {
                    report.learned.push(LearnedAlias {
                        entity_id: e.id.clone(),
                        entity_name: e.name.clone(),
                        alias: l.alias.clone(),
                        evidence: l.evidence.clone(),
                    });
                }
            }
            story.entities = entities;
            report.surfaces = s;
            found = Some((f, order));
        }
        if story.quotes.is_empty() {
            story.quotes = match &found {
                Some((f, order)) => doc.quotes(f, order, &story.entities),
                None => doc.quotes(&names::Found::default(), &[], &story.entities),
            };
        }
        if story.figures.is_empty() {
            story.figures = doc.figures();
        }
        if story.topics.is_empty() {
            story.topics = topics::classify(&story.headline, &story.body, &story.entities)
                .into_iter()
                .map(Topic::from)
                .collect();
        }
        if story.bullets.is_empty() {
            story.bullets = bullets::extractive_bullets(&story.headline, &story.body, 3);
        }
        if story.fingerprint.is_none() {
            story.fingerprint = Some(format!(
                "{:016x}",
                fingerprint::simhash(&story.headline, &story.body)
            ));
        }
        report
    }

    /// The story's entities, best first, from what the recognizer found; also every
    /// surface each was found under, and for each recognizer entity its output position.
    fn entities(
        &self,
        doc: &Doc,
        found: &names::Found,
        want_surfaces: bool,
    ) -> (Vec<Entity>, Vec<(usize, String)>, Vec<usize>) {
        let mut per: Vec<(Vec<Mention>, bool, usize)> = vec![(Vec::new(), false, 0); found.entities.len()];
        let mut surfaces = Vec::new();
        for m in &found.mentions {
            let Some(text) = doc.text.get(m.start..m.end) else {
                continue;
            };
            if want_surfaces {
                surfaces.push((m.entity, text.to_string()));
            }
            let slot = &mut per[m.entity];
            slot.2 += 1;
            if m.start < doc.headline_end {
                slot.1 = true;
            }
            if m.start >= doc.body_at {
                slot.0.push(Mention {
                    start: m.start - doc.body_at,
                    end: m.end - doc.body_at,
                    text: text.to_string(),
                });
            }
        }
        let most = per.iter().map(|p| p.2).max().unwrap_or(0).max(1) as f32;
        let counts: Vec<usize> = per.iter().map(|p| p.2).collect();
        let mut out: Vec<(usize, Entity)> = found
            .entities
            .iter()
            .enumerate()
            // A name folded into another as its alias keeps no mention of its own.
            .filter(|(i, _)| counts[*i] > 0)
            .map(|(i, e)| {
                let (mentions, in_headline, count) = std::mem::take(&mut per[i]);
                let salience = (if in_headline { 0.5 } else { 0.0 }) + 0.5 * count as f32 / most;
                let mut aliases: Vec<String> = match e.kb.and_then(|k| self.kb.get(k)) {
                    Some(k) if k.category != "city" => k.aliases.iter().take(MAX_ALIASES).cloned().collect(),
                    _ => Vec::new(),
                };
                for a in &e.learned {
                    if !aliases.contains(a) && a != &e.name {
                        aliases.push(a.clone());
                    }
                }
                (
                    i,
                    Entity {
                        id: e.id.clone(),
                        kind: e.kind,
                        name: e.name.clone(),
                        aliases,
                        ticker: e.ticker.clone(),
                        roles: e.roles.clone(),
                        salience: (salience * 100.0).round() / 100.0,
                        mentions,
                    },
                )
            })
            .collect();
        out.sort_by(|(_, a), (_, b)| {
            b.salience
                .total_cmp(&a.salience)
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut pos = vec![usize::MAX; found.entities.len()];
        for (new, (old, _)) in out.iter().enumerate() {
            pos[*old] = new;
        }
        let surfaces = surfaces.into_iter().map(|(i, s)| (pos[i], s)).collect();
        (out.into_iter().map(|(_, e)| e).collect(), surfaces, pos)
    }
}

/// A story as one text: headline, bullets and body, each its own paragraph, with where
/// the body starts (annotations in the body carry body offsets; the rest carry 0..0).
struct Doc {
    text: String,
    headline_end: usize,
    body_at: usize,
}

impl Doc {
    fn new(story: &Story) -> Doc {
        let mut text = String::with_capacity(story.headline.len() + story.body.len() + 64);
        text.push_str(&story.headline);
        let headline_end = text.len();
        text.push_str("\n\n");
        for b in &story.bullets {
            text.push_str(b);
            text.push_str("\n\n");
        }
        let body_at = text.len();
        text.push_str(&story.body);
        Doc {
            text,
            headline_end,
            body_at,
        }
    }

    /// Body offsets for a span of the document; 0..0 outside the body.
    fn body_span(&self, start: usize, end: usize) -> (usize, usize) {
        if start >= self.body_at {
            (start - self.body_at, end - self.body_at)
        } else {
            (0, 0)
        }
    }

    fn quotes(&self, found: &names::Found, order: &[usize], entities: &[Entity]) -> Vec<Quote> {
        // Refs: sorted, non-overlapping (an outer mention wins over one nested in it).
        let mut refs: Vec<quotes::Ref> = Vec::with_capacity(found.mentions.len());
        for m in &found.mentions {
            if refs.last().is_some_and(|r| m.start < r.end) {
                continue;
            }
            let Some(&pos) = order.get(m.entity).filter(|&&p| p != usize::MAX) else {
                continue;
            };
            refs.push(quotes::Ref {
                start: m.start,
                end: m.end,
                entity: pos,
                person: entities.get(pos).is_some_and(|e| e.kind == EntityKind::Person),
            });
        }
        // The headline is no place for quotes with speakers; start after it.
        let from = self.headline_end;
        let text = &self.text[from..];
        let shifted: Vec<quotes::Ref> = refs
            .iter()
            .filter(|r| r.start >= from)
            .map(|r| quotes::Ref {
                start: r.start - from,
                end: r.end - from,
                ..*r
            })
            .collect();
        quotes::extract_quotes(text, &shifted)
            .into_iter()
            .filter_map(|q| {
                let quoted = text.get(q.start..q.end)?.trim();
                if quoted.is_empty() {
                    return None;
                }
                let speaker = q.speaker.and_then(|i| entities.get(i));
                let (start, end) = self.body_span(q.start + from, q.end + from);
                Some(Quote {
                    text: quoted.to_string(),
                    speaker: speaker.map(|e| e.id.clone()),
                    speaker_name: speaker.map(|e| e.name.clone()),
                    start,
                    end,
                })
            })
            .collect()
    }

    fn figures(&self) -> Vec<Figure> {
        figures::extract_figures(&self.text)
            .into_iter()
            .map(|mut f| {
                let (s, e) = self.body_span(f.start, f.end);
                f.start = s;
                f.end = e;
                f
            })
            .collect()
    }
}

/// The part of enrichment that needs no knowledge base: language, quotes (without
/// speakers), figures, topics, bullets and the fingerprint. Deterministic.
pub fn enrich(story: &mut Story) {
    static EMPTY: std::sync::OnceLock<Option<Enricher>> = std::sync::OnceLock::new();
    if let Some(e) = EMPTY.get_or_init(|| Kb::builder().build().ok().map(Enricher::new)) {
        e.enrich(story);
    }
}

/// A fast path before the language detector (which costs more than the rest of
/// enrichment on a wire story): text in which English function words make up a fifth of
/// the first hundred words is English. Anything less clear goes to the detector.
fn plainly_english(text: &str) -> bool {
    const COMMON: &[&str] = &[
        "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "was", "with", "said", "it", "as",
        "at", "by", "from", "he", "she", "has", "have", "were", "be", "are", "its", "their", "would", "will",
    ];
    // The common words packed as integers (lowercase bytes, zero padded) and sorted: one
    // binary search per word instead of thirty string compares.
    static PACKED: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    let packed = PACKED.get_or_init(|| {
        let mut v: Vec<u64> = COMMON.iter().filter_map(|w| pack_lower(w)).collect();
        v.sort_unstable();
        v
    });
    let mut words = 0;
    let mut common = 0;
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(100)
    {
        words += 1;
        if w.len() <= 5 && pack_lower(w).is_some_and(|k| packed.binary_search(&k).is_ok()) {
            common += 1;
        }
    }
    words >= 30 && common * 5 >= words
}

/// A word of at most eight bytes, ASCII-lowercased and packed into an integer (zero padded;
/// words hold no NUL). Two words are equal ignoring ASCII case exactly when these are.
fn pack_lower(word: &str) -> Option<u64> {
    if word.len() > 8 {
        return None;
    }
    let mut buf = [0u8; 8];
    for (d, s) in buf.iter_mut().zip(word.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(u64::from_le_bytes(buf))
}

/// At most `max` bytes of `text`, cut on a char boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enricher() -> &'static Enricher {
        static E: std::sync::OnceLock<Enricher> = std::sync::OnceLock::new();
        E.get_or_init(|| Enricher::new(Kb::embedded().expect("the embedded KB loads")))
    }

    #[test]
    fn links_known_names_through_aliases() {
        let mut s = Story {
            headline: "Daesh fighters retreat near Mosul".into(),
            body: "Fighters of ISIL withdrew from two villages, Iraqi officials said. \
                   The Islamic State group had held them since May."
                .into(),
            ..Default::default()
        };
        enricher().enrich(&mut s);
        let is = s
            .entities
            .iter()
            .find(|e| e.id == "kb:group/islamic-state")
            .expect("Islamic State linked");
        assert_eq!(is.kind, herald_model::EntityKind::Org);
        assert!(is.aliases.iter().any(|a| a == "Daesh"), "{:?}", is.aliases);
        assert_eq!(
            is.mentions.len(),
            2,
            "ISIL and Islamic State in the body: {:?}",
            is.mentions
        );
        for m in &is.mentions {
            assert_eq!(&s.body[m.start..m.end], m.text);
        }
        assert!(is.salience > 0.9, "named in the headline and most mentioned");
        assert!(
            s.entities
                .iter()
                .any(|e| e.kind == herald_model::EntityKind::Place),
            "{:?}",
            s.entities
        );
    }

    #[test]
    fn names_that_need_context_are_taken_only_with_it_and_client_entities_are_kept() {
        let mut s = Story {
            headline: "Georgia votes".into(),
            body: "Polls opened in Georgia on Sunday. Jordan Peters, a voter, said turnout looked high."
                .into(),
            ..Default::default()
        };
        enricher().enrich(&mut s);
        assert!(
            s.entities.iter().any(|e| e.id == "kb:place/georgia"),
            "in Georgia: {:?}",
            s.entities
        );
        assert!(
            s.entities.iter().all(|e| e.id != "kb:place/jordan"),
            "Jordan Peters is a person: {:?}",
            s.entities
        );
        assert!(
            s.entities
                .iter()
                .any(|e| e.name == "Jordan Peters" && e.kind == herald_model::EntityKind::Person)
        );
        let mut s = Story {
            headline: "Syria".into(),
            body: "Syria.".into(),
            entities: vec![Entity::new("doc:x", herald_model::EntityKind::Other, "X")],
            ..Default::default()
        };
        enricher().enrich(&mut s);
        assert_eq!(s.entities.len(), 1, "what the client sent is kept");
    }

    #[test]
    fn keeps_given_bullets() {
        let mut s = Story {
            headline: "H".into(),
            bullets: vec!["b".into()],
            body: "One. Two.".into(),
            ..Default::default()
        };
        enrich(&mut s);
        assert_eq!(s.bullets, ["b"]);
    }

    #[test]
    fn makes_bullets_when_none_came() {
        let mut s = Story {
            headline: "Markets fall".into(),
            body: "Stock markets in Europe fell 3% on Monday after weak factory data. Oil rose. \
                   Gold was flat in quiet trading across the region.\n\nMore text here follows."
                .into(),
            ..Default::default()
        };
        enrich(&mut s);
        assert_eq!(
            s.bullets[0],
            "Stock markets in Europe fell 3% on Monday after weak factory data."
        );
        assert!(s.bullets.iter().all(|b| b.chars().count() <= 160));
        assert!(s.fingerprint.as_deref().is_some_and(|f| f.len() == 16));
        assert!(s.figures.iter().any(|f| f.text.contains("3%")), "{:?}", s.figures);
    }

    #[test]
    fn a_megabyte_of_names_roles_and_quotes_is_enriched_with_sane_offsets() {
        // The worst of what a hostile or broken feed can send inside the 1 MiB body cap:
        // names, role words, alias phrases and quotes over and over. It must come back
        // (the node enriches on a bounded pool) with every offset inside the body.
        let unit = "Foreign Minister Anna Lindqvist met the minister of the Group for the Support \
                    of Islam and Muslims (JNIM), also known as Ansar Allah, in Kabul. \
                    \"We will act,\" she said. The company said Daesh and ISIL";
        let mut body = String::new();
        while body.len() < 1_000_000 {
            body.push_str(unit);
            body.push_str(". ");
        }
        let mut s = Story {
            headline: "Stress".into(),
            body,
            ..Default::default()
        };
        enricher().enrich(&mut s);
        assert!(!s.entities.is_empty() && !s.quotes.is_empty());
        for e in &s.entities {
            for m in &e.mentions {
                assert_eq!(&s.body[m.start..m.end], m.text);
            }
        }
        for q in s.quotes.iter().filter(|q| q.end > 0) {
            assert!(s.body.get(q.start..q.end).is_some());
        }
    }
}
