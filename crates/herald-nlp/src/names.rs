//! Named-entity recognition: knowledge-base names, names the KB does not know, roles,
//! aliases learned from the text, and within-story coreference of short and role mentions.
//!
//! Rule-based and deterministic, one pass over the tokens plus a few over the candidate
//! runs. Every decision has a reason a reader can check:
//!
//! * **KB names** come from the gazetteer ([`Kb::find`]); names that need context
//!   (Georgia, Chad) are taken only when nothing around them says otherwise.
//! * **Unknown names** are runs of capitalised words (with `of`, `for`, `the`, `al-` …
//!   inside). A run is a *person* when a title leads it ("Foreign Minister Anna
//!   Lindqvist": role "Foreign Minister"), when it starts with a known given name, or when
//!   the context says so ("…, who", "X said", "spokeswoman Ingrid Paulsen"); an
//!   *organisation* or *company* by its head or suffix (Ministry, Army, Council, Bank, Inc,
//!   Ltd …); a *place* by its head (Province, River, Strait …) or a place preposition.
//! * **Coreference**: a later surname ("Lindqvist"), a company's short name ("Orbis"), an
//!   acronym learned from "(JNIM)", or a role ("the admiral", "the minister", "the company")
//!   resolves to the nearest fitting entity introduced before it.
//! * **Aliases from the text**: "X (Y)", "X, also known as Y", "X, or Y,", "better known
//!   as", "whose full name is", "another name for X" … link Y to X, with the sentence as
//!   evidence.
//!
//! The headline is title case, so in it only names already known (from the KB or the body)
//! are taken.

use std::sync::OnceLock;

use herald_model::EntityKind;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::kb::{EntityIdx, Kb};

/// An entity of one story, as recognised.
#[derive(Debug, Clone, PartialEq)]
pub struct DocEntity {
    /// `kb:…` or `doc:<slug>`.
    pub id: String,
    pub kind: EntityKind,
    pub name: String,
    pub kb: Option<EntityIdx>,
    pub roles: Vec<String>,
    /// Aliases learned from this text (not the KB's).
    pub learned: Vec<String>,
    pub ticker: Option<String>,
    /// The KB category (`country`, `jihadist`, `central_bank` …), or the head word that
    /// classified an unknown name (`ministry`, `bank`, `river` …).
    pub category: String,
}

/// One place in the text where an entity is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocMention {
    pub start: usize,
    pub end: usize,
    pub entity: usize,
    /// A role or description ("the admiral", "the company") rather than a name.
    pub role_only: bool,
}

/// An alias the text itself introduced, with the sentence that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedAlias {
    pub entity: usize,
    pub alias: String,
    pub evidence: String,
}

/// What the recognizer found in one text.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub entities: Vec<DocEntity>,
    /// Sorted by start; nested spans may occur ("Russia's Defence Ministry" holds no other).
    pub mentions: Vec<DocMention>,
    pub learned: Vec<LearnedAlias>,
}

// ------------------------------------------------------------------ lexicons

struct Lexicon {
    first_names: FxHashSet<String>,
}

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let mut first_names = FxHashSet::default();
        for text in [
            include_str!("../../../kb/generated/first_names.txt"),
            include_str!("../../../kb/curated/first_names.txt"),
        ] {
            for line in text.lines() {
                if line.starts_with('#') {
                    continue;
                }
                for w in line.split_whitespace() {
                    first_names.insert(w.to_string());
                }
            }
        }
        Lexicon { first_names }
    })
}

/// Capitalised words that start sentences or titles but name nothing.
const FUNCTION: &[&str] = &[
    "A",
    "An",
    "The",
    "But",
    "And",
    "Or",
    "In",
    "On",
    "At",
    "For",
    "From",
    "To",
    "By",
    "With",
    "Of",
    "As",
    "After",
    "Before",
    "During",
    "While",
    "When",
    "Where",
    "Since",
    "Until",
    "If",
    "Although",
    "Though",
    "Because",
    "So",
    "Yet",
    "Still",
    "Then",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "Its",
    "He",
    "She",
    "They",
    "We",
    "I",
    "You",
    "His",
    "Her",
    "Their",
    "Our",
    "My",
    "Your",
    "There",
    "Here",
    "Some",
    "Many",
    "Most",
    "All",
    "Both",
    "Each",
    "Every",
    "No",
    "Not",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Several",
    "Few",
    "Other",
    "Others",
    "Another",
    "Such",
    "What",
    "Which",
    "Who",
    "Whom",
    "Whose",
    "Why",
    "How",
    "Mr",
    "Ms",
    "Mrs",
    "About",
    "Over",
    "Under",
    "Around",
    "Among",
    "Against",
    "Without",
    "Within",
    "Despite",
    "Also",
    "Only",
    "Even",
    "Just",
    "More",
    "Less",
    "Last",
    "Next",
    "New",
    "Former",
    "Earlier",
    "Later",
    "Meanwhile",
    "However",
    "Instead",
    "Now",
    "Today",
    "Yesterday",
    "Tomorrow",
    "Asked",
    "Speaking",
    "According",
    "Under",
    "Up",
    "Down",
    "Out",
    "Once",
    "Twice",
    "Nearly",
    "Almost",
    "Around",
    "Roughly",
    "Overall",
    "Elsewhere",
    "Separately",
    "Once",
    "Local",
    "Officials",
    "Police",
    "Analysts",
    "Investors",
    "Residents",
    "Witnesses",
    "Diplomats",
    "Prosecutors",
    "Doctors",
    "Scientists",
    "Researchers",
    "Rescuers",
    "Authorities",
    "Shares",
    "Markets",
    "Prices",
    "Talks",
    "Troops",
    "Fighters",
    "Militants",
    "Soldiers",
    "Voters",
    "Opposition",
    "Government",
    "Ministers",
    "Lawmakers",
    "Leaders",
    "Negotiators",
    "Experts",
];

const MONTHS_DAYS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan.",
    "Feb.",
    "Mar.",
    "Apr.",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sep.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Christmas",
    "Easter",
    "Ramadan",
    "Eid",
];

/// Words inside a run that join two capitalised words ("Ministry of Defence").
const CONNECTORS: &[&str] = &[
    "of", "for", "the", "and", "de", "del", "della", "di", "da", "do", "dos", "das", "du", "des", "la", "le",
    "van", "von", "der", "den", "bin", "ibn", "bint", "al", "el", "y", "e", "&", "in",
];

/// Title words that may stand before a title head ("Foreign" in "Foreign Minister").
const TITLE_MODIFIERS: &[&str] = &[
    "Foreign",
    "Defence",
    "Defense",
    "Finance",
    "Interior",
    "Justice",
    "Health",
    "Trade",
    "Economy",
    "Economic",
    "Energy",
    "Prime",
    "Deputy",
    "Vice",
    "Acting",
    "Former",
    "Chief",
    "Senior",
    "Labour",
    "Labor",
    "Education",
    "Agriculture",
    "Transport",
    "Environment",
    "Culture",
    "Sports",
    "Attorney",
    "Supreme",
    "Executive",
    "Managing",
    "Head",
    "State",
    "Home",
    "Grand",
    "Crown",
    "Field",
    "Rear",
    "First",
    "Opposition",
    "Industry",
    "Communications",
    "Information",
    "Security",
    "Treasury",
    "Army",
    "Navy",
    "Police",
    "Fleet",
    "Air",
    "Team",
    "Assistant",
    "Associate",
    "Special",
    "Presidential",
    "Party",
    "General",
    "Major",
    "Lieutenant",
    "Brigadier",
    "Staff",
    "Sergeant",
    "Master",
    "Petty",
];

/// Title heads: a capitalised run that starts with these (after modifiers) and continues
/// with more capitalised words is a person with this role.
const TITLE_HEADS: &[&str] = &[
    "Minister",
    "President",
    "Secretary",
    "Secretary-General",
    "Chancellor",
    "Premier",
    "Governor",
    "Mayor",
    "Senator",
    "Sen.",
    "Rep.",
    "Representative",
    "Ambassador",
    "Commissioner",
    "Admiral",
    "General",
    "Gen.",
    "Commander",
    "Colonel",
    "Col.",
    "Captain",
    "Capt.",
    "Commodore",
    "Major",
    "Maj.",
    "Lieutenant",
    "Lt.",
    "Brig.",
    "Brigadier",
    "Sergeant",
    "Sgt.",
    "Corporal",
    "Cpl.",
    "Pvt.",
    "Private",
    "Dr.",
    "Dr",
    "Doctor",
    "Prof.",
    "Professor",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Miss",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Judge",
    "Justice",
    "Magistrate",
    "Atty.",
    "Attorney",
    "Sheikh",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Emir",
    "Sultan",
    "Pope",
    "Cardinal",
    "Archbishop",
    "Bishop",
    "Rev.",
    "Reverend",
    "Father",
    "Imam",
    "Ayatollah",
    "Rabbi",
    "Chairman",
    "Chairwoman",
    "Chair",
    "Director",
    "Spokesman",
    "Spokeswoman",
    "Spokesperson",
    "Coach",
    "Inspector",
    "Detective",
    "Superintendent",
    "Marshal",
    "Speaker",
    "Leader",
    "CEO",
    "Officer",
    "Gov.",
    "Supt.",
    "Insp.",
    "Det.",
    "Chief",
    "Sen",
    "Prosecutor",
    "Treasurer",
    "Councillor",
    "Councilor",
    "Commissioner",
    "Envoy",
    "Deputy",
];

/// Heads that make a run an organisation.
const ORG_HEADS: &[&str] = &[
    "Ministry",
    "Department",
    "Army",
    "Navy",
    "Air Force",
    "Forces",
    "Force",
    "Guard",
    "Guards",
    "Police",
    "Council",
    "Commission",
    "Committee",
    "Agency",
    "Authority",
    "Office",
    "Bureau",
    "Service",
    "Services",
    "Court",
    "Tribunal",
    "Parliament",
    "Assembly",
    "Congress",
    "Senate",
    "Chamber",
    "Party",
    "Front",
    "Movement",
    "Brigade",
    "Brigades",
    "Battalion",
    "Regiment",
    "Division",
    "Corps",
    "Militia",
    "Union",
    "Federation",
    "Association",
    "League",
    "Alliance",
    "Coalition",
    "Organisation",
    "Organization",
    "Institute",
    "Institution",
    "University",
    "College",
    "School",
    "Academy",
    "Foundation",
    "Fund",
    "Trust",
    "Board",
    "Cabinet",
    "Government",
    "Administration",
    "Directorate",
    "Secretariat",
    "Mission",
    "Observatory",
    "Center",
    "Centre",
    "Society",
    "Church",
    "Club",
    "FC",
    "Exchange",
    "Reserve",
    "Staff",
    "Network",
    "Council",
    "Operation",
    "Program",
    "Programme",
    "Cup",
    "Championship",
    "Open",
    "Marathon",
    "Olympics",
    "Games",
    "Festival",
    "Partido",
    "Parti",
    "Partei",
    "Partiya",
    "Tigers",
    "Hospital",
    "Red",
    "Crescent",
    "Cross",
    "Prison",
    "Unit",
    "Command",
    "Inspectorate",
    "Registry",
    "Nations",
    "Group",
    "Council",
    "Taskforce",
];

