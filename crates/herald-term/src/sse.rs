//! Server-Sent Events parsing: bytes as they arrive in → whole `event:`/`id:`/`data:` events out.

/// Largest event (or single line) kept; a node never sends one this big, so anything larger
/// is a broken or hostile peer and is dropped rather than buffered without bound.
pub const MAX_EVENT_BYTES: usize = 16 << 20;

/// One parsed Server-Sent Event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field (empty means the default, "message").
    pub name: String,
    /// The `id:` field, if the event carried one.
    pub id: Option<String>,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// An incremental parser: feed it chunks split anywhere (even inside a UTF-8 character or
/// a `\r\n`) and it yields each event once its terminating blank line has arrived.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    cur: SseEvent,
    /// The current line outgrew [`MAX_EVENT_BYTES`]: skip up to its end.
    skipping_line: bool,
    /// The current event outgrew [`MAX_EVENT_BYTES`]: drop it at its blank line.
    oversized: bool,
}

impl SseParser {
    /// Adds a chunk and returns the events it completed, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let (line, tail) = rest.split_at(nl);
            rest = tail.get(1..).unwrap_or_default();
            if self.skipping_line {
                self.skipping_line = false;
                self.buf.clear();
                continue;
            }
            self.buf.extend_from_slice(line);
            let line = std::mem::take(&mut self.buf);
            self.line(&line, &mut out);
        }
        if !self.skipping_line {
            self.buf.extend_from_slice(rest);
            if self.buf.len() > MAX_EVENT_BYTES {
                self.buf = Vec::new();
                self.skipping_line = true;
                self.oversized = true;
            }
        }
        out
    }

    fn line(&mut self, raw: &[u8], out: &mut Vec<SseEvent>) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            let ev = std::mem::take(&mut self.cur);
            if !std::mem::take(&mut self.oversized) && (!ev.data.is_empty() || !ev.name.is_empty()) {
                out.push(ev);
            }
            return;
        }
        if raw.first() == Some(&b':') {
            return; // a comment: the node's keep-alive
        }
        let line = String::from_utf8_lossy(raw);
        let (field, value) = line.split_once(':').map_or((line.as_ref(), ""), |(f, v)| {
            (f, v.strip_prefix(' ').unwrap_or(v))
        });
        match field {
            "event" => self.cur.name = value.to_string(),
            "id" => self.cur.id = Some(value.to_string()),
            "data" => {
                if self.cur.data.len() + value.len() > MAX_EVENT_BYTES {
                    self.oversized = true;
                    self.cur.data.clear();
                    return;
                }
                if !self.cur.data.is_empty() {
                    self.cur.data.push('\n');
                }
                self.cur.data.push_str(value);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_at_any_byte() {
        let wire = "event: story\nid: 7\ndata: {\"headline\":\"Überflutung in Köln\"}\r\n\r\n: keep-alive\n\nevent: lag\ndata: {\"resume_from\":7}\n\n";
        let whole = SseParser::default().push(wire.as_bytes());
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].name, "story");
        assert_eq!(whole[0].id.as_deref(), Some("7"));
        assert_eq!(whole[0].data, "{\"headline\":\"Überflutung in Köln\"}");
        assert_eq!(whole[1].name, "lag");
        // Every split point, including inside "Ü" and between \r and \n, gives the same events.
        for cut in 0..wire.len() {
            let mut p = SseParser::default();
            let mut got = p.push(&wire.as_bytes()[..cut]);
            got.extend(p.push(&wire.as_bytes()[cut..]));
            assert_eq!(got, whole, "split at byte {cut}");
        }
    }

    #[test]
    fn multi_line_data_is_joined_and_an_oversized_event_is_dropped() {
        let mut p = SseParser::default();
        let got = p.push(b"data: one\ndata: two\n\n");
        assert_eq!(got[0].data, "one\ntwo");
        let mut big = b"event: story\ndata: ".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_EVENT_BYTES + 10));
        assert!(p.push(&big).is_empty());
        let got = p.push(b"\n\nevent: story\nid: 9\ndata: ok\n\n");
        assert_eq!(got.len(), 1, "only the event after the oversized one");
        assert_eq!(got[0].id.as_deref(), Some("9"));
    }
}
