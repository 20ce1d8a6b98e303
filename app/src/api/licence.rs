//! The instance's licence, for super-admins only.

use super::codec::{Form, JsonBody};
use crate::model::{licence::LicenceStatus, AppError};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::guard;

/// The installed licence and the seats in use.
#[server(endpoint = "platform/licence", input = Form)]
pub async fn get_licence(slug: String) -> Result<LicenceStatus, AppError> {
    guard::respond(
        async {
            let caller =
                guard::require_super_admin(&slug, |l| crate::tr!(l, "msg.guard.read_licence"))
                    .await?;
            let state = &caller.state;
            Ok(crate::services::licence::status(&state.db, state.licence_key.as_ref()).await?)
        }
        .await,
    )
}

/// Checks and installs the licence file `document`, replacing the current licence.
#[server(endpoint = "platform/licence/install", input = JsonBody)]
pub async fn install_licence(slug: String, document: String) -> Result<LicenceStatus, AppError> {
    guard::respond(
        async {
            let caller =
                guard::require_super_admin(&slug, |l| crate::tr!(l, "msg.guard.install_licence"))
                    .await?;
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
        }
        .await,
    )
}
