//! Platform → Organisations → New: name and address (suggested from the name), the admin-tenant
//! and demo flags, and the first tenant admin, who is invited by email.

use super::KindFields;
use crate::{
    api::organisations::CreateOrganisation,
    i18n::use_locale,
    model::{
        organisations::{suggest_slug, NewOrganisation},
        CurrentUser,
    },
    tr,
    ui::{
        components::form::{action_error, field_error, Field, FormAlert, FormValues},
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/o/{slug}/platform/organisations/new`.
#[component]
pub fn NewOrganisationPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason=tr!(l, "platform.new.forbidden") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let create = ServerAction::<CreateOrganisation>::new();
    let error = action_error(create);
    // The address follows the name until the super-admin types one.
    let address = RwSignal::new(String::new());
    let address_typed = RwSignal::new(false);
    let on_name = move |ev: leptos::ev::Event| {
        if !address_typed.get_untracked() {
            address.set(suggest_slug(&event_target_value(&ev)));
        }
    };
    let on_address = move |ev: leptos::ev::Event| {
        address_typed.set(true);
        address.set(event_target_value(&ev));
    };
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            create.dispatch(CreateOrganisation {
                slug: slug.clone(),
                organisation: NewOrganisation {
                    name: values.text("name"),
                    slug: values.text("slug"),
                    is_admin_tenant: !values.all("is_admin_tenant").is_empty(),
                    is_demo: !values.all("is_demo").is_empty(),
                    admin_first_name: values.text("admin_first_name"),
                    admin_last_name: values.text("admin_last_name"),
                    admin_email: values.text("admin_email"),
                },
            });
        }
    };
    let slug_error = field_error(error, "slug");
    let admin_tenant_error = field_error(error, "is_admin_tenant");
    let created = {
        let slug = slug.clone();
        move || {
            create.value().get().and_then(Result::ok).map(|new_slug| {
                view! {
                    <div class="alert alert-success" role="status">
                        {tr!(l, "platform.new.created_before")} <code>{format!("/o/{new_slug}")}</code>
                        {tr!(l, "platform.new.created_after")}
                    </div>
                    <p><a class="button" href=format!("/o/{slug}/platform/organisations")>{tr!(l, "platform.new.back_to_list")}</a></p>
                }
            })
        }
    };
    view! {
        <Title text=tr!(l, "platform.new.title") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/platform/organisations")>{tr!(l, "platform.back")}</a></p>
        <header class="page-header">
            <h1>{tr!(l, "platform.new.title")}</h1>
            <p class="muted">{tr!(l, "platform.new.intro")}</p>
        </header>
        {created}
        <form class="card stack narrow-form" on:submit=on_submit novalidate
            hidden=move || matches!(create.value().get(), Some(Ok(_)))>
            <FormAlert error />
            <div class="field" class:field-invalid=move || field_error(error, "name").get().is_some()>
                <label for="field-name">{tr!(l, "platform.organisation.name")}</label>
                <input id="field-name" name="name" autocomplete="off" on:input=on_name
                    aria-describedby="field-name-error" />
                <p class="field-error" id="field-name-error" hidden=move || field_error(error, "name").get().is_none()>
                    {move || field_error(error, "name").get()}
                </p>
            </div>
            <div class="field" class:field-invalid=move || slug_error.get().is_some()>
                <label for="field-slug">{tr!(l, "platform.organisation.address")}</label>
                <input id="field-slug" name="slug" autocomplete="off" prop:value=move || address.get()
                    on:input=on_address aria-describedby="field-slug-hint field-slug-error" />
                <p class="field-hint" id="field-slug-hint">
                    {move || tr!(l, "platform.new.address_hint", slug = address.get())}
                </p>
                <p class="field-error" id="field-slug-error" hidden=move || slug_error.get().is_none()>
                    {move || slug_error.get()}
                </p>
            </div>
            <KindFields admin_tenant=false demo=false admin_tenant_held=None error=admin_tenant_error
                demo_hint=tr!(l, "platform.new.demo_hint") />
            <h2>{tr!(l, "platform.new.first_admin")}</h2>
            <div class="field-row">
                <Field label=tr!(l, "platform.new.first_name") name="admin_first_name" autocomplete="off"
                    error=field_error(error, "admin_first_name") required=true />
                <Field label=tr!(l, "platform.new.last_name") name="admin_last_name" autocomplete="off"
                    error=field_error(error, "admin_last_name") required=true />
            </div>
            <Field label=tr!(l, "platform.new.email") name="admin_email" kind="email" autocomplete="off"
                hint=tr!(l, "platform.new.email_hint")
                error=field_error(error, "admin_email") required=true />
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { tr!(l, "platform.new.creating") } else { tr!(l, "platform.new.create") }}
                </button>
                <a class="button" href=format!("/o/{slug}/platform/organisations")>{tr!(l, "platform.cancel")}</a>
            </div>
        </form>
    }
    .into_any()
}
