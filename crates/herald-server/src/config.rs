//! Node configuration: defaults, then `herald.toml` in the data dir, then `HERALD_*` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything a node needs to know to run. Built by [`Config::load`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the log, the index and `herald.toml` live.
    pub data_dir: PathBuf,
    /// The HTTP listen address (`127.0.0.1:8765`; port 0 picks a free port).
    pub listen: SocketAddr,
    /// Largest request body accepted by `POST /v1/stories`, in bytes.
    pub max_body_bytes: usize,
    /// How many events a stream subscriber may have queued before it is cut off as lagging.
    pub subscriber_queue: usize,
    /// How often the indexer commits while stories keep arriving, in milliseconds.
    /// Searchability lags a 201 by at most about this much plus the commit's own time.
    pub index_commit_ms: u64,
    /// Memory for the index writer, in bytes.
    pub index_memory_bytes: usize,
    /// Committed stories handed straight to the indexer; past that it reads the log.
    pub index_queue: usize,
    /// Committed stories handed straight to the alert matcher; past that it reads the log.
    pub alert_queue: usize,
    /// First wait before retrying a failed webhook delivery, in milliseconds; it doubles
    /// on each failure up to `alert_retry_max_ms` (with jitter).
    pub alert_retry_base_ms: u64,
    /// Longest wait between webhook delivery attempts, in milliseconds.
    pub alert_retry_max_ms: u64,
    /// How long one webhook delivery may take before it counts as failed, in milliseconds.
    pub webhook_timeout_ms: u64,
    /// Host names and CIDRs that outgoing requests (webhooks) may reach even though they
    /// are loopback, private or link-local (`fetch.allow` / `HERALD_FETCH_ALLOW`).
    pub fetch_allow: Vec<String>,
    /// Feed polls in flight at once.
    pub feed_concurrency: usize,
    /// Fetches to one host at once.
    pub feed_per_host: usize,
    /// Largest feed or page body fetched, in bytes (cut off while streaming).
    pub fetch_max_body_bytes: usize,
    /// Longest one fetch may take, redirects and body included, in milliseconds.
    pub fetch_timeout_ms: u64,
    /// This node's public base URL (`https://herald.example.org`) for WebSub callbacks;
    /// unset, feeds are only polled.
    pub websub_callback: Option<String>,
}

/// The default listen address (DESIGN §5).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

impl Config {
    /// The defaults for a data dir, before the file and the environment are read.
    pub fn defaults(data_dir: PathBuf) -> Config {
        Config {
            data_dir,
            listen: DEFAULT_LISTEN.parse().expect("constant address parses"),
            max_body_bytes: 1024 * 1024,
            subscriber_queue: 4096,
            index_commit_ms: 500,
            index_memory_bytes: 128 * 1024 * 1024,
            index_queue: 4096,
            alert_queue: 4096,
            alert_retry_base_ms: 1000,
            alert_retry_max_ms: 5 * 60 * 1000,
            webhook_timeout_ms: 10_000,
            fetch_allow: Vec::new(),
            feed_concurrency: 64,
            feed_per_host: 4,
            fetch_max_body_bytes: 10 * 1024 * 1024,
            fetch_timeout_ms: 30_000,
            websub_callback: None,
        }
    }

