//! First start: the operator's organisation (the admin tenant) and its super-admins.

use super::{
    organisations,
    passwords::{self, Passwords},
    people::NewUser,
    ServiceResult,
};
use crate::services::messages::{Message, Refusal};
use crate::{
    entities::{organisation, role, user_role},
    model::{PlatformRole, RoleTemplate, UserStatus, UserType},
};
use sea_orm::{prelude::*, ActiveValue::Set};

/// A super-admin just created, with the one-time password to print.
#[derive(Debug)]
pub struct CreatedSuperAdmin {
    pub organisation_slug: String,
    pub email: String,
    pub one_time_password: String,
}

/// Creates the admin tenant and a super-admin when the instance has no admin tenant yet.
/// Returns `None` when there already is one.
pub async fn ensure_admin_tenant(
    db: &DatabaseConnection,
    passwords: &Passwords,
    org_name: &str,
    org_slug: &str,
    email: &str,
) -> ServiceResult<Option<CreatedSuperAdmin>> {
    let existing = organisation::Entity::find()
        .filter(organisation::Column::IsAdminTenant.eq(true))
        .one(db)
        .await?;
    if existing.is_some() {
        return Ok(None);
    }
    create_super_admin(db, passwords, org_slug, Some(org_name), email)
        .await
        .map(Some)
}

/// Adds a super-admin with a one-time password to the admin tenant `org_slug`, creating that
/// organisation (named `org_name`) when no admin tenant exists yet.
pub async fn create_super_admin(
    db: &DatabaseConnection,
    passwords: &Passwords,
    org_slug: &str,
    org_name: Option<&str>,
    email: &str,
) -> ServiceResult<CreatedSuperAdmin> {
    super::text::check_email("email", email)?;
    let txn = crate::services::locking::write_txn(db).await?;
    let org = match super::tenancy::find_by_slug(&txn, org_slug).await? {
        Some(org) if org.is_admin_tenant => org,
        Some(_) => {
            return Err(Refusal::field(
                "org",
                Message::untranslated(format!("\"{org_slug}\" is not the admin tenant; super-admins belong to the operator's organisation.")),
            )
            .into())
        }
        None => {
            let admin_tenant = organisation::Entity::find()
                .filter(organisation::Column::IsAdminTenant.eq(true))
                .one(&txn)
                .await?;
            if let Some(other) = admin_tenant {
                return Err(Refusal::field(
                    "org",
                    Message::untranslated(format!("The admin tenant of this instance is \"{}\".", other.slug)),
                )
                .into());
            }
            organisations::create(&txn, org_name.unwrap_or("Operator"), org_slug, true, false)
                .await?
        }
    };
    if super::people::find_user_by_email(&txn, org.id, email)
        .await?
        .is_some()
    {
        return Err(Refusal::field(
            "email",
            Message::untranslated(format!("{email} already has an account in \"{org_slug}\".")),
        )
        .into());
    }
    let one_time_password = passwords::temporary_password();
    let hash = passwords.hash(one_time_password.clone()).await?;
    let local = email.split('@').next().unwrap_or_default();
    let created = NewUser {
        organisation_id: org.id,
        email,
        first_name: local,
        last_name: "",
        user_type: UserType::TenantAdmin,
        status: UserStatus::Active,
        password_hash: Some(hash),
        must_change_password: true,
        platform_role: PlatformRole::SuperAdmin,
    }
    .into_active_model()
    .insert(&txn)
    .await?;
    if let Some(admin_role) = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(org.id))
        .filter(role::Column::Template.eq(RoleTemplate::Admin.code()))
        .one(&txn)
        .await?
    {
        user_role::ActiveModel {
            user_id: Set(created.id),
            role_id: Set(admin_role.id),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(CreatedSuperAdmin {
        organisation_slug: org.slug,
        email: created.email,
        one_time_password,
    })
}
