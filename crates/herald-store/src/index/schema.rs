//! The index schema: which story facts become which tantivy fields, and how a story becomes a document.

use herald_model::{EntityKind, Story};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

use super::tokenizer::{self, HERALD_TOKENIZER, KEYWORD_TOKENIZER};

/// The fields of the index, resolved once so that nothing looks fields up by name later.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    /// The story id, verbatim (ids are case-sensitive); the key that versions replace by.
    pub id: Field,
    pub seq: Field,
    pub version: Field,
    pub headline: Field,
    pub body: Field,
    /// Headline (twice) and body as values of one field: what a word with no field searches.
    /// One posting list per word makes AND of common words an intersection of term
    /// scorers rather than of headline-or-body unions, several times faster at 1M stories.
    pub text: Field,
    pub source_id: Field,
    pub source_name: Field,
    pub lang: Field,
    pub topic: Field,
    pub person: Field,
    pub org: Field,
    pub place: Field,
    pub company: Field,
    /// Names of entities of kind `other`: reachable through `entity:` only.
    pub other: Field,
    /// Every entity id, of every kind.
    pub entity_id: Field,
    /// `kind:id` (`person:kb:person/ash-carter`), so `person:` can match ids of its kind only.
    pub kind_entity_id: Field,
    pub ticker: Field,
    pub said: Field,
    pub said_id: Field,
    /// published_at, else received_at: what time sorting uses. Clamped to the ±292 years
    /// around 1970 that tantivy's nanosecond dates can hold, so not exact for every story.
    pub time: Field,
    /// The same instant as whole Unix seconds (rounded down) and …
    pub time_secs: Field,
    /// … the nanoseconds past them: exact for every time a story can carry, so that
    /// `since:`/`until:` compare exactly like the naive matcher does.
    pub time_nanos: Field,
    pub published_at: Field,
    pub url: Field,
}

/// Field name of [`Fields::time`], for fast-field sorting.
pub(crate) const TIME: &str = "time";
/// Field name of [`Fields::seq`], for fast-field sorting.
pub(crate) const SEQ: &str = "seq";

/// Full text through the Herald analyzer, with positions for phrases.
fn text(stored: bool) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(HERALD_TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let opts = TextOptions::default().set_indexing_options(indexing);
    if stored { opts.set_stored() } else { opts }
}

/// Exact, case-insensitive values; no frequencies or norms since they only filter.
fn keyword() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(KEYWORD_TOKENIZER)
        .set_index_option(IndexRecordOption::Basic)
        .set_fieldnorms(false);
    TextOptions::default().set_indexing_options(indexing)
}

/// Builds the current schema. Changing anything here makes existing indexes report a
/// schema mismatch (and ask for `herald reindex`), so do it deliberately.
pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Nanosecond precision so that sorting by time agrees with `since:`/`until:`.
    let date = DateOptions::default().set_precision(DateTimePrecision::Nanoseconds);
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        seq: b.add_u64_field(SEQ, FAST | STORED),
        version: b.add_u64_field("version", STORED),
        headline: b.add_text_field("headline", text(true)),
        body: b.add_text_field("body", text(false)),
        text: b.add_text_field("text", text(false)),
        source_id: b.add_text_field("source_id", keyword().set_stored().set_fast(KEYWORD_TOKENIZER)),
        source_name: b.add_text_field("source_name", text(true)),
        lang: b.add_text_field("lang", keyword()),
        topic: b.add_text_field("topic", keyword()),
        person: b.add_text_field("person", text(false)),
        org: b.add_text_field("org", text(false)),
        place: b.add_text_field("place", text(false)),
        company: b.add_text_field("company", text(false)),
        other: b.add_text_field("other", text(false)),
        entity_id: b.add_text_field("entity_id", keyword()),
        kind_entity_id: b.add_text_field("kind_entity_id", keyword()),
        ticker: b.add_text_field("ticker", keyword()),
        said: b.add_text_field("said", text(false)),
        said_id: b.add_text_field("said_id", keyword()),
        time: b.add_date_field(TIME, date.clone().set_fast().set_stored()),
        // Fast fields only: `since:`/`until:` are range queries, which run on fast fields.
        time_secs: b.add_i64_field("time_secs", FAST),
        time_nanos: b.add_u64_field("time_nanos", FAST),
        published_at: b.add_date_field("published_at", date.set_stored()),
        url: b.add_text_field("url", STORED),
    };
    (b.build(), fields)
}

