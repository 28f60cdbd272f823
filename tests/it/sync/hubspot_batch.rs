//! HubSpot contacts are created in bulk (one insert per table for a batch's new contacts),
//! two batches at once: each contact still gets exactly one timeline entry, audit row and
//! link, touches its company (batches share companies), and a record PostgreSQL refuses
//! fails alone.

use diesel::prelude::*;
use rapport::db::schema::{activities, audit_logs, companies, contacts, sync_links};
use rapport::sync::options::SyncOptions;
use serde_json::json;

use super::helpers::*;
use super::hubspot::{Setup, setup, small};

/// Per table, what the contacts sync left: (contacts, contacts without last activity,
/// contact_created entries, contacts with one, entries whose company differs from the
/// contact's, audit rows, links, companies with contacts but no last activity).
fn crm_counts(setup: &Setup) -> [i64; 8] {
    setup
        .db
        .tenant_blocking(&scope(setup.tenant), |conn| -> anyhow::Result<_> {
            let synced = contacts::table.filter(contacts::external_source.eq("hubspot"));
            let total: i64 = synced.count().get_result(conn)?;
            let untouched: i64 = synced
                .filter(contacts::last_activity_at.is_null())
                .count()
                .get_result(conn)?;
            let synced_ids: Vec<i64> = synced.select(contacts::id).load(conn)?;
            let created = || {
                activities::table
                    .filter(activities::activity_type.eq("contact_created"))
                    .filter(activities::contact_id.eq_any(&synced_ids))
            };
            let entries: i64 = created().count().get_result(conn)?;
            let with_entry: i64 = created()
                .select(diesel::dsl::count(activities::contact_id).aggregate_distinct())
                .get_result(conn)?;
            let pairs: Vec<(Option<i64>, Option<i64>)> = created()
                .inner_join(contacts::table.on(contacts::id.nullable().eq(activities::contact_id)))
                .select((activities::company_id, contacts::company_id))
                .load(conn)?;
            let wrong_company = pairs.iter().filter(|(a, c)| a != c).count() as i64;
            let audits: i64 = audit_logs::table
                .filter(audit_logs::action.eq("contact.created"))
                .filter(audit_logs::entity_id.eq_any(&synced_ids))
                .count()
                .get_result(conn)?;
            let links: i64 = sync_links::table
                .filter(sync_links::entity_type.eq("contact"))
                .count()
                .get_result(conn)?;
            let stale_companies: i64 = companies::table
                .filter(companies::last_activity_at.is_null())
                .filter(
                    companies::id.nullable().eq_any(
                        contacts::table
                            .select(contacts::company_id)
                            .filter(contacts::company_id.is_not_null()),
                    ),
                )
                .count()
                .get_result(conn)?;
            Ok([
                total,
                untouched,
                entries,
                with_entry,
                wrong_company,
                audits,
                links,
                stale_companies,
            ])
        })
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_batch_of_new_contacts_gets_one_entry_audit_row_and_link_each() {
    let setup = setup(small(), json!({})).await;
    let companies_run = setup.sync("companies", SyncOptions::default()).await;
    assert_eq!(companies_run.status, "success");
    // Ten batches of four, stored two at a time, sharing the companies they touch.
    let in_fours = SyncOptions {
        batch_size: Some(4),
        ..Default::default()
    };
    let run = setup.sync("contacts", in_fours).await;
    assert_eq!((run.status.as_str(), run.created), ("success", 40));
    let after_first = crm_counts(&setup);
    assert_eq!(after_first, [40, 0, 40, 40, 0, 40, 40, 0]);

    // Re-run everything: nothing new, nothing twice.
    let again = setup
        .sync(
            "contacts",
            SyncOptions {
                full: true,
                force: true,
                ..Default::default()
            },
        )
        .await;
    assert_eq!((again.status.as_str(), again.created), ("success", 0));
    assert_eq!(crm_counts(&setup), after_first);
}

#[tokio::test]
async fn a_contact_postgres_refuses_fails_alone_and_its_batch_is_kept() {
    let setup = setup(small(), json!({})).await;
    // Too long for an index entry on the email (incompressible: past PostgreSQL's limit).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let huge: String = (0..12_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(state % 36) as usize])
        })
        .collect();
    setup
        .control(
            "/__fixture/hubspot/mutate",
            json!({ "object": "contacts", "id": 2000007, "properties": { "email": format!("{huge}@example.com") } }),
        )
        .await;
    // The refused contact's batch is mapped one by one while the next batch is stored.
    let in_eights = SyncOptions {
        batch_size: Some(8),
        ..Default::default()
    };
    let run = setup.sync("contacts", in_eights).await;
    assert_eq!(
        (run.status.as_str(), run.failed),
        ("partial", 1),
        "{:?}",
        run.error_message
    );
    let errors = run_errors(&setup.db, setup.tenant, run.id);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source_id.as_deref(), Some("2000007"));
    assert!(
        errors[0].reason.contains("index row"),
        "refused by PostgreSQL: {}",
        errors[0].reason
    );
    let counts = crm_counts(&setup);
    assert_eq!(
        &counts[..7],
        &[39, 0, 39, 39, 0, 39, 39],
        "the other 39 are created once each"
    );
    // The refused record stays in the hub, so a fixed copy maps later.
    assert_eq!(
        records(&setup.db, setup.tenant, "hubspot", "contacts").len(),
        40
    );
}
