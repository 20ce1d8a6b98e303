//! What a tenant admin does to people's accounts: invite, create with a temporary password, edit,
//! suspend, reactivate, reset passwords, and manage pending invitations. Every change is checked
//! against the guardrails, made in one transaction with its audit event and its email, and
//! refused with a sentence a person understands.

use super::{
    acting::{
        administers, another_administrator, check_grants, check_outranks, lock_organisation,
        managed, permissions_of, role_ids_of, roles_of, still_may, target, Actor,
    },
    people::{
        check_email_free, check_form, display, status_of, unique_email, user_type_of, NewUser,
    },
    tokens::link_not_usable,
};
use super::{
    audit::{self, AuditEntry},
    mail, now,
    passwords::{self, temporary_password},
    sessions,
    tokens::{self, Minted, TokenKind},
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{organisation, outbox_message, role, user, user_role},
    i18n::{request_locale, Locale},
    model::{
        account::{
            AccountChange, AccountDetail, AccountForm, Added, Assignable, GrantSource,
            GrantedPermission, Invitation, NewAccount, Onboarding, ResetDone, ResetMethod,
            INVITATION_DAYS, RESET_HOURS,
        },
        users::Moment,
        AppError, Permission, PlatformRole, UserStatus, UserType,
    },
    tr,
};
use sea_orm::{
    prelude::*, sea_query::ExprTrait, ActiveValue::Set, DatabaseTransaction, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

fn organisation_name(actor: &Actor<'_>) -> String {
    actor.user.organisation.name.clone()
}

/// The invitation email to `to` (first name `first_name`), with its link, in `locale`.
pub(super) fn invitation_email(
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

/// The password-reset email for `user`, in their language.
fn reset_email(
    state: &AppState,
    organisation: &str,
    requested_by: Option<&str>,
    user: &user::Model,
    minted: &Minted,
) -> mail::Email {
    let l = super::people::locale_of(user);
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

/// Writes an invitation (token and email) for `user`; its older links stop working.
async fn send_invitation(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    user: &user::Model,
) -> ServiceResult<()> {
    invite_to(txn, state, actor, &organisation_name(actor), user).await
}

/// Writes an invitation to organisation `organisation` (the account's own) for `user`.
async fn invite_to(
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
        (
            &user.email,
            &user.first_name,
            super::people::locale_of(user),
        ),
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
pub(super) async fn invite_first_admin(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    org: &organisation::Model,
    admin_role: &role::Model,
    new: &crate::model::organisations::NewOrganisation,
) -> ServiceResult<()> {
    super::licence::reserve_seats(txn, 1).await?;
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
        changes: Some(changes),
        ip: actor.client.ip.clone(),
    };
    audit::record(
        txn,
        entry(
            "organisation.created",
            "organisation",
            org.id,
            json!({ "name": org.name, "slug": org.slug, "is_admin_tenant": org.is_admin_tenant, "is_demo": org.is_demo }),
        ),
    )
    .await?;
    audit::record(
        txn,
        entry(
            "user.invited",
            "user",
            created.id,
            json!({ "email": created.email, "user_type": UserType::TenantAdmin.code(), "roles": [admin_role.name], "onboarding": "invitation" }),
        ),
    )
    .await?;
    Ok(())
}

/// Adds someone: invited by email, or created with a temporary password shown once.
pub async fn add(state: &AppState, actor: &Actor<'_>, new: &NewAccount) -> ServiceResult<Added> {
    let checked = check_form(&new.form, None)?;
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
    let txn = db.begin().await?;
    lock_organisation(&txn, organisation_id).await?;
    super::licence::reserve_seats(&txn, 1).await?;
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
    model.locale = Set(actor.user.locale.code().to_string());
    model.phone = Set(checked.phone.clone());
    model.external_id = Set(checked.external_id.clone());
    model.timezone = Set(checked.timezone.clone());
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
        "user.created"
    } else {
        "user.invited"
    };
    audit::record(
        &txn,
        actor.audit(
            action,
            created.id,
            Some(json!({
                "email": created.email,
                "first_name": created.first_name,
                "last_name": created.last_name,
                "user_type": new.user_type.code(),
                "roles": roles.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
                "onboarding": if temporary.is_some() { "temporary_password" } else { "invitation" },
            })),
        ),
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(Added {
        user_id: created.id,
        email: created.email,
        temporary_password: temporary.map(|(password, _)| password),
    })
}

/// One account of the actor's organisation.
pub async fn detail(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<AccountDetail> {
    let user = target(db, actor, id).await?;
    let roles = role_ids_of(db, user.id).await?;
    let at = now();
    let permissions = why_granted(db, actor, &user, &roles).await?;
    Ok(AccountDetail {
        permissions,
        id: user.id,
        user_type: user_type_of(&user),
        status: status_of(&user),
        version: user.version,
        created: Moment::new(user.created_at, at),
        last_sign_in: user.last_login_at.map(|t| Moment::new(t, at)),
        is_self: user.id == actor.user.id,
        avatar_url: super::people::avatar_url(&user),
        form: AccountForm {
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
            phone: user.phone.unwrap_or_default(),
            external_id: user.external_id.unwrap_or_default(),
            timezone: user.timezone.unwrap_or_default(),
            roles: roles.into_iter().collect(),
        },
    })
}

/// Every permission `user` holds, with where it comes from (their type, each role), in the
/// order of `Permission::ALL`; those of a feature the organisation lacks are marked.
async fn why_granted(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user: &user::Model,
    roles: &BTreeSet<Uuid>,
) -> ServiceResult<Vec<GrantedPermission>> {
    let user_type = user_type_of(user);
    let names = role_names(db, user.organisation_id).await?;
    let by_role = permissions_of(db, roles.iter().copied()).await?;
    Ok(Permission::ALL
        .iter()
        .filter_map(|p| {
            let mut sources = Vec::new();
            if user_type.baseline().contains(p) {
                sources.push(GrantSource::UserType(user_type));
            }
            for (role_id, _) in by_role.iter().filter(|(_, granted)| granted == p) {
                if let Some((_, name)) = names.iter().find(|(id, _)| id == role_id) {
                    sources.push(GrantSource::Role(name.clone()));
                }
            }
            (!sources.is_empty()).then(|| GrantedPermission {
                permission: *p,
                sources,
                missing_feature: p.feature().filter(|f| !actor.user.features.contains(f)),
            })
        })
        .collect())
}

fn conflict() -> AppError {
    let l = request_locale();
    AppError::Conflict(tr!(l, "msg.accounts.changed_meanwhile"))
}

/// Refuses an admin's change of account `id`'s address unless the actor may make it. Whoever sets
/// an address can reset the password through it, so it takes the permission to reset passwords
/// (besides outranking the person, checked with every edit); one's own address changes from My
/// profile, where the password is asked and the new address must confirm.
async fn check_address_change(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<()> {
    let l = request_locale();
    if id == actor.user.id {
        return Err(AppError::field("email", tr!(l, "msg.accounts.own_email")).into());
    }
    match still_may(txn, actor, Permission::UsersResetPassword).await {
        Err(ServiceError::Refused(AppError::Forbidden(_))) => {
            Err(AppError::field("email", tr!(l, "msg.accounts.email_needs_reset")).into())
        }
        other => other,
    }
}

/// The notice to `user`'s old address that an administrator gave the account `new_email`.
fn address_changed_email(actor: &Actor<'_>, user: &user::Model, new_email: &str) -> mail::Email {
    let l = super::people::locale_of(user);
    let organisation = organisation_name(actor);
    mail::compose(
        l,
        &user.email,
        tr!(l, "email.admin_change.subject", organisation = organisation),
        &organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.admin_change.body",
                admin = actor.name(),
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.admin_change.unexpected"),
        ],
        None,
        &tr!(l, "email.admin_change.closing"),
    )
}

/// Saves an admin's edit of account `id`, refusing it when the account changed since the form
/// was loaded.
pub async fn update(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    change: &AccountChange,
) -> ServiceResult<AccountDetail> {
    let organisation_id = actor.organisation_id();
    let txn = state.db.begin().await?;
    lock_organisation(&txn, organisation_id).await?;
    let before = managed(&txn, actor, id, Permission::UsersEdit).await?;
    let checked = check_form(&change.form, Some(&before))?;
    if before.version != change.version {
        return Err(conflict().into());
    }
    check_email_free(&txn, organisation_id, &checked.email, Some(id)).await?;
    let email_changed = !before.email.eq_ignore_ascii_case(&checked.email);
    if email_changed {
        check_address_change(&txn, actor, id).await?;
    }
    let held = role_ids_of(&txn, id).await?;
    if held != checked.roles {
        if id == actor.user.id {
            let l = request_locale();
            return Err(AppError::field("roles", tr!(l, "msg.accounts.own_roles")).into());
        }
        let roles = roles_of(&txn, organisation_id, &checked.roles).await?;
        let added: Vec<role::Model> = roles
            .iter()
            .filter(|r| !held.contains(&r.id))
            .cloned()
            .collect();
        check_grants(&txn, actor, None, &added).await?;
        let user_type = user_type_of(&before);
        if status_of(&before) == UserStatus::Active
            && administers(&txn, user_type, held.iter().copied()).await?
            && !administers(&txn, user_type, checked.roles.iter().copied()).await?
            && !another_administrator(&txn, organisation_id, id).await?
        {
            let l = request_locale();
            return Err(AppError::field("roles", tr!(l, "msg.accounts.last_admin_roles")).into());
        }
        user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        user_role::Entity::insert_many(checked.roles.iter().map(|r| user_role::ActiveModel {
            user_id: Set(id),
            role_id: Set(*r),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::FirstName, Expr::value(&checked.first_name))
        .col_expr(user::Column::LastName, Expr::value(&checked.last_name))
        .col_expr(user::Column::Email, Expr::value(&checked.email))
        .col_expr(user::Column::Phone, Expr::value(checked.phone.clone()))
        .col_expr(
            user::Column::ExternalId,
            Expr::value(checked.external_id.clone()),
        )
        .col_expr(
            user::Column::Timezone,
            Expr::value(checked.timezone.clone()),
        )
        .col_expr(user::Column::Version, Expr::value(change.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(change.version))
        .exec(&txn)
        .await
        .map_err(|e| unique_email(e, &checked.email))?;
    if updated.rows_affected != 1 {
        return Err(conflict().into());
    }
    if email_changed {
        // Links sent to the old address stop working, and so does a change of address the person
        // asked for; a pending invitation follows the address, and anyone who has used the
        // account hears of the change at the address they know.
        for kind in [
            TokenKind::Invitation,
            TokenKind::PasswordReset,
            TokenKind::EmailChange,
        ] {
            tokens::retire(&txn, id, kind).await?;
        }
        if status_of(&before) == UserStatus::Invited {
            let mut moved = before.clone();
            moved.email.clone_from(&checked.email);
            moved.first_name.clone_from(&checked.first_name);
            send_invitation(&txn, state, actor, &moved).await?;
        } else {
            let notice = address_changed_email(actor, &before, &checked.email);
            mail::enqueue(&txn, Some(organisation_id), notice).await?;
        }
    }
    let mut changes = Map::new();
    let mut compare = |field: &str, old: Option<&str>, new: Option<&str>| {
        if old != new {
            changes.insert(field.into(), json!({ "before": old, "after": new }));
        }
    };
    compare(
        "first_name",
        Some(&before.first_name),
        Some(&checked.first_name),
    );
    compare(
        "last_name",
        Some(&before.last_name),
        Some(&checked.last_name),
    );
    compare("email", Some(&before.email), Some(&checked.email));
    compare("phone", before.phone.as_deref(), checked.phone.as_deref());
    compare(
        "external_id",
        before.external_id.as_deref(),
        checked.external_id.as_deref(),
    );
    compare(
        "timezone",
        before.timezone.as_deref(),
        checked.timezone.as_deref(),
    );
    if held != checked.roles {
        let names = role_names(&txn, organisation_id).await?;
        let named = |ids: &BTreeSet<Uuid>| {
            ids.iter()
                .filter_map(|id| names.iter().find(|(r, _)| r == id).map(|(_, n)| n.clone()))
                .collect::<Vec<_>>()
        };
        changes.insert(
            "roles".into(),
            json!({ "before": named(&held), "after": named(&checked.roles) }),
        );
    }
    if !changes.is_empty() {
        audit::record(
            &txn,
            actor.audit("user.updated", id, Some(Value::Object(changes))),
        )
        .await?;
    }
    let detail = detail(&txn, actor, id).await?;
    txn.commit().await?;
    if email_changed {
        state.mail.wake();
    }
    Ok(detail)
}

async fn role_names(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<(Uuid, String)>> {
    Ok(role::Entity::find()
        .select_only()
        .column(role::Column::Id)
        .column(role::Column::Name)
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// Sets the status of account `id`, bumping its version, and records it.
async fn set_status(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    user: &user::Model,
    status: UserStatus,
    action: &str,
) -> ServiceResult<()> {
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status.code()))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(&user.status))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict().into());
    }
    audit::record(
        txn,
        actor.audit(
            action,
            user.id,
            Some(json!({ "status": { "before": user.status, "after": status.code() } })),
        ),
    )
    .await?;
    Ok(())
}

/// Suspends account `id`: its sessions end at once, it cannot sign in, it leaves assignee
/// pickers and default lists; its history and roles stay.
pub async fn suspend(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    if let Some(already) = suspend_in(&txn, actor, id).await? {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.already_suspended",
            name = display(&already)
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
    let l = request_locale();
    let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Err(AppError::field("ids", tr!(l, "msg.accounts.suspend_none")).into());
    }
    if ids.len() > SUSPEND_MANY_MAX {
        return Err(AppError::field(
            "ids",
            tr!(l, "msg.accounts.suspend_too_many", max = SUSPEND_MANY_MAX),
        )
        .into());
    }
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let mut suspended = 0;
    let mut refusals = Vec::new();
    for id in ids {
        match suspend_in(&txn, actor, id).await {
            Ok(None) => suspended += 1,
            Ok(Some(_)) => {}
            Err(ServiceError::Refused(AppError::NotFound(_))) => {
                refusals.push(tr!(l, "msg.accounts.selected_gone"))
            }
            Err(ServiceError::Refused(refused)) => refusals.push(refused.message(l)),
            Err(other) => return Err(other),
        }
    }
    if !refusals.is_empty() {
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.nobody_suspended",
            reasons = refusals.join(" ")
        ))
        .into());
    }
    txn.commit().await?;
    Ok(suspended)
}

/// Suspends account `id` inside `txn` (which holds the organisation's lock); returns the account
/// instead when it was suspended already.
async fn suspend_in(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<Option<user::Model>> {
    let l = request_locale();
    if id == actor.user.id {
        return Err(AppError::Forbidden(tr!(l, "msg.accounts.suspend_self")).into());
    }
    let user = managed(txn, actor, id, Permission::UsersSuspend).await?;
    if status_of(&user) == UserStatus::Suspended {
        return Ok(Some(user));
    }
    let roles = role_ids_of(txn, id).await?;
    if status_of(&user) == UserStatus::Active
        && administers(txn, user_type_of(&user), roles).await?
        && !another_administrator(txn, actor.organisation_id(), id).await?
    {
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.last_admin_suspend",
            name = display(&user)
        ))
        .into());
    }
    set_status(txn, actor, &user, UserStatus::Suspended, "user.suspended").await?;
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
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersSuspend).await?;
    if status_of(&user) != UserStatus::Suspended {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.not_suspended",
            name = display(&user)
        ))
        .into());
    }
    super::licence::reserve_seats(&txn, 1).await?;
    let status = if user.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    set_status(&txn, actor, &user, status, "user.reactivated").await?;
    if status == UserStatus::Invited {
        // The suspension retired their link: a fresh invitation goes out.
        send_invitation(&txn, state, actor, &user).await?;
    }
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Refuses to reset the password of an account that has none to reset or may not sign in.
fn resettable(user: &user::Model) -> ServiceResult<()> {
    let l = request_locale();
    match status_of(user) {
        UserStatus::Invited => {
            Err(
                AppError::Conflict(tr!(l, "msg.accounts.reset_invited", name = display(user)))
                    .into(),
            )
        }
        UserStatus::Suspended => {
            Err(
                AppError::Conflict(tr!(l, "msg.accounts.reset_suspended", name = display(user)))
                    .into(),
            )
        }
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
        let l = request_locale();
        return Err(AppError::Forbidden(tr!(l, "msg.accounts.reset_self")).into());
    }
    // Checked before the slow hashing for a quick answer, and again under the lock below.
    let user = target(&state.db, actor, id).await?;
    check_outranks(&state.db, actor, &user).await?;
    resettable(&user)?;
    let temporary = match method {
        ResetMethod::Email => None,
        ResetMethod::TemporaryPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            Some((password, hash))
        }
    };
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
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
        "user.password_reset_temporary"
    } else {
        "user.password_reset_sent"
    };
    audit::record(&txn, actor.audit(action, id, None)).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(ResetDone {
        temporary_password: temporary.map(|(password, _)| password),
    })
}

