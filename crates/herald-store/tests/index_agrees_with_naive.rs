//! Property test: for any query, `IndexHandle::search` finds exactly the stories `herald_alerts::matches` accepts.
//!
//! The live stream filters with the naive evaluator and `herald search` uses the index, so
//! any disagreement is a story a user sees in `herald tail QUERY` but not in
//! `herald search QUERY`, or the reverse. One index over ~70 stories (hand-written ones
//! with every kind of annotation and awkward text, plus the 12 plain-text fixtures) is
//! queried with random query trees and random query strings; every disagreement found so
//! far is pinned as a named regular test at the end of this file.
//!
//! `PROPTEST_CASES` sets the number of cases per property (default 2,000).

use std::collections::BTreeSet;
use std::path::Path;

use herald_model::EntityKind::{Company, Org, Other, Person, Place};
use herald_model::{Entity, EntityKind, Quote, Source, Story, Topic, parse_text};
use herald_query::{Field, Query, TimeBound, Value};
use herald_store::index::{IndexHandle, IndexOptions, SearchIndex, SearchOptions, Sort};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use tempfile::TempDir;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// The clock every query is evaluated against.
const NOW: OffsetDateTime = datetime!(2026-11-24 12:00 UTC);

/// A word the analyser drops as too long (more than 64 bytes) but that still takes a position.
const JUNK: &str = "Zq9xWv8uTs7rQp6oNm5lKj4iHg3fEd2cBa1ZyXwVuTsRqPoNmLkJiHgFeDcBa0Zq9xWv8uTs7r";

// ---------------------------------------------------------------------------------------
// The corpus

/// Builds one hand-written story; the methods add what the fields look at.
struct B(Story);

impl B {
    fn new(n: u32, src: (&str, &str), hours_ago: i64, headline: &str, body: &str) -> B {
        let t = NOW - Duration::hours(hours_ago);
        B(Story {
            id: format!("h{n:02}"),
            version: 1,
            seq: u64::from(n),
            source: Source {
                id: src.0.into(),
                name: src.1.into(),
                url: None,
            },
            headline: headline.into(),
            body: body.into(),
            language: Some("en".into()),
            published_at: Some(t),
            received_at: Some(t + Duration::seconds(2)),
            ..Story::default()
        })
    }

    fn lang(mut self, lang: Option<&str>) -> B {
        self.0.language = lang.map(str::to_string);
        self
    }

    fn times(mut self, published: Option<OffsetDateTime>, received: Option<OffsetDateTime>) -> B {
        self.0.published_at = published;
        self.0.received_at = received;
        self
    }

    fn ent(self, e: Entity) -> B {
        self.ents(&[e])
    }

    fn ents(mut self, es: &[Entity]) -> B {
        self.0.entities.extend(es.iter().cloned());
        self
    }

    fn quote(mut self, speaker: Option<&str>, name: Option<&str>, text: &str) -> B {
        self.0.quotes.push(Quote {
            text: text.into(),
            speaker: speaker.map(str::to_string),
            speaker_name: name.map(str::to_string),
            start: 0,
            end: 0,
        });
        self
    }

    fn topics(mut self, codes: &[&str]) -> B {
        self.0.topics.extend(codes.iter().map(|c| Topic {
            code: (*c).into(),
            name: String::new(),
            score: 0.5,
            evidence: Vec::new(),
        }));
        self
    }

    fn bullets(mut self, bullets: &[&str]) -> B {
        self.0.bullets = bullets.iter().map(|b| b.to_string()).collect();
        self
    }
}

fn e(id: &str, kind: EntityKind, name: &str, aliases: &[&str]) -> Entity {
    Entity::new(id, kind, name).with_aliases(aliases)
}

fn ticker(mut ent: Entity, t: &str) -> Entity {
    ent.ticker = Some(t.into());
    ent
}

fn okafor() -> Entity {
    e("kb:person/maria-okafor", Person, "Maria Okafor", &[])
}
fn isil() -> Entity {
    e("kb:org/isil", Org, "Islamic State", &["ISIL", "ISIS", "Daesh"])
}
fn shabaab() -> Entity {
    e(
        "kb:org/al-shabaab",
        Org,
        "al-Shabaab",
        &["Harakat al-Shabaab al-Mujahideen"],
    )
}
fn usa() -> Entity {
    e(
        "kb:place/united-states",
        Place,
        "United States",
        &["U.S.", "USA", "America"],
    )
}
fn brightline() -> Entity {
    ticker(
        e(
            "kb:company/brightline",
            Company,
            "Brightline Shipping",
            &["Brightline"],
        ),
        "BRLN",
    )
}
fn harwick() -> Entity {
    ticker(
        e("kb:company/harwick-foods", Company, "Harwick Foods", &[]),
        "HWK",
    )
}
fn who() -> Entity {
    e(
        "kb:org/who",
        Org,
        "World Health Organization",
        &["WHO", "World Health Organisation"],
    )
}
fn vos() -> Entity {
    e(
        "kb:person/lena-vos",
        Person,
        "Lena Vos",
        &["L. Vos", "Governor Vos"],
    )
}
fn ecb() -> Entity {
    e(
        "kb:org/ecb",
        Org,
        "European Central Bank",
        &["ECB", "the central bank"],
    )
}
fn zurich() -> Entity {
    e("kb:place/zurich", Place, "Zürich", &["Zurich"])
}
fn istanbul() -> Entity {
    e("kb:place/istanbul", Place, "İstanbul", &["Istanbul"])
}
fn cop() -> Entity {
    e("kb:other/cop31", Other, "COP31 summit", &["climate summit"])
}
fn berkwell() -> Entity {
    ticker(
        e("kb:company/berkwell", Company, "Berkwell Holdings", &["Berkwell"]),
        "BRK.B",
    )
}
fn lumora() -> Entity {
    ticker(e("kb:company/lumora", Company, "Lumora", &[]), "LUMR")
}
fn reyes() -> Entity {
    e("doc:tomas-reyes", Person, "Tomas Reyes", &["T. Reyes"])
}
/// `doc:` ids come from names, so a person and a place can share one.
fn jordan_person() -> Entity {
    e("doc:jordan", Person, "Jordan", &["Michael Jordan"])
}
fn jordan_place() -> Entity {
    e("doc:jordan", Place, "Jordan", &["Hashemite Kingdom"])
}
/// A name with a junk word (dropped by the analyser) between two of its words, and an
/// alias, so a phrase could try to run across the gap or from one name into the next.
fn hashco() -> Entity {
    e(
        "kb:org/hash-collective",
        Org,
        &format!("Hash {JUNK} Collective"),
        &[&format!("Partners {JUNK}"), "Collective Partners Fund"],
    )
}

