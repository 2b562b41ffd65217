//! Feed parsing end to end: every format, real-world mess and hostile input, through to stories.

use std::time::{Duration, Instant};

use herald_ingest::html::{html_to_text, inline_text};
use herald_ingest::identity::{canonical_link, content_key, to_story};
use herald_ingest::parse::{FeedKind, ParseError, ParsedFeed, discover_feeds, parse_feed};
use herald_model::{Enclosure, Source};
use time::macros::datetime;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn parse(name: &str, url: &str) -> ParsedFeed {
    parse_feed(&fixture(name), None, url).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn rss_091_and_092() {
    let f = parse("rss091.xml", "https://gazette.example/rss");
    assert_eq!(f.kind, FeedKind::Rss);
    assert_eq!(f.title, "Millbrook Gazette");
    assert_eq!(f.items.len(), 2);
    assert_eq!(f.items[0].title, "Bridge on Elm Street closes for repairs");
    assert_eq!(
        f.items[0].link.as_deref(),
        Some("https://gazette.example/2026/elm-bridge")
    );
    assert_eq!(f.items[0].guid, None, "RSS 0.91 has no guid");
    assert!(f.items[0].summary_only);

    let f = parse("rss092.xml", "https://coastline.example/rss");
    let item = &f.items[0];
    assert_eq!(
        item.text,
        "Skippers in Porthaven kept their boats tied up for a third day."
    );
    assert_eq!(
        item.enclosures,
        vec![Enclosure {
            url: "https://coastline.example/audio/gale.mp3".into(),
            mime: Some("audio/mpeg".into()),
            length: Some(4_821_000),
        }]
    );
}

#[test]
fn rss_10_rdf() {
    let f = parse("rss10.rdf", "https://valley.example/rss");
    assert_eq!(f.kind, FeedKind::Rss);
    let item = &f.items[0];
    assert_eq!(
        item.title,
        "Students spot a faint comet from the hilltop observatory"
    );
    assert_eq!(item.author.as_deref(), Some("Priya Olsen"));
    assert_eq!(item.published, Some(datetime!(2026-11-20 20:15 UTC)));
    assert_eq!(item.link.as_deref(), Some("https://valley.example/a/comet"));
}

#[test]
fn rss_20_namespaces_dates_duplicates() {
    let f = parse("rss20.xml", "https://courier.example/feed.xml");
    assert_eq!(f.title, "The Harbour & Hill Courier");
    assert_eq!(f.site_url.as_deref(), Some("https://courier.example/"));
    assert_eq!(f.self_url.as_deref(), Some("https://courier.example/feed.xml"));
    assert_eq!(f.hub.as_deref(), Some("https://hub.example/"));
    assert_eq!(f.ttl_minutes, Some(45));
    assert_eq!(f.skip_hours, vec![1, 2, 3]);
    assert_eq!(f.items.len(), 4, "the repeated guid is dropped");

    let first = &f.items[0];
    assert_eq!(first.title, "Ferry strike ends after nine days", "HTML in title");
    assert_eq!(
        first.link.as_deref(),
        Some("https://courier.example/news/ferry-strike-ends?utm_source=rss&utm_medium=feed"),
        "relative link resolved against the feed URL"
    );
    assert_eq!(first.guid.as_deref(), Some("courier-2026-1101"));
    assert_eq!(first.author.as_deref(), Some("Marta Quill"), "dc:creator");
    assert_eq!(first.categories, vec!["Transport", "Labour"]);
    assert_eq!(
        first.published,
        Some(datetime!(2026-11-24 15:00 UTC)),
        "EST is UTC-5"
    );
    assert!(!first.summary_only, "content:encoded is the full text");
    assert_eq!(
        first.text,
        "Ferry crews voted on Sunday to accept the new contract, ending a strike that had cut \
         the island off for nine days.\n\nServices resume at 6 a.m. — the first crossing is \
         already full."
    );
    let urls: Vec<&str> = first.enclosures.iter().map(|e| e.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://courier.example/img/ferry.jpg",
            "https://courier.example/img/ferry-small.jpg"
        ],
        "media:content and media:thumbnail"
    );
    assert_eq!(first.enclosures[0].mime.as_deref(), Some("image/jpeg"));

    let second = &f.items[1];
    assert_eq!(
        second.published,
        Some(datetime!(2026-11-03 09:30 UTC)),
        "single-digit day and hour, no seconds"
    );
    assert_eq!(second.text, "The works start in spring and will take six months.");
    assert!(second.summary_only);

    assert_eq!(f.items[2].published, Some(datetime!(2026-11-22 18:00 UTC)));
    assert_eq!(f.items[2].guid, None);
    assert_eq!(
        f.items[2].enclosures[0].url,
        "https://courier.example/audio/market.mp3"
    );
    assert_eq!(
        f.items[3].published,
        Some(datetime!(2026-11-22 06:00 UTC)),
        "GMT+2"
    );
}

