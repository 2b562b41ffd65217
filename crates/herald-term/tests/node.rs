//! The I/O layer against a real node on a loopback port: the live wire arrives in seq
//! order, survives a node restart without a gap or a duplicate, and the functions' calls
//! (search, story, entity) come back as events.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use herald_term::app::{Command, ConnState, Event};
use herald_term::io::{self, Node};
use tokio::sync::{mpsc, oneshot};

const WAIT: Duration = Duration::from_secs(30);

/// A node serving `dir` on `listen` (port 0: any), stopped by `stop`.
struct TestNode {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestNode {
    async fn start(dir: &Path, listen: SocketAddr) -> TestNode {
        let mut config = herald_server::Config::defaults(dir.to_path_buf());
        config.listen = listen;
        config.index_commit_ms = 50;
        let (addr_tx, addr_rx) = oneshot::channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let ready = move |a| {
                let _ = addr_tx.send(a);
            };
            let stopped = async move {
                let _ = stop_rx.await;
            };
            herald_server::serve(config, ready, stopped)
                .await
                .expect("node runs");
        });
        let addr = tokio::time::timeout(WAIT, addr_rx)
            .await
            .expect("node starts")
            .expect("address");
        TestNode {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(WAIT, t)
                .await
                .expect("node stops")
                .expect("node task");
        }
    }

    async fn publish(&self, text: &str) -> u64 {
        let r = reqwest::Client::new()
            .post(format!("{}/v1/stories?source=harbour-desk", self.url()))
            .header("content-type", "text/plain")
            .body(text.to_string())
            .send()
            .await
            .expect("publish");
        assert_eq!(r.status().as_u16(), 201);
        let v: serde_json::Value = r.json().await.expect("json");
        v["seq"].as_u64().expect("seq")
    }

    async fn wait_indexed(&self) {
        for _ in 0..400 {
            let v: serde_json::Value = reqwest::get(format!("{}/healthz", self.url()))
                .await
                .expect("healthz")
                .json()
                .await
                .expect("json");
            if v["indexed_seq"] == v["last_seq"] {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("index did not catch up");
    }
}

fn story_text(i: usize) -> String {
    format!(
        "Ferry service {i} resumes across the Saldana strait\n\nThe ferry operator said crossing number {i} left the northern pier on time after a week of storms.\n\nPassengers queued from dawn."
    )
}

/// The next story's seq from the wire, skipping connection changes.
async fn next_story(rx: &mut mpsc::Receiver<Event>) -> (u64, String) {
    loop {
        match tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("an event in time")
        {
            Some(Event::Story(s)) => return (s.seq, s.headline),
            Some(_) => continue,
            None => panic!("the wire task ended"),
        }
    }
}

/// Waits for a connection state matching `want`, failing on a story (none expected).
async fn wait_conn(rx: &mut mpsc::Receiver<Event>, want: impl Fn(&ConnState) -> bool) {
    loop {
        match tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("a connection change in time")
        {
            Some(Event::Connection(c)) if want(&c) => return,
            Some(Event::Story(s)) => panic!("unexpected story seq {}", s.seq),
            Some(_) => continue,
            None => panic!("the wire task ended"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_arrives_in_order_and_resumes_after_a_restart_without_duplicates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let any = "127.0.0.1:0".parse().expect("addr");
    let mut node = TestNode::start(tmp.path(), any).await;
    let addr = node.addr;
    let client = Node::new(&node.url()).expect("client");
    let (tx, mut rx) = mpsc::channel(64);
    let wire = io::spawn_wire(client.clone(), io::Start::Now, tx);
    wait_conn(&mut rx, |c| *c == ConnState::Live).await;

    let mut published = Vec::new();
    for i in 0..3 {
        published.push(node.publish(&story_text(i)).await);
    }
    let mut seen = Vec::new();
    for i in 0..3 {
        let (seq, headline) = next_story(&mut rx).await;
        assert!(headline.contains(&format!("Ferry service {i} ")), "{headline}");
        seen.push(seq);
    }
    assert_eq!(seen, published, "every story, once, in seq order");

    node.stop().await;
    wait_conn(&mut rx, |c| matches!(c, ConnState::Down { .. })).await;
    // While the node is away: it comes back on the same address with one more story
    // already in its log, which the wire must pick up from the last seq it saw.
    let mut node = TestNode::start(tmp.path(), addr).await;
    let missed = node.publish(&story_text(3)).await;
    let (seq, _) = next_story(&mut rx).await;
    assert_eq!(
        seq, missed,
        "the story published while we were away, not a replay"
    );
    let live = node.publish(&story_text(4)).await;
    let (seq, _) = next_story(&mut rx).await;
    assert_eq!(seq, live);
    assert!(seen.iter().all(|s| *s < missed) && missed < live);
    // Nothing else is waiting: no duplicate arrived.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(ev) = rx.try_recv() {
        assert!(!matches!(ev, Event::Story(_)), "duplicate: {ev:?}");
    }

    // The functions' calls against the same node.
    node.wait_indexed().await;
    match io::execute(
        &client,
        Command::Search {
            query: "ferry AND strait".into(),
        },
    )
    .await
    {
        Some(Event::SearchResult { hits, total, .. }) => {
            assert_eq!(total, 5);
            assert!(hits.iter().all(|h| h.headline.starts_with("Ferry service")));
            let id = hits.first().map(|h| h.id.clone()).unwrap_or_default();
            match io::execute(&client, Command::LoadStory { id: id.clone() }).await {
                Some(Event::StoryLoaded(s)) => assert_eq!(s.id, id),
                other => panic!("story: {other:?}"),
            }
        }
        other => panic!("search: {other:?}"),
    }
    match io::execute(
        &client,
        Command::LoadStory {
            id: "st_doesnotexist".into(),
        },
    )
    .await
    {
        Some(Event::Failed { what, message }) => {
            assert!(
                what.contains("st_doesnotexist") && message.contains("404"),
                "{what}: {message}"
            );
        }
        other => panic!("missing story: {other:?}"),
    }
    match io::execute(
        &client,
        Command::FindEntity {
            name: "zzqx no such name".into(),
        },
    )
    .await
    {
        Some(Event::Failed { message, .. }) => assert!(message.contains("no entity"), "{message}"),
        other => panic!("missing entity: {other:?}"),
    }
    wire.abort();

    // Opening the terminal shows the last stories of the log first, then goes live.
    let (tx, mut rx) = mpsc::channel(64);
    let recent = io::spawn_wire(client.clone(), io::Start::Recent(2), tx);
    assert_eq!(next_story(&mut rx).await.0, missed);
    assert_eq!(next_story(&mut rx).await.0, live);
    let newest = node.publish(&story_text(5)).await;
    assert_eq!(next_story(&mut rx).await.0, newest);
    recent.abort();
    node.stop().await;
}

#[tokio::test]
async fn an_unreachable_node_is_reported_and_retried() {
    // Nothing listens on port 9 of loopback.
    let client = Node::new("http://127.0.0.1:9").expect("client");
    let (tx, mut rx) = mpsc::channel(8);
    let wire = io::spawn_wire(client, io::Start::Now, tx);
    let mut retries = Vec::new();
    while retries.len() < 2 {
        match tokio::time::timeout(WAIT, rx.recv()).await.expect("in time") {
            Some(Event::Connection(ConnState::Down { reason, retry_in })) => {
                assert!(reason.contains("unreachable"), "{reason}");
                retries.push(retry_in);
            }
            Some(_) => {}
            None => panic!("ended"),
        }
    }
    assert_eq!(
        retries,
        [io::BACKOFF_START, io::BACKOFF_START * 2],
        "back-off doubles"
    );
    wire.abort();
    assert!(Node::new("ftp://example.invalid").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alrt_adds_an_alert_on_a_real_node_and_its_hit_flashes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut node = TestNode::start(tmp.path(), "127.0.0.1:0".parse().expect("addr")).await;
    let client = Node::new(&node.url()).expect("client");
    let mut app = herald_term::App::new(node.url(), herald_term::ThemeName::Plain);

    // ALRT ADD goes to the node; the answer is the new list.
    let cmds = app.execute("ALRT ADD ferries ferry AND strait");
    assert_eq!(cmds.len(), 1);
    for cmd in cmds {
        let ev = io::execute(&client, cmd).await.expect("an answer");
        app.update(ev);
    }
    assert_eq!(app.alerts.len(), 1, "{:?}", app.message);
    assert_eq!(app.alerts[0].name, "ferries");
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains("added alert"))
    );

    // The node refuses a time-bounded alert, and the terminal shows its reason.
    for cmd in app.execute("ALRT ADD old ferry since:2026-01-01") {
        let ev = io::execute(&client, cmd).await.expect("an answer");
        app.update(ev);
    }
    let msg = app.message.clone().expect("a message");
    assert!(
        msg.error && msg.text.contains("400") && msg.text.contains("since"),
        "{msg:?}"
    );

    // A story that matches arrives as a hit on the alert stream.
    let (tx, mut rx) = mpsc::channel(16);
    let hits = io::spawn_alerts(client.clone(), tx);
    // The alert stream subscribes asynchronously: publish until a hit arrives.
    let mut hit = None;
    for i in 0..20 {
        node.publish(&story_text(i)).await;
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await {
            hit = Some(ev);
            break;
        }
    }
    let Some(Event::AlertHit { story_id, alert }) = hit else {
        panic!("no hit: {hit:?}");
    };
    assert_eq!(alert, "ferries");
    assert!(story_id.starts_with("st_"));
    app.update(Event::AlertHit { story_id, alert });
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.alert && m.text.starts_with("ALERT ferries")),
        "{:?}",
        app.message
    );
    hits.abort();

    // The list shows the hit count; ALRT TEST backtests; ALRT RM removes.
    node.wait_indexed().await;
    for cmd in app.execute("ALRT") {
        app.update(io::execute(&client, cmd).await.expect("an answer"));
    }
    assert!(
        app.alerts[0].hits >= 1 && app.alerts[0].last_hit.is_some(),
        "{:?}",
        app.alerts
    );
    for cmd in app.execute("ALRT TEST ferry") {
        app.update(io::execute(&client, cmd).await.expect("an answer"));
    }
    match &app.detail {
        herald_term::app::Detail::Backtest(b) => {
            assert!(b.total >= 1, "{b:?}");
            assert_eq!(b.per_day.iter().map(|d| d.1).sum::<u64>(), b.total);
            assert!(b.examples.iter().all(|e| e.headline.starts_with("Ferry service")));
        }
        other => panic!("backtest: {other:?} {:?}", app.message),
    }
    for cmd in app.execute("ALRT RM 1") {
        app.update(io::execute(&client, cmd).await.expect("an answer"));
    }
    assert!(app.alerts.is_empty(), "{:?}", app.alerts);
    node.stop().await;
}
