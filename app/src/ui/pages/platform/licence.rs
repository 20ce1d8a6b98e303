//! Platform → Licence: who the instance is licensed to, its features, seats used of the total and
//! expiry, and installing a new licence file.

use crate::ui::components::display::When;
use crate::{
    api::licence::{get_licence, InstallLicence},
    model::{licence::LicenceStatus, CurrentUser},
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
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason="The licence is for super-admins, from their own organisation." /> }
            .into_any();
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
            Some(
                "That file is far larger than a licence; choose the licence file your vendor sent."
                    .to_string(),
            )
        } else {
            server_error.get()
        }
    });
    let installed = move || {
        matches!(install.value().get(), Some(Ok(_))).then(|| {
            view! { <div class="alert alert-success" role="status">"The new licence is installed and in force."</div> }
        })
    };
    view! {
        <Title text="Licence" />
        <header class="page-header">
            <h1>"Licence"</h1>
            <p class="muted">"What this Tenantry instance may use: its features, its seats and until when."</p>
        </header>
        {installed}
        <Transition fallback=|| view! { <p class="loading">"Loading the licence…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => view! { <LicenceCard status /> }.into_any(),
                    Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
                }
            })}
        </Transition>
        <form class="card stack narrow-form" on:submit=on_submit novalidate>
            <h2>"Install a licence"</h2>
            <p class="muted">"Choose the licence file your vendor sent, or paste its contents. It replaces the current licence."</p>
            <FormAlert error />
            <div class="field">
                <label for="licence-file">"Licence file"</label>
                <input id="licence-file" type="file" accept=".json,.lic,application/json,text/plain" on:change=on_file />
            </div>
            <div class="field" class:field-invalid=move || licence_error.get().is_some()>
                <label for="field-licence">"Licence contents"</label>
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
                    {move || if install.pending().get() { "Installing…" } else { "Install licence" }}
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// The installed licence, or a note that there is none.
#[component]
fn LicenceCard(status: LicenceStatus) -> impl IntoView {
    let signatures = if status.verifies_signatures {
        "Only licences signed by the vendor can be installed here."
    } else {
        "Signatures are not checked: no vendor public key is configured (TENANTRY_LICENCE_PUBLIC_KEY)."
    };
    let Some(licence) = status.licence else {
        return view! {
            <section class="card stack">
                <h2>"No licence installed"</h2>
                <p>
                    "Every feature is available and seats are not limited. "
                    {format!("{} people are invited or active.", status.seats_used)}
                </p>
                <p class="muted">{signatures}</p>
            </section>
        }
        .into_any();
    };
    let used = status.seats_used;
    let percent = (used.saturating_mul(100) / licence.seats.max(1)).min(100);
    let expiry = if licence.expired() {
        view! { <span class="badge badge-suspended">"Expired"</span> }.into_any()
    } else if licence.days_left <= 30 {
        view! { <span class="badge badge-invited">{format!("{} days left", licence.days_left)}</span> }.into_any()
    } else {
        view! { <span class="badge badge-active">"Valid"</span> }.into_any()
    };
    let features = licence
        .features
        .iter()
        .map(|f| view! { <li><strong>{f.label()}</strong> " " <span class="muted">{f.description()}</span></li> })
        .collect_view();
    view! {
        <section class="card stack" aria-labelledby="licence-heading">
            <h2 id="licence-heading">"Licensed to " {licence.licensee.clone()}</h2>
            <dl class="facts">
                <dt>"Seats"</dt>
                <dd>
                    <span id="licence-seats">{format!("{used} of {} in use", licence.seats)}</span>
                    <progress max="100" value=percent aria-labelledby="licence-seats"></progress>
                </dd>
                <dt>"Valid through"</dt>
                <dd>{licence.expires_on.clone()} " " {expiry}</dd>
                <dt>"Signature"</dt>
                <dd>{if licence.signed { "Verified with the vendor's key" } else { "Not checked" }}</dd>
                <dt>"Installed"</dt>
                <dd><When at=licence.installed.clone() /></dd>
            </dl>
            <h3>"Features"</h3>
            {if licence.features.is_empty() {
                view! { <p class="muted">"This licence grants no features."</p> }.into_any()
            } else {
                view! { <ul class="feature-list">{features}</ul> }.into_any()
            }}
            {(status.verifies_signatures && !licence.signed).then(|| view! {
                <div class="alert alert-error" role="alert">
                    "This licence was installed before signatures were checked here. Install a licence signed by your vendor."
                </div>
            })}
            <p class="muted">{signatures}</p>
        </section>
    }
    .into_any()
}
