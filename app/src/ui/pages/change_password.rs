//! Choosing a new password: required after signing in with a temporary one, and available to
//! every signed-in user.

use crate::{
    api::auth::ChangePassword,
    i18n::use_locale,
    model::password::MIN_LENGTH,
    tr,
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The new-password form.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    let hint = tr!(l, "password.hint", min = MIN_LENGTH);
    view! {
        <Title text=tr!(l, "change_password.title") />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                <h1>{tr!(l, "change_password.title")}</h1>
                <p class="muted">
                    {tr!(l, "change_password.intro")}
                </p>
                <ActionForm action=change attr:class="stack">
                    <FormAlert error />
                    <input type="hidden" name="slug" value=slug />
                    <Field
                        label=tr!(l, "change_password.current")
                        name="current_password"
                        kind="password"
                        autocomplete="current-password"
                        error=field_error(error, "current_password")
                        required=true
                        autofocus=true
                    />
                    <Field
                        label=tr!(l, "change_password.new")
                        name="new_password"
                        kind="password"
                        autocomplete="new-password"
                        hint
                        error=field_error(error, "new_password")
                        required=true
                    />
                    <Field
                        label=tr!(l, "change_password.repeat")
                        name="confirmation"
                        kind="password"
                        autocomplete="new-password"
                        error=field_error(error, "confirmation")
                        required=true
                    />
                    <button type="submit" class="button button-primary" disabled=move || change.pending().get()>
                        {tr!(l, "change_password.submit")}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
