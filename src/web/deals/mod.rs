//! Deals: the list, the record form and inline edits, the detail page (stage menu, close
//! won/lost with reasons, reopen, line items, team members, stage history).

mod api;
mod handlers;
mod items;
mod show;
mod stage;

use actix_web::web;
use diesel::PgConnection;
use diesel::QueryResult;

use crate::domain::custom_fields::FieldDefinition;
use crate::domain::deal_edit::{self, DealChanges};
use crate::domain::deals::{self, Deal};
use crate::domain::ids::{CompanyId, ContactId, DealId, StageId, TenantId, UserId};
use crate::domain::records::RecordKind;
use crate::domain::stage_changes::StageChangeError;
use crate::web::form_data::FormData;
use crate::web::lists::{BulkChoice, ListConfig};
use crate::web::nav::Section;
use crate::web::records::RecordType;
use crate::web::records::fields::{self, Errors, FieldDef, Input, Parser, Values};

pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.route("/deals", web::get().to(index))
        .route("/deals", web::post().to(create))
        .route("/deals/new", web::get().to(new_form))
        .route("/deals/count", web::get().to(count))
        .route("/deals/export.csv", web::get().to(export))
        .route("/deals/bulk", web::post().to(bulk))
        .route("/deals/{id:\\d+}", web::get().to(show::show))
        .route("/deals/{id:\\d+}", web::post().to(update))
        .route("/deals/{id:\\d+}/edit", web::get().to(edit_form))
        .route("/deals/{id:\\d+}/delete", web::post().to(delete))
        .route("/deals/{id:\\d+}/restore", web::post().to(restore))
        .route("/deals/{id:\\d+}/fields/{name}", web::get().to(field_show))
        .route(
            "/deals/{id:\\d+}/fields/{name}",
            web::post().to(field_update),
        )
        .route(
            "/deals/{id:\\d+}/fields/{name}/edit",
            web::get().to(field_edit),
        )
        .configure(stage::configure)
        .configure(items::configure)
        .configure(api::configure);
}

/// Statuses bulk edit may set directly; won and lost are reached through a closing stage.
const BULK_STATUSES: &[(&str, &str)] = &[("open", "Open"), ("abandoned", "Abandoned")];

pub static LIST: ListConfig = ListConfig {
    title: "Deals",
    singular: "deal",
    new_label: "New deal",
    section: Section::Deals,
    bulk_choice: Some(BulkChoice {
        field: "status",
        label: "Status",
        options: BULK_STATUSES,
    }),
};

pub const CURRENCIES: &[(&str, &str)] = &[
    ("USD", "USD"),
    ("EUR", "EUR"),
    ("GBP", "GBP"),
    ("CAD", "CAD"),
    ("AUD", "AUD"),
    ("CHF", "CHF"),
    ("JPY", "JPY"),
];

const DETAILS: &str = "Details";
const MONEY: &str = "Value";

static FIELDS: &[FieldDef] = &[
    FieldDef::new("title", "Title", Input::Text, DETAILS).required(),
    FieldDef::new("company_id", "Company", Input::Company, DETAILS),
    FieldDef::new("stage_id", "Pipeline and stage", Input::Stage, DETAILS).required(),
    FieldDef::new("owner_id", "Owner", Input::Owner, DETAILS),
    FieldDef::new(
        "expected_close_date",
        "Expected close",
        Input::Date,
        DETAILS,
    ),
    FieldDef::new("source", "Source", Input::Text, DETAILS),
    FieldDef::new(
        "competitors",
        "Competitors (comma separated)",
        Input::Text,
        DETAILS,
    ),
    FieldDef::new("won_reason", "Won reason", Input::Text, DETAILS),
    FieldDef::new("lost_reason", "Lost reason", Input::Text, DETAILS),
    FieldDef::new("amount", "Amount", Input::Money, MONEY),
    FieldDef::new("currency", "Currency", Input::Select(CURRENCIES), MONEY).required(),
    FieldDef::new("discount", "Discount", Input::Money, MONEY),
    FieldDef::new("tax", "Tax", Input::Money, MONEY),
    FieldDef::new(
        "probability",
        "Probability % (empty: the stage's)",
        Input::Integer,
        MONEY,
    ),
];

pub struct Deals;

fn put(values: &mut Values, name: &str, value: Option<impl ToString>) {
    fields::set(values, name, value.map(|v| v.to_string()));
}

/// Maps a stage error from a record write to what the shared pages expect.
fn stage_error(error: StageChangeError) -> diesel::result::Error {
    match error {
        StageChangeError::Database(error) => error,
        // The form's stage was archived meanwhile, or the deal is gone: not found.
        StageChangeError::DealNotFound | StageChangeError::InvalidStage => {
            diesel::result::Error::NotFound
        }
    }
}

impl RecordType for Deals {
    type Record = Deal;
    type Changes = DealChanges;
    const KIND: RecordKind = RecordKind::Deal;
    const TITLE: &'static str = "Deal";
    const SECTION: Section = Section::Deals;

