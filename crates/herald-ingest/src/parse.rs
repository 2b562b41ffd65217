//! Feed bytes (RSS, Atom, JSON Feed) to feed metadata and items with clean text.
//!
//! feed-rs does the format work. Around it this module does what real feeds need: picks
//! the character set (BOM, then the Content-Type charset, then the XML declaration; a body
//! that claims UTF-8 but is not is read as windows-1252 when it holds no valid multi-byte
//! UTF-8 at all, else lossily with U+FFFD; a body labelled with a single-byte charset that
//! is valid non-ASCII UTF-8 is read as UTF-8), recognises an HTML page served as a feed,
//! refuses absurd nesting before feed-rs sees it, parses dates feed-rs gives up on,
//! resolves relative links, and turns item HTML into clean text ([`crate::html`]).
//! Entities declared in a DOCTYPE are never expanded (entity bombs and external entities
//! stay inert text), because feed-rs only resolves the five XML entities and numeric ones.

use std::borrow::Cow;
use std::collections::HashSet;

use feed_rs::model::{self, Entry, Feed};
use memchr::memmem;
use time::OffsetDateTime;
use url::Url;

use crate::html::{html_to_text, inline_text, plain_to_text};

/// Deepest element nesting accepted; real feeds (even with XHTML content) stay far below.
const MAX_DEPTH: usize = 512;

/// Which feed format a body was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Rss,
    Atom,
    Json,
}

/// A parsed feed: its metadata and its items, text already clean.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    pub kind: FeedKind,
    /// The feed's title as clean text (may be empty).
    pub title: String,
    /// The site the feed belongs to (`<link>` / `rel="alternate"`), absolute.
    pub site_url: Option<String>,
    /// The feed's own URL as it states it (`rel="self"`).
    pub self_url: Option<String>,
    /// The WebSub hub the feed advertises (`rel="hub"`).
    pub hub: Option<String>,
    /// RSS `<ttl>`: minutes the feed may be cached.
    pub ttl_minutes: Option<u32>,
    /// RSS `<skipHours>`: hours (UTC, 0–23) in which the feed asks not to be polled.
    pub skip_hours: Vec<u8>,
    /// Items in feed order, the first of any repeated GUID kept.
    pub items: Vec<FeedItem>,
}

/// One feed item with its text cleaned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedItem {
    /// The item's own id (RSS `guid`, Atom `id`, JSON Feed `id`), when it has one.
    pub guid: Option<String>,
    /// The item's link, absolute (resolved against xml:base, else the feed URL).
    pub link: Option<String>,
    /// Clean text: HTML removed, entities decoded, one line.
    pub title: String,
    /// Clean text; paragraphs separated by `"\n\n"`.
    pub text: String,
    /// True when the feed gave only a summary/description, no full content.
    pub summary_only: bool,
    pub author: Option<String>,
    pub published: Option<OffsetDateTime>,
    pub updated: Option<OffsetDateTime>,
    pub categories: Vec<String>,
    pub enclosures: Vec<herald_model::Enclosure>,
}

/// Why a body could not be read as a feed. The message is shown as a feed's last error.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    #[error("the response body is empty")]
    Empty,
    #[error("the response is an HTML page, not a feed{}", links_phrase(.feeds))]
    Html { feeds: Vec<String> },
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("not a feed: elements are nested more than {MAX_DEPTH} deep (line {line})")]
    TooDeep { line: usize },
}

fn links_phrase(feeds: &[String]) -> String {
    match feeds {
        [] => " (it links to no feed)".to_string(),
        [one] => format!(" (it links to the feed {one})"),
        many => format!(" (it links to the feeds {})", many.join(", ")),
    }
}

