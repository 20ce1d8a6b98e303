//! Teams (part of the Helpdesk feature): the organisation's teams (`list`) and one team with its
//! members and signature (`team`).

pub mod list;
pub mod team;

use crate::{
    i18n::use_locale,
    model::{CurrentUser, Feature},
    tr,
};
use leptos::prelude::*;

use super::errors::ForbiddenPage;

/// The refusal shown when the organisation lacks the Helpdesk feature, if it does.
fn without_helpdesk(user: &CurrentUser) -> Option<AnyView> {
    (!user.features.contains(&Feature::Helpdesk)).then(|| {
        let l = use_locale();
        view! {
            <ForbiddenPage reason=tr!(l, "teams.forbidden", organisation = user.organisation.name) />
        }
        .into_any()
    })
}