/// Suffixes and words that make a run a company.
const COMPANY_WORDS: &[&str] = &[
    "Inc",
    "Inc.",
    "Corp",
    "Corp.",
    "Corporation",
    "Ltd",
    "Ltd.",
    "Limited",
    "PLC",
    "plc",
    "Plc",
    "AG",
    "SA",
    "S.A.",
    "S.p.A.",
    "SpA",
    "GmbH",
    "NV",
    "N.V.",
    "LLC",
    "LLP",
    "Co.",
    "Co",
    "Company",
    "Holdings",
    "Holding",
    "Technologies",
    "Technology",
    "Pharmaceuticals",
    "Pharma",
    "Therapeutics",
    "Biotech",
    "Biosciences",
    "Motors",
    "Automotive",
    "Airlines",
    "Airways",
    "Aviation",
    "Mining",
    "Minerals",
    "Telecom",
    "Telecommunications",
    "Systems",
    "Labs",
    "Laboratories",
    "Capital",
    "Partners",
    "Bancorp",
    "Financial",
    "Insurance",
    "Logistics",
    "Shipping",
    "Steel",
    "Foods",
    "Semiconductor",
    "Semiconductors",
    "Electronics",
    "Media",
    "Software",
    "Robotics",
    "Resources",
    "Petroleum",
    "Industries",
    "Enterprises",
    "Ventures",
    "Brands",
    "Retail",
    "Energy",
    "Power",
    "Solar",
    "Networks",
    "Microsystems",
    "Dynamics",
    "Aerospace",
    "Defence Systems",
    "Chemicals",
    "Materials",
    "Cement",
    "Shipyards",
    "Shipbuilding",
    "Studios",
    "Pictures",
    "Entertainment",
    "Games",
    "Bank",
    "Bancorp",
    "Securities",
    "Investments",
    "Asset",
    "Management",
    "Realty",
    "Properties",
    "Construction",
    "Markets",
    "Advisors",
    "ASA",
    "Banca",
    "Banco",
    "Banque",
    "PJSC",
    "OJSC",
    "JSC",
    "Oyj",
    "BV",
    "B.V.",
    "SAS",
    "Bhd",
    "Tbk",
    "KK",
    "Advisers",
    "Associates",
    "Consulting",
    "Analytics",
    "SE",
    "Zorggroep",
    "Airlines",
];

/// Bank names that are public institutions, not companies.
const PUBLIC_BANK_WORDS: &[&str] = &[
    "Central",
    "World",
    "Development",
    "Reserve",
    "Investment",
    "Export-Import",
    "People's",
    "National",
];

/// Heads that make a run a place.
const PLACE_HEADS: &[&str] = &[
    "Province",
    "Governorate",
    "District",
    "County",
    "Region",
    "Prefecture",
    "Oblast",
    "Canton",
    "River",
    "Sea",
    "Ocean",
    "Lake",
    "Mountains",
    "Mount",
    "Mt.",
    "Island",
    "Islands",
    "Valley",
    "Desert",
    "Bay",
    "Gulf",
    "Strait",
    "Straits",
    "Peninsula",
    "Shoal",
    "Reef",
    "Stadium",
    "Airport",
    "Square",
    "Street",
    "Avenue",
    "Bridge",
    "Crossing",
    "Port",
    "Harbour",
    "Harbor",
    "Canal",
    "Dam",
    "Park",
    "Plain",
    "Basin",
    "Coast",
    "Delta",
    "Highlands",
    "Hills",
    "Camp",
    "Arena",
    "Field",
    "Plateau",
    "Cape",
    "Glacier",
    "Forest",
    "Corridor",
    "Heights",
    "Strip",
    "Quarter",
    "Municipality",
    "Township",
    "Village",
    "Station",
    "Estádio",
    "Stadion",
    "Stade",
    "Estadio",
    "Stadio",
];

/// Lowercase words before a name that say it is a person ("spokeswoman Ingrid Paulsen").
const PERSON_CUES_BEFORE: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "lawmaker",
    "legislator",
    "analyst",
    "economist",
    "minister",
    "president",
    "chief",
    "coach",
    "striker",
    "defender",
    "goalkeeper",
    "midfielder",
    "forward",
    "director",
    "researcher",
    "professor",
    "scientist",
    "author",
    "lawyer",
    "attorney",
    "judge",
    "prosecutor",
    "officer",
    "commander",
    "leader",
    "colleague",
    "husband",
    "wife",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "widow",
    "resident",
    "farmer",
    "official",
    "captain",
    "player",
    "champion",
    "actor",
    "actress",
    "singer",
    "founder",
    "chairman",
    "chairwoman",
    "executive",
    "engineer",
    "nurse",
    "doctor",
    "witness",
    "journalist",
    "reporter",
    "correspondent",
    "manager",
    "investor",
    "strategist",
    "trader",
    "governor",
    "senator",
    "mayor",
    "candidate",
    "rival",
    "opponent",
    "challenger",
    "incumbent",
    "teacher",
    "student",
    "survivor",
    "victim",
    "defendant",
    "epidemiologist",
    "virologist",
    "astronomer",
    "physicist",
    "biologist",
    "geologist",
    "seismologist",
    "climatologist",
    "meteorologist",
    "historian",
    "curator",
    "filmmaker",
    "novelist",
    "poet",
    "artist",
    "designer",
    "architect",
    "surgeon",
    "physician",
    "pilot",
    "skipper",
    "cyclist",
    "runner",
    "swimmer",
    "batter",
    "bowler",
    "batsman",
    "seed",
    "veteran",
    "newcomer",
    "ceo",
    "cfo",
    "secretary",
    "ambassador",
    "envoy",
    "negotiator",
    "mediator",
    "adviser",
    "advisor",
    "aide",
    "deputy",
    "administrator",
    "inspector",
    "detective",
    "commissioner",
    "regulator",
    "head",
    "accountant",
    "boss",
    "owner",
    "partner",
    "employee",
    "worker",
    "organiser",
    "organizer",
    "activist",
    "voter",
    "shopkeeper",
    "owner",
    "campaigner",
    "dissident",
    "cleric",
    "preacher",
    "militant",
    "commentator",
];

/// Verbs of saying: a capitalised word right before or after one is usually a person.
const SAY_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "added",
    "warned",
    "stated",
    "wrote",
    "asked",
    "insisted",
    "argued",
    "noted",
    "declared",
    "explained",
    "replied",
    "acknowledged",
    "admitted",
    "conceded",
    "urged",
    "promised",
    "vowed",
    "announced",
    "testified",
    "recalled",
    "complained",
    "cautioned",
    "predicted",
    "claimed",
    "confirmed",
    "denied",
];

/// All-capital tokens that are not names.
const STOP_ACRONYMS: &[&str] = &[
    "CEO", "CFO", "COO", "CTO", "GDP", "AI", "TV", "PM", "AM", "NGO", "IPO", "ETF", "LNG", "HIV", "AIDS",
    "DNA", "RNA", "COVID", "USD", "EUR", "GBP", "JPY", "OK", "VAT", "CO2", "MP", "MPs", "II", "III", "IV",
    "VI", "VII", "VIII", "IX", "XI", "XII", "BREAKING", "UPDATE", "UTC", "GMT", "EST", "PST", "CET", "ID",
    "PhD", "MW", "GW", "KW", "KM", "MPH", "UAV", "UAVs", "EV", "EVs", "SUV", "CPI", "PMI", "FDI", "M&A",
    "R&D", "Q1", "Q2", "Q3", "Q4", "H1", "H2", "YoY", "WTI", "FTSE", "DAX", "CAC", "S&P", "API", "APIs",
    "PC", "PCs", "US", "UK", "NYSE", "NASDAQ", "TSE", "LSE", "ISO", "IQ", "GPS", "SMS", "CT", "MRI", "ICU",
    "ER", "IT", "OPEC+", "CFA", "ESG", "VPN", "URL", "NHS",
];

/// How many mentions back a role word or alias phrase looks for what it refers to.
const ANTECEDENT_WINDOW: usize = 64;

/// Heads of role-only mentions ("the company"), with the entities they may designate.
const ROLE_ONLY_ORG: &[(&str, &[&str])] = &[
    ("company", &["company"]),
    ("firm", &["company"]),
    ("lender", &["company", "bank"]),
    ("bank", &["bank", "central_bank"]),
    ("carrier", &["company"]),
    ("airline", &["company"]),
    (
        "group",
        &[
            "group",
            "jihadist",
            "militant",
            "armed_group",
            "rebel",
            "insurgent",
            "front",
        ],
    ),
    ("militia", &["militia", "group", "jihadist", "armed_group"]),
    ("movement", &["movement", "group", "jihadist", "armed_group"]),
    ("ministry", &["ministry"]),
    ("court", &["court", "tribunal"]),
    ("tribunal", &["tribunal", "court"]),
    ("agency", &["agency", "un_agency", "specialized_agency"]),
    ("alliance", &["alliance", "military_alliance"]),
    (
        "bloc",
        &[
            "bloc",
            "political_economic_union",
            "supranational_union",
            "economic_union",
        ],
    ),
    ("army", &["army"]),
    ("navy", &["navy"]),
    ("party", &["party"]),
    ("union", &["union", "trade_union"]),
    ("commission", &["commission"]),
    ("council", &["council"]),
    ("club", &["club", "fc"]),
    ("university", &["university"]),
    ("regulator", &["authority", "commission", "agency"]),
    ("cartel", &["cartel"]),
    ("organisation", &["organisation", "organization"]),
    ("organization", &["organisation", "organization"]),
];

/// `w` is one of `list`. The word lists above are consulted for nearly every token, so
/// they are folded once into one map, word → which lists hold it; any other list is
/// searched directly.
fn is(list: &'static [&'static str], w: &str) -> bool {
    in_lists(lists_of(w), list, w)
}

/// The word lists [`is`] consults for nearly every token, folded once into one map:
/// word → which of them hold it (bit `i` for list `i`).
const LISTS: [&[&str]; 14] = [
    FUNCTION,
    MONTHS_DAYS,
    CONNECTORS,
    TITLE_MODIFIERS,
    TITLE_HEADS,
    ORG_HEADS,
    COMPANY_WORDS,
    PUBLIC_BANK_WORDS,
    PLACE_HEADS,
    PERSON_CUES_BEFORE,
    SAY_VERBS,
    STOP_ACRONYMS,
    ABBREVIATIONS,
    DESCRIPTIVE_TAILS,
];

/// Which of [`LISTS`] hold `w`, as bits: one lookup answers for every list, so a word
/// asked about several lists is looked up once.
fn lists_of(w: &str) -> u16 {
    static WORDS: OnceLock<FxHashMap<&'static str, u16>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        let mut m: FxHashMap<&'static str, u16> = FxHashMap::default();
        for (i, l) in LISTS.iter().enumerate() {
            for &word in l.iter() {
                *m.entry(word).or_default() |= 1 << i;
            }
        }
        m
    });
    words.get(w).copied().unwrap_or(0)
}

