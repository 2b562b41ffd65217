//! Item HTML to clean text: paragraphs kept; scripts, styles, trackers and markup gone.
//!
//! This is a single forward scan (memchr to the next `<` or `&`), not a DOM: every feed
//! item's body goes through it, and it is most of the cost of turning a feed into stories
//! beyond XML parsing. It never looks back, never recurses and its output is at most a
//! small constant times its input, so hostile markup costs linear time and bounded memory.

use memchr::{memchr, memchr2, memchr3};

/// What a tag does to the text around it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TagKind {
    /// Its content is never text a reader should see (`script`, `style`, `svg` …).
    Drop,
    /// Starts or ends a paragraph-like block.
    Block,
    /// `br`: a line break; two in a row a paragraph break.
    Br,
    /// Separates words but not paragraphs (table cells, images).
    Space,
    /// Inline markup: no effect.
    Inline,
}

/// Classifies a lowercased tag name.
fn classify(lower: &[u8]) -> TagKind {
    match lower {
        b"script" | b"style" | b"noscript" | b"template" | b"iframe" | b"svg" | b"object" | b"head"
        | b"math" | b"audio" | b"video" | b"canvas" | b"select" | b"textarea" | b"button" => TagKind::Drop,
        b"p" | b"div" | b"li" | b"ul" | b"ol" | b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6"
        | b"blockquote" | b"tr" | b"table" | b"thead" | b"tbody" | b"tfoot" | b"caption" | b"section"
        | b"article" | b"header" | b"footer" | b"aside" | b"nav" | b"main" | b"figure" | b"figcaption"
        | b"pre" | b"hr" | b"dl" | b"dt" | b"dd" | b"address" | b"details" | b"summary" | b"center"
        | b"form" | b"fieldset" | b"legend" | b"body" | b"html" => TagKind::Block,
        b"br" => TagKind::Br,
        b"td" | b"th" | b"img" => TagKind::Space,
        _ => TagKind::Inline,
    }
}

/// Item HTML to clean text: blocks (`p`, `div`, `li`, `h1`–`h6`, `blockquote`, `tr`, two
/// `br`s …) separated by `"\n\n"`, a single `br` by `"\n"`, other whitespace collapsed to one
/// space, all HTML5 named and numeric entities decoded, and the content of `script`, `style`,
/// `noscript`, `template`, `iframe`, `svg`, `object`, `head` (and media fallbacks) dropped.
/// Images (tracking pixels included) leave no trace. Never panics.
pub fn html_to_text(html: &str) -> String {
    let mut out = Writer::new(html.len(), false);
    scan(html, &mut out);
    out.finish()
}

/// Title-style text: one line, tags stripped, entities decoded, whitespace collapsed.
///
/// Plain text passes through unchanged apart from whitespace: a `<` that does not start a
/// well-formed tag (`x < y`, `a<b` with no `>`) is kept as text.
pub fn inline_text(html_or_text: &str) -> String {
    let mut out = Writer::new(html_or_text.len(), true);
    scan(html_or_text, &mut out);
    out.finish()
}

/// Plain text (a feed that says its content is `text/plain`) to the same shape as
/// [`html_to_text`]: blank lines separate paragraphs, other whitespace collapses. No tags
/// or entities are interpreted.
pub fn plain_to_text(text: &str) -> String {
    let mut out = Writer::new(text.len(), false);
    // Split on whitespace runs; a run holding two or more newlines is a paragraph break.
    let mut newlines = 0u8;
    let mut word_start = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = word_start.take() {
                out.text(text.get(start..i).unwrap_or(""));
            }
            if c == '\n' {
                newlines = newlines.saturating_add(1);
            }
            out.space();
        } else if word_start.is_none() {
            if newlines >= 2 {
                out.block();
            }
            newlines = 0;
            word_start = Some(i);
        }
    }
    if let Some(start) = word_start {
        out.text(text.get(start..).unwrap_or(""));
    }
    out.finish()
}

/// Output with lazy separators: a space or break is only written once more text follows, so
/// the result never starts or ends with whitespace.
struct Writer {
    buf: String,
    /// 0 nothing pending, 1 a space, 2 a line break, 3 a paragraph break.
    pending: u8,
    inline: bool,
}

impl Writer {
    fn new(input_len: usize, inline: bool) -> Writer {
        Writer {
            buf: String::with_capacity(input_len / 2 + 16),
            pending: 0,
            inline,
        }
    }

