//! Direct quotations in one text field, each credited to the speaker its attribution names.
//!
//! The recognizer hands us its mentions ([`Ref`]s, already resolved to the story's
//! entities); this module finds the quoted spans and decides, for each, which mention the
//! attribution points at. It works in a few linear steps over the field:
//!
//! 1. **Paragraphs** (split at blank lines) bound everything: a quote never crosses one,
//!    except the classic multi-paragraph style (no closing mark at the end of a paragraph,
//!    the next paragraph opens with a mark), where each paragraph piece is its own quote.
//! 2. **Marks**: curly `“…”` and straight `"…"` quotes, paired with a small state machine
//!    that tolerates unbalanced and mixed marks. Single quotes are ignored on purpose:
//!    apostrophes ("it's", "Da'm") are everywhere and double quotes carry the quotations.
//! 3. **Sentences**, split outside quoted text (abbreviation-aware), so that each quote
//!    has a *tail* (the clause after its closing mark) and a *prefix* (its sentence before
//!    the opening mark).
//! 4. **Not quotes**: glosses (`whose name means "Party of God"`), nicknames
//!    (`Rodrigo "Digoy" Salcedo`), titles (`"The Long Corridor"`) and scare quotes are short
//!    and have no attribution; they are dropped.
//! 5. **Attribution**, in order of strength: the tail (`"…," X said` / `"…," said X`), the
//!    prefix (`X said: "…"`, `X called it "…"`), then continuation (a quote with no
//!    attribution of its own continues the previous quote's speaker). Pronouns walk back to
//!    the nearest person who was the subject of a sentence; anonymous speakers ("a
//!    diplomat", "sources", "the jury") get no speaker, never a guessed name.
//!
//! No regex, no allocation per character, no panics: every offset comes from a char
//! boundary found by scanning, and refs that break the contract are dropped, not trusted.

/// A mention found by the recognizer: byte span in the text, and which entity of the story.
#[derive(Debug, Clone, Copy)]
pub struct Ref {
    /// Byte offset of the mention's first character.
    pub start: usize,
    /// Byte offset just past the mention.
    pub end: usize,
    /// Index of the story entity the mention resolves to.
    pub entity: usize,
    /// Whether that entity is a person (pronouns "he"/"she" can only point at people).
    pub person: bool,
}

/// One direct quotation and who said it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteSpan {
    /// Byte offset of the first quoted character (the opening mark is not included).
    pub start: usize,
    /// Byte offset just past the last quoted character (the closing mark is not included).
    pub end: usize,
    /// Entity index of the speaker, from a [`Ref`]; `None` when the text names nobody
    /// (anonymous sources, collectives that are not entities) or the speaker is unclear.
    pub speaker: Option<usize>,
    /// Where the attribution names the speaker (the [`Ref`]'s span), when it does; `None`
    /// for pronouns, continuation quotes and unnamed speakers.
    pub speaker_span: Option<(usize, usize)>,
}

/// Finds every direct quotation in `text` and credits it to its speaker.
///
/// `refs` are the recognizer's mentions, sorted by start and not overlapping (refs that are
/// out of bounds or not on char boundaries are ignored). `text` is one field: a bullet, or
/// the body with paragraphs separated by blank lines. Quotes come back in text order.
pub fn extract_quotes(text: &str, refs: &[Ref]) -> Vec<QuoteSpan> {
    extract_quotes_with_prev(text, refs, None)
}

/// Like [`extract_quotes`], with `prev`: the speaker of the last quote of the previous
/// field, if any. A quote in the first paragraph with no attribution of its own continues
/// it (rare across fields; within the body continuation is handled without it).
pub fn extract_quotes_with_prev(text: &str, refs: &[Ref], prev: Option<usize>) -> Vec<QuoteSpan> {
    let paras = paragraphs(text);
    let raws = find_marks(text, &paras);
    if raws.is_empty() {
        return Vec::new();
    }
    let sentences = sentence_starts(text, &paras, &raws);
    let doc = Doc {
        text,
        paras,
        raws,
        sentences,
        refs: clean_refs(text, refs),
        ref_in_quote: Vec::new(),
    };
    doc.run(prev)
}

/// How far (bytes) an attribution is looked for around a quote; news sentences are far
/// shorter, and the bound keeps pathological input linear.
const WINDOW: usize = 600;

/// How far back (bytes) the words before a quote are read to spot a gloss.
const WORDS_BACK_BYTES: usize = 80;

/// Verbs (as written) that attribute speech. Base forms that are mostly nouns in news
/// prose ("state", "note", "post", "call", "claim") are left out on purpose.
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "say",
    "saying",
    "told",
    "tells",
    "added",
    "adds",
    "adding",
    "warned",
    "warns",
    "stated",
    "wrote",
    "writes",
    "asked",
    "asks",
    "insisted",
    "insists",
    "argued",
    "argues",
    "noted",
    "declared",
    "declares",
    "explained",
    "explains",
    "replied",
    "replies",
    "continued",
    "acknowledged",
    "acknowledges",
    "admitted",
    "admits",
    "conceded",
    "concedes",
    "urged",
    "urges",
    "promised",
    "vowed",
    "vows",
    "called",
    "calls",
    "described",
    "describes",
    "praised",
    "condemned",
    "cautioned",
    "claimed",
    "announced",
    "recalled",
    "responded",
    "countered",
    "stressed",
    "emphasised",
    "emphasized",
    "predicted",
    "pledged",
    "complained",
    "suggested",
    "tweeted",
    "posted",
    "quipped",
    "shouted",
    "confirmed",
    "denied",
    "asserted",
    "according",
];

