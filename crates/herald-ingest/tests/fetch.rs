//! The fetcher against real HTTP servers on 127.0.0.1: conditional GET, compression,
//! redirects, the SSRF guard, the body cap, timeouts and status handling. The servers are
//! raw sockets so they can misbehave (never end, trickle, go silent).

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use herald_ingest::fetch::{Accept, FetchConfig, FetchError, FetchRequest, Fetched, Fetcher};
use herald_ingest::ssrf::Guard;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a test server does with one request.
enum Reply {
    /// Writes these bytes and closes.
    Full(Vec<u8>),
    /// Writes the head, then body bytes forever.
    Endless(Vec<u8>),
    /// Writes the head, then one byte every `every`.
    Trickle(Vec<u8>, Duration),
    /// Reads the request and never answers.
    Silent,
}

type Handler = Arc<dyn Fn(&str, &str) -> Reply + Send + Sync>;

struct Server {
    addr: SocketAddr,
    /// Each request head received, lower-cased.
    heads: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn serve(handler: impl Fn(&str, &str) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let handler: Handler = Arc::new(handler);
    let seen = Arc::clone(&heads);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let handler = Arc::clone(&handler);
            let seen = Arc::clone(&seen);
            tokio::spawn(answer(sock, handler, seen));
        }
    });
    Server { addr, heads }
}