/// Whether `w`, whose [`lists_of`] bits are `bits`, is in `list`; a list outside
/// [`LISTS`] is searched directly.
fn in_lists(bits: u16, list: &'static [&'static str], w: &str) -> bool {
    match LISTS.iter().position(|l| std::ptr::eq(l.as_ptr(), list.as_ptr())) {
        Some(i) => bits & (1 << i) != 0,
        None => list.contains(&w),
    }
}

// ------------------------------------------------------------------ tokens

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    word: bool,
    /// Followed by a possessive 's, which is not part of the token.
    possessive: bool,
    /// A word that is [`capitalised`]: asked of nearly every token several times, so
    /// worked out once.
    cap: bool,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Abbreviations whose period is part of the word (and so does not end the sentence).
const ABBREVIATIONS: &[&str] = &[
    "Gen", "Lt", "Col", "Dr", "Mr", "Mrs", "Ms", "Prof", "Capt", "Brig", "Maj", "Sgt", "St", "Inc", "Ltd",
    "Co", "Corp", "Jr", "Sr", "No", "Atty", "Rev", "Sen", "Rep", "Gov", "Ma", "Mt", "Cpl", "Pvt", "Supt",
    "Insp", "Det", "Adm", "Cmdr", "Fr", "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
    "Oct", "Nov", "Dec", "Nos", "approx", "est", "Bros",
];

/// Hyphenated tails that describe rather than name ("Kurdish-led").
const DESCRIPTIVE_TAILS: &[&str] = &[
    "based",
    "led",
    "flagged",
    "backed",
    "owned",
    "born",
    "run",
    "made",
    "listed",
    "controlled",
    "allied",
    "aligned",
    "linked",
    "brokered",
    "funded",
    "registered",
    "bound",
    "style",
    "era",
    "speaking",
    "held",
    "occupied",
    "dominated",
    "affiliated",
    "inspired",
    "built",
    "operated",
    "headquartered",
];

/// The character at byte `i` and its length; ASCII without decoding.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    match text.as_bytes().get(i) {
        Some(&b) if b < 0x80 => (b as char, 1),
        _ => match text.get(i..).and_then(|s| s.chars().next()) {
            Some(c) => (c, c.len_utf8()),
            // Not on a boundary (cannot happen as we step by characters): step one byte.
            None => ('\u{FFFD}', 1),
        },
    }
}

fn tokenize(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let mut i = 0;
    while i < b.len() {
        let (c, len) = char_at(text, i);
        if c.is_whitespace() {
            i += len;
            continue;
        }
        if !is_word_char(c) {
            out.push(Tok {
                start: i,
                end: i + len,
                word: false,
                possessive: false,
                cap: false,
            });
            i += len;
            continue;
        }
        let start = i;
        let mut end = i + len;
        // Letters, digits, and - ' ’ . & between word characters.
        while end < b.len() {
            let (d, dl) = char_at(text, end);
            if is_word_char(d) {
                end += dl;
                continue;
            }
            if matches!(d, '-' | '\'' | '’' | '.' | '&')
                && is_word_char(char_at(text, end + dl).0)
                && end + dl < b.len()
            {
                // "U.S", "S.p.A": dots join single letters or short pieces only.
                if d == '.' && !text[start..end].split('.').all(|p| p.chars().count() <= 2) {
                    break;
                }
                if d == '&' && !(text[start..end].chars().all(|c| c.is_uppercase())) {
                    break;
                }
                end += dl;
                continue;
            }
            break;
        }
        // A trailing period belongs to abbreviations, initials and dotted acronyms.
        if b.get(end) == Some(&b'.') {
            let w = &text[start..end];
            let initial = w.chars().count() == 1 && w.chars().all(char::is_uppercase);
            if initial || w.contains('.') || is(ABBREVIATIONS, w) {
                end += 1;
            }
        }
        i = end;
        // "Mogadishu-based", "Liberian-flagged": the name, then a descriptive tail that is
        // not part of any name.
        // A byte search: the word is a few bytes, too short for `rfind`'s vector search.
        if let Some(h) = b[start..end].iter().rposition(|&x| x == b'-') {
            let tail = &text[start + h + 1..end];
            if is(DESCRIPTIVE_TAILS, tail) {
                out.push(Tok {
                    start,
                    end: start + h,
                    word: true,
                    possessive: false,
                    cap: false,
                });
                out.push(Tok {
                    start: start + h,
                    end,
                    word: false,
                    possessive: false,
                    cap: false,
                });
                continue;
            }
        }
        // Possessive: "Lindqvist's", "Ortega’s" → the name, marked possessive.
        let w = &text[start..end];
        let mut possessive = false;
        for p in ["'s", "’s"] {
            if w.len() > p.len() + 1 && w.ends_with(p) {
                end -= p.len();
                possessive = true;
                break;
            }
        }
        out.push(Tok {
            start,
            end,
            word: true,
            possessive,
            cap: false,
        });
    }
    for t in &mut out {
        t.cap = t.word && text.get(t.start..t.end).is_some_and(capitalised);
    }
    out
}

fn capitalised(w: &str) -> bool {
    let mut cs = w.chars();
    match cs.next() {
        Some(c) if c.is_uppercase() => true,
        // al-Shabaab, el-Sisi, ad-Dawlah (a hyphen after a short lower-case particle)
        Some(_) if !w.as_bytes().get(1..5).is_some_and(|b| b.contains(&b'-')) => false,
        Some(_) => {
            let lower_prefix = [
                "al-", "el-", "ad-", "as-", "an-", "ash-", "at-", "az-", "bin-", "abu-",
            ];
            lower_prefix
                .iter()
                .any(|p| w.starts_with(p) && w[p.len()..].chars().next().is_some_and(char::is_uppercase))
        }
        None => false,
    }
}

fn all_caps(w: &str) -> bool {
    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 2 && w.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase)
}

/// Phrases after a name that introduce another name for it ("X, also known as Y").
const ALIAS_AFTER: &[&str] = &[
    ", also known as ",
    " also known as ",
    ", better known as ",
    ", known as ",
    " known as ",
    ", or ",
    ", whose full name is ",
    ", who call themselves ",
    ", which calls itself ",
    " calls it ",
    ", formerly known as ",
    ", formerly ",
    " or simply ",
    ", better known by his nom de guerre ",
    ", better known by her nom de guerre ",
    " better known by his nom de guerre ",
    " better known by her nom de guerre ",
    ", known by his nom de guerre ",
    ", known by her nom de guerre ",
    " by the nom de guerre ",
    ", better known by the name ",
];

/// Phrases after a name that say it is another name for what follows or precedes.
const ALIAS_BEFORE: &[&str] = &[
    ", another name for ",
    ", the Arabic acronym for ",
    ", an acronym for ",
    ", the acronym for ",
    ", as the group is often called",
    ", as the group is known",
    ", as it is known",
    ", to give the group its",
    ", the group's",
];

/// Both phrase lists in one automaton: a story is scanned once for all of them.
fn alias_phrases() -> &'static aho_corasick::AhoCorasick {
    static A: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    A.get_or_init(|| {
        // A DFA without prefilter: every phrase starts with a space or a comma, so a
        // prefilter stops at every space, and the DFA's table walk is cheaper per byte.
        aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .prefilter(false)
            .build(ALIAS_AFTER.iter().chain(ALIAS_BEFORE))
            .expect("a few short phrases always build")
    })
}

// ------------------------------------------------------------------ the recognizer

struct Ctx<'a> {
    kb: &'a Kb,
    text: &'a str,
    toks: Vec<Tok>,
    /// Byte offset where running (sentence-case) text begins; before it, title case.
    body_from: usize,
    entities: Vec<DocEntity>,
    mentions: Vec<DocMention>,
    learned: Vec<LearnedAlias>,
    /// Surface → entity, for names introduced in this text (surnames, short names, acronyms).
    surfaces: FxHashMap<String, usize>,
    by_id: FxHashMap<String, usize>,
}

/// Finds the entities of `text`. Before `body_from` (the headline) the text is title
/// case, and only names known from the KB or from the rest of the text are taken there.
pub fn recognize(kb: &Kb, text: &str, body_from: usize) -> Found {
    let mut cx = Ctx {
        kb,
        text,
        toks: tokenize(text),
        body_from: body_from.min(text.len()),
        entities: Vec::new(),
        mentions: Vec::new(),
        learned: Vec::new(),
        surfaces: FxHashMap::default(),
        by_id: FxHashMap::default(),
    };
    cx.run();
    Found {
        entities: cx.entities,
        mentions: cx.mentions,
        learned: cx.learned,
    }
}

/// A run of capitalised tokens, as token indices `[a, b)`.
#[derive(Debug, Clone, Copy)]
struct Run {
    a: usize,
    b: usize,
}