/// The organisation's pending invitations, newest first, with their emails' delivery.
pub async fn invitations(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<Invitation>> {
    let invited = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Status.eq(UserStatus::Invited.code()))
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
                name: display(&u),
                email: u.email.clone(),
                user_type: user_type_of(&u),
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

async fn invited(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<user::Model> {
    let user = managed(txn, actor, id, Permission::UsersInvite).await?;
    if status_of(&user) != UserStatus::Invited {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.no_pending_invitation",
            name = display(&user)
        ))
        .into());
    }
    Ok(user)
}

/// Sends a new invitation link to account `id`; the old link stops working.
pub async fn resend_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    send_invitation(&txn, state, actor, &user).await?;
    audit::record(&txn, actor.audit("user.invitation_resent", id, None)).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Withdraws the invitation of account `id`: the account, which never signed in, is removed and
/// its link stops working. The audit trail keeps the record.
pub async fn revoke_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    audit::record(
        &txn,
        actor.audit(
            "user.invitation_revoked",
            id,
            Some(json!({ "email": user.email, "first_name": user.first_name, "last_name": user.last_name })),
        ),
    )
    .await?;
    let deleted = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Status.eq(UserStatus::Invited.code()))
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
    let (rows, _) =
        super::users::matching_page(db, organisation_id, &query, 0, Ord::min(limit, 100), None)
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

