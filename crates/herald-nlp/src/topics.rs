//! Topics: what a story is about, as codes of Herald's taxonomy (docs/TOPICS.md), explained.
//!
//! Method: weighted cue lexicons of words and short phrases, one per topic, read
//! in one pass over the headline and body (headline hits weigh more, repeats add less
//! and less), plus cues from the story's entities (an armed group points at terrorism and
//! conflict, a central bank at the economy, a ticker at markets). Each topic's raw score
//! is squashed to 0..1; the best topic and any other that scores close enough to it are
//! returned, best first, at most four, each with the cues that fired.

use std::sync::LazyLock;

use herald_model::{Entity, EntityKind, Topic};
use rustc_hash::{FxHashMap, FxHashSet};

/// A topic the story is about, with its score (0..1) and the cues that gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicHit {
    pub code: &'static str,
    pub name: &'static str,
    pub score: f32,
    /// The cues that fired, strongest first: `"word:ceasefire ×3"`, `"entity:armed_group"`.
    pub evidence: Vec<String>,
}

impl From<TopicHit> for Topic {
    fn from(hit: TopicHit) -> Topic {
        Topic {
            code: hit.code.to_string(),
            name: hit.name.to_string(),
            score: hit.score,
            evidence: hit.evidence,
        }
    }
}

/// One code of the taxonomy: (code, name, cues with weights).
type TopicDef = (&'static str, &'static str, &'static [(&'static str, f32)]);