impl<'a> Ctx<'a> {
    fn w(&self, t: usize) -> &'a str {
        let tok = self.toks[t];
        &self.text[tok.start..tok.end]
    }

    fn span(&self, a: usize, b: usize) -> &'a str {
        &self.text[self.toks[a].start..self.toks[b - 1].end]
    }

    /// True when token `t` starts a sentence (or a paragraph, or a quote that does).
    fn sentence_start(&self, t: usize) -> bool {
        let mut p = t;
        loop {
            if p == 0 {
                return true;
            }
            let prev = self.toks[p - 1];
            let gap = &self.text[prev.end..self.toks[p].start];
            if gap.contains('\n') {
                return true;
            }
            let pw = &self.text[prev.start..prev.end];
            if !prev.word {
                match pw {
                    "." | "!" | "?" | ":" | "•" | "—" | "–" => return true,
                    "\"" | "“" | "‘" | "(" | "'" => {
                        p -= 1;
                        continue;
                    }
                    _ => return false,
                }
            }
            // A word ending in a period that is not an abbreviation ends a sentence.
            return pw.ends_with('.')
                && pw.len() > 2
                && !pw.contains('.')
                && !is(ABBREVIATIONS, &pw[..pw.len() - 1]);
        }
    }

    fn in_headline(&self, t: usize) -> bool {
        self.toks[t].start < self.body_from
    }

    /// Joined by a single space (or nothing before a hyphen), within one line.
    fn adjacent(&self, t: usize) -> bool {
        let gap = &self.text[self.toks[t - 1].end..self.toks[t].start];
        (gap == " " || gap.is_empty()) && !self.toks[t - 1].possessive
    }

    fn is_cap_token(&self, t: usize) -> bool {
        self.toks[t].cap
    }

    fn runs(&self) -> Vec<Run> {
        let n = self.toks.len();
        let mut out = Vec::new();
        let mut t = 0;
        while t < n {
            if !self.is_cap_token(t) || self.in_headline(t) {
                t += 1;
                continue;
            }
            let a = t;
            let mut b = t + 1;
            while b < n && self.adjacent(b) {
                if self.is_cap_token(b) && !self.toks[b - 1].possessive {
                    b += 1;
                    continue;
                }
                // Connectors: "Ministry of Defence", "Ashford Lyle & Co.", "Group for the Support".
                let w = self.w(b);
                if (is(CONNECTORS, w) || w == "&") && !self.toks[b - 1].possessive {
                    let mut c = b;
                    while c < n && self.adjacent(c) && (is(CONNECTORS, self.w(c)) || self.w(c) == "&") {
                        c += 1;
                    }
                    if c < n
                        && c > b
                        && self.adjacent(c)
                        && self.is_cap_token(c)
                        && self.connector_ok(a, b, c)
                    {
                        b = c + 1;
                        continue;
                    }
                }
                break;
            }
            out.push(Run { a, b });
            t = b;
        }
        out
    }

    /// "and" joins only inside an organisation's name ("Ministry of Trade and Industry"),
    /// never two names ("Sweden and Finland").
    fn connector_ok(&self, a: usize, from: usize, to: usize) -> bool {
        let words: Vec<&str> = (from..to).map(|t| self.w(t)).collect();
        // "Jordi Puig of the Partido Popular", "Prof. Ingrid Solberg of the University of
        // Oslo": a person, then an organisation, not one name.
        let left_org = (a..from).any(|t| is(ORG_HEADS, self.w(t)) || is(COMPANY_WORDS, self.w(t)));
        let person_like = (a..from).any(|t| is_first_name(self.w(t)) || is_initial(self.w(t)));
        if person_like && !left_org && (words[0] == "of" || words[0] == "for" || words[0] == "at") {
            return false;
        }
        let titled = is(TITLE_HEADS, self.w(a)) || is(TITLE_MODIFIERS, self.w(a));
        // "UN Assistance Mission in Afghanistan": "in" only inside a mission's or force's name.
        if words == ["in"] {
            return (a..from).any(|t| matches!(self.w(t), "Mission" | "Force" | "Office" | "Operation"));
        }
        if words.iter().any(|w| *w == "and" || *w == "y" || *w == "e") {
            let left_has_of = (a..from).any(|t| matches!(self.w(t), "of" | "for"));
            // "Food and Drug Administration": an organisation head follows closely.
            let head_follows = (to..(to + 3).min(self.toks.len()))
                .take_while(|&t| self.is_cap_token(t))
                .any(|t| is(ORG_HEADS, self.w(t)));
            return (left_has_of && (left_org || titled)) || (head_follows && to - a <= 3);
        }
        if words.contains(&"&") {
            return true;
        }
        // "the" alone inside only after "of"/"for".
        if words[0] == "the" {
            return false;
        }
        true
    }

    fn entity_for_kb(&mut self, idx: EntityIdx) -> Option<usize> {
        let e = self.kb.get(idx)?;
        if let Some(&i) = self.by_id.get(&e.id) {
            return Some(i);
        }
        let i = self.entities.len();
        self.by_id.insert(e.id.clone(), i);
        self.entities.push(DocEntity {
            id: e.id.clone(),
            kind: e.kind,
            name: e.name.clone(),
            kb: Some(idx),
            roles: e.roles.clone(),
            learned: Vec::new(),
            ticker: e.ticker.clone(),
            category: e.category.clone(),
        });
        Some(i)
    }

    fn entity_for_doc(&mut self, kind: EntityKind, name: &str, category: &str) -> usize {
        let mut id = String::with_capacity(name.len() + 4);
        id.push_str("doc:");
        slug_into(name, &mut id);
        if let Some(&i) = self.by_id.get(&id) {
            return i;
        }
        // A name the KB knows after all (found through a different run).
        let i = self.entities.len();
        self.by_id.insert(id.clone(), i);
        self.entities.push(DocEntity {
            id,
            kind,
            name: name.to_string(),
            kb: None,
            roles: Vec::new(),
            learned: Vec::new(),
            ticker: None,
            category: category.to_string(),
        });
        i
    }

    fn mention(&mut self, start: usize, end: usize, entity: usize, role_only: bool) {
        self.mentions.push(DocMention {
            start,
            end,
            entity,
            role_only,
        });
    }

    fn run(&mut self) {
        // 1. KB names, by token start.
        let kb_matches = self.kb.find(self.text);
        let mut kb_at: FxHashMap<usize, usize> = FxHashMap::default(); // byte start → match idx
        for (i, m) in kb_matches.iter().enumerate() {
            kb_at.insert(m.start, i);
        }
        let mut claimed = vec![false; self.toks.len()];

        // 2. Capitalised runs in running text.
        let runs = self.runs();
        let mut pending: Vec<Run> = Vec::new();
        for run in runs {
            self.classify(run, &kb_matches, &kb_at, &mut claimed, &mut pending);
        }

        // 3. KB names outside runs (lower-case-led "al-Shabaab" is a run; this catches
        //    names inside the headline and any the runs skipped).
        self.register_short_forms();

        // 4. Runs left undecided: a surname, short name or acronym introduced elsewhere;
        //    or a single name before a verb of saying.
        for run in pending {
            self.resolve_pending(run, &mut claimed, &kb_matches, &kb_at);
        }

        // 5. Aliases the text introduces; role-only mentions; the headline.
        self.learn_aliases();
        self.register_short_forms();
        self.headline_and_leftovers(&kb_matches, &mut claimed);
        self.institution_phrases();
        self.role_mentions();
        self.mentions.sort_by_key(|m| (m.start, std::cmp::Reverse(m.end)));
        self.mentions.dedup_by_key(|m| (m.start, m.end));
    }

    fn kb_take(&self, m: &crate::kb::KbMatch, t: usize) -> Option<EntityIdx> {
        if m.ids.is_empty() {
            return None;
        }
        let surface = &self.text[m.start..m.end];
        if surface.chars().count() <= 1 {
            return None;
        }
        // Several entities behind one name: one that is not a city wins (Hamas the group,
        // not Hamas the town); among cities, the first listed.
        let city = |i: &EntityIdx| self.kb.is_city(*i);
        let non_city: Vec<EntityIdx> = m.ids.iter().copied().filter(|i| !city(i)).collect();
        let listed_ambiguous = self.kb.is_ambiguous(surface);
        if m.ids.len() > 1 && !listed_ambiguous {
            return match non_city.len() {
                1 => Some(non_city[0]),
                0 => m.ids.first().copied(),
                _ => None,
            };
        }
        if m.ambiguous {
            // Names that need context (Georgia, Chad, Berlin): taken after a place
            // preposition, or standing alone (not part of a longer capitalised name, not
            // a person's: "Jordan Peters", "Chad said").
            let prev = (t > 0).then(|| self.w(t - 1));
            let place_prep = prev.is_some_and(|p| {
                matches!(
                    p,
                    "in" | "near" | "from" | "to" | "across" | "outside" | "into" | "of" | "over"
                )
            });
            let te = self.tok_ending(m.end).unwrap_or(t);
            let alone = !(te + 1 < self.toks.len() && self.adjacent(te + 1) && self.is_cap_token(te + 1))
                && !(t > 0 && self.adjacent(t) && self.is_cap_token(t - 1) && !self.sentence_start(t))
                && !self.person_context(t, te + 1)
                && surface.chars().count() >= 4;
            if !place_prep && !alone {
                return None;
            }
        }
        // Two-letter surfaces only in capitals (ISO codes are noise: "IN", "IT"), and never a
        // bare stop acronym.
        if is(STOP_ACRONYMS, surface) && !matches!(surface, "US" | "UK") {
            return None;
        }
        m.ids.first().copied()
    }

    /// Token index whose start is `byte`, if any.
    fn tok_at(&self, byte: usize) -> Option<usize> {
        self.toks.binary_search_by_key(&byte, |t| t.start).ok()
    }

    fn tok_ending(&self, byte: usize) -> Option<usize> {
        // Tokens are in text order and do not overlap, so their ends are sorted too.
        self.toks.binary_search_by_key(&byte, |t| t.end).ok()
    }

    fn classify(
        &mut self,
        run: Run,
        kb_matches: &[crate::kb::KbMatch],
        kb_at: &FxHashMap<usize, usize>,
        claimed: &mut [bool],
        pending: &mut Vec<Run>,
    ) {
        let Run { mut a, b } = run;
        // Leading function words, months and days name nothing.
        while a < b {
            let w = self.w(a);
            let kb_here = kb_at
                .get(&self.toks[a].start)
                .is_some_and(|&mi| kb_matches[mi].end > self.toks[a].end);
            let bits = lists_of(w);
            if (in_lists(bits, FUNCTION, w) && (!kb_here || w == "The"))
                || in_lists(bits, MONTHS_DAYS, w)
                || in_lists(bits, CONNECTORS, w)
            {
                a += 1;
            } else {
                break;
            }
        }
        // Trailing months ("December summit" is lower case anyway; "Monday" after a name).
        let mut b = b;
        while b > a && {
            let w = self.w(b - 1);
            let bits = lists_of(w);
            in_lists(bits, MONTHS_DAYS, w) || in_lists(bits, CONNECTORS, w)
        } {
            b -= 1;
        }
        if a >= b {
            return;
        }
        let words: Vec<&str> = (a..b).map(|t| self.w(t)).collect();
        let start = self.toks[a].start;
        let end = self.toks[b - 1].end;

        // The whole run is one KB name. A lone city name may be a person's surname
        // ("Kaya", "Laurent"): decided after the people are known.
        if let Some(&mi) = kb_at.get(&start) {
            let m = &kb_matches[mi];
            let city = m.ids.first().is_some_and(|i| self.kb.is_city(*i));
            if m.end == end && city && b - a == 1 && !self.place_preposition(a) {
                pending.push(Run { a, b });
                return;
            }
            if m.end == end
                && let Some(idx) = self.kb_take(m, a)
                && let Some(e) = self.entity_for_kb(idx)
            {
                self.mention(start, end, e, false);
                claimed[a..b].iter_mut().for_each(|c| *c = true);
                self.ticker_after(b, e);
                return;
            }
        }

        // A KB place and a KB name side by side ("U.S. Federal Reserve"): two names.
        if let Some(&mi) = kb_at.get(&start) {
            let m0 = &kb_matches[mi];
            if let Some(t1) = self.tok_ending(m0.end).map(|x| x + 1).filter(|&x| x < b)
                && let Some(&mj) = kb_at.get(&self.toks[t1].start)
            {
                let m1 = &kb_matches[mj];
                let first_place = m0
                    .ids
                    .first()
                    .and_then(|i| self.kb.get(*i))
                    .is_some_and(|e| e.kind == EntityKind::Place);
                let second_not_city = m1
                    .ids
                    .first()
                    .and_then(|i| self.kb.get(*i))
                    .is_some_and(|e| e.category != "city");
                let first_surface = &self.text[m0.start..m0.end];
                // "Russian Defence Ministry" is the ministry's name; "U.S. Federal
                // Reserve" is a country and a name.
                let demonym = !all_caps(first_surface)
                    && ["an", "ese", "ish", "i", "ch"]
                        .iter()
                        .any(|x| first_surface.ends_with(x));
                let first_not_name = !is_first_name(self.w(a)) && !demonym;
                if first_place && second_not_city && first_not_name && m1.end == end {
                    for (m, t) in [(m0, a), (m1, t1)] {
                        if let Some(idx) = self.kb_take(m, t)
                            && let Some(e) = self.entity_for_kb(idx)
                        {
                            self.mention(m.start, m.end, e, false);
                        }
                    }
                    claimed[a..b].iter_mut().for_each(|c| *c = true);
                    return;
                }
            }
        }

        // Title first: (place/demonym)* modifiers* heads+ Name…
        if let Some((role_a, role_b)) = self.title_span(a, b, kb_at, kb_matches)
            && role_b < b
        {
            // Leading KB places ("Finnish" in "Finnish Foreign Minister") are their own.
            let mut t = a;
            while t < role_a {
                if let Some(&mi) = kb_at.get(&self.toks[t].start) {
                    let m = &kb_matches[mi];
                    if let Some(idx) = self.kb_take(m, t)
                        && let Some(e) = self.entity_for_kb(idx)
                    {
                        self.mention(m.start, m.end, e, false);
                    }
                    t = self.tok_ending(m.end).map_or(t + 1, |x| x + 1);
                } else {
                    t += 1;
                }
            }
            let role = self.span(role_a, role_b).to_string();
            let name_start = self.toks[role_b].start;
            let name = self.text[name_start..end].to_string();
            let e = self.entity_for_doc(EntityKind::Person, &name, "person");
            push_unique(&mut self.entities[e].roles, role);
            self.mention(name_start, end, e, false);
            self.apposition_role(b, e);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
            return;
        }

        // Each word's lists, looked up once for the several lists asked about below.
        let bits: Vec<u16> = words.iter().map(|w| lists_of(w)).collect();
        let has = |list: &'static [&'static str]| words.iter().zip(&bits).any(|(w, &m)| in_lists(m, list, w));
        // The head is the last head word before the first "of"/"for"/"in" ("University of
        // Science and Technology" is a university; "Bank of Japan" a bank), else the last.
        let cut = words
            .iter()
            .position(|w| matches!(*w, "of" | "for" | "in"))
            .filter(|&c| c > 0)
            .unwrap_or(words.len());
        let last_in = |list: &'static [&'static str]| {
            words[..cut]
                .iter()
                .zip(&bits)
                .rposition(|(w, &m)| in_lists(m, list, w))
                .or_else(|| words.iter().zip(&bits).rposition(|(w, &m)| in_lists(m, list, w)))
        };
        let mut head_org = last_in(ORG_HEADS);
        let mut head_company = last_in(COMPANY_WORDS);
        let head_place = last_in(PLACE_HEADS);
        // The rightmost head decides between organisation and company.
        match (head_org, head_company) {
            (Some(o), Some(c)) if words[c] != "Bank" && o > c && c < cut => head_company = None,
            (Some(o), Some(c)) if o < cut && c >= cut => head_company = None,
            (Some(o), Some(c)) if c > o => head_org = None,
            _ => {}
        }
        let n = b - a;

        // Organisations and companies by their heads.
        if n >= 2 || words[0].ends_with("FC") {
            let company = head_company.is_some_and(|hc| {
                let w = words[hc];
                if matches!(w, "Bank" | "Banca" | "Banco" | "Banque") {
                    !has(PUBLIC_BANK_WORDS) && !words.contains(&"of")
                } else if w == "Games" || w == "Energy" || w == "Power" || w == "Capital" || w == "Management"
                {
                    // Ambiguous words: a company only at the end of a name.
                    hc == n - 1 && !has(ORG_HEADS)
                } else {
                    true
                }
            });
            let kind = if company {
                Some((EntityKind::Company, "company".to_string()))
            } else if let Some(h) = head_org {
                // "Red" alone is no head; "Red Cross"/"Red Crescent" are.
                if words[h] == "Red" {
                    None
                } else {
                    Some((EntityKind::Org, words[h].to_lowercase()))
                }
            } else if head_company.is_some_and(|hc| words[hc] == "Bank") {
                Some((EntityKind::Org, "central_bank".to_string()))
            } else if let Some(h) = head_place {
                if h == 0 && n == 1 {
                    None
                } else {
                    Some((EntityKind::Place, words[h].to_lowercase()))
                }
            } else {
                None
            };
            if let Some((kind, category)) = kind {
                // A KB name that covers the run's start and is the run ("Bank of Japan"
                // handled above); here the run is longer: one unknown name.
                // "Ireland's Data Protection Commission": the commission's name does not
                // include the possessive country, which is its own mention.
                let s = start;
                let name = self.text[start..end].to_string();
                // A KB entity with exactly this name wins over a doc entity.
                let e = match self.kb.by_alias(&name).first().copied() {
                    Some(idx) if !self.kb.is_ambiguous(&name) => self
                        .entity_for_kb(idx)
                        .unwrap_or_else(|| self.entity_for_doc(kind, &name, &category)),
                    _ => self.entity_for_doc(kind, &name, &category),
                };
                self.mention(s, end, e, false);
                claimed[a..b].iter_mut().for_each(|c| *c = true);
                self.ticker_after(b, e);
                return;
            }
        }

        // KB names inside the run, when the rest is not a person's name.
        let first_name = is_first_name(words[0]) || is_initial(words[0]);
        let person_ctx = self.person_context(a, b);
        // Matches are in text order: only those from the run's start on can lie inside.
        let from = kb_matches.partition_point(|m| m.start < start);
        let kb_inside: Vec<usize> = (from..kb_matches.len())
            .take_while(|&i| kb_matches[i].start < end)
            .filter(|&i| kb_matches[i].end <= end)
            .collect();
        let person_like = first_name && n >= 2;
        if !kb_inside.is_empty() && !person_like {
            let mut covered = 0usize;
            for &mi in &kb_inside {
                let m = &kb_matches[mi];
                let Some(t) = self.tok_at(m.start) else { continue };
                if let Some(idx) = self.kb_take(m, t) {
                    // A city name inside a longer unknown name is part of that name ("Golden
                    // Lion", "San Remigio"), not the city.
                    if self.kb.is_city(idx) {
                        continue;
                    }
                    if let Some(e) = self.entity_for_kb(idx) {
                        self.mention(m.start, m.end, e, false);
                        covered += 1;
                        if let Some(te) = self.tok_ending(m.end) {
                            claimed[t..=te].iter_mut().for_each(|c| *c = true);
                            self.ticker_after(te + 1, e);
                        }
                    }
                }
            }
            if covered > 0 {
                return;
            }
        }

        // People: a given name, or a context that says so.
        if n >= 2 && (first_name || person_ctx) && !all_caps(words[0]) {
            let name = self.text[start..end].to_string();
            let e = self.entity_for_doc(EntityKind::Person, &name, "person");
            // "spokeswoman Ingrid Paulsen", "Its spokesman, Marco Valente"
            let mut p = a;
            if p > 0 && self.w(p - 1) == "," {
                p -= 1;
            }
            if p > 0 && is(PERSON_CUES_BEFORE, self.w(p - 1)) {
                let cue = self.w(p - 1).to_string();
                push_unique(&mut self.entities[e].roles, cue);
            }
            self.mention(start, end, e, false);
            self.apposition_role(b, e);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
            return;
        }

        // Places by a following noun: "Anbar province".
        if n <= 3 && self.place_noun_after(b) && !all_caps(words[0]) && !is(FUNCTION, words[0]) {
            let name = self.text[start..end].to_string();
            let e = self.entity_for_doc(EntityKind::Place, &name, "place");
            self.mention(start, end, e, false);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
            return;
        }
        // Places by preposition: "in Pütürge", "near Diyarbakır".
        let plain = words.iter().zip(&bits).all(|(w, &m)| {
            !in_lists(m, ORG_HEADS, w)
                && !in_lists(m, TITLE_HEADS, w)
                && !in_lists(m, FUNCTION, w)
                && !in_lists(m, COMPANY_WORDS, w)
        });
        if self.place_preposition(a) && !all_caps(words[0]) && !first_name && plain && !person_ctx {
            let name = self.text[start..end].to_string();
            if n <= 3 && !self.sentence_start(a) {
                let e = self.entity_for_doc(EntityKind::Place, &name, "place");
                self.mention(start, end, e, false);
                claimed[a..b].iter_mut().for_each(|c| *c = true);
                return;
            }
        }

        pending.push(Run { a, b });
    }

    /// The role part of a titled name: `[role_a, role_b)`; the name is `[role_b, b)`.
    /// "Foreign Minister Anna Lindqvist", "Chief Financial Officer Mei-Ling Zhou",
    /// "Climate Change Minister Sadia Rehman", "Lt. Gen. J.R. Okafor".
    fn title_span(
        &self,
        a: usize,
        b: usize,
        kb_at: &FxHashMap<usize, usize>,
        kb_matches: &[crate::kb::KbMatch],
    ) -> Option<(usize, usize)> {
        let mut t = a;
        // Leading places and demonyms ("Finnish", "Syrian", "U.S.").
        while t < b {
            match kb_at.get(&self.toks[t].start) {
                Some(&mi)
                    if !title_head(self.w(t))
                        && !is(TITLE_MODIFIERS, self.w(t))
                        && kb_matches[mi]
                            .ids
                            .first()
                            .and_then(|i| self.kb.get(*i))
                            .is_some_and(|e| {
                                matches!(e.kind, EntityKind::Place | EntityKind::Org | EntityKind::Company)
                            }) =>
                {
                    t = self.tok_ending(kb_matches[mi].end).map_or(t + 1, |x| x + 1);
                }
                _ => break,
            }
        }
        let role_a = t;
        // The first title head; words before it are part of the role ("Climate Change").
        let h = (role_a..b).find(|&x| title_head(self.w(x)))?;
        if h > role_a + 3 || (role_a..h).any(|x| is(CONNECTORS, self.w(x))) {
            return None;
        }

        // The name starts at the first given name or initial after the head, else after
        // the chain of heads, modifiers and connectors.
        let mut k = h + 1;
        while k < b
            && (is(TITLE_HEADS, self.w(k)) || is(TITLE_MODIFIERS, self.w(k)) || is(CONNECTORS, self.w(k)))
        {
            k += 1;
        }
        if let Some(f) = (h + 1..b).find(|&x| is_first_name(self.w(x)) || is_initial(self.w(x))) {
            // Jump over the rest of a long title ("Under Secretary for Industry and
            // Security Daniel Whitcombe"), not over a name's own first part ("Ma. Cristina").
            if f > k && (h + 1..f).any(|x| is(CONNECTORS, self.w(x))) {
                k = f;
            }
        }
        // "Chief Financial Officer Mei-Ling Zhou": the name follows the last head.
        if let Some(last) = (h..b).rev().find(|&x| title_head(self.w(x)))
            && last + 1 < b
            && last + 1 > k
        {
            k = last + 1;
        }
        if k >= b {
            return None;
        }
        let rest: Vec<&str> = (k..b).map(|x| self.w(x)).collect();
        let last = rest[rest.len() - 1];
        if is(ORG_HEADS, last) || is(COMPANY_WORDS, last) || is(PLACE_HEADS, last) || rest.contains(&"of") {
            return None;
        }
        if rest.iter().all(|w| is(FUNCTION, w) || is(CONNECTORS, w)) || rest.len() > 4 {
            return None;
        }
        Some((role_a, k))
    }

    /// A context that marks the run as a person: a verb of saying right after it, ", who",
    /// "'s wife", or a person word right before it.
    fn person_context(&self, a: usize, b: usize) -> bool {
        let next = |k: usize| (b + k < self.toks.len()).then(|| self.w(b + k));
        if let Some(n0) = next(0) {
            if is(SAY_VERBS, n0) {
                return true;
            }
            if n0 == "," && next(1).is_some_and(|w| w == "who" || w == "aged") {
                return true;
            }
            // ", the mayor of …", ", a spokesman for …", ", 54,"
            if n0 == "," {
                let k = if next(1).is_some_and(|w| matches!(w, "the" | "a" | "an")) {
                    2
                } else {
                    1
                };
                if next(k).is_some_and(|w| is(PERSON_CUES_BEFORE, w)) {
                    return true;
                }
                if next(1).is_some_and(|w| w.len() <= 2 && w.chars().all(|c| c.is_ascii_digit()))
                    && next(2) == Some(",")
                {
                    return true;
                }
            }
        }
        if b > 0
            && self.toks[b - 1].possessive
            && let Some(n0) = next(0)
            && matches!(
                n0,
                "wife"
                    | "husband"
                    | "widow"
                    | "son"
                    | "daughter"
                    | "lawyer"
                    | "mother"
                    | "father"
                    | "family"
                    | "lawyers"
            )
        {
            return true;
        }
        // "…," said Hüseyin Kaya; according to Jane Doe
        if a > 0
            && b - a >= 2
            && (matches!(self.w(a - 1), "said" | "says" | "added" | "told")
                || (a > 1 && self.w(a - 2) == "according" && self.w(a - 1) == "to"))
        {
            return true;
        }
        // "spokeswoman Ingrid Paulsen", "A NATO spokeswoman, Ingrid Paulsen,"
        let mut p = a;
        for _ in 0..2 {
            if p == 0 {
                break;
            }
            let w = self.w(p - 1);
            if w == "," {
                p -= 1;
                continue;
            }
            if is(PERSON_CUES_BEFORE, &w.to_lowercase()) && !capitalised(w) {
                return true;
            }
            break;
        }
        false
    }

    fn place_preposition(&self, a: usize) -> bool {
        let prep = |w: &str| {
            matches!(
                w,
                "in" | "near"
                    | "outside"
                    | "from"
                    | "across"
                    | "into"
                    | "towards"
                    | "toward"
                    | "around"
                    | "along"
            )
        };
        if a > 0 && prep(self.w(a - 1)) {
            return true;
        }
        // "in the Atlantic", "along the Euphrates"
        a > 1 && self.w(a - 1) == "the" && prep(self.w(a - 2))
    }

    /// "Anbar province", "the Euphrates river": a lower-case geographic noun after the run.
    fn place_noun_after(&self, b: usize) -> bool {
        b < self.toks.len()
            && self.adjacent(b)
            && matches!(
                self.w(b),
                "province"
                    | "governorate"
                    | "region"
                    | "district"
                    | "county"
                    | "river"
                    | "valley"
                    | "state"
                    | "prefecture"
                    | "oblast"
                    | "island"
                    | "islands"
                    | "sea"
                    | "desert"
                    | "mountains"
                    | "village"
                    | "town"
                    | "city"
                    | "neighbourhood"
                    | "neighborhood"
                    | "port"
                    | "border"
                    | "coast"
            )
    }

    /// ", chief of the Naval Staff," after a name: a role.
    fn apposition_role(&mut self, b: usize, e: usize) {
        if b + 2 >= self.toks.len() || self.w(b) != "," {
            return;
        }
        let first = self.w(b + 1);
        let starts_role = first.chars().next().is_some_and(|c| c.is_lowercase())
            && (is(PERSON_CUES_BEFORE, first)
                || matches!(
                    first,
                    "the" | "a" | "an" | "head" | "chief" | "director" | "deputy"
                ));
        if !starts_role || matches!(first, "who" | "which") {
            return;
        }
        let mut t = b + 1;
        while t < self.toks.len() && t < b + 12 {
            let w = self.w(t);
            if matches!(w, "," | "." | ";" | "“" | "\"" | "”" | ":" | "(" | ")") || is(SAY_VERBS, w) {
                break;
            }
            t += 1;
        }
        if t < self.toks.len() && t > b + 1 && matches!(self.w(t), "," | "." | ")") {
            let role = self.span(b + 1, t);
            let role = role
                .strip_prefix("a ")
                .or_else(|| role.strip_prefix("an "))
                .unwrap_or(role);
            let role = role.to_string();
            if role.split_whitespace().count() <= 8 {
                push_unique(&mut self.entities[e].roles, role);
            }
        }
    }

    /// "(NASDAQ: ORBS)" after a company: its ticker.
    fn ticker_after(&mut self, b: usize, e: usize) {
        if b + 4 >= self.toks.len() || self.w(b) != "(" {
            return;
        }
        let exch = self.w(b + 1);
        if all_caps(exch) && self.w(b + 2) == ":" && all_caps(self.w(b + 3)) && self.w(b + 4) == ")" {
            let ticker = format!("{}:{}", exch, self.w(b + 3));
            let ent = &mut self.entities[e];
            if ent.kind == EntityKind::Org {
                ent.kind = EntityKind::Company;
            }
            ent.ticker = Some(ticker);
        }
    }

    /// Surnames of people, short names of companies and organisations, so that later
    /// "Lindqvist" or "Orbis" resolve.
    fn register_short_forms(&mut self) {
        for i in 0..self.entities.len() {
            let e = &self.entities[i];
            let words: Vec<&str> = e.name.split(' ').collect();
            let mut forms: Vec<String> = Vec::new();
            match e.kind {
                EntityKind::Person if e.kb.is_none() && words.len() >= 2 => {
                    let last = words[words.len() - 1];
                    forms.push(last.to_string());
                    // Two-part surnames ("Serrano Vidal").
                    if words.len() >= 3 && !is_initial(words[words.len() - 2]) {
                        forms.push(words[words.len() - 2..].join(" "));
                        forms.push(words[words.len() - 2].to_string());
                    }
                }
                EntityKind::Company | EntityKind::Org if e.kb.is_none() => {
                    // The name before its company suffix: "Orbis Therapeutics Inc." → "Orbis",
                    // "Orbis Therapeutics".
                    let mut k = words.len();
                    while k > 1 && (is(COMPANY_WORDS, words[k - 1]) || words[k - 1] == "&") {
                        k -= 1;
                        if k < words.len() {
                            forms.push(words[..k].join(" "));
                        }
                    }
                    if e.kind == EntityKind::Company && words.len() >= 2 && !is(FUNCTION, words[0]) {
                        forms.push(words[0].to_string());
                    }
                }
                _ => {}
            }
            for f in e.learned.clone() {
                // A person's other name brings its surname too ("Serhat Zagros" → "Zagros").
                if e.kind == EntityKind::Person
                    && let Some(last) = f.split(' ').nth(1).and(f.rsplit(' ').next())
                {
                    forms.push(last.to_string());
                }
                forms.push(f);
            }
            for f in forms {
                if f.chars().count() >= 2 {
                    self.surfaces.entry(f).or_insert(i);
                }
            }
        }
    }

    fn resolve_pending(
        &mut self,
        run: Run,
        claimed: &mut [bool],
        kb_matches: &[crate::kb::KbMatch],
        kb_at: &FxHashMap<usize, usize>,
    ) {
        let Run { a, b } = run;
        let start = self.toks[a].start;
        let end = self.toks[b - 1].end;
        let text = &self.text[start..end];
        if let Some(&e) = self.surfaces.get(text) {
            self.mention(start, end, e, false);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
            return;
        }
        // A KB name the gazetteer passed over for a longer one that did not fit ("OPEC" in
        // "OPEC+").
        if let [idx] = self.kb.by_alias(text) {
            let idx = *idx;
            let is_city = self.kb.is_city(idx);
            if !is_city
                && !self.kb.is_ambiguous(text)
                && let Some(e) = self.entity_for_kb(idx)
            {
                self.mention(start, end, e, false);
                claimed[a..b].iter_mut().for_each(|c| *c = true);
                return;
            }
        }
        // A deferred city name that is nobody's surname, and is a capital or a city of a
        // country the story names ("Brent" the crude benchmark is neither).
        if let Some(&mi) = kb_at.get(&start) {
            let m = &kb_matches[mi];
            if m.end == end && !self.person_context(a, b) {
                let fits = |idx: EntityIdx| {
                    self.kb.is_capital(idx)
                        || self
                            .kb
                            .get(idx)
                            .and_then(|c| c.country.clone())
                            .is_some_and(|cc| {
                                self.entities.iter().any(|e| {
                                    e.category == "country"
                                        && e.kb.and_then(|k| self.kb.get(k)).is_some_and(|k| {
                                            k.relations.iter().any(|(r, t)| {
                                                r == "capital"
                                                    && t.ends_with(&format!("-{}", cc.to_lowercase()))
                                            })
                                        })
                                })
                            })
                };
                if let Some(idx) = self.kb_take(m, a).filter(|&i| fits(i))
                    && let Some(e) = self.entity_for_kb(idx)
                {
                    self.mention(start, end, e, false);
                    claimed[a..b].iter_mut().for_each(|c| *c = true);
                    return;
                }
            }
        }
        let n = b - a;
        let w0 = self.w(a);
        // "Mr. Surname" handled as title; a single unknown name before a verb of saying is a
        // person ("Lacson said").
        let generic = |w: &str| {
            is(ORG_HEADS, w)
                || is(TITLE_HEADS, w)
                || is(COMPANY_WORDS, w)
                || is(PLACE_HEADS, w)
                || is(TITLE_MODIFIERS, w)
                || w.ends_with("woman")
                || w.ends_with("man")
                || (self.sentence_start(a) && w.ends_with('s') && !w.ends_with("ss"))
        };
        if n <= 2
            && self.person_context(a, b)
            && !all_caps(w0)
            && !is(FUNCTION, w0)
            && !(a..b).any(|t| generic(self.w(t)))
        {
            let e = self.entity_for_doc(EntityKind::Person, text, "person");
            self.mention(start, end, e, false);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
            self.register_short_forms();
            return;
        }
        // An unknown acronym in running text: an organisation, unless it is a ticker or
        // exchange code ("under the symbol BCS", "(NASDAQ: ORBS)").
        let ticker_ctx = (a.saturating_sub(3)..a)
            .any(|t| matches!(self.w(t), "ticker" | "symbol" | ":" | "code"))
            || (b < self.toks.len() && matches!(self.w(b), ":" | "shares" | "stock" | "francs"));
        if n == 1
            && all_caps(w0)
            && w0.chars().count() <= 6
            && !is(STOP_ACRONYMS, w0)
            && !w0.contains('.')
            && !ticker_ctx
        {
            let e = self.entity_for_doc(EntityKind::Org, text, "acronym");
            self.mention(start, end, e, false);
            claimed[a..b].iter_mut().for_each(|c| *c = true);
        }
    }

    /// "X (Y)", "X, also known as Y", "Y, another name for X" …
    fn learn_aliases(&mut self) {
        let mut mentions = self.mentions.clone();
        mentions.sort_by_key(|m| m.start);
        // Parenthesised: entity mention followed by "(" Cap-run ")".
        for m in &mentions {
            let Some(te) = self.tok_ending(m.end) else {
                continue;
            };
            let t = te + 1;
            if t + 2 < self.toks.len() && self.w(t) == "(" {
                let mut u = t + 1;
                while u < self.toks.len() && u < t + 10 && self.w(u) != ")" {
                    u += 1;
                }
                if u < self.toks.len() && self.w(u) == ")" && u > t + 1 {
                    let inner_start = self.toks[t + 1].start;
                    let inner_end = self.toks[u - 1].end;
                    let inner = &self.text[inner_start..inner_end];
                    if inner.contains(':') || !capitalised(inner) || inner.chars().any(|c| c.is_ascii_digit())
                    {
                        continue;
                    }
                    self.add_alias(m.entity, inner_start, inner_end);
                }
            }
        }
        // Phrases.

        // Every occurrence of every phrase, in the order the phrase lists give (then text).
        let mut hits: Vec<(usize, usize)> = alias_phrases()
            .find_overlapping_iter(self.text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect();
        hits.sort_unstable();
        for &(pi, at) in hits.iter().filter(|(pi, _)| *pi < ALIAS_AFTER.len()) {
            let pat = ALIAS_AFTER[pi];
            {
                // X: a mention ending right at `at`; Y: what follows.
                let upto = mentions.partition_point(|m| m.start < at);
                let Some(x) = mentions[upto.saturating_sub(ANTECEDENT_WINDOW)..upto]
                    .iter()
                    .rev()
                    .find(|m| m.end == at || (m.end + 1 == at && &self.text[m.end..at] == "\""))
                else {
                    continue;
                };
                if let Some((ys, ye)) = self.name_at(at + pat.len()) {
                    // "X, or Y," must close with a comma or a dash to be an alias.
                    if pat.trim() == ", or".trim() && !self.text[ye..].starts_with([',', '—', ')', '.']) {
                        continue;
                    }
                    if pat.contains("or")
                        && pat.len() <= 5
                        && !matches!(
                            self.entities[x.entity].kind,
                            EntityKind::Org | EntityKind::Company | EntityKind::Place
                        )
                    {
                        continue;
                    }
                    self.add_alias(x.entity, ys, ye);
                }
            }
        }
        for &(pi, at) in hits.iter().filter(|(pi, _)| *pi >= ALIAS_AFTER.len()) {
            let pat = ALIAS_BEFORE[pi - ALIAS_AFTER.len()];
            {
                // Y: the name ending at `at` (a mention, or a capitalised run).
                let y = self.name_ending(at);
                let Some((ys, ye)) = y else { continue };
                // X: the entity named right after the phrase, else the nearest before Y.
                let after = at + pat.len();
                let from = mentions.partition_point(|m| m.start < after);
                let upto = mentions.partition_point(|m| m.start < ys);
                let x = mentions[from..]
                    .iter()
                    .take_while(|m| m.start <= after + 4)
                    .next()
                    .or_else(|| {
                        mentions[upto.saturating_sub(ANTECEDENT_WINDOW)..upto]
                            .iter()
                            .rev()
                            .find(|m| m.end <= ys)
                    })
                    .map(|m| m.entity);
                if let Some(x) = x {
                    self.add_alias(x, ys, ye);
                }
            }
        }
    }

    /// The capitalised name (optionally in quotes) starting at byte `at`.
    fn name_at(&self, at: usize) -> Option<(usize, usize)> {
        let t = self.toks.iter().position(|t| t.start >= at)?;
        let mut t0 = t;
        if matches!(self.w(t0), "\"" | "“" | "the") {
            t0 += 1;
        }
        if t0 >= self.toks.len() || !self.is_cap_token(t0) {
            return None;
        }
        let mut t1 = t0 + 1;
        while t1 < self.toks.len()
            && self.adjacent(t1)
            && (self.is_cap_token(t1)
                || (is(CONNECTORS, self.w(t1)) && t1 + 1 < self.toks.len() && self.is_cap_token(t1 + 1)))
            && !self.toks[t1 - 1].possessive
        {
            t1 += 1;
        }
        Some((self.toks[t0].start, self.toks[t1 - 1].end))
    }

    fn name_ending(&self, at: usize) -> Option<(usize, usize)> {
        let mut te = self.toks.iter().rposition(|t| t.end <= at)?;
        if matches!(self.w(te), "\"" | "”") {
            te = te.checked_sub(1)?;
        }
        if !self.is_cap_token(te) {
            return None;
        }
        let mut ts = te;
        while ts > 0 && self.adjacent(ts) && (self.is_cap_token(ts - 1) || is(CONNECTORS, self.w(ts - 1))) {
            ts -= 1;
        }
        while ts < te && !self.is_cap_token(ts) {
            ts += 1;
        }
        Some((self.toks[ts].start, self.toks[te].end))
    }

    fn add_alias(&mut self, entity: usize, s: usize, e: usize) {
        let alias = self.text[s..e]
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
            .to_string();
        if alias.is_empty() || alias == self.entities[entity].name || alias.chars().count() > 60 {
            return;
        }
        // If the alias was recognised as another (doc) entity, fold it into this one.
        let other = self
            .mentions
            .iter()
            .find(|m| m.start == s && m.end == e && m.entity != entity)
            .map(|m| m.entity);
        if let Some(o) = other {
            if self.entities[o].kb.is_none() {
                for m in self.mentions.iter_mut().filter(|m| m.entity == o) {
                    m.entity = entity;
                }
            } else {
                // Two KB entities: leave both.
                return;
            }
        } else {
            self.mention(s, e, entity, false);
        }
        let evidence = sentence_around(self.text, s);
        push_unique(&mut self.entities[entity].learned, alias.clone());
        if !self
            .learned
            .iter()
            .any(|l| l.entity == entity && l.alias == alias)
        {
            self.learned.push(LearnedAlias {
                entity,
                alias: alias.clone(),
                evidence,
            });
        }
        self.surfaces.insert(alias, entity);
    }

    /// Later mentions in the body by surface, and names in the headline.
    fn headline_and_leftovers(&mut self, kb_matches: &[crate::kb::KbMatch], claimed: &mut [bool]) {
        // Known surfaces anywhere not yet claimed (the headline, and short forms).
        // Surfaces by their first word, longest first, so each token is tried only
        // against the names that could start there.
        let mut by_first: FxHashMap<&str, Vec<(&str, usize)>> = FxHashMap::default();
        let names = self
            .entities
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.as_str(), i));
        for (s, e) in self.surfaces.iter().map(|(k, v)| (k.as_str(), *v)).chain(names) {
            let first = s.split([' ', '\'', '’']).next().unwrap_or(s);
            by_first.entry(first).or_default().push((s, e));
        }
        for list in by_first.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        }
        // The bytes those first words start with: most tokens (lower-case words) start
        // with none of them and need no lookup.
        let mut first_bytes = [false; 256];
        for k in by_first.keys() {
            if let Some(&b) = k.as_bytes().first() {
                first_bytes[usize::from(b)] = true;
            }
        }
        let mut found: Vec<(usize, usize, usize, usize)> = Vec::new(); // (t, te, entity, end)
        let n = self.toks.len();
        let mut t = 0;
        while t < n {
            if claimed[t] || !self.toks[t].word {
                t += 1;
                continue;
            }
            let st = self.toks[t].start;
            let mut hit = None;
            let w = self.w(t);
            let may_start = w.as_bytes().first().is_some_and(|&b| first_bytes[usize::from(b)]);
            if let Some(list) = may_start.then(|| by_first.get(w)).flatten() {
                for (s, e) in list {
                    if self.text[st..].starts_with(s) {
                        let end = st + s.len();
                        if let Some(te) = self.tok_ending(end)
                            && te >= t
                            && (t..=te).all(|x| !claimed[x])
                        {
                            hit = Some((te, *e, end));
                            break;
                        }
                    }
                }
            }
            if let Some((te, e, end)) = hit {
                found.push((t, te, e, end));
                claimed[t..=te].iter_mut().for_each(|c| *c = true);
                t = te + 1;
                continue;
            }
            t += 1;
        }
        drop(by_first);
        for (t, _, e, end) in found {
            self.mention(self.toks[t].start, end, e, false);
        }
        // KB names in the headline (title case) not yet claimed.
        for m in kb_matches {
            let Some(t) = self.tok_at(m.start) else { continue };
            let Some(te) = self.tok_ending(m.end) else {
                continue;
            };
            if (t..=te).any(|x| claimed[x]) {
                continue;
            }
            if !self.in_headline(t) {
                continue;
            }
            if let Some(idx) = self.kb_take(m, t) {
                // Title case makes every word look like a name: a city is taken in the
                // headline only when the body names it too.
                // A one-word company name is usually an ordinary capitalised headline word
                // ("EU Partners" is not Partners Group): the same rule.
                let single_word = !self.text[m.start..m.end].contains(' ');
                let city = self
                    .kb
                    .get(idx)
                    .is_some_and(|e| e.category == "city" || (e.kind == EntityKind::Company && single_word));
                if city
                    && !self
                        .by_id
                        .contains_key(&self.kb.get(idx).map(|e| e.id.clone()).unwrap_or_default())
                {
                    continue;
                }
                if let Some(e) = self.entity_for_kb(idx) {
                    self.mention(m.start, m.end, e, false);
                    claimed[t..=te].iter_mut().for_each(|c| *c = true);
                }
            }
        }
    }

    /// "the Sudanese health ministry", "the Israeli military": a country's institution
    /// named by a demonym and a lower-case head; one organisation, the demonym inside it.
    fn institution_phrases(&mut self) {
        let mut replace: Vec<(usize, usize, usize, String)> = Vec::new(); // (mention idx, start, end, name)
        for (mi, m) in self.mentions.iter().enumerate() {
            let e = &self.entities[m.entity];
            if e.kind != EntityKind::Place || m.role_only {
                continue;
            }
            let Some(te) = self.tok_ending(m.end) else {
                continue;
            };
            let mut t = te + 1;
            let mut mods = 0;
            while t < self.toks.len()
                && mods < 2
                && self.adjacent(t)
                && matches!(
                    self.w(t),
                    "health"
                        | "foreign"
                        | "defence"
                        | "defense"
                        | "interior"
                        | "finance"
                        | "labour"
                        | "labor"
                        | "justice"
                        | "economy"
                        | "trade"
                        | "energy"
                        | "education"
                        | "agriculture"
                        | "information"
                )
            {
                t += 1;
                mods += 1;
            }
            if t < self.toks.len()
                && self.adjacent(t)
                && matches!(
                    self.w(t),
                    "ministry" | "military" | "army" | "navy" | "parliament"
                )
                && mods > 0
            {
                let end = self.toks[t].end;
                replace.push((mi, m.start, end, self.text[m.start..end].to_string()));
            }
        }
        for (mi, start, end, name) in replace.into_iter().rev() {
            let e = self.entity_for_doc(EntityKind::Org, &name, "ministry");
            self.mentions[mi] = DocMention {
                start,
                end,
                entity: e,
                role_only: false,
            };
        }
    }

    /// "the admiral", "the minister", "the company": the nearest fitting entity before.
    fn role_mentions(&mut self) {
        let n = self.toks.len();
        let mut mentions = self.mentions.clone();
        mentions.sort_by_key(|m| m.start);
        // Per entity, once and only when a role word is met: category and name words
        // lower-cased, role words spelt out.
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        // Per entity, not for all at once: most stories ask about a few entities only.
        let facts_cells: Vec<std::cell::OnceCell<RoleFacts>> =
            self.entities.iter().map(|_| std::cell::OnceCell::new()).collect();
        let entities = &self.entities;
        let facts = |i: usize| -> &RoleFacts {
            facts_cells[i].get_or_init(|| {
                let e = &entities[i];
                (
                    e.category.to_lowercase(),
                    e.name.to_lowercase().split(' ').map(str::to_string).collect(),
                    e.roles.iter().flat_map(|r| role_words(r)).collect(),
                )
            })
        };
        for t in 0..n.saturating_sub(1) {
            let the = self.w(t);
            if the != "the" && !(the == "The" && self.sentence_start(t)) {
                continue;
            }
            let head = self.w(t + 1);
            if !head.chars().next().is_some_and(char::is_lowercase) {
                continue;
            }
            // Not "the company's founder"? That is still the company. But "the group of …" is
            // generic.
            if t + 2 < n && matches!(self.w(t + 2), "of" | "that" | "which" | "who") {
                continue;
            }
            let before = self.toks[t].start;
            // The antecedent is among the mentions just before (bounded, so a huge text
            // stays linear).
            let upto = mentions.partition_point(|m| m.start < before);
            let window = &mentions[upto.saturating_sub(ANTECEDENT_WINDOW)..upto];
            let target = if let Some((_, cats)) = ROLE_ONLY_ORG.iter().find(|(h, _)| *h == head) {
                window.iter().rev().filter(|m| !m.role_only).find(|m| {
                    let e = &self.entities[m.entity];
                    let (cat, name_words, _) = facts(m.entity);
                    (e.kind == EntityKind::Company && cats.contains(&"company"))
                        || cats.iter().any(|c| cat == c || cat.contains(c))
                        || name_words.iter().any(|w| w == head)
                })
            } else {
                None
            }
            .map(|m| m.entity);
            if let Some(e) = target {
                found.push((self.toks[t].start, self.toks[t + 1].end, e));
                continue;
            }
            // People by their role: "the admiral", "the general" (for "Lt. Gen."), "the air
            // chief marshal", "the fast bowler" — up to three lower-case words after "the",
            // the last of which is a word of a person's role; the longest such phrase wins.
            let mut best: Option<(usize, usize)> = None; // (last token, entity)
            let mut j = t + 1;
            while j < n && j <= t + 3 && self.toks[j].word && self.w(j).chars().all(char::is_lowercase) {
                let head = self.w(j);
                // The word capitalised ("admiral" → "Admiral"), on the stack when it is
                // short ASCII (nearly always), else in a new string.
                let mut stack = [0u8; 24];
                let owned;
                let cap: &str = match stack.get_mut(..head.len()) {
                    Some(buf) if head.is_ascii() => {
                        buf.copy_from_slice(head.as_bytes());
                        if let Some(b) = buf.first_mut() {
                            b.make_ascii_uppercase();
                        }
                        std::str::from_utf8(buf).unwrap_or_default()
                    }
                    _ => {
                        let mut c = head.chars();
                        owned = c
                            .next()
                            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                            .unwrap_or_default();
                        &owned
                    }
                };
                let head_lists = lists_of(head);
                if is(TITLE_HEADS, cap) || in_lists(head_lists, PERSON_CUES_BEFORE, head) {
                    let hit = window.iter().rev().filter(|m| !m.role_only).find(|m| {
                        self.entities[m.entity].kind == EntityKind::Person
                            && facts(m.entity).2.iter().any(|w| w == head)
                    });
                    if let Some(m) = hit {
                        best = Some((j, m.entity));
                    }
                }
                if in_lists(head_lists, SAY_VERBS, head) {
                    break;
                }
                j += 1;
            }
            if let Some((last, e)) = best {
                found.push((self.toks[t].start, self.toks[last].end, e));
            }
        }
        for (start, end, e) in found {
            self.mention(start, end, e, true);
        }
    }
}

