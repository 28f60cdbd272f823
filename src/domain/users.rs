//! People who sign in. Passwords are argon2id hashes (see [`crate::auth::password`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{teams, users};
use crate::domain::ids::{TeamId, TenantId, UserId};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Serialize)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub team_id: Option<TeamId>,
    pub manager_id: Option<UserId>,
    pub active: bool,
    pub time_zone: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub tenant_id: TenantId,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub team_id: Option<TeamId>,
    pub manager_id: Option<UserId>,
}

/// What sign-in needs to decide, looked up by email before any tenant is known.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct LoginCandidate {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub password_hash: String,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A row of the admin's user list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct UserListRow {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: String,
    pub team_name: Option<String>,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// Normalises an email for storage and lookup.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn create(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
}

/// Sign-in lookup (system scope): emails are unique across tenants.
pub fn find_login_candidate(
    conn: &mut PgConnection,
    email: &str,
) -> QueryResult<Option<LoginCandidate>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(LoginCandidate::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut PgConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalize_email(email)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// The tenant's users with their team, by name. Tenants have tens to hundreds of users,
/// so this list is not paged.
pub fn list(conn: &mut PgConnection) -> QueryResult<Vec<UserListRow>> {
    users::table
        .left_join(teams::table)
        .order((users::name, users::id))
        .select((
            users::id,
            users::name,
            users::email,
            users::role,
            teams::name.nullable(),
            users::active,
            users::last_login_at,
        ))
        .load(conn)
}

pub fn record_login(conn: &mut PgConnection, id: UserId, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::last_login_at.eq(at),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
}

pub fn lock_until(conn: &mut PgConnection, id: UserId, until: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::locked_until.eq(until))
        .execute(conn)
}

pub fn set_password_hash(conn: &mut PgConnection, id: UserId, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}