/// Parses a feed body. `content_type` is the HTTP header, if any (its charset is used);
/// `feed_url` is where the body came from, the base for relative links.
pub fn parse_feed(body: &[u8], content_type: Option<&str>, feed_url: &str) -> Result<ParsedFeed, ParseError> {
    let text = decode(body, content_type);
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    let is_json = trimmed.starts_with('{');
    if !is_json {
        match root_element(trimmed) {
            Root::Html => {
                return Err(ParseError::Html {
                    feeds: discover_feeds(trimmed.as_bytes(), feed_url),
                });
            }
            Root::Other(name) if !trimmed.starts_with('<') || name.is_empty() => {
                if looks_like_html(content_type, trimmed) {
                    return Err(ParseError::Html {
                        feeds: discover_feeds(trimmed.as_bytes(), feed_url),
                    });
                }
                return Err(ParseError::NotAFeed(
                    "no RSS, Atom or JSON Feed document found (the body is not XML or JSON)".to_string(),
                ));
            }
            _ => {}
        }
        if let Some(line) = too_deep(trimmed) {
            return Err(ParseError::TooDeep { line });
        }
    }
    let upgraded;
    let trimmed = if !is_json && is_atom03(trimmed) {
        upgraded = atom03_to_atom10(trimmed);
        upgraded.as_str()
    } else {
        trimmed
    };
    let base = Url::parse(feed_url).ok();
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.as_ref().map(Url::as_str))
        // An empty id marks "the feed gave none": story identity then falls back to the
        // link, which feed-rs's generated hash ids would hide.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(|s| parse_date(s).and_then(to_chrono))
        .sanitize_content(false)
        .build();
    let parsed = match parser.parse(trimmed.as_bytes()) {
        // JSON Feeds that write their version as "1.1" instead of the spec's URL.
        Err(feed_rs::parser::ParseFeedError::JsonUnsupportedVersion(v)) => {
            match json_with_spec_version(trimmed, &v) {
                Some(fixed) => parser.parse(fixed.as_bytes()),
                None => Err(feed_rs::parser::ParseFeedError::JsonUnsupportedVersion(v)),
            }
        }
        other => other,
    };
    let feed = parsed.map_err(|e| {
        if !is_json && looks_like_html(content_type, trimmed) {
            return ParseError::Html {
                feeds: discover_feeds(trimmed.as_bytes(), feed_url),
            };
        }
        ParseError::NotAFeed(describe(&e, trimmed))
    })?;
    let mut out = convert(feed, trimmed, base.as_ref());
    if out.kind == FeedKind::Json && out.hub.is_none() {
        out.hub = json_hub(trimmed);
    }
    Ok(out)
}

/// An Atom 0.3 document (`xmlns="http://purl.org/atom/ns#"`), which feed-rs does not know.
fn is_atom03(text: &str) -> bool {
    matches!(root_element(text), Root::Other(name) if name == "feed")
        && memmem::find(
            text.as_bytes().get(..text.len().min(4096)).unwrap_or(&[]),
            b"purl.org/atom/ns#",
        )
        .is_some()
}

/// Atom 0.3 rewritten as the Atom 1.0 feed-rs reads: the namespace, the renamed elements
/// (`issued`, `modified`, `tagline`, `copyright`) and MIME-style `type` values. Escaped
/// markup is untouched (it holds no literal `<`), so only real elements are renamed.
fn atom03_to_atom10(text: &str) -> String {
    const RENAMES: [(&str, &str); 12] = [
        ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
        ("<issued>", "<published>"),
        ("</issued>", "</published>"),
        ("<modified>", "<updated>"),
        ("</modified>", "</updated>"),
        ("<tagline", "<subtitle"),
        ("</tagline>", "</subtitle>"),
        ("<copyright", "<rights"),
        ("</copyright>", "</rights>"),
        (" type=\"text/plain\"", " type=\"text\""),
        (" type=\"application/xhtml+xml\"", " type=\"xhtml\""),
        (" mode=\"escaped\"", ""),
    ];
    let mut out = text.to_string();
    for (from, to) in RENAMES {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

/// The JSON Feed with `version` set to the 1.1 spec URL, when it gave a bare "1" / "1.0" /
/// "1.1" that feed-rs refuses.
fn json_with_spec_version(text: &str, version: &str) -> Option<String> {
    let url = match version.trim() {
        "1" | "1.0" => "https://jsonfeed.org/version/1",
        "1.1" => "https://jsonfeed.org/version/1.1",
        _ => return None,
    };
    let mut v: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object_mut()?;
    obj.insert("version".to_string(), serde_json::Value::String(url.to_string()));
    serde_json::to_string(&v).ok()
}

/// JSON Feed 1.1 `hubs` (WebSub), which feed-rs does not model.
fn json_hub(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Hubs {
        #[serde(default)]
        hubs: Vec<Hub>,
    }
    #[derive(serde::Deserialize)]
    struct Hub {
        #[serde(default, rename = "type")]
        kind: String,
        url: String,
    }
    let hubs: Hubs = serde_json::from_str(text).ok()?;
    hubs.hubs
        .into_iter()
        .find(|h| h.kind.eq_ignore_ascii_case("websub") || h.kind.is_empty())
        .map(|h| h.url)
}

/// The body as UTF-8 text, with any XML declaration's encoding rewritten to match.
fn decode<'a>(body: &'a [u8], content_type: Option<&str>) -> Cow<'a, str> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(body) {
        let rest = body.get(bom_len..).unwrap_or(&[]);
        let (text, _) = enc.decode_without_bom_handling(rest);
        return strip_xml_encoding(text);
    }
    let label = content_type
        .and_then(charset_param)
        .or_else(|| xml_declared_encoding(body));
    let encoding = label
        .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    // us-ascii (text/xml's old default) and utf-8 labels are read as UTF-8.
    if encoding == encoding_rs::UTF_8 || label.is_some_and(|l| l.eq_ignore_ascii_case("us-ascii")) {
        return match std::str::from_utf8(body) {
            Ok(s) => strip_xml_encoding(Cow::Borrowed(s)),
            Err(_) if !has_valid_multibyte(body) => {
                // Declared UTF-8 but every non-ASCII byte is invalid: a latin-1 feed with a
                // wrong label. windows-1252 is the superset browsers use for latin-1.
                strip_xml_encoding(encoding_rs::WINDOWS_1252.decode_without_bom_handling(body).0)
            }
            Err(_) => strip_xml_encoding(String::from_utf8_lossy(body)),
        };
    }
    // A legacy label on a body that is valid UTF-8 with non-ASCII text is almost always a
    // server default (Apache's ISO-8859-1) over a UTF-8 feed; such bytes are rarely valid
    // UTF-8 by chance, so the bytes win over the label.
    if let Ok(s) = std::str::from_utf8(body)
        && !s.is_ascii()
        && encoding.is_single_byte()
    {
        return strip_xml_encoding(Cow::Borrowed(s));
    }
    strip_xml_encoding(encoding.decode_without_bom_handling(body).0)
}

