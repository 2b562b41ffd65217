//! The knowledge base: entities parsed from the `kb/` TSV files and an alias index that
//! finds their names in text (case-sensitive, leftmost-longest, on word boundaries).
//!
//! The library does no I/O of its own except [`Kb::from_dir`] / [`KbBuilder::add_dir`],
//! which read the files of a directory the caller names. [`Kb::embedded`] uses the files
//! compiled into the binary with `include_str!`.

use std::path::{Path, PathBuf};

use herald_model::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};

/// The files compiled into the binary: (file name used in errors, contents).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "generated/countries.tsv",
        include_str!("../../../kb/generated/countries.tsv"),
    ),
    (
        "generated/cities.tsv",
        include_str!("../../../kb/generated/cities.tsv"),
    ),
    (
        "generated/us_states.tsv",
        include_str!("../../../kb/generated/us_states.tsv"),
    ),
    (
        "generated/companies.tsv",
        include_str!("../../../kb/generated/companies.tsv"),
    ),
    ("curated/orgs.tsv", include_str!("../../../kb/curated/orgs.tsv")),
    (
        "curated/armed_groups.tsv",
        include_str!("../../../kb/curated/armed_groups.tsv"),
    ),
    (
        "curated/regions.tsv",
        include_str!("../../../kb/curated/regions.tsv"),
    ),
    (
        "curated/office_holders.tsv",
        include_str!("../../../kb/curated/office_holders.tsv"),
    ),
    // Last, so that its ids can name entities from every other file.
    (
        "generated/ambiguous.tsv",
        include_str!("../../../kb/generated/ambiguous.tsv"),
    ),
];

/// Shortest alias put in the index: one-letter names would match initials everywhere.
const MIN_ALIAS_LEN: usize = 2;

/// Errors while loading the knowledge base. Each names the file and, for rows, the line.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// A row that does not fit its file's header.
    #[error("{file}:{line}: {reason}")]
    Malformed {
        file: String,
        line: usize,
        reason: String,
    },
    /// A file whose header row is not one of the known KB formats.
    #[error("{file}: unknown KB file format (header: {header:?})")]
    UnknownFormat { file: String, header: String },
    /// A file or directory that could not be read.
    #[error("reading {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Index of an entity inside one [`Kb`]; valid only for the `Kb` that returned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityIdx(pub u32);

/// One knowledge-base entity.
#[derive(Debug, Clone, PartialEq)]
pub struct KbEntity {
    /// Stable id, e.g. `kb:place/syria`, `kb:group/islamic-state`.
    pub id: String,
    pub kind: EntityKind,
    /// Finer class from the source file: `country`, `city`, `us_state`, `company`, or the
    /// file's own `kind` column (`central_bank`, `jihadist`, `territory` …); `office_holder`.
    pub category: String,
    /// Canonical name.
    pub name: String,
    /// Other names: aliases, short company names, and for countries their demonyms with
    /// plurals ("Syrian", "Syrians"). The ticker is kept apart in [`KbEntity::ticker`] but is
    /// indexed as a surface too.
    pub aliases: Vec<String>,
    /// Roles held (office holders: e.g. "Foreign Minister").
    pub roles: Vec<String>,
    /// Primary ticker for listed companies (`AAPL`, `BA.L`).
    pub ticker: Option<String>,
    /// ISO2 country (or several, `|`-joined in the source) where known.
    pub country: Option<String>,
    /// `(relation, target)` pairs, target being a KB id (or free text for `note`).
    pub relations: Vec<(String, String)>,
}

/// A stretch of text that names one or more KB entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KbMatch {
    /// Byte offsets into the searched text.
    pub start: usize,
    pub end: usize,
    /// Every entity the surface names; several when it is ambiguous.
    pub ids: Vec<EntityIdx>,
    /// The surface is listed in `ambiguous.tsv`: link it only with supporting context.
    pub ambiguous: bool,
}

/// What one indexed surface form resolves to.
#[derive(Debug, Clone, Default)]
struct Surface {
    ids: Vec<EntityIdx>,
    ambiguous: bool,
}

/// The loaded knowledge base with its alias index.
#[derive(Debug, Clone)]
pub struct Kb {
    entities: Vec<KbEntity>,
    by_id: FxHashMap<String, EntityIdx>,
    /// Surface text → slot in `surfaces`.
    by_surface: FxHashMap<String, u32>,
    surfaces: Vec<Surface>,
    /// First word of every surface → the surfaces (slots) starting with it, longest first.
    /// A word of running text that starts no name costs one lookup; one that does is
    /// compared with its few candidates directly.
    first_words: FirstWords,
    /// Slot → surface text.
    patterns: Box<[Box<str>]>,
    /// Every character a known name starts with; a word starting with another is skipped
    /// without a lookup.
    first_chars: FirstChars,
    /// Per entity: is it a city (checked for nearly every name found; the entities
    /// themselves are large and far apart in memory).
    cities: Vec<bool>,
    /// Capital cities (a lone city name in a story is taken more readily when it is one).
    capitals: FxHashSet<EntityIdx>,
}

