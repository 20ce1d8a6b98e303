//! The organisation's roles.

use crate::model::{users::RoleTag, AppError};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::guard;

/// The roles of organisation `slug`, by name: for filters and pickers.
#[server(endpoint = "roles/list")]
pub async fn list_roles(slug: String) -> Result<Vec<RoleTag>, AppError> {
    guard::respond(
        async {
            let caller = guard::require(&slug, crate::model::Permission::UsersView).await?;
            Ok(crate::services::roles::tags(&caller.state.db, caller.user.organisation.id).await?)
        }
        .await,
    )
}