const WIRE: (&str, &str) = ("wire-example", "Example Wire");
const HT: (&str, &str) = ("harbour-times", "Harbour Times");
const NPA: (&str, &str) = ("npa", "Nordic Press Agency");
const NORTH: (&str, &str) = ("Wire-North", "North Wire Service");
const DESK: (&str, &str) = ("markets-desk", "Markets Desk: Daily");
const BLOG: (&str, &str) = ("blog-7", "");
const PADDED: (&str, &str) = (" padded-src ", "Padded Source");
const NOSRC: (&str, &str) = ("", "Anonymous Tips");

/// The hand-written stories: short, and between them every field, kind and oddity.
fn hand_stories() -> Vec<Story> {
    let d = |y, m, day, h| -> OffsetDateTime {
        let date = time::Date::from_calendar_date(y, m, day).unwrap_or(time::Date::MIN);
        date.with_hms(h, 0, 0).unwrap_or(date.midnight()).assume_utc()
    };
    let stories = vec![
        B::new(1, WIRE, 2, "Harbour Strike Halts Grain Exports as Talks Stall",
            "Dock workers at the three largest ports stopped work on Monday after pay talks collapsed. \
             Exporters warned of contract penalties within days.")
            .ents(&[okafor(), brightline()])
            .quote(Some("kb:person/maria-okafor"), Some("the council head"), "We cannot hold ships for a week")
            .topics(&["economy/trade", "labour"])
            .bullets(&["Dock workers walk out at three ports"]),
        B::new(2, WIRE, 5, "Rail Strikes Spread to the North",
            "Train drivers on two northern lines joined the walkout; union leaders said more stoppages were planned.")
            .topics(&["labour"])
            .quote(None, Some("Tomas Reyes"), "Nobody told us"),
        B::new(3, HT, 30, "Militants Retreat From River Town",
            "Fighters of the armed group withdrew overnight, local officials said, leaving checkpoints abandoned.")
            .ent(isil())
            .topics(&["conflict"]),
        B::new(4, NPA, 1, "Central Bank Holds Rates Steady",
            "The central bank kept its main rate unchanged on Tuesday. Governor Lena Vos said inflation was easing.")
            .ents(&[vos(), ecb()])
            .quote(Some("kb:person/lena-vos"), None, "Inflation is easing")
            .topics(&["economy/monetary"]),
        B::new(5, DESK, 3, "Orbitex Shares Jump After Chip Deal",
            "Shares in the chipmaker rose eleven percent after it agreed to supply processors to a carmaker.")
            .ent(ticker(e("kb:company/orbitex", Company, "Orbitex Systems", &[]), "ORBX"))
            .topics(&["business/tech", "markets/equities"]),
        B::new(6, WIRE, 8, "U.S. Imposes New Sanctions on Shipping Firms",
            "The U.S. Treasury sanctioned four shipping companies it accused of moving oil for al-Shabaab. \
             Officials said the sanctions would take effect at once.")
            .ents(&[usa(), shabaab(), brightline()])
            .topics(&["conflict", "economy/trade"]),
        B::new(7, HT, 12, "Al-Shabaab Fighters Attack Base in Somalia",
            "Militants from al-Shabaab stormed a base near the coast, the army said; at least nine soldiers died.")
            .ent(shabaab())
            .quote(Some("kb:org/al-shabaab"), Some("a spokesman for the group"), "The operation succeeded")
            .topics(&["conflict"]),
        B::new(8, NORTH, 20, "Sanction Talks Drag On in Geneva",
            "Diplomats said talks over sanction relief dragged into a third week, with no deal on the table.")
            .topics(&["diplomacy"]),
        B::new(9, NPA, 26, "Harwick Foods Profit Beats Forecasts",
            "Harwick Foods said third-quarter profit rose 12% as price rises stuck, sending its shares up.")
            .ent(harwick())
            .quote(Some("kb:company/harwick-foods"), Some("chief executive Ida Lund"), "Demand held up")
            .topics(&["business/earnings"]),
        B::new(10, DESK, 27, "Stocks Slide as S&P 500 Drops 1.4%",
            "The S&P 500 fell 1.4% and the Nasdaq dropped 2.1% as a chipmaker's warning rattled tech shares.")
            .ents(&[berkwell(), lumora()])
            .topics(&["markets/equities"]),
        B::new(11, WIRE, 31, "WHO Warns of Measles Rise in Europe",
            "The World Health Organization said measles cases nearly tripled, urging parents to vaccinate children.")
            .ent(who())
            .quote(Some("kb:org/who"), Some("the W.H.O."), "Every case is preventable")
            .topics(&["health"]),
        B::new(12, HT, 33, "Who Will Pay for the New Harbour Wall?",
            "Residents asked who would pay for the sea wall, as the council weighed a new harbour levy.")
            .topics(&["politics/local"]),
        B::new(13, NPA, 40, "Zürich Banks Report Record Inflows",
            "Banks in Zürich reported record inflows from Asia, with private wealth managers the main winners.")
            .ent(zurich())
            .lang(Some("de"))
            .topics(&["business/finance"]),
        B::new(14, NPA, 41, "Zurich Airport Traffic Recovers",
            "Passenger numbers at Zurich airport returned to pre-pandemic levels, the operator said.")
            .ent(zurich())
            .topics(&["transport"]),
        B::new(15, WIRE, 45, "İstanbul Ferry Workers Walk Out",
            "Ferry crews in İstanbul began a one-day strike, stranding commuters on both shores of the Bosphorus.")
            .ents(&[istanbul(), reyes()])
            .quote(Some("doc:tomas-reyes"), None, "We have waited long enough")
            .lang(Some("tr"))
            .topics(&["labour"]),
        B::new(16, NORTH, 50, "Climate Summit Opens With Pledges on Coal",
            "Delegates at the COP31 summit pledged to phase down coal, though several large emitters held out.")
            .ent(cop())
            .topics(&["environment", "diplomacy"]),
        B::new(17, WIRE, 52, "Jordan Hosts Talks on Water Sharing",
            "Jordan hosted talks between its neighbours on sharing the river's water during the drought.")
            .ent(jordan_place())
            .topics(&["diplomacy"]),
        B::new(18, DESK, 55, "Jordan Signs Shoe Deal Worth Millions",
            "The retired player Jordan signed a shoe deal, his agent said, without giving figures.")
            .ent(jordan_person())
            .quote(Some("doc:jordan"), Some("his agent"), "It is a great day")
            .topics(&["sport"]),
        B::new(19, HT, 60, "Border Crossing Seized by Daesh Fighters",
            "Daesh fighters seized a customs post before dawn, monitors said, killing at least 14 guards.")
            .ent(isil())
            .quote(Some("kb:org/isil"), Some("a statement"), "We will return")
            .topics(&["conflict"]),
        B::new(20, NPA, 62, "Lumora Cuts Streaming Prices in Europe",
            "Lumora cut prices in 14 countries to win back customers who cancelled after last year's increases.")
            .ent(lumora())
            .topics(&["business/tech"]),
        B::new(21, BLOG, 70, "Quiet Day on the Markets",
            "Nothing much moved. Traders waited for Friday's jobs data.")
            .lang(None),
        B::new(22, PADDED, 72, "Padded Source Story on Grain",
            "Grain prices edged up as exports slowed.")
            .lang(Some(" en "))
            .topics(&[" economy/trade "]),
        B::new(23, NOSRC, 75, "Anonymous Tip About Port Delays",
            "Ships waited outside the port for a third day.")
            .lang(Some("")),
        B::new(24, WIRE, 80, "Checksum Report",
            &format!("The file's checksum {JUNK} verified cleanly, engineers said."))
            .ent(hashco())
            .quote(Some("kb:org/hash-collective"), Some("Partners"), "No data was lost"),
        B::new(25, HT, 85, "Hash Collective Raises New Fund",
            "The investment group raised a new fund focused on shipping and ports.")
            .ent(hashco())
            .topics(&["business/finance"]),
        B::new(26, WIRE, 90, "Officials in the U.S. Embassy Declined to Comment",
            "Embassy staff in Nairobi said they had no comment on the reports.")
            .ent(usa())
            .lang(Some("EN")),
        B::new(27, NORTH, 96, "Talks Collapse as Unions Reject Offer",
            "Union leaders rejected the latest pay offer, saying talks had collapsed for good.")
            .topics(&["labour"])
            .quote(None, Some("Maria Okafor"), "This is the end of talks"),
        B::new(28, NPA, 100, "ECB Signals Rate Cut in Spring",
            "The European Central Bank signalled a rate cut; Vos said the bank was in no hurry.")
            .ents(&[ecb(), vos()])
            .quote(Some("kb:person/lena-vos"), Some("L. Vos"), "We are in no hurry")
            .lang(Some("en-GB"))
            .topics(&["economy/monetary"]),
        B::new(29, DESK, 110, "Berkwell Holdings Buys Rail Operator",
            "Berkwell agreed to buy a regional rail operator for $2.1 billion in cash.")
            .ent(berkwell())
            .topics(&["business/deals"]),
        B::new(30, WIRE, 120, "Grain Ships Leave Port After Strike Ends",
            "The first grain ships left port on Thursday after dock workers ended their strike.")
            .ents(&[okafor(), brightline()])
            .topics(&["economy/trade"]),
        B::new(31, HT, 130, "Sanctions Bite as Exports Fall",
            "Exports fell for a fourth month as sanctions hit shipping and insurance.")
            .topics(&["economy/trade"])
            .lang(Some("fr")),
        B::new(32, NPA, 140, "Les pêcheurs bloquent le port",
            "Les pêcheurs ont bloqué le port de Brest lundi pour protester contre les quotas.")
            .lang(Some("fr"))
            .topics(&["labour"]),
        B::new(33, NORTH, 150, "Heavy Snow Closes Mountain Passes",
            "Snow closed three mountain passes and cut power to several villages.")
            .topics(&["weather"]),
        B::new(34, WIRE, 160, "e-mail Outage Hits Government Offices",
            "An e-mail outage hit offices for a day; officials blamed a faulty update.")
            .topics(&["technology"]),
        B::new(35, DESK, 170, "Oil Tops $90 as OPEC+ Holds Output",
            "Brent crude rose above $90 after OPEC+ kept output steady.")
            .ent(ticker(e("kb:other/brent", Other, "Brent crude", &["Brent"]), "BZ=F"))
            .topics(&["markets/commodities"]),
        B::new(36, HT, 180, "Tokyo Markets Closed for Holiday",
            "東京 markets were closed; trading resumes on Tuesday.")
            .ent(e("kb:place/tokyo", Place, "Tokyo", &["東京"]))
            .lang(Some("ja")),
        B::new(37, NPA, 190, "Students Protest Fee Rises",
            "Students marched through the capital to protest fee rises and housing costs.")
            .topics(&["education"]),
        B::new(38, WIRE, 200, "Ferry Strike Ends in İstanbul",
            "Ferry crews returned to work after reaching a deal with the city.")
            .ents(&[istanbul()])
            .topics(&["labour"]),
        B::new(39, NORTH, 210, "Wildfire Forces Evacuations",
            "A wildfire forced the evacuation of two towns, firefighters said.")
            .topics(&["disaster"]),
        B::new(40, DESK, 230, "Harwick Shares Fall on Recall",
            "Harwick shares fell after a product recall; HWK lost 6%.")
            .ent(harwick())
            .topics(&["markets/equities"]),
        B::new(41, WIRE, 0, "Breaking: Port Reopens",
            "The port reopened minutes ago.")
            .times(Some(NOW), Some(NOW)),
        B::new(42, WIRE, 0, "Received-Only Story About Talks",
            "A story with no published time, only a received time.")
            .times(None, Some(NOW - Duration::hours(24))),
        B::new(43, HT, 0, "Timeless Story About Harbours",
            "A story with no time at all.")
            .times(None, None),
        B::new(44, NPA, 0, "Story With a Bogus Feed Date",
            "The feed gave this story the zero date.")
            .times(Some(d(1, time::Month::January, 1, 0)), Some(NOW - Duration::hours(3))),
        B::new(45, NPA, 0, "Story From the Far Future",
            "The feed gave this story a date centuries ahead.")
            .times(Some(d(2400, time::Month::January, 1, 0)), None),
        B::new(46, WIRE, 0, "Nanosecond Story on Grain",
            "Grain futures ticked up.")
            .times(Some(NOW - Duration::hours(6) + Duration::nanoseconds(123_456_789)), None),
        B::new(47, WIRE, 0, "Story at Exactly a Day Ago",
            "Talks resumed exactly a day ago.")
            .times(Some(NOW - Duration::days(1)), None),
        B::new(48, HT, 0, "Old Archive Story About Harbours",
            "An archive piece about harbours from the last century.")
            .times(Some(d(1950, time::Month::June, 1, 12)), None),
        B::new(49, NPA, 0, "Story From 1600",
            "A historical note.")
            .times(Some(d(1600, time::Month::March, 3, 0)), None),
        B::new(50, WIRE, 14, "",
            "A story with no headline, about grain and ports.")
            .ent(okafor()),
        B::new(51, HT, 15, "Headline Only: Talks Resume", ""),
        B::new(52, NORTH, 16, "Case Test: KB Ids Differ Only in Case",
            "Two entities whose ids differ only in case.")
            .ents(&[
                e("KB:Company/Acme", Company, "Acme Corp", &[]),
                e("kb:company/acme", Org, "Acme Foundation", &[]),
            ])
            .quote(Some("KB:Company/Acme"), None, "Hello"),
        B::new(53, DESK, 17, "Ticker on an Org and Duplicate Names",
            "An org with a ticker and a company that repeats its name as an alias.")
            .ents(&[
                ticker(e("kb:org/exchange", Org, "Nordic Exchange", &["nordic exchange"]), "NDX"),
                ticker(e("kb:company/twin", Company, "Twin Co", &["TWIN CO", "Twin"]), "twin"),
            ]),
        B::new(54, WIRE, 18, "Speakers Without Entities",
            "Several people were quoted.")
            .quote(Some("kb:person/ghost"), None, "Boo")
            .quote(None, Some("  Spaced  Name  "), "Hi")
            .quote(Some(" kb:person/padded "), Some(""), "Padded id"),
        B::new(55, HT, 19, "Multiple Topics and Repeats",
            "A story with repeated topics.")
            .topics(&["health", "HEALTH", "Sport"]),
        B::new(56, NPA, 21, "Apostrophes: Syria's Border, Europe’s Ports",
            "Syria's border and Europe’s ports were in the news; rock 'n' roll too.")
            .ent(e("kb:place/syria", Place, "Syria", &["Syrian Arab Republic"])),
        B::new(57, WIRE, 22, "Numbers: 3,000 to 5,000 Fighters",
            "Between 3,000 and 5,000 fighters remain; 4 a.m. raids continue.")
            .ent(isil()),
        B::new(58, DESK, 23, "Hyphens: Third-Quarter Results, Pre-Market Moves",
            "Third-quarter results lifted pre-market trading in Harwick-Foods shares.")
            .ent(harwick()),
        B::new(59, NORTH, 24, "New York New York Rally",
            "Markets in New York rallied; New York New York was on the radio.")
            .ent(e("kb:place/new-york", Place, "New York", &["NYC", "New York City"])),
        B::new(60, WIRE, 25, "Talks on Talks About Talking",
            "The talks about the talking talks talked on.")
            .quote(Some("doc:jordan"), None, "Talk")
            .ents(&[jordan_person(), jordan_place()]),
        B::new(61, WIRE, 34, "Blank and Padded Identifiers",
            "Entities whose ids are blank or padded, and a padded ticker.")
            .ents(&[
                e("", Other, "Unnamed Consortium", &["the consortium"]),
                ticker(e(" kb:company/padded ", Company, "Padded Industries", &[]), " pdi "),
            ])
            .quote(Some(""), Some("a consortium member"), "No comment")
            .quote(Some(" kb:company/padded "), None, "Padded speaks"),
        B::new(62, NPA, 36, "Harbour Pilots Join Strike",
            "Harbour pilots joined the dock strike, halting grain ships at the port.")
            .ents(&[okafor(), e("doc:harbour-pilots", Org, "Harbour Pilots Association", &["HPA"])])
            .quote(Some("doc:harbour-pilots"), Some("HPA"), "Safety first")
            .topics(&["labour", "economy/trade"]),
    ];
    stories.into_iter().map(|b| b.0).collect()
}