/// The known file formats, recognised by their header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Countries,
    Cities,
    UsStates,
    Companies,
    Orgs,
    ArmedGroups,
    Regions,
    OfficeHolders,
    Ambiguous,
    /// Any kind of entity, one per row: what `herald kb add` and `POST /v1/entities` write.
    Entities,
}

impl Format {
    fn from_header(header: &[&str]) -> Option<Format> {
        let has = |c: &str| header.contains(&c);
        // Checked most specific first: several formats share `id, kind, name, aliases`.
        Some(if has("entity_kind") {
            Format::Entities
        } else if has("person_id") && has("role") {
            Format::OfficeHolders
        } else if has("reason") && has("ids") {
            Format::Ambiguous
        } else if has("iso3") && has("demonyms") {
            Format::Countries
        } else if has("geonameid") {
            Format::Cities
        } else if has("usps") {
            Format::UsStates
        } else if has("ticker") {
            Format::Companies
        } else if has("parent") && has("members") {
            Format::Orgs
        } else if has("countries") && has("relations") {
            Format::ArmedGroups
        } else if has("members") && has("kind") {
            Format::Regions
        } else {
            return None;
        })
    }
}

/// Collects KB files, then builds the [`Kb`] and its index in one go.
#[derive(Debug, Default)]
pub struct KbBuilder {
    entities: Vec<KbEntity>,
    by_id: FxHashMap<String, EntityIdx>,
    /// (surface, ids named in the file) from `ambiguous` files; resolved at build time so
    /// that they can name entities from any file.
    ambiguous: Vec<(String, Vec<String>)>,
}

impl KbBuilder {
    pub fn new() -> KbBuilder {
        KbBuilder::default()
    }

    /// Adds the files embedded in the binary.
    pub fn add_embedded(mut self) -> Result<KbBuilder, KbError> {
        for (file, text) in EMBEDDED {
            self.add_tsv(file, text)?;
        }
        Ok(self)
    }

