//! The platform's organisations, for super-admins only.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    organisations::{
        NewOrganisation, OrganisationChanges, OrganisationDetail, OrganisationList, SwitchTarget,
    },
    AppError,
};
use leptos::prelude::*;

crate::needs!(
    ListOrganisations,
    Need::SuperAdmin(|l| { crate::tr!(l, "msg.guard.list_organisations") })
);

/// The organisations whose name or address contains `search`. `slug` is the organisation the
/// caller is signed in to; only a super-admin gets an answer.
#[server(endpoint = "platform/organisations", input = Form, output = Answer)]
pub async fn list_organisations(
    slug: String,
    search: String,
) -> Result<OrganisationList, AppError> {
    ListOrganisations::serve(&slug, async |caller| {
        Ok(crate::services::organisations::list(&caller.state.db, &search).await?)
    })
    .await
}

crate::needs!(
    CreateOrganisation,
    Need::SuperAdmin(|l| { crate::tr!(l, "msg.guard.create_organisations") })
);

/// Creates an organisation and invites its first tenant admin; returns its address.
#[server(endpoint = "platform/organisations/create", input = JsonBody, output = Answer)]
pub async fn create_organisation(
    slug: String,
    organisation: NewOrganisation,
) -> Result<String, AppError> {
    CreateOrganisation::serve(&slug, async |caller| {
        let actor = caller.actor();
        let created =
            crate::services::organisations::create_with_admin(&caller.state, &actor, &organisation)
                .await?;
        Ok(created.slug)
    })
    .await
}

crate::needs!(
    GetOrganisation,
    Need::SuperAdmin(|l| crate::tr!(l, "msg.guard.read_organisation"))
);

/// Organisation `organisation` as its edit page shows it.
#[server(endpoint = "platform/organisations/get", input = Form, output = Answer)]
pub async fn get_organisation(
    slug: String,
    organisation: String,
) -> Result<OrganisationDetail, AppError> {
    GetOrganisation::serve(&slug, async |caller| {
        Ok(crate::services::organisations::detail(&caller.state.db, &organisation).await?)
    })
    .await
}

crate::needs!(
    UpdateOrganisation,
    Need::SuperAdmin(|l| { crate::tr!(l, "msg.guard.change_organisation") })
);

/// Changes organisation `organisation`: name, admin-tenant and demo flags, enabled features.
#[server(endpoint = "platform/organisations/update", input = JsonBody, output = Answer)]
pub async fn update_organisation(
    slug: String,
    organisation: String,
    changes: OrganisationChanges,
) -> Result<OrganisationDetail, AppError> {
    UpdateOrganisation::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(
            crate::services::organisations::update(&caller.state, &actor, &organisation, &changes)
                .await?,
        )
    })
    .await
}

crate::needs!(SwitchTargets, Need::Switcher);

/// The organisations the caller may switch into, matching `search` (the sidebar's switcher).
#[server(endpoint = "platform/switch-targets", input = Form, output = Answer)]
pub async fn switch_targets(slug: String, search: String) -> Result<Vec<SwitchTarget>, AppError> {
    SwitchTargets::serve(&slug, async |caller| {
        Ok(crate::services::organisations::switch_targets(&caller.state.db, &search, 50).await?)
    })
    .await
}
