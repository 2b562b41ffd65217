//! The full-text search index over stories (tantivy): schema, writing, searching, highlights.
//!
//! One [`SearchIndex`] owns the writer and lives on the indexer thread; any number of
//! [`IndexHandle`]s (cheap clones) search from other threads at the same time. The index is
//! derived data: the highest committed `seq` is kept in the commit itself
//! ([`SearchIndex::indexed_seq`]), so after a crash the caller replays the log from there.

mod highlight;
pub mod lazy_sync;
mod schema;
mod tokenizer;
mod translate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use herald_model::Story;
use herald_query::Query;
use serde::{Deserialize, Serialize};
use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::error::LockError;
use tantivy::schema::Value as _;
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument,
    TantivyError, Term,
};
use time::OffsetDateTime;

pub use highlight::{MAX_SNIPPETS, SNIPPET_CHARS};
pub use tokenizer::{HERALD_TOKENIZER, HeraldTokenizer, KEYWORD_TOKENIZER, KeywordTokenizer, VALUE_GAP};
pub use translate::{MAX_PREFIX_TERMS, MAX_QUERY_DEPTH};

use schema::{Fields, SEQ, TIME};

/// A search returns at most this many hits per page.
pub const MAX_LIMIT: usize = 100;

/// Deepest offset a search may page to; keeps the collector's memory bounded.
pub const MAX_OFFSET: usize = 10_000;

/// The least writer memory tantivy accepts (15 MB for one indexing thread).
pub const MIN_WRITER_MEMORY_BYTES: usize = 15_000_000;

/// Bumped whenever indexing changes in a way the schema does not show (the analyzer, what
/// goes into a field), so that old indexes ask for `herald reindex` instead of half-matching.
const INDEX_FORMAT: u32 = 4;

/// What went wrong in the search index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("cannot create the search index directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot record or sync the state of the search index at {path}: {source}")]
    Sync { path: PathBuf, source: std::io::Error },
    #[error("cannot open the search index at {path}: {source}")]
    Open { path: PathBuf, source: TantivyError },
    #[error(
        "the search index at {path} was built by a different version of Herald ({detail}); \
         run `herald reindex` to rebuild it"
    )]
    SchemaMismatch { path: PathBuf, detail: String },
    #[error("the search index at {path} is in use by another Herald process")]
    Locked { path: PathBuf },
    #[error(
        "writer_memory_bytes is {got}; the search index needs at least {min} bytes",
        min = MIN_WRITER_MEMORY_BYTES
    )]
    WriterMemoryTooSmall { got: usize },
    #[error("cannot index a story without an id (seq {seq})")]
    MissingId { seq: u64 },
    #[error("cannot add story {id} (seq {seq}) to the search index: {source}")]
    Add {
        id: String,
        seq: u64,
        source: TantivyError,
    },
    #[error("cannot commit the search index at {path}: {source}")]
    Commit { path: PathBuf, source: TantivyError },
    #[error("cannot clear the search index at {path}: {source}")]
    Clear { path: PathBuf, source: TantivyError },
    #[error(
        "the prefix `{prefix}*` matches more than {limit} terms in the {field} field; \
         use a longer prefix"
    )]
    PrefixTooBroad {
        prefix: String,
        field: String,
        limit: usize,
    },
    #[error("the query nests more than {limit} levels deep")]
    QueryTooDeep { limit: usize },
    #[error("offset {offset} is past the deepest page a search can reach ({max}); narrow the query")]
    OffsetTooLarge { offset: usize, max: usize },
    #[error("search failed while {what}: {source}")]
    Search { what: String, source: TantivyError },
}

/// How to open the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    /// Memory the writer buffers before it flushes a segment (shared by its threads).
    pub writer_memory_bytes: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            writer_memory_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Order of search hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// BM25 (headline counts double); ties newest first.
    #[default]
    Relevance,
    /// Newest first by `published_at`, else `received_at`; ties by seq, highest first.
    Time,
}

/// One search request's paging, order and clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// Hits per page; capped at [`MAX_LIMIT`]. 0 only counts.
    pub limit: usize,
    /// Hits to skip; at most [`MAX_OFFSET`].
    pub offset: usize,
    pub sort: Sort,
    /// What `since:24h` is relative to.
    pub now: OffsetDateTime,
}

/// A page of hits and how many stories match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
}

