//! Demo data (`seed --demo`) and large synthetic tenants (`seed --scale`). Both are
//! deterministic: the same seed gives the same records every time.

pub mod demo;
pub mod demo_deals;
pub mod demo_records;
pub mod scale;
pub mod words;

pub use demo::{DemoSummary, demo};

/// Every demo account's password. Demo data only: printed at start and in the README.
pub const DEMO_PASSWORD: &str = "rapport-demo";
pub const DEMO_TENANT_SLUG: &str = "acme";
pub const SECOND_TENANT_SLUG: &str = "globex";

pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("admin@acme.test", "admin"),
    ("manager@acme.test", "manager"),
    ("rep1@acme.test", "rep"),
    ("rep2@acme.test", "rep"),
    ("admin@globex.test", "admin of Globex, the second tenant"),
];

/// A small deterministic generator over fastrand's seeded RNG.
pub struct Gen {
    rng: fastrand::Rng,
}

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.usize(..items.len())]
    }

    /// A word from a list of string literals.
    pub fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.rng.usize(..words.len())]
    }

    pub fn range(&mut self, range: std::ops::Range<i64>) -> i64 {
        self.rng.i64(range)
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.rng.f64() < probability
    }

    pub fn index(&mut self, len: usize) -> usize {
        self.rng.usize(..len)
    }
}

/// A URL- and email-friendly slug of a name ("O'Brien & Sons" → "obrien-sons").
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch.to_ascii_lowercase());
        } else if (ch == ' ' || ch == '-') && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_owned()
}

/// Fictional North American numbers (555-01xx is reserved for fiction): (display, E.164).
pub fn fictional_phone(area: &str, n: usize) -> (String, String) {
    let line = 100 + (n % 100);
    (
        format!("({area}) 555-0{line:03}"),
        format!("+1{area}5550{line:03}"),
    )
}
