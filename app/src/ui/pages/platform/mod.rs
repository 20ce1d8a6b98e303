//! The Platform screens, for super-admins: the organisations of this instance and its licence.

pub mod licence;
pub mod new_organisation;
pub mod organisation;
pub mod organisations;

use crate::{i18n::use_locale, tr};
use leptos::prelude::*;

/// The "Kind" choices of an organisation: the admin-tenant and demo flags.
#[component]
fn KindFields(
    admin_tenant: bool,
    demo: bool,
    /// Why the admin-tenant flag cannot be ticked (another organisation holds it), if so.
    admin_tenant_held: Option<String>,
    /// What ticking "Demo" does here.
    #[prop(into)]
    demo_hint: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let l = use_locale();
    let locked = admin_tenant_held.is_some();
    let hint = admin_tenant_held.unwrap_or_else(|| tr!(l, "platform.kind.admin_tenant_hint"));
    view! {
        <fieldset class="field choices">
            <legend>{tr!(l, "platform.kind.title")}</legend>
            <label class="choice">
                <input type="checkbox" name="is_admin_tenant" value="yes" checked=admin_tenant disabled=locked
                    aria-describedby="field-is_admin_tenant-hint field-is_admin_tenant-error" />
                <span>
                    <strong>{tr!(l, "platform.kind.admin_tenant")}</strong>
                    <span class="muted" id="field-is_admin_tenant-hint">{hint}</span>
                </span>
            </label>
            <p class="field-error" id="field-is_admin_tenant-error" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <label class="choice">
                <input type="checkbox" name="is_demo" value="yes" checked=demo />
                <span>
                    <strong>{tr!(l, "platform.kind.demo")}</strong>
                    <span class="muted">{demo_hint}</span>
                </span>
            </label>
        </fieldset>
    }
}
