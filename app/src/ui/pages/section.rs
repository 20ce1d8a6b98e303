//! Console sections whose screens are still to be built: they exist in the navigation, check
//! access like the real screens will, and say plainly that they are not ready.

use super::errors::ForbiddenPage;
use crate::model::{CurrentUser, Permission};
use leptos::prelude::*;
use leptos_meta::Title;

/// A console section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Activity,
    Settings,
}

impl Section {
    fn title(self) -> &'static str {
        match self {
            Section::Activity => "Activity",
            Section::Settings => "Settings",
        }
    }

    fn allowed(self, user: &CurrentUser) -> bool {
        match self {
            Section::Activity => user.can(Permission::AuditView),
            Section::Settings => user.can(Permission::OrgSettings),
        }
    }
}

/// The page of a section not built yet.
#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    if !section.allowed(&user) {
        return view! {
            <ForbiddenPage reason=format!("{} is not part of your access in this organisation.", section.title()) />
        }
        .into_any();
    }
    view! {
        <Title text=section.title() />
        <header class="page-header"><h1>{section.title()}</h1></header>
        <section class="card empty-state">
            <p>"This part of the console is not available yet."</p>
        </section>
    }
    .into_any()
}