/// Subject pronouns; "it"/"they"/"we" point at organisations as often as at people.
const PRONOUNS: &[&str] = &["he", "she", "it", "they", "we", "i"];

/// First words that make a subject anonymous or indefinite ("a diplomat", "sources").
const ANON_FIRST: &[&str] = &[
    "a",
    "an",
    "one",
    "two",
    "three",
    "four",
    "several",
    "some",
    "many",
    "another",
    "sources",
    "officials",
    "diplomats",
    "analysts",
    "residents",
    "witnesses",
    "experts",
    "critics",
    "observers",
    "aides",
    "insiders",
];

/// Heads that stay anonymous even after "the" ("the source said", "the jury wrote").
const ANON_AFTER_THE: &[&str] = &[
    "source",
    "sources",
    "official",
    "officials",
    "diplomat",
    "diplomats",
    "jury",
    "judges",
    "person",
    "people",
    "witness",
    "witnesses",
    "analyst",
    "analysts",
    "resident",
    "residents",
    "expert",
    "experts",
];

/// Documents that "say" things on behalf of whoever issued them ("the message said").
const DOCUMENTS: &[&str] = &[
    "statement",
    "message",
    "letter",
    "ruling",
    "report",
    "post",
    "note",
    "filing",
    "notice",
    "communique",
];

/// Words right before a quote that make it a gloss or an alias, not speech.
const GLOSS_BEFORE: &[&str] = &[
    "means",
    "meaning",
    "mean",
    "nicknamed",
    "dubbed",
    "titled",
    "entitled",
    "named",
    "translates",
    "translated",
];

/// Words that, a few words before "as", make `as "X"` a name ("known to associates as").
const GLOSS_BEFORE_AS: &[&str] = &[
    "known",
    "track",
    "tracks",
    "tracked",
    "referred",
    "translates",
    "translated",
    "listed",
    "styled",
    "identified",
    "branded",
];

/// Words that start a clause which continues the sentence rather than attributing the quote.
const CONJUNCTIONS: &[&str] = &[
    "and", "but", "or", "while", "though", "although", "if", "because", "with", "as", "when", "which", "who",
    "where", "before", "after", "so", "then", "unless", "until", "than",
];

/// Lower-case words allowed inside a title-case name or title ("Party of God").
const TITLE_SMALL: &[&str] = &[
    "of", "the", "and", "a", "an", "in", "on", "for", "to", "at", "by", "de", "del", "la", "le", "al", "el",
    "du", "von", "van", "der", "y", "e", "da", "do", "das", "dos", "di",
];

/// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Brig", "Col", "Capt", "Lt", "Sgt", "Maj", "Adm", "Cmdr", "Cdr",
    "Gov", "Sen", "Rep", "Rev", "Fr", "St", "Mt", "Jr", "Sr", "Inc", "Ltd", "Co", "Corp", "No", "Nos", "vs",
    "etc", "Ma", "Atty", "Hon", "Pres", "Sec", "Dept", "Univ", "Ave", "Jan", "Feb", "Mar", "Apr", "Jun",
    "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "approx", "Supt", "Insp", "Cpl", "Pvt", "Gov", "Amb",
    "Sheikh",
];

/// A quoted span as the marks delimit it, before we decide whether it is a quotation.
#[derive(Debug, Clone, Copy)]
struct Raw {
    /// Byte offset of the opening mark.
    open: usize,
    /// Quoted text, trimmed of surrounding whitespace.
    start: usize,
    end: usize,
    /// Byte offset just past the closing mark (the paragraph end for a run-on piece).
    after: usize,
    /// Index of the paragraph the quote sits in.
    para: usize,
    /// A multi-paragraph piece: no closing mark, the next paragraph opens a new one.
    run_on: bool,
    /// Delimited by ‘…’: kept only with a clear attribution (apostrophes look alike).
    single: bool,
}

/// What an attribution's subject turned out to be.
#[derive(Debug, Clone, Copy)]
enum Subject {
    /// A recognizer mention (index into the cleaned refs).
    Ref(usize),
    /// "he"/"she", "it", or "they"/"we"/"I".
    Pronoun(Want),
    /// "a diplomat", "sources", "the jury": nobody to name.
    Anonymous,
    /// "the message said": the author is whoever was last mentioned.
    Document,
    /// An attribution whose subject we cannot resolve.
    Unknown,
}

/// What kind of entity a pronoun can stand for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    /// "he", "she"
    Person,
    /// "it": an organisation, a country, a court …
    Thing,
    /// "they", "we", "I"
    Any,
}

impl Want {
    fn accepts(self, person: bool) -> bool {
        match self {
            Want::Person => person,
            Want::Thing => !person,
            Want::Any => true,
        }
    }
}

/// Per-call state: the text, its structure and the refs.
struct Doc<'a> {
    text: &'a str,
    paras: Vec<(usize, usize)>,
    raws: Vec<Raw>,
    sentences: Vec<usize>,
    refs: Vec<Ref>,
    /// Parallel to `refs`: the mention sits inside an accepted quotation, so it is something
    /// the speaker said, never the speaker.
    ref_in_quote: Vec<bool>,
}