/// The words of a role, lowercased, with title abbreviations spelt out ("Lt. Gen." →
/// lieutenant, general), so "the general" finds the lieutenant general.
fn role_words(role: &str) -> impl Iterator<Item = String> + '_ {
    role.split(|c: char| !c.is_alphanumeric() && c != '.')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let full = match w.trim_end_matches('.') {
                "Gen" => "general",
                "Lt" => "lieutenant",
                "Col" => "colonel",
                "Capt" => "captain",
                "Adm" => "admiral",
                "Brig" => "brigadier",
                "Maj" => "major",
                "Sgt" => "sergeant",
                "Dr" => "doctor",
                "Prof" => "professor",
                "Cmdr" => "commander",
                "Gov" => "governor",
                "Sen" => "senator",
                "Rep" => "representative",
                "Insp" => "inspector",
                "Supt" => "superintendent",
                "Det" => "detective",
                "Atty" => "attorney",
                "Rev" => "reverend",
                other => return other.trim_end_matches('.').to_lowercase(),
            };
            full.to_string()
        })
}

/// Per entity, for role mentions: category and name words lower-cased, role words spelt out.
type RoleFacts = (String, Vec<String>, Vec<String>);

/// A title head, also hyphenated ("Vice-President", "Secretary-General").
fn title_head(w: &str) -> bool {
    is(TITLE_HEADS, w) || (w.contains('-') && w.rsplit('-').next().is_some_and(|t| is(TITLE_HEADS, t)))
}

