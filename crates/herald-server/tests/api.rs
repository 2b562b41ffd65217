//! The HTTP API against a real node on a loopback port: publish, read, search, errors.

mod common;

use common::{TestNode, story_text};
use serde_json::{Value, json};

#[tokio::test]
async fn text_story_is_stored_once_then_duplicate_then_new_version() {
    let node = TestNode::start().await;
    let text = "Harbour Strike Halts Grain Exports\n\n• Dock workers walk out\n\nDock workers stopped work on Monday.\n\nSubscribe to Example Wire for more.\n";
    let (s1, a) = node
        .publish_text(
            text,
            "?source=wire-x&url=https://example.com/a&published_at=2026-11-24T10:00:00Z",
        )
        .await;
    assert_eq!(s1, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["version"], 1);
    let (s2, b) = node
        .publish_text(
            text,
            "?source=wire-x&url=https://example.com/a&published_at=2026-11-24T10:00:00Z",
        )
        .await;
    assert_eq!(s2, 200);
    assert_eq!(b["id"], a["id"]);
    assert_eq!(b["duplicate"], true);
    assert_eq!(b["seq"], a["seq"], "a duplicate points at the stored story");

    let (s, story) = node.get_json(&format!("/v1/stories/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(story["headline"], "Harbour Strike Halts Grain Exports");
    assert_eq!(story["bullets"], json!(["Dock workers walk out"]));
    assert_eq!(story["source"]["id"], "wire-x");
    assert_eq!(story["url"], "https://example.com/a");
    assert_eq!(story["published_at"], "2026-11-24T10:00:00Z");
    assert!(story["received_at"].is_string());
    assert!(
        !story["body"].as_str().unwrap().contains("Subscribe"),
        "boilerplate removed"
    );

    // Same URL, corrected headline: a new version of the same story.
    let fixed = text.replace("Halts", "Stops");
    let (s3, c) = node
        .publish_text(
            &fixed,
            "?source=wire-x&url=https://example.com/a&published_at=2026-11-24T10:00:00Z",
        )
        .await;
    assert_eq!(s3, 201);
    assert_eq!(c["id"].as_str(), Some(id.as_str()));
    assert_eq!(c["version"], 2);
    let (_, latest) = node.get_json(&format!("/v1/stories/{id}")).await;
    assert!(latest["headline"].as_str().unwrap().contains("Stops"));
    let (_, v1) = node.get_json(&format!("/v1/stories/{id}?version=1")).await;
    assert!(v1["headline"].as_str().unwrap().contains("Halts"));
}

#[tokio::test]
async fn json_story_and_its_errors() {
    let node = TestNode::start().await;
    let (s, a) = node
        .publish_json(&json!({"headline": "Grid operator warns of winter shortfall", "body": "Reserves are thin.",
            "source": {"id": "power-wire", "name": "Power Wire"}, "guid": "pw-1", "published_at": "2026-11-20T08:00:00Z",
            "seq": 999, "id": "st_forged"}))
        .await;
    assert_eq!(s, 201, "{a}");
    assert_ne!(
        a["id"], "st_forged",
        "ids are derived, never taken from the client"
    );
    assert_eq!(a["seq"], 1);

    // Malformed JSON: 400 with the position.
    let r = node
        .http
        .post(node.url("/v1/stories"))
        .header("content-type", "application/json")
        .body("{\n  \"headline\": \"x\",\n  \"body\": [1,,2]\n}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "invalid_json");
    assert_eq!(e["error"]["line"], 3, "{e}");

    // No headline, wrong types, invalid UTF-8 in text, unsupported media.
    let (s, e) = node.publish_json(&json!({"body": "no headline"})).await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = node.publish_json(&json!({"headline": 5})).await;
    assert_eq!(s, 400);
    let r = node
        .http
        .post(node.url("/v1/stories"))
        .header("content-type", "text/plain")
        .body(vec![b'H', b'i', b'\n', 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"]["message"].as_str().unwrap().contains("UTF-8"), "{e}");
    let r = node
        .http
        .post(node.url("/v1/stories"))
        .header("content-type", "application/xml")
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let (s, e) = node
        .publish_text("Headline\n\nBody", "?published_at=yesterday")
        .await;
    assert_eq!(s, 400);
    assert!(e["error"]["message"].as_str().unwrap().contains("published_at"));

    // Unknown story and unknown endpoint: JSON 404s.
    let (s, e) = node.get_json("/v1/stories/st_nothing").await;
    assert_eq!(s, 404);
    assert_eq!(e["error"]["code"], "not_found");
    let (s, _) = node.get_json("/v1/nothing").await;
    assert_eq!(s, 404);
    let r = node.http.delete(node.url("/v1/search")).send().await.unwrap();
    assert_eq!(r.status(), 405);

    // Nothing bad got in.
    let (_, h) = node.get_json("/healthz").await;
    assert_eq!(h["last_seq"], 1);
}

#[tokio::test]
async fn body_over_the_limit_is_413_and_the_node_carries_on() {
    let node = TestNode::start_with(|c| c.max_body_bytes = 64 * 1024).await;
    let big = format!("Big story\n\n{}", "word ".repeat(20_000));
    let (s, e) = node.publish_text(&big, "").await;
    assert_eq!(s, 413, "{e}");
    assert_eq!(e["error"]["code"], "too_large");
    let (s, _) = node.publish_text(&story_text(1, "bonds"), "").await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn search_finds_stories_with_fields_time_and_paging() {
    let node = TestNode::start().await;
    for i in 0..25 {
        let (s, _) = node
            .publish_text(
                &story_text(i, "copper"),
                "?source=metals-desk&published_at=2026-11-2".to_string().as_str(),
            )
            .await;
        // The query above is deliberately cut: an invalid time must be refused.
        assert_eq!(s, 400);
        let t = format!(
            "?source=metals-desk&published_at=2026-11-{:02}T09:00:00Z",
            1 + i % 20
        );
        let (s, _) = node.publish_text(&story_text(i, "copper"), &t).await;
        assert_eq!(s, 201);
    }
    node.publish_text(
        "Wheat futures slide\n\nWheat fell in Chicago.",
        "?source=grain-desk",
    )
    .await;
    node.wait_indexed().await;

    let (s, r) = node.get_json("/v1/search?q=copper&limit=10").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["total"], 25);
    assert_eq!(r["hits"].as_array().unwrap().len(), 10);
    let hit = &r["hits"][0];
    for k in ["id", "headline", "source", "published_at", "score", "highlights"] {
        assert!(!hit[k].is_null(), "hit has {k}: {hit}");
    }
    assert!(hit["highlights"][0].as_str().unwrap().contains("<b>"), "{hit}");
    // Paging with the cursor gives the next, disjoint page.
    let cursor = r["next_cursor"].as_str().unwrap();
    let (_, r2) = node
        .get_json(&format!("/v1/search?q=copper&limit=10&cursor={cursor}"))
        .await;
    let ids = |v: &Value| {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(ids(&r).iter().all(|i| !ids(&r2).contains(i)));

    // Sort by time: newest first.
    let (_, t) = node.get_json("/v1/search?q=copper&sort=time&limit=5").await;
    let times: Vec<&str> = t["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["published_at"].as_str().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);

    // Fields and time bounds.
    let (_, r) = node.get_json("/v1/search?q=source:grain-desk").await;
    assert_eq!(r["total"], 1);
    let (_, r) = node.get_json("/v1/search?q=copper%20until:2026-11-05").await;
    assert_eq!(r["total"], 8, "days 1-4, two stories each: {r}");
    let (_, r) = node.get_json("/v1/search?q=copper%20-source:metals-desk").await;
    assert_eq!(r["total"], 0);

    // A bad query points at the column.
    let (s, e) = node.get_json("/v1/search?q=copper%20AND%20(gold").await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["code"], "bad_query");
    assert!(e["error"]["column"].as_u64().is_some(), "{e}");
    let (s, _) = node.get_json("/v1/search?q=copper&limit=0").await;
    assert_eq!(s, 400);
    let (s, _) = node.get_json("/v1/search?q=copper&sort=sideways").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn operations_endpoints() {
    let node = TestNode::start().await;
    node.publish_text(&story_text(1, "gold"), "").await;
    node.publish_text(&story_text(1, "gold"), "").await;
    let r = node.http.get(node.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    for m in [
        "herald_stories_ingested_total 1",
        "herald_stories_duplicate_total 1",
        "herald_ingest_latency_seconds_count 2",
        "herald_subscribers 0",
        "herald_index_lag",
    ] {
        assert!(text.contains(m), "metrics lack {m:?}:\n{text}");
    }
    let (s, api) = node.get_json("/v1/openapi.json").await;
    assert_eq!(s, 200);
    assert_eq!(api["openapi"], "3.1.0");
    for path in [
        "/v1/stories",
        "/v1/stories/{id}",
        "/v1/search",
        "/v1/stream",
        "/healthz",
        "/metrics",
        "/v1/openapi.json",
        "/v1/feeds",
        "/v1/feeds/{id}",
        "/v1/feeds/{id}/poll",
        "/v1/feeds/import",
        "/v1/feeds/export",
        "/v1/feeds/out.atom",
        "/v1/feeds/out.json",
        "/v1/websub/{id}",
    ] {
        assert!(api["paths"][path].is_object(), "openapi lacks {path}");
    }
}

#[tokio::test]
async fn a_restarted_node_keeps_everything_and_dedups_across_restarts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let (s, a) = node
            .publish_text(&story_text(i, "nickel"), "?source=metals")
            .await;
        assert_eq!(s, 201);
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    node.stop().await;
    let node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let (s, a) = node
        .publish_text(&story_text(3, "nickel"), "?source=metals")
        .await;
    assert_eq!(s, 200, "still a duplicate after restart");
    assert_eq!(a["id"].as_str(), Some(ids[3].as_str()));
    let (s, a) = node
        .publish_text(&story_text(99, "nickel"), "?source=metals")
        .await;
    assert_eq!(
        (s, a["seq"].as_u64()),
        (201, Some(21)),
        "seq continues after restart"
    );
    node.wait_indexed().await;
    let (_, r) = node.get_json("/v1/search?q=nickel&limit=100").await;
    assert_eq!(r["total"], 21);
}

#[tokio::test]
async fn a_second_node_on_the_same_data_dir_is_refused() {
    let node = TestNode::start().await;
    let mut cfg = herald_server::Config::defaults(node.dir.clone());
    cfg.listen = "127.0.0.1:0".parse().unwrap();
    let err = herald_server::serve(cfg, |_| {}, async {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("another herald"), "{err}");
}

#[tokio::test]
async fn search_sees_every_story_when_the_indexer_queue_overflows() {
    // A queue of one story: almost every batch overflows it, so the indexer has to fill
    // the gaps from the log.
    let node = TestNode::start_with(|c| c.index_queue = 1).await;
    let mut tasks = Vec::new();
    for c in 0..8 {
        let http = node.http.clone();
        let url = node.url("/v1/stories?source=overflow");
        tasks.push(tokio::spawn(async move {
            for i in 0..40 {
                let r = http
                    .post(&url)
                    .header("content-type", "text/plain")
                    .body(story_text(c * 100 + i, "zinc"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    node.wait_indexed().await;
    let (_, r) = node.get_json("/v1/search?q=zinc&limit=1").await;
    assert_eq!(r["total"], 320, "{r}");
}

#[tokio::test]
async fn an_index_left_unsynced_by_a_machine_crash_is_rebuilt_from_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    for i in 0..10 {
        node.publish_text(&story_text(i, "cobalt"), "").await;
    }
    node.wait_indexed().await;
    node.stop().await;
    // As if the machine went down with unsynced index writes and booted again: the guard
    // names another boot, and the index files are garbage.
    let index = tmp.path().join("index");
    std::fs::write(
        index.join("herald-sync-state"),
        "dirty 11111111-2222-3333-4444-555555555555\n",
    )
    .unwrap();
    for e in std::fs::read_dir(&index).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "idx" || x == "term") {
            std::fs::write(&p, b"torn").unwrap();
        }
    }
    let node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    node.wait_indexed().await;
    let (s, r) = node.get_json("/v1/search?q=cobalt").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["total"], 10, "{r}");
}

/// The headlines of a page of `GET /v1/stories`, in order.
fn headlines(page: &Value) -> Vec<&str> {
    page["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["headline"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_wire_pages_backwards_newest_first() {
    let node = TestNode::start().await;
    for i in 1..=5 {
        let (s, _) = node
            .publish_text(
                &format!("Harbour bulletin number {i}\n\nShips moved at berth {i}."),
                &format!("?source=port&guid=b{i}"),
            )
            .await;
        assert_eq!(s, 201);
    }
    // A correction of bulletin 2: a new version, listed once, at its new place.
    let (s, _) = node
        .publish_text(
            "Harbour bulletin number 2 (corrected)\n\nShips moved at berth 2.",
            "?source=port&guid=b2",
        )
        .await;
    assert_eq!(s, 201);
    let (s, page) = node.get_json("/v1/stories?limit=3").await;
    assert_eq!(s, 200, "{page}");
    let heads = headlines(&page);
    assert_eq!(
        heads,
        [
            "Harbour bulletin number 2 (corrected)",
            "Harbour bulletin number 5",
            "Harbour bulletin number 4"
        ]
    );
    let before = page["next_before"].as_u64().unwrap();
    let (_, page) = node
        .get_json(&format!("/v1/stories?limit=3&before={before}"))
        .await;
    let heads = headlines(&page);
    assert_eq!(
        heads,
        ["Harbour bulletin number 3", "Harbour bulletin number 1"],
        "the old version is not listed again"
    );
    assert!(page["next_before"].is_null(), "{page}");
    let (s, _) = node.get_json("/v1/stories?limit=lots").await;
    assert_eq!(s, 400);
}
