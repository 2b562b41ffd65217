//! `herald enrich` (several files, the human summary, `--gold`), `herald kb` and
//! `herald quotes`, run as a shell user runs them, against a real node where one is needed.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{HERALD, Served, cli};

const LINDQVIST: &str = "Lindqvist Vows Wider Sanctions on Shadow Tanker Fleet

Foreign Minister Anna Lindqvist said on Thursday that Sweden would push for sanctions on a further 14 shipping companies accused of moving oil through the Baltic in ageing tankers with no proper insurance.

“Sanctions only bite when every gap is closed,” Lindqvist said after talks with Nordic counterparts in Stockholm. “We will close the gaps one by one, starting with the ports.”

Officials estimate that at least $2.4 billion worth of crude passed through the Baltic on such vessels this year.
";

const VILLAGES: &str = "Iraqi Troops Push ISIL Fighters Out of Desert Villages

Iraqi troops backed by air strikes drove ISIL fighters out of four villages west of Mosul on Sunday, the defence ministry said.

At least 23 militants were killed and 6 soldiers were wounded, a ministry statement said.
";

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn herald(args: &[&str]) -> Output {
    Command::new(HERALD).args(args).output().unwrap()
}

fn gold_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/gold")
}

#[test]
fn enrich_several_files_as_json_lines_and_as_a_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write(tmp.path(), "a.txt", LINDQVIST);
    let b = write(tmp.path(), "b.txt", VILLAGES);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let out = herald(&["enrich", a, b, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON story"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0]["headline"],
        "Lindqvist Vows Wider Sanctions on Shadow Tanker Fleet"
    );
    assert_eq!(
        lines[1]["headline"],
        "Iraqi Troops Push ISIL Fighters Out of Desert Villages"
    );
    assert_ne!(lines[0]["id"], lines[1]["id"]);
    assert_eq!(lines[0]["quotes"].as_array().unwrap().len(), 2);
    assert!(
        lines[1]["entities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "kb:group/islamic-state")
    );

    // A lightly edited copy later in the same run is marked as a duplicate of the first.
    let copy = write(
        tmp.path(),
        "copy.txt",
        &LINDQVIST.replace("with no proper insurance", "without proper insurance"),
    );
    let out = herald(&["enrich", a, b, copy.to_str().unwrap(), "--json"]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["duplicate_of"], lines[0]["id"]);
    assert!(lines[1]["duplicate_of"].is_null());

    // The summary: what a reader wants to see.
    let out = herald(&["enrich", a, copy.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("quote    “Sanctions only bite when every gap is closed” — Anna Lindqvist"),
        "{text}"
    );
    assert!(text.contains("language:    en"), "{text}");
    assert!(text.contains("topics:      diplomacy 0."), "{text}");
    assert!(
        text.contains("figure   at least $2.4 billion = 2400000000 USD"),
        "{text}"
    );
    assert!(text.contains("fingerprint: "), "{text}");
    assert_eq!(text.matches("duplicate of st_").count(), 1, "{text}");
}

#[test]
fn enrich_gold_prints_the_report_and_fails_below_the_bar() {
    let gold = gold_dir();
    let out = herald(&["enrich", "--gold", gold.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("gold stories: "), "{text}");
    assert!(text.lines().any(|l| l.starts_with("overall")), "{text}");
    assert!(text.contains("speaker accuracy"), "{text}");

    // A gold set the enrichment cannot meet: an annotation naming people the story does not.
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "01-lindqvist.txt", LINDQVIST);
    write(
        tmp.path(),
        "01-lindqvist.ann.toml",
        "topics = [\"diplomacy\"]\n\n[[entity]]\nkind = \"person\"\nname = \"Somebody Else\"\n\n[[entity]]\nkind = \"org\"\nname = \"Another Body\"\n\n[[quote]]\nstarts = \"Sanctions only bite\"\nspeaker = \"Somebody Else\"\n",
    );
    let dir = tmp.path().to_str().unwrap();
    let out = herald(&["enrich", "--gold", dir]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("entity F1"), "{}", stderr(&out));
    assert!(stderr(&out).contains("speaker accuracy"), "{}", stderr(&out));
    let out = herald(&["enrich", "--gold", dir, "-v"]);
    assert!(
        stdout(&out).len() > herald(&["enrich", "--gold", dir]).stdout.len(),
        "-v lists the errors"
    );

    // A story without its annotation is named.
    write(tmp.path(), "02-orphan.txt", VILLAGES);
    let out = herald(&["enrich", "--gold", dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("02-orphan.ann.toml"), "{}", stderr(&out));
    // Files and --gold do not mix.
    let out = herald(&["enrich", "--gold", dir, "a.txt"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn kb_add_show_find_and_quotes_against_a_node() {
    let tmp = tempfile::tempdir().unwrap();
    let node = Served::start(tmp.path());

    let out = cli(
        &node.base,
        &[
            "kb",
            "add",
            "--kind",
            "org",
            "--name",
            "Harbour Pilots Guild",
            "--alias",
            "HPG",
            "--alias",
            "Pilots' Guild",
        ],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "kb:user/org/harbour-pilots-guild");

    // Bad input: the node's message reaches the user, exit 1.
    let out = cli(
        &node.base,
        &["kb", "add", "--kind", "org", "--name", "Bad|Name"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("'|'"), "{}", stderr(&out));

    let story = "Pilots Refuse to Guide Ships Into Gothenburg\n\nMembers of the HPG refused to guide cargo ships into Gothenburg on Friday in a dispute over night shifts.\n";
    let out = cli(&node.base, &["publish", "-", "--source", "port-desk"], story);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli(
        &node.base,
        &[
            "publish",
            "-",
            "--source",
            "port-desk",
            "--published-at",
            "2026-11-20T09:00:00Z",
        ],
        LINDQVIST,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    node.wait_indexed();

    let out = cli(
        &node.base,
        &["kb", "show", "kb:user/org/harbour-pilots-guild"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Harbour Pilots Guild  (org, kb:user/org/harbour-pilots-guild)"),
        "{text}"
    );
    assert!(text.contains("HPG, Pilots' Guild"), "{text}");
    assert!(
        text.contains("Pilots Refuse to Guide Ships Into Gothenburg"),
        "{text}"
    );
    let out = cli(
        &node.base,
        &["kb", "show", "kb:user/org/harbour-pilots-guild", "--json"],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["stories"].as_array().unwrap().len(), 1);

    let out = cli(&node.base, &["kb", "show", "doc:no-such-thing"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("404"), "{}", stderr(&out));

    let out = cli(&node.base, &["kb", "find", "HPG"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("kb:user/org/harbour-pilots-guild"),
        "{}",
        stdout(&out)
    );

    let out = cli(&node.base, &["quotes", "--speaker", "Lindqvist", "sanctions"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "“Sanctions only bite when every gap is closed” — Anna Lindqvist (Lindqvist Vows Wider Sanctions on Shadow Tanker Fleet, 2026-11-20)\n"
    );
    let out = cli(
        &node.base,
        &["quotes", "--speaker", "Lindqvist", "-n", "5", "--json"],
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["quotes"].as_array().unwrap().len(), 2);
    // A bad query is shown with a caret before any request is made.
    let out = cli(
        &node.base,
        &["quotes", "--speaker", "Lindqvist", "sanctions", "("],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad query"), "{}", stderr(&out));
}
