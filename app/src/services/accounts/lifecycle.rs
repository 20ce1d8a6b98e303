//! Suspending and reactivating accounts, one or many at once.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{msg, services::messages::Refusal};

/// Sets the status of account `id`, bumping its version, and records it as done by `actor`, or
/// by the system when there is none (a scheduled job).
pub(super) async fn set_status(
    txn: &DatabaseTransaction,
    actor: Option<&Actor<'_>>,
    user: &user::Model,
    status: UserStatus,
    action: AuditAction,
) -> ServiceResult<()> {
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status.code()))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(user.status))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict().into());
    }
    let changes = Changes::new().field("status", user.status, status);
    let entry = match actor {
        Some(actor) => actor.audit(action, user.id, changes),
        None => AuditEntry::by_system(user.organisation_id, action, user.id, changes),
    };
    audit::record(txn, entry).await?;
    Ok(())
}

/// Suspends account `id`: its sessions end at once, it cannot sign in, it leaves assignee
/// pickers and default lists; its history and roles stay.
pub async fn suspend(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    if let Some(already) = suspend_in(&txn, actor, id).await? {
        return Err(Refusal::Conflict(msg!(
            "msg.accounts.already_suspended",
            name = already.display_name()
        ))
        .into());
    }
    txn.commit().await?;
    Ok(())
}

/// The most people one bulk suspension may name.
pub const SUSPEND_MANY_MAX: usize = 500;

/// Suspends every account of `ids`, or nobody when any of them may not be suspended (the
/// refusal names each one and why). Those already suspended are left as they are. Returns how
/// many were suspended.
pub async fn suspend_many(
    state: &AppState,
    actor: &Actor<'_>,
    ids: &[Uuid],
) -> ServiceResult<usize> {
    let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Err(Refusal::field("ids", msg!("msg.accounts.suspend_none")).into());
    }
    if ids.len() > SUSPEND_MANY_MAX {
        return Err(Refusal::field(
            "ids",
            msg!("msg.accounts.suspend_too_many", max = SUSPEND_MANY_MAX),
        )
        .into());
    }
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let mut suspended = 0;
    let mut refusals = Vec::new();
    for id in ids {
        match suspend_in(&txn, actor, id).await {
            Ok(None) => suspended += 1,
            Ok(Some(_)) => {}
            Err(ServiceError::Refused(Refusal::NotFound(_))) => {
                refusals.push(msg!("msg.accounts.selected_gone"))
            }
            Err(ServiceError::Refused(refused)) => refusals.push(refused.sentence()),
            Err(other) => return Err(other),
        }
    }
    if !refusals.is_empty() {
        return Err(
            Refusal::Conflict(msg!("msg.accounts.nobody_suspended", reasons = refusals)).into(),
        );
    }
    txn.commit().await?;
    Ok(suspended)
}

/// Suspends account `id` inside `txn` (which holds the organisation's lock); returns the account
/// instead when it was suspended already.
pub(crate) async fn suspend_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<Option<user::Model>> {
    if id == actor.user.id {
        return Err(Refusal::Forbidden(msg!("msg.accounts.suspend_self")).into());
    }
    let user = managed(txn, actor, id, Permission::UsersSuspend).await?;
    if user.status == UserStatus::Suspended {
        return Ok(Some(user));
    }
    let roles = role_ids_of(txn, id).await?;
    if user.status == UserStatus::Active
        && administers(txn, user.user_type, roles).await?
        && !another_administrator(txn, actor.organisation_id(), id).await?
    {
        return Err(Refusal::Conflict(msg!(
            "msg.accounts.last_admin_suspend",
            name = user.display_name()
        ))
        .into());
    }
    set_status(
        txn,
        Some(actor),
        &user,
        UserStatus::Suspended,
        AuditAction::UserSuspended,
    )
    .await?;
    sessions::end_all_for_user(txn, id, None).await?;
    // Neither an invitation, a reset link nor a change of address outlives a suspension.
    for kind in [
        TokenKind::Invitation,
        TokenKind::PasswordReset,
        TokenKind::EmailChange,
    ] {
        tokens::retire(txn, id, kind).await?;
    }
    Ok(None)
}

/// Reactivates account `id`: sign-in and roles come back. Someone who never accepted their
/// invitation goes back to Invited.
pub async fn reactivate(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    reactivate_in(&txn, state, actor, id).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Reactivates account `id` inside `txn` (which holds the organisation's lock), taking a seat.
pub(crate) async fn reactivate_in(
    txn: &OrgTxn,
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<()> {
    let user = managed(txn, actor, id, Permission::UsersSuspend).await?;
    if user.status != UserStatus::Suspended {
        return Err(Refusal::Conflict(msg!(
            "msg.accounts.not_suspended",
            name = user.display_name()
        ))
        .into());
    }
    crate::services::licence::reserve_seats(txn, 1).await?;
    let status = if user.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    set_status(
        txn,
        Some(actor),
        &user,
        status,
        AuditAction::UserReactivated,
    )
    .await?;
    if user.deprovisioned_at.is_some() {
        // Back in the organisation, back in its directory's view.
        user::Entity::update_many()
            .col_expr(
                user::Column::DeprovisionedAt,
                Expr::value(Option::<DateTimeUtc>::None),
            )
            .filter(user::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    if status == UserStatus::Invited {
        // The suspension retired their link: a fresh invitation goes out.
        send_invitation(txn, state, actor, &user).await?;
    }
    Ok(())
}

/// Ends every session of account `id` at once (it stays active: the person signs in again).
/// Returns how many ended. The actor's own sessions end from My profile instead.
pub async fn sign_out_everywhere(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<u64> {
    if id == actor.user.id {
        return Err(Refusal::Forbidden(msg!("msg.accounts.sign_out_self")).into());
    }
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersSuspend).await?;
    let ended = sessions::end_all_for_user(&txn, user.id, None).await?;
    audit::record(
        &txn,
        actor.audit(
            AuditAction::UserSignedOut,
            user.id,
            Changes::new().removed("sessions", ended),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}

/// Gives member `id` of the admin tenant the platform role `role`: support staff may switch into
/// any organisation to help; taking it away ends that. Only a super-admin acting from the admin
/// tenant does this, never to themselves or to another super-admin.
pub async fn set_platform_role(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    role: PlatformRole,
) -> ServiceResult<()> {
    if !actor.user.is_super_admin() || actor.user.is_switched() {
        return Err(Refusal::Forbidden(msg!("msg.accounts.platform_role_super_admin")).into());
    }
    if role == PlatformRole::SuperAdmin {
        return Err(Refusal::field("role", msg!("msg.accounts.platform_role_choices")).into());
    }
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersEdit).await?;
    if user.id == actor.user.id || user.platform_role == PlatformRole::SuperAdmin {
        return Err(Refusal::Forbidden(msg!("msg.accounts.platform_role_super_admins")).into());
    }
    if user.platform_role == role {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(user::Column::PlatformRole, Expr::value(role.code()))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    crate::services::locking::bump_version::<user::Entity>(&txn, user.id).await?;
    audit::record(
        &txn,
        actor.audit(
            AuditAction::UserUpdated,
            user.id,
            Changes::new().field("platform_role", user.platform_role, role),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
