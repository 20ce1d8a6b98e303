//! The instance's licence, for super-admins only.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{licence::LicenceStatus, AppError};
use leptos::prelude::*;

crate::needs!(
    GetLicence,
    Need::SuperAdmin(|l| crate::tr!(l, "msg.guard.read_licence"))
);

/// The installed licence and the seats in use.
#[server(endpoint = "platform/licence", input = Form, output = Answer)]
pub async fn get_licence(slug: String) -> Result<LicenceStatus, AppError> {
    GetLicence::serve(&slug, async |caller| {
        let state = &caller.state;
        Ok(crate::services::licence::status(&state.db, state.licence_key.as_ref()).await?)
    })
    .await
}

crate::needs!(
    InstallLicence,
    Need::SuperAdmin(|l| crate::tr!(l, "msg.guard.install_licence"))
);

/// Checks and installs the licence file `document`, replacing the current licence.
#[server(endpoint = "platform/licence/install", input = JsonBody, output = Answer)]
pub async fn install_licence(slug: String, document: String) -> Result<LicenceStatus, AppError> {
    InstallLicence::serve(&slug, async |caller| {
        let state = &caller.state;
        crate::services::licence::install(
            &state.db,
            &document,
            state.licence_key.as_ref(),
            crate::services::licence::Installer {
                user_id: Some(caller.user.id),
                organisation_id: Some(caller.user.home_organisation.id),
                ip: caller.client.ip.clone(),
            },
        )
        .await?;
        Ok(crate::services::licence::status(&state.db, state.licence_key.as_ref()).await?)
    })
    .await
}