/// The 12 plain-text fixtures, as the plain-text parser reads them, a day apart.
fn fixture_stories() -> Vec<Story> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stories");
    let mut paths: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect(),
        Err(err) => panic!("cannot read the fixtures in {}: {err}", dir.display()),
    };
    paths.sort();
    assert_eq!(
        paths.len(),
        12,
        "expected 12 fixture stories in {}",
        dir.display()
    );
    paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let bytes =
                std::fs::read(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
            let parsed = parse_text(&bytes).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let n = i as i64;
            let mut s = parsed.into_story();
            s.id = format!("fx{:02}", i + 1);
            s.version = 1;
            s.seq = 100 + i as u64;
            s.source = Source {
                id: "fixtures".into(),
                name: "Fixture Desk".into(),
                url: None,
            };
            s.language = Some("en".into());
            s.published_at = Some(NOW - Duration::days(n) - Duration::minutes(7 * n));
            s
        })
        .collect()
}

fn corpus() -> Vec<Story> {
    let mut all = hand_stories();
    all.extend(fixture_stories());
    all
}

// ---------------------------------------------------------------------------------------
// The index and the comparison

/// The stories and a committed index over them (kept alive by its directory).
struct World {
    stories: Vec<Story>,
    handle: IndexHandle,
    _dir: TempDir,
}

