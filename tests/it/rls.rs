//! Tenant isolation enforced by PostgreSQL itself, tested below the application.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use rapport::db::schema::companies;
use rapport::db::{TenantScope, scope};
use rapport::domain::companies::NewCompany;

use crate::support::{TestDb, TwoTenants};

#[derive(QueryableByName, Debug)]
struct TableName {
    #[diesel(sql_type = Text)]
    table_name: String,
}

/// Every table with a tenant_id column, plus tenants itself.
fn tenant_tables(conn: &mut PgConnection) -> Vec<String> {
    let mut tables: Vec<String> = diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'tenant_id' ORDER BY table_name",
    )
    .load::<TableName>(conn)
    .unwrap_or_else(|err| panic!("{err}"))
    .into_iter()
    .map(|row| row.table_name)
    .collect();
    tables.push("tenants".to_owned());
    tables
}

fn count(conn: &mut PgConnection, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .unwrap_or_else(|err| panic!("count {table}: {err}"))
        .n
}

#[test]
fn every_tenant_table_forces_row_level_security_with_both_policies() {
    let db = TestDb::new();
    let mut conn = db.owner_connection();
    #[derive(QueryableByName, Debug)]
    struct Security {
        #[diesel(sql_type = Bool)]
        enabled: bool,
        #[diesel(sql_type = Bool)]
        forced: bool,
        #[diesel(sql_type = BigInt)]
        policies: i64,
    }
    let tables = tenant_tables(&mut conn);
    assert!(
        tables.len() >= 20,
        "expected the CRM tables, found {tables:?}"
    );
    for table in tables {
        let security: Security = diesel::sql_query(
            "SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, \
                    (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname \
                       AND p.policyname IN ('tenant_isolation', 'system_access')) AS policies \
             FROM pg_class c WHERE c.relname = $1 AND c.relkind = 'r'",
        )
        .bind::<Text, _>(&table)
        .get_result(&mut conn)
        .unwrap_or_else(|err| panic!("{table}: {err}"));
        assert!(
            security.enabled && security.forced,
            "{table} must ENABLE and FORCE row-level security: {security:?}"
        );
        assert_eq!(
            security.policies, 2,
            "{table} needs the tenant_isolation and system_access policies"
        );
    }
}

#[test]
fn the_request_role_cannot_bypass_row_level_security() {
    let db = TestDb::new();
    let mut conn = db.owner_connection();
    #[derive(QueryableByName)]
    struct Role {
        #[diesel(sql_type = Bool)]
        bypass: bool,
        #[diesel(sql_type = Bool)]
        superuser: bool,
    }
    for role in ["rapport_app", "rapport_system", "rapport"] {
        let found: Role = diesel::sql_query(
            "SELECT rolbypassrls AS bypass, rolsuper AS superuser FROM pg_roles WHERE rolname = $1",
        )
        .bind::<Text, _>(role)
        .get_result(&mut conn)
        .unwrap_or_else(|err| panic!("{role}: {err}"));
        assert!(
            !found.bypass && !found.superuser,
            "{role} must not bypass row-level security"
        );
    }
}

#[test]
fn with_no_tenant_set_tenant_tables_return_no_rows() {
    let db = TestDb::new();
    let pool = db.pool();
    TwoTenants::create(&pool);
    let mut conn = pool.conn().unwrap_or_else(|err| panic!("{err}"));
    let mut owner = db.owner_connection();
    for table in tenant_tables(&mut owner) {
        // Pool connections start as rapport_app with no tenant.
        assert_eq!(
            count(&mut conn, &table),
            0,
            "{table} leaked rows without a tenant"
        );
        // The same inside a transaction that forgot to scope itself.
        conn.transaction(|conn| {
            conn.batch_execute("SET LOCAL ROLE rapport_app")?;
            assert_eq!(
                count(conn, &table),
                0,
                "{table} leaked rows in an unscoped transaction"
            );
            diesel::QueryResult::Ok(())
        })
        .unwrap_or_else(|err| panic!("{err}"));
    }
    // The rows are there: the system role sees them.
    let companies_seen = scope::as_system(&mut conn, |conn| -> QueryResult<i64> {
        Ok(count(conn, "companies"))
    })
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(companies_seen, 2);
}

