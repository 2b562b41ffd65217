//! Conformance: `parse_feed` over two public suites, the fixtures shipped inside the feed-rs
//! crate and gofeed's testdata (Debian `golang-github-mmcdole-gofeed-dev`), with the pass
//! rate printed per suite and held above a floor so a regression fails.
//!
//! What "pass" means, for one input file that has an expected-output JSON beside it:
//! `parse_feed` returns `Ok`, and for every field below that the expected JSON states, ours
//! equals it —
//! * the number of items (`entries` / `items`; an absent list means none);
//! * the feed title and each item title, both sides cleaned with [`inline_text`] (Herald
//!   strips markup from titles on purpose; the suites keep it);
//! * each item's link, both sides made absolute against the URL we pass as the feed URL
//!   (Herald resolves relative links; feed-rs's expected output leaves them relative) and
//!   normalised by the `url` crate (`http://a.example` = `http://a.example/`);
//! * each item's id/guid. feed-rs's expected output invents an id (a hash or UUID) for
//!   items without one, and Herald deliberately leaves those `None` so that identity falls
//!   back to the link; such an item passes when our guid is `None` and the expected id has
//!   the shape of a generated one (a UUID or 16–32 hex digits);
//! * gofeed only: `publishedParsed` as the same instant as the time the story will show
//!   (published, else updated), `updatedParsed` as our `updated`.
//!
//! Files whose expected JSON states none of these fields (tests of feed-level metadata
//! Herald does not model: images, iTunes tags, copyright …) are not scored, and neither are
//! gofeed's deliberately invalid inputs. Nothing else is compared (descriptions, authors,
//! categories are checked by tests/parse.rs on fixtures written for Herald).

use std::path::{Path, PathBuf};

use herald_ingest::html::inline_text;
use herald_ingest::parse::{FeedItem, ParsedFeed, parse_feed};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

const BASE: &str = "https://conformance.example/feeds/feed.xml";

/// Pass rates measured when this test was written (feed-rs 3.0.0: 70/70; gofeed 1.1.3 from
/// Debian: 77/103); the floors sit two or three files below so only a real regression fails.
///
/// The gofeed files that fail, by cause: titles with unescaped ("naked") markup inside
/// `<title>` (feed-rs keeps only the text before the first child element), Atom `base64`
/// text constructs (feed-rs refuses `application/octet-stream` titles, failing the feed),
/// RSS 1.0 items without `<link>` (feed-rs drops them), two ill-formed XHTML inputs, and an
/// Atom id that gofeed resolves against xml:base (Herald keeps ids verbatim).
const FEED_RS_FLOOR: f64 = 0.97;
const GOFEED_FLOOR: f64 = 0.72;