impl World {
    fn new(stories: Vec<Story>) -> World {
        assert!(stories.len() < 100, "one page of 100 must hold every story");
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
        let mut index =
            SearchIndex::open(dir.path(), IndexOptions::default()).unwrap_or_else(|err| panic!("{err}"));
        for s in &stories {
            index.add(s).unwrap_or_else(|err| panic!("{err}"));
        }
        index.commit().unwrap_or_else(|err| panic!("{err}"));
        let handle = index.handle();
        World {
            stories,
            handle,
            _dir: dir,
        }
    }

    /// How many stories match `q`, or what differs when search and the naive evaluator
    /// disagree on it.
    fn check(&self, q: &Query, sort: Sort) -> Result<usize, String> {
        let naive: BTreeSet<&str> = self
            .stories
            .iter()
            .filter(|s| herald_alerts::matches(q, s, NOW))
            .map(|s| s.id.as_str())
            .collect();
        let opts = SearchOptions {
            limit: 100,
            offset: 0,
            sort,
            now: NOW,
        };
        let results = self
            .handle
            .search(q, &opts)
            .map_err(|err| format!("search for `{q}` failed: {err}"))?;
        let found: BTreeSet<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
        if found.len() != results.hits.len() {
            return Err(format!("`{q}`: the same story came back twice"));
        }
        if results.total != results.hits.len() {
            return Err(format!(
                "`{q}`: total {} but {} hits on a page of 100",
                results.total,
                results.hits.len()
            ));
        }
        if found != naive {
            let only_index: Vec<_> = found.difference(&naive).collect();
            let only_naive: Vec<_> = naive.difference(&found).collect();
            return Err(format!(
                "`{q}` ({q:?}) disagrees: only search finds {only_index:?}, only naive finds {only_naive:?}"
            ));
        }
        Ok(naive.len())
    }
}

