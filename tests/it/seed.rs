//! The demo seed: realistic volumes, and running it twice duplicates nothing.

use diesel::prelude::*;
use rapport::db::schema::{
    activities, companies, contacts, deal_stage_history, deals, leads, tasks, tenants, users,
};
use rapport::seed;

use crate::support::TestDb;

fn totals(db: &rapport::db::Db) -> Vec<(&'static str, i64)> {
    db.system_blocking(|conn| -> anyhow::Result<Vec<(&'static str, i64)>> {
        Ok(vec![
            ("tenants", tenants::table.count().get_result(conn)?),
            ("users", users::table.count().get_result(conn)?),
            ("companies", companies::table.count().get_result(conn)?),
            ("contacts", contacts::table.count().get_result(conn)?),
            ("leads", leads::table.count().get_result(conn)?),
            ("deals", deals::table.count().get_result(conn)?),
            (
                "stage history",
                deal_stage_history::table.count().get_result(conn)?,
            ),
            ("activities", activities::table.count().get_result(conn)?),
            ("tasks", tasks::table.count().get_result(conn)?),
        ])
    })
    .unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn the_demo_seed_loads_both_tenants_once() {
    let db = TestDb::new();
    let pool = db.pool();
    let first = seed::demo(&pool).unwrap_or_else(|err| panic!("{err:#}"));
    assert!(first.tenants.iter().all(|t| t.created));
    let after_first = totals(&pool);

    let second = seed::demo(&pool).unwrap_or_else(|err| panic!("{err:#}"));
    assert!(
        second.tenants.iter().all(|t| !t.created),
        "a second run must leave the tenants alone"
    );
    assert_eq!(
        totals(&pool),
        after_first,
        "a second run must not add anything"
    );

    let acme = &first.tenants[0];
    assert_eq!(
        (
            acme.slug.as_str(),
            acme.users,
            acme.companies,
            acme.contacts,
            acme.deals
        ),
        ("acme", 4, 50, 200, 60)
    );
    assert!(
        (950..=1100).contains(&acme.activities),
        "about 1,000 activities, got {}",
        acme.activities
    );
    let globex = &first.tenants[1];
    assert_eq!(
        (globex.slug.as_str(), globex.companies, globex.contacts),
        ("globex", 5, 10)
    );
    let history = after_first
        .iter()
        .find(|(name, _)| *name == "stage history")
        .map(|(_, n)| *n)
        .unwrap_or(0);
    assert!(
        history > 63,
        "every deal has a stage history, got {history} rows"
    );
}

#[test]
fn the_demo_seed_is_the_same_every_time() {
    let names = |db: &rapport::db::Db| -> Vec<String> {
        db.system_blocking(|conn| -> anyhow::Result<Vec<String>> {
            Ok(companies::table
                .order(companies::id)
                .select(companies::name)
                .load(conn)?)
        })
        .unwrap_or_else(|err| panic!("{err}"))
    };
    let (one, two) = (TestDb::new(), TestDb::new());
    let (pool_one, pool_two) = (one.pool(), two.pool());
    seed::demo(&pool_one).unwrap_or_else(|err| panic!("{err:#}"));
    seed::demo(&pool_two).unwrap_or_else(|err| panic!("{err:#}"));
    assert_eq!(names(&pool_one), names(&pool_two));
}
