//! The query parser: text in the grammar of DESIGN §4 to a [`Query`], or a [`QueryError`]
//! that points at the character that is wrong.
//!
//! Two stages, both bounded by [`MAX_QUERY_BYTES`]: a lexer turns the text into tokens
//! (words, phrases and `field:value` terms are resolved here, so that their errors point
//! inside the term), then a recursive-descent parser builds the tree, with its depth capped
//! at [`MAX_DEPTH`] so that hostile input cannot overflow the stack.

use crate::ast::{Field, Query, TimeBound, Value};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime};

/// Longest query accepted, in bytes. Queries come from URLs and alert definitions; a
/// longer one is a mistake or an attack, and the cap bounds the parser's memory.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Deepest nesting of parentheses and `NOT`s accepted.
pub const MAX_DEPTH: usize = 64;

/// Fewest characters before a prefix's `*`: shorter prefixes expand to most of the
/// dictionary, which is slow for the index and useless to the reader.
pub const MIN_PREFIX_CHARS: usize = 2;

/// Longest relative time bound (`since:36525d`): a century. It keeps `now - bound`
/// representable, so resolving a bound can never overflow.
const MAX_AGO_SECONDS: i64 = 36_525 * 86_400;

/// A query that does not parse: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at column {column}")]
pub struct QueryError {
    /// What is wrong, in words for the person who typed the query.
    pub message: String,
    /// Byte offset of the offending character (the input's length when the input ended too soon).
    pub offset: usize,
    /// 1-based character column of the same place.
    pub column: usize,
}

impl QueryError {
    /// An error at byte `offset` of `input`; the column is counted in characters.
    fn at(input: &str, offset: usize, message: impl Into<String>) -> QueryError {
        let offset = floor_char_boundary(input, offset);
        let column = input.get(..offset).map_or(0, |s| s.chars().count()) + 1;
        QueryError {
            message: message.into(),
            offset,
            column,
        }
    }

    /// The line of `input` holding the error, and under it a caret at the offending
    /// character followed by the message — what the CLI prints.
    ///
    /// ```
    /// let input = "person:";
    /// let err = herald_query::parse(input).unwrap_err();
    /// assert_eq!(err.render(input), "person:\n       ^ expected a value after 'person:'");
    /// ```
    pub fn render(&self, input: &str) -> String {
        let offset = floor_char_boundary(input, self.offset);
        let before = input.get(..offset).unwrap_or("");
        let after = input.get(offset..).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let head = before.get(line_start..).unwrap_or("");
        let tail = after.split('\n').next().unwrap_or("");
        // Tabs are copied so that the caret lines up however wide the terminal draws them.
        let pad: String = head.chars().map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        format!("{head}{tail}\n{pad}^ {}", self.message)
    }
}

