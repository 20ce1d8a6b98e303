//! `/o/{slug}/settings/sso`: Settings → Single sign-on, for those who hold org.settings. The
//! organisation's OpenID Connect connections (add from a preset, edit, turn on and off, test,
//! remove), whether single sign-on is required and who may still use a password, and what a test
//! sign-in received.

use super::errors::ForbiddenPage;
use crate::{
    api::sso::{
        sso_settings, sso_test, EnableSsoConnection, RemoveSsoConnection, SaveSsoConnection,
        SetSsoRequirement, StartSsoTest,
    },
    i18n::use_locale,
    model::{
        sso::{
            Provisioning, SsoConnectionForm, SsoConnectionSummary, SsoOverview, SsoPreset,
            SsoRequirement,
        },
        CurrentUser, Permission, UserType,
    },
    tr,
    ui::components::{
        dialog::{ConfirmDialog, CopyableSecret},
        display::{Column, DataTable},
        form::{action_error, field_error, ErrorAlert, Field, FormAlert, FormValues},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

#[component]
pub fn SsoSettingsPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::OrgSettings) {
        return view! {
            <ForbiddenPage reason=tr!(l, "section.forbidden", section = tr!(l, "nav.settings")) />
        }
        .into_any();
    }
    let slug = user.organisation.slug.clone();
    let save = ServerAction::<SaveSsoConnection>::new();
    let enable = ServerAction::<EnableSsoConnection>::new();
    let remove = ServerAction::<RemoveSsoConnection>::new();
    let require = ServerAction::<SetSsoRequirement>::new();
    // Read again after a change went through; a refused one keeps the forms as they were typed.
    let changes = RwSignal::new(0u32);
    let count_success = move |done: bool| {
        if done {
            changes.update(|n| *n += 1);
        }
    };
    Effect::new(move |_| count_success(matches!(save.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_success(matches!(enable.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_success(matches!(remove.value().get(), Some(Ok(_)))));
    Effect::new(move |_| count_success(matches!(require.value().get(), Some(Ok(_)))));
    let overview = Resource::new(move || changes.get(), {
        let slug = slug.clone();
        move |_| sso_settings(slug.clone())
    });
    let editing = RwSignal::new(None::<SsoConnectionSummary>);
    let content = move || {
        Suspend::new(async move {
            match overview.await {
                Ok(overview) => view! {
                    <Connections overview=overview.clone() editing enable remove />
                    <ConnectionForm overview=overview.clone() editing action=save />
                    <Requirement overview action=require />
                }
                .into_any(),
                Err(error) => view! { <ErrorAlert error /> }.into_any(),
            }
        })
    };
    view! {
        <Title text=tr!(l, "sso.title") />
        <header class="page-header">
            <p class="muted"><a href=format!("/o/{slug}/settings")>{tr!(l, "nav.settings")}</a></p>
            <h1>{tr!(l, "sso.title")}</h1>
            <p class="muted">{tr!(l, "sso.intro", organisation = user.organisation.name.clone())}</p>
        </header>
        <TestResult />
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "common.loading")}</p> }>
            {content}
        </Transition>
    }
    .into_any()
}

/// What the test sign-in named in the address (`?test=`) received.
#[component]
fn TestResult() -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let query = use_query_map();
    let test = move || {
        query
            .read()
            .get("test")
            .and_then(|t| t.parse::<Uuid>().ok())
    };
    let result = Resource::new(test, move |id| {
        let slug = slug.clone();
        async move {
            match id {
                Some(id) => Some(sso_test(slug, id).await),
                None => None,
            }
        }
    });
    move || {
        Suspend::new(async move {
            match result.await {
                None => ().into_any(),
                Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
                Some(Ok(result)) => view! {
                    <section class="card stack" aria-labelledby="sso-test" data-testid="sso-test-result">
                        <h2 id="sso-test">{tr!(l, "sso.test.title", connection = result.connection)}</h2>
                        {match (result.claims, result.error) {
                            (Some(claims), _) => view! {
                                <p class="alert alert-success" role="status">{tr!(l, "sso.test.passed")}</p>
                                <pre class="code-sample"><code>{claims}</code></pre>
                            }
                            .into_any(),
                            (None, Some(error)) => view! {
                                <p class="alert alert-error" role="alert">{tr!(l, "sso.test.failed")} " " {error}</p>
                            }
                            .into_any(),
                            (None, None) => view! { <p class="muted">{tr!(l, "sso.test.waiting")}</p> }.into_any(),
                        }}
                    </section>
                }
                .into_any(),
            }
        })
    }
}