/// Per-address and per-account limits of "forgot password" requests.
pub const RESET_ACCOUNT_THROTTLE: super::throttle::ThrottlePolicy =
    super::throttle::ThrottlePolicy {
        free_attempts: 3,
        delay_step_secs: 60,
        max_attempts: 5,
        lockout_secs: 60 * 60,
    };
pub const RESET_IP_THROTTLE: super::throttle::ThrottlePolicy = super::throttle::ThrottlePolicy {
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
    super::text::check_email("email", email)?;
    let normalised = super::people::normalise_email(email);
    let account_key = format!("reset:{slug}:{normalised}");
    let ip_key = format!("reset-ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    super::throttle::claim(
        &state.db,
        super::throttle::Attempts::ResetRequest,
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
pub(super) fn access_expired(user: &user::Model) -> bool {
    user.access_expires_at.is_some_and(|at| at <= now())
}

/// Writes the reset link and its email for `email` in organisation `slug`, if that is an active
/// account.
async fn send_reset_link(
    state: &AppState,
    slug: &str,
    normalised: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let Some(org) = super::tenancy::find_by_slug(&state.db, slug).await? else {
        return Ok(());
    };
    let Some(user) = super::people::find_user_by_email(&state.db, org.id, normalised).await? else {
        return Ok(());
    };
    if status_of(&user) != UserStatus::Active || access_expired(&user) {
        return Ok(());
    }
    let txn = state.db.begin().await?;
    lock_organisation(&txn, org.id).await?;
    // Checked again under the lock: a suspension or a change of address in the meantime has
    // retired the links, and this one must not undo that.
    let Some(user) = user::Entity::find_by_id(user.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|u| {
            status_of(u) == UserStatus::Active
                && !access_expired(u)
                && super::people::normalise_email(&u.email) == normalised
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
            action: "user.password_reset_requested",
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes: None,
            ip: client.ip.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

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
    Ok(
        if token.used_at.is_some() || status_of(&user) != usable_status {
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
        },
    )
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
    passwords::check_policy("password", password, &holder.email)?;
    if password != confirmation {
        return Err(passwords::mismatch());
    }
    let hash = state.passwords.hash(password.to_string()).await?;
    let organisation_id = holder.organisation_id;
    let txn = state.db.begin().await?;
    // The organisation, then the account, are locked before the link is spent, in the order a
    // suspension or revocation takes them, so the two wait for each other instead of
    // interleaving or deadlocking.
    lock_organisation(&txn, organisation_id).await?;
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
            "user.invitation_accepted",
        ),
        TokenKind::PasswordReset => (
            UserStatus::Active,
            UserStatus::Active,
            "user.password_reset_completed",
        ),
        // Confirming an address sets no password (profile::confirm_email_change).
        TokenKind::EmailChange => return Err(link_not_usable(kind).into()),
    };
    if status_of(&user) != required || access_expired(&user) {
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
        AuditEntry {
            organisation_id: user.organisation_id,
            actor_user_id: Some(user.id),
            actor_organisation_id: Some(user.organisation_id),
            action,
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes: (kind == TokenKind::Invitation).then(
                || json!({ "status": { "before": UserStatus::Invited.code(), "after": UserStatus::Active.code() } }),
            ),
            ip: client.ip.clone(),
        },
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
