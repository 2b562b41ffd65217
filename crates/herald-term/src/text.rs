//! Text made safe and shaped for a terminal grid: control characters removed, display
//! widths measured, paragraphs wrapped (with byte ranges kept, so entity offsets still apply).

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

/// Characters that must never reach the terminal: C0 and C1 controls (an ESC would let a
/// story drive the terminal) and the bidirectional overrides and isolates (they reorder
/// everything drawn after them on the line, not just the story's own text).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// A one-line string for a headline, a source name or a list entry: unsafe characters and
/// line breaks become spaces.
pub fn clean_line(s: &str) -> String {
    s.chars().map(|c| if is_unsafe(c) { ' ' } else { c }).collect()
}

/// A body safe to draw with its byte offsets unchanged: each unsafe character becomes as
/// many spaces as it had bytes, except `\n`, which stays and separates paragraphs.
pub fn clean_keep_offsets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' {
            out.push('\n');
        } else if is_unsafe(c) {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// Display width of a character in cells (controls count as zero; they are removed anyway).
pub fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// Display width of a string in cells.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Wraps `text` to `cols` cells and returns each line as a byte range into `text`. Lines
/// break at spaces; a word wider than a line (a URL, a 2,000-letter word) is cut between
/// characters. `\n` ends a paragraph; an empty paragraph gives an empty line.
pub fn wrap_ranges(text: &str, cols: usize) -> Vec<Range<usize>> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    let mut para_start = 0;
    for para in text.split('\n') {
        wrap_paragraph(para, para_start, cols, &mut lines);
        para_start += para.len() + 1;
    }
    lines
}

fn wrap_paragraph(para: &str, base: usize, cols: usize, lines: &mut Vec<Range<usize>>) {
    let mut line_start: Option<usize> = None;
    let mut line_end = 0;
    let mut line_width = 0;
    let mut produced = false;
    for (word_start, word) in words(para) {
        let w = width(word);
        let space = usize::from(line_start.is_some());
        if line_start.is_some() && line_width + space + w <= cols {
            line_end = word_start + word.len();
            line_width += space + w;
            continue;
        }
        if let Some(s) = line_start.take() {
            lines.push(base + s..base + line_end);
            produced = true;
        }
        if w <= cols {
            line_start = Some(word_start);
            line_end = word_start + word.len();
            line_width = w;
            continue;
        }
        // A word wider than the line: cut it into line-wide pieces; the last piece may be
        // continued by the next word.
        let mut piece_start = word_start;
        let mut piece_width = 0;
        for (i, c) in word.char_indices() {
            let cw = char_width(c);
            if piece_width + cw > cols && piece_width > 0 {
                lines.push(base + piece_start..base + word_start + i);
                produced = true;
                piece_start = word_start + i;
                piece_width = 0;
            }
            piece_width += cw;
        }
        line_start = Some(piece_start);
        line_end = word_start + word.len();
        line_width = piece_width;
    }
    if let Some(s) = line_start {
        lines.push(base + s..base + line_end);
    } else if !produced {
        lines.push(base..base);
    }
}

/// The words of a paragraph (runs of non-space characters) with their byte offsets.
fn words(para: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = para.get(pos..)?;
        let skip = rest.len() - rest.trim_start_matches(' ').len();
        let start = pos + skip;
        let word_rest = para.get(start..)?;
        if word_rest.is_empty() {
            return None;
        }
        let len = word_rest.find(' ').unwrap_or(word_rest.len());
        pos = start + len;
        Some((start, word_rest.get(..len)?))
    })
}

/// Wraps a one-line string into owned lines of at most `cols` cells.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    wrap_ranges(text, cols)
        .into_iter()
        .map(|r| text.get(r).unwrap_or_default().to_string())
        .collect()
}

/// Cuts a one-line string to at most `cols` cells, marking the cut with `…`.
pub fn truncate(s: &str, cols: usize) -> String {
    if width(s) <= cols {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if w + cw + 1 > cols {
            break;
        }
        out.push(c);
        w += cw;
    }
    if cols > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_removed_but_offsets_kept() {
        let body = "Oil\u{1b}[2J rose\u{85} \u{202E}3%\nnext";
        let clean = clean_keep_offsets(body);
        assert_eq!(clean.len(), body.len());
        assert!(!clean.chars().any(is_unsafe_not_newline));
        assert_eq!(&clean[body.find("rose").unwrap_or(0)..][..4], "rose");
        assert_eq!(clean_line("a\tb\nc\u{9b}d"), "a b c d");
    }

    fn is_unsafe_not_newline(c: char) -> bool {
        c != '\n' && is_unsafe(c)
    }

    #[test]
    fn wrapping_respects_cells_and_cuts_long_words() {
        let text = "Harbour strike halts grain exports";
        let lines = wrap(text, 14);
        assert_eq!(lines, ["Harbour strike", "halts grain", "exports"]);
        let long = "x".repeat(2000);
        let lines = wrap(&long, 80);
        assert_eq!(lines.len(), 25);
        assert!(lines.iter().all(|l| width(l) <= 80));
        // Wide characters (CJK, emoji) take two cells each.
        let lines = wrap("東京株式市場🚀🚀", 5);
        assert!(lines.iter().all(|l| width(l) <= 5), "{lines:?}");
        assert_eq!(lines.concat(), "東京株式市場🚀🚀");
        // Paragraph breaks survive, including empty ones.
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("Ministry of Finance", 8), "Ministr…");
        assert_eq!(truncate("short", 8), "short");
    }
}