    #[inline]
    fn space(&mut self) {
        if self.pending == 0 {
            self.pending = 1;
        }
    }

    #[inline]
    fn line(&mut self) {
        if self.inline {
            self.space();
        } else {
            // `br br` is a paragraph break; a lone `br` a line break.
            self.pending = if self.pending >= 2 { 3 } else { 2 };
        }
    }

    #[inline]
    fn block(&mut self) {
        if self.inline {
            self.space();
        } else {
            self.pending = 3;
        }
    }

    #[inline]
    fn flush_pending(&mut self) {
        if self.pending != 0 && !self.buf.is_empty() {
            self.buf.push_str(match self.pending {
                1 => " ",
                2 => "\n",
                _ => "\n\n",
            });
        }
        self.pending = 0;
    }

    /// Appends raw text, collapsing runs of whitespace (including no-break spaces) to one.
    ///
    /// Words joined by a single ASCII space — nearly all real text — are copied as one run;
    /// only other whitespace breaks a run. That keeps this close to a memcpy.
    #[inline]
    fn text(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        loop {
            // Leading or repeated whitespace becomes one pending space.
            while let Some(w) = ws_len(b, i) {
                self.space();
                i += w;
            }
            if i >= b.len() {
                return;
            }
            let start = i;
            while let Some(&c) = b.get(i) {
                if !SPECIAL[c as usize] {
                    i += 1;
                } else if c == b' ' && b.get(i + 1).is_some_and(|n| !SPECIAL[*n as usize]) {
                    i += 2;
                } else if c == 0xC2 && b.get(i + 1) != Some(&0xA0) {
                    i += 1;
                } else {
                    break;
                }
            }
            self.flush_pending();
            self.buf.push_str(s.get(start..i).unwrap_or(""));
        }
    }

    fn char(&mut self, c: char) {
        if c.is_whitespace() {
            self.space();
        } else {
            self.flush_pending();
            self.buf.push(c);
        }
    }

    fn finish(self) -> String {
        self.buf
    }
}

/// Bytes the text copier must look at: ASCII whitespace and the lead byte of U+00A0.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[0x0c] = true;
    t[0xC2] = true;
    t
};

/// Length of the whitespace character at `i` (ASCII whitespace or U+00A0), if it is one.
#[inline]
fn ws_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        c if is_space(*c) => Some(1),
        0xC2 if b.get(i + 1) == Some(&0xA0) => Some(2),
        _ => None,
    }
}

#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

/// The scan: text runs go to the writer, tags become separators, entities characters.
fn scan(src: &str, out: &mut Writer) {
    let bytes = src.as_bytes();
    let mut pos = 0;
    while pos < bytes.len() {
        let Some(off) = memchr2(b'<', b'&', bytes.get(pos..).unwrap_or(&[])) else {
            out.text(src.get(pos..).unwrap_or(""));
            return;
        };
        let at = pos + off;
        if at > pos {
            out.text(src.get(pos..at).unwrap_or(""));
        }
        if bytes.get(at) == Some(&b'&') {
            pos = entity(src, at, out);
        } else {
            pos = markup(src, at, out);
        }
    }
}

/// Handles the `&` at `at`; returns where scanning resumes.
fn entity(src: &str, at: usize, out: &mut Writer) -> usize {
    let bytes = src.as_bytes();
    // Longest HTML5 entity name is 32 bytes ("CounterClockwiseContourIntegral"); numeric
    // references are shorter. Looking no further keeps a lone `&` in a long text cheap.
    let window_end = (at + 40).min(bytes.len());
    let window = bytes.get(at + 1..window_end).unwrap_or(&[]);
    let Some(semi) = memchr(b';', window) else {
        out.text("&");
        return at + 1;
    };
    let name = window.get(..semi).unwrap_or(&[]);
    let end = at + 1 + semi + 1;
    if let Some(num) = name.strip_prefix(b"#") {
        let value = if let Some(hex) = num.strip_prefix(b"x").or_else(|| num.strip_prefix(b"X")) {
            parse_num(hex, 16)
        } else {
            parse_num(num, 10)
        };
        match value {
            Some(n) => {
                out.char(numeric_char(n));
                return end;
            }
            None => {
                out.text("&");
                return at + 1;
            }
        }
    }
    if !name.is_empty()
        && name.iter().all(u8::is_ascii_alphanumeric)
        && let Some(s) = named_entity(name)
    {
        for c in s.chars() {
            out.char(c);
        }
        return end;
    }
    // Unknown entity (`&lol9;` from an entity bomb): kept as written.
    out.text("&");
    at + 1
}

