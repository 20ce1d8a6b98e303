//! Password resets: by an administrator (a link or a temporary password) and "forgot password".

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{msg, services::messages::Refusal};

/// Refuses to reset the password of an account that has none to reset or may not sign in.
pub(super) fn resettable(user: &user::Model) -> ServiceResult<()> {
    match user.status {
        UserStatus::Invited => Err(Refusal::Conflict(msg!(
            "msg.accounts.reset_invited",
            name = user.display_name()
        ))
        .into()),
        UserStatus::Suspended => Err(Refusal::Conflict(msg!(
            "msg.accounts.reset_suspended",
            name = user.display_name()
        ))
        .into()),
        UserStatus::Active => Ok(()),
    }
}

/// Resets the password of account `id` by email link or temporary password; either way its
/// sessions end.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    method: ResetMethod,
) -> ServiceResult<ResetDone> {
    if id == actor.user.id {
        // One's own password changes with the current one (a borrowed session must not be
        // enough to set a new one).
        return Err(Refusal::Forbidden(msg!("msg.accounts.reset_self")).into());
    }
    // Checked before the slow hashing for a quick answer, and again under the lock below.
    let user = target(&state.db, actor, id).await?;
    check_outranks(&state.db, actor, &user).await?;
    resettable(&user)?;
    crate::services::people::check_password_allowed(&state.db, &user).await?;
    let temporary = match method {
        ResetMethod::Email => None,
        ResetMethod::TemporaryPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            Some((password, hash))
        }
    };
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersResetPassword).await?;
    resettable(&user)?;
    sessions::end_all_for_user(&txn, id, None).await?;
    match &temporary {
        Some((_, hash)) => {
            user::Entity::update_many()
                .col_expr(user::Column::PasswordHash, Expr::value(hash))
                .col_expr(user::Column::MustChangePassword, Expr::value(true))
                .col_expr(
                    user::Column::Version,
                    Expr::col(user::Column::Version).add(1),
                )
                .col_expr(user::Column::UpdatedAt, Expr::value(now()))
                .filter(user::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            tokens::retire(&txn, id, TokenKind::PasswordReset).await?;
            tokens::retire(&txn, id, TokenKind::EmailChange).await?;
        }
        None => {
            let minted = Minted::new(TokenKind::PasswordReset);
            let email = reset_email(
                state,
                &organisation_name(actor),
                Some(&actor.name()),
                &user,
                &minted,
            );
            let message = mail::enqueue(&txn, Some(actor.organisation_id()), email).await?;
            minted
                .store(
                    &txn,
                    id,
                    chrono::Duration::hours(RESET_HOURS),
                    Some(actor.user.id),
                    Some(message),
                )
                .await?;
        }
    }
    let action = if temporary.is_some() {
        AuditAction::PasswordResetTemporary
    } else {
        AuditAction::PasswordResetSent
    };
    audit::record(&txn, actor.audit(action, id, Changes::new())).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(ResetDone {
        temporary_password: temporary.map(|(password, _)| password),
    })
}

/// The password-reset email for `user`, in their language.
pub(super) fn reset_email(
    state: &AppState,
    organisation: &str,
    requested_by: Option<&str>,
    user: &user::Model,
    minted: &Minted,
) -> mail::Email {
    let l = user.locale;
    let why = match requested_by {
        Some(admin) => tr!(
            l,
            "email.reset.by_admin",
            admin = admin,
            organisation = organisation,
            email = user.email
        ),
        None => tr!(
            l,
            "email.reset.by_request",
            organisation = organisation,
            email = user.email
        ),
    };
    mail::compose(
        l,
        &user.email,
        tr!(l, "email.reset.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            why,
            tr!(l, "email.reset.expiry", hours = RESET_HOURS),
        ],
        Some((
            &tr!(l, "email.reset.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.reset.closing"),
    )
}

/// Per-address and per-account limits of "forgot password" requests.
pub const RESET_ACCOUNT_THROTTLE: crate::services::throttle::ThrottlePolicy =
    crate::services::throttle::ThrottlePolicy {
        free_attempts: 3,
        delay_step_secs: 60,
        max_attempts: 5,
        lockout_secs: 60 * 60,
    };
pub const RESET_IP_THROTTLE: crate::services::throttle::ThrottlePolicy =
    crate::services::throttle::ThrottlePolicy {
        free_attempts: 20,
        delay_step_secs: 5,
        max_attempts: 50,
        lockout_secs: 60 * 60,
    };

/// "Forgot password": sends a reset link when `email` names an active account of organisation
/// `slug`. The caller always gets the same answer, as fast whether or not the account exists (the
/// link is written after the answer), so the form tells nobody who has an account.
pub async fn request_reset(
    state: &AppState,
    slug: &str,
    email: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    crate::services::text::check_email("email", email)?;
    let normalised = crate::services::people::normalise_email(email);
    let account_key = format!("reset:{slug}:{normalised}");
    let ip_key = format!("reset-ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    crate::services::throttle::claim(
        &state.db,
        crate::services::throttle::Attempts::ResetRequest,
        &[
            (ip_key.as_str(), &RESET_IP_THROTTLE),
            (account_key.as_str(), &RESET_ACCOUNT_THROTTLE),
        ],
        now().timestamp(),
    )
    .await?;
    let (state, slug, client) = (state.clone(), slug.to_string(), client.clone());
    tokio::spawn(async move {
        if let Err(error) = send_reset_link(&state, &slug, &normalised, &client).await {
            tracing::error!(%error, "forgot password: the reset link could not be written");
        }
    });
    Ok(())
}

/// Whether the account's access has run out (an account given access until a date).
pub(in crate::services) fn access_expired(user: &user::Model) -> bool {
    user.access_expires_at.is_some_and(|at| at <= now())
}

/// Writes the reset link and its email for `email` in organisation `slug`, if that is an active
/// account.
pub(super) async fn send_reset_link(
    state: &AppState,
    slug: &str,
    normalised: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let Some(org) = crate::services::tenancy::find_by_slug(&state.db, slug).await? else {
        return Ok(());
    };
    let Some(user) =
        crate::services::people::find_user_by_email(&state.db, org.id, normalised).await?
    else {
        return Ok(());
    };
    if user.status != UserStatus::Active
        || access_expired(&user)
        || crate::services::people::check_password_allowed(&state.db, &user)
            .await
            .is_err()
    {
        return Ok(());
    }
    let txn = OrgTxn::begin(&state.db, org.id).await?;
    // Checked again under the lock: a suspension or a change of address in the meantime has
    // retired the links, and this one must not undo that.
    let Some(user) = user::Entity::find_by_id(user.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|u| {
            u.status == UserStatus::Active
                && !access_expired(u)
                && crate::services::people::normalise_email(&u.email) == normalised
        })
    else {
        return Ok(());
    };
    let minted = Minted::new(TokenKind::PasswordReset);
    let email = reset_email(state, &org.name, None, &user, &minted);
    let message = mail::enqueue(&txn, Some(org.id), email).await?;
    minted
        .store(
            &txn,
            user.id,
            chrono::Duration::hours(RESET_HOURS),
            None,
            Some(message),
        )
        .await?;
    audit::record(
        &txn,
        AuditEntry {
            organisation_id: org.id,
            actor_user_id: None,
            actor_organisation_id: None,
            action: AuditAction::PasswordResetRequested,
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes: Changes::new(),
            ip: client.ip.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}
