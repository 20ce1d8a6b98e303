//! The append-only audit trail: who did what, where, from which home organisation, and what
//! changed, always in one shape written by [`Changes`].

use super::{now, ClientInfo, ServiceResult};
use crate::entities::{audit_event, user};
pub use crate::model::activity::AuditAction;
use sea_orm::{prelude::*, ActiveValue::Set};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// What an audit entry says changed, in the trail's one shape:
/// `{"field": {"before": …, "after": …}}`. A value given where there was none has
/// `"before": null` (what a creation set), one taken away `"after": null` (what a deletion
/// removed); [`Changes::same`] names what stayed the same to say which one changed (the team a
/// person's team role changed in).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Self {
        Changes::default()
    }

    /// `field` went from `before` to `after`; nothing is written when they are equal.
    pub fn field(mut self, field: &str, before: impl Serialize, after: impl Serialize) -> Self {
        let (before, after) = (value(before), value(after));
        if before != after {
            self.0
                .insert(field.into(), json!({ "before": before, "after": after }));
        }
        self
    }

    /// `field` was given `value` where it had none.
    pub fn added(self, field: &str, value: impl Serialize) -> Self {
        self.field(field, Value::Null, value)
    }

    /// `field`'s `value` was taken away.
    pub fn removed(self, field: &str, value: impl Serialize) -> Self {
        self.field(field, value, Value::Null)
    }

    /// `field` stayed `value`: which one of several the change was made in.
    pub fn same(mut self, field: &str, value: impl Serialize) -> Self {
        let value = self::value(value);
        self.0
            .insert(field.into(), json!({ "before": value, "after": value }));
        self
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_value(self) -> Option<Value> {
        (!self.0.is_empty()).then_some(Value::Object(self.0))
    }
}

fn value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// One audit entry to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub organisation_id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    pub action: AuditAction,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub changes: Changes,
    pub ip: Option<String>,
}

impl<'a> AuditEntry<'a> {
    /// An entry of `user` acting on their own account (their profile, their password, a link
    /// they opened), from `client`.
    pub fn by_self(
        user: &user::Model,
        action: AuditAction,
        changes: Changes,
        client: &ClientInfo,
    ) -> Self {
        AuditEntry {
            organisation_id: user.organisation_id,
            actor_user_id: Some(user.id),
            actor_organisation_id: Some(user.organisation_id),
            action,
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes,
            ip: client.ip.clone(),
        }
    }
}

impl AuditEntry<'static> {
    /// An entry of the system (a scheduled job) doing `action` to person `user` of
    /// `organisation_id`.
    pub fn by_system(
        organisation_id: Uuid,
        action: AuditAction,
        user: Uuid,
        changes: Changes,
    ) -> Self {
        AuditEntry {
            organisation_id,
            actor_user_id: None,
            actor_organisation_id: None,
            action,
            target_type: "user",
            target_id: Some(user.to_string()),
            changes,
            ip: None,
        }
    }
}

/// Appends `entry` to the trail, inside the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> ServiceResult<()> {
    row(entry).insert(db).await?;
    Ok(())
}

/// Appends every entry of `entries` to the trail, a few hundred rows per statement.
pub async fn record_all(
    db: &impl ConnectionTrait,
    entries: Vec<AuditEntry<'_>>,
) -> ServiceResult<()> {
    let mut rows = entries.into_iter().map(row).peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        audit_event::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The row that records `entry`, for callers that insert many at once.
pub fn row(entry: AuditEntry<'_>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(entry.organisation_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_organisation_id: Set(entry.actor_organisation_id),
        action: Set(entry.action),
        target_type: Set(entry.target_type.to_string()),
        target_id: Set(entry.target_id),
        changes: Set(entry.changes.into_value()),
        at: Set(now()),
        ip: Set(entry.ip),
    }
}
