//! The acting person: who changes what, with which grants, under the organisation's lock, and the
//! guardrails every change goes through (nobody grants what they do not hold, nobody acts on
//! someone who may do more, an organisation keeps an administrator). A building block.

use super::{
    audit::{AuditEntry, Changes},
    locking::OrgTxn,
    ClientInfo, ServiceError, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::{
    entities::{organisation, role, role_permission, user, user_role},
    model::{
        access::effective_permissions, CurrentUser, Feature, Permission, PlatformRole, UserStatus,
        UserType,
    },
};
use crate::{
    msg,
    services::messages::{lower, Arg, Refusal},
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Query},
    Condition, JoinType, QueryOrder, QuerySelect,
};
use std::collections::BTreeSet;

/// The admin acting, and from where.
pub struct Actor<'a> {
    pub user: &'a CurrentUser,
    pub client: &'a ClientInfo,
    /// What the actor is granted here, read once per request (a bulk change asks per person).
    grants: tokio::sync::OnceCell<Vec<Permission>>,
    /// The same, read again inside a change's transaction once the organisation is locked: what
    /// the change goes by, whatever was read before.
    locked: tokio::sync::OnceCell<Vec<Permission>>,
}

impl<'a> Actor<'a> {
    pub fn new(user: &'a CurrentUser, client: &'a ClientInfo) -> Self {
        Self {
            user,
            client,
            grants: tokio::sync::OnceCell::new(),
            locked: tokio::sync::OnceCell::new(),
        }
    }
}

impl Actor<'_> {
    pub(super) fn organisation_id(&self) -> Uuid {
        self.user.organisation.id
    }

    pub(super) fn audit<'e>(
        &self,
        action: AuditAction,
        target: Uuid,
        changes: Changes,
    ) -> AuditEntry<'e> {
        self.audit_of(action, "user", target, changes)
    }

    /// An audit entry of the actor doing `action` to the `target_type` with id `target`.
    pub(super) fn audit_of<'e>(
        &self,
        action: AuditAction,
        target_type: &'e str,
        target: Uuid,
        changes: Changes,
    ) -> AuditEntry<'e> {
        AuditEntry {
            organisation_id: self.user.organisation.id,
            actor_user_id: Some(self.user.id),
            actor_organisation_id: Some(self.user.home_organisation.id),
            action,
            target_type,
            target_id: Some(target.to_string()),
            changes,
            ip: self.client.ip.clone(),
        }
    }

    pub(super) fn name(&self) -> String {
        self.user.display_name()
    }
}

/// The organisation's roles among `ids`; a role of another organisation is refused as unknown.
pub(super) async fn roles_of(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    ids: &BTreeSet<Uuid>,
) -> ServiceResult<Vec<role::Model>> {
    let found = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    if found.len() != ids.len() {
        return Err(Refusal::field("roles", msg!("msg.accounts.role_gone")).into());
    }
    Ok(found)
}

/// The permissions each of `role_ids` grants.
pub(super) async fn permissions_of(
    db: &impl ConnectionTrait,
    role_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<Vec<(Uuid, Permission)>> {
    let rows: Vec<(Uuid, String)> = role_permission::Entity::find()
        .select_only()
        .column(role_permission::Column::RoleId)
        .column(role_permission::Column::Permission)
        .filter(role_permission::Column::RoleId.is_in(role_ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, code)| Permission::from_code(&code).map(|p| (role, p)))
        .collect())
}

/// Nobody grants what they do not hold: every permission of the added roles (and of a new
/// account's user type) that the organisation has must be one the actor holds.
pub(super) async fn check_grants(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user_type: Option<UserType>,
    added: &[role::Model],
) -> ServiceResult<()> {
    // Compared whatever features the organisation has now: a permission of a feature switched
    // off today is one the account holds the day it is switched on.
    let mine = grants_of_actor(db, actor).await?;
    if let Some(feature) = user_type.and_then(UserType::feature) {
        if !actor.user.features.contains(&feature) {
            return Err(Refusal::field(
                "user_type",
                msg!(
                    "msg.accounts.type_needs_feature",
                    user_type = user_type.map_or(Arg::Text(String::new()), Arg::UserType),
                    feature = feature,
                    organisation = actor.user.organisation.name
                ),
            )
            .into());
        }
    }
    if let Some(user_type) = user_type {
        if let Some(missing) = user_type.baseline().iter().find(|p| !mine.contains(p)) {
            return Err(Refusal::field(
                "user_type",
                msg!(
                    "msg.accounts.cannot_create_type",
                    user_type = lower(user_type),
                    permission = lower(missing)
                ),
            )
            .into());
        }
    }
    let granted = permissions_of(db, added.iter().map(|r| r.id)).await?;
    if let Some((role_id, missing)) = granted.iter().find(|(_, p)| !mine.contains(p)) {
        let name = added
            .iter()
            .find(|r| r.id == *role_id)
            .map(|r| r.name.as_str())
            .unwrap_or("?");
        return Err(Refusal::field(
            "roles",
            msg!(
                "msg.accounts.cannot_give_role",
                role = name,
                permission = lower(missing)
            ),
        )
        .into());
    }
    Ok(())
}