/// A decided quote, with what the next quotes need to know about it.
#[derive(Debug, Clone, Copy)]
struct Found {
    raw: Raw,
    speaker: Option<usize>,
    span: Option<(usize, usize)>,
    person: bool,
    /// The quote had an attribution of its own (not a continuation).
    own: bool,
}

impl Doc<'_> {
    fn run(mut self, prev: Option<usize>) -> Vec<QuoteSpan> {
        let keep: Vec<Raw> = self
            .raws
            .iter()
            .copied()
            .filter(|r| self.is_quotation(r))
            .collect();
        self.mark_refs_in_quotes(&keep);

        let mut found: Vec<Found> = Vec::with_capacity(keep.len());
        for raw in keep {
            let f = self.attribute(raw, &found, prev);
            found.push(f);
        }
        backfill_run_on(&mut found);
        found
            .into_iter()
            .map(|f| QuoteSpan {
                start: f.raw.start,
                end: f.raw.end,
                speaker: f.speaker,
                speaker_span: f.span,
            })
            .collect()
    }

    // ----- deciding what is a quotation -------------------------------------------------

    /// Drops glosses, nicknames, titles and scare quotes: short spans that nobody says.
    fn is_quotation(&self, r: &Raw) -> bool {
        let content = &self.text[r.start..r.end];
        if !content.chars().any(char::is_alphanumeric) {
            return false;
        }
        let words = content
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
        if r.single {
            let colon = self.text[..r.open].trim_end().ends_with(':');
            return words >= 3 && (colon || self.tail_verb(r).is_some());
        }
        let terminal = ends_sentence(content);
        if words <= 4 && !terminal {
            if self.gloss_before(r) || self.is_nickname(r) {
                return false;
            }
            if self.tail_verb(r).is_some() {
                return true;
            }
            if is_title_case(content) {
                return false;
            }
            if words <= 3 {
                return self.prefix_verb(r).is_some();
            }
        }
        true
    }

    /// `whose name means "…"`, `known to associates as "…"`, `dubbed "…"`.
    fn gloss_before(&self, r: &Raw) -> bool {
        let before = self.words_back(r.open, 6);
        let Some(&(ws, we)) = before.first() else {
            return false;
        };
        let last = &self.text[ws..we];
        if GLOSS_BEFORE.iter().any(|g| last.eq_ignore_ascii_case(g)) {
            return true;
        }
        if last.eq_ignore_ascii_case("as") {
            return before[1..]
                .iter()
                .any(|&(a, b)| GLOSS_BEFORE_AS.contains(&&self.text[a..b]));
        }
        false
    }

    /// `Rodrigo "Digoy" Salcedo`: capitalised words hug the quote on both sides.
    fn is_nickname(&self, r: &Raw) -> bool {
        let Some(before) = self.text[..r.open].strip_suffix(' ') else {
            return false;
        };
        let word = &before[before.trim_end_matches(char::is_alphabetic).len()..];
        let cap_before = word.chars().next().is_some_and(char::is_uppercase);
        let cap_after = self.text[r.after..]
            .strip_prefix(' ')
            .and_then(|a| a.chars().next())
            .is_some_and(char::is_uppercase);
        cap_before && cap_after
    }

    // ----- attribution ---------------------------------------------------------------

    fn attribute(&self, raw: Raw, found: &[Found], prev: Option<usize>) -> Found {
        let decided = |subject: Subject| self.resolve(subject, raw, found);
        if let Some((vs, ve)) = self.tail_verb(&raw) {
            let subject = if self.has_words(raw.after, vs) {
                self.subject_before(raw.after, vs)
            } else {
                self.subject_after(ve, self.tail_end(&raw))
            };
            return decided(subject);
        }
        if let Some((vs, ve)) = self.prefix_verb(&raw) {
            let start = self.prefix_start(raw.open);
            let subject = if self.text[vs..ve].eq_ignore_ascii_case("according") {
                self.subject_after(ve, raw.open)
            } else if self.has_words(start, vs) {
                self.subject_before(start, vs)
            } else {
                self.subject_after(ve, raw.open)
            };
            return decided(subject);
        }
        // `Quist read the letter aloud: "…"`: a colon introduces speech whatever the verb.
        let lead = self.text[..raw.open].trim_end();
        if lead.ends_with(':') {
            let start = self.prefix_start(raw.open);
            if self.has_words(start, lead.len()) {
                return decided(self.subject_before(start, lead.len()));
            }
        }
        // No attribution of its own: a continuation of the previous quote, if it is close.
        let continued = match found.last() {
            Some(p) if raw.para <= p.raw.para + 1 => Some((p.speaker, p.person)),
            Some(_) => None,
            None if raw.para == 0 => prev.map(|s| (Some(s), false)),
            None => None,
        };
        let (speaker, person) = continued.unwrap_or((None, false));
        Found {
            raw,
            speaker,
            span: None,
            person,
            own: false,
        }
    }

    /// Turns a subject into a speaker.
    fn resolve(&self, subject: Subject, raw: Raw, found: &[Found]) -> Found {
        let mut f = Found {
            raw,
            speaker: None,
            span: None,
            person: false,
            own: true,
        };
        let by_ref = |i: usize| self.refs.get(i).copied();
        match subject {
            Subject::Ref(i) => {
                if let Some(r) = by_ref(i) {
                    f.speaker = Some(r.entity);
                    f.span = Some((r.start, r.end));
                    f.person = r.person;
                }
            }
            Subject::Pronoun(want) => {
                if let Some((entity, is_person)) = self.antecedent(raw.open, want, found) {
                    f.speaker = Some(entity);
                    f.person = is_person;
                }
            }
            Subject::Document => {
                let prev_sentence_end = self.sentence_start(raw.open);
                let floor = floor_boundary(self.text, raw.open.saturating_sub(WINDOW));
                let start = self
                    .sentence_start(prev_sentence_end.saturating_sub(1))
                    .max(floor);
                if let Some(r) = self.free_refs(start, raw.open).last().and_then(|&i| by_ref(i)) {
                    f.speaker = Some(r.entity);
                    f.person = r.person;
                }
            }
            Subject::Anonymous | Subject::Unknown => {}
        }
        f
    }

    /// The entity a pronoun before `pos` points at: walking back sentence by sentence, the
    /// last fitting speaker of a quote there, else the first fitting mention.
    fn antecedent(&self, pos: usize, want: Want, found: &[Found]) -> Option<(usize, bool)> {
        let para_floor = {
            let pi = self.para_of(pos);
            self.paras.get(pi.saturating_sub(2)).map_or(0, |p| p.0)
        };
        let floor = floor_boundary(self.text, pos.saturating_sub(4 * WINDOW)).max(para_floor);
        let mut end = pos;
        for _ in 0..8 {
            let start = self.sentence_start(end.saturating_sub(1)).max(floor);
            let quoted = found
                .iter()
                .rev()
                .skip_while(|f| f.raw.open >= end)
                .take_while(|f| f.raw.open >= start)
                .find(|f| f.speaker.is_some())
                .filter(|f| want.accepts(f.person));
            if let Some(q) = quoted {
                return q.speaker.map(|s| (s, q.person));
            }
            let refs = self.free_refs(start, end);
            let hit = refs
                .iter()
                .filter_map(|&i| self.refs.get(i))
                .find(|r| want.accepts(r.person));
            if let Some(r) = hit {
                return Some((r.entity, r.person));
            }
            if start <= floor {
                break;
            }
            end = start;
        }
        None
    }

    /// The subject in `[a, b)`, the words right before an attribution verb.
    fn subject_before(&self, a: usize, b: usize) -> Subject {
        let refs = self.free_refs(a, b);
        let words = self.words(a, b);
        // `A spokeswoman, Olena Varga, said`: the name right before the verb, set off by
        // commas, is the speaker whatever the head noun was.
        if let Some(&last) = refs.last()
            && let Some(r) = self.refs.get(last)
        {
            let between = self.text[r.end..b].trim();
            let lead = self.text[a..r.start].trim_end();
            let lead = strip_suffix_word(lead, "the");
            if between == "," && (lead.ends_with(',') || lead.is_empty()) {
                return Subject::Ref(last);
            }
        }
        let first = words.first().map(|&(s, e)| &self.text[s..e]);
        if let Some(p) = first.and_then(pronoun) {
            return p;
        }
        // "a spokesman for X said" speaks for X (but "Gen. Y, a spokesman for X" is Y).
        let first_person = refs.iter().copied().find(|&i| self.refs[i].person);
        let head_end = first_person.map_or(b, |i| self.refs[i].start);
        for pair in words.windows(2).filter(|p| p[0].1 <= head_end) {
            let (w0, w1) = (&self.text[pair[0].0..pair[0].1], &self.text[pair[1].0..pair[1].1]);
            let is_spokes = ["spokesman", "spokeswoman", "spokesperson", "representative"]
                .iter()
                .any(|s| w0.eq_ignore_ascii_case(s));
            if is_spokes
                && w1 == "for"
                && let Some(&i) = refs.iter().find(|&&i| self.refs[i].start >= pair[1].1)
            {
                return Subject::Ref(i);
            }
        }
        if self.anonymous_head(&words) {
            return Subject::Anonymous;
        }
        if let Some(i) = first_person {
            return Subject::Ref(i);
        }
        // An organisation right before the verb ("The Fund said", "(UNAMA) condemned").
        if let Some(&last) = refs.last() {
            let between = self.text[self.refs[last].end..b].trim();
            if between.is_empty() || between == ")" {
                return Subject::Ref(last);
            }
        }
        if let Some(i) = self.first_ref_skipping_possessive(&refs) {
            return Subject::Ref(i);
        }
        if self.document_head(&words) {
            return Subject::Document;
        }
        self.surname_of_earlier_person(&words, a)
            .map_or(Subject::Unknown, Subject::Ref)
    }

    /// A bare surname the recognizer did not tag ("Moreno-Sáez told") that ends an earlier
    /// person mention ("Ignacio Moreno-Sáez") is that person.
    fn surname_of_earlier_person(&self, words: &[(usize, usize)], a: usize) -> Option<usize> {
        let &(ws, we) = words.first()?;
        let word = &self.text[ws..we];
        if !word.chars().next().is_some_and(char::is_uppercase) || words.len() > 2 {
            return None;
        }
        let floor = floor_boundary(self.text, a.saturating_sub(4 * WINDOW));
        let upto = self.refs.partition_point(|r| r.start < a);
        (0..upto).rev().take(64).find(|&i| {
            let r = self.refs[i];
            r.start >= floor
                && r.person
                && self.text[r.start..r.end]
                    .strip_suffix(word)
                    .is_some_and(|rest| rest.ends_with(' '))
        })
    }

    /// The subject in `[a, b)`, the words after an attribution verb (`"…," said X`).
    fn subject_after(&self, a: usize, b: usize) -> Subject {
        let refs = self.free_refs(a, b);
        if let Some(&i) = refs.iter().find(|&&i| self.refs[i].person) {
            return Subject::Ref(i);
        }
        let words = self.words(a, b);
        let mut lead = words.iter().map(|&(s, e)| &self.text[s..e]);
        // "according to X": skip "to".
        let first = lead.find(|w| !w.eq_ignore_ascii_case("to"));
        if let Some(p) = first.and_then(pronoun) {
            return p;
        }
        if self.anonymous_head(&words) {
            return Subject::Anonymous;
        }
        let near = words.get(4).map_or(b, |w| w.0);
        let close: Vec<usize> = refs
            .iter()
            .copied()
            .filter(|&i| self.refs[i].start < near)
            .collect();
        match self.first_ref_skipping_possessive(&close) {
            Some(i) => Subject::Ref(i),
            None => Subject::Unknown,
        }
    }

    /// The first ref, unless it is a possessor directly followed by another ref
    /// ("China's Ministry of Commerce" → the ministry).
    fn first_ref_skipping_possessive(&self, refs: &[usize]) -> Option<usize> {
        let (&first, rest) = refs.split_first()?;
        if let (Some(r), Some(&next)) = (self.refs.get(first), rest.first()) {
            let gap = self.text.get(r.end..self.refs[next].start).unwrap_or("");
            if gap == "'s " || gap == "’s " {
                return Some(next);
            }
        }
        Some(first)
    }

    fn anonymous_head(&self, words: &[(usize, usize)]) -> bool {
        let mut it = words.iter().map(|&(s, e)| &self.text[s..e]);
        let Some(w0) = it.next() else {
            return false;
        };
        if ANON_FIRST.iter().any(|a| w0.eq_ignore_ascii_case(a)) {
            return true;
        }
        if w0.eq_ignore_ascii_case("the")
            && let Some(w1) = it.next()
        {
            return ANON_AFTER_THE.iter().any(|a| w1.eq_ignore_ascii_case(a));
        }
        false
    }

    fn document_head(&self, words: &[(usize, usize)]) -> bool {
        let mut it = words.iter().map(|&(s, e)| &self.text[s..e]);
        let det = it.next().unwrap_or("");
        let noun = it.next().unwrap_or("");
        ["the", "its", "their", "his", "her"]
            .iter()
            .any(|d| det.eq_ignore_ascii_case(d))
            && DOCUMENTS.iter().any(|d| noun.eq_ignore_ascii_case(d))
    }

    // ----- tails and prefixes -----------------------------------------------------------

    /// Where the clause after a quote ends: the next sentence, quote or paragraph end.
    fn tail_end(&self, r: &Raw) -> usize {
        let para_end = self.paras.get(r.para).map_or(self.text.len(), |p| p.1);
        let next_sentence = self.next_sentence_start(r.after).unwrap_or(para_end);
        let i = self.raws.partition_point(|q| q.open < r.after);
        let next_quote = self.raws.get(i).map_or(para_end, |q| q.open);
        let window = ceil_boundary(self.text, r.after.saturating_add(WINDOW));
        para_end
            .min(next_sentence)
            .min(next_quote)
            .min(window)
            .max(r.after)
    }

    /// The attribution verb in a quote's tail, if the tail is an attribution:
    /// `"…," X said`, `"…?" she asked`, `"…," said X`, `"…," according to X`.
    fn tail_verb(&self, r: &Raw) -> Option<(usize, usize)> {
        if r.run_on {
            return None;
        }
        let content = self.text[r.start..r.end].trim_end_matches(['\'', '’', ')']);
        let last = content.chars().last()?;
        let after_comma = self.text[r.after..].starts_with(',');
        let comma_like = matches!(last, ',' | '?' | '!' | '—' | '–' | ':' | '-') || after_comma;
        if !comma_like && ends_sentence(content) {
            // `"…." Next sentence`: the quote ended its own sentence.
            return None;
        }
        // Without a comma (`"…" X told reporters`) the verb must follow at once.
        let reach = if comma_like { 20 } else { 4 };
        let end = self.tail_end(r);
        let words = self.words(r.after, end);
        let (fs, fe) = *words.first()?;
        if CONJUNCTIONS.contains(&&self.text[fs..fe]) {
            return None;
        }
        words
            .iter()
            .take(reach)
            .find(|&&(s, e)| is_speech_verb(&self.text[s..e]))
            .copied()
    }

    /// Where a quote's prefix starts: its sentence start, but at most [`WINDOW`] bytes back
    /// so that a run of quotes in one endless "sentence" stays linear.
    fn prefix_start(&self, open: usize) -> usize {
        let floor = floor_boundary(self.text, open.saturating_sub(WINDOW));
        self.sentence_start(open).max(floor)
    }

    /// The first attribution verb in a quote's sentence before its opening mark.
    fn prefix_verb(&self, r: &Raw) -> Option<(usize, usize)> {
        let start = self.prefix_start(r.open);
        self.words(start, r.open)
            .into_iter()
            .find(|&(s, e)| is_speech_verb(&self.text[s..e]))
    }

    // ----- text helpers -----------------------------------------------------------------

    /// Words (runs of alphanumerics with inner apostrophes and hyphens) in `[a, b)`,
    /// skipping quoted text.
    fn words(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let Some(slice) = self.text.get(a..b) else {
            return out;
        };
        let mut cur: Option<usize> = None;
        let mut last_end = a;
        for (i, c) in slice.char_indices() {
            let pos = a + i;
            let inner = matches!(c, '\'' | '’' | '-') && cur.is_some();
            if c.is_alphanumeric() || inner {
                if cur.is_none() {
                    cur = Some(pos);
                }
                last_end = pos + c.len_utf8();
            } else if let Some(s) = cur.take() {
                out.push((s, trim_word_end(self.text, s, last_end)));
            }
        }
        if let Some(s) = cur {
            out.push((s, trim_word_end(self.text, s, last_end)));
        }
        out.retain(|&(s, _)| !self.in_raw(s));
        out
    }

    /// The last `n` words before `pos`, nearest first (within the paragraph).
    fn words_back(&self, pos: usize, n: usize) -> Vec<(usize, usize)> {
        let para = self.paras.get(self.para_of(pos)).map_or(0, |p| p.0).min(pos);
        let floor = floor_boundary(self.text, pos.saturating_sub(WORDS_BACK_BYTES)).max(para);
        let mut w = self.words(floor, pos);
        let keep = w.len().saturating_sub(n);
        w.drain(..keep);
        w.reverse();
        w
    }

    fn has_words(&self, a: usize, b: usize) -> bool {
        !self.words(a, b).is_empty()
    }

    /// Whether `pos` lies inside a quoted span (between its marks).
    fn in_raw(&self, pos: usize) -> bool {
        let i = self.raws.partition_point(|r| r.open <= pos);
        i > 0 && self.raws.get(i - 1).is_some_and(|r| pos < r.after)
    }

    /// Indices of refs within `[a, b)` that are not inside an accepted quotation.
    fn free_refs(&self, a: usize, b: usize) -> Vec<usize> {
        let from = self.refs.partition_point(|r| r.start < a);
        (from..self.refs.len())
            .take_while(|&i| self.refs[i].start < b)
            .filter(|&i| self.refs[i].end <= b && !self.ref_in_quote.get(i).copied().unwrap_or(false))
            .collect()
    }

    fn mark_refs_in_quotes(&mut self, keep: &[Raw]) {
        self.ref_in_quote = self
            .refs
            .iter()
            .map(|r| {
                let i = keep.partition_point(|q| q.start <= r.start);
                i > 0 && keep.get(i - 1).is_some_and(|q| r.end <= q.end)
            })
            .collect();
    }

    fn sentence_start(&self, pos: usize) -> usize {
        let i = self.sentences.partition_point(|&s| s <= pos);
        if i == 0 { 0 } else { self.sentences[i - 1] }
    }

    fn next_sentence_start(&self, pos: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|&s| s <= pos);
        self.sentences.get(i).copied()
    }

    fn para_of(&self, pos: usize) -> usize {
        self.paras.partition_point(|p| p.0 <= pos).saturating_sub(1)
    }
}

