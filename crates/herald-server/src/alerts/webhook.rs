//! Webhook delivery: one task per alert with a webhook, on a thread of its own, so a slow
//! or dead receiver never delays ingest, matching or another alert. The outbox is the
//! hits log itself plus, per alert, a cursor file (`outbox/ID.cursor`: every hit of this
//! alert up to that hit_seq is delivered); after a restart each task goes on from its
//! cursor. A hit is retried with exponential back-off (with jitter) until the receiver
//! takes it; it carries `Idempotency-Key: HIT_SEQ`, so a receiver can drop the repeat
//! that a crash between delivery and cursor update may cause.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Notify, oneshot};

use super::hits::{HitRecord, HitsReader};
use super::store::Alert;
use super::{AlertsError, lock};
use herald_ingest::ssrf::Guard;

/// Hits read from the log at a time by one delivery task.
const READ_CHUNK: usize = 64;

/// `sha256=HEX(HMAC-SHA256(secret, timestamp + "." + body))`: the `X-Herald-Signature`
/// header. The key is the secret's text as returned when the alert was created.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes keys of any length; this branch cannot be reached.
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", super::hex(&mac.finalize().into_bytes()))
}

/// How deliveries run.
pub(super) struct Settings {
    pub hits: HitsReader,
    pub outbox: PathBuf,
    pub guard: Guard,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub timeout: Duration,
}

struct Ctx {
    settings: Settings,
    http: reqwest::Client,
}

struct Task {
    notify: Arc<Notify>,
    abort: tokio::task::AbortHandle,
}

