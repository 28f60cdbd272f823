//! Saving a source's connection (settings and an encrypted secret that is never shown
//! again in full) and "Test connection".

use std::collections::BTreeMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use tokio_util::sync::CancellationToken;

use crate::domain::roles::Permission;
use crate::error::AppError;
use crate::sync::connections::{self, SaveConnection};
use crate::sync::crypto::SecretBox;
use crate::sync::http::{DebugLog, Http, RetryPolicy};
use crate::sync::model::SettingKind;
use crate::web::AppState;
use crate::web::chrome::Page;
use crate::web::flash::{self, Flash};
use crate::web::forms::FieldErrors;
use crate::web::render::{html, is_htmx};
use crate::web::sync::source::{self, TestView};
use crate::web::sync::views;

pub async fn save(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<BTreeMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let connector = super::connector(&path)?;
    let info = connector.info();
    let mut values = form.into_inner();
    values.remove("csrf_token");
    let secret = values
        .remove("secret")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let mut errors = FieldErrors::default();
    let mut settings = serde_json::Map::new();
    for field in info.settings {
        let value = values.get(field.key).map(|v| v.trim()).unwrap_or_default();
        if value.is_empty() {
            if field.required {
                errors.add(
                    field.key,
                    format!("Enter the {}.", field.label.to_lowercase()),
                );
            }
            continue;
        }
        match field.kind {
            SettingKind::Url => {
                let ok = reqwest::Url::parse(value)
                    .map(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
                    .unwrap_or(false);
                if !ok {
                    errors.add(field.key, "Enter a full URL starting with https://.");
                }
            }
            SettingKind::Number => {
                if value.parse::<u64>().is_err() {
                    errors.add(field.key, "Enter a whole number.");
                }
            }
            SettingKind::Text => {}
        }
        settings.insert(
            field.key.to_owned(),
            serde_json::Value::String(value.to_owned()),
        );
    }
    let source = info.id;
    let existing = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(connections::find(conn, source)?)
        })
        .await?;
    if let Some(label) = info.secret_label
        && secret.is_none()
        && !existing.as_ref().is_some_and(|c| c.has_secret())
    {
        errors.add("secret", format!("Paste the {}.", label.to_lowercase()));
    }
    let secrets = SecretBox::from_settings(&state.settings)?;
    if secret.is_some() && secrets.is_none() {
        errors.add(
            "secret",
            "Credentials cannot be stored until an administrator sets RAPPORT_SECRET_KEY on the server.",
        );
    }
    if !errors.is_empty() {
        return source::render(
            &page,
            &state,
            connector,
            errors,
            Some(values),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Keep settings that other forms own (the file mapping, the stage map).
    let mut merged = existing
        .as_ref()
        .map(|c| c.settings_map())
        .unwrap_or_default();
    for field in info.settings {
        merged.remove(field.key);
    }
    merged.extend(settings);
    let tenant_id = page.identity.tenant_id;
    let actor = page.identity.user_id;
    state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            connections::save(
                conn,
                &SaveConnection {
                    tenant_id,
                    source,
                    settings: serde_json::Value::Object(merged),
                    secret: secret.as_deref(),
                    actor: Some(actor),
                },
                secrets.as_ref(),
            )?;
            Ok(())
        })
        .await?;
    Ok(flash::redirect(
        &req,
        &format!("/sync/{source}"),
        Flash::success("Connection saved. Use “Test connection” to check it."),
    ))
}

#[derive(Template)]
#[template(path = "sync/_test_result.html")]
struct TestResult {
    test: Option<TestView>,
}

pub async fn test(
    req: HttpRequest,
    page: Page,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page.identity.require(Permission::SyncManage)?;
    let connector = super::connector(&path)?;
    let source = connector.info().id;
    let connection = state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(connections::find(conn, source)?)
        })
        .await?
        .ok_or_else(|| AppError::bad_request("Save the connection before testing it."))?;
    let secrets = SecretBox::from_settings(&state.settings)?;
    let (ok, message) = match connection.config(secrets.as_ref()) {
        Err(err) => (false, format!("{err:#}")),
        Ok(config) => {
            let policy = RetryPolicy {
                timeout: Duration::from_secs(15),
                max_retries: 1,
                max_rate_limit_wait: Duration::from_secs(30),
                ..RetryPolicy::default()
            };
            match Http::new(policy, DebugLog::disabled(), CancellationToken::new()) {
                Err(err) => (false, err.to_string()),
                Ok(http) => match connector.test_connection(&config, &http).await {
                    Ok(message) => (true, message),
                    Err(err) => (false, err.to_string()),
                },
            }
        }
    };
    let id = connection.id;
    let recorded = message.clone();
    state
        .db
        .tenant(&page.identity.scope(), move |conn| {
            Ok(connections::record_test(conn, id, ok, &recorded)?)
        })
        .await?;
    if is_htmx(&req) {
        return html(&TestResult {
            test: Some(TestView {
                ok,
                message,
                when: views::relative(chrono::Utc::now()),
            }),
        });
    }
    let flash = if ok {
        Flash::success(format!("Connected. {message}"))
    } else {
        Flash {
            level: crate::web::flash::Level::Error,
            text: format!("Connection failed: {message}"),
        }
    };
    Ok(flash::redirect(&req, &format!("/sync/{source}"), flash))
}
