//! The I/O layer against a real node on a loopback port: the live wire arrives in seq
//! order, survives a node restart without a gap or a duplicate, and the functions' calls
//! (search, story, entity, feeds, older pages, related stories, completion) come back
//! as events.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use herald_term::app::{Command, ConnState, Detail, Event};
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
        // The feeds these tests follow are served on loopback (refused by default).
        config.fetch_allow = vec!["127.0.0.1".into()];
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

/// Serves fixed documents over plain HTTP on loopback: path → (status, body). Enough of
/// HTTP/1.1 for a feed poller (one request per connection, then close).
async fn feed_site(docs: Vec<(&'static str, u16, String)>) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let docs = docs.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = 0;
                while got < buf.len() {
                    match sock.read(&mut buf[got..]).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got += n,
                    }
                    if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let req = String::from_utf8_lossy(&buf[..got]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = docs
                    .iter()
                    .find(|(p, _, _)| *p == path)
                    .map_or((404, String::new()), |(_, s, b)| (*s, b.clone()));
                let reason = if status == 200 { "OK" } else { "Error" };
                let head = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    addr
}

/// An RSS document of invented harbour news.
fn rss(title: &str, items: &[(&str, &str, &str)]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{title}</title><link>http://harbour.test/</link>"
    );
    for (guid, headline, text) in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><link>http://harbour.test/{guid}</link><title>{headline}</title><pubDate>Tue, 24 Nov 2026 09:30:00 GMT</pubDate><description>{text}</description></item>"
        ));
    }
    out.push_str("</channel></rss>");
    out
}