fn parse_num(digits: &[u8], radix: u32) -> Option<u32> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let mut n: u32 = 0;
    for &d in digits {
        let v = (d as char).to_digit(radix)?;
        n = n.checked_mul(radix)?.checked_add(v)?;
    }
    Some(n)
}

/// A numeric character reference as HTML5 reads it: C1 controls are windows-1252, invalid
/// code points become U+FFFD.
fn numeric_char(n: u32) -> char {
    const CP1252: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
        0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
        0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let n = if (0x80..0xA0).contains(&n) {
        CP1252.get((n - 0x80) as usize).copied().unwrap_or(n)
    } else {
        n
    };
    match n {
        0 => '\u{FFFD}',
        n => char::from_u32(n).unwrap_or('\u{FFFD}'),
    }
}

fn named_entity(name: &[u8]) -> Option<&'static str> {
    match name {
        b"amp" => Some("&"),
        b"lt" => Some("<"),
        b"gt" => Some(">"),
        b"quot" => Some("\""),
        b"apos" => Some("'"),
        b"nbsp" => Some("\u{A0}"),
        // The rest of what news CMSs emit, before the binary search over all 2,125 names.
        b"mdash" => Some("\u{2014}"),
        b"ndash" => Some("\u{2013}"),
        b"lsquo" => Some("\u{2018}"),
        b"rsquo" => Some("\u{2019}"),
        b"ldquo" => Some("\u{201C}"),
        b"rdquo" => Some("\u{201D}"),
        b"hellip" => Some("\u{2026}"),
        b"euro" => Some("\u{20AC}"),
        b"pound" => Some("\u{A3}"),
        b"copy" => Some("\u{A9}"),
        b"reg" => Some("\u{AE}"),
        b"trade" => Some("\u{2122}"),
        b"middot" => Some("\u{B7}"),
        b"bull" => Some("\u{2022}"),
        b"laquo" => Some("\u{AB}"),
        b"raquo" => Some("\u{BB}"),
        b"eacute" => Some("\u{E9}"),
        b"deg" => Some("\u{B0}"),
        _ => html_escape::NAMED_ENTITIES
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .and_then(|i| html_escape::NAMED_ENTITIES.get(i))
            .map(|(_, v)| *v),
    }
}

