//! The root page: which organisation do you want to sign in to?

use crate::{
    api::auth::GoToOrganisation,
    i18n::use_locale,
    tr,
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Asks for the organisation's address and goes to its sign-in page.
#[component]
pub fn HomePage() -> impl IntoView {
    let l = use_locale();
    let go = ServerAction::<GoToOrganisation>::new();
    let error = action_error(go);
    view! {
        <Title text=tr!(l, "login.title") />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                <h1>{tr!(l, "home.heading")}</h1>
                <p class="muted">{tr!(l, "home.intro")}</p>
                <ActionForm action=go attr:class="stack">
                    <FormAlert error />
                    <Field
                        label=tr!(l, "home.address")
                        name="slug"
                        autocomplete="organization"
                        hint=tr!(l, "home.address_hint")
                        error=field_error(error, "slug")
                        required=true
                        autofocus=true
                    />
                    <button type="submit" class="button button-primary" disabled=move || go.pending().get()>
                        {tr!(l, "home.continue")}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