/// Pieces of one multi-paragraph quote share a speaker: an unattributed first piece takes
/// the speaker a later piece names.
fn backfill_run_on(found: &mut [Found]) {
    let mut i = 0;
    while i < found.len() {
        let mut j = i;
        while j + 1 < found.len() && found[j].raw.run_on {
            j += 1;
        }
        if j > i
            && let Some(src) = found[i..=j].iter().find(|f| f.own).copied()
        {
            for f in found[i..=j].iter_mut().filter(|f| !f.own) {
                f.speaker = src.speaker;
                f.person = src.person;
            }
        }
        i = j + 1;
    }
}

/// A pronoun subject, if `w` is one.
fn pronoun(w: &str) -> Option<Subject> {
    let p = PRONOUNS.iter().find(|p| w.eq_ignore_ascii_case(p))?;
    Some(Subject::Pronoun(match *p {
        "he" | "she" => Want::Person,
        "it" => Want::Thing,
        _ => Want::Any,
    }))
}

fn is_speech_verb(w: &str) -> bool {
    SPEECH_VERBS.iter().any(|v| w.eq_ignore_ascii_case(v))
}

/// Drops a trailing possessive or hyphen so "Lacson's" compares as "Lacson".
fn trim_word_end(text: &str, s: usize, e: usize) -> usize {
    let w = &text[s..e];
    let w = w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")).unwrap_or(w);
    let w = w.trim_end_matches(['\'', '’', '-']);
    s + w.len()
}

