//! OPML import (Miniflux, FreshRSS, Feedly, newsboat exports) and export.
//!
//! Readers nest feeds in folders (`<outline text="World"><outline xmlUrl=…/></outline>`);
//! the folders a feed sits in, and any `category="/a,/b"` attribute, become its tags. The
//! reader is quick-xml, which expands only the five predefined XML entities: a DTD with an
//! entity bomb or an external entity cannot make an import expand anything.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// Most feeds one OPML file may hold; an import past this is refused as a whole.
pub const MAX_FEEDS: usize = 100_000;
/// Deepest folder nesting followed.
const MAX_DEPTH: usize = 64;

/// One feed from an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    pub url: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub tags: Vec<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpmlError {
    #[error("not OPML: the XML is broken at byte {position}: {detail}")]
    Xml { position: u64, detail: String },
    #[error("not OPML: the document's root element is <{0}>, not <opml>")]
    NotOpml(String),
    #[error("the OPML file lists more than {MAX_FEEDS} feeds")]
    TooMany,
    #[error("the OPML file nests outlines deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// The feeds in an OPML document, in document order, each URL once (the first wins, and
/// later folders add their tags to it).
pub fn parse(bytes: &[u8]) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut feeds: Vec<OpmlFeed> = Vec::new();
    let mut by_url = std::collections::HashMap::<String, usize>::new();
    // Open outlines: the folder name each contributes (None for a feed or a nameless one).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut saw_root = false;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| OpmlError::Xml {
            position: reader.error_position(),
            detail: e.to_string(),
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name().as_ref().to_ascii_lowercase();
                if !saw_root {
                    if name != "opml" {
                        return Err(OpmlError::NotOpml(name));
                    }
                    saw_root = true;
                    continue;
                }
                if name != "outline" {
                    continue;
                }
                let attrs = Attrs::of(e);
                let folder = match attrs.get("xmlurl").filter(|u| !u.trim().is_empty()) {
                    Some(url) => {
                        let mut tags: Vec<String> = folders.iter().flatten().cloned().collect();
                        for c in attrs.get("category").unwrap_or_default().split(',') {
                            for part in c.split('/').map(str::trim).filter(|p| !p.is_empty()) {
                                tags.push(part.to_string());
                            }
                        }
                        let url = url.trim().to_string();
                        match by_url.get(&url) {
                            Some(&i) => {
                                for t in tags {
                                    if !feeds[i].tags.contains(&t) {
                                        feeds[i].tags.push(t);
                                    }
                                }
                            }
                            None => {
                                if feeds.len() >= MAX_FEEDS {
                                    return Err(OpmlError::TooMany);
                                }
                                let mut unique = Vec::new();
                                for t in tags {
                                    if !unique.contains(&t) {
                                        unique.push(t);
                                    }
                                }
                                by_url.insert(url.clone(), feeds.len());
                                feeds.push(OpmlFeed {
                                    url,
                                    title: attrs
                                        .get("title")
                                        .or_else(|| attrs.get("text"))
                                        .filter(|t| !t.trim().is_empty()),
                                    site_url: attrs.get("htmlurl").filter(|u| !u.trim().is_empty()),
                                    tags: unique,
                                });
                            }
                        }
                        None
                    }
                    None => attrs
                        .get("title")
                        .or_else(|| attrs.get("text"))
                        .map(|t| t.trim().to_string())
                        .filter(|t| !t.is_empty()),
                };
                if !empty {
                    if folders.len() >= MAX_DEPTH {
                        return Err(OpmlError::TooDeep);
                    }
                    folders.push(folder);
                }
            }
            Event::End(ref e) if e.local_name().as_ref().eq_ignore_ascii_case("outline") => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !saw_root {
        return Err(OpmlError::NotOpml("nothing".into()));
    }
    Ok(feeds)
}

/// An outline's attributes, names lower-cased (exporters disagree on `xmlUrl` / `xmlurl`).
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn of(e: &BytesStart<'_>) -> Attrs {
        let mut out = Vec::new();
        for a in e.attributes().with_checks(false).flatten() {
            let key = a.key.local_name().as_ref().to_ascii_lowercase();
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string());
            out.push((key, value));
        }
        Attrs(out)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }
}

/// A feed as [`export`] writes it.
#[derive(Debug, Clone)]
pub struct ExportFeed<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub site_url: Option<&'a str>,
    pub tags: &'a [String],
}

