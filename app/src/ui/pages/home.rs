//! The root page: which organisation do you want to sign in to?

use crate::{
    api::auth::GoToOrganisation,
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;

/// Asks for the organisation's address and goes to its sign-in page.
#[component]
pub fn HomePage() -> impl IntoView {
    let go = ServerAction::<GoToOrganisation>::new();
    let error = action_error(go);
    view! {
        <Title text="Sign in" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                <h1>"Sign in to your organisation"</h1>
                <p class="muted">"Enter your organisation's address. You find it in your invitation email."</p>
                <ActionForm action=go attr:class="stack">
                    <FormAlert error />
                    <Field
                        label="Organisation address"
                        name="slug"
                        autocomplete="organization"
                        hint="For example acme-support"
                        error=field_error(error, "slug")
                        required=true
                        autofocus=true
                    />
                    <button type="submit" class="button button-primary" disabled=move || go.pending().get()>
                        "Continue"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