/// `lead` without a final word `word` (case-insensitive), trimmed.
fn strip_suffix_word<'t>(lead: &'t str, word: &str) -> &'t str {
    let t = lead.trim_end();
    if t.len() >= word.len() {
        let cut = t.len() - word.len();
        if t.is_char_boundary(cut) && t[cut..].eq_ignore_ascii_case(word) {
            let rest = &t[..cut];
            if rest.is_empty() || rest.ends_with(char::is_whitespace) {
                return rest.trim_end();
            }
        }
    }
    t
}

/// Whether the quoted text ends a sentence itself.
fn ends_sentence(content: &str) -> bool {
    let t = content.trim_end_matches(['\'', '’', ')', ' ']);
    t.ends_with(['.', '!', '?', '…'])
}

/// "The Long Corridor", "Party of God", "ABCD": every word capitalised or a small word.
fn is_title_case(content: &str) -> bool {
    let mut words = content
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty());
    let Some(first) = words.next() else {
        return false;
    };
    let cap = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    cap(first) && words.all(|w| cap(w) || TITLE_SMALL.contains(&w))
}

// ----- structure: paragraphs, marks, sentences -------------------------------------------

/// Paragraph byte ranges: a break is a newline, optional blanks, and another newline.
fn paragraphs(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // Straight to the next newline (a vector search), not byte by byte.
        match text.get(i..).and_then(|rest| rest.find('\n')) {
            Some(n) => i += n,
            None => break,
        }
        if b[i] == b'\n' {
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
                j += 1;
            }
            if j < b.len() && b[j] == b'\n' {
                let mut k = j + 1;
                while k < b.len() && matches!(b[k], b' ' | b'\t' | b'\r' | b'\n') {
                    k += 1;
                }
                out.push((start, i));
                start = k;
                i = k;
                continue;
            }
        }
        i += 1;
    }
    out.push((start, b.len()));
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    /// “ or „
    Open,
    /// ”
    Close,
    /// "
    Straight,
}

