//! Fixtures for the records tests: more users, companies and contacts in a tenant, the
//! visibility mode, and requests the way htmx and API clients make them.

use diesel::PgConnection;
use rapport::auth::password;
use rapport::db::{Db, TenantScope, scope};
use rapport::domain::companies::{self, NewCompany};
use rapport::domain::contacts::{self, NewContact};
use rapport::domain::ids::{CompanyId, ContactId, TeamId, TenantId, UserId};
use rapport::domain::users::{self, NewUser};
use reqwest::StatusCode;

use crate::support::app::TestClient;
use crate::support::{PASSWORD, Page};

/// Runs `work` in a transaction scoped to the tenant as Rapport itself (sees everything).
pub fn as_service<T>(
    db: &Db,
    tenant: TenantId,
    work: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> T {
    db.tenant_blocking(&TenantScope::service(tenant.0), work)
        .unwrap_or_else(|err| panic!("fixture work failed: {err:#}"))
}

/// Adds a user to the tenant (password [`PASSWORD`]).
pub fn add_user(
    db: &Db,
    tenant: TenantId,
    email: &str,
    name: &str,
    role: &str,
    team: Option<TeamId>,
) -> UserId {
    let hash = password::hash(PASSWORD).unwrap_or_else(|err| panic!("hash: {err}"));
    let mut conn = db.conn().unwrap_or_else(|err| panic!("{err}"));
    scope::as_system(&mut conn, |conn| -> anyhow::Result<UserId> {
        scope::set_scope(conn, &TenantScope::service(tenant.0))?;
        Ok(users::create(
            conn,
            &NewUser {
                tenant_id: tenant,
                email,
                name,
                password_hash: &hash,
                role,
                team_id: team,
                manager_id: None,
            },
        )?
        .id)
    })
    .unwrap_or_else(|err| panic!("cannot add user {email}: {err:#}"))
}

/// A team, with the given users in it.
pub fn team_with(db: &Db, tenant: TenantId, name: &str, members: &[UserId]) -> TeamId {
    let name = name.to_owned();
    let members = members.to_vec();
    as_service(db, tenant, move |conn| {
        use diesel::prelude::*;
        use rapport::db::schema::{teams, users};
        let team: TeamId = diesel::insert_into(teams::table)
            .values((teams::tenant_id.eq(tenant), teams::name.eq(&name)))
            .returning(teams::id)
            .get_result(conn)?;
        diesel::update(users::table.filter(users::id.eq_any(&members)))
            .set(users::team_id.eq(Some(team)))
            .execute(conn)?;
        Ok(team)
    })
}

pub fn user_id(db: &Db, email: &str) -> UserId {
    let email = email.to_owned();
    db.system_blocking(|conn| -> anyhow::Result<UserId> {
        Ok(users::find_by_email(conn, &email)?
            .ok_or_else(|| anyhow::anyhow!("no user {email}"))?
            .id)
    })
    .unwrap_or_else(|err| panic!("{err:#}"))
}

pub fn set_visibility(db: &Db, tenant: TenantId, mode: &str) {
    let mode = mode.to_owned();
    as_service(db, tenant, move |conn| {
        use diesel::prelude::*;
        use rapport::db::schema::tenants;
        diesel::update(tenants::table.find(tenant))
            .set(tenants::record_visibility.eq(&mode))
            .execute(conn)?;
        Ok(())
    })
}

pub struct CompanySeed<'a> {
    pub name: &'a str,
    pub owner: Option<UserId>,
    pub city: Option<&'a str>,
    pub domain: Option<&'a str>,
}

pub fn company(db: &Db, tenant: TenantId, seed: CompanySeed<'_>) -> CompanyId {
    let mut new = NewCompany::new(tenant, seed.name);
    new.owner_id = seed.owner;
    new.city = seed.city.map(str::to_owned);
    new.domain = seed.domain.map(str::to_owned);
    as_service(db, tenant, move |conn| {
        Ok(companies::create(conn, &new, None)?.id)
    })
}

/// Many companies named "`prefix` 001" … in one statement.
pub fn many_companies(
    db: &Db,
    tenant: TenantId,
    prefix: &str,
    count: usize,
    owner: Option<UserId>,
) {
    let prefix = prefix.to_owned();
    as_service(db, tenant, move |conn| {
        use diesel::prelude::*;
        use diesel::sql_types::{BigInt, Integer, Nullable, Text};
        diesel::sql_query(
            "INSERT INTO companies (tenant_id, name, owner_id, city) \
             SELECT $1, $2 || ' ' || lpad(i::text, $5, '0'), $3, CASE WHEN i % 2 = 0 THEN 'Denver' ELSE 'Boulder' END \
             FROM generate_series(1, $4) AS i",
        )
        .bind::<BigInt, _>(tenant.0)
        .bind::<Text, _>(&prefix)
        .bind::<Nullable<BigInt>, _>(owner.map(|o| o.0))
        .bind::<Integer, _>(count as i32)
        .bind::<Integer, _>(count.to_string().len().max(3) as i32)
        .execute(conn)?;
        Ok(())
    })
}

pub fn contact(
    db: &Db,
    tenant: TenantId,
    first: &str,
    last: &str,
    email: Option<&str>,
    company: Option<CompanyId>,
    owner: Option<UserId>,
) -> ContactId {
    let mut new = NewContact::new(tenant, first, last);
    new.email = email.map(str::to_owned);
    new.company_id = company;
    new.owner_id = owner;
    as_service(db, tenant, move |conn| {
        Ok(contacts::create(conn, &new, None)?.id)
    })
}

/// GET as htmx does (the results fragment, not the whole page).
pub async fn htmx_get(
    client: &TestClient,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Page) {
    let response = client
        .http
        .get(client.url(path))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {path}: {err}"));
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_else(|err| panic!("{err}"));
    (status, headers, Page::parse(text))
}

/// POST a form as htmx does (CSRF in the header).
pub async fn htmx_post(
    client: &TestClient,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Page) {
    let token = client
        .csrf_token()
        .unwrap_or_else(|| panic!("load a page before POST {path}"));
    let response = client
        .http
        .post(client.url(path))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err}"));
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_else(|err| panic!("{err}"));
    (status, headers, Page::parse(text))
}

/// The ids of the rows of a list page.
pub fn row_ids(page: &Page) -> Vec<i64> {
    page.select("#records tbody tr")
        .iter()
        .filter_map(|row| row.value().attr("data-id"))
        .filter_map(|id| id.parse().ok())
        .collect()
}

/// The names (first column links) of a list page.
pub fn row_names(page: &Page) -> Vec<String> {
    page.texts("#records tbody tr .record-link")
}
