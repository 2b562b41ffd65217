//! Sentence splitting for news prose: byte ranges of sentences that survive abbreviations,
//! initials, decimals, ellipses and closing quotes.
//!
//! The splitter is a single forward scan over the bytes (a 256-entry table says which bytes
//! can start a stop or a newline), so it runs at memory speed on ordinary prose. A stop
//! (`.`, `!`, `?`, `…`, and the CJK/Arabic/Devanagari full stops) ends a sentence when:
//!
//! * it is followed, after any run of further stops and closing quotes or brackets, by
//!   whitespace or the end of the text (so `$1.48`, `U.S.-led` and `example.com` never split),
//! * the next word does not start with a lowercase letter (`“Why?” she asked.` is one
//!   sentence, so is `“…,” she said.`),
//! * and, for a single `.`, the word before it is not an abbreviation that keeps the sentence
//!   going (titles, "Inc.", "U.S.", initials, months before a day: see `Abbrev`).
//!
//! A blank line (two newlines with only whitespace between) always ends a sentence.

use std::ops::Range;

/// Byte ranges of the sentences of `text`, in order, trimmed of surrounding whitespace; empty
/// sentences are left out. Every range lies on character boundaries, so `&text[r]` is safe.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !INTERESTING[usize::from(b)] {
            i += 1;
            continue;
        }
        if b == b'\n' {
            // A blank line: the sentence (if any) ends before the whitespace run.
            let (ws_end, newlines) = whitespace_run(text, i);
            if newlines >= 2 {
                push_trimmed(text, start..i, &mut out);
                start = ws_end;
            }
            i = ws_end.max(i + 1);
            continue;
        }
        let Some(stop) = stop_at(bytes, i) else {
            i += 1;
            continue;
        };
        let end = consume_stops_and_closers(bytes, i);
        if is_boundary(text, start, i, end, stop) {
            push_trimmed(text, start..end, &mut out);
            start = end;
        }
        i = end.max(i + 1);
    }
    push_trimmed(text, start..text.len(), &mut out);
    out
}

/// The kinds of sentence stop the scanner recognises.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stop {
    /// `.`: ambiguous (abbreviations, initials), checked against the word before it.
    Period,
    /// `!`, `?`, `…`: end a sentence unless a lowercase word follows.
    Strong,
    /// `。`, `！`, `？` and friends: scripts without spaces between sentences; always a stop.
    Unspaced,
}

/// Bytes that may begin a stop, a closing mark we must look at, or a newline. Multi-byte
/// stops are recognised by their lead byte here and confirmed by [`stop_at`].
static INTERESTING: [bool; 256] = {
    let mut t = [false; 256];
    t[b'.' as usize] = true;
    t[b'!' as usize] = true;
    t[b'?' as usize] = true;
    t[b'\n' as usize] = true;
    t[0xE2] = true; // … (E2 80 A6)
    t[0xE3] = true; // 。 (E3 80 82)
    t[0xEF] = true; // ！ ？ (EF BC 81 / EF BC 9F)
    t[0xD8] = true; // Arabic question mark ؟ (D8 9F)
    t[0xDB] = true; // Arabic full stop ۔ (DB 94)
    t[0xE0] = true; // Devanagari danda । (E0 A5 A4)
    t
};

/// The stop starting at byte `i`, if any.
fn stop_at(bytes: &[u8], i: usize) -> Option<Stop> {
    let rest = bytes.get(i..)?;
    match rest {
        [b'.', ..] => Some(Stop::Period),
        [b'!' | b'?', ..] => Some(Stop::Strong),
        [0xE2, 0x80, 0xA6, ..] => Some(Stop::Strong),
        [0xE3, 0x80, 0x82, ..]
        | [0xEF, 0xBC, 0x81 | 0x9F, ..]
        | [0xD8, 0x9F, ..]
        | [0xDB, 0x94, ..]
        | [0xE0, 0xA5, 0xA4 | 0xA5, ..] => Some(Stop::Unspaced),
        _ => None,
    }
}

/// Byte length of the stop or closing mark at `i` (0 when there is none).
fn stop_or_closer_len(bytes: &[u8], i: usize) -> usize {
    let Some(rest) = bytes.get(i..) else { return 0 };
    match rest {
        [b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | b']', ..] => 1,
        // … ” ’ ›
        [0xE2, 0x80, 0xA6 | 0x9D | 0x99 | 0xBA, ..] => 3,
        // » (C2 BB)
        [0xC2, 0xBB, ..] => 2,
        // 。 」 』 ） (E3 80 82 / E3 80 8D / E3 80 8F / EF BC 89)
        [0xE3, 0x80, 0x82 | 0x8D | 0x8F, ..] | [0xEF, 0xBC, 0x81 | 0x9F | 0x89, ..] => 3,
        [0xD8, 0x9F, ..] | [0xDB, 0x94, ..] => 2,
        [0xE0, 0xA5, 0xA4 | 0xA5, ..] => 3,
        _ => 0,
    }
}

