//! API keys of an organisation, for those who change its settings (org.settings).

use super::codec::{Form, JsonBody};
use crate::model::{
    api_keys::{ApiKeySummary, CreatedApiKey, NewApiKey},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::guard,
    crate::{model::Permission, services::api_keys},
};

/// The keys of organisation `slug`, revoked ones last. Secrets are never listed.
#[server(endpoint = "api-keys/list", input = Form)]
pub async fn list_api_keys(slug: String) -> Result<Vec<ApiKeySummary>, AppError> {
    guard::respond(
        async {
            let caller = guard::require(&slug, Permission::OrgSettings).await?;
            let actor = caller.actor();
            Ok(api_keys::list(&caller.state.db, &actor).await?)
        }
        .await,
    )
}

/// Creates a key; its secret is in the answer, once.
#[server(endpoint = "api-keys/create", input = JsonBody)]
pub async fn create_api_key(slug: String, key: NewApiKey) -> Result<CreatedApiKey, AppError> {
    guard::respond(
        async {
            let caller = guard::require(&slug, Permission::OrgSettings).await?;
            let actor = caller.actor();
            Ok(api_keys::create(&caller.state, &actor, &key).await?)
        }
        .await,
    )
}

/// Revokes key `id`: products using it are refused from their next request.
#[server(endpoint = "api-keys/revoke", input = Form)]
pub async fn revoke_api_key(slug: String, id: Uuid) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require(&slug, Permission::OrgSettings).await?;
            let actor = caller.actor();
            Ok(api_keys::revoke(&caller.state, &actor, id).await?)
        }
        .await,
    )
}