/// The taxonomy. Cues are written as a reader would (words or two- and three-word
/// phrases); text and cues are lowercased and their plurals folded alike. Weights: 3 for a
/// word that by itself says the beat ("ceasefire", "earthquake"), 2 for a strong sign,
/// 1 or less for a word several beats share.
#[rustfmt::skip]
pub const TAXONOMY: &[TopicDef] = &[
    (
        "conflict",
        "Conflict, war and peace",
        &[
            ("war", 2.5), ("warfare", 3.0), ("troops", 2.0), ("soldiers", 2.0), ("soldier", 2.0),
            ("army", 2.0), ("military", 2.0), ("armed forces", 2.0), ("airstrike", 3.0), ("air strike", 3.0),
            ("air strikes", 3.0), ("drone strike", 3.0), ("missile", 2.0), ("missiles", 2.0), ("drones", 1.5),
            ("drone", 1.0), ("rocket", 1.5), ("rockets", 2.0), ("shelling", 3.0), ("artillery", 3.0),
            ("offensive", 2.0), ("front line", 2.5), ("frontline", 2.5), ("ceasefire", 3.0), ("truce", 3.0),
            ("peace talks", 2.0), ("peace deal", 2.0), ("insurgents", 2.0), ("rebels", 2.5), ("rebel", 2.0),
            ("militants", 1.5), ("militia", 2.0), ("militias", 2.0), ("fighters", 1.5), ("clashes", 2.0),
            ("combat", 2.0), ("battle", 1.5), ("invasion", 3.0), ("siege", 2.0), ("navy", 1.5),
            ("naval", 1.5), ("warship", 2.0), ("warships", 2.0), ("frigate", 2.0), ("frigates", 2.0),
            ("fighter jets", 2.0), ("bombardment", 3.0), ("hostilities", 3.0), ("hostages", 2.0),
            ("air defence", 2.0), ("air defense", 2.0), ("peacekeepers", 2.5), ("peacekeeping", 2.5),
            ("disarmament", 2.0), ("disarm", 2.0), ("weapons", 1.5), ("ammunition", 2.0),
            ("defence minister", 2.0), ("defense minister", 2.0), ("defence ministry", 2.0),
            ("defense ministry", 2.0), ("commander", 1.5), ("brigade", 2.0), ("battalion", 2.0),
            ("raid", 1.5), ("ambush", 2.0), ("incursion", 2.0), ("incursions", 2.0), ("armed group", 2.0),
            ("guerrilla", 2.0), ("guerrillas", 2.0), ("annexation", 2.0), ("mobilisation", 1.5),
            ("escalation", 1.5), ("killed", 0.5), ("civilians", 1.5), ("casualties", 1.0), ("occupied", 1.0),
            ("occupation", 1.5), ("insurgency", 1.5), ("deployment", 1.0), ("deployments", 1.0),
            ("armed", 1.0), ("attack", 0.5), ("attacks", 0.5), ("general staff", 1.5), ("admiral", 1.5),
            ("general", 0.5), ("colonel", 1.0), ("captured", 1.0), ("security forces", 1.5),
            ("airspace", 1.5), ("prisoners", 1.0), ("fighting", 2.0), ("conflict", 1.5),
        ],
    ),
    (
        "terrorism",
        "Terrorism and violent extremism",
        &[
            ("terrorist", 3.0), ("terrorists", 3.0), ("terrorism", 3.0), ("terror", 2.0), ("jihadist", 3.0),
            ("jihadists", 3.0), ("jihadi", 3.0), ("suicide bomber", 3.0), ("suicide bombing", 3.0),
            ("suicide attack", 3.0), ("bombing", 2.0), ("bomber", 2.0), ("claimed responsibility", 3.0),
            ("claimed the attack", 3.0), ("extremist", 2.0), ("extremists", 2.0), ("militant", 1.5),
            ("militants", 1.5), ("improvised explosive", 3.0), ("roadside bomb", 3.0), ("car bomb", 3.0),
            ("explosive device", 2.5), ("gunmen", 2.0), ("kidnapping", 1.0), ("kidnapped", 1.0),
            ("abducted", 1.0), ("counterterrorism", 3.0), ("counter terrorism", 3.0), ("affiliate", 1.5),
            ("islamist", 2.0), ("caliphate", 3.0), ("islamic state", 2.5), ("isis", 2.5), ("isil", 2.5),
            ("daesh", 2.5), ("qaeda", 2.5), ("shabaab", 2.5), ("boko haram", 2.5), ("insurgency", 1.0),
            ("radicalised", 2.0), ("radicalized", 2.0), ("propaganda", 1.0), ("attackers", 0.5),
            ("hideout", 1.5),
        ],
    ),
    (
        "politics",
        "Politics and government",
        &[
            ("government", 1.0), ("parliament", 2.0), ("parliamentary", 2.0), ("lawmakers", 2.0),
            ("legislators", 2.0), ("opposition", 1.5), ("prime minister", 1.5), ("president", 1.0),
            ("cabinet", 1.5), ("coalition", 1.5), ("party", 1.0), ("parties", 1.0), ("senate", 2.0),
            ("congress", 1.5), ("legislation", 1.5), ("mayor", 1.5), ("governor", 1.0),
            ("confidence vote", 2.5), ("constitution", 2.0), ("constitutional", 1.5), ("referendum", 2.0),
            ("democracy", 1.5), ("politician", 2.0), ("politicians", 2.0), ("political", 2.0),
            ("politics", 2.0), ("rulers", 1.5), ("regime", 1.5), ("interior minister", 1.5),
            ("minister", 0.5), ("ministers", 0.5), ("decree", 1.5), ("sovereignty", 1.0), ("autonomy", 1.5),
            ("reform", 0.5), ("policy", 0.5), ("national army", 1.0), ("transition", 1.0), ("leader", 0.5),
            ("centre-right", 1.5), ("centre-left", 1.5), ("far-right", 1.5), ("far-left", 1.5),
            ("impeachment", 2.5), ("spending", 0.5), ("budget", 0.5),
        ],
    ),
    (
        "elections",
        "Elections and votes",
        &[
            ("election", 3.0), ("elections", 3.0), ("electoral", 3.0), ("voters", 3.0), ("voting", 2.0),
            ("vote", 1.0), ("votes", 1.5), ("ballot", 3.0), ("ballots", 3.0), ("polls", 1.5),
            ("polling", 2.5), ("turnout", 3.0), ("runoff", 3.0), ("candidate", 2.0), ("candidates", 2.0),
            ("campaign", 1.0), ("tallies", 2.0), ("tally", 1.5), ("seats", 1.5), ("incumbent", 2.0),
            ("rigging", 2.0), ("recount", 3.0), ("landslide", 0.5), ("majority", 1.0), ("snap election", 3.0),
            ("presidential race", 3.0),
        ],
    ),
    (
        "diplomacy",
        "Diplomacy and international relations",
        &[
            ("diplomatic", 3.0), ("diplomats", 3.0), ("diplomat", 3.0), ("diplomacy", 3.0), ("embassy", 3.0),
            ("ambassador", 3.0), ("foreign minister", 3.0), ("foreign ministry", 3.0),
            ("foreign affairs", 2.5), ("state department", 2.0), ("talks", 1.5), ("summit", 3.0),
            ("sanctions", 2.0), ("treaty", 2.0), ("negotiations", 2.0), ("negotiators", 2.0), ("envoy", 3.0),
            ("allies", 2.0), ("alliance", 1.5), ("bilateral", 3.0), ("mediation", 2.0), ("mediators", 2.0),
            ("mediated", 2.0), ("brokered", 2.0), ("accord", 2.0), ("agreement", 1.0),
            ("security council", 2.0), ("united nations", 1.5), ("nato", 2.0), ("relations", 1.0),
            ("tensions", 1.0), ("partners", 1.0), ("territorial", 1.5), ("maritime", 1.0), ("protest", 0.5),
            ("summoned", 1.5), ("condemned", 1.0), ("delegation", 1.5), ("delegates", 1.5),
            ("international", 0.5), ("neighbouring", 0.5), ("bloc", 1.5), ("member states", 2.0),
            ("foreign", 0.5), ("pledge", 0.5), ("pledged", 0.5),
        ],
    ),
    (
        "economy",
        "Economy, trade and public finance",
        &[
            ("economy", 3.0), ("economic", 2.0), ("economies", 2.0), ("inflation", 3.0),
            ("interest rates", 3.0), ("interest rate", 3.0), ("rates", 1.0), ("gdp", 3.0),
            ("gross domestic product", 3.0), ("growth", 1.0), ("recession", 3.0), ("central bank", 3.0),
            ("unemployment", 2.5), ("consumer prices", 3.0), ("imf", 2.0), ("loan", 1.5), ("debt", 2.0),
            ("deficit", 2.0), ("fiscal", 2.0), ("monetary", 2.0), ("tariffs", 2.0), ("tariff", 2.0),
            ("trade", 1.0), ("exports", 1.5), ("imports", 1.5), ("minimum wage", 2.0), ("wages", 1.0),
            ("currency", 1.5), ("devaluation", 2.5), ("finance minister", 2.0), ("subsidies", 1.5),
            ("austerity", 2.5), ("bailout", 2.0), ("privatisation", 2.0), ("privatization", 2.0),
            ("asset sales", 1.5), ("tax", 1.0), ("taxes", 1.0), ("cost of living", 2.5), ("prices", 1.0),
            ("economists", 2.0), ("rate cut", 3.0), ("rate cuts", 3.0), ("rate hike", 3.0), ("treasury", 1.0),
            ("reforms", 1.0), ("productivity", 1.5), ("investment", 0.5), ("reserves", 1.0),
            ("intervention", 1.0), ("budget", 1.0), ("household", 1.0), ("spending", 0.5), ("output", 0.5),
            ("business", 0.5), ("businesses", 0.5), ("employers", 0.5),
        ],
    ),
    (
        "markets",
        "Financial markets",
        &[
            ("shares", 2.5), ("stock", 2.0), ("stocks", 3.0), ("stock exchange", 3.0), ("investors", 2.0),
            ("traders", 2.5), ("trading", 2.0), ("index", 1.0), ("s p", 2.0), ("nasdaq", 2.0), ("dow", 1.0),
            ("ftse", 2.0), ("nikkei", 2.0), ("dax", 2.0), ("bonds", 2.0), ("bond", 1.0), ("yields", 2.5),
            ("yield", 2.0), ("futures", 3.0), ("brent", 2.0), ("crude", 1.0), ("yen", 1.5), ("dollar", 1.5),
            ("euro", 0.5), ("exchange rate", 2.0), ("rally", 2.0), ("sell-off", 2.0), ("selloff", 2.0),
            ("ipo", 3.0), ("initial public offering", 3.0), ("valuation", 2.0), ("valued", 0.5),
            ("market value", 2.0), ("analysts", 1.0), ("premarket", 3.0), ("pre-market", 3.0),
            ("listing", 1.0), ("listed", 1.0), ("ticker", 2.0), ("benchmark", 1.0), ("hedge fund", 2.0),
            ("commodities", 2.0), ("oil prices", 2.0), ("markets", 1.5), ("market", 0.5),
            ("share price", 2.5), ("stock price", 2.5), ("premium", 1.0), ("currency", 0.5), ("forex", 3.0),
            ("basis points", 1.5), ("trading session", 3.0), ("closed at", 1.0), ("per share", 1.5),
            ("a share", 1.0), ("shareholders", 1.0),
        ],
    ),
    (
        "companies",
        "Companies and business",
        &[
            ("company", 2.0), ("companies", 1.0), ("firm", 1.5), ("chief executive", 2.0), ("ceo", 2.0),
            ("revenue", 2.0), ("profit", 2.0), ("profits", 2.0), ("earnings", 3.0), ("quarterly", 2.0),
            ("quarter", 1.0), ("merger", 3.0), ("acquisition", 3.0), ("takeover", 3.0), ("deal", 1.0),
            ("shareholders", 2.0), ("board", 1.0), ("subsidiary", 2.0), ("inc", 2.0), ("ltd", 2.0),
            ("corp", 2.0), ("plc", 2.0), ("startup", 2.0), ("start-up", 2.0), ("contract", 1.5),
            ("customers", 1.0), ("sales", 1.0), ("net income", 3.0), ("margin", 1.5), ("guidance", 2.0),
            ("capital spending", 2.0), ("layoffs", 1.5), ("bankruptcy", 2.0), ("chipmaker", 2.0),
            ("chipmakers", 2.0), ("airline", 1.5), ("carmaker", 2.0), ("maker", 1.5), ("manufacturer", 1.5),
            ("chief financial officer", 2.0), ("executive", 1.0), ("executives", 1.0), ("investors", 0.5),
            ("orders", 0.5), ("products", 1.0), ("rival", 1.0), ("brand", 1.0), ("founder", 1.5),
            ("co-founder", 1.5), ("s p a", 2.0), ("group", 0.3), ("supplier", 1.5), ("suppliers", 1.5),
            ("industry", 0.5),
        ],
    ),
    (
        "energy",
        "Energy: oil, gas, power",
        &[
            ("oil", 2.0), ("gas", 2.0), ("natural gas", 3.0), ("lng", 3.0), ("crude", 2.0), ("barrels", 3.0),
            ("barrel", 3.0), ("opec", 3.0), ("refinery", 3.0), ("refineries", 3.0), ("refining", 3.0),
            ("pipeline", 2.0), ("fuel", 2.0), ("petrol", 2.0), ("diesel", 2.0), ("electricity", 2.0),
            ("power", 0.5), ("power plant", 3.0), ("power station", 3.0), ("nuclear power", 3.0),
            ("nuclear plant", 3.0), ("nuclear", 1.0), ("reactor", 2.0), ("reactors", 2.0), ("renewable", 2.5),
            ("renewables", 3.0), ("solar", 3.0), ("wind farm", 3.0), ("coal", 2.0), ("energy", 2.0),
            ("gigawatts", 3.0), ("megawatts", 3.0), ("grid", 2.0), ("tanker", 2.0), ("tankers", 2.0),
            ("oil prices", 2.0), ("output", 0.5), ("utility", 1.5), ("utilities", 1.5), ("oilfield", 3.0),
            ("drilling", 2.0), ("brent", 1.0), ("energy security", 2.0), ("fusion", 1.0),
        ],
    ),
    (
        "health",
        "Health and medicine",
        &[
            ("health", 2.0), ("hospital", 2.0), ("hospitals", 2.0), ("patients", 2.0), ("disease", 3.0),
            ("diseases", 3.0), ("outbreak", 2.5), ("vaccine", 3.0), ("vaccination", 3.0), ("vaccines", 3.0),
            ("cholera", 3.0), ("measles", 3.0), ("virus", 2.0), ("infections", 2.0), ("infection", 2.0),
            ("infected", 2.0), ("cases", 1.0), ("epidemic", 3.0), ("pandemic", 3.0), ("drug", 2.0),
            ("treatment", 2.0), ("clinical", 3.0), ("placebo", 3.0), ("world health organization", 2.0),
            ("doctors", 2.0), ("medical", 2.0), ("medicine", 2.0), ("medicines", 2.0), ("cancer", 3.0),
            ("dementia", 3.0), ("alzheimer", 3.0), ("symptoms", 2.0), ("immunisation", 3.0),
            ("immunization", 3.0), ("mortality", 2.0), ("nurses", 1.5), ("healthcare", 2.0),
            ("health care", 2.0), ("ambulances", 2.0), ("ambulance", 2.0), ("pharmaceutical", 2.0),
            ("public health", 3.0), ("regulators", 0.5), ("dose", 2.0), ("doses", 2.0), ("malnutrition", 2.5),
            ("clinic", 2.0), ("clinics", 2.0),
        ],
    ),
    (
        "science",
        "Science and research",
        &[
            ("scientists", 3.0), ("scientist", 3.0), ("researchers", 3.0), ("research", 2.0), ("study", 1.5),
            ("astronomers", 3.0), ("astronomy", 3.0), ("telescope", 3.0), ("planet", 3.0), ("exoplanet", 3.0),
            ("nasa", 2.0), ("space agency", 2.5), ("space", 1.0), ("physics", 3.0), ("physicists", 3.0),
            ("physicist", 3.0), ("experiment", 2.0), ("experiments", 2.0), ("laboratory", 2.0),
            ("peer-reviewed", 3.0), ("journal", 2.0), ("discovery", 2.0), ("species", 2.0), ("genome", 3.0),
            ("fusion", 2.0), ("plasma", 2.0), ("particles", 2.0), ("orbit", 2.0), ("orbits", 2.0),
            ("spacecraft", 3.0), ("observations", 2.0), ("university", 1.0), ("professor", 1.5),
            ("findings", 2.0), ("scientific", 3.0), ("molecules", 2.5), ("atmosphere", 1.5), ("trial", 0.5),
            ("data", 0.5), ("evidence", 0.5),
        ],
    ),
    (
        "technology",
        "Technology and the internet",
        &[
            ("technology", 3.0), ("tech", 2.0), ("software", 3.0), ("artificial intelligence", 3.0),
            ("ai", 2.0), ("chip", 2.5), ("chips", 3.0), ("semiconductor", 3.0), ("semiconductors", 3.0),
            ("chipmaker", 3.0), ("chipmakers", 3.0), ("data", 1.0), ("cyber", 2.5), ("cyberattack", 3.0),
            ("cyber attack", 3.0), ("ransomware", 3.0), ("hackers", 3.0), ("hacking", 3.0), ("hacked", 3.0),
            ("internet", 2.0), ("online", 1.5), ("digital", 2.0), ("app", 2.0), ("apps", 2.0),
            ("platform", 1.0), ("cloud", 2.0), ("computing", 2.0), ("robots", 3.0), ("robot", 3.0),
            ("robotics", 3.0), ("automation", 2.0), ("smartphone", 3.0), ("cable", 1.5), ("cables", 1.5),
            ("undersea cable", 3.0), ("subsea cable", 3.0), ("telecom", 2.0), ("telecoms", 2.0),
            ("network", 1.0), ("networks", 1.0), ("search engine", 3.0), ("algorithm", 2.0),
            ("encryption", 3.0), ("servers", 2.0), ("data centre", 3.0), ("data center", 3.0),
            ("processors", 2.0), ("export controls", 2.0), ("computer", 2.0), ("computers", 2.0),
            ("systems", 0.5), ("it systems", 2.0), ("bitcoin", 1.5), ("web", 1.5), ("data transfers", 2.5),
            ("personal data", 2.0), ("search", 0.5), ("shopping", 0.5), ("warehouse", 0.5),
            ("cloud computing", 3.0), ("encrypted", 2.0),
        ],
    ),
    (
        "law",
        "Law, courts and crime",
        &[
            ("court", 3.0), ("courts", 3.0), ("judge", 3.0), ("judges", 3.0), ("ruling", 1.5), ("ruled", 1.5),
            ("trial", 2.0), ("jury", 2.0), ("lawsuit", 3.0), ("sued", 3.0), ("prosecutors", 3.0),
            ("prosecutor", 3.0), ("prosecution", 2.0), ("convicted", 3.0), ("conviction", 3.0),
            ("sentenced", 3.0), ("sentence", 2.0), ("prison", 2.0), ("jail", 2.0), ("jailed", 3.0),
            ("charges", 1.5), ("charged", 1.5), ("accused", 2.0), ("guilty", 3.0), ("acquitted", 3.0),
            ("appeal", 1.5), ("lawyer", 2.0), ("lawyers", 2.0), ("attorney", 2.0), ("police", 1.5),
            ("arrested", 2.0), ("arrest", 2.0), ("extradition", 3.0), ("extradited", 3.0), ("murder", 2.0),
            ("fraud", 3.0), ("laundering", 3.0), ("cartel", 2.0), ("crime", 2.0), ("crimes", 2.0),
            ("criminal", 2.0), ("fined", 2.0), ("fine", 1.5), ("fines", 2.0), ("antitrust", 3.0),
            ("regulator", 2.0), ("regulators", 2.0), ("investigation", 1.5), ("illegal", 2.0),
            ("unlawful", 2.0), ("data protection", 2.0), ("bribery", 3.0), ("corruption", 2.0),
            ("smuggling", 2.0), ("indictment", 3.0), ("indicted", 3.0), ("supreme court", 3.0),
            ("verdict", 3.0), ("testified", 2.0), ("witness", 2.0), ("defendant", 3.0), ("tribunal", 2.0),
            ("law", 1.5), ("laws", 1.5), ("legal", 2.0), ("competition", 0.5), ("abuse", 1.0),
            ("penalty", 1.5), ("penalties", 1.5), ("audit", 1.0), ("probe", 1.5), ("violations", 1.0),
            ("gang", 2.0), ("trafficking", 2.5), ("ransom", 1.0), ("investigators", 1.5), ("safety", 0.5),
        ],
    ),
    (
        "disasters",
        "Disasters and accidents",
        &[
            ("earthquake", 3.0), ("earthquakes", 3.0), ("quake", 3.0), ("tremor", 2.0), ("aftershocks", 3.0),
            ("magnitude", 2.0), ("flood", 3.0), ("floods", 3.0), ("flooding", 3.0), ("cyclone", 3.0),
            ("hurricane", 3.0), ("typhoon", 3.0), ("storm", 2.0), ("landslide", 1.5), ("landslides", 3.0),
            ("tsunami", 3.0), ("wildfire", 3.0), ("wildfires", 3.0), ("blaze", 2.0), ("eruption", 3.0),
            ("volcano", 3.0), ("drought", 2.0), ("evacuated", 2.0), ("evacuation", 2.0), ("evacuations", 2.0),
            ("rescue", 2.0), ("rescuers", 3.0), ("rescue workers", 3.0), ("survivors", 2.0), ("rubble", 3.0),
            ("collapsed", 1.0), ("death toll", 3.0), ("relief", 1.0), ("shelters", 1.5), ("disaster", 3.0),
            ("disasters", 3.0), ("monsoon", 2.0), ("storm surge", 3.0), ("firefighters", 2.0),
            ("stranded", 2.0), ("fire", 0.5), ("fire service", 2.0), ("emergency", 1.0), ("derailed", 3.0),
            ("crash", 1.5), ("explosion", 1.0), ("homeless", 1.5), ("tents", 1.5), ("destroyed", 1.0),
        ],
    ),
    (
        "environment",
        "Environment and climate",
        &[
            ("climate", 3.0), ("climate change", 3.0), ("emissions", 3.0), ("greenhouse", 3.0),
            ("carbon", 3.0), ("warming", 3.0), ("global warming", 3.0), ("pollution", 3.0),
            ("environmental", 3.0), ("environment", 2.0), ("deforestation", 3.0), ("biodiversity", 3.0),
            ("conservation", 2.0), ("fossil fuels", 2.0), ("temperatures", 1.5), ("heatwave", 2.0),
            ("heat wave", 2.0), ("net zero", 3.0), ("sea level", 3.0), ("sea levels", 3.0), ("wildlife", 2.0),
            ("forests", 2.0), ("forest", 1.5), ("drought", 1.0), ("extreme weather", 3.0), ("monsoon", 1.0),
            ("climate finance", 3.0), ("glaciers", 2.0), ("plastic", 2.0), ("rainfall", 1.5),
            ("weather", 1.0), ("heat", 1.0), ("dry", 0.5), ("winds", 1.0), ("rising seas", 3.0),
            ("adaptation", 1.5), ("meteorological", 1.5), ("crops", 1.0),
        ],
    ),
    (
        "labour",
        "Labour and employment",
        &[
            ("strike", 1.0), ("on strike", 3.0), ("strike action", 3.0), ("general strike", 3.0),
            ("walkout", 3.0), ("walk out", 2.5), ("union", 1.5), ("trade union", 3.0), ("union leaders", 3.0),
            ("workers", 2.0), ("employees", 1.5), ("wage", 2.5), ("wages", 2.5), ("minimum wage", 3.0),
            ("pay", 1.5), ("pay rise", 3.0), ("collective bargaining", 3.0), ("employers", 2.5),
            ("labour", 3.0), ("labor", 3.0), ("jobs", 1.5), ("layoffs", 2.0), ("working hours", 3.0),
            ("working week", 3.0), ("pension", 2.0), ("pensions", 2.0), ("retirement", 1.0),
            ("labour minister", 3.0), ("staff", 1.0), ("stoppage", 3.0), ("picket", 3.0),
            ("industrial action", 3.0), ("job cuts", 2.5), ("hourly", 2.0), ("drivers", 1.0),
            ("contract", 0.5), ("overtime", 2.5), ("unemployment", 1.0),
        ],
    ),
    (
        "sport",
        "Sport",
        &[
            ("match", 1.5), ("game", 1.0), ("goal", 1.0), ("goals scored", 2.0), ("scored", 2.0),
            ("season", 1.5), ("league", 2.0), ("cup", 2.0), ("championship", 3.0), ("champions", 1.5),
            ("tournament", 3.0), ("final", 1.5), ("semi-final", 3.0), ("quarter-final", 3.0),
            ("quarter-finals", 3.0), ("coach", 2.5), ("striker", 3.0), ("midfielder", 3.0),
            ("goalkeeper", 3.0), ("football", 3.0), ("soccer", 3.0), ("tennis", 3.0), ("cricket", 3.0),
            ("rugby", 3.0), ("golf", 3.0), ("marathon", 3.0), ("athlete", 3.0), ("athletes", 3.0),
            ("olympic", 3.0), ("olympics", 3.0), ("medal", 3.0), ("world record", 2.0),
            ("course record", 3.0), ("race", 1.5), ("seeded", 2.0), ("aces", 3.0), ("wickets", 3.0),
            ("innings", 3.0), ("stadium", 2.0), ("fans", 2.0), ("player", 2.0), ("players", 2.0),
            ("team", 1.5), ("squad", 2.0), ("club", 1.5), ("victory", 1.0), ("win", 1.0), ("defeat", 1.0),
            ("grand slam", 3.0), ("runners", 2.0), ("champion", 3.0), ("title", 0.5), ("world cup", 3.0),
            ("prize money", 2.0), ("series", 1.0), ("header", 2.0), ("serve", 0.5), ("break point", 3.0),
            ("break points", 3.0), ("batting", 3.0), ("bowling", 3.0), ("bowlers", 3.0), ("captain", 1.0),
            ("lap", 2.0), ("podium", 3.0), ("kick", 1.5), ("crowd", 1.0), ("finals", 2.0), ("trophy", 3.0),
        ],
    ),
    (
        "culture",
        "Culture, arts and entertainment",
        &[
            ("film", 3.0), ("films", 3.0), ("festival", 2.5), ("movie", 3.0), ("movies", 3.0),
            ("director", 1.0), ("actor", 3.0), ("actress", 3.0), ("actors", 3.0), ("music", 3.0),
            ("album", 3.0), ("band", 1.5), ("singer", 3.0), ("artist", 3.0), ("artists", 3.0), ("art", 2.0),
            ("museum", 3.0), ("exhibition", 3.0), ("book", 2.0), ("novel", 3.0), ("author", 2.0),
            ("theatre", 3.0), ("theater", 3.0), ("cinema", 3.0), ("prize", 1.5), ("award", 1.5),
            ("awards", 1.5), ("box office", 3.0), ("premiere", 3.0), ("premiered", 3.0), ("screenplay", 3.0),
            ("orchestra", 3.0), ("gallery", 2.0), ("literature", 3.0), ("poet", 3.0), ("heritage", 2.0),
            ("fashion", 2.0), ("drama", 2.0), ("comedy", 2.0), ("documentary", 3.0), ("filmmaker", 3.0),
            ("filmmakers", 3.0), ("distribution rights", 2.5), ("jury", 1.0), ("screening", 2.5),
            ("ovation", 2.5), ("producer", 2.0), ("producers", 2.0), ("cast", 0.5),
        ],
    ),
];