    fn fields() -> &'static [FieldDef] {
        FIELDS
    }

    fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Deal>> {
        deals::find(conn, DealId(id))
    }

    fn name(d: &Deal) -> String {
        d.title.clone()
    }

    fn custom_values(record: &Deal) -> &serde_json::Value {
        &record.custom_fields
    }

    fn values(d: &Deal) -> Values {
        let mut v = Values::new();
        put(&mut v, "title", Some(&d.title));
        put(&mut v, "company_id", d.company_id);
        put(&mut v, "stage_id", Some(d.stage_id));
        put(&mut v, "owner_id", d.owner_id);
        put(&mut v, "expected_close_date", d.expected_close_date);
        put(&mut v, "source", d.source.as_ref());
        let competitors = d.competitors.join(", ");
        put(
            &mut v,
            "competitors",
            Some(competitors).filter(|c| !c.is_empty()),
        );
        put(&mut v, "won_reason", d.won_reason.as_ref());
        put(&mut v, "lost_reason", d.lost_reason.as_ref());
        put(&mut v, "amount", Some(fields::money_input(d.amount_minor)));
        put(&mut v, "currency", Some(&d.currency));
        put(
            &mut v,
            "discount",
            Some(fields::money_input(d.discount_minor)),
        );
        put(&mut v, "tax", Some(fields::money_input(d.tax_minor)));
        put(
            &mut v,
            "probability",
            d.probability_overridden.then_some(d.probability),
        );
        v
    }

    fn blank(me: UserId) -> Values {
        let mut v = Values::new();
        put(&mut v, "owner_id", Some(me));
        put(&mut v, "currency", Some("USD"));
        // Present (empty) so the form loads stage choices; the first is the default.
        put(&mut v, "stage_id", None::<String>);
        v.insert("stage_id".to_owned(), Vec::new());
        v
    }

    fn prefill(values: &mut Values, query: &FormData) {
        for name in ["company_id", "stage_id"] {
            if let Some(id) = query.optional(name).and_then(|v| v.parse::<i64>().ok()) {
                put(values, name, Some(id));
            }
        }
    }

    fn parse(
        values: &Values,
        custom: &[FieldDefinition],
        stored: &serde_json::Value,
    ) -> Result<DealChanges, Errors> {
        let mut p = Parser::new(values);
        let title = p.required("title", "Title", 200);
        let stage_id = p.id("stage_id");
        if stage_id.is_none() && !p.errors.contains_key("stage_id") {
            p.errors.insert(
                "stage_id".to_owned(),
                "Choose the pipeline and stage.".to_owned(),
            );
        }
        let currency = p.choice("currency", CURRENCIES);
        if currency.is_none() && !p.errors.contains_key("currency") {
            p.errors
                .insert("currency".to_owned(), "Choose a currency.".to_owned());
        }
        let amount_minor = p.money("amount").unwrap_or(0);
        let discount_minor = p.money("discount").unwrap_or(0);
        let tax_minor = p.money("tax").unwrap_or(0);
        let probability = p.integer("probability", 0, 100).map(|n| n as i16);
        let competitors = p
            .text("competitors", 1000)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let mut changes = DealChanges {
            title,
            company_id: p.id("company_id").map(CompanyId),
            primary_contact_id: p.id("primary_contact_id").map(ContactId),
            stage_id: StageId(stage_id.unwrap_or(0)),
            amount_minor,
            currency: currency.unwrap_or_default(),
            discount_minor,
            tax_minor,
            probability,
            expected_close_date: p.date("expected_close_date"),
            owner_id: p.id("owner_id").map(UserId),
            source: p.text("source", 100),
            competitors,
            custom_fields: serde_json::json!({}),
            won_reason: p.text("won_reason", 500),
            lost_reason: p.text("lost_reason", 500),
        };
        let mut errors = p.errors;
        if discount_minor > amount_minor && !errors.contains_key("discount") {
            errors.insert(
                "discount".to_owned(),
                "The discount cannot exceed the amount.".to_owned(),
            );
        }
        changes.custom_fields = fields::parse_custom(custom, values, stored, &mut errors);
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }

    fn owner(changes: &DealChanges) -> Option<i64> {
        changes.owner_id.map(|id| id.0)
    }

    fn company(changes: &DealChanges) -> Option<i64> {
        changes.company_id.map(|id| id.0)
    }

    fn check(
        conn: &mut PgConnection,
        id: Option<i64>,
        changes: &DealChanges,
        errors: &mut Errors,
    ) -> QueryResult<()> {
        let current = match id {
            Some(id) => deals::find(conn, DealId(id))?.map(|deal| deal.stage_id),
            None => None,
        };
        if let Some((field, message)) = deal_edit::closing_reason_problem(conn, current, changes)? {
            errors.insert(field.to_owned(), message.to_owned());
        }
        Ok(())
    }

    fn create(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        changes: DealChanges,
    ) -> QueryResult<i64> {
        deal_edit::create(conn, tenant, Some(actor), &changes)
            .map(|deal| deal.id.0)
            .map_err(stage_error)
    }

    fn update(
        conn: &mut PgConnection,
        tenant: TenantId,
        actor: UserId,
        id: i64,
        changes: &DealChanges,
    ) -> QueryResult<bool> {
        deal_edit::update(conn, tenant, Some(actor), DealId(id), changes)
            .map(|deal| deal.is_some())
            .map_err(stage_error)
    }
}
