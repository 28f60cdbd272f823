//! Lead conversion: company + contact + deal in one step, reusing matches, recorded on the
//! lead, the timeline and the audit log, and undoable.

use diesel::prelude::*;
use rapport::db::schema::{activities, audit_logs, companies, contacts, deals, leads};
use rapport::domain::ids::LeadId;
use reqwest::StatusCode;

use super::helpers;
use crate::support::app::location;
use crate::support::{PASSWORD, TestApp, TwoTenants};

#[derive(Debug, Queryable)]
struct LeadState {
    status: String,
    company: Option<i64>,
    contact: Option<i64>,
    deal: Option<i64>,
}

fn lead_state(db: &rapport::db::Db, tenant: rapport::domain::ids::TenantId, id: i64) -> LeadState {
    helpers::as_service(db, tenant, move |conn| {
        Ok(leads::table
            .find(LeadId(id))
            .select((
                leads::status,
                leads::converted_company_id,
                leads::converted_contact_id,
                leads::converted_deal_id,
            ))
            .first::<LeadState>(conn)?)
    })
}

#[tokio::test]
async fn converting_a_lead_creates_company_contact_and_deal_and_can_be_undone() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    rep.page("/leads/new").await;
    let created = rep
        .post_form(
            "/leads",
            &[
                ("first_name", "Pat"),
                ("last_name", "Lee"),
                ("company_name", "Summit Builders"),
                ("email", "pat@summitbuilders.com"),
                ("phone", "(720) 555-0188"),
                ("title", "Owner"),
                ("source", "Referral"),
                ("status", "qualified"),
                ("score", "70"),
            ],
        )
        .await;
    let url = location(&created);
    let id: i64 = url
        .trim_start_matches("/leads/")
        .parse()
        .unwrap_or_else(|_| panic!("{url}"));
    let (_, page) = rep.page(&url).await;
    assert_eq!(
        page.attr("input[name=company_choice][value=new]", "checked")
            .as_deref(),
        Some(""),
        "no match: a new company is proposed"
    );
    assert_eq!(
        page.attr("input[name=company_name]", "value").as_deref(),
        Some("Summit Builders")
    );

    // A bad amount: the form comes back with the message and the input.
    let bad = rep
        .post_form(
            &format!("{url}/convert"),
            &[
                ("company_choice", "new"),
                ("company_name", "Summit Builders"),
                ("contact_choice", "new"),
                ("create_deal", "on"),
                ("deal_title", "Summit roof"),
                ("deal_amount", "lots"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::support::Page::parse(bad.text().await.unwrap_or_default());
    assert!(page.text("[data-testid=convert-error]").contains("amount"));
    assert_eq!(page.attr("#deal-amount", "value").as_deref(), Some("lots"));

    let done = rep
        .post_form(
            &format!("{url}/convert"),
            &[
                ("company_choice", "new"),
                ("company_name", "Summit Builders"),
                ("contact_choice", "new"),
                ("create_deal", "on"),
                ("deal_title", "Summit roof"),
                ("deal_amount", "12,500"),
                ("deal_close", "2027-03-31"),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let (_, page) = rep.page(&url).await;
    assert_eq!(page.text("[data-testid=status]"), "Converted");
    assert_eq!(
        page.text("[data-testid=converted-company]"),
        "Summit Builders"
    );
    assert_eq!(page.text("[data-testid=converted-contact]"), "Pat Lee");
    assert_eq!(page.text("[data-testid=converted-deal]"), "Summit roof");

    let state = app.blocking(move |db| lead_state(&db, tenant, id)).await;
    assert_eq!(state.status, "converted");
    let (company, contact, deal) = (
        state.company.unwrap_or_default(),
        state.contact.unwrap_or_default(),
        state.deal.unwrap_or_default(),
    );
    type Checks = (
        Option<String>,
        (Option<String>, Option<i64>, Option<String>),
        (i64, Option<i64>, Option<i64>, Option<i64>),
        i64,
        Vec<String>,
    );
    let (
        domain,
        (email, contact_company, e164),
        (amount, deal_company, primary, lead_link),
        events,
        audit,
    ): Checks = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                let domain = companies::table
                    .filter(companies::id.eq(company))
                    .select(companies::domain)
                    .first(conn)?;
                let person = contacts::table
                    .filter(contacts::id.eq(contact))
                    .select((contacts::email, contacts::company_id, contacts::phone_e164))
                    .first::<(Option<String>, Option<i64>, Option<String>)>(conn)?;
                let d = deals::table
                    .filter(deals::id.eq(deal))
                    .select((
                        deals::amount_minor,
                        deals::company_id,
                        deals::primary_contact_id,
                        deals::lead_id,
                    ))
                    .first::<(i64, Option<i64>, Option<i64>, Option<i64>)>(conn)?;
                let events = activities::table
                    .filter(activities::activity_type.eq("lead_converted"))
                    .filter(activities::lead_id.eq(LeadId(id)))
                    .filter(activities::contact_id.eq(rapport::domain::ids::ContactId(contact)))
                    .filter(activities::deal_id.eq(rapport::domain::ids::DealId(deal)))
                    .filter(activities::deleted_at.is_null())
                    .count()
                    .get_result(conn)?;
                let audit = audit_logs::table
                    .filter(audit_logs::entity_type.eq("lead"))
                    .filter(audit_logs::entity_id.eq(id))
                    .order(audit_logs::id)
                    .select(audit_logs::action)
                    .load(conn)?;
                Ok((domain, person, d, events, audit))
            })
        })
        .await;
    assert_eq!(domain.as_deref(), Some("summitbuilders.com"));
    assert_eq!(email.as_deref(), Some("pat@summitbuilders.com"));
    assert_eq!(contact_company, Some(company));
    assert_eq!(e164.as_deref(), Some("+17205550188"));
    assert_eq!(
        (amount, deal_company, primary, lead_link),
        (1_250_000, Some(company), Some(contact), Some(id))
    );
    assert_eq!(
        events, 1,
        "one lead_converted entry on the timeline, linked to all of them"
    );
    assert_eq!(audit, ["lead.created", "lead.converted"]);

    // Converting twice is refused.
    let again = rep
        .post_form(
            &format!("{url}/convert"),
            &[("company_choice", "none"), ("contact_choice", "new")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Undo removes what it made and restores the lead.
    let undone = rep.post_form(&format!("{url}/unconvert"), &[]).await;
    assert_eq!(undone.status(), StatusCode::SEE_OTHER);
    let state = app.blocking(move |db| lead_state(&db, tenant, id)).await;
    assert_eq!(
        (
            state.status.as_str(),
            state.company,
            state.contact,
            state.deal
        ),
        ("qualified", None, None, None)
    );
    let (live_company, live_contact, live_deal, live_event): (i64, i64, i64, i64) = app
        .blocking(move |db| {
            helpers::as_service(&db, tenant, move |conn| {
                Ok((
                    companies::table
                        .filter(companies::id.eq(company))
                        .filter(companies::deleted_at.is_null())
                        .count()
                        .get_result(conn)?,
                    contacts::table
                        .filter(contacts::id.eq(contact))
                        .filter(contacts::deleted_at.is_null())
                        .count()
                        .get_result(conn)?,
                    deals::table
                        .filter(deals::id.eq(deal))
                        .filter(deals::deleted_at.is_null())
                        .count()
                        .get_result(conn)?,
                    activities::table
                        .filter(activities::activity_type.eq("lead_converted"))
                        .filter(activities::lead_id.eq(LeadId(id)))
                        .filter(activities::deleted_at.is_null())
                        .count()
                        .get_result(conn)?,
                ))
            })
        })
        .await;
    assert_eq!(
        (live_company, live_contact, live_deal, live_event),
        (0, 0, 0, 0)
    );
}

#[tokio::test]
async fn conversion_reuses_the_matching_company_and_contact() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let tenant = tenants.a.tenant_id;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/leads/new").await;
    let created = admin
        .post_form(
            "/leads",
            &[
                ("first_name", "Casey"),
                ("last_name", "Alphason"),
                ("company_name", "alpha windows customer"),
                ("email", "CASEY@alpha-customer.test"),
                ("status", "working"),
            ],
        )
        .await;
    let url = location(&created);
    let id: i64 = url
        .trim_start_matches("/leads/")
        .parse()
        .unwrap_or_default();
    let (_, page) = admin.page(&url).await;
    assert_eq!(
        page.attr("input[name=company_choice][value=existing]", "checked")
            .as_deref(),
        Some("")
    );
    assert_eq!(
        page.attr("input[name=company_id]", "value"),
        Some(tenants.a.company_id.0.to_string())
    );
    assert_eq!(
        page.attr("input[name=contact_id]", "value"),
        Some(tenants.a.contact_id.0.to_string())
    );
    assert_eq!(
        page.attr("input[name=contact_choice][value=existing]", "checked")
            .as_deref(),
        Some("")
    );

    let count = move |db: &rapport::db::Db| -> (i64, i64) {
        helpers::as_service(db, tenant, |conn| {
            Ok((
                companies::table.count().get_result(conn)?,
                contacts::table.count().get_result(conn)?,
            ))
        })
    };
    let before = app.blocking(move |db| count(&db)).await;
    let company = tenants.a.company_id.0.to_string();
    let contact = tenants.a.contact_id.0.to_string();
    let done = admin
        .post_form(
            &format!("{url}/convert"),
            &[
                ("company_choice", "existing"),
                ("company_id", &company),
                ("contact_choice", "existing"),
                ("contact_id", &contact),
                ("create_deal", "on"),
                ("deal_title", "Second window job"),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.blocking(move |db| count(&db)).await,
        before,
        "nothing new besides the deal"
    );
    let state = app.blocking(move |db| lead_state(&db, tenant, id)).await;
    assert_eq!(state.company, Some(tenants.a.company_id.0));
    assert_eq!(state.contact, Some(tenants.a.contact_id.0));

    // Undo keeps the reused records.
    admin.post_form(&format!("{url}/unconvert"), &[]).await;
    assert_eq!(app.blocking(move |db| count(&db)).await, before);
    let (_, page) = admin
        .page(&format!("/companies/{}", tenants.a.company_id))
        .await;
    assert!(!page.exists("[data-testid=deleted-banner]"));
    let state = app.blocking(move |db| lead_state(&db, tenant, id)).await;
    assert_eq!(state.status, "working");
}
