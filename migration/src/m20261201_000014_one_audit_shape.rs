//! The audit trail in one shape: every entry's changes become `{field: {before, after}}`.
//! Entries written before it held `{before: {…}, after: {…}}` (an organisation, role or team
//! changed), a bare before/after (a team signature) or plain facts (what a creation set or a
//! deletion removed). A team membership entry moves from the team to the person, naming the team.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{prelude::Uuid, ConnectionTrait, JsonValue},
};
use serde_json::{json, Map};
use std::collections::HashMap;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    Action,
    TargetType,
    TargetId,
    Changes,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
}

/// Entries read and rewritten per round.
const BATCH: u64 = 1_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut last: Option<Uuid> = None;
        // Team names by id: a team's memberships are many entries, its name one query.
        let mut team_names: HashMap<String, String> = HashMap::new();
        loop {
            let mut select = Query::select();
            select
                .columns([
                    AuditEvents::Id,
                    AuditEvents::Action,
                    AuditEvents::TargetType,
                    AuditEvents::TargetId,
                    AuditEvents::Changes,
                ])
                .from(AuditEvents::Table)
                .and_where(Expr::col(AuditEvents::Changes).is_not_null())
                .order_by(AuditEvents::Id, Order::Asc)
                .limit(BATCH);
            if let Some(last) = last {
                select.and_where(Expr::col(AuditEvents::Id).gt(last));
            }
            let rows = db.query_all(&select).await?;
            let Some(final_row) = rows.last() else {
                break;
            };
            last = Some(final_row.try_get("", "id")?);
            for row in &rows {
                let id: Uuid = row.try_get("", "id")?;
                let action: String = row.try_get("", "action")?;
                let target_id: Option<String> = row.try_get("", "target_id")?;
                let changes: Option<JsonValue> = row.try_get("", "changes")?;
                let Some(changes) = changes else { continue };
                let team = match (action.as_str(), &target_id) {
                    ("team.member_set" | "team.member_removed", Some(team_id)) => {
                        if !team_names.contains_key(team_id) {
                            let name = team_name(db, team_id).await?;
                            team_names.insert(team_id.clone(), name);
                        }
                        team_names.get(team_id).cloned()
                    }
                    _ => None,
                };
                let Some(rewritten) = rewrite(&action, changes, team.as_deref()) else {
                    continue;
                };
                let mut update = Query::update();
                update
                    .table(AuditEvents::Table)
                    .value(AuditEvents::Changes, rewritten.changes)
                    .and_where(Expr::col(AuditEvents::Id).eq(id));
                if let Some(person) = rewritten.target_user {
                    update
                        .value(AuditEvents::TargetType, "user")
                        .value(AuditEvents::TargetId, person);
                }
                db.execute(&update).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The old shapes said less; the new one reads the same to everything that reads it.
        Ok(())
    }
}

/// The name of the team with id `team_id`, or the id when the team is gone.
async fn team_name(db: &SchemaManagerConnection<'_>, team_id: &str) -> Result<String, DbErr> {
    let Ok(id) = Uuid::parse_str(team_id) else {
        return Ok(team_id.to_string());
    };
    let select = Query::select()
        .column(Teams::Name)
        .from(Teams::Table)
        .and_where(Expr::col(Teams::Id).eq(id))
        .to_owned();
    Ok(match db.query_one(&select).await? {
        Some(row) => row.try_get("", "name")?,
        None => team_id.to_string(),
    })
}

/// An entry's changes in the one shape, and the person it now targets.
#[derive(Debug, PartialEq)]
struct Rewritten {
    changes: JsonValue,
    target_user: Option<String>,
}

/// Whether `value` is already `{before, after}`.
fn is_pair(value: &JsonValue) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.len() == 2 && o.contains_key("before") && o.contains_key("after"))
}

fn pair(before: JsonValue, after: JsonValue) -> JsonValue {
    json!({ "before": before, "after": after })
}

