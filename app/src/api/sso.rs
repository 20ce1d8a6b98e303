//! Single sign-on: Settings → Single sign-on for those who change the organisation's settings
//! (org.settings), and the buttons of the sign-in page for anyone. The sign-in itself goes
//! through plain routes (`/o/{slug}/sso/{id}`, `/sso/callback`), since it is a browser's
//! round trip through the provider.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    sso::SsoTestResult,
    sso::{SignInOptions, SsoConnectionForm, SsoConnectionSummary, SsoOverview, SsoRequirement},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::services::sso;

crate::needs!(SsoSettings, Need::Permission(Permission::OrgSettings));

/// Connections, requirement and break-glass administrators of organisation `slug`.
#[server(endpoint = "sso/settings", input = Form, output = Answer)]
pub async fn sso_settings(slug: String) -> Result<SsoOverview, AppError> {
    SsoSettings::serve(&slug, async |caller| {
        Ok(sso::overview(&caller.state, &caller.actor()).await?)
    })
    .await
}

crate::needs!(SaveSsoConnection, Need::Permission(Permission::OrgSettings));

/// Adds a connection (`id` none) or changes connection `id`.
#[server(endpoint = "sso/save", input = JsonBody, output = Answer)]
pub async fn save_sso_connection(
    slug: String,
    id: Option<Uuid>,
    connection: SsoConnectionForm,
) -> Result<SsoConnectionSummary, AppError> {
    SaveSsoConnection::serve(&slug, async |caller| {
        Ok(sso::save(&caller.state, &caller.actor(), id, &connection).await?)
    })
    .await
}

crate::needs!(
    EnableSsoConnection,
    Need::Permission(Permission::OrgSettings)
);

/// Turns connection `id` on or off.
#[server(endpoint = "sso/enable", input = Form, output = Answer)]
pub async fn enable_sso_connection(slug: String, id: Uuid, enabled: bool) -> Result<(), AppError> {
    EnableSsoConnection::serve(&slug, async |caller| {
        Ok(sso::set_enabled(&caller.state, &caller.actor(), id, enabled).await?)
    })
    .await
}

crate::needs!(
    RemoveSsoConnection,
    Need::Permission(Permission::OrgSettings)
);

/// Removes connection `id`.
#[server(endpoint = "sso/remove", input = Form, output = Answer)]
pub async fn remove_sso_connection(slug: String, id: Uuid) -> Result<(), AppError> {
    RemoveSsoConnection::serve(&slug, async |caller| {
        Ok(sso::remove(&caller.state, &caller.actor(), id).await?)
    })
    .await
}

crate::needs!(SetSsoRequirement, Need::Permission(Permission::OrgSettings));

/// Requires single sign-on or not, and names the break-glass administrators.
#[server(endpoint = "sso/requirement", input = JsonBody, output = Answer)]
pub async fn set_sso_requirement(
    slug: String,
    requirement: SsoRequirement,
) -> Result<(), AppError> {
    SetSsoRequirement::serve(&slug, async |caller| {
        Ok(sso::set_requirement(&caller.state, &caller.actor(), &requirement).await?)
    })
    .await
}

crate::needs!(StartSsoTest, Need::Permission(Permission::OrgSettings));

/// Starts a test sign-in through connection `id`: the provider's address to open. Nobody is
/// signed in; the claims come back to Settings → Single sign-on.
#[server(endpoint = "sso/test/start", input = Form, output = Answer)]
pub async fn start_sso_test(slug: String, id: Uuid) -> Result<String, AppError> {
    StartSsoTest::serve(&slug, async |caller| {
        let by = caller.user.id;
        let organisation_id = caller.user.organisation.id;
        let begun = sso::flow::start(
            &caller.state,
            organisation_id,
            id,
            sso::flow::Purpose::Test { by },
            &caller.client,
        )
        .await?;
        super::guard::set_cookie(&begun.cookie)?;
        Ok(begun.url)
    })
    .await
}

crate::needs!(SsoTest, Need::Permission(Permission::OrgSettings));

/// What test sign-in `id`, started by the caller, received.
#[server(endpoint = "sso/test", input = Form, output = Answer)]
pub async fn sso_test(slug: String, id: Uuid) -> Result<SsoTestResult, AppError> {
    SsoTest::serve(&slug, async |caller| {
        Ok(sso::flow::test_result(
            &caller.state,
            caller.user.organisation.id,
            caller.user.id,
            id,
        )
        .await?)
    })
    .await
}

crate::needs!(SignInChoices, anyone);

/// The "Sign in with …" buttons of organisation `slug`'s sign-in page.
#[server(endpoint = "auth/sso-options", input = Form, output = Answer)]
pub async fn sign_in_choices(slug: String) -> Result<SignInOptions, AppError> {
    SignInChoices::serve(async |visitor| Ok(sso::sign_in_options(&visitor.state.db, &slug).await?))
        .await
}