    /// Adds every `*.tsv` file of `dir` (not recursive), in file-name order so that the
    /// result does not depend on directory order.
    pub fn add_dir(mut self, dir: &Path) -> Result<KbBuilder, KbError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KbError::Io { path, source }
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            if path.extension().is_some_and(|e| e == "tsv") && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            self.add_tsv(&path.display().to_string(), &text)?;
        }
        Ok(self)
    }

    /// Parses one TSV file; `file` names it in errors. The format comes from the header.
    pub fn add_tsv(&mut self, file: &str, text: &str) -> Result<(), KbError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
            .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
        let Some((_, header_line)) = lines.next() else {
            return Ok(()); // an empty file adds nothing
        };
        let header: Vec<&str> = header_line.split('\t').collect();
        let format = Format::from_header(&header).ok_or_else(|| KbError::UnknownFormat {
            file: file.to_string(),
            header: header_line.chars().take(200).collect(),
        })?;
        for (line, row) in lines {
            let cells: Vec<&str> = row.split('\t').collect();
            let bad = |reason: String| KbError::Malformed {
                file: file.to_string(),
                line,
                reason,
            };
            if cells.len() != header.len() {
                return Err(bad(format!(
                    "expected {} tab-separated cells, found {}",
                    header.len(),
                    cells.len()
                )));
            }
            let row = Row {
                header: &header,
                cells: &cells,
            };
            self.add_row(format, &row).map_err(bad)?;
        }
        Ok(())
    }

    fn add_row(&mut self, format: Format, row: &Row<'_>) -> Result<(), String> {
        if format == Format::Ambiguous {
            let name = row.required("name")?;
            let ids = row.ids("ids");
            self.ambiguous.push((name.to_string(), ids));
            return Ok(());
        }
        let id = row.required(if format == Format::OfficeHolders {
            "person_id"
        } else {
            "id"
        })?;
        if !id.starts_with("kb:") {
            return Err(format!("id {id:?} does not start with \"kb:\""));
        }
        let name = row.required("name")?.to_string();
        let mut aliases = row.list("aliases");
        let (kind, category) = match format {
            Format::Countries => (EntityKind::Place, "country".to_string()),
            Format::Cities => (EntityKind::Place, "city".to_string()),
            Format::UsStates => (EntityKind::Place, "us_state".to_string()),
            Format::Regions => (EntityKind::Place, row.get("kind").to_string()),
            Format::Companies => (EntityKind::Company, "company".to_string()),
            Format::Orgs | Format::ArmedGroups => (EntityKind::Org, row.get("kind").to_string()),
            Format::OfficeHolders => (EntityKind::Person, "office_holder".to_string()),
            Format::Entities => {
                let kind = match row.required("entity_kind")? {
                    "person" => EntityKind::Person,
                    "org" => EntityKind::Org,
                    "place" => EntityKind::Place,
                    "company" => EntityKind::Company,
                    "other" => EntityKind::Other,
                    k => {
                        return Err(format!(
                            "entity_kind {k:?} is not person, org, place, company or other"
                        ));
                    }
                };
                let category = match row.get("category") {
                    "" => kind.as_str().to_string(),
                    c => c.to_string(),
                };
                (kind, category)
            }
            Format::Ambiguous => return Ok(()), // handled above
        };
        if format == Format::Countries {
            for demonym in row.list("demonyms") {
                if let Some(plural) = demonym_plural(&demonym) {
                    aliases.push(plural);
                }
                aliases.push(demonym);
            }
        }
        let mut relations = row.relations("relations")?;
        for (column, relation) in [
            ("parent", "part_of"),
            ("capital_id", "capital"),
            ("org_id", "office_in"),
        ] {
            let target = row.get(column);
            if !target.is_empty() {
                relations.push((relation.to_string(), target.to_string()));
            }
        }
        let mut roles = match row.get("role") {
            "" => Vec::new(),
            role => vec![role.to_string()],
        };
        roles.extend(row.list("roles"));
        let ticker = Some(row.get("ticker"))
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let country = [row.get("country"), row.get("countries")]
            .into_iter()
            .find(|c| !c.is_empty())
            .map(str::to_string);
        aliases.retain(|a| a != &name);
        dedup_keep_order(&mut aliases);
        let entity = KbEntity {
            id: id.to_string(),
            kind,
            category,
            name,
            aliases,
            roles,
            ticker,
            country,
            relations,
        };
        if let Some(&idx) = self.by_id.get(id) {
            // A later file (a user's) may extend an entity: merge names, roles, relations.
            let old = self
                .entities
                .get_mut(idx.0 as usize)
                .ok_or_else(|| format!("internal: dangling index for {id}"))?;
            let KbEntity {
                name,
                aliases,
                roles,
                relations,
                ..
            } = entity;
            if name != old.name {
                old.aliases.push(name);
            }
            old.aliases.extend(aliases);
            dedup_keep_order(&mut old.aliases);
            old.roles.extend(roles);
            dedup_keep_order(&mut old.roles);
            old.relations.extend(relations);
            return Ok(());
        }
        let idx = u32::try_from(self.entities.len())
            .map(EntityIdx)
            .map_err(|_| "too many entities".to_string())?;
        self.by_id.insert(id.to_string(), idx);
        self.entities.push(entity);
        Ok(())
    }

    /// Builds the alias index.
    pub fn build(self) -> Result<Kb, KbError> {
        let KbBuilder {
            entities,
            by_id,
            ambiguous,
        } = self;
        let mut by_surface: FxHashMap<String, u32> = FxHashMap::default();
        let mut surfaces: Vec<Surface> = Vec::new();
        let mut slot = |surface: &str, by_surface: &mut FxHashMap<String, u32>| -> u32 {
            if let Some(&s) = by_surface.get(surface) {
                return s;
            }
            let s = surfaces.len() as u32;
            surfaces.push(Surface::default());
            by_surface.insert(surface.to_string(), s);
            s
        };
        let mut pending: Vec<(u32, EntityIdx)> = Vec::new();
        for (i, e) in entities.iter().enumerate() {
            let idx = EntityIdx(i as u32);
            for surface in std::iter::once(&e.name).chain(&e.aliases) {
                if surface.chars().count() >= MIN_ALIAS_LEN {
                    pending.push((slot(surface, &mut by_surface), idx));
                }
                // "the Caliphate Group" is found as "Caliphate Group": running text has its
                // article in lower or upper case, and names are found from capitalised words.
                if let Some(rest) = surface
                    .strip_prefix("the ")
                    .or_else(|| surface.strip_prefix("The "))
                    && rest.chars().count() >= MIN_ALIAS_LEN
                    && rest.chars().next().is_some_and(char::is_uppercase)
                {
                    pending.push((slot(rest, &mut by_surface), idx));
                }
            }
            if let Some(t) = &e.ticker {
                pending.push((slot(t, &mut by_surface), idx));
            }
        }
        // Ambiguity is a property of the name, whatever its case in the list ("georgia").
        let mut ambiguous_names: FxHashMap<String, Vec<EntityIdx>> = FxHashMap::default();
        for (name, ids) in &ambiguous {
            let entry = ambiguous_names.entry(name.to_lowercase()).or_default();
            entry.extend(ids.iter().filter_map(|id| by_id.get(id.as_str()).copied()));
        }
        let mut surfaces_done = surfaces;
        for (s, idx) in pending {
            if let Some(surface) = surfaces_done.get_mut(s as usize)
                && !surface.ids.contains(&idx)
            {
                surface.ids.push(idx);
            }
        }
        // Mark ambiguous surfaces, adding the listed candidates.
        let mut patterns: Vec<String> = vec![String::new(); surfaces_done.len()];
        for (text, &s) in &by_surface {
            if let Some(p) = patterns.get_mut(s as usize) {
                *p = text.clone();
            }
        }
        for (text, surface) in patterns.iter().zip(surfaces_done.iter_mut()) {
            if let Some(candidates) = ambiguous_names.get(&text.to_lowercase()) {
                surface.ambiguous = true;
                for c in candidates {
                    if !surface.ids.contains(c) {
                        surface.ids.push(*c);
                    }
                }
            }
            surface.ids.sort_unstable();
            // Two or more entities behind one surface is ambiguity too.
            if surface.ids.len() > 1 {
                surface.ambiguous = true;
            }
        }
        let first_chars = FirstChars::new(patterns.iter().filter_map(|p| p.chars().next()));
        let cities = entities.iter().map(|e| e.category == "city").collect();
        let capitals = entities
            .iter()
            .flat_map(|e| e.relations.iter())
            .filter(|(rel, _)| rel == "capital")
            .filter_map(|(_, target)| by_id.get(target).copied())
            .collect();
        let mut lists: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        // Names whose first word is an English function word in lower case ("a", "the",
        // "as": a few GeoNames spellings) are never found: every sentence would try them.
        const NOT_A_NAME_START: &[&str] = &[
            "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or",
            "the", "to", "with",
        ];
        for (slot, p) in patterns.iter().enumerate() {
            let w = first_word(p);
            if !w.is_empty() && !NOT_A_NAME_START.contains(&w) {
                lists.entry(w.into()).or_default().push(slot as u32);
            }
        }
        let mut first_words = FirstWords::default();
        for (w, mut slots) in lists {
            slots.sort_by_key(|&s| std::cmp::Reverse(patterns[s as usize].len()));
            let cands = slots
                .iter()
                .map(|&slot| {
                    let p = patterns[slot as usize].as_bytes();
                    Candidate {
                        slot,
                        len: u32::try_from(p.len()).unwrap_or(u32::MAX),
                        tail: tail_key(p),
                    }
                })
                .collect();
            first_words.insert(w, cands);
        }
        let patterns: Box<[Box<str>]> = patterns.into_iter().map(String::into_boxed_str).collect();
        Ok(Kb {
            entities,
            by_id,
            by_surface,
            surfaces: surfaces_done,
            first_words,
            patterns,
            first_chars,
            cities,
            capitals,
        })
    }
}