/// A known given name, also when written with accents the lexicon lacks ("Amélie").
fn is_first_name(w: &str) -> bool {
    let names = &lexicon().first_names;
    if names.contains(w) {
        return true;
    }
    if w.is_ascii() {
        return false;
    }
    let folded: String = w
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'Á' => 'A',
            'É' => 'E',
            'Í' => 'I',
            'Ó' => 'O',
            'Ú' => 'U',
            'Ö' => 'O',
            'Ü' => 'U',
            other => other,
        })
        .collect();
    names.contains(&folded)
}

fn is_initial(w: &str) -> bool {
    let core = w.trim_end_matches('.');
    w.ends_with('.')
        && core
            .split('.')
            .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The sentence (roughly) around byte `at`, for evidence.
fn sentence_around(text: &str, at: usize) -> String {
    let start = text[..at].rfind(['.', '\n']).map(|i| i + 1).unwrap_or(0);
    let end = text[at..]
        .find(['.', '\n'])
        .map(|i| at + i + 1)
        .unwrap_or(text.len());
    let s = text[start..end].trim();
    if s.chars().count() > 300 {
        s.chars().take(300).collect()
    } else {
        s.to_string()
    }
}

/// `doc:` ids: lowercase ASCII letters and digits joined by hyphens; other letters kept.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    slug_into(name, &mut out);
    out
}