// ---------------------------------------------------------------------------------------
// Query generation

/// What the stories say, in pools that queries are drawn from so that they hit.
struct Vocab {
    /// Words of hand-written headlines and bodies as written (`U.S.`, `al-Shabaab`, `talks;`).
    hand_words: Vec<String>,
    /// The same from every story (the fixtures' words would swamp the hand-written ones).
    words: Vec<String>,
    /// Runs of 2–4 consecutive words from headlines and bodies, and phrases that try to
    /// run from one name into the next or across a dropped word.
    phrases: Vec<String>,
    /// For each field, values that occur in it: ids, codes, names, their words and runs.
    fields: Vec<(Field, Vec<String>)>,
    /// Times of the stories, for bounds right at, before and after them.
    times: Vec<OffsetDateTime>,
}

/// Phrases that run from the end of each name into the start of the next, straight or
/// across dropped words: a field's values are separate texts, so these must not match.
fn across_names<'a>(names: impl IntoIterator<Item = &'a String>, out: &mut BTreeSet<String>) {
    let names: Vec<&String> = names.into_iter().collect();
    for pair in names.windows(2) {
        let (Some(a), Some(b)) = (
            pair.first().and_then(|n| n.split_whitespace().last()),
            pair.get(1).and_then(|n| n.split_whitespace().next()),
        ) else {
            continue;
        };
        out.insert(format!("{a} {b}"));
        out.insert(format!("{a} {JUNK} {b}"));
        out.insert(format!("{a} {JUNK} {JUNK} {b}"));
    }
}

/// A name or other short text with its words and runs of words, for a field's pool.
fn name_values(name: &str, out: &mut BTreeSet<String>) {
    out.insert(name.to_string());
    out.extend(name.split_whitespace().map(str::to_string));
    let mut runs = Vec::new();
    runs_of(name, &mut runs);
    out.extend(runs);
}

fn runs_of(text: &str, out: &mut Vec<String>) {
    let words: Vec<&str> = text.split_whitespace().collect();
    for len in 2..=4 {
        for w in words.windows(len).step_by(len) {
            out.push(w.join(" "));
        }
    }
}

impl Vocab {
    fn new(stories: &[Story]) -> Vocab {
        let mut words = BTreeSet::new();
        let mut hand_words = BTreeSet::new();
        let mut phrases = Vec::new();
        let mut pools: Vec<(Field, BTreeSet<String>)> =
            Field::ALL.iter().map(|f| (*f, BTreeSet::new())).collect();
        let mut times = BTreeSet::new();
        for s in stories {
            let hand = s.id.starts_with('h');
            for w in s.headline.split_whitespace().chain(s.body.split_whitespace()) {
                if hand {
                    hand_words.insert(w.to_string());
                }
                words.insert(w.to_string());
            }
            runs_of(&s.headline, &mut phrases);
            if hand {
                runs_of(&s.body, &mut phrases);
            }
            for (field, pool) in &mut pools {
                match field {
                    Field::Headline | Field::Body => {}
                    Field::Source => {
                        pool.insert(s.source.id.clone());
                        name_values(&s.source.name, pool);
                    }
                    Field::Lang => pool.extend(s.language.clone()),
                    Field::Topic => pool.extend(s.topics.iter().map(|t| t.code.clone())),
                    Field::Ticker => pool.extend(s.entities.iter().filter_map(|e| e.ticker.clone())),
                    Field::Said => {
                        for q in &s.quotes {
                            pool.extend(q.speaker.clone());
                            if let Some(n) = &q.speaker_name {
                                name_values(n, pool);
                            }
                            for e in s.entities.iter().filter(|e| Some(&e.id) == q.speaker.as_ref()) {
                                for n in std::iter::once(&e.name).chain(&e.aliases) {
                                    name_values(n, pool);
                                }
                                across_names(std::iter::once(&e.name).chain(&e.aliases), pool);
                            }
                        }
                    }
                    Field::Person | Field::Org | Field::Place | Field::Company | Field::Entity => {
                        let kind = match field {
                            Field::Person => Some(Person),
                            Field::Org => Some(Org),
                            Field::Place => Some(Place),
                            Field::Company => Some(Company),
                            _ => None,
                        };
                        for e in s.entities.iter().filter(|e| kind.is_none_or(|k| e.kind == k)) {
                            pool.insert(e.id.clone());
                            for n in std::iter::once(&e.name).chain(&e.aliases) {
                                name_values(n, pool);
                            }
                            across_names(std::iter::once(&e.name).chain(&e.aliases), pool);
                        }
                    }
                }
            }
            times.extend(s.published_at);
            times.extend(s.received_at);
        }
        // A few that hit nothing, and some punctuation the analyser turns into no term.
        for miss in ["zebra", "giraffes", "--", "&&", "Kb", "xx"] {
            words.insert(miss.into());
        }
        phrases.extend([
            "Collective Partners".to_string(),
            format!("Collective {JUNK} Partners"),
            format!("Hash {JUNK} Collective"),
            format!("Hash {JUNK} {JUNK} Collective"),
            format!("Partners {JUNK} Collective"),
            format!("Collective {JUNK} {JUNK} Partners"),
            format!("checksum {JUNK} verified"),
            "ISIL ISIS".into(),
            "Daesh Islamic".into(),
            "Okafor Brightline".into(),
            "Zurich Zürich".into(),
            "Jordan Hashemite".into(),
        ]);
        let text = |pool: &BTreeSet<String>| -> Vec<String> {
            pool.iter().filter(|v| !v.trim().is_empty()).cloned().collect()
        };
        Vocab {
            words: words.into_iter().collect(),
            hand_words: hand_words.into_iter().collect(),
            phrases,
            fields: pools.iter().map(|(f, pool)| (*f, text(pool))).collect(),
            times: times.into_iter().collect(),
        }
    }

    /// Values that occur in `field` (headline and body share the text pools).
    fn pool(&self, field: Option<Field>) -> Option<&[String]> {
        let field = field?;
        self.fields
            .iter()
            .find(|(f, pool)| *f == field && !pool.is_empty())
            .map(|(_, pool)| pool.as_slice())
    }

    /// Everything a value in any field could be made of.
    fn any_text(&self) -> BoxedStrategy<String> {
        let all: Vec<String> = self.fields.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
        prop_oneof![
            3 => pick(&self.hand_words),
            1 => pick(&self.words),
            2 => pick(&self.phrases),
            2 => pick(&all),
            1 => (pick(&all), pick(&all)).prop_map(|(a, b)| format!("{a} {b}")),
        ]
        .boxed()
    }

