//! Any query as a feed: stories to Atom 1.0 and JSON Feed 1.1.
//!
//! So any feed reader can follow a Herald search (`GET /v1/feeds/out.atom?q=…`). Entries
//! carry the story's stable id, its link (the source's page, else the story on the node),
//! its times, the bullets as summary, the body as text content, and the topics and the
//! source's categories as categories.

use std::borrow::Cow;

use herald_model::Story;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What describes the feed itself.
#[derive(Debug, Clone)]
pub struct FeedMeta<'a> {
    /// The feed's title ("Herald: entity:ISIL").
    pub title: &'a str,
    /// The URL this feed is served at (its `self` link and id).
    pub self_url: &'a str,
    /// Where a story lives on the node when it has no link of its own (`{base}/v1/stories/{id}`).
    pub node_base: &'a str,
    /// When the feed changed (the newest story's time, else now).
    pub updated: OffsetDateTime,
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped and the characters XML 1.0 forbids (most
/// control characters, lone surrogates cannot occur in a `str`) dropped.
pub fn escape_xml(s: &str) -> Cow<'_, str> {
    let needs = s
        .chars()
        .any(|c| matches!(c, '&' | '<' | '>' | '"' | '\'') || !xml_char(c));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn link(story: &Story, base: &str) -> String {
    story
        .url
        .clone()
        .unwrap_or_else(|| format!("{}/v1/stories/{}", base.trim_end_matches('/'), story.id))
}

fn entry_id(story: &Story) -> String {
    format!("urn:herald:story:{}", story.id)
}

fn updated(story: &Story, fallback: OffsetDateTime) -> OffsetDateTime {
    story
        .updated_at
        .or(story.published_at)
        .or(story.received_at)
        .unwrap_or(fallback)
}

fn summary(story: &Story) -> Option<String> {
    if story.bullets.is_empty() {
        None
    } else {
        Some(
            story
                .bullets
                .iter()
                .map(|b| format!("• {b}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }
}

fn categories(story: &Story) -> Vec<&str> {
    let mut out: Vec<&str> = story
        .topics
        .iter()
        .map(|t| {
            if t.name.is_empty() {
                t.code.as_str()
            } else {
                t.name.as_str()
            }
        })
        .collect();
    for c in &story.categories {
        if !out.contains(&c.as_str()) {
            out.push(c);
        }
    }
    out
}

/// An Atom 1.0 document of `stories` (newest first, as given).
pub fn atom(meta: &FeedMeta<'_>, stories: &[Story]) -> String {
    let mut out = String::with_capacity(1024 + stories.iter().map(|s| s.body.len() + 512).sum::<usize>());
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    push_el(&mut out, "  ", "title", meta.title);
    push_el(&mut out, "  ", "id", meta.self_url);
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape_xml(meta.self_url)
    ));
    push_el(&mut out, "  ", "updated", &rfc3339(meta.updated));
    out.push_str("  <author><name>Herald</name></author>\n");
    out.push_str(&format!(
        "  <generator version=\"{}\">Herald</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for s in stories {
        out.push_str("  <entry>\n");
        push_el(&mut out, "    ", "id", &entry_id(s));
        push_el(&mut out, "    ", "title", &s.headline);
        out.push_str(&format!(
            "    <link rel=\"alternate\" href=\"{}\"/>\n",
            escape_xml(&link(s, meta.node_base))
        ));
        push_el(&mut out, "    ", "updated", &rfc3339(updated(s, meta.updated)));
        if let Some(p) = s.published_at {
            push_el(&mut out, "    ", "published", &rfc3339(p));
        }
        let author = s
            .byline
            .as_deref()
            .filter(|b| !b.is_empty())
            .unwrap_or(if s.source.name.is_empty() {
                &s.source.id
            } else {
                &s.source.name
            });
        if !author.is_empty() {
            out.push_str("    <author><name>");
            out.push_str(&escape_xml(author));
            out.push_str("</name></author>\n");
        }
        for c in categories(s) {
            out.push_str(&format!("    <category term=\"{}\"/>\n", escape_xml(c)));
        }
        if let Some(sum) = summary(s) {
            out.push_str("    <summary type=\"text\">");
            out.push_str(&escape_xml(&sum));
            out.push_str("</summary>\n");
        }
        if !s.body.is_empty() {
            out.push_str("    <content type=\"text\">");
            out.push_str(&escape_xml(&s.body));
            out.push_str("</content>\n");
        }
        if !s.source.id.is_empty() {
            out.push_str("    <source>");
            out.push_str("<id>");
            out.push_str(&escape_xml(s.source.url.as_deref().unwrap_or(&s.source.id)));
            out.push_str("</id><title>");
            out.push_str(&escape_xml(if s.source.name.is_empty() {
                &s.source.id
            } else {
                &s.source.name
            }));
            out.push_str("</title></source>\n");
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

fn push_el(out: &mut String, indent: &str, name: &str, text: &str) {
    out.push_str(indent);
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape_xml(text));
    out.push_str("</");
    out.push_str(name);
    out.push_str(">\n");
}

/// A JSON Feed 1.1 document of `stories`.
pub fn json_feed(meta: &FeedMeta<'_>, stories: &[Story]) -> Value {
    let items: Vec<Value> = stories
        .iter()
        .map(|s| {
            let mut item = json!({
                "id": s.id,
                "url": link(s, meta.node_base),
                "title": s.headline,
                "content_text": s.body,
                "date_modified": rfc3339(updated(s, meta.updated)),
                "tags": categories(s),
            });
            if let Some(p) = s.published_at {
                item["date_published"] = json!(rfc3339(p));
            }
            if let Some(sum) = summary(s) {
                item["summary"] = json!(sum);
            }
            if let Some(b) = s.byline.as_deref().filter(|b| !b.is_empty()) {
                item["authors"] = json!([{ "name": b }]);
            }
            if !s.enclosures.is_empty() {
                item["attachments"] = s
                    .enclosures
                    .iter()
                    .map(|e| {
                        let mut a = json!({ "url": e.url, "mime_type": e.mime.as_deref().unwrap_or("application/octet-stream") });
                        if let Some(l) = e.length {
                            a["size_in_bytes"] = json!(l);
                        }
                        a
                    })
                    .collect();
            }
            item["_herald"] = json!({ "source": s.source, "seq": s.seq, "version": s.version });
            item
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "feed_url": meta.self_url,
        "authors": [{ "name": "Herald" }],
        "items": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_model::{Source, Topic};
    use time::macros::datetime;

    fn story() -> Story {
        Story {
            id: "st_abc".into(),
            version: 1,
            seq: 7,
            source: Source {
                id: "wire".into(),
                name: "Harbour & Sons Wire".into(),
                url: None,
            },
            url: Some("https://wire.example/a?x=1&y=2".into()),
            headline: "Port strike <ends> after \"talks\"".into(),
            bullets: vec!["Deal struck at 3 a.m.".into()],
            body: "Dock workers returned on Tuesday.\u{1}\n\nShips began to move.".into(),
            published_at: Some(datetime!(2026-11-24 10:00 UTC)),
            topics: vec![Topic {
                code: "labour".into(),
                name: "Labour".into(),
                score: 1.0,
                evidence: vec![],
            }],
            ..Story::default()
        }
    }

    #[test]
    fn atom_escapes_and_drops_forbidden_characters() {
        let meta = FeedMeta {
            title: "Herald: port & strike",
            self_url: "http://127.0.0.1:8765/v1/feeds/out.atom?q=port&limit=5",
            node_base: "http://127.0.0.1:8765",
            updated: datetime!(2026-11-24 11:00 UTC),
        };
        let doc = atom(&meta, &[story()]);
        assert!(
            doc.contains("<title>Port strike &lt;ends&gt; after &quot;talks&quot;</title>"),
            "{doc}"
        );
        assert!(doc.contains("href=\"https://wire.example/a?x=1&amp;y=2\""));
        assert!(doc.contains("<published>2026-11-24T10:00:00Z</published>"));
        assert!(doc.contains("<category term=\"Labour\"/>"));
        assert!(!doc.contains('\u{1}'), "control characters are not XML");
        // Well-formed: quick-xml reads it to the end.
        let mut r = quick_xml::Reader::from_str(&doc);
        let mut entries = 0;
        loop {
            match r.read_event().expect("well-formed") {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == "entry" => entries += 1,
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(entries, 1);
    }

    #[test]
    fn json_feed_has_the_required_fields() {
        let meta = FeedMeta {
            title: "t",
            self_url: "http://n/v1/feeds/out.json",
            node_base: "http://n",
            updated: datetime!(2026-11-24 11:00 UTC),
        };
        let mut s = story();
        s.url = None;
        let doc = json_feed(&meta, &[s]);
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["items"][0]["id"], "st_abc");
        assert_eq!(
            doc["items"][0]["url"], "http://n/v1/stories/st_abc",
            "no source link: the node's"
        );
        assert_eq!(doc["items"][0]["date_published"], "2026-11-24T10:00:00Z");
    }
}