#[test]
fn atom_03_and_10() {
    let f = parse("atom03.xml", "https://ridgeway.example/atom");
    assert_eq!(f.kind, FeedKind::Atom);
    assert_eq!(f.items[0].title, "First frost of the season");
    assert_eq!(f.items[0].text, "Ground temperature fell to minus two overnight.");
    assert_eq!(
        f.items[0].link.as_deref(),
        Some("https://ridgeway.example/log/frost")
    );

    let f = parse("atom10.xml", "https://feeds.example/tribune");
    assert_eq!(f.title, "Northern Tribune");
    assert_eq!(f.site_url.as_deref(), Some("https://tribune.example/"));
    assert_eq!(f.self_url.as_deref(), Some("https://tribune.example/atom.xml"));
    assert_eq!(f.hub.as_deref(), Some("https://hub.example/atom"));
    let wind = &f.items[0];
    assert_eq!(
        wind.link.as_deref(),
        Some("https://tribune.example/stories/wind-farm"),
        "xml:base on the feed"
    );
    assert_eq!(
        wind.text,
        "The planning panel backed twelve turbines on the ridge.\n\nOpponents said they would appeal."
    );
    assert!(!wind.summary_only);
    assert_eq!(wind.published, Some(datetime!(2026-11-24 08:00 UTC)));
    assert_eq!(wind.updated, Some(datetime!(2026-11-24 11:30 UTC)));
    assert_eq!(wind.categories, vec!["Energy"]);
    assert_eq!(wind.enclosures[0].url, "https://tribune.example/audio/wind.mp3");
    let rovers = &f.items[1];
    assert_eq!(rovers.title, "Rovers win the cup");
    assert_eq!(
        rovers.link.as_deref(),
        Some("https://tribune.example/sport/rovers-cup"),
        "xml:base on the entry"
    );
    assert_eq!(
        rovers.author.as_deref(),
        Some("Tribune Desk"),
        "feed author inherited"
    );
    assert!(rovers.summary_only);
}

#[test]
fn json_feed_10_and_11() {
    let f = parse("jsonfeed10.json", "https://orchard.example/feed.json");
    assert_eq!(f.kind, FeedKind::Json);
    let item = &f.items[0];
    assert_eq!(item.guid.as_deref(), Some("ol-41"));
    assert_eq!(
        item.text,
        "Volunteers picked 3 tonnes.\n\nCider pressing starts Saturday."
    );
    assert_eq!(item.categories, vec!["Harvest", "Volunteers"]);

    let f = parse("jsonfeed11.json", "https://tramwatch.example/feed.json");
    let item = &f.items[0];
    assert_eq!(
        item.link.as_deref(),
        Some("https://tramwatch.example/updates/line-3-delay"),
        "relative url resolved against the feed URL"
    );
    assert_eq!(
        item.text,
        "Engineers are on site.\n\nA replacement bus runs every ten minutes."
    );
    assert_eq!(item.author.as_deref(), Some("Ana Ruiz"));
    assert_eq!(item.updated, Some(datetime!(2026-11-24 07:10 UTC)));
    assert_eq!(item.enclosures[0].url, "https://tramwatch.example/map.png");

    // No title: the story headline is the text's first sentence.
    let story = to_story(&f.items[1], &source());
    assert_eq!(story.headline, "Night trams return next week.");
}

