//! Reading tasks: the open tasks of a record, and "My tasks" in buckets (overdue, today,
//! upcoming, no date) with keyset paging on (due_at, id) along the assignee's open-task
//! index.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::Task;
use crate::db::schema::{companies, contacts, deals, leads, tasks, users};
use crate::domain::contacts::display_name;
use crate::domain::counts::CappedCount;
use crate::domain::ids::{CompanyId, ContactId, DealId, LeadId, TaskId, UserId};
use crate::domain::record_ref::RecordRef;
use crate::domain::timeline::LinkedRecord;

/// A task with the names a list shows, and its subtasks.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: Task,
    pub assignee_name: Option<String>,
    pub company: Option<LinkedRecord>,
    pub contact: Option<LinkedRecord>,
    pub deal: Option<LinkedRecord>,
    pub lead: Option<LinkedRecord>,
    pub subtasks: Vec<Task>,
}

impl TaskView {
    pub fn open_subtasks(&self) -> usize {
        self.subtasks.iter().filter(|task| task.is_open()).count()
    }
}

/// Live tasks, for every list. Names are looked up afterwards, in batches: a one-table
/// query plans in a fraction of the time a six-table join needs, and the lookups are
/// prepared once per connection.
macro_rules! live_tasks {
    () => {
        tasks::table
            .select(Task::as_select())
            .filter(tasks::deleted_at.is_null())
    };
}

/// `(id, first, last, email)` rows into display names by id.
fn people<I: Copy + Eq + std::hash::Hash>(
    rows: Vec<(I, String, String, Option<String>)>,
) -> HashMap<I, String> {
    rows.into_iter()
        .map(|(id, first, last, email)| (id, display_name(&first, &last, email.as_deref())))
        .collect()
}

fn ids<T: Copy + Eq + std::hash::Hash>(
    tasks: &[Task],
    pick: impl Fn(&Task) -> Option<T>,
) -> Vec<T> {
    let mut seen: Vec<T> = tasks.iter().filter_map(pick).collect();
    let unique: std::collections::HashSet<T> = seen.drain(..).collect();
    unique.into_iter().collect()
}

fn into_views(conn: &mut PgConnection, rows: Vec<Task>) -> QueryResult<Vec<TaskView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let parents: Vec<Option<TaskId>> = rows.iter().map(|task| Some(task.id)).collect();
    let mut subtasks: Vec<Task> = live_tasks!()
        .filter(tasks::parent_task_id.eq_any(parents))
        .order((tasks::created_at, tasks::id))
        .load(conn)?;
    let assignees: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(ids(&rows, |t| t.assignee_id)))
        .select((users::id, users::name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let company_names: HashMap<CompanyId, String> = companies::table
        .filter(companies::id.eq_any(ids(&rows, |t| t.company_id)))
        .filter(companies::deleted_at.is_null())
        .select((companies::id, companies::name))
        .load::<(CompanyId, String)>(conn)?
        .into_iter()
        .collect();
    let contact_names = people(
        contacts::table
            .filter(contacts::id.eq_any(ids(&rows, |t| t.contact_id)))
            .filter(contacts::deleted_at.is_null())
            .select((
                contacts::id,
                contacts::first_name,
                contacts::last_name,
                contacts::email,
            ))
            .load::<(ContactId, String, String, Option<String>)>(conn)?,
    );
    let deal_titles: HashMap<DealId, String> = deals::table
        .filter(deals::id.eq_any(ids(&rows, |t| t.deal_id)))
        .filter(deals::deleted_at.is_null())
        .select((deals::id, deals::title))
        .load::<(DealId, String)>(conn)?
        .into_iter()
        .collect();
    let lead_names = people(
        leads::table
            .filter(leads::id.eq_any(ids(&rows, |t| t.lead_id)))
            .filter(leads::deleted_at.is_null())
            .select((leads::id, leads::first_name, leads::last_name, leads::email))
            .load::<(LeadId, String, String, Option<String>)>(conn)?,
    );
    fn linked<K: Eq + std::hash::Hash + Copy>(
        id: Option<K>,
        names: &HashMap<K, String>,
        raw: impl Fn(K) -> i64,
    ) -> Option<LinkedRecord> {
        let id = id?;
        names.get(&id).map(|name| LinkedRecord {
            id: raw(id),
            name: name.clone(),
        })
    }
    Ok(rows
        .into_iter()
        .map(|task| {
            let (mine, rest): (Vec<Task>, Vec<Task>) = subtasks
                .drain(..)
                .partition(|sub| sub.parent_task_id == Some(task.id));
            subtasks = rest;
            TaskView {
                assignee_name: task.assignee_id.and_then(|id| assignees.get(&id).cloned()),
                company: linked(task.company_id, &company_names, |id| id.0),
                contact: linked(task.contact_id, &contact_names, |id| id.0),
                deal: linked(task.deal_id, &deal_titles, |id| id.0),
                lead: linked(task.lead_id, &lead_names, |id| id.0),
                subtasks: mine,
                task,
            }
        })
        .collect())
}

/// `status IN ('open', 'in_progress')` as literal SQL: the open-task indexes are partial
/// on exactly this, and a bound array would hide it from prepared (generic) plans.
fn is_open() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql("\"tasks\".\"status\" IN ('open', 'in_progress')")
}

