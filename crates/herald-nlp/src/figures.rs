//! Figures: every number in a story with what it counts ("at least 14 people", "$2.4 billion").
//!
//! One pass: the text is cut into words, numbers and punctuation (with the kind of gap
//! before each), then each number is grown outwards — a currency before it, a multiplier
//! and a unit or counted noun after it, a qualifier ("at least", "about") before it, a
//! range ("between A and B", "A to B") around it — or rejected when it is a date, a clock
//! time, a year, an age, a score, an ordinal or part of a name or code. Rules are
//! deliberately local (a few words either side), so the cost is linear in the text.

use herald_model::Figure;

/// Extracts every number in `text` with what it counts. Offsets are byte offsets into `text`.
///
/// `value` is the plain number (multipliers expanded; a range gives its upper bound; "A of
/// B" gives A); `unit` is a lower-case counted noun ("people", "troops"), "percent", an ISO
/// 4217 code for money ("USD", "EUR"), a measure ("km", "hectares"), with " per …" for
/// rates ("USD per share"), or "" when the text does not say what the number counts.
pub fn extract_figures(text: &str) -> Vec<Figure> {
    let toks = tokenize(text);
    let ctx = Context::new(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match figure_at(&toks, i, &ctx) {
            Some(found) => {
                let (start, end) = (toks[found.first].start, toks[found.last].end);
                out.push(Figure {
                    value: found.value,
                    unit: found.unit,
                    text: text.get(start..end).unwrap_or_default().to_string(),
                    start,
                    end,
                });
                i = found.last + 1;
            }
            None => i = skip_past(&toks, i),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Num,
    Punct,
}

/// What separates a token from the one before it. Phrases never cross a line break, so a
/// headline's last word cannot become the counted noun of a number on the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    None,
    Space,
    Break,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: Kind,
    text: &'a str,
    start: usize,
    end: usize,
    gap: Gap,
}

/// The character at byte `i` of `text` (ASCII read directly, the rest decoded).
fn char_at(text: &str, i: usize) -> Option<char> {
    match text.as_bytes().get(i) {
        Some(&b) if b < 0x80 => Some(char::from(b)),
        Some(_) => text.get(i..).and_then(|s| s.chars().next()),
        None => None,
    }
}

fn tokenize(text: &str) -> Vec<Tok<'_>> {
    // About one token per four bytes of prose: one allocation for most stories.
    let mut toks = Vec::with_capacity(text.len() / 4 + 8);
    let bytes = text.as_bytes();
    let mut gap = Gap::None;
    let mut i = 0;
    while let Some(c) = char_at(text, i) {
        if c.is_whitespace() {
            if c == '\n' || c == '\r' || gap == Gap::Break {
                gap = Gap::Break;
            } else {
                gap = Gap::Space;
            }
            i += c.len_utf8();
            continue;
        }
        let mut end = i + c.len_utf8();
        let kind = if c.is_ascii_digit() {
            // Digits, thousands groups of exactly three digits, one decimal part.
            let mut seen_point = false;
            loop {
                let b = bytes.get(end..).unwrap_or_default();
                match b.first() {
                    Some(d) if d.is_ascii_digit() => end += 1,
                    Some(b',')
                        if !seen_point
                            && b.len() >= 4
                            && b[1..4].iter().all(u8::is_ascii_digit)
                            && !b.get(4).is_some_and(u8::is_ascii_digit) =>
                    {
                        end += 4
                    }
                    Some(b'.') if !seen_point && b.get(1).is_some_and(u8::is_ascii_digit) => {
                        seen_point = true;
                        end += 2;
                    }
                    _ => break,
                }
            }
            Kind::Num
        } else if c.is_alphabetic() {
            // Letters and digits, joined by hyphens, apostrophes or slashes that sit
            // between letters ("al-Shabaab", "Russia's", "km/h", "COP29").
            loop {
                match char_at(text, end) {
                    Some(n) if n.is_alphanumeric() => end += n.len_utf8(),
                    Some(j @ ('-' | '\'' | '’' | '/'))
                        if char_at(text, end + j.len_utf8()).is_some_and(char::is_alphabetic) =>
                    {
                        end += j.len_utf8()
                    }
                    _ => break,
                }
            }
            Kind::Word
        } else {
            Kind::Punct
        };
        toks.push(Tok {
            kind,
            text: text.get(i..end).unwrap_or_default(),
            start: i,
            end,
            gap,
        });
        gap = Gap::None;
        i = end;
    }
    toks
}

// ---------------------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------------------

/// Qualifiers kept in a figure's text, longest first so "more than" wins over "than".
const QUALIFIERS: &[&[&str]] = &[
    &["as", "many", "as"],
    &["as", "much", "as"],
    &["as", "few", "as"],
    &["as", "little", "as"],
    &["at", "least"],
    &["at", "most"],
    &["more", "than"],
    &["less", "than"],
    &["fewer", "than"],
    &["up", "to"],
    &["close", "to"],
    &["just", "over"],
    &["just", "under"],
    &["well", "over"],
    &["an", "estimated"],
    &["nearly"],
    &["almost"],
    &["about"],
    &["around"],
    &["roughly"],
    &["approximately"],
    &["some"],
    &["over"],
    &["above"],
    &["below"],
    &["under"],
    &["between"],
];

/// Multiplier words and their powers of ten ("2.4 billion").
#[rustfmt::skip]
const MULTIPLIERS: &[(&str, i32)] = &[
    ("hundred", 2), ("thousand", 3), ("million", 6), ("billion", 9), ("trillion", 12), ("bn", 9), ("mn", 6),
    ("tn", 12), ("trn", 12),
];

/// Multipliers written straight after the digits ("£3bn", "$450m", "5k").
const GLUED_MULTIPLIERS: &[(&str, i32)] =
    &[("bn", 9), ("m", 6), ("mn", 6), ("k", 3), ("tn", 12), ("trn", 12)];

/// Units written straight after the digits ("10km", "40C").
#[rustfmt::skip]
const GLUED_UNITS: &[(&str, &str)] = &[
    ("km", "km"), ("kg", "kg"), ("cm", "cm"), ("mm", "mm"), ("mph", "mph"), ("gw", "gigawatts"),
    ("mw", "megawatts"), ("kw", "kilowatts"), ("c", "degrees Celsius"), ("bpd", "barrels per day"),
];

