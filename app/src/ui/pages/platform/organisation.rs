//! Platform → Organisations → one organisation: its name, admin-tenant and demo flags, and the
//! features it may use within the licence.

use super::KindFields;
use crate::{
    api::organisations::{get_organisation, UpdateOrganisation},
    model::{
        organisations::{OrganisationChanges, OrganisationDetail},
        CurrentUser, Feature,
    },
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
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason="Managing the platform's organisations is for super-admins, from their own organisation." /> }
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
        <p class="breadcrumb"><a href=format!("/o/{slug}/platform/organisations")>"← Organisations"</a></p>
        <Transition fallback=|| view! { <p class="loading">"Loading the organisation…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <OrganisationForm detail update /> }.into_any(),
                    Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
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
            view! { <div class="alert alert-success" role="status">"Saved. People in this organisation see the change at their next click."</div> }
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
                        <strong>{f.label()}</strong>
                        <span class="muted">{format!("{} (code \"{}\")", f.description(), f.code())}</span>
                        {(!licensed).then(|| view! {
                            <span class="choice-warning">"Not in the licence, so unavailable even if ticked."</span>
                        })}
                    </span>
                </label>
            }
        })
        .collect_view();
    let effective = if detail.effective.is_empty() {
        "none".to_string()
    } else {
        detail
            .effective
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let admin_tenant_note = detail
        .admin_tenant_elsewhere
        .clone()
        .map(|holder| format!("{holder} is this instance's admin tenant; there can be only one."));
    view! {
        <Title text=detail.name.clone() />
        <header class="page-header page-header-row">
            <div>
                <h1>{detail.name.clone()}</h1>
                <p class="muted">
                    <code>{format!("/o/{}", detail.slug)}</code>
                    {format!(" · {} active of {} people · created {}", detail.active_users, detail.users, detail.created.relative(crate::i18n::use_locale()))}
                </p>
            </div>
            <div class="header-actions">
                {(user.can_switch() && detail.slug != slug).then(|| view! {
                    <a class="button" href=format!("/o/{}", detail.slug) rel="external">"Switch to this organisation"</a>
                })}
            </div>
        </header>
        {saved}
        <form class="card stack narrow-form" on:submit=on_submit novalidate>
            <FormAlert error />
            <Field label="Name" name="name" autocomplete="off" value=detail.name.clone()
                error=field_error(error, "name") required=true />
            <div class="field">
                <span class="label">"Address"</span>
                <code class="static-value">{format!("/o/{}", detail.slug)}</code>
                <p class="field-hint">"The address cannot change: sign-in links and bookmarks use it."</p>
            </div>
            <KindFields admin_tenant=detail.is_admin_tenant demo=detail.is_demo
                admin_tenant_held=admin_tenant_note error=admin_tenant_error
                demo_hint="Shows the Demo banner. Sample people are added only to organisations created as demos." />
            <fieldset class="field choices" aria-describedby="features-effective">
                <legend>"Features enabled"</legend>
                <label class="choice">
                    <input type="radio" name="features" value="all" checked=detail.features_enabled.is_none()
                        on:change=move |_| restricted.set(false) />
                    <span><strong>"Every feature of the licence"</strong></span>
                </label>
                <label class="choice">
                    <input type="radio" name="features" value="only" checked=detail.features_enabled.is_some()
                        on:change=move |_| restricted.set(true) />
                    <span><strong>"Only these:"</strong></span>
                </label>
                <div class="choices nested">{checkboxes}</div>
                <p class="field-hint" id="features-effective">
                    "In use now: " <strong>{effective}</strong>
                    ". A feature is usable when the licence includes it and it is enabled here."
                </p>
                <p class="field-error" hidden=move || features_error.get().is_none()>
                    {move || features_error.get()}
                </p>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || update.pending().get()>
                    {move || if update.pending().get() { "Saving…" } else { "Save changes" }}
                </button>
                <a class="button" href=format!("/o/{slug}/platform/organisations")>"Cancel"</a>
            </div>
        </form>
    }
}