    /// Defaults, overlaid by `DATA/herald.toml` if present, overlaid by `HERALD_*` variables
    /// (`HERALD_LISTEN`, `HERALD_MAX_BODY_BYTES`, …: the key upper-cased).
    pub fn load(data_dir: &Path) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("HERALD_"))
            .collect();
        Self::load_with_env(data_dir, &env)
    }

    /// [`Config::load`] with the environment given explicitly (for tests).
    pub fn load_with_env(data_dir: &Path, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let mut cfg = Config::defaults(data_dir.to_path_buf());
        let file = data_dir.join("herald.toml");
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let f: FileConfig = toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: file.clone(),
                    message: e.to_string(),
                })?;
                cfg.apply(&f, &file.display().to_string())?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(ConfigError::File {
                    path: file,
                    message: e.to_string(),
                });
            }
        }
        let mut from_env = FileConfig::default();
        for (k, v) in env {
            let key = k.trim_start_matches("HERALD_").to_ascii_lowercase();
            let bad = |what: &str| ConfigError::Env {
                var: k.clone(),
                message: format!("expected {what}, got {v:?}"),
            };
            match key.as_str() {
                "listen" => from_env.listen = Some(v.clone()),
                "max_body_bytes" => {
                    from_env.max_body_bytes = Some(v.parse().map_err(|_| bad("a number of bytes"))?)
                }
                "subscriber_queue" => {
                    from_env.subscriber_queue = Some(v.parse().map_err(|_| bad("a number"))?)
                }
                "index_commit_ms" => {
                    from_env.index_commit_ms = Some(v.parse().map_err(|_| bad("milliseconds"))?)
                }
                "index_queue" => from_env.index_queue = Some(v.parse().map_err(|_| bad("a number"))?),
                "index_memory_bytes" => {
                    from_env.index_memory_bytes = Some(v.parse().map_err(|_| bad("a number of bytes"))?)
                }
                "alert_queue" => from_env.alert_queue = Some(v.parse().map_err(|_| bad("a number"))?),
                "alert_retry_base_ms" => {
                    from_env.alert_retry_base_ms = Some(v.parse().map_err(|_| bad("milliseconds"))?)
                }
                "alert_retry_max_ms" => {
                    from_env.alert_retry_max_ms = Some(v.parse().map_err(|_| bad("milliseconds"))?)
                }
                "webhook_timeout_ms" => {
                    from_env.webhook_timeout_ms = Some(v.parse().map_err(|_| bad("milliseconds"))?)
                }
                "feed_concurrency" => {
                    from_env.feed_concurrency = Some(v.parse().map_err(|_| bad("a number"))?)
                }
                "feed_per_host" => from_env.feed_per_host = Some(v.parse().map_err(|_| bad("a number"))?),
                "fetch_max_body_bytes" => {
                    from_env.fetch_max_body_bytes = Some(v.parse().map_err(|_| bad("a number of bytes"))?)
                }
                "fetch_timeout_ms" => {
                    from_env.fetch_timeout_ms = Some(v.parse().map_err(|_| bad("milliseconds"))?)
                }
                "websub_callback" => from_env.websub_callback = Some(v.clone()),
                "fetch_allow" => {
                    from_env.fetch = Some(FetchConfig {
                        allow: v
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                    })
                }
                _ => {}
            }
        }
        cfg.apply(&from_env, "the environment")?;
        Ok(cfg)
    }

    fn apply(&mut self, f: &FileConfig, origin: &str) -> Result<(), ConfigError> {
        if let Some(l) = &f.listen {
            self.listen = l.parse().map_err(|_| ConfigError::Value {
                key: "listen".into(),
                origin: origin.into(),
                message: format!("{l:?} is not an address like 127.0.0.1:8765"),
            })?;
        }
        let positive = |key: &str, v: u64| {
            if v == 0 {
                Err(ConfigError::Value {
                    key: key.into(),
                    origin: origin.into(),
                    message: "must be above 0".into(),
                })
            } else {
                Ok(v)
            }
        };
        if let Some(v) = f.max_body_bytes {
            self.max_body_bytes = positive("max_body_bytes", v)? as usize;
        }
        if let Some(v) = f.subscriber_queue {
            self.subscriber_queue = positive("subscriber_queue", v)? as usize;
        }
        if let Some(v) = f.index_queue {
            self.index_queue = positive("index_queue", v)? as usize;
        }
        if let Some(v) = f.index_commit_ms {
            self.index_commit_ms = positive("index_commit_ms", v)?;
        }
        if let Some(v) = f.index_memory_bytes {
            // tantivy refuses less than 15 MB per writer thread.
            if v < 16 * 1024 * 1024 {
                return Err(ConfigError::Value {
                    key: "index_memory_bytes".into(),
                    origin: origin.into(),
                    message: "must be at least 16777216 (16 MiB)".into(),
                });
            }
            self.index_memory_bytes = v as usize;
        }
        if let Some(v) = f.alert_queue {
            self.alert_queue = positive("alert_queue", v)? as usize;
        }
        if let Some(v) = f.alert_retry_base_ms {
            self.alert_retry_base_ms = positive("alert_retry_base_ms", v)?;
        }
        if let Some(v) = f.alert_retry_max_ms {
            self.alert_retry_max_ms = positive("alert_retry_max_ms", v)?;
        }
        if let Some(v) = f.webhook_timeout_ms {
            self.webhook_timeout_ms = positive("webhook_timeout_ms", v)?;
        }
        if let Some(v) = f.feed_concurrency {
            self.feed_concurrency = positive("feed_concurrency", v)? as usize;
        }
        if let Some(v) = f.feed_per_host {
            self.feed_per_host = positive("feed_per_host", v)? as usize;
        }
        if let Some(v) = f.fetch_max_body_bytes {
            self.fetch_max_body_bytes = positive("fetch_max_body_bytes", v)? as usize;
        }
        if let Some(v) = f.fetch_timeout_ms {
            self.fetch_timeout_ms = positive("fetch_timeout_ms", v)?;
        }
        if let Some(v) = &f.websub_callback {
            let v = v.trim();
            if v.is_empty() {
                self.websub_callback = None;
            } else {
                match url::Url::parse(v) {
                    Ok(u) if matches!(u.scheme(), "http" | "https") => {
                        self.websub_callback = Some(v.trim_end_matches('/').to_string())
                    }
                    _ => {
                        return Err(ConfigError::Value {
                            key: "websub_callback".into(),
                            origin: origin.into(),
                            message: format!(
                                "{v:?} is not a public http(s) base URL like https://herald.example.org"
                            ),
                        });
                    }
                }
            }
        }
        if let Some(fetch) = &f.fetch {
            for entry in &fetch.allow {
                herald_ingest::ssrf::AllowEntry::parse(entry).map_err(|message| ConfigError::Value {
                    key: "fetch.allow".into(),
                    origin: origin.into(),
                    message,
                })?;
            }
            self.fetch_allow.clone_from(&fetch.allow);
        }
        Ok(())
    }
}

