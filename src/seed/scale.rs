//! `seed --scale`: a large synthetic tenant for benchmarks (up to 100k companies, 500k
//! contacts, 200k deals, 5M activities). Every value is a pure function of the record's
//! index, so the data is the same on every run and batches can load in parallel. Rows go
//! in through `INSERT … SELECT FROM unnest(…)` with 10,000-row arrays: row-level security
//! rules out COPY for the request role, and array inserts come close to it.

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Int2, Int4, Nullable, Text, Timestamptz};

use super::words::*;
use super::{DEMO_PASSWORD, slugify};
use crate::auth::password;
use crate::db::schema::teams;
use crate::db::{Db, TenantScope, scope};
use crate::domain::ids::{TeamId, TenantId, UserId};
use crate::domain::pipelines::{self, Stage};
use crate::domain::tenants::{self, NewTenant};
use crate::domain::users::{self, NewUser};

const BATCH: usize = 10_000;
const WORKERS: usize = 2;
const HISTORY_DAYS: i64 = 180;
/// Every 100th activity belongs to company 0, "Busy Bee Holdings": at 5M activities it has
/// 50,000, the busy account the timeline benchmark needs.
const BUSY_EVERY: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleCounts {
    pub companies: usize,
    pub contacts: usize,
    pub deals: usize,
    pub activities: usize,
    pub leads: usize,
    pub tasks: usize,
}

impl ScaleCounts {
    pub const SMALL: ScaleCounts = ScaleCounts {
        companies: 1_000,
        contacts: 5_000,
        deals: 2_000,
        activities: 50_000,
        leads: 500,
        tasks: 1_000,
    };
    pub const MEDIUM: ScaleCounts = ScaleCounts {
        companies: 10_000,
        contacts: 50_000,
        deals: 20_000,
        activities: 500_000,
        leads: 5_000,
        tasks: 10_000,
    };
    pub const LARGE: ScaleCounts = ScaleCounts {
        companies: 100_000,
        contacts: 500_000,
        deals: 200_000,
        activities: 5_000_000,
        leads: 50_000,
        tasks: 100_000,
    };

    /// `small`, `medium`, `large`, or `companies=…,contacts=…,deals=…,activities=…` (any
    /// subset; the rest follow the `small` preset).
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        match spec.trim() {
            "small" => return Ok(Self::SMALL),
            "medium" => return Ok(Self::MEDIUM),
            "large" => return Ok(Self::LARGE),
            _ => {}
        }
        let mut counts = Self::SMALL;
        for part in spec
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let (key, value) = part.split_once('=').with_context(|| {
                format!("`{part}`: expected a preset (small, medium, large) or key=count pairs")
            })?;
            let value: usize = value
                .trim()
                .replace('_', "")
                .parse()
                .with_context(|| format!("`{part}`: not a count"))?;
            match key.trim() {
                "companies" => counts.companies = value,
                "contacts" => counts.contacts = value,
                "deals" => counts.deals = value,
                "activities" => counts.activities = value,
                "leads" => counts.leads = value,
                "tasks" => counts.tasks = value,
                other => bail!(
                    "unknown count `{other}` (companies, contacts, deals, activities, leads, tasks)"
                ),
            }
        }
        if counts.companies == 0 || counts.contacts == 0 {
            bail!("a scale tenant needs at least one company and one contact");
        }
        Ok(counts)
    }
}

