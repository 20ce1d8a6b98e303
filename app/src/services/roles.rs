//! Roles: named bundles of permissions, per organisation. The built-in roles (Admin, Agent,
//! Viewer) are fixed; custom roles are created, changed and deleted here. Nobody gives a role a
//! permission they do not hold, and no change may leave the organisation without an active
//! administrator. Changes apply from each holder's next request: grants are read per request.

use super::{
    acting::{another_administrator, grants_of_actor, permissions_of, still_may, Actor},
    audit::{self, AuditEntry, Changes},
    naming::{self, Named},
    now, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::services::locking::{claim_version, OrgTxn};
use crate::{
    entities::{role, role_permission, user, user_role},
    model::{
        roles::{HoldersPlan, RoleDetail, RoleForm, RoleHolder, RoleSummary, HOLDERS_SHOWN},
        users::RoleTag,
        Permission,
    },
};
use crate::{
    msg,
    services::messages::{lower, FieldProblem, Message, Refusal},
};
use sea_orm::{
    prelude::*, sea_query::Query, ActiveValue::Set, DatabaseTransaction, JoinType, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeMap, BTreeSet};

/// The organisation's roles by name.
pub async fn tags(db: &impl ConnectionTrait, organisation_id: Uuid) -> ServiceResult<Vec<RoleTag>> {
    Ok(role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|r| RoleTag {
            id: r.id,
            name: r.name,
        })
        .collect())
}

fn summary(
    role: &role::Model,
    permissions: &[(Uuid, Permission)],
    holders: &[(Uuid, i64)],
) -> RoleSummary {
    let mut granted: Vec<Permission> = permissions
        .iter()
        .filter(|(id, _)| *id == role.id)
        .map(|(_, p)| *p)
        .collect();
    granted.sort();
    RoleSummary {
        id: role.id,
        name: role.name.clone(),
        description: role.description.clone(),
        built_in: role.template.is_some(),
        permissions: granted,
        holders: holders
            .iter()
            .find(|(id, _)| *id == role.id)
            .map_or(0, |(_, n)| u64::try_from(*n).unwrap_or(0)),
    }
}