    /// Text for a value in `field`: mostly what that field holds, sometimes anything.
    fn text_for(&self, field: Option<Field>) -> BoxedStrategy<String> {
        let base = match self.pool(field) {
            Some(pool) => prop_oneof![3 => pick(pool), 1 => self.any_text()].boxed(),
            None => self.any_text(),
        };
        (base, 0..10u8)
            .prop_map(|(text, case)| match case {
                0 => text.to_uppercase(),
                1 => text.to_lowercase(),
                2 => format!(" {text} "),
                // A junk word the analyser drops, in place of the first space.
                3 => text.replacen(' ', &format!(" {JUNK} "), 1),
                _ => text,
            })
            .boxed()
    }
}

fn pick(pool: &[String]) -> BoxedStrategy<String> {
    proptest::sample::select(pool.to_vec()).boxed()
}

fn value(text: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => text.clone().prop_map(Value::Word),
        2 => text.clone().prop_map(Value::Phrase),
        2 => (text, any::<prop::sample::Index>()).prop_map(|(t, i)| {
            // A prefix of 2 or more characters, as the parser demands.
            let chars: Vec<char> = t.trim().chars().collect();
            let len = 2 + i.index(chars.len().saturating_sub(1).max(1));
            Value::Prefix(chars.into_iter().take(len).collect())
        }),
    ]
    .boxed()
}

/// A field match: the default fields or any field, with a value fit for it.
fn field_match(v: &Vocab) -> BoxedStrategy<Query> {
    let fields: Vec<Option<Field>> = std::iter::once(None)
        .chain(Field::ALL.iter().copied().map(Some))
        .collect();
    let arms: Vec<(u32, BoxedStrategy<Query>)> = fields
        .into_iter()
        .map(|field| {
            let weight = if field.is_none() { 6 } else { 1 };
            let q = value(v.text_for(field)).prop_map(move |value| Query::Match { field, value });
            (weight, q.boxed())
        })
        .collect();
    proptest::strategy::Union::new_weighted(arms).boxed()
}

fn bound(v: &Vocab) -> BoxedStrategy<TimeBound> {
    let fixed = [
        datetime!(0001-01-01 0:00 UTC),
        datetime!(1000-01-01 0:00 UTC),
        datetime!(1600-03-03 0:00 UTC),
        datetime!(1677-01-01 0:00 UTC),
        datetime!(1900-01-01 0:00 UTC),
        datetime!(2026-11-20 0:00 UTC),
        datetime!(2026-11-24 0:00 UTC),
        datetime!(2263-01-01 0:00 UTC),
        datetime!(2400-01-01 0:00 UTC),
        datetime!(2500-01-01 0:00 UTC),
        datetime!(9999-12-31 23:59:59.999999999 UTC),
    ];
    prop_oneof![
        2 => (0i64..400).prop_map(|h| TimeBound::Ago(Duration::hours(h))),
        1 => (0i64..36_525).prop_map(|d| TimeBound::Ago(Duration::days(d))),
        1 => proptest::sample::select(vec![
            Duration::ZERO,
            Duration::days(1),
            Duration::days(36_525),
            Duration::days(-365),
            Duration::MAX,
            Duration::MIN,
        ]).prop_map(TimeBound::Ago),
        2 => (proptest::sample::select(v.times.clone()), -1i64..=1)
            .prop_map(|(t, ns)| TimeBound::At(t + Duration::nanoseconds(ns))),
        1 => proptest::sample::select(fixed.to_vec()).prop_map(TimeBound::At),
    ]
    .boxed()
}

fn leaf(v: &Vocab) -> BoxedStrategy<Query> {
    prop_oneof![
        8 => field_match(v),
        1 => bound(v).prop_map(Query::Since),
        1 => bound(v).prop_map(Query::Until),
    ]
    .boxed()
}

fn query(v: &Vocab) -> BoxedStrategy<Query> {
    leaf(v)
        .prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                // Empty and one-element groups too: the parser never makes them, code may.
                2 => prop::collection::vec(inner.clone(), 0..=4).prop_map(Query::And),
                2 => prop::collection::vec(inner.clone(), 0..=4).prop_map(Query::Or),
                1 => inner.clone().prop_map(|q| Query::Not(Box::new(q))),
                // Pure negatives: NOT a AND NOT b.
                1 => prop::collection::vec(inner, 1..=3).prop_map(|qs| {
                    Query::And(qs.into_iter().map(|q| Query::Not(Box::new(q))).collect())
                }),
            ]
        })
        .boxed()
}