/// One live task with names and subtasks.
pub fn view(conn: &mut PgConnection, id: TaskId) -> QueryResult<Option<TaskView>> {
    let rows: Vec<Task> = live_tasks!().filter(tasks::id.eq(id)).load(conn)?;
    Ok(into_views(conn, rows)?.pop())
}

pub fn subtasks_of(conn: &mut PgConnection, parent: TaskId) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::parent_task_id.eq(parent))
        .filter(tasks::deleted_at.is_null())
        .order((tasks::created_at, tasks::id))
        .select(Task::as_select())
        .load(conn)
}

/// The open top-level tasks of a record, soonest due first (undated last). A company's
/// include those on its contacts.
pub fn open_for_record(
    conn: &mut PgConnection,
    record: RecordRef,
    limit: i64,
) -> QueryResult<Vec<TaskView>> {
    let mut query = live_tasks!()
        .filter(is_open())
        .filter(tasks::parent_task_id.is_null())
        .into_boxed::<diesel::pg::Pg>();
    query = match record {
        RecordRef::Company(id) => {
            // The contacts first, as a list: with a sub-select the planner scans every
            // task; with a list it combines the company and contact indexes.
            let people: Vec<Option<ContactId>> = contacts::table
                .filter(contacts::company_id.eq(id))
                .filter(contacts::deleted_at.is_null())
                .select(contacts::id.nullable())
                .load(conn)?;
            query.filter(
                tasks::company_id
                    .eq(id)
                    .or(tasks::contact_id.eq_any(people)),
            )
        }
        RecordRef::Contact(id) => query.filter(tasks::contact_id.eq(id)),
        RecordRef::Deal(id) => query.filter(tasks::deal_id.eq(id)),
        RecordRef::Lead(id) => query.filter(tasks::lead_id.eq(id)),
    };
    let rows: Vec<Task> = query
        .order((tasks::due_at.asc().nulls_last(), tasks::id.asc()))
        .limit(limit)
        .load(conn)?;
    into_views(conn, rows)
}

/// The parts of "My tasks".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Overdue,
    Today,
    Upcoming,
    NoDate,
}

impl Bucket {
    pub const ALL: [Bucket; 4] = [
        Bucket::Overdue,
        Bucket::Today,
        Bucket::Upcoming,
        Bucket::NoDate,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Bucket::Overdue => "overdue",
            Bucket::Today => "today",
            Bucket::Upcoming => "upcoming",
            Bucket::NoDate => "no_date",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Overdue => "Overdue",
            Bucket::Today => "Today",
            Bucket::Upcoming => "Upcoming",
            Bucket::NoDate => "No due date",
        }
    }

    pub fn parse(key: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|bucket| bucket.key() == key)
    }
}

/// Where the viewer's today starts and ends, in UTC.
#[derive(Debug, Clone, Copy)]
pub struct DayBounds {
    pub start_of_today: DateTime<Utc>,
    pub start_of_tomorrow: DateTime<Utc>,
}

/// The last task of a page: (due_at, id), ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskCursor {
    pub due_at: Option<DateTime<Utc>>,
    pub id: TaskId,
}