async fn holder_counts(
    db: &impl ConnectionTrait,
    role_ids: Vec<Uuid>,
) -> ServiceResult<Vec<(Uuid, i64)>> {
    Ok(user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleId)
        .column_as(user_role::Column::UserId.count(), "holders")
        .filter(user_role::Column::RoleId.is_in(role_ids))
        .group_by(user_role::Column::RoleId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Every role of the organisation with its permissions and how many hold it: built-in first.
pub async fn overview(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<RoleSummary>> {
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    let permissions = permissions_of(db, ids.clone()).await?;
    let holders = holder_counts(db, ids).await?;
    let mut list: Vec<RoleSummary> = roles
        .iter()
        .map(|r| summary(r, &permissions, &holders))
        .collect();
    list.sort_by_key(|r| !r.built_in);
    Ok(list)
}

/// Role `id` of the organisation; another organisation's role is "not found".
async fn find(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    id: Uuid,
) -> ServiceResult<role::Model> {
    role::Entity::find_by_id(id)
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(|| Refusal::NotFound(msg!("msg.roles.that_role")).into())
}

/// Role `id` as its page shows it.
pub async fn detail(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    id: Uuid,
) -> ServiceResult<RoleDetail> {
    let role = find(db, organisation_id, id).await?;
    let permissions = permissions_of(db, [role.id]).await?;
    let holders = holder_counts(db, vec![role.id]).await?;
    let people = user::Entity::find()
        .filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(user_role::Column::UserId)
                    .from(user_role::Entity)
                    .and_where(user_role::Column::RoleId.eq(role.id))
                    .to_owned(),
            ),
        )
        .order_by_asc(user::Column::FirstName)
        .order_by_asc(user::Column::LastName)
        .limit(HOLDERS_SHOWN as u64)
        .all(db)
        .await?;
    Ok(RoleDetail {
        role: summary(&role, &permissions, &holders),
        holders: people
            .into_iter()
            .map(|u| RoleHolder {
                id: u.id,
                name: u.display_name(),
                email: u.email,
            })
            .collect(),
        version: role.version,
    })
}

/// The form, checked: every problem named at once. `before` is what the role granted until now
/// (a permission of a feature switched off may stay, but not be added).
async fn check_form(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    form: &RoleForm,
    before: &[Permission],
    except: Option<Uuid>,
) -> ServiceResult<(String, String, BTreeSet<Permission>)> {
    let mut fields = Vec::new();
    let (name, description) =
        naming::check(Named::Role, &form.name, &form.description, &mut fields);
    if !fields.iter().any(|f| f.field == "name") {
        let lower = name.to_lowercase();
        let taken = role::Entity::find()
            .filter(role::Column::OrganisationId.eq(actor.user.organisation.id))
            .all(db)
            .await?
            .into_iter()
            .any(|r| r.name.to_lowercase() == lower && Some(r.id) != except);
        if taken {
            // Named before the description's problem, as the form lists them.
            fields.insert(0, naming::taken(Named::Role, &name));
        }
    }
    let mut problem =
        |field: &'static str, message: Message| fields.push(FieldProblem { field, message });
    let permissions: BTreeSet<Permission> = form.permissions.iter().copied().collect();
    let mine = grants_of_actor(db, actor).await?;
    let changed = permissions
        .iter()
        .filter(|p| !before.contains(p))
        .chain(before.iter().filter(|p| !permissions.contains(p)));
    for permission in changed {
        if !mine.contains(permission) {
            problem(
                "permissions",
                msg!("msg.roles.cannot_grant", permission = lower(permission)),
            );
        } else if let Some(feature) = permission
            .feature()
            .filter(|f| !actor.user.features.contains(f) && !before.contains(permission))
        {
            problem(
                "permissions",
                msg!(
                    "msg.roles.permission_needs_feature",
                    permission = permission,
                    feature = feature,
                    organisation = actor.user.organisation.name
                ),
            );
        }
    }
    if !fields.is_empty() {
        let message = fields[0].message.clone();
        return Err(Refusal::Invalid { message, fields }.into());
    }
    Ok((name, description, permissions))
}

async fn write_permissions(
    txn: &DatabaseTransaction,
    role_id: Uuid,
    permissions: &BTreeSet<Permission>,
) -> ServiceResult<()> {
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role_id))
        .exec(txn)
        .await?;
    if !permissions.is_empty() {
        role_permission::Entity::insert_many(permissions.iter().map(|p| {
            role_permission::ActiveModel {
                role_id: Set(role_id),
                permission: Set(p.code().to_string()),
            }
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

fn codes(permissions: &BTreeSet<Permission>) -> Vec<&'static str> {
    permissions.iter().map(|p| p.code()).collect()
}

/// Creates a custom role; returns its id.
pub async fn create(
    state: &super::AppState,
    actor: &Actor<'_>,
    form: &RoleForm,
) -> ServiceResult<Uuid> {
    let (name, description, permissions) = check_form(&state.db, actor, form, &[], None).await?;
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    still_may(&txn, actor, Permission::RolesManage).await?;
    let at = now();
    let created = role::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(actor.user.organisation.id),
        name: Set(name.clone()),
        description: Set(description.clone()),
        template: Set(None),
        created_at: Set(at),
        version: Set(1),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await
    .map_err(|e| naming::taken_or(Named::Role, e, &name))?;
    write_permissions(&txn, created.id, &permissions).await?;
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::RoleCreated,
            "role",
            created.id,
            Changes::new()
                .added("name", &name)
                .added("description", &description)
                .added("permissions", codes(&permissions)),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// A custom role of the organisation, locked for the change about to be made.
async fn editable(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<(role::Model, Vec<Permission>)> {
    still_may(txn, actor, Permission::RolesManage).await?;
    let role = find(txn, actor.user.organisation.id, id).await?;
    if role.template.is_some() {
        return Err(Refusal::Conflict(msg!("msg.roles.built_in", role = role.name)).into());
    }
    let permissions = permissions_of(txn, [role.id])
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    Ok((role, permissions))
}

/// Refuses, inside `txn` after a change, when the organisation has no active administrator left.
async fn keep_an_administrator(txn: &OrgTxn, actor: &Actor<'_>) -> ServiceResult<()> {
    if another_administrator(txn, actor.user.organisation.id, Uuid::nil()).await? {
        Ok(())
    } else {
        Err(Refusal::Conflict(msg!("msg.roles.last_administrator")).into())
    }
}

/// Changes custom role `id`, unless it changed since `version` was read.
pub async fn update(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    form: &RoleForm,
    version: i32,
) -> ServiceResult<RoleDetail> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let (role, before) = editable(&txn, actor, id).await?;
    claim_version::<role::Entity>(&txn, role.id, version, || {
        Refusal::Conflict(msg!("msg.roles.changed_meanwhile"))
    })
    .await?;
    let (name, description, permissions) =
        check_form(&txn, actor, form, &before, Some(role.id)).await?;
    let mut model: role::ActiveModel = role.clone().into();
    model.name = Set(name.clone());
    model.description = Set(description.clone());
    model
        .update(&txn)
        .await
        .map_err(|e| naming::taken_or(Named::Role, e, &name))?;
    write_permissions(&txn, role.id, &permissions).await?;
    keep_an_administrator(&txn, actor).await?;
    let before: BTreeSet<Permission> = before.into_iter().collect();
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::RoleUpdated,
            "role",
            role.id,
            Changes::new()
                .field("name", &role.name, &name)
                .field("description", &role.description, &description)
                .field("permissions", codes(&before), codes(&permissions)),
        ),
    )
    .await?;
    let detail = detail(&txn, actor.user.organisation.id, role.id).await?;
    txn.commit().await?;
    Ok(detail)
}

/// The names of the roles of everyone holding role `role_id`, by person, in name order.
async fn roles_of_holders(
    db: &impl ConnectionTrait,
    role_id: Uuid,
) -> ServiceResult<BTreeMap<Uuid, BTreeSet<String>>> {
    let named = user_role::Entity::belongs_to(role::Entity)
        .from(user_role::Column::RoleId)
        .to(role::Column::Id)
        .into();
    let holders = Query::select()
        .column(user_role::Column::UserId)
        .from(user_role::Entity)
        .and_where(user_role::Column::RoleId.eq(role_id))
        .to_owned();
    let rows: Vec<(Uuid, String)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::UserId)
        .column(role::Column::Name)
        .join(JoinType::InnerJoin, named)
        .filter(user_role::Column::UserId.in_subquery(holders))
        .into_tuple()
        .all(db)
        .await?;
    let mut held: BTreeMap<Uuid, BTreeSet<String>> = BTreeMap::new();
    for (user_id, name) in rows {
        held.entry(user_id).or_default().insert(name);
    }
    Ok(held)
}

/// Deletes custom role `id`; its holders lose it or get another role instead.
pub async fn delete(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    plan: HoldersPlan,
) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let (role, permissions) = editable(&txn, actor, id).await?;
    let mine = grants_of_actor(&txn, actor).await?;
    if let Some(missing) = permissions.iter().find(|p| !mine.contains(p)) {
        return Err(Refusal::Forbidden(msg!(
            "msg.roles.cannot_delete",
            role = role.name,
            permission = lower(missing)
        ))
        .into());
    }
    // Everyone holding the role, with the names of every role they hold.
    let held = roles_of_holders(&txn, role.id).await?;
    let moved_to = match plan {
        HoldersPlan::Remove => None,
        HoldersPlan::MoveTo(target) if target == role.id => {
            return Err(Refusal::field("holders", msg!("msg.roles.move_to_itself")).into())
        }
        HoldersPlan::MoveTo(target) => {
            let target = find(&txn, actor.user.organisation.id, target)
                .await
                .map_err(|_| Refusal::field("holders", msg!("msg.roles.move_to_gone")))?;
            let granted = permissions_of(&txn, [target.id]).await?;
            if let Some((_, missing)) = granted.iter().find(|(_, p)| !mine.contains(p)) {
                return Err(Refusal::field(
                    "holders",
                    msg!(
                        "msg.accounts.cannot_give_role",
                        role = target.name,
                        permission = lower(missing)
                    ),
                )
                .into());
            }
            Some(target)
        }
    };
    // Each holder's entry says which roles they had and have now.
    let mut entries: Vec<AuditEntry> = held
        .iter()
        .map(|(holder, before)| {
            let mut after: BTreeSet<&str> = before
                .iter()
                .map(String::as_str)
                .filter(|name| *name != role.name)
                .collect();
            if let Some(target) = &moved_to {
                after.insert(&target.name);
            }
            let changes = Changes::new().field("roles", before, &after);
            actor.audit(AuditAction::UserUpdated, *holder, changes)
        })
        .collect();
    if let Some(target) = &moved_to {
        let already: BTreeSet<Uuid> = user_role::Entity::find()
            .select_only()
            .column(user_role::Column::UserId)
            .filter(user_role::Column::RoleId.eq(target.id))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?
            .into_iter()
            .collect();
        let new: Vec<user_role::ActiveModel> = held
            .keys()
            .filter(|u| !already.contains(u))
            .map(|u| user_role::ActiveModel {
                user_id: Set(*u),
                role_id: Set(target.id),
            })
            .collect();
        if !new.is_empty() {
            user_role::Entity::insert_many(new)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    user_role::Entity::delete_many()
        .filter(user_role::Column::RoleId.eq(role.id))
        .exec(&txn)
        .await?;
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role.id))
        .exec(&txn)
        .await?;
    role::Entity::delete_by_id(role.id).exec(&txn).await?;
    keep_an_administrator(&txn, actor).await?;
    entries.push(
        actor.audit_of(
            AuditAction::RoleDeleted,
            "role",
            role.id,
            Changes::new()
                .removed("name", &role.name)
                .removed("description", &role.description)
                .removed("permissions", codes(&permissions.iter().copied().collect())),
        ),
    );
    audit::record_all(&txn, entries).await?;
    txn.commit().await?;
    Ok(())
}
