//! Reading stories from files or stdin for `publish` and `enrich`: plain text, one JSON
//! story, a JSON array of stories, or JSON Lines.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

/// Largest input file read; a story is far smaller, so a bigger file is a mistake.
const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// One story to send, with a label saying where it came from (`file.txt`, `feed.jsonl:12`).
pub struct Item {
    pub label: String,
    pub json: bool,
    pub bytes: Vec<u8>,
}

fn read_all(path: &str) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .context("reading stdin")?;
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?;
        f.take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut buf)
            .with_context(|| format!("cannot read {path}"))?;
    }
    if buf.len() as u64 > MAX_INPUT_BYTES {
        bail!("{path} is larger than {MAX_INPUT_BYTES} bytes");
    }
    Ok(buf)
}

/// The stories in the given paths (`-` is stdin), in order.
pub fn items(paths: &[String]) -> anyhow::Result<Vec<Item>> {
    let mut out = Vec::new();
    for path in paths {
        let bytes = read_all(path)?;
        let label = if path == "-" {
            "<stdin>".to_string()
        } else {
            path.clone()
        };
        let ext = Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if ext == "jsonl" || ext == "ndjson" {
            for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                out.push(Item {
                    label: format!("{label}:{}", i + 1),
                    json: true,
                    bytes: line.to_vec(),
                });
            }
        } else if first == Some(b'[') {
            let v: Vec<serde_json::Value> = serde_json::from_slice(&bytes)
                .with_context(|| format!("{label}: not a JSON array of stories"))?;
            for (i, s) in v.into_iter().enumerate() {
                out.push(Item {
                    label: format!("{label}[{i}]"),
                    json: true,
                    bytes: serde_json::to_vec(&s)?,
                });
            }
        } else {
            let json = first == Some(b'{') || ext == "json";
            out.push(Item { label, json, bytes });
        }
    }
    Ok(out)
}
