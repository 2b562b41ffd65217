//! The generator's word stock: invented people, companies, parties and places to fill templates.
//!
//! Countries, cities and international bodies are real so that text reads like news;
//! every person, company, party, club and institution is invented. Lists are ordered
//! roughly from "often in the news" to "rarely", because the generator picks from
//! them with a Zipf-like skew (index 0 most often), which gives search benchmarks
//! a realistic long tail of rare names.
//!
//! Nothing here may contain `"`, `\` or control characters: the generator's size
//! estimate relies on JSON not having to escape anything but paragraph breaks.

/// A real country with its capital, other cities, demonym and an invented province.
pub struct Country {
    pub name: &'static str,
    pub capital: &'static str,
    pub cities: &'static [&'static str],
    pub demonym: &'static str,
    pub province: &'static str,
}

/// An invented listed company.
pub struct Company {
    pub name: &'static str,
    pub ticker: &'static str,
    /// What the company is, as a news story calls it ("the chipmaker").
    pub kind: &'static str,
    /// What it sells, for product and earnings stories.
    pub product: &'static str,
}

/// A real international body, by full and short name.
pub struct Org {
    pub name: &'static str,
    pub short: &'static str,
}

macro_rules! country {
    ($n:expr, $cap:expr, [$($c:expr),*], $dem:expr, $prov:expr) => {
        Country { name: $n, capital: $cap, cities: &[$($c),*], demonym: $dem, province: $prov }
    };
}