/// The largest char boundary of `s` at or below `offset` (at most `s.len()`).
fn floor_char_boundary(s: &str, offset: usize) -> usize {
    let mut o = offset.min(s.len());
    while !s.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// Parses a query in Herald's query language (DESIGN §4).
///
/// ```
/// use herald_query::{parse, Field, Query, Value};
/// let q = parse("person:Okafor OR harbour strike").unwrap();
/// assert_eq!(q.to_string(), "(person:Okafor OR (harbour AND strike))");
/// let err = parse("harbour AND").unwrap_err();
/// assert_eq!(err.column, 9);
/// ```
pub fn parse(input: &str) -> Result<Query, QueryError> {
    if input.len() > MAX_QUERY_BYTES {
        return Err(QueryError::at(
            input,
            MAX_QUERY_BYTES,
            format!("the query is longer than {MAX_QUERY_BYTES} bytes"),
        ));
    }
    if input.trim().is_empty() {
        return Err(QueryError::at(input, 0, "the query is empty"));
    }
    let mut parser = Parser {
        input,
        tokens: Lexer::new(input).run(),
        pos: 0,
    };
    let query = parser.or(0)?;
    match parser.peek() {
        (Tag::End, _) => Ok(query),
        (Tag::RParen, off) => Err(QueryError::at(input, off, "')' has no matching '('")),
        (Tag::Fail, _) => Err(parser.take_error()),
        (tag, off) => Err(QueryError::at(
            input,
            off,
            format!("unexpected {}", tag.describe()),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Lexer

/// What a token is; [`Kind::Term`] carries its parsed atom, [`Kind::Fail`] the lexing
/// error that ended the token stream (reported only if the parser gets that far, so
/// errors come out in reading order).
#[derive(Debug)]
enum Kind {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Minus,
    Term(Query),
    End,
    Fail(QueryError),
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    /// Byte offset of the token's first character.
    offset: usize,
}

/// The payload-free shape of a token, for the parser's decisions and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Minus,
    Term,
    End,
    Fail,
}

impl Tag {
    fn of(kind: &Kind) -> Tag {
        match kind {
            Kind::LParen => Tag::LParen,
            Kind::RParen => Tag::RParen,
            Kind::And => Tag::And,
            Kind::Or => Tag::Or,
            Kind::Not => Tag::Not,
            Kind::Minus => Tag::Minus,
            Kind::Term(_) => Tag::Term,
            Kind::End => Tag::End,
            Kind::Fail(_) => Tag::Fail,
        }
    }

    /// The operator as written, for operators that need a term after them.
    fn operator(self) -> Option<&'static str> {
        match self {
            Tag::And => Some("AND"),
            Tag::Or => Some("OR"),
            Tag::Not => Some("NOT"),
            Tag::Minus => Some("-"),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Tag::LParen => "'('",
            Tag::RParen => "')'",
            Tag::And => "'AND'",
            Tag::Or => "'OR'",
            Tag::Not => "'NOT'",
            Tag::Minus => "'-'",
            Tag::Term => "a term",
            Tag::End => "the end of the query",
            Tag::Fail => "an error",
        }
    }
}

/// What a `name:` prefix names: a field to match in, or a time bound.
#[derive(Debug, Clone, Copy)]
enum Prefix {
    Match(Field),
    Since,
    Until,
}

impl Prefix {
    fn from_name(name: &str) -> Option<Prefix> {
        if name.eq_ignore_ascii_case("since") {
            Some(Prefix::Since)
        } else if name.eq_ignore_ascii_case("until") {
            Some(Prefix::Until)
        } else {
            Field::from_name(name).map(Prefix::Match)
        }
    }
}

/// Characters that end a word: they start or end groups and phrases.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '“' | '”')
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“')
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(input: &'a str) -> Lexer<'a> {
        Lexer { input, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> QueryError {
        QueryError::at(self.input, offset, message)
    }

    /// All tokens, ending with `End`, or with `Fail` at the first lexing error.
    fn run(mut self) -> Vec<Token> {
        let mut tokens = Vec::new();
        loop {
            let skipped = self.rest().len() - self.rest().trim_start().len();
            self.pos += skipped;
            let offset = self.pos;
            let Some(c) = self.peek_char() else {
                tokens.push(Token {
                    kind: Kind::End,
                    offset,
                });
                return tokens;
            };
            let kind = match c {
                '(' => {
                    self.pos += 1;
                    Kind::LParen
                }
                ')' => {
                    self.pos += 1;
                    Kind::RParen
                }
                '"' | '“' => match self.phrase() {
                    Ok(text) => Kind::Term(Query::Match {
                        field: None,
                        value: Value::Phrase(text),
                    }),
                    Err(e) => Kind::Fail(e),
                },
                '”' => Kind::Fail(self.err(offset, "closing quote '”' has no opening quote")),
                '-' | '+' => {
                    let next = self.rest().chars().nth(1);
                    if next.is_none_or(char::is_whitespace) {
                        Kind::Fail(self.err(
                            offset,
                            format!("'{c}' needs a term right after it, with no space"),
                        ))
                    } else {
                        self.pos += 1;
                        if c == '-' {
                            tokens.push(Token {
                                kind: Kind::Minus,
                                offset,
                            });
                        }
                        // `+x` means x: nothing to push.
                        continue;
                    }
                }
                _ => match self.word() {
                    Ok(kind) => kind,
                    Err(e) => Kind::Fail(e),
                },
            };
            let failed = matches!(kind, Kind::Fail(_));
            tokens.push(Token { kind, offset });
            if failed {
                return tokens;
            }
        }
    }

    /// A quoted phrase starting at the current position (on its opening quote).
    /// `\"` and `\\` escape; `“…”` works too (closed by `”` or `"`).
    fn phrase(&mut self) -> Result<String, QueryError> {
        let start = self.pos;
        let mut chars = self.rest().char_indices();
        let open = chars.next().map_or('"', |(_, c)| c);
        let mut text = String::new();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\' | '”'))) => text.push(e),
                    Some((_, e)) => {
                        text.push('\\');
                        text.push(e);
                    }
                    None => break,
                },
                '"' => {
                    end = Some(i + c.len_utf8());
                    break;
                }
                '”' if open == '“' => {
                    end = Some(i + c.len_utf8());
                    break;
                }
                _ => text.push(c),
            }
        }
        let Some(end) = end else {
            return Err(self.err(start, "this quote is never closed"));
        };
        if text.trim().is_empty() {
            return Err(self.err(start, "empty phrase: put some words between the quotes"));
        }
        self.pos += end;
        Ok(text)
    }

    /// A word, an operator, or a `field:value` term, at the current position.
    fn word(&mut self) -> Result<Kind, QueryError> {
        let start = self.pos;
        let rest = self.rest();
        let len = rest.find(ends_word).unwrap_or(rest.len());
        let run = rest.get(..len).unwrap_or("");
        self.pos += len;

        if let Some(colon) = run.find(':') {
            let name = run.get(..colon).unwrap_or("");
            let value = run.get(colon + 1..).unwrap_or("");
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic()) {
                let value_offset = start + colon + 1;
                let quoted = value.is_empty() && self.peek_char().is_some_and(is_open_quote);
                match Prefix::from_name(name) {
                    Some(_) if value.is_empty() && !quoted => {
                        return Err(self.err(value_offset, format!("expected a value after '{name}:'")));
                    }
                    Some(prefix) => {
                        return self.field_term(prefix, name, value, value_offset).map(Kind::Term);
                    }
                    // `http://…` is a word (a URL), not a field called http.
                    None if (!value.is_empty() || quoted) && !value.starts_with("//") => {
                        let names: Vec<&str> = Field::ALL
                            .iter()
                            .map(|f| f.name())
                            .chain(["since", "until"])
                            .collect();
                        return Err(self.err(
                            start,
                            format!("unknown field '{name}'; the fields are {}", names.join(", ")),
                        ));
                    }
                    // `Breaking:` followed by a space is just a word.
                    None => {}
                }
            }
        }

        match run {
            "AND" => return Ok(Kind::And),
            "OR" => return Ok(Kind::Or),
            "NOT" => return Ok(Kind::Not),
            _ => {}
        }
        let value = self.word_value(run, start)?;
        Ok(Kind::Term(Query::Match { field: None, value }))
    }

    /// The term for `name:value` (the value is either `value`, a word at `value_offset`,
    /// or the phrase at the current position when `value` is empty).
    fn field_term(
        &mut self,
        prefix: Prefix,
        name: &str,
        value: &str,
        value_offset: usize,
    ) -> Result<Query, QueryError> {
        match prefix {
            Prefix::Since | Prefix::Until => {
                if value.is_empty() {
                    return Err(self.err(value_offset, time_help(name, "a quoted phrase")));
                }
                let bound = self.time_bound(name, value, value_offset)?;
                Ok(if matches!(prefix, Prefix::Since) {
                    Query::Since(bound)
                } else {
                    Query::Until(bound)
                })
            }
            Prefix::Match(field) => {
                let value = if value.is_empty() {
                    Value::Phrase(self.phrase()?)
                } else {
                    self.word_value(value, value_offset)?
                };
                Ok(Query::Match {
                    field: Some(field),
                    value,
                })
            }
        }
    }

    /// A word or (trailing `*`) a prefix.
    fn word_value(&self, text: &str, offset: usize) -> Result<Value, QueryError> {
        let stem = text.trim_end_matches('*');
        if stem.len() == text.len() {
            return Ok(Value::Word(text.to_string()));
        }
        if stem.chars().count() < MIN_PREFIX_CHARS {
            return Err(self.err(
                offset,
                format!("prefix too short: put at least {MIN_PREFIX_CHARS} characters before the '*'"),
            ));
        }
        if text.len() - stem.len() > 1 {
            return Err(self.err(offset + stem.len() + 1, "a prefix ends with a single '*'"));
        }
        Ok(Value::Prefix(stem.to_string()))
    }

    fn time_bound(&self, name: &str, text: &str, offset: usize) -> Result<TimeBound, QueryError> {
        if let Some(ago) = parse_ago(text) {
            return match ago {
                Some(d) => Ok(TimeBound::Ago(d)),
                None => Err(self.err(offset, format!("'{name}:{text}' is more than a century ago"))),
            };
        }
        if let Ok(date) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
            return Ok(TimeBound::At(date.midnight().assume_utc()));
        }
        if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
            return Ok(TimeBound::At(t));
        }
        Err(self.err(offset, time_help(name, &format!("'{text}'"))))
    }
}

