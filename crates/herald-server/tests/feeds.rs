//! Feeds end to end: a real node polling feeds served by a real HTTP server on loopback.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use common::TestNode;
use serde_json::{Value, json};

/// One document the test server serves.
#[derive(Clone)]
struct Doc {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    etag: Option<String>,
}

#[derive(Clone, Default)]
struct Site {
    docs: Arc<Mutex<HashMap<String, Doc>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    fn set(&self, path: &str, doc: Doc) {
        self.docs.lock().unwrap().insert(path.to_string(), doc);
    }
    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve_doc(State(site): State<Site>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    *site.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    if path.starts_with("slow") {
        // A server that accepts and then says nothing.
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    let Some(doc) = site.docs.lock().unwrap().get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let (Some(etag), Some(inm)) = (&doc.etag, headers.get(header::IF_NONE_MATCH))
        && inm.to_str().ok() == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut resp = (StatusCode::from_u16(doc.status).unwrap(), doc.body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, doc.content_type.parse().unwrap());
    if let Some(e) = doc.etag {
        resp.headers_mut().insert(header::ETAG, e.parse().unwrap());
    }
    resp
}

async fn start_site() -> (Site, SocketAddr) {
    let site = Site::default();
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::get(serve_doc))
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (site, addr)
}

fn rss(title: &str, items: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><title>{title}</title><link>http://example.invalid/</link>"
    );
    for (guid, link, headline, html) in items {
        let link = link.replace('&', "&amp;");
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><link>{link}</link><title>{headline}</title>\
             <dc:creator>Marta Quintero</dc:creator><category>Ports</category>\
             <pubDate>Tue, 24 Nov 2026 09:30:00 GMT</pubDate>\
             <enclosure url=\"{link}.mp3\" type=\"audio/mpeg\" length=\"1200\"/>\
             <description><![CDATA[{html}]]></description></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out.into_bytes()
}

fn rss_doc(body: Vec<u8>, etag: &str) -> Doc {
    Doc {
        status: 200,
        content_type: "application/rss+xml",
        body,
        etag: Some(etag.to_string()),
    }
}

const ITEM_A: (&str, &str, &str, &str) = (
    "wire-1",
    "https://news.example/ports/strike?utm_source=rss&id=7",
    "Dock workers at Valdera walk out over night-shift pay",
    "<p>Dock workers at the port of Valdera stopped work on Monday night, leaving eleven container ships idle at anchor.</p><p>“We cannot hold ships for a week,” said Maria Okafor, who heads the exporters' council.</p><script>track()</script>",
);
const ITEM_B: (&str, &str, &str, &str) = (
    "wire-2",
    "https://news.example/markets/copper",
    "Copper climbs to a six-month high on smelter cuts",
    "<p>Copper rose 2.4% to $9,870 a tonne in London as two smelters in Chile cut output.</p>",
);
const ITEM_C: (&str, &str, &str, &str) = (
    "wire-3",
    "https://news.example/sport/final",
    "Harbour City win the league on the final day",
    "<p>Harbour City beat Northgate 2-1 to take the title by a single point.</p>",
);

async fn post(node: &TestNode, path: &str, body: Value) -> (u16, Value) {
    let r = node.http.post(node.url(path)).json(&body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// Follows a feed; the node's answer (the feed with its health, and the first poll).
async fn add(node: &TestNode, url: &str) -> Value {
    post(node, "/v1/feeds", json!({ "url": url })).await.1
}

/// What went wrong with a feed's last poll, from an answer with a feed in it.
fn last_error(v: &Value) -> &str {
    v["feed"]["health"]["last_error"]
        .as_str()
        .unwrap_or_else(|| panic!("no last_error in {v}"))
}

async fn search(node: &TestNode, q: &str) -> Value {
    node.wait_indexed().await;
    let (s, v) = node
        .get_json(&format!("/v1/search?q={}&limit=50", urlencode(q)))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn allow_loopback(c: &mut herald_server::Config) {
    c.fetch_allow = vec!["127.0.0.1".into()];
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_feed_becomes_stories_and_only_new_items_are_ingested() {
    let (site, addr) = start_site().await;
    site.set(
        "wire.xml",
        rss_doc(rss("Harbour Wire", &[ITEM_A, ITEM_B]), "\"v1\""),
    );
    let keep = tempfile::tempdir().unwrap();
    let data = keep.path().join("data");
    let mut node = TestNode::start_in(data.clone(), allow_loopback).await;
    let feed_url = format!("http://{addr}/wire.xml");

    let (s, v) = post(&node, "/v1/feeds", json!({"url": feed_url, "tags": ["world"]})).await;
    assert_eq!(s, 201, "{v}");
    let id = v["feed"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["poll"]["new"], 2, "{v}");
    assert_eq!(v["feed"]["title"], "Harbour Wire", "the feed's own title");
    assert_eq!(v["feed"]["health"]["last_http_status"], 200);
    assert_eq!(v["feed"]["health"]["items_seen"], 2);
    assert!(v["feed"]["health"]["next_poll_at"].is_string());

    // The stories carry the feed as their source, and the item's metadata.
    let hits = search(&node, &format!("source:{id}")).await;
    assert_eq!(hits["total"], 2, "{hits}");
    let strike = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["headline"].as_str().unwrap().contains("Valdera"))
        .unwrap();
    let (_, story) = node
        .get_json(&format!("/v1/stories/{}", strike["id"].as_str().unwrap()))
        .await;
    assert_eq!(story["source"]["id"], id.as_str());
    assert_eq!(story["source"]["name"], "Harbour Wire");
    assert_eq!(story["source"]["url"], feed_url.as_str());
    assert_eq!(
        story["url"], "https://news.example/ports/strike?id=7",
        "utm_* stripped"
    );
    assert_eq!(story["byline"], "Marta Quintero");
    assert_eq!(story["categories"], json!(["Ports"]));
    assert_eq!(story["enclosures"][0]["mime"], "audio/mpeg");
    assert_eq!(story["published_at"], "2026-11-24T09:30:00Z");
    let body = story["body"].as_str().unwrap();
    assert!(
        body.contains("eleven container ships idle at anchor.\n\n"),
        "paragraphs kept: {body:?}"
    );
    assert!(!body.contains("track()"), "scripts gone: {body:?}");
    // Enriched like any published story: the quote has its speaker.
    assert!(
        story["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["text"].as_str().unwrap().contains("hold ships")),
        "{story}"
    );

    // Unchanged: a conditional GET answers 304 and nothing is ingested.
    let (s, v) = post(&node, &format!("/v1/feeds/{id}/poll"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["poll"]["outcome"], "not_modified", "{v}");
    assert_eq!(v["feed"]["health"]["last_http_status"], 304);

    // The publisher edits one item and adds one: one new story, one new version.
    let mut edited = ITEM_B;
    edited.2 = "Copper climbs to a seven-month high on smelter cuts";
    site.set(
        "wire.xml",
        rss_doc(rss("Harbour Wire", &[ITEM_C, ITEM_A, edited]), "\"v2\""),
    );
    let (_, v) = post(&node, &format!("/v1/feeds/{id}/poll"), json!({})).await;
    assert_eq!(
        (
            v["poll"]["new"].as_u64(),
            v["poll"]["changed"].as_u64(),
            v["poll"]["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{v}"
    );
    let hits = search(&node, "copper").await;
    let cid = hits["hits"][0]["id"].as_str().unwrap().to_string();
    let (_, copper) = node.get_json(&format!("/v1/stories/{cid}")).await;
    assert_eq!(copper["version"], 2);
    assert!(copper["headline"].as_str().unwrap().contains("seven-month"));
    assert_eq!(search(&node, &format!("source:{id}")).await["total"], 3);

    // A second feed carrying the same article (other guid, tracking link): one story.
    let mut mirrored = ITEM_A;
    mirrored.0 = "mirror-77";
    mirrored.1 = "https://news.example/ports/strike?id=7&utm_medium=feed&fbclid=xyz";
    site.set("mirror.xml", rss_doc(rss("Mirror Desk", &[mirrored]), "\"m1\""));
    let (s, v) = post(
        &node,
        "/v1/feeds",
        json!({"url": format!("http://{addr}/mirror.xml")}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["poll"]["elsewhere"], 1, "{v}");
    assert_eq!(v["poll"]["new"], 0, "{v}");
    assert_eq!(search(&node, "Valdera").await["total"], 1);

    // Following the same URL again gives the existing feed.
    let (s, v) = post(&node, "/v1/feeds", json!({"url": feed_url})).await;
    assert_eq!((s, v["created"].as_bool()), (200, Some(false)), "{v}");

    // The list shows both with their health; the state survives a restart.
    let (_, list) = node.get_json("/v1/feeds").await;
    assert_eq!(list["feeds"].as_array().unwrap().len(), 2);
    let (_, tagged) = node.get_json("/v1/feeds?tag=world").await;
    assert_eq!(tagged["feeds"].as_array().unwrap().len(), 1);
    node.stop().await;
    let mut node = TestNode::start_in(data, allow_loopback).await;
    let (_, f) = node.get_json(&format!("/v1/feeds/{id}")).await;
    assert_eq!(f["feed"]["health"]["items_seen"], 4, "{f}");
    let (_, v) = post(&node, &format!("/v1/feeds/{id}/poll"), json!({})).await;
    assert_eq!(v["poll"]["outcome"], "not_modified", "the ETag survived: {v}");

    // Dropping a feed keeps its stories.
    let r = node
        .http
        .delete(node.url(&format!("/v1/feeds/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (s, _) = node.get_json(&format!("/v1/feeds/{id}")).await;
    assert_eq!(s, 404);
    assert_eq!(search(&node, "copper").await["total"], 1);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_broken_feeds_are_recorded_and_the_node_is_unharmed() {
    let (site, addr) = start_site().await;
    // Without the allow-list, loopback is refused (SSRF guard), and so is cloud metadata.
    let node = TestNode::start().await;
    let (s, v) = post(
        &node,
        "/v1/feeds",
        json!({"url": format!("http://{addr}/wire.xml")}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let err = last_error(&v);
    assert!(err.contains("refused") && err.contains("loopback"), "{err}");
    assert_eq!(site.hits("wire.xml"), 0, "the request never left");
    let v = add(&node, "http://169.254.169.254/latest/meta-data/").await;
    assert!(last_error(&v).contains("refused"), "{v}");
    let v = add(&node, "http://localhost:1/feed").await;
    assert!(last_error(&v).contains("refused"), "by DNS too: {v}");
    let (s, v) = post(&node, "/v1/feeds", json!({"url": "file:///etc/passwd"})).await;
    assert_eq!(s, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("http"), "{v}");
    drop(node);

    let node = TestNode::start_with(allow_loopback).await;
    let bomb = br#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Bomb</title><item><title>&d; &xxe;</title><link>https://b.example/1</link></item></channel></rss>"#;
    site.set("bomb.xml", rss_doc(bomb.to_vec(), "\"b\""));
    site.set(
        "empty.xml",
        Doc {
            status: 200,
            content_type: "application/rss+xml",
            body: Vec::new(),
            etag: None,
        },
    );
    site.set(
        "gone.xml",
        Doc {
            status: 410,
            content_type: "text/plain",
            body: b"gone".to_vec(),
            etag: None,
        },
    );
    site.set("latin.xml", Doc { status: 200, content_type: "application/rss+xml", body: b"<rss version=\"2.0\"><channel><title>Caf\xe9 \xff\xfe</title><item><title>Na\xefve \xe9t\xe9</title><link>https://l.example/1</link></item></channel></rss>".to_vec(), etag: None });
    site.set(
        "page.html",
        Doc {
            status: 200,
            content_type: "text/html",
            body: b"<!doctype html><html><head><title>Harbour</title><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/wire.xml\"></head><body><p>Hello</p></body></html>".to_vec(),
            etag: None,
        },
    );
    site.set("wire.xml", rss_doc(rss("Harbour Wire", &[ITEM_A]), "\"v1\""));

    let v = add(&node, &format!("http://{addr}/bomb.xml")).await;
    let (_, f) = node
        .get_json(&format!("/v1/feeds/{}", v["feed"]["id"].as_str().unwrap()))
        .await;
    // Refused, or read with the entities unexpanded: never a billion a's, never /etc/passwd.
    let (_, all) = node.get_json("/v1/search?q=source:bomb&limit=5").await;
    let text = all.to_string();
    assert!(
        !text.contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
            && !text.contains("root:"),
        "{text}"
    );
    assert!(
        f["feed"]["health"]["last_error"].is_string() || v["poll"]["new"].as_u64().is_some(),
        "{f}"
    );

    let v = add(&node, &format!("http://{addr}/empty.xml")).await;
    assert!(last_error(&v).contains("empty"), "{v}");

    let v = add(&node, &format!("http://{addr}/gone.xml")).await;
    assert_eq!(v["feed"]["health"]["status"], "gone", "{v}");
    assert!(
        v["feed"]["health"]["next_poll_at"].is_null(),
        "a gone feed is not polled: {v}"
    );

    let v = add(&node, &format!("http://{addr}/latin.xml")).await;
    assert_eq!(v["poll"]["new"], 1, "invalid UTF-8 is decoded, not fatal: {v}");

    let v = add(&node, &format!("http://{addr}/missing.xml")).await;
    assert!(last_error(&v).contains("404"), "{v}");
    assert_eq!(v["feed"]["health"]["failures"], 1);

    // An HTML page that links to its feed: the feed is followed instead.
    let (s, v) = post(
        &node,
        "/v1/feeds",
        json!({"url": format!("http://{addr}/page.html")}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["feed"]["url"], format!("http://{addr}/wire.xml"), "{v}");
    assert_eq!(v["poll"]["new"], 1, "{v}");
    assert!(v["discovered_from"].as_str().unwrap().ends_with("/page.html"));

    // Through all of it the node kept serving, and says how its feeds are doing.
    let (s, _) = node.get_json("/healthz").await;
    assert_eq!(s, 200);
    let metrics = node.get_text("/metrics").await;
    assert!(
        metrics.contains("herald_feeds_failing 3"),
        "empty, gone and missing: {metrics}"
    );
    assert!(metrics.contains("herald_feed_poll_errors_total"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_import_polls_every_feed_and_export_and_feeds_out_read_back() {
    let (site, addr) = start_site().await;
    site.set(
        "wire.xml",
        rss_doc(rss("Harbour Wire", &[ITEM_A, ITEM_B]), "\"v1\""),
    );
    site.set("sport.xml", rss_doc(rss("Pitch Post", &[ITEM_C]), "\"s1\""));
    let node = TestNode::start_with(allow_loopback).await;
    let opml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Miniflux</title></head><body>
<outline text="World"><outline title="Harbour Wire" text="Harbour Wire" xmlUrl="http://{addr}/wire.xml" htmlUrl="http://{addr}/"/></outline>
<outline text="Sport"><outline title="Pitch Post" text="Pitch Post" xmlUrl="http://{addr}/sport.xml"/></outline>
<outline text="Broken" xmlUrl="gopher://old.example/feed"/>
</body></opml>"#
    );
    let r = node
        .http
        .post(node.url("/v1/feeds/import"))
        .header("content-type", "text/x-opml")
        .body(opml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["added"], 2, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 1, "{v}");
    assert!(
        v["errors"][0]["error"].as_str().unwrap().contains("gopher"),
        "{v}"
    );

    // The poller picks them up on its own.
    let mut total = 0;
    for _ in 0..200 {
        node.wait_indexed().await;
        let (_, h) = node.get_json("/healthz").await;
        total = h["stories"].as_u64().unwrap_or(0);
        if total >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(total, 3);
    node.wait_indexed().await;
    let (_, list) = node.get_json("/v1/feeds").await;
    let feeds = list["feeds"].as_array().unwrap();
    let wire = feeds.iter().find(|f| f["title"] == "Harbour Wire").unwrap();
    assert_eq!(wire["tags"], json!(["World"]));
    assert_eq!(wire["id"], "harbour-wire");

    let export = node.get_text("/v1/feeds/export").await;
    assert!(
        export.contains(&format!("xmlUrl=\"http://{addr}/sport.xml\"")),
        "{export}"
    );
    assert!(export.contains("<outline text=\"World\">"), "{export}");

    // Any query as a feed.
    let atom = node
        .http
        .get(node.url("/v1/feeds/out.atom?q=copper"))
        .send()
        .await
        .unwrap();
    assert!(
        atom.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let atom = atom.text().await.unwrap();
    assert!(
        atom.contains("<title>Copper climbs to a six-month high on smelter cuts</title>"),
        "{atom}"
    );
    assert!(!atom.contains("Valdera"), "only what matches: {atom}");
    let parsed = herald_ingest::parse::parse_feed(
        atom.as_bytes(),
        Some("application/atom+xml"),
        &node.url("/v1/feeds/out.atom"),
    )
    .unwrap();
    assert_eq!(parsed.items.len(), 1);
    let (s, jf) = node.get_json("/v1/feeds/out.json?limit=10").await;
    assert_eq!(s, 200);
    assert_eq!(jf["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(jf["items"].as_array().unwrap().len(), 3);
    let (s, bad) = node.get_json("/v1/feeds/out.atom?q=%28unclosed").await;
    assert_eq!(s, 400, "{bad}");
    let _ = site;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websub_pushes_are_verified_then_ingested_at_once() {
    // The node's public URL must be known before it starts: take a free port first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let (site, addr) = start_site().await;

    // A hub: records the subscription, verifies intent against the callback, then pushes.
    #[derive(Clone, Default)]
    struct Hub {
        sub: Arc<Mutex<Option<HashMap<String, String>>>>,
    }
    async fn subscribe(State(hub): State<Hub>, body: String) -> StatusCode {
        let form: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        *hub.sub.lock().unwrap() = Some(form);
        StatusCode::ACCEPTED
    }
    let hub = Hub::default();
    let app = axum::Router::new()
        .route("/hub", axum::routing::post(subscribe))
        .with_state(hub.clone());
    let hub_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub_addr = hub_listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(hub_listener, app).await.unwrap() });

    let atom = |entries: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Live Desk</title><id>urn:live</id>
<link rel="hub" href="http://{hub_addr}/hub"/><link rel="self" href="http://{addr}/live.atom"/><updated>2026-11-25T03:00:00Z</updated>{entries}</feed>"#
        )
    };
    let entry = |id: &str, title: &str| {
        format!(
            r#"<entry><id>{id}</id><title>{title}</title><link href="https://live.example/{id}"/><updated>2026-11-25T03:00:00Z</updated><summary>Rescuers reached the village of Orlen before dawn.</summary></entry>"#
        )
    };
    site.set(
        "live.atom",
        Doc {
            status: 200,
            content_type: "application/atom+xml",
            body: atom(&entry("e1", "Flood waters recede in Orlen")).into_bytes(),
            etag: None,
        },
    );

    let node = TestNode::start_with(|c| {
        c.listen = format!("127.0.0.1:{port}").parse().unwrap();
        c.fetch_allow = vec!["127.0.0.1".into()];
        c.websub_callback = Some(base.clone());
    })
    .await;
    let (s, v) = post(
        &node,
        "/v1/feeds",
        json!({"url": format!("http://{addr}/live.atom")}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["feed"]["id"].as_str().unwrap().to_string();

    // The node asked the hub to push to its callback.
    let mut form = None;
    for _ in 0..200 {
        if let Some(f) = hub.sub.lock().unwrap().clone() {
            form = Some(f);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let form = form.expect("the node subscribed");
    assert_eq!(form["hub.mode"], "subscribe");
    assert_eq!(form["hub.topic"], format!("http://{addr}/live.atom"));
    assert_eq!(form["hub.callback"], format!("{base}/v1/websub/{id}"));
    let secret = form["hub.secret"].clone();
    let http = reqwest::Client::new();

    // Verification of intent: the node echoes the challenge for its topic only.
    let verify = |topic: String| {
        let url = format!(
            "{}?hub.mode=subscribe&hub.topic={}&hub.challenge=c-123&hub.lease_seconds=600",
            form["hub.callback"],
            urlencode(&topic)
        );
        let http = http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(
        verify(format!("http://{addr}/live.atom")).await,
        (200, "c-123".to_string())
    );
    assert_eq!(verify("http://evil.example/".into()).await.0, 404);
    let (_, f) = node.get_json(&format!("/v1/feeds/{id}")).await;
    assert_eq!(f["feed"]["health"]["websub"], true, "{f}");

    // A push with a bad signature is ignored; a signed one is a story at once.
    let pushed = atom(&format!(
        "{}{}",
        entry("e2", "Second levee holds at Orlen"),
        entry("e1", "Flood waters recede in Orlen")
    ));
    let r = http
        .post(&form["hub.callback"])
        .header("content-type", "application/atom+xml")
        .header(
            "x-hub-signature",
            herald_ingest::websub::sign_sha256("wrong", pushed.as_bytes()),
        )
        .body(pushed.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    assert_eq!(search(&node, "levee").await["total"], 0);
    let r = http
        .post(&form["hub.callback"])
        .header("content-type", "application/atom+xml")
        .header(
            "x-hub-signature",
            herald_ingest::websub::sign_sha256(&secret, pushed.as_bytes()),
        )
        .body(pushed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["poll"]["new"].as_u64(), v["poll"]["unchanged"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(search(&node, "levee").await["total"], 1);
}

/// A real feed reader follows a Herald search: newsboat (Debian's package; `.ci/run`
/// installs it) reloads `out.atom?q=…` and finds exactly the matching stories.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsboat_follows_a_herald_search_as_a_feed() {
    let newsboat = std::process::Command::new("newsboat").arg("--version").output();
    assert!(
        newsboat.is_ok_and(|o| o.status.success()),
        "newsboat is not installed: `apt-get install newsboat` (.ci/run does)"
    );
    let node = TestNode::start().await;
    for (i, text) in [
        "Copper climbs to a six-month high\n\nCopper rose 2.4% in London as smelters in Chile cut output.",
        "Copper miners strike at Escondida\n\nWorkers at the copper mine walked out over pay on Tuesday.",
        "Harbour City win the league\n\nHarbour City beat Northgate 2-1 to take the title.",
    ]
    .iter()
    .enumerate()
    {
        let (s, v) = node
            .publish_text(text, &format!("?source=desk&url=https://desk.example/{i}"))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    node.wait_indexed().await;
    let home = tempfile::tempdir().unwrap();
    let urls = home.path().join("urls");
    std::fs::write(&urls, format!("{}\n", node.url("/v1/feeds/out.atom?q=copper"))).unwrap();
    let config = home.path().join("config");
    std::fs::write(&config, "").unwrap();
    let out = tokio::task::spawn_blocking({
        let home = home.path().to_path_buf();
        move || {
            std::process::Command::new("newsboat")
                .env("HOME", &home)
                .env("XDG_CONFIG_HOME", home.join(".config"))
                .env("XDG_DATA_HOME", home.join(".local/share"))
                .arg("-u")
                .arg(&urls)
                .arg("-c")
                .arg(home.join("cache.db"))
                .arg("-C")
                .arg(home.join("config"))
                .args(["-x", "reload", "print-unread"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "newsboat failed: {stdout} {stderr}");
    assert!(
        stdout.contains("2 unread articles"),
        "newsboat read: {stdout:?} {stderr:?}"
    );
}

/// A site that redirects one path for good and rate-limits another.
async fn start_moving_site(article: String) -> SocketAddr {
    async fn moved() -> Response {
        (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/new.xml")]).into_response()
    }
    async fn busy() -> Response {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "7200")],
            "slow down",
        )
            .into_response()
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let new_feed = String::from_utf8(rss(
        "Moved Desk",
        &[(
            "m-1",
            &format!("http://{addr}/article.html"),
            "Rescue crews reach the stranded ferry off Kelso Point",
            "<p>Crews reached the ferry.</p>",
        )],
    ))
    .unwrap();
    let app = axum::Router::new()
        .route("/old.xml", axum::routing::get(moved))
        .route("/busy.xml", axum::routing::get(busy))
        .route(
            "/new.xml",
            axum::routing::get(move || {
                let body = new_feed.clone();
                async move { ([(header::CONTENT_TYPE, "application/rss+xml")], body) }
            }),
        )
        .route(
            "/article.html",
            axum::routing::get(move || {
                let body = article.clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_rate_limits_and_full_text_are_honoured() {
    let article = "<!doctype html><html><head><title>Ferry rescue</title></head><body>\
        <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a> SUBSCRIBE-NAV-MARKER</nav>\
        <article><h1>Rescue crews reach the stranded ferry off Kelso Point</h1>\
        <p>Rescue crews reached the stranded ferry Aurora Dawn off Kelso Point before dawn on Wednesday, \
        after a night in which gale-force winds kept the lifeboats in harbour.</p>\
        <p>All 212 passengers were reported safe, the coastguard said, and tugs were expected to tow \
        the vessel to Port Annick by the afternoon.</p>\
        <p>“The crew kept everyone calm and warm,” said Ines Varga, the coastguard's duty officer.</p></article>\
        <aside>ADVERT-MARKER Buy a boat today</aside><footer>Comments (12) COMMENT-MARKER</footer></body></html>"
        .to_string();
    let addr = start_moving_site(article).await;
    let node = TestNode::start_with(allow_loopback).await;

    // A permanent redirect updates the stored URL; the linked page gives the full text.
    let (s, v) = post(
        &node,
        "/v1/feeds",
        json!({"url": format!("http://{addr}/old.xml"), "full_text": true}),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["feed"]["url"], format!("http://{addr}/new.xml"), "{v}");
    assert_eq!(v["poll"]["new"], 1, "{v}");
    let hits = search(&node, "Kelso").await;
    let (_, story) = node
        .get_json(&format!(
            "/v1/stories/{}",
            hits["hits"][0]["id"].as_str().unwrap()
        ))
        .await;
    let body = story["body"].as_str().unwrap();
    assert!(
        body.contains("All 212 passengers were reported safe"),
        "full text fetched: {body:?}"
    );
    assert!(!body.contains("MARKER"), "page furniture left out: {body:?}");

    // 429 with Retry-After: the next poll waits at least that long.
    let v = add(&node, &format!("http://{addr}/busy.xml")).await;
    let h = &v["feed"]["health"];
    assert_eq!(h["last_http_status"], 429, "{v}");
    assert!(
        h["last_error"].as_str().unwrap().contains("slow down")
            || h["last_error"].as_str().unwrap().contains("429"),
        "{v}"
    );
    let next = time::OffsetDateTime::parse(
        h["next_poll_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = next - time::OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::minutes(110),
        "Retry-After honoured: next poll in {wait}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_out_without_holding_up_other_feeds() {
    let (site, addr) = start_site().await;
    site.set(
        "wire.xml",
        rss_doc(rss("Harbour Wire", &[ITEM_A, ITEM_B]), "\"v1\""),
    );
    site.set("slow.xml", rss_doc(rss("Slow Desk", &[ITEM_C]), "\"s1\""));
    let node = TestNode::start_with(|c| {
        allow_loopback(c);
        c.fetch_timeout_ms = 2_000;
    })
    .await;
    let opml = format!(
        r#"<opml version="2.0"><body><outline text="Slow Desk" xmlUrl="http://{addr}/slow.xml"/><outline text="Harbour Wire" xmlUrl="http://{addr}/wire.xml"/></body></opml>"#
    );
    let started = std::time::Instant::now();
    let r = node
        .http
        .post(node.url("/v1/feeds/import"))
        .body(opml)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The wire's stories arrive while the silent server still holds its connection.
    let mut stories = 0;
    while started.elapsed() < Duration::from_secs(20) {
        let (_, h) = node.get_json("/healthz").await;
        stories = h["stories"].as_u64().unwrap_or(0);
        if stories >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(stories, 2);
    assert_eq!(site.hits("slow.xml"), 1, "the slow feed was asked too");
    // And the silent one ends as an error in words, not a hang.
    let mut err = String::new();
    while started.elapsed() < Duration::from_secs(30) {
        let (_, f) = node.get_json("/v1/feeds/slow-desk").await;
        if let Some(e) = f["feed"]["health"]["last_error"].as_str() {
            err = e.to_string();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        err.contains("timeout") || err.contains("stopped sending") || err.contains("took longer"),
        "{err:?}"
    );
}
