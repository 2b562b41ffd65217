//! The plain-text story format end to end: every fixture story, then hostile and odd input.

use std::path::PathBuf;

use herald_model::text::MAX_HEADLINE_BYTES;
use herald_model::{ParseError, ParsedText, parse_text};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/stories")
}

fn read_fixture(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse_ok(input: &str) -> ParsedText {
    parse_text(input.as_bytes()).unwrap_or_else(|e| panic!("{input:?} failed to parse: {e}"))
}

/// What a reader should see in each fixture.
struct Expected {
    file: &'static str,
    headline: &'static str,
    bullets: &'static [&'static str],
    subheads: &'static [&'static str],
    body_starts: &'static str,
    body_ends: &'static str,
    removed: &'static [&'static str],
}

const FIXTURES: &[Expected] = &[
    Expected {
        file: "01-conflict-border-crossing.txt",
        headline: "Islamic State Fighters Seize Border Crossing in Eastern Syria, Monitors Say",
        bullets: &[
            "Militants overran the Tal Sawda customs post before dawn on Tuesday",
            "At least 14 border guards were killed, a monitoring group said",
            "Iraq closed two nearby crossings and sent troops to the frontier",
        ],
        subheads: &[],
        body_starts: "Fighters from Islamic State, the group also known as Daesh,",
        body_ends: "rising from the customs buildings on Tuesday afternoon.",
        removed: &[],
    },
    Expected {
        file: "02-diplomacy-lake-talks.txt",
        headline: "Peru and Bolivia Agree to Resume Lake Titicaca Water Talks After Two-Year Freeze",
        bullets: &[],
        subheads: &["Drought Pressure", "A Fragile Timetable"],
        body_starts: "Peru and Bolivia will reopen negotiations",
        body_ends: "it welcomed the resumption of dialogue.",
        removed: &["This story was originally published by the Andean Ledger on November 24, 2026."],
    },
    Expected {
        file: "03-markets-chipmaker-warning.txt",
        headline: "Stocks Slide as Chipmaker Warning Rattles Tech; Dollar Firms",
        bullets: &[
            "S&P 500 falls 1.4%, Nasdaq Composite drops 2.1%",
            "Orbital Semiconductor (NASDAQ: ORBS) sinks 18% after cutting its forecast",
        ],
        subheads: &[],
        body_starts: "U.S. stocks fell sharply on Wednesday",
        body_ends: "by a ratio of 3.1 to 1 on the New York Stock Exchange.",
        removed: &[
            "The post Stocks Slide as Chipmaker Warning Rattles Tech; Dollar Firms appeared first on Market Ledger.",
        ],
    },
    Expected {
        file: "04-earnings-harwick-foods.txt",
        headline: "Harwick Foods Profit Beats Forecasts as Price Rises Stick",
        bullets: &[
            "Third-quarter net income up 12% to $418 million",
            "Company raises full-year sales outlook, shares jump 7% before the bell",
        ],
        subheads: &[],
        body_starts: "Harwick Foods Group reported a stronger-than-expected quarterly profit",
        body_ends: "at 8:30 a.m. Eastern time.",
        removed: &[
            "Subscribe to The Ledger Business Brief for daily earnings coverage.",
            "Follow us on LinkedIn and X for the latest market news.",
        ],
    },
    Expected {
        file: "05-courts-airline-slots.txt",
        headline: "Judge Blocks Sale of Bankrupt Airline's Landing Slots to Rival",
        bullets: &[],
        subheads: &["Creditors Divided"],
        body_starts: "A U.S. bankruptcy judge on Friday blocked",
        body_ends: "could be addressed during the new sale process.",
        removed: &["- 30 -"],
    },
    Expected {
        file: "06-elections-kestrel-bay.txt",
        headline: "Kestrel Bay Mayor Ousted as Challenger Wins by 412 Votes",
        bullets: &[],
        subheads: &["Recount Likely"],
        body_starts: "Kestrel Bay voters ousted three-term Mayor Gordon Ashdown on Tuesday, electing",
        body_ends: "with 61% in favour.",
        removed: &["© 2026 Coastline Media Group. All rights reserved."],
    },
    Expected {
        file: "07-sport-cup-semifinal.txt",
        headline: "Vidal Hat-Trick Sends Harbourside Rovers Into First Cup Final in 31 Years",
        bullets: &[],
        subheads: &[],
        body_starts: "Harbourside Rovers reached their first national cup final since 1995",
        body_ends: "to repair the club's training ground.",
        removed: &["Before it's on the back page, it's on the Sportsline wire."],
    },
    Expected {
        file: "08-science-exoplanet-water.txt",
        headline: "Astronomers Find Signs of Water Vapour on Nearby Rocky Planet",
        bullets: &[],
        subheads: &[],
        body_starts: "An international team of astronomers has detected",
        body_ends: "steam-rich or dominated by other gases.",
        removed: &["Read more at sciencedesk.example/space for our coverage of exoplanets."],
    },
    Expected {
        file: "09-disaster-landslide.txt",
        headline: "Landslide Kills at Least 31 People in Western Nepal as Rescuers Search for Missing",
        bullets: &[
            "Slope collapsed onto a village in Baglung district after three days of rain",
            "More than 60 people are still missing, officials say",
            "Army helicopters grounded by cloud as roads remain blocked",
        ],
        subheads: &[],
        body_starts: "A landslide triggered by days of torrential rain",
        body_ends: "according to government figures.",
        removed: &["Sign up for the Morning Dispatch newsletter to get stories like this in your inbox."],
    },
    Expected {
        file: "10-energy-grid-gas-plants.txt",
        headline: "Grid Operator Orders Gas Plants Back Online as Wind Output Slumps",
        bullets: &[],
        subheads: &["Prices Spike", "Storage Questions"],
        body_starts: "Germany's largest transmission operator ordered three mothballed",
        body_ends: "88% full at the start of the month.",
        removed: &["Click here to read our full coverage of Europe's winter energy crunch."],
    },
    Expected {
        file: "11-health-measles-cases.txt",
        headline: "Measles Cases in Europe Nearly Triple in a Year as Vaccination Rates Fall, WHO Says",
        bullets: &[],
        subheads: &["Vaccine Gaps"],
        body_starts: "Measles cases across Europe and Central Asia nearly tripled",
        body_ends: "early results from Moldova were encouraging.",
        removed: &["Copyright 2026 Meridian Health Desk. All rights reserved."],
    },
    Expected {
        file: "12-technology-streaming-prices.txt",
        headline: "Lumora Cuts Streaming Prices in Europe to Win Back Lost Customers",
        bullets: &[
            "Basic plan falls to 5.99 euros a month in 14 countries from January",
            "Company lost 2.3 million European subscribers in the third quarter",
        ],
        subheads: &[],
        body_starts: "Lumora Media, the streaming service behind",
        // The last paragraph says "subscribe" mid-sentence: it is news and must stay.
        body_ends: "that subscribe to more than one streaming service cancelled at least one of them in the past year.",
        removed: &[],
    },
];