#[rustfmt::skip]
pub static COUNTRIES: &[Country] = &[
    country!("the United States", "Washington", ["New York", "Chicago", "Houston", "Los Angeles"], "U.S.", "Ridgeback County"),
    country!("Germany", "Berlin", ["Hamburg", "Munich", "Cologne", "Frankfurt"], "German", "Oberhalde"),
    country!("Japan", "Tokyo", ["Osaka", "Nagoya", "Sapporo", "Fukuoka"], "Japanese", "Kitanami"),
    country!("India", "New Delhi", ["Mumbai", "Chennai", "Kolkata", "Bengaluru", "Hyderabad"], "Indian", "Varunagar"),
    country!("Brazil", "Brasilia", ["Sao Paulo", "Rio de Janeiro", "Salvador", "Recife"], "Brazilian", "Serra Alta"),
    country!("the United Kingdom", "London", ["Manchester", "Glasgow", "Birmingham", "Leeds"], "British", "Westmarch"),
    country!("France", "Paris", ["Lyon", "Marseille", "Toulouse", "Lille"], "French", "Haute-Varenne"),
    country!("Nigeria", "Abuja", ["Lagos", "Kano", "Ibadan", "Port Harcourt"], "Nigerian", "Okun Delta"),
    country!("Mexico", "Mexico City", ["Guadalajara", "Monterrey", "Puebla", "Tijuana"], "Mexican", "Sierra Colorada"),
    country!("Indonesia", "Jakarta", ["Surabaya", "Medan", "Bandung", "Makassar"], "Indonesian", "Tanjung Barat"),
    country!("Turkey", "Ankara", ["Istanbul", "Izmir", "Bursa", "Antalya"], "Turkish", "Karadere"),
    country!("Kenya", "Nairobi", ["Mombasa", "Kisumu", "Nakuru"], "Kenyan", "Lake Ewaso"),
    country!("South Africa", "Pretoria", ["Johannesburg", "Cape Town", "Durban"], "South African", "Highveld North"),
    country!("Canada", "Ottawa", ["Toronto", "Montreal", "Vancouver", "Calgary"], "Canadian", "Northern Tamarack"),
    country!("Australia", "Canberra", ["Sydney", "Melbourne", "Brisbane", "Perth"], "Australian", "Gidgee Downs"),
    country!("Egypt", "Cairo", ["Alexandria", "Giza", "Port Said", "Luxor"], "Egyptian", "Wadi Qasr"),
    country!("Argentina", "Buenos Aires", ["Cordoba", "Rosario", "Mendoza"], "Argentine", "Pampa Seca"),
    country!("Poland", "Warsaw", ["Krakow", "Gdansk", "Wroclaw", "Poznan"], "Polish", "Dolna Rzeka"),
    country!("Spain", "Madrid", ["Barcelona", "Valencia", "Seville", "Bilbao"], "Spanish", "Alto Duerna"),
    country!("Italy", "Rome", ["Milan", "Naples", "Turin", "Genoa"], "Italian", "Val Serrana"),
    country!("South Korea", "Seoul", ["Busan", "Incheon", "Daegu"], "South Korean", "Hanseo"),
    country!("Vietnam", "Hanoi", ["Ho Chi Minh City", "Da Nang", "Haiphong"], "Vietnamese", "Song Lam"),
    country!("Pakistan", "Islamabad", ["Karachi", "Lahore", "Peshawar", "Quetta"], "Pakistani", "Upper Dastan"),
    country!("the Philippines", "Manila", ["Cebu", "Davao", "Quezon City"], "Philippine", "Isla Verde"),
    country!("Colombia", "Bogota", ["Medellin", "Cali", "Cartagena"], "Colombian", "Rio Claro"),
    country!("Ethiopia", "Addis Ababa", ["Dire Dawa", "Mekelle", "Bahir Dar"], "Ethiopian", "Upper Awash"),
    country!("Chile", "Santiago", ["Valparaiso", "Concepcion", "Antofagasta"], "Chilean", "Atacama Norte"),
    country!("Morocco", "Rabat", ["Casablanca", "Marrakesh", "Tangier", "Fez"], "Moroccan", "Souss Haut"),
    country!("Ghana", "Accra", ["Kumasi", "Tamale", "Takoradi"], "Ghanaian", "Volta Hills"),
    country!("Sweden", "Stockholm", ["Gothenburg", "Malmo", "Uppsala"], "Swedish", "Norrdal"),
    country!("the Netherlands", "Amsterdam", ["Rotterdam", "The Hague", "Utrecht"], "Dutch", "Zuidveen"),
    country!("Thailand", "Bangkok", ["Chiang Mai", "Phuket", "Khon Kaen"], "Thai", "Nong Khiri"),
    country!("Peru", "Lima", ["Arequipa", "Cusco", "Trujillo"], "Peruvian", "Alto Maranon"),
    country!("Norway", "Oslo", ["Bergen", "Trondheim", "Stavanger"], "Norwegian", "Fjellmark"),
    country!("Greece", "Athens", ["Thessaloniki", "Patras", "Heraklion"], "Greek", "Ano Pindos"),
    country!("Bangladesh", "Dhaka", ["Chittagong", "Khulna", "Sylhet"], "Bangladeshi", "Char Nadia"),
    country!("Kazakhstan", "Astana", ["Almaty", "Shymkent", "Karaganda"], "Kazakh", "Sarykol"),
    country!("Senegal", "Dakar", ["Thies", "Saint-Louis", "Ziguinchor"], "Senegalese", "Ferlo Est"),
    country!("Portugal", "Lisbon", ["Porto", "Braga", "Coimbra"], "Portuguese", "Beira Funda"),
    country!("Romania", "Bucharest", ["Cluj-Napoca", "Iasi", "Constanta"], "Romanian", "Valea Mare"),
    country!("Tanzania", "Dodoma", ["Dar es Salaam", "Arusha", "Mwanza"], "Tanzanian", "Rufiji Kaskazini"),
    country!("Malaysia", "Kuala Lumpur", ["Penang", "Johor Bahru", "Kuching"], "Malaysian", "Sungai Timur"),
    country!("Ireland", "Dublin", ["Cork", "Galway", "Limerick"], "Irish", "Slieve Mor"),
    country!("Finland", "Helsinki", ["Tampere", "Turku", "Oulu"], "Finnish", "Kuusijarvi"),
    country!("New Zealand", "Wellington", ["Auckland", "Christchurch", "Hamilton"], "New Zealand", "Kahurangi Plains"),
    country!("Jordan", "Amman", ["Zarqa", "Irbid", "Aqaba"], "Jordanian", "Wadi Rum Sharq"),
    country!("Uruguay", "Montevideo", ["Salto", "Paysandu"], "Uruguayan", "Cuchilla Alta"),
    country!("Mongolia", "Ulaanbaatar", ["Erdenet", "Darkhan"], "Mongolian", "Khangai Uul"),
];

