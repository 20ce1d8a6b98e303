//! Platform → Licence: who the instance is licensed to, its features, seats used of the total and
//! expiry, and installing a new licence file.

use crate::ui::components::display::When;
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::licence::{get_licence, InstallLicence},
    i18n::use_locale,
    model::{licence::LicenceStatus, CurrentUser},
    tr,
    ui::{
        components::form::{action_error, field_error, read_chosen_file, FormAlert},
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// A licence file is a few hundred bytes; anything much larger is the wrong file.
const LICENCE_MAX_BYTES: usize = 64 * 1024;

/// `/o/{slug}/platform/licence`.
#[component]
pub fn LicencePage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason=tr!(l, "platform.licence.forbidden") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let install = ServerAction::<InstallLicence>::new();
    let status = Resource::new(move || install.version().get(), {
        let slug = slug.clone();
        move |_| get_licence(slug.clone())
    });
    let error = action_error(install);
    let document = RwSignal::new(String::new());
    let too_big = RwSignal::new(false);
    let on_file = move |ev: leptos::ev::Event| {
        too_big.set(!read_chosen_file(&ev, LICENCE_MAX_BYTES, move |_, text| {
            document.set(text)
        }));
    };
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            install.dispatch(InstallLicence {
                slug: slug.clone(),
                document: document.get_untracked(),
            });
        }
    };
    let server_error = field_error(error, "licence");
    let licence_error = Signal::derive(move || {
        if too_big.get() {
            Some(tr!(l, "platform.licence.too_big"))
        } else {
            server_error.get()
        }
    });
    let installed = move || {
        matches!(install.value().get(), Some(Ok(_))).then(|| {
            view! { <div class="alert alert-success" role="status">{tr!(l, "platform.licence.installed_now")}</div> }
        })
    };
    view! {
        <Title text=tr!(l, "platform.licence.title") />
        <header class="page-header">
            <h1>{tr!(l, "platform.licence.title")}</h1>
            <p class="muted">{tr!(l, "platform.licence.intro")}</p>
        </header>
        {installed}
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "platform.licence.loading")}</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => view! { <LicenceCard status /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
        <form class="card stack narrow-form" on:submit=on_submit novalidate>
            <h2>{tr!(l, "platform.licence.install_title")}</h2>
            <p class="muted">{tr!(l, "platform.licence.install_hint")}</p>
            <FormAlert error />
            <div class="field">
                <label for="licence-file">{tr!(l, "platform.licence.file")}</label>
                <input id="licence-file" type="file" accept=".json,.lic,application/json,text/plain" on:change=on_file />
            </div>
            <div class="field" class:field-invalid=move || licence_error.get().is_some()>
                <label for="field-licence">{tr!(l, "platform.licence.contents")}</label>
                <textarea id="field-licence" name="licence" rows="8" spellcheck="false" class="mono"
                    prop:value=move || document.get()
                    on:input=move |ev| document.set(event_target_value(&ev))
                    aria-describedby="field-licence-error"
                    aria-invalid=move || licence_error.get().is_some().then_some("true")></textarea>
                <p class="field-error" id="field-licence-error" role="alert" hidden=move || licence_error.get().is_none()>
                    {move || licence_error.get()}
                </p>
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || install.pending().get()>
                    {move || if install.pending().get() { tr!(l, "platform.licence.installing") } else { tr!(l, "platform.licence.install") }}
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// The installed licence, or a note that there is none.
#[component]
fn LicenceCard(status: LicenceStatus) -> impl IntoView {
    let l = use_locale();
    let signatures = if status.verifies_signatures {
        tr!(l, "platform.licence.signed_only")
    } else {
        tr!(l, "platform.licence.unchecked")
    };
    let Some(licence) = status.licence else {
        return view! {
            <section class="card stack">
                <h2>{tr!(l, "platform.licence.none")}</h2>
                <p>{tr!(l, "platform.licence.none_body", count = status.seats_used)}</p>
                <p class="muted">{signatures}</p>
            </section>
        }
        .into_any();
    };
    let used = status.seats_used;
    let percent = (used.saturating_mul(100) / licence.seats.max(1)).min(100);
    let expiry = if licence.expired() {
        view! { <span class="badge badge-suspended">{tr!(l, "platform.licence.expired")}</span> }
            .into_any()
    } else if licence.days_left <= 30 {
        let days_left = if licence.days_left <= 1 {
            tr!(l, "platform.licence.day_left", count = licence.days_left)
        } else {
            tr!(l, "platform.licence.days_left", count = licence.days_left)
        };
        view! { <span class="badge badge-invited">{days_left}</span> }.into_any()
    } else {
        view! { <span class="badge badge-active">{tr!(l, "platform.licence.valid")}</span> }
            .into_any()
    };
    let features = licence
        .features
        .iter()
        .map(|f| view! { <li><strong>{f.label_in(l)}</strong> " " <span class="muted">{f.description_in(l)}</span></li> })
        .collect_view();
    view! {
        <section class="card stack" aria-labelledby="licence-heading">
            <h2 id="licence-heading">{tr!(l, "platform.licence.licensed_to", licensee = licence.licensee)}</h2>
            <dl class="facts">
                <dt>{tr!(l, "platform.licence.seats")}</dt>
                <dd>
                    <span id="licence-seats">{tr!(l, "platform.licence.seats_used", used = used, seats = licence.seats)}</span>
                    <progress max="100" value=percent aria-labelledby="licence-seats"></progress>
                </dd>
                <dt>{tr!(l, "platform.licence.valid_through")}</dt>
                <dd>{licence.expires_on.clone()} " " {expiry}</dd>
                <dt>{tr!(l, "platform.licence.signature")}</dt>
                <dd>{if licence.signed { tr!(l, "platform.licence.verified") } else { tr!(l, "platform.licence.not_checked") }}</dd>
                <dt>{tr!(l, "platform.licence.installed")}</dt>
                <dd><When at=licence.installed.clone() /></dd>
            </dl>
            <h3>{tr!(l, "platform.licence.features")}</h3>
            {if licence.features.is_empty() {
                view! { <p class="muted">{tr!(l, "platform.licence.no_features")}</p> }.into_any()
            } else {
                view! { <ul class="feature-list">{features}</ul> }.into_any()
            }}
            {(status.verifies_signatures && !licence.signed).then(|| view! {
                <div class="alert alert-error" role="alert">
                    {tr!(l, "platform.licence.unsigned")}
                </div>
            })}
            <p class="muted">{signatures}</p>
        </section>
    }
    .into_any()
}