/// Number words; "twenty-five" is read as two of them.
#[rustfmt::skip]
const NUMBER_WORDS: &[(&str, f64)] = &[
    ("one", 1.0), ("two", 2.0), ("three", 3.0), ("four", 4.0), ("five", 5.0), ("six", 6.0), ("seven", 7.0),
    ("eight", 8.0), ("nine", 9.0), ("ten", 10.0), ("eleven", 11.0), ("twelve", 12.0), ("thirteen", 13.0),
    ("fourteen", 14.0), ("fifteen", 15.0), ("sixteen", 16.0), ("seventeen", 17.0), ("eighteen", 18.0),
    ("nineteen", 19.0), ("twenty", 20.0), ("thirty", 30.0), ("forty", 40.0), ("fifty", 50.0), ("sixty", 60.0),
    ("seventy", 70.0), ("eighty", 80.0), ("ninety", 90.0),
];

/// Vague plurals that count only with "of" and a noun ("dozens of people"); the value is
/// the smallest amount the word can mean (two dozen, two hundred …).
#[rustfmt::skip]
const VAGUE_COUNTS: &[(&str, f64)] = &[
    ("dozens", 24.0), ("scores", 40.0), ("hundreds", 200.0), ("thousands", 2000.0), ("millions", 2_000_000.0),
];

/// Fractions that are figures when qualified ("about half") or followed by "of".
#[rustfmt::skip]
const FRACTIONS: &[(&[&str], f64)] = &[
    (&["half"], 50.0), (&["a", "quarter"], 25.0), (&["a", "third"], 100.0 / 3.0), (&["a", "fifth"], 20.0),
    (&["two-thirds"], 200.0 / 3.0), (&["three-quarters"], 75.0),
];

/// Currency symbols written before the number.
#[rustfmt::skip]
const SYMBOLS: &[(&str, &str)] = &[
    ("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"), ("₱", "PHP"), ("₩", "KRW"), ("₹", "INR"),
    ("₦", "NGN"), ("₺", "TRY"), ("₽", "RUB"), ("₪", "ILS"),
];

/// Letters written against a dollar sign ("A$3.5 million").
#[rustfmt::skip]
const DOLLAR_PREFIXES: &[(&str, &str)] = &[
    ("A", "AUD"), ("AU", "AUD"), ("US", "USD"), ("C", "CAD"), ("CA", "CAD"), ("HK", "HKD"), ("NZ", "NZD"),
    ("S", "SGD"), ("R", "BRL"),
];

/// ISO 4217 codes accepted before a number ("NOK 4 billion").
const ISO_CODES: &[&str] = &[
    "USD", "EUR", "GBP", "JPY", "NOK", "SEK", "DKK", "CHF", "PHP", "XOF", "XAF", "AUD", "CAD", "NZD", "KRW",
    "CNY", "INR", "PKR", "BRL", "MXN", "ZAR", "NGN", "KES", "EGP", "TRY", "RUB", "PLN", "HKD", "SGD", "SAR",
    "AED", "ILS", "IDR", "THB", "MYR", "ARS", "COP", "CLP", "UAH", "HUF", "CZK", "BDT", "VND", "QAR", "KWD",
];

/// Words that end a counted-noun phrase.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "into", "onto", "over",
    "under", "and", "or", "but", "nor", "as", "than", "that", "which", "who", "whom", "whose", "what", "when",
    "where", "while", "was", "were", "is", "are", "be", "been", "being", "had", "has", "have", "having",
    "will", "would", "could", "should", "may", "might", "must", "can", "shall", "do", "does", "did", "its",
    "their", "his", "her", "our", "your", "my", "this", "these", "those", "since", "after", "before", "last",
    "next", "per", "each", "every", "above", "below", "about", "around", "across", "against", "between",
    "during", "until", "through", "via", "if", "so", "not", "no", "also", "still", "yet", "then", "there",
    "here", "up", "down", "off", "out", "ago", "earlier", "later", "including", "according", "compared",
    "said", "says", "say", "told",
];

/// Nouns that count people or things without ending in "s".
#[rustfmt::skip]
const IRREGULAR_PLURALS: &[&str] = &[
    "people", "personnel", "police", "staff", "crew", "aircraft", "spacecraft", "children", "men", "women",
    "cattle", "livestock", "sheep", "fish", "deer", "youth", "infantry", "militia", "feet",
];

/// Measures that read as a unit even in the singular ("1 km", "one metre").
#[rustfmt::skip]
const UNITS: &[&str] = &[
    "km", "km/h", "kph", "mph", "kilometre", "kilometer", "metre", "meter", "mile", "cm", "mm", "kg",
    "kilogram", "tonne", "ton", "hectare", "acre", "barrel", "bpd", "gigawatt", "megawatt", "kilowatt", "gw",
    "mw", "kw", "kwh", "twh", "gwh", "mwh", "foot", "ft", "light-year", "degree", "knot", "litre", "liter",
    "gallon", "ounce", "point",
];

/// Participles that, straight after a number, mean people ("3 Dead", "800,000 Evacuated").
#[rustfmt::skip]
const CASUALTY_PARTICIPLES: &[&str] = &[
    "dead", "killed", "injured", "wounded", "hurt", "evacuated", "missing", "displaced", "detained",
    "arrested", "rescued",
];

/// Verbs whose bare number object is people ("killed at least 640").
#[rustfmt::skip]
const CASUALTY_VERBS: &[&str] = &[
    "kill", "kills", "killed", "killing", "injure", "injures", "injured", "injuring", "wound", "wounds",
    "wounded", "wounding", "displace", "displaces", "displaced", "displacing", "evacuate", "evacuates",
    "evacuated", "evacuating", "infect", "infects", "infected", "infecting", "rescue", "rescued", "rescuing",
    "kidnap", "kidnapped", "abducted", "abducting", "arrested", "detained",
];

/// Two-word counted nouns kept whole ("rescue workers", "basis points").
#[rustfmt::skip]
const COMPOUNDS: &[&str] = &[
    "rescue workers", "aid workers", "health workers", "crew members", "family members", "board members",
    "fire engines", "fire trucks", "basis points", "percentage points", "nautical miles", "square kilometres",
    "square kilometers", "square miles", "cubic metres", "cubic meters",
];

/// What "a" or "per" may turn into a rate ("$1.48 a share" → "USD per share").
const RATE_WORDS: &[&str] = &[
    "day", "week", "month", "year", "hour", "share", "barrel", "litre", "liter", "gallon", "tonne", "ton",
    "ounce", "kilogram", "kg", "person", "head", "night", "minute", "second", "capita",
];

