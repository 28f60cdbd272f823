//! Reading the timeline below the web layer: tenant isolation, capped totals, and day
//! grouping in the viewer's time zone.

use chrono::{DateTime, Utc};
use rapport::domain::activities::ActivityType;
use rapport::domain::counts::CappedCount;
use rapport::domain::timeline::{self, Subjects, TimelineFilter, group_by_day};

use super::{company_filter, log_on_company, scoped};
use crate::support::{TestDb, TwoTenants};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|err| panic!("bad time {text}: {err}"))
        .with_timezone(&Utc)
}

#[test]
fn another_tenants_entries_never_appear() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    log_on_company(
        &pool,
        &tenants.b,
        ActivityType::Note,
        "Bravo secret",
        Utc::now(),
    );
    let a = tenants.a.clone();
    let b_company = tenants.b.company_id;
    let (own_view_of_b, everything) = scoped(&pool, &a, move |conn| {
        Ok((
            timeline::page(conn, a.tenant_id, &company_filter(b_company), None, 50)?.entries,
            timeline::page(conn, a.tenant_id, &TimelineFilter::default(), None, 500)?.entries,
        ))
    });
    assert!(own_view_of_b.is_empty());
    assert!(everything.iter().all(|entry| entry.title != "Bravo secret"));
}

#[test]
fn totals_are_capped() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    for n in 0..6 {
        log_on_company(
            &pool,
            &tenants.a,
            ActivityType::Visit,
            &format!("v{n}"),
            Utc::now(),
        );
    }
    let a = tenants.a.clone();
    let (capped, exact, combined) = scoped(&pool, &a, move |conn| {
        let filter = TimelineFilter {
            types: vec![ActivityType::Visit],
            ..company_filter(a.company_id)
        };
        // Two subjects whose parts each leave some parameters unused.
        let both = TimelineFilter {
            subjects: Subjects {
                company_id: Some(a.company_id),
                lead_id: Some(a.lead_id),
                ..Subjects::default()
            },
            ..filter.clone()
        };
        Ok((
            timeline::capped_total(conn, a.tenant_id, &filter, 5)?,
            timeline::capped_total(conn, a.tenant_id, &filter, 100)?,
            (
                timeline::capped_total(conn, a.tenant_id, &both, 3)?,
                timeline::capped_total(conn, a.tenant_id, &both, 100)?,
            ),
        ))
    });
    assert_eq!(capped, CappedCount::AtLeast(5));
    assert_eq!(exact, CappedCount::Exact(6));
    assert_eq!(combined, (CappedCount::AtLeast(3), CappedCount::Exact(6)));
}