/// End of the run of stops and closing quotes/brackets that begins at the stop at `i`:
/// `ended.”` and `?!` are one unit, so the quote mark stays with its sentence.
fn consume_stops_and_closers(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    loop {
        let n = stop_or_closer_len(bytes, j);
        if n == 0 {
            return j;
        }
        j += n;
    }
}

/// The end of the whitespace run starting at `i`, and how many newlines it holds.
fn whitespace_run(text: &str, i: usize) -> (usize, usize) {
    let Some(rest) = text.get(i..) else {
        return (text.len(), 0);
    };
    let mut newlines = 0;
    for (off, c) in rest.char_indices() {
        if !c.is_whitespace() {
            return (i + off, newlines);
        }
        if c == '\n' {
            newlines += 1;
        }
    }
    (text.len(), newlines)
}

/// Whether the stop run `stop_pos..end` ends the sentence that began at `sent_start`.
fn is_boundary(text: &str, sent_start: usize, stop_pos: usize, end: usize, stop: Stop) -> bool {
    if stop == Stop::Unspaced {
        return true;
    }
    let Some(after) = text.get(end..) else {
        return true;
    };
    let mut chars = after.chars();
    match chars.next() {
        None => return true,
        Some(c) if !c.is_whitespace() => return false,
        Some(_) => {}
    }
    let next = after.trim_start();
    if next.is_empty() {
        return true;
    }
    // Look past opening quotes and brackets to the first letter of the next word.
    let opener_free = next.trim_start_matches(['"', '\'', '“', '‘', '(', '[', '«', '¿', '¡', '‹']);
    let opens_quote = opener_free.len() != next.len();
    let Some(first) = opener_free.chars().next() else {
        return true;
    };
    if first.is_lowercase() {
        return false;
    }
    if stop == Stop::Strong || (end - stop_pos > 1 && is_ellipsis(text, stop_pos, end)) {
        return true;
    }
    let word_before = word_before(text, sent_start, stop_pos);
    let next_word = next_word(opener_free);
    match classify(word_before) {
        Abbrev::None => true,
        Abbrev::Title => false,
        Abbrev::BeforeNumber => !first.is_ascii_digit(),
        Abbrev::Month if first.is_ascii_digit() => false,
        Abbrev::Month | Abbrev::Ambiguous => {
            if opens_quote || STARTERS.contains(&next_word) {
                true
            } else {
                // A capitalised word that is not a usual sentence opener is most likely the
                // rest of a name ("J.R. Okafor", "Orbis Inc. Chairman"); digits continue too
                // ("U.S. 10-year yields").
                !(first.is_uppercase() || first.is_ascii_digit())
            }
        }
    }
}

/// Whether the stop run holds `..` or more (an ellipsis written with periods).
fn is_ellipsis(text: &str, stop_pos: usize, end: usize) -> bool {
    text.get(stop_pos..end).is_some_and(|s| s.starts_with(".."))
}

/// The word (letters, digits and inner dots) that ends just before the stop at `stop_pos`,
/// not reaching back past `sent_start`.
fn word_before(text: &str, sent_start: usize, stop_pos: usize) -> &str {
    let Some(head) = text.get(sent_start..stop_pos) else {
        return "";
    };
    let begin = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| c.is_alphanumeric() || c == '.')
        .last()
        .map_or(head.len(), |(i, _)| i);
    head.get(begin..).unwrap_or("").trim_start_matches('.')
}

/// The leading run of letters of `s` (the next word, for the sentence-opener check).
fn next_word(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    s.get(..end).unwrap_or("")
}

/// What the word before a period says about the period.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Abbrev {
    /// An ordinary word: the period ends the sentence.
    None,
    /// A title or Latin abbreviation that never ends a sentence in news copy ("Gen.", "Dr.",
    /// "vs.", "e.g.").
    Title,
    /// "No.", "Nos.", "Art.", "pp.": an abbreviation only before a number ("No. 2").
    BeforeNumber,
    /// "Jan." … "Dec.": an abbreviation before a day number; otherwise like [`Abbrev::Ambiguous`].
    Month,
    /// Can end a sentence or sit inside one ("Inc.", "U.S.", "Jr.", an initial): the next
    /// word decides.
    Ambiguous,
}

