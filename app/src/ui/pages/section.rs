//! Console sections whose screens are still to be built: they exist in the navigation, check
//! access like the real screens will, and say plainly that they are not ready.

use super::errors::ForbiddenPage;
use crate::{
    i18n::{use_locale, Locale},
    model::{CurrentUser, Permission},
    tr,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// A console section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Activity,
}

impl Section {
    fn title(self, l: Locale) -> String {
        match self {
            Section::Activity => tr!(l, "nav.activity"),
        }
    }

    fn allowed(self, user: &CurrentUser) -> bool {
        match self {
            Section::Activity => user.can(Permission::AuditView),
        }
    }
}

/// The Activity section, to be built.
#[component]
pub fn ActivityPage() -> impl IntoView {
    view! { <SectionPage section=Section::Activity /> }
}

/// The page of a section not built yet.
#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !section.allowed(&user) {
        return view! {
            <ForbiddenPage reason=tr!(l, "section.forbidden", section = section.title(l)) />
        }
        .into_any();
    }
    view! {
        <Title text=section.title(l) />
        <header class="page-header"><h1>{section.title(l)}</h1></header>
        <section class="card empty-state">
            <p>{tr!(l, "section.not_ready")}</p>
        </section>
    }
    .into_any()
}
