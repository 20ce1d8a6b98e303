//! The append-only audit trail: who did what, where, from which home organisation.

use super::{now, ClientInfo, ServiceResult};
use crate::entities::{audit_event, user};
use sea_orm::{prelude::*, ActiveValue::Set};

/// One audit entry to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub organisation_id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub actor_organisation_id: Option<Uuid>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub changes: Option<serde_json::Value>,
    pub ip: Option<String>,
}

impl<'a> AuditEntry<'a> {
    /// An entry of `user` acting on their own account (their profile, their password, a link
    /// they opened), from `client`.
    pub fn by_self(
        user: &user::Model,
        action: &'a str,
        changes: Option<serde_json::Value>,
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

/// Appends `entry` to the trail, inside the caller's transaction.
pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) -> ServiceResult<()> {
    row(entry).insert(db).await?;
    Ok(())
}

/// The row that records `entry`, for callers that insert many at once.
pub fn row(entry: AuditEntry<'_>) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(entry.organisation_id),
        actor_user_id: Set(entry.actor_user_id),
        actor_organisation_id: Set(entry.actor_organisation_id),
        action: Set(entry.action.to_string()),
        target_type: Set(entry.target_type.to_string()),
        target_id: Set(entry.target_id),
        changes: Set(entry.changes),
        at: Set(now()),
        ip: Set(entry.ip),
    }
}
