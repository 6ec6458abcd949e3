//! Upstash's metadata filter language (`vector/features/filtering`), parsed by hand
//! (recursive descent) and evaluated against a vector's metadata.
//!
//! - Comparisons `field OP literal`: `=`, `!=` (strings, numbers, booleans); `<`, `<=`,
//!   `>`, `>=` (numbers); `GLOB`, `NOT GLOB` (strings; `*`, `?`, `[abc]`, `[a-z]`,
//!   `[^abc]`, case sensitive); `IN (..)`, `NOT IN (..)`; `CONTAINS`, `NOT CONTAINS`
//!   (arrays); and `HAS FIELD field`, `HAS NOT FIELD field`.
//! - `AND` binds tighter than `OR`; parentheses group.
//! - Fields: `[a-zA-Z_][a-zA-Z_0-9.[\]#-]*`: `.` reaches into objects, `[0]` into arrays,
//!   `[#-1]` counts from the end.
//! - Literals: strings in single or double quotes, numbers, booleans `true`/`false` or
//!   `1`/`0` (the docs use both). Keywords are case insensitive.
//!
//! Where the docs are silent the stand-in chooses: a comparison on a field that is
//! missing, or of another type than the operator applies to, does not match (negated
//! operators included, as in SQL); a literal of the wrong type for its operator (e.g.
//! `a < 'x'`) is a syntax error.

use serde_json::Value;

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Compare(Path, Op, Literal),
    In(Path, Vec<Literal>, bool),
    HasField(Path, bool),
}

/// Comparison operators (negation carried by the `bool` of the variants that have one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Glob(bool),
    Contains(bool),
}

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
}

/// One step into the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// `[#-n]`: the n-th element from the end.
    FromEnd(usize),
}

/// A field reference, e.g. `geography.coordinates[0]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<Step>);

/// Why a filter was refused; the message names what and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parse a filter; `None` for an empty (or blank) one, which matches everything.
pub fn parse(input: &str) -> Result<Option<Filter>, FilterError> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    let tokens = lex(input)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        end: input.len(),
    };
    let filter = parser.or()?;
    if let Some((token, at)) = parser.tokens.get(parser.pos) {
        return Err(error(format!("unexpected {}", token.describe()), *at));
    }
    Ok(Some(filter))
}

impl Filter {
    /// Whether a vector with this metadata passes.
    pub fn matches(&self, metadata: Option<&Value>) -> bool {
        let null = Value::Null;
        let root = metadata.unwrap_or(&null);
        self.eval(root)
    }

    fn eval(&self, root: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.eval(root) && b.eval(root),
            Filter::Or(a, b) => a.eval(root) || b.eval(root),
            Filter::HasField(path, has) => path.resolve(root).is_some() == *has,
            Filter::In(path, literals, negated) => match path.resolve(root) {
                Some(value) if is_scalar(value) => {
                    literals.iter().any(|l| equals(value, l)) != *negated
                }
                _ => false,
            },
            Filter::Compare(path, op, literal) => {
                let Some(value) = path.resolve(root) else {
                    return false;
                };
                match op {
                    Op::Eq => equals(value, literal),
                    Op::Ne => is_scalar(value) && !equals(value, literal),
                    Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        let (Some(v), Literal::Num(n)) = (value.as_f64(), literal) else {
                            return false;
                        };
                        match op {
                            Op::Lt => v < *n,
                            Op::Le => v <= *n,
                            Op::Gt => v > *n,
                            _ => v >= *n,
                        }
                    }
                    Op::Glob(negated) => match (value.as_str(), literal) {
                        (Some(s), Literal::Str(pattern)) => glob(pattern, s) != *negated,
                        _ => false,
                    },
                    Op::Contains(negated) => match value.as_array() {
                        Some(items) => items.iter().any(|v| equals(v, literal)) != *negated,
                        None => false,
                    },
                }
            }
        }
    }
}

impl Path {
    fn resolve<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        let mut at = root;
        for step in &self.0 {
            at = match step {
                Step::Key(key) => at.as_object()?.get(key)?,
                Step::Index(i) => at.as_array()?.get(*i)?,
                Step::FromEnd(n) => {
                    let items = at.as_array()?;
                    items.get(items.len().checked_sub(*n)?)?
                }
            };
        }
        Some(at)
    }
}