#[test]
fn every_fixture_file_has_expectations() {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/stories exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    on_disk.sort();
    let expected: Vec<&str> = FIXTURES.iter().map(|f| f.file).collect();
    assert_eq!(on_disk, expected);
}

#[test]
fn fixtures_parse_as_a_reader_would_read_them() {
    for f in FIXTURES {
        let p = parse_text(&read_fixture(f.file)).unwrap_or_else(|e| panic!("{}: {e}", f.file));
        assert_eq!(p.headline, f.headline, "{}: headline", f.file);
        assert_eq!(p.bullets, f.bullets, "{}: bullets", f.file);
        assert_eq!(p.subheads, f.subheads, "{}: subheads", f.file);
        assert!(
            p.body.starts_with(f.body_starts),
            "{}: body starts {:?}",
            f.file,
            p.body.get(..80)
        );
        assert!(
            p.body.ends_with(f.body_ends),
            "{}: body ends {:?}",
            f.file,
            p.body.get(p.body.len().saturating_sub(120)..)
        );
        assert_eq!(p.removed, f.removed, "{}: removed boilerplate", f.file);

        // Nothing promotional is left anywhere in the body.
        for line in f.removed {
            assert!(!p.body.contains(line), "{}: {line:?} left in body", f.file);
        }
        let lower = p.body.to_lowercase();
        for marker in [
            "appeared first on",
            "originally published",
            "click here",
            "all rights reserved",
            "sign up for",
            "follow us on",
        ] {
            assert!(!lower.contains(marker), "{}: {marker:?} left in body", f.file);
        }
        assert!(!p.body.contains("- 30 -"), "{}: end mark left", f.file);

        // Clean text: paragraphs separated by exactly one blank line, no stray whitespace.
        assert_eq!(p.body.trim(), p.body, "{}: body is trimmed", f.file);
        assert!(!p.body.contains('\r'), "{}: CR left in body", f.file);
        assert!(!p.body.contains("  "), "{}: double space in body", f.file);
        assert!(!p.body.contains("\n\n\n"), "{}: empty paragraph", f.file);
        for para in p.body.split("\n\n") {
            assert!(!para.contains('\n'), "{}: line break inside {para:?}", f.file);
        }
        for s in &p.subheads {
            assert!(
                p.body.split("\n\n").any(|para| para == s),
                "{}: subhead {s:?} is not its own paragraph in the body",
                f.file
            );
        }

        // The fixtures are meant to be realistic wire stories (200-450 words).
        let words = p.body.split_whitespace().count();
        assert!((200..=450).contains(&words), "{}: {words} words", f.file);
    }
}