/// The entry of `action` with `changes` in the one shape, or `None` when it already is. `team`
/// names the team of a membership entry.
fn rewrite(action: &str, changes: JsonValue, team: Option<&str>) -> Option<Rewritten> {
    let JsonValue::Object(fields) = changes else {
        return None;
    };
    let moved = |changes: Map<String, JsonValue>| Rewritten {
        changes: JsonValue::Object(changes),
        target_user: None,
    };
    // Team memberships: recorded on the person, naming the team.
    if let ("team.member_set" | "team.member_removed", Some(team), Some(user)) = (
        action,
        team,
        fields.get("user_id").and_then(JsonValue::as_str),
    ) {
        let mut changes = Map::new();
        if action == "team.member_set" {
            changes.insert("team".into(), pair(json!(team), json!(team)));
            let role = fields.get("role").cloned().unwrap_or(JsonValue::Null);
            changes.insert("team_role".into(), pair(JsonValue::Null, role));
        } else {
            changes.insert("team".into(), pair(json!(team), JsonValue::Null));
        }
        return Some(Rewritten {
            changes: JsonValue::Object(changes),
            target_user: Some(user.to_string()),
        });
    }
    if is_pair(&JsonValue::Object(fields.clone())) {
        let (before, after) = (fields["before"].clone(), fields["after"].clone());
        let mut changes = Map::new();
        match (before, after) {
            (JsonValue::Object(before), JsonValue::Object(after)) => {
                for key in before.keys().chain(after.keys()) {
                    let b = before.get(key).cloned().unwrap_or(JsonValue::Null);
                    let a = after.get(key).cloned().unwrap_or(JsonValue::Null);
                    changes.insert(key.clone(), pair(b, a));
                }
            }
            (before, after) => {
                let field = if action == "team.signature_changed" {
                    "signature"
                } else {
                    "value"
                };
                changes.insert(field.into(), pair(before, after));
            }
        }
        return Some(moved(changes));
    }
    if action == "profile.email_change_requested" {
        let requested = fields
            .get("email")
            .and_then(|e| e.get("after"))
            .cloned()
            .unwrap_or(JsonValue::Null);
        let mut changes = Map::new();
        changes.insert("requested_email".into(), pair(JsonValue::Null, requested));
        return Some(moved(changes));
    }
    if fields.values().all(is_pair) {
        return None;
    }
    let removal = action.ends_with(".deleted") || action.ends_with("revoked");
    let changes = fields
        .into_iter()
        .map(|(key, value)| {
            if is_pair(&value) {
                return (key, value);
            }
            let key = match (action, key.as_str()) {
                ("profile.sessions_ended", "sessions") => "ended_sessions".to_string(),
                _ => key,
            };
            let value = if removal && key != "moved_to" {
                pair(value, JsonValue::Null)
            } else {
                pair(JsonValue::Null, value)
            };
            (key, value)
        })
        .collect();
    Some(moved(changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(action: &str, changes: JsonValue) -> JsonValue {
        rewrite(action, changes, None)
            .map(|r| r.changes)
            .unwrap_or(JsonValue::Null)
    }

    #[test]
    fn before_and_after_objects_become_one_pair_per_field() {
        assert_eq!(
            rewritten(
                "organisation.updated",
                json!({ "before": { "name": "A", "is_demo": false }, "after": { "name": "B", "is_demo": true } })
            ),
            json!({ "name": { "before": "A", "after": "B" }, "is_demo": { "before": false, "after": true } })
        );
        assert_eq!(
            rewritten(
                "team.signature_changed",
                json!({ "before": null, "after": "Hi" })
            ),
            json!({ "signature": { "before": null, "after": "Hi" } })
        );
    }

    #[test]
    fn facts_become_what_a_creation_set_or_a_deletion_removed() {
        assert_eq!(
            rewritten(
                "user.invited",
                json!({ "email": "a@b.c", "roles": ["Agent"] })
            ),
            json!({ "email": { "before": null, "after": "a@b.c" }, "roles": { "before": null, "after": ["Agent"] } })
        );
        assert_eq!(
            rewritten(
                "role.deleted",
                json!({ "name": "Ops", "moved_to": "Agent" })
            ),
            json!({ "name": { "before": "Ops", "after": null }, "moved_to": { "before": null, "after": "Agent" } })
        );
        assert_eq!(
            rewritten("profile.sessions_ended", json!({ "sessions": 2 })),
            json!({ "ended_sessions": { "before": null, "after": 2 } })
        );
    }

    #[test]
    fn entries_in_the_shape_are_left_alone() {
        let changes = json!({ "status": { "before": "active", "after": "suspended" } });
        assert_eq!(rewrite("user.suspended", changes, None), None);
        assert_eq!(rewrite("user.updated", json!([1, 2]), None), None);
    }

    #[test]
    fn memberships_move_to_the_person_naming_the_team() {
        let done = rewrite(
            "team.member_set",
            json!({ "user_id": "u-1", "email": "a@b.c", "role": "manager" }),
            Some("Support"),
        );
        assert_eq!(
            done,
            Some(Rewritten {
                changes: json!({ "team": { "before": "Support", "after": "Support" }, "team_role": { "before": null, "after": "manager" } }),
                target_user: Some("u-1".into()),
            })
        );
    }
}
