//! The public links people open from an email (accept an invitation, reset a password, confirm
//! a new address): what the link page shows, and completing it. Beside `api/links.rs` and
//! `ui/pages/links.rs`.

use super::{accounts::access_expired, tokens::link_not_usable};
use super::{
    audit::{self, AuditEntry, Changes},
    now,
    passwords::{self},
    sessions,
    tokens::{self, TokenKind},
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{
    entities::{organisation, user},
    model::UserStatus,
};
use sea_orm::{prelude::*, sea_query::ExprTrait, QuerySelect};

/// What the link with `secret` leads to.
pub async fn link_state(
    db: &impl ConnectionTrait,
    kind: TokenKind,
    secret: &str,
) -> ServiceResult<crate::model::account::LinkState> {
    use crate::model::account::LinkState;
    let Some(token) = tokens::find(db, kind, secret).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(user) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(org) = organisation::Entity::find_by_id(user.organisation_id)
        .one(db)
        .await?
    else {
        return Ok(LinkState::Unknown);
    };
    let usable_status = match kind {
        TokenKind::Invitation => UserStatus::Invited,
        TokenKind::PasswordReset | TokenKind::EmailChange => UserStatus::Active,
    };
    if access_expired(&user) {
        return Ok(LinkState::AccessEnded {
            organisation_name: org.name,
        });
    }
    Ok(if token.used_at.is_some() || user.status != usable_status {
        LinkState::Used {
            organisation_name: org.name,
            organisation_slug: org.slug,
        }
    } else if token.expires_at <= now() {
        LinkState::Expired {
            organisation_name: org.name,
            organisation_slug: org.slug,
        }
    } else {
        LinkState::Valid {
            organisation_name: org.name,
            organisation_slug: org.slug,
            email: user.email,
            first_name: user.first_name,
        }
    })
}

/// A completed link: the new session's secret and where to go.
pub struct Completed {
    pub session_secret: String,
    pub organisation_slug: String,
}

/// Sets the password chosen through an emailed link: an invitation activates the account, a reset
/// ends every other session. Either way the person is signed in.
pub async fn complete_link(
    state: &AppState,
    kind: TokenKind,
    secret: &str,
    password: &str,
    confirmation: &str,
    client: &ClientInfo,
) -> ServiceResult<Completed> {
    let token = tokens::find(&state.db, kind, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(|| link_not_usable(kind))?;
    let holder = user::Entity::find_by_id(token.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| link_not_usable(kind))?;
    crate::services::people::check_password_allowed(&state.db, &holder).await?;
    passwords::check_policy("password", password, &holder.email)?;
    if password != confirmation {
        return Err(passwords::mismatch());
    }
    let hash = state.passwords.hash(password.to_string()).await?;
    let organisation_id = holder.organisation_id;
    // The organisation, then the account, are locked before the link is spent, in the order a
    // suspension or revocation takes them, so the two wait for each other instead of
    // interleaving or deadlocking.
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let user = user::Entity::find_by_id(token.user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| link_not_usable(kind))?;
    if !tokens::consume(&txn, token.id).await? {
        return Err(link_not_usable(kind).into());
    }
    let (required, status, action) = match kind {
        TokenKind::Invitation => (
            UserStatus::Invited,
            UserStatus::Active,
            AuditAction::InvitationAccepted,
        ),
        TokenKind::PasswordReset => (
            UserStatus::Active,
            UserStatus::Active,
            AuditAction::PasswordResetCompleted,
        ),
        // Confirming an address sets no password (profile::confirm_email_change).
        TokenKind::EmailChange => return Err(link_not_usable(kind).into()),
    };
    if user.status != required || access_expired(&user) {
        return Err(link_not_usable(kind).into());
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(user::Column::Status, Expr::value(status.code()))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        // Completing the link signs the person in.
        .col_expr(user::Column::LastLoginAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(required.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(link_not_usable(kind).into());
    }
    sessions::end_all_for_user(&txn, user.id, None).await?;
    tokens::retire(&txn, user.id, kind).await?;
    // Whoever asked for a change of address before the password was reset loses it.
    tokens::retire(&txn, user.id, TokenKind::EmailChange).await?;
    audit::record(
        &txn,
        AuditEntry::by_self(
            &user,
            action,
            match kind {
                TokenKind::Invitation => {
                    Changes::new().field("status", UserStatus::Invited, UserStatus::Active)
                }
                _ => Changes::new(),
            },
            client,
        ),
    )
    .await?;
    let session_secret = sessions::start(&txn, &state.auth, user.id, client).await?;
    let org = organisation::Entity::find_by_id(user.organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?;
    txn.commit().await?;
    Ok(Completed {
        session_secret,
        organisation_slug: org.slug,
    })
}