impl Kb {
    /// The knowledge base compiled into the binary.
    pub fn embedded() -> Result<Kb, KbError> {
        KbBuilder::new().add_embedded()?.build()
    }

    /// A knowledge base from the `*.tsv` files of `dir` only (same formats as `kb/`).
    /// Combine with the embedded files through [`KbBuilder`].
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Kb, KbError> {
        KbBuilder::new().add_dir(dir.as_ref())?.build()
    }

    pub fn builder() -> KbBuilder {
        KbBuilder::new()
    }

    /// Entities whose name or an alias matches `query`: exact (case-sensitive) alias
    /// matches first, then case-insensitive prefixes of names, then of aliases; at most
    /// `limit`, cities after everything else at each step.
    pub fn lookup(&self, query: &str, limit: usize) -> Vec<EntityIdx> {
        let q = query.trim();
        let mut out: Vec<EntityIdx> = Vec::new();
        if q.is_empty() || limit == 0 {
            return out;
        }
        if let Some(id) = self.by_id(q) {
            out.push(id);
        }
        out.extend(self.by_alias(q).iter().copied());
        let lower = q.to_lowercase();
        let starts = |s: &str| s.len() >= lower.len() && s.to_lowercase().starts_with(&lower);
        let mut names: Vec<(bool, EntityIdx)> = Vec::new();
        let mut aliases: Vec<(bool, EntityIdx)> = Vec::new();
        for (i, e) in self.entities.iter().enumerate() {
            let idx = EntityIdx(i as u32);
            let city = e.category == "city";
            if starts(&e.name) {
                names.push((city, idx));
            } else if e.aliases.iter().any(|a| starts(a)) {
                aliases.push((city, idx));
            }
        }
        names.sort_by_key(|(city, _)| *city);
        aliases.sort_by_key(|(city, _)| *city);
        for (_, idx) in names.into_iter().chain(aliases) {
            if out.len() >= limit {
                break;
            }
            if !out.contains(&idx) {
                out.push(idx);
            }
        }
        out.dedup();
        out.truncate(limit);
        out
    }

    /// True when the entity is a city.
    pub fn is_city(&self, idx: EntityIdx) -> bool {
        self.cities.get(idx.0 as usize).copied().unwrap_or(false)
    }

    /// True when the entity is a country's capital city.
    pub fn is_capital(&self, idx: EntityIdx) -> bool {
        self.capitals.contains(&idx)
    }

    /// Number of entities.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// The entity behind an index returned by this `Kb`.
    pub fn get(&self, idx: EntityIdx) -> Option<&KbEntity> {
        self.entities.get(idx.0 as usize)
    }

    /// The entity with a stable id (`kb:place/syria`).
    pub fn by_id(&self, id: &str) -> Option<EntityIdx> {
        self.by_id.get(id).copied()
    }

    /// Entities named exactly (case-sensitively) by `surface`; empty when none.
    pub fn by_alias(&self, surface: &str) -> &[EntityIdx] {
        self.surface(surface).map_or(&[], |s| s.ids.as_slice())
    }

    /// Whether `surface` is a known name that must not be linked without context.
    pub fn is_ambiguous(&self, surface: &str) -> bool {
        self.surface(surface).is_some_and(|s| s.ambiguous)
    }

    fn surface(&self, surface: &str) -> Option<&Surface> {
        let s = *self.by_surface.get(surface)?;
        self.surfaces.get(s as usize)
    }

