//! Enrichment as a client of a real node sees it: entities, quotes, topics and figures on
//! stored stories; entity and speaker search; `/v1/quotes`; `/v1/entities` (look up, one
//! entity with alias candidates, add one); near-duplicates across sources; bad input.

mod common;

use common::TestNode;
use serde_json::{Value, json};

/// A minister quoted twice, once about sanctions.
const TANKERS: &str = "Lindqvist Vows Wider Sanctions on Shadow Tanker Fleet

Foreign Minister Anna Lindqvist said on Thursday that Sweden would push for sanctions on a further 14 shipping companies accused of moving oil through the Baltic in ageing tankers with no proper insurance.

“Sanctions only bite when every gap is closed,” Lindqvist said after talks with Nordic counterparts in Stockholm. “We will close the gaps one by one, starting with the ports.”

Officials estimate that at least $2.4 billion worth of crude passed through the Baltic on such vessels this year. Coast guard crews have boarded three tankers since August.
";

/// The armed group named only as "ISIL"; a local force named with "also known as".
const VILLAGES: &str = "Iraqi Troops Push ISIL Fighters Out of Desert Villages

Iraqi troops backed by air strikes drove ISIL fighters out of four villages west of Mosul on Sunday, the defence ministry said, in the largest operation in the area this year.

At least 23 militants were killed and 6 soldiers were wounded, a ministry statement said. The group, which Iraqi officials call ISIL, had used the villages to store weapons and fuel.

The Nineveh Plains Protection Force, also known as the Sahl Guard, held the roads to the south during the assault.

\"The villages are fully under our control,\" a military spokesman told reporters.
";

/// The same minister later, on the same group under another name ("Daesh").
const FINANCIERS: &str = "Sweden Targets Daesh Financiers With Asset Freezes

Sweden will freeze the assets of nine people accused of raising money for Daesh through charities and money transfer shops, Foreign Minister Anna Lindqvist said on Monday.

“Our sanctions must follow the money wherever it goes,” Lindqvist said in parliament. She said the list had been drawn up with Finnish and Danish officials.

Prosecutors say about 3 million kronor was sent to the group over two years.
";

async fn publish(node: &TestNode, text: &str, source: &str, at: &str) -> String {
    let (s, v) = node
        .publish_text(text, &format!("?source={source}&published_at={at}"))
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|x| x[key].as_str().map(str::to_string))
        .collect()
}

/// Publishes the three stories (and a re-send of the first by another wire).
async fn newsroom() -> (TestNode, [String; 4]) {
    let node = TestNode::start().await;
    let tankers = publish(&node, TANKERS, "wire-north", "2026-11-20T09:00:00Z").await;
    let villages = publish(&node, VILLAGES, "wire-north", "2026-11-22T07:15:00Z").await;
    let financiers = publish(&node, FINANCIERS, "wire-north", "2026-11-24T12:40:00Z").await;
    // Another wire re-sends the tanker story with one phrase changed.
    let resent = TANKERS.replace("with no proper insurance", "without proper insurance");
    let resend = publish(&node, &resent, "wire-south", "2026-11-20T09:30:00Z").await;
    node.wait_indexed().await;
    (node, [tankers, villages, financiers, resend])
}

