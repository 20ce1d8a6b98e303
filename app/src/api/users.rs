//! The organisation's people.

use super::codec::JsonBody;
use crate::model::{
    users::{UserList, UserQuery},
    AppError,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::guard;

/// One page of the users of organisation `slug` matching `query`.
#[server(endpoint = "users/list", input = JsonBody)]
pub async fn list_users(slug: String, query: UserQuery) -> Result<UserList, AppError> {
    guard::respond(
        async {
            let caller = guard::require(&slug, crate::model::Permission::UsersView).await?;
            Ok(
                crate::services::users::list(&caller.state.db, caller.user.organisation.id, &query)
                    .await?,
            )
        }
        .await,
    )
}