/// A headline hit counts this many times a body hit: the headline says what matters.
const HEADLINE_WEIGHT: f32 = 2.5;
/// The raw score at which a topic's score reaches 0.5.
const HALF_SCORE: f32 = 8.0;
/// A topic other than the best is returned when its raw score is at least this share of
/// the best one's …
const RELATIVE_CUT: f32 = 0.38;
/// … and at least this much in absolute terms.
const MIN_RAW: f32 = 4.0;
/// At most this many topics per story.
const MAX_TOPICS: usize = 4;
/// Evidence lines kept per topic.
#[rustfmt::skip]
const MAX_EVIDENCE: usize = 8;

/// One cue of the compiled lexicon.
struct Cue {
    topic: usize,
    weight: f32,
    surface: &'static str,
}

/// What a key (folded words joined by one space) is in the lexicon: a cue (an index into
/// [`Lexicon::cues`]), the first words of a longer cue, or both.
#[derive(Clone, Copy)]
struct Key {
    cue: Option<u32>,
    prefix: bool,
}

/// The compiled lexicon: one hash lookup per word says both whether the word is a cue and
/// whether it starts a longer one.
struct Lexicon {
    keys: FxHashMap<Box<str>, Key>,
    /// The cues of each key, per topic. Indices follow the keys' sorted order, so sorting
    /// fired indices sorts them by key (evidence order and float sums must not depend on
    /// hash order).
    cues: Vec<Vec<Cue>>,
}

