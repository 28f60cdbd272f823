//! What every full page shows around its content: navigation, the signed-in user, flash
//! messages, the theme and the CSRF token for forms and htmx. Handlers take a [`Page`] and
//! call [`Page::chrome`].

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::error::AppError;
use crate::web::flash::{self, Flash};
use crate::web::identity::Identity;
use crate::web::nav::{self, NavItem, Section};

pub const THEME_COOKIE: &str = "rapport_theme";

#[derive(Debug, Clone)]
pub struct ChromeUser {
    pub name: String,
    pub email: String,
    pub initials: String,
    pub role_label: &'static str,
    pub tenant_name: String,
}

#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub user: Option<ChromeUser>,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    pub flashes: Vec<Flash>,
    /// "light", "dark" or "system".
    pub theme: String,
    /// Dates on the page are shown in this zone (the user's, else the tenant's).
    pub tz: chrono_tz::Tz,
}

impl Chrome {
    /// Chrome for a page shown to someone not signed in (sign-in page).
    pub fn anonymous(req: &HttpRequest, title: &str, csrf_token: String) -> Self {
        Chrome {
            title: title.to_owned(),
            user: None,
            csrf_token,
            nav: Vec::new(),
            flashes: flash::take(req),
            theme: theme(req),
            tz: chrono_tz::UTC,
        }
    }

    /// Chrome for an error page; the navigation stays when we know who is asking.
    pub fn for_error(req: &HttpRequest, identity: Option<&Identity>, title: &str) -> Self {
        Chrome {
            title: title.to_owned(),
            user: identity.map(chrome_user),
            csrf_token: identity
                .and_then(Identity::csrf_token)
                .unwrap_or("")
                .to_owned(),
            nav: identity
                .map(|identity| nav::items(identity, Section::None))
                .unwrap_or_default(),
            flashes: Vec::new(),
            theme: theme(req),
            tz: identity.map_or(chrono_tz::UTC, |identity| identity.time_zone),
        }
    }
}

fn chrome_user(identity: &Identity) -> ChromeUser {
    ChromeUser {
        name: identity.name.clone(),
        email: identity.email.clone(),
        initials: initials(&identity.name),
        role_label: identity.role.label(),
        tenant_name: identity.tenant_name.clone(),
    }
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

fn theme(req: &HttpRequest) -> String {
    match req
        .cookie(THEME_COOKIE)
        .as_ref()
        .map(|cookie| cookie.value())
    {
        Some("light") => "light".to_owned(),
        Some("dark") => "dark".to_owned(),
        _ => "system".to_owned(),
    }
}

/// A signed-in page request: the identity plus what the chrome needs.
pub struct Page {
    pub identity: Identity,
    flashes: Vec<Flash>,
    theme: String,
}

impl Page {
    pub fn chrome(&self, title: impl Into<String>, section: Section) -> Chrome {
        Chrome {
            title: title.into(),
            user: Some(chrome_user(&self.identity)),
            csrf_token: self.identity.csrf_token().unwrap_or("").to_owned(),
            nav: nav::items(&self.identity, section),
            flashes: self.flashes.clone(),
            theme: self.theme.clone(),
            tz: self.identity.time_zone,
        }
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let identity = req.extensions().get::<Identity>().cloned();
        ready(match identity {
            Some(identity) => Ok(Page {
                identity,
                flashes: flash::take(req),
                theme: theme(req),
            }),
            None => Err(AppError::Unauthorized),
        })
    }
}
