//! The live wire against a real node: delivery, filters, resume without gaps, and lag.

mod common;

use std::time::Duration;

use common::{Events, TestNode, story_text};

const WAIT: Duration = Duration::from_secs(10);

async fn open(node: &TestNode, query: &str, last_event_id: Option<u64>) -> Events {
    let mut req = node.http.get(node.url(&format!("/v1/stream{query}")));
    if let Some(id) = last_event_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    Events::new(req.send().await.unwrap())
}

#[tokio::test]
async fn live_stories_arrive_in_order_and_filters_apply() {
    let node = TestNode::start().await;
    let mut all = open(&node, "", None).await;
    let mut oil = open(&node, "?q=oil", None).await;
    for i in 0..6 {
        let topic = if i % 2 == 0 { "oil" } else { "wheat" };
        let (s, _) = node.publish_text(&story_text(i, topic), "").await;
        assert_eq!(s, 201);
    }
    let mut seqs = Vec::new();
    for _ in 0..6 {
        let ev = all.next(WAIT).await.expect("story event");
        assert_eq!(ev.name, "story");
        assert_eq!(ev.id, ev.data["seq"].as_u64(), "id: is the seq");
        seqs.push(ev.id.unwrap());
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    for expect in [1, 3, 5] {
        let ev = oil.next(WAIT).await.unwrap();
        assert_eq!(ev.id, Some(expect));
        assert!(ev.data["headline"].as_str().unwrap().starts_with("oil"));
    }
    assert!(
        oil.next(Duration::from_millis(300)).await.is_none(),
        "wheat stories are filtered out"
    );

    // A bad filter is refused before the stream opens.
    let r = node.http.get(node.url("/v1/stream?q=(oil")).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = node
        .http
        .get(node.url("/v1/stream?since=yesterday"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_reconnecting_client_gets_exactly_what_it_missed_then_live() {
    let node = TestNode::start().await;
    for i in 0..1500 {
        node.publish_text(&story_text(i, "gas"), "").await;
    }
    // Reconnect as if the last story seen was seq 700: 701..=1500 from the log, in order.
    let mut ev = open(&node, "", Some(700)).await;
    for expect in 701..=1500u64 {
        let e = ev
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("missing seq {expect}"));
        assert_eq!(e.id, Some(expect));
    }
    // Then live ones, with no repeat.
    node.publish_text(&story_text(9999, "gas"), "").await;
    let e = ev.next(WAIT).await.unwrap();
    assert_eq!(e.id, Some(1501));
    assert!(ev.next(Duration::from_millis(300)).await.is_none());

    // ?since= does the same, and a filtered resume skips what does not match.
    let mut ev = open(&node, "?since=1498&q=gas", None).await;
    let ids: Vec<_> = [ev.next(WAIT).await, ev.next(WAIT).await, ev.next(WAIT).await]
        .into_iter()
        .map(|e| e.unwrap().id.unwrap())
        .collect();
    assert_eq!(ids, [1499, 1500, 1501]);
    // since=0 replays from the start.
    let mut ev = open(&node, "?since=0", None).await;
    assert_eq!(ev.next(WAIT).await.unwrap().id, Some(1));
}

#[tokio::test]
async fn a_stream_resumes_across_a_node_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let mut ev = open(&node, "", None).await;
    for i in 0..3 {
        node.publish_text(&story_text(i, "coal"), "").await;
    }
    let mut last = 0;
    for _ in 0..3 {
        last = ev.next(WAIT).await.unwrap().id.unwrap();
    }
    node.stop().await;
    assert!(
        ev.next(Duration::from_secs(5)).await.is_none(),
        "the stream ends when the node stops"
    );
    let node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    node.publish_text(&story_text(3, "coal"), "").await;
    let mut ev = open(&node, "", Some(last)).await;
    assert_eq!(ev.next(WAIT).await.unwrap().id, Some(last + 1));
}

#[tokio::test]
async fn a_slow_subscriber_is_told_to_resume_and_cut_off_without_slowing_ingest() {
    // A tiny queue so that a reader that does not read falls behind quickly.
    let node = TestNode::start_with(|c| c.subscriber_queue = 4).await;
    let mut slow = open(&node, "", None).await;
    let mut fast = open(&node, "", None).await;
    // Big stories fill the socket buffers of the reader that never reads.
    let body = "Brent crude rose in London trading. ".repeat(5_000);
    let total = 120u64;
    let publisher = {
        let http = node.http.clone();
        let url = node.url("/v1/stories");
        let body = body.clone();
        tokio::spawn(async move {
            for i in 0..total {
                let r = http
                    .post(&url)
                    .header("content-type", "text/plain")
                    .body(format!("Oil story {i}\n\n{body}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "ingest never waits for a slow subscriber");
            }
        })
    };
    // The fast reader keeps up with everything while the slow one does not read at all.
    for expect in 1..=total {
        let e = fast
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("fast reader missed {expect}"));
        assert_eq!(e.id, Some(expect));
    }
    publisher.await.unwrap();
    // Now the slow one reads: what was queued, then a lag event, then the end.
    let mut last_story = 0;
    let resume = loop {
        match slow.next(WAIT).await {
            Some(e) if e.name == "story" => last_story = e.id.unwrap(),
            Some(e) if e.name == "lag" => break e.data["resume_from"].as_u64().unwrap(),
            Some(e) => panic!("unexpected event {e:?}"),
            None => panic!("no lag event; last story {last_story}"),
        }
    };
    assert!(resume < total, "it fell behind");
    assert_eq!(resume, last_story, "resume from the last story it was given");
    assert!(
        slow.next(Duration::from_secs(2)).await.is_none(),
        "disconnected after lag"
    );
    // Resuming from there gets the rest.
    let mut again = open(&node, "", Some(resume)).await;
    for expect in resume + 1..=total {
        assert_eq!(again.next(WAIT).await.unwrap().id, Some(expect));
    }
    let text = node.get_text("/metrics").await;
    assert!(text.contains("herald_subscribers_lagged_total 1"), "{text}");
}

#[tokio::test]
async fn fold_leaves_out_later_copies_of_a_story() {
    let node = TestNode::start().await;
    let mut all = open(&node, "", None).await;
    let mut folded = open(&node, "?fold=true", None).await;
    let story = "Port of Gdansk Reopens After Storm Damage\n\n\
        The port of Gdansk reopened its container terminal on Tuesday after three days of repairs to \
        cranes and quay walls damaged by the storm that crossed the Baltic coast at the weekend. \
        Harbour officials said that about forty ships had waited at anchor in the bay and that the \
        backlog would take most of the week to clear. Shipping lines warned customers of delays of up \
        to five days on routes to Scandinavia.";
    let (s, _) = node.publish_text(story, "?source=wire-a").await;
    assert_eq!(s, 201);
    let copy = story.replace("at the weekend", "over the weekend");
    let (s, _) = node.publish_text(&copy, "?source=wire-b").await;
    assert_eq!(s, 201);
    let (s, _) = node.publish_text(&story_text(1, "copper"), "").await;
    assert_eq!(s, 201);
    let first = all.next(WAIT).await.unwrap();
    let second = all.next(WAIT).await.unwrap();
    assert_eq!(
        second.data["duplicate_of"], first.data["id"],
        "the copy is marked"
    );
    assert!(all.next(WAIT).await.is_some());
    assert_eq!(folded.next(WAIT).await.unwrap().id, Some(1));
    assert_eq!(
        folded.next(WAIT).await.unwrap().id,
        Some(3),
        "the copy is folded away"
    );
    let r = node
        .http
        .get(node.url("/v1/stream?fold=perhaps"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
