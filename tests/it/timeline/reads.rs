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