/// One matching story, with what a result list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub seq: u64,
    /// BM25 score; 0 when sorting by time (scores are then not computed).
    pub score: f32,
    pub headline: String,
    pub source_id: String,
    pub source_name: String,
    /// `published_at`, else `received_at`.
    pub time: Option<OffsetDateTime>,
    pub published_at: Option<OffsetDateTime>,
    pub url: Option<String>,
}

/// What the index keeps in each commit's payload.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    format: u32,
    indexed_seq: u64,
}

/// The searching side: cloneable, `Send + Sync`, used from any number of threads.
#[derive(Clone)]
pub struct IndexHandle {
    inner: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    reader: IndexReader,
    fields: Fields,
    /// Threads that search a query's segments in parallel, made on the first search so
    /// that they are ordinary threads (the index is opened on the low-priority indexer
    /// thread, whose scheduling class new threads would inherit).
    executor: std::sync::OnceLock<Option<tantivy::Executor>>,
}

impl Shared {
    /// Runs `collector` over `query`, across segments in parallel where threads are there.
    fn run<C: tantivy::collector::Collector>(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn tantivy::query::Query,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        let executor = self.executor.get_or_init(|| {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
            if n < 2 {
                return None;
            }
            tantivy::Executor::multi_thread(n, "herald-search-").ok()
        });
        match executor {
            Some(ex) => {
                let scoring = if collector.requires_scoring() {
                    tantivy::query::EnableScoring::enabled_from_searcher(searcher)
                } else {
                    tantivy::query::EnableScoring::disabled_from_searcher(searcher)
                };
                searcher.search_with_executor(query, collector, ex, scoring)
            }
            None => searcher.search(query, collector),
        }
    }
}