/// An OPML 2.0 document listing `feeds`, each inside a folder named after its first tag
/// (the layout every reader imports); further tags go in the `category` attribute.
pub fn export(title: &str, feeds: &[ExportFeed<'_>]) -> String {
    let mut out = String::with_capacity(200 + feeds.len() * 160);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    <title>");
    out.push_str(&crate::out::escape_xml(title));
    out.push_str("</title>\n  </head>\n  <body>\n");
    let mut folders: Vec<&str> = Vec::new();
    for f in feeds {
        let folder = f.tags.first().map_or("", String::as_str);
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    for folder in folders {
        let indent = if folder.is_empty() {
            "    "
        } else {
            out.push_str("    <outline text=\"");
            out.push_str(&crate::out::escape_xml(folder));
            out.push_str("\">\n");
            "      "
        };
        for f in feeds
            .iter()
            .filter(|f| f.tags.first().map_or("", String::as_str) == folder)
        {
            out.push_str(indent);
            out.push_str("<outline type=\"rss\" text=\"");
            out.push_str(&crate::out::escape_xml(f.title));
            out.push_str("\" title=\"");
            out.push_str(&crate::out::escape_xml(f.title));
            out.push_str("\" xmlUrl=\"");
            out.push_str(&crate::out::escape_xml(f.url));
            out.push('"');
            if let Some(site) = f.site_url {
                out.push_str(" htmlUrl=\"");
                out.push_str(&crate::out::escape_xml(site));
                out.push('"');
            }
            if f.tags.len() > 1 {
                let cats: Vec<String> = f.tags[1..].iter().map(|t| format!("/{t}")).collect();
                out.push_str(" category=\"");
                out.push_str(&crate::out::escape_xml(&cats.join(",")));
                out.push('"');
            }
            out.push_str("/>\n");
        }
        if !folder.is_empty() {
            out.push_str("    </outline>\n");
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_become_tags_as_miniflux_and_feedly_export_them() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Miniflux</title></head>
  <body>
    <outline text="World" title="World">
      <outline title="Harbour Wire" text="Harbour Wire" xmlUrl="https://wire.example/rss" htmlUrl="https://wire.example/"></outline>
      <outline type="rss" text="Pitch &amp; Post" xmlUrl="https://sport.example/feed.xml"/>
    </outline>
    <outline text="Markets">
      <outline text="Ledger" xmlurl="https://ledger.example/atom" category="/Energy,/Rates"/>
      <outline text="Harbour again" xmlUrl="https://wire.example/rss"/>
    </outline>
    <outline type="rss" text="Loose" xmlUrl="https://loose.example/feed"/>
  </body>
</opml>"#;
        let feeds = parse(doc).unwrap();
        assert_eq!(feeds.len(), 4, "{feeds:?}");
        assert_eq!(feeds[0].url, "https://wire.example/rss");
        assert_eq!(feeds[0].title.as_deref(), Some("Harbour Wire"));
        assert_eq!(feeds[0].site_url.as_deref(), Some("https://wire.example/"));
        assert_eq!(
            feeds[0].tags,
            vec!["World", "Markets"],
            "a feed in two folders gets both"
        );
        assert_eq!(feeds[1].title.as_deref(), Some("Pitch & Post"));
        assert_eq!(feeds[2].tags, vec!["Markets", "Energy", "Rates"]);
        assert!(feeds[3].tags.is_empty());
    }

    #[test]
    fn the_starter_list_reads_with_a_tag_on_every_feed() {
        let feeds = parse(include_bytes!("../../../feeds/starter.opml")).unwrap();
        assert!(feeds.len() >= 20, "{}", feeds.len());
        for f in &feeds {
            assert!(f.url.starts_with("https://"), "{f:?}");
            assert!(crate::registry::check_url(&f.url).is_ok(), "{f:?}");
            assert_eq!(f.tags.len(), 1, "{f:?}");
            assert!(f.title.is_some(), "{f:?}");
        }
        let tags: std::collections::BTreeSet<&str> = feeds.iter().map(|f| f.tags[0].as_str()).collect();
        assert_eq!(
            tags.into_iter().collect::<Vec<_>>(),
            ["Markets", "Science", "Sport", "Technology", "World"]
        );
    }

    #[test]
    fn newsboat_flat_export_reads() {
        let doc = br#"<?xml version="1.0"?>
<opml version="1.0"><head><title>newsboat - Exported Feeds</title></head><body>
<outline type="rss" xmlUrl="https://a.example/rss" htmlUrl="https://a.example" title="A"/>
<outline type="rss" xmlUrl="https://b.example/rss" htmlUrl="https://b.example" title="B"/>
</body></opml>"#;
        let feeds = parse(doc).unwrap();
        assert_eq!(
            feeds.iter().map(|f| f.url.as_str()).collect::<Vec<_>>(),
            ["https://a.example/rss", "https://b.example/rss"]
        );
    }

    #[test]
    fn entity_bombs_and_external_entities_do_not_expand() {
        let bomb = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&lol3;" xmlUrl="https://x.example/&xxe;"/></body></opml>"#;
        // Either refused or read without expansion: never the expanded text.
        match parse(bomb) {
            Ok(feeds) => {
                for f in feeds {
                    assert!(!f.url.contains("root:"), "{f:?}");
                    assert!(f.title.as_deref().unwrap_or("").len() < 100, "{f:?}");
                }
            }
            Err(e) => assert!(e.to_string().starts_with("not OPML"), "{e}"),
        }
    }

    #[test]
    fn not_opml_is_said_in_words() {
        assert_eq!(
            parse(b"<rss version=\"2.0\"></rss>"),
            Err(OpmlError::NotOpml("rss".into()))
        );
        assert!(matches!(
            parse(b"<opml><body><outline"),
            Err(OpmlError::Xml { .. }) | Ok(_)
        ));
        assert_eq!(parse(b""), Err(OpmlError::NotOpml("nothing".into())));
        let mut deep = String::from("<opml><body>");
        for _ in 0..100 {
            deep.push_str("<outline text=\"x\">");
        }
        assert_eq!(parse(deep.as_bytes()), Err(OpmlError::TooDeep));
    }

    #[test]
    fn export_round_trips_through_parse() {
        let tags_a = vec!["World".to_string(), "Ports".to_string()];
        let tags_b: Vec<String> = Vec::new();
        let feeds = [
            ExportFeed {
                url: "https://wire.example/rss?a=1&b=2",
                title: "Harbour <Wire>",
                site_url: Some("https://wire.example/"),
                tags: &tags_a,
            },
            ExportFeed {
                url: "https://loose.example/feed",
                title: "Loose",
                site_url: None,
                tags: &tags_b,
            },
        ];
        let doc = export("Herald feeds", &feeds);
        let back = parse(doc.as_bytes()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].url, "https://wire.example/rss?a=1&b=2");
        assert_eq!(back[0].title.as_deref(), Some("Harbour <Wire>"));
        assert_eq!(back[0].tags, tags_a);
        assert_eq!(back[1].tags, tags_b);
    }
}
