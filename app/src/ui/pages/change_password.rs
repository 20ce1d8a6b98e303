//! Choosing a new password: required after signing in with a temporary one, and available to
//! every signed-in user.

use crate::{
    api::auth::ChangePassword,
    model::password::MIN_LENGTH,
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The new-password form.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change);
    let hint =
        format!("At least {MIN_LENGTH} characters. A phrase of a few unrelated words works well.");
    view! {
        <Title text="Choose a new password" />
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                <h1>"Choose a new password"</h1>
                <p class="muted">
                    "Before you continue, replace the password you were given with one only you know. "
                    "Your other sessions will be signed out."
                </p>
                <ActionForm action=change attr:class="stack">
                    <FormAlert error />
                    <input type="hidden" name="slug" value=slug />
                    <Field
                        label="Current or temporary password"
                        name="current_password"
                        kind="password"
                        autocomplete="current-password"
                        error=field_error(error, "current_password")
                        required=true
                        autofocus=true
                    />
                    <Field
                        label="New password"
                        name="new_password"
                        kind="password"
                        autocomplete="new-password"
                        hint
                        error=field_error(error, "new_password")
                        required=true
                    />
                    <Field
                        label="Repeat the new password"
                        name="confirmation"
                        kind="password"
                        autocomplete="new-password"
                        error=field_error(error, "confirmation")
                        required=true
                    />
                    <button type="submit" class="button button-primary" disabled=move || change.pending().get()>
                        "Save and continue"
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