/// What the actor is granted in the organisation they act in, whatever its features: as read
/// under the organisation's lock once [`still_may`] has run in this change, else as read at the
/// first question.
pub(super) async fn grants_of_actor<'b>(
    db: &impl ConnectionTrait,
    actor: &'b Actor<'_>,
) -> ServiceResult<&'b [Permission]> {
    if let Some(locked) = actor.locked.get() {
        return Ok(locked);
    }
    let grants = actor
        .grants
        .get_or_try_init(|| read_grants(db, actor))
        .await?;
    Ok(grants)
}

pub(super) async fn read_grants(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
) -> ServiceResult<Vec<Permission>> {
    let home = organisation::Entity::find_by_id(actor.user.home_organisation.id)
        .one(db)
        .await?
        .ok_or(Refusal::Unauthenticated)?;
    granted(
        db,
        actor.user.id,
        actor.user.user_type,
        actor.user.platform_role,
        &home,
        actor.organisation_id(),
    )
    .await?
    .ok_or_else(|| ServiceError::from(Refusal::Unauthenticated))
}

/// Refuses unless the actor, read again inside `txn` (which holds the organisation's lock), is
/// still active and still holds `needs`. The request was authorized when it began; a suspension
/// or a change of roles that committed while this change waited for the lock (two admins acting
/// on each other at the same moment) counts.
pub(super) async fn still_may(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    needs: Permission,
) -> ServiceResult<()> {
    let granted = actor
        .locked
        .get_or_try_init(|| async {
            let status = user::Entity::find_by_id(actor.user.id)
                .select_only()
                .column(user::Column::Status)
                .into_tuple::<UserStatus>()
                .one(txn)
                .await?;
            if status != Some(UserStatus::Active) {
                return Err(Refusal::Unauthenticated.into());
            }
            read_grants(txn, actor).await
        })
        .await?;
    if granted.contains(&needs) {
        Ok(())
    } else {
        Err(Refusal::lacks(needs).into())
    }
}

