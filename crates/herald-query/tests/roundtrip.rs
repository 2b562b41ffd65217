//! Property tests of the parser: printing a query and parsing it back gives the same tree,
//! and no input, however odd, makes the parser panic or report a position outside it.

use herald_query::{Field, Query, QueryError, TimeBound, Value, parse};
use proptest::prelude::*;
use time::{Duration, OffsetDateTime, UtcOffset};

/// A word the parser reads back as that word: no operator, no field prefix, no leading
/// sign, no trailing star.
fn plain_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9.'&-]{0,8}",
        "[0-9]{1,2}:[0-9]{2}",
        Just("Zürich".to_string()),
        Just("東京".to_string()),
        Just("U.S.".to_string()),
    ]
    .prop_filter("operators are not words", |w| {
        !matches!(w.as_str(), "AND" | "OR" | "NOT")
    })
}

/// A value after `field:` may also hold colons and slashes, and may read like an operator.
fn field_word() -> impl Strategy<Value = String> {
    prop_oneof![
        plain_word(),
        "[A-Za-z][A-Za-z0-9:/._-]{0,10}",
        Just("AND".to_string())
    ]
}

fn phrase() -> impl Strategy<Value = String> {
    "[A-Za-z \"\\\\“”()*:-]{1,14}".prop_filter("not blank", |p| !p.trim().is_empty())
}

fn prefix() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9]{1,8}"
}

fn value(in_field: bool) -> BoxedStrategy<Value> {
    let word = if in_field {
        field_word().boxed()
    } else {
        plain_word().boxed()
    };
    prop_oneof![
        word.prop_map(Value::Word),
        prefix().prop_map(Value::Prefix),
        phrase().prop_map(Value::Phrase),
    ]
    .boxed()
}

fn time_bound() -> impl Strategy<Value = TimeBound> {
    prop_oneof![
        (0i64..200_000).prop_map(|m| TimeBound::Ago(Duration::minutes(m))),
        (0i64..4_000_000_000, 0u32..1_000_000_000, -12i8..=14).prop_map(|(s, ns, h)| {
            let offset = UtcOffset::from_hms(h, 0, 0).unwrap_or(UtcOffset::UTC);
            let t = OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
                + Duration::nanoseconds(i64::from(ns));
            TimeBound::At(t.to_offset(offset))
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        4 => value(false).prop_map(|value| Query::Match { field: None, value }),
        4 => (proptest::sample::select(Field::ALL.to_vec()), value(true))
            .prop_map(|(f, value)| Query::Match { field: Some(f), value }),
        1 => time_bound().prop_map(Query::Since),
        1 => time_bound().prop_map(Query::Until),
    ]
}

/// Groups as the parser builds them: an AND holds no AND directly, an OR no OR.
fn flat(items: Vec<Query>, and: bool) -> Query {
    let mut out = Vec::new();
    for q in items {
        match q {
            Query::And(qs) if and => out.extend(qs),
            Query::Or(qs) if !and => out.extend(qs),
            q => out.push(q),
        }
    }
    if and { Query::And(out) } else { Query::Or(out) }
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| flat(v, true)),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| flat(v, false)),
            inner.prop_map(|q| Query::Not(Box::new(q))),
        ]
    })
}

/// What every error must satisfy: a place inside the input, a column that agrees with it,
/// and a rendering that does not panic.
fn check_error(input: &str, e: &QueryError) -> Result<(), TestCaseError> {
    prop_assert!(e.offset <= input.len(), "{e:?} outside {input:?}");
    prop_assert!(input.is_char_boundary(e.offset));
    let before = input.get(..e.offset).unwrap_or("");
    prop_assert_eq!(e.column, before.chars().count() + 1);
    prop_assert!(!e.message.is_empty());
    prop_assert!(e.render(input).contains('^'));
    Ok(())
}

/// Whatever parses prints as something that parses back to the same tree.
fn check_input(input: &str) -> Result<(), TestCaseError> {
    match parse(input) {
        Ok(q) => {
            let printed = q.to_string();
            prop_assert_eq!(parse(&printed), Ok(q), "{:?} printed as {:?}", input, printed);
        }
        Err(e) => check_error(input, &e)?,
    }
    Ok(())
}

fn special_mix() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(vec![
        "(",
        ")",
        "\"",
        "“",
        "”",
        "-",
        "+",
        "*",
        ":",
        "\\",
        " ",
        " ",
        "AND",
        "OR",
        "NOT",
        "a",
        "ab",
        "person",
        "since",
        "24h",
        "2026-11-24",
        "é",
        "\t",
        "foo",
        "http",
        "//",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_queries_parse_back_to_the_same_tree(q in query()) {
        let printed = q.to_string();
        prop_assert_eq!(parse(&printed), Ok(q), "printed as {}", printed);
    }

    #[test]
    fn never_panics_on_arbitrary_text(input in "\\PC*") {
        check_input(&input)?;
    }

    #[test]
    fn never_panics_on_special_characters(input in special_mix()) {
        check_input(&input)?;
    }
}
