//! Signing in to one organisation.

use crate::{
    api::auth::Login,
    i18n::use_locale,
    tr,
    ui::components::form::{action_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Email and password for the organisation in the URL.
#[component]
pub fn LoginPage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let next = move || query.read().get("next").unwrap_or_default();
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    let no_field_error = Signal::derive(|| None::<String>);
    view! {
        <Title text=tr!(l, "login.title") />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                <h1>{tr!(l, "login.title")}</h1>
                <p class="muted">
                    {tr!(l, "login.organisation")} <strong class="slug">{slug}</strong> " · "
                    <a href="/">{tr!(l, "login.other_organisation")}</a>
                </p>
                <ActionForm action=login attr:class="stack">
                    <FormAlert error />
                    <input type="hidden" name="slug" value=slug />
                    <input type="hidden" name="next" value=next />
                    <Field
                        label=tr!(l, "login.email")
                        name="email"
                        kind="email"
                        autocomplete="username"
                        error=no_field_error
                        required=true
                        autofocus=true
                    />
                    <Field
                        label=tr!(l, "login.password")
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        error=no_field_error
                        required=true
                    />
                    <button type="submit" class="button button-primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { tr!(l, "login.signing_in") } else { tr!(l, "login.submit") }}
                    </button>
                </ActionForm>
                <p><a href=move || format!("/o/{}/forgot-password", slug())>{tr!(l, "login.forgot")}</a></p>
            </div>
        </main>
    }
}
