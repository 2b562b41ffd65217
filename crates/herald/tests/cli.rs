//! The CLI as a shell user meets it: publish, search, tail, enrich, reindex, and the
//! messages and exit codes when something is wrong.

mod support;

use support::{HERALD, Served, cli, fixtures};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn publish_search_tail_and_reindex() {
    let tmp = tempfile::tempdir().unwrap();
    let node = Served::start(tmp.path());
    let files: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".txt"))
        .collect();
    assert!(files.len() >= 12);
    let mut args = vec!["publish", "--source", "fixture-wire"];
    args.extend(files.iter().map(String::as_str));
    let out = cli(&node.base, &args, "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("stored\tst_"))
            .count(),
        files.len()
    );

    // Publishing again: all duplicates.
    let out = cli(&node.base, &args, "");
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("duplicate\t"))
            .count(),
        files.len()
    );

    // Text from stdin with metadata flags, and JSON from stdin.
    let out = cli(
        &node.base,
        &[
            "publish",
            "-",
            "--source",
            "desk",
            "--url",
            "https://example.com/x",
            "--published-at",
            "2026-11-24T09:30:00Z",
        ],
        "Volcanic ash grounds flights in Iceland\n\nAirlines cancelled 140 flights.\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli(
        &node.base,
        &["publish", "-", "--json"],
        r#"{"headline": "Central bank holds rates", "body": "The bank held rates at 4%."}"#,
    );
    assert!(stdout(&out).contains("\"seq\""), "{}", stdout(&out));
    node.wait_indexed();

    let out = cli(&node.base, &["search", "ash", "flights"], "");
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("Volcanic ash grounds flights"),
        "{}",
        stdout(&out)
    );
    let out = cli(&node.base, &["search", "--json", "source:desk"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["total"], 1);

    // A bad query: caret under the mistake, exit 1, no network trip needed.
    let out = cli(&node.base, &["search", "ash AND (flights"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains('^'), "{}", stderr(&out));

    // tail replays from a seq and stops after --count.
    let out = cli(
        &node.base,
        &["tail", "--since", "0", "--count", "3", "--json"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let seqs: Vec<u64> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [1, 2, 3]);

    // Reindex needs the node stopped; afterwards search still finds everything.
    let out = std::process::Command::new(HERALD)
        .args(["reindex", "--data"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "refused while the node runs");
    assert!(stderr(&out).contains("another herald"), "{}", stderr(&out));
    node.terminate();
    let out = std::process::Command::new(HERALD)
        .args(["reindex", "--data"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("reindexed {} stories", files.len() + 2)),
        "{}",
        stderr(&out)
    );
    let node = Served::start(tmp.path());
    node.wait_indexed();
    let out = cli(&node.base, &["search", "--json", "ash"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["total"], 1);
}

#[test]
fn errors_a_shell_user_can_act_on() {
    // Nothing listens on port 9 of loopback.
    let out = cli("http://127.0.0.1:9", &["search", "oil"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot reach the Herald node"),
        "{}",
        stderr(&out)
    );
    let out = cli("not a url", &["search", "oil"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not a URL"), "{}", stderr(&out));
    let out = cli("http://127.0.0.1:9", &["publish", "/no/such/file.txt"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/no/such/file.txt"), "{}", stderr(&out));
    // Usage errors are exit 2, as with any clap program.
    let out = cli("http://127.0.0.1:9", &["publish"], "");
    assert_eq!(out.status.code(), Some(2));

    // A story the node refuses: the reason, per file, and exit 1.
    let tmp = tempfile::tempdir().unwrap();
    let node = Served::start(tmp.path());
    let out = cli(&node.base, &["publish", "-"], "   \n\n  ");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("<stdin>") && stderr(&out).contains("400"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn enrich_works_offline() {
    let path = fixtures().join("01-conflict-border-crossing.txt");
    let out = std::process::Command::new(HERALD)
        .args(["enrich", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert!(v["id"].as_str().unwrap().starts_with("st_"));
    assert!(!v["headline"].as_str().unwrap().is_empty());
    assert!(!v["bullets"].as_array().unwrap().is_empty());
    // Invalid UTF-8 is reported with where it is.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.txt");
    std::fs::write(&bad, b"Headline\n\nBody \xff here").unwrap();
    let out = std::process::Command::new(HERALD)
        .arg("enrich")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.txt") && stderr(&out).contains("UTF-8"),
        "{}",
        stderr(&out)
    );
}
