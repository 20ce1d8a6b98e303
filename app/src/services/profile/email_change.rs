//! Changing one's own address: a link to the new address, a notice to the old one.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{msg, services::messages::Refusal};

/// How long a change-of-address link works.
pub const EMAIL_CHANGE_HOURS: i64 = 24;

/// The confirmation sent to the new address.
pub(super) fn confirmation_email(
    state: &AppState,
    user: &user::Model,
    organisation: &str,
    new_email: &str,
    minted: &Minted,
) -> mail::Email {
    let l = user.locale;
    mail::compose(
        l,
        new_email,
        tr!(l, "email.change.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.change.body",
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.change.expiry", hours = EMAIL_CHANGE_HOURS),
        ],
        Some((
            &tr!(l, "email.change.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.change.closing"),
    )
}

/// The notice sent to the old address, which keeps working until the new one is confirmed.
pub(super) fn notice_email(user: &user::Model, organisation: &str, new_email: &str) -> mail::Email {
    let l = user.locale;
    mail::compose(
        l,
        &user.email,
        tr!(
            l,
            "email.change_notice.subject",
            organisation = organisation
        ),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.change_notice.body",
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.change_notice.unexpected"),
        ],
        None,
        &tr!(l, "email.change_notice.closing"),
    )
}

/// Starts a change of the signed-in person's address: their password proves it is them; a link
/// goes to the new address, which takes over only once the link is opened.
pub async fn request_email_change(
    state: &AppState,
    signed: &Signed,
    new_email: &str,
    password: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let new_email = new_email.trim();
    crate::services::text::check_email("new_email", new_email)?;
    if crate::services::people::normalise_email(new_email)
        == crate::services::people::normalise_email(&signed.user.email)
    {
        return Err(Refusal::field("new_email", msg!("msg.profile.same_address")).into());
    }
    // Guessing the password from a borrowed session is slowed, then locked out, like signing in.
    let throttle_key = crate::services::throttle::current_password_key(signed.user.id);
    crate::services::throttle::claim(
        &state.db,
        crate::services::throttle::Attempts::CurrentPassword,
        &[(throttle_key.as_str(), &state.auth.account_throttle)],
        now().timestamp(),
    )
    .await?;
    let verified = state
        .passwords
        .verify(password.to_string(), signed.user.password_hash.clone())
        .await?;
    if !verified.matches {
        return Err(crate::services::passwords::not_current("password"));
    }
    let txn = OrgTxn::begin(&state.db, signed.user.organisation_id).await?;
    match check_email_free(&txn, signed.user.organisation_id, new_email, None).await {
        Err(ServiceError::Refused(_)) => {
            return Err(Refusal::field("new_email", msg!("msg.profile.address_taken")).into())
        }
        other => other?,
    }
    let organisation = organisation::Entity::find_by_id(signed.user.organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?;
    let mut minted = Minted::new(TokenKind::EmailChange);
    minted.new_email = Some(new_email.to_string());
    let confirmation =
        confirmation_email(state, &signed.user, &organisation.name, new_email, &minted);
    let message = mail::enqueue(&txn, Some(organisation.id), confirmation).await?;
    mail::enqueue(
        &txn,
        Some(organisation.id),
        notice_email(&signed.user, &organisation.name, new_email),
    )
    .await?;
    minted
        .store(
            &txn,
            signed.user.id,
            chrono::Duration::hours(EMAIL_CHANGE_HOURS),
            Some(signed.user.id),
            Some(message),
        )
        .await?;
    audit::record(
        &txn,
        AuditEntry::by_self(
            &signed.user,
            AuditAction::EmailChangeRequested,
            Changes::new().added("requested_email", new_email),
            client,
        ),
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// What a change-of-address link leads to: the new address, or why it cannot be used.
pub async fn email_change_state(
    db: &impl ConnectionTrait,
    secret: &str,
) -> ServiceResult<Result<String, Refusal>> {
    let usable = tokens::find(db, TokenKind::EmailChange, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now());
    let Some(token) = usable else {
        return Ok(Err(link_not_usable(TokenKind::EmailChange)));
    };
    let active = user::Entity::find_by_id(token.user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.status == UserStatus::Active);
    Ok(match token.new_email {
        Some(email) if active => Ok(email),
        _ => Err(link_not_usable(TokenKind::EmailChange)),
    })
}

/// Confirms a new address with the link's `secret`; returns the organisation's address (slug) to
/// continue to.
pub async fn confirm_email_change(
    state: &AppState,
    secret: &str,
    client: &ClientInfo,
) -> ServiceResult<String> {
    let not_usable = || ServiceError::from(link_not_usable(TokenKind::EmailChange));
    let token = tokens::find(&state.db, TokenKind::EmailChange, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(not_usable)?;
    let new_email = token.new_email.clone().ok_or_else(not_usable)?;
    // Asked for under older rules, perhaps: the address must be a plain one today.
    crate::services::text::check_email("new_email", &new_email)?;
    let organisation_id = user::Entity::find_by_id(token.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(not_usable)?
        .organisation_id;
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let before = user::Entity::find_by_id(token.user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(not_usable)?;
    if !tokens::consume(&txn, token.id).await? {
        return Err(not_usable());
    }
    check_email_free(&txn, organisation_id, &new_email, Some(before.id)).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(&new_email))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(before.id))
        .exec(&txn)
        .await
        .map_err(|e| unique_email(e, &new_email))?;
    // Links mailed to the old address stop working.
    tokens::retire(&txn, before.id, TokenKind::PasswordReset).await?;
    tokens::retire(&txn, before.id, TokenKind::EmailChange).await?;
    audit::record(
        &txn,
        AuditEntry::by_self(
            &before,
            AuditAction::EmailChanged,
            Changes::new().field("email", &before.email, &new_email),
            client,
        ),
    )
    .await?;
    let slug = organisation::Entity::find_by_id(organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?
        .slug;
    txn.commit().await?;
    Ok(slug)
}
