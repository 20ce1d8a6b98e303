//! The Platform screens, for super-admins: the organisations of this instance and its licence.

pub mod licence;
pub mod new_organisation;
pub mod organisation;
pub mod organisations;

use leptos::prelude::*;

/// The "Kind" choices of an organisation: the admin-tenant and demo flags.
#[component]
fn KindFields(
    admin_tenant: bool,
    demo: bool,
    /// Why the admin-tenant flag cannot be ticked (another organisation holds it), if so.
    admin_tenant_held: Option<String>,
    /// What ticking "Demo" does here.
    demo_hint: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let locked = admin_tenant_held.is_some();
    let hint = admin_tenant_held.unwrap_or_else(|| {
        "Its members with a platform role run this instance. There is one per instance.".into()
    });
    view! {
        <fieldset class="field choices">
            <legend>"Kind"</legend>
            <label class="choice">
                <input type="checkbox" name="is_admin_tenant" value="yes" checked=admin_tenant disabled=locked
                    aria-describedby="field-is_admin_tenant-hint field-is_admin_tenant-error" />
                <span>
                    <strong>"Admin tenant"</strong>
                    <span class="muted" id="field-is_admin_tenant-hint">{hint}</span>
                </span>
            </label>
            <p class="field-error" id="field-is_admin_tenant-error" hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
            <label class="choice">
                <input type="checkbox" name="is_demo" value="yes" checked=demo />
                <span>
                    <strong>"Demo"</strong>
                    <span class="muted">{demo_hint}</span>
                </span>
            </label>
        </fieldset>
    }
}