/// Pairs quote marks paragraph by paragraph into raw quoted spans.
fn find_marks(text: &str, paras: &[(usize, usize)]) -> Vec<Raw> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for (pi, &(ps, pe)) in paras.iter().enumerate() {
        let first = out.len();
        let mut open: Option<(usize, usize)> = None;
        let mut i = ps;
        while i < pe {
            let (mark, len) = match b[i] {
                b'"' => (Mark::Straight, 1),
                0xE2 if i + 2 < pe && b[i + 1] == 0x80 => match b[i + 2] {
                    0x9C | 0x9E => (Mark::Open, 3),
                    0x9D => (Mark::Close, 3),
                    _ => {
                        i += 1;
                        continue;
                    }
                },
                _ => {
                    i += 1;
                    continue;
                }
            };
            let prev_blank = text[ps..i]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '[' | '—' | '–'));
            let next_blank = text[i + len..pe].chars().next().is_none_or(char::is_whitespace);
            let opener_shape = prev_blank && !next_blank;
            let closer_shape = !prev_blank;
            let here = (i, i + len);
            match (mark, open) {
                (Mark::Open, Some((o, cs))) if closer_shape && next_blank => {
                    // A “ used as a closing mark (typo): close rather than reopen.
                    push_raw(text, &mut out, o, cs, i, i + len, pi, false);
                    open = None;
                }
                (Mark::Open, _) => open = Some(here),
                (Mark::Close, Some((o, cs))) => {
                    push_raw(text, &mut out, o, cs, i, i + len, pi, false);
                    open = None;
                }
                (Mark::Close, None) => {
                    // Some typography uses ” on both sides.
                    if opener_shape {
                        open = Some(here);
                    }
                }
                (Mark::Straight, None) => {
                    if !next_blank {
                        open = Some(here);
                    }
                }
                (Mark::Straight, Some((o, cs))) => {
                    if opener_shape {
                        // The previous mark was never closed; start again here.
                        open = Some(here);
                    } else {
                        push_raw(text, &mut out, o, cs, i, i + len, pi, false);
                        open = None;
                    }
                }
            }
            i += len;
        }
        if let Some((o, cs)) = open {
            let next_opens = paras
                .get(pi + 1)
                .is_some_and(|&(ns, ne)| text[ns..ne].starts_with(['“', '"', '„']));
            if next_opens {
                push_raw(text, &mut out, o, cs, pe, pe, pi, true);
            }
        }
        if text[ps..pe].contains('‘') {
            let singles = find_single_marks(text, ps, pe, pi, &out[first..]);
            if !singles.is_empty() {
                out.extend(singles);
                out[first..].sort_by_key(|r| r.open);
            }
        }
    }
    out
}