/// The writing side: owns tantivy's writer; used by one indexer thread.
pub struct SearchIndex {
    writer: IndexWriter<TantivyDocument>,
    handle: IndexHandle,
    /// Highest seq durably committed.
    indexed_seq: u64,
    /// Highest seq added, committed or not.
    added_seq: u64,
    /// Whether anything changed since the last commit (a no-op commit is skipped).
    dirty: bool,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("path", &self.handle.inner.path)
            .field("indexed_seq", &self.indexed_seq)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for IndexHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexHandle")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn register_tokenizers(index: &Index) {
    index
        .tokenizers()
        .register(HERALD_TOKENIZER, HeraldTokenizer::default());
    index.tokenizers().register(KEYWORD_TOKENIZER, KeywordTokenizer);
    index
        .fast_field_tokenizer()
        .register(KEYWORD_TOKENIZER, KeywordTokenizer);
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the directory) if there is none.
    ///
    /// An index written with a different schema or format is refused with
    /// [`IndexError::SchemaMismatch`], which tells the user to run `herald reindex`.
    pub fn open(dir: &Path, opts: IndexOptions) -> Result<SearchIndex, IndexError> {
        let path = dir.to_path_buf();
        if opts.writer_memory_bytes < MIN_WRITER_MEMORY_BYTES {
            return Err(IndexError::WriterMemoryTooSmall {
                got: opts.writer_memory_bytes,
            });
        }
        let create_err = |source| IndexError::CreateDir {
            path: path.clone(),
            source,
        };
        if lazy_sync::check(dir) == lazy_sync::Found::MaybeTorn {
            tracing::warn!(path = %path.display(), "the machine restarted while the search index had unsynced writes; rebuilding it from the log");
            std::fs::remove_dir_all(dir).map_err(create_err)?;
        }
        std::fs::create_dir_all(dir).map_err(create_err)?;
        let open_err = |source: TantivyError| IndexError::Open {
            path: path.clone(),
            source,
        };
        let directory = lazy_sync::LazySyncDirectory::open(dir).map_err(|e| open_err(e.into()))?;
        let (schema, fields) = schema::build_schema();
        let exists = Index::exists(&directory).map_err(|e| open_err(e.into()))?;
        let index = if exists {
            let index = Index::open(directory).map_err(open_err)?;
            if index.schema() != schema {
                return Err(IndexError::SchemaMismatch {
                    path,
                    detail: "its fields differ from this version's".into(),
                });
            }
            index
        } else {
            Index::create(directory, schema, IndexSettings::default()).map_err(open_err)?
        };
        register_tokenizers(&index);

        let payload = index.load_metas().map_err(open_err)?.payload;
        let indexed_seq = match payload.as_deref().map(serde_json::from_str::<Payload>) {
            None => 0,
            Some(Ok(p)) if p.format == INDEX_FORMAT => p.indexed_seq,
            Some(Ok(p)) => {
                return Err(IndexError::SchemaMismatch {
                    path,
                    detail: format!("index format {}, this version uses {INDEX_FORMAT}", p.format),
                });
            }
            Some(Err(e)) => {
                // Without a trustworthy seq the safe answer is "replay everything":
                // re-adding a story replaces it, so nothing is duplicated.
                tracing::warn!(path = %path.display(), error = %e, "unreadable index commit payload; replaying the whole log");
                0
            }
        };

        let writer = index.writer(opts.writer_memory_bytes).map_err(|e| match e {
            TantivyError::LockFailure(LockError::LockBusy, _) => IndexError::Locked { path: path.clone() },
            other => open_err(other),
        })?;
        lazy_sync::mark_dirty(dir).map_err(|source| IndexError::Sync {
            path: path.clone(),
            source,
        })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(open_err)?;
        let handle = IndexHandle {
            inner: Arc::new(Shared {
                path,
                reader,
                fields,
                executor: std::sync::OnceLock::new(),
            }),
        };
        Ok(SearchIndex {
            writer,
            handle,
            indexed_seq,
            added_seq: indexed_seq,
            dirty: false,
        })
    }

    /// A handle for searching, to clone into as many threads as needed.
    pub fn handle(&self) -> IndexHandle {
        self.handle.clone()
    }

    /// The highest seq durably committed to the index; 0 for a new or cleared index.
    /// The caller replays the log from `indexed_seq() + 1`.
    pub fn indexed_seq(&self) -> u64 {
        self.indexed_seq
    }

    /// Adds a story, replacing any earlier version with the same id. Searchable after
    /// the next [`commit`](Self::commit).
    pub fn add(&mut self, story: &Story) -> Result<(), IndexError> {
        if story.id.is_empty() {
            return Err(IndexError::MissingId { seq: story.seq });
        }
        let f = &self.handle.inner.fields;
        let add_err = |source| IndexError::Add {
            id: story.id.clone(),
            seq: story.seq,
            source,
        };
        // A delete only affects documents added before it, so the new version survives.
        self.writer.delete_term(Term::from_field_text(f.id, &story.id));
        self.writer
            .add_document(schema::story_document(f, story))
            .map_err(add_err)?;
        self.added_seq = self.added_seq.max(story.seq);
        self.dirty = true;
        Ok(())
    }

    /// Makes everything added so far durable and searchable, and records the highest seq
    /// added as [`indexed_seq`](Self::indexed_seq).
    pub fn commit(&mut self) -> Result<(), IndexError> {
        if !self.dirty {
            return Ok(());
        }
        let path = &self.handle.inner.path;
        let commit_err = |source| IndexError::Commit {
            path: path.clone(),
            source,
        };
        let payload = Payload {
            format: INDEX_FORMAT,
            indexed_seq: self.added_seq,
        };
        let payload = serde_json::to_string(&payload)
            .map_err(|e| commit_err(TantivyError::InternalError(e.to_string())))?;
        let mut prepared = self.writer.prepare_commit().map_err(commit_err)?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(commit_err)?;
        self.indexed_seq = self.added_seq;
        self.dirty = false;
        self.handle.inner.reader.reload().map_err(commit_err)
    }

    /// Commits, waits for background merges, fsyncs every index file and marks the index
    /// clean (see [`lazy_sync`]). Call at shutdown; commits in between do not fsync.
    pub fn close(mut self) -> Result<(), IndexError> {
        self.commit()?;
        let path = self.handle.inner.path.clone();
        self.writer
            .wait_merging_threads()
            .map_err(|source| IndexError::Commit {
                path: path.clone(),
                source,
            })?;
        lazy_sync::sync_and_mark_clean(&path).map_err(|source| IndexError::Sync { path, source })
    }

    /// Deletes every story and commits, leaving `indexed_seq` at 0 (for `herald reindex`).
    pub fn clear(&mut self) -> Result<(), IndexError> {
        let path = &self.handle.inner.path;
        self.writer
            .delete_all_documents()
            .map_err(|source| IndexError::Clear {
                path: path.clone(),
                source,
            })?;
        self.added_seq = 0;
        self.dirty = true;
        self.commit()
    }
}

