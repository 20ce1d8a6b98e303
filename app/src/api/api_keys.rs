//! API keys of an organisation, for those who change its settings (org.settings).

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    api_keys::{ApiKeySummary, CreatedApiKey, NewApiKey},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::services::api_keys;

crate::needs!(ListApiKeys, Need::Permission(Permission::OrgSettings));

/// The keys of organisation `slug`, revoked ones last. Secrets are never listed.
#[server(endpoint = "api-keys/list", input = Form, output = Answer)]
pub async fn list_api_keys(slug: String) -> Result<Vec<ApiKeySummary>, AppError> {
    ListApiKeys::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(api_keys::list(&caller.state.db, &actor).await?)
    })
    .await
}

crate::needs!(CreateApiKey, Need::Permission(Permission::OrgSettings));

/// Creates a key; its secret is in the answer, once.
#[server(endpoint = "api-keys/create", input = JsonBody, output = Answer)]
pub async fn create_api_key(slug: String, key: NewApiKey) -> Result<CreatedApiKey, AppError> {
    CreateApiKey::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(api_keys::create(&caller.state, &actor, &key).await?)
    })
    .await
}

crate::needs!(RevokeApiKey, Need::Permission(Permission::OrgSettings));

/// Revokes key `id`: products using it are refused from their next request.
#[server(endpoint = "api-keys/revoke", input = Form, output = Answer)]
pub async fn revoke_api_key(slug: String, id: Uuid) -> Result<(), AppError> {
    RevokeApiKey::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(api_keys::revoke(&caller.state, &actor, id).await?)
    })
    .await
}
