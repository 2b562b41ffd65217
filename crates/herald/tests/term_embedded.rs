//! `herald` alone with no node running and no `HERALD_URL`: the terminal starts a node of
//! its own on the data dir, shows the live wire from it, and on `q` stops it cleanly.
//! Driven in tmux (installed by `.ci/run`).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(sock: &str, args: &[&str]) -> std::process::Output {
    Command::new("tmux")
        .arg("-L")
        .arg(sock)
        .args(args)
        .output()
        .expect("tmux runs")
}

fn screen(sock: &str) -> String {
    String::from_utf8_lossy(&tmux(sock, &["capture-pane", "-p", "-t", "emb"]).stdout).into_owned()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool, sock: &str) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "waited for {what}; screen:\n{}",
            screen(sock)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether a node answers `/healthz` on the port.
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 16];
    s.read(&mut head)
        .is_ok_and(|n| head[..n].starts_with(b"HTTP/1.1 200"))
}

#[test]
fn herald_alone_starts_an_embedded_node_and_stops_it_on_quit() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux is not installed (apt-get install tmux; .ci/run does)"
    );
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let sock = format!("herald-emb-{}", std::process::id());
    let cmd = format!(
        "env -u HERALD_URL HERALD_DATA={} HERALD_LISTEN=127.0.0.1:{port} HERALD_LOG=off {}",
        data.display(),
        env!("CARGO_BIN_EXE_herald")
    );
    let out = tmux(
        &sock,
        &["new-session", "-d", "-s", "emb", "-x", "120", "-y", "36", &cmd],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    struct Kill(String);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-L")
                .arg(&self.0)
                .arg("kill-server")
                .output();
        }
    }
    let _kill = Kill(sock.clone());

    // The embedded node answers on the configured address, and the terminal shows its wire.
    let health = || healthy(port);
    wait_for("the embedded node", health, &sock);
    wait_for("the terminal", || screen(&sock).contains("LIVE"), &sock);
    let story = "Lighthouse keepers vote to strike at Kelso Point\n\nThe keepers walked out over rosters on Tuesday.\n";
    let out = support::cli(&base, &["publish", "-", "--source", "coast-desk"], story);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_for(
        "the story on the wire",
        || screen(&sock).contains("Lighthouse keepers vote"),
        &sock,
    );

    // q quits the terminal and stops the node: the data dir is free again, the story kept.
    tmux(&sock, &["send-keys", "-t", "emb", "q"]);
    // The process ends only after the node has drained and let go of the data dir; then
    // tmux closes the session.
    let ended = || !tmux(&sock, &["has-session", "-t", "emb"]).status.success();
    wait_for("herald to exit", ended, &sock);
    assert!(!health(), "the embedded node stopped with the terminal");
    let node = support::Served::start(&data);
    let (_, page) = node.get("/v1/stories?limit=5");
    assert_eq!(
        page["stories"][0]["headline"], "Lighthouse keepers vote to strike at Kelso Point",
        "{page}"
    );
}