    /// Every known name in `text`: case-sensitive, on word boundaries, leftmost-longest and
    /// non-overlapping, in text order.
    pub fn find(&self, text: &str) -> Vec<KbMatch> {
        // Names start where words start. At each word start the first word is looked up;
        // only when some name begins with it are those names compared with the text,
        // longest first. A name must end on a word boundary, so "Tehran" is not found in
        // "Tehrani".
        let word = |c: char| c.is_alphanumeric() || c == '_';
        let mut out = Vec::new();
        let mut covered = 0;
        let mut prev_word = false;
        let bytes = text.as_bytes();
        let mut next = 0;
        while next < bytes.len() {
            let i = next;
            // ASCII without decoding; other characters decoded one at a time.
            let c = match bytes[i] {
                b if b < 0x80 => b as char,
                _ => match text.get(i..).and_then(|s| s.chars().next()) {
                    Some(c) => c,
                    None => {
                        next += 1;
                        continue;
                    }
                },
            };
            next += c.len_utf8();
            let is_word = word(c);
            let word_start = is_word && !prev_word;
            prev_word = is_word;
            if !word_start {
                continue;
            }
            // A word starts here: read it whole at once (its letters and digits are the
            // first word of any name starting here; word characters after them only
            // continue the word), and go on after it. Inside a word nothing starts.
            let first_end = scan_while(text, i, char::is_alphanumeric);
            next = scan_while(text, first_end, word).max(next);
            if i < covered || !self.first_chars.contains(c) {
                continue;
            }
            let first = text.get(i..first_end).unwrap_or_default();
            let Some(slots) = self.first_words.get(first) else {
                continue;
            };
            let rest = &text.as_bytes()[i..];
            for cand in slots.iter() {
                // Length and last bytes first, from the candidate list itself: they turn
                // most candidates away without touching the name (a cache miss each, and a
                // word like "The" has hundreds of candidates).
                let len = cand.len as usize;
                if len == 0 || rest.get(..len).is_none_or(|r| tail_key(r) != cand.tail) {
                    continue;
                }
                let slot = cand.slot;
                let Some(p) = self.patterns.get(slot as usize) else {
                    continue;
                };
                let p = p.as_bytes();
                if !rest.starts_with(p) || !on_boundaries(text, i, i + p.len()) {
                    continue;
                }
                if let Some(surface) = self.surfaces.get(slot as usize) {
                    covered = i + p.len();
                    out.push(KbMatch {
                        start: i,
                        end: i + p.len(),
                        ids: surface.ids.clone(),
                        ambiguous: surface.ambiguous,
                    });
                    break;
                }
            }
        }
        out
    }
}

/// First word of a name → the name slots starting with it. Nearly every word of a story is
/// looked up here, so words of up to 16 bytes (nearly all) are keyed by their bytes packed
/// into an integer: hashing and comparing that is cheaper than hashing and comparing a
/// string. Longer words go to a map by string.
/// A name that may start at a word: its slot, and its length and last bytes, so that most
/// candidates are turned away without reading the name itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate {
    slot: u32,
    len: u32,
    /// [`tail_key`] of the name.
    tail: u32,
}

/// The last (up to) four bytes of `bytes`, packed: equal for two byte strings that end
/// alike, so a difference proves a name does not match.
fn tail_key(bytes: &[u8]) -> u32 {
    let mut key = 0u32;
    for &b in bytes.iter().rev().take(4) {
        key = (key << 8) | u32::from(b);
    }
    key
}

#[derive(Debug, Clone)]
struct FirstWords {
    short: FxHashMap<u128, Box<[Candidate]>>,
    long: FxHashMap<Box<str>, Box<[Candidate]>>,
    /// Per ASCII first byte, the lengths (bit `min(len, 31)`) of the first words that
    /// start with it: most words of running text ("the", "said") have no name starting
    /// with them, and this turns them away without a lookup.
    lens: [u32; 128],
}

impl Default for FirstWords {
    fn default() -> FirstWords {
        FirstWords {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
            lens: [0; 128],
        }
    }
}

impl FirstWords {
    /// The bytes of `w`, zero padded (a word holds no NUL), when it has at most 16.
    fn pack(w: &str) -> Option<u128> {
        if w.len() > 16 {
            return None;
        }
        let mut buf = [0u8; 16];
        for (d, s) in buf.iter_mut().zip(w.bytes()) {
            *d = s;
        }
        Some(u128::from_le_bytes(buf))
    }

    fn insert(&mut self, w: Box<str>, slots: Box<[Candidate]>) {
        if let Some(l) = w
            .as_bytes()
            .first()
            .and_then(|&b| self.lens.get_mut(usize::from(b)))
        {
            *l |= 1 << w.len().min(31);
        }
        match FirstWords::pack(&w) {
            Some(k) => {
                self.short.insert(k, slots);
            }
            None => {
                self.long.insert(w, slots);
            }
        }
    }

    fn get(&self, w: &str) -> Option<&[Candidate]> {
        let first = usize::from(*w.as_bytes().first()?);
        if self
            .lens
            .get(first)
            .is_some_and(|l| l & (1 << w.len().min(31)) == 0)
        {
            return None;
        }
        match FirstWords::pack(w) {
            Some(k) => self.short.get(&k),
            None => self.long.get(w),
        }
        .map(|s| &**s)
    }
}

/// The characters names start with: a bitmap for ASCII (nearly every word), a set for
/// the rest.
#[derive(Debug, Clone)]
struct FirstChars {
    ascii: [bool; 128],
    other: FxHashSet<char>,
}