/// The keys `herald.toml` may hold; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    max_body_bytes: Option<u64>,
    subscriber_queue: Option<u64>,
    index_commit_ms: Option<u64>,
    index_memory_bytes: Option<u64>,
    index_queue: Option<u64>,
    alert_queue: Option<u64>,
    alert_retry_base_ms: Option<u64>,
    alert_retry_max_ms: Option<u64>,
    webhook_timeout_ms: Option<u64>,
    feed_concurrency: Option<u64>,
    feed_per_host: Option<u64>,
    fetch_max_body_bytes: Option<u64>,
    fetch_timeout_ms: Option<u64>,
    websub_callback: Option<String>,
    fetch: Option<FetchConfig>,
}

/// The `[fetch]` table: rules for the node's outgoing requests.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FetchConfig {
    /// Host names and CIDRs exempt from the private-address guard.
    #[serde(default)]
    allow: Vec<String>,
}

/// A configuration that cannot be used, with where the bad value came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error("{key} (from {origin}): {message}")]
    Value {
        key: String,
        origin: String,
        message: String,
    },
}

/// The platform's data directory for Herald: `$XDG_DATA_HOME/herald`, else
/// `~/.local/share/herald`, else `./herald-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("herald");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(h).join(".local/share/herald");
    }
    PathBuf::from("herald-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_override() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("herald.toml"),
            "listen = \"127.0.0.1:9000\"\nmax_body_bytes = 2048\n",
        )
        .unwrap();
        let cfg =
            Config::load_with_env(dir.path(), &[("HERALD_MAX_BODY_BYTES".into(), "4096".into())]).unwrap();
        assert_eq!(cfg.listen.port(), 9000);
        assert_eq!(cfg.max_body_bytes, 4096);
    }

    #[test]
    fn alert_keys_from_file_and_env() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("herald.toml"),
            "alert_retry_base_ms = 50\n[fetch]\nallow = [\"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let cfg = Config::load_with_env(dir.path(), &[]).unwrap();
        assert_eq!(cfg.alert_retry_base_ms, 50);
        assert_eq!(cfg.fetch_allow, vec!["10.0.0.0/8".to_string()]);
        let env = [("HERALD_FETCH_ALLOW".into(), "127.0.0.1, hooks.internal".into())];
        let cfg = Config::load_with_env(dir.path(), &env).unwrap();
        assert_eq!(
            cfg.fetch_allow,
            vec!["127.0.0.1".to_string(), "hooks.internal".into()]
        );
        let env = [("HERALD_FETCH_ALLOW".into(), "10.0.0.0/40".into())];
        let e = Config::load_with_env(dir.path(), &env).unwrap_err().to_string();
        assert!(e.contains("fetch.allow") && e.contains("10.0.0.0/40"), "{e}");
    }

    #[test]
    fn bad_values_name_their_origin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("herald.toml"), "listen = \"nowhere\"\n").unwrap();
        let e = Config::load_with_env(dir.path(), &[]).unwrap_err().to_string();
        assert!(e.contains("listen") && e.contains("herald.toml"), "{e}");
        std::fs::write(dir.path().join("herald.toml"), "colour = 1\n").unwrap();
        let e = Config::load_with_env(dir.path(), &[]).unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
        std::fs::remove_file(dir.path().join("herald.toml")).unwrap();
        let e = Config::load_with_env(dir.path(), &[("HERALD_MAX_BODY_BYTES".into(), "lots".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("HERALD_MAX_BODY_BYTES") && e.contains("lots"), "{e}");
    }
}
