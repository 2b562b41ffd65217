//! The enrichment pipeline: so far, knowledge-base entities and lead bullets.
//!
//! Entities: every name the knowledge base knows, found on word boundaries in the
//! headline and body, becomes an entity with its KB id, kind, canonical name, aliases
//! and ticker, so that `entity:Daesh` finds a story that only says "ISIL". Linking is
//! deliberately conservative until context-aware linking lands: names the KB marks as
//! needing context (Georgia, Jordan, Chad …), names shared by several entities, and
//! names of one or two characters are left alone. Quotes, figures, topics and names
//! the KB does not know come with the rest of the enrichment issue.

use std::collections::HashMap;

use herald_model::{Entity, Mention, Story};

use crate::kb::{EntityIdx, Kb};

/// Bumped whenever enrichment output changes, so that a replay knows to re-enrich.
pub const ENRICHER_VERSION: u32 = 1;

/// Aliases copied onto an entity. They are what lets `entity:Daesh` match a story that
/// says "ISIL", but every one is stored and indexed with every story that names it, so
/// only a few are kept, and none of a city's (GeoNames' alternate spellings are noise
/// for matching and would double the size of a story).
const MAX_ALIASES: usize = 8;

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
        if story.entities.is_empty() {
            story.entities = self.entities(&story.headline, &story.body);
        }
        enrich(story);
    }

    fn entities(&self, headline: &str, body: &str) -> Vec<Entity> {
        // Per entity: mentions in the body (offsets are into the body), and whether the
        // headline names it.
        let mut found: HashMap<EntityIdx, (Vec<Mention>, bool)> = HashMap::new();
        for (text, in_headline) in [(headline, true), (body, false)] {
            for m in self.kb.find(text) {
                if m.ambiguous || m.ids.len() != 1 || text[m.start..m.end].chars().count() <= 2 {
                    continue;
                }
                let entry = found.entry(m.ids[0]).or_default();
                if in_headline {
                    entry.1 = true;
                } else {
                    entry.0.push(Mention {
                        start: m.start,
                        end: m.end,
                        text: body[m.start..m.end].to_string(),
                    });
                }
            }
        }
        let most = found.values().map(|(m, _)| m.len()).max().unwrap_or(0).max(1) as f32;
        let mut out: Vec<Entity> = found
            .into_iter()
            .filter_map(|(idx, (mentions, in_headline))| {
                let e = self.kb.get(idx)?;
                // Named in the headline, or often in the body: what the story is about.
                let salience = (if in_headline { 0.5 } else { 0.0 }) + 0.5 * mentions.len() as f32 / most;
                Some(Entity {
                    id: e.id.clone(),
                    kind: e.kind,
                    name: e.name.clone(),
                    aliases: if e.category == "city" {
                        Vec::new()
                    } else {
                        e.aliases.iter().take(MAX_ALIASES).cloned().collect()
                    },
                    ticker: e.ticker.clone(),
                    roles: e.roles.clone(),
                    salience: (salience * 100.0).round() / 100.0,
                    mentions,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.salience
                .total_cmp(&a.salience)
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }
}

/// The part of enrichment that needs no knowledge base: extractive bullets when the
/// story brings none. Deterministic.
pub fn enrich(story: &mut Story) {
    if story.bullets.is_empty() {
        story.bullets = lead_bullets(&story.body, 2);
    }
}

/// The first `n` sentences of the first paragraph, as bullets (cut at 160 characters).
fn lead_bullets(body: &str, n: usize) -> Vec<String> {
    let first = body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or("");
    let mut out = Vec::new();
    let mut rest = first;
    while out.len() < n && !rest.is_empty() {
        // A sentence ends at ". " followed by an uppercase letter; good enough for a lead.
        let cut = rest
            .match_indices(". ")
            .find(|(i, _)| rest[i + 2..].chars().next().is_some_and(char::is_uppercase))
            .map(|(i, _)| i + 1)
            .unwrap_or(rest.len());
        let sentence = rest[..cut].trim();
        if !sentence.is_empty() {
            out.push(clip(sentence, 160));
        }
        rest = rest[cut..].trim_start();
    }
    out
}

fn clip(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    if let Some(i) = out.rfind(' ') {
        out.truncate(i);
    }
    out.push('…');
    out
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
    fn leaves_names_that_need_context_and_keeps_client_entities() {
        let mut s = Story {
            headline: "Georgia votes".into(),
            body: "Polls opened in Georgia on Sunday.".into(),
            ..Default::default()
        };
        enricher().enrich(&mut s);
        assert!(s.entities.iter().all(|e| e.name != "Georgia"), "{:?}", s.entities);
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
    fn makes_lead_bullets() {
        let mut s = Story {
            headline: "H".into(),
            body: "Markets fell 3% on Monday. Oil rose. Gold was flat.\n\nMore text.".into(),
            ..Default::default()
        };
        enrich(&mut s);
        assert_eq!(s.bullets, ["Markets fell 3% on Monday.", "Oil rose."]);
    }

    #[test]
    fn clips_long_sentences() {
        let long = "word ".repeat(100);
        let b = lead_bullets(&long, 2);
        assert!(b[0].chars().count() <= 160 && b[0].ends_with('…'));
    }
}
