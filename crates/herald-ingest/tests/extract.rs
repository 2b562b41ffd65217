//! Article extraction from realistic pages: the story text is kept in paragraphs, and the
//! navigation, sidebars, comments, ads and scripts around it are not.

use herald_ingest::extract::{ExtractError, MAX_HTML, extract_article};

fn page(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/pages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Marker words planted in the page furniture of the fixtures; none may survive.
const FURNITURE: &[&str] = &[
    "NAV-",
    "SIDEBAR-TEXT",
    "COMMENT-TEXT",
    "ADVERT-TEXT",
    "FOOTER-TEXT",
    "TRACKER-SCRIPT-TEXT",
    "STYLE-TEXT",
    "COOKIE-TEXT",
    "PROMO-TEXT",
];

fn assert_no_furniture(text: &str) {
    for marker in FURNITURE {
        assert!(!text.contains(marker), "{marker} leaked into:\n{text}");
    }
}

#[test]
fn a_local_news_page_yields_its_story_in_paragraphs() {
    let a = extract_article(
        &page("harbour-ferry.html"),
        "https://courier.example/harbour/night-ferry",
    )
    .unwrap();
    assert_eq!(
        a.title.as_deref(),
        Some("Night ferry to Skerrow returns after two-year pause")
    );
    assert_eq!(a.byline.as_deref(), Some("By Marta Quell, Harbour correspondent"));
    let paras: Vec<&str> = a.text.split("\n\n").collect();
    assert_eq!(paras.len(), 5, "{paras:#?}");
    assert!(paras[0].starts_with("The overnight crossing between Port Aldwin"));
    assert!(paras[3].starts_with("\"People have been asking"));
    assert!(paras[4].ends_with("online from Thursday."));
    assert!(paras.iter().all(|p| !p.contains('\n') && !p.contains("  ")));
    assert_no_furniture(&a.text);
}

#[test]
fn a_council_story_loses_its_byline_line_promo_and_comments() {
    let a = extract_article(
        &page("council-budget.html"),
        "https://post.example/politics/budget",
    )
    .unwrap();
    assert_eq!(
        a.title.as_deref(),
        Some("Valebridge council agrees budget with library hours protected")
    );
    assert_eq!(a.byline.as_deref(), Some("Owen Tarrant"));
    assert!(
        a.text.starts_with("Councillors in Valebridge voted"),
        "{}",
        a.text
    );
    // The subheading stays, as its own paragraph, in its place.
    assert!(
        a.text
            .contains("a decade.\n\nSavings found elsewhere\n\nTo pay for")
    );
    assert!(a.text.ends_with("would be harder still."));
    assert!(!a.text.contains("RELATED-TEXT"), "{}", a.text);
    assert_no_furniture(&a.text);
}

#[test]
fn a_latin1_page_is_decoded_by_its_declared_charset() {
    let a = extract_article(&page("latin1-ferry.html"), "https://bote.example/a/1").unwrap();
    assert!(a.title.unwrap().starts_with("Fähre nach Möwenwerder"));
    assert_eq!(a.byline.as_deref(), Some("Von Jörg Ländler"));
    assert!(a.text.contains("Überfahrt am Tag"));
    assert_eq!(a.text.split("\n\n").count(), 3);
    assert_no_furniture(&a.text);
}

#[test]
fn a_login_wall_is_no_article() {
    let e = extract_article(&page("login-wall.html"), "https://ledger.example/markets/x").unwrap_err();
    assert!(matches!(e, ExtractError::NoArticle { .. }), "{e:?}");
    assert!(e.to_string().contains("https://ledger.example/markets/x"), "{e}");
    let e = extract_article(b"", "https://ledger.example/empty").unwrap_err();
    assert!(matches!(e, ExtractError::NoArticle { .. }), "{e:?}");
}

#[test]
fn a_relative_page_url_is_refused() {
    let e = extract_article(&page("harbour-ferry.html"), "/harbour/night-ferry").unwrap_err();
    assert!(matches!(e, ExtractError::BadUrl { .. }), "{e:?}");
}

#[test]
fn html_past_the_size_cap_is_not_read() {
    // An article placed after MAX_HTML bytes of padding is never seen.
    let mut html = b"<html><body><!--".to_vec();
    html.resize(MAX_HTML + 10, b'x');
    html.extend_from_slice(b"-->");
    html.extend_from_slice(&page("harbour-ferry.html"));
    let e = extract_article(&html, "https://courier.example/big").unwrap_err();
    assert!(matches!(e, ExtractError::NoArticle { .. }), "{e:?}");
}

#[test]
fn a_page_of_too_many_elements_is_refused() {
    let mut html = String::from("<html><body><article>");
    for _ in 0..70_000 {
        html.push_str("<b></b>");
    }
    html.push_str("</article></body></html>");
    let e = extract_article(html.as_bytes(), "https://courier.example/huge").unwrap_err();
    assert!(matches!(e, ExtractError::TooComplex { .. }), "{e:?}");
}
