//! Changes made to many people at once from the Users list: a role given or taken, a team
//! joined, reactivation. All or nothing: when any person may not be changed, nobody is, and the
//! refusal says for whom and why. One audit entry per person changed.

use super::accounts::{reactivate_in, replace_roles_in};
use super::acting::{managed, role_ids_of, Actor};
use super::audit::{self, AuditAction, Changes};
use super::locking::{bump_version, OrgTxn};
use super::teams::{add_member_in, team_for_members};
use super::{AppState, ServiceError, ServiceResult};
use crate::entities::user;
use crate::model::{
    bulk::{BulkChange, BULK_MAX},
    teams::TeamRole,
    Permission, UserStatus,
};
use crate::{msg, services::messages::Refusal};
use sea_orm::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// Makes `change` to every person of `ids`, or to nobody when any of them may not be changed.
/// Returns how many were changed (those it leaves as they were, already holding the role say,
/// are not counted).
pub async fn update_many(
    state: &AppState,
    actor: &Actor<'_>,
    ids: &[Uuid],
    change: BulkChange,
) -> ServiceResult<usize> {
    let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Err(Refusal::field("ids", msg!("msg.bulk.none")).into());
    }
    if ids.len() > BULK_MAX {
        return Err(Refusal::field("ids", msg!("msg.bulk.too_many", max = BULK_MAX)).into());
    }
    // What the change needs, refused at once to whoever lacks it (and checked again for each
    // person under the organisation's lock).
    let needs = match change {
        BulkChange::AddRole(_) | BulkChange::RemoveRole(_) => Some(Permission::UsersEdit),
        BulkChange::Reactivate => Some(Permission::UsersSuspend),
        // A team's managers add members too: the team says.
        BulkChange::AddToTeam(_) => None,
    };
    if let Some(needs) = needs.filter(|p| !actor.user.can(*p)) {
        return Err(Refusal::lacks(needs).into());
    }
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let names: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name()))
        .collect();
    let team = match change {
        BulkChange::AddToTeam(team) => Some(team_for_members(&txn, actor, team).await?),
        _ => None,
    };
    let mut changed = 0;
    let mut refusals = Vec::new();
    for id in ids {
        let outcome = match (change, &team) {
            (BulkChange::AddRole(role) | BulkChange::RemoveRole(role), _) => {
                let adding = matches!(change, BulkChange::AddRole(_));
                roles(&txn, actor, id, role, adding).await
            }
            (BulkChange::AddToTeam(_), Some(team)) => {
                add_member_in(
                    &txn,
                    actor,
                    team,
                    id,
                    TeamRole::Member,
                    crate::services::teams::Joining::ByHand,
                )
                .await
            }
            (BulkChange::AddToTeam(_), None) => Ok(false),
            (BulkChange::Reactivate, _) => reactivate(&txn, state, actor, id).await,
        };
        match outcome {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(ServiceError::Refused(refused)) => refusals.push(match names.get(&id) {
                Some(name) if !matches!(refused, Refusal::NotFound(_)) => msg!(
                    "msg.bulk.refused_for",
                    name = name.clone(),
                    reason = refused.sentence()
                ),
                _ => msg!("msg.accounts.selected_gone"),
            }),
            Err(other) => return Err(other),
        }
    }
    if !refusals.is_empty() {
        return Err(Refusal::Conflict(msg!("msg.bulk.nobody_changed", reasons = refusals)).into());
    }
    txn.commit().await?;
    state.mail.wake();
    Ok(changed)
}

/// Gives person `id` role `role`, or takes it away; whether they changed.
async fn roles(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    role: Uuid,
    adding: bool,
) -> ServiceResult<bool> {
    let person = managed(txn, actor, id, Permission::UsersEdit).await?;
    let held = role_ids_of(txn, id).await?;
    let mut wanted = held.clone();
    if adding {
        wanted.insert(role);
    } else {
        wanted.remove(&role);
    }
    let Some((before, after)) = replace_roles_in(txn, actor, &person, &held, &wanted).await? else {
        return Ok(false);
    };
    bump_version::<user::Entity>(txn, id).await?;
    audit::record(
        txn,
        actor.audit(
            AuditAction::UserUpdated,
            id,
            Changes::new().field("roles", before, after),
        ),
    )
    .await?;
    Ok(true)
}

/// Reactivates person `id` when they are suspended; whether they were.
async fn reactivate(
    txn: &OrgTxn,
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<bool> {
    let suspended = user::Entity::find_by_id(id)
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .one(txn)
        .await?
        .is_some_and(|u| u.status == UserStatus::Suspended);
    if suspended {
        reactivate_in(txn, state, actor, id).await?;
    }
    Ok(suspended)
}