#[component]
fn Connections(
    overview: SsoOverview,
    editing: RwSignal<Option<SsoConnectionSummary>>,
    enable: ServerAction<EnableSsoConnection>,
    remove: ServerAction<RemoveSsoConnection>,
) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let enable_error = action_error(enable);
    let test = ServerAction::<StartSsoTest>::new();
    let test_error = action_error(test);
    Effect::new(move |_| {
        if let Some(Ok(url)) = test.value().get() {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.location().set_href(&url);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = url;
        }
    });
    let removing = RwSignal::new(None::<(Uuid, String)>);
    if overview.connections.is_empty() {
        return view! {
            <section class="card stack" aria-labelledby="sso-connections">
                <h2 id="sso-connections">{tr!(l, "sso.connections.title")}</h2>
                <p class="empty-state">{tr!(l, "sso.connections.empty")}</p>
            </section>
        }
        .into_any();
    }
    let rows = overview
        .connections
        .into_iter()
        .map(|c| {
            let (id, name, enabled) = (c.id, c.name.clone(), c.enabled);
            let slug = slug.clone();
            let slug_test = slug.clone();
            let for_edit = c.clone();
            let for_remove = name.clone();
            let (toggle, toggle_label) = if enabled {
                (
                    tr!(l, "sso.connections.turn_off"),
                    tr!(l, "sso.connections.turn_off_named", name = name.clone()),
                )
            } else {
                (
                    tr!(l, "sso.connections.turn_on"),
                    tr!(l, "sso.connections.turn_on_named", name = name.clone()),
                )
            };
            let domains = if c.allowed_domains.is_empty() {
                tr!(l, "sso.connections.any_domain")
            } else {
                c.allowed_domains.join(", ")
            };
            view! {
                <tr>
                    <td>
                        <strong>{c.name.clone()}</strong>
                        <span class="cell-sub"><code>{c.issuer.clone()}</code></span>
                    </td>
                    <td>
                        {c.provisioning.label_in(l)}
                        <span class="cell-sub">{domains}</span>
                    </td>
                    <td>{if enabled {
                        view! { <span class="badge badge-active">{tr!(l, "sso.connections.on")}</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-suspended">{tr!(l, "sso.connections.off")}</span> }.into_any()
                    }}</td>
                    <td class="row-actions">
                        <button type="button" class="button button-small"
                            aria-label=toggle_label
                            on:click=move |_| { enable.dispatch(EnableSsoConnection { slug: slug.clone(), id, enabled: !enabled }); }>
                            {toggle}
                        </button>
                        " "
                        <button type="button" class="button button-small"
                            aria-label=tr!(l, "sso.connections.test_named", name = name.clone())
                            on:click=move |_| { test.dispatch(StartSsoTest { slug: slug_test.clone(), id }); }>
                            {tr!(l, "sso.connections.test")}
                        </button>
                        " "
                        <button type="button" class="button button-small"
                            aria-label=tr!(l, "sso.connections.edit_named", name = name.clone())
                            on:click=move |_| editing.set(Some(for_edit.clone()))>
                            {tr!(l, "sso.connections.edit")}
                        </button>
                        " "
                        <button type="button" class="button button-small button-danger"
                            aria-label=tr!(l, "sso.connections.remove_named", name = name.clone())
                            on:click=move |_| removing.set(Some((id, for_remove.clone())))>
                            {tr!(l, "sso.connections.remove")}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let dialog = move || {
        removing.get().map(|(id, name)| {
            let close = Callback::new(move |_| removing.set(None));
            let slug = expect_context::<CurrentUser>().organisation.slug;
            view! {
                <ConfirmDialog title=tr!(l, "sso.remove.title", name = name) action=remove
                    request=RemoveSsoConnection { slug, id }
                    confirm=tr!(l, "sso.remove.action") cancel=tr!(l, "sso.remove.cancel") close>
                    <p>{tr!(l, "sso.remove.body")}</p>
                </ConfirmDialog>
            }
        })
    };
    view! {
        <section class="card stack" aria-labelledby="sso-connections">
            <h2 id="sso-connections">{tr!(l, "sso.connections.title")}</h2>
            <FormAlert error=enable_error />
            <FormAlert error=test_error />
            <DataTable caption=tr!(l, "sso.connections.title") columns=vec![
                Column::Shown(tr!(l, "sso.connections.name")),
                Column::Shown(tr!(l, "sso.connections.first_sign_in")),
                Column::Shown(tr!(l, "sso.connections.state")),
                Column::Hidden(tr!(l, "sso.connections.actions")),
            ]>{rows}</DataTable>
        </section>
        {dialog}
    }
    .into_any()
}

/// The form adding a connection from a preset, or changing the one being edited.
#[component]
fn ConnectionForm(
    overview: SsoOverview,
    editing: RwSignal<Option<SsoConnectionSummary>>,
    action: ServerAction<SaveSsoConnection>,
) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let error = action_error(action);
    let preset = RwSignal::new(SsoPreset::Google);
    // After a save, the form starts again empty.
    let saved_at = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() > saved_at {
            if let Some(Ok(_)) = action.value().get() {
                editing.set(None);
            }
        }
    });
    let redirect_uri = overview.redirect_uri.clone();
    let can_store = overview.can_store_secrets;
    let roles = overview.roles.clone();
    let form = move || {
        let current = editing.get();
        let id = current.as_ref().map(|c| c.id);
        let chosen = current.as_ref().map_or_else(|| preset.get(), |c| c.preset);
        let value = |f: fn(&SsoConnectionSummary) -> String, default: String| {
            current.as_ref().map_or(default, f)
        };
        let name = value(|c| c.name.clone(), chosen.label().to_string());
        let issuer = value(|c| c.issuer.clone(), chosen.issuer_template().to_string());
        let client_id = value(|c| c.client_id.clone(), String::new());
        let scopes = value(|c| c.scopes.clone(), "email profile".to_string());
        let domains = value(|c| c.allowed_domains.join(", "), String::new());
        let link = current.as_ref().is_none_or(|c| c.link_by_email);
        let jit = current
            .as_ref()
            .is_some_and(|c| c.provisioning == Provisioning::JustInTime);
        let jit_type = current.as_ref().and_then(|c| c.jit_user_type);
        let jit_roles = current
            .as_ref()
            .map(|c| c.jit_roles.clone())
            .unwrap_or_default();
        let slug = slug.clone();
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            action.dispatch(SaveSsoConnection {
                slug: slug.clone(),
                id,
                connection: SsoConnectionForm {
                    name: values.text("name"),
                    preset: chosen.code().to_string(),
                    issuer: values.text("issuer"),
                    client_id: values.text("client_id"),
                    client_secret: values.text("client_secret"),
                    scopes: values.text("scopes"),
                    allowed_domains: values.text("allowed_domains"),
                    link_by_email: !values.text("link_by_email").is_empty(),
                    provisioning: values.text("provisioning"),
                    jit_user_type: UserType::from_code(&values.text("jit_user_type")),
                    jit_roles: values
                        .all("jit_roles")
                        .iter()
                        .filter_map(|r| r.parse().ok())
                        .collect(),
                },
            });
        };
        let presets = SsoPreset::ALL
            .iter()
            .map(|p| view! { <option value=p.code() selected=*p == chosen>{p.label()}</option> })
            .collect_view();
        let types = UserType::ALL
            .iter()
            .map(|t| view! { <option value=t.code() selected=Some(*t) == jit_type>{t.label_in(l)}</option> })
            .collect_view();
        let role_boxes = roles
            .iter()
            .map(|(role, role_name)| {
                view! {
                    <label class="check permission-check">
                        <input type="checkbox" name="jit_roles" value=role.to_string() checked=jit_roles.contains(role) />
                        <span>{role_name.clone()}</span>
                    </label>
                }
            })
            .collect_view();
        let issuer_hint = match chosen.issuer_template() {
            "" => tr!(l, "sso.form.issuer_hint"),
            template => tr!(l, "sso.form.issuer_hint_preset", template = template),
        };
        let editing_now = id.is_some();
        view! {
            <form class="card stack narrow-form" on:submit=on_submit novalidate aria-labelledby="sso-form">
                <h2 id="sso-form">{if editing_now { tr!(l, "sso.form.edit_title") } else { tr!(l, "sso.form.title") }}</h2>
                <FormAlert error />
                {(!editing_now).then(|| view! {
                    <div class="field">
                        <label for="field-preset">{tr!(l, "sso.form.preset")}</label>
                        <select id="field-preset" name="preset" on:change=move |ev| {
                            if let Some(p) = SsoPreset::from_code(&event_target_value(&ev)) { preset.set(p); }
                        }>{presets}</select>
                    </div>
                })}
                <Field label=tr!(l, "sso.form.name") name="name" value=name required=true
                    hint=tr!(l, "sso.form.name_hint") error=field_error(error, "name") />
                <Field label=tr!(l, "sso.form.issuer") name="issuer" kind="url" value=issuer required=true
                    hint=issuer_hint error=field_error(error, "issuer") />
                <Field label=tr!(l, "sso.form.client_id") name="client_id" value=client_id required=true
                    autocomplete="off" error=field_error(error, "client_id") />
                <Field label=tr!(l, "sso.form.client_secret") name="client_secret" kind="password"
                    autocomplete="new-password" required=!editing_now
                    hint=if editing_now { tr!(l, "sso.form.secret_keep") } else { tr!(l, "sso.form.secret_hint") }
                    error=field_error(error, "client_secret") />
                <div class="field">
                    <span class="label">{tr!(l, "sso.form.redirect_uri")}</span>
                    <CopyableSecret secret=redirect_uri.clone() testid="sso-redirect-uri" />
                    <span class="field-hint">{tr!(l, "sso.form.redirect_hint")}</span>
                </div>
                <Field label=tr!(l, "sso.form.scopes") name="scopes" value=scopes
                    hint=tr!(l, "sso.form.scopes_hint") error=field_error(error, "scopes") />
                <Field label=tr!(l, "sso.form.domains") name="allowed_domains" value=domains
                    hint=tr!(l, "sso.form.domains_hint") error=field_error(error, "allowed_domains") />
                <label class="check permission-check">
                    <input type="checkbox" name="link_by_email" value="on" checked=link />
                    <span>{tr!(l, "sso.form.link_by_email")}
                        <span class="field-hint">{tr!(l, "sso.form.link_hint")}</span></span>
                </label>
                <fieldset class="permission-group">
                    <legend>{tr!(l, "sso.form.provisioning")}</legend>
                    <label class="check permission-check">
                        <input type="radio" name="provisioning" value=Provisioning::PreProvisioned.code() checked=!jit />
                        <span>{Provisioning::PreProvisioned.label_in(l)}</span>
                    </label>
                    <label class="check permission-check">
                        <input type="radio" name="provisioning" value=Provisioning::JustInTime.code() checked=jit />
                        <span>{Provisioning::JustInTime.label_in(l)}</span>
                    </label>
                </fieldset>
                <fieldset class="permission-group">
                    <legend>{tr!(l, "sso.form.jit")}</legend>
                    <div class="field" class:field-invalid=move || field_error(error, "jit_user_type").get().is_some()>
                        <label for="field-jit_user_type">{tr!(l, "sso.form.jit_user_type")}</label>
                        <select id="field-jit_user_type" name="jit_user_type">
                            <option value="">{tr!(l, "sso.form.jit_user_type_none")}</option>
                            {types}
                        </select>
                        <p class="field-error" hidden=move || field_error(error, "jit_user_type").get().is_none()>
                            {move || field_error(error, "jit_user_type").get()}
                        </p>
                    </div>
                    <div class="field">
                        <span class="label">{tr!(l, "sso.form.jit_roles")}</span>
                        {role_boxes}
                    </div>
                    <span class="field-error" hidden=move || field_error(error, "jit_roles").get().is_none()>
                        {move || field_error(error, "jit_roles").get()}
                    </span>
                </fieldset>
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || !can_store || action.pending().get()>
                        {if editing_now { tr!(l, "sso.form.save") } else { tr!(l, "sso.form.add") }}
                    </button>
                    {editing_now.then(|| view! {
                        <button type="button" class="button" on:click=move |_| editing.set(None)>{tr!(l, "sso.form.cancel")}</button>
                    })}
                </div>
            </form>
        }
    };
    view! {
        {(!can_store).then(|| view! { <p class="alert alert-error" role="alert">{tr!(l, "sso.no_key")}</p> })}
        {form}
    }
}

