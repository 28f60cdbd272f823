//! The timeline below the web layer: `log_activity` (auto-linking, dedupe, retraction,
//! last_activity_at), reading pages (filters, combined subjects, keyset paging with ties),
//! and day grouping in the viewer's time zone.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rapport::db::schema::{activities, companies, contacts, deals};
use rapport::domain::activities::{ActivityType, ExternalRef, Logged, NewActivity, log_activity};
use rapport::domain::contacts::{self as contact_records, NewContact};
use rapport::domain::ids::{ActivityId, CompanyId};
use rapport::domain::timeline::{self, Cursor, Subjects, TimelineEntry, TimelineFilter};

use super::{company_filter, log_on_company, scoped};
use crate::support::{TestDb, TwoTenants};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("bad time {text}: {err}"))
        .with_timezone(&Utc)
}

/// Every entry of a filter, walking the pages `page_size` at a time.
fn all_pages(
    conn: &mut PgConnection,
    tenant: rapport::domain::ids::TenantId,
    filter: &TimelineFilter,
    page_size: i64,
) -> anyhow::Result<Vec<TimelineEntry>> {
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = timeline::page(conn, tenant, filter, cursor, page_size)?;
        assert!(page.entries.len() as i64 <= page_size);
        seen.extend(page.entries);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok(seen),
        }
    }
}

#[test]
fn log_activity_links_the_company_and_moves_last_activity_forward_only() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let a = tenants.a.clone();
    let recent = at("2026-03-02T10:00:00Z");
    let (entry_company, contact_last, company_last, deal_entry_company, deal_last) =
        scoped(&pool, &a, move |conn| {
            // Only a contact: the contact's company is linked.
            let mut call = NewActivity::new(ActivityType::CallOutbound, "Called Casey", recent);
            call.contact_id = Some(a.contact_id);
            let id = log_activity(conn, a.tenant_id, call)?.id();
            // An older entry does not move last_activity_at back.
            let mut older = NewActivity::new(
                ActivityType::EmailSent,
                "Older",
                recent - Duration::days(30),
            );
            older.contact_id = Some(a.contact_id);
            log_activity(conn, a.tenant_id, older)?;
            // Only a deal: the deal's company is linked.
            let mut won = NewActivity::new(ActivityType::Meeting, "Kick-off", recent);
            won.deal_id = Some(a.deal_id);
            let deal_entry = log_activity(conn, a.tenant_id, won)?.id();
            let company_of = |conn: &mut PgConnection, id: ActivityId| {
                activities::table
                    .find(id)
                    .select(activities::company_id)
                    .first::<Option<CompanyId>>(conn)
            };
            Ok((
                company_of(conn, id)?,
                contacts::table
                    .find(a.contact_id)
                    .select(contacts::last_activity_at)
                    .first::<Option<DateTime<Utc>>>(conn)?,
                companies::table
                    .find(a.company_id)
                    .select(companies::last_activity_at)
                    .first::<Option<DateTime<Utc>>>(conn)?,
                company_of(conn, deal_entry)?,
                deals::table
                    .find(a.deal_id)
                    .select(deals::last_activity_at)
                    .first::<Option<DateTime<Utc>>>(conn)?,
            ))
        });
    let a = &tenants.a;
    assert_eq!(entry_company, Some(a.company_id));
    assert_eq!(deal_entry_company, Some(a.company_id));
    assert!(
        contact_last >= Some(recent),
        "contact last activity {contact_last:?}"
    );
    assert!(company_last >= Some(recent));
    assert!(deal_last >= Some(recent));
}

#[test]
fn the_same_external_record_is_logged_once_updated_when_changed_and_can_be_retracted() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let a = tenants.a.clone();
    let results = scoped(&pool, &a, move |conn| {
        let email = |subject: &str| {
            let mut event = NewActivity::new(
                ActivityType::EmailReceived,
                subject,
                at("2026-02-01T09:00:00Z"),
            );
            event.contact_id = Some(a.contact_id);
            event.external = Some(ExternalRef {
                source: "gmail".to_owned(),
                id: "msg-1".to_owned(),
            });
            event
        };
        let first = log_activity(conn, a.tenant_id, email("Quote"))?;
        let again = log_activity(conn, a.tenant_id, email("Quote"))?;
        let changed = log_activity(conn, a.tenant_id, email("Quote (revised)"))?;
        let rows: Vec<String> = activities::table
            .filter(activities::external_id.eq("msg-1"))
            .select(activities::title)
            .load(conn)?;
        let mut gone = email("Quote (revised)");
        gone.deleted_at = Some(Utc::now());
        let retracted = log_activity(conn, a.tenant_id, gone)?;
        let visible = timeline::find(conn, a.tenant_id, first.id())?;
        let back = log_activity(conn, a.tenant_id, email("Quote (revised)"))?;
        let visible_again = timeline::find(conn, a.tenant_id, first.id())?;
        Ok((
            first,
            again,
            changed,
            rows,
            retracted,
            visible.is_some(),
            back,
            visible_again.is_some(),
        ))
    });
    let (first, again, changed, rows, retracted, visible, back, visible_again) = results;
    assert!(matches!(first, Logged::Created(_)));
    assert_eq!(again, Logged::Unchanged(first.id()));
    assert_eq!(changed, Logged::Updated(first.id()));
    assert_eq!(rows, vec!["Quote (revised)".to_owned()], "one row, updated");
    assert_eq!(retracted, Logged::Updated(first.id()));
    assert!(!visible, "a retracted entry leaves the timeline");
    assert_eq!(back, Logged::Updated(first.id()));
    assert!(visible_again);
}

