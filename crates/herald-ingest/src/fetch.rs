//! Fetching a URL within limits: conditional GET, redirects checked hop by hop, a streamed body cap, timeouts.
//!
//! One [`Fetcher`] (one pooled reqwest client) serves every feed and linked page. Every
//! hop is checked by the SSRF guard twice: the URL's host literal before the request, and
//! the addresses a name resolves to inside the client's resolver (see
//! [`ssrf::GuardedResolver`]), so the address checked is the address connected to.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};

use crate::ssrf;

/// The limits and identity of the fetcher.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Sent on every request, so publishers can tell who polls them.
    pub user_agent: String,
    /// From the first packet to an open connection (TLS included in the stall budget).
    pub connect_timeout: Duration,
    /// The whole fetch, all redirects and the body included.
    pub total_timeout: Duration,
    /// The longest wait for the response head or for the next piece of the body.
    pub stall_timeout: Duration,
    /// Body bytes kept, counted after decompression.
    pub max_body: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Which internal addresses may be reached.
    pub guard: ssrf::Guard,
}

impl Default for FetchConfig {
    fn default() -> FetchConfig {
        FetchConfig {
            user_agent: concat!(
                "Herald/",
                env!("CARGO_PKG_VERSION"),
                " (+https://example.invalid/herald; feed fetcher)"
            )
            .to_owned(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            stall_timeout: Duration::from_secs(15),
            max_body: 10 * 1024 * 1024,
            max_redirects: 5,
            guard: ssrf::Guard::default(),
        }
    }
}

/// What kind of document is wanted; only changes the `Accept` header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Accept {
    #[default]
    Feed,
    Html,
}

impl Accept {
    fn header(self) -> &'static str {
        match self {
            Accept::Feed => {
                "application/rss+xml, application/atom+xml, application/feed+json, \
                 application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
            }
            Accept::Html => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        }
    }
}

/// One fetch: the URL and the validators from the previous answer, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub accept: Accept,
}

impl FetchRequest {
    /// An unconditional request for `url`.
    pub fn new(url: impl Into<String>, accept: Accept) -> FetchRequest {
        FetchRequest {
            url: url.into(),
            accept,
            ..FetchRequest::default()
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: what we have is current.
    NotModified {
        final_url: String,
        permanent_redirect: Option<String>,
        max_age: Option<Duration>,
    },
    /// A 2xx with its body (possibly empty; possibly not UTF-8: judging it is the parser's job).
    Ok {
        body: Bytes,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
        final_url: String,
        /// The URL the request should use from now on: set when every hop was 301/308.
        permanent_redirect: Option<String>,
        /// How long the answer is fresh, from `Cache-Control: max-age` or `Expires`.
        max_age: Option<Duration>,
    },
    /// 410: the resource is gone for good; stop polling it.
    Gone { final_url: String },
}

/// Why a fetch failed. `Display` reads as a feed's "last error in words".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url:?} cannot be fetched: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("{url}: refused, the host {reason} (allow it with fetch.allow or HERALD_FETCH_ALLOW)")]
    Blocked { url: String, reason: String },
    #[error("cannot resolve {host}: {detail}")]
    Dns { host: String, detail: String },
    #[error("cannot connect to {url}: {detail}")]
    Connect { url: String, detail: String },
    #[error("{url}: {}", timeout_words(.what))]
    Timeout { url: String, what: &'static str },
    #[error("{url}: the body is larger than the {} limit; cut off", size_words(*.limit))]
    TooLarge { url: String, limit: usize },
    #[error("{url}: more than {limit} redirects")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url}: the redirects go round in a loop")]
    RedirectLoop { url: String },
    #[error("{url}: the server asks us to slow down (HTTP {status}){}", retry_words(*.retry_after))]
    RateLimited {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("{url}: the server answered HTTP {status}{}", status_words(*.status))]
    Status { url: String, status: u16 },
    #[error("{url}: TLS failed: {detail}")]
    Tls { url: String, detail: String },
    #[error("{url}: reading the response failed: {detail}")]
    Io { url: String, detail: String },
    #[error("cannot set up the HTTP client: {detail}")]
    Client { detail: String },
}

impl FetchError {
    /// How long the server asked us to wait before the next request (429/503 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

fn timeout_words(what: &str) -> &'static str {
    match what {
        "connect" => "no connection within the connect timeout",
        "stall" => "the server stopped sending (stall timeout)",
        _ => "the fetch took longer than the total timeout",
    }
}

fn size_words(limit: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if limit >= MIB && limit.is_multiple_of(MIB) {
        format!("{} MiB", limit / MIB)
    } else {
        format!("{limit}-byte")
    }
}

fn retry_words(after: Option<Duration>) -> String {
    after.map_or_else(String::new, |d| format!("; retry after {} s", d.as_secs()))
}

fn status_words(status: u16) -> String {
    StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(String::new, |r| format!(" ({r})"))
}

/// Fetches URLs within the configured limits. Cheap to clone: clones share one client
/// and its connection pool; nothing is locked across an await.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    cfg: FetchConfig,
}

impl Fetcher {
    /// Builds the client: guarded resolver, no proxy, no automatic redirects, gzip and
    /// brotli decoding.
    pub fn new(cfg: FetchConfig) -> Result<Fetcher, FetchError> {
        let client = ssrf::client_builder(cfg.guard.clone())
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(cfg.connect_timeout)
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Client {
                detail: chain_text(&e),
            })?;
        Ok(Fetcher {
            inner: Arc::new(Inner { client, cfg }),
        })
    }

