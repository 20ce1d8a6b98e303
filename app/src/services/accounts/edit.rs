//! An account as its page shows it, and editing it: names, address, type, roles.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::{claim_version, OrgTxn};
use crate::{msg, services::messages::Refusal};

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
        user_type: user.user_type,
        status: user.status,
        version: user.version,
        created: Moment::new(user.created_at, at),
        last_sign_in: user.last_login_at.map(|t| Moment::new(t, at)),
        is_self: user.id == actor.user.id,
        avatar_url: user.avatar_url(),
        platform_role: user.platform_role,
        replaced: user.replaced_by.is_some(),
        directory: (user.user_name.is_some()
            || user.title.is_some()
            || user.deprovisioned_at.is_some())
        .then(|| DirectoryFacts {
            user_name: user.user_name.clone(),
            title: user.title.clone(),
            removed: user.deprovisioned_at.map(|t| Moment::new(t, at)),
        }),
        form: AccountForm {
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
            phone: user.phone.unwrap_or_default(),
            external_id: user.external_id.unwrap_or_default(),
            timezone: user.timezone.unwrap_or_default(),
            roles: roles.into_iter().collect(),
            access_until: user
                .access_expires_at
                .map(|ends| crate::model::account::access_day(ends).to_string())
                .unwrap_or_default(),
        },
    })
}