/// `charset=` from a Content-Type header value.
fn charset_param(ct: &str) -> Option<&str> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

/// The `encoding` pseudo-attribute of a leading XML declaration.
fn xml_declared_encoding(body: &[u8]) -> Option<&str> {
    let head = body.get(..body.len().min(256))?;
    let start = memmem::find(head, b"<?xml")?;
    let end = memmem::find(head.get(start..)?, b"?>")? + start;
    let decl = std::str::from_utf8(head.get(start..end)?).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl.get(at + "encoding".len()..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = rest.get(1..)?;
    value.get(..value.find(quote)?)
}

/// Whether `body` contains at least one valid multi-byte UTF-8 sequence.
fn has_valid_multibyte(body: &[u8]) -> bool {
    let mut rest = body;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => return !s.is_ascii(),
            Err(e) => {
                let valid = rest.get(..e.valid_up_to()).unwrap_or(&[]);
                if !valid.is_ascii() {
                    return true;
                }
                let skip = e.valid_up_to() + e.error_len().unwrap_or(1);
                match rest.get(skip..) {
                    Some(r) if !r.is_empty() => rest = r,
                    _ => return false,
                }
            }
        }
    }
}

/// Drops the encoding from an XML declaration: the text is UTF-8 now, and feed-rs would
/// otherwise decode it a second time as the declared charset.
fn strip_xml_encoding(text: Cow<'_, str>) -> Cow<'_, str> {
    let lead = text.len() - text.trim_start().len();
    let Some(decl_rest) = text.get(lead..).filter(|t| t.starts_with("<?xml")) else {
        return text;
    };
    let Some(end) = decl_rest.find("?>") else {
        return text;
    };
    let decl = decl_rest.get(..end).unwrap_or("");
    let declared = xml_declared_encoding(decl_rest.as_bytes());
    if !decl.contains("encoding") || declared.is_some_and(|d| d.eq_ignore_ascii_case("utf-8")) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str("<?xml version=\"1.0\"?>");
    out.push_str(decl_rest.get(end + 2..).unwrap_or(""));
    Cow::Owned(out)
}

enum Root<'a> {
    Html,
    Other(&'a str),
}

/// The name of the first element, skipping declarations, comments and the DOCTYPE.
fn root_element(text: &str) -> Root<'_> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = r.find("?>").and_then(|e| r.get(e + 2..)).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").and_then(|e| r.get(e + 3..)).unwrap_or("");
        } else if rest.len() >= 9 && rest.get(..9).is_some_and(|p| p.eq_ignore_ascii_case("<!doctype")) {
            let after = rest.get(9..).unwrap_or("").trim_start();
            if after.len() >= 4
                && after.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("html"))
                && after.as_bytes().get(4).is_none_or(|b| !b.is_ascii_alphanumeric())
            {
                return Root::Html;
            }
            // A DOCTYPE may carry an internal subset in brackets (where entity bombs live).
            let close = match (after.find('['), after.find('>')) {
                (Some(b), Some(g)) if b < g => after.get(b..).and_then(|s| s.find("]>")).map(|e| b + e + 2),
                (_, Some(g)) => Some(g + 1),
                _ => None,
            };
            rest = close.and_then(|c| after.get(c..)).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = r
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(r.len());
            let name = r.get(..end).unwrap_or("");
            let local = name.rsplit(':').next().unwrap_or(name);
            return if local.eq_ignore_ascii_case("html") {
                Root::Html
            } else {
                Root::Other(name)
            };
        } else {
            return Root::Other("");
        }
    }
}