/// The bases a share is usually "of" in news ("2% of gross domestic product").
#[rustfmt::skip]
const PERCENT_BASES: &[(&[&str], &str)] = &[
    (&["gross", "domestic", "product"], "percent of GDP"), (&["gdp"], "percent of GDP"),
    (&["economic", "output"], "percent of GDP"), (&["revenue"], "percent of revenue"),
    (&["revenues"], "percent of revenue"), (&["turnover"], "percent of revenue"),
    (&["sales"], "percent of sales"), (&["votes", "cast"], "percent"), (&["votes"], "percent"),
    (&["vote"], "percent"), (&["ballots"], "percent"), (&["territory"], "percent"),
];

/// Month names: a number next to one is a date.
#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec",
];

/// Words after which a number is a label, not an amount ("Article 5", "Resolution 1701").
#[rustfmt::skip]
const LABEL_NOUNS: &[&str] = &[
    "article", "section", "resolution", "flight", "route", "chapter", "room", "gate", "page", "version",
    "platform", "level", "phase", "stage", "grade", "category", "number", "no", "nos", "seed", "seeded",
    "ranked", "rank", "tier", "round", "game", "match", "episode", "season", "line", "lot", "item", "unit",
    "block", "terminal", "formula", "nikkei", "stoxx", "kospi", "sensex", "nifty", "russell", "seng",
    "nasdaq", "ftse", "dax", "cac", "ibex", "aged", "age", "ages", "windows", "iphone", "apollo", "artemis",
    "covid",
];

/// Change verbs: "rose 2.8% to $78.10" is a change, not the range "2.8% to 78.10".
#[rustfmt::skip]
const CHANGE_WORDS: &[&str] = &[
    "from", "rose", "rise", "rises", "rising", "fell", "fall", "falls", "falling", "up", "down", "jumped",
    "jump", "jumps", "climbed", "climb", "slid", "slide", "dropped", "drop", "gained", "gain", "lost", "cut",
    "raised", "raise", "increased", "increase", "decreased", "lowered", "lower", "surged", "soared",
    "plunged", "plunge", "tumbled", "sank", "grew", "grow", "shrank", "widened", "narrowed", "moved",
];