/// Whether single sign-on is required, and the administrators who may still use a password.
#[component]
fn Requirement(overview: SsoOverview, action: ServerAction<SetSsoRequirement>) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let error = action_error(action);
    let saved = move || matches!(action.value().get(), Some(Ok(())));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = FormValues::of(&ev);
        action.dispatch(SetSsoRequirement {
            slug: slug.clone(),
            requirement: SsoRequirement {
                required: !values.text("required").is_empty(),
                break_glass: values
                    .all("break_glass")
                    .iter()
                    .filter_map(|id| id.parse().ok())
                    .collect(),
                add: values.text("add"),
            },
        });
    };
    let admins = overview
        .admins
        .iter()
        .map(|a| {
            view! {
                <label class="check permission-check">
                    <input type="checkbox" name="break_glass" value=a.id.to_string() checked=overview.break_glass.contains(&a.id) />
                    <span>{a.name.clone()} <span class="field-hint">{a.email.clone()}</span></span>
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="card stack narrow-form" on:submit=on_submit novalidate aria-labelledby="sso-required">
            <h2 id="sso-required">{tr!(l, "sso.required.title")}</h2>
            <p class="muted">{tr!(l, "sso.required.intro")}</p>
            <FormAlert error />
            <p class="alert alert-success" role="status" hidden=move || !saved()>{tr!(l, "sso.required.saved")}</p>
            <label class="check permission-check">
                <input type="checkbox" name="required" value="on" checked=overview.required />
                <span>{tr!(l, "sso.required.require")}</span>
            </label>
            <fieldset class="permission-group">
                <legend>{tr!(l, "sso.required.break_glass")}</legend>
                <p class="field-hint">{tr!(l, "sso.required.break_glass_hint")}</p>
                {admins}
                <span class="field-error" hidden=move || field_error(error, "break_glass").get().is_none()>
                    {move || field_error(error, "break_glass").get()}
                </span>
                <Field label=tr!(l, "sso.required.add") name="add" kind="email" autocomplete="off"
                    hint=tr!(l, "sso.required.add_hint") error=field_error(error, "add") />
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {tr!(l, "sso.required.save")}
                </button>
            </div>
        </form>
    }
}