#[rustfmt::skip]
pub static FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Amina", "David", "Sofia", "Daniel", "Fatima", "Michael", "Elena", "Thomas",
    "Aisha", "Peter", "Yuki", "Carlos", "Ingrid", "Samuel", "Priya", "Jonas", "Leila", "Ahmed",
    "Clara", "Mateo", "Hana", "Oliver", "Nadia", "Viktor", "Grace", "Rafael", "Mei", "Kwame",
    "Anna", "Tomasz", "Lucia", "Ibrahim", "Freya", "Diego", "Ayumi", "Emeka", "Sara", "Henrik",
    "Rosa", "Arjun", "Lena", "Pablo", "Zainab", "Felix", "Irina", "Kofi", "Marta", "Dmitri",
    "Chiara", "Omar", "Astrid", "Juan", "Noor", "Stefan", "Beatriz", "Tariq", "Wanjiru", "Lars",
    "Ines", "Hiroshi", "Adaeze", "Milan", "Camila", "Rustam", "Eleni", "Bongani", "Paula", "Sven",
    "Yasmin", "Matthias", "Thandiwe", "Andrei", "Lorena", "Kenji", "Ngozi", "Joao", "Agnieszka",
    "Farid", "Marisol", "Oskar", "Chinwe", "Laszlo", "Valentina", "Sipho", "Dagny", "Emre", "Rania",
    "Teodor", "Ximena", "Bashir", "Liesel", "Anand", "Solveig", "Tunde", "Mirela", "Ruslan",
    "Akosua", "Benedikt", "Ottilie", "Zoltan", "Nkechi", "Ferran", "Saoirse", "Haruto", "Lindiwe",
    "Casimir",
];

#[rustfmt::skip]
pub static SURNAMES: &[&str] = &[
    "Okafor", "Lindqvist", "Moreau", "Tanaka", "Mensah", "Kowalski", "Haddad", "Ferreira", "Novak",
    "Adeyemi", "Castillo", "Bergstrom", "Rahman", "Schultz", "Petrova", "Nakamura", "Osei",
    "Delgado", "Iyer", "Varga", "Lemaire", "Achterberg", "Karimi", "Obi", "Sandoval", "Halvorsen",
    "Mwangi", "Rossi", "Demir", "Kuznetsova", "Abubakar", "Fontaine", "Sato", "Nyambura", "Pereira",
    "Vasquez", "Eklund", "Chaudhry", "Brandt", "Aydin", "Okonkwo", "Marchetti", "Zielinska", "Ruiz",
    "Lindgren", "Boateng", "Horvath", "Takahashi", "Dubois", "Oyelaran", "Jansen", "Kamau",
    "Alvarez", "Nguyen", "Soltani", "Wojcik", "Esposito", "Farouk", "Hakansson", "Oduya",
    "Martinelli", "Quispe", "Sorensen", "Banerjee", "Kiplagat", "Ivanescu", "Mbeki", "Lundberg",
    "Acheampong", "Yilmaz", "Carvalho", "Dimitriou", "Ramaphala", "Holmqvist", "Suleiman",
    "Navarro", "Olawale", "Kaminski", "Tsvetkova", "Agarwal", "Wirth", "Omondi", "Santoro",
    "Katsaros", "Baptiste", "Yamada", "Hussein", "Grabowski", "Mutua", "Lindahl", "Ortega",
    "Ndlovu", "Vrabel", "Sekibo", "Morozov", "Albescu", "Thorsen", "Kagame", "Pellegrini", "Zubiri",
    "Nordahl", "Afolabi", "Rautio", "Castellanos", "Obuya", "Szabo", "Falkenrath", "Murakami",
    "Ansah", "Veltman", "Quaresma", "Drozdova", "Ekwueme", "Lagerkvist", "Hamadou", "Tiwari",
    "Brankovic", "Oyarzun", "Kettunen", "Maalouf", "Wasserman", "Aurelio", "Njoroge", "Holtzmann",
    "Vainio", "Cardenas", "Odhiambo", "Radulescu", "Sigurdsson", "Belkacem", "Trzaska", "Amadi",
    "Vilhelmsen", "Escobedo", "Nakagawa", "Aksoy", "Fairweather", "Ngata", "Ptacek", "Lisowski",
    "Quartey", "Ostrander", "Mirzaei", "Ekstrand", "Zamora",
];