/// `s` lowercased; borrowed when it already is (most words are), so no allocation.
fn lc(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(s.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

fn in_list(list: &[&str], word: &str) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

fn lookup<T: Copy>(list: &[(&str, T)], word: &str) -> Option<T> {
    list.iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(word))
        .map(|&(_, v)| v)
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn is_all_caps(word: &str) -> bool {
    word.chars().any(char::is_alphabetic) && !word.chars().any(char::is_lowercase)
}

/// A lower-cased word that names a counted plural or a measure.
fn is_head_noun(word: &str) -> bool {
    let w = lc(word);
    if in_list(FUNCTION_WORDS, &w) || w.contains('\'') || w.contains('’') {
        return false;
    }
    if in_list(IRREGULAR_PLURALS, &w) || in_list(UNITS, &w) {
        return true;
    }
    if let Some(singular) = w.strip_suffix('s')
        && in_list(UNITS, singular)
    {
        return true;
    }
    w.chars().count() >= 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && !w.ends_with("ous")
        && w.chars().all(|c| c.is_alphabetic() || c == '-')
}

/// "Palestinians", "Iraqis", "Americans": a plural demonym counts people.
fn is_demonym_plural(word: &str) -> bool {
    is_capitalised(word) && word.chars().count() >= 6 && (word.ends_with("ans") || word.ends_with("is"))
}

/// Whether a word could start a figure at all: a number word, a vague count, "a",
/// "half", a currency code or dollar prefix, or a hyphenated word ("twenty-five",
/// "two-thirds"). Lower-cased lookup in a set built once from the lists above.
fn may_start_figure(word: &str) -> bool {
    /// The words, and per lower-cased ASCII first byte the lengths (bits) they come in:
    /// most words of a story are turned away by that without a lookup.
    struct Starts {
        words: rustc_hash::FxHashSet<u128>,
        lens: [u32; 128],
    }
    static STARTS: std::sync::OnceLock<Starts> = std::sync::OnceLock::new();
    let starts = STARTS.get_or_init(|| {
        let list: Vec<String> = NUMBER_WORDS
            .iter()
            .map(|(w, _)| *w)
            .chain(VAGUE_COUNTS.iter().map(|(w, _)| *w))
            .chain(DOLLAR_PREFIXES.iter().map(|(w, _)| *w))
            .chain(ISO_CODES.iter().copied())
            .chain(["a", "half", "rs"])
            .map(str::to_ascii_lowercase)
            .collect();
        let mut lens = [0u32; 128];
        for w in &list {
            // Only words that fit the packed key can ever be found.
            if let (Some(&b), true) = (w.as_bytes().first(), w.len() <= 16)
                && let Some(l) = lens.get_mut(usize::from(b))
            {
                *l |= 1 << w.len();
            }
        }
        Starts {
            words: list.iter().filter_map(|w| packed_lower(w)).collect(),
            lens,
        }
    });
    if word.bytes().any(|b| b == b'-') {
        return true;
    }
    let first = word.as_bytes().first().map(u8::to_ascii_lowercase);
    if let Some(l) = first.and_then(|b| starts.lens.get(usize::from(b)))
        && (word.len() > 16 || l & (1 << word.len()) == 0)
    {
        return false;
    }
    packed_lower(word).is_some_and(|w| starts.words.contains(&w))
}

/// A word of at most 16 bytes, ASCII-lowercased and packed into one integer (zero padded:
/// no word holds a NUL), so that a set lookup needs no allocation and no string compare.
fn packed_lower(word: &str) -> Option<u128> {
    if word.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    for (d, s) in buf.iter_mut().zip(word.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(u128::from_le_bytes(buf))
}

fn is_number_word(word: &str) -> bool {
    lookup(NUMBER_WORDS, word).is_some()
        || word
            .split_once('-')
            .is_some_and(|(a, b)| lookup(NUMBER_WORDS, a).is_some() && lookup(NUMBER_WORDS, b).is_some())
}

// ---------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------

/// What the whole text says about currencies whose names several countries share.
struct Context<'a> {
    text: &'a str,
    /// Worked out on first need: most stories name no currency that needs it, and each
    /// flag is a scan of the whole text.
    places: std::cell::OnceCell<Places>,
}

struct Places {
    korea: bool,
    norway: bool,
    denmark: bool,
    philippines: bool,
    mexico: bool,
    india: bool,
    pakistan: bool,
    switzerland: bool,
}

impl<'a> Context<'a> {
    fn new(text: &'a str) -> Context<'a> {
        Context {
            text,
            places: std::cell::OnceCell::new(),
        }
    }

    fn places(&self) -> &Places {
        self.places.get_or_init(|| {
            let text = self.text;
            let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
            Places {
                korea: has(&["Korea", "Seoul"]),
                norway: has(&["Norw", "Oslo"]),
                denmark: has(&["Denmark", "Danish", "Copenhagen"]),
                philippines: has(&["Philippin", "Manila", "Filipino"]),
                mexico: has(&["Mexic"]),
                india: has(&["India", "Delhi", "Mumbai"]),
                pakistan: has(&["Pakistan", "Karachi", "Islamabad"]),
                switzerland: has(&["Swiss", "Switzerland", "Zurich", "Geneva"]),
            }
        })
    }

    /// The ISO code of a currency named in words after a number, if `word` is one.
    fn currency_word(&self, word: &str, before: Option<&str>) -> Option<&'static str> {
        let w = lc(word);
        let demonym = before.map(lc);
        let code = match &*w {
            "dollars" | "dollar" => match demonym.as_deref() {
                Some("australian") => "AUD",
                Some("canadian") => "CAD",
                Some("singapore") => "SGD",
                Some("zealand") => "NZD",
                Some("kong") => "HKD",
                _ => "USD",
            },
            "euros" | "euro" => "EUR",
            "pounds" | "sterling" => "GBP",
            "yen" => "JPY",
            "yuan" | "renminbi" => "CNY",
            "won" if self.places().korea => "KRW",
            "pesos" | "peso" if self.places().philippines => "PHP",
            "pesos" | "peso" if self.places().mexico => "MXN",
            "kroner" | "krone" if self.places().norway && !self.places().denmark => "NOK",
            "kroner" | "krone" if self.places().denmark => "DKK",
            "kronor" | "krona" => "SEK",
            "rupees" | "rupee" if self.places().pakistan && !self.places().india => "PKR",
            "rupees" | "rupee" => "INR",
            "francs" | "franc" => match demonym.as_deref() {
                Some("cfa") => "XOF",
                Some("swiss") => "CHF",
                _ if self.places().switzerland => "CHF",
                _ => return None,
            },
            "rand" => "ZAR",
            "naira" => "NGN",
            "shillings" => match demonym.as_deref() {
                Some("kenyan") => "KES",
                Some("ugandan") => "UGX",
                Some("tanzanian") => "TZS",
                _ => return None,
            },
            "ringgit" => "MYR",
            "baht" => "THB",
            "rubles" | "roubles" | "rouble" | "ruble" => "RUB",
            "lira" => "TRY",
            "riyals" | "riyal" => "SAR",
            "dirhams" | "dirham" => "AED",
            "zloty" | "zlotys" => "PLN",
            "hryvnias" | "hryvnia" => "UAH",
            "rupiah" => "IDR",
            _ => return None,
        };
        Some(code)
    }
}

// ---------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum AmountKind {
    Count,
    Percent,
    Money(&'static str),
}

#[derive(Debug, Clone)]
struct Amount {
    first: usize,
    last: usize,
    /// Token of the number itself (for the glue checks).
    num: usize,
    value: f64,
    kind: AmountKind,
    /// Written in words ("four", "dozens"): counts only with a noun.
    words: bool,
    /// A four-digit integer with nothing else that could be a year.
    year_like: bool,
    /// A unit that came glued to the digits ("10km").
    glued_unit: Option<&'static str>,
    /// Needs "of" + noun to be a figure (vague counts and unqualified fractions).
    needs_of: bool,
}

/// The value of digits such as "2,400.5" times 10^`exp`, computed so that "2.4" × 10^9 is
/// exactly 2 400 000 000 (scaling an integer mantissa, not multiplying a rounded decimal).
fn digits_value(s: &str, exp: i32) -> Option<f64> {
    let plain: String = s.chars().filter(|&c| c != ',').collect();
    let decimals = plain.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    let mantissa: String = plain.chars().filter(char::is_ascii_digit).collect();
    if mantissa.is_empty() {
        return None;
    }
    let m = if mantissa.len() <= 15 {
        mantissa.parse::<u64>().ok()? as f64
    } else {
        mantissa.parse::<f64>().ok()?
    };
    let shift = exp - decimals;
    let scaled = if shift >= 0 {
        m * 10f64.powi(shift)
    } else {
        m / 10f64.powi(-shift)
    };
    scaled.is_finite().then_some(scaled)
}

fn word_at<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    toks.get(i).filter(|t| t.kind == Kind::Word).map(|t| t.text)
}

/// The token at `i` if it is a word separated from the previous token by a single space.
fn spaced_word<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.kind == Kind::Word && t.gap == Gap::Space)
        .map(|t| t.text)
}

fn glued(toks: &[Tok], i: usize) -> bool {
    toks.get(i).is_some_and(|t| t.gap == Gap::None)
}

fn punct_is(toks: &[Tok], i: usize, p: &str) -> bool {
    toks.get(i).is_some_and(|t| t.kind == Kind::Punct && t.text == p)
}

/// A currency written before the number at `i`: returns (first token, number token, code).
fn currency_prefix(toks: &[Tok], i: usize) -> Option<(usize, usize, &'static str)> {
    let t = toks.get(i)?;
    match t.kind {
        Kind::Punct => {
            let code = lookup(SYMBOLS, t.text)?;
            let n = toks.get(i + 1)?;
            (n.kind == Kind::Num && n.gap != Gap::Break).then_some((i, i + 1, code))
        }
        Kind::Word => {
            if let Some(code) = DOLLAR_PREFIXES
                .iter()
                .find(|(p, _)| *p == t.text)
                .map(|&(_, c)| c)
                && punct_is(toks, i + 1, "$")
                && glued(toks, i + 1)
                && toks
                    .get(i + 2)
                    .is_some_and(|n| n.kind == Kind::Num && n.gap != Gap::Break)
            {
                return Some((i, i + 2, code));
            }
            let code = ISO_CODES
                .iter()
                .find(|c| **c == t.text)
                .copied()
                .or_else(|| (t.text == "Rs").then_some("INR"))?;
            let mut n = i + 1;
            if punct_is(toks, n, ".") && glued(toks, n) {
                n += 1;
            }
            toks.get(n)
                .filter(|x| x.kind == Kind::Num && x.gap != Gap::Break)?;
            Some((i, n, code))
        }
        Kind::Num => None,
    }
}