/// Handles the `<` at `at`; returns where scanning resumes.
fn markup(src: &str, at: usize, out: &mut Writer) -> usize {
    let bytes = src.as_bytes();
    let rest = bytes.get(at + 1..).unwrap_or(&[]);
    match rest.first() {
        Some(b'!') => {
            if rest.starts_with(b"!--") {
                // Comment: to `-->`, or to the end if never closed.
                return find(bytes, at + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            }
            if rest.starts_with(b"![CDATA[") {
                let start = at + 9;
                let end = find(bytes, start, b"]]>").unwrap_or(bytes.len());
                scan(src.get(start..end).unwrap_or(""), out);
                return (end + 3).min(bytes.len());
            }
            tag_end(bytes, at + 1).map_or(bytes.len(), |e| e + 1)
        }
        Some(b'?') => tag_end(bytes, at + 1).map_or(bytes.len(), |e| e + 1),
        Some(b'/') => {
            let (name, _) = tag_name(bytes, at + 2);
            if name.is_empty() {
                out.text("<");
                return at + 1;
            }
            let Some(end) = tag_end(bytes, at + 2) else {
                out.text("<");
                return at + 1;
            };
            apply_tag(classify(lower_name(name).as_slice()), out);
            end + 1
        }
        Some(c) if c.is_ascii_alphabetic() => {
            let (name, name_end) = tag_name(bytes, at + 1);
            let Some(end) = tag_end(bytes, name_end) else {
                // No `>` anywhere after: this was a literal `<` in text.
                out.text("<");
                return at + 1;
            };
            let lower = lower_name(name);
            let kind = classify(lower.as_slice());
            let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
            if kind == TagKind::Drop && !self_closing {
                return skip_element(bytes, end + 1, lower.as_slice());
            }
            apply_tag(kind, out);
            end + 1
        }
        _ => {
            out.text("<");
            at + 1
        }
    }
}

/// Applies a start or end tag's effect on separators.
fn apply_tag(kind: TagKind, out: &mut Writer) {
    match kind {
        TagKind::Br => out.line(),
        TagKind::Block => out.block(),
        // Cells sit side by side; an image between two words must not glue them together.
        TagKind::Space => out.space(),
        TagKind::Drop | TagKind::Inline => {}
    }
}

/// A tag name, lowercased into a small fixed buffer (names longer than 16 bytes match nothing
/// we act on).
fn lower_name(name: &[u8]) -> LowerName {
    let mut buf = [0u8; 16];
    let len = name.len().min(16);
    for (d, s) in buf.iter_mut().zip(name.iter()) {
        *d = s.to_ascii_lowercase();
    }
    LowerName {
        buf,
        len: if name.len() > 16 { 0 } else { len },
    }
}

struct LowerName {
    buf: [u8; 16],
    len: usize,
}

impl LowerName {
    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

fn tag_name(bytes: &[u8], start: usize) -> (&[u8], usize) {
    let mut end = start;
    while end < bytes.len()
        && bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
    {
        end += 1;
    }
    (bytes.get(start..end).unwrap_or(&[]), end)
}

/// Index of the `>` closing a tag that starts before `from`, skipping quoted attribute values.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut pos = from;
    loop {
        let off = memchr3(b'>', b'"', b'\'', bytes.get(pos..)?)?;
        let at = pos + off;
        match bytes.get(at)? {
            b'>' => return Some(at),
            &q => {
                // An unclosed quote: fall back to the first `>` after it.
                match memchr(q, bytes.get(at + 1..)?) {
                    Some(close) => pos = at + 1 + close + 1,
                    None => return memchr(b'>', bytes.get(at + 1..)?).map(|e| at + 1 + e),
                }
            }
        }
    }
}

/// Skips to just after `</name ...>` (ASCII case-insensitive), or to the end.
fn skip_element(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut pos = from;
    while let Some(off) = memchr(b'<', bytes.get(pos..).unwrap_or(&[])) {
        let at = pos + off;
        if bytes.get(at + 1) == Some(&b'/') {
            let cand = bytes.get(at + 2..at + 2 + name.len()).unwrap_or(&[]);
            let after = bytes.get(at + 2 + name.len()).copied();
            if cand.eq_ignore_ascii_case(name) && !after.is_some_and(|b| b.is_ascii_alphanumeric()) {
                return tag_end(bytes, at + 2).map_or(bytes.len(), |e| e + 1);
            }
        }
        pos = at + 1;
    }
    bytes.len()
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut pos = from;
    loop {
        let off = memchr(first, hay.get(pos..)?)?;
        let at = pos + off;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        pos = at + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_inline_markup() {
        let t = html_to_text(
            "<p>The harbour <em>reopened</em> at dawn.</p>\n<p>Ferries   resumed\n by noon.</p>",
        );
        assert_eq!(t, "The harbour reopened at dawn.\n\nFerries resumed by noon.");
    }

    #[test]
    fn breaks() {
        assert_eq!(html_to_text("one<br>two<br/><br />three"), "one\ntwo\n\nthree");
        assert_eq!(html_to_text("<ul><li>a</li><li>b</li></ul>"), "a\n\nb");
    }

    #[test]
    fn dropped_elements() {
        let t = html_to_text(
            "<p>Kept</p><script>var x = '</p>';</script><style>p{}</style>\
             <noscript>Enable JS</noscript><img src='https://t.example/p.gif' width=1><p>Also</p>",
        );
        assert_eq!(t, "Kept\n\nAlso");
    }

    #[test]
    fn entities() {
        assert_eq!(
            html_to_text("caf&eacute; &amp; bar &#8212; &#x2019;s &hellip; &lt;b&gt;"),
            "café & bar — ’s … <b>"
        );
        assert_eq!(
            html_to_text("&#150;"),
            "–",
            "C1 numeric refs read as windows-1252"
        );
        assert_eq!(html_to_text("&lol9; &; & x"), "&lol9; &; & x");
        assert_eq!(html_to_text("a&nbsp;&nbsp;b"), "a b");
    }

    #[test]
    fn literal_angle_brackets() {
        assert_eq!(inline_text("Rates < 3% & rising"), "Rates < 3% & rising");
        assert_eq!(inline_text("a<b"), "a<b");
        assert_eq!(
            inline_text("<b>Storm</b> warning\n issued"),
            "Storm warning issued"
        );
        assert_eq!(inline_text("<p>One</p><p>Two</p>"), "One Two");
    }

    #[test]
    fn plain_paragraphs() {
        assert_eq!(
            plain_to_text("  One line\nwraps.\n\n\nTwo  "),
            "One line wraps.\n\nTwo"
        );
    }
}