/// The lexicon is compiled once (about 1,000 cues) and only read afterwards.
static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut by_key: FxHashMap<Box<str>, Vec<Cue>> = FxHashMap::default();
    let mut prefixes = FxHashSet::default();
    let mut buf = String::new();
    for (topic, (_, _, words)) in TAXONOMY.iter().enumerate() {
        for &(surface, weight) in words.iter() {
            let mut parts: Vec<String> = Vec::new();
            for_each_word(surface, &mut buf, |w, _| parts.push(w.clone()));
            if parts.is_empty() {
                continue;
            }
            for n in 1..parts.len() {
                prefixes.insert(parts[..n].join(" ").into_boxed_str());
            }
            // Words that fold to one key ("diplomat", "diplomats") are one cue: the
            // strongest weight counts, once.
            let entry = by_key.entry(parts.join(" ").into_boxed_str()).or_default();
            match entry.iter_mut().find(|c| c.topic == topic) {
                Some(c) if c.weight < weight => {
                    c.weight = weight;
                    c.surface = surface;
                }
                Some(_) => {}
                None => entry.push(Cue {
                    topic,
                    weight,
                    surface,
                }),
            }
        }
    }
    let mut sorted: Vec<(Box<str>, Vec<Cue>)> = by_key.into_iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut keys: FxHashMap<Box<str>, Key> = FxHashMap::default();
    let mut cues = Vec::with_capacity(sorted.len());
    for (i, (key, list)) in sorted.into_iter().enumerate() {
        let cue = u32::try_from(i).ok();
        keys.insert(key, Key { cue, prefix: false });
        cues.push(list);
    }
    for p in prefixes {
        keys.entry(p)
            .or_insert(Key {
                cue: None,
                prefix: false,
            })
            .prefix = true;
    }
    Lexicon { keys, cues }
});