#[tokio::test]
async fn stored_stories_carry_entities_quotes_topics_figures() {
    let (node, [tankers, villages, _, resend]) = newsroom().await;
    let (s, story) = node.get_json(&format!("/v1/stories/{tankers}")).await;
    assert_eq!(s, 200);
    let entities = ids(&story["entities"], "id");
    assert!(entities.contains(&"kb:place/sweden".to_string()), "{entities:?}");
    assert!(
        entities.contains(&"kb:place/city/stockholm-se".to_string()),
        "{entities:?}"
    );
    let lindqvist = story["entities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Anna Lindqvist")
        .expect("the minister is an entity");
    let quotes = story["quotes"].as_array().unwrap();
    assert_eq!(quotes.len(), 2, "{quotes:?}");
    for q in quotes {
        assert_eq!(
            q["speaker"], lindqvist["id"],
            "both quotes are the minister's: {q}"
        );
    }
    assert!(
        quotes[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Sanctions only bite")
    );
    assert_eq!(story["topics"][0]["code"], "diplomacy", "{}", story["topics"]);
    assert!(story["topics"][0]["score"].as_f64().unwrap() > 0.0);
    let figures: Vec<&str> = story["figures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["text"].as_str())
        .collect();
    assert!(figures.contains(&"at least $2.4 billion"), "{figures:?}");
    assert!(figures.contains(&"14 shipping companies"), "{figures:?}");
    assert_eq!(story["language"], "en");
    assert!(story["duplicate_of"].is_null());

    let (_, story) = node.get_json(&format!("/v1/stories/{villages}")).await;
    assert!(ids(&story["entities"], "id").contains(&"kb:group/islamic-state".to_string()));
    assert_eq!(story["topics"][0]["code"], "conflict");

    // The same story from a second wire, lightly edited: folded onto the first.
    let (_, copy) = node.get_json(&format!("/v1/stories/{resend}")).await;
    assert_ne!(resend, tankers, "another source makes another story");
    assert_eq!(copy["duplicate_of"].as_str(), Some(tankers.as_str()));

    // Search shows both copies, or folds the later one away on request.
    let (s, r) = node.get_json("/v1/search?q=insurance&sort=time").await;
    assert_eq!(s, 200, "{r}");
    let hits = ids(&r["hits"], "id");
    assert!(hits.contains(&tankers) && hits.contains(&resend), "{hits:?}");
    let copy_hit = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == resend.as_str())
        .unwrap();
    assert_eq!(copy_hit["duplicate_of"].as_str(), Some(tankers.as_str()));
    let (s, r) = node.get_json("/v1/search?q=insurance&sort=time&fold=true").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(ids(&r["hits"], "id"), std::slice::from_ref(&tankers), "{r}");
    assert_eq!(r["folded"], 1);
    let (s, r) = node.get_json("/v1/search?q=insurance&fold=maybe").await;
    assert_eq!(s, 400, "{r}");
}

#[tokio::test]
async fn entity_and_speaker_search_and_quotes_endpoint() {
    let (node, [tankers, villages, financiers, resend]) = newsroom().await;
    // Only "ISIL" is in the village story; an alias finds it.
    let (s, r) = node.get_json("/v1/search?q=entity:Daesh").await;
    assert_eq!(s, 200, "{r}");
    let hits = ids(&r["hits"], "id");
    assert!(hits.contains(&villages), "{hits:?}");
    assert!(hits.contains(&financiers), "{hits:?}");
    assert!(!hits.contains(&tankers));

    let (_, r) = node
        .get_json("/v1/search?q=said:Lindqvist%20sanctions&sort=time")
        .await;
    let hits = ids(&r["hits"], "id");
    assert_eq!(hits, [financiers.clone(), resend.clone(), tankers.clone()]);

    // What did Lindqvist say about sanctions: newest first, only the quotes about them.
    let (s, r) = node.get_json("/v1/quotes?speaker=Lindqvist&q=sanctions").await;
    assert_eq!(s, 200, "{r}");
    let quotes = r["quotes"].as_array().unwrap();
    let texts: Vec<&str> = quotes.iter().filter_map(|q| q["quote"].as_str()).collect();
    assert_eq!(
        texts,
        [
            "Our sanctions must follow the money wherever it goes,",
            "Sanctions only bite when every gap is closed,",
            "Sanctions only bite when every gap is closed,",
        ]
    );
    let first = &quotes[0];
    assert_eq!(first["speaker"], "Anna Lindqvist");
    assert!(first["speaker_id"].as_str().unwrap().contains("lindqvist"));
    assert_eq!(first["story"]["id"].as_str(), Some(financiers.as_str()));
    assert_eq!(
        first["story"]["headline"],
        "Sweden Targets Daesh Financiers With Asset Freezes"
    );
    assert_eq!(first["story"]["source"]["id"], "wire-north");
    assert_eq!(first["story"]["published_at"], "2026-11-24T12:40:00Z");
    assert!(r["next_cursor"].is_null());

    // Without q, every quote of hers; a page at a time, the cursor going through a story.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let (s, r) = node
            .get_json(&format!(
                "/v1/quotes?speaker=anna%20lindqvist&limit=2&cursor={cursor}"
            ))
            .await;
        assert_eq!(s, 200, "{r}");
        let page = r["quotes"].as_array().unwrap();
        assert!(page.len() <= 2);
        for q in page {
            seen.push((
                q["story"]["id"].as_str().unwrap().to_string(),
                q["quote"].as_str().unwrap().to_string(),
            ));
        }
        match r["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen[0].0, financiers);
    assert_eq!(seen[1].0, resend);
    assert_eq!(seen[2].0, resend);
    assert_ne!(seen[1].1, seen[2].1);
    assert_eq!(seen[3].0, tankers);
    assert_eq!(seen[4].0, tankers);

    // A name that no quote carries: nothing, not an error.
    let (s, r) = node.get_json("/v1/quotes?speaker=Salminen").await;
    assert_eq!(s, 200);
    assert_eq!(r["quotes"], json!([]));
}

#[tokio::test]
async fn entities_lookup_detail_candidates_and_add() {
    let (node, [_, villages, financiers, _]) = newsroom().await;

    let (s, list) = node.get_json("/v1/entities?q=Daesh").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list[0]["id"], "kb:group/islamic-state");
    assert_eq!(list[0]["name"], "Islamic State");
    assert!(list[0]["aliases"].as_array().unwrap().len() <= 10);
    let (_, list) = node.get_json("/v1/entities?prefix=Stockh&limit=3").await;
    assert!(
        ids(&list, "id").contains(&"kb:place/city/stockholm-se".to_string()),
        "{list}"
    );
    assert!(list.as_array().unwrap().len() <= 3);

    // The id raw and percent-encoded: the same answer.
    let (s, raw) = node.get_json("/v1/entities/kb:group/islamic-state").await;
    assert_eq!(s, 200, "{raw}");
    let (s, encoded) = node.get_json("/v1/entities/kb%3Agroup%2Fislamic-state").await;
    assert_eq!(s, 200, "{encoded}");
    assert_eq!(raw, encoded);
    assert_eq!(raw["name"], "Islamic State");
    assert_eq!(raw["kind"], "org");
    assert!(
        raw["aliases"].as_array().unwrap().contains(&json!("ISIL")),
        "{}",
        raw["aliases"]
    );
    assert!(
        raw["relations"]
            .as_array()
            .unwrap()
            .contains(&json!({"relation": "successor_of", "target": "kb:group/islamic-state-of-iraq"})),
        "{}",
        raw["relations"]
    );
    assert_eq!(ids(&raw["stories"], "id"), [financiers.clone(), villages.clone()]);
    // The entities most often named beside it, most frequent first, never itself.
    let co = raw["co_mentioned"].as_array().unwrap();
    assert!(!co.is_empty(), "{raw}");
    assert!(co.iter().all(|c| c["id"] != "kb:group/islamic-state"), "{co:?}");
    let counts: Vec<u64> = co.iter().map(|c| c["stories"].as_u64().unwrap()).collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]) && counts[0] <= 2,
        "{counts:?}"
    );

    // A force only the story knows, with the alias the story gave it.
    let (s, force) = node
        .get_json("/v1/entities/doc:nineveh-plains-protection-force")
        .await;
    assert_eq!(s, 200, "{force}");
    assert_eq!(force["name"], "Nineveh Plains Protection Force");
    assert_eq!(force["kind"], "org");
    assert_eq!(ids(&force["stories"], "id"), [villages.as_str()]);
    let candidates = force["candidates"].as_array().unwrap();
    assert_eq!(candidates[0]["alias"], "Sahl Guard", "{candidates:?}");
    assert_eq!(candidates[0]["story"].as_str(), Some(villages.as_str()));
    assert!(
        candidates[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("also known as")
    );

    let (s, e) = node.get_json("/v1/entities/doc:nobody-has-heard-of-this").await;
    assert_eq!(s, 404);
    assert_eq!(e["error"]["code"], "not_found");

    // A user adds an organisation; the next story that names it by its acronym links it.
    let (s, added) = post_entity(
        &node,
        &json!({"kind": "org", "name": "Harbour Pilots Guild", "aliases": ["HPG"], "roles": []}),
    )
    .await;
    assert_eq!(s, 201, "{added}");
    assert_eq!(added["id"], "kb:user/org/harbour-pilots-guild");
    let text = "Pilots Refuse to Guide Ships Into Gothenburg\n\nMembers of the HPG refused to guide cargo ships into Gothenburg on Friday in a dispute over night shifts.\n";
    let story = publish(&node, text, "wire-north", "2026-11-25T06:00:00Z").await;
    let (_, stored) = node.get_json(&format!("/v1/stories/{story}")).await;
    assert!(
        ids(&stored["entities"], "id").contains(&"kb:user/org/harbour-pilots-guild".to_string()),
        "{}",
        stored["entities"]
    );
    node.wait_indexed().await;
    let (s, guild) = node
        .get_json("/v1/entities/kb:user/org/harbour-pilots-guild")
        .await;
    assert_eq!(s, 200, "{guild}");
    assert_eq!(guild["name"], "Harbour Pilots Guild");
    assert_eq!(guild["aliases"], json!(["HPG"]));
    assert_eq!(ids(&guild["stories"], "id"), [story]);
    let (_, list) = node.get_json("/v1/entities?q=HPG").await;
    assert_eq!(list[0]["id"], "kb:user/org/harbour-pilots-guild");
}

