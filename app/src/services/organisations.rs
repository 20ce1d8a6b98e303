//! Organisations (tenants): lookup, creation with their built-in roles, effective features.

use super::tenancy::{check_slug, effective_features, find_by_slug, override_of};
use super::{
    now,
    text::{self, TextProblem},
    ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{
    entities::{organisation, organisation_user_count, role, role_permission},
    model::{
        organisations::{
            NewOrganisation, OrganisationChanges, OrganisationDetail, OrganisationList,
            OrganisationRow, SwitchTarget, ORGANISATION_LIST_LIMIT,
        },
        users::Moment,
        Feature, RoleTemplate, UserStatus,
    },
};
use crate::{
    msg,
    services::messages::{FieldProblem, Message, Refusal},
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder, SqlErr};

/// Creates an organisation with the built-in roles; returns it.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    is_admin_tenant: bool,
    is_demo: bool,
) -> ServiceResult<organisation::Model> {
    check_slug("slug", slug)?;
    let name = check_name(name).map_err(|message| Refusal::field("name", message))?;
    if find_by_slug(db, slug).await?.is_some() {
        return Err(
            Refusal::field("slug", msg!("msg.organisations.slug_taken", slug = slug)).into(),
        );
    }
    let now = now();
    let org = organisation::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        slug: Set(slug.to_string()),
        is_admin_tenant: Set(is_admin_tenant),
        is_demo: Set(is_demo),
        features_enabled: Set(None),
        audit_retention_days: Set(crate::model::activity::RETENTION_DEFAULT_DAYS),
        audit_pruned_at: Set(None),
        sso_required: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    for template in RoleTemplate::ALL {
        let role = role::ActiveModel {
            id: Set(Uuid::new_v4()),
            organisation_id: Set(org.id),
            name: Set(template.name().to_string()),
            description: Set(template.description().to_string()),
            template: Set(Some(template.code().to_string())),
            created_at: Set(now),
            version: Set(1),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
        role_permission::Entity::insert_many(template.permissions().iter().map(|p| {
            role_permission::ActiveModel {
                role_id: Set(role.id),
                permission: Set(p.code().to_string()),
            }
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(org)
}

/// Every organisation whose name or address contains `search` (ignoring case), by name. A
/// platform has hundreds or thousands of organisations, not millions: filtered here.
async fn matching(
    db: &impl ConnectionTrait,
    search: &str,
) -> ServiceResult<Vec<organisation::Model>> {
    let needle = search.trim().to_lowercase();
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(|o| {
            needle.is_empty() || o.name.to_lowercase().contains(&needle) || o.slug.contains(&needle)
        })
        .collect())
}

/// The organisations whose name or address contains `search` (ignoring case), by name, with
/// their people counted.
pub async fn list(db: &impl ConnectionTrait, search: &str) -> ServiceResult<OrganisationList> {
    let matching = matching(db, search).await?;
    let total = matching.len() as u64;
    let shown: Vec<organisation::Model> = matching
        .into_iter()
        .take(ORGANISATION_LIST_LIMIT as usize)
        .collect();
    let counts = counts_of(db, shown.iter().map(|o| o.id)).await?;
    let at = now();
    let rows = shown
        .into_iter()
        .map(|o| {
            let (active_users, users) = people(&counts, o.id);
            OrganisationRow {
                id: o.id,
                active_users,
                users,
                created: Moment::new(o.created_at, at),
                name: o.name,
                slug: o.slug,
                is_admin_tenant: o.is_admin_tenant,
                is_demo: o.is_demo,
            }
        })
        .collect();
    Ok(OrganisationList {
        rows,
        matching: total,
        seats_used: super::licence::seats_used(db).await?,
        seats: super::licence::current(db)
            .await?
            .map(|l| u64::try_from(l.seats).unwrap_or(0)),
    })
}

/// Creates an organisation with its built-in roles and invites its first tenant admin, in one
/// transaction; every problem with the form is named at once.
pub async fn create_with_admin(
    state: &super::AppState,
    actor: &super::acting::Actor<'_>,
    new: &NewOrganisation,
) -> ServiceResult<organisation::Model> {
    let db = &state.db;
    let mut fields = Vec::new();
    let mut problem =
        |field: &'static str, message: Message| fields.push(FieldProblem { field, message });
    let name = check_name(&new.name).unwrap_or_else(|message| {
        problem("name", message);
        String::new()
    });
    let slug = new.slug.trim();
    if let Err(e) = check_slug("slug", slug) {
        problem("slug", e.sentence());
    } else if find_by_slug(db, slug).await?.is_some() {
        problem(
            "slug",
            msg!("msg.organisations.slug_elsewhere", slug = slug),
        );
    }
    if new.is_admin_tenant {
        if let Some(holder) = organisation::Entity::find()
            .filter(organisation::Column::IsAdminTenant.eq(true))
            .one(db)
            .await?
        {
            problem(
                "is_admin_tenant",
                msg!("msg.organisations.admin_tenant_exists", name = holder.name),
            );
        }
    }
    let mut admin_name = |field: &'static str, last: bool, value: &str| match text::name(value) {
        Ok(value) if !value.is_empty() && value.chars().count() <= 100 => value,
        Err(TextProblem::Invisible) => {
            problem(field, text::refusal(TextProblem::Invisible, false));
            String::new()
        }
        _ => {
            let message = if last {
                msg!("msg.organisations.admin_last_name")
            } else {
                msg!("msg.organisations.admin_first_name")
            };
            problem(field, message);
            String::new()
        }
    };
    let new = &NewOrganisation {
        admin_first_name: admin_name("admin_first_name", false, &new.admin_first_name),
        admin_last_name: admin_name("admin_last_name", true, &new.admin_last_name),
        ..new.clone()
    };
    if let Err(e) = super::text::check_email("admin_email", new.admin_email.trim()) {
        problem("admin_email", e.sentence());
    }
    if !fields.is_empty() {
        return Err(Refusal::Invalid {
            message: super::people::check_details(),
            fields,
        }
        .into());
    }
    let txn = crate::services::locking::write_txn(db).await?;
    let org = create(&txn, &name, slug, new.is_admin_tenant, new.is_demo)
        .await
        .map_err(|e| match e {
            super::ServiceError::Database(db)
                if matches!(db.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                Refusal::field("slug", msg!("msg.organisations.created_meanwhile")).into()
            }
            other => other,
        })?;
    let admin_role = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(org.id))
        .filter(role::Column::Template.eq(RoleTemplate::Admin.code()))
        .one(&txn)
        .await?
        .ok_or_else(|| super::ServiceError::Internal("no Admin role".into()))?;
    super::accounts::invite_first_admin(&txn, state, actor, &org, &admin_role, new).await?;
    if org.is_demo {
        super::demo::fill(&txn, &org, actor.user.id, actor.user.home_organisation.id).await?;
    }
    txn.commit().await?;
    state.mail.wake();
    Ok(org)
}

/// An organisation's name as it is stored (see [`text::name`]), or what is wrong with it.
fn check_name(name: &str) -> Result<String, Message> {
    match text::name(name) {
        Ok(name) if !name.is_empty() && name.chars().count() <= 100 => Ok(name),
        Err(TextProblem::Invisible) => Err(text::refusal(TextProblem::Invisible, false)),
        _ => Err(msg!("msg.organisations.name_invalid")),
    }
}

/// The feature codes of an override, checked: unknown codes are refused by name.
pub fn parse_features(codes: &[String]) -> Result<Vec<Feature>, Refusal> {
    let mut features = Vec::new();
    for code in codes {
        let feature = Feature::from_code(code.trim()).ok_or_else(|| {
            Refusal::field(
                "features_enabled",
                msg!(
                    "msg.organisations.unknown_feature",
                    code = code,
                    codes = Feature::ALL
                        .iter()
                        .map(|f| f.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if !features.contains(&feature) {
            features.push(feature);
        }
    }
    Ok(features)
}

async fn counts_of(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<Vec<organisation_user_count::Model>> {
    Ok(organisation_user_count::Entity::find()
        .filter(organisation_user_count::Column::OrganisationId.is_in(ids))
        .all(db)
        .await?)
}

/// (active, all) people of organisation `id` among `counts`.
fn people(counts: &[organisation_user_count::Model], id: Uuid) -> (u64, u64) {
    let of = |active_only: bool| {
        counts
            .iter()
            .filter(|c| c.organisation_id == id)
            .filter(|c| !active_only || c.status == UserStatus::Active.code())
            .map(|c| u64::try_from(c.users).unwrap_or(0))
            .sum::<u64>()
    };
    (of(true), of(false))
}

async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<organisation::Model> {
    find_by_slug(db, slug)
        .await?
        .ok_or_else(|| not_found(slug).into())
}

/// The refusal of an organisation `slug` that does not exist.
fn not_found(slug: &str) -> Refusal {
    Refusal::NotFound(msg!("msg.organisations.not_found", slug = slug))
}

/// Organisation `slug` as its edit page shows it.
pub async fn detail(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<OrganisationDetail> {
    let org = by_slug(db, slug).await?;
    let licensed = super::licence::licensed_features(db).await?;
    let admin_tenant_elsewhere = organisation::Entity::find()
        .filter(organisation::Column::IsAdminTenant.eq(true))
        .filter(organisation::Column::Id.ne(org.id))
        .one(db)
        .await?
        .map(|o| o.name);
    let (active_users, users) = people(&counts_of(db, [org.id]).await?, org.id);
    Ok(OrganisationDetail {
        id: org.id,
        features_enabled: override_of(&org),
        effective: effective_features(&licensed, &org),
        licensed,
        admin_tenant_elsewhere,
        active_users,
        users,
        created: Moment::new(org.created_at, now()),
        name: org.name,
        slug: org.slug,
        is_admin_tenant: org.is_admin_tenant,
        is_demo: org.is_demo,
    })
}

/// Changes organisation `slug`: name, flags and features, with an audit entry of what changed.
pub async fn update(
    state: &super::AppState,
    actor: &super::acting::Actor<'_>,
    slug: &str,
    changes: &OrganisationChanges,
) -> ServiceResult<OrganisationDetail> {
    let name = check_name(&changes.name).map_err(|m| Refusal::field("name", m))?;
    let name = name.as_str();
    let features = changes
        .features_enabled
        .as_deref()
        .map(parse_features)
        .transpose()?;
    // Locked first, then read: a change that waited for another sees what that one wrote.
    let id = by_slug(&state.db, slug).await?.id;
    let txn = OrgTxn::begin(&state.db, id).await?;
    let org = organisation::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(slug))?;
    if org.is_admin_tenant && !changes.is_admin_tenant {
        return Err(Refusal::field(
            "is_admin_tenant",
            msg!("msg.organisations.admin_tenant_keeps_flag"),
        )
        .into());
    }
    if !org.is_admin_tenant && changes.is_admin_tenant {
        let holder = organisation::Entity::find()
            .filter(organisation::Column::IsAdminTenant.eq(true))
            .one(&txn)
            .await?;
        if let Some(holder) = holder {
            return Err(Refusal::field(
                "is_admin_tenant",
                msg!("msg.organisations.admin_tenant_exists", name = holder.name),
            )
            .into());
        }
    }
    let codes = features
        .as_ref()
        .map(|list| serde_json::json!(list.iter().map(|f| f.code()).collect::<Vec<_>>()));
    let changed = super::audit::Changes::new()
        .field("name", &org.name, name)
        .field(
            "is_admin_tenant",
            org.is_admin_tenant,
            changes.is_admin_tenant,
        )
        .field("is_demo", org.is_demo, changes.is_demo)
        .field("features_enabled", &org.features_enabled, &codes);
    if !changed.is_empty() {
        let mut model: organisation::ActiveModel = org.clone().into();
        model.name = Set(name.to_string());
        model.is_admin_tenant = Set(changes.is_admin_tenant);
        model.is_demo = Set(changes.is_demo);
        model.features_enabled = Set(codes);
        model.updated_at = Set(now());
        model.update(&txn).await.map_err(|e| {
            if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
                Refusal::field(
                    "is_admin_tenant",
                    msg!("msg.organisations.admin_tenant_meanwhile"),
                )
                .into()
            } else {
                super::ServiceError::from(e)
            }
        })?;
        super::audit::record(
            &txn,
            super::audit::AuditEntry {
                organisation_id: org.id,
                actor_user_id: Some(actor.user.id),
                actor_organisation_id: Some(actor.user.home_organisation.id),
                action: AuditAction::OrganisationUpdated,
                target_type: "organisation",
                target_id: Some(org.id.to_string()),
                changes: changed,
                ip: actor.client.ip.clone(),
            },
        )
        .await?;
    }
    let detail = detail(&txn, slug).await?;
    txn.commit().await?;
    Ok(detail)
}

/// The organisations someone who may switch can go to, by name, matching `search`; at most
/// `limit`.
pub async fn switch_targets(
    db: &impl ConnectionTrait,
    search: &str,
    limit: usize,
) -> ServiceResult<Vec<SwitchTarget>> {
    Ok(matching(db, search)
        .await?
        .into_iter()
        .take(limit)
        .map(|o| SwitchTarget {
            name: o.name,
            slug: o.slug,
            is_demo: o.is_demo,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        for good in ["acme", "acme-support", "a1"] {
            assert!(check_slug("slug", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "Acme",
            "acme support",
            "-acme",
            "acme-",
            "ac--me",
            "acmé",
            "../x",
        ] {
            assert!(check_slug("slug", bad).is_err(), "{bad}");
        }
    }
}