/// An HTML page that slipped past the root check (say, a fragment served as text/html).
fn looks_like_html(content_type: Option<&str>, text: &str) -> bool {
    let head = text.get(..text.len().min(2048)).unwrap_or(text);
    let lower = head.to_ascii_lowercase();
    content_type.is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("text/html"))
        || lower.contains("<html")
        || lower.contains("<!doctype html")
}

/// Line of the first element nested deeper than [`MAX_DEPTH`], if any. A linear scan of
/// tags only (CDATA, comments and declarations skipped), so it costs little on real feeds.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'<', bytes.get(pos..)?) {
        let at = pos + off;
        let rest = bytes.get(at + 1..)?;
        let skip_to = |needle: &[u8]| -> usize {
            memmem::find(bytes.get(at..).unwrap_or(&[]), needle)
                .map_or(bytes.len(), |e| at + e + needle.len())
        };
        pos = match rest.first() {
            Some(b'!') if rest.starts_with(b"![CDATA[") => skip_to(b"]]>"),
            Some(b'!') if rest.starts_with(b"!--") => skip_to(b"-->"),
            Some(b'!') | Some(b'?') => skip_to(b">"),
            Some(b'/') => {
                depth = depth.saturating_sub(1);
                skip_to(b">")
            }
            Some(_) => {
                let end = skip_to(b">");
                let self_closing = end >= 2 && bytes.get(end - 2) == Some(&b'/');
                if !self_closing {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        let line = memchr::memchr_iter(b'\n', bytes.get(..at)?).count() + 1;
                        return Some(line);
                    }
                }
                end
            }
            None => return None,
        };
    }
    None
}

/// feed-rs's error in words, with a line number where it gives a byte position.
fn describe(e: &feed_rs::parser::ParseFeedError, text: &str) -> String {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    let detail = match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            let root = match root_element(text) {
                Root::Other(name) if !name.is_empty() => format!(" (the document is <{name}>)"),
                _ => String::new(),
            };
            return format!("no RSS, Atom or JSON Feed root element{root}");
        }
        other => other.to_string(),
    };
    // feed-rs reports positions as byte offsets ("at position 1234"); people read lines.
    if let Some(at) = detail.find("position ") {
        let digits: String = detail
            .get(at + 9..)
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(offset) = digits.parse::<usize>() {
            let upto = text.as_bytes().get(..offset.min(text.len())).unwrap_or(&[]);
            let line = memchr::memchr_iter(b'\n', upto).count() + 1;
            return format!("{detail} (line {line})");
        }
    }
    detail
}

fn convert(feed: Feed, text: &str, base: Option<&Url>) -> ParsedFeed {
    let kind = match feed.feed_type {
        model::FeedType::Atom => FeedKind::Atom,
        model::FeedType::JSON => FeedKind::Json,
        model::FeedType::RSS0 | model::FeedType::RSS1 | model::FeedType::RSS2 => FeedKind::Rss,
    };
    let rel_link = |rel: &str| {
        feed.links
            .iter()
            .find(|l| l.rel.as_deref() == Some(rel))
            .map(|l| absolute(&l.href, base))
    };
    let site_url = feed
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .map(|l| absolute(&l.href, base));
    let feed_author = first_author(&feed.authors);
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in &feed.entries {
        let item = convert_entry(entry, kind, base, feed_author.as_deref());
        if let Some(g) = &item.guid {
            // Duplicate GUIDs within one feed: the first (newest, in feed order) wins.
            if !seen.insert(g.clone()) {
                continue;
            }
        }
        items.push(item);
    }
    ParsedFeed {
        kind,
        title: feed
            .title
            .as_ref()
            .map(|t| inline_text(&t.content))
            .unwrap_or_default(),
        site_url,
        self_url: rel_link("self"),
        hub: rel_link("hub"),
        ttl_minutes: feed.ttl,
        skip_hours: if kind == FeedKind::Rss {
            skip_hours(text)
        } else {
            Vec::new()
        },
        items,
    }
}