async fn answer(mut sock: TcpStream, handler: Handler, seen: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
    seen.lock().unwrap().push(head.clone());
    match handler(&path, &head) {
        Reply::Full(bytes) => {
            let _ = sock.write_all(&bytes).await;
        }
        Reply::Endless(h) => {
            if sock.write_all(&h).await.is_ok() {
                let chunk = vec![b'a'; 64 * 1024];
                while sock.write_all(&chunk).await.is_ok() {}
            }
        }
        Reply::Trickle(h, every) => {
            if sock.write_all(&h).await.is_ok() {
                while sock.write_all(b"x").await.is_ok() {
                    tokio::time::sleep(every).await;
                }
            }
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
    }
    let _ = sock.shutdown().await;
}

/// A complete response with Content-Length, closing the connection.
fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn full(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    Reply::Full(response(status, headers, body))
}

fn redirect(status: &str, to: &str) -> Reply {
    full(status, &[("Location", to)], b"")
}

const FEED: &[u8] = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Quay Notes</title>\
<item><title>Crane repaired on the east quay</title></item></channel></rss>";

fn config(allow: &[&str]) -> FetchConfig {
    FetchConfig {
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(2),
        max_body: 1024 * 1024,
        guard: Guard::new(&allow.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        ..FetchConfig::default()
    }
}

/// A fetcher allowed to reach the test servers on 127.0.0.1.
fn local() -> Fetcher {
    Fetcher::new(config(&["127.0.0.1"])).unwrap()
}

async fn get(f: &Fetcher, url: &str) -> Result<Fetched, FetchError> {
    f.fetch(&FetchRequest::new(url, Accept::Feed)).await
}

fn ok_body(r: Result<Fetched, FetchError>) -> (Vec<u8>, Fetched) {
    match r {
        Ok(f @ Fetched::Ok { .. }) => {
            let Fetched::Ok { body, .. } = &f else {
                unreachable!()
            };
            (body.to_vec(), f)
        }
        other => panic!("expected a body, got {other:?}"),
    }
}

#[tokio::test]
async fn conditional_get_sends_validators_and_maps_304() {
    let srv = serve(|_, head| {
        if head.contains("if-none-match: \"v7\"") {
            full("304 Not Modified", &[("Cache-Control", "max-age=300")], b"")
        } else {
            full(
                "200 OK",
                &[
                    ("Content-Type", "application/rss+xml; charset=utf-8"),
                    ("ETag", "\"v7\""),
                    ("Last-Modified", "Tue, 24 Nov 2026 10:00:00 GMT"),
                    ("Cache-Control", "public, max-age=600"),
                ],
                FEED,
            )
        }
    })
    .await;
    let f = local();
    let first = get(&f, &srv.url("/feed.xml")).await.unwrap();
    let Fetched::Ok {
        body,
        content_type,
        etag,
        last_modified,
        final_url,
        permanent_redirect,
        max_age,
    } = first
    else {
        panic!("expected a body: {first:?}");
    };
    assert_eq!(&body[..], FEED);
    assert_eq!(
        content_type.as_deref(),
        Some("application/rss+xml; charset=utf-8")
    );
    assert_eq!(etag.as_deref(), Some("\"v7\""));
    assert_eq!(final_url, srv.url("/feed.xml"));
    assert_eq!(permanent_redirect, None);
    assert_eq!(max_age, Some(Duration::from_secs(600)));

    let again = FetchRequest {
        url: srv.url("/feed.xml"),
        etag,
        last_modified: last_modified.clone(),
        accept: Accept::Feed,
    };
    let second = f.fetch(&again).await.unwrap();
    assert_eq!(
        second,
        Fetched::NotModified {
            final_url: srv.url("/feed.xml"),
            permanent_redirect: None,
            max_age: Some(Duration::from_secs(300)),
        }
    );
    let heads = srv.heads();
    assert_eq!(heads.len(), 2);
    assert!(!heads[0].contains("if-none-match"), "{}", heads[0]);
    assert!(heads[1].contains("if-modified-since: tue, 24 nov 2026 10:00:00 gmt"));
    assert!(heads[0].contains("user-agent: herald/"), "{}", heads[0]);
    assert!(heads[0].contains("application/rss+xml"), "{}", heads[0]);
    let enc = heads[0]
        .lines()
        .find(|l| l.starts_with("accept-encoding:"))
        .unwrap_or_default();
    assert!(enc.contains("gzip") && enc.contains("br"), "{enc}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).unwrap();
    }
    out
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded_and_a_bomb_is_cut_at_the_cap() {
    let gz = gzip(FEED);
    let br = brotli(FEED);
    // 20 MiB of zeros compress to a few kilobytes: the cap applies to what they expand to.
    let bomb = gzip(&vec![0u8; 20 * 1024 * 1024]);
    assert!(bomb.len() < 100 * 1024);
    let srv = serve(move |path, _| match path {
        "/gz" => full("200 OK", &[("Content-Encoding", "gzip")], &gz),
        "/br" => full("200 OK", &[("Content-Encoding", "br")], &br),
        "/broken" => full("200 OK", &[("Content-Encoding", "gzip")], b"not gzip at all"),
        _ => full("200 OK", &[("Content-Encoding", "gzip")], &bomb),
    })
    .await;
    let f = local();
    assert_eq!(ok_body(get(&f, &srv.url("/gz")).await).0, FEED);
    assert_eq!(ok_body(get(&f, &srv.url("/br")).await).0, FEED);
    let e = get(&f, &srv.url("/bomb")).await.unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { limit: 1048576, .. }), "{e:?}");
    let e = get(&f, &srv.url("/broken")).await.unwrap_err();
    assert!(matches!(e, FetchError::Io { .. }), "{e:?}");
}

#[tokio::test]
async fn redirects_are_followed_resolved_and_reported() {
    let srv = serve(|path, _| match path {
        "/old" => redirect("301 Moved Permanently", "/moved/next"),
        // Relative to /moved/next.
        "/moved/next" => redirect("308 Permanent Redirect", "final.xml"),
        "/moved/final.xml" => full("200 OK", &[], FEED),
        "/temp" => redirect("302 Found", "/old"),
        "/loop-a" => redirect("302 Found", "/loop-b"),
        "/loop-b" => redirect("307 Temporary Redirect", "/loop-a#again"),
        "/no-location" => full("302 Found", &[], b""),
        p if p.starts_with("/hop/") => {
            let n: u32 = p.trim_start_matches("/hop/").parse().unwrap();
            if n == 0 {
                full("200 OK", &[], FEED)
            } else {
                redirect("301 Moved Permanently", &format!("/hop/{}", n - 1))
            }
        }
        _ => full("404 Not Found", &[], b""),
    })
    .await;
    let f = local();
    let (body, got) = ok_body(get(&f, &srv.url("/old")).await);
    assert_eq!(body, FEED);
    let Fetched::Ok {
        final_url,
        permanent_redirect,
        ..
    } = got
    else {
        unreachable!()
    };
    assert_eq!(final_url, srv.url("/moved/final.xml"));
    assert_eq!(permanent_redirect, Some(srv.url("/moved/final.xml")));

    // One temporary hop in the chain: the stored URL must not change.
    let (_, got) = ok_body(get(&f, &srv.url("/temp")).await);
    assert!(
        matches!(
            got,
            Fetched::Ok {
                permanent_redirect: None,
                ..
            }
        ),
        "{got:?}"
    );

    let e = get(&f, &srv.url("/loop-a")).await.unwrap_err();
    assert_eq!(
        e,
        FetchError::RedirectLoop {
            url: srv.url("/loop-a")
        }
    );
    // Five hops are fine, six are too many.
    ok_body(get(&f, &srv.url("/hop/5")).await);
    let e = get(&f, &srv.url("/hop/6")).await.unwrap_err();
    assert!(
        matches!(e, FetchError::TooManyRedirects { limit: 5, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("more than 5 redirects"), "{e}");
    let e = get(&f, &srv.url("/no-location")).await.unwrap_err();
    assert!(matches!(e, FetchError::Status { status: 302, .. }), "{e:?}");
}

#[tokio::test]
async fn internal_addresses_are_refused_directly_by_dns_and_after_redirects() {
    let srv = serve(|path, _| match path {
        "/to-metadata" => redirect("302 Found", "http://169.254.169.254/latest/meta-data/"),
        "/to-literal" => redirect("302 Found", &format!("http://127.0.0.1:{}/secret", 1)),
        "/to-file" => redirect("302 Found", "file:///etc/passwd"),
        _ => full("200 OK", &[], b"internal"),
    })
    .await;
    let port = srv.addr.port();
    let closed = Fetcher::new(config(&[])).unwrap();

    let e = get(&closed, &srv.url("/feed")).await.unwrap_err();
    assert!(matches!(e, FetchError::Blocked { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("refused, the host resolves to 127.0.0.1, a loopback address"),
        "{e}"
    );
    // By DNS: `localhost` is only refused once resolved, by the client's own resolver.
    let e = get(&closed, &format!("http://localhost:{port}/feed"))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Blocked { .. }), "{e:?}");
    assert!(e.to_string().contains("a loopback address"), "{e}");
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:10.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://100.64.0.9/",
    ] {
        let e = get(&closed, url).await.unwrap_err();
        assert!(matches!(e, FetchError::Blocked { .. }), "{url}: {e:?}");
    }
    assert!(srv.heads().is_empty(), "nothing may reach the server");

    // Allowed by name, the server is reached; its redirects are checked hop by hop.
    let by_name = Fetcher::new(config(&["localhost"])).unwrap();
    ok_body(get(&by_name, &format!("http://localhost:{port}/feed")).await);
    for (path, kind) in [
        ("/to-metadata", "the cloud metadata address"),
        ("/to-literal", "a loopback address"),
    ] {
        let e = get(&by_name, &format!("http://localhost:{port}{path}"))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, FetchError::Blocked { reason, .. } if reason.contains(kind)),
            "{path}: {e:?}"
        );
    }
    let e = get(&by_name, &format!("http://localhost:{port}/to-file"))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::InvalidUrl { .. }), "{e:?}");
    assert_eq!(srv.heads().len(), 4, "only the allowed hops were requested");

    for url in ["ftp://example.com/feed", "file:///etc/passwd", "not a url"] {
        let e = get(&closed, url).await.unwrap_err();
        assert!(matches!(e, FetchError::InvalidUrl { .. }), "{url}: {e:?}");
    }
}

