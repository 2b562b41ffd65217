//! The story and its annotations, with the JSON form of DESIGN §3.

use serde::{Deserialize, Serialize};

/// A point in time; serialised as RFC 3339 (`2026-11-24T10:00:00Z`).
pub type Timestamp = time::OffsetDateTime;

/// Where a story came from: a wire, a feed, a person with `herald publish`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Source {
    /// Stable machine name (`wire-example`, a feed id); used by `source:` queries.
    pub id: String,
    /// Human name shown in the wire (`Example Wire`).
    #[serde(default)]
    pub name: String,
    /// The source's home or feed URL, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The kind of a named entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Person,
    Org,
    Place,
    Company,
    Other,
}

impl EntityKind {
    /// The lowercase name used in JSON and in query fields (`person:`, `org:` …).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Org => "org",
            EntityKind::Place => "place",
            EntityKind::Company => "company",
            EntityKind::Other => "other",
        }
    }
}

/// One place in the body where an entity is named. Offsets are UTF-8 byte offsets into `body`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A person, organisation, place or company that a story is about or mentions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// `kb:…` for knowledge-base entities, `doc:…` for names first seen in this story.
    pub id: String,
    pub kind: EntityKind,
    /// Canonical name.
    pub name: String,
    /// Other names the entity goes by (ISIL, ISIS, Daesh …), for matching.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Stock ticker, for companies that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticker: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default)]
    pub salience: f32,
    #[serde(default)]
    pub mentions: Vec<Mention>,
}

impl Entity {
    /// An entity with no aliases, roles, ticker or mentions yet, and middling salience.
    pub fn new(id: impl Into<String>, kind: EntityKind, name: impl Into<String>) -> Entity {
        Entity {
            id: id.into(),
            kind,
            name: name.into(),
            aliases: Vec::new(),
            ticker: None,
            roles: Vec::new(),
            salience: 0.5,
            mentions: Vec::new(),
        }
    }

    /// The same entity with these aliases.
    pub fn with_aliases(mut self, aliases: &[&str]) -> Entity {
        self.aliases = aliases.iter().map(|a| a.to_string()).collect();
        self
    }
}

/// A direct quote and who said it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub text: String,
    /// Entity id of the speaker, when known.
    #[serde(default)]
    pub speaker: Option<String>,
    /// The speaker's name as written, so `said:` can match without the knowledge base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_name: Option<String>,
    #[serde(default)]
    pub start: usize,
    #[serde(default)]
    pub end: usize,
}

/// A number in the story with what it counts ("at least 31 people").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub value: f64,
    #[serde(default)]
    pub unit: String,
    pub text: String,
    #[serde(default)]
    pub start: usize,
    #[serde(default)]
    pub end: usize,
}

/// What a story is about, from Herald's topic taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub score: f32,
    /// Why the topic was given: the cues that fired (`"word:ceasefire"`, `"entity:kb:group/…"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A file attached to a story by its source (a podcast's audio, a photo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Enclosure {
    pub url: String,
    /// The MIME type the source gave (`audio/mpeg`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// The size in bytes the source gave, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

/// A news story: what a source sent, plus what Herald understood of it.
///
/// `id`, `version`, `seq` and `received_at` are assigned by the node; a client that
/// publishes JSON may leave them out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Story {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub guid: Option<String>,
    pub headline: String,
    #[serde(default)]
    pub bullets: Vec<String>,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub subheads: Vec<String>,
    #[serde(default)]
    pub byline: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub published_at: Option<Timestamp>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub received_at: Option<Timestamp>,
    /// When the source last changed the story, if it says (a feed item's `updated`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub updated_at: Option<Timestamp>,
    /// The source's own categories or tags for the story (a feed item's categories).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Media attached by the source (a feed item's enclosures: audio, video, images).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosures: Vec<Enclosure>,
    #[serde(default)]
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub quotes: Vec<Quote>,
    #[serde(default)]
    pub figures: Vec<Figure>,
    #[serde(default)]
    pub topics: Vec<Topic>,
    #[serde(default)]
    pub fingerprint: Option<String>,
    #[serde(default)]
    pub duplicate_of: Option<String>,
}

impl Story {
    /// The id this story gets from its source and identity (guid, else url, else text);
    /// see [`crate::story_id`].
    pub fn derived_id(&self) -> crate::StoryId {
        crate::story_id(
            &self.source.id,
            self.guid.as_deref(),
            self.url.as_deref(),
            &self.headline,
            &self.body,
        )
    }

    /// The time to show and sort by: when the source published it, else when Herald received it.
    pub fn time(&self) -> Option<Timestamp> {
        self.published_at.or(self.received_at)
    }
}