/// Parses the amount whose first token is `i`, without qualifier or counted noun.
fn parse_amount(toks: &[Tok], i: usize, ctx: &Context<'_>) -> Option<Amount> {
    let (first, num, prefix) = match currency_prefix(toks, i) {
        Some((f, n, code)) => (f, n, Some(code)),
        None => (i, i, None),
    };
    let t = toks.get(num)?;
    let mut last = num;
    let mut exp = 0;
    let mut kind = prefix.map_or(AmountKind::Count, AmountKind::Money);
    let mut glued_unit = None;
    let mut words = false;
    let mut needs_of = false;
    let mut fraction = None;
    let base: Option<f64>;
    match t.kind {
        Kind::Num => {
            base = None;
            // Glued suffix: multiplier, percent or unit.
            if let Some(next) = toks.get(num + 1).filter(|n| n.gap == Gap::None) {
                if next.kind == Kind::Punct && next.text == "%" {
                    kind = AmountKind::Percent;
                    last = num + 1;
                } else if next.kind == Kind::Word {
                    if let Some(e) = lookup(GLUED_MULTIPLIERS, next.text) {
                        exp = e;
                        last = num + 1;
                    } else if let Some(u) = lookup(GLUED_UNITS, next.text)
                        && prefix.is_none()
                    {
                        glued_unit = Some(u);
                        last = num + 1;
                    }
                }
            }
        }
        Kind::Word if prefix.is_none() => {
            let w = lc(t.text);
            words = true;
            if let Some(v) = lookup(NUMBER_WORDS, &w) {
                base = Some(v);
            } else if let Some((a, b)) = w.split_once('-')
                && let (Some(x), Some(y)) = (lookup(NUMBER_WORDS, a), lookup(NUMBER_WORDS, b))
            {
                base = Some(x + y);
            } else if let Some(v) = lookup(VAGUE_COUNTS, &w) {
                base = Some(v);
                needs_of = true;
            } else if w == "a"
                && let Some(m) = spaced_word(toks, num + 1)
                && let Some(e) = lookup(MULTIPLIERS, m)
            {
                base = Some(1.0);
                exp = e;
                last = num + 1;
            } else if let Some((parts, v)) = FRACTIONS.iter().find(|(parts, _)| {
                parts.iter().enumerate().all(|(k, p)| {
                    let tok = if k == 0 {
                        word_at(toks, num)
                    } else {
                        spaced_word(toks, num + k)
                    };
                    tok.is_some_and(|x| x.eq_ignore_ascii_case(p))
                })
            }) {
                fraction = Some(*v);
                last = num + parts.len() - 1;
                base = Some(*v);
            } else {
                return None;
            }
        }
        _ => return None,
    }
    if fraction.is_some() {
        return Some(Amount {
            first,
            last,
            num,
            value: base.unwrap_or_default(),
            kind: AmountKind::Percent,
            words: true,
            year_like: false,
            glued_unit: None,
            needs_of: true,
        });
    }
    // Spaced multipliers ("2.4 billion", "two million").
    if exp == 0
        && last == num
        && let Some(m) = spaced_word(toks, last + 1)
        && let Some(e) = lookup(MULTIPLIERS, m)
    {
        exp = e;
        last += 1;
        if let Some(m2) = spaced_word(toks, last + 1)
            && let Some(e2) = lookup(MULTIPLIERS, m2)
            && e2 > e
        {
            exp += e2;
            last += 1;
        }
    }
    // Spaced percent ("61.5 percent", "12 per cent").
    if kind == AmountKind::Count && glued_unit.is_none() {
        match spaced_word(toks, last + 1).map(lc).as_deref() {
            Some("percent" | "pct") => {
                kind = AmountKind::Percent;
                last += 1;
            }
            Some("per") if spaced_word(toks, last + 2).is_some_and(|w| w.eq_ignore_ascii_case("cent")) => {
                kind = AmountKind::Percent;
                last += 2;
            }
            _ => {}
        }
    }
    // Currency named after the number ("45 million pesos", "2,000 CFA francs").
    if kind == AmountKind::Count
        && glued_unit.is_none()
        && let Some(w1) = spaced_word(toks, last + 1)
    {
        if let Some(code) = ctx
            .currency_word(w1, None)
            .filter(|_| exp > 0 || !w1.eq_ignore_ascii_case("pounds"))
        {
            kind = AmountKind::Money(code);
            last += 1;
        } else if let Some(w2) = spaced_word(toks, last + 2)
            && is_capitalised(w1)
            && let Some(code) = ctx.currency_word(w2, Some(w1))
        {
            kind = AmountKind::Money(code);
            last += 2;
        } else if let Some(w3) = spaced_word(toks, last + 3)
            && is_capitalised(w1)
            && spaced_word(toks, last + 2).is_some_and(is_capitalised)
            && let Some(code) = ctx.currency_word(w3, spaced_word(toks, last + 2))
        {
            kind = AmountKind::Money(code);
            last += 3;
        }
    }
    let value = match base {
        Some(v) => v * 10f64.powi(exp),
        None => digits_value(t.text, exp)?,
    };
    let year_like = t.kind == Kind::Num
        && exp == 0
        && kind == AmountKind::Count
        && glued_unit.is_none()
        && t.text.len() == 4
        && t.text.bytes().all(|b| b.is_ascii_digit())
        && (1800.0..=2100.0).contains(&value);
    Some(Amount {
        first,
        last,
        num,
        value,
        kind,
        words,
        year_like,
        glued_unit,
        needs_of,
    })
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

struct Found {
    first: usize,
    last: usize,
    value: f64,
    unit: String,
}

/// Where to resume after a token that starts no figure: past a whole rejected number
/// chain ("2:02:16", "3-1"), so that its parts are not read as numbers of their own.
fn skip_past(toks: &[Tok], i: usize) -> usize {
    let mut j = i + 1;
    if toks.get(i).is_some_and(|t| t.kind == Kind::Num) {
        while toks
            .get(j)
            .is_some_and(|t| t.gap == Gap::None && t.kind != Kind::Word)
            && toks
                .get(j + 1)
                .is_some_and(|t| t.gap == Gap::None && t.kind == Kind::Num)
            && toks
                .get(j)
                .is_some_and(|t| matches!(t.text, ":" | "-" | "–" | "/" | "."))
        {
            j += 2;
        }
    }
    j
}

/// Why a number is not a figure: it sits in a code, a date, a clock time, a label.
fn rejected_by_context(toks: &[Tok], a: &Amount) -> bool {
    let n = a.num;
    let Some(t) = toks.get(n) else { return true };
    if t.kind != Kind::Num {
        return false;
    }
    // Glued to what comes before: "LMR-401", "G7", "24/11", "#3", "v2.1" (a currency
    // is fine, and so is an opening bracket or quotation mark: "(12%)").
    if a.first == n
        && t.gap == Gap::None
        && let Some(prev) = n.checked_sub(1).and_then(|p| toks.get(p))
    {
        let joined_to_code = matches!(prev.text, "-" | "–" | "/" | ":" | "." | "_")
            && n >= 2
            && prev.gap == Gap::None
            && toks.get(n - 2).is_some_and(|pp| pp.kind != Kind::Punct);
        if prev.kind != Kind::Punct || joined_to_code || prev.text == "#" {
            return true;
        }
    }
    // Glued to letters after, other than a multiplier or unit: "9th", "1990s", "5G".
    if a.last == n
        && toks
            .get(n + 1)
            .is_some_and(|x| x.gap == Gap::None && x.kind == Kind::Word)
    {
        return true;
    }
    // Clock times, dates, scores and codes written with punctuation: "2:05", "3/4".
    if let Some(x) = toks.get(a.last + 1)
        && x.gap == Gap::None
        && matches!(x.text, ":" | "/")
        && toks
            .get(a.last + 2)
            .is_some_and(|y| y.gap == Gap::None && y.kind == Kind::Num)
    {
        return true;
    }
    // Compound adjectives: "45-year-old", "10-day" (magnitude is handled by the caller).
    if let Some(x) = toks.get(a.last + 1)
        && x.gap == Gap::None
        && matches!(x.text, "-" | "–")
        && toks
            .get(a.last + 2)
            .is_some_and(|y| y.gap == Gap::None && y.kind == Kind::Word)
    {
        return true;
    }
    // Labels and names: "No. 2", "Article 5", "S&P 500", "FTSE 100", "aged 45".
    if a.first == n
        && let Some(prev) = prev_word_skipping_dot(toks, n)
        && (in_list(LABEL_NOUNS, prev) || (a.kind == AmountKind::Count && is_all_caps(prev) && prev != "I"))
        && noun_phrase(toks, a.last + 1).is_none()
    {
        return true;
    }
    // Appositive ages: "said Hüseyin Kaya, 53, whose brother …".
    if a.first == n
        && a.kind == AmountKind::Count
        && !t.text.contains([',', '.'])
        && punct_is(toks, n.wrapping_sub(1), ",")
        && word_at(toks, n.wrapping_sub(2)).is_some_and(is_capitalised)
        && toks
            .get(a.last + 1)
            .is_some_and(|x| x.gap == Gap::None && matches!(x.text, "," | ")" | ";"))
    {
        return true;
    }
    // Dates: "March 3", "3 March", "Dec. 3".
    let before = prev_word_skipping_dot(toks, a.first);
    let after = spaced_word(toks, a.last + 1);
    if before.is_some_and(|w| in_list(MONTHS, w) && is_capitalised(w))
        || after.is_some_and(|w| in_list(MONTHS, w) && is_capitalised(w))
    {
        return true;
    }
    // Clock times: "3 a.m.", "10 pm", "14:00 GMT".
    if let Some(w) = after {
        let w = lc(w);
        if matches!(
            &*w,
            "am" | "pm" | "gmt" | "utc" | "bst" | "cet" | "est" | "edt" | "hrs" | "o'clock"
        ) {
            return true;
        }
        if (w == "a" || w == "p") && punct_is(toks, a.last + 2, ".") && word_at(toks, a.last + 3) == Some("m")
        {
            return true;
        }
        // Ages: "45 years old".
        if (w == "years" || w == "year")
            && spaced_word(toks, a.last + 2).is_some_and(|x| x.eq_ignore_ascii_case("old"))
        {
            return true;
        }
    }
    false
}

fn prev_word_skipping_dot<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    let t = toks.get(i)?;
    if t.gap != Gap::Space {
        return None;
    }
    let mut p = i.checked_sub(1)?;
    if punct_is(toks, p, ".") && glued(toks, p) {
        p = p.checked_sub(1)?;
    }
    word_at(toks, p)
}

