//! Pending invitations (resend, revoke) and finding people to assign.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{msg, services::messages::Refusal};

/// The organisation's pending invitations, newest first, with their emails' delivery.
pub async fn invitations(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<Invitation>> {
    let invited = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Status.eq(UserStatus::Invited))
        .order_by_desc(user::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    let latest = tokens::latest(db, TokenKind::Invitation, invited.iter().map(|u| u.id)).await?;
    let messages = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(latest.iter().filter_map(|t| t.outbox_message_id)))
        .all(db)
        .await?;
    let at = now();
    let mut list: Vec<Invitation> = invited
        .into_iter()
        .filter_map(|u| {
            let token = latest.iter().find(|t| t.user_id == u.id)?;
            let delivery = token
                .outbox_message_id
                .and_then(|m| messages.iter().find(|row| row.id == m))
                .map(mail::delivery_state);
            Some(Invitation {
                user_id: u.id,
                name: u.display_name(),
                email: u.email.clone(),
                user_type: u.user_type,
                sent: Moment::new(token.created_at, at),
                expires: Moment::new(token.expires_at, at),
                // A link retired without being accepted (a suspension) needs a resend too.
                expired: token.expires_at <= at || token.used_at.is_some(),
                delivery,
            })
        })
        .collect();
    list.sort_by(|a, b| b.sent.iso.cmp(&a.sent.iso));
    Ok(list)
}

pub(super) async fn invited(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<user::Model> {
    let user = managed(txn, actor, id, Permission::UsersInvite).await?;
    if user.status != UserStatus::Invited {
        return Err(Refusal::Conflict(msg!(
            "msg.accounts.no_pending_invitation",
            name = user.display_name()
        ))
        .into());
    }
    Ok(user)
}

/// Sends a new invitation link to account `id`; the old link stops working.
pub async fn resend_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    send_invitation(&txn, state, actor, &user).await?;
    audit::record(
        &txn,
        actor.audit(AuditAction::InvitationResent, id, Changes::new()),
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Withdraws the invitation of account `id`: the account, which never signed in, is removed and
/// its link stops working. The audit trail keeps the record.
pub async fn revoke_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    audit::record(
        &txn,
        actor.audit(
            AuditAction::InvitationRevoked,
            id,
            Changes::new()
                .removed("email", &user.email)
                .removed("first_name", &user.first_name)
                .removed("last_name", &user.last_name),
        ),
    )
    .await?;
    let deleted = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Status.eq(UserStatus::Invited))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(conflict().into());
    }
    txn.commit().await?;
    Ok(())
}

/// Active members of the organisation matching `search` (name or email prefix), for assignee
/// pickers: suspended and invited people are never offered.
pub async fn assignable(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    search: &str,
    limit: u64,
) -> ServiceResult<Vec<Assignable>> {
    let query = crate::model::users::UserQuery {
        search: search.to_string(),
        status: crate::model::users::StatusFilter::Only(UserStatus::Active),
        ..Default::default()
    };
    let (rows, _) = crate::services::users::matching_page(
        db,
        organisation_id,
        &query,
        0,
        Ord::min(limit, 100),
        None,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|u| Assignable {
            name: u.display_name(),
            id: u.id,
            email: Some(u.email),
        })
        .collect())
}
