//! The node's understanding of stories: the enricher (embedded knowledge base plus the
//! entity files in `<data>/kb/`), boilerplate learned per source, near-duplicate folding,
//! and the aliases stories introduce, kept as candidates for the knowledge base.
//!
//! Every published story passes [`Nlp::prepare`] before it is committed. Enrichment itself
//! is pure (`herald_nlp`); the state here is what needs memory across stories:
//!
//! * **Boilerplate** ("Reporting by …", "Sign up for …") is learned from each source's
//!   recent stories and cut from new ones. The learner lives in memory: after a restart
//!   it relearns from the next stories (a source's boilerplate shows again within a few).
//! * **Near duplicates**: a story whose SimHash is within 9 bits of a recent story's
//!   (`herald_nlp::fingerprint::NEAR_DUPLICATE_MAX_DISTANCE`, measured there) gets
//!   `duplicate_of` that story's id. The index holds the last [`DUP_CAPACITY`] stories and
//!   is seeded from the log's tail at start.
//! * **Learned aliases** ("X, also known as Y") are candidates, never applied to the
//!   knowledge base by themselves: `GET /v1/entities/{id}` shows them with their evidence,
//!   and `herald kb add` (or `POST /v1/entities`) makes one official. They are appended to
//!   `<data>/kb/candidates.jsonl`, so they survive restarts.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use herald_model::{EntityKind, Story};
use herald_nlp::boilerplate::BoilerplateLearner;
use herald_nlp::fingerprint::DuplicateIndex;
use herald_nlp::{Enricher, Kb, LearnedAlias};
use serde::{Deserialize, Serialize};

/// Recent stories the near-duplicate index remembers.
pub const DUP_CAPACITY: usize = 200_000;
/// Stories shorter than this (body words) are never near-duplicates of another.
pub const MIN_WORDS_FOR_NEAR_DUPLICATES: usize = 40;
/// Candidate aliases kept per entity (the most seen).
const MAX_CANDIDATES_PER_ENTITY: usize = 50;
/// Entities with candidates kept in memory.
const MAX_CANDIDATE_ENTITIES: usize = 100_000;
/// The file user entities are written to.
pub const USER_FILE: &str = "user_entities.tsv";
const USER_HEADER: &str = "id\tentity_kind\tcategory\tname\taliases\troles\tticker\trelations\tsource";

/// One alias a story offered for an entity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub alias: String,
    /// The sentence that introduced it (from the first story that did).
    pub evidence: String,
    /// The first story that offered it.
    pub story: String,
    /// How many stories offered it.
    pub seen: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct CandidateLine {
    entity: String,
    alias: String,
    evidence: String,
    story: String,
}

/// A new or extended knowledge-base entity (`POST /v1/entities`, `herald kb add`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NewEntity {
    /// `kb:…`; made from the kind and name when left out. An existing id is extended.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: EntityKind,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// Why an entity could not be added.
#[derive(Debug, thiserror::Error)]
pub enum KbEditError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("the knowledge base does not load with this entity: {0}")]
    Kb(String),
}

pub struct Nlp {
    enricher: RwLock<Arc<Enricher>>,
    boilerplate: Mutex<BoilerplateLearner>,
    dups: Mutex<DuplicateIndex>,
    candidates: Mutex<BTreeMap<String, Vec<Candidate>>>,
    kb_dir: PathBuf,
    /// Serialises knowledge-base edits (file append + reload).
    edit: Mutex<()>,
}

impl Nlp {
    /// Loads the knowledge base: the embedded one, plus `<data>/kb/*.tsv` when present.
    pub fn open(data_dir: &Path) -> Result<Nlp, String> {
        let kb_dir = data_dir.join("kb");
        // Without files of its own, the node shares the process's embedded enricher
        // (loading the knowledge base takes a few hundred milliseconds).
        let enricher = if other_files(&kb_dir).is_empty() && !kb_dir.join(USER_FILE).is_file() {
            crate::node::embedded_enricher().map_err(|e| e.to_string())?
        } else {
            Arc::new(Enricher::new(load_kb(&kb_dir)?))
        };
        let nlp = Nlp {
            enricher: RwLock::new(enricher),
            // 50 stories per source, 4,096 sources: tens of kilobytes a source, bounded.
            boilerplate: Mutex::new(BoilerplateLearner::with_limits(50, 5, 4096)),
            dups: Mutex::new(DuplicateIndex::new(DUP_CAPACITY)),
            candidates: Mutex::new(BTreeMap::new()),
            kb_dir,
            edit: Mutex::new(()),
        };
        nlp.load_candidates();
        nlp.warm_up();
        Ok(nlp)
    }