fn convert_entry(entry: &Entry, kind: FeedKind, base: Option<&Url>, feed_author: Option<&str>) -> FeedItem {
    // feed-rs puts JSON Feed attachments among the links, told apart only by their MIME type.
    let is_attachment = |l: &model::Link| kind == FeedKind::Json && l.media_type.is_some();
    let guid = Some(entry.id.trim())
        .filter(|g| !g.is_empty())
        .map(str::to_string);
    let link = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")) && !is_attachment(l))
        .map(|l| absolute(&l.href, base))
        // RSS guids are permalinks unless marked otherwise; a URL guid is the best link left.
        .or_else(|| {
            guid.as_deref()
                .filter(|g| g.starts_with("http://") || g.starts_with("https://"))
                .map(str::to_string)
        });
    let (text, summary_only) = match entry.content.as_ref().and_then(|c| {
        c.body
            .as_deref()
            .filter(|b| !b.trim().is_empty())
            .map(|b| (b, c.content_type.as_str()))
    }) {
        Some((body, ct)) => (clean_body(body, ct), false),
        None => (
            entry
                .summary
                .as_ref()
                .map(|s| clean_body(&s.content, s.content_type.as_str()))
                .unwrap_or_default(),
            true,
        ),
    };
    let mut categories: Vec<String> = Vec::new();
    for c in &entry.categories {
        let name = inline_text(c.label.as_deref().unwrap_or(&c.term));
        if !name.is_empty() && !categories.contains(&name) {
            categories.push(name);
        }
    }
    FeedItem {
        guid,
        link,
        title: entry
            .title
            .as_ref()
            .map(|t| inline_text(&t.content))
            .unwrap_or_default(),
        text,
        summary_only,
        author: first_author(&entry.authors).or_else(|| feed_author.map(str::to_string)),
        published: entry.published.and_then(from_chrono),
        updated: entry.updated.and_then(from_chrono),
        categories,
        enclosures: enclosures(entry, kind, base),
    }
}

fn clean_body(body: &str, content_type: &str) -> String {
    if content_type.eq_ignore_ascii_case("text/plain") {
        plain_to_text(body)
    } else {
        html_to_text(body)
    }
}

fn first_author(people: &[model::Person]) -> Option<String> {
    people.iter().find_map(|p| {
        let name = p.name.as_deref().map(inline_text).unwrap_or_default();
        Some(name)
            .filter(|n| !n.is_empty())
            .or_else(|| p.email.clone().filter(|e| !e.trim().is_empty()))
    })
}

/// Enclosure links, media:content and media:thumbnail, each URL once.
fn enclosures(entry: &Entry, kind: FeedKind, base: Option<&Url>) -> Vec<herald_model::Enclosure> {
    let mut out: Vec<herald_model::Enclosure> = Vec::new();
    let mut push = |url: String, mime: Option<String>, length: Option<u64>| {
        if url.is_empty() || out.iter().any(|e| e.url == url) {
            return;
        }
        out.push(herald_model::Enclosure { url, mime, length });
    };
    for l in &entry.links {
        if l.rel.as_deref() == Some("enclosure") || (kind == FeedKind::Json && l.media_type.is_some()) {
            push(absolute(&l.href, base), l.media_type.clone(), l.length);
        }
    }
    for m in &entry.media {
        for c in &m.content {
            if let Some(u) = &c.url {
                push(
                    u.to_string(),
                    c.content_type.as_ref().map(|t| t.to_string()),
                    c.size,
                );
            }
        }
        for t in &m.thumbnails {
            push(absolute(&t.image.uri, base), None, None);
        }
    }
    out
}