#[test]
fn days_are_the_viewers_days() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    // 03:00 UTC on the 16th is still the evening of the 15th in Los Angeles.
    log_on_company(
        &pool,
        &tenants.a,
        ActivityType::Note,
        "late call",
        at("2026-01-16T03:00:00Z"),
    );
    log_on_company(
        &pool,
        &tenants.a,
        ActivityType::Note,
        "earlier",
        at("2026-01-14T20:00:00Z"),
    );
    let a = tenants.a.clone();
    let entries = scoped(&pool, &a, move |conn| {
        let filter = TimelineFilter {
            types: vec![ActivityType::Note],
            ..company_filter(a.company_id)
        };
        Ok(timeline::page(conn, a.tenant_id, &filter, None, 10)?.entries)
    });
    let now = at("2026-01-16T10:00:00Z");
    let labels = |tz: chrono_tz::Tz| {
        group_by_day(entries.clone(), tz, now)
            .into_iter()
            .map(|group| (group.label, group.entries.len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        labels(chrono_tz::UTC),
        vec![("Today".to_owned(), 1), ("Jan 14, 2026".to_owned(), 1)]
    );
    // In Los Angeles it is 02:00 on the 16th: the late call was yesterday evening.
    assert_eq!(
        labels(chrono_tz::America::Los_Angeles),
        vec![("Yesterday".to_owned(), 1), ("Jan 14, 2026".to_owned(), 1)]
    );
    // In Tokyo the late call was at noon today, the earlier one early on the 15th.
    assert_eq!(
        labels(chrono_tz::Asia::Tokyo),
        vec![("Today".to_owned(), 1), ("Yesterday".to_owned(), 1)]
    );
}

/// The timeline, notes and task lists add no visibility rules of their own: whatever
/// row-level security hides (the records feature's own/team policies) stays hidden.
#[test]
fn whatever_row_level_security_hides_stays_hidden() {
    use diesel::connection::SimpleConnection;
    use rapport::db::TenantScope;
    use rapport::domain::record_ref::RecordRef;
    use rapport::domain::{notes, tasks};

    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let now = Utc::now();
    log_on_company(
        &pool,
        &tenants.a,
        ActivityType::Note,
        "secret: pricing",
        now,
    );
    log_on_company(&pool, &tenants.a, ActivityType::Note, "public: visit", now);
    db.owner_connection()
        .batch_execute(
            "CREATE POLICY test_hide ON activities AS RESTRICTIVE TO rapport_app \
                 USING (app_role() <> 'rep' OR (title || coalesce(content, '')) NOT LIKE '%secret%'); \
             CREATE POLICY test_hide ON notes AS RESTRICTIVE TO rapport_app \
                 USING (app_role() <> 'rep' OR body NOT LIKE 'secret%'); \
             CREATE POLICY test_hide ON tasks AS RESTRICTIVE TO rapport_app \
                 USING (app_role() <> 'rep' OR subject NOT LIKE 'secret%');",
        )
        .unwrap_or_else(|err| panic!("cannot add the test policy: {err}"));
    let a = tenants.a.clone();
    scoped(&pool, &a, move |conn| {
        let record = RecordRef::Company(a.company_id);
        for body in ["secret: discount", "public: parking"] {
            let draft = notes::NoteDraft {
                title: None,
                body: body.to_owned(),
                pinned: false,
            };
            notes::create(conn, a.tenant_id, record, &draft, None)?;
            let task = tasks::TaskDraft {
                subject: body.to_owned(),
                description: None,
                due_at: None,
                reminder_at: None,
                priority: "normal".to_owned(),
                assignee_id: Some(a.rep_id),
            };
            let links = record.links(conn)?;
            tasks::create(conn, a.tenant_id, &task, links, None, None)?;
        }
        Ok(())
    });
    let rep = TenantScope {
        tenant_id: a.tenant_id.0,
        user_id: Some(a.rep_id.0),
        role: "rep".to_owned(),
        team_id: None,
    };
    let company = a.company_id;
    let (titles, total, note_bodies, task_subjects) = pool
        .tenant_blocking(&rep, move |conn| -> anyhow::Result<_> {
            let filter = company_filter(company);
            let record = RecordRef::Company(company);
            Ok((
                timeline::page(conn, a.tenant_id, &filter, None, 100)?
                    .entries
                    .into_iter()
                    .map(|entry| entry.title)
                    .collect::<Vec<_>>(),
                timeline::capped_total(conn, a.tenant_id, &filter, 100)?,
                notes::list(conn, record, false, 10)?
                    .into_iter()
                    .map(|view| view.note.body)
                    .collect::<Vec<_>>(),
                tasks::open_for_record(conn, record, 10)?
                    .into_iter()
                    .map(|view| view.task.subject)
                    .collect::<Vec<_>>(),
            ))
        })
        .unwrap_or_else(|err| panic!("{err:#}"));
    assert!(titles.contains(&"public: visit".to_owned()));
    assert!(
        !titles.iter().any(|title| title.contains("secret")),
        "neither the activity nor the secret task's entry: {titles:?}"
    );
    assert_eq!(total, CappedCount::Exact(titles.len() as i64));
    assert_eq!(note_bodies, vec!["public: parking"]);
    assert_eq!(task_subjects, vec!["public: parking"]);
}
