//! The plain-text story format (DESIGN §3): headline, bullets, body paragraphs and subheads,
//! with trailing promotional boilerplate removed.
//!
//! ```text
//! Harbour Strike Halts Grain Exports as Talks Stall
//!
//!   • Dock workers walk out at three ports after pay talks collapse
//!   • Exporters warn of contract penalties within days
//!
//! Dock workers at the country's three largest ports stopped work on Monday, ...
//!
//! Penalty Clauses
//!
//! “We cannot hold ships for a week,” said Maria Okafor, who heads the exporters' council.
//!
//! Subscribe to Example Wire for more.
//! ```
//!
//! The parser makes one pass over the lines and never re-joins text it has already joined,
//! so its time is linear in the input, whatever its shape (one 5 MB line, 100k bullets).

use crate::story::Story;

/// The longest headline accepted, in bytes. Anything longer is almost always a whole
/// story whose line breaks were lost, and is rejected so that the mistake is visible.
pub const MAX_HEADLINE_BYTES: usize = 1000;

/// A subhead is short: at most this many characters …
const SUBHEAD_MAX_CHARS: usize = 80;
/// … and at most this many words.
const SUBHEAD_MAX_WORDS: usize = 10;

/// Promotional lines are short; a longer paragraph is news even if it starts like a tagline.
const BOILERPLATE_MAX_CHARS: usize = 300;

/// Characters that end a sentence or a clause. A line ending in one of them is prose, not a
/// subhead. Dashes are included because a line ending in one is a broken-off sentence or a
/// wire mark ("- 30 -"), never a heading.
const CLOSING_PUNCTUATION: &[char] = &[
    '.', '!', '?', ':', ';', ',', '”', '"', '’', '\'', ')', ']', '»', '…', '-', '–', '—',
];

/// Characters that can end a sentence (possibly inside a closing quote or bracket); used to
/// decide whether the last line of a paragraph starts something new.
const SENTENCE_END: &[char] = &['.', '!', '?', '”', '"', '’', '\'', ')', '…'];

/// A story read from plain text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedText {
    /// The first non-blank line.
    pub headline: String,
    /// The bullet lines right after the headline, without their markers.
    pub bullets: Vec<String>,
    /// The body paragraphs that were recognised as subheads (they stay in `body` too).
    pub subheads: Vec<String>,
    /// Body paragraphs joined by `"\n\n"`, with no leading or trailing whitespace.
    pub body: String,
    /// Trailing boilerplate that was cut from the end of the body, in document order, so
    /// that callers can log it or learn a source's habits from it.
    pub removed: Vec<String>,
}

impl ParsedText {
    /// A [`Story`] with the headline, bullets, subheads and body filled in and every other
    /// field at its default (the caller adds source, URL and times).
    pub fn into_story(self) -> Story {
        Story {
            headline: self.headline,
            bullets: self.bullets,
            subheads: self.subheads,
            body: self.body,
            ..Story::default()
        }
    }
}

/// Why a plain-text story could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace (or control characters): there is no headline.
    #[error("story text is empty: no headline found (the input is blank or whitespace only)")]
    Empty,
    /// The bytes are not UTF-8. `offset` is the byte offset of the first bad byte in the
    /// input as given (a byte-order mark counts), `line` its 1-based line.
    #[error("story text is not valid UTF-8: bad byte at offset {offset} (line {line})")]
    InvalidUtf8 { offset: usize, line: usize },
    /// The first line is longer than [`MAX_HEADLINE_BYTES`].
    #[error(
        "headline (the first line) is {len} bytes, over the limit of {MAX_HEADLINE_BYTES}; \
         is the text missing line breaks between the headline and the body?"
    )]
    HeadlineTooLong { len: usize },
}

/// Read a plain-text story: headline, bullets, body and subheads, with trailing boilerplate
/// removed.
///
/// Accepts a UTF-8 byte-order mark and LF, CRLF or lone CR line endings. Within a line, runs
/// of whitespace (including no-break spaces and tabs) become one space and control
/// characters are dropped.
pub fn parse_text(input: &[u8]) -> Result<ParsedText, ParseError> {
    let text = decode(input)?;
    let mut parser = Parser::default();
    for raw in lines(text) {
        parser.line(raw)?;
    }
    parser.finish()
}

/// The input as text, without a byte-order mark.
fn decode(input: &[u8]) -> Result<&str, ParseError> {
    let (bom_len, bytes) = match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, input),
    };
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        ParseError::InvalidUtf8 {
            offset: bom_len + valid,
            line: line_number(bytes.get(..valid).unwrap_or(bytes)),
        }
    })
}