fn is_scalar(value: &Value) -> bool {
    matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn equals(value: &Value, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::String(s), Literal::Str(l)) => s == l,
        (Value::Number(n), Literal::Num(l)) => n.as_f64() == Some(*l),
        (Value::Bool(b), Literal::Bool(l)) => b == l,
        // Booleans are written 1 and 0 in Upstash's filter syntax.
        (Value::Bool(b), Literal::Num(l)) => (*l == 1.0 && *b) || (*l == 0.0 && !*b),
        _ => false,
    }
}

/// SQL/UNIX glob: `*`, `?`, `[...]` with ranges and `^` negation; case sensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_at(&p, &t)
}

fn glob_at(p: &[char], t: &[char]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some('*') => (0..=t.len()).any(|skip| glob_at(&p[1..], &t[skip..])),
        Some('?') => !t.is_empty() && glob_at(&p[1..], &t[1..]),
        Some('[') => {
            let Some((matched, rest)) = t.first().and_then(|c| class(&p[1..], *c)) else {
                return false;
            };
            matched && glob_at(rest, &t[1..])
        }
        Some(c) => t.first() == Some(c) && glob_at(&p[1..], &t[1..]),
    }
}

/// Match `c` against the class whose body starts at `p` (after `[`); returns whether it
/// matched and the pattern after `]`, or `None` for an unterminated class.
fn class(p: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut i) = if p.first() == Some(&'^') {
        (true, 1)
    } else {
        (false, 0)
    };
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((matched != negated, &p[i + 1..]));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            matched |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            matched |= p[i] == c;
            i += 1;
        }
    }
    None
}

// ---- lexing -------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Ident(s) => format!("'{s}'"),
            Token::Str(s) => format!("string '{s}'"),
            Token::Num(n) => format!("number {n}"),
            Token::Op(op) => format!("'{op}'"),
            Token::LParen => "'('".into(),
            Token::RParen => "')'".into(),
            Token::Comma => "','".into(),
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self, Token::Ident(s) if s.eq_ignore_ascii_case(word))
    }
}

fn error(what: String, at: usize) -> FilterError {
    FilterError(format!("Invalid filter: {what} at position {at}"))
}

fn lex(input: &str) -> Result<Vec<(Token, usize)>, FilterError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = |t| Ok::<_, FilterError>(Some(t));
        let token = match c {
            '(' => single(Token::LParen)?,
            ')' => single(Token::RParen)?,
            ',' => single(Token::Comma)?,
            '=' => single(Token::Op("="))?,
            '!' if chars.get(i + 1).map(|x| x.1) == Some('=') => {
                i += 1;
                Some(Token::Op("!="))
            }
            '<' | '>' => {
                if chars.get(i + 1).map(|x| x.1) == Some('=') {
                    i += 1;
                    Some(Token::Op(if c == '<' { "<=" } else { ">=" }))
                } else {
                    Some(Token::Op(if c == '<' { "<" } else { ">" }))
                }
            }
            _ => None,
        };
        if let Some(token) = token {
            tokens.push((token, at));
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(error("unterminated string".into(), at)),
                    Some((_, '\\')) if chars.get(j + 1).is_some() => {
                        text.push(chars[j + 1].1);
                        j += 2;
                    }
                    Some((_, q)) if *q == c => break,
                    Some((_, other)) => {
                        text.push(*other);
                        j += 1;
                    }
                }
            }
            tokens.push((Token::Str(text), at));
            i = j + 1;
        } else if c.is_ascii_digit()
            || (matches!(c, '-' | '+' | '.')
                && chars
                    .get(i + 1)
                    .is_some_and(|x| x.1.is_ascii_digit() || x.1 == '.'))
        {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric()
                    || chars[j].1 == '.'
                    || (matches!(chars[j].1, '-' | '+') && matches!(chars[j - 1].1, 'e' | 'E')))
            {
                j += 1;
            }
            let end = chars.get(j).map_or(input.len(), |x| x.0);
            let text = &input[at..end];
            let n: f64 = text
                .parse()
                .map_err(|_| error(format!("invalid number '{text}'"), at))?;
            tokens.push((Token::Num(n), at));
            i = j;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].1.is_ascii_alphanumeric() || "_.[]#-".contains(chars[j].1))
            {
                j += 1;
            }
            let end = chars.get(j).map_or(input.len(), |x| x.0);
            tokens.push((Token::Ident(input[at..end].to_owned()), at));
            i = j;
        } else {
            return Err(error(format!("unexpected character '{c}'"), at));
        }
    }
    Ok(tokens)
}

