//! The audit trail as people read it: a page of an organisation's entries under the Activity
//! view's filters, newest first, with the people and things they name; and the removal of the
//! entries older than the organisation keeps.

use super::{now, ServiceResult};
use crate::entities::{audit_event, organisation, role, team, user};
use crate::model::activity::{
    ActivityEntry, ActivityList, ActivityPerson, ActivityQuery, ActivitySubject, Cursor,
    FieldChange, SubjectKind, PAGE_SIZE, RETENTION_DEFAULT_DAYS, RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
};
use crate::model::users::Moment;
use crate::services::acting::Actor;
use crate::services::audit::{self, AuditAction, AuditEntry, Changes};
use crate::services::keyset::{next_page, Window};
use crate::{msg, services::messages::Refusal};
use sea_orm::{
    prelude::*,
    sea_query::{Expr, ExprTrait},
    QueryOrder, QuerySelect,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// One page of organisation `organisation_id`'s trail matching `query`, newest first.
pub async fn list(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &ActivityQuery,
) -> ServiceResult<ActivityList> {
    let (entries, older, names) = read(db, organisation_id, query, PAGE_SIZE).await?;
    Ok(ActivityList {
        entries,
        older,
        actor: query.actor.and_then(|id| names.person(id)),
        subject: query.subject.and_then(|id| names.person(id)),
        person: query.person.and_then(|id| names.person(id)),
    })
}

/// Up to `limit` entries of the trail matching `query`, newest first, and where the next ones
/// start: what an export reads a batch at a time.
pub(crate) async fn batch(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &ActivityQuery,
    limit: u64,
) -> ServiceResult<(Vec<ActivityEntry>, Option<Cursor>)> {
    let (entries, older, _) = read(db, organisation_id, query, limit).await?;
    Ok((entries, older))
}

async fn read(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &ActivityQuery,
    limit: u64,
) -> ServiceResult<(Vec<ActivityEntry>, Option<Cursor>, Names)> {
    window(query).check()?;
    let mut rows = match query.person {
        // What they did and what was done to them: each side in its own index, merged.
        Some(person) => {
            let mut rows = rows_of(db, organisation_id, query, Side::Actor(person), limit).await?;
            rows.extend(rows_of(db, organisation_id, query, Side::Subject(person), limit).await?);
            rows.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
            rows.dedup_by_key(|r| r.id);
            rows
        }
        None => rows_of(db, organisation_id, query, Side::Either, limit).await?,
    };
    let older = next_page(&mut rows, limit, |r| Cursor { at: r.at, id: r.id });
    let names = Names::read(db, organisation_id, &rows, query).await?;
    let at = now();
    let entries = rows
        .into_iter()
        .map(|row| ActivityEntry {
            id: row.id,
            at: Moment::new(row.at, at),
            actor: row.actor_user_id.and_then(|id| names.person(id)),
            action: row.action,
            subject: names.subject(&row),
            changes: changes(row.changes.as_ref()),
            ip: row.ip,
        })
        .collect();
    Ok((entries, older, names))
}

/// The days and cursor of `query`.
fn window(query: &ActivityQuery) -> Window {
    Window {
        from: query.from,
        to: query.to,
        before: query.before,
    }
}

/// Which person column a page reads, besides the query's own filters.
#[derive(Clone, Copy)]
enum Side {
    Either,
    Actor(Uuid),
    Subject(Uuid),
}

/// Up to `limit` and one more of the entries matching `query` and `side`, newest first.
async fn rows_of(
    db: &DatabaseConnection,
    organisation_id: Uuid,
    query: &ActivityQuery,
    side: Side,
    limit: u64,
) -> ServiceResult<Vec<audit_event::Model>> {
    use audit_event::Column;
    let mut select = audit_event::Entity::find().filter(Column::OrganisationId.eq(organisation_id));
    let (actor, subject) = match side {
        Side::Either => (query.actor, query.subject),
        Side::Actor(person) => (Some(person), query.subject),
        Side::Subject(person) => (query.actor, Some(person)),
    };
    if let Some(actor) = actor {
        select = select.filter(Column::ActorUserId.eq(actor));
    }
    if let Some(subject) = subject {
        select = select.filter(Column::TargetId.eq(subject.to_string()));
    }
    if let Some(action) = query.action {
        select = select.filter(Column::Action.eq(action));
    }
    Ok(window(query)
        .page(select, Column::At, Column::Id, limit)
        .all(db)
        .await?)
}

/// The names of the people and things a page of entries mentions.
struct Names {
    people: HashMap<Uuid, ActivityPerson>,
    roles: HashMap<Uuid, String>,
    teams: HashMap<Uuid, String>,
    organisation: String,
}

impl Names {
    async fn read(
        db: &DatabaseConnection,
        organisation_id: Uuid,
        rows: &[audit_event::Model],
        query: &ActivityQuery,
    ) -> ServiceResult<Self> {
        let target = |kind: &str| -> HashSet<Uuid> {
            rows.iter()
                .filter(|r| r.target_type == kind)
                .filter_map(|r| r.target_id.as_deref().and_then(|t| Uuid::parse_str(t).ok()))
                .collect()
        };
        // Those who acted, and the people of this organisation acted on or filtered by: a person
        // of another organisation is named only as having acted here.
        let actors: HashSet<Uuid> = rows.iter().filter_map(|r| r.actor_user_id).collect();
        let mut here = target("user");
        here.extend(
            [query.actor, query.subject, query.person]
                .into_iter()
                .flatten(),
        );
        here.retain(|id| !actors.contains(id));
        let people = user::Entity::find()
            .filter(
                user::Column::Id.is_in(actors).or(user::Column::Id
                    .is_in(here)
                    .and(user::Column::OrganisationId.eq(organisation_id))),
            )
            .all(db)
            .await?;
        let elsewhere: HashSet<Uuid> = people
            .iter()
            .map(|p| p.organisation_id)
            .chain([organisation_id])
            .collect();
        let organisations: HashMap<Uuid, String> = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(elsewhere))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let people = people
            .into_iter()
            .map(|p| {
                let home = (p.organisation_id != organisation_id)
                    .then(|| organisations.get(&p.organisation_id).cloned())
                    .flatten();
                let person = ActivityPerson {
                    id: p.id,
                    name: p.display_name(),
                    email: p.email,
                    home,
                };
                (p.id, person)
            })
            .collect();
        // Roles and teams are looked up only when the page names some.
        let (role_ids, team_ids) = (target("role"), target("team"));
        let roles = if role_ids.is_empty() {
            HashMap::new()
        } else {
            role::Entity::find()
                .filter(role::Column::OrganisationId.eq(organisation_id))
                .filter(role::Column::Id.is_in(role_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|r| (r.id, r.name))
                .collect()
        };
        let teams = if team_ids.is_empty() {
            HashMap::new()
        } else {
            team::Entity::find()
                .filter(team::Column::OrganisationId.eq(organisation_id))
                .filter(team::Column::Id.is_in(team_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect()
        };
        Ok(Self {
            people,
            roles,
            teams,
            organisation: organisations
                .get(&organisation_id)
                .cloned()
                .unwrap_or_default(),
        })
    }

    fn person(&self, id: Uuid) -> Option<ActivityPerson> {
        self.people.get(&id).cloned()
    }

    /// What `row` was done to: the person, or the thing by its name now (by the name it had,
    /// once it is gone).
    fn subject(&self, row: &audit_event::Model) -> Option<ActivitySubject> {
        let id = row
            .target_id
            .as_deref()
            .and_then(|t| Uuid::parse_str(t).ok());
        if row.target_type == "user" {
            return id
                .and_then(|id| self.person(id))
                .map(ActivitySubject::Person);
        }
        let kind = SubjectKind::from_code(&row.target_type)?;
        let named = |names: &HashMap<Uuid, String>| id.and_then(|id| names.get(&id).cloned());
        let name = match kind {
            SubjectKind::Role => named(&self.roles),
            SubjectKind::Team => named(&self.teams),
            SubjectKind::Organisation => Some(self.organisation.clone()),
            SubjectKind::ApiKey | SubjectKind::Licence | SubjectKind::SsoConnection => None,
        }
        .or_else(|| recorded_name(row.changes.as_ref()))
        .unwrap_or_default();
        Some(ActivitySubject::Thing { kind, id, name })
    }
}

/// The name an entry's changes give (what a creation set or a deletion took).
fn recorded_name(changes: Option<&Value>) -> Option<String> {
    let name = changes?.get("name")?;
    [&name["after"], &name["before"]]
        .into_iter()
        .find_map(|v| v.as_str().map(String::from))
}

/// An entry's changes, field by field, their values as text.
fn changes(changes: Option<&Value>) -> Vec<FieldChange> {
    let Some(Value::Object(fields)) = changes else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, change)| FieldChange {
            field: field.clone(),
            before: text(&change["before"]),
            after: text(&change["after"]),
        })
        // A blank value given on creation says nothing.
        .filter(|change| change.before.is_some() || change.after.is_some())
        .collect()
}

/// A recorded value as a person reads it; `None` for no value.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(", ")),
        other => Some(other.to_string()),
    }
}

