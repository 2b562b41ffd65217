//! An incremental Server-Sent Events parser: bytes in (in any chunking), whole events out.
//!
//! Follows the WHATWG event-stream rules that Herald's `/v1/stream` uses: `field: value`
//! lines, `:` comments (keep-alives), a blank line ends an event, multiple `data:`
//! lines join with `\n`. Lines end in `\n` or `\r\n` (a lone `\r` ending is not
//! supported). Line and event sizes are capped so a misbehaving server cannot make
//! the benchmark use unbounded memory.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, `message` when absent.
    pub event: String,
    /// The last `id:` seen on this event, if any.
    pub id: Option<String>,
    pub data: String,
}

/// Why the stream cannot be parsed further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("a line of the event stream exceeded {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("an event's data exceeded {limit} bytes")]
    EventTooLarge { limit: usize },
    #[error("the event stream is not UTF-8 at byte {offset} of a line")]
    NotUtf8 { offset: usize },
}

/// Largest line accepted; a story is at most a few MiB of JSON.
pub const MAX_LINE: usize = 16 * 1024 * 1024;

/// Parser state between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    event: Option<String>,
    id: Option<String>,
    data: String,
    has_data: bool,
}

impl SseParser {
    pub fn new() -> Self {
        SseParser::default()
    }

    /// Consumes `chunk`, appending every event it completes to `out`.
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        while let Some(nl) = chunk.iter().position(|&b| b == b'\n') {
            let (head, rest) = chunk.split_at(nl);
            chunk = rest.get(1..).unwrap_or_default();
            if self.line.is_empty() {
                self.line_done(head, out)?;
            } else {
                self.push_line(head)?;
                let line = std::mem::take(&mut self.line);
                let result = self.line_done(&line, out);
                // Keep the allocation for the next long line.
                self.line = line;
                self.line.clear();
                result?;
            }
        }
        self.push_line(chunk)
    }

    fn push_line(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.line.len() + bytes.len() > MAX_LINE {
            return Err(SseError::LineTooLong { limit: MAX_LINE });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let line = std::str::from_utf8(line).map_err(|e| SseError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "id" => self.id = Some(value.to_owned()),
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_LINE {
                    return Err(SseError::EventTooLarge { limit: MAX_LINE });
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // `retry` and unknown fields do not matter to the benchmark.
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = self.event.take();
        let id = self.id.take();
        if !std::mem::take(&mut self.has_data) {
            // The spec drops events without data.
            return;
        }
        out.push(SseEvent {
            event: event.unwrap_or_else(|| "message".to_owned()),
            id,
            data: std::mem::take(&mut self.data),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(text: &[u8], piece: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        for c in text.chunks(piece) {
            p.feed(c, &mut out).expect("valid stream");
        }
        out
    }

    const STREAM: &[u8] = b": keep-alive\n\nevent: story\nid: 7\ndata: {\"guid\":\"a\"}\n\n\
        event: story\r\nid: 8\r\ndata: line one\r\ndata: line two\r\n\r\n\
        event: lag\ndata: {\"resume_from\": 9}\n\n";

    #[test]
    fn events_survive_any_chunking() {
        let whole = parse_in_pieces(STREAM, STREAM.len());
        assert_eq!(whole.len(), 3);
        assert_eq!(whole[0].event, "story");
        assert_eq!(whole[0].id.as_deref(), Some("7"));
        assert_eq!(whole[0].data, "{\"guid\":\"a\"}");
        assert_eq!(whole[1].data, "line one\nline two");
        assert_eq!(whole[2].event, "lag");
        for piece in [1, 2, 3, 7, 64] {
            assert_eq!(parse_in_pieces(STREAM, piece), whole, "chunks of {piece}");
        }
    }

    #[test]
    fn comments_and_dataless_events_are_not_dispatched() {
        assert!(parse_in_pieces(b": ping\n\nevent: story\n\n", 4).is_empty());
    }

    #[test]
    fn default_event_name_is_message() {
        let ev = parse_in_pieces(b"data:x\n\n", 100);
        assert_eq!(ev[0].event, "message");
        assert_eq!(ev[0].data, "x");
    }

    #[test]
    fn an_endless_line_is_an_error_not_a_memory_hog() {
        let mut p = SseParser::new();
        let mut out = Vec::new();
        let block = vec![b'a'; 1024 * 1024];
        let mut failed = false;
        for _ in 0..32 {
            if p.feed(&block, &mut out).is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }
}
