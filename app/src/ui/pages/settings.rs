//! `/o/{slug}/settings`: the organisation's settings, for those who hold org.settings: its API
//! keys, the credentials other products use to call the HTTP API (`docs/api.md`), and how long
//! its activity log is kept.

use super::errors::ForbiddenPage;
use crate::ui::components::display::{Column, DataTable};
use crate::{
    api::{
        activity::{activity_retention, SetActivityRetention},
        api_keys::{list_api_keys, CreateApiKey, RevokeApiKey},
    },
    i18n::use_locale,
    model::{
        activity::{RETENTION_MAX_DAYS, RETENTION_MIN_DAYS},
        api_keys::{ApiKeySummary, ApiScope, CreatedApiKey, NewApiKey},
        CurrentUser, Permission,
    },
    tr,
    ui::components::{
        dialog::{ConfirmDialog, CopyableSecret, Modal},
        display::When,
        form::{action_error, field_error, ErrorAlert, Field, FormAlert, FormValues},
    },
};
use leptos::{html, prelude::*};
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::OrgSettings) {
        return view! {
            <ForbiddenPage reason=tr!(l, "section.forbidden", section = tr!(l, "nav.settings")) />
        }
        .into_any();
    }
    view! {
        <Title text=tr!(l, "nav.settings") />
        <header class="page-header">
            <h1>{tr!(l, "nav.settings")}</h1>
            <p class="muted">{tr!(l, "settings.intro", organisation = user.organisation.name.clone())}</p>
        </header>
        <section class="card stack" aria-labelledby="sso-link">
            <h2 id="sso-link">{tr!(l, "sso.title")}</h2>
            <p class="muted">{tr!(l, "settings.sso.intro")}</p>
            <p><a class="button" href=format!("/o/{}/settings/sso", user.organisation.slug)>{tr!(l, "settings.sso.open")}</a></p>
        </section>
        <ApiKeys />
        <Retention />
    }
    .into_any()
}

/// How long the organisation keeps its activity log.
#[component]
fn Retention() -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let save = ServerAction::<SetActivityRetention>::new();
    let kept = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| activity_retention(slug.clone())
    });
    let error = action_error(save);
    let saved = move || match save.value().get() {
        Some(Ok(days)) => Some(tr!(l, "activity.retention.saved", days = days)),
        _ => None,
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = FormValues::of(&ev);
        save.dispatch(SetActivityRetention {
            slug: slug.clone(),
            days: values.text("days"),
        });
    };
    let hint = tr!(
        l,
        "activity.retention.hint",
        min = RETENTION_MIN_DAYS,
        max = RETENTION_MAX_DAYS
    );
    view! {
        <form class="card stack narrow-form" on:submit=on_submit novalidate aria-labelledby="retention">
            <h2 id="retention">{tr!(l, "activity.retention.title")}</h2>
            <p class="muted">{tr!(l, "activity.retention.intro")}</p>
            <FormAlert error />
            <p class="alert alert-success" role="status" hidden=move || saved().is_none()>{saved}</p>
            <Transition fallback=|| ()>
                {
                    let hint = hint.clone();
                    move || {
                        let hint = hint.clone();
                        Suspend::new(async move {
                            let days = kept.await.map(|d| d.to_string()).unwrap_or_default();
                            view! {
                                <Field label=tr!(l, "activity.retention.days") name="days" kind="number"
                                    hint error=field_error(error, "days") required=true value=days />
                            }
                        })
                    }
                }
            </Transition>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {tr!(l, "activity.retention.save")}
                </button>
            </div>
        </form>
    }
}

/// The organisation's API keys: the list with Revoke, and a form to create one.
#[component]
fn ApiKeys() -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(move || (create.version().get(), revoke.version().get()), {
        let slug = slug.clone();
        move |_| list_api_keys(slug.clone())
    });
    let revoking = RwSignal::new(None::<(Uuid, String)>);
    let table = move || {
        Suspend::new(async move {
            match keys.await {
                Ok(list) if list.is_empty() => view! {
                    <p class="empty-state">{tr!(l, "settings.keys.empty")}</p>
                }
                .into_any(),
                Ok(list) => view! { <KeyTable list revoking /> }.into_any(),
                Err(error) => view! { <ErrorAlert error /> }.into_any(),
            }
        })
    };
    let dialog = move || {
        revoking.get().map(|(id, name)| {
            let close = Callback::new(move |_| revoking.set(None));
            let slug = expect_context::<CurrentUser>().organisation.slug;
            view! {
                <ConfirmDialog title=tr!(l, "settings.revoke.title", name = name) action=revoke
                    request=RevokeApiKey { slug, id }
                    confirm=tr!(l, "settings.revoke.action") cancel=tr!(l, "settings.revoke.cancel") close>
                    <p>{tr!(l, "settings.revoke.body")}</p>
                </ConfirmDialog>
            }
        })
    };
    view! {
        <section class="card stack" aria-labelledby="api-keys">
            <h2 id="api-keys">{tr!(l, "settings.keys.title")}</h2>
            <p class="muted">{tr!(l, "settings.keys.intro")}</p>
            <Transition fallback=move || view! { <p class="loading">{tr!(l, "settings.keys.loading")}</p> }>
                {table}
            </Transition>
        </section>
        <NewKeyForm action=create />
        {dialog}
    }
}