#[rustfmt::skip]
pub static COMPANIES: &[Company] = &[
    Company { name: "Norvalis Energy", ticker: "NRVL", kind: "energy group", product: "liquefied natural gas" },
    Company { name: "Halcyon Systems", ticker: "HLCN", kind: "software maker", product: "cloud software" },
    Company { name: "Kestrel Mining", ticker: "KSTM", kind: "miner", product: "copper" },
    Company { name: "Brightwater Foods", ticker: "BWF", kind: "food group", product: "packaged meals" },
    Company { name: "Orrin Motors", ticker: "ORM", kind: "carmaker", product: "electric vehicles" },
    Company { name: "Tamsin Pharmaceuticals", ticker: "TMSP", kind: "drugmaker", product: "vaccines" },
    Company { name: "Cobaltline Semiconductors", ticker: "CBLT", kind: "chipmaker", product: "memory chips" },
    Company { name: "Marrowgate Bank", ticker: "MGB", kind: "lender", product: "mortgages" },
    Company { name: "Ardent Logistics", ticker: "ARDL", kind: "freight group", product: "container shipping" },
    Company { name: "Pellucid Telecom", ticker: "PLCD", kind: "telecoms operator", product: "mobile data plans" },
    Company { name: "Sablewood Retail", ticker: "SBWR", kind: "retailer", product: "groceries" },
    Company { name: "Quillon Aerospace", ticker: "QLA", kind: "planemaker", product: "regional jets" },
    Company { name: "Fenwright Insurance", ticker: "FNWI", kind: "insurer", product: "property cover" },
    Company { name: "Vantor Steel", ticker: "VNTS", kind: "steelmaker", product: "flat steel" },
    Company { name: "Lumen Crest Solar", ticker: "LCSO", kind: "solar developer", product: "solar panels" },
    Company { name: "Greyhaven Capital", ticker: "GRHC", kind: "asset manager", product: "index funds" },
    Company { name: "Tidewell Shipping", ticker: "TDWS", kind: "shipping line", product: "bulk carriers" },
    Company { name: "Corvane Chemicals", ticker: "CRVC", kind: "chemicals maker", product: "fertiliser" },
    Company { name: "Ostrava Rail Works", ticker: "ORW", kind: "train builder", product: "high-speed trains" },
    Company { name: "Mirrorlake Media", ticker: "MRLM", kind: "media group", product: "streaming subscriptions" },
    Company { name: "Ember Hollow Brewing", ticker: "EHB", kind: "brewer", product: "beer" },
    Company { name: "Solvigen Biotech", ticker: "SLVG", kind: "biotech firm", product: "gene therapies" },
    Company { name: "Pinecrest Paper", ticker: "PNCP", kind: "paper maker", product: "packaging board" },
    Company { name: "Arkwright Batteries", ticker: "ARKB", kind: "battery maker", product: "lithium cells" },
    Company { name: "Velora Airlines", ticker: "VLRA", kind: "airline", product: "long-haul flights" },
    Company { name: "Stonebridge Construction", ticker: "STBC", kind: "builder", product: "housing" },
    Company { name: "Nimbus Payments", ticker: "NMBP", kind: "payments firm", product: "card processing" },
    Company { name: "Harrowfield Agri", ticker: "HFAG", kind: "agribusiness", product: "soybeans" },
    Company { name: "Calder Robotics", ticker: "CLDR", kind: "robotics maker", product: "factory robots" },
    Company { name: "Westmere Water", ticker: "WSMW", kind: "water utility", product: "water services" },
    Company { name: "Driftwood Games", ticker: "DRFT", kind: "games publisher", product: "console games" },
    Company { name: "Bellhaven Hotels", ticker: "BLHV", kind: "hotel chain", product: "hotel rooms" },
    Company { name: "Ironvale Cement", ticker: "IRVC", kind: "cement maker", product: "cement" },
    Company { name: "Kairos Semiconductor", ticker: "KRSM", kind: "chip designer", product: "graphics processors" },
    Company { name: "Amberly Fashion", ticker: "AMBF", kind: "fashion house", product: "clothing" },
    Company { name: "Thornbury Utilities", ticker: "THBU", kind: "power utility", product: "electricity" },
    Company { name: "Greenfold Packaging", ticker: "GFPK", kind: "packaging group", product: "cartons" },
    Company { name: "Rivermark Securities", ticker: "RVMS", kind: "brokerage", product: "trading services" },
    Company { name: "Castellan Defence", ticker: "CSTD", kind: "defence contractor", product: "radar systems" },
    Company { name: "Oakhurst Tobacco", ticker: "OKHT", kind: "tobacco group", product: "cigarettes" },
    Company { name: "Meridian Wind", ticker: "MRDW", kind: "wind farm operator", product: "offshore wind power" },
    Company { name: "Blackfen Oil", ticker: "BKFO", kind: "oil producer", product: "crude oil" },
    Company { name: "Saltmarsh Seafood", ticker: "SLTS", kind: "seafood group", product: "farmed salmon" },
    Company { name: "Larkspur Health", ticker: "LRKH", kind: "hospital operator", product: "clinics" },
    Company { name: "Quintessa Cosmetics", ticker: "QNTC", kind: "cosmetics maker", product: "skincare" },
    Company { name: "Harbinger Data", ticker: "HRBD", kind: "data centre operator", product: "server capacity" },
    Company { name: "Copperleaf Textiles", ticker: "CPLT", kind: "textile maker", product: "cotton yarn" },
    Company { name: "Yarrow Pharmacy", ticker: "YRWP", kind: "pharmacy chain", product: "prescriptions" },
    Company { name: "Stellmark Optics", ticker: "STMO", kind: "optics maker", product: "camera sensors" },
    Company { name: "Wexford Timber", ticker: "WXFT", kind: "timber group", product: "sawn timber" },
];

