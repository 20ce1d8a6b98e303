//! Teams (part of the Helpdesk feature): the organisation's teams (`list`) and one team with its
//! members and signature (`team`).

pub mod list;
pub mod team;

use crate::model::{CurrentUser, Feature};
use leptos::prelude::*;

use super::errors::ForbiddenPage;

/// The refusal shown when the organisation lacks the Helpdesk feature, if it does.
fn without_helpdesk(user: &CurrentUser) -> Option<AnyView> {
    (!user.features.contains(&Feature::Helpdesk)).then(|| {
        view! {
            <ForbiddenPage reason=format!("Teams belong to the Helpdesk feature, which {} does not have.", user.organisation.name) />
        }
        .into_any()
    })
}