/// The 1-based line on which the byte after `prefix` sits, counting LF, CRLF and lone CR
/// each as one line break (the same breaks [`lines`] splits on).
fn line_number(prefix: &[u8]) -> usize {
    let mut line = 1;
    let mut after_cr = false;
    for &b in prefix {
        match b {
            b'\r' => {
                line += 1;
                after_cr = true;
            }
            b'\n' => {
                // The LF of a CRLF was already counted at its CR.
                if !after_cr {
                    line += 1;
                }
                after_cr = false;
            }
            _ => after_cr = false,
        }
    }
    line
}

/// The lines of `text`, split at LF, CRLF or a lone CR.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            Some(i) => {
                let (line, tail) = s.split_at(i);
                let skip = if tail.starts_with("\r\n") { 2 } else { 1 };
                rest = tail.get(skip..);
                Some(line)
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// One line with whitespace runs collapsed to single spaces, no leading or trailing space
/// and no control characters, plus how many whitespace characters indented it.
fn normalise(raw: &str) -> (String, usize) {
    let mut out = String::with_capacity(raw.len());
    let mut indent = 0;
    let mut space_pending = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            // `is_whitespace` covers tabs, NBSP and the other Unicode spaces.
            if out.is_empty() {
                indent += 1;
            } else {
                space_pending = true;
            }
        } else if c.is_control() || c == '\u{FEFF}' {
            // Control characters and stray byte-order marks are invisible debris from
            // copy-paste and old wire systems; they would break matching downstream.
        } else {
            if space_pending {
                out.push(' ');
                space_pending = false;
            }
            out.push(c);
        }
    }
    (out, indent)
}

/// The text of a bullet line without its marker, or `None` if the line is not a bullet.
///
/// `-` and `*` need a space after them so that "-5C overnight" or "*Updated*" are not
/// taken for bullets; `•` is unambiguous and needs none.
fn bullet_text(line: &str) -> Option<&str> {
    let mut chars = line.chars();
    match chars.next()? {
        '•' => Some(chars.as_str().trim_start()),
        '-' | '*' => chars.as_str().strip_prefix(' ').map(str::trim_start),
        _ => None,
    }
}

/// A body paragraph being built: its lines joined by single spaces, and where each line
/// starts, so that a promotional last line can be cut without re-splitting the text.
#[derive(Debug, Default)]
struct Paragraph {
    text: String,
    line_starts: Vec<usize>,
}

impl Paragraph {
    fn push_line(&mut self, line: &str) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        self.line_starts.push(self.text.len());
        self.text.push_str(line);
    }

    /// Cut the last line if it is boilerplate standing on its own: it opens like a new
    /// sentence and the line before it closed one. Returns the cut line.
    fn cut_boilerplate_last_line(&mut self) -> Option<String> {
        if self.line_starts.len() < 2 {
            return None;
        }
        let start = *self.line_starts.last()?;
        let before = self.text.get(..start)?.trim_end();
        let last = self.text.get(start..)?;
        let opens_sentence = last.chars().next().is_some_and(|c| !c.is_lowercase());
        let closed_sentence = before.ends_with(SENTENCE_END);
        if !(opens_sentence && closed_sentence && is_boilerplate(last)) {
            return None;
        }
        let cut = last.to_owned();
        self.text.truncate(before.len());
        self.line_starts.pop();
        Some(cut)
    }
}

/// Where the parser is in the story.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stage {
    #[default]
    Headline,
    Bullets,
    Body,
}

/// The one-pass state machine behind [`parse_text`].
#[derive(Debug, Default)]
struct Parser {
    stage: Stage,
    headline: String,
    bullets: Vec<String>,
    /// Indentation of the last bullet line, while the line right before was that bullet;
    /// a more deeply indented line after it is a hard-wrapped continuation.
    open_bullet_indent: Option<usize>,
    paragraphs: Vec<Paragraph>,
    current: Option<Paragraph>,
}

impl Parser {
    fn line(&mut self, raw: &str) -> Result<(), ParseError> {
        let (line, indent) = normalise(raw);
        match self.stage {
            Stage::Headline => {
                if !line.is_empty() {
                    if line.len() > MAX_HEADLINE_BYTES {
                        return Err(ParseError::HeadlineTooLong { len: line.len() });
                    }
                    self.headline = line;
                    self.stage = Stage::Bullets;
                }
            }
            Stage::Bullets => self.bullet_line(line, indent),
            Stage::Body => self.body_line(&line),
        }
        Ok(())
    }