/// Lowercases `word` into `out` and folds a plural ending ("strikes" → "strike",
/// "companies" → "company"). Deliberately lighter than a stemmer: "ruling" and "rules"
/// stay apart, so do "fined" and "fine".
fn fold_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    let n = out.len();
    if n >= 5 && out.ends_with("ies") {
        out.truncate(n - 3);
        out.push('y');
    } else if n >= 4
        && out.ends_with('s')
        && !out.ends_with("ss")
        && !out.ends_with("us")
        && !out.ends_with("is")
    {
        out.truncate(n - 1);
    }
}

/// Calls `f(key, joined)` for every word of `text` (runs of letters and digits), folded
/// by [`fold_into`]; `joined` is false when punctuation that ends a phrase (a comma, a
/// full stop before a space, a bracket, a quotation mark, a line break) separates the
/// word from the one before, so phrases are not matched across sentences.
///
/// The word is handed over in `buf` itself, so that the caller may keep it by swapping the
/// string out rather than copying it; `buf` is cleared before each word.
fn for_each_word(text: &str, buf: &mut String, mut f: impl FnMut(&mut String, bool)) {
    let bytes = text.as_bytes();
    let mut start: Option<usize> = None;
    let mut joined = false;
    let mut after_dot = false;
    let mut i = 0;
    loop {
        // The character at `i` (ASCII read directly, the rest decoded), and past the end
        // a line break, which ends the last word.
        let (c, len) = match bytes.get(i) {
            Some(&b) if b < 0x80 => (char::from(b), 1),
            Some(_) => match text.get(i..).and_then(|s| s.chars().next()) {
                Some(c) => (c, c.len_utf8()),
                None => ('\n', 0), // not on a character boundary: cannot happen
            },
            None => ('\n', 0),
        };
        let at = i;
        i += len;
        let last = len == 0;
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(at);
            }
            after_dot = false;
            continue;
        }
        if let Some(s) = start.take() {
            fold_into(text.get(s..at).unwrap_or_default(), buf);
            f(buf, joined);
            joined = true;
        }
        if matches!(
            c,
            ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '“' | '”' | '\n' | '\r'
        ) || (after_dot && c.is_whitespace())
        {
            joined = false;
        }
        after_dot = c == '.';
        if last {
            break;
        }
    }
}