/// Every permission `user` holds, with where it comes from (their type, each role), in the
/// order of `Permission::ALL`; those of a feature the organisation lacks are marked.
pub(super) async fn why_granted(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user: &user::Model,
    roles: &BTreeSet<Uuid>,
) -> ServiceResult<Vec<GrantedPermission>> {
    let user_type = user.user_type;
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

/// Refuses an admin's change of account `id`'s address unless the actor may make it. Whoever sets
/// an address can reset the password through it, so it takes the permission to reset passwords
/// (besides outranking the person, checked with every edit); one's own address changes from My
/// profile, where the password is asked and the new address must confirm.
pub(super) async fn check_address_change(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<()> {
    if id == actor.user.id {
        return Err(Refusal::field("email", msg!("msg.accounts.own_email")).into());
    }
    match still_may(txn, actor, Permission::UsersResetPassword).await {
        Err(ServiceError::Refused(Refusal::Forbidden(_))) => {
            Err(Refusal::field("email", msg!("msg.accounts.email_needs_reset")).into())
        }
        other => other,
    }
}

/// The notice to `user`'s old address that an administrator gave the account `new_email`.
pub(super) fn address_changed_email(
    actor: &Actor<'_>,
    user: &user::Model,
    new_email: &str,
) -> mail::Email {
    let l = user.locale;
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
    let txn = OrgTxn::begin(&state.db, actor.organisation_id()).await?;
    let email_changed = update_in(&txn, state, actor, id, change).await?;
    let detail = detail(&txn, actor, id).await?;
    txn.commit().await?;
    if email_changed {
        state.mail.wake();
    }
    Ok(detail)
}

/// Saves the edit of account `id` inside `txn` (which holds the organisation's lock), as
/// [`update`] does; returns whether the address changed (mail was queued).
pub(crate) async fn update_in(
    txn: &OrgTxn,
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    change: &AccountChange,
) -> ServiceResult<bool> {
    let organisation_id = actor.organisation_id();
    let before = managed(txn, actor, id, Permission::UsersEdit).await?;
    let checked = check_form(&change.form, Some(&before))?;
    claim_version::<user::Entity>(txn, id, change.version, conflict).await?;
    check_email_free(txn, organisation_id, &checked.email, Some(id)).await?;
    let email_changed = !before.email.eq_ignore_ascii_case(&checked.email);
    if email_changed {
        check_address_change(txn, actor, id).await?;
    }
    let held = role_ids_of(txn, id).await?;
    let roles_changed = replace_roles_in(txn, actor, &before, &held, &checked.roles).await?;
    user::Entity::update_many()
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
        .col_expr(
            user::Column::AccessExpiresAt,
            Expr::value(checked.access_ends),
        )
        .col_expr(
            user::Column::AccessWarnedAt,
            // A new date is warned about afresh.
            Expr::value(if before.access_expires_at == checked.access_ends {
                before.access_warned_at
            } else {
                None
            }),
        )
        .filter(user::Column::Id.eq(id))
        .exec(txn)
        .await
        .map_err(|e| unique_email(e, &checked.email))?;
    if email_changed {
        // Links sent to the old address stop working, and so does a change of address the person
        // asked for; a pending invitation follows the address, and anyone who has used the
        // account hears of the change at the address they know.
        for kind in [
            TokenKind::Invitation,
            TokenKind::PasswordReset,
            TokenKind::EmailChange,
        ] {
            tokens::retire(txn, id, kind).await?;
        }
        if before.status == UserStatus::Invited {
            let mut moved = before.clone();
            moved.email.clone_from(&checked.email);
            moved.first_name.clone_from(&checked.first_name);
            send_invitation(txn, state, actor, &moved).await?;
        } else {
            let notice = address_changed_email(actor, &before, &checked.email);
            mail::enqueue(txn, Some(organisation_id), notice).await?;
        }
    }
    let mut changes = Changes::new()
        .field("first_name", &before.first_name, &checked.first_name)
        .field("last_name", &before.last_name, &checked.last_name)
        .field("email", &before.email, &checked.email)
        .field("phone", &before.phone, &checked.phone)
        .field("external_id", &before.external_id, &checked.external_id)
        .field("timezone", &before.timezone, &checked.timezone)
        .field(
            "access_until",
            before
                .access_expires_at
                .map(crate::model::account::access_day),
            checked.access_ends.map(crate::model::account::access_day),
        );
    if let Some((before_names, after_names)) = roles_changed {
        changes = changes.field("roles", before_names, after_names);
    }
    if !changes.is_empty() {
        audit::record(txn, actor.audit(AuditAction::UserUpdated, id, changes)).await?;
    }
    Ok(email_changed)
}

/// Gives account `before` the roles `wanted` in place of `held`, inside `txn`, after the checks
/// of any change of roles: never one's own, only roles the actor may give, never leaving the
/// organisation without an active administrator. Returns the role names before and after, when
/// they changed.
pub(crate) async fn replace_roles_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    before: &user::Model,
    held: &BTreeSet<Uuid>,
    wanted: &BTreeSet<Uuid>,
) -> ServiceResult<Option<(Vec<String>, Vec<String>)>> {
    if held == wanted {
        return Ok(None);
    }
    let (id, organisation_id) = (before.id, actor.organisation_id());
    if id == actor.user.id {
        return Err(Refusal::field("roles", msg!("msg.accounts.own_roles")).into());
    }
    let roles = roles_of(txn, organisation_id, wanted).await?;
    let added: Vec<role::Model> = roles
        .iter()
        .filter(|r| !held.contains(&r.id))
        .cloned()
        .collect();
    check_grants(txn, actor, None, &added).await?;
    let user_type = before.user_type;
    if before.status == UserStatus::Active
        && administers(txn, user_type, held.iter().copied()).await?
        && !administers(txn, user_type, wanted.iter().copied()).await?
        && !another_administrator(txn, organisation_id, id).await?
    {
        return Err(Refusal::field("roles", msg!("msg.accounts.last_admin_roles")).into());
    }
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    if !wanted.is_empty() {
        user_role::Entity::insert_many(wanted.iter().map(|r| user_role::ActiveModel {
            user_id: Set(id),
            role_id: Set(*r),
        }))
        .exec_without_returning(txn)
        .await?;
    }
    let names = role_names(txn, organisation_id).await?;
    let named = |ids: &BTreeSet<Uuid>| {
        ids.iter()
            .filter_map(|id| names.iter().find(|(r, _)| r == id).map(|(_, n)| n.clone()))
            .collect::<Vec<_>>()
    };
    Ok(Some((named(held), named(wanted))))
}

pub(super) async fn role_names(
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