impl Fields {
    /// The fields `entity:` searches for names: every kind's.
    pub(crate) fn all_names(&self) -> [Field; 5] {
        [self.person, self.org, self.place, self.company, self.other]
    }
}

/// Adds `value` unless an equal one (ignoring case) is already in `seen`: repeating a
/// name would only inflate its term frequency.
fn push_unique(seen: &mut Vec<String>, value: &str) -> bool {
    let key = value.trim().to_lowercase();
    if key.is_empty() || seen.contains(&key) {
        return false;
    }
    seen.push(key);
    true
}

/// The tantivy document for a story.
///
/// Multi-valued text fields (names, aliases) are added value by value: tantivy leaves a
/// position gap between values, so a phrase cannot match across two names.
pub(crate) fn story_document(f: &Fields, story: &Story) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &story.id);
    doc.add_u64(f.seq, story.seq);
    doc.add_u64(f.version, u64::from(story.version));
    doc.add_text(f.headline, &story.headline);
    doc.add_text(f.body, &story.body);
    // Separate values, so the tokenizer's gap keeps a phrase from running from one into
    // the next. The headline goes in twice: its words count double in BM25, which ranks
    // headline matches first without a second scorer per word at query time.
    doc.add_text(f.text, &story.headline);
    doc.add_text(f.text, &story.headline);
    doc.add_text(f.text, &story.body);
    doc.add_text(f.source_id, &story.source.id);
    doc.add_text(f.source_name, &story.source.name);
    if let Some(lang) = &story.language {
        doc.add_text(f.lang, lang);
    }
    for topic in &story.topics {
        doc.add_text(f.topic, &topic.code);
    }

    let (mut persons, mut orgs, mut places, mut companies, mut others) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut ids = Vec::new();
    let mut kind_ids = Vec::new();
    let mut tickers = Vec::new();
    for e in &story.entities {
        let (field, seen) = match e.kind {
            EntityKind::Person => (f.person, &mut persons),
            EntityKind::Org => (f.org, &mut orgs),
            EntityKind::Place => (f.place, &mut places),
            EntityKind::Company => (f.company, &mut companies),
            EntityKind::Other => (f.other, &mut others),
        };
        for name in std::iter::once(&e.name).chain(&e.aliases) {
            if push_unique(seen, name) {
                doc.add_text(field, name);
            }
        }
        if push_unique(&mut ids, &e.id) {
            doc.add_text(f.entity_id, &e.id);
        }
        // Deduplicated apart from the plain ids: two entities of different kinds can share
        // an id (`doc:jordan`, the person and the country), and each kind must find it.
        let kind_id = format!("{}:{}", e.kind.as_str(), tokenizer::keyword(&e.id));
        if !e.id.trim().is_empty() && push_unique(&mut kind_ids, &kind_id) {
            doc.add_text(f.kind_entity_id, kind_id);
        }
        if let Some(t) = &e.ticker
            && push_unique(&mut tickers, t)
        {
            doc.add_text(f.ticker, t);
        }
    }

    let mut said = Vec::new();
    let mut said_ids = Vec::new();
    for q in &story.quotes {
        if let Some(name) = &q.speaker_name
            && push_unique(&mut said, name)
        {
            doc.add_text(f.said, name);
        }
        let Some(speaker) = &q.speaker else { continue };
        if push_unique(&mut said_ids, speaker) {
            doc.add_text(f.said_id, speaker);
        }
        // The speaker's canonical name and aliases make `said:` work when the quote
        // only carries an id, or names the speaker differently.
        for e in story.entities.iter().filter(|e| &e.id == speaker) {
            for name in std::iter::once(&e.name).chain(&e.aliases) {
                if push_unique(&mut said, name) {
                    doc.add_text(f.said, name);
                }
            }
        }
    }

    if let Some(t) = story.time() {
        doc.add_date(f.time, DateTime::from_utc(t));
        doc.add_i64(f.time_secs, t.unix_timestamp());
        doc.add_u64(f.time_nanos, u64::from(t.nanosecond()));
    }
    if let Some(t) = story.published_at {
        doc.add_date(f.published_at, DateTime::from_utc(t));
    }
    if let Some(url) = &story.url {
        doc.add_text(f.url, url);
    }
    doc
}
