//! A year of audit entries for the benchmarks: administrators acting on people, people on
//! themselves, in a realistic mix of actions. Shared with `#[path]`.

use app::{
    entities::audit_event,
    model::activity::AuditAction,
    services::audit::{self, AuditEntry, Changes},
};
use chrono::{Duration, Utc};
use sea_orm::{prelude::*, ActiveValue::Set, DatabaseConnection, TransactionTrait};
use std::time::Instant;

/// The administrators who do most of the acting: the first people of the organisation.
pub const ADMINS: usize = 20;

/// What is done, how often in every 1,000 entries: a realistic trail where changes to people
/// dominate and some actions are rare.
const MIX: [(AuditAction, usize); 10] = [
    (AuditAction::UserUpdated, 350),
    (AuditAction::UserInvited, 150),
    (AuditAction::TeamMemberSet, 150),
    (AuditAction::InvitationAccepted, 120),
    (AuditAction::ProfileUpdated, 100),
    (AuditAction::UserSuspended, 50),
    (AuditAction::UserReactivated, 40),
    (AuditAction::PasswordResetSent, 30),
    (AuditAction::RoleUpdated, 8),
    (AuditAction::PasswordResetTemporary, 2),
];

fn action(i: usize) -> AuditAction {
    let mut n = (i * 7_919) % 1_000;
    for (action, weight) in MIX {
        if n < weight {
            return action;
        }
        n -= weight;
    }
    AuditAction::UserUpdated
}

/// `total` entries over the last year: admins acting on people, people on themselves.
pub async fn fill(db: &DatabaseConnection, org: Uuid, people: &[Uuid], total: usize) {
    let started = Instant::now();
    let now = Utc::now();
    let span = 365 * 24 * 3_600;
    for chunk in (0..total).collect::<Vec<_>>().chunks(10_000) {
        let txn = db.begin().await.expect("transaction");
        for batch in chunk.chunks(1_000) {
            let rows = batch.iter().map(|&i| {
                let action = action(i);
                let subject = people[(i * 31) % people.len()];
                let actor = match action {
                    AuditAction::ProfileUpdated | AuditAction::InvitationAccepted => subject,
                    // The first admin does a third of all admin work.
                    _ if i % 3 == 0 => people[0],
                    _ => people[1 + i % (ADMINS - 1)],
                };
                let mut row = audit::row(AuditEntry {
                    organisation_id: org,
                    actor_user_id: Some(actor),
                    actor_organisation_id: Some(org),
                    action,
                    target_type: "user",
                    target_id: Some(subject.to_string()),
                    changes: Changes::new().field("status", "active", "suspended"),
                    ip: Some("198.51.100.7".into()),
                });
                // Oldest first, spread evenly over the year.
                row.at = Set(now - Duration::seconds((span * (total - i) / total) as i64));
                row
            });
            audit_event::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .expect("entries");
        }
        txn.commit().await.expect("commit");
    }
    println!(
        "  filled {total} audit entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