/// The qualifier that ends right before token `i`: (its first token, its words).
fn qualifier_before(toks: &[Tok], i: usize) -> Option<(usize, &'static [&'static str])> {
    QUALIFIERS.iter().find_map(|q| {
        let n = q.len();
        let start = i.checked_sub(n)?;
        // Each word of the qualifier, and the number after it, must follow a single space.
        let ok = (0..n).all(|k| {
            let tok = toks.get(start + k);
            tok.is_some_and(|t| t.kind == Kind::Word && t.text.eq_ignore_ascii_case(q[k]))
                && (k == 0 || tok.is_some_and(|t| t.gap == Gap::Space))
        }) && toks.get(i).is_some_and(|t| t.gap == Gap::Space);
        ok.then_some((start, *q))
    })
}

/// A counted-noun phrase starting at token `i`: (last token, unit).
fn noun_phrase(toks: &[Tok], i: usize) -> Option<(usize, String)> {
    let first = toks
        .get(i)
        .filter(|t| t.kind == Kind::Word && t.gap == Gap::Space)?;
    let first_lc = lc(first.text);
    if in_list(CASUALTY_PARTICIPLES, &first_lc) {
        return Some((i, "people".to_string()));
    }
    if is_capitalised(first.text) && is_head_noun(first.text) {
        if is_demonym_plural(first.text) && !in_list(UNITS, first_lc.trim_end_matches('s')) {
            return Some((i, "people".to_string()));
        }
        // Title case ("at Least 22 Farmers", "120 Light-Years"): a capitalised head.
        if !toks.get(i + 1).is_some_and(|t| {
            t.kind == Kind::Word
                && t.gap == Gap::Space
                && !is_capitalised(t.text)
                && !in_list(FUNCTION_WORDS, t.text)
        }) {
            return Some(finish_head(toks, i, None));
        }
    }
    let mut head = None;
    let mut k = i;
    while k < i + 5 {
        let Some(t) = toks
            .get(k)
            .filter(|t| t.kind == Kind::Word && t.gap == Gap::Space)
        else {
            break;
        };
        let w = lc(t.text);
        if in_list(FUNCTION_WORDS, &w) || w.contains('\'') || w.contains('’') || is_number_word(&w) {
            break;
        }
        if !is_capitalised(t.text) && is_head_noun(t.text) {
            head = Some(k);
        } else if head.is_some() {
            // Past the head only another head continues the noun ("crew members");
            // anything else is the rest of the sentence ("six years placed results").
            break;
        }
        k += 1;
    }
    let head = head?;
    let prev = (head > i)
        .then(|| toks.get(head - 1).map(|t| lc(t.text).into_owned()))
        .flatten();
    Some(finish_head(toks, head, prev))
}