#[test]
fn with_tenant_a_set_tenant_bs_rows_cannot_be_read_changed_or_deleted() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let b_company = tenants.b.company_id;
    let mut conn = pool.conn().unwrap_or_else(|err| panic!("{err}"));
    scope::in_tenant(&mut conn, &tenants.a.scope(), |conn| -> QueryResult<()> {
        let visible: i64 = companies::table.find(b_company).count().get_result(conn)?;
        assert_eq!(visible, 0);
        let updated = diesel::update(companies::table.find(b_company))
            .set(companies::name.eq("hijacked"))
            .execute(conn)?;
        assert_eq!(updated, 0);
        let deleted = diesel::delete(companies::table.find(b_company)).execute(conn)?;
        assert_eq!(deleted, 0);
        // Own rows are fine.
        let own: i64 = companies::table.count().get_result(conn)?;
        assert_eq!(own, 1);
        Ok(())
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let name: String = scope::as_system(&mut conn, |conn| {
        companies::table
            .find(b_company)
            .select(companies::name)
            .first(conn)
    })
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(name, "Bravo Roofing Customer");
}

#[test]
fn rows_cannot_be_written_into_another_tenant() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let mut conn = pool.conn().unwrap_or_else(|err| panic!("{err}"));
    let result = scope::in_tenant(&mut conn, &tenants.a.scope(), |conn| {
        rapport::domain::companies::create(
            conn,
            &NewCompany::new(tenants.b.tenant_id, "Planted"),
            None,
        )
    });
    let err = result
        .err()
        .unwrap_or_else(|| panic!("inserting into tenant B while scoped to A must fail"));
    assert!(err.to_string().contains("row-level security"), "{err}");

    // Moving an own row into another tenant is refused too.
    let moved = scope::in_tenant(&mut conn, &tenants.a.scope(), |conn| {
        diesel::update(companies::table.find(tenants.a.company_id))
            .set(companies::tenant_id.eq(tenants.b.tenant_id))
            .execute(conn)
    });
    assert!(moved.is_err(), "changing tenant_id must violate the policy");

    // A reference across tenants is refused by the composite foreign keys.
    let crossed = scope::in_tenant(&mut conn, &tenants.a.scope(), |conn| {
        diesel::update(companies::table.find(tenants.a.company_id))
            .set(companies::owner_id.eq(Some(tenants.b.rep_id)))
            .execute(conn)
    });
    assert!(
        crossed
            .err()
            .is_some_and(|err| err.to_string().contains("foreign key")),
        "owner from another tenant must be refused"
    );
}

#[test]
fn the_service_scope_writes_carry_the_scope_tenant() {
    let db = TestDb::new();
    let pool = db.pool();
    let tenants = TwoTenants::create(&pool);
    let mut conn = pool.conn().unwrap_or_else(|err| panic!("{err}"));
    let scope = TenantScope::service(tenants.b.tenant_id.0);
    let created = scope::in_tenant(&mut conn, &scope, |conn| {
        rapport::domain::companies::create(
            conn,
            &NewCompany::new(tenants.b.tenant_id, "Fine"),
            None,
        )
    })
    .unwrap_or_else(|err| panic!("{err}"));
    let tenant_of_row: i64 = scope::as_system(&mut conn, |conn| {
        companies::table
            .find(created.id)
            .select(companies::tenant_id)
            .first::<rapport::domain::ids::TenantId>(conn)
    })
    .map(|id| id.0)
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(tenant_of_row, tenants.b.tenant_id.0);
}