/// An evidence line, rendered only for the topics returned.
#[derive(Clone, Copy)]
enum Label {
    /// A cue word and how often it fired.
    Word(&'static str, u32),
    /// An entity category and how many entities of the story fall in it.
    Entity(&'static str, u32),
}

impl Label {
    /// `word:ceasefire ×3`, `entity:armed_group` (no count when it is one). Written by
    /// hand: `format!` costs several times more, and every returned topic has a few.
    fn render(self) -> String {
        let (kind, text, n) = match self {
            Label::Word(surface, n) => ("word:", surface, n),
            Label::Entity(label, n) => ("entity:", label, n),
        };
        let mut out = String::with_capacity(kind.len() + text.len() + 8);
        out.push_str(kind);
        out.push_str(text);
        if n > 1 {
            out.push_str(" ×");
            let mut digits = [0u8; 10];
            let mut k = digits.len();
            let mut v = n;
            while v > 0 && k > 0 {
                k -= 1;
                digits[k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            for &d in digits.get(k..).unwrap_or_default() {
                out.push(char::from(d));
            }
        }
        out
    }
}

/// Per topic: raw score and evidence (label, contribution).
struct Tally {
    raw: Vec<f32>,
    evidence: Vec<Vec<(Label, f32)>>,
}

impl Tally {
    fn add(&mut self, topic: usize, amount: f32, label: Label) {
        if let (Some(r), Some(e)) = (self.raw.get_mut(topic), self.evidence.get_mut(topic)) {
            *r += amount;
            e.push((label, amount));
        }
    }
}

fn topic_index(code: &str) -> Option<usize> {
    TAXONOMY.iter().position(|(c, _, _)| *c == code)
}

/// Classifies a story into 0–4 topics, best first, each with its score and evidence.
///
/// `entities` are the story's entities as the recognizer found them; ids of KB entities
/// (`kb:group/…`, `kb:org/us/central-bank`, `kb:company/…`) add category cues, and so do
/// tell-tale words in any entity's name ("… Stock Exchange", "… Court"), so `doc:` ids
/// work too. Deterministic; one pass over headline and body.
pub fn classify(headline: &str, body: &str, entities: &[Entity]) -> Vec<TopicHit> {
    let lex: &'static Lexicon = &LEXICON;
    // Per cue (by index): (hits in headline, hits in body).
    let mut hits: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    let mut buf = String::new();
    let mut gram = String::new();
    for (text, in_headline) in [(headline, true), (body, false)] {
        // The two words before this one, and whether they begin a multi-word cue.
        let (mut prev0, mut prev1) = (String::new(), String::new());
        let (mut prev1_starts, mut prev01_starts) = (false, false);
        for_each_word(text, &mut buf, |word, joined| {
            if !joined {
                prev1_starts = false;
                prev01_starts = false;
            }
            let mut record = |key: Option<Key>| {
                let Some(cue) = key.and_then(|k| k.cue) else {
                    return;
                };
                let h = hits.entry(cue).or_default();
                if in_headline {
                    h.0 += 1;
                } else {
                    h.1 += 1;
                }
            };
            let this = lex.keys.get(word.as_str()).copied();
            record(this);
            let mut next01_starts = false;
            if prev1_starts {
                gram.clear();
                gram.push_str(&prev1);
                gram.push(' ');
                gram.push_str(word);
                let two = lex.keys.get(gram.as_str()).copied();
                record(two);
                next01_starts = two.is_some_and(|k| k.prefix);
            }
            if prev01_starts {
                gram.clear();
                gram.push_str(&prev0);
                gram.push(' ');
                gram.push_str(&prev1);
                gram.push(' ');
                gram.push_str(word);
                record(lex.keys.get(gram.as_str()).copied());
            }
            // The word becomes `prev1` without a copy; `word` takes the oldest buffer,
            // which the next word overwrites.
            std::mem::swap(&mut prev0, &mut prev1);
            std::mem::swap(&mut prev1, word);
            prev01_starts = next01_starts;
            prev1_starts = this.is_some_and(|k| k.prefix);
        });
    }

    let mut tally = Tally {
        raw: vec![0.0; TAXONOMY.len()],
        evidence: vec![Vec::new(); TAXONOMY.len()],
    };
    // In key order, so that evidence order (and float sums) do not depend on hash order.
    let mut fired: Vec<(u32, (u32, u32))> = hits.into_iter().collect();
    fired.sort_unstable_by_key(|&(cue, _)| cue);
    for (cue, (head, body_hits)) in fired {
        let Some(cues) = lex.cues.get(cue as usize) else {
            continue;
        };
        // Repeats add less and less: the fifth "troops" says little the first did not.
        let body_part = if body_hits > 0 {
            1.0 + (body_hits as f32).ln()
        } else {
            0.0
        };
        let head_part = if head > 0 { HEADLINE_WEIGHT } else { 0.0 };
        let total = head + body_hits;
        for cue in cues {
            let amount = cue.weight * (body_part + head_part);
            tally.add(cue.topic, amount, Label::Word(cue.surface, total));
        }
    }
    entity_cues(entities, &mut tally);

    let best = tally.raw.iter().copied().fold(0.0f32, f32::max);
    if best < MIN_RAW {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..TAXONOMY.len()).collect();
    // Best first; ties go to the taxonomy's order, so the result is deterministic.
    order.sort_by(|&a, &b| tally.raw[b].total_cmp(&tally.raw[a]).then(a.cmp(&b)));
    let mut out = Vec::new();
    for t in order.into_iter().take(MAX_TOPICS) {
        let raw = tally.raw[t];
        if out.is_empty() || (raw >= RELATIVE_CUT * best && raw >= MIN_RAW) {
            let (code, name, _) = TAXONOMY[t];
            let mut ev: Vec<(String, f32)> = std::mem::take(&mut tally.evidence[t])
                .into_iter()
                .map(|(l, a)| (l.render(), a))
                .collect();
            ev.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            ev.dedup_by(|a, b| a.0 == b.0);
            out.push(TopicHit {
                code,
                name,
                score: raw / (raw + HALF_SCORE),
                evidence: ev.into_iter().take(MAX_EVIDENCE).map(|(l, _)| l).collect(),
            });
        }
    }
    out
}

/// Tell-tale words in an organisation's name, per category (see [`entity_category`]).
const CENTRAL_BANK_WORDS: &[&str] = &["Central Bank", "Federal Reserve", "Reserve Bank", "Bank of "];
const EXCHANGE_WORDS: &[&str] = &["Stock Exchange", "Nasdaq", "NYSE", "Xetra", "Bourse", "Börse"];
const MILITARY_WORDS: &[&str] = &[
    "Army",
    "Navy",
    "Armed Forces",
    "Air Force",
    "Defence Ministry",
    "Defense Ministry",
    "Ministry of Defence",
    "Ministry of Defense",
    "Military",
    "Naval Staff",
    "Defense Forces",
    "Defence Forces",
    "Marines",
];
const FOREIGN_MINISTRY_WORDS: &[&str] = &[
    "Foreign Ministry",
    "Ministry of Foreign Affairs",
    "State Department",
    "Foreign Office",
];
const COURT_WORDS: &[&str] = &["Court", "Tribunal", "Prosecutor"];
const ELECTION_BODY_WORDS: &[&str] = &["Electoral", "Election Commission", "Elections Commission"];
const HEALTH_BODY_WORDS: &[&str] = &[
    "Health Organization",
    "Health Ministry",
    "Ministry of Health",
    "Médecins",
    "Medecins",
    "Centers for Disease",
];
const POLITICAL_BODY_WORDS: &[&str] = &["Party", "Parliament", "Senate", "Congress", "Assembly"];
const UNION_WORDS: &[&str] = &["Union", "Workers", "Federation of Labour", "Trades"];
const NOT_UNION_WORDS: &[&str] = &["European Union", "African Union", "Soviet Union"];
const SPORT_WORDS: &[&str] = &[
    "FC", "Football", "League", "Olympic", " Open", "Marathon", "Cricket", "Tennis", "Athletic",
];
const RESEARCH_WORDS: &[&str] = &[
    "University",
    "NASA",
    "Space Agency",
    "Observatory",
    "Institute of",
    "Laboratory",
];
const INTERGOVERNMENTAL_WORDS: &[&str] = &[
    "United Nations",
    "NATO",
    "European Union",
    "African Union",
    "Security Council",
    "ASEAN",
];

/// Every group of tell-tale words above, by group index (the constants below).
const NAME_WORDS: [&[&str]; 13] = [
    CENTRAL_BANK_WORDS,
    EXCHANGE_WORDS,
    MILITARY_WORDS,
    FOREIGN_MINISTRY_WORDS,
    COURT_WORDS,
    ELECTION_BODY_WORDS,
    HEALTH_BODY_WORDS,
    POLITICAL_BODY_WORDS,
    UNION_WORDS,
    NOT_UNION_WORDS,
    SPORT_WORDS,
    RESEARCH_WORDS,
    INTERGOVERNMENTAL_WORDS,
];
const CENTRAL_BANK: usize = 0;
const EXCHANGE: usize = 1;
const MILITARY: usize = 2;
const FOREIGN_MINISTRY: usize = 3;
const COURT: usize = 4;
const ELECTION_BODY: usize = 5;
const HEALTH_BODY: usize = 6;
const POLITICAL_BODY: usize = 7;
const UNION: usize = 8;
const NOT_UNION: usize = 9;
const SPORT: usize = 10;
const RESEARCH: usize = 11;
const INTERGOVERNMENTAL: usize = 12;

/// Which groups of [`NAME_WORDS`] occur in `name`, as bits by group index: one pass of
/// one automaton instead of a substring search per word.
fn name_word_groups(name: &str) -> u32 {
    static AC: LazyLock<Option<(aho_corasick::AhoCorasick, Vec<u32>)>> = LazyLock::new(|| {
        let mut words = Vec::new();
        let mut group_of = Vec::new();
        for (g, group) in NAME_WORDS.iter().enumerate() {
            for w in group.iter() {
                words.push(*w);
                group_of.push(1u32 << g);
            }
        }
        aho_corasick::AhoCorasick::new(&words)
            .ok()
            .map(|ac| (ac, group_of))
    });
    match AC.as_ref() {
        Some((ac, group_of)) => ac
            .find_overlapping_iter(name)
            .filter_map(|m| group_of.get(m.pattern().as_usize()))
            .fold(0, |bits, g| bits | g),
        // The automaton cannot fail to build on these words; were it to, search directly.
        None => NAME_WORDS
            .iter()
            .enumerate()
            .filter(|(_, group)| group.iter().any(|w| name.contains(w)))
            .fold(0, |bits, (g, _)| bits | (1 << g)),
    }
}

/// What an entity category points at: (topic code, weight).
type CategoryCues = &'static [(&'static str, f32)];

/// Category cues from entities: (category label, cues).
fn entity_category(e: &Entity) -> Option<(&'static str, CategoryCues)> {
    let id = e.id.as_str();
    let name = e.name.as_str();
    if id.starts_with("kb:group/") {
        return Some(("armed_group", &[("terrorism", 3.0), ("conflict", 3.0)]));
    }
    if id.starts_with("kb:company/") || e.kind == EntityKind::Company {
        if e.ticker.is_some() {
            return Some(("listed_company", &[("companies", 2.5), ("markets", 1.5)]));
        }
        return Some(("company", &[("companies", 2.5)]));
    }
    if e.kind != EntityKind::Org {
        return None;
    }
    let groups = name_word_groups(name);
    let has = |group: usize| groups & (1 << group) != 0;
    if id.ends_with("/central-bank") || has(CENTRAL_BANK) {
        return Some(("central_bank", &[("economy", 3.0)]));
    }
    if has(EXCHANGE) {
        return Some(("stock_exchange", &[("markets", 3.0)]));
    }
    if id.ends_with("/defence-ministry")
        || id.ends_with("/armed-forces")
        || id.ends_with("/general-staff")
        || has(MILITARY)
    {
        return Some(("military", &[("conflict", 2.0)]));
    }
    if id.ends_with("/foreign-ministry") || has(FOREIGN_MINISTRY) {
        return Some(("foreign_ministry", &[("diplomacy", 2.5)]));
    }
    if has(COURT) {
        return Some(("court", &[("law", 3.0)]));
    }
    if has(ELECTION_BODY) {
        return Some(("election_body", &[("elections", 3.0)]));
    }
    if has(HEALTH_BODY) {
        return Some(("health_body", &[("health", 2.5)]));
    }
    if has(POLITICAL_BODY) {
        return Some(("political_body", &[("politics", 2.0)]));
    }
    if has(UNION) && !has(NOT_UNION) {
        return Some(("trade_union", &[("labour", 2.0)]));
    }
    if id == "kb:org/fifa" || id == "kb:org/ioc" || has(SPORT) {
        return Some(("sport_body", &[("sport", 3.0)]));
    }
    if has(RESEARCH) {
        return Some(("research_body", &[("science", 1.5)]));
    }
    if has(INTERGOVERNMENTAL) {
        return Some(("intergovernmental", &[("diplomacy", 1.5)]));
    }
    None
}

fn entity_cues(entities: &[Entity], tally: &mut Tally) {
    // Per category: how many entities, so ten companies do not count ten times.
    let mut seen: Vec<(&'static str, CategoryCues, u32)> = Vec::new();
    for e in entities {
        if let Some((label, cues)) = entity_category(e) {
            match seen.iter_mut().find(|(l, _, _)| *l == label) {
                Some(entry) => entry.2 += 1,
                None => seen.push((label, cues, 1)),
            }
        }
    }
    for (label, cues, n) in seen {
        let factor = 1.0 + (n as f32).ln();
        for &(code, weight) in cues {
            if let Some(t) = topic_index(code) {
                tally.add(t, weight * factor, Label::Entity(label, n));
            }
        }
    }
}
