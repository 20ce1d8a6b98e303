//! Platform → Organisations → one organisation: its name, admin-tenant and demo flags, and the
//! features it may use within the licence.

use super::KindFields;
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::organisations::{get_organisation, UpdateOrganisation},
    i18n::use_locale,
    model::{
        organisations::{OrganisationChanges, OrganisationDetail},
        CurrentUser, Feature,
    },
    tr,
    ui::{
        components::form::{action_error, field_error, Field, FormAlert, FormValues},
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/o/{slug}/platform/organisations/{organisation}`.
#[component]
pub fn OrganisationPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason=tr!(l, "platform.organisations.forbidden") /> }
            .into_any();
    }
    let slug = user.organisation.slug.clone();
    let params = use_params_map();
    let target = Memo::new(move |_| params.read().get("organisation").unwrap_or_default());
    let update = ServerAction::<UpdateOrganisation>::new();
    let detail = Resource::new(move || (target.get(), update.version().get()), {
        let slug = slug.clone();
        move |(target, _)| get_organisation(slug.clone(), target)
    });
    view! {
        <p class="breadcrumb"><a href=format!("/o/{slug}/platform/organisations")>{tr!(l, "platform.back")}</a></p>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "platform.organisation.loading")}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <OrganisationForm detail update /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn OrganisationForm(
    detail: OrganisationDetail,
    update: ServerAction<UpdateOrganisation>,
) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let slug = user.organisation.slug.clone();
    let error = action_error(update);
    let target = detail.slug.clone();
    // "Only these features" is chosen when the organisation has an override.
    let restricted = RwSignal::new(detail.features_enabled.is_some());
    let on_submit = {
        let (slug, target) = (slug.clone(), target.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            update.dispatch(UpdateOrganisation {
                slug: slug.clone(),
                organisation: target.clone(),
                changes: OrganisationChanges {
                    name: values.text("name"),
                    is_admin_tenant: !values.all("is_admin_tenant").is_empty(),
                    is_demo: !values.all("is_demo").is_empty(),
                    features_enabled: (values.text("features") == "only")
                        .then(|| values.all("feature")),
                },
            });
        }
    };
    let saved = move || {
        matches!(update.value().get(), Some(Ok(_))).then(|| {
            view! { <div class="alert alert-success" role="status">{tr!(l, "platform.organisation.saved")}</div> }
        })
    };
    let admin_tenant_error = field_error(error, "is_admin_tenant");
    let features_error = field_error(error, "features_enabled");
    let enabled = detail.features_enabled.clone().unwrap_or_default();
    let checkboxes = Feature::ALL
        .iter()
        .map(|f| {
            let licensed = detail.licensed.contains(f);
            let checked = enabled.contains(f);
            view! {
                <label class="choice">
                    <input type="checkbox" name="feature" value=f.code() checked=checked
                        disabled=move || !restricted.get() />
                    <span>
                        <strong>{f.label_in(l)}</strong>
                        <span class="muted">{tr!(l, "platform.organisation.feature_code", description = f.description_in(l), code = f.code())}</span>
                        {(!licensed).then(|| view! {
                            <span class="choice-warning">{tr!(l, "platform.organisation.not_licensed")}</span>
                        })}
                    </span>
                </label>
            }
        })
        .collect_view();
    let effective = if detail.effective.is_empty() {
        tr!(l, "platform.organisation.no_features")
    } else {
        detail
            .effective
            .iter()
            .map(|f| f.label_in(l))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let admin_tenant_note = detail.admin_tenant_elsewhere.clone().map(|holder| {
        tr!(
            l,
            "platform.organisation.admin_tenant_held",
            holder = holder
        )
    });
    view! {
        <Title text=detail.name.clone() />
        <header class="page-header page-header-row">
            <div>
                <h1>{detail.name.clone()}</h1>
                <p class="muted">
                    <code>{format!("/o/{}", detail.slug)}</code>
                    {tr!(
                        l,
                        "platform.organisation.summary",
                        active = detail.active_users,
                        people = detail.users,
                        created = detail.created.relative(l)
                    )}
                </p>
            </div>
            <div class="header-actions">
                {(user.can_switch() && detail.slug != slug).then(|| view! {
                    <a class="button" href=format!("/o/{}", detail.slug) rel="external">{tr!(l, "platform.organisation.switch")}</a>
                })}
            </div>
        </header>
        {saved}
        <form class="card stack narrow-form" on:submit=on_submit novalidate>
            <FormAlert error />
            <Field label=tr!(l, "platform.organisation.name") name="name" autocomplete="off" value=detail.name.clone()
                error=field_error(error, "name") required=true />
            <div class="field">
                <span class="label">{tr!(l, "platform.organisation.address")}</span>
                <code class="static-value">{format!("/o/{}", detail.slug)}</code>
                <p class="field-hint">{tr!(l, "platform.organisation.address_fixed")}</p>
            </div>
            <KindFields admin_tenant=detail.is_admin_tenant demo=detail.is_demo
                admin_tenant_held=admin_tenant_note error=admin_tenant_error
                demo_hint=tr!(l, "platform.organisation.demo_hint") />
            <fieldset class="field choices" aria-describedby="features-effective">
                <legend>{tr!(l, "platform.organisation.features")}</legend>
                <label class="choice">
                    <input type="radio" name="features" value="all" checked=detail.features_enabled.is_none()
                        on:change=move |_| restricted.set(false) />
                    <span><strong>{tr!(l, "platform.organisation.features_all")}</strong></span>
                </label>
                <label class="choice">
                    <input type="radio" name="features" value="only" checked=detail.features_enabled.is_some()
                        on:change=move |_| restricted.set(true) />
                    <span><strong>{tr!(l, "platform.organisation.features_only")}</strong></span>
                </label>
                <div class="choices nested">{checkboxes}</div>
                <p class="field-hint" id="features-effective">
                    {tr!(l, "platform.organisation.in_use_before")} <strong>{effective}</strong>
                    {tr!(l, "platform.organisation.in_use_after")}
                </p>
                <p class="field-error" hidden=move || features_error.get().is_none()>
                    {move || features_error.get()}
                </p>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || update.pending().get()>
                    {move || if update.pending().get() { tr!(l, "platform.organisation.saving") } else { tr!(l, "platform.organisation.save") }}
                </button>
                <a class="button" href=format!("/o/{slug}/platform/organisations")>{tr!(l, "platform.cancel")}</a>
            </div>
        </form>
    }
}