#[test]
fn charsets() {
    let want_title = "München: Grüne Welle für Radfahrer";
    let want_text = "Die Stadt ändert 40 Ampeln – ab Montag.";
    for (name, ct) in [
        ("latin1_declared.xml", None),
        (
            "cp1252_ct_only.xml",
            Some("application/rss+xml; charset=windows-1252"),
        ),
        // Declares UTF-8 but is latin-1: read as windows-1252 rather than refused.
        ("wrong_declaration.xml", None),
        ("wrong_declaration.xml", Some("text/xml; charset=utf-8")),
    ] {
        let f = parse_feed(&fixture(name), ct, "https://nord.example/rss")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(f.title, "Café Nord Nachrichten", "{name}");
        assert_eq!(f.items[0].title, want_title, "{name}");
        assert_eq!(f.items[0].text, want_text, "{name}");
    }
    // A server default of ISO-8859-1 over a real UTF-8 feed: the bytes win.
    let utf8 = "<rss version=\"2.0\"><channel><title>München</title></channel></rss>";
    let f = parse_feed(
        utf8.as_bytes(),
        Some("text/xml; charset=ISO-8859-1"),
        "https://x.example/",
    )
    .expect("UTF-8 under a latin-1 label");
    assert_eq!(f.title, "München");
    // Mostly UTF-8 with one stray byte: decoded lossily, the rest intact.
    let mixed = b"<rss version=\"2.0\"><channel><title>Z\xc3\xbcrich \xff news</title></channel></rss>";
    let f = parse_feed(mixed, None, "https://x.example/").expect("lossy UTF-8");
    assert_eq!(f.title, "Zürich \u{FFFD} news");
}

#[test]
fn html_page_is_reported_with_its_feeds() {
    let err = parse_feed(
        &fixture("page.html"),
        Some("text/html"),
        "https://courier.example/news/",
    )
    .expect_err("an HTML page is not a feed");
    let ParseError::Html { feeds } = &err else {
        panic!("wrong error: {err:?}");
    };
    assert_eq!(
        feeds,
        &vec![
            "https://courier.example/feed.xml".to_string(),
            "https://courier.example/atom.xml?a=1&b=2".to_string(),
            "https://courier.example/news/feed.json".to_string(),
        ]
    );
    let words = err.to_string();
    assert!(
        words.starts_with(
            "the response is an HTML page, not a feed (it links to the feeds https://courier.example/feed.xml"
        ),
        "{words}"
    );
    assert_eq!(
        discover_feeds(b"<html><body>nothing</body></html>", "https://x.example/"),
        Vec::<String>::new()
    );
}

