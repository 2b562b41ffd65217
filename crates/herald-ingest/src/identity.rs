//! Item identity: canonical links (tracking parameters stripped) and the key a story id comes from.
//!
//! A story's id is derived from (feed, guid), else (feed, canonical link), else a content
//! hash ([`herald_model::story_id`]). Canonical links make the same article reached through
//! a newsletter or social share the same URL; [`content_key`] tells a changed item (a new
//! version of the story) from one merely seen again.

use herald_model::{Source, Story, text::MAX_HEADLINE_BYTES};
use sha2::{Digest, Sha256};
use url::Url;

use crate::parse::FeedItem;

/// Query parameters that only say how a reader arrived, never what they see.
///
/// `ref` is deliberately kept: it is tracking on some sites but selects content on others
/// (a git branch, `?ref=main`), and dropping meaningful parameters would merge different
/// pages into one story. `ref_src`/`ref_url` (Twitter/X share links) are always tracking.
const TRACKING_EXACT: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "msclkid",
    "yclid",
    "twclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ocid",
    "ref_src",
    "ref_url",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "__twitter_impression",
    "wt_mc",
    "cmpid",
    "s_cid",
];

/// Parameter name prefixes that are tracking (`utm_source`, `utm_medium`, …).
const TRACKING_PREFIX: &[&str] = &["utm_", "ga_", "pk_", "mtm_"];

fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    TRACKING_EXACT.contains(&key.as_str()) || TRACKING_PREFIX.iter().any(|p| key.starts_with(p))
}

/// The link in the form used for identity: scheme and host lowercased, default port and
/// fragment dropped, tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`,
/// `igshid`, `ocid`, `ref_src` …) removed. Everything else — path case, the order and
/// encoding of the remaining parameters — is kept as the publisher wrote it. A string
/// that is not an absolute URL is returned trimmed.
pub fn canonical_link(url: &str) -> String {
    let trimmed = url.trim();
    let Ok(mut parsed) = Url::parse(trimmed) else {
        return trimmed.to_string();
    };
    parsed.set_fragment(None);
    if let Some(query) = parsed.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| !is_tracking(pair.split('=').next().unwrap_or(pair)))
            .collect();
        if kept.is_empty() {
            parsed.set_query(None);
        } else {
            let joined = kept.join("&");
            parsed.set_query(Some(&joined));
        }
    }
    // `url` already lowercases scheme and host and drops a default port.
    parsed.to_string()
}

/// The story a feed item becomes, from `source` (the feed: id, name, URL).
pub fn to_story(item: &FeedItem, source: &Source) -> Story {
    let url = item.link.as_deref().map(canonical_link).filter(|u| !u.is_empty());
    let headline = if item.title.trim().is_empty() {
        let sentence = first_sentence(&item.text);
        if sentence.is_empty() {
            url.clone().unwrap_or_default()
        } else {
            sentence.to_string()
        }
    } else {
        item.title.trim().to_string()
    };
    let mut story = Story {
        source: source.clone(),
        url,
        guid: item.guid.clone(),
        headline: truncate(&headline, MAX_HEADLINE_BYTES).to_string(),
        body: item.text.clone(),
        byline: item.author.clone(),
        published_at: item.published.or(item.updated),
        updated_at: item.updated,
        categories: item.categories.clone(),
        enclosures: item.enclosures.clone(),
        ..Story::default()
    };
    story.id = story.derived_id();
    story
}

/// A stable 64-bit key of what makes a changed item a new version: title, text, link and
/// dates. Equal keys mean "seen before, unchanged"; it is stable across runs and builds
/// (SHA-256, not the std hasher), so it may be stored.
pub fn content_key(item: &FeedItem) -> u64 {
    let mut h = Sha256::new();
    for part in [
        item.title.as_bytes(),
        item.text.as_bytes(),
        item.link
            .as_deref()
            .map(canonical_link)
            .unwrap_or_default()
            .as_bytes(),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    for t in [item.published, item.updated] {
        let n = t.map_or(i128::MIN, |t| t.unix_timestamp_nanos());
        h.update(n.to_le_bytes());
    }
    let d = h.finalize();
    let mut first = [0u8; 8];
    for (dst, src) in first.iter_mut().zip(d.iter()) {
        *dst = *src;
    }
    u64::from_le_bytes(first)
}

/// The first sentence (or line) of `text`, for items that have no title.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let line = text.split('\n').next().unwrap_or(text);
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        if matches!(c, '.' | '!' | '?')
            && line
                .get(i + c.len_utf8()..)
                .is_some_and(|r| r.is_empty() || r.starts_with(' '))
        {
            end = i + c.len_utf8();
            break;
        }
    }
    line.get(..end).unwrap_or(line).trim()
}

/// `s` cut to at most `max` bytes at a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("").trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_links() {
        assert_eq!(
            canonical_link("HTTPS://News.Example.COM:443/World/Story?id=7&utm_source=rss&utm_medium=x#top"),
            "https://news.example.com/World/Story?id=7"
        );
        assert_eq!(
            canonical_link(
                "https://x.example/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5&ocid=6&ref_src=tw"
            ),
            "https://x.example/a"
        );
        assert_eq!(
            canonical_link("https://git.example/repo/file?ref=main"),
            "https://git.example/repo/file?ref=main",
            "ref is kept: it can select content"
        );
        assert_eq!(
            canonical_link("https://x.example/a?b=2&a=1&UTM_Campaign=z"),
            "https://x.example/a?b=2&a=1",
            "other parameters keep their order"
        );
        assert_eq!(canonical_link("http://x.example:8080/"), "http://x.example:8080/");
        assert_eq!(canonical_link("  not a url "), "not a url");
    }

    #[test]
    fn headline_fallback() {
        assert_eq!(
            first_sentence("Flood waters rose. More later."),
            "Flood waters rose."
        );
        assert_eq!(
            first_sentence("Version 2.5 ships today"),
            "Version 2.5 ships today"
        );
        let long = "é".repeat(MAX_HEADLINE_BYTES);
        let cut = truncate(&long, MAX_HEADLINE_BYTES);
        assert!(cut.len() <= MAX_HEADLINE_BYTES && cut.chars().all(|c| c == 'é'));
    }
}