    fn bullet_line(&mut self, line: String, indent: usize) {
        if line.is_empty() {
            self.open_bullet_indent = None;
            return;
        }
        if let Some(text) = bullet_text(&line) {
            // A marker with nothing after it is an empty list item; there is nothing to keep.
            if !text.is_empty() {
                self.bullets.push(text.to_owned());
            }
            self.open_bullet_indent = Some(indent);
            return;
        }
        if let (Some(bullet_indent), Some(last)) = (self.open_bullet_indent, self.bullets.last_mut())
            && indent > bullet_indent
        {
            last.push(' ');
            last.push_str(&line);
            return;
        }
        self.stage = Stage::Body;
        self.open_bullet_indent = None;
        self.body_line(&line);
    }

    fn body_line(&mut self, line: &str) {
        if line.is_empty() {
            if let Some(p) = self.current.take() {
                self.paragraphs.push(p);
            }
        } else {
            self.current
                .get_or_insert_with(Paragraph::default)
                .push_line(line);
        }
    }

    fn finish(mut self) -> Result<ParsedText, ParseError> {
        if self.stage == Stage::Headline {
            return Err(ParseError::Empty);
        }
        if let Some(p) = self.current.take() {
            self.paragraphs.push(p);
        }
        let removed = strip_trailing_boilerplate(&mut self.paragraphs);

        // Only a paragraph with text on both sides is a subhead: a short first line is a
        // dateline or byline, a short last line a sign-off.
        let count = self.paragraphs.len();
        let subheads = self
            .paragraphs
            .iter()
            .enumerate()
            .filter(|&(i, p)| i > 0 && i + 1 < count && p.line_starts.len() == 1)
            .filter(|(_, p)| looks_like_subhead(&p.text))
            .map(|(_, p)| p.text.clone())
            .collect();

        let len = self.paragraphs.iter().map(|p| p.text.len() + 2).sum();
        let mut body = String::with_capacity(len);
        for p in &self.paragraphs {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&p.text);
        }

        Ok(ParsedText {
            headline: self.headline,
            bullets: self.bullets,
            subheads,
            body,
            removed,
        })
    }
}

/// Remove promotional paragraphs (or a promotional last line) from the end of the body,
/// repeating while the end still matches. Returns what was removed, in document order.
fn strip_trailing_boilerplate(paragraphs: &mut Vec<Paragraph>) -> Vec<String> {
    let mut removed = Vec::new();
    while let Some(last) = paragraphs.last_mut() {
        if is_boilerplate(&last.text) {
            if let Some(p) = paragraphs.pop() {
                removed.push(p.text);
            }
        } else if let Some(line) = last.cut_boilerplate_last_line() {
            removed.push(line);
        } else {
            break;
        }
    }
    removed.reverse();
    removed
}

/// Whether a short paragraph is a heading rather than prose.
fn looks_like_subhead(text: &str) -> bool {
    let starts_like_heading = text
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() && !c.is_lowercase());
    // The byte check first keeps this cheap on huge paragraphs.
    starts_like_heading
        && text.len() <= SUBHEAD_MAX_CHARS * 4
        && text.chars().count() <= SUBHEAD_MAX_CHARS
        && text.split(' ').count() <= SUBHEAD_MAX_WORDS
        && !text.ends_with(CLOSING_PUNCTUATION)
}