/// The unit for a head noun at `h`, with "degrees Celsius" and compounds kept whole.
fn finish_head(toks: &[Tok], h: usize, prev: Option<String>) -> (usize, String) {
    let head = toks.get(h).map(|t| lc(t.text)).unwrap_or_default().into_owned();
    if head.starts_with("degree")
        && let Some(scale) = spaced_word(toks, h + 1)
        && matches!(&*lc(scale), "celsius" | "fahrenheit")
    {
        let unit = if lc(scale) == "celsius" {
            "degrees Celsius"
        } else {
            "degrees Fahrenheit"
        };
        return (h + 1, unit.to_string());
    }
    if let Some(p) = prev {
        let compound = format!("{p} {head}");
        if in_list(COMPOUNDS, &compound) {
            return (h, compound);
        }
    }
    let unit = match head.as_str() {
        "nations" => "countries".to_string(),
        "kilometres" | "kilometers" | "kilometre" | "kilometer" => "km".to_string(),
        _ => head,
    };
    (h, unit)
}

/// A rate after token `last` ("a share", "per day"): (last token, " per share").
fn rate_after(toks: &[Tok], last: usize) -> Option<(usize, String)> {
    let a = spaced_word(toks, last + 1)?;
    if !matches!(&*lc(a), "a" | "an" | "per") {
        return None;
    }
    let w = spaced_word(toks, last + 2)?;
    let w = lc(w);
    if !in_list(RATE_WORDS, &w) {
        return None;
    }
    // "a year ago" is a time, not a rate.
    if spaced_word(toks, last + 3)
        .is_some_and(|x| in_list(&["ago", "earlier", "later", "before", "after"], x))
    {
        return None;
    }
    Some((last + 2, format!(" per {w}")))
}

/// "of [the|its] [modifier] base" after a percentage: (last token, unit).
fn percent_base(toks: &[Tok], last: usize) -> Option<(usize, &'static str)> {
    if !spaced_word(toks, last + 1).is_some_and(|w| w.eq_ignore_ascii_case("of")) {
        return None;
    }
    let mut k = last + 2;
    if spaced_word(toks, k).is_some_and(|w| in_list(&["the", "its", "their", "a", "an"], w)) {
        k += 1;
    }
    let matches_at = |at: usize| {
        PERCENT_BASES.iter().find(|(words, _)| {
            words
                .iter()
                .enumerate()
                .all(|(j, w)| spaced_word(toks, at + j).is_some_and(|x| x.eq_ignore_ascii_case(w)))
        })
    };
    if let Some((words, unit)) = matches_at(k) {
        return Some((k + words.len() - 1, unit));
    }
    // One modifier allowed ("its annual revenue", "Syrian territory").
    if spaced_word(toks, k).is_some_and(|w| !in_list(FUNCTION_WORDS, w) && !w.contains('\''))
        && let Some((words, unit)) = matches_at(k + 1)
    {
        return Some((k + words.len(), unit));
    }
    None
}

/// "of the|its [N] nouns" after a count: "6 of its 42 aircraft" → (last token, unit).
fn part_of_whole(toks: &[Tok], last: usize) -> Option<(usize, String)> {
    if !spaced_word(toks, last + 1).is_some_and(|w| w.eq_ignore_ascii_case("of")) {
        return None;
    }
    if !spaced_word(toks, last + 2).is_some_and(|w| in_list(&["the", "its", "their", "his", "her", "our"], w))
    {
        return None;
    }
    let mut k = last + 3;
    if toks
        .get(k)
        .is_some_and(|t| t.kind == Kind::Num && t.gap == Gap::Space)
    {
        k += 1;
    }
    let (end, unit) = noun_phrase(toks, k)?;
    // The first word must itself be lower case: "of the Islamic State" is a name.
    toks.get(k).filter(|t| !is_capitalised(t.text))?;
    Some((end, unit))
}