#[component]
fn KeyTable(list: Vec<ApiKeySummary>, revoking: RwSignal<Option<(Uuid, String)>>) -> impl IntoView {
    let l = use_locale();
    let rows = list
        .into_iter()
        .map(|key| {
            let scopes = key
                .scopes
                .iter()
                .map(|s| view! { <li><code>{s.code()}</code></li> })
                .collect_view();
            let (id, name) = (key.id, key.name.clone());
            let state = match key.revoked_at {
                Some(at) => view! {
                    <span class="badge badge-suspended">{tr!(l, "settings.keys.revoked")}</span>
                    " " <When at />
                }
                .into_any(),
                None => view! {
                    <button type="button" class="button button-small button-danger"
                        aria-label=tr!(l, "settings.keys.revoke_named", name = name.clone())
                        on:click=move |_| revoking.set(Some((id, name.clone())))>
                        {tr!(l, "settings.keys.revoke")}
                    </button>
                }
                .into_any(),
            };
            let created_by = key.created_by.unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    <td>
                        <strong>{key.name}</strong>
                        <span class="cell-sub"><code>{key.prefix}"…"</code></span>
                    </td>
                    <td><ul class="plain-list">{scopes}</ul></td>
                    <td>
                        <When at=key.created_at />
                        <span class="cell-sub">{created_by}</span>
                    </td>
                    <td>{match key.last_used_at {
                        Some(at) => view! { <When at /> }.into_any(),
                        None => view! { <span class="muted">{tr!(l, "settings.keys.never_used")}</span> }.into_any(),
                    }}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable caption=tr!(l, "settings.keys.title") columns=vec![Column::Shown(tr!(l, "settings.keys.name")), Column::Shown(tr!(l, "settings.keys.scopes")), Column::Shown(tr!(l, "settings.keys.created")), Column::Shown(tr!(l, "settings.keys.last_used")), Column::Hidden(tr!(l, "settings.keys.state"))]>{rows}</DataTable>
    }
}

/// Name and scopes of a new key; once created, its secret in a dialog, shown this once.
#[component]
fn NewKeyForm(action: ServerAction<CreateApiKey>) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let slug = user.organisation.slug.clone();
    let error = action_error(action);
    let form = NodeRef::<html::Form>::new();
    let created = RwSignal::new(None::<CreatedApiKey>);
    Effect::new(move |_| {
        if let Some(Ok(key)) = action.value().get() {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
            created.set(Some(key));
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = FormValues::of(&ev);
        action.dispatch(CreateApiKey {
            slug: slug.clone(),
            key: NewApiKey {
                name: values.text("name"),
                scopes: values.all("scopes"),
            },
        });
    };
    let scopes = ApiScope::ALL
        .iter()
        .map(|scope| {
            // Why the box cannot be ticked, when it cannot.
            let reason = match scope.feature().filter(|f| !user.features.contains(f)) {
                Some(feature) => Some(tr!(
                    l,
                    "settings.new.scope_needs_feature",
                    feature = feature.label_in(l)
                )),
                None => (!user.can(scope.permission())).then(|| {
                    tr!(
                        l,
                        "settings.new.scope_needs_permission",
                        permission = scope.permission().description_in(l).to_lowercase()
                    )
                }),
            };
            let hint_id = format!("scope-{}-hint", scope.code().replace('.', "-"));
            view! {
                <label class="check permission-check">
                    <input type="checkbox" name="scopes" value=scope.code() disabled=reason.is_some()
                        aria-describedby=reason.is_some().then(|| hint_id.clone()) />
                    <span>
                        <span class="permission-name">{scope.description_in(l)}</span>
                        <code class="muted">{scope.code()}</code>
                        {reason.map(|text| view! { <span id=hint_id class="field-hint">{text}</span> })}
                    </span>
                </label>
            }
        })
        .collect_view();
    let scopes_error = field_error(error, "scopes");
    let close = Callback::new(move |_| created.set(None));
    view! {
        <form class="card stack narrow-form" node_ref=form on:submit=on_submit novalidate aria-labelledby="new-key">
            <h2 id="new-key">{tr!(l, "settings.new.title")}</h2>
            <FormAlert error />
            <Field label=tr!(l, "settings.new.name") name="name" autocomplete="off"
                hint=tr!(l, "settings.new.name_hint") error=field_error(error, "name") required=true />
            <fieldset class="permission-group" aria-describedby="scopes-error">
                <legend>{tr!(l, "settings.new.scopes")}</legend>
                {scopes}
                <p id="scopes-error" class="field-error" hidden=move || scopes_error.get().is_none()>{move || scopes_error.get()}</p>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                    {tr!(l, "settings.new.create")}
                </button>
            </div>
        </form>
        {move || created.get().map(|key| view! {
            <Modal title=tr!(l, "settings.created.title", name = key.name.clone()) on_close=close>
                <p>{tr!(l, "settings.created.body")}</p>
                <CopyableSecret secret=key.secret.clone() testid="api-key-secret" />
                <p class="muted">{tr!(l, "settings.created.once")}</p>
                <p class="field-hint">{tr!(l, "settings.created.usage")}</p>
                <pre class="code-sample"><code>{format!("Authorization: Bearer {}", key.secret)}</code></pre>
                <div class="form-actions">
                    <button type="button" class="button button-primary" on:click=move |_| close.run(())>
                        {tr!(l, "settings.created.done")}
                    </button>
                </div>
            </Modal>
        })}
    }
}