/// Records a span with its content trimmed; empty spans are dropped.
#[allow(clippy::too_many_arguments)]
fn push_raw(
    text: &str,
    out: &mut Vec<Raw>,
    open: usize,
    cs: usize,
    ce: usize,
    after: usize,
    para: usize,
    run_on: bool,
) {
    let Some(inner) = text.get(cs..ce) else {
        return;
    };
    let lead = inner.len() - inner.trim_start().len();
    let trimmed = inner.trim();
    if trimmed.is_empty() {
        return;
    }
    let start = cs + lead;
    out.push(Raw {
        open,
        start,
        end: start + trimmed.len(),
        after,
        para,
        run_on,
        single: false,
    });
}

/// British-style ‘…’ quotations in `[ps, pe)`, outside the double-quoted spans `doubles`.
/// Only shapes that look like speech survive: ‘ opening a word, ’ not followed by a letter
/// (so "it’s" and "Da’m" never close), and the text ending in punctuation.
fn find_single_marks(text: &str, ps: usize, pe: usize, para: usize, doubles: &[Raw]) -> Vec<Raw> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    let mut i = ps;
    while i + 2 < pe {
        if !(b[i] == 0xE2 && b[i + 1] == 0x80 && matches!(b[i + 2], 0x98 | 0x99)) {
            i += 1;
            continue;
        }
        let k = doubles.partition_point(|r| r.open <= i);
        if k > 0 && doubles.get(k - 1).is_some_and(|r| i < r.after) {
            // Inside a double-quoted span ('December' within “…”): not a quotation of its own.
            i += 3;
            continue;
        }
        // A single-quoted span must not contain a double-quoted one (no nesting in output).
        if let Some((o, _)) = open
            && k > 0
            && doubles.get(k - 1).is_some_and(|r| r.open > o)
        {
            open = None;
        }
        let prev = text[ps..i].chars().next_back();
        let next = text[i + 3..pe].chars().next();
        let prev_blank = prev.is_none_or(|c| c.is_whitespace() || matches!(c, '(' | '—' | '–'));
        let next_blank = next.is_none_or(char::is_whitespace);
        if b[i + 2] == 0x98 {
            if prev_blank && !next_blank {
                open = Some((i, i + 3));
            }
        } else if let Some((o, cs)) = open
            && !prev_blank
            && !next.is_some_and(char::is_alphanumeric)
        {
            let inner = text[cs..i].trim_end();
            let punct = inner.ends_with([',', '.', '?', '!']) || next == Some(',');
            if punct {
                push_raw(text, &mut out, o, cs, i, i + 3, para, false);
                if let Some(last) = out.last_mut() {
                    last.single = true;
                }
            }
            open = None;
        }
        i += 3;
    }
    out
}