#[test]
fn keyset_pages_cover_entries_sharing_a_timestamp_exactly_once() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let same = at("2026-01-10T12:00:00Z");
    for n in 0..7 {
        log_on_company(
            &pool,
            &tenants.a,
            ActivityType::Note,
            &format!("tie {n}"),
            same,
        );
    }
    for n in 0..4 {
        let when = same + Duration::minutes(n - 2);
        log_on_company(
            &pool,
            &tenants.a,
            ActivityType::Visit,
            &format!("near {n}"),
            when,
        );
    }
    let a = tenants.a.clone();
    let (paged, whole) = scoped(&pool, &a, move |conn| {
        let filter = company_filter(a.company_id);
        Ok((
            all_pages(conn, a.tenant_id, &filter, 3)?,
            timeline::page(conn, a.tenant_id, &filter, None, 500)?.entries,
        ))
    });
    let ids = |entries: &[TimelineEntry]| entries.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&whole), "pages of 3 equal one big page");
    let mut unique = ids(&paged);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), paged.len(), "no entry twice");
    // 7 ties + 4 others, besides the fixture's own creation events.
    assert!(paged.len() >= 11, "{} entries", paged.len());
    for pair in paged.windows(2) {
        assert!(
            (pair[0].occurred_at, pair[0].id) > (pair[1].occurred_at, pair[1].id),
            "newest first, ties by id"
        );
    }
}

#[test]
fn filters_by_type_author_and_dates_and_combines_subjects() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let a = tenants.a.clone();
    let base = at("2026-02-10T12:00:00Z");
    let lonely = scoped(&pool, &a, move |conn| {
        let t = a.tenant_id;
        let mut call = NewActivity::new(ActivityType::CallLogged, "Call by the rep", base);
        call.company_id = Some(a.company_id);
        call.user_id = Some(a.rep_id);
        log_activity(conn, t, call)?;
        let mut note = NewActivity::new(
            ActivityType::Note,
            "Note by the admin",
            base - Duration::days(3),
        );
        note.company_id = Some(a.company_id);
        note.user_id = Some(a.admin_id);
        log_activity(conn, t, note)?;
        // A contact without a company gets an activity, then joins the company: the
        // entry carries no company link, yet belongs on the company's timeline.
        let lonely = contact_records::create(conn, &NewContact::new(t, "Robin", "Later"), None)?;
        let mut visit = NewActivity::new(
            ActivityType::Visit,
            "Visited Robin",
            base - Duration::days(1),
        );
        visit.contact_id = Some(lonely.id);
        log_activity(conn, t, visit)?;
        diesel::update(contacts::table.find(lonely.id))
            .set(contacts::company_id.eq(Some(a.company_id)))
            .execute(conn)?;
        let mut lead_call = NewActivity::new(ActivityType::CallInbound, "Lead called", base);
        lead_call.lead_id = Some(a.lead_id);
        log_activity(conn, t, lead_call)?;
        Ok(lonely.id)
    });
    let a = tenants.a.clone();
    let titles = move |filter: TimelineFilter| -> Vec<String> {
        let a = a.clone();
        scoped(&pool, &a, move |conn| {
            Ok(timeline::page(conn, a.tenant_id, &filter, None, 100)?
                .entries
                .into_iter()
                .map(|entry| entry.title)
                .collect())
        })
    };
    let company = company_filter(tenants.a.company_id);
    let everything = titles(company.clone());
    assert!(
        everything.contains(&"Visited Robin".to_owned()),
        "{everything:?}"
    );
    assert!(!everything.contains(&"Lead called".to_owned()));

    let without_contacts = titles(TimelineFilter {
        include_company_contacts: false,
        ..company.clone()
    });
    assert!(!without_contacts.contains(&"Visited Robin".to_owned()));

    let notes_and_calls = titles(TimelineFilter {
        types: vec![ActivityType::Note, ActivityType::CallLogged],
        ..company.clone()
    });
    assert_eq!(
        notes_and_calls,
        vec!["Call by the rep", "Note by the admin"]
    );

    let by_admin = titles(TimelineFilter {
        author: Some(tenants.a.admin_id),
        ..company.clone()
    });
    assert_eq!(by_admin, vec!["Note by the admin"]);

    let window = titles(TimelineFilter {
        from: Some(base - Duration::days(2)),
        until: Some(base),
        ..company.clone()
    });
    assert_eq!(
        window,
        vec!["Visited Robin"],
        "from inclusive, until exclusive"
    );

    // A contact together with the lead: the union of both timelines.
    let combined = titles(TimelineFilter {
        subjects: Subjects {
            contact_id: Some(lonely),
            lead_id: Some(tenants.a.lead_id),
            ..Subjects::default()
        },
        ..TimelineFilter::default()
    });
    assert!(combined.contains(&"Lead called".to_owned()));
    assert!(combined.contains(&"Visited Robin".to_owned()));
    assert!(!combined.contains(&"Call by the rep".to_owned()));

    // The whole tenant, one rare type (the per-type index path).
    let all_inbound = titles(TimelineFilter {
        types: vec![ActivityType::CallInbound],
        ..TimelineFilter::default()
    });
    assert_eq!(all_inbound, vec!["Lead called"]);
}