#[rustfmt::skip]
pub static ORGS: &[Org] = &[
    Org { name: "the United Nations", short: "UN" },
    Org { name: "the International Monetary Fund", short: "IMF" },
    Org { name: "the European Union", short: "EU" },
    Org { name: "the World Bank", short: "World Bank" },
    Org { name: "the World Health Organization", short: "WHO" },
    Org { name: "NATO", short: "NATO" },
    Org { name: "the African Union", short: "AU" },
    Org { name: "OPEC", short: "OPEC" },
    Org { name: "the World Trade Organization", short: "WTO" },
    Org { name: "the International Energy Agency", short: "IEA" },
    Org { name: "the Association of Southeast Asian Nations", short: "ASEAN" },
    Org { name: "the World Food Programme", short: "WFP" },
    Org { name: "the International Committee of the Red Cross", short: "ICRC" },
    Org { name: "the UN refugee agency", short: "UNHCR" },
    Org { name: "the International Atomic Energy Agency", short: "IAEA" },
    Org { name: "the Organisation for Economic Co-operation and Development", short: "OECD" },
];

#[rustfmt::skip]
pub static PARTIES: &[&str] = &[
    "the Progressive Alliance", "the National Renewal Party", "the Social Democratic Union",
    "the Green Future party", "the Liberal Forum", "the People's Movement", "the Unity Coalition",
    "the Reform Party", "the Workers' Front", "the Civic Centre party", "the Farmers' League",
    "the New Republic movement",
];

