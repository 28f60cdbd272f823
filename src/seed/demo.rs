//! The demo tenants: "Acme Home Services" (four users, a season of sales work) and
//! "Globex" (a few records of its own, so tenant isolation is visible). Running the seed
//! again changes nothing: each tenant is created in one transaction, or skipped if present.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::words::*;
use super::{DEMO_PASSWORD, DEMO_TENANT_SLUG, Gen, SECOND_TENANT_SLUG, fictional_phone, slugify};
use crate::auth::password;
use crate::db::schema::{deal_contacts, deal_stage_history, notes, taggings, tags, tasks, teams};
use crate::db::{Db, TenantScope, scope};
use crate::domain::activities::{ActivityType, Direction, NewActivity, log_activity};
use crate::domain::companies::{self, NewCompany};
use crate::domain::contacts::{self, NewContact};
use crate::domain::deals::{self, NewDeal};
use crate::domain::ids::{CompanyId, ContactId, DealId, TeamId, TenantId, UserId};
use crate::domain::leads::{self, NewLead};
use crate::domain::pipelines::{self, Stage};
use crate::domain::tenants::{self, NewTenant};
use crate::domain::users::{self, NewUser};

struct TenantSpec {
    slug: &'static str,
    name: &'static str,
    time_zone: &'static str,
    team: &'static str,
    /// (email, name, role); the first manager leads the team, reps report to them.
    users: &'static [(&'static str, &'static str, &'static str)],
    companies: usize,
    contacts: usize,
    leads: usize,
    deals: usize,
    /// Calls, emails, meetings, visits and notes on top of the CRM events.
    communications: usize,
    tasks: usize,
    notes: usize,
    rng_seed: u64,
}

const ACME: TenantSpec = TenantSpec {
    slug: DEMO_TENANT_SLUG,
    name: "Acme Home Services",
    time_zone: "America/Denver",
    team: "Denver Field Sales",
    users: &[
        ("admin@acme.test", "Dana Whitfield", "admin"),
        ("manager@acme.test", "Marcus Reyes", "manager"),
        ("rep1@acme.test", "Priya Shah", "rep"),
        ("rep2@acme.test", "Tom Becker", "rep"),
    ],
    companies: 50,
    contacts: 200,
    leads: 40,
    deals: 60,
    communications: 400,
    tasks: 80,
    notes: 60,
    rng_seed: 20_261_122,
};

const GLOBEX: TenantSpec = TenantSpec {
    slug: SECOND_TENANT_SLUG,
    name: "Globex",
    time_zone: "America/Chicago",
    team: "Globex Sales",
    users: &[("admin@globex.test", "Hank Scorpio", "admin")],
    companies: 5,
    contacts: 10,
    leads: 3,
    deals: 3,
    communications: 12,
    tasks: 4,
    notes: 3,
    rng_seed: 1996,
};

#[derive(Debug, Clone, Default)]
pub struct TenantSummary {
    pub name: String,
    pub slug: String,
    pub created: bool,
    pub users: usize,
    pub companies: usize,
    pub contacts: usize,
    pub leads: usize,
    pub deals: usize,
    pub activities: usize,
    pub tasks: usize,
    pub notes: usize,
}

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub tenants: Vec<TenantSummary>,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.tenants.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if t.created {
                write!(
                    f,
                    "{} ({}): {} users, {} companies, {} contacts, {} leads, {} deals, {} activities, {} tasks, {} notes",
                    t.name,
                    t.slug,
                    t.users,
                    t.companies,
                    t.contacts,
                    t.leads,
                    t.deals,
                    t.activities,
                    t.tasks,
                    t.notes
                )?;
            } else {
                write!(f, "{} ({}): already present, left as it is", t.name, t.slug)?;
            }
        }
        Ok(())
    }
}