#[test]
fn empty_and_junk() {
    assert_eq!(
        parse_feed(b"", None, "https://x.example/"),
        Err(ParseError::Empty)
    );
    assert_eq!(
        parse_feed(b" \n\t ", None, "https://x.example/"),
        Err(ParseError::Empty)
    );
    assert_eq!(ParseError::Empty.to_string(), "the response body is empty");
    let err = parse_feed(b"<catalog><book/></catalog>", None, "https://x.example/").unwrap_err();
    assert!(
        err.to_string().starts_with("not a feed: ") && err.to_string().contains("<catalog>"),
        "{err}"
    );

    // 10 MiB of junk (deterministic bytes, some of them '<' and '&'): an error, quickly.
    let mut state = 0x2545_f491_u32;
    let junk: Vec<u8> = (0..10 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let started = Instant::now();
    assert!(parse_feed(&junk, None, "https://x.example/").is_err());
    let mut xmlish = b"<rss version=\"2.0\"><channel><title>t</title>".to_vec();
    xmlish.extend_from_slice(&junk);
    // A valid start and a junk tail may be an error or an empty feed; it must return.
    let _ = parse_feed(&xmlish, None, "https://x.example/");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn entity_bomb_is_not_expanded() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>Bomb &lol9;</title>
<item><title>Secret &xxe;</title><description>&lol9;&lol9;</description></item>
</channel></rss>"#;
    let started = Instant::now();
    let result = parse_feed(bomb.as_bytes(), None, "https://x.example/");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Either refused or parsed with the entities left as written; never expanded.
    if let Ok(f) = result {
        assert!(f.title.len() < 100, "{}", f.title);
        let item = &f.items[0];
        assert!(
            !item.title.contains("root:"),
            "external entity read: {}",
            item.title
        );
        assert!(item.text.len() < 100, "expanded: {} bytes", item.text.len());
    }
}

#[test]
fn invalid_utf8_and_deep_nesting_do_not_panic() {
    let bad = b"<rss version=\"2.0\"><channel><title>\xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc</title><item><title>\xe2\x82</title></item></channel></rss>";
    let f = parse_feed(bad, None, "https://x.example/").expect("lossy decode");
    assert_eq!(f.items.len(), 1);

    let depth = 200_000;
    let mut deep = String::from("<rss version=\"2.0\"><channel><title>t</title><item>");
    deep.push_str(&"<div>".repeat(depth));
    deep.push_str(&"</div>".repeat(depth));
    deep.push_str("</item></channel></rss>");
    let err = parse_feed(deep.as_bytes(), None, "https://x.example/").unwrap_err();
    assert!(matches!(err, ParseError::TooDeep { .. }), "{err}");
    assert!(err.to_string().contains("nested more than"), "{err}");

    let deep_html = "<div>".repeat(depth) + "text";
    assert_eq!(html_to_text(&deep_html), "text");
}

#[test]
fn items_become_stories() {
    let f = parse("rss20.xml", "https://courier.example/feed.xml");
    let src = source();
    let story = to_story(&f.items[0], &src);
    assert_eq!(story.source, src);
    assert_eq!(story.headline, "Ferry strike ends after nine days");
    assert_eq!(
        story.url.as_deref(),
        Some("https://courier.example/news/ferry-strike-ends"),
        "tracking parameters stripped"
    );
    assert_eq!(story.byline.as_deref(), Some("Marta Quill"));
    assert_eq!(story.published_at, Some(datetime!(2026-11-24 15:00 UTC)));
    assert_eq!(story.categories, vec!["Transport", "Labour"]);
    assert_eq!(story.enclosures.len(), 2);
    assert_eq!(story.id, story.derived_id());
    assert!(story.id.starts_with("st_"));

    // No guid: the canonical link is the identity, so utm variants are one story.
    let mut a = f.items[2].clone();
    let mut b = a.clone();
    a.link = Some("https://courier.example/news/night-market?utm_source=x".into());
    b.link = Some("https://courier.example/news/night-market#comments".into());
    b.text.push_str(" Updated.");
    assert_eq!(to_story(&a, &src).id, to_story(&b, &src).id);
    assert_ne!(content_key(&a), content_key(&b), "changed text is a new version");
    let mut c = a.clone();
    c.link = Some("https://courier.example/news/night-market?utm_medium=y".into());
    assert_eq!(content_key(&a), content_key(&c), "tracking noise is not a change");
    c.updated = Some(datetime!(2026-11-25 00:00 UTC));
    assert_ne!(content_key(&a), content_key(&c), "a new updated date is a change");

    // Published falls back to updated.
    let atom = parse("atom10.xml", "https://feeds.example/tribune");
    let rovers = to_story(&atom.items[1], &src);
    assert_eq!(rovers.published_at, Some(datetime!(2026-11-23 22:00 UTC)));
    assert_eq!(rovers.updated_at, Some(datetime!(2026-11-23 22:00 UTC)));
}

#[test]
fn canonical_link_is_idempotent() {
    for u in [
        "https://a.example/x?utm_source=1&id=2#f",
        "HTTP://A.EXAMPLE:80/Path?q=%20x",
        "https://a.example",
    ] {
        let once = canonical_link(u);
        assert_eq!(canonical_link(&once), once, "{u}");
    }
}

fn source() -> Source {
    Source {
        id: "courier".into(),
        name: "The Harbour & Hill Courier".into(),
        url: Some("https://courier.example/feed.xml".into()),
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 512,
            // Integration tests have no lib.rs beside them for proptest's regression files.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn html_to_text_on_anything(s in "(<[a-z/!?]{0,3}[a-zA-Z]{0,6}[^>]{0,8}>?|&#?[a-zA-Z0-9]{0,8};?|[^<&]{0,10}|<!--|-->|<!\\[CDATA\\[|\\]\\]>)*") {
            let t = html_to_text(&s);
            prop_assert!(t.len() <= s.len() * 3 + 4);
            let i = inline_text(&s);
            prop_assert!(!i.contains('\n'));
        }

        #[test]
        fn parse_feed_on_anything(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_feed(&bytes, None, "https://x.example/");
        }

        #[test]
        fn parse_feed_on_feedish(s in "<rss version=\"2\\.0\"><channel>(<item>(<title>[a-zA-Z0-9 .,!?éü-]{0,12}</title>|<link>[a-z/:.]{0,12}</link>|<pubDate>[A-Za-z0-9 ,:+-]{0,30}</pubDate>|<description>[a-zA-Z0-9 .,!?éü-]{0,20}</description>)*</item>)*</channel></rss>") {
            let f = parse_feed(s.as_bytes(), None, "https://x.example/");
            prop_assert!(f.is_ok(), "{:?}", f);
        }
    }
}
