//! `herald demo`: replays the project's own fixture stories through a node's real wire at
//! a realistic pace, stamped with the current time, so the terminal can be tried offline.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::StatusCode;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::NodeArgs;
use crate::client::{Client, error_message};

/// Fastest pace accepted: past it the demo is a load test, which `herald-bench` does better.
const MAX_RATE: f64 = 1000.0;
/// Every this-many stories, the one just sent is sent again by another outlet, so that
/// the terminal has near-duplicates to fold (as on a real wire, where outlets reprint).
const COPY_EVERY: usize = 3;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Stories per second (0.5: one every two seconds).
    #[arg(long, default_value_t = 0.5, value_name = "N")]
    rate: f64,
    /// Stop after this many stories (default: every fixture once, with the copies).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    #[command(flatten)]
    node: NodeArgs,
}

/// One fixture: its path in the repository (shown nowhere but in tests) and its text.
struct Fixture {
    path: &'static str,
    text: &'static str,
}

/// Embeds a fixture, so that an installed binary replays without the repository.
macro_rules! fixture {
    ($p:literal) => {
        Fixture {
            path: $p,
            text: include_str!(concat!("../../../../", $p)),
        }
    };
}

/// The fixture stories (fixtures/stories and fixtures/gold *.txt), in replay order.
/// The test `every_fixture_is_embedded` fails when a fixture is added and not listed here.
static FIXTURES: &[Fixture] = &[
    fixture!("fixtures/stories/01-conflict-border-crossing.txt"),
    fixture!("fixtures/stories/02-diplomacy-lake-talks.txt"),
    fixture!("fixtures/stories/03-markets-chipmaker-warning.txt"),
    fixture!("fixtures/stories/04-earnings-harwick-foods.txt"),
    fixture!("fixtures/stories/05-courts-airline-slots.txt"),
    fixture!("fixtures/stories/06-elections-kestrel-bay.txt"),
    fixture!("fixtures/stories/07-sport-cup-semifinal.txt"),
    fixture!("fixtures/stories/08-science-exoplanet-water.txt"),
    fixture!("fixtures/stories/09-disaster-landslide.txt"),
    fixture!("fixtures/stories/10-energy-grid-gas-plants.txt"),
    fixture!("fixtures/stories/11-health-measles-cases.txt"),
    fixture!("fixtures/stories/12-technology-streaming-prices.txt"),
    fixture!("fixtures/gold/01-isil-raid-anbar.txt"),
    fixture!("fixtures/gold/02-shabaab-mogadishu.txt"),
    fixture!("fixtures/gold/03-lindqvist-baltic-shipping.txt"),
    fixture!("fixtures/gold/04-orbis-earnings.txt"),
    fixture!("fixtures/gold/05-ortega-navy-drills.txt"),
    fixture!("fixtures/gold/06-opec-output.txt"),
    fixture!("fixtures/gold/07-court-data-ruling.txt"),
    fixture!("fixtures/gold/08-kenya-election.txt"),
    fixture!("fixtures/gold/09-champions-league.txt"),
    fixture!("fixtures/gold/10-quake-turkey.txt"),
    fixture!("fixtures/gold/11-who-cholera.txt"),
    fixture!("fixtures/gold/12-fed-rates.txt"),
    fixture!("fixtures/gold/13-cyberattack-hospital.txt"),
    fixture!("fixtures/gold/14-exoplanet-water.txt"),
    fixture!("fixtures/gold/15-nuclear-plant.txt"),
    fixture!("fixtures/gold/16-rail-strike.txt"),
    fixture!("fixtures/gold/17-boko-haram-borno.txt"),
    fixture!("fixtures/gold/18-houthis-red-sea.txt"),
    fixture!("fixtures/gold/19-murder-trial.txt"),
    fixture!("fixtures/gold/20-merger-banks.txt"),
    fixture!("fixtures/gold/21-iskp-kabul.txt"),
    fixture!("fixtures/gold/22-hezbollah-border.txt"),
    fixture!("fixtures/gold/23-tennis-final.txt"),
    fixture!("fixtures/gold/24-floods-pakistan.txt"),
    fixture!("fixtures/gold/25-imf-egypt.txt"),
    fixture!("fixtures/gold/26-hts-damascus.txt"),
    fixture!("fixtures/gold/27-jnim-mali.txt"),
    fixture!("fixtures/gold/28-ai-chip-export.txt"),
    fixture!("fixtures/gold/29-portugal-election.txt"),
    fixture!("fixtures/gold/30-alzheimers-drug.txt"),
    fixture!("fixtures/gold/31-wildfire-greece.txt"),
    fixture!("fixtures/gold/32-film-festival.txt"),
    fixture!("fixtures/gold/33-cop-climate.txt"),
    fixture!("fixtures/gold/34-yen-intervention.txt"),
    fixture!("fixtures/gold/35-ceo-resigns.txt"),
    fixture!("fixtures/gold/36-extradition.txt"),
    fixture!("fixtures/gold/37-south-china-sea.txt"),
    fixture!("fixtures/gold/38-marathon-record.txt"),
    fixture!("fixtures/gold/39-ukraine-drones.txt"),
    fixture!("fixtures/gold/40-minimum-wage.txt"),
    fixture!("fixtures/gold/41-fusion-record.txt"),
    fixture!("fixtures/gold/42-gaza-aid.txt"),
    fixture!("fixtures/gold/43-pkk-disarm.txt"),
    fixture!("fixtures/gold/44-robotics-ipo.txt"),
    fixture!("fixtures/gold/45-cyclone-bangladesh.txt"),
    fixture!("fixtures/gold/46-nato-summit.txt"),
    fixture!("fixtures/gold/47-cricket-test.txt"),
    fixture!("fixtures/gold/48-measles-outbreak.txt"),
    fixture!("fixtures/gold/49-shabaab-kenya.txt"),
    fixture!("fixtures/gold/50-antitrust-fine.txt"),
];