/// Loads both demo tenants; a tenant that already exists is left untouched.
pub fn demo(db: &Db) -> anyhow::Result<DemoSummary> {
    let hash = password::hash(DEMO_PASSWORD)?;
    let now = Utc::now();
    let mut conn = db.conn()?;
    let mut summaries = Vec::new();
    for spec in [&ACME, &GLOBEX] {
        let summary = scope::as_system(&mut conn, |conn| seed_tenant(conn, spec, &hash, now))?;
        summaries.push(summary);
    }
    Ok(DemoSummary { tenants: summaries })
}

struct People {
    owners: Vec<UserId>,
    all: Vec<UserId>,
}

fn seed_tenant(
    conn: &mut PgConnection,
    spec: &TenantSpec,
    hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<TenantSummary> {
    let mut summary = TenantSummary {
        name: spec.name.to_owned(),
        slug: spec.slug.to_owned(),
        ..TenantSummary::default()
    };
    if tenants::find_by_slug(conn, spec.slug)?.is_some() {
        return Ok(summary);
    }
    let tenant = tenants::create(
        conn,
        &NewTenant {
            slug: spec.slug,
            name: spec.name,
            time_zone: spec.time_zone,
            currency: "USD",
        },
    )?;
    // From here on, write as the tenant would: row-level security checks every insert.
    scope::set_scope(conn, &TenantScope::service(tenant.id.0))?;
    let mut rng = Gen::new(spec.rng_seed);
    let people = seed_users(conn, spec, tenant.id, hash)?;
    let pipeline = pipelines::default_pipeline(conn)?;
    let stages = pipelines::stages(conn, pipeline.id)?;

    let companies = seed_companies(conn, &mut rng, spec, tenant.id, &people, now)?;
    let contacts = seed_contacts(conn, &mut rng, spec, tenant.id, &companies, now)?;
    let deals = seed_deals(
        conn, &mut rng, spec, tenant.id, &companies, &contacts, &stages, now,
    )?;
    seed_leads(conn, &mut rng, spec, tenant.id, &people, now)?;
    seed_communications(conn, &mut rng, spec, tenant.id, &contacts, &deals, now)?;
    seed_tasks(conn, &mut rng, spec, tenant.id, &contacts, &deals, now)?;
    seed_notes(conn, &mut rng, spec, tenant.id, &contacts, &deals, now)?;
    seed_tags(conn, &mut rng, tenant.id, &companies, &contacts, &deals)?;
    crate::seed::demo_records::seed(conn, tenant.id)?;
    crate::seed::demo_deals::seed(conn, tenant.id)?;

    summary.created = true;
    summary.users = people.all.len();
    summary.companies = companies.len();
    summary.contacts = contacts.len();
    summary.leads = spec.leads;
    summary.deals = deals.len();
    summary.tasks = spec.tasks;
    summary.notes = spec.notes;
    summary.activities = crate::db::schema::activities::table
        .count()
        .get_result::<i64>(conn)? as usize;
    Ok(summary)
}

fn seed_users(
    conn: &mut PgConnection,
    spec: &TenantSpec,
    tenant_id: TenantId,
    hash: &str,
) -> anyhow::Result<People> {
    let team_id: TeamId = diesel::insert_into(teams::table)
        .values((teams::tenant_id.eq(tenant_id), teams::name.eq(spec.team)))
        .returning(teams::id)
        .get_result(conn)?;
    let mut manager = None;
    let mut people = People {
        owners: Vec::new(),
        all: Vec::new(),
    };
    for (email, name, role) in spec.users {
        let user = users::create(
            conn,
            &NewUser {
                tenant_id,
                email,
                name,
                password_hash: hash,
                role,
                team_id: (*role != "admin").then_some(team_id),
                manager_id: if *role == "rep" { manager } else { None },
            },
        )?;
        if *role == "manager" && manager.is_none() {
            manager = Some(user.id);
        }
        people.all.push(user.id);
        // Reps own most of the book; managers and admins a little of it.
        let weight = if *role == "rep" { 3 } else { 1 };
        people.owners.extend(std::iter::repeat_n(user.id, weight));
    }
    Ok(people)
}

#[derive(Clone)]
struct SeededCompany {
    id: CompanyId,
    name: String,
    domain: String,
    owner: UserId,
    created_at: DateTime<Utc>,
}

fn seed_companies(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    people: &People,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<SeededCompany>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(spec.companies);
    while out.len() < spec.companies {
        let (city, postal_code) = *rng.pick(COLORADO_CITIES);
        let name = rng
            .pick(COMPANY_PATTERNS)
            .replace("{last}", rng.word(LAST_NAMES))
            .replace("{last2}", rng.word(LAST_NAMES))
            .replace("{city}", city)
            .replace("{noun}", rng.word(COMPANY_NOUNS));
        if !seen.insert(name.clone()) {
            continue;
        }
        let domain = format!("{}.example", slugify(&name));
        let employees = rng.range(4..900) as i32;
        let created_at =
            now - Duration::days(rng.range(170..400)) - Duration::minutes(rng.range(0..1440));
        let owner = *rng.pick(&people.owners);
        let (phone, _) = fictional_phone("303", out.len());
        let mut new = NewCompany::new(tenant_id, name.clone());
        new.domain = Some(domain.clone());
        new.website = Some(format!("https://www.{domain}"));
        new.industry = Some((*rng.pick(INDUSTRIES)).to_owned());
        new.size_band = Some(size_band(employees).to_owned());
        new.employee_count = Some(employees);
        new.annual_revenue_minor = Some(i64::from(employees) * rng.range(60_000..180_000) * 100);
        new.phone = Some(phone);
        new.address_line1 = Some(format!("{} {}", rng.range(100..9900), rng.pick(STREETS)));
        new.city = Some(city.to_owned());
        new.region = Some("CO".to_owned());
        new.postal_code = Some(postal_code.to_owned());
        new.country = Some("US".to_owned());
        new.owner_id = Some(owner);
        new.account_tier =
            Some((*rng.pick(&["strategic", "enterprise", "mid_market", "smb", "smb"])).to_owned());
        new.is_target_account = rng.chance(0.2);
        new.created_by = Some(owner);
        new.created_at = Some(created_at);
        let company = companies::create(conn, &new, Some(owner))?;
        out.push(SeededCompany {
            id: company.id,
            name,
            domain,
            owner,
            created_at,
        });
    }
    Ok(out)
}

fn size_band(employees: i32) -> &'static str {
    match employees {
        ..=10 => "1-10",
        11..=50 => "11-50",
        51..=200 => "51-200",
        201..=500 => "201-500",
        _ => "501-1000",
    }
}