/// `text` as a query value: bare when it is one word, quoted (and escaped) otherwise.
fn written(text: &str) -> String {
    if !text.is_empty() && !text.contains(char::is_whitespace) {
        return text.to_string();
    }
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Query strings: tokens of the grammar mixed with the stories' words, often malformed.
fn query_string(v: &Vocab) -> BoxedStrategy<String> {
    let mut field_terms: Vec<(u32, BoxedStrategy<String>)> = Field::ALL
        .iter()
        .map(|f| {
            let name = f.name();
            let term = (v.text_for(Some(*f)), 0..4u8).prop_map(move |(t, how)| match how {
                0 => format!("{name}:\"{}\"", t.trim().replace('"', "")),
                1 => format!("{name}:{}*", t.trim().chars().take(3).collect::<String>()),
                _ => format!("{name}:{}", written(t.trim())),
            });
            (1, term.boxed())
        })
        .collect();
    field_terms.push((1, pick(&v.hand_words).prop_map(|w| format!("bogus:{w}")).boxed()));
    let field_term = proptest::strategy::Union::new_weighted(field_terms);
    let word = v.text_for(None).prop_map(|t| written(t.trim()));
    let times = proptest::sample::select(vec![
        "24h",
        "7d",
        "30m",
        "2w",
        "0d",
        "36525d",
        "36526d",
        "2026-11-20",
        "2026-11-23T10:00:00Z",
        "2026-11-24T06:00:00.123456789Z",
        "1600-01-01",
        "2400-06-01",
        "tomorrow",
    ]);
    let token = prop_oneof![
        6 => word.clone(),
        6 => field_term,
        1 => (word.clone(), 2usize..6).prop_map(|(w, n)| {
            format!("{}*", w.chars().take(n).collect::<String>())
        }),
        1 => (proptest::sample::select(vec!["since", "until"]), times)
            .prop_map(|(f, t)| format!("{f}:{t}")),
        4 => proptest::sample::select(vec!["AND", "OR", "OR", "OR", "NOT", "NOT", "(", ")", "-", "+", "*", "\"", ":"])
            .prop_map(str::to_string),
        2 => word.prop_map(|w| format!("-{w}")),
    ];
    (
        prop::collection::vec(token, 1..7),
        prop::collection::vec(0..4u8, 7),
    )
        .prop_map(|(tokens, glue)| {
            let mut out = String::new();
            for (i, t) in tokens.iter().enumerate() {
                // Mostly spaced; sometimes glued, as people type `(a` and `b)`.
                if i > 0 && glue.get(i).is_none_or(|g| *g > 0) {
                    out.push(' ');
                }
                out.push_str(t);
            }
            out
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------
// The properties

fn config() -> Config {
    let mut config = Config {
        // Every disagreement found is pinned below as a named test instead.
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 2000;
    }
    config
}

fn report(result: Result<(), TestError<impl std::fmt::Debug>>) {
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// How many cases matched some stories but not all: queries that tell stories apart.
#[derive(Default)]
struct Tally {
    cases: std::cell::Cell<usize>,
    selective: std::cell::Cell<usize>,
}

impl Tally {
    fn add(&self, matched: usize, of: usize) {
        self.cases.set(self.cases.get() + 1);
        if matched > 0 && matched < of {
            self.selective.set(self.selective.get() + 1);
        }
    }

    /// Fails when fewer than one case in `n` told stories apart: the property would then
    /// prove little, whatever it says.
    #[track_caller]
    fn assert_one_in(&self, n: usize, what: &str) {
        let (cases, selective) = (self.cases.get(), self.selective.get());
        assert!(
            selective * n >= cases,
            "only {selective} of {cases} {what} matched some stories but not all"
        );
    }
}

#[test]
fn search_agrees_with_naive_on_random_query_trees() {
    let world = World::new(corpus());
    let vocab = Vocab::new(&world.stories);
    let tally = Tally::default();
    let mut runner = TestRunner::new(config());
    let strategy = (query(&vocab), any::<bool>());
    report(runner.run(&strategy, |(q, by_time)| {
        let sort = if by_time { Sort::Time } else { Sort::Relevance };
        let matched = world.check(&q, sort).map_err(TestCaseError::fail)?;
        tally.add(matched, world.stories.len());
        Ok(())
    }));
    tally.assert_one_in(3, "query trees");
}

#[test]
fn search_agrees_with_naive_on_random_query_strings() {
    let world = World::new(corpus());
    let vocab = Vocab::new(&world.stories);
    let tally = Tally::default();
    let mut runner = TestRunner::new(config());
    let total = std::cell::Cell::new(0usize);
    report(runner.run(&query_string(&vocab), |text| {
        total.set(total.get() + 1);
        let Ok(q) = herald_query::parse(&text) else {
            return Ok(());
        };
        let matched = world
            .check(&q, Sort::Relevance)
            .map_err(|msg| TestCaseError::fail(format!("query text {text:?}: {msg}")))?;
        tally.add(matched, world.stories.len());
        Ok(())
    }));
    // Mostly-unparseable input would prove little.
    let parsed = tally.cases.get();
    assert!(
        parsed * 3 >= total.get(),
        "only {parsed} of {} generated query strings parsed",
        total.get()
    );
    tally.assert_one_in(6, "parsed query strings");
}

/// The corpus really hits: a word from the fixtures, an alias, a ticker and a time all find something.
#[test]
fn the_corpus_is_searchable() {
    let world = World::new(corpus());
    let q = |text: &str| herald_query::parse(text).unwrap_or_else(|err| panic!("{err}"));
    for text in [
        "landslide",
        "entity:Daesh",
        "ticker:brln",
        "since:2d",
        "said:okafor",
    ] {
        let opts = SearchOptions {
            limit: 100,
            offset: 0,
            sort: Sort::Relevance,
            now: NOW,
        };
        let hits = world
            .handle
            .search(&q(text), &opts)
            .unwrap_or_else(|err| panic!("{err}"));
        assert!(hits.total > 0, "`{text}` finds nothing");
        assert_eq!(world.check(&q(text), Sort::Relevance), Ok(hits.total));
    }
}

// ---------------------------------------------------------------------------------------
// Disagreements found, each as its smallest case

/// Asserts that search and the naive evaluator agree on `q` over `stories`, and that the
/// naive evaluator finds exactly `expected` (so the case pins the intended answer too).
#[track_caller]
fn agree(stories: Vec<Story>, q: &Query, expected: &[&str]) {
    let world = World::new(stories);
    for sort in [Sort::Relevance, Sort::Time] {
        if let Err(msg) = world.check(q, sort) {
            panic!("{msg}");
        }
    }
    let naive: Vec<&str> = world
        .stories
        .iter()
        .filter(|s| herald_alerts::matches(q, s, NOW))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(naive, expected, "`{q}`");
}

fn m(field: Option<Field>, value: Value) -> Query {
    Query::Match { field, value }
}

fn not(q: Query) -> Query {
    Query::Not(Box::new(q))
}

#[test]
fn a_phrase_does_not_run_from_one_name_into_the_next_across_a_dropped_word() {
    let s = B::new(1, WIRE, 1, "Fund news", "A fund.").ent(hashco()).0;
    let q = m(
        Some(Field::Org),
        Value::Phrase(format!("Collective {JUNK} Partners")),
    );
    agree(vec![s], &q, &[]);
}

/// Five quiet stories, published 1, 3, 5, 7 and 9 hours ago.
fn five_quiet() -> Vec<Story> {
    (1..=5)
        .map(|n| B::new(n, WIRE, i64::from(n) * 2 - 1, "Quiet day", "Nothing moved.").0)
        .collect()
}

/// `NOT "a phrase"` where the phrase's first match is not the first story: the exclusion
/// asks tantivy's phrase scorer about an earlier story, and it panicked (debug builds).
/// Found as `-drought.Inflows`.
#[test]
fn not_a_phrase_whose_first_match_is_not_the_first_story() {
    let mut stories = five_quiet();
    if let Some(last) = stories.last_mut() {
        last.body = "Grain exports resumed.".into();
    }
    let q = not(m(None, Value::Phrase("grain exports".into())));
    agree(stories, &q, &["h01", "h02", "h03", "h04"]);
}

/// `NOT (until:0h AND until:2h)`: tantivy's fast-field range scorer overflowed (debug
/// builds) when the exclusion asked about a story before the one the intersection had
/// reached.
#[test]
fn not_an_intersection_of_time_ranges() {
    let q = not(Query::And(vec![
        Query::Until(TimeBound::Ago(Duration::ZERO)),
        Query::Until(TimeBound::Ago(Duration::hours(2))),
    ]));
    // Only the story of an hour ago is not before 2 hours ago.
    agree(five_quiet(), &q, &["h01"]);
}

/// tantivy dates hold only the years 1677–2262; a story dated outside them (a feed's
/// zero date, a typo'd future year) was clamped, so `since:1600-01-01` found a story
/// from year 1. Times are now indexed exactly.
#[test]
fn times_outside_tantivy_dates_compare_exactly() {
    let at = |t| Some(t);
    let stories = vec![
        B::new(1, WIRE, 0, "Zero date", "x")
            .times(at(datetime!(0001-01-01 0:00 UTC)), None)
            .0,
        B::new(2, WIRE, 0, "Old", "x")
            .times(at(datetime!(1600-03-03 0:00 UTC)), None)
            .0,
        B::new(3, WIRE, 0, "Now", "x").times(at(NOW), None).0,
        B::new(4, WIRE, 0, "Far future", "x")
            .times(at(datetime!(2400-01-01 0:00 UTC)), None)
            .0,
        B::new(5, WIRE, 0, "Undated", "x").times(None, None).0,
    ];
    let since = |t| Query::Since(TimeBound::At(t));
    let until = |t| Query::Until(TimeBound::At(t));
    agree(
        stories.clone(),
        &since(datetime!(1600-01-01 0:00 UTC)),
        &["h02", "h03", "h04"],
    );
    agree(stories.clone(), &until(datetime!(1600-03-03 0:00 UTC)), &["h01"]);
    agree(
        stories.clone(),
        &since(datetime!(1600-03-03 0:00 UTC)),
        &["h02", "h03", "h04"],
    );
    agree(
        stories.clone(),
        &until(datetime!(2500-01-01 0:00 UTC)),
        &["h01", "h02", "h03", "h04"],
    );
    agree(stories.clone(), &since(datetime!(2300-01-01 0:00 UTC)), &["h04"]);
    // One nanosecond either side of a story's time.
    let ns = Duration::nanoseconds(1);
    agree(
        stories.clone(),
        &since(datetime!(0001-01-01 0:00 UTC) + ns),
        &["h02", "h03", "h04"],
    );
    agree(stories, &until(NOW + ns), &["h01", "h02", "h03"]);
}

/// A relative bound built in code (the parser caps them at a century) that leaves the
/// representable times: search panicked on the overflow, and the naive evaluator put a
/// huge negative one (a bound after every time) before every time instead.
#[test]
fn relative_bounds_beyond_any_time() {
    let dated = B::new(1, WIRE, 1, "Dated", "x").0;
    let undated = B::new(2, WIRE, 0, "Undated", "x").times(None, None).0;
    let stories = vec![dated, undated];
    let (past, future) = (TimeBound::Ago(Duration::MAX), TimeBound::Ago(Duration::MIN));
    agree(stories.clone(), &Query::Since(past), &["h01"]);
    agree(stories.clone(), &Query::Until(past), &[]);
    agree(stories.clone(), &Query::Since(future), &[]);
    agree(stories.clone(), &Query::Until(future), &["h01"]);
    agree(stories, &not(Query::Since(future)), &["h01", "h02"]);
}

/// Identifiers and codes are compared without surrounding whitespace on either side
/// (search trimmed them, the naive evaluator did not), and a blank one matches nothing.
#[test]
fn identifiers_ignore_surrounding_whitespace() {
    let padded = B::new(1, PADDED, 1, "Padded", "x")
        .lang(Some(" en "))
        .topics(&[" economy/trade "])
        .ents(&[
            ticker(
                e(" kb:company/padded ", Company, "Padded Industries", &[]),
                " pdi ",
            ),
            e("", Other, "Unnamed Consortium", &[]),
        ])
        .quote(Some(" kb:person/speaker "), None, "x")
        .0;
    let acme = B::new(2, NORTH, 1, "Acme", "x")
        .ent(e("KB:Company/Acme", Company, "Acme Corp", &[]))
        .lang(Some(""))
        .0;
    let stories = vec![padded, acme];
    let word = |f, w: &str| m(Some(f), Value::Word(w.into()));
    agree(
        stories.clone(),
        &word(Field::Entity, " kb:company/acme "),
        &["h02"],
    );
    agree(stories.clone(), &word(Field::Lang, "en"), &["h01"]);
    agree(stories.clone(), &word(Field::Source, "padded-src"), &["h01"]);
    agree(
        stories.clone(),
        &m(Some(Field::Source), Value::Phrase(" PADDED-SRC ".into())),
        &["h01"],
    );
    agree(stories.clone(), &word(Field::Topic, "economy/trade"), &["h01"]);
    agree(stories.clone(), &word(Field::Ticker, "PDI"), &["h01"]);
    agree(
        stories.clone(),
        &word(Field::Company, "kb:company/padded"),
        &["h01"],
    );
    agree(stories.clone(), &word(Field::Said, "kb:person/speaker"), &["h01"]);
    agree(
        stories.clone(),
        &m(Some(Field::Lang), Value::Prefix(" e".into())),
        &["h01"],
    );
    // A blank id or language is none: even the emptiest prefix does not reach it.
    agree(
        stories.clone(),
        &m(Some(Field::Lang), Value::Prefix(String::new())),
        &["h01"],
    );
    agree(
        stories,
        &m(Some(Field::Entity), Value::Prefix(" ".into())),
        &["h01", "h02"],
    );
}

/// Two entities of different kinds with the same id (up to case): search recorded the id
/// under the first one's kind only, so `org:KB*` missed the org. Found as `org:KB*`.
#[test]
fn an_id_shared_by_two_kinds_is_found_under_each() {
    let acme = B::new(1, NORTH, 1, "Acme", "x")
        .ents(&[
            e("KB:Company/Acme", Company, "Acme Corp", &[]),
            e("kb:company/acme", Org, "Acme Foundation", &[]),
        ])
        .0;
    let jordan = B::new(2, WIRE, 1, "Jordan", "x")
        .ents(&[jordan_person(), jordan_place()])
        .0;
    let stories = vec![acme, jordan];
    agree(
        stories.clone(),
        &m(Some(Field::Org), Value::Prefix("KB".into())),
        &["h01"],
    );
    agree(
        stories.clone(),
        &m(Some(Field::Company), Value::Word("kb:company/ACME".into())),
        &["h01"],
    );
    agree(
        stories.clone(),
        &m(Some(Field::Person), Value::Word("doc:jordan".into())),
        &["h02"],
    );
    agree(
        stories,
        &m(Some(Field::Place), Value::Word("doc:jordan".into())),
        &["h02"],
    );
}
