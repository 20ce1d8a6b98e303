//! The platform's organisations, for super-admins only.

use crate::model::{organisations::OrganisationList, AppError};
use leptos::prelude::*;

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