#[derive(Clone)]
struct SeededContact {
    id: ContactId,
    name: String,
    company: Option<usize>,
    owner: UserId,
    created_at: DateTime<Utc>,
}

fn seed_contacts(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    companies: &[SeededCompany],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<SeededContact>> {
    let statuses = [
        "new",
        "contacted",
        "qualified",
        "qualified",
        "customer",
        "customer",
        "unqualified",
        "inactive",
    ];
    let mut out = Vec::with_capacity(spec.contacts);
    let mut emails = HashSet::new();
    for n in 0..spec.contacts {
        // One in twenty is a homeowner with no company.
        let company_index = (n % 20 != 19).then(|| {
            if n < companies.len() {
                n
            } else {
                rng.index(companies.len())
            }
        });
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let local = format!("{}.{}", slugify(first), slugify(last)).replace('-', "");
        let domain =
            company_index.map_or("mail.example".to_owned(), |i| companies[i].domain.clone());
        let mut email = format!("{local}@{domain}");
        if !emails.insert(email.clone()) {
            email = format!("{local}{n}@{domain}");
            emails.insert(email.clone());
        }
        let (phone, phone_e164) = fictional_phone(if n % 3 == 0 { "720" } else { "303" }, n);
        let (mobile, mobile_e164) = fictional_phone("720", n + 37);
        let earliest = company_index.map_or(now - Duration::days(200), |i| companies[i].created_at);
        let age_days = (now - earliest).num_days().max(2);
        let created_at = earliest
            + Duration::days(rng.range(0..age_days - 1))
            + Duration::minutes(rng.range(0..1440));
        let owner = company_index.map_or(companies[0].owner, |i| companies[i].owner);
        let (city, _) = *rng.pick(COLORADO_CITIES);
        let mut new = NewContact::new(tenant_id, first, last);
        new.company_id = company_index.map(|i| companies[i].id);
        new.email = Some(email);
        new.phone = Some(phone);
        new.phone_e164 = Some(phone_e164);
        if rng.chance(0.6) {
            new.mobile = Some(mobile);
            new.mobile_e164 = Some(mobile_e164);
        }
        new.title = Some(
            (*rng.pick(if company_index.is_some() {
                TITLES
            } else {
                &["Homeowner"]
            }))
            .to_owned(),
        );
        new.department = company_index.map(|_| (*rng.pick(DEPARTMENTS)).to_owned());
        new.owner_id = Some(owner);
        new.status = (*rng.pick(&statuses)).to_owned();
        new.source = Some((*rng.pick(LEAD_SOURCES)).to_owned());
        new.city = Some(city.to_owned());
        new.region = Some("CO".to_owned());
        new.country = Some("US".to_owned());
        new.email_opt_in = rng.chance(0.7);
        new.created_by = Some(owner);
        new.created_at = Some(created_at);
        let contact = contacts::create(conn, &new, Some(owner))?;
        let name = format!("{first} {last}");
        out.push(SeededContact {
            id: contact.id,
            name,
            company: company_index,
            owner,
            created_at,
        });
    }
    Ok(out)
}

#[derive(Clone)]
struct SeededDeal {
    id: DealId,
    contact: usize,
    open: bool,
}

#[allow(clippy::too_many_arguments)]
fn seed_deals(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    companies: &[SeededCompany],
    contacts: &[SeededContact],
    stages: &[Stage],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<SeededDeal>> {
    let open_stages: Vec<&Stage> = stages.iter().filter(|stage| !stage.is_closed()).collect();
    let won = stages
        .iter()
        .find(|stage| stage.is_closed_won)
        .ok_or_else(|| anyhow::anyhow!("no won stage"))?;
    let lost = stages
        .iter()
        .find(|stage| stage.is_closed_lost)
        .ok_or_else(|| anyhow::anyhow!("no lost stage"))?;
    let first_number = deals::reserve_deal_numbers(conn, tenant_id, spec.deals as i64)?;
    let with_company: Vec<usize> = (0..contacts.len())
        .filter(|&i| contacts[i].company.is_some())
        .collect();
    let mut out = Vec::with_capacity(spec.deals);
    for n in 0..spec.deals {
        let contact_index = with_company[rng.index(with_company.len())];
        let contact = &contacts[contact_index];
        let company = &companies[contact.company.unwrap_or(0)];
        let (service, low, high) = *rng.pick(SERVICES);
        let amount_dollars = (rng.range(low..high) / 100) * 100;
        // 1 in 5 won, 1 in 10 lost, the rest spread over the open stages.
        let outcome = n % 10;
        let reached = if outcome < 2 || outcome == 9 {
            open_stages.len()
        } else {
            1 + rng.index(open_stages.len())
        };
        let closing: Option<&Stage> = match outcome {
            0 | 1 => Some(won),
            9 => Some(lost),
            _ => None,
        };
        let path: Vec<&Stage> = open_stages[..reached]
            .iter()
            .copied()
            .chain(closing)
            .collect();
        // Walk backwards from now: the last stage was entered `current_days` ago.
        let stale = n % 7 == 3;
        let current_days = if stale {
            rng.range(35..80)
        } else {
            rng.range(1..20)
        };
        let mut entered: Vec<DateTime<Utc>> =
            vec![now - Duration::days(current_days) - Duration::hours(rng.range(0..20))];
        for _ in 1..path.len() {
            let previous =
                entered[0] - Duration::days(rng.range(3..22)) - Duration::hours(rng.range(0..20));
            entered.insert(0, previous);
        }
        let created_at = entered[0].max(contact.created_at + Duration::hours(1));
        let entered: Vec<DateTime<Utc>> =
            entered.into_iter().map(|at| at.max(created_at)).collect();
        let current = path[path.len() - 1];
        let status = match closing {
            Some(stage) if stage.is_closed_won => "won",
            Some(_) => "lost",
            None => "open",
        };
        let closed_on = (status != "open").then(|| entered[entered.len() - 1].date_naive());
        let title = format!("{} – {service}", company.name);
        // Inserted raw: the history below replays months of stage changes at their times.
        let deal = deals::insert(
            conn,
            &NewDeal {
                tenant_id,
                deal_number: first_number + n as i64,
                title: title.clone(),
                company_id: Some(company.id),
                primary_contact_id: Some(contact.id),
                pipeline_id: current.pipeline_id,
                stage_id: current.id,
                status: status.to_owned(),
                amount_minor: amount_dollars * 100,
                currency: "USD".to_owned(),
                probability: current.probability,
                expected_close_date: Some(
                    closed_on
                        .unwrap_or_else(|| (now + Duration::days(rng.range(5..90))).date_naive()),
                ),
                actual_close_date: closed_on,
                stage_entered_at: entered[entered.len() - 1],
                owner_id: Some(contact.owner),
                source: Some((*rng.pick(LEAD_SOURCES)).to_owned()),
                won_reason: (status == "won").then(|| (*rng.pick(WON_REASONS)).to_owned()),
                lost_reason: (status == "lost").then(|| (*rng.pick(LOST_REASONS)).to_owned()),
                created_by: Some(contact.owner),
                created_at: Some(created_at),
            },
        )?;
        record_deal_history(conn, tenant_id, &deal, &path, &entered, contact)?;
        diesel::insert_into(deal_contacts::table)
            .values((
                deal_contacts::tenant_id.eq(tenant_id),
                deal_contacts::deal_id.eq(deal.id),
                deal_contacts::contact_id.eq(contact.id),
                deal_contacts::role.eq(if n % 3 == 0 {
                    "champion"
                } else {
                    "decision_maker"
                }),
                deal_contacts::influence_level.eq(Some(rng.range(3..6) as i16)),
                deal_contacts::is_champion.eq(n % 3 == 0),
            ))
            .execute(conn)?;
        if let Some(colleague) = contacts
            .iter()
            .position(|c| c.company == contact.company && c.id != contact.id)
        {
            let role = *rng.pick(&["influencer", "gatekeeper", "user"]);
            diesel::insert_into(deal_contacts::table)
                .values((
                    deal_contacts::tenant_id.eq(tenant_id),
                    deal_contacts::deal_id.eq(deal.id),
                    deal_contacts::contact_id.eq(contacts[colleague].id),
                    deal_contacts::role.eq(role),
                    deal_contacts::influence_level.eq(Some(rng.range(1..4) as i16)),
                ))
                .execute(conn)?;
        }
        out.push(SeededDeal {
            id: deal.id,
            contact: contact_index,
            open: status == "open",
        });
    }
    Ok(out)
}

/// Stage history as the stage-change function would have written it, with the matching
/// timeline entries.
fn record_deal_history(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    deal: &deals::Deal,
    path: &[&Stage],
    entered: &[DateTime<Utc>],
    contact: &SeededContact,
) -> anyhow::Result<()> {
    let mut created = NewActivity::new(
        ActivityType::DealCreated,
        format!("Deal {} created", deal.title),
        entered[0],
    );
    created.deal_id = Some(deal.id);
    created.contact_id = Some(contact.id);
    created.user_id = Some(contact.owner);
    log_activity(conn, tenant_id, created)?;
    for (i, stage) in path.iter().enumerate() {
        let from = i.checked_sub(1).map(|p| path[p]);
        let duration = from.map(|_| (entered[i] - entered[i - 1]).num_seconds());
        diesel::insert_into(deal_stage_history::table)
            .values((
                deal_stage_history::tenant_id.eq(tenant_id),
                deal_stage_history::deal_id.eq(deal.id),
                deal_stage_history::from_stage_id.eq(from.map(|s| s.id)),
                deal_stage_history::to_stage_id.eq(stage.id),
                deal_stage_history::changed_at.eq(entered[i]),
                deal_stage_history::changed_by.eq(Some(contact.owner)),
                deal_stage_history::duration_seconds.eq(duration),
            ))
            .execute(conn)?;
        let Some(from) = from else { continue };
        let (kind, title) = if stage.is_closed_won {
            (ActivityType::DealWon, format!("Deal won: {}", deal.title))
        } else if stage.is_closed_lost {
            (ActivityType::DealLost, format!("Deal lost: {}", deal.title))
        } else {
            (
                ActivityType::DealStageChange,
                format!("{} → {}", from.name, stage.name),
            )
        };
        let mut event = NewActivity::new(kind, title, entered[i]);
        event.deal_id = Some(deal.id);
        event.user_id = Some(contact.owner);
        event.description = match kind {
            ActivityType::DealWon => deal.won_reason.clone(),
            ActivityType::DealLost => deal.lost_reason.clone(),
            _ => None,
        };
        event.extra = serde_json::json!({ "from_stage_id": from.id, "to_stage_id": stage.id });
        log_activity(conn, tenant_id, event)?;
    }
    Ok(())
}

fn seed_leads(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    people: &People,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let statuses = [
        "new",
        "new",
        "working",
        "working",
        "nurturing",
        "qualified",
        "disqualified",
    ];
    for n in 0..spec.leads {
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let (phone, _) = fictional_phone("720", n + 61);
        let owner = *rng.pick(&people.owners);
        leads::insert(
            conn,
            &NewLead {
                tenant_id,
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                company_name: rng.chance(0.5).then(|| format!("{last} Residences")),
                email: Some(format!(
                    "{}.{}{n}@mail.example",
                    slugify(first),
                    slugify(last)
                )),
                phone: Some(phone),
                title: rng.chance(0.4).then(|| (*rng.pick(TITLES)).to_owned()),
                source: Some((*rng.pick(LEAD_SOURCES)).to_owned()),
                campaign: Some((*rng.pick(CAMPAIGNS)).to_owned()),
                status: (*rng.pick(&statuses)).to_owned(),
                rating: Some((*rng.pick(&["hot", "warm", "warm", "cold"])).to_owned()),
                score: rng.range(5..96) as i32,
                owner_id: Some(owner),
                created_by: Some(owner),
                created_at: Some(
                    now - Duration::days(rng.range(0..90)) - Duration::minutes(rng.range(0..1440)),
                ),
            },
        )?;
    }
    Ok(())
}

fn seed_communications(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    contacts: &[SeededContact],
    deals: &[SeededDeal],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let kinds = [
        ActivityType::CallOutbound,
        ActivityType::CallOutbound,
        ActivityType::CallInbound,
        ActivityType::CallMissed,
        ActivityType::EmailSent,
        ActivityType::EmailSent,
        ActivityType::EmailReceived,
        ActivityType::EmailReceived,
        ActivityType::Meeting,
        ActivityType::CallLogged,
        ActivityType::Visit,
    ];
    for _ in 0..spec.communications {
        // Contacts with deals hear from us more often.
        let (contact_index, deal) = if rng.chance(0.5) && !deals.is_empty() {
            let deal = &deals[rng.index(deals.len())];
            (deal.contact, deal.open.then_some(deal.id))
        } else {
            (rng.index(contacts.len()), None)
        };
        let contact = &contacts[contact_index];
        let age_minutes = (now - contact.created_at).num_minutes().max(60);
        let occurred_at = now - Duration::minutes(rng.range(0..age_minutes));
        let kind = *rng.pick(&kinds);
        let (service, _, _) = *rng.pick(SERVICES);
        let mut event = NewActivity::new(kind, String::new(), occurred_at);
        event.title = match kind {
            ActivityType::CallOutbound => format!("Called {}", contact.name),
            ActivityType::CallInbound => format!("Call from {}", contact.name),
            ActivityType::CallMissed => format!("Missed call from {}", contact.name),
            ActivityType::EmailSent | ActivityType::EmailReceived => rng
                .pick(EMAIL_SUBJECTS)
                .replace("{service}", &service.to_lowercase()),
            ActivityType::Meeting => format!("Site walk-through with {}", contact.name),
            ActivityType::Visit => format!("Visited {}", contact.name),
            _ => format!("Call notes: {}", contact.name),
        };
        match kind {
            ActivityType::CallOutbound | ActivityType::CallInbound | ActivityType::CallLogged => {
                event.direction = Some(if kind == ActivityType::CallInbound {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                });
                event.duration_seconds = Some(rng.range(45..1500) as i32);
                event.description = Some((*rng.pick(CALL_NOTES)).to_owned());
            }
            ActivityType::CallMissed => event.direction = Some(Direction::Inbound),
            ActivityType::EmailSent | ActivityType::EmailReceived => {
                event.direction = Some(if kind == ActivityType::EmailSent {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                });
                event.content = Some(format!(
                    "Hi {},\n\n{}\n\nBest,\nAcme Home Services",
                    contact.name.split(' ').next().unwrap_or("there"),
                    rng.pick(CALL_NOTES)
                ));
            }
            ActivityType::Meeting => {
                event.duration_seconds = Some(rng.range(20..90) as i32 * 60);
                event.participants = serde_json::json!([{ "name": contact.name }]);
                event.description = Some("Walked the property and measured openings.".to_owned());
            }
            _ => {}
        }
        event.contact_id = Some(contact.id);
        event.deal_id = deal;
        event.user_id = Some(contact.owner);
        log_activity(conn, tenant_id, event)?;
    }
    Ok(())
}

fn seed_tasks(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    contacts: &[SeededContact],
    deals: &[SeededDeal],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for n in 0..spec.tasks {
        let deal = (!deals.is_empty() && n % 2 == 0).then(|| &deals[rng.index(deals.len())]);
        let contact = &contacts[deal.map_or_else(|| rng.index(contacts.len()), |d| d.contact)];
        // A quarter overdue, some due today, most upcoming, a few done.
        let due_at = match n % 8 {
            0 | 1 => now - Duration::days(rng.range(1..10)),
            2 => now + Duration::hours(rng.range(1..6)),
            7 => now - Duration::days(rng.range(1..30)),
            _ => now + Duration::days(rng.range(1..21)),
        };
        let done = n % 8 == 7;
        let created_at = (due_at - Duration::days(rng.range(1..10))).min(now);
        let subject = format!("{} – {}", rng.pick(TASK_SUBJECTS), contact.name);
        let task_id: i64 = diesel::insert_into(tasks::table)
            .values((
                tasks::tenant_id.eq(tenant_id),
                tasks::subject.eq(&subject),
                tasks::due_at.eq(Some(due_at)),
                tasks::priority.eq(*rng.pick(&["low", "normal", "normal", "high", "urgent"])),
                tasks::status.eq(if done { "done" } else { "open" }),
                tasks::assignee_id.eq(Some(contact.owner)),
                tasks::contact_id.eq(Some(contact.id)),
                tasks::deal_id.eq(deal.map(|d| d.id)),
                tasks::completed_at.eq(done.then_some(due_at)),
                tasks::completed_by.eq(done.then_some(contact.owner)),
                tasks::created_by.eq(Some(contact.owner)),
                tasks::created_at.eq(created_at),
            ))
            .returning(tasks::id)
            .get_result(conn)?;
        let mut event = NewActivity::new(
            ActivityType::TaskCreated,
            format!("Task: {subject}"),
            created_at,
        );
        event.contact_id = Some(contact.id);
        event.deal_id = deal.map(|d| d.id);
        event.user_id = Some(contact.owner);
        event.extra = serde_json::json!({ "task_id": task_id });
        log_activity(conn, tenant_id, event)?;
        if done {
            let mut event = NewActivity::new(
                ActivityType::TaskCompleted,
                format!("Completed: {subject}"),
                due_at,
            );
            event.contact_id = Some(contact.id);
            event.deal_id = deal.map(|d| d.id);
            event.user_id = Some(contact.owner);
            event.extra = serde_json::json!({ "task_id": task_id });
            log_activity(conn, tenant_id, event)?;
        }
    }
    Ok(())
}

fn seed_notes(
    conn: &mut PgConnection,
    rng: &mut Gen,
    spec: &TenantSpec,
    tenant_id: TenantId,
    contacts: &[SeededContact],
    deals: &[SeededDeal],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for n in 0..spec.notes {
        let deal = (!deals.is_empty() && n % 3 == 0).then(|| &deals[rng.index(deals.len())]);
        let contact = &contacts[deal.map_or_else(|| rng.index(contacts.len()), |d| d.contact)];
        let body = *rng.pick(NOTE_BODIES);
        let created_at =
            now - Duration::minutes(rng.range(0..(now - contact.created_at).num_minutes().max(60)));
        let note_id: i64 = diesel::insert_into(notes::table)
            .values((
                notes::tenant_id.eq(tenant_id),
                notes::body.eq(body),
                notes::pinned.eq(n % 5 == 0),
                notes::author_id.eq(Some(contact.owner)),
                notes::contact_id.eq(Some(contact.id)),
                notes::deal_id.eq(deal.map(|d| d.id)),
                notes::created_at.eq(created_at),
            ))
            .returning(notes::id)
            .get_result(conn)?;
        let mut event = NewActivity::new(ActivityType::Note, "Note", created_at);
        event.content = Some(body.to_owned());
        event.contact_id = Some(contact.id);
        event.deal_id = deal.map(|d| d.id);
        event.user_id = Some(contact.owner);
        event.extra = serde_json::json!({ "note_id": note_id });
        log_activity(conn, tenant_id, event)?;
    }
    Ok(())
}

fn seed_tags(
    conn: &mut PgConnection,
    rng: &mut Gen,
    tenant_id: TenantId,
    companies: &[SeededCompany],
    contacts: &[SeededContact],
    deals: &[SeededDeal],
) -> anyhow::Result<()> {
    let palette = [
        ("VIP", "#DC2626"),
        ("Referral", "#059669"),
        ("Commercial", "#2563EB"),
        ("Residential", "#D97706"),
        ("Renewal", "#7C3AED"),
    ];
    let mut tag_ids = Vec::new();
    for (name, colour) in palette {
        let id: i64 = diesel::insert_into(tags::table)
            .values((
                tags::tenant_id.eq(tenant_id),
                tags::name.eq(name),
                tags::colour.eq(colour),
            ))
            .returning(tags::id)
            .get_result(conn)?;
        tag_ids.push(id);
    }
    let tag = |conn: &mut PgConnection, entity_type: &str, entity_id: i64, tag_id: i64| {
        diesel::insert_into(taggings::table)
            .values((
                taggings::tenant_id.eq(tenant_id),
                taggings::tag_id.eq(tag_id),
                taggings::entity_type.eq(entity_type),
                taggings::entity_id.eq(entity_id),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
    };
    for company in companies {
        if rng.chance(0.4) {
            tag(conn, "company", company.id.0, tag_ids[2 + rng.index(2)])?;
        }
        if rng.chance(0.1) {
            tag(conn, "company", company.id.0, tag_ids[0])?;
        }
    }
    for contact in contacts.iter().step_by(7) {
        tag(conn, "contact", contact.id.0, *rng.pick(&tag_ids))?;
    }
    for deal in deals.iter().step_by(4) {
        tag(conn, "deal", deal.id.0, *rng.pick(&tag_ids))?;
    }
    Ok(())
}
