//! The platform's organisations, for super-admins only.

use crate::model::{
    organisations::{NewOrganisation, OrganisationList},
    AppError,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use super::guard;

/// The organisations whose name or address contains `search`. `slug` is the organisation the
/// caller is signed in to; only a super-admin gets an answer.
#[server(endpoint = "platform/organisations")]
pub async fn list_organisations(
    slug: String,
    search: String,
) -> Result<OrganisationList, AppError> {
    guard::respond(
        async {
            let caller = guard::require_super_admin(&slug).await?;
            Ok(crate::services::organisations::list(&caller.state.db, &search).await?)
        }
        .await,
    )
}

/// Creates an organisation and invites its first tenant admin; returns its address.
#[server(endpoint = "platform/organisations/create", input = Json)]
pub async fn create_organisation(
    slug: String,
    organisation: NewOrganisation,
) -> Result<String, AppError> {
    guard::respond(
        async {
            let caller = guard::require_super_admin(&slug).await?;
            let actor = caller.actor();
            let created = crate::services::organisations::create_with_admin(
                &caller.state,
                &actor,
                &organisation,
            )
            .await?;
            Ok(created.slug)
        }
        .await,
    )
}