impl IndexHandle {
    /// Stories matching `q`, one page of them in the requested order, and the total count.
    pub fn search(&self, q: &Query, opts: &SearchOptions) -> Result<SearchResults, IndexError> {
        if opts.offset > MAX_OFFSET {
            return Err(IndexError::OffsetTooLarge {
                offset: opts.offset,
                max: MAX_OFFSET,
            });
        }
        let searcher = self.inner.reader.searcher();
        let query = translate::Translator::new(&searcher, &self.inner.fields, opts.now).translate(q)?;
        let search_err = |source| IndexError::Search {
            what: format!("running `{q}`"),
            source,
        };
        let limit = opts.limit.min(MAX_LIMIT);
        if limit == 0 {
            let total = self
                .inner
                .run(&searcher, query.as_ref(), &Count)
                .map_err(search_err)?;
            return Ok(SearchResults {
                total,
                hits: Vec::new(),
            });
        }
        let top = || TopDocs::with_limit(limit).and_offset(opts.offset);
        let time = || SortByStaticFastValue::<DateTime>::for_field(TIME);
        let seq = || SortByStaticFastValue::<u64>::for_field(SEQ);
        // Counting apart from ranking is cheaper for words and their AND / OR: a word's
        // count is its document frequency, a conjunction is counted without scoring, and
        // ranking by score alone skips blocks that cannot reach the top (block-max WAND).
        // A phrase must check positions at every candidate, for the count as for the
        // ranking, so a query with one counts and ranks in a single pass.
        let two_pass = !has_phrase(q);
        let by_time = || top().order_by((time(), seq()));
        let by_score = || top().order_by_score();
        let (total, mut docs): (usize, Vec<(f32, DocAddress)>) = match (opts.sort, two_pass) {
            (Sort::Relevance, true) => (
                query.count(&searcher).map_err(search_err)?,
                self.inner
                    .run(&searcher, query.as_ref(), &by_score())
                    .map_err(search_err)?,
            ),
            (Sort::Relevance, false) => self
                .inner
                .run(&searcher, query.as_ref(), &(Count, by_score()))
                .map_err(search_err)?,
            (Sort::Time, _) => {
                let (total, docs) = self
                    .inner
                    .run(&searcher, query.as_ref(), &(Count, by_time()))
                    .map_err(search_err)?;
                (total, docs.into_iter().map(|(_, addr)| (0.0, addr)).collect())
            }
        };
        // A query of filters only (source:, since: …) scores every story 0; then relevance
        // has nothing to say and the newest come first.
        if opts.sort == Sort::Relevance && !docs.is_empty() && docs.iter().all(|(score, _)| *score <= 0.0) {
            docs = self
                .inner
                .run(&searcher, query.as_ref(), &by_time())
                .map_err(search_err)?
                .into_iter()
                .map(|(_, addr)| (0.0, addr))
                .collect();
        }
        let mut hits = Vec::with_capacity(docs.len());
        for (score, addr) in docs {
            let doc: TantivyDocument = searcher.doc(addr).map_err(|source| IndexError::Search {
                what: "reading a hit's stored fields".into(),
                source,
            })?;
            hits.push(self.hit(&doc, score));
        }
        Ok(SearchResults { total, hits })
    }

    fn hit(&self, doc: &TantivyDocument, score: f32) -> Hit {
        let f = &self.inner.fields;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
        let date = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_datetime())
                .map(DateTime::into_utc)
        };
        Hit {
            id: text(f.id).unwrap_or_default(),
            seq: doc.get_first(f.seq).and_then(|v| v.as_u64()).unwrap_or(0),
            score,
            headline: text(f.headline).unwrap_or_default(),
            source_id: text(f.source_id).unwrap_or_default(),
            source_name: text(f.source_name).unwrap_or_default(),
            time: date(f.time),
            published_at: date(f.published_at),
            url: text(f.url),
        }
    }

    /// Up to [`MAX_SNIPPETS`] HTML snippets (at most [`SNIPPET_CHARS`] characters of text
    /// each) from `body` where `q` matched, with the matched words in `<b>…</b>` and
    /// everything else escaped; from `headline` when the body has no match.
    pub fn highlight(&self, q: &Query, headline: &str, body: &str) -> Vec<String> {
        highlight::highlight(q, headline, body)
    }

    /// How many stories the index holds (as of the last commit).
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

/// True if a phrase is anywhere in the query.
fn has_phrase(q: &Query) -> bool {
    match q {
        Query::And(qs) | Query::Or(qs) => qs.iter().any(has_phrase),
        Query::Not(q) => has_phrase(q),
        Query::Match { value, .. } => matches!(value, herald_query::Value::Phrase(_)),
        Query::Since(_) | Query::Until(_) => false,
    }
}