/// How many days organisation `organisation_id` keeps its trail.
pub async fn retention(db: &impl ConnectionTrait, organisation_id: Uuid) -> ServiceResult<i32> {
    Ok(organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .map_or(RETENTION_DEFAULT_DAYS, |o| o.audit_retention_days))
}

/// Keeps the actor's organisation's trail `days` (a whole number, as typed) days from now on,
/// between [`RETENTION_MIN_DAYS`] and [`RETENTION_MAX_DAYS`]. Returns the days.
pub async fn set_retention(
    db: &DatabaseConnection,
    actor: &Actor<'_>,
    days: &str,
) -> ServiceResult<i32> {
    let days = days.trim().parse::<i32>().unwrap_or(-1);
    if !(RETENTION_MIN_DAYS..=RETENTION_MAX_DAYS).contains(&days) {
        return Err(Refusal::field(
            "days",
            msg!(
                "msg.activity.retention_range",
                min = RETENTION_MIN_DAYS,
                max = RETENTION_MAX_DAYS
            ),
        )
        .into());
    }
    let organisation_id = actor.organisation_id();
    let txn = crate::services::locking::write_txn(db).await?;
    let before = retention(&txn, organisation_id).await?;
    organisation::Entity::update_many()
        .col_expr(organisation::Column::AuditRetentionDays, Expr::value(days))
        .col_expr(organisation::Column::UpdatedAt, Expr::value(now()))
        .filter(organisation::Column::Id.eq(organisation_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::OrganisationUpdated,
            "organisation",
            organisation_id,
            Changes::new().field("activity_kept_days", before, days),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(days)
}

/// How many entries one statement of the retention job removes.
const PRUNE_BATCH: u64 = 1_000;

/// Removes, for every organisation whose trail was not pruned in the last day, its entries older
/// than it keeps, a batch at a time, and records how many went. Each organisation is claimed
/// first, so two processes running the job never prune the same one twice in a day. Returns how
/// many entries went in all.
pub async fn prune_due(db: &DatabaseConnection) -> ServiceResult<u64> {
    let at = now();
    let due = organisation::Entity::find()
        .filter(
            organisation::Column::AuditPrunedAt
                .is_null()
                .or(organisation::Column::AuditPrunedAt.lt(at - chrono::Duration::hours(23))),
        )
        .all(db)
        .await?;
    let mut removed = 0;
    for org in due {
        let claimed = organisation::Entity::update_many()
            .col_expr(organisation::Column::AuditPrunedAt, Expr::value(at))
            .filter(organisation::Column::Id.eq(org.id))
            .filter(match org.audit_pruned_at {
                Some(last) => organisation::Column::AuditPrunedAt.eq(last),
                None => organisation::Column::AuditPrunedAt.is_null(),
            })
            .exec(db)
            .await?;
        if claimed.rows_affected == 1 {
            removed += prune(db, &org, at).await?;
        }
    }
    Ok(removed)
}

/// Removes organisation `org`'s entries older than it keeps at `at`, and records how many went.
async fn prune(
    db: &DatabaseConnection,
    org: &organisation::Model,
    at: DateTimeUtc,
) -> ServiceResult<u64> {
    let days = org
        .audit_retention_days
        .clamp(RETENTION_MIN_DAYS, RETENTION_MAX_DAYS);
    let cutoff = at - chrono::Duration::days(days.into());
    let mut removed = 0;
    loop {
        let batch: Vec<Uuid> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::Id)
            .filter(audit_event::Column::OrganisationId.eq(org.id))
            .filter(audit_event::Column::At.lt(cutoff))
            .order_by_asc(audit_event::Column::At)
            .limit(PRUNE_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        let txn = crate::services::locking::write_txn(db).await?;
        let gone = audit_event::Entity::delete_many()
            .filter(audit_event::Column::Id.is_in(batch))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        removed += gone.rows_affected;
    }
    if removed > 0 {
        audit::record(
            db,
            AuditEntry {
                organisation_id: org.id,
                actor_user_id: None,
                actor_organisation_id: None,
                action: AuditAction::ActivityPruned,
                target_type: "organisation",
                target_id: Some(org.id.to_string()),
                changes: Changes::new()
                    .removed("entries", removed)
                    .same("older_than", cutoff.format("%Y-%m-%d").to_string()),
                ip: None,
            },
        )
        .await?;
        tracing::info!(organisation = %org.slug, removed, days, "activity pruned");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_read_as_text() {
        let read = changes(Some(&json!({
            "status": {"before": "active", "after": "suspended"},
            "roles": {"before": ["Admin", "Agent"], "after": null},
            "seats": {"before": null, "after": 5},
            "description": {"before": null, "after": ""},
        })));
        assert_eq!(read.len(), 3, "a blank value given is left out: {read:?}");
        let by_field: HashMap<_, _> = read.iter().map(|c| (c.field.as_str(), c)).collect();
        assert_eq!(by_field["status"].after.as_deref(), Some("suspended"));
        assert_eq!(by_field["roles"].before.as_deref(), Some("Admin, Agent"));
        assert_eq!(by_field["roles"].after, None);
        assert_eq!(by_field["seats"].after.as_deref(), Some("5"));
        assert!(changes(None).is_empty());
        assert_eq!(
            recorded_name(Some(&json!({"name": {"before": "Old", "after": null}}))),
            Some("Old".into())
        );
    }
}
