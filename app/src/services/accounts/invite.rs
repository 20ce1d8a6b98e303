//! Inviting people and creating accounts with a temporary password: the Add page, the first administrator of a new organisation.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;

/// The invitation email to `to` (first name `first_name`), with its link, in `locale`.
pub(in crate::services) fn invitation_email(
    state: &AppState,
    organisation: &str,
    inviter: &str,
    (to, first_name, locale): (&str, &str, Locale),
    minted: &Minted,
) -> mail::Email {
    let l = locale;
    let expires = now() + chrono::Duration::days(INVITATION_DAYS);
    mail::compose(
        l,
        to,
        tr!(l, "email.invitation.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = first_name),
            tr!(
                l,
                "email.invitation.body",
                inviter = inviter,
                organisation = organisation
            ),
            tr!(
                l,
                "email.invitation.expiry",
                days = INVITATION_DAYS,
                until = expires.format("%Y-%m-%d %H:%M UTC")
            ),
        ],
        Some((
            &tr!(l, "email.invitation.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.invitation.closing"),
    )
}

/// Writes an invitation (token and email) for `user`; its older links stop working.
pub(super) async fn send_invitation(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    user: &user::Model,
) -> ServiceResult<()> {
    invite_to(txn, state, actor, &organisation_name(actor), user).await
}

/// Writes an invitation to organisation `organisation` (the account's own) for `user`.
pub(super) async fn invite_to(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    organisation: &str,
    user: &user::Model,
) -> ServiceResult<()> {
    let minted = Minted::new(TokenKind::Invitation);
    let email = invitation_email(
        state,
        organisation,
        &actor.name(),
        (&user.email, &user.first_name, user.locale),
        &minted,
    );
    let message = mail::enqueue(txn, Some(user.organisation_id), email).await?;
    minted
        .store(
            txn,
            user.id,
            chrono::Duration::days(INVITATION_DAYS),
            Some(actor.user.id),
            Some(message),
        )
        .await?;
    Ok(())
}

/// Invites the first tenant admin of `org`, just created by a super-admin, inside `txn`: the
/// account, its Admin role, the link and email, and the audit trail of both.
pub(in crate::services) async fn invite_first_admin(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    org: &organisation::Model,
    admin_role: &role::Model,
    new: &crate::model::organisations::NewOrganisation,
) -> ServiceResult<()> {
    crate::services::licence::reserve_seats(txn, 1).await?;
    let created = NewUser {
        organisation_id: org.id,
        email: new.admin_email.trim(),
        first_name: new.admin_first_name.trim(),
        last_name: new.admin_last_name.trim(),
        user_type: UserType::TenantAdmin,
        status: UserStatus::Invited,
        password_hash: None,
        must_change_password: false,
        platform_role: PlatformRole::None,
    }
    .into_active_model()
    .insert(txn)
    .await?;
    user_role::ActiveModel {
        user_id: Set(created.id),
        role_id: Set(admin_role.id),
    }
    .insert(txn)
    .await?;
    invite_to(txn, state, actor, &org.name, &created).await?;
    let entry = |action, target_type, target: Uuid, changes| AuditEntry {
        organisation_id: org.id,
        actor_user_id: Some(actor.user.id),
        actor_organisation_id: Some(actor.user.home_organisation.id),
        action,
        target_type,
        target_id: Some(target.to_string()),
        changes,
        ip: actor.client.ip.clone(),
    };
    audit::record(
        txn,
        entry(
            AuditAction::OrganisationCreated,
            "organisation",
            org.id,
            Changes::new()
                .added("name", &org.name)
                .added("slug", &org.slug)
                .added("is_admin_tenant", org.is_admin_tenant)
                .added("is_demo", org.is_demo),
        ),
    )
    .await?;
    audit::record(
        txn,
        entry(
            AuditAction::UserInvited,
            "user",
            created.id,
            Changes::new()
                .added("email", &created.email)
                .added("user_type", UserType::TenantAdmin)
                .added("roles", [&admin_role.name])
                .added("onboarding", "invitation"),
        ),
    )
    .await?;
    Ok(())
}

/// Adds someone: invited by email, or created with a temporary password shown once.
pub async fn add(state: &AppState, actor: &Actor<'_>, new: &NewAccount) -> ServiceResult<Added> {
    add_then(state, actor, new, async |_, _| Ok(())).await
}

/// Adds someone as [`add`] does, and runs `then` with the new account's id in the same
/// transaction before it commits (joining teams): all of it is written, or none.
pub async fn add_then(
    state: &AppState,
    actor: &Actor<'_>,
    new: &NewAccount,
    then: impl AsyncFnOnce(&OrgTxn, Uuid) -> ServiceResult<()>,
) -> ServiceResult<Added> {
    let checked = check_form(&new.form, None)?;
    if new.onboarding == Onboarding::TemporaryPassword && actor.user.organisation.sso_required {
        return Err(
            crate::services::people::password_refused(&actor.user.organisation.name).into(),
        );
    }
    let organisation_id = actor.organisation_id();
    let db = &state.db;
    check_email_free(db, organisation_id, &checked.email, None).await?;
    let roles = roles_of(db, organisation_id, &checked.roles).await?;
    check_grants(db, actor, Some(new.user_type), &roles).await?;
    let temporary = match new.onboarding {
        Onboarding::Invitation => None,
        Onboarding::TemporaryPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            Some((password, hash))
        }
    };
    let txn = OrgTxn::begin(db, organisation_id).await?;
    crate::services::licence::reserve_seats(&txn, 1).await?;
    let mut model = NewUser {
        organisation_id,
        email: &checked.email,
        first_name: &checked.first_name,
        last_name: &checked.last_name,
        user_type: new.user_type,
        status: if temporary.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        },
        password_hash: temporary.as_ref().map(|(_, hash)| hash.clone()),
        must_change_password: temporary.is_some(),
        platform_role: PlatformRole::None,
    }
    .into_active_model();
    // Invitees start in the language of whoever invites them.
    model.locale = Set(actor.user.locale);
    model.phone = Set(checked.phone.clone());
    model.external_id = Set(checked.external_id.clone());
    model.timezone = Set(checked.timezone.clone());
    model.access_expires_at = Set(checked.access_ends);
    let created = model
        .insert(&txn)
        .await
        .map_err(|e| unique_email(e, &checked.email))?;
    if !roles.is_empty() {
        user_role::Entity::insert_many(roles.iter().map(|r| user_role::ActiveModel {
            user_id: Set(created.id),
            role_id: Set(r.id),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    if temporary.is_none() {
        send_invitation(&txn, state, actor, &created).await?;
    }
    let action = if temporary.is_some() {
        AuditAction::UserCreated
    } else {
        AuditAction::UserInvited
    };
    audit::record(
        &txn,
        actor.audit(
            action,
            created.id,
            Changes::new()
                .added("email", &created.email)
                .added("first_name", &created.first_name)
                .added("last_name", &created.last_name)
                .added("user_type", new.user_type)
                .added("roles", roles.iter().map(|r| &r.name).collect::<Vec<_>>())
                .added(
                    "access_until",
                    checked.access_ends.map(crate::model::account::access_day),
                )
                .added(
                    "onboarding",
                    if temporary.is_some() {
                        "temporary_password"
                    } else {
                        "invitation"
                    },
                ),
        ),
    )
    .await?;
    then(&txn, created.id).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(Added {
        user_id: created.id,
        email: created.email,
        temporary_password: temporary.map(|(password, _)| password),
    })
}
