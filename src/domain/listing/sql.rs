//! A small SQL builder for the dynamic list queries: text plus typed binds, numbered in
//! order, turned into one diesel `BoxedSqlQuery`. Only fixed fragments from the code are
//! pushed as text; every value a user supplies goes in as a bind.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Int4, Text, Timestamptz};

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Texts(Vec<String>),
    BigInt(i64),
    BigInts(Vec<i64>),
    Int(i32),
    Float(f64),
    Bool(bool),
    Timestamp(DateTime<Utc>),
    Date(NaiveDate),
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// Appends fixed SQL text (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        let placeholder = format!("${}", self.binds.len());
        self.text.push_str(&placeholder);
        self
    }

    /// Appends another fragment, renumbering its placeholders.
    pub fn append(&mut self, other: &Sql) -> &mut Self {
        let offset = self.binds.len();
        self.text.push_str(&renumber(&other.text, offset));
        self.binds.extend(other.binds.iter().cloned());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    pub fn into_query(self) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        let mut query = diesel::sql_query(self.text).into_boxed::<Pg>();
        for bind in self.binds {
            query = match bind {
                Bind::Text(v) => query.bind::<Text, _>(v),
                Bind::Texts(v) => query.bind::<Array<Text>, _>(v),
                Bind::BigInt(v) => query.bind::<BigInt, _>(v),
                Bind::BigInts(v) => query.bind::<Array<BigInt>, _>(v),
                Bind::Int(v) => query.bind::<Int4, _>(v),
                Bind::Float(v) => query.bind::<Double, _>(v),
                Bind::Bool(v) => query.bind::<Bool, _>(v),
                Bind::Timestamp(v) => query.bind::<Timestamptz, _>(v),
                Bind::Date(v) => query.bind::<Date, _>(v),
            };
        }
        query
    }
}

/// Shifts `$n` placeholders in `text` by `offset`. Fragments only ever contain
/// placeholders we wrote, never quoted user text, so a plain scan is enough.
fn renumber(text: &str, offset: usize) -> String {
    if offset == 0 {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut digits = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                digits.push(d);
                chars.next();
            }
            let n: usize = digits.parse().unwrap_or(0);
            out.push('$');
            out.push_str(&(n + offset).to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_fragments_are_renumbered() {
        let mut base = Sql::new("a = ");
        base.bind(Bind::BigInt(1));
        let mut other = Sql::new(" AND b = ");
        other
            .bind(Bind::Text("x".into()))
            .push(" AND c = ")
            .bind(Bind::Int(2));
        base.append(&other);
        assert_eq!(base.text(), "a = $1 AND b = $2 AND c = $3");
        assert_eq!(base.binds.len(), 3);
    }
}