#[rustfmt::skip]
pub static CLUB_SUFFIXES: &[&str] = &[
    "United", "Rovers", "City", "Athletic", "Wanderers", "Falcons", "Lions", "Stars", "Rangers",
    "Harriers",
];

#[rustfmt::skip]
pub static INSTITUTES: &[&str] = &[
    "the Halden Institute of Technology", "the Corrib Marine Laboratory", "Eastmoor University",
    "the Varga Centre for Climate Research", "the Alder Institute for Medical Research",
    "Lowland Polytechnic", "the Northfield Observatory", "Saint Aubin University Hospital",
    "the Kessler Institute of Genetics", "Greywater College",
];

#[rustfmt::skip]
pub static JOURNALS: &[&str] = &[
    "Meridian Science", "the Annals of Planetary Research", "the Northern Journal of Medicine",
    "Frontier Biology Letters", "the Review of Earth Systems", "Clinical Horizons",
];

#[rustfmt::skip]
pub static SCIENCE_SUBJECTS: &[&str] = &[
    "coral reefs", "a malaria vaccine", "Antarctic sea ice", "gut bacteria",
    "drought-resistant wheat", "a distant exoplanet", "solid-state batteries",
    "migrating songbirds", "deep-sea vents", "antibiotic resistance", "permafrost thaw",
    "a new class of painkillers", "glacier retreat", "honeybee decline", "fusion plasma",
    "childhood asthma",
];

#[rustfmt::skip]
pub static STORM_NAMES: &[&str] = &[
    "Amara", "Boris", "Celine", "Dario", "Elif", "Fenna", "Goran", "Halima", "Ivo", "Junia",
    "Kasper", "Lorna", "Mirek", "Nerys",
];

#[rustfmt::skip]
pub static COURTS: &[&str] = &[
    "the Supreme Court", "the High Court in {CAP}", "a district court in {CITY}",
    "the Constitutional Court", "an appeals court in {CAP}", "a commercial court in {CITY}",
];

#[rustfmt::skip]
pub static CASES: &[&str] = &[
    "antitrust", "fraud", "bribery", "data privacy", "land rights", "unfair dismissal",
    "tax evasion", "pollution", "patent", "insider trading",
];

#[rustfmt::skip]
pub static COMMODITIES: &[&str] = &[
    "crude oil", "natural gas", "coal", "diesel", "jet fuel", "uranium", "liquefied natural gas",
];

#[rustfmt::skip]
pub static ENERGY_PROJECTS: &[&str] = &[
    "the Halvard gas field", "the Serpentine pipeline", "the Maren offshore wind farm",
    "the Kolsund refinery", "the Tessaly solar park", "the Ravensgate nuclear plant",
    "the Eastern Spur pipeline", "the Duneholm lithium mine",
];

#[rustfmt::skip]
pub static WEEKDAYS: &[&str] = &[
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
];

#[rustfmt::skip]
pub static MONTHS: &[&str] = &[
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
];

#[rustfmt::skip]
pub static SAID: &[&str] = &[
    "said", "said", "said", "added", "told reporters", "noted", "warned",
];

pub static UP: &[&str] = &["rose", "climbed", "gained", "jumped", "advanced", "rallied"];
pub static DOWN: &[&str] = &["fell", "slipped", "dropped", "declined", "tumbled", "slid"];

/// Invented news services; `id` is what `source:` queries match.
#[rustfmt::skip]
pub static SOURCES: &[(&str, &str)] = &[
    ("gen-wire", "Gen Wire"), ("harbour-post", "The Harbour Post"),
    ("meridian-daily", "Meridian Daily"), ("northgate-news", "Northgate News"),
    ("coastal-courier", "Coastal Courier"), ("lantern-press", "Lantern Press Agency"),
];