#[derive(Default)]
struct Tally {
    passed: usize,
    scored: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Tally {
    fn rate(&self) -> f64 {
        if self.scored == 0 {
            0.0
        } else {
            self.passed as f64 / self.scored as f64
        }
    }

    fn report(&self, suite: &str) {
        println!(
            "{suite}: {}/{} passed ({:.1}%), {} not scored",
            self.passed,
            self.scored,
            self.rate() * 100.0,
            self.skipped
        );
        for f in &self.failures {
            println!("  FAIL {f}");
        }
    }

    fn record(&mut self, name: &str, result: Option<Result<(), String>>) {
        match result {
            None => self.skipped += 1,
            Some(Ok(())) => {
                self.scored += 1;
                self.passed += 1;
            }
            Some(Err(why)) => {
                self.scored += 1;
                self.failures.push(format!("{name}: {why}"));
            }
        }
    }
}

/// What the expected JSON says about one item.
#[derive(Default, Debug)]
struct ExpectedItem {
    title: Option<String>,
    link: Option<String>,
    id: Option<String>,
    /// The suite's id may be one it invented for an id-less item (feed-rs) — see the module doc.
    id_may_be_generated: bool,
    published: Option<OffsetDateTime>,
    updated: Option<OffsetDateTime>,
}

struct Expected {
    title: Option<String>,
    items: Vec<ExpectedItem>,
    /// Whether the expected JSON states anything we compare.
    scored: bool,
}

fn norm_link(s: &str) -> String {
    let s = s.trim();
    match Url::parse(s) {
        Ok(u) => u.to_string(),
        Err(_) => Url::parse(BASE)
            .ok()
            .and_then(|b| b.join(s).ok())
            .map_or_else(|| s.to_string(), |u| u.to_string()),
    }
}

fn compare(ours: &ParsedFeed, exp: &Expected) -> Result<(), String> {
    if let Some(t) = &exp.title {
        let want = inline_text(t);
        if ours.title != want {
            return Err(format!("feed title {:?}, expected {want:?}", ours.title));
        }
    }
    if ours.items.len() != exp.items.len() {
        return Err(format!(
            "{} items, expected {}",
            ours.items.len(),
            exp.items.len()
        ));
    }
    for (i, (o, e)) in ours.items.iter().zip(&exp.items).enumerate() {
        compare_item(o, e).map_err(|why| format!("item {i}: {why}"))?;
    }
    Ok(())
}

fn compare_item(o: &FeedItem, e: &ExpectedItem) -> Result<(), String> {
    if let Some(t) = &e.title {
        let want = inline_text(t);
        if o.title != want {
            return Err(format!("title {:?}, expected {want:?}", o.title));
        }
    }
    if let Some(l) = &e.link {
        let want = norm_link(l);
        let got = o.link.as_deref().map(norm_link);
        if got.as_deref() != Some(want.as_str()) {
            return Err(format!("link {got:?}, expected {want:?}"));
        }
    }
    if let Some(id) = &e.id {
        let want = id.trim();
        let generated_ok = o.guid.is_none() && e.id_may_be_generated;
        if o.guid.as_deref() != Some(want) && !generated_ok {
            return Err(format!("id {:?}, expected {want:?}", o.guid));
        }
    }
    // The time a story shows is `published`, else `updated` (identity::to_story).
    if let Some(p) = e.published
        && o.published.or(o.updated) != Some(p)
    {
        return Err(format!("published {:?}, expected {p}", o.published));
    }
    if let Some(u) = e.updated
        && o.updated != Some(u)
    {
        return Err(format!("updated {:?}, expected {u}", o.updated));
    }
    Ok(())
}

fn run_one(input: &Path, exp: &Expected) -> Option<Result<(), String>> {
    if !exp.scored {
        return None;
    }
    let body = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return Some(Err(format!("cannot read: {e}"))),
    };
    Some(match parse_feed(&body, None, BASE) {
        Ok(f) => compare(&f, exp),
        Err(e) => Err(format!("parse error: {e}")),
    })
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn date_field(v: &Value, key: &str) -> Option<OffsetDateTime> {
    v.get(key)
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

// ---------------------------------------------------------------- feed-rs

fn feed_rs_fixture_dir() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    let mut found: Vec<PathBuf> = Vec::new();
    for index in std::fs::read_dir(&src).ok()?.flatten() {
        for krate in std::fs::read_dir(index.path()).into_iter().flatten().flatten() {
            let name = krate.file_name().to_string_lossy().to_string();
            if name.starts_with("feed-rs-3.") && krate.path().join("fixture").is_dir() {
                found.push(krate.path().join("fixture"));
            }
        }
    }
    found.sort();
    found.pop()
}

/// feed-rs's own serialised model: `title.content`, `entries[].{id, title.content, links}`.
fn feed_rs_expected(v: &Value) -> Expected {
    let title = v
        .get("title")
        .and_then(|t| t.get("content"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let items: Vec<ExpectedItem> = v
        .get("entries")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    let id = str_field(e, "id").unwrap_or_default();
                    ExpectedItem {
                        title: e
                            .get("title")
                            .and_then(|t| t.get("content"))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        link: e.get("links").and_then(Value::as_array).and_then(|links| {
                            links
                                .iter()
                                .find(|l| {
                                    matches!(l.get("rel").and_then(Value::as_str), None | Some("alternate"))
                                })
                                .and_then(|l| str_field(l, "href"))
                        }),
                        id_may_be_generated: generated_id(&id),
                        id: Some(id),
                        published: None,
                        updated: None,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Expected {
        scored: title.is_some() || !items.is_empty(),
        title,
        items,
    }
}

/// feed-rs invents ids for id-less items: a UUID, or 128 bits of SipHash as hex.
fn generated_id(id: &str) -> bool {
    let hexish = id.len() >= 16 && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = id.len() == 36
        && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
        && id.bytes().filter(|b| *b == b'-').count() == 4;
    hexish || uuid
}

#[test]
fn feed_rs_fixtures() {
    let dir = feed_rs_fixture_dir().unwrap_or_else(|| {
        panic!(
            "feed-rs's fixtures not found under $CARGO_HOME/registry/src/*/feed-rs-3.*/fixture; \
             run `cargo fetch` so the feed-rs 3 crate source is in the registry"
        )
    });
    let mut tally = Tally::default();
    let mut files = Vec::new();
    collect(&dir, &mut files);
    for json in files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".serde.json"))
    {
        let stem = json.to_string_lossy().trim_end_matches(".serde.json").to_string();
        let input = [".xml", ".json"]
            .iter()
            .map(|ext| PathBuf::from(format!("{stem}{ext}")))
            .find(|p| p.is_file());
        let Some(input) = input else { continue };
        let expected: Value = match std::fs::read(json)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        {
            Some(v) => v,
            None => continue,
        };
        let name = input.strip_prefix(&dir).unwrap_or(&input).display().to_string();
        tally.record(&name, run_one(&input, &feed_rs_expected(&expected)));
    }
    tally.report("feed-rs fixtures");
    assert!(
        tally.scored >= 50,
        "only {} feed-rs fixtures scored",
        tally.scored
    );
    assert!(
        tally.rate() >= FEED_RS_FLOOR,
        "feed-rs fixtures pass rate {:.1}% fell below {:.1}%",
        tally.rate() * 100.0,
        FEED_RS_FLOOR * 100.0
    );
}

// ---------------------------------------------------------------- gofeed

const GOFEED_DIR: &str = "/usr/share/gocode/src/github.com/mmcdole/gofeed/testdata";

/// gofeed's expected JSON: its universal model (`translator/`) or its per-format models
/// (`parser/`): `items` or `entries`, with `title`, `link`/`url`/`links`, `guid`/`id`.
fn gofeed_expected(v: &Value) -> Expected {
    let title = str_field(v, "title");
    let list = v
        .get("items")
        .or_else(|| v.get("entries"))
        .and_then(Value::as_array);
    let mut any_field = false;
    let items: Vec<ExpectedItem> = list
        .map(|items| {
            items
                .iter()
                .map(|it| {
                    let link = str_field(it, "link")
                        .or_else(|| str_field(it, "url"))
                        .or_else(|| {
                            let links = it.get("links")?.as_array()?;
                            links.iter().find_map(|l| match l {
                                Value::String(s) => Some(s.clone()),
                                Value::Object(_) => {
                                    matches!(l.get("rel").and_then(Value::as_str), None | Some("alternate"))
                                        .then(|| str_field(l, "href"))
                                        .flatten()
                                }
                                _ => None,
                            })
                        });
                    let id = match it.get("guid") {
                        Some(Value::String(s)) => Some(s.clone()),
                        Some(g @ Value::Object(_)) => str_field(g, "value"),
                        _ => str_field(it, "id"),
                    };
                    let e = ExpectedItem {
                        title: str_field(it, "title"),
                        link,
                        id,
                        id_may_be_generated: false,
                        published: date_field(it, "publishedParsed"),
                        updated: date_field(it, "updatedParsed"),
                    };
                    any_field |= e.title.is_some()
                        || e.link.is_some()
                        || e.id.is_some()
                        || e.published.is_some()
                        || e.updated.is_some();
                    e
                })
                .collect()
        })
        .unwrap_or_default();
    Expected {
        scored: title.is_some() || any_field,
        title,
        items,
    }
}

#[test]
fn gofeed_testdata() {
    let dir = Path::new(GOFEED_DIR);
    assert!(
        dir.is_dir(),
        "gofeed's testdata is missing ({GOFEED_DIR}); install it with \
         `apt-get install -y golang-github-mmcdole-gofeed-dev`"
    );
    let mut tally = Tally::default();
    for sub in [
        "parser/rss",
        "parser/atom",
        "parser/json",
        "translator/rss",
        "translator/atom",
        "translator/json",
    ] {
        let mut files = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_file() {
                files.push(e.path());
            }
        }
        files.sort();
        for input in &files {
            let name = input.to_string_lossy().to_string();
            // Inputs: feed.xml beside feed.json; JSON feeds: feed.json beside feed_expected.json.
            let expected_path = if name.ends_with(".xml") {
                PathBuf::from(format!("{}.json", name.trim_end_matches(".xml")))
            } else if name.ends_with(".json") && !name.ends_with("_expected.json") {
                let candidate = PathBuf::from(format!("{}_expected.json", name.trim_end_matches(".json")));
                if !candidate.is_file() {
                    continue; // an expected file itself (the .json beside an .xml)
                }
                candidate
            } else {
                continue;
            };
            let Some(expected) = std::fs::read(&expected_path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            else {
                continue;
            };
            let short = input.strip_prefix(dir).unwrap_or(input).display().to_string();
            tally.record(&short, run_one(input, &gofeed_expected(&expected)));
        }
    }
    tally.report("gofeed testdata");
    assert!(tally.scored >= 100, "only {} gofeed files scored", tally.scored);
    assert!(
        tally.rate() >= GOFEED_FLOOR,
        "gofeed testdata pass rate {:.1}% fell below {:.1}%",
        tally.rate() * 100.0,
        GOFEED_FLOOR * 100.0
    );
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
    out.sort();
}
