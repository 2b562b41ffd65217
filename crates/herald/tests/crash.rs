//! Durability: a real `herald serve` is killed with SIGKILL in the middle of a publishing
//! storm, again and again; after each restart every story that got a 201 is there, is
//! searchable, and nothing is stored twice.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::Served;

/// (id, seq, unique token) of every acknowledged story.
type Acked = Arc<Mutex<Vec<(String, u64, String)>>>;

fn storm(base: &str, round: usize, clients: usize, acked: &Acked, kill_after: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::new();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, base, acked) = (http.clone(), base.to_string(), acked.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    // One alphanumeric token per story, so a search can find exactly it.
                    let token = format!("tok{round}x{c}x{i}");
                    let text = format!(
                        "Storm story {token}\n\nPublisher {c} sent story {i} in round {round}. {}",
                        "Markets in Tokyo and Frankfurt moved on the news. ".repeat(20)
                    );
                    let r = http
                        .post(format!("{base}/v1/stories?source=crash-wire"))
                        .header("content-type", "text/plain")
                        .body(text)
                        .send()
                        .await;
                    let Ok(r) = r else { return };
                    if r.status() != 201 {
                        return;
                    }
                    let Ok(v) = r.json::<serde_json::Value>().await else {
                        return;
                    };
                    let id = v["id"].as_str().unwrap().to_string();
                    acked
                        .lock()
                        .unwrap()
                        .push((id, v["seq"].as_u64().unwrap(), token));
                }
            }));
        }
        // Kill once enough stories are in, while every client is mid-publish.
        let before = acked.lock().unwrap().len();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while acked.lock().unwrap().len() < before + kill_after && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for t in tasks {
            // Clients end when the node dies under them.
            let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
        }
    });
}

#[test]
fn every_acknowledged_story_survives_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let acked: Acked = Arc::default();
    for round in 0..3 {
        let node = Served::start(tmp.path());
        let base = node.base.clone();
        let killer = {
            let acked = acked.clone();
            let target = acked.lock().unwrap().len() + 300;
            std::thread::spawn(move || {
                while acked.lock().unwrap().len() < target {
                    std::thread::sleep(Duration::from_millis(2));
                }
                node.kill9();
            })
        };
        storm(&base, round, 16, &acked, 300);
        killer.join().unwrap();
    }

    let node = Served::start(tmp.path());
    let health = node.wait_indexed();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 900, "the storm published {} stories", acked.len());

    // Every acknowledged story is readable, with its own seq.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    rt.block_on(async {
        for (id, seq, token) in &acked {
            let r = http
                .get(format!("{}/v1/stories/{id}", node.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "acknowledged story {id} ({token}) lost");
            let s: serde_json::Value = r.json().await.unwrap();
            assert_eq!(s["seq"].as_u64(), Some(*seq));
            assert!(s["headline"].as_str().unwrap().contains(token.as_str()));
        }
        // … and searchable, exactly once, for a sample spread over all rounds.
        for (id, _, token) in acked.iter().step_by(17) {
            let r: serde_json::Value = http
                .get(format!("{}/v1/search?q={token}", node.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(r["total"], 1, "{token}: {r}");
            assert_eq!(r["hits"][0]["id"].as_str(), Some(id.as_str()));
        }
    });

    // Nothing is stored twice: every seq in the log is a distinct story, with no gaps.
    let ids = acked.iter().map(|a| a.0.clone()).collect::<HashSet<_>>();
    assert_eq!(ids.len(), acked.len(), "no two acknowledgements share an id");
    let last_seq = health["last_seq"].as_u64().unwrap();
    eprintln!("acknowledged {} stories; the log holds {last_seq}", acked.len());
    assert_eq!(
        health["stories"].as_u64(),
        Some(last_seq),
        "one version per story: {health}"
    );
    let mut seqs: HashMap<u64, &str> = HashMap::new();
    for (id, seq, _) in &acked {
        assert!(seqs.insert(*seq, id).is_none(), "seq {seq} acknowledged twice");
    }
    node.terminate();
}