async fn post_entity(node: &TestNode, body: &Value) -> (u16, Value) {
    let r = node
        .http
        .post(node.url("/v1/entities"))
        .json(body)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let node = TestNode::start().await;
    let message = |v: &Value| v["error"]["message"].as_str().unwrap_or("").to_string();

    let (s, e) = node.get_json("/v1/quotes?q=sanctions").await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("speaker is required"), "{e}");
    let (s, e) = node
        .get_json("/v1/quotes?speaker=Lindqvist&q=sanctions%20(")
        .await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["code"], "bad_query");
    assert!(e["error"]["column"].as_u64().is_some(), "{e}");
    let (s, e) = node.get_json("/v1/quotes?speaker=Lindqvist&limit=0").await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("limit"), "{e}");
    let (s, e) = node.get_json("/v1/quotes?speaker=Lindqvist&cursor=next").await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("cursor"), "{e}");
    let (s, e) = node.get_json("/v1/entities").await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("q is required"), "{e}");

    let (s, e) = post_entity(&node, &json!({"kind": "org", "name": "Port\tAuthority"})).await;
    assert_eq!(s, 400);
    assert_eq!(e["error"]["code"], "invalid_entity");
    assert!(message(&e).contains("tabs"), "{e}");
    let (s, e) = post_entity(
        &node,
        &json!({"kind": "org", "name": "Port Authority", "aliases": ["A|B"]}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("'|'"), "{e}");
    let (s, e) = post_entity(&node, &json!({"kind": "org", "name": "  "})).await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("name must not be empty"), "{e}");
    let (s, e) = post_entity(
        &node,
        &json!({"kind": "org", "name": "Port Authority", "id": "org/port"}),
    )
    .await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("must start with \"kb:\""), "{e}");
    let (s, e) = post_entity(&node, &json!({"kind": "army", "name": "Port Authority"})).await;
    assert_eq!(s, 400);
    assert!(message(&e).contains("kind"), "{e}");
    let r = node
        .http
        .post(node.url("/v1/entities"))
        .body("kind=org")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Nothing bad was written: the node still adds a good entity.
    let (s, _) = post_entity(&node, &json!({"kind": "org", "name": "Port Authority"})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn boilerplate_a_source_repeats_is_learned_and_cut_from_its_next_stories() {
    let node = TestNode::start().await;
    let beats = [
        (
            "Grain",
            "Wheat futures rose on Tuesday as dry weather lingered over the plains.",
        ),
        (
            "Copper",
            "Copper prices slipped after warehouse stocks climbed for a third week.",
        ),
        (
            "Coffee",
            "Arabica coffee gained as frost warnings spread across the growing regions.",
        ),
        (
            "Cocoa",
            "Cocoa extended its rally while exporters held back new shipments.",
        ),
        (
            "Sugar",
            "Raw sugar fell as mills reported a faster start to the crushing season.",
        ),
        (
            "Cotton",
            "Cotton futures steadied after a week of heavy selling by funds.",
        ),
        (
            "Nickel",
            "Nickel jumped after a smelter in the south halted two furnaces.",
        ),
        ("Zinc", "Zinc edged lower as demand from galvanisers stayed soft."),
    ];
    for (i, (topic, lead)) in beats.iter().enumerate() {
        let text = format!(
            "{topic} Market Report {i}\n\n{lead} Traders said volumes were thin ahead of the holiday.\n\n\
             Reporting by Desk Staff {i}; editing by Night Editor\n\n\
             Follow the commodities desk for more market news every morning."
        );
        publish(&node, &text, "wire-commodities", "2026-11-20T09:00:00Z").await;
    }
    // The next story from that source loses both lines; another source keeps them.
    let text = "Oats Market Report\n\nOats rallied on Friday as rain delayed the harvest in the north. \
                Millers said stocks were low.\n\nReporting by Desk Staff 9; editing by Night Editor\n\n\
                Follow the commodities desk for more market news every morning.";
    let learned = publish(&node, text, "wire-commodities", "2026-11-21T09:00:00Z").await;
    let other = publish(&node, text, "wire-elsewhere", "2026-11-21T09:00:00Z").await;
    let (_, story) = node.get_json(&format!("/v1/stories/{learned}")).await;
    let body = story["body"].as_str().unwrap();
    assert!(body.starts_with("Oats rallied"), "{body}");
    assert!(!body.contains("Reporting by"), "credit line cut: {body}");
    assert!(!body.contains("Follow the commodities desk"), "promo cut: {body}");
    let (_, story) = node.get_json(&format!("/v1/stories/{other}")).await;
    let body = story["body"].as_str().unwrap();
    assert!(
        body.contains("Reporting by") && body.contains("Follow the commodities desk"),
        "{body}"
    );
}

#[tokio::test]
async fn entity_files_dropped_into_the_data_dir_extend_the_knowledge_base() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    // A new organisation, and another name for one the embedded KB knows.
    std::fs::write(
        kb.join("desk.tsv"),
        "id\tentity_kind\tcategory\tname\taliases\troles\tticker\trelations\tsource\n\
         kb:user/org/tidewater-pilots\torg\tunion\tTidewater Pilots Association\tTPA\t\t\t\tdesk\n\
         kb:group/islamic-state\torg\tjihadist\tIslamic State\tthe Caliphate Group\t\t\t\tdesk\n",
    )
    .unwrap();
    let mut node = TestNode::start_in(tmp.path().to_path_buf(), |_| {}).await;
    let text = "Harbour Pilots Walk Out\n\nMembers of the TPA stopped guiding ships into port on Monday, \
                while the Caliphate Group claimed an attack far inland.";
    let id = publish(&node, text, "wire-harbour", "2026-11-22T08:00:00Z").await;
    let (_, story) = node.get_json(&format!("/v1/stories/{id}")).await;
    let entities = ids(&story["entities"], "id");
    assert!(
        entities.contains(&"kb:user/org/tidewater-pilots".to_string()),
        "{entities:?}"
    );
    assert!(
        entities.contains(&"kb:group/islamic-state".to_string()),
        "{entities:?}"
    );
    node.stop().await;
    drop(tmp);
}