/// `href` made absolute against `base` when it is relative; unchanged otherwise.
fn absolute(href: &str, base: Option<&Url>) -> String {
    let href = href.trim();
    match Url::parse(href) {
        Ok(u) => u.to_string(),
        Err(_) => base
            .and_then(|b| b.join(href).ok())
            .map_or_else(|| href.to_string(), |u| u.to_string()),
    }
}

/// RSS `<skipHours><hour>N</hour>…</skipHours>`, which feed-rs does not model.
fn skip_hours(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let Some(start) = memmem::find(bytes, b"<skipHours>") else {
        return Vec::new();
    };
    let section = bytes.get(start..).unwrap_or(&[]);
    let end = memmem::find(section, b"</skipHours>").unwrap_or(section.len());
    let section = std::str::from_utf8(section.get(..end).unwrap_or(&[])).unwrap_or("");
    let mut hours = Vec::new();
    for part in section.split("<hour>").skip(1) {
        let value = part.split('<').next().unwrap_or("").trim();
        // RSS allows 0–23; some feeds write 24 for midnight.
        if let Ok(h) = value.parse::<u8>()
            && h <= 24
        {
            let h = h % 24;
            if !hours.contains(&h) {
                hours.push(h);
            }
        }
    }
    hours.sort_unstable();
    hours
}

fn to_chrono(t: OffsetDateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond())
}