/// What account `user` is granted: its type's baseline and its roles, whatever the features.
pub(super) async fn grants_of(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<Vec<Permission>> {
    let roles = permissions_of(db, role_ids_of(db, user.id).await?).await?;
    Ok(effective_permissions(
        user.user_type,
        roles.into_iter().map(|(_, p)| p),
        Feature::ALL,
    ))
}

/// Nobody acts on an account that may do more than they may: holding "reset passwords" or "edit
/// people" must not be a way to take over an administrator's account. A platform administrator's
/// account is a super-admin's business.
pub(super) async fn check_outranks(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    target: &user::Model,
) -> ServiceResult<()> {
    if target.id == actor.user.id {
        return Ok(());
    }
    let platform_role = target.platform_role;
    if platform_role != PlatformRole::None && !actor.user.is_super_admin() {
        return Err(Refusal::Forbidden(msg!(
            "msg.accounts.outranked_platform",
            name = target.display_name()
        ))
        .into());
    }
    let mine = grants_of_actor(db, actor).await?;
    if let Some(missing) = grants_of(db, target)
        .await?
        .into_iter()
        .find(|p| !mine.contains(p))
    {
        return Err(Refusal::Forbidden(msg!(
            "msg.accounts.outranked",
            name = target.display_name(),
            permission = lower(missing)
        ))
        .into());
    }
    Ok(())
}

/// What someone needs besides a tenant admin's type to count as an administrator: what it takes
/// to find people, reactivate them and give them roles back (and to shape those roles), so that
/// whoever holds it can restore anyone's access.
const RESTORES_ACCESS: [Permission; 4] = [
    Permission::UsersView,
    Permission::UsersEdit,
    Permission::UsersSuspend,
    Permission::RolesManage,
];

/// Whether an account of `user_type` holding `role_ids` can run the organisation: a tenant admin
/// by type, or someone whose roles hold all of [`RESTORES_ACCESS`].
pub(super) async fn administers(
    db: &impl ConnectionTrait,
    user_type: UserType,
    role_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<bool> {
    if user_type == UserType::TenantAdmin {
        return Ok(true);
    }
    let held: Vec<Permission> = permissions_of(db, role_ids)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    Ok(RESTORES_ACCESS.iter().all(|p| held.contains(p)))
}

/// Whether anyone other than `except` is an active administrator of the organisation (see
/// [`administers`]).
pub(super) async fn another_administrator(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    except: Uuid,
) -> ServiceResult<bool> {
    let found = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(active_administrators(organisation_id))
        .filter(user::Column::Id.ne(except))
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// The organisation's active administrators (see [`administers`]): whom the organisation's
/// notices go to.
pub(super) async fn administrators(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(active_administrators(organisation_id))
        .all(db)
        .await?)
}

/// The condition of an active administrator of organisation `organisation_id`: a tenant admin,
/// or someone whose roles restore access to others.
fn active_administrators(organisation_id: Uuid) -> Condition {
    let holding = |permission: Permission| {
        Query::select()
            .column((user_role::Entity, user_role::Column::UserId))
            .from(user_role::Entity)
            .inner_join(
                role_permission::Entity,
                Expr::col((role_permission::Entity, role_permission::Column::RoleId))
                    .equals((user_role::Entity, user_role::Column::RoleId)),
            )
            .inner_join(
                role::Entity,
                Expr::col((role::Entity, role::Column::Id))
                    .equals((user_role::Entity, user_role::Column::RoleId)),
            )
            .and_where(Expr::col((role::Entity, role::Column::OrganisationId)).eq(organisation_id))
            .and_where(
                Expr::col((role_permission::Entity, role_permission::Column::Permission))
                    .eq(permission.code()),
            )
            .to_owned()
    };
    let by_roles = RESTORES_ACCESS.iter().fold(Condition::all(), |all, p| {
        all.add(user::Column::Id.in_subquery(holding(*p)))
    });
    Condition::all()
        .add(user::Column::OrganisationId.eq(organisation_id))
        .add(user::Column::Status.eq(UserStatus::Active))
        .add(
            Condition::any()
                .add(user::Column::UserType.eq(UserType::TenantAdmin))
                .add(by_roles),
        )
}

/// The account `id` of the actor's organisation; another organisation's account is "not found".
pub(super) async fn target(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<user::Model> {
    user::Entity::find_by_id(id)
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .one(db)
        .await?
        .ok_or_else(|| that_person().into())
}

/// "That person", of a refusal saying they were not found.
pub(super) fn that_person() -> Refusal {
    Refusal::NotFound(msg!("msg.accounts.that_person"))
}

/// The account `id` the actor is about to change, locked until the transaction `txn` ends (so a
/// concurrent suspension, acceptance or revocation waits for it), once the actor, read again under
/// the organisation's lock, still holds `needs` and outranks the person.
pub(super) async fn managed(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    needs: Permission,
) -> ServiceResult<user::Model> {
    still_may(txn, actor, needs).await?;
    let user = user::Entity::find_by_id(id)
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(that_person)?;
    check_outranks(txn, actor, &user).await?;
    Ok(user)
}

pub(super) async fn role_ids_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> ServiceResult<BTreeSet<Uuid>> {
    Ok(user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.eq(user_id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// What user `user_id` (of organisation `home`) is granted in organisation `acting`, whatever
/// features that organisation has: their type's baseline and their roles at home; a platform
/// role's grants in another organisation; `None` when they have no standing there.
pub async fn granted(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    user_type: UserType,
    platform_role: PlatformRole,
    home: &organisation::Model,
    acting: Uuid,
) -> ServiceResult<Option<Vec<Permission>>> {
    let everything = Feature::ALL;
    Ok(if acting == home.id {
        // The permissions of the roles they hold, in one query.
        let held = role_permission::Entity::belongs_to(user_role::Entity)
            .from(role_permission::Column::RoleId)
            .to(user_role::Column::RoleId)
            .into();
        let codes = role_permission::Entity::find()
            .select_only()
            .column(role_permission::Column::Permission)
            .join(JoinType::InnerJoin, held)
            .filter(user_role::Column::UserId.eq(user_id))
            .into_tuple::<String>()
            .all(db)
            .await?;
        Some(effective_permissions(
            user_type,
            codes.iter().filter_map(|c| Permission::from_code(c)),
            everything,
        ))
    } else if home.is_admin_tenant && platform_role == PlatformRole::SuperAdmin {
        Some(effective_permissions(UserType::TenantAdmin, [], everything))
    } else if home.is_admin_tenant && platform_role == PlatformRole::Support {
        Some(effective_permissions(
            UserType::Viewer,
            [Permission::AuditView],
            everything,
        ))
    } else {
        None
    })
}
