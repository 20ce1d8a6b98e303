//! The organisation's people.

use super::codec::{Answer, JsonBody};
use crate::model::{
    users::{UserList, UserQuery},
    AppError,
};
use leptos::prelude::*;

crate::needs!(ListUsers, Need::Permission(Permission::UsersView));

/// One page of the users of organisation `slug` matching `query`.
#[server(endpoint = "users/list", input = JsonBody, output = Answer)]
pub async fn list_users(slug: String, query: UserQuery) -> Result<UserList, AppError> {
    ListUsers::serve(&slug, async |caller| {
        Ok(
            crate::services::users::list(&caller.state.db, caller.user.organisation.id, &query)
                .await?,
        )
    })
    .await
}