    /// The limits this fetcher works within.
    pub fn config(&self) -> &FetchConfig {
        &self.inner.cfg
    }

    /// Fetches `req.url`, following at most `max_redirects` redirects, within the
    /// total timeout.
    pub async fn fetch(&self, req: &FetchRequest) -> Result<Fetched, FetchError> {
        match tokio::time::timeout(self.inner.cfg.total_timeout, self.fetch_within(req)).await {
            Ok(res) => res,
            Err(_) => Err(FetchError::Timeout {
                url: req.url.clone(),
                what: "total",
            }),
        }
    }

    async fn fetch_within(&self, req: &FetchRequest) -> Result<Fetched, FetchError> {
        let cfg = &self.inner.cfg;
        let mut url = Url::parse(req.url.trim()).map_err(|e| FetchError::InvalidUrl {
            url: req.url.clone(),
            reason: e.to_string(),
        })?;
        url.set_fragment(None);
        self.check_target(&url)?;
        let mut seen = vec![url.clone()];
        let mut all_permanent = true;
        let resp = loop {
            let resp = self.send(&url, req).await?;
            let status = resp.status();
            let Some(location) = redirect_target(&resp) else {
                break resp;
            };
            let mut next = url.join(&location).map_err(|e| FetchError::InvalidUrl {
                url: location.clone(),
                reason: format!("a redirect from {url} to an unusable location ({e})"),
            })?;
            next.set_fragment(None);
            self.check_target(&next)?;
            if seen.contains(&next) {
                return Err(FetchError::RedirectLoop { url: req.url.clone() });
            }
            if seen.len() > cfg.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    url: req.url.clone(),
                    limit: cfg.max_redirects,
                });
            }
            all_permanent &= matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            );
            seen.push(next.clone());
            url = next;
        };
        let final_url = url.to_string();
        let permanent_redirect = (seen.len() > 1 && all_permanent).then(|| final_url.clone());
        let status = resp.status();
        let headers = resp.headers();
        match status.as_u16() {
            304 => Ok(Fetched::NotModified {
                max_age: max_age(headers),
                final_url,
                permanent_redirect,
            }),
            410 => Ok(Fetched::Gone { final_url }),
            429 | 503 => Err(FetchError::RateLimited {
                url: final_url,
                status: status.as_u16(),
                retry_after: retry_after(headers),
            }),
            200..=299 => {
                let content_type = header_text(headers, header::CONTENT_TYPE);
                let etag = header_text(headers, header::ETAG);
                let last_modified = header_text(headers, header::LAST_MODIFIED);
                let max_age = max_age(headers);
                let body = self.read_body(resp, &url).await?;
                Ok(Fetched::Ok {
                    body,
                    content_type,
                    etag,
                    last_modified,
                    final_url,
                    permanent_redirect,
                    max_age,
                })
            }
            code => Err(FetchError::Status {
                url: final_url,
                status: code,
            }),
        }
    }

    /// The checks possible before connecting: the scheme and the host literal.
    fn check_target(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: format!("only http and https are fetched, not {}:", url.scheme()),
            });
        }
        if url.host().is_none() {
            return Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: "the URL has no host".into(),
            });
        }
        self.inner
            .cfg
            .guard
            .check_url(url)
            .map_err(|r| FetchError::Blocked {
                url: url.to_string(),
                reason: r.reason,
            })
    }

    /// Sends one GET and waits (at most the stall timeout) for the response head.
    async fn send(&self, url: &Url, req: &FetchRequest) -> Result<reqwest::Response, FetchError> {
        let mut rb = self
            .inner
            .client
            .get(url.clone())
            .header(header::ACCEPT, req.accept.header());
        // A stored validator that is not a valid header value (it came from a server) is
        // dropped rather than failing every future fetch of the feed.
        if let Some(v) = req.etag.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            rb = rb.header(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = req
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            rb = rb.header(header::IF_MODIFIED_SINCE, v);
        }
        match tokio::time::timeout(self.inner.cfg.stall_timeout, rb.send()).await {
            Err(_) => Err(FetchError::Timeout {
                url: url.to_string(),
                what: "stall",
            }),
            Ok(Err(e)) => Err(classify(&e, url)),
            Ok(Ok(resp)) => Ok(resp),
        }
    }

    /// Reads the (decoded) body chunk by chunk, refusing to keep more than `max_body`
    /// bytes and to wait longer than the stall timeout for the next chunk.
    async fn read_body(&self, mut resp: reqwest::Response, url: &Url) -> Result<Bytes, FetchError> {
        let cfg = &self.inner.cfg;
        let too_large = || FetchError::TooLarge {
            url: url.to_string(),
            limit: cfg.max_body,
        };
        // Only set when the body is not being decompressed, so it is the size we would keep.
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > cfg.max_body as u64) {
            return Err(too_large());
        }
        let initial = declared.map_or(8 * 1024, |n| n as usize).min(cfg.max_body);
        let mut buf = BytesMut::with_capacity(initial);
        loop {
            let chunk = match tokio::time::timeout(cfg.stall_timeout, resp.chunk()).await {
                Err(_) => {
                    return Err(FetchError::Timeout {
                        url: url.to_string(),
                        what: "stall",
                    });
                }
                Ok(Err(e)) => return Err(classify(&e, url)),
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => chunk,
            };
            if chunk.len() > cfg.max_body - buf.len() {
                return Err(too_large());
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

/// The Location of a redirect we follow (301, 302, 303, 307, 308), if this is one.
fn redirect_target(resp: &reqwest::Response) -> Option<String> {
    let redirect = matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308);
    if !redirect {
        return None;
    }
    resp.headers()
        .get(header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Freshness from `Cache-Control: max-age=N`, else `Expires` minus `Date` (or now).
/// `no-store`/`no-cache` mean no freshness at all.
fn max_age(headers: &HeaderMap) -> Option<Duration> {
    if let Some(cc) = header_text(headers, header::CACHE_CONTROL) {
        let mut age = None;
        for directive in cc.split(',').map(str::trim) {
            let lower = directive.to_ascii_lowercase();
            if lower == "no-store" || lower == "no-cache" {
                return None;
            }
            if let Some(n) = lower.strip_prefix("max-age=") {
                age = n.trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
            }
        }
        if age.is_some() {
            return age;
        }
    }
    let expires = httpdate::parse_http_date(&header_text(headers, header::EXPIRES)?).ok()?;
    let now = header_text(headers, header::DATE)
        .and_then(|d| httpdate::parse_http_date(&d).ok())
        .unwrap_or_else(SystemTime::now);
    expires.duration_since(now).ok()
}

/// `Retry-After` as seconds or as an HTTP date (a date in the past means "now").
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header_text(headers, header::RETRY_AFTER)?;
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(&v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Turns a reqwest error into what went wrong, in words. A refusal by the guarded
/// resolver travels inside the error chain and is found there by downcasting.
fn classify(e: &reqwest::Error, url: &Url) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<ssrf::ResolveError>() {
            return match r {
                ssrf::ResolveError::Refused(r) => FetchError::Blocked {
                    url: url.to_string(),
                    reason: r.reason.clone(),
                },
                ssrf::ResolveError::Lookup { host, detail } => FetchError::Dns {
                    host: host.clone(),
                    detail: detail.clone(),
                },
                ssrf::ResolveError::NoAddress { host } => FetchError::Dns {
                    host: host.clone(),
                    detail: "no address".into(),
                },
            };
        }
        source = s.source();
    }
    let url_text = url.to_string();
    let detail = chain_text(e);
    if e.is_timeout() {
        let what = if e.is_connect() { "connect" } else { "stall" };
        return FetchError::Timeout { url: url_text, what };
    }
    // rustls errors reach us as io::Errors with text only; the words are the signal.
    let lower = detail.to_ascii_lowercase();
    if ["certificate", "tls", "handshake"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return FetchError::Tls {
            url: url_text,
            detail,
        };
    }
    if e.is_connect() {
        return FetchError::Connect {
            url: url_text,
            detail,
        };
    }
    let detail = if e.is_decode() {
        format!("the compressed body is corrupt ({detail})")
    } else {
        detail
    };
    FetchError::Io {
        url: url_text,
        detail,
    }
}

/// The causes of an error, outermost first, without reqwest's own wrapper text (which
/// repeats the URL); bounded so a hostile server cannot fill the feed's error field.
fn chain_text(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    let mut out = parts.join(": ");
    if out.len() > 300 {
        let mut cut = 300;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn freshness_comes_from_cache_control_or_expires() {
        let h = headers(&[("cache-control", "public, max-age=900")]);
        assert_eq!(max_age(&h), Some(Duration::from_secs(900)));
        let h = headers(&[("cache-control", "no-cache, max-age=900")]);
        assert_eq!(max_age(&h), None);
        let h = headers(&[
            ("date", "Wed, 25 Nov 2026 02:00:00 GMT"),
            ("expires", "Wed, 25 Nov 2026 03:00:00 GMT"),
        ]);
        assert_eq!(max_age(&h), Some(Duration::from_secs(3600)));
        let h = headers(&[("expires", "0")]);
        assert_eq!(max_age(&h), None);
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let h = headers(&[("retry-after", "120")]);
        assert_eq!(retry_after(&h), Some(Duration::from_secs(120)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(600));
        let got = retry_after(&headers(&[("retry-after", &later)])).unwrap();
        assert!((590..=600).contains(&got.as_secs()), "{got:?}");
        let past = headers(&[("retry-after", "Mon, 01 Jan 2001 00:00:00 GMT")]);
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }

    #[test]
    fn errors_read_as_words() {
        let e = FetchError::TooLarge {
            url: "http://feeds.example/a".into(),
            limit: 10 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "http://feeds.example/a: the body is larger than the 10 MiB limit; cut off"
        );
        let e = FetchError::RateLimited {
            url: "http://feeds.example/a".into(),
            status: 429,
            retry_after: Some(Duration::from_secs(60)),
        };
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        assert!(e.to_string().ends_with("(HTTP 429); retry after 60 s"), "{e}");
        let e = FetchError::Status {
            url: "http://feeds.example/a".into(),
            status: 404,
        };
        assert!(e.to_string().ends_with("HTTP 404 (Not Found)"), "{e}");
    }
}
