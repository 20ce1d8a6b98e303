//! Signing in to one organisation.

use crate::{
    api::{auth::Login, sso::sign_in_choices},
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
    // Fetched by the browser once the page has hydrated, never while the server renders it: the
    // sign-in page stays a plain page that costs no query to serve (a server-side resource made
    // it 15 times slower to render), and its buttons appear a moment later.
    let choices = LocalResource::new(move || sign_in_choices(slug()));
    // Why a sign-in through a provider came back here, when it did.
    let sso_failed = move || {
        let reason = query.read().get("sso")?;
        Some(match reason.as_str() {
            "no_account" => tr!(l, "login.sso.no_account", organisation = slug()),
            "not_active" => tr!(l, "login.sso.not_active"),
            "domain" => tr!(l, "login.sso.domain"),
            "seats" => tr!(l, "login.sso.seats"),
            "throttled" => tr!(l, "login.sso.throttled"),
            "provider" => tr!(l, "login.sso.provider"),
            _ => tr!(l, "login.sso.expired"),
        })
    };
    let buttons = move || {
        let options = choices.get().and_then(Result::ok)?;
        if options.connections.is_empty() {
            return None;
        }
        let next = next();
        let links = options
            .connections
            .into_iter()
            .map(|c| {
                let mut href = format!("/o/{}/sso/{}", slug(), c.id);
                if !next.is_empty() {
                    href.push_str("?next=");
                    href.push_str(&query_value(&next));
                }
                view! {
                    <a class="button" rel="external" href=href>
                        {tr!(l, "login.sso.with", connection = c.name)}
                    </a>
                }
            })
            .collect_view();
        Some(view! {
            <div class="stack sso-choices">
                {links}
                <p class="divider muted">
                    {if options.sso_required { tr!(l, "login.sso.break_glass_only") } else { tr!(l, "login.sso.or") }}
                </p>
            </div>
        })
    };
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
                {move || sso_failed().map(|text| view! { <p class="alert alert-error" role="alert">{text}</p> })}
                {buttons}
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

/// `value` written for a URL's query: letters, digits, `-._~/` as they are, every other byte as
/// `%XX`.
fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
