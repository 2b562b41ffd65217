//! `herald feeds` as a shell user meets it against `herald serve`: add, list, poll, export,
//! import and rm, with a real feed served on loopback, and the messages when something is wrong.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;

use support::{Served, cli};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Serves one RSS document at every path, with an ETag and 304 for a matching If-None-Match.
fn feed_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Coast Desk</title>\
            <item><guid>c-1</guid><title>Ferry engine fire forces passengers onto lifeboats</title>\
            <link>https://coast.example/ferry</link><description>All 212 passengers were brought ashore safely.</description></item>\
            <item><guid>c-2</guid><title>Storm closes the Kelso bridge for a second day</title>\
            <link>https://coast.example/bridge</link><description>Winds reached 140 km/h overnight.</description></item>\
            </channel></rss>";
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
            let resp = if req.contains("if-none-match: \"c1\"") {
                "HTTP/1.1 304 Not Modified\r\netag: \"c1\"\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    .to_string()
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\netag: \"c1\"\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = s.write_all(resp.as_bytes());
        }
    });
    format!("http://{addr}/coast.xml")
}

#[test]
fn add_list_poll_export_import_and_rm() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("herald.toml"),
        "[fetch]\nallow = [\"127.0.0.1\"]\n",
    )
    .unwrap();
    let node = Served::start(tmp.path());
    let url = feed_server();

    let out = cli(&node.base, &["feeds", "add", &url, "--tag", "coast,weather"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "coast-desk");
    assert!(
        stderr(&out).contains("Coast Desk: 2 items: 2 new"),
        "{}",
        stderr(&out)
    );
    node.wait_indexed();
    let out = cli(&node.base, &["search", "source:coast-desk", "--json"], "");
    assert!(stdout(&out).contains("Ferry engine fire"), "{}", stdout(&out));

    let out = cli(&node.base, &["feeds", "poll", "coast-desk"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "coast-desk: not modified (304)");

    let out = cli(&node.base, &["feeds", "list"], "");
    let listing = stdout(&out);
    assert!(
        listing.contains("coast-desk") && listing.contains("304") && listing.contains("Coast Desk"),
        "{listing}"
    );
    let out = cli(&node.base, &["feeds", "list", "--tag", "sport", "--json"], "");
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["feeds"], serde_json::json!([]));

    let out = cli(&node.base, &["feeds", "export"], "");
    let opml = stdout(&out);
    assert!(
        opml.contains(&format!("xmlUrl=\"{url}\"")) && opml.contains("<outline text=\"coast\">"),
        "{opml}"
    );

    let out = cli(&node.base, &["feeds", "rm", "coast-desk"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cli(&node.base, &["feeds", "import", "-"], &opml);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("1 feeds added, 0 already followed"),
        "{}",
        stdout(&out)
    );

    // Mistakes get a reason and a failing exit code.
    let out = cli(&node.base, &["feeds", "poll", "nope"], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no feed with id \"nope\""),
        "{}",
        stderr(&out)
    );
    let out = cli(&node.base, &["feeds", "add", "ftp://old.example/feed"], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("only http and https"), "{}", stderr(&out));
    let out = cli(&node.base, &["feeds", "import", "-"], "<rss/>");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not OPML"), "{}", stderr(&out));
}

/// `--starter` sends the starter list to the node (a stand-in that records the request:
/// a real node would fetch the starter feeds from the internet, which tests never reach).
#[test]
fn import_starter_sends_the_starter_list() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 65536];
        // Read the head, then as many body bytes as Content-Length says.
        loop {
            let n = s.read(&mut buf).unwrap();
            req.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&req).to_string();
            if let Some(head_end) = text.find("\r\n\r\n") {
                let len: usize = text[..head_end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if req.len() >= head_end + 4 + len {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let body = "{\"added\":21,\"existing\":0,\"ids\":[],\"errors\":[]}";
        let _ = s.write_all(
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
        String::from_utf8_lossy(&req).to_string()
    });
    let out = cli(&format!("http://{addr}"), &["feeds", "import", "--starter"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("21 feeds added"), "{}", stdout(&out));
    let req = seen.join().unwrap();
    assert!(req.starts_with("POST /v1/feeds/import"), "{req}");
    assert!(
        req.contains("feeds.bbci.co.uk/news/world/rss.xml") && req.contains("<outline text=\"Markets\">"),
        "{req}"
    );

    let out = cli("http://127.0.0.1:9", &["feeds", "import"], "");
    assert!(!out.status.success(), "a file or --starter is required");
}
