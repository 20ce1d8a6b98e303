//! Downloads of what the console lists, as CSV files: the Users list and the Activity view under
//! their filters. A file is read from the database a batch at a time while it is sent, so memory
//! stays flat at any size; a cell a spreadsheet would read as a formula is neutralised; every
//! export is itself audited.

use super::users::{self, Words};
use super::{activity, now, AppState, ServiceError, ServiceResult};
use crate::entities::{user, user_role};
use crate::i18n::Locale;
use crate::model::{
    activity::{ActivityQuery, ActivitySubject, AuditAction, Cursor, PagedQuery},
    users::UserQuery,
};
use crate::services::acting::Actor;
use crate::services::audit::{self, Changes};
use sea_orm::{
    prelude::*,
    sea_query::{Expr, ExprTrait, Func},
    DatabaseConnection, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

/// Rows read from the database per statement while a file is sent.
pub const BATCH: u64 = 1_000;

/// What can be downloaded.
#[derive(Debug, Clone)]
pub enum Export {
    Users(UserQuery),
    Activity(ActivityQuery),
}

impl Export {
    /// The file's name, with the day it was made.
    pub fn file_name(&self) -> String {
        let kind = match self {
            Export::Users(_) => "people",
            Export::Activity(_) => "activity",
        };
        format!("{kind}-{}.csv", now().format("%Y-%m-%d"))
    }
}

/// A piece of a file being written: the bytes of a batch as it is read. A failure cuts the file
/// short (the browser reports the download as failed) and is logged.
pub type Chunk = Result<Vec<u8>, std::io::Error>;

/// Records that the actor downloads `export` (what, with which filters), then returns its file
/// as a stream of chunks, read from the database a batch at a time as they are sent.
pub async fn start(
    state: &AppState,
    actor: &Actor<'_>,
    export: Export,
    locale: Locale,
) -> ServiceResult<impl futures::Stream<Item = Chunk> + Send + 'static> {
    let (kind, filters) = match &export {
        Export::Users(query) => ("people", query.to_params()),
        Export::Activity(query) => ("activity", query.first_page().to_params()),
    };
    let filters: Vec<String> = filters
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let organisation = actor.organisation_id();
    audit::record(
        &state.db,
        actor.audit_of(
            AuditAction::DataExported,
            "organisation",
            organisation,
            Changes::new()
                .same("export", kind)
                .same("filters", filters.join("&")),
        ),
    )
    .await?;
    // The organisation's role names, read once for the whole file of people.
    let role_names: std::sync::Arc<HashMap<Uuid, String>> = std::sync::Arc::new(match &export {
        Export::Users(_) => super::roles::tags(&state.db, organisation)
            .await?
            .into_iter()
            .map(|tag| (tag.id, tag.name))
            .collect(),
        Export::Activity(_) => HashMap::new(),
    });
    let db = state.db.clone();
    let first = Step {
        header: true,
        after: None,
    };
    Ok(futures::stream::unfold(Some(first), move |step| {
        let (db, export, role_names) = (db.clone(), export.clone(), role_names.clone());
        async move {
            let step = step?;
            let written = match &export {
                Export::Users(query) => {
                    users_batch(&db, organisation, query, &role_names, step).await
                }
                Export::Activity(query) => {
                    activity_batch(&db, organisation, query, step, locale).await
                }
            };
            Some(match written {
                Ok((bytes, next)) => (Ok(bytes), next),
                Err(error) => {
                    tracing::error!(%error, "export failed while streaming");
                    (Err(std::io::Error::other(error.to_string())), None)
                }
            })
        }
    }))
}

/// Where a file's writing is: whether its header is still to come, and where the next batch
/// starts (the last email address written, or the last entry's cursor).
#[derive(Debug, Clone)]
struct Step {
    header: bool,
    after: Option<After>,
}

#[derive(Debug, Clone)]
enum After {
    Email(String, Uuid),
    Entry(Cursor),
}

/// What a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) starts with a `'`, so it opens as the text it is.
pub fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// `rows` as CSV, each cell neutralised, after the header when one is given.
fn csv(header: Option<&[&str]>, rows: &[Vec<String>]) -> ServiceResult<Vec<u8>> {
    let failed = |e: csv::Error| ServiceError::Internal(format!("writing CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    if let Some(header) = header {
        writer.write_record(header).map_err(failed)?;
    }
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| neutralised(cell).into_owned()))
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| ServiceError::Internal(format!("writing CSV: {e}")))
}

const USERS_HEADER: [&str; 11] = [
    "first_name",
    "last_name",
    "email",
    "user_type",
    "status",
    "roles",
    "phone",
    "external_id",
    "timezone",
    "last_sign_in",
    "added",
];