// ---- parsing ------------------------------------------------------------------------

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn next(&mut self, expected: &str) -> Result<(Token, usize), FilterError> {
        match self.tokens.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.clone())
            }
            None => Err(error(
                format!("expected {expected} but the filter ended"),
                self.end,
            )),
        }
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.peek().is_some_and(|t| t.keyword(word)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.eat_keyword("OR") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.eat_keyword("AND") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            match self.next("')'")? {
                (Token::RParen, _) => return Ok(inner),
                (other, at) => {
                    return Err(error(
                        format!("expected ')' but found {}", other.describe()),
                        at,
                    ))
                }
            }
        }
        if self.eat_keyword("HAS") {
            let has = !self.eat_keyword("NOT");
            if !self.eat_keyword("FIELD") {
                return Err(error("expected FIELD after HAS".into(), self.at()));
            }
            let path = self.path()?;
            return Ok(Filter::HasField(path, has));
        }
        let path = self.path()?;
        let negated = self.eat_keyword("NOT");
        let at = self.at();
        let (token, _) = self.next("an operator")?;
        let op = match &token {
            t if t.keyword("IN") => {
                let literals = self.list()?;
                return Ok(Filter::In(path, literals, negated));
            }
            t if t.keyword("GLOB") => Op::Glob(negated),
            t if t.keyword("CONTAINS") => Op::Contains(negated),
            Token::Op(op) if !negated => match *op {
                "=" => Op::Eq,
                "!=" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                _ => Op::Ge,
            },
            other => {
                let wanted = if negated {
                    "IN, GLOB or CONTAINS after NOT"
                } else {
                    "an operator"
                };
                return Err(error(
                    format!("expected {wanted} but found {}", other.describe()),
                    at,
                ));
            }
        };
        let at = self.at();
        let literal = self.literal()?;
        match (op, &literal) {
            (Op::Lt | Op::Le | Op::Gt | Op::Ge, Literal::Num(_)) => {}
            (Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => {
                return Err(error("this operator compares numbers only".into(), at))
            }
            (Op::Glob(_), Literal::Str(pattern)) if !glob_is_closed(pattern) => {
                return Err(error("unterminated '[' in GLOB pattern".into(), at));
            }
            (Op::Glob(_), Literal::Str(_)) => {}
            (Op::Glob(_), _) => return Err(error("GLOB takes a string pattern".into(), at)),
            _ => {}
        }
        Ok(Filter::Compare(path, op, literal))
    }

    fn path(&mut self) -> Result<Path, FilterError> {
        let (token, at) = self.next("a field name")?;
        let Token::Ident(name) = token else {
            return Err(error(
                format!("expected a field name but found {}", token.describe()),
                at,
            ));
        };
        for keyword in ["AND", "OR", "NOT", "IN", "GLOB", "CONTAINS", "HAS", "FIELD"] {
            if name.eq_ignore_ascii_case(keyword) {
                return Err(error(
                    format!("expected a field name but found '{name}'"),
                    at,
                ));
            }
        }
        parse_path(&name).map_err(|what| error(format!("{what} in field '{name}'"), at))
    }

    fn list(&mut self) -> Result<Vec<Literal>, FilterError> {
        match self.next("'('")? {
            (Token::LParen, _) => {}
            (other, at) => {
                return Err(error(
                    format!("expected '(' but found {}", other.describe()),
                    at,
                ))
            }
        }
        let mut literals = vec![self.literal()?];
        loop {
            match self.next("',' or ')'")? {
                (Token::Comma, _) => literals.push(self.literal()?),
                (Token::RParen, _) => return Ok(literals),
                (other, at) => {
                    return Err(error(
                        format!("expected ',' or ')' but found {}", other.describe()),
                        at,
                    ))
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        match self.next("a value")? {
            (Token::Str(s), _) => Ok(Literal::Str(s)),
            (Token::Num(n), _) => Ok(Literal::Num(n)),
            (t, _) if t.keyword("true") => Ok(Literal::Bool(true)),
            (t, _) if t.keyword("false") => Ok(Literal::Bool(false)),
            (other, at) => Err(error(
                format!("expected a value but found {}", other.describe()),
                at,
            )),
        }
    }
}

fn glob_is_closed(pattern: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        if p[i] == '[' {
            // Find the closing bracket the way `class` does: a `]` right after `[` or
            // `[^` is a member, not the end.
            let mut j = i + 1;
            if p.get(j) == Some(&'^') {
                j += 1;
            }
            j += 1;
            while j < p.len() && p[j] != ']' {
                j += 1;
            }
            if j >= p.len() {
                return false;
            }
            i = j;
        }
        i += 1;
    }
    true
}

fn parse_path(name: &str) -> Result<Path, String> {
    let mut steps = Vec::new();
    let mut rest = name;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let key = &rest[..end];
        if key.is_empty() {
            return Err("empty key".into());
        }
        steps.push(Step::Key(key.to_owned()));
        rest = &rest[end..];
        while let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']').ok_or("unclosed '['")?;
            let index = &after[..close];
            let step = if let Some(back) = index.strip_prefix("#-") {
                match back.parse::<usize>() {
                    Ok(n) if n > 0 => Step::FromEnd(n),
                    _ => return Err(format!("invalid index [{index}]")),
                }
            } else {
                Step::Index(
                    index
                        .parse::<usize>()
                        .map_err(|_| format!("invalid index [{index}]"))?,
                )
            };
            steps.push(step);
            rest = &after[close + 1..];
        }
        match rest.strip_prefix('.') {
            Some(after) => rest = after,
            None if rest.is_empty() => return Ok(Path(steps)),
            None => return Err(format!("unexpected '{rest}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn city() -> Value {
        json!({
            "city": "Istanbul",
            "country": "Turkey",
            "is_capital": false,
            "population": 15460000,
            "geography": {
                "continent": "Asia",
                "coordinates": {"latitude": 41.0082, "longitude": 28.9784}
            },
            "economy": {
                "currency": "TRY",
                "major_industries": ["Tourism", "Textiles", "Finance"]
            }
        })
    }

    fn check(filter: &str) -> bool {
        parse(filter)
            .unwrap_or_else(|e| panic!("{filter}: {e}"))
            .expect("non-empty")
            .matches(Some(&city()))
    }

    fn err(filter: &str) -> String {
        parse(filter).expect_err(filter).0
    }

    #[test]
    fn every_operator_from_the_docs() {
        for (filter, expected) in [
            (
                "country = 'Turkey' AND population = 15460000 AND is_capital = false",
                true,
            ),
            ("is_capital = 0", true),
            ("is_capital = 1", false),
            (
                "country != 'Germany' AND population != 12500000 AND is_capital != true",
                true,
            ),
            ("country != 'Turkey'", false),
            (
                "population < 20000000 OR geography.coordinates.longitude < 30.0",
                true,
            ),
            ("population <= 15460000", true),
            ("population < 15460000", false),
            (
                "population > 10000000 OR geography.coordinates.latitude > 39.5",
                true,
            ),
            ("population >= 15460001", false),
            ("geography.coordinates.latitude >= 41.0082", true),
            ("city GLOB '?[sz]*[^m-z]'", true),
            ("city GLOB 'i*'", false),
            ("city NOT GLOB 'A*'", true),
            ("city NOT GLOB 'I*'", false),
            ("country IN ('Germany', 'Turkey', 'France')", true),
            ("country IN ('Germany')", false),
            ("economy.currency NOT IN ('USD', 'EUR')", true),
            ("economy.currency NOT IN ('TRY')", false),
            ("economy.major_industries CONTAINS 'Tourism'", true),
            (
                "economy.major_industries NOT CONTAINS 'Steel Production'",
                true,
            ),
            ("economy.major_industries NOT CONTAINS 'Finance'", false),
            ("HAS FIELD geography.coordinates", true),
            ("HAS NOT FIELD geography.coordinates.longitude", false),
            ("HAS NOT FIELD geography.altitude", true),
            ("economy.major_industries[0] = 'Tourism'", true),
            ("economy.major_industries[#-1] = 'Finance'", true),
            ("economy.major_industries[#-3] = 'Tourism'", true),
            ("economy.major_industries[3] = 'Tourism'", false),
            ("geography.continent = \"Asia\"", true),
            (
                "country = 'Turkey' and population > 1 or is_capital = TRUE",
                true,
            ),
        ] {
            assert_eq!(check(filter), expected, "{filter}");
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        // (false AND true) OR true → true; false AND (true OR true) → false.
        assert!(check(
            "country = 'Germany' AND population > 1 OR city = 'Istanbul'"
        ));
        assert!(!check(
            "country = 'Germany' AND (population > 1 OR city = 'Istanbul')"
        ));
        // true OR (false AND false) → true, not (true OR false) AND false.
        assert!(check(
            "city = 'Istanbul' OR country = 'X' AND population < 0"
        ));
        assert_eq!(
            parse("a = 1 OR b = 2 AND c = 3").unwrap().unwrap(),
            Filter::Or(
                Box::new(Filter::Compare(
                    Path(vec![Step::Key("a".into())]),
                    Op::Eq,
                    Literal::Num(1.0)
                )),
                Box::new(Filter::And(
                    Box::new(Filter::Compare(
                        Path(vec![Step::Key("b".into())]),
                        Op::Eq,
                        Literal::Num(2.0)
                    )),
                    Box::new(Filter::Compare(
                        Path(vec![Step::Key("c".into())]),
                        Op::Eq,
                        Literal::Num(3.0)
                    )),
                )),
            )
        );
    }

    #[test]
    fn missing_fields_and_wrong_types_do_not_match() {
        assert!(!check("altitude != 5"));
        assert!(!check("altitude NOT IN (1, 2)"));
        assert!(!check("city NOT CONTAINS 'x'"), "not an array");
        assert!(!check("city > 3"), "not a number");
        assert!(!check("population = '15460000'"));
        let f = parse("kind = 'faq'").unwrap().unwrap();
        assert!(!f.matches(None));
        assert!(parse("   ").unwrap().is_none());
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            err("country ="),
            "Invalid filter: expected a value but the filter ended at position 9"
        );
        assert_eq!(
            err("country = 'Turkey"),
            "Invalid filter: unterminated string at position 10"
        );
        assert_eq!(
            err("(a = 1"),
            "Invalid filter: expected ')' but the filter ended at position 6"
        );
        assert_eq!(
            err("a = 1 b = 2"),
            "Invalid filter: unexpected 'b' at position 6"
        );
        assert_eq!(
            err("a ~ 1"),
            "Invalid filter: unexpected character '~' at position 2"
        );
        assert_eq!(
            err("a < 'x'"),
            "Invalid filter: this operator compares numbers only at position 4"
        );
        assert_eq!(
            err("a GLOB 3"),
            "Invalid filter: GLOB takes a string pattern at position 7"
        );
        assert_eq!(
            err("a GLOB '[ab'"),
            "Invalid filter: unterminated '[' in GLOB pattern at position 7"
        );
        assert_eq!(
            err("a NOT = 1"),
            "Invalid filter: expected IN, GLOB or CONTAINS after NOT but found '=' at position 6"
        );
        assert_eq!(
            err("a IN ()"),
            "Invalid filter: expected a value but found ')' at position 6"
        );
        assert_eq!(
            err("HAS a"),
            "Invalid filter: expected FIELD after HAS at position 4"
        );
        assert_eq!(
            err("a[x] = 1"),
            "Invalid filter: invalid index [x] in field 'a[x]' at position 0"
        );
        assert_eq!(
            err("a..b = 1"),
            "Invalid filter: empty key in field 'a..b' at position 0"
        );
        assert_eq!(
            err("AND = 1"),
            "Invalid filter: expected a field name but found 'AND' at position 0"
        );
        assert_eq!(
            err("= 1"),
            "Invalid filter: expected a field name but found '=' at position 0"
        );
    }

    #[test]
    fn glob_wildcards() {
        assert!(glob("*", ""));
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
        assert!(glob("[abc]x", "bx") && !glob("[abc]x", "dx"));
        assert!(glob("[a-z]1", "q1") && !glob("[a-z]1", "Q1"));
        assert!(glob("[^a-z]", "Q") && !glob("[^a-z]", "q"));
        assert!(glob("[]]", "]"));
        assert!(!glob("abc", "ABC"), "case sensitive");
    }
}