fn from_chrono(t: chrono::DateTime<chrono::Utc>) -> Option<OffsetDateTime> {
    let nanos = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A feed date in any of the forms feeds really use: RFC 3339 / ISO 8601 (with or without
/// `T`, seconds, fraction or zone; a date alone is midnight UTC) and RFC 822 / 2822 with
/// the usual damage (missing or wrong weekday, long month names, one-digit day or hour,
/// missing seconds, two-digit years, zone names like `EST`, `GMT+2`, `UTC-05:00`, no zone).
/// No zone means UTC.
pub fn parse_date(raw: &str) -> Option<OffsetDateTime> {
    let s = raw.trim();
    if s.len() > 100 {
        return None;
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) && s.as_bytes().get(4) == Some(&b'-') {
        return parse_iso(s);
    }
    parse_rfc822ish(s)
}

fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    let date_part = s.get(..10)?;
    let mut d = date_part.split('-');
    let year: i32 = d.next()?.parse().ok()?;
    let month: u8 = d.next()?.parse().ok()?;
    let day: u8 = d.next()?.parse().ok()?;
    let rest = s.get(10..)?.trim_start_matches(['T', 't', ' ']);
    let (time_part, zone) = split_zone(rest);
    let (h, m, sec, nanos) = if time_part.is_empty() {
        (0, 0, 0, 0)
    } else {
        parse_clock(time_part)?
    };
    build(year, month, day, h, m, sec, nanos, zone_offset(zone)?)
}

/// Splits `10:00:00.5+02:00` into clock and zone (`Z`, `+02:00`, `+0200`, `EST`, empty).
fn split_zone(s: &str) -> (&str, &str) {
    let s = s.trim();
    if let Some(i) = s.find(|c: char| c == 'Z' || c == 'z' || c == '+' || c.is_ascii_alphabetic()) {
        return (s.get(..i).unwrap_or("").trim(), s.get(i..).unwrap_or("").trim());
    }
    // A '-' after the clock starts a negative offset.
    if let Some(i) = s.get(1..).and_then(|t| t.find('-')).map(|i| i + 1) {
        return (s.get(..i).unwrap_or("").trim(), s.get(i..).unwrap_or("").trim());
    }
    (s, "")
}

/// `H:MM[:SS[.fff]]`.
fn parse_clock(s: &str) -> Option<(u8, u8, u8, u32)> {
    let mut parts = s.split(':');
    let h: u8 = parts.next()?.trim().parse().ok()?;
    let m: u8 = parts.next()?.trim().parse().ok()?;
    let (sec, nanos) = match parts.next() {
        None => (0, 0),
        Some(sp) => {
            let (whole, frac) = sp.split_once(['.', ',']).unwrap_or((sp, ""));
            let sec: u8 = whole.trim().parse().ok()?;
            let frac: String = frac.chars().take_while(char::is_ascii_digit).take(9).collect();
            let nanos = if frac.is_empty() {
                0
            } else {
                frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
            };
            (sec, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    Some((h, m, sec, nanos))
}

/// A zone as seconds east of UTC; `None` when it is not a zone at all.
fn zone_offset(zone: &str) -> Option<i32> {
    let z = zone.trim().trim_start_matches('(').trim_end_matches(')');
    if z.is_empty() {
        return Some(0);
    }
    let upper = z.to_ascii_uppercase();
    let named = match upper.as_str() {
        "Z" | "UT" | "UTC" | "GMT" | "Z UTC" => Some(0),
        "EST" => Some(-5),
        "EDT" => Some(-4),
        "CST" => Some(-6),
        "CDT" => Some(-5),
        "MST" => Some(-7),
        "MDT" => Some(-6),
        "PST" => Some(-8),
        "PDT" => Some(-7),
        "BST" => Some(1),
        "CET" => Some(1),
        "CEST" => Some(2),
        "EET" => Some(2),
        "EEST" => Some(3),
        "JST" => Some(9),
        "IST" => None,
        _ => None,
    };
    if let Some(h) = named {
        return Some(h * 3600);
    }
    // GMT+2, UTC-05:00, +0200, -05:00, +2
    let numeric = ["GMT", "UTC", "UT"]
        .iter()
        .find_map(|p| upper.strip_prefix(p))
        .unwrap_or(&upper);
    let (sign, digits) = match numeric.as_bytes().first()? {
        b'+' => (1, numeric.get(1..)?),
        b'-' => (-1, numeric.get(1..)?),
        _ => return None,
    };
    let (h, m) = if let Some((h, m)) = digits.split_once(':') {
        (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)
    } else if digits.len() == 4 {
        (digits.get(..2)?.parse().ok()?, digits.get(2..)?.parse().ok()?)
    } else if digits.len() <= 2 {
        (digits.parse().ok()?, 0)
    } else {
        return None;
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

fn month_number(word: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = word.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == lower)
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// RFC 822-like dates, read as tokens so that order damage (`Nov 24, 2026`) and missing
/// parts do not matter.
fn parse_rfc822ish(s: &str) -> Option<OffsetDateTime> {
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut clock = None;
    let mut zone: Option<i32> = None;
    for tok in s.split([' ', ',', '\t']).filter(|t| !t.is_empty()) {
        if clock.is_none() && tok.contains(':') && tok.as_bytes().first()?.is_ascii_digit() {
            // A clock may carry its zone glued on: 10:00:00+0200, 10:00Z.
            let (c, z) = split_zone(tok);
            clock = Some(parse_clock(c)?);
            if !z.is_empty() {
                zone = Some(zone_offset(z)?);
            }
        } else if tok.bytes().all(|b| b.is_ascii_digit()) {
            let n: u32 = tok.parse().ok()?;
            if tok.len() == 4 || (day.is_some() && month.is_some() && year.is_none()) {
                year = Some(n);
            } else if day.is_none() {
                day = Some(n);
            } else {
                return None;
            }
        } else if month.is_none() && month_number(tok).is_some() {
            month = month_number(tok);
        } else if let Some(off) = zone_offset(tok) {
            zone = Some(off);
        } else if tok.chars().all(|c| c.is_ascii_alphabetic() || c == '.') {
            // A weekday, right or wrong, or "at": not needed.
            continue;
        } else {
            return None;
        }
    }
    let year = match year? {
        y @ 0..=49 => 2000 + y,
        y @ 50..=99 => 1900 + y,
        y => y,
    };
    let (h, m, sec, nanos) = clock.unwrap_or((0, 0, 0, 0));
    build(
        i32::try_from(year).ok()?,
        month?,
        u8::try_from(day?).ok()?,
        h,
        m,
        sec,
        nanos,
        zone.unwrap_or(0),
    )
}

#[allow(clippy::too_many_arguments)]
fn build(
    year: i32,
    month: u8,
    day: u8,
    h: u8,
    m: u8,
    sec: u8,
    nanos: u32,
    offset_secs: i32,
) -> Option<OffsetDateTime> {
    let month = time::Month::try_from(month).ok()?;
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    // 24:00 means the end of the day; 60 seconds a leap second.
    let (h, extra_day) = if h == 24 && m == 0 { (0, 1) } else { (h, 0) };
    let t = time::Time::from_hms_nano(h, m, sec.min(59), nanos).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).ok()?;
    let dt = time::PrimitiveDateTime::new(date, t).assume_offset(offset);
    let dt = dt.checked_add(time::Duration::days(extra_day))?;
    Some(dt.to_offset(time::UtcOffset::UTC))
}

/// Feed links an HTML page advertises (`<link rel="alternate"
/// type="application/rss+xml|atom+xml|feed+json" href>`), absolute, in page order.
pub fn discover_feeds(html: &[u8], page_url: &str) -> Vec<String> {
    let base = Url::parse(page_url).ok();
    let mut out: Vec<String> = Vec::new();
    let finder = memmem::Finder::new(b"<link");
    // Case-insensitive `<link`: search a lowercased copy of the head of the page (links live
    // in <head>; 512 KiB is plenty and bounds the work).
    let limit = html.len().min(512 * 1024);
    let lower: Vec<u8> = html
        .get(..limit)
        .unwrap_or(&[])
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    for at in finder.find_iter(&lower) {
        let Some(tag_end) = memchr::memchr(b'>', lower.get(at..).unwrap_or(&[])) else {
            break;
        };
        let tag = String::from_utf8_lossy(html.get(at + 5..at + tag_end).unwrap_or(&[]));
        let attrs = attributes(&tag);
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let rel_ok = get("rel").is_some_and(|r| {
            r.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case("alternate"))
        });
        let type_ok = get("type").is_some_and(|t| {
            let t = t.trim().to_ascii_lowercase();
            t.starts_with("application/rss+xml")
                || t.starts_with("application/atom+xml")
                || t.starts_with("application/feed+json")
        });
        if let (true, true, Some(href)) = (rel_ok, type_ok, get("href")) {
            let href = html_escape::decode_html_entities(href.trim());
            let url = absolute(&href, base.as_ref());
            if !url.is_empty() && !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

/// `name="value"` pairs of a tag's attribute text (quotes optional).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest.get(..name_end).unwrap_or("").to_string();
        rest = rest.get(name_end..).unwrap_or("").trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            if name.is_empty() {
                // Nothing consumed: skip a byte so the loop always advances.
                rest = rest.get(1..).unwrap_or("");
            }
            out.push((name, String::new()));
            continue;
        };
        let after_eq = after_eq.trim_start();
        let (value, next) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = after_eq.get(1..).unwrap_or("");
                let end = body.find(q).unwrap_or(body.len());
                (body.get(..end).unwrap_or(""), body.get(end + 1..).unwrap_or(""))
            }
            _ => {
                let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                (
                    after_eq.get(..end).unwrap_or(""),
                    after_eq.get(end..).unwrap_or(""),
                )
            }
        };
        out.push((name, value.to_string()));
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let utc = |s| parse_date(s).map(|d| d.unix_timestamp());
        let base = utc("2026-11-24T10:00:00Z").unwrap();
        for s in [
            "Tue, 24 Nov 2026 10:00:00 GMT",
            "Tue, 24 Nov 2026 10:00:00 +0000",
            "Mon, 24 Nov 2026 10:00:00 GMT",
            "24 Nov 2026 10:00 GMT",
            "Tuesday, 24 November 2026 10:00:00 UTC",
            "Tue, 24 Nov 26 10:00:00 Z",
            "Tue, 24 Nov 2026 05:00:00 EST",
            "Tue, 24 Nov 2026 12:00:00 GMT+2",
            "Tue, 24 Nov 2026 12:00:00 GMT+02:00",
            "Tue, 24 Nov 2026 12:00:00 +02:00",
            "2026-11-24 10:00:00",
            "2026-11-24T12:00:00+02:00",
            "2026-11-24T12:00:00+0200",
            "2026-11-24T10:00Z",
            "2026-11-24T10:00:00.000Z",
            "Nov 24, 2026 10:00:00 GMT",
        ] {
            assert_eq!(utc(s), Some(base), "{s}");
        }
        assert_eq!(
            utc("Tue, 3 Nov 2026 9:05:00 GMT"),
            utc("2026-11-03T09:05:00Z"),
            "single-digit day and hour"
        );
        assert_eq!(utc("2026-11-24"), utc("2026-11-24T00:00:00Z"));
        for bad in ["", "yesterday", "Tue, 31 Feb 2026 10:00:00 GMT", "2026-13-01"] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn charset_param_parsing() {
        assert_eq!(
            charset_param("text/xml; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_param("application/rss+xml"), None);
    }

    #[test]
    fn attribute_parsing() {
        let a = attributes(r#" rel=alternate type='application/rss+xml' href="/a?x=1&amp;y=2" /"#);
        assert_eq!(a.len(), 3);
        assert_eq!(a[2].1, "/a?x=1&amp;y=2");
    }
}