/// The invented outlets the demo publishes as: (source id, display name).
const OUTLETS: [(&str, &str); 4] = [
    ("tidewater-wire", "Tidewater Wire"),
    ("northgate-news", "Northgate News"),
    ("coastline-daily", "Coastline Daily"),
    ("harbour-radio", "Harbour Radio"),
];

/// One story to send: which fixture and as which outlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    fixture: usize,
    outlet: usize,
}

/// The replay: every fixture in turn from a rotating outlet, and after every
/// [`COPY_EVERY`]th, the same story again from the next outlet.
fn schedule(fixtures: usize) -> Vec<Step> {
    let mut steps = Vec::with_capacity(fixtures + fixtures / COPY_EVERY);
    for i in 0..fixtures {
        let outlet = i % OUTLETS.len();
        steps.push(Step { fixture: i, outlet });
        if i % COPY_EVERY == COPY_EVERY - 1 {
            steps.push(Step {
                fixture: i,
                outlet: (outlet + 1) % OUTLETS.len(),
            });
        }
    }
    steps
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(args.rate.is_finite() && args.rate > 0.0 && args.rate <= MAX_RATE) {
        bail!(
            "--rate {}: expected stories per second above 0 and at most {MAX_RATE}",
            args.rate
        );
    }
    let client = Client::new(&args.node.url)?;
    let pause = Duration::from_secs_f64(1.0 / args.rate);
    let mut steps = schedule(FIXTURES.len());
    if let Some(n) = args.limit {
        steps.truncate(n);
    }
    // Each run's stories are new stories (a guid per run), not duplicates of the last run's.
    let run_id = OffsetDateTime::now_utc().unix_timestamp();
    let rt = crate::client::runtime()?;
    rt.block_on(async {
        eprintln!(
            "replaying {} fixture stories to {} at {} per second (Ctrl-C stops); watch them with `herald term`",
            steps.len(),
            args.node.url,
            args.rate
        );
        let mut next = tokio::time::Instant::now();
        for (n, step) in steps.iter().enumerate() {
            tokio::time::sleep_until(next).await;
            next += pause;
            let (Some(fx), Some((source, name))) = (FIXTURES.get(step.fixture), OUTLETS.get(step.outlet)) else {
                continue;
            };
            let now = OffsetDateTime::now_utc().format(&Rfc3339).context("formatting the time")?;
            let mut url = client.url("/v1/stories");
            url.query_pairs_mut()
                .append_pair("source", source)
                .append_pair("source_name", name)
                .append_pair("guid", &format!("demo-{run_id}-{n}"))
                .append_pair("published_at", &now);
            let resp = client
                .http
                .post(url)
                .header("content-type", "text/plain; charset=utf-8")
                .body(fx.text)
                .send()
                .await
                .map_err(|e| client.unreachable(e))?;
            let status = resp.status();
            if status != StatusCode::CREATED && status != StatusCode::OK {
                bail!("the node refused {}: {}", fx.path, error_message(resp).await);
            }
            let v: Value = resp.json().await.context("reading the node's answer")?;
            let what = if status == StatusCode::CREATED { "stored" } else { "duplicate" };
            let headline = fx.text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
            println!(
                "{what}\t{}\tseq {}\t{name}\t{headline}",
                v["id"].as_str().unwrap_or("?"),
                v["seq"].as_u64().unwrap_or(0)
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut on_disk = Vec::new();
        for dir in ["fixtures/stories", "fixtures/gold"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("fixtures dir") {
                let name = entry.expect("entry").file_name().to_string_lossy().to_string();
                if name.ends_with(".txt") {
                    on_disk.push(format!("{dir}/{name}"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = FIXTURES.iter().map(|f| f.path.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "list new fixtures in FIXTURES (cli/demo.rs)");
        assert!(FIXTURES.iter().all(|f| !f.text.trim().is_empty()));
    }

    #[test]
    fn the_schedule_sends_each_fixture_once_and_copies_every_third_from_another_outlet() {
        let steps = schedule(7);
        let fixtures: Vec<usize> = steps.iter().map(|s| s.fixture).collect();
        assert_eq!(fixtures, [0, 1, 2, 2, 3, 4, 5, 5, 6]);
        assert_ne!(
            steps[2].outlet, steps[3].outlet,
            "a copy comes from another outlet"
        );
    }
}