const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "dr", "prof", "gen", "lt", "col", "capt", "cpt", "brig", "maj", "sgt",
    "cpl", "pvt", "adm", "cmdr", "cdr", "cmdt", "sen", "rep", "gov", "pres", "rev", "hon", "st", "mt", "ft",
    "vs", "v", "cf", "approx", "incl", "ca", "atty", "supt", "insp", "det", "amb", "gens", "sens", "reps",
    "mme", "mlle", "sra", "srta",
];

const BEFORE_NUMBER: &[&str] = &["no", "nos", "art", "pp", "p", "vol", "fig", "ch", "para"];

const MONTHS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];

const AMBIGUOUS: &[&str] = &[
    "inc", "ltd", "co", "corp", "plc", "llc", "llp", "ag", "sa", "nv", "bv", "jr", "bros", "ave", "rd",
    "dept", "govt", "etc", "al", "ma", "est", "univ", "assn", "intl", "sr", "fr", "sec",
];

/// Capitalised words that usually open a sentence; after an ambiguous abbreviation they mean
/// the abbreviation ended the sentence ("… Orbis Inc. The company said …").
const STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "My",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Here",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "With",
    "Without",
    "After",
    "Before",
    "During",
    "Since",
    "Until",
    "While",
    "When",
    "Where",
    "Why",
    "How",
    "What",
    "Who",
    "Which",
    "But",
    "And",
    "Or",
    "So",
    "Yet",
    "If",
    "Although",
    "Though",
    "As",
    "Also",
    "Some",
    "Many",
    "Most",
    "Several",
    "All",
    "Both",
    "Each",
    "Other",
    "Others",
    "Another",
    "No",
    "Not",
    "One",
    "Two",
    "Three",
    "Officials",
    "Analysts",
    "Police",
    "Shares",
    "However",
    "Meanwhile",
    "Earlier",
    "Later",
    "Last",
    "Next",
    "Still",
    "Even",
    "Such",
    "According",
    "Asked",
    "Neither",
    "None",
    "Only",
    "Then",
    "Now",
    "Today",
    "Yesterday",
    "Tomorrow",
    "Because",
    "Despite",
    "Instead",
    "More",
    "Few",
    "Any",
];

fn classify(word: &str) -> Abbrev {
    if word.is_empty() || word.len() > 12 {
        return Abbrev::None;
    }
    if word.contains('.') {
        // Dotted abbreviations: every part one to three letters ("U.S", "S.p.A", "e.g").
        let dotted = word
            .split('.')
            .all(|p| (1..=3).contains(&p.chars().count()) && p.chars().all(char::is_alphabetic));
        if !dotted {
            return Abbrev::None;
        }
        let lower = word.to_ascii_lowercase();
        return if lower == "e.g" || lower == "i.e" {
            Abbrev::Title
        } else {
            Abbrev::Ambiguous
        };
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        // A single letter: an initial ("Felix K. Brandt"), or "v." (versus).
        return if c == 'v' {
            Abbrev::Title
        } else if c.is_alphabetic() {
            Abbrev::Ambiguous
        } else {
            Abbrev::None
        };
    }
    let lower = word.to_ascii_lowercase();
    let l = lower.as_str();
    if TITLES.contains(&l) {
        Abbrev::Title
    } else if BEFORE_NUMBER.contains(&l) {
        Abbrev::BeforeNumber
    } else if MONTHS.contains(&l) {
        Abbrev::Month
    } else if AMBIGUOUS.contains(&l) {
        Abbrev::Ambiguous
    } else {
        Abbrev::None
    }
}

fn push_trimmed(text: &str, r: Range<usize>, out: &mut Vec<Range<usize>>) {
    let Some(s) = text.get(r.clone()) else { return };
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if !trimmed.is_empty() {
        let start = r.start + lead;
        out.push(start..start + trimmed.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(t: &str) -> Vec<&str> {
        sentences(t).into_iter().map(|r| &t[r]).collect()
    }

    #[test]
    fn classifies_abbreviations() {
        assert_eq!(classify("Gen"), Abbrev::Title);
        assert_eq!(classify("U.S"), Abbrev::Ambiguous);
        assert_eq!(classify("S.p.A"), Abbrev::Ambiguous);
        assert_eq!(classify("e.g"), Abbrev::Title);
        assert_eq!(classify("K"), Abbrev::Ambiguous);
        assert_eq!(classify("2.5"), Abbrev::None);
        assert_eq!(classify("Monday"), Abbrev::None);
    }

    #[test]
    fn word_before_takes_dotted_tokens() {
        let t = "shares of Ferrante S.p.A. rose";
        let p = t.find("A. rose").map(|i| i + 1).unwrap_or(0);
        assert_eq!(word_before(t, 0, p), "S.p.A");
    }

    #[test]
    fn unspaced_scripts_split() {
        assert_eq!(split("今日は晴れ。明日は雨。"), ["今日は晴れ。", "明日は雨。"]);
    }
}