impl FirstChars {
    fn new(chars: impl Iterator<Item = char>) -> FirstChars {
        let mut f = FirstChars {
            ascii: [false; 128],
            other: FxHashSet::default(),
        };
        for c in chars {
            match f.ascii.get_mut(c as usize) {
                Some(slot) => *slot = true,
                None => {
                    f.other.insert(c);
                }
            }
        }
        f
    }

    fn contains(&self, c: char) -> bool {
        match self.ascii.get(c as usize) {
            Some(&b) => b,
            None => self.other.contains(&c),
        }
    }
}

/// The end of the run of characters from byte `from` of `text` that satisfy `keep`
/// (ASCII read directly, the rest decoded).
fn scan_while(text: &str, from: usize, keep: impl Fn(char) -> bool) -> usize {
    let bytes = text.as_bytes();
    let mut end = from;
    while let Some(&b) = bytes.get(end) {
        let c = if b < 0x80 {
            char::from(b)
        } else {
            match text.get(end..).and_then(|s| s.chars().next()) {
                Some(c) => c,
                None => break,
            }
        };
        if !keep(c) {
            break;
        }
        end += c.len_utf8();
    }
    end
}

/// The leading run of letters and digits of `text` ("al" of "al-Shabaab").
fn first_word(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let b = bytes[end];
        if b < 0x80 {
            if !b.is_ascii_alphanumeric() {
                break;
            }
            end += 1;
            continue;
        }
        match text.get(end..).and_then(|s| s.chars().next()) {
            Some(c) if c.is_alphanumeric() => end += c.len_utf8(),
            _ => break,
        }
    }
    &text[..end]
}

/// True when `text[start..end]` neither starts nor ends inside a word.
fn on_boundaries(text: &str, start: usize, end: usize) -> bool {
    let (Some(before), Some(inner), Some(after)) = (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return false;
    };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let starts_ok = !(inner.chars().next().is_some_and(word) && before.chars().next_back().is_some_and(word));
    let ends_ok = !(inner.chars().next_back().is_some_and(word) && after.chars().next().is_some_and(word));
    starts_ok && ends_ok
}

/// English plural of a demonym used as a noun ("Syrians", "Iraqis"); none for the
/// invariable ones ("Chinese", "Swiss", "French").
fn demonym_plural(demonym: &str) -> Option<String> {
    let invariable = ["ese", "ss", "sh", "ch", "s", "x", "z"];
    if demonym.contains(' ') || invariable.iter().any(|e| demonym.ends_with(e)) {
        return None;
    }
    Some(format!("{demonym}s"))
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen = FxHashSet::default();
    items.retain(|i| !i.is_empty() && seen.insert(i.clone()));
}

/// One data row, with cells looked up by column name.
struct Row<'a> {
    header: &'a [&'a str],
    cells: &'a [&'a str],
}