/// Appends [`slug`]`(name)` to `out` (which may already hold a prefix such as "doc:").
fn slug_into(name: &str, out: &mut String) {
    let base = out.len();
    let mut dash = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if dash && out.len() > base {
                out.push('-');
            }
            dash = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            dash = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> &'static Kb {
        static K: OnceLock<Kb> = OnceLock::new();
        K.get_or_init(|| Kb::embedded().expect("kb"))
    }

    fn names(text: &str) -> Vec<(EntityKind, String, Vec<String>)> {
        let f = recognize(kb(), text, 0);
        f.entities
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let ms = f
                    .mentions
                    .iter()
                    .filter(|m| m.entity == i)
                    .map(|m| text[m.start..m.end].to_string())
                    .collect();
                (e.kind, e.name.clone(), ms)
            })
            .collect()
    }

    #[test]
    fn tokens_keep_abbreviations_and_split_possessives() {
        let t = "Lt. Gen. J.R. Okafor's U.S. trip cost $1.48 billion.";
        let toks: Vec<&str> = tokenize(t).iter().map(|x| &t[x.start..x.end]).collect();
        assert_eq!(toks[..5], ["Lt.", "Gen.", "J.R.", "Okafor", "U.S."]);
    }

    #[test]
    fn titled_people_and_later_surnames() {
        let text = "Foreign Minister Anna Lindqvist urged partners on Monday. \"We must act,\" Lindqvist said. The minister left.";
        let found = recognize(kb(), text, 0);
        let (i, e) = found
            .entities
            .iter()
            .enumerate()
            .find(|(_, e)| e.name == "Anna Lindqvist")
            .expect("person");
        assert_eq!(e.kind, EntityKind::Person);
        assert_eq!(e.roles, ["Foreign Minister"]);
        let surfaces: Vec<&str> = found
            .mentions
            .iter()
            .filter(|m| m.entity == i)
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(surfaces, ["Anna Lindqvist", "Lindqvist", "The minister"]);
    }

    #[test]
    fn organisations_companies_and_places_by_heads() {
        let n = names(
            "Officials at the Ministry of Water and Irrigation met Orbis Therapeutics Inc. (NASDAQ: ORBS) near Pütürge on the Karasu River.",
        );
        let find = |name: &str| n.iter().find(|(_, nm, _)| nm == name).map(|x| x.0);
        assert_eq!(
            find("Ministry of Water and Irrigation"),
            Some(EntityKind::Org),
            "{n:?}"
        );
        assert_eq!(
            find("Orbis Therapeutics Inc."),
            Some(EntityKind::Company),
            "{n:?}"
        );
        assert_eq!(find("Pütürge"), Some(EntityKind::Place), "{n:?}");
        assert_eq!(find("Karasu River"), Some(EntityKind::Place), "{n:?}");
    }

    #[test]
    fn aliases_from_the_text() {
        let text = "The Northern Harbour Pilots Association (NHPA) called the strike. NHPA members walked out. \
                    Its founder, Rodrigo Salcedo, better known by his nom de guerre Rodrigo Digoy, said little. \
                    Digoy later spoke.";
        let f = recognize(kb(), text, 0);
        let nhpa = f
            .learned
            .iter()
            .find(|l| l.alias == "NHPA")
            .expect("learned NHPA");
        assert_eq!(
            f.entities[nhpa.entity].name,
            "Northern Harbour Pilots Association"
        );
        assert!(nhpa.evidence.contains("(NHPA)"));
        let count = f.mentions.iter().filter(|m| m.entity == nhpa.entity).count();
        assert_eq!(count, 3, "{:?}", f.mentions);
        let digoy = f
            .learned
            .iter()
            .find(|l| l.alias == "Rodrigo Digoy")
            .expect("nom de guerre");
        assert_eq!(f.entities[digoy.entity].name, "Rodrigo Salcedo");
        let later = text.rfind("Digoy").unwrap();
        assert!(
            f.mentions
                .iter()
                .any(|m| m.start == later && m.entity == digoy.entity),
            "the short form of the other name resolves: {:?}",
            f.mentions
        );
    }

    #[test]
    fn survives_garbage() {
        for s in [
            "",
            "'s",
            "“",
            "A (",
            "X, also known as",
            "the the the",
            "É’s’s",
            "(NASDAQ: )",
            "U.S.A.B.C.D.E.F.",
        ] {
            let _ = recognize(kb(), s, s.len() / 2);
        }
    }
}