#[test]
fn crlf_fixture_really_has_crlf_and_reads_like_lf() {
    let raw = read_fixture("05-courts-airline-slots.txt");
    assert!(
        raw.windows(2).any(|w| w == b"\r\n"),
        "fixture lost its CRLF line endings"
    );
    let lf: Vec<u8> = raw.iter().copied().filter(|&b| b != b'\r').collect();
    assert_eq!(parse_text(&raw), parse_text(&lf));
}

#[test]
fn hard_wrapped_fixture_is_unwrapped_into_paragraphs() {
    let raw = String::from_utf8(read_fixture("06-elections-kestrel-bay.txt")).expect("utf-8");
    assert!(
        raw.lines().all(|l| l.chars().count() <= 72),
        "fixture is wrapped at 72"
    );
    let p = parse_ok(&raw);
    assert!(
        p.body
            .contains("who ran on a promise to build 5,000 affordable homes in eight years,"),
        "a sentence broken across lines reads as one: {}",
        p.body
    );
    assert_eq!(p.body.split("\n\n").count(), 10);
}

#[test]
fn into_story_carries_the_text_fields() {
    let p = parse_ok("Head\n\n• one\n\nBody para.\n");
    let story = p.into_story();
    assert_eq!(story.headline, "Head");
    assert_eq!(story.bullets, ["one"]);
    assert_eq!(story.body, "Body para.");
    assert!(story.id.is_empty() && story.entities.is_empty());
}

// ---- hostile and odd input -------------------------------------------------------------

#[test]
fn empty_and_blank_input_is_an_error() {
    for input in [
        &b""[..],
        b"   ",
        b"\n\n\r\n\t \r",
        "\u{a0}\u{a0}\n \u{2003}".as_bytes(),
        b"\xEF\xBB\xBF",
        b"\x07\x00\x1b\n",
    ] {
        assert_eq!(parse_text(input), Err(ParseError::Empty), "{input:?}");
    }
    assert!(ParseError::Empty.to_string().contains("empty"));
}

#[test]
fn a_headline_alone_is_a_story() {
    let p = parse_ok("\n\n   Quake Strikes Off Coast   \n\n");
    assert_eq!(p.headline, "Quake Strikes Off Coast");
    assert!(p.bullets.is_empty() && p.subheads.is_empty() && p.removed.is_empty());
    assert_eq!(p.body, "");

    let p = parse_ok("Quake Strikes Off Coast\n- Magnitude 6.1\n- No tsunami warning");
    assert_eq!(p.bullets, ["Magnitude 6.1", "No tsunami warning"]);
    assert_eq!(p.body, "");
}

