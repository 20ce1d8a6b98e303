//! Giving someone a new user type, the seeds' documented way: a type is fixed for an account's
//! life, so the old account is suspended and a new one made for the same person (address, name,
//! details, roles and teams, checked again against the new type), linked to the old one in the
//! audit trail, and the person is invited again. The old account keeps its history; its address
//! is free for the new one.

use super::*;
use crate::entities::team_member;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::services::messages::lower;

/// Replaces account `id` with a new account of type `user_type` for the same person; returns the
/// new account.
pub async fn give_new_type(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    user_type: UserType,
) -> ServiceResult<Added> {
    if id == actor.user.id {
        return Err(Refusal::Forbidden(msg!("msg.accounts.retype_self")).into());
    }
    let organisation_id = actor.organisation_id();
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    still_may(&txn, actor, Permission::UsersInvite).await?;
    let old = managed(&txn, actor, id, Permission::UsersSuspend).await?;
    if old.replaced_by.is_some() {
        return Err(Refusal::Conflict(msg!("msg.accounts.retype_done")).into());
    }
    if old.user_type == user_type {
        return Err(Refusal::field(
            "user_type",
            msg!("msg.accounts.retype_same", user_type = lower(user_type)),
        )
        .into());
    }
    let role_ids = role_ids_of(&txn, id).await?;
    let roles = roles_of(&txn, organisation_id, &role_ids).await?;
    check_grants(&txn, actor, Some(user_type), &roles).await?;
    let teams = team_member::Entity::find()
        .filter(team_member::Column::UserId.eq(id))
        .all(&txn)
        .await?;
    // The old account is suspended (as any suspension: sessions end, links retire), and gives
    // its address up to the new one.
    if old.status != UserStatus::Suspended {
        suspend_in(&txn, actor, id).await?;
    }
    let new_id = Uuid::new_v4();
    user::Entity::update_many()
        .col_expr(user::Column::ReplacedBy, Expr::value(new_id))
        .filter(user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    crate::services::licence::reserve_seats(&txn, 1).await?;
    let mut model = NewUser {
        organisation_id,
        email: &old.email,
        first_name: &old.first_name,
        last_name: &old.last_name,
        user_type,
        status: UserStatus::Invited,
        password_hash: None,
        must_change_password: false,
        platform_role: PlatformRole::None,
    }
    .into_active_model();
    model.id = Set(new_id);
    model.locale = Set(old.locale);
    model.phone = Set(old.phone.clone());
    model.external_id = Set(old.external_id.clone());
    model.timezone = Set(old.timezone.clone());
    model.access_expires_at = Set(old.access_expires_at);
    let created = model.insert(&*txn).await?;
    if !role_ids.is_empty() {
        user_role::Entity::insert_many(role_ids.iter().map(|role| user_role::ActiveModel {
            user_id: Set(new_id),
            role_id: Set(*role),
        }))
        .exec_without_returning(&*txn)
        .await?;
    }
    if !teams.is_empty() {
        team_member::Entity::insert_many(teams.iter().map(|m| team_member::ActiveModel {
            team_id: Set(m.team_id),
            user_id: Set(new_id),
            role: Set(m.role),
            added_at: Set(now()),
        }))
        .exec_without_returning(&*txn)
        .await?;
    }
    send_invitation(&txn, state, actor, &created).await?;
    let role_names: Vec<&String> = roles.iter().map(|r| &r.name).collect();
    audit::record_all(
        &*txn,
        vec![
            actor.audit(
                AuditAction::UserTypeChanged,
                id,
                Changes::new()
                    .field("user_type", old.user_type, user_type)
                    .added("replaced_by", new_id),
            ),
            actor.audit(
                AuditAction::UserInvited,
                new_id,
                Changes::new()
                    .added("email", &created.email)
                    .added("user_type", user_type)
                    .added("roles", role_names)
                    .added("teams", teams.len())
                    .added("replaces", id)
                    .added("onboarding", "invitation"),
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(Added {
        user_id: new_id,
        email: created.email,
        temporary_password: None,
    })
}