fn time_help(name: &str, got: &str) -> String {
    format!("'{name}:' takes a time like 30m, 24h, 7d, 2w, 2026-11-24 or 2026-11-24T10:00:00Z, not {got}")
}

/// `24h`-style durations: `None` if `text` is not of that shape, `Some(None)` if it is but
/// is too long ago.
fn parse_ago(text: &str) -> Option<Option<Duration>> {
    let unit = text.chars().last()?;
    let digits = text.get(..text.len() - unit.len_utf8())?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let per_unit: i64 = match unit.to_ascii_lowercase() {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let seconds = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(per_unit))
        .filter(|s| *s <= MAX_AGO_SECONDS);
    Some(seconds.map(Duration::seconds))
}

// ---------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    input: &'a str,
    /// Always ends with `End` or `Fail`; the parser never moves past that last token.
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> (Tag, usize) {
        match self.tokens.get(self.pos) {
            Some(t) => (Tag::of(&t.kind), t.offset),
            None => (Tag::End, self.input.len()),
        }
    }

    fn previous(&self) -> Option<(Tag, usize)> {
        let t = self.tokens.get(self.pos.checked_sub(1)?)?;
        Some((Tag::of(&t.kind), t.offset))
    }

    fn bump(&mut self) {
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> QueryError {
        QueryError::at(self.input, offset, message)
    }

    /// The error carried by the current `Fail` token.
    fn take_error(&mut self) -> QueryError {
        let fallback = self.err(self.peek().1, "unexpected input");
        match self
            .tokens
            .get_mut(self.pos)
            .map(|t| std::mem::replace(&mut t.kind, Kind::End))
        {
            Some(Kind::Fail(e)) => e,
            _ => fallback,
        }
    }

    /// The current `Term`'s query.
    fn take_term(&mut self) -> Query {
        let taken = self
            .tokens
            .get_mut(self.pos)
            .map(|t| std::mem::replace(&mut t.kind, Kind::End));
        self.bump();
        match taken {
            Some(Kind::Term(q)) => q,
            // Only called on a Term; an empty And (matches everything) is a harmless fallback.
            _ => Query::And(Vec::new()),
        }
    }

    fn enter(&self, depth: usize, offset: usize) -> Result<usize, QueryError> {
        if depth >= MAX_DEPTH {
            return Err(self.err(offset, format!("the query nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(depth + 1)
    }

    fn or(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut items = Vec::new();
        push_flat(&mut items, self.and(depth)?, true);
        while self.peek().0 == Tag::Or {
            self.bump();
            push_flat(&mut items, self.and(depth)?, true);
        }
        Ok(collapse(items, Query::Or))
    }

    fn and(&mut self, depth: usize) -> Result<Query, QueryError> {
        let mut items = Vec::new();
        push_flat(&mut items, self.unary(depth)?, false);
        loop {
            match self.peek().0 {
                Tag::Or | Tag::RParen | Tag::End => break,
                Tag::And => self.bump(),
                // Juxtaposition means AND.
                _ => {}
            }
            push_flat(&mut items, self.unary(depth)?, false);
        }
        Ok(collapse(items, Query::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Query, QueryError> {
        match self.peek() {
            (Tag::Not, off) => {
                let inner = self.enter(depth, off)?;
                self.bump();
                Ok(Query::Not(Box::new(self.unary(inner)?)))
            }
            (Tag::Minus, off) => {
                let inner = self.enter(depth, off)?;
                self.bump();
                Ok(Query::Not(Box::new(self.atom(inner)?)))
            }
            _ => self.atom(depth),
        }
    }

    fn atom(&mut self, depth: usize) -> Result<Query, QueryError> {
        match self.peek() {
            (Tag::Term, _) => Ok(self.take_term()),
            (Tag::Fail, _) => Err(self.take_error()),
            (Tag::LParen, open) => {
                let inner = self.enter(depth, open)?;
                self.bump();
                if let (Tag::RParen, off) = self.peek() {
                    return Err(self.err(off, "empty parentheses: put a term between them"));
                }
                let q = self.or(inner)?;
                match self.peek() {
                    (Tag::RParen, _) => {
                        self.bump();
                        Ok(q)
                    }
                    (Tag::Fail, _) => Err(self.take_error()),
                    _ => Err(self.err(open, "this '(' is never closed")),
                }
            }
            _ => Err(self.expected_term()),
        }
    }

    /// The error for a place where a term should start but does not.
    fn expected_term(&self) -> QueryError {
        let (tag, off) = self.peek();
        let prev = self.previous();
        let prev_op = prev.and_then(|(p, o)| p.operator().map(|name| (name, o)));
        match (tag, prev, prev_op) {
            (Tag::End, _, Some((op, op_off))) => {
                self.err(op_off, format!("'{op}' at the end needs a term after it"))
            }
            (Tag::End, Some((Tag::LParen, p)), _) => self.err(p, "this '(' is never closed"),
            (Tag::End, None, _) => self.err(0, "the query is empty"),
            (_, _, Some((op, _))) => self.err(
                off,
                format!("expected a term after '{op}', found {}", tag.describe()),
            ),
            (Tag::And | Tag::Or, _, None) => {
                self.err(off, format!("{} needs a term before it", tag.describe()))
            }
            (Tag::RParen, _, None) => self.err(off, "')' has no matching '('"),
            _ => self.err(off, format!("expected a term, found {}", tag.describe())),
        }
    }
}

/// Adds `q` to the items of an OR (`or == true`) or AND group, splicing in a nested group
/// of the same kind: `(a b) c` is one AND of three.
fn push_flat(items: &mut Vec<Query>, q: Query, or: bool) {
    match q {
        Query::Or(qs) if or => items.extend(qs),
        Query::And(qs) if !or => items.extend(qs),
        q => items.push(q),
    }
}

/// A one-item group is its item.
fn collapse(mut items: Vec<Query>, group: fn(Vec<Query>) -> Query) -> Query {
    if items.len() == 1
        && let Some(q) = items.pop()
    {
        return q;
    }
    group(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn w(s: &str) -> Query {
        Query::Match {
            field: None,
            value: Value::Word(s.into()),
        }
    }
    fn f(field: Field, value: Value) -> Query {
        Query::Match {
            field: Some(field),
            value,
        }
    }
    fn not(q: Query) -> Query {
        Query::Not(Box::new(q))
    }
    fn p(s: &str) -> Result<Query, QueryError> {
        parse(s)
    }
    /// The error's column and message for `input`, which must not parse.
    fn err(input: &str) -> (usize, String) {
        match parse(input) {
            Ok(q) => panic!("{input:?} parsed as {q:?}"),
            Err(e) => (e.column, e.message),
        }
    }

    #[test]
    fn precedence_not_and_or() {
        assert_eq!(
            p("a OR b c"),
            Ok(Query::Or(vec![w("a"), Query::And(vec![w("b"), w("c")])]))
        );
        assert_eq!(
            p("a b OR c"),
            Ok(Query::Or(vec![Query::And(vec![w("a"), w("b")]), w("c")]))
        );
        assert_eq!(p("NOT a b"), Ok(Query::And(vec![not(w("a")), w("b")])));
        assert_eq!(p("NOT (a b)"), Ok(not(Query::And(vec![w("a"), w("b")]))));
        assert_eq!(
            p("(a OR b) c"),
            Ok(Query::And(vec![Query::Or(vec![w("a"), w("b")]), w("c")]))
        );
    }

    #[test]
    fn juxtaposition_is_and_and_groups_flatten() {
        let abc = Ok(Query::And(vec![w("a"), w("b"), w("c")]));
        assert_eq!(p("a b c"), abc);
        assert_eq!(p("a AND b AND c"), abc);
        assert_eq!(p("(a b) c"), abc);
        assert_eq!(p("a (b AND (c))"), abc);
        assert_eq!(p("a OR (b OR c)"), Ok(Query::Or(vec![w("a"), w("b"), w("c")])));
        assert_eq!(p("((a))"), Ok(w("a")));
    }

    #[test]
    fn lower_case_operators_are_words() {
        assert_eq!(
            p("war and peace"),
            Ok(Query::And(vec![w("war"), w("and"), w("peace")]))
        );
        assert_eq!(p("or not"), Ok(Query::And(vec![w("or"), w("not")])));
    }

    #[test]
    fn not_and_minus() {
        assert_eq!(p("-tabloid"), Ok(not(w("tabloid"))));
        assert_eq!(p("NOT NOT a"), Ok(not(not(w("a")))));
        assert_eq!(
            p("strike -(harbour OR port)"),
            Ok(Query::And(vec![
                w("strike"),
                not(Query::Or(vec![w("harbour"), w("port")]))
            ]))
        );
        assert_eq!(
            p("-\"grain deal\""),
            Ok(not(Query::Match {
                field: None,
                value: Value::Phrase("grain deal".into())
            }))
        );
        assert_eq!(
            p("-source:tabloid"),
            Ok(not(f(Field::Source, Value::Word("tabloid".into()))))
        );
        assert_eq!(p("a AND NOT b"), Ok(Query::And(vec![w("a"), not(w("b"))])));
        // A hyphen inside a word is part of it.
        assert_eq!(p("co-op"), Ok(w("co-op")));
        assert_eq!(p("+harbour"), Ok(w("harbour")));
    }

    #[test]
    fn phrases() {
        let ph = |s: &str| Query::Match {
            field: None,
            value: Value::Phrase(s.into()),
        };
        assert_eq!(p("\"central bank\""), Ok(ph("central bank")));
        assert_eq!(p("“central bank”"), Ok(ph("central bank")));
        assert_eq!(p(r#""say \"no\" \\ now""#), Ok(ph(r#"say "no" \ now"#)));
        assert_eq!(p("a\"b c\"d"), Ok(Query::And(vec![w("a"), ph("b c"), w("d")])));
        assert_eq!(
            p("person:\"Maria Okafor\""),
            Ok(f(Field::Person, Value::Phrase("Maria Okafor".into())))
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            p("sanction*"),
            Ok(Query::Match {
                field: None,
                value: Value::Prefix("sanction".into())
            })
        );
        assert_eq!(
            p("topic:econ*"),
            Ok(f(Field::Topic, Value::Prefix("econ".into())))
        );
        assert_eq!(
            p("ab*"),
            Ok(Query::Match {
                field: None,
                value: Value::Prefix("ab".into())
            })
        );
        // A star inside a word is not a prefix.
        assert_eq!(p("a*b"), Ok(w("a*b")));
    }

    #[test]
    fn every_field_any_case() {
        for field in Field::ALL {
            let lower = format!("{}:Value", field.name());
            assert_eq!(p(&lower), Ok(f(field, Value::Word("Value".into()))), "{lower}");
            let upper = format!("{}:Value", field.name().to_uppercase());
            assert_eq!(p(&upper), Ok(f(field, Value::Word("Value".into()))), "{upper}");
        }
    }

    #[test]
    fn colons_in_values_and_words() {
        assert_eq!(
            p("entity:kb:org/isil"),
            Ok(f(Field::Entity, Value::Word("kb:org/isil".into())))
        );
        assert_eq!(p("12:30"), Ok(w("12:30")));
        assert_eq!(p("http://example.com/a"), Ok(w("http://example.com/a")));
        assert_eq!(
            p("Breaking: fire"),
            Ok(Query::And(vec![w("Breaking:"), w("fire")]))
        );
        assert_eq!(
            p("source:http://x.example"),
            Ok(f(Field::Source, Value::Word("http://x.example".into())))
        );
    }

    #[test]
    fn since_and_until_forms() {
        assert_eq!(
            p("since:30m"),
            Ok(Query::Since(TimeBound::Ago(Duration::minutes(30))))
        );
        assert_eq!(
            p("since:24h"),
            Ok(Query::Since(TimeBound::Ago(Duration::hours(24))))
        );
        assert_eq!(p("until:7d"), Ok(Query::Until(TimeBound::Ago(Duration::days(7)))));
        assert_eq!(
            p("SINCE:2w"),
            Ok(Query::Since(TimeBound::Ago(Duration::weeks(2))))
        );
        assert_eq!(
            p("since:2026-11-24"),
            Ok(Query::Since(TimeBound::At(datetime!(2026-11-24 00:00 UTC))))
        );
        assert_eq!(
            p("until:2026-11-24T10:00:00+02:00"),
            Ok(Query::Until(TimeBound::At(datetime!(2026-11-24 08:00 UTC))))
        );
        assert_eq!(
            p("NOT since:24h"),
            Ok(not(Query::Since(TimeBound::Ago(Duration::hours(24)))))
        );
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "empty"),
            ("   ", 1, "empty"),
            ("(a OR b", 1, "never closed"),
            ("a (b", 3, "never closed"),
            ("a)", 2, "no matching '('"),
            ("a ()", 4, "empty parentheses"),
            ("a AND", 3, "'AND' at the end"),
            ("a OR", 3, "'OR' at the end"),
            ("a NOT", 3, "'NOT' at the end"),
            ("a -", 3, "'-' needs a term"),
            ("a - b", 3, "'-' needs a term"),
            ("a AND OR b", 7, "after 'AND', found 'OR'"),
            ("a -AND b", 4, "after '-', found 'AND'"),
            ("a --b", 4, "after '-', found '-'"),
            ("a OR AND b", 6, "after 'OR', found 'AND'"),
            ("(a AND)", 7, "after 'AND', found ')'"),
            ("AND a", 1, "'AND' needs a term before it"),
            ("(OR a)", 2, "'OR' needs a term before it"),
            ("x \"harbour strike", 3, "never closed"),
            ("x “harbour", 3, "never closed"),
            ("x \"  \"", 3, "empty phrase"),
            ("x ”", 3, "no opening quote"),
            ("*", 1, "prefix too short"),
            ("**", 1, "prefix too short"),
            ("x a*", 3, "prefix too short"),
            ("lang:e*", 6, "prefix too short"),
            ("abc**", 5, "single '*'"),
            ("x foo:bar", 3, "unknown field 'foo'"),
            ("x foo:\"bar\"", 3, "unknown field 'foo'"),
            ("x person:", 10, "expected a value after 'person:'"),
            ("person: Okafor", 8, "expected a value after 'person:'"),
            ("(org:)", 6, "expected a value after 'org:'"),
            ("since:yesterday", 7, "'since:' takes a time"),
            ("until:24x", 7, "'until:' takes a time"),
            ("since:\"24h\"", 7, "'since:' takes a time"),
            ("since:2026-13-01", 7, "'since:' takes a time"),
            ("since:99999999999999999999d", 7, "more than a century"),
            ("é foo:x", 3, "unknown field"),
        ];
        for (input, column, needle) in cases {
            let (col, msg) = err(input);
            assert!(
                msg.contains(needle),
                "{input:?}: message {msg:?} lacks {needle:?}"
            );
            assert_eq!(col, *column, "{input:?}: {msg}");
        }
    }

    #[test]
    fn unknown_field_names_the_valid_ones() {
        let (_, msg) = err("colour:red");
        assert!(
            msg.contains("headline") && msg.contains("said") && msg.contains("until"),
            "{msg}"
        );
    }

    #[test]
    fn too_long_and_too_deep() {
        let long = "a ".repeat(3000);
        let e = parse(&long).unwrap_err();
        assert_eq!(e.offset, MAX_QUERY_BYTES);
        assert!(e.message.contains("longer than 4096"));

        let deep_ok = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parse(&deep_ok), Ok(w("a")));
        let too_deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        let e = parse(&too_deep).unwrap_err();
        assert_eq!(e.column, MAX_DEPTH + 1);
        assert!(e.message.contains("deeper than 64"));
        let nots = format!("{}a", "NOT ".repeat(MAX_DEPTH + 1));
        assert!(parse(&nots).unwrap_err().message.contains("deeper"));

        // Far past the length cap: rejected without recursing.
        assert!(parse(&"(".repeat(100_000)).is_err());
        assert!(parse(&"-(".repeat(50_000)).is_err());
    }

    #[test]
    fn display_and_render() {
        let e = parse("harbour AND OR strike").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected a term after 'AND', found 'OR' at column 13"
        );
        assert_eq!(
            e.render("harbour AND OR strike"),
            "harbour AND OR strike\n            ^ expected a term after 'AND', found 'OR'"
        );
        // Columns count characters, not bytes.
        let input = "Zürich “x";
        let e = parse(input).unwrap_err();
        assert_eq!((e.offset, e.column), (8, 8));
        assert!(e.render(input).starts_with("Zürich “x\n       ^ "));
        // Only the offending line is shown, and the caret is placed within it.
        let input = "strike\nAND";
        let e = parse(input).unwrap_err();
        assert_eq!(e.render(input), "AND\n^ 'AND' at the end needs a term after it");
    }

    #[test]
    fn display_round_trips_examples() {
        for q in [
            "entity:ISIL AND (Mosul OR \"Nineveh plains\") -source:tabloid",
            "said:\"Maria Okafor\" OR NOT (lang:en since:24h until:2026-11-24)",
            "ticker:BRK.B topic:econ* \"a \\\"quoted\\\" word\"",
        ] {
            let parsed = parse(q).unwrap();
            assert_eq!(parse(&parsed.to_string()), Ok(parsed.clone()), "{q} -> {parsed}");
        }
    }
}