#[test]
fn one_huge_line_is_rejected_with_a_hint() {
    let input = "word ".repeat(1_000_000);
    let err = parse_text(input.as_bytes()).expect_err("5 MB headline");
    assert_eq!(
        err,
        ParseError::HeadlineTooLong {
            len: input.trim_end().len()
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("line breaks"), "{msg}");
    assert!(msg.contains(&MAX_HEADLINE_BYTES.to_string()), "{msg}");

    let just_fits = "h".repeat(MAX_HEADLINE_BYTES);
    assert_eq!(parse_ok(&just_fits).headline.len(), MAX_HEADLINE_BYTES);
    let too_long = "h".repeat(MAX_HEADLINE_BYTES + 1);
    assert!(matches!(
        parse_text(too_long.as_bytes()),
        Err(ParseError::HeadlineTooLong { .. })
    ));
}

#[test]
fn five_megabytes_of_paragraphs_parse() {
    let para = "The council met on Monday and agreed to extend the harbour\n\
                by 200 metres, officials said. Work will start in spring.\n\n";
    let count = 5_000_000 / para.len();
    let input = format!("Harbour Extension Approved\n\n{}", para.repeat(count));
    let p = parse_ok(&input);
    assert_eq!(p.body.split("\n\n").count(), count);
    assert!(
        p.body
            .starts_with("The council met on Monday and agreed to extend the harbour by 200")
    );
    assert!(p.subheads.is_empty());
}

#[test]
fn a_huge_last_paragraph_is_not_mistaken_for_boilerplate() {
    let input = format!("Head\n\nFirst.\n\nSubscribe {}", "x ".repeat(2_000_000));
    let p = parse_ok(&input);
    assert!(p.removed.is_empty());
    assert!(p.body.ends_with('x'));
}

#[test]
fn a_hundred_thousand_bullets_parse() {
    let mut input = String::from("Results Round-Up\n");
    for i in 0..100_000 {
        input.push_str(if i % 2 == 0 { "• item " } else { "- item " });
        input.push_str(&i.to_string());
        input.push('\n');
    }
    input.push_str("\nThat is all.\n");
    let p = parse_ok(&input);
    assert_eq!(p.bullets.len(), 100_000);
    assert_eq!(p.bullets.last().map(String::as_str), Some("item 99999"));
    assert_eq!(p.body, "That is all.");
}

#[test]
fn line_endings_and_bom() {
    let lf = parse_ok("Head\n\n* a\n* b\n\nOne\ntwo.\n\nThree.\n");
    let crlf = parse_ok("\u{feff}Head\r\n\r\n* a\r\n* b\r\n\r\nOne\r\ntwo.\r\n\r\nThree.\r\n");
    let cr = parse_ok("Head\r\r* a\r* b\r\rOne\rtwo.\r\rThree.\r");
    assert_eq!(lf.body, "One two.\n\nThree.");
    assert_eq!(lf, crlf);
    assert_eq!(lf, cr);
    assert_eq!(crlf.headline, "Head", "the BOM is not part of the headline");
}

#[test]
fn whitespace_is_normalised_and_controls_dropped() {
    let p = parse_ok("  Rates\u{a0}\u{a0}Held \t Steady\n\nThe\u{a0}bank   held\u{7} rates\tat 4%.\u{0}\n");
    assert_eq!(p.headline, "Rates Held Steady");
    assert_eq!(p.body, "The bank held rates at 4%.");
}

#[test]
fn invalid_utf8_reports_offset_and_line() {
    let input = b"Head\n\nGood line\nbad \xff here\n";
    let err = parse_text(input).expect_err("invalid");
    assert_eq!(err, ParseError::InvalidUtf8 { offset: 20, line: 4 });
    let msg = err.to_string();
    assert!(msg.contains("offset 20") && msg.contains("line 4"), "{msg}");

    // CRLF counts as one break, a lone CR as one, and a BOM counts toward the offset.
    let input = b"\xEF\xBB\xBFHead\r\n\r\nx\ry\xc3";
    assert_eq!(
        parse_text(input),
        Err(ParseError::InvalidUtf8 { offset: 14, line: 4 })
    );

    // A bad byte on the first line.
    assert_eq!(
        parse_text(b"\x80abc"),
        Err(ParseError::InvalidUtf8 { offset: 0, line: 1 })
    );
}

#[test]
fn mixed_bullet_markers_and_blank_lines_between_bullets() {
    let p =
        parse_ok("Head\n\n  • First point\n\n  - Second point\n\n\t* Third point\n•Fourth point\n\nBody.\n");
    assert_eq!(
        p.bullets,
        ["First point", "Second point", "Third point", "Fourth point"]
    );
    assert_eq!(p.body, "Body.");
}

#[test]
fn hard_wrapped_bullets_continue_on_indented_lines() {
    let p = parse_ok(
        "Head\n\n  • Dock workers walk out at three ports after pay\n    talks collapse\n  • Exporters warn\nBody starts here.\n",
    );
    assert_eq!(
        p.bullets,
        [
            "Dock workers walk out at three ports after pay talks collapse",
            "Exporters warn"
        ]
    );
    assert_eq!(p.body, "Body starts here.");
}

#[test]
fn dashes_that_are_not_bullets() {
    // "-5C" needs a space after the marker to be a bullet, so it opens the body.
    let p = parse_ok("Cold Snap\n\n-5C was recorded overnight in the capital.\n");
    assert!(p.bullets.is_empty());
    assert_eq!(p.body, "-5C was recorded overnight in the capital.");

    // Once the body has started, dash lines are body text, not bullets.
    let p = parse_ok("Head\n\nFirst paragraph.\n\n- a dash line in the body\n\nLast paragraph.\n");
    assert!(p.bullets.is_empty());
    assert_eq!(
        p.body,
        "First paragraph.\n\n- a dash line in the body\n\nLast paragraph."
    );
    assert!(p.subheads.is_empty());

    // A wire end mark in the middle stays (only the end of the body is trimmed) …
    let p = parse_ok("Head\n\nOne.\n\n- 30 -\n\nTwo.\n");
    assert_eq!(p.body, "One.\n\n- 30 -\n\nTwo.");
    assert!(p.subheads.is_empty(), "an end mark is not a subhead");
    // … and at the end it is removed like other boilerplate.
    let p = parse_ok("Head\n\nOne.\n\n-30-\n\n###\n");
    assert_eq!(p.body, "One.");
    assert_eq!(p.removed, ["-30-", "###"]);
}

#[test]
fn subheads_need_text_on_both_sides_and_no_closing_punctuation() {
    let p = parse_ok(
        "Head\n\nBy Ana Ruiz\n\nFirst paragraph.\n\nWhat Comes Next\n\nSecond.\n\nNot a heading.\n\n\
         lower case line\n\nThird.\n\n“Quoted Line”\n\nFourth.\n\nReporting by Ana Ruiz\n",
    );
    assert_eq!(p.subheads, ["What Comes Next"]);
    assert!(
        p.body.contains("\n\nWhat Comes Next\n\n"),
        "subheads stay in the body"
    );
    assert!(p.body.ends_with("Reporting by Ana Ruiz"));

    let long = "Head\n\nOne.\n\nThis Line Has Far Too Many Words To Be A Subhead In Any Paper\n\nTwo.\n";
    assert!(parse_ok(long).subheads.is_empty());
}

#[test]
fn boilerplate_is_removed_from_the_end_only_and_repeatedly() {
    let p = parse_ok(
        "Head\n\nSubscribe to the idea that rates will fall, analysts said.\n\nMiddle.\n\n\
         Read more on Example Wire\n\nBefore It’s Here, It’s On The Example Terminal.\n\n\
         The post Head appeared first on Example Wire.\n",
    );
    assert_eq!(
        p.body,
        "Subscribe to the idea that rates will fall, analysts said.\n\nMiddle."
    );
    assert_eq!(
        p.removed,
        [
            "Read more on Example Wire",
            "Before It’s Here, It’s On The Example Terminal.",
            "The post Head appeared first on Example Wire.",
        ]
    );
}

#[test]
fn real_last_paragraphs_are_kept() {
    for last in [
        "About a third of readers who subscribe to the print edition also pay for the app.",
        "Subscribers will pay 4% more from January, the company said.",
        "Copyright lawyers for the estate said they would appeal.",
        "The post office in Kestrel Bay will reopen on Monday.",
        "Following the vote, the council adjourned.",
    ] {
        let p = parse_ok(&format!("Head\n\nFirst.\n\n{last}\n"));
        assert!(p.removed.is_empty(), "{last:?} was removed");
        assert!(p.body.ends_with(last));
    }
}

#[test]
fn a_promotional_last_line_inside_the_last_paragraph_is_cut() {
    let p =
        parse_ok("Head\n\nFirst.\n\nThe vote is on Friday.\nThe post Head appeared first on Example Wire.\n");
    assert_eq!(p.body, "First.\n\nThe vote is on Friday.");
    assert_eq!(p.removed, ["The post Head appeared first on Example Wire."]);

    // A hard-wrapped sentence whose last line happens to start with "subscribe" is news.
    let p = parse_ok(
        "Head\n\nFirst.\n\nThe paper lost readers who chose not to\nsubscribe to the new edition.\n",
    );
    assert!(p.removed.is_empty());
    assert!(p.body.ends_with("chose not to subscribe to the new edition."));
}

#[test]
fn a_body_of_nothing_but_boilerplate_is_emptied() {
    let p = parse_ok("Head\n\nSubscribe to Example Wire.\n\n© 2026 Example Wire\n");
    assert_eq!(p.body, "");
    assert_eq!(p.removed, ["Subscribe to Example Wire.", "© 2026 Example Wire"]);
}