/// splitmix64: a well-mixed 64-bit value for (stream, index).
fn mix(stream: u64, index: u64) -> u64 {
    let mut z = stream
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(index)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(items: &[T], stream: u64, index: usize) -> T {
    items[(mix(stream, index as u64) % items.len() as u64) as usize]
}

fn below(limit: u64, stream: u64, index: usize) -> u64 {
    mix(stream, index as u64) % limit.max(1)
}

/// The shape of the generated tenant, shared by every loader.
struct Plan {
    counts: ScaleCounts,
    tenant_id: TenantId,
    now: DateTime<Utc>,
    owners: Vec<UserId>,
    stages: Vec<Stage>,
}

impl Plan {
    fn contacts_per_company(&self) -> usize {
        self.counts.contacts.div_ceil(self.counts.companies)
    }

    fn company_of_contact(&self, contact: usize) -> usize {
        contact % self.counts.companies
    }

    /// The k-th contact of a company (contacts are dealt round-robin to companies).
    fn contact_of_company(&self, company: usize, k: usize) -> usize {
        let candidate = company + self.counts.companies * k;
        if candidate < self.counts.contacts {
            candidate
        } else {
            company % self.counts.contacts
        }
    }

    fn owner_of_company(&self, company: usize) -> UserId {
        pick(&self.owners, 1, company)
    }

    fn activity_time(&self, activity: usize) -> DateTime<Utc> {
        self.now - Duration::seconds(below((HISTORY_DAYS * 86_400) as u64, 40, activity) as i64)
    }

    fn activity_contact(&self, activity: usize) -> usize {
        if (activity as u64).is_multiple_of(BUSY_EVERY) {
            self.contact_of_company(
                0,
                below(self.contacts_per_company() as u64, 41, activity) as usize,
            )
        } else {
            below(self.counts.contacts as u64, 42, activity) as usize
        }
    }

    fn deal_company(&self, deal: usize) -> usize {
        below(self.counts.companies as u64, 60, deal) as usize
    }

    fn deal_stage(&self, deal: usize) -> usize {
        below(self.stages.len() as u64, 61, deal) as usize
    }
}

pub fn run(db: &Db, slug: &str, counts: ScaleCounts, replace: bool) -> anyhow::Result<String> {
    tenants::validate_slug(slug).map_err(anyhow::Error::msg)?;
    let mut report = String::new();
    let total = Instant::now();
    let hash = password::hash(DEMO_PASSWORD)?;
    let (tenant_id, owners) = {
        let mut conn = db.conn()?;
        scope::as_system(
            &mut conn,
            |conn| -> anyhow::Result<(TenantId, Vec<UserId>)> {
                if let Some(existing) = tenants::find_by_slug(conn, slug)? {
                    if !replace {
                        bail!(
                            "tenant `{slug}` already exists: pass --replace to delete and recreate it, or --tenant <other-slug>"
                        );
                    }
                    tenants::delete(conn, existing.id)?;
                }
                let tenant = tenants::create(
                    conn,
                    &NewTenant {
                        slug,
                        name: &format!("Scale Test Co ({slug})"),
                        time_zone: "America/New_York",
                        currency: "USD",
                    },
                )?;
                scope::set_scope(conn, &TenantScope::service(tenant.id.0))?;
                let owners = create_users(conn, tenant.id, slug, &hash)?;
                Ok((tenant.id, owners))
            },
        )?
    };
    let scope = TenantScope::service(tenant_id.0);
    let stages = db.tenant_blocking(&scope, |conn| -> anyhow::Result<Vec<Stage>> {
        let pipeline = pipelines::default_pipeline(conn)?;
        Ok(pipelines::stages(conn, pipeline.id)?)
    })?;
    let plan = Plan {
        counts,
        tenant_id,
        now: Utc::now(),
        owners,
        stages,
    };
    writeln!(
        report,
        "Tenant `{slug}` (id {tenant_id}), sign in as admin@{slug}.test with the demo password."
    )?;

    let started = Instant::now();
    let last_activity = LastActivity::compute(&plan);
    writeln!(
        report,
        "  planned last-activity times in {:.1} s",
        started.elapsed().as_secs_f64()
    )?;

    timed("companies", counts.companies, || {
        load_companies(db, &plan, &last_activity)
    })?;
    let company_ids = load_ids(db, &scope, "companies")?;
    timed("contacts", counts.contacts, || {
        load_contacts(db, &plan, &company_ids, &last_activity)
    })?;
    let contact_ids = load_ids(db, &scope, "contacts")?;
    timed("deals", counts.deals, || {
        load_deals(db, &plan, &company_ids, &contact_ids, &last_activity)
    })?;
    let deal_ids = load_ids(db, &scope, "deals")?;
    timed_rows("stage history rows", || {
        load_stage_history(db, &plan, &deal_ids)
    })?;
    let ids = Ids {
        companies: company_ids,
        contacts: contact_ids,
        deals: deal_ids,
    };
    timed("activities", counts.activities, || {
        load_activities(db, &plan, &ids, &last_activity)
    })?;
    timed("leads", counts.leads, || load_leads(db, &plan))?;
    timed("tasks", counts.tasks, || load_tasks(db, &plan, &ids))?;
    let analyzed = Instant::now();
    let mut conn = db.conn()?;
    // Pool connections act as rapport_app, which may not ANALYZE tables it does not own.
    diesel::sql_query("RESET ROLE").execute(&mut conn)?;
    let analyzed_result = diesel::sql_query("ANALYZE").execute(&mut conn);
    diesel::sql_query("SET ROLE rapport_app").execute(&mut conn)?;
    analyzed_result?;
    writeln!(
        report,
        "  ANALYZE in {:.1} s",
        analyzed.elapsed().as_secs_f64()
    )?;
    writeln!(
        report,
        "Busy company for timeline benchmarks: Busy Bee Holdings (id {}).",
        ids.companies[0]
    )?;
    write!(report, "Total {:.1} s.", total.elapsed().as_secs_f64())?;
    Ok(report)
}

fn timed(what: &str, rows: usize, load: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<()> {
    let started = Instant::now();
    load()?;
    let secs = started.elapsed().as_secs_f64();
    let rate = rows as f64 / secs.max(0.001);
    // Printed as it happens: a large seed takes minutes.
    println!("  {rows:>9} {what:<20} in {secs:>6.1} s ({rate:>9.0} rows/s)");
    Ok(())
}

fn timed_rows(what: &str, load: impl FnOnce() -> anyhow::Result<usize>) -> anyhow::Result<usize> {
    let started = Instant::now();
    let rows = load()?;
    let secs = started.elapsed().as_secs_f64();
    let rate = rows as f64 / secs.max(0.001);
    println!("  {rows:>9} {what:<20} in {secs:>6.1} s ({rate:>9.0} rows/s)");
    Ok(rows)
}

fn create_users(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    slug: &str,
    hash: &str,
) -> anyhow::Result<Vec<UserId>> {
    let mut owners = Vec::new();
    users::create(
        conn,
        &NewUser {
            tenant_id,
            email: &format!("admin@{slug}.test"),
            name: "Scale Admin",
            password_hash: hash,
            role: "admin",
            team_id: None,
            manager_id: None,
        },
    )?;
    for team in 1..=4 {
        let team_id: TeamId = diesel::insert_into(teams::table)
            .values((
                teams::tenant_id.eq(tenant_id),
                teams::name.eq(format!("Region {team}")),
            ))
            .returning(teams::id)
            .get_result(conn)?;
        let manager = users::create(
            conn,
            &NewUser {
                tenant_id,
                email: &format!("manager{team}@{slug}.test"),
                name: &format!("Manager {team}"),
                password_hash: hash,
                role: "manager",
                team_id: Some(team_id),
                manager_id: None,
            },
        )?;
        for rep in 1..=10 {
            let n = (team - 1) * 10 + rep;
            let user = users::create(
                conn,
                &NewUser {
                    tenant_id,
                    email: &format!("rep{n}@{slug}.test"),
                    name: &format!(
                        "{} {}",
                        FIRST_NAMES[n % FIRST_NAMES.len()],
                        LAST_NAMES[(n * 7) % LAST_NAMES.len()]
                    ),
                    password_hash: hash,
                    role: "rep",
                    team_id: Some(team_id),
                    manager_id: Some(manager.id),
                },
            )?;
            owners.push(user.id);
        }
    }
    Ok(owners)
}

/// The newest activity time per contact, company and deal, known before anything is
/// inserted, so each record is written once with its final `last_activity_at`.
struct LastActivity {
    contacts: Vec<i64>,
    companies: Vec<i64>,
    deals: Vec<i64>,
}

impl LastActivity {
    fn compute(plan: &Plan) -> Self {
        let mut last = LastActivity {
            contacts: vec![i64::MIN; plan.counts.contacts],
            companies: vec![i64::MIN; plan.counts.companies],
            deals: vec![i64::MIN; plan.counts.deals],
        };
        for activity in 0..plan.counts.activities {
            let at = plan.activity_time(activity).timestamp();
            let contact = plan.activity_contact(activity);
            let company = plan.company_of_contact(contact);
            last.contacts[contact] = last.contacts[contact].max(at);
            last.companies[company] = last.companies[company].max(at);
            if let Some(deal) = activity_deal(plan, activity) {
                last.deals[deal] = last.deals[deal].max(at);
            }
        }
        last
    }

    fn of(values: &[i64], index: usize) -> Option<DateTime<Utc>> {
        values
            .get(index)
            .filter(|at| **at != i64::MIN)
            .and_then(|at| DateTime::from_timestamp(*at, 0))
    }
}

/// One activity in five is about a deal (any deal; the link is what the timeline needs).
fn activity_deal(plan: &Plan, activity: usize) -> Option<usize> {
    (plan.counts.deals > 0 && below(5, 43, activity) == 0)
        .then(|| below(plan.counts.deals as u64, 44, activity) as usize)
}

struct Ids {
    companies: Vec<i64>,
    contacts: Vec<i64>,
    deals: Vec<i64>,
}

/// Ids of the tenant's rows in insertion order (identity values only grow).
fn load_ids(db: &Db, scope: &TenantScope, table: &'static str) -> anyhow::Result<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = db.tenant_blocking(scope, |conn| -> anyhow::Result<Vec<Row>> {
        Ok(diesel::sql_query(format!("SELECT id FROM {table} ORDER BY id")).load(conn)?)
    })?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Runs `load_batch` for each [start, end) batch, spread over a few connections.
fn in_batches(
    db: &Db,
    plan: &Plan,
    total: usize,
    load_batch: impl Fn(&mut PgConnection, std::ops::Range<usize>) -> QueryResult<()> + Sync,
) -> anyhow::Result<()> {
    let scope = TenantScope::service(plan.tenant_id.0);
    let batches: Vec<std::ops::Range<usize>> = (0..total)
        .step_by(BATCH)
        .map(|start| start..(start + BATCH).min(total))
        .collect();
    std::thread::scope(|threads| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|worker| {
                let (batches, scope, load_batch) = (&batches, &scope, &load_batch);
                threads.spawn(move || -> anyhow::Result<()> {
                    for batch in batches.iter().skip(worker).step_by(WORKERS) {
                        db.tenant_blocking(scope, |conn| -> anyhow::Result<()> {
                            Ok(load_batch(conn, batch.clone())?)
                        })?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|handle| {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("a loader thread panicked"))?
        })
    })
}

fn load_companies(db: &Db, plan: &Plan, last: &LastActivity) -> anyhow::Result<()> {
    in_batches(db, plan, plan.counts.companies, |conn, range| {
        let mut cols = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for i in range {
            let name = if i == 0 {
                "Busy Bee Holdings".to_owned()
            } else {
                format!(
                    "{} {} {i}",
                    pick(LAST_NAMES, 2, i),
                    pick(COMPANY_NOUNS, 3, i)
                )
            };
            cols.1.push(Some(format!("{}.example", slugify(&name))));
            cols.0.push(name);
            cols.2.push(Some(pick(INDUSTRIES, 4, i).to_owned()));
            cols.3.push(Some(pick(COLORADO_CITIES, 5, i).0.to_owned()));
            cols.4.push(Some(plan.owner_of_company(i).0));
            cols.5.push(Some(below(2_000, 6, i) as i32 + 1));
            cols.6
                .push(plan.now - Duration::days(HISTORY_DAYS + below(400, 7, i) as i64));
            cols.7.push(LastActivity::of(&last.companies, i));
        }
        diesel::sql_query(
            "INSERT INTO companies (tenant_id, name, domain, industry, city, region, country, owner_id, employee_count, created_at, updated_at, last_activity_at) \
             SELECT $1, t.name, t.domain, t.industry, t.city, 'CO', 'US', t.owner_id, t.employees, t.created_at, t.created_at, t.last_activity_at \
             FROM unnest($2, $3, $4, $5, $6, $7, $8, $9) AS t(name, domain, industry, city, owner_id, employees, created_at, last_activity_at)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<Text>, _>(cols.0)
        .bind::<Array<Nullable<Text>>, _>(cols.1)
        .bind::<Array<Nullable<Text>>, _>(cols.2)
        .bind::<Array<Nullable<Text>>, _>(cols.3)
        .bind::<Array<Nullable<BigInt>>, _>(cols.4)
        .bind::<Array<Nullable<Int4>>, _>(cols.5)
        .bind::<Array<Timestamptz>, _>(cols.6)
        .bind::<Array<Nullable<Timestamptz>>, _>(cols.7)
        .execute(conn)?;
        Ok(())
    })
}

fn load_contacts(
    db: &Db,
    plan: &Plan,
    company_ids: &[i64],
    last: &LastActivity,
) -> anyhow::Result<()> {
    let statuses = [
        "new",
        "contacted",
        "qualified",
        "unqualified",
        "customer",
        "inactive",
    ];
    in_batches(db, plan, plan.counts.contacts, |conn, range| {
        let mut first = Vec::new();
        let mut last_name = Vec::new();
        let mut email = Vec::new();
        let mut phone = Vec::new();
        let mut phone_e164 = Vec::new();
        let mut company = Vec::new();
        let mut owner = Vec::new();
        let mut status = Vec::new();
        let mut title = Vec::new();
        let mut created = Vec::new();
        let mut last_at = Vec::new();
        for j in range {
            let company_index = plan.company_of_contact(j);
            let (f, l) = (pick(FIRST_NAMES, 10, j), pick(LAST_NAMES, 11, j));
            email.push(Some(format!(
                "{}.{}.{j}@{}.example",
                slugify(f),
                slugify(l).replace('-', ""),
                company_index
            )));
            first.push(f.to_owned());
            last_name.push(l.to_owned());
            let line = 1_000_000 + j as u64 % 9_000_000;
            phone.push(Some(format!(
                "+1 (303) {}-{:04}",
                200 + line / 10_000 % 800,
                line % 10_000
            )));
            phone_e164.push(Some(format!(
                "+1303{}{:04}",
                200 + line / 10_000 % 800,
                line % 10_000
            )));
            company.push(Some(company_ids[company_index]));
            owner.push(Some(plan.owner_of_company(company_index).0));
            status.push(pick(&statuses, 12, j).to_owned());
            title.push(Some(pick(TITLES, 13, j).to_owned()));
            created.push(plan.now - Duration::days(HISTORY_DAYS + below(300, 14, j) as i64));
            last_at.push(LastActivity::of(&last.contacts, j));
        }
        diesel::sql_query(
            "INSERT INTO contacts (tenant_id, first_name, last_name, email, phone, phone_e164, company_id, owner_id, status, title, created_at, updated_at, last_activity_at) \
             SELECT $1, t.first_name, t.last_name, t.email, t.phone, t.phone_e164, t.company_id, t.owner_id, t.status, t.title, t.created_at, t.created_at, t.last_activity_at \
             FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                  AS t(first_name, last_name, email, phone, phone_e164, company_id, owner_id, status, title, created_at, last_activity_at)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<Text>, _>(first)
        .bind::<Array<Text>, _>(last_name)
        .bind::<Array<Nullable<Text>>, _>(email)
        .bind::<Array<Nullable<Text>>, _>(phone)
        .bind::<Array<Nullable<Text>>, _>(phone_e164)
        .bind::<Array<Nullable<BigInt>>, _>(company)
        .bind::<Array<Nullable<BigInt>>, _>(owner)
        .bind::<Array<Text>, _>(status)
        .bind::<Array<Nullable<Text>>, _>(title)
        .bind::<Array<Timestamptz>, _>(created)
        .bind::<Array<Nullable<Timestamptz>>, _>(last_at)
        .execute(conn)?;
        Ok(())
    })
}

fn load_deals(
    db: &Db,
    plan: &Plan,
    company_ids: &[i64],
    contact_ids: &[i64],
    last: &LastActivity,
) -> anyhow::Result<()> {
    in_batches(db, plan, plan.counts.deals, |conn, range| {
        let mut number = Vec::new();
        let mut title = Vec::new();
        let mut company = Vec::new();
        let mut contact = Vec::new();
        let mut pipeline = Vec::new();
        let mut stage = Vec::new();
        let mut status = Vec::new();
        let mut amount = Vec::new();
        let mut probability = Vec::new();
        let mut entered = Vec::new();
        let mut expected = Vec::new();
        let mut closed_on = Vec::new();
        let mut owner = Vec::new();
        let mut created = Vec::new();
        let mut last_at = Vec::new();
        for k in range {
            let company_index = plan.deal_company(k);
            let s = &plan.stages[plan.deal_stage(k)];
            let (service, low, high) = pick(SERVICES, 62, k);
            number.push(k as i64 + 1);
            title.push(format!("{service} #{}", k + 1));
            company.push(Some(company_ids[company_index]));
            let contact_index = plan.contact_of_company(
                company_index,
                below(plan.contacts_per_company() as u64, 63, k) as usize,
            );
            contact.push(Some(contact_ids[contact_index]));
            pipeline.push(s.pipeline_id.0);
            stage.push(s.id.0);
            status.push(
                if s.is_closed_won {
                    "won"
                } else if s.is_closed_lost {
                    "lost"
                } else {
                    "open"
                }
                .to_owned(),
            );
            amount.push((low + below((high - low) as u64, 64, k) as i64) * 100);
            probability.push(s.probability);
            let in_stage = Duration::days(below(90, 65, k) as i64)
                + Duration::seconds(below(86_400, 66, k) as i64);
            entered.push(plan.now - in_stage);
            // Closed deals closed the day they entered their closing stage.
            closed_on.push(s.is_closed().then(|| (plan.now - in_stage).date_naive()));
            expected.push(Some(
                (plan.now + Duration::days(below(120, 67, k) as i64 - 20)).date_naive(),
            ));
            owner.push(Some(plan.owner_of_company(company_index).0));
            created.push(
                plan.now
                    - in_stage
                    - Duration::days(s.position as i64 * 12 + below(30, 68, k) as i64),
            );
            last_at.push(LastActivity::of(&last.deals, k));
        }
        diesel::sql_query(
            "INSERT INTO deals (tenant_id, deal_number, title, company_id, primary_contact_id, pipeline_id, stage_id, status, amount_minor, probability, stage_entered_at, expected_close_date, actual_close_date, owner_id, created_at, updated_at, last_activity_at) \
             SELECT $1, t.deal_number, t.title, t.company_id, t.contact_id, t.pipeline_id, t.stage_id, t.status, t.amount, t.probability, t.entered, t.expected, t.closed_on, t.owner_id, t.created_at, t.entered, t.last_activity_at \
             FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                  AS t(deal_number, title, company_id, contact_id, pipeline_id, stage_id, status, amount, probability, entered, expected, closed_on, owner_id, created_at, last_activity_at)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<BigInt>, _>(number)
        .bind::<Array<Text>, _>(title)
        .bind::<Array<Nullable<BigInt>>, _>(company)
        .bind::<Array<Nullable<BigInt>>, _>(contact)
        .bind::<Array<BigInt>, _>(pipeline)
        .bind::<Array<BigInt>, _>(stage)
        .bind::<Array<Text>, _>(status)
        .bind::<Array<BigInt>, _>(amount)
        .bind::<Array<Int2>, _>(probability)
        .bind::<Array<Timestamptz>, _>(entered)
        .bind::<Array<Nullable<diesel::sql_types::Date>>, _>(expected)
        .bind::<Array<Nullable<diesel::sql_types::Date>>, _>(closed_on)
        .bind::<Array<Nullable<BigInt>>, _>(owner)
        .bind::<Array<Timestamptz>, _>(created)
        .bind::<Array<Nullable<Timestamptz>>, _>(last_at)
        .execute(conn)?;
        Ok(())
    })?;
    let scope = TenantScope::service(plan.tenant_id.0);
    db.tenant_blocking(&scope, |conn| -> anyhow::Result<()> {
        diesel::sql_query(
            "INSERT INTO record_sequences (tenant_id, name, last_value) VALUES ($1, 'deal_number', $2) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET last_value = EXCLUDED.last_value",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<BigInt, _>(plan.counts.deals as i64)
        .execute(conn)?;
        Ok(())
    })
}

/// Each deal walked the open stages in order up to its current one (closed deals: all
/// open stages, then the closing stage), with a history row per step.
fn load_stage_history(db: &Db, plan: &Plan, deal_ids: &[i64]) -> anyhow::Result<usize> {
    let open: Vec<&Stage> = plan
        .stages
        .iter()
        .filter(|stage| !stage.is_closed())
        .collect();
    let rows = std::sync::atomic::AtomicUsize::new(0);
    in_batches(db, plan, plan.counts.deals, |conn, range| {
        let (mut deal, mut from, mut to, mut at, mut duration) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for k in range {
            let current = &plan.stages[plan.deal_stage(k)];
            let steps: Vec<&Stage> = if current.is_closed() {
                open.iter()
                    .copied()
                    .chain(std::iter::once(current))
                    .collect()
            } else {
                open.iter()
                    .copied()
                    .take_while(|s| s.position <= current.position)
                    .collect()
            };
            let in_stage = Duration::days(below(90, 65, k) as i64)
                + Duration::seconds(below(86_400, 66, k) as i64);
            let mut entered = plan.now - in_stage;
            let mut times = vec![entered];
            for step in 1..steps.len() {
                entered -= Duration::days(3 + below(20, 70 + step as u64, k) as i64);
                times.insert(0, entered);
            }
            for (i, stage) in steps.iter().enumerate() {
                deal.push(deal_ids[k]);
                from.push(i.checked_sub(1).map(|p| steps[p].id.0));
                to.push(stage.id.0);
                at.push(times[i]);
                duration.push(
                    i.checked_sub(1)
                        .map(|p| (times[i] - times[p]).num_seconds()),
                );
            }
        }
        rows.fetch_add(deal.len(), std::sync::atomic::Ordering::Relaxed);
        diesel::sql_query(
            "INSERT INTO deal_stage_history (tenant_id, deal_id, from_stage_id, to_stage_id, changed_at, duration_seconds) \
             SELECT $1, t.* FROM unnest($2, $3, $4, $5, $6) AS t(deal_id, from_stage_id, to_stage_id, changed_at, duration_seconds)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<BigInt>, _>(deal)
        .bind::<Array<Nullable<BigInt>>, _>(from)
        .bind::<Array<BigInt>, _>(to)
        .bind::<Array<Timestamptz>, _>(at)
        .bind::<Array<Nullable<BigInt>>, _>(duration)
        .execute(conn)?;
        Ok(())
    })?;
    Ok(rows.into_inner())
}

fn load_activities(db: &Db, plan: &Plan, ids: &Ids, _last: &LastActivity) -> anyhow::Result<()> {
    const KINDS: [&str; 10] = [
        "call_outbound",
        "call_outbound",
        "call_inbound",
        "call_missed",
        "email_sent",
        "email_sent",
        "email_received",
        "meeting",
        "note",
        "visit",
    ];
    in_batches(db, plan, plan.counts.activities, |conn, range| {
        let mut kind = Vec::new();
        let mut title = Vec::new();
        let mut direction = Vec::new();
        let mut duration = Vec::new();
        let mut occurred = Vec::new();
        let mut user = Vec::new();
        let mut contact = Vec::new();
        let mut company = Vec::new();
        let mut deal = Vec::new();
        for a in range {
            let contact_index = plan.activity_contact(a);
            let company_index = plan.company_of_contact(contact_index);
            let k = pick(&KINDS, 45, a);
            let name = format!(
                "{} {}",
                pick(FIRST_NAMES, 10, contact_index),
                pick(LAST_NAMES, 11, contact_index)
            );
            title.push(match k {
                "call_outbound" => format!("Called {name}"),
                "call_inbound" => format!("Call from {name}"),
                "call_missed" => format!("Missed call from {name}"),
                "email_sent" | "email_received" => {
                    pick(EMAIL_SUBJECTS, 46, a).replace("{service}", "the estimate")
                }
                "meeting" => format!("Meeting with {name}"),
                "note" => "Note".to_owned(),
                _ => format!("Visited {name}"),
            });
            direction.push(match k {
                "call_outbound" | "email_sent" => Some("outbound"),
                "call_inbound" | "call_missed" | "email_received" => Some("inbound"),
                _ => None,
            });
            duration.push(
                matches!(k, "call_outbound" | "call_inbound" | "meeting")
                    .then(|| 30 + below(1800, 47, a) as i32),
            );
            kind.push(k);
            occurred.push(plan.activity_time(a));
            user.push(Some(plan.owner_of_company(company_index).0));
            contact.push(Some(ids.contacts[contact_index]));
            company.push(Some(ids.companies[company_index]));
            deal.push(activity_deal(plan, a).map(|d| ids.deals[d]));
        }
        diesel::sql_query(
            "INSERT INTO activities (tenant_id, activity_type, title, direction, duration_seconds, occurred_at, user_id, contact_id, company_id, deal_id, created_at, updated_at) \
             SELECT $1, t.kind, t.title, t.direction, t.duration, t.occurred_at, t.user_id, t.contact_id, t.company_id, t.deal_id, t.occurred_at, t.occurred_at \
             FROM unnest($2, $3, $4, $5, $6, $7, $8, $9, $10) AS t(kind, title, direction, duration, occurred_at, user_id, contact_id, company_id, deal_id)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<Text>, _>(kind)
        .bind::<Array<Text>, _>(title)
        .bind::<Array<Nullable<Text>>, _>(direction)
        .bind::<Array<Nullable<Int4>>, _>(duration)
        .bind::<Array<Timestamptz>, _>(occurred)
        .bind::<Array<Nullable<BigInt>>, _>(user)
        .bind::<Array<Nullable<BigInt>>, _>(contact)
        .bind::<Array<Nullable<BigInt>>, _>(company)
        .bind::<Array<Nullable<BigInt>>, _>(deal)
        .execute(conn)?;
        Ok(())
    })
}

fn load_leads(db: &Db, plan: &Plan) -> anyhow::Result<()> {
    let statuses = ["new", "working", "nurturing", "qualified", "disqualified"];
    in_batches(db, plan, plan.counts.leads, |conn, range| {
        let (mut first, mut last, mut email, mut status, mut source, mut owner, mut created) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for i in range {
            let (f, l) = (pick(FIRST_NAMES, 80, i), pick(LAST_NAMES, 81, i));
            first.push(f.to_owned());
            last.push(l.to_owned());
            email.push(Some(format!(
                "{}.{}.{i}@mail.example",
                slugify(f),
                slugify(l)
            )));
            status.push(pick(&statuses, 82, i).to_owned());
            source.push(Some(pick(LEAD_SOURCES, 83, i).to_owned()));
            owner.push(Some(pick(&plan.owners, 84, i).0));
            created.push(plan.now - Duration::seconds(below(90 * 86_400, 85, i) as i64));
        }
        diesel::sql_query(
            "INSERT INTO leads (tenant_id, first_name, last_name, email, status, source, owner_id, created_at, updated_at) \
             SELECT $1, t.*, t.created_at FROM unnest($2, $3, $4, $5, $6, $7, $8) AS t(first_name, last_name, email, status, source, owner_id, created_at)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<Text>, _>(first)
        .bind::<Array<Text>, _>(last)
        .bind::<Array<Nullable<Text>>, _>(email)
        .bind::<Array<Text>, _>(status)
        .bind::<Array<Nullable<Text>>, _>(source)
        .bind::<Array<Nullable<BigInt>>, _>(owner)
        .bind::<Array<Timestamptz>, _>(created)
        .execute(conn)?;
        Ok(())
    })
}

fn load_tasks(db: &Db, plan: &Plan, ids: &Ids) -> anyhow::Result<()> {
    in_batches(db, plan, plan.counts.tasks, |conn, range| {
        let (mut subject, mut due, mut status, mut assignee, mut contact, mut deal) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for t in range {
            let contact_index = below(plan.counts.contacts as u64, 90, t) as usize;
            subject.push(format!("{} #{t}", pick(TASK_SUBJECTS, 91, t)));
            due.push(Some(
                plan.now + Duration::hours(below(60 * 24, 92, t) as i64 - 20 * 24),
            ));
            status.push(if below(5, 93, t) == 0 { "done" } else { "open" }.to_owned());
            assignee.push(Some(
                plan.owner_of_company(plan.company_of_contact(contact_index))
                    .0,
            ));
            contact.push(Some(ids.contacts[contact_index]));
            deal.push(
                (plan.counts.deals > 0 && t % 2 == 0)
                    .then(|| ids.deals[below(plan.counts.deals as u64, 94, t) as usize]),
            );
        }
        diesel::sql_query(
            "INSERT INTO tasks (tenant_id, subject, due_at, status, assignee_id, contact_id, deal_id) \
             SELECT $1, t.* FROM unnest($2, $3, $4, $5, $6, $7) AS t(subject, due_at, status, assignee_id, contact_id, deal_id)",
        )
        .bind::<BigInt, _>(plan.tenant_id.0)
        .bind::<Array<Text>, _>(subject)
        .bind::<Array<Nullable<Timestamptz>>, _>(due)
        .bind::<Array<Text>, _>(status)
        .bind::<Array<Nullable<BigInt>>, _>(assignee)
        .bind::<Array<Nullable<BigInt>>, _>(contact)
        .bind::<Array<Nullable<BigInt>>, _>(deal)
        .execute(conn)?;
        Ok(())
    })
}
