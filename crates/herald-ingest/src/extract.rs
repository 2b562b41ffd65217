//! Full text for feeds that carry only summaries: the main text of a linked article page.
//!
//! The page (fetched with the same limits and SSRF guard as feeds) goes through
//! `dom_smoothie`, a port of Mozilla's Readability: navigation, asides, comments, ads and
//! scripts are scored away and the article body is kept as paragraphs.

/// The most HTML handed to the extractor; a longer page is cut here (HTML parsing is
/// forgiving of a cut, and real article pages are far smaller).
pub const MAX_HTML: usize = 5 * 1024 * 1024;

/// The most elements the extractor scores; a page with more is refused rather than
/// letting one hostile page hold a worker for long.
pub const MAX_ELEMENTS: usize = 60_000;

/// Below this many characters of text, what was found is not an article (a login wall,
/// a cookie notice, an index page).
pub const MIN_TEXT_CHARS: usize = 140;

/// Page furniture removed before scoring. Readability's own heuristics catch most of it
/// by class names; these catch what sits inside the article container and is long enough
/// to survive them (ad slots with copy, newsletter boxes, cookie banners).
const FURNITURE: &[&str] = &[
    "nav, aside, form, iframe, noscript, [role=navigation], [role=complementary]",
    "[class~=ad], [class~=ads], [class^=ad-], [class*=' ad-'], [id^=ad-], [id^=ad_]",
    "[class*=advert], [id*=advert], [class*=sponsor], [class*=promo], [class*=newsletter]",
    "[class*=cookie], [id*=cookie], [class*=consent], [id*=consent]",
];

/// The main content of an article page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: Option<String>,
    /// Clean text, paragraphs separated by a blank line ("\n\n").
    pub text: String,
    pub byline: Option<String>,
}

/// Why no article came out of a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("{url:?}: the page URL must be an absolute http(s) URL")]
    BadUrl { url: String },
    #[error("{url}: the page has more than {limit} elements; not extracted")]
    TooComplex { url: String, limit: usize },
    #[error("{url}: no article text found on the page ({detail})")]
    NoArticle { url: String, detail: String },
}

/// Extracts the article from the page `html` fetched from `url` (used to resolve
/// relative links and to name the page in errors).
pub fn extract_article(html: &[u8], url: &str) -> Result<Article, ExtractError> {
    let page = decode(html.get(..MAX_HTML).unwrap_or(html));
    let cfg = dom_smoothie::Config {
        max_elements_to_parse: MAX_ELEMENTS,
        text_mode: dom_smoothie::TextMode::Formatted,
        ..dom_smoothie::Config::default()
    };
    let no_article = |detail: &str| ExtractError::NoArticle {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let mut reader = dom_smoothie::Readability::new(page, Some(url), Some(cfg))
        .map_err(|_| ExtractError::BadUrl { url: url.to_owned() })?;
    for sel in FURNITURE {
        reader.doc.select(sel).remove();
    }
    let found = reader.parse().map_err(|e| match e {
        dom_smoothie::ReadabilityError::TooManyElements(..) => ExtractError::TooComplex {
            url: url.to_owned(),
            limit: MAX_ELEMENTS,
        },
        dom_smoothie::ReadabilityError::BadDocumentURL => ExtractError::BadUrl { url: url.to_owned() },
        dom_smoothie::ReadabilityError::GrabFailed => no_article("nothing looked like an article"),
    })?;
    let byline = found.byline.as_deref().and_then(tidy);
    let text = drop_byline_line(paragraphs(&found.text_content), byline.as_deref());
    let chars = text.chars().count();
    if chars < MIN_TEXT_CHARS {
        return Err(no_article(&format!(
            "only {chars} characters of text; a login wall or an index page?"
        )));
    }
    Ok(Article {
        title: tidy(&found.title),
        text,
        byline,
    })
}

/// Blank-line separated blocks, each with its whitespace collapsed to single spaces.
fn paragraphs(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        for word in line.split_whitespace() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.join("\n\n")
}

/// Drops a short first paragraph that only restates the byline ("Jane Roe · Reporter ·
/// 3 May"): it is page metadata, not the story.
fn drop_byline_line(text: String, byline: Option<&str>) -> String {
    let Some(byline) = byline else {
        return text;
    };
    match text.split_once("\n\n") {
        Some((first, rest)) if first.len() < 120 && first.contains(byline) => rest.to_owned(),
        _ => text,
    }
}

fn tidy(s: &str) -> Option<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

/// The page as text: UTF-8 (with or without BOM) when it is valid, else the charset the
/// page declares in a `<meta>` near its start, else Windows-1252 (what browsers assume).
fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_len..).unwrap_or_default();
        return enc.decode_without_bom_handling(rest).0.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_owned();
    }
    let head = bytes.get(..2048).unwrap_or(bytes);
    let enc = declared_charset(head).unwrap_or(encoding_rs::WINDOWS_1252);
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// The encoding named by `charset=` in the first bytes of the page, if any is known.
fn declared_charset(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let label: String = lower
        .get(at..)?
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_are_kept_and_whitespace_collapsed() {
        let t = paragraphs("  First   line\ncontinues.\n\n\n\tSecond one. \n");
        assert_eq!(t, "First line continues.\n\nSecond one.");
    }

    #[test]
    fn a_byline_line_is_not_the_first_paragraph() {
        let t = "Ann Lee · Reporter\n\nThe story.".to_owned();
        assert_eq!(drop_byline_line(t.clone(), Some("Ann Lee")), "The story.");
        assert_eq!(drop_byline_line(t.clone(), Some("Bo Chan")), t);
        assert_eq!(drop_byline_line(t.clone(), None), t);
    }

    #[test]
    fn declared_charsets_decode_latin_pages() {
        let page = b"<html><head><meta charset=\"iso-8859-1\"></head><body>caf\xe9</body></html>";
        assert!(decode(page).contains("caf\u{e9}"));
        assert_eq!(decode(b"\xef\xbb\xbfplain"), "plain");
    }
}