/// Sentence start offsets, split outside quoted text. Paragraph starts and line breaks
/// always start a sentence.
fn sentence_starts(text: &str, paras: &[(usize, usize)], raws: &[Raw]) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    for &(ps, pe) in paras {
        out.push(ps);
        let mut i = ps;
        while i < pe {
            while raws.get(k).is_some_and(|r| r.after <= i && r.open < i) {
                k += 1;
            }
            if let Some(r) = raws.get(k).filter(|r| r.open == i) {
                i = r.after.max(i + 1);
                k += 1;
                if ends_sentence(&text[r.start..r.end])
                    && let Some(s) = sentence_begins_at(text, i, pe)
                {
                    out.push(s);
                }
                continue;
            }
            match b[i] {
                b'\n' => {
                    let s = skip_blank(text, i + 1, pe);
                    if s < pe {
                        out.push(s);
                    }
                }
                b'.' | b'!' | b'?' if b[i] != b'.' || !is_abbreviation(text, i) => {
                    let mut j = i + 1;
                    while j < pe && matches!(b[j], b')' | b']' | b'\'') {
                        j += 1;
                    }
                    if let Some(s) = sentence_begins_at(text, j, pe) {
                        out.push(s);
                    }
                }
                _ => {}
            }
            i += 1;
            // Skip to the next byte that can matter: a newline or a stop, or the opening
            // of the next quoted span (spans are sorted by their opening mark). Nothing
            // between changes the state above.
            let next_open = raws
                .get(k..)
                .map(|rest| rest.partition_point(|r| r.open < i))
                .and_then(|j| raws.get(k + j))
                .map_or(pe, |r| r.open.min(pe));
            while i < next_open && !matches!(b[i], b'\n' | b'.' | b'!' | b'?') {
                i += 1;
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// If whitespace at `j` is followed by a sentence opening (capital, digit, quote mark),
/// the offset where that sentence starts.
fn sentence_begins_at(text: &str, j: usize, pe: usize) -> Option<usize> {
    let rest = text.get(j..pe)?;
    let blank = rest.len() - rest.trim_start().len();
    if blank == 0 {
        return None;
    }
    let s = j + blank;
    let c = text[s..pe].chars().next()?;
    (c.is_uppercase() || c.is_numeric() || matches!(c, '“' | '"' | '„' | '‘' | '(')).then_some(s)
}

fn skip_blank(text: &str, j: usize, pe: usize) -> usize {
    text.get(j..pe)
        .map_or(pe, |rest| j + (rest.len() - rest.trim_start().len()))
}

/// Whether the period at `i` closes an abbreviation ("Gen.", "U.S.", "J.", "No.").
fn is_abbreviation(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    let mut s = i;
    // Abbreviations are short; the bound keeps a run of dots from going quadratic.
    while s > 0 && i - s < 12 && (b[s - 1].is_ascii_alphabetic() || b[s - 1] == b'.') {
        s -= 1;
    }
    let word = &text[s..i];
    if word.is_empty() {
        return false;
    }
    if word.contains('.') {
        return true;
    }
    let single_cap = word.len() == 1 && word.as_bytes()[0].is_ascii_uppercase();
    single_cap || ABBREVIATIONS.contains(&word)
}

/// Rounds `pos` down to a char boundary of `text` (clamped to its length).
fn floor_boundary(text: &str, pos: usize) -> usize {
    let mut p = pos.min(text.len());
    while !text.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// Rounds `pos` up to a char boundary of `text` (clamped to its length).
fn ceil_boundary(text: &str, pos: usize) -> usize {
    let mut p = pos.min(text.len());
    while !text.is_char_boundary(p) {
        p += 1;
    }
    p
}

/// Refs that respect the contract (in bounds, on char boundaries, non-empty), sorted.
fn clean_refs(text: &str, refs: &[Ref]) -> Vec<Ref> {
    let mut out: Vec<Ref> = refs
        .iter()
        .copied()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .collect();
    out.sort_by_key(|r| (r.start, r.end));
    out
}