/// Runs the App's commands against the node, feeding each answer back.
async fn run(app: &mut herald_term::App, client: &Node, cmds: Vec<Command>) {
    let mut queue = cmds;
    // Answers may ask for more (a story asks for its related ones).
    for _ in 0..8 {
        let mut next = Vec::new();
        for cmd in queue {
            if let Some(ev) = io::execute(client, cmd).await {
                next.extend(app.update(ev));
            }
        }
        if next.is_empty() {
            return;
        }
        queue = next;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_functions_work_against_a_real_node_and_a_loopback_feed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut node = TestNode::start(tmp.path(), "127.0.0.1:0".parse().expect("addr")).await;
    let client = Node::new(&node.url()).expect("client");
    let mut app = herald_term::App::new(node.url(), herald_term::ThemeName::Plain);
    let site = feed_site(vec![
        (
            "/harbour.rss",
            200,
            rss(
                "Harbour Desk",
                &[
                    (
                        "h-1",
                        "Pilots at Port Saldana end their overtime ban",
                        "Harbour pilots accepted a new roster on Tuesday.",
                    ),
                    (
                        "h-2",
                        "Grain carriers leave Port Saldana after a week at anchor",
                        "Three carriers sailed at dawn.",
                    ),
                ],
            ),
        ),
        ("/broken.rss", 503, "busy".to_string()),
        (
            "/ferries.rss",
            200,
            rss(
                "Ferry Desk",
                &[(
                    "f-1",
                    "Night ferry to Isla Verde returns",
                    "The night crossing resumed on Monday.",
                )],
            ),
        ),
    ])
    .await;

    // Opening: the node follows nothing yet.
    let cmds = app.opening();
    run(&mut app, &client, cmds).await;
    assert!(app.first_run(), "{:?}", app.feeds_followed);

    // FEED ADD follows and polls at once; the note tells the outcome.
    let cmds = app.execute(&format!("FEED ADD http://{site}/harbour.rss"));
    run(&mut app, &client, cmds).await;
    assert_eq!(app.feeds.len(), 1, "{:?}", app.message);
    let msg = app.message.clone().expect("note").text;
    assert!(
        msg.contains("first poll: ok (HTTP 200)") && msg.contains("2 new"),
        "{msg}"
    );
    assert_eq!(app.feeds[0].health(), "ok 200");
    assert_eq!(app.feeds[0].items_seen, 2);

    // A failing feed is listed with its error.
    let cmds = app.execute(&format!("FEED ADD http://{site}/broken.rss"));
    run(&mut app, &client, cmds).await;
    assert_eq!(app.feeds.len(), 2, "{:?}", app.message);
    let broken = app
        .feeds
        .iter()
        .position(|f| f.url.ends_with("/broken.rss"))
        .expect("broken feed listed");
    assert_eq!(app.feeds[broken].health(), "error 503");
    let text = support::screen(&support::render(&app, 120, 40));
    assert!(text.contains("error 503") && text.contains("↳"), "{text}");

    // FEED POLL <n> polls again and shows what happened.
    let harbour = app
        .feeds
        .iter()
        .position(|f| f.url.ends_with("/harbour.rss"))
        .expect("harbour feed");
    let cmds = app.execute(&format!("FEED POLL {}", harbour + 1));
    run(&mut app, &client, cmds).await;
    let msg = app.message.clone().expect("note").text;
    assert!(msg.starts_with("polled ") && msg.contains("0 new"), "{msg}");

    // An OPML import (here of a loopback feed, never the starter list's internet ones).
    let opml = format!(
        "<?xml version=\"1.0\"?><opml version=\"2.0\"><body><outline type=\"rss\" text=\"Ferry Desk\" xmlUrl=\"http://{site}/ferries.rss\"/></body></opml>"
    );
    run(&mut app, &client, vec![Command::ImportFeeds { opml }]).await;
    assert_eq!(app.feeds.len(), 3, "{:?}", app.message);
    let msg = app.message.clone().expect("note").text;
    assert!(msg.contains("followed 1 new feeds"), "{msg}");

    // FEED RM <n> stops following.
    let cmds = app.execute(&format!("FEED RM {}", broken + 1));
    run(&mut app, &client, cmds).await;
    assert_eq!(app.feeds.len(), 2, "{:?}", app.message);
    assert!(app.feeds.iter().all(|f| !f.url.ends_with("/broken.rss")));
    assert!(!app.first_run());

    // Older headlines: the wire pages back through the log.
    node.wait_indexed().await;
    run(&mut app, &client, vec![Command::LoadWire { before: None }]).await;
    let newest = app.wire.front().map(|h| h.seq).expect("stories on the wire");
    assert!(app.wire.len() >= 2, "{:?}", app.wire);
    assert!(app.wire.iter().any(|h| h.headline.contains("Grain carriers")));
    match io::execute(&client, Command::LoadWire { before: Some(newest) }).await {
        Some(Event::WirePage { stories, .. }) => {
            assert!(
                !stories.is_empty() && stories.iter().all(|h| h.seq < newest),
                "{stories:?}"
            );
        }
        other => panic!("older page: {other:?}"),
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn related_stories_co_mentions_and_name_completion_come_from_the_node() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut node = TestNode::start(tmp.path(), "127.0.0.1:0".parse().expect("addr")).await;
    let client = Node::new(&node.url()).expect("client");
    let mut app = herald_term::App::new(node.url(), herald_term::ThemeName::Plain);
    let texts = [
        "Dockers walk out at Port Saldana\n\nNadia Ferreira, who leads the dockers' union, said on Monday that the Saldana Port Authority had broken its word on night-shift pay.",
        "Saldana Port Authority makes a new offer\n\nThe Saldana Port Authority offered dockers a 4% rise on Wednesday. Nadia Ferreira said the union would vote on it.",
        "Union vote ends the strike at Port Saldana\n\nDockers voted to return to work after Nadia Ferreira told them the Saldana Port Authority offer was fair.",
    ];
    for t in texts {
        node.publish(t).await;
    }
    node.wait_indexed().await;

    // READ the newest: its related stories are the others naming the same people.
    let cmds = app.execute("N union AND vote");
    run(&mut app, &client, cmds).await;
    let cmds = app.execute("READ 1");
    run(&mut app, &client, cmds).await;
    let Detail::Story(s) = &app.detail else {
        panic!("story: {:?} {:?}", app.detail, app.message);
    };
    let entities: Vec<(&str, &str)> = s
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let (id, related) = app.related.clone().expect("related asked and answered");
    assert_eq!(id, s.id);
    assert_eq!(related.len(), 2, "{related:?} by {entities:?}");
    assert!(related.iter().all(|h| h.id != s.id));

    // ENT of a person they name lists who is mentioned with them, each openable.
    let person = s
        .entities
        .iter()
        .find(|e| e.name == "Nadia Ferreira")
        .map(|e| e.id.clone())
        .expect("Nadia Ferreira found in the story");
    run(&mut app, &client, vec![Command::OpenEntity { id: person }]).await;
    let Detail::Entity(page) = &app.detail else {
        panic!("entity: {:?} {:?}", app.detail, app.message);
    };
    assert_eq!(page.stories.len(), 3, "{page:?}");
    assert!(
        page.co_mentioned
            .iter()
            .any(|c| c.name == "Saldana Port Authority" && c.stories == 3),
        "{:?}",
        page.co_mentioned
    );

    // Tab completion asks the node's entity list, of the field's kind.
    app.update(Event::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    )));
    for c in "N place:Stockh"
        .chars()
        .map(crossterm::event::KeyCode::Char)
        .chain([crossterm::event::KeyCode::Tab])
    {
        let cmds = app.update(Event::Key(crossterm::event::KeyEvent::new(
            c,
            crossterm::event::KeyModifiers::NONE,
        )));
        run(&mut app, &client, cmds).await;
    }
    let line = app.command_line().to_string();
    let listed = app.message.clone().map(|m| m.text).unwrap_or_default();
    assert!(
        line == "N place:Stockholm" || (line == "N place:Stockh" && listed.contains("Stockholm")),
        "{line:?} {listed:?}"
    );
    match io::execute(
        &client,
        Command::CompleteEntity {
            prefix: "zzqx".into(),
            kind: None,
        },
    )
    .await
    {
        Some(Event::EntityCandidates { prefix, names }) => {
            assert_eq!(prefix, "zzqx");
            assert!(names.is_empty(), "{names:?}");
        }
        other => panic!("completion: {other:?}"),
    }
    node.stop().await;
}
