//! Organisations as every request sees them: found by slug, summarised, the features they have.
//! A building block.

use super::ServiceResult;
use crate::{
    entities::organisation,
    model::{Feature, OrganisationSummary},
};
use crate::{msg, services::messages::Refusal};
use sea_orm::prelude::*;

/// Checks that `slug` is URL-safe: lowercase letters, digits and single hyphens, 2 to 63 long.
pub fn check_slug(field: &'static str, slug: &str) -> Result<(), Refusal> {
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
        Err(Refusal::field(
            field,
            msg!("msg.organisations.slug_invalid"),
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

/// The features the organisation may use: the licence's (`licensed`), narrowed by the
/// organisation's override when it has one.
pub fn effective_features(licensed: &[Feature], org: &organisation::Model) -> Vec<Feature> {
    let enabled = override_of(org);
    licensed
        .iter()
        .copied()
        .filter(|f| enabled.as_ref().is_none_or(|list| list.contains(f)))
        .collect()
}

/// How the console names an organisation.
pub fn summary(org: &organisation::Model) -> OrganisationSummary {
    OrganisationSummary {
        id: org.id,
        name: org.name.clone(),
        slug: org.slug.clone(),
        is_admin_tenant: org.is_admin_tenant,
        is_demo: org.is_demo,
        sso_required: org.sso_required,
    }
}

pub(super) fn override_of(org: &organisation::Model) -> Option<Vec<Feature>> {
    org.features_enabled
        .as_ref()
        .map(super::licence::features_in)
}
