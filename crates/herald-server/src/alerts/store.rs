//! The durable set of alerts: `DATA/alerts/alerts.jsonl`, an append-only log of add and
//! remove records (each fsync'd), replayed at start and compacted when removals dominate.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AlertsError;

/// Compact only past this many removals, so a small file is never rewritten for nothing.
const COMPACT_MIN_REMOVALS: usize = 64;

/// One standing query as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// `al_` and 16 hex digits; the digits are the matcher's numeric id.
    pub id: String,
    pub name: String,
    pub query: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_min: Option<u32>,
    pub fold_duplicates: bool,
    /// The webhook signing key; shown once, in the answer that created the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// The log's last seq when the alert was added: only later stories can hit it, so
    /// matching the log again after a crash never reports stories older than the alert.
    pub after_seq: u64,
}

impl Alert {
    /// The matcher's id for an alert id (`al_` + 16 hex digits).
    pub fn num_of(id: &str) -> Option<u64> {
        let hex = id.strip_prefix("al_")?;
        if hex.len() != 16 {
            return None;
        }
        u64::from_str_radix(hex, 16).ok()
    }

    pub fn id_of(num: u64) -> String {
        format!("al_{num:016x}")
    }

    pub fn num(&self) -> u64 {
        Alert::num_of(&self.id).unwrap_or(0)
    }
}

/// One line of `alerts.jsonl`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Record {
    Add { alert: Alert },
    Remove { id: String },
}

/// The alerts file, open for appending.
pub struct AlertStore {
    path: PathBuf,
    file: File,
    live: usize,
    removals: usize,
}

fn io_err(what: &str, path: &Path, source: std::io::Error) -> AlertsError {
    AlertsError::Io {
        what: what.to_string(),
        path: path.to_path_buf(),
        source,
    }
}

impl AlertStore {
    /// Opens (or creates) `dir/alerts.jsonl` and replays it into the alerts it holds, in
    /// the order they were added. A torn last line (a crash mid-append) is cut off; any
    /// other unreadable line is skipped with a warning rather than losing the rest.
    pub fn open(dir: &Path) -> Result<(AlertStore, Vec<Alert>), AlertsError> {
        let path = dir.join("alerts.jsonl");
        let mut alerts: Vec<Alert> = Vec::new();
        let mut removals = 0usize;
        let mut good_len = 0u64;
        match File::open(&path) {
            Ok(f) => {
                let mut r = BufReader::new(f);
                let mut line = String::new();
                let mut lineno = 0usize;
                loop {
                    line.clear();
                    let n = r.read_line(&mut line).map_err(|e| io_err("reading", &path, e))?;
                    if n == 0 {
                        break;
                    }
                    lineno += 1;
                    if !line.ends_with('\n') {
                        tracing::warn!(path = %path.display(), line = lineno, "cutting off a torn last record");
                        break;
                    }
                    good_len += n as u64;
                    match serde_json::from_str::<Record>(line.trim_end()) {
                        Ok(Record::Add { alert }) => {
                            alerts.retain(|a| a.id != alert.id);
                            alerts.push(alert);
                        }
                        Ok(Record::Remove { id }) => {
                            alerts.retain(|a| a.id != id);
                            removals += 1;
                        }
                        Err(e) => {
                            tracing::warn!(path = %path.display(), line = lineno, error = %e, "skipping an unreadable alert record");
                        }
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("opening", &path, e)),
        }
        let file = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| io_err("opening", &path, e))?;
        if file.metadata().map(|m| m.len()).unwrap_or(0) > good_len {
            file.set_len(good_len)
                .map_err(|e| io_err("truncating", &path, e))?;
        }
        let live = alerts.len();
        Ok((
            AlertStore {
                path,
                file,
                live,
                removals,
            },
            alerts,
        ))
    }

    fn append(&mut self, record: &Record) -> Result<(), AlertsError> {
        let mut line = serde_json::to_string(record).map_err(|e| AlertsError::Encode(e.to_string()))?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_err("writing", &self.path, e))
    }

    /// Stores a new alert durably.
    pub fn add(&mut self, alert: &Alert) -> Result<(), AlertsError> {
        self.append(&Record::Add { alert: alert.clone() })?;
        self.live += 1;
        Ok(())
    }

    /// Records a removal durably; `remaining` (the alerts still live) is what a
    /// compaction keeps, once removals outnumber them.
    pub fn remove(&mut self, id: &str, remaining: &[Alert]) -> Result<(), AlertsError> {
        self.append(&Record::Remove { id: id.to_string() })?;
        self.live = self.live.saturating_sub(1);
        self.removals += 1;
        if self.removals >= COMPACT_MIN_REMOVALS && self.removals > self.live {
            // A failed compaction leaves the (longer but correct) old file in place.
            if let Err(e) = self.compact(remaining) {
                tracing::warn!(error = %e, "could not compact the alerts file; keeping it as is");
            }
        }
        Ok(())
    }

    /// Rewrites the file with only the live alerts: temp file, fsync, rename, fsync dir.
    fn compact(&mut self, remaining: &[Alert]) -> Result<(), AlertsError> {
        let tmp = self.path.with_extension("jsonl.tmp");
        let mut text = String::new();
        for alert in remaining {
            let line = serde_json::to_string(&Record::Add { alert: alert.clone() })
                .map_err(|e| AlertsError::Encode(e.to_string()))?;
            text.push_str(&line);
            text.push('\n');
        }
        let mut f = File::create(&tmp).map_err(|e| io_err("creating", &tmp, e))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| io_err("writing", &tmp, e))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| io_err("renaming into place", &self.path, e))?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io_err("syncing", dir, e))?;
        }
        self.file = File::options()
            .append(true)
            .open(&self.path)
            .map_err(|e| io_err("opening", &self.path, e))?;
        self.live = remaining.len();
        self.removals = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(n: u64) -> Alert {
        Alert {
            id: Alert::id_of(n),
            name: format!("alert {n}"),
            query: "harbour".into(),
            webhook: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            rate_limit_per_min: None,
            fold_duplicates: true,
            secret: None,
            after_seq: 0,
        }
    }

    #[test]
    fn replays_adds_and_removes_and_compacts_when_removals_dominate() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, loaded) = AlertStore::open(dir.path()).unwrap();
        assert!(loaded.is_empty());
        let mut live = Vec::new();
        for n in 1..=100 {
            store.add(&alert(n)).unwrap();
            live.push(alert(n));
        }
        for n in 1..=90 {
            live.retain(|a| a.id != Alert::id_of(n));
            store.remove(&Alert::id_of(n), &live).unwrap();
        }
        drop(store);
        let (_, loaded) = AlertStore::open(dir.path()).unwrap();
        assert_eq!(loaded, live);
        let lines = std::fs::read_to_string(dir.path().join("alerts.jsonl"))
            .unwrap()
            .lines()
            .count();
        assert!(lines < 100, "compacted: {lines} lines");
    }

    #[test]
    fn a_torn_last_line_is_cut_off_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = AlertStore::open(dir.path()).unwrap();
        store.add(&alert(7)).unwrap();
        drop(store);
        let path = dir.path().join("alerts.jsonl");
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(b"{\"op\":\"add\",\"alert\":{\"id\":").unwrap();
        let (mut store, loaded) = AlertStore::open(dir.path()).unwrap();
        assert_eq!(loaded, vec![alert(7)]);
        store.add(&alert(8)).unwrap();
        let (_, loaded) = AlertStore::open(dir.path()).unwrap();
        assert_eq!(loaded, vec![alert(7), alert(8)]);
    }
}