impl TaskCursor {
    pub fn encode(&self) -> String {
        match self.due_at {
            Some(at) => format!("{}_{}", at.timestamp_micros(), self.id.0),
            None => format!("none_{}", self.id.0),
        }
    }

    pub fn parse(text: &str) -> Option<TaskCursor> {
        let (due, id) = text.split_once('_')?;
        let id = TaskId(id.parse::<i64>().ok().filter(|id| *id > 0)?);
        let due_at = match due {
            "none" => None,
            micros => Some(DateTime::from_timestamp_micros(micros.parse().ok()?)?),
        };
        Some(TaskCursor { due_at, id })
    }
}

#[derive(Debug, Clone)]
pub struct BucketPage {
    pub bucket: Bucket,
    pub tasks: Vec<TaskView>,
    pub total: CappedCount,
    pub next: Option<TaskCursor>,
}

/// Counting stops here; a bucket with more shows "1,000+".
const BUCKET_COUNT_CAP: i64 = 1_000;

/// One page of an assignee's open top-level tasks in one bucket, oldest due first.
pub fn my_bucket(
    conn: &mut PgConnection,
    assignee: UserId,
    bucket: Bucket,
    day: DayBounds,
    after: Option<TaskCursor>,
    limit: i64,
) -> QueryResult<BucketPage> {
    // The filters, as a function so the page and the count build the same query.
    macro_rules! in_bucket {
        ($query:expr) => {{
            let query = $query
                .filter(tasks::assignee_id.eq(assignee))
                .filter(tasks::deleted_at.is_null())
                .filter(is_open())
                .filter(tasks::parent_task_id.is_null());
            match bucket {
                Bucket::Overdue => query.filter(tasks::due_at.lt(day.start_of_today)),
                Bucket::Today => query
                    .filter(tasks::due_at.ge(day.start_of_today))
                    .filter(tasks::due_at.lt(day.start_of_tomorrow)),
                Bucket::Upcoming => query.filter(tasks::due_at.ge(day.start_of_tomorrow)),
                Bucket::NoDate => query.filter(tasks::due_at.is_null()),
            }
        }};
    }
    let mut query = in_bucket!(live_tasks!().into_boxed::<diesel::pg::Pg>());
    if let Some(cursor) = after {
        query = match cursor.due_at {
            Some(due) => query.filter(
                tasks::due_at
                    .gt(due)
                    .or(tasks::due_at.eq(due).and(tasks::id.gt(cursor.id))),
            ),
            None => query.filter(tasks::id.gt(cursor.id)),
        };
    }
    let limit = limit.clamp(1, 200);
    let rows: Vec<Task> = query
        .order((tasks::due_at.asc(), tasks::id.asc()))
        .limit(limit + 1)
        .load(conn)?;
    let mut views = into_views(conn, rows)?;
    let next = if views.len() as i64 > limit {
        views.truncate(limit as usize);
        views.last().map(|view| TaskCursor {
            due_at: view.task.due_at,
            id: view.task.id,
        })
    } else {
        None
    };
    let counted: Vec<TaskId> = in_bucket!(tasks::table.into_boxed::<diesel::pg::Pg>())
        .select(tasks::id)
        .limit(BUCKET_COUNT_CAP + 1)
        .load(conn)?;
    let found = counted.len() as i64;
    let total = if found > BUCKET_COUNT_CAP {
        CappedCount::AtLeast(BUCKET_COUNT_CAP)
    } else {
        CappedCount::Exact(found)
    };
    Ok(BucketPage {
        bucket,
        tasks: views,
        total,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_cursors_round_trip() {
        let at = DateTime::from_timestamp_micros(1_768_500_000_000_001).expect("valid");
        for cursor in [
            TaskCursor {
                due_at: Some(at),
                id: TaskId(7),
            },
            TaskCursor {
                due_at: None,
                id: TaskId(9),
            },
        ] {
            assert_eq!(TaskCursor::parse(&cursor.encode()), Some(cursor));
        }
        assert_eq!(TaskCursor::parse("none_x"), None);
        assert_eq!(TaskCursor::parse("5"), None);
    }
}
