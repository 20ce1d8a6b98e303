//! Roles: named bundles of permissions, per organisation.

use super::ServiceResult;
use crate::{entities::role, model::users::RoleTag};
use sea_orm::{prelude::*, QueryOrder};

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
