//! `herald alerts` as a shell user meets it against `herald serve`: add, list, test
//! (backtest), tail and rm, and the messages when something is wrong.

mod support;

use support::{Served, cli};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn add_list_test_tail_and_rm_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let node = Served::start(tmp.path());

    let out = cli(
        &node.base,
        &[
            "alerts", "add", "Ferries", "ferry", "OR", "lifeboat", "--rate", "5",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert!(id.starts_with("al_"), "{id}");

    // A story it matches, and one it does not.
    for text in [
        "Ferry engine fire forces passengers onto lifeboats\n\nAll 212 passengers were brought ashore safely.\n",
        "Grain prices steady in Chicago\n\nWheat futures closed flat.\n",
    ] {
        let out = cli(&node.base, &["publish", "-", "--source", "coast-desk"], text);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    node.wait_indexed();

    let out = cli(
        &node.base,
        &["alerts", "tail", &id, "--since", "0", "--count", "1", "--json"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let hit: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(hit["alert_id"], id.as_str());
    assert_eq!(hit["story"]["source"]["id"], "coast-desk");

    let out = cli(&node.base, &["alerts", "list"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = stdout(&out);
    assert!(
        listing.contains(&id) && listing.contains("Ferries") && listing.contains("1 hits"),
        "{listing}"
    );

    let out = cli(&node.base, &["alerts", "test", "ferry", "--days", "3"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("1 hits in the last 3 days"), "{text}");
    assert!(text.contains("Ferry engine fire"), "{text}");
    let out = cli(&node.base, &["alerts", "test", "--json", "grain"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["total"].as_u64(), v["per_day"].as_array().map(Vec::len)),
        (Some(1), Some(8))
    );

    let out = cli(&node.base, &["alerts", "rm", &id], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli(&node.base, &["alerts", "list", "--json"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["alerts"], serde_json::json!([]));

    // Mistakes get a reason and a failing exit code.
    let out = cli(&node.base, &["alerts", "rm", &id], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));
    let out = cli(&node.base, &["alerts", "add", "Recent", "ferry", "since:24h"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("since:/until:"), "{}", stderr(&out));
    let out = cli(&node.base, &["alerts", "add", "Broken", "ferry AND ("], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad query"), "{}", stderr(&out));
    let out = cli(
        &node.base,
        &[
            "alerts",
            "add",
            "Local",
            "ferry",
            "--webhook",
            "http://127.0.0.1:9/hook",
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("HERALD_FETCH_ALLOW"), "{}", stderr(&out));
    node.terminate();
}
