//! HTML assertions with CSS selectors.

use scraper::{ElementRef, Html, Selector};

pub struct Page {
    pub html: Html,
    pub source: String,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|err| panic!("bad selector `{css}`: {err:?}"))
}

impl Page {
    pub fn parse(source: String) -> Page {
        Page {
            html: Html::parse_document(&source),
            source,
        }
    }

    pub fn select(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&selector(css)).collect()
    }

    pub fn exists(&self, css: &str) -> bool {
        self.html.select(&selector(css)).next().is_some()
    }

    /// The text of the first element matching `css`, trimmed; panics if none matches.
    pub fn text(&self, css: &str) -> String {
        let element = self
            .html
            .select(&selector(css))
            .next()
            .unwrap_or_else(|| panic!("no element matches `{css}` in:\n{}", self.source));
        element
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn texts(&self, css: &str) -> Vec<String> {
        self.html
            .select(&selector(css))
            .map(|element| {
                element
                    .text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.html
            .select(&selector(css))
            .next()
            .and_then(|element| element.value().attr(name))
            .map(str::to_owned)
    }

    /// The CSRF token the page carries for forms and htmx.
    pub fn csrf_token(&self) -> Option<String> {
        self.attr("meta[name=csrf-token]", "content")
            .filter(|token| !token.is_empty())
    }
}
