//! WebSub: subscribing to a feed's hub and verifying what it pushes.
//!
//! When a node has a public callback URL (`feeds.websub_callback`) and a polled feed
//! advertises a hub, the poller asks the hub to push that feed to
//! `{callback}/v1/websub/{feed id}` with a secret of our own. The hub confirms by a GET
//! that must echo its challenge ([`verify_intent`]); each push carries
//! `X-Hub-Signature: sha256=…`, the HMAC of the body under our secret, checked by
//! [`verify_signature`] before the body is parsed and ingested at once. Polling goes on
//! (at the feed's usual pace) as a safety net for missed pushes.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use time::OffsetDateTime;
use tracing::{debug, warn};

use crate::poller::Poller;
use crate::registry::Registry;

/// Lease asked of hubs (10 days); renewed when less than a day remains.
pub const LEASE_SECS: i64 = 10 * 86_400;
/// Least time between two subscription requests for one feed.
const RETRY_SECS: i64 = 3600;

/// Where the hub is told to push feed `id`.
pub fn callback_url(base: &str, id: &str) -> String {
    format!("{}/v1/websub/{id}", base.trim_end_matches('/'))
}

/// 32 hex characters from the OS's random source.
fn new_secret() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !ok {
        // No /dev/urandom (not Linux): the time and a counter, hashed; the secret only
        // needs to be unguessable by a hub's neighbours, not cryptographically strong.
        use sha2::Digest;
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut h = sha2::Sha256::new();
        h.update(OffsetDateTime::now_utc().unix_timestamp_nanos().to_le_bytes());
        h.update(N.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_le_bytes());
        h.update(std::process::id().to_le_bytes());
        bytes.copy_from_slice(&h.finalize()[..16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Asks the hub to push feed `id`, unless a subscription is live or was asked for lately.
pub(crate) fn maybe_subscribe(
    poller: &Poller,
    id: &str,
    base: &str,
    hub: &str,
    topic: &str,
    now: OffsetDateTime,
) {
    let now_s = now.unix_timestamp();
    let secret = poller.registry().update(id, |_, s| {
        let live = s.websub_until.is_some_and(|u| u > now_s + 86_400) && s.hub.as_deref() == Some(hub);
        let asked = s.websub_requested.is_some_and(|r| now_s - r < RETRY_SECS);
        if live || asked {
            return None;
        }
        s.websub_requested = Some(now_s);
        let secret = s.websub_secret.get_or_insert_with(new_secret).clone();
        Some(secret)
    });
    let Some(Some(secret)) = secret else {
        return;
    };
    let guard = poller.fetcher().config().guard.clone();
    let registry = std::sync::Arc::clone(poller.registry());
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.topic", topic)
        .append_pair("hub.callback", &callback_url(base, id))
        .append_pair("hub.secret", &secret)
        .append_pair("hub.lease_seconds", &LEASE_SECS.to_string())
        .finish();
    let hub = hub.to_string();
    let id = id.to_string();
    tokio::spawn(async move {
        if let Err(e) = subscribe(&guard, &hub, form).await {
            warn!(feed = %id, %hub, error = %e, "WebSub subscription failed");
            registry.update(&id, |f, _| {
                f.health.websub = false;
            });
        }
    });
}

async fn subscribe(guard: &crate::ssrf::Guard, hub: &str, form: String) -> Result<(), String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    let url = guard.check(hub).await.map_err(|e| format!("hub {hub}: {e}"))?;
    let client = CLIENT
        .get_or_init(|| {
            crate::ssrf::client_builder(guard.clone())
                .timeout(std::time::Duration::from_secs(20))
                .user_agent(concat!(
                    "Herald/",
                    env!("CARGO_PKG_VERSION"),
                    " (WebSub subscriber)"
                ))
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)?;
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .map_err(|e| format!("hub {hub}: {e}"))?;
    if resp.status().is_success() {
        debug!(%hub, status = %resp.status(), "WebSub subscription requested");
        Ok(())
    } else {
        Err(format!("hub {hub} answered HTTP {}", resp.status().as_u16()))
    }
}

/// Answers a hub's verification GET for feed `id`: the challenge to echo, or why not.
pub fn verify_intent(
    registry: &Registry,
    id: &str,
    mode: &str,
    topic: &str,
    challenge: &str,
    lease_seconds: Option<i64>,
    now: OffsetDateTime,
) -> Result<String, String> {
    match mode {
        "subscribe" => {
            let ok = registry.update(id, |f, s| {
                if s.websub_secret.is_none() || s.topic.as_deref() != Some(topic) {
                    return false;
                }
                s.websub_until =
                    Some(now.unix_timestamp() + lease_seconds.unwrap_or(LEASE_SECS).clamp(60, 365 * 86_400));
                f.health.websub = true;
                true
            });
            match ok {
                Some(true) => Ok(challenge.to_string()),
                Some(false) => Err(format!("feed {id:?} did not ask to subscribe to {topic:?}")),
                None => Err(format!("no feed with id {id:?}")),
            }
        }
        // We never unsubscribe a feed we follow; a feed removed may be let go.
        "unsubscribe" if registry.get(id).is_none() => Ok(challenge.to_string()),
        "unsubscribe" => Err(format!("feed {id:?} is still followed")),
        "denied" => {
            registry.update(id, |f, s| {
                s.websub_until = None;
                f.health.websub = false;
            });
            Err("the hub denied the subscription".into())
        }
        other => Err(format!("unknown hub.mode {other:?}")),
    }
}

/// Checks `X-Hub-Signature` (`sha256=HEX` or `sha512=HEX`) of a pushed `body` against
/// feed `id`'s secret.
pub fn verify_signature(
    registry: &Registry,
    id: &str,
    header: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    let (_, state) = registry
        .get_full(id)
        .ok_or_else(|| format!("no feed with id {id:?}"))?;
    let secret = state
        .websub_secret
        .ok_or("this feed has no WebSub subscription")?;
    let header = header.ok_or("the push has no X-Hub-Signature")?;
    let (alg, hex) = header
        .split_once('=')
        .ok_or("X-Hub-Signature is not METHOD=SIGNATURE")?;
    let want = decode_hex(hex.trim()).ok_or("X-Hub-Signature's signature is not hex")?;
    let ok = match alg.trim().to_ascii_lowercase().as_str() {
        "sha256" => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
            m.update(body);
            m.verify_slice(&want).is_ok()
        }
        "sha512" => {
            let mut m = Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
            m.update(body);
            m.verify_slice(&want).is_ok()
        }
        other => {
            return Err(format!(
                "signature method {other:?} is not accepted (use sha256 or sha512)"
            ));
        }
    };
    if ok {
        Ok(())
    } else {
        Err("the signature does not match: push ignored".into())
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The signature a hub would send for `body` under `secret` (for tests and tools).
pub fn sign_sha256(secret: &str, body: &[u8]) -> String {
    let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    m.update(body);
    let bytes = m.finalize().into_bytes();
    format!(
        "sha256={}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::NewFeed;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 03:00 UTC);

    fn registry_with_secret() -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().unwrap();
        let r = Registry::open(dir.path()).unwrap();
        r.add(
            NewFeed {
                url: "https://wire.example/atom".into(),
                title: Some("Wire".into()),
                ..NewFeed::default()
            },
            NOW,
        )
        .unwrap();
        r.update("wire", |_, s| {
            s.websub_secret = Some("s3cret".into());
            s.topic = Some("https://wire.example/atom".into());
        });
        (dir, r)
    }

    #[test]
    fn intent_is_confirmed_only_for_the_topic_we_asked() {
        let (_d, r) = registry_with_secret();
        assert_eq!(
            verify_intent(
                &r,
                "wire",
                "subscribe",
                "https://wire.example/atom",
                "ch4ll",
                Some(3600),
                NOW
            ),
            Ok("ch4ll".into())
        );
        let (f, s) = r.get_full("wire").unwrap();
        assert!(f.health.websub);
        assert_eq!(s.websub_until, Some(NOW.unix_timestamp() + 3600));
        assert!(verify_intent(&r, "wire", "subscribe", "https://evil.example/", "x", None, NOW).is_err());
        assert!(
            verify_intent(
                &r,
                "nope",
                "subscribe",
                "https://wire.example/atom",
                "x",
                None,
                NOW
            )
            .is_err()
        );
        assert!(
            verify_intent(
                &r,
                "wire",
                "unsubscribe",
                "https://wire.example/atom",
                "x",
                None,
                NOW
            )
            .is_err()
        );
    }

    #[test]
    fn signatures_are_checked() {
        let (_d, r) = registry_with_secret();
        let body = b"<feed/>";
        let sig = sign_sha256("s3cret", body);
        assert_eq!(verify_signature(&r, "wire", Some(&sig), body), Ok(()));
        assert!(verify_signature(&r, "wire", Some(&sig), b"<feed>tampered</feed>").is_err());
        assert!(verify_signature(&r, "wire", Some(&sign_sha256("other", body)), body).is_err());
        assert!(
            verify_signature(&r, "wire", None, body)
                .unwrap_err()
                .contains("no X-Hub-Signature")
        );
        assert!(
            verify_signature(&r, "wire", Some("md5=abcd"), body)
                .unwrap_err()
                .contains("not accepted")
        );
        assert!(verify_signature(&r, "wire", Some("sha256=zz"), body).is_err());
    }

    #[test]
    fn secrets_differ() {
        assert_ne!(new_secret(), new_secret());
        assert_eq!(new_secret().len(), 32);
    }
}