/// The delivery thread and its per-alert tasks.
pub(super) struct Webhooks {
    handle: tokio::runtime::Handle,
    ctx: Arc<Ctx>,
    tasks: Mutex<HashMap<u64, Task>>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn cursor_path(outbox: &Path, id: &str) -> PathBuf {
    outbox.join(format!("{id}.cursor"))
}

fn read_cursor(outbox: &Path, id: &str) -> u64 {
    std::fs::read_to_string(cursor_path(outbox, id))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Writes a cursor atomically (temp file + rename). Not fsync'd: losing the latest
/// update in a crash only repeats deliveries, which the idempotency key lets receivers drop.
fn write_cursor(outbox: &Path, id: &str, cursor: u64) {
    let path = cursor_path(outbox, id);
    let tmp = path.with_extension("cursor.tmp");
    let res = std::fs::write(&tmp, cursor.to_string()).and_then(|()| std::fs::rename(&tmp, &path));
    if let Err(e) = res {
        tracing::warn!(path = %path.display(), error = %e, "cannot save a webhook cursor; deliveries may repeat after a restart");
    }
}

/// A delay between `d / 2` and `d`, so that retries to one receiver do not arrive in step.
fn jitter(d: Duration) -> Duration {
    let r = u64::from_le_bytes(super::random_bytes::<8>());
    let half = d / 2;
    let ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_millis(r % ms)
}

impl Webhooks {
    pub(super) fn start(settings: Settings) -> Result<Webhooks, AlertsError> {
        // The guarded client: its resolver applies the guard to the very addresses it
        // connects to (no DNS-rebinding window), no proxy, and no redirects (a redirect
        // could lead past the guard).
        let http = herald_ingest::ssrf::client_builder(settings.guard.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("herald-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AlertsError::Thread(format!("webhook client ({e})")))?;
        let (handle_tx, handle_rx) = std::sync::mpsc::sync_channel(1);
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("herald-webhooks".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(rt.handle().clone()));
                rt.block_on(async {
                    let _ = stop_rx.await;
                });
                // Dropping the runtime cancels the deliveries in flight; their hits stay
                // in the outbox and go out after the next start.
            })
            .map_err(|e| AlertsError::Thread(format!("webhooks ({e})")))?;
        let handle = match handle_rx.recv() {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => return Err(AlertsError::Thread(format!("webhooks runtime ({e})"))),
            Err(_) => return Err(AlertsError::Thread("webhooks runtime".into())),
        };
        Ok(Webhooks {
            handle,
            ctx: Arc::new(Ctx { settings, http }),
            tasks: Mutex::new(HashMap::new()),
            stop: Mutex::new(Some(stop_tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Starts delivering an alert's hits (if it has a webhook). `from` sets its cursor
    /// (a new alert: nothing before the current hit is its); `None` resumes the saved one.
    pub(super) fn watch(&self, alert: Arc<Alert>, from: Option<u64>) {
        let (Some(_), Some(_)) = (&alert.webhook, &alert.secret) else {
            return;
        };
        if let Some(c) = from {
            write_cursor(&self.ctx.settings.outbox, &alert.id, c);
        }
        let notify = Arc::new(Notify::new());
        let num = alert.num();
        let join = self
            .handle
            .spawn(deliver_all(self.ctx.clone(), alert, notify.clone()));
        let old = lock(&self.tasks).insert(
            num,
            Task {
                notify,
                abort: join.abort_handle(),
            },
        );
        if let Some(old) = old {
            old.abort.abort();
        }
    }

    /// Stops an alert's deliveries and forgets its cursor.
    pub(super) fn unwatch(&self, id: &str, num: u64) {
        if let Some(t) = lock(&self.tasks).remove(&num) {
            t.abort.abort();
            let _ = std::fs::remove_file(cursor_path(&self.ctx.settings.outbox, id));
        }
    }

    /// Tells an alert's task that new hits are in the log.
    pub(super) fn wake(&self, num: u64) {
        if let Some(t) = lock(&self.tasks).get(&num) {
            t.notify.notify_one();
        }
    }

    /// Stops every delivery (what is undelivered stays in the outbox).
    pub(super) fn shutdown(&self) {
        if let Some(s) = lock(&self.stop).take() {
            let _ = s.send(());
        }
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

/// One alert's delivery loop: from its cursor, each of its hits in order, each until the
/// receiver takes it.
async fn deliver_all(ctx: Arc<Ctx>, alert: Arc<Alert>, notify: Arc<Notify>) {
    let outbox = ctx.settings.outbox.clone();
    let mut cursor = read_cursor(&outbox, &alert.id);
    loop {
        let upto = ctx.settings.hits.durable();
        if cursor >= upto {
            notify.notified().await;
            continue;
        }
        let reader = ctx.settings.hits.clone();
        let id = alert.id.clone();
        let read =
            tokio::task::spawn_blocking(move || reader.read(cursor, upto, READ_CHUNK, |h| h.alert_id == id))
                .await;
        let (hits, covered) = match read {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::error!(alert = %alert.id, error = %e, "cannot read the hits log for webhook delivery");
                tokio::time::sleep(ctx.settings.retry_max.min(Duration::from_secs(5))).await;
                continue;
            }
            Err(_) => return,
        };
        for hit in &hits {
            deliver(&ctx, &alert, hit).await;
            write_cursor(&outbox, &alert.id, hit.hit_seq);
        }
        if covered > cursor {
            cursor = covered;
            write_cursor(&outbox, &alert.id, cursor);
        }
    }
}

/// Delivers one hit, retrying with back-off until the receiver answers 2xx.
async fn deliver(ctx: &Ctx, alert: &Alert, hit: &HitRecord) {
    let (Some(url), Some(secret)) = (&alert.webhook, &alert.secret) else {
        return;
    };
    let body = match serde_json::to_vec(hit) {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(alert = %alert.id, error = %e, "cannot encode a hit; skipping its delivery");
            return;
        }
    };
    let mut delay = ctx.settings.retry_base;
    let mut attempt = 1u32;
    loop {
        match attempt_once(ctx, url, secret, &body, hit.hit_seq).await {
            Ok(()) => return,
            Err(e) => {
                let wait = jitter(delay);
                tracing::warn!(alert = %alert.id, hit_seq = hit.hit_seq, attempt, error = %e, retry_in_ms = wait.as_millis() as u64, "webhook delivery failed");
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(ctx.settings.retry_max);
                attempt = attempt.saturating_add(1);
            }
        }
    }
}

async fn attempt_once(ctx: &Ctx, url: &str, secret: &str, body: &[u8], hit_seq: u64) -> Result<(), String> {
    // Checked again on every attempt: where a name points can change after the alert was made.
    let url = ctx.settings.guard.check(url).await?;
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    let resp = ctx
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("x-herald-timestamp", ts.to_string())
        .header("x-herald-signature", sign(secret, ts, body))
        .header("idempotency-key", hit_seq.to_string())
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", resp.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_rfc_4231_construction() {
        // The HMAC itself against RFC 4231 test case 2, then `sign` against an HMAC of
        // the joined "<timestamp>.<body>" text.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            super::super::hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"s3cret").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let expected = format!("sha256={}", super::super::hex(&mac.finalize().into_bytes()));
        assert_eq!(sign("s3cret", 1_700_000_000, b"{\"a\":1}"), expected);
        assert_ne!(sign("other", 1_700_000_000, b"{\"a\":1}"), expected);
    }

    #[test]
    fn jitter_stays_between_half_and_whole() {
        for _ in 0..100 {
            let j = jitter(Duration::from_millis(1000));
            assert!(
                j >= Duration::from_millis(500) && j < Duration::from_millis(1000),
                "{j:?}"
            );
        }
    }
}