    /// Enriches a sample story once (nothing learned, nothing kept), so that the tables the
    /// enricher builds on first use (name and topic lexicons, automata) are built now and
    /// not while the first stories after a start wait for their answer.
    fn warm_up(&self) {
        let mut sample = Story {
            id: "warm-up".into(),
            headline: "Harbour authority says grain exports rose 4.2% in March".into(),
            body: "ODESA, March 3 - The harbour authority said on Tuesday that grain exports \
                   rose 4.2% to 3.1 million tonnes in March, the highest since 2021.\n\n\
                   \"We expect more ships next month,\" said Olena Kovalenko, the authority's \
                   director, adding that insurers in London had cut premiums by $2,000 a voyage."
                .into(),
            ..Story::default()
        };
        self.enricher().enrich(&mut sample);
    }

    /// The enricher in use now (a knowledge-base edit swaps it).
    pub fn enricher(&self) -> Arc<Enricher> {
        self.enricher.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Remembers a stored story's fingerprint (used to seed the index from the log).
    pub fn remember(&self, story: &Story) {
        if let Some(fp) = story
            .fingerprint
            .as_deref()
            .and_then(|f| u64::from_str_radix(f, 16).ok())
        {
            self.dups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .check_and_insert(fp, &story.id);
        }
    }

    /// Everything that happens to a story between parsing and commit: boilerplate cut,
    /// enrichment, near-duplicate check, alias candidates recorded.
    pub fn prepare(&self, story: &mut Story) {
        if !story.source.id.is_empty() && !story.body.is_empty() {
            let stripped = self
                .boilerplate
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .strip_and_learn(&story.source.id, &story.body);
            if stripped != story.body {
                story.body = stripped;
            }
        }
        let report = self.enricher().enrich_report(story);
        // SimHash says little about a short text: templated updates ("Gold rises 0.3%")
        // would look alike. Only stories of some length are folded.
        let long_enough = story.body.split_whitespace().count() >= MIN_WORDS_FOR_NEAR_DUPLICATES;
        if story.duplicate_of.is_none()
            && long_enough
            && let Some(fp) = story
                .fingerprint
                .as_deref()
                .and_then(|f| u64::from_str_radix(f, 16).ok())
        {
            let earlier = self
                .dups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .check_and_insert(fp, &story.id);
            // A new version of the same story is not a duplicate of itself.
            story.duplicate_of = earlier.filter(|e| e != &story.id);
        }
        if !report.learned.is_empty() {
            self.record(&story.id, &report.learned);
        }
    }

    fn record(&self, story: &str, learned: &[LearnedAlias]) {
        let mut fresh = Vec::new();
        {
            let mut map = self.candidates.lock().unwrap_or_else(|p| p.into_inner());
            for l in learned {
                if map.len() >= MAX_CANDIDATE_ENTITIES && !map.contains_key(&l.entity_id) {
                    continue;
                }
                let list = map.entry(l.entity_id.clone()).or_default();
                if let Some(c) = list.iter_mut().find(|c| c.alias == l.alias) {
                    c.seen = c.seen.saturating_add(1);
                    continue;
                }
                if list.len() >= MAX_CANDIDATES_PER_ENTITY {
                    continue;
                }
                list.push(Candidate {
                    alias: l.alias.clone(),
                    evidence: l.evidence.clone(),
                    story: story.to_string(),
                    seen: 1,
                });
                fresh.push(CandidateLine {
                    entity: l.entity_id.clone(),
                    alias: l.alias.clone(),
                    evidence: l.evidence.clone(),
                    story: story.to_string(),
                });
            }
        }
        if fresh.is_empty() {
            return;
        }
        // Best effort: a candidate that is not written is offered again by the next story.
        let path = self.kb_dir.join("candidates.jsonl");
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.kb_dir)?;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)?;
            let mut buf = Vec::new();
            for line in &fresh {
                serde_json::to_writer(&mut buf, line).map_err(std::io::Error::other)?;
                buf.push(b'\n');
            }
            f.write_all(&buf)
        };
        if let Err(e) = write() {
            tracing::warn!(path = %path.display(), error = %e, "cannot record alias candidates");
        }
    }

    fn load_candidates(&self) {
        let path = self.kb_dir.join("candidates.jsonl");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        let mut map = self.candidates.lock().unwrap_or_else(|p| p.into_inner());
        for line in text.lines() {
            // A torn last line (a crash mid-write) is skipped.
            let Ok(c) = serde_json::from_str::<CandidateLine>(line) else {
                continue;
            };
            let list = map.entry(c.entity).or_default();
            if let Some(old) = list.iter_mut().find(|x| x.alias == c.alias) {
                old.seen = old.seen.saturating_add(1);
            } else if list.len() < MAX_CANDIDATES_PER_ENTITY {
                list.push(Candidate {
                    alias: c.alias,
                    evidence: c.evidence,
                    story: c.story,
                    seen: 1,
                });
            }
        }
    }

    /// Alias candidates offered for an entity, most seen first.
    pub fn candidates(&self, entity_id: &str) -> Vec<Candidate> {
        let map = self.candidates.lock().unwrap_or_else(|p| p.into_inner());
        let mut list = map.get(entity_id).cloned().unwrap_or_default();
        list.sort_by(|a, b| b.seen.cmp(&a.seen).then_with(|| a.alias.cmp(&b.alias)));
        list
    }

    /// Adds (or extends) a knowledge-base entity: appends it to `<data>/kb/user_entities.tsv`,
    /// reloads the knowledge base and swaps the enricher, so the next story uses it.
    /// Returns the entity's id.
    pub fn add_entity(&self, e: &NewEntity) -> Result<String, KbEditError> {
        let clean = |s: &str, what: &str| -> Result<String, KbEditError> {
            let s = s.trim();
            if s.chars().any(|c| c == '\t' || c == '\n' || c == '\r' || c == '|') {
                return Err(KbEditError::Invalid(format!(
                    "{what} {s:?} must not contain tabs, line breaks or '|'"
                )));
            }
            if s.len() > 200 {
                return Err(KbEditError::Invalid(format!("{what} is longer than 200 bytes")));
            }
            Ok(s.to_string())
        };
        let name = clean(&e.name, "name")?;
        if name.is_empty() {
            return Err(KbEditError::Invalid("name must not be empty".into()));
        }
        let id = match &e.id {
            Some(id) => {
                let id = clean(id, "id")?;
                if !id.starts_with("kb:") || id.contains(' ') {
                    return Err(KbEditError::Invalid(format!(
                        "id {id:?} must start with \"kb:\" and hold no spaces"
                    )));
                }
                id
            }
            None => format!("kb:user/{}/{}", e.kind.as_str(), herald_nlp::names::slug(&name)),
        };
        let list = |v: &[String], what: &str| -> Result<String, KbEditError> {
            if v.len() > 100 {
                return Err(KbEditError::Invalid(format!("at most 100 {what}")));
            }
            let items = v.iter().map(|a| clean(a, what)).collect::<Result<Vec<_>, _>>()?;
            Ok(items
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect::<Vec<_>>()
                .join("|"))
        };
        let row = [
            id.clone(),
            e.kind.as_str().to_string(),
            clean(e.category.as_deref().unwrap_or(""), "category")?,
            name,
            list(&e.aliases, "aliases")?,
            list(&e.roles, "roles")?,
            clean(e.ticker.as_deref().unwrap_or(""), "ticker")?,
            String::new(),
            "herald kb add".to_string(),
        ]
        .join("\t");
        let _guard = self.edit.lock().unwrap_or_else(|p| p.into_inner());
        let path = self.kb_dir.join(USER_FILE);
        let io = |e: std::io::Error| KbEditError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&self.kb_dir).map_err(io)?;
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let mut text = existing.clone();
        if text.trim().is_empty() {
            text = format!("# Entities added with `herald kb add` or POST /v1/entities.\n{USER_HEADER}\n");
        } else if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&row);
        text.push('\n');
        // Check that the KB loads with the new row before it is written.
        let kb = Kb::builder()
            .add_embedded()
            .and_then(|mut b| {
                for f in other_files(&self.kb_dir) {
                    let t = std::fs::read_to_string(&f).map_err(|source| herald_nlp::KbError::Io {
                        path: f.clone(),
                        source,
                    })?;
                    b.add_tsv(&f.display().to_string(), &t)?;
                }
                b.add_tsv(&path.display().to_string(), &text)?;
                Ok(b)
            })
            .and_then(herald_nlp::KbBuilder::build)
            .map_err(|e| KbEditError::Kb(e.to_string()))?;
        let tmp = path.with_extension("tsv.tmp");
        std::fs::write(&tmp, &text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        *self.enricher.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Enricher::new(kb));
        Ok(id)
    }
}

/// `*.tsv` files in the data dir's kb folder other than the user file, sorted.
fn other_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "tsv") && p.file_name().is_some_and(|n| n != USER_FILE)
        })
        .collect();
    files.sort();
    files
}

/// The embedded knowledge base, plus `dir/*.tsv` when the directory exists.
pub fn load_kb(dir: &Path) -> Result<Kb, String> {
    let b = Kb::builder().add_embedded().map_err(|e| e.to_string())?;
    let b = if dir.is_dir() {
        b.add_dir(dir).map_err(|e| e.to_string())?
    } else {
        b
    };
    b.build().map_err(|e| e.to_string())
}