/// The figure, if any, that starts with the number (or currency) at token `i`.
fn figure_at(toks: &[Tok], i: usize, ctx: &Context<'_>) -> Option<Found> {
    let t = toks.get(i)?;
    let can_start = match t.kind {
        Kind::Num => true,
        // Most punctuation is one ASCII byte, and of those only "$" is a currency symbol.
        Kind::Punct => (t.text.len() > 1 || t.text == "$") && lookup(SYMBOLS, t.text).is_some(),
        // Checked without allocating: most words start nothing, and one hash lookup says so.
        Kind::Word if !may_start_figure(t.text) => false,
        Kind::Word => {
            is_number_word(t.text)
                || lookup(VAGUE_COUNTS, t.text).is_some()
                || in_list(&["a", "half", "two-thirds", "three-quarters"], t.text)
                || currency_prefix(toks, i).is_some()
        }
    };
    if !can_start {
        return None;
    }
    let a = parse_amount(toks, i, ctx)?;
    // "7.1-magnitude": the one compound adjective that is a figure.
    let magnitude_after = toks
        .get(a.last + 1)
        .is_some_and(|x| x.gap == Gap::None && matches!(x.text, "-" | "–"))
        && word_at(toks, a.last + 2).is_some_and(|w| w.eq_ignore_ascii_case("magnitude"));
    if !magnitude_after && rejected_by_context(toks, &a) {
        return None;
    }
    let qualifier = qualifier_before(toks, a.first);
    let mut first = a.first;
    let mut last = a.last;
    let mut value = a.value;
    let mut unit = match a.kind {
        AmountKind::Count => a.glued_unit.unwrap_or_default().to_string(),
        AmountKind::Percent => "percent".to_string(),
        AmountKind::Money(code) => code.to_string(),
    };
    if magnitude_after {
        last = a.last + 2;
        unit = "magnitude".to_string();
    }

    // Ranges: "between A and B", "A to B", "A-B".
    if let Some((qstart, q)) = qualifier
        && q == ["between"]
        && spaced_word(toks, a.last + 1).is_some_and(|w| w.eq_ignore_ascii_case("and"))
        && let Some(b) = toks
            .get(a.last + 2)
            .filter(|t| t.gap == Gap::Space)
            .and_then(|_| parse_amount(toks, a.last + 2, ctx))
    {
        if a.year_like && b.year_like {
            return None;
        }
        first = qstart;
        last = b.last;
        value = b.value;
        if b.kind != AmountKind::Count || a.kind == AmountKind::Count {
            unit = kind_unit(b.kind, b.glued_unit);
        }
    } else if spaced_word(toks, a.last + 1).is_some_and(|w| w == "to")
        && a.kind != AmountKind::Count
        && let Some(b) =
            parse_amount(toks, a.last + 2, ctx).filter(|b| b.kind == a.kind && b.first == a.last + 2)
        && !prev_word(toks, qualifier.map_or(a.first, |(s, _)| s)).is_some_and(|w| in_list(CHANGE_WORDS, w))
    {
        last = b.last;
        value = b.value;
    } else if toks
        .get(a.last + 1)
        .is_some_and(|x| x.gap == Gap::None && matches!(x.text, "-" | "–"))
        && toks
            .get(a.last + 2)
            .is_some_and(|x| x.gap == Gap::None && x.kind == Kind::Num)
    {
        let b = parse_amount(toks, a.last + 2, ctx)?;
        let has_unit = b.kind != AmountKind::Count || noun_phrase(toks, b.last + 1).is_some();
        if !has_unit {
            // A score ("3-1") or a code: not a figure.
            return None;
        }
        last = b.last;
        value = b.value;
        unit = kind_unit(b.kind, b.glued_unit);
    }

    let mut head_is_time = false;
    match a.kind {
        AmountKind::Percent => {
            if let Some((end, u)) = percent_base(toks, last) {
                last = end;
                unit = u.to_string();
            } else if spaced_word(toks, last + 1).is_some_and(|w| in_list(&["more", "less", "fewer"], w))
                && let Some(w) = spaced_word(toks, last + 2)
                && !is_capitalised(w)
                && !in_list(FUNCTION_WORDS, w)
            {
                // "60% more energy": the comparison belongs to the figure.
                last += 2;
            } else if a.needs_of && qualifier.is_none() && prev_word(toks, first).is_none_or(|w| w != "by") {
                return None;
            }
        }
        AmountKind::Money(_) => {
            if let Some((end, per)) = rate_after(toks, last) {
                last = end;
                unit.push_str(&per);
            }
        }
        AmountKind::Count if unit.is_empty() => {
            let noun_start = if a.needs_of {
                if !spaced_word(toks, last + 1).is_some_and(|w| w.eq_ignore_ascii_case("of")) {
                    return None;
                }
                last + 2
            } else {
                last + 1
            };
            if let Some((end, u)) = noun_phrase(toks, noun_start)
                .filter(|(_, u)| lookup(VAGUE_COUNTS, u).is_none() && !in_list(&["hundreds"], u))
            {
                head_is_time = in_list(
                    &[
                        "seconds", "minutes", "hours", "days", "weeks", "months", "years", "decades",
                    ],
                    &u,
                );
                last = end;
                unit = u;
                if unit == "barrels"
                    && spaced_word(toks, last + 1).is_some_and(|w| w == "of")
                    && spaced_word(toks, last + 2).is_some_and(|w| w == "crude" || w == "oil")
                    && let Some((end, per)) = rate_after(toks, last + 2)
                {
                    last = end;
                    unit.push_str(&per);
                } else if let Some((end, per)) = rate_after(toks, last) {
                    last = end;
                    unit.push_str(&per);
                }
            } else if value == 1.0
                && let Some(w) = spaced_word(toks, last + 1)
                && in_list(
                    &[
                        "second", "minute", "hour", "day", "week", "month", "year", "decade",
                    ],
                    w,
                )
            {
                last += 1;
                unit = lc(w).into_owned();
            } else if a.needs_of {
                return None;
            } else if !a.words
                && let Some((end, u)) = part_of_whole(toks, last)
            {
                last = end;
                unit = u;
            } else if a.words {
                // "four", "a million" alone are not figures.
                return None;
            } else if let Some(w) = prev_word(toks, a.first)
                && w.eq_ignore_ascii_case("magnitude")
            {
                first = a.first - 1;
                unit = "magnitude".to_string();
                // "A magnitude 6.4 quake": the qualifier would be before "magnitude".
                return Some(Found {
                    first,
                    last,
                    value,
                    unit,
                });
            } else {
                let verb_at = qualifier.map_or(a.first, |(s, _)| s);
                if prev_word(toks, verb_at).is_some_and(|w| in_list(CASUALTY_VERBS, w)) {
                    unit = "people".to_string();
                } else if prev_word(toks, verb_at).is_some_and(|w| w == "of")
                    && verb_at >= 2
                    && prev_word(toks, verb_at - 1).is_some_and(|w| w.eq_ignore_ascii_case("crowd"))
                {
                    unit = "spectators".to_string();
                }
            }
        }
        AmountKind::Count => {}
    }
    // Years: "in 2023", "the 2022 floods" — unless qualified ("about 2000 people").
    if a.year_like && qualifier.is_none() {
        return None;
    }
    // "ticked up to 4.3%" is a change, not the qualifier "up to".
    let change_before = |qs: usize| {
        prev_word(toks, qs).is_some_and(|w| in_list(CHANGE_WORDS, w) || (w.len() > 4 && w.ends_with("ed")))
    };
    if let Some((qstart, q)) = qualifier
        && q != ["between"]
        && !(q == ["over"] && (head_is_time || a.words))
        && !(q == ["up", "to"] && change_before(qstart))
    {
        first = qstart;
    }
    if !value.is_finite() {
        return None;
    }
    Some(Found {
        first,
        last,
        value,
        unit,
    })
}

fn kind_unit(kind: AmountKind, glued_unit: Option<&str>) -> String {
    match kind {
        AmountKind::Count => glued_unit.unwrap_or_default().to_string(),
        AmountKind::Percent => "percent".to_string(),
        AmountKind::Money(code) => code.to_string(),
    }
}

/// The word right before token `i`, if a single space separates them.
fn prev_word<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    let t = toks.get(i)?;
    if t.gap != Gap::Space {
        return None;
    }
    word_at(toks, i.checked_sub(1)?)
}
