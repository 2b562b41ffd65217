//! Story ids: derived from the source and the source's own identity for the story.
//!
//! The same story published twice gets the same id, which is what makes ingest
//! idempotent (DESIGN §1). The identity is, in order of preference, the source's GUID,
//! the story's URL, or a hash of its headline and body.

use sha2::{Digest, Sha256};

/// A story id as it appears in the API (`st_` followed by 26 base32 characters).
pub type StoryId = String;

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// Lowercase base32 of the first 130 bits of `bytes` (26 characters), with an alphabet
/// that avoids look-alike characters.
fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(26);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
            if out.len() == 26 {
                return out;
            }
        }
    }
    out
}

/// A hex SHA-256 of a story's headline and body, used as identity when a source gives
/// neither GUID nor URL, and to tell a changed version from a re-send.
pub fn content_hash(headline: &str, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(headline.trim().as_bytes());
    h.update([0u8]);
    h.update(body.trim().as_bytes());
    let d = h.finalize();
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The id of a story from `source_id` with the given identity parts.
pub fn story_id(
    source_id: &str,
    guid: Option<&str>,
    url: Option<&str>,
    headline: &str,
    body: &str,
) -> StoryId {
    let identity = match (
        guid.filter(|g| !g.trim().is_empty()),
        url.filter(|u| !u.trim().is_empty()),
    ) {
        (Some(g), _) => format!("guid\0{}", g.trim()),
        (None, Some(u)) => format!("url\0{}", u.trim()),
        (None, None) => format!("hash\0{}", content_hash(headline, body)),
    };
    let mut h = Sha256::new();
    h.update(source_id.as_bytes());
    h.update([0u8]);
    h.update(identity.as_bytes());
    format!("st_{}", base32(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_identity_same_id() {
        let a = story_id("wire", Some("g1"), Some("https://x/a"), "H", "B");
        let b = story_id("wire", Some("g1"), Some("https://x/b"), "Other", "Text");
        assert_eq!(a, b, "guid wins over url and content");
        assert!(a.starts_with("st_") && a.len() == 29, "{a}");
    }

    #[test]
    fn different_sources_differ() {
        assert_ne!(
            story_id("wire-a", Some("g1"), None, "H", "B"),
            story_id("wire-b", Some("g1"), None, "H", "B")
        );
    }

    #[test]
    fn falls_back_to_url_then_content() {
        let u1 = story_id("w", None, Some("https://x/a"), "H", "B");
        let u2 = story_id("w", Some("  "), Some("https://x/a"), "H2", "B2");
        assert_eq!(u1, u2, "blank guid is ignored");
        let c1 = story_id("w", None, None, "Headline", "Body");
        let c2 = story_id("w", None, None, "Headline ", " Body");
        let c3 = story_id("w", None, None, "Headline", "Other body");
        assert_eq!(c1, c2, "surrounding whitespace does not change identity");
        assert_ne!(c1, c3);
    }
}