/// Whether a paragraph (or line) is one of the promotional lines sources append to every
/// story. Patterns are anchored at the start so that a news sentence that merely mentions
/// "subscribe" or "copyright" half-way through is kept.
fn is_boilerplate(text: &str) -> bool {
    if text.len() > BOILERPLATE_MAX_CHARS * 4 || text.chars().count() > BOILERPLATE_MAX_CHARS {
        return false;
    }
    // Fold case and curly apostrophes so that "Before It’s Here" matches "before it's here".
    let folded: String = text
        .chars()
        .map(|c| if matches!(c, '’' | '‘') { '\'' } else { c })
        .flat_map(char::to_lowercase)
        .collect();
    // Wrappers like "(Subscribe …)" or "*Follow us …*" do not change what the line is.
    let t = folded.trim_start_matches(['(', '[', '"', '“', '*', '_', ' ']);
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    let first_word = t.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();

    // Wire end marks: "-30-", "- 30 -", "###", "# # #", "ENDS".
    matches!(compact.as_str(), "-30-" | "###" | "ends" | "-ends-")
        // "Before it's here, it's on the Example Terminal", and variations on the tagline.
        || ((t.starts_with("before it's ") || t.starts_with("before it is "))
            && (t.contains(" it's on ") || t.contains(" it is on ")))
        || (t.starts_with("the post ") && t.contains(" appeared first on "))
        || first_word == "subscribe"
        || t.starts_with("read more at ")
        || t.starts_with("read more on ")
        || t.starts_with("read more:")
        || (t.starts_with("sign up") && t.contains("newsletter"))
        || t.starts_with("follow us ")
        || t.starts_with("follow us:")
        || is_copyright(&folded)
        || is_copyright(t)
        || ((t.starts_with("this story ")
            || t.starts_with("this article ")
            || t.starts_with("this post "))
            && (t.contains("originally published") || t.contains("originally appeared")))
        || t.starts_with("originally published ")
        || t.starts_with("click here ")
}

/// "© 2026 Example Wire", "(c) 2026 …", "Copyright 2026 …", "Copyright © …", or any short
/// line ending "All rights reserved.". "Copyright lawyers said …" is news and is kept.
fn is_copyright(t: &str) -> bool {
    if t.starts_with('©') || t.trim_end_matches(['.', ' ']).ends_with("all rights reserved") {
        return true;
    }
    let rest = t
        .strip_prefix("copyright")
        .or_else(|| t.strip_prefix("(c) "))
        .map(str::trim_start);
    rest.is_some_and(|r| {
        r.starts_with(['©', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) || r.starts_with("(c)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_count_each_kind_of_break_once() {
        assert_eq!(line_number(b""), 1);
        assert_eq!(line_number(b"a\nb\r\nc\rd"), 4);
        assert_eq!(
            line_number(b"a\r"),
            2,
            "a CR at the end already starts a new line"
        );
    }

    #[test]
    fn splits_lines_at_every_ending() {
        let got: Vec<&str> = lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(got, ["a", "b", "c", "", "d"]);
    }

    #[test]
    fn normalise_collapses_space_and_drops_controls() {
        let (line, indent) = normalise("\t  a\u{a0}\u{a0}b\u{7}c \u{feff} d  ");
        assert_eq!(line, "a bc d");
        assert_eq!(indent, 3);
    }

    #[test]
    fn bullet_markers_need_a_space_except_the_dot() {
        assert_eq!(bullet_text("• one"), Some("one"));
        assert_eq!(bullet_text("•two"), Some("two"));
        assert_eq!(bullet_text("- three"), Some("three"));
        assert_eq!(bullet_text("* four"), Some("four"));
        assert_eq!(bullet_text("-5C overnight"), None);
        assert_eq!(bullet_text("*Updated*"), None);
    }

    #[test]
    fn boilerplate_patterns() {
        for line in [
            "Before it’s here, it’s on the Example Terminal.",
            "BEFORE IT'S NEWS, IT'S ON THE WIRE",
            "The post Harbour strike appeared first on Example Wire.",
            "Subscribe to Example Wire for more.",
            "Read more at example.com",
            "Read more on Example Wire",
            "Sign up for our morning newsletter",
            "Follow us on Mastodon",
            "© 2026 Example Wire",
            "(c) 2026 Example Wire",
            "Copyright 2026 Example Wire. All rights reserved.",
            "Copyright © Example Wire",
            "This story was originally published by Example Wire.",
            "Click here to get the app.",
            "- 30 -",
            "###",
        ] {
            assert!(is_boilerplate(line), "{line:?} should be boilerplate");
        }
        for line in [
            "Analysts said readers who subscribe to both papers were rare.",
            "Subscribers to the service will pay 4% more from January.",
            "Copyright lawyers for the estate said they would appeal.",
            "The post office in Kestrel Bay will close on Friday.",
            "Following us on the road was a convoy of trucks.",
        ] {
            assert!(!is_boilerplate(line), "{line:?} is news");
        }
    }

    #[test]
    fn subhead_shape() {
        assert!(looks_like_subhead("Penalty Clauses"));
        assert!(looks_like_subhead("What Happens in 2027"));
        assert!(!looks_like_subhead("He said so."));
        assert!(!looks_like_subhead("lowercase start"));
        assert!(!looks_like_subhead("- 30 -"));
        assert!(!looks_like_subhead(
            "One two three four five six seven eight nine ten eleven"
        ));
    }
}
