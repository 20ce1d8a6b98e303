//! Organisations (tenants): lookup, creation with their built-in roles, effective features.

use super::{now, ServiceResult};
use crate::{
    entities::{organisation, organisation_user_count, role, role_permission},
    model::{
        organisations::{
            NewOrganisation, OrganisationList, OrganisationRow, ORGANISATION_LIST_LIMIT,
        },
        users::Moment,
        AppError, Feature, OrganisationSummary, RoleTemplate, UserStatus,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder, SqlErr, TransactionTrait};

/// Checks that `slug` is URL-safe: lowercase letters, digits and single hyphens, 2 to 63 long.
pub fn check_slug(field: &str, slug: &str) -> Result<(), AppError> {
    let valid = (2..=63).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if valid {
        Ok(())
    } else {
        Err(AppError::field(
            field,
            "Use 2 to 63 lowercase letters, digits and single hyphens, for example \"acme-support\".",
        ))
    }
}

/// The organisation with `slug`, if any.
pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> ServiceResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// Creates an organisation with the built-in roles; returns it.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    slug: &str,
    is_admin_tenant: bool,
    is_demo: bool,
) -> ServiceResult<organisation::Model> {
    check_slug("slug", slug)?;
    if name.trim().is_empty() {
        return Err(AppError::field("name", "Give the organisation a name.").into());
    }
    if find_by_slug(db, slug).await?.is_some() {
        return Err(AppError::field("slug", format!("The address \"{slug}\" is taken.")).into());
    }
    let now = now();
    let org = organisation::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.trim().to_string()),
        slug: Set(slug.to_string()),
        is_admin_tenant: Set(is_admin_tenant),
        is_demo: Set(is_demo),
        features_enabled: Set(None),
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

/// The features the organisation may use. Until a licence is installed every feature is
/// licensed; the organisation's override narrows that.
pub fn effective_features(org: &organisation::Model) -> Vec<Feature> {
    match &org.features_enabled {
        None => Feature::ALL.to_vec(),
        Some(list) => Feature::ALL
            .iter()
            .copied()
            .filter(|f| {
                list.as_array()
                    .is_some_and(|codes| codes.iter().any(|c| c.as_str() == Some(f.code())))
            })
            .collect(),
    }
}

/// The organisations whose name or address contains `search` (ignoring case), by name, with
/// their people counted.
pub async fn list(db: &impl ConnectionTrait, search: &str) -> ServiceResult<OrganisationList> {
    let needle = search.trim().to_lowercase();
    // A platform has hundreds or thousands of organisations, not millions: filtered here.
    let matching: Vec<organisation::Model> = organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(|o| {
            needle.is_empty() || o.name.to_lowercase().contains(&needle) || o.slug.contains(&needle)
        })
        .collect();
    let total = matching.len() as u64;
    let shown: Vec<organisation::Model> = matching
        .into_iter()
        .take(ORGANISATION_LIST_LIMIT as usize)
        .collect();
    let counts = organisation_user_count::Entity::find()
        .filter(organisation_user_count::Column::OrganisationId.is_in(shown.iter().map(|o| o.id)))
        .all(db)
        .await?;
    let at = now();
    let rows = shown
        .into_iter()
        .map(|o| {
            let of = |active_only: bool| {
                counts
                    .iter()
                    .filter(|c| c.organisation_id == o.id)
                    .filter(|c| !active_only || c.status == UserStatus::Active.code())
                    .map(|c| u64::try_from(c.users).unwrap_or(0))
                    .sum::<u64>()
            };
            OrganisationRow {
                id: o.id,
                active_users: of(true),
                users: of(false),
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
    })
}

/// Creates an organisation with its built-in roles and invites its first tenant admin, in one
/// transaction; every problem with the form is named at once.
pub async fn create_with_admin(
    state: &super::AppState,
    actor: &super::accounts::Actor<'_>,
    new: &NewOrganisation,
) -> ServiceResult<organisation::Model> {
    let db = &state.db;
    let mut fields = Vec::new();
    let mut problem = |field: &str, message: String| {
        fields.push(crate::model::FieldError {
            field: field.into(),
            message,
        })
    };
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        problem(
            "name",
            "Give the organisation a name of 1 to 100 characters.".into(),
        );
    }
    let slug = new.slug.trim();
    if let Err(e) = check_slug("slug", slug) {
        problem("slug", e.to_string());
    } else if find_by_slug(db, slug).await?.is_some() {
        problem(
            "slug",
            format!("The address \"{slug}\" belongs to another organisation; choose another."),
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
                format!(
                    "{} is the admin tenant already, and an instance has only one.",
                    holder.name
                ),
            );
        }
    }
    for (field, label, value) in [
        ("admin_first_name", "first name", &new.admin_first_name),
        ("admin_last_name", "last name", &new.admin_last_name),
    ] {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
            problem(
                field,
                format!("Enter the first tenant admin's {label} (at most 100 characters)."),
            );
        }
    }
    if let Err(e) = super::bootstrap::check_email("admin_email", new.admin_email.trim()) {
        problem("admin_email", e.to_string());
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid {
            message: "Some details need your attention.".into(),
            fields,
        }
        .into());
    }
    let txn = db.begin().await?;
    let org = create(&txn, name, slug, new.is_admin_tenant, new.is_demo)
        .await
        .map_err(|e| match e {
            super::ServiceError::Database(db)
                if matches!(db.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                AppError::field(
                "slug",
                "Another organisation was created with this address or as the admin tenant a moment ago. Reload and try again.",
            )
            .into()
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
    txn.commit().await?;
    state.mail.wake();
    Ok(org)
}

/// How the console names an organisation.
pub fn summary(org: &organisation::Model) -> OrganisationSummary {
    OrganisationSummary {
        id: org.id,
        name: org.name.clone(),
        slug: org.slug.clone(),
        is_admin_tenant: org.is_admin_tenant,
        is_demo: org.is_demo,
    }
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
