//! The parsed query: a tree of AND / OR / NOT over field matches and time bounds.

use std::fmt;

/// A field a term can be restricted to (`headline:`, `person:` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Headline,
    Body,
    Source,
    Lang,
    Topic,
    Person,
    Org,
    Place,
    Company,
    Ticker,
    Entity,
    Said,
}

impl Field {
    /// Every field a value can be matched in, in the order the grammar lists them.
    pub const ALL: [Field; 12] = [
        Field::Headline,
        Field::Body,
        Field::Source,
        Field::Lang,
        Field::Topic,
        Field::Person,
        Field::Org,
        Field::Place,
        Field::Company,
        Field::Ticker,
        Field::Entity,
        Field::Said,
    ];

    /// The name as written in a query, without the colon.
    pub fn name(self) -> &'static str {
        match self {
            Field::Headline => "headline",
            Field::Body => "body",
            Field::Source => "source",
            Field::Lang => "lang",
            Field::Topic => "topic",
            Field::Person => "person",
            Field::Org => "org",
            Field::Place => "place",
            Field::Company => "company",
            Field::Ticker => "ticker",
            Field::Entity => "entity",
            Field::Said => "said",
        }
    }

    /// The field named `name` (case-insensitive), if there is one.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// True for the fields that match resolved entities rather than text.
    pub fn is_entity(self) -> bool {
        matches!(
            self,
            Field::Person | Field::Org | Field::Place | Field::Company | Field::Ticker | Field::Entity
        )
    }
}

/// What a term matches: a word, a prefix (`sanction*`) or a phrase (`"central bank"`).
///
/// The text is kept as the user wrote it (case included); normalising it (lowercase,
/// stemming) is the analyzer's job, so that search and matching normalise alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Word(String),
    Prefix(String),
    Phrase(String),
}

impl Value {
    /// The raw text of the value, without quotes or the trailing `*`.
    pub fn text(&self) -> &str {
        match self {
            Value::Word(s) | Value::Prefix(s) | Value::Phrase(s) => s,
        }
    }
}

/// A bound for `since:` / `until:`: relative to now (`24h`, `7d`, `30m`) or absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBound {
    /// This long before now.
    Ago(time::Duration),
    /// An RFC 3339 instant (a bare date `2026-11-24` means its midnight UTC).
    At(time::OffsetDateTime),
}

impl TimeBound {
    /// The instant this bound stands for, given the current time.
    pub fn resolve(self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        match self {
            TimeBound::Ago(d) => now - d,
            TimeBound::At(t) => t,
        }
    }
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// All of these (at least two).
    And(Vec<Query>),
    /// Any of these (at least two).
    Or(Vec<Query>),
    /// Not this.
    Not(Box<Query>),
    /// A value in one field, or (`field: None`) in the default fields: headline and body.
    Match { field: Option<Field>, value: Value },
    /// Published at or after the bound.
    Since(TimeBound),
    /// Published before the bound.
    Until(TimeBound),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Word(w) => write!(f, "{w}"),
            Value::Prefix(p) => write!(f, "{p}*"),
            // Escaped as the parser unescapes, so that any phrase survives a round trip.
            Value::Phrase(p) => {
                write!(f, "\"")?;
                for c in p.chars() {
                    if matches!(c, '"' | '\\') {
                        write!(f, "\\")?;
                    }
                    write!(f, "{c}")?;
                }
                write!(f, "\"")
            }
        }
    }
}

fn fmt_bound(b: &TimeBound, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match b {
        TimeBound::Ago(d) => {
            let s = d.whole_seconds();
            if s % 86_400 == 0 {
                write!(f, "{}d", s / 86_400)
            } else if s % 3600 == 0 {
                write!(f, "{}h", s / 3600)
            } else if s % 60 == 0 {
                write!(f, "{}m", s / 60)
            } else {
                write!(f, "{s}s")
            }
        }
        TimeBound::At(t) => {
            let s = t
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|_| fmt::Error)?;
            write!(f, "{s}")
        }
    }
}

/// Renders the query back in the grammar, fully parenthesised, so that parsing the
/// output gives the same tree.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::And(qs) | Query::Or(qs) => {
                let op = if matches!(self, Query::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                write!(f, "(")?;
                for (i, q) in qs.iter().enumerate() {
                    if i > 0 {
                        write!(f, "{op}")?;
                    }
                    write!(f, "{q}")?;
                }
                write!(f, ")")
            }
            Query::Not(q) => write!(f, "NOT {q}"),
            Query::Match {
                field: Some(fl),
                value,
            } => write!(f, "{}:{value}", fl.name()),
            Query::Match { field: None, value } => write!(f, "{value}"),
            Query::Since(b) => {
                write!(f, "since:")?;
                fmt_bound(b, f)
            }
            Query::Until(b) => {
                write!(f, "until:")?;
                fmt_bound(b, f)
            }
        }
    }
}