#[tokio::test]
async fn an_endless_or_oversized_body_is_cut_at_the_cap() {
    let srv = serve(|path, _| match path {
        "/endless" => Reply::Endless(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec()),
        _ => Reply::Full(
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\nabc".to_vec(),
        ),
    })
    .await;
    let f = local();
    let started = Instant::now();
    let e = get(&f, &srv.url("/endless")).await.unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e:?}");
    assert!(e.to_string().contains("larger than the 1 MiB limit"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(4));
    let e = get(&f, &srv.url("/declared")).await.unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { .. }), "{e:?}");
}

#[tokio::test]
async fn slow_and_silent_servers_time_out() {
    let srv = serve(|path, _| match path {
        "/silent" => Reply::Silent,
        "/slow" => Reply::Trickle(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec(),
            Duration::from_millis(1000),
        ),
        _ => Reply::Trickle(
            b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".to_vec(),
            Duration::from_millis(100),
        ),
    })
    .await;
    let quick = Fetcher::new(FetchConfig {
        stall_timeout: Duration::from_millis(400),
        total_timeout: Duration::from_millis(1500),
        ..config(&["127.0.0.1"])
    })
    .unwrap();
    let started = Instant::now();
    // One byte a second: each wait for the next byte is longer than the stall timeout.
    let e = get(&quick, &srv.url("/slow")).await.unwrap_err();
    assert!(matches!(e, FetchError::Timeout { what: "stall", .. }), "{e:?}");
    let e = get(&quick, &srv.url("/silent")).await.unwrap_err();
    assert!(matches!(e, FetchError::Timeout { what: "stall", .. }), "{e:?}");
    // Ten bytes a second never stalls, but never finishes either.
    let e = get(&quick, &srv.url("/drip")).await.unwrap_err();
    assert!(matches!(e, FetchError::Timeout { what: "total", .. }), "{e:?}");
    assert!(e.to_string().contains("total timeout"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn statuses_map_to_what_the_poller_must_do() {
    let srv = serve(|path, _| match path {
        "/busy" => full("429 Too Many Requests", &[("Retry-After", "120")], b"slow down"),
        "/down" => full(
            "503 Service Unavailable",
            &[("Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT")],
            b"",
        ),
        "/down-no-hint" => full("503 Service Unavailable", &[], b""),
        "/gone" => full("410 Gone", &[], b"this feed has ended"),
        "/empty" => full("200 OK", &[("Content-Type", "application/rss+xml")], b""),
        "/latin" => full("200 OK", &[], b"<rss>caf\xe9 \xff\xfe</rss>"),
        "/oops" => full("500 Internal Server Error", &[], b""),
        _ => full("404 Not Found", &[], b""),
    })
    .await;
    let f = local();
    let e = get(&f, &srv.url("/busy")).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert!(matches!(e, FetchError::RateLimited { status: 429, .. }), "{e:?}");
    let e = get(&f, &srv.url("/down")).await.unwrap_err();
    assert!(matches!(e, FetchError::RateLimited { status: 503, .. }), "{e:?}");
    assert!(e.retry_after().unwrap() > Duration::from_secs(365 * 24 * 3600));
    let e = get(&f, &srv.url("/down-no-hint")).await.unwrap_err();
    assert!(
        matches!(
            e,
            FetchError::RateLimited {
                retry_after: None,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        get(&f, &srv.url("/gone")).await.unwrap(),
        Fetched::Gone {
            final_url: srv.url("/gone")
        }
    );
    assert!(ok_body(get(&f, &srv.url("/empty")).await).0.is_empty());
    assert_eq!(
        ok_body(get(&f, &srv.url("/latin")).await).0,
        b"<rss>caf\xe9 \xff\xfe</rss>"
    );
    let e = get(&f, &srv.url("/oops")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: the server answered HTTP 500 (Internal Server Error)",
            srv.url("/oops")
        )
    );
    assert_eq!(e.retry_after(), None);
    let e = get(&f, &srv.url("/missing")).await.unwrap_err();
    assert!(matches!(e, FetchError::Status { status: 404, .. }), "{e:?}");
}

#[tokio::test]
async fn unreachable_hosts_say_why() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let f = local();
    let e = get(&f, &format!("http://127.0.0.1:{port}/feed"))
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Connect { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("cannot connect to http://127.0.0.1:"),
        "{e}"
    );
    let e = get(&f, "http://no-such-host.invalid/feed").await.unwrap_err();
    assert!(
        matches!(e, FetchError::Dns { ref host, .. } if host == "no-such-host.invalid"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_fetch_does_not_hold_up_the_others() {
    let srv = serve(|path, _| match path {
        "/stuck" => Reply::Silent,
        _ => full("200 OK", &[], FEED),
    })
    .await;
    let f = Fetcher::new(FetchConfig {
        stall_timeout: Duration::from_secs(5),
        ..config(&["127.0.0.1"])
    })
    .unwrap();
    let stuck = {
        let f = f.clone();
        let url = srv.url("/stuck");
        tokio::spawn(async move { get(&f, &url).await })
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let f = f.clone();
            let url = srv.url(&format!("/feed/{i}"));
            tokio::spawn(async move { get(&f, &url).await })
        })
        .collect();
    for t in tasks {
        ok_body(t.await.unwrap());
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!stuck.is_finished(), "the stuck fetch is still waiting");
    stuck.abort();
}
