//! Language detection: the ISO 639-1 code of a text (via `whatlang`), or `None` when unsure.

use whatlang::Lang;

/// Texts with fewer letters than this are too short to call: a headline fragment or a
/// dateline says too little, and a wrong label is worse than none.
const MIN_LETTERS: usize = 20;

/// Only the first this-many bytes are examined: a few paragraphs settle the language, and
/// the cost of detection must not grow with a long story.
const MAX_BYTES: usize = 4096;

/// Below this `whatlang` confidence the guess is dropped. Measured (tests/text_basics.rs):
/// one-sentence news paragraphs in English, French, German, Spanish and Arabic score 1.0; a
/// four-word English phrase 0.6; a list of European capitals 0.08 (as Portuguese); keyboard
/// noise 0.01.
const MIN_CONFIDENCE: f64 = 0.5;

/// The ISO 639-1 code ("en", "fr", "ar", …) of `text`'s language, or `None` when the text is
/// too short or the guess is unclear. Deterministic.
pub fn detect_language(text: &str) -> Option<&'static str> {
    let head = prefix(text, MAX_BYTES);
    if head.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
        return None;
    }
    let info = whatlang::detect(head)?;
    if info.confidence() < MIN_CONFIDENCE {
        return None;
    }
    Some(iso639_1(info.lang()))
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("")
}

/// Every language `whatlang` knows has a two-letter code; the match is exhaustive so that a
/// new `whatlang` language is a compile error here rather than a silent `None`.
fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_respects_char_boundaries() {
        let s = "é".repeat(10);
        assert_eq!(prefix(&s, 5), "éé");
        assert_eq!(prefix("abc", 10), "abc");
    }
}