impl<'a> Row<'a> {
    /// The trimmed cell of `column`, or "" when the file has no such column.
    fn get(&self, column: &str) -> &'a str {
        self.header
            .iter()
            .position(|h| *h == column)
            .and_then(|i| self.cells.get(i))
            .map_or("", |c| c.trim())
    }

    fn required(&self, column: &str) -> Result<&'a str, String> {
        match self.get(column) {
            "" => Err(format!("empty {column:?} cell")),
            v => Ok(v),
        }
    }

    /// A `|`-separated cell.
    fn list(&self, column: &str) -> Vec<String> {
        self.get(column)
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A cell of KB ids: `|`-separated, but ids never hold spaces, so spaces split too.
    fn ids(&self, column: &str) -> Vec<String> {
        self.get(column)
            .split(|c: char| c == '|' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A `relation=target|…` cell.
    fn relations(&self, column: &str) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for item in self.get(column).split('|').map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let (rel, target) = item
                .split_once('=')
                .ok_or_else(|| format!("relation {item:?} in {column:?} lacks '='"))?;
            if rel.trim().is_empty() || target.trim().is_empty() {
                return Err(format!("relation {item:?} in {column:?} is incomplete"));
            }
            out.push((rel.trim().to_string(), target.trim().to_string()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The embedded KB, loaded once for all tests (loading takes a moment in debug builds).
    fn kb() -> &'static Kb {
        static KB: OnceLock<Kb> = OnceLock::new();
        KB.get_or_init(|| match Kb::embedded() {
            Ok(kb) => kb,
            Err(e) => panic!("embedded KB failed to load: {e}"),
        })
    }

    /// Ids of the entities a surface names.
    fn ids(surface: &str) -> Vec<&'static str> {
        let kb = kb();
        kb.by_alias(surface)
            .iter()
            .filter_map(|&i| kb.get(i))
            .map(|e| e.id.as_str())
            .collect()
    }

    /// (matched text, first id, ambiguous) for each match in `text`.
    fn found(text: &str) -> Vec<(&str, Vec<&'static str>, bool)> {
        let kb = kb();
        kb.find(text)
            .into_iter()
            .map(|m| {
                let ids = m
                    .ids
                    .iter()
                    .filter_map(|&i| kb.get(i))
                    .map(|e| e.id.as_str())
                    .collect();
                (&text[m.start..m.end], ids, m.ambiguous)
            })
            .collect()
    }

    #[test]
    fn first_words_are_found_by_their_exact_bytes() {
        // Short words go by packed bytes, longer ones by string; a multi-byte character
        // may sit across the 16-byte edge. A prefix or a case change is another word.
        let mut fw = FirstWords::default();
        let words = [
            "Tehran",
            "al",
            "Abcdefghijklmnop",
            "Abcdefghijklmnopq",
            "Abcdefghijklmnoé",
            "Ürümqi",
        ];
        for (i, w) in words.iter().enumerate() {
            let cand = Candidate {
                slot: i as u32,
                len: w.len() as u32,
                tail: tail_key(w.as_bytes()),
            };
            fw.insert((*w).into(), vec![cand].into_boxed_slice());
        }
        for (i, w) in words.iter().enumerate() {
            assert_eq!(
                fw.get(w).and_then(|s| s.first().map(|c| c.slot)),
                Some(i as u32),
                "{w:?}"
            );
        }
        for w in [
            "Tehra",
            "tehran",
            "Abcdefghijklmno",
            "Abcdefghijklmnopqr",
            "Ürüm",
            "a",
        ] {
            assert!(fw.get(w).is_none(), "{w:?}");
        }
        // The tail key rejects only names that cannot match: texts ending alike agree.
        assert_eq!(tail_key(b"Islamic State"), tail_key(b"the State"));
        assert_ne!(tail_key(b"Islamic State"), tail_key(b"Islamic Stat"));
        assert_eq!(tail_key(b"Ab"), tail_key(b"Ab"));
        assert_ne!(tail_key(b"Ab"), tail_key(b"Abc"));
    }

    #[test]
    fn embedded_kb_loads_every_file() {
        let kb = kb();
        // Countries + cities alone are over 34,000 rows.
        assert!(kb.len() > 35_000, "only {} entities", kb.len());
        for id in [
            "kb:place/syria",
            "kb:place/city/aleppo-sy",
            "kb:place/us-state/california",
            "kb:region/middle-east",
            "kb:company/apple",
            "kb:org/nato",
            "kb:group/islamic-state",
            "kb:person/donald-trump",
        ] {
            assert!(kb.by_id(id).is_some(), "{id} missing");
        }
    }

    #[test]
    fn kinds_follow_the_source_file() {
        let kb = kb();
        let kind = |id: &str| kb.by_id(id).and_then(|i| kb.get(i)).map(|e| e.kind);
        assert_eq!(kind("kb:place/syria"), Some(EntityKind::Place));
        assert_eq!(kind("kb:place/city/aleppo-sy"), Some(EntityKind::Place));
        assert_eq!(kind("kb:region/middle-east"), Some(EntityKind::Place));
        assert_eq!(kind("kb:org/nato"), Some(EntityKind::Org));
        assert_eq!(kind("kb:group/islamic-state"), Some(EntityKind::Org));
        assert_eq!(kind("kb:company/apple"), Some(EntityKind::Company));
        assert_eq!(kind("kb:person/donald-trump"), Some(EntityKind::Person));
    }

    #[test]
    fn office_holders_carry_their_role() {
        let kb = kb();
        let trump = kb
            .by_id("kb:person/donald-trump")
            .and_then(|i| kb.get(i))
            .map(|e| e.roles.clone());
        assert_eq!(trump, Some(vec!["President".to_string()]));
    }

    #[test]
    fn country_reachable_by_name_and_demonyms() {
        for surface in ["Syria", "Syrian", "Syrians"] {
            assert_eq!(ids(surface), ["kb:place/syria"], "{surface}");
        }
        // Invariable demonyms get no made-up plural.
        assert!(ids("Chineses").is_empty());
    }

    #[test]
    fn islamic_state_reachable_by_every_acronym() {
        for surface in ["Islamic State", "ISIL", "ISIS", "Daesh"] {
            assert_eq!(ids(surface), ["kb:group/islamic-state"], "{surface}");
        }
    }

    #[test]
    fn company_by_name_short_name_and_ticker() {
        for surface in ["Apple Inc.", "Apple", "AAPL"] {
            assert_eq!(ids(surface), ["kb:company/apple"], "{surface}");
        }
        let kb = kb();
        let apple = kb.by_id("kb:company/apple").and_then(|i| kb.get(i));
        assert_eq!(apple.and_then(|e| e.ticker.as_deref()), Some("AAPL"));
    }

    #[test]
    fn matches_respect_word_boundaries() {
        let text = "Mehdi Tehrani, a trader, said shares of Appleton rose.";
        let hits = found(text);
        assert!(
            hits.iter().all(|(t, _, _)| *t != "Tehran" && *t != "Apple"),
            "{hits:?}"
        );
        // Punctuation and possessives are boundaries; so are non-ASCII letters' absence.
        let hits = found("Strikes hit Tehran's outskirts; Aleppo, too.");
        let texts: Vec<&str> = hits.iter().map(|h| h.0).collect();
        assert!(
            texts.contains(&"Tehran") && texts.contains(&"Aleppo"),
            "{texts:?}"
        );
        // A Unicode letter glued on is inside the word.
        assert!(found("Tehranés").iter().all(|h| h.0 != "Tehran"));
    }

    #[test]
    fn matching_is_case_sensitive() {
        assert!(found("the syrian border").iter().all(|h| h.0 != "syrian"));
    }

    #[test]
    fn longest_known_name_wins() {
        let text = "The Iraqi Defence Ministry said on Tuesday the convoy was hit.";
        let hits = found(text);
        let first = hits.first().map(|h| h.0);
        assert_eq!(first, Some("Iraqi Defence Ministry"), "{hits:?}");
        assert!(hits[0].1.contains(&"kb:org/iq/defence-ministry"));
        assert!(!hits.iter().any(|h| h.0 == "Iraqi"), "{hits:?}");
        // The offsets point at the name in the text.
        let m = &kb().find(text)[0];
        assert_eq!((m.start, m.end), (4, 4 + "Iraqi Defence Ministry".len()));
    }

    #[test]
    fn a_rejected_long_match_does_not_hide_a_shorter_one() {
        // "Islamic State" is a valid match even though a longer alias could start here.
        let hits = found("fighters loyal to Islamic Statex and Islamic State alike");
        assert_eq!(
            hits.iter().filter(|h| h.0 == "Islamic State").count(),
            1,
            "{hits:?}"
        );
    }

    #[test]
    fn georgia_is_ambiguous_with_both_candidates() {
        let hits = found("Protesters in Georgia blocked the road.");
        let georgia = hits.iter().find(|h| h.0 == "Georgia");
        let Some((_, ids, ambiguous)) = georgia else {
            panic!("Georgia not found: {hits:?}");
        };
        assert!(*ambiguous);
        assert!(ids.contains(&"kb:place/georgia"), "{ids:?}");
        assert!(ids.contains(&"kb:place/us-state/georgia"), "{ids:?}");
        assert!(kb().is_ambiguous("Georgia"));
        assert!(!kb().is_ambiguous("Syria"));
    }

    #[test]
    fn malformed_row_names_file_and_line() {
        let text = "# a comment\nid\tkind\tname\taliases\tmembers\tsource\tnote\n\
                    kb:region/ok\tregion\tOkland\t\t\tmine\t\n\
                    kb:region/bad\tregion\tBadland\n";
        let err = KbBuilder::new().add_tsv("user/regions.tsv", text);
        let msg = err.map_err(|e| e.to_string()).err().unwrap_or_default();
        assert!(msg.starts_with("user/regions.tsv:4:"), "{msg}");
        assert!(msg.contains("expected 7"), "{msg}");
    }

    #[test]
    fn bad_relation_and_unknown_header_are_errors() {
        let text = "id\tkind\tname\taliases\tcountries\trelations\tsource\tnote\n\
                    kb:group/x\tmilitia\tX Front\t\tSY\tsuccessor_of\tmine\t\n";
        let msg = KbBuilder::new()
            .add_tsv("g.tsv", text)
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(msg.starts_with("g.tsv:2:") && msg.contains("lacks '='"), "{msg}");
        let msg = KbBuilder::new()
            .add_tsv("h.tsv", "foo\tbar\n")
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(
            msg.contains("h.tsv") && msg.contains("unknown KB file format"),
            "{msg}"
        );
    }

    #[test]
    fn user_rows_add_and_extend_entities() {
        let mut b = KbBuilder::new();
        let regions = "id\tkind\tname\taliases\tmembers\tsource\tnote\n\
                       kb:region/north-vale\tregion\tNorth Vale\tthe Vale|Valeland\t\tmine\t\n";
        let more = "id\tkind\tname\taliases\tmembers\tsource\tnote\n\
                    kb:region/north-vale\tregion\tNorth Vale\tNorvale\t\tmine\t\n";
        assert!(b.add_tsv("a.tsv", regions).is_ok());
        assert!(b.add_tsv("b.tsv", more).is_ok());
        let kb = match b.build() {
            Ok(kb) => kb,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(kb.len(), 1);
        for s in ["North Vale", "Valeland", "Norvale"] {
            assert_eq!(kb.by_alias(s), [EntityIdx(0)], "{s}");
        }
        let hits = kb.find("Rain fell across North Vale and Norvale.");
        assert_eq!(hits.len(), 2);
    }

    #[test]
    fn from_dir_reads_tsv_files_and_names_a_bad_one() {
        let dir = std::env::temp_dir().join(format!("herald-kb-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(std::fs::create_dir_all(&dir).is_ok());
        let orgs = "id\tkind\tname\taliases\tcountry\tparent\tmembers\trelations\tsource\n\
                    kb:org/xx/harbour-board\tregulator\tHarbour Board of Estmark\tHBE\tXX\t\t\t\tmine\n";
        assert!(std::fs::write(dir.join("orgs.tsv"), orgs).is_ok());
        assert!(std::fs::write(dir.join("notes.txt"), "not a KB file").is_ok());
        let kb = Kb::from_dir(&dir);
        let hits = kb
            .as_ref()
            .map(|kb| kb.find("The HBE fined the ferry line.").len());
        assert_eq!(hits.map_err(|e| e.to_string()), Ok(1));
        assert!(std::fs::write(dir.join("zz.tsv"), "nonsense\n").is_ok());
        let err = Kb::from_dir(&dir).map(|_| ()).map_err(|e| e.to_string());
        assert!(err.as_ref().is_err_and(|m| m.contains("zz.tsv")), "{err:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
