//! Alerts through a real node: adding and removing alerts, their hits on
//! `/v1/alerts/stream` (and after a restart), webhooks (signed, retried, exactly once by
//! idempotency key, across a restart, never slowing anyone else), noise control, the
//! address guard and the backtest.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{Events, TestNode};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

const WAIT: Duration = Duration::from_secs(10);

/// A short story about the harbour (or whatever `topic` is), unique by `i`.
fn story(i: usize, topic: &str) -> String {
    format!(
        "{topic} report number {i} from the coast desk\n\nOfficials at the {topic} said on day {i} that work would continue through the week.\n"
    )
}

async fn add_alert(node: &TestNode, body: Value) -> (u16, Value) {
    let r = node
        .http
        .post(node.url("/v1/alerts"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn open_hits(node: &TestNode, query: &str, last: Option<u64>) -> Events {
    let mut req = node.http.get(node.url(&format!("/v1/alerts/stream{query}")));
    if let Some(l) = last {
        req = req.header("last-event-id", l.to_string());
    }
    Events::new(req.send().await.unwrap())
}

async fn publish(node: &TestNode, i: usize, topic: &str) {
    let (s, _) = node.publish_text(&story(i, topic), "?source=coast-desk").await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn hits_reach_the_stream_with_their_terms_and_stop_when_the_alert_is_deleted() {
    let node = TestNode::start().await;
    let (s, harbour) = add_alert(&node, json!({"name": "Harbour", "query": "harbour OR dockyard"})).await;
    assert_eq!(s, 201, "{harbour}");
    let harbour_id = harbour["id"].as_str().unwrap().to_string();
    assert!(harbour_id.starts_with("al_"));
    assert!(harbour["secret"].is_null(), "no webhook, no secret");
    let (_, grain) = add_alert(&node, json!({"name": "Grain", "query": "grain"})).await;
    let mut ev = open_hits(&node, "", None).await;
    publish(&node, 1, "harbour").await;
    publish(&node, 2, "airport").await;
    publish(&node, 3, "grain").await;
    let first = ev.next(WAIT).await.expect("a hit");
    assert_eq!(first.name, "hit");
    assert_eq!(first.data["alert_id"], harbour_id.as_str());
    assert_eq!(first.data["alert_name"], "Harbour");
    assert_eq!(first.data["terms"], json!(["harbour"]));
    assert_eq!(first.data["story"]["seq"], 1);
    assert_eq!(first.data["story"]["source"]["id"], "coast-desk");
    assert!(
        first.data["story"]["headline"]
            .as_str()
            .unwrap()
            .starts_with("harbour report number 1")
    );
    let second = ev.next(WAIT).await.expect("a second hit");
    assert_eq!(
        second.data["alert_id"], grain["id"],
        "the airport story hits nothing"
    );
    assert_eq!(second.id, Some(first.id.unwrap() + 1));

    let (s, got) = node.get_json(&format!("/v1/alerts/{harbour_id}")).await;
    assert_eq!((s, got["hits"].as_u64()), (200, Some(1)));
    assert!(got["last_hit_at"].is_string());
    assert!(got["secret"].is_null());

    let r = node
        .http
        .delete(node.url(&format!("/v1/alerts/{harbour_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = node
        .http
        .delete(node.url(&format!("/v1/alerts/{harbour_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The next harbour story hits nothing; the grain story after it proves it was seen.
    publish(&node, 4, "harbour").await;
    publish(&node, 5, "grain").await;
    let next = ev.next(WAIT).await.expect("the grain hit");
    assert_eq!(next.data["alert_id"], grain["id"]);
    assert_eq!(next.data["story"]["seq"], 5);
    let (_, list) = node.get_json("/v1/alerts").await;
    assert_eq!(list["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(list["alerts"][0]["hits"], 2);

    // Filtered by alert; an unknown alert is a 404.
    let mut only = open_hits(
        &node,
        &format!("?alert={}&since=0", grain["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(only.next(WAIT).await.unwrap().data["story"]["seq"], 3);
    assert_eq!(only.next(WAIT).await.unwrap().data["story"]["seq"], 5);
    let (s, e) = node.get_json("/v1/alerts/stream?alert=al_0000000000000001").await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn bad_alerts_are_refused_with_a_reason() {
    let node = TestNode::start().await;
    let cases = [
        (
            json!({"name": "Recent", "query": "harbour since:24h"}),
            "since:/until:",
        ),
        (json!({"name": "Broken", "query": "harbour AND ("}), "query"),
        (json!({"name": "", "query": "harbour"}), "name"),
        (json!({"name": "No query"}), "query is required"),
        (
            json!({"name": "Fast", "query": "harbour", "rate_limit_per_min": 0}),
            "rate_limit_per_min",
        ),
        (
            json!({"name": "Hook", "query": "harbour", "webhook": "http://127.0.0.1:9/hook"}),
            "loopback",
        ),
        (
            json!({"name": "Meta", "query": "harbour", "webhook": "http://169.254.169.254/"}),
            "refused",
        ),
        (
            json!({"name": "Odd", "query": "harbour", "colour": "red"}),
            "colour",
        ),
    ];
    for (body, needle) in cases {
        let (s, e) = add_alert(&node, body.clone()).await;
        assert_eq!(s, 400, "{body}: {e}");
        let msg = e["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(needle), "{body}: {msg}");
    }
    let (_, list) = node.get_json("/v1/alerts").await;
    assert_eq!(list["alerts"], json!([]), "nothing refused was stored");
    let (s, _) = node.get_json("/v1/alerts/al_nothing").await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn alerts_and_hits_survive_a_restart_and_the_stream_resumes_without_gap_or_repeat() {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let (_, alert) = add_alert(&node, json!({"name": "Harbour", "query": "harbour"})).await;
    let mut ev = open_hits(&node, "", None).await;
    publish(&node, 1, "harbour").await;
    publish(&node, 2, "harbour").await;
    let a = ev.next(WAIT).await.unwrap().id.unwrap();
    let b = ev.next(WAIT).await.unwrap().id.unwrap();
    assert_eq!(b, a + 1);
    node.stop().await;
    assert!(
        ev.next(Duration::from_secs(5)).await.is_none(),
        "the stream ends with the node"
    );

    let node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let (_, list) = node.get_json("/v1/alerts").await;
    assert_eq!(list["alerts"][0]["id"], alert["id"]);
    assert_eq!(list["alerts"][0]["hits"], 2);
    publish(&node, 3, "harbour").await;
    let mut ev = open_hits(&node, "", Some(a)).await;
    let resumed: Vec<(Option<u64>, Value)> = [ev.next(WAIT).await.unwrap(), ev.next(WAIT).await.unwrap()]
        .into_iter()
        .map(|e| (e.id, e.data["story"]["seq"].clone()))
        .collect();
    assert_eq!(resumed, vec![(Some(b), json!(2)), (Some(b + 1), json!(3))]);
    assert!(ev.next(Duration::from_millis(500)).await.is_none(), "no repeat");
}

/// What the test's webhook receiver saw.
#[derive(Default)]
struct Seen {
    /// Requests that reached the handler (counted before a slow receiver sleeps).
    started: usize,
    attempts: usize,
    /// Idempotency keys answered 200, each with how many times.
    delivered: HashMap<u64, usize>,
    bodies: Vec<Value>,
    bad_signatures: usize,
}

#[derive(Clone)]
struct Receiver {
    seen: Arc<Mutex<Seen>>,
    secret: Arc<Mutex<String>>,
    fail_first: usize,
    sleep: Duration,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.seen.lock().unwrap().started += 1;
    if !r.sleep.is_zero() {
        tokio::time::sleep(r.sleep).await;
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut seen = r.seen.lock().unwrap();
    seen.attempts += 1;
    if seen.attempts <= r.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(r.secret.lock().unwrap().as_bytes()).unwrap();
    mac.update(format!("{}.", header("x-herald-timestamp")).as_bytes());
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if header("x-herald-signature") != format!("sha256={expected}") {
        seen.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    }
    let key: u64 = header("idempotency-key").parse().unwrap();
    *seen.delivered.entry(key).or_default() += 1;
    // The receiver dedupes by key: a repeat is acknowledged but not kept twice.
    if seen.delivered[&key] == 1 {
        seen.bodies.push(serde_json::from_slice(&body).unwrap());
    }
    StatusCode::OK
}

/// Serves the receiver on `addr` (port 0 for any) until the test ends.
async fn serve_receiver(addr: SocketAddr, r: Receiver) -> SocketAddr {
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn receiver(fail_first: usize, sleep: Duration) -> Receiver {
    Receiver {
        seen: Arc::default(),
        secret: Arc::default(),
        fail_first,
        sleep,
    }
}

fn fast_retries(c: &mut herald_server::Config) {
    c.fetch_allow = vec!["127.0.0.1".into()];
    c.alert_retry_base_ms = 20;
    c.alert_retry_max_ms = 200;
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_arrive_once_each() {
    let r = receiver(3, Duration::ZERO);
    let addr = serve_receiver("127.0.0.1:0".parse().unwrap(), r.clone()).await;
    let node = TestNode::start_with(fast_retries).await;
    let (s, alert) = add_alert(
        &node,
        json!({"name": "Harbour", "query": "harbour", "webhook": format!("http://{addr}/hook")}),
    )
    .await;
    assert_eq!(s, 201, "{alert}");
    let secret = alert["secret"]
        .as_str()
        .expect("the secret is returned once")
        .to_string();
    assert_eq!(secret.len(), 64);
    *r.secret.lock().unwrap() = secret;
    let (_, shown) = node
        .get_json(&format!("/v1/alerts/{}", alert["id"].as_str().unwrap()))
        .await;
    assert!(shown["secret"].is_null(), "and never again");
    for i in 0..3 {
        publish(&node, i, "harbour").await;
    }
    wait_for("three deliveries", || r.seen.lock().unwrap().delivered.len() == 3).await;
    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.bad_signatures, 0);
    assert!(seen.attempts >= 6, "three failures, then three successes");
    assert!(seen.delivered.values().all(|n| *n == 1), "{:?}", seen.delivered);
    let seqs: Vec<&Value> = seen.bodies.iter().map(|b| &b["story"]["seq"]).collect();
    assert_eq!(seqs, vec![&json!(1), &json!(2), &json!(3)], "in order");
    assert_eq!(seen.bodies[0]["alert_id"], alert["id"]);
}

#[tokio::test]
async fn a_receiver_down_across_a_restart_gets_every_hit_afterwards() {
    // A port nothing listens on yet.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), fast_retries).await;
    let (_, alert) = add_alert(
        &node,
        json!({"name": "Harbour", "query": "harbour", "webhook": format!("http://{addr}/hook")}),
    )
    .await;
    let mut ev = open_hits(&node, "", None).await;
    publish(&node, 1, "harbour").await;
    publish(&node, 2, "harbour").await;
    ev.next(WAIT).await.unwrap();
    ev.next(WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await; // a few failed attempts
    node.stop().await;

    let r = receiver(0, Duration::ZERO);
    *r.secret.lock().unwrap() = alert["secret"].as_str().unwrap().to_string();
    serve_receiver(addr, r.clone()).await;
    let _node = TestNode::start_in(tmp.path().to_path_buf(), fast_retries).await;
    wait_for("both deliveries", || r.seen.lock().unwrap().delivered.len() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = r.seen.lock().unwrap();
    assert_eq!(seen.bad_signatures, 0);
    assert!(seen.delivered.values().all(|n| *n == 1), "{:?}", seen.delivered);
}

#[tokio::test]
async fn a_slow_receiver_delays_neither_ingest_nor_another_alert() {
    let r = receiver(0, Duration::from_secs(30));
    let addr = serve_receiver("127.0.0.1:0".parse().unwrap(), r.clone()).await;
    let node = TestNode::start_with(|c| {
        fast_retries(c);
        c.webhook_timeout_ms = 60_000;
    })
    .await;
    add_alert(
        &node,
        json!({"name": "Slow", "query": "harbour", "webhook": format!("http://{addr}/hook")}),
    )
    .await;
    let (_, grain) = add_alert(&node, json!({"name": "Grain", "query": "grain"})).await;
    let mut ev = open_hits(&node, &format!("?alert={}", grain["id"].as_str().unwrap()), None).await;
    let started = Instant::now();
    publish(&node, 1, "harbour").await;
    wait_for("the slow delivery to start", || {
        r.seen.lock().unwrap().started == 1
    })
    .await;
    publish(&node, 2, "harbour").await;
    publish(&node, 3, "grain").await;
    let hit = ev
        .next(WAIT)
        .await
        .expect("the grain hit arrives while the webhook hangs");
    assert_eq!(hit.data["story"]["seq"], 3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        r.seen.lock().unwrap().attempts,
        0,
        "the webhook was still hanging"
    );
}

#[tokio::test]
async fn rate_limits_and_near_duplicate_folding() {
    let node = TestNode::start().await;
    let (_, limited) = add_alert(
        &node,
        json!({"name": "Limited", "query": "harbour", "rate_limit_per_min": 2}),
    )
    .await;
    let (_, every) = add_alert(
        &node,
        json!({"name": "Every", "query": "harbour", "fold_duplicates": false}),
    )
    .await;
    let (_, folded) = add_alert(&node, json!({"name": "Folded", "query": "lighthouse"})).await;
    let (_, all_copies) = add_alert(
        &node,
        json!({"name": "All copies", "query": "lighthouse", "fold_duplicates": false}),
    )
    .await;
    assert_eq!(limited["rate_limit_per_min"], 2);
    assert_eq!(folded["fold_duplicates"], true, "folding is on by default");
    let mut ev = open_hits(&node, "", None).await;
    for i in 0..4 {
        publish(&node, i, "harbour").await;
    }
    // A long story, then the same text from another wire: a near duplicate.
    let long = "Lighthouse keepers on the northern cape reported that the lamp failed twice during the storm, \
                and the coastguard sent two boats to stand by the shipping lane while engineers replaced the \
                burnt wiring and tested the backup generator through the night before handing the station back.\n";
    let text = format!("Lighthouse lamp fails twice in storm\n\n{long}");
    let (s, _) = node.publish_text(&text, "?source=cape-news").await;
    assert_eq!(s, 201);
    let (s, _) = node.publish_text(&text, "?source=other-wire").await;
    assert_eq!(s, 201);
    let mut by_alert: HashMap<String, usize> = HashMap::new();
    while let Some(e) = ev.next(Duration::from_secs(3)).await {
        *by_alert
            .entry(e.data["alert_id"].as_str().unwrap().to_string())
            .or_default() += 1;
        if by_alert.values().sum::<usize>() == 2 + 4 + 1 + 2 {
            break;
        }
    }
    let count = |a: &Value| by_alert.get(a["id"].as_str().unwrap()).copied().unwrap_or(0);
    assert_eq!(count(&limited), 2, "two a minute; the rest held back");
    assert_eq!(count(&every), 4);
    assert_eq!(count(&folded), 1, "the copy is folded");
    assert_eq!(count(&all_copies), 2);
}

#[tokio::test]
async fn the_backtest_counts_hits_per_day_with_the_latest_examples() {
    let node = TestNode::start().await;
    let now = time::OffsetDateTime::now_utc();
    let day = |d: i64| now - time::Duration::days(d);
    let fmt = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    // Harbour stories today (2), one day ago (1) and two days ago (3); other news besides.
    let mut n = 0;
    for (ago, topic, count) in [
        (0, "harbour", 2),
        (1, "harbour", 1),
        (2, "harbour", 3),
        (1, "airport", 2),
    ] {
        for _ in 0..count {
            n += 1;
            let published = day(ago) - time::Duration::minutes(n);
            let (s, _) = node
                .publish_json(&json!({
                    "headline": format!("{topic} bulletin {n}"),
                    "body": format!("The {topic} authority issued bulletin {n}."),
                    "source": {"id": "coast-desk", "name": "Coast Desk"},
                    "guid": format!("b-{n}"),
                    "published_at": fmt(published),
                }))
                .await;
            assert_eq!(s, 201);
        }
    }
    node.wait_indexed().await;
    let r = node
        .http
        .post(node.url("/v1/alerts/test"))
        .json(&json!({"query": "harbour", "days": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total"], 6);
    let per_day = v["per_day"].as_array().unwrap();
    assert_eq!(
        per_day.len(),
        8,
        "every date from 7 days ago to today, zero-filled"
    );
    let on = |t: time::OffsetDateTime| {
        let date = t.date().to_string();
        per_day
            .iter()
            .find(|d| d["date"] == date.as_str())
            .map(|d| d["hits"].clone())
    };
    // A story "n minutes before" a time just after midnight can fall on the day before.
    let sum: u64 = per_day.iter().map(|d| d["hits"].as_u64().unwrap()).sum();
    assert_eq!(sum, 6);
    if now.hour() > 0 {
        assert_eq!(on(day(0)), Some(json!(2)));
        assert_eq!(on(day(1)), Some(json!(1)));
        assert_eq!(on(day(2)), Some(json!(3)));
        assert_eq!(on(day(5)), Some(json!(0)));
    }
    let examples = v["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 5);
    assert_eq!(examples[0]["headline"], "harbour bulletin 1", "newest first");

    let r = node
        .http
        .post(node.url("/v1/alerts/test"))
        .json(&json!({"query": "harbour since:2d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("since:/until:"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_story_is_matched_when_the_alert_queue_overflows() {
    // A queue of one story: almost every batch overflows it, so matching has to read the
    // gaps back from the log — and still hit each story exactly once.
    let node = TestNode::start_with(|c| c.alert_queue = 1).await;
    let (s, a) = add_alert(&node, json!({"name": "zinc", "query": "zinc"})).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for c in 0..8 {
        let http = node.http.clone();
        let url = node.url("/v1/stories?source=overflow");
        tasks.push(tokio::spawn(async move {
            for i in 0..30 {
                let r = http
                    .post(&url)
                    .header("content-type", "text/plain")
                    .body(common::story_text(c * 100 + i, "zinc"))
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
    let mut hits = Value::Null;
    for _ in 0..400 {
        let (_, v) = node.get_json(&format!("/v1/alerts/{id}")).await;
        hits = v["hits"].clone();
        if hits == 240 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(hits, 240);
    // Replayed from the start, the stream carries each hit once, in order.
    let mut events = open_hits(&node, &format!("?alert={id}"), Some(0)).await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..240 {
        let e = events.next(Duration::from_secs(10)).await.expect("a hit");
        let hit = e.data;
        assert!(
            seen.insert(hit["story"]["id"].as_str().unwrap().to_string()),
            "a story hit twice"
        );
    }
}