/// The next batch of the people matching `query`, by address.
async fn users_batch(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &UserQuery,
    names: &HashMap<Uuid, String>,
    step: Step,
) -> ServiceResult<(Vec<u8>, Option<Step>)> {
    let email = || Func::lower(Expr::col((user::Entity, user::Column::Email)));
    let mut select = user::Entity::find().filter(users::row_filters(organisation_id, query));
    if let Some(role) = query.role {
        select = select.filter(users::holds_role(db.get_database_backend(), role));
    }
    match Words::of(&query.search) {
        Words::Nothing => return Ok((csv(Some(&USERS_HEADER), &[])?, None)),
        Words::All(words) => {
            select = select.filter(users::words_of_row(db.get_database_backend(), &words));
        }
        Words::Any => {}
    }
    // By address, then id: an account replaced for a new user type shares its address.
    if let Some(After::Email(last, id)) = &step.after {
        select = select.filter(
            Expr::tuple([email().into(), Expr::col((user::Entity, user::Column::Id))])
                .gt(Expr::tuple([Expr::val(last.as_str()), Expr::val(*id)])),
        );
    }
    let people = select
        .order_by_asc(Expr::expr(email()))
        .order_by_asc(user::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?;
    let held: Vec<(Uuid, Uuid)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.is_in(people.iter().map(|p| p.id)))
        .into_tuple()
        .all(db)
        .await?;
    let mut roles: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (id, role) in held {
        if let Some(name) = names.get(&role) {
            roles.entry(id).or_default().push(name.clone());
        }
    }
    for held in roles.values_mut() {
        held.sort();
    }
    let day = |at: Option<DateTimeUtc>| at.map(|at| at.to_rfc3339()).unwrap_or_default();
    let rows: Vec<Vec<String>> = people
        .iter()
        .map(|p| {
            vec![
                p.first_name.clone(),
                p.last_name.clone(),
                p.email.clone(),
                p.user_type.code().to_string(),
                p.status.code().to_string(),
                roles.get(&p.id).map(|r| r.join("; ")).unwrap_or_default(),
                p.phone.clone().unwrap_or_default(),
                p.external_id.clone().unwrap_or_default(),
                p.timezone.clone().unwrap_or_default(),
                day(p.last_login_at),
                day(Some(p.created_at)),
            ]
        })
        .collect();
    let bytes = csv(step.header.then_some(&USERS_HEADER[..]), &rows)?;
    let next = (people.len() as u64 == BATCH).then(|| Step {
        header: false,
        after: people
            .last()
            .map(|p| After::Email(p.email.to_lowercase(), p.id)),
    });
    Ok((bytes, next))
}

const ACTIVITY_HEADER: [&str; 10] = [
    "at",
    "actor",
    "actor_email",
    "actor_organisation",
    "action",
    "action_code",
    "subject",
    "subject_email",
    "changes",
    "ip",
];

/// The next batch of the trail matching `query`, newest first.
async fn activity_batch(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &ActivityQuery,
    step: Step,
    l: Locale,
) -> ServiceResult<(Vec<u8>, Option<Step>)> {
    let query = ActivityQuery {
        before: match step.after {
            Some(After::Entry(cursor)) => Some(cursor),
            _ => None,
        },
        ..query.clone()
    };
    let (entries, older) = activity::batch(db, organisation_id, &query, BATCH).await?;
    let rows: Vec<Vec<String>> = entries
        .into_iter()
        .map(|e| {
            let (actor, actor_email, home) = match e.actor {
                Some(p) => (p.name, p.email, p.home.unwrap_or_default()),
                None => Default::default(),
            };
            let (subject, subject_email) = match e.subject {
                Some(ActivitySubject::Person(p)) => (p.name, p.email),
                Some(ActivitySubject::Thing { kind, name, .. }) => (name, kind.label_in(l)),
                None => Default::default(),
            };
            let changes = e
                .changes
                .into_iter()
                .map(|c| {
                    format!(
                        "{}: {} → {}",
                        c.field,
                        c.before.unwrap_or_default(),
                        c.after.unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                e.at.iso,
                actor,
                actor_email,
                home,
                e.action.label_in(l),
                e.action.code().to_string(),
                subject,
                subject_email,
                changes,
                e.ip.unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = csv(step.header.then_some(&ACTIVITY_HEADER[..]), &rows)?;
    let next = older.map(|cursor| Step {
        header: false,
        after: Some(After::Entry(cursor)),
    });
    Ok((bytes, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_open_as_text() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\t=1"] {
            assert!(neutralised(cell).starts_with('\''), "{cell}");
        }
        assert_eq!(neutralised("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(neutralised("ada+tag@example.com"), "ada+tag@example.com");
        let written = csv(
            Some(&["name"]),
            &[vec!["=1+1".into()], vec!["a, \"b\"".into()]],
        )
        .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&written),
            "name\n'=1+1\n\"a, \"\"b\"\"\"\n"
        );
    }
}
