//! `/o/{slug}/profile`, "My profile": every signed-in person's picture, details, preferences,
//! address, password and sessions. Their type, roles and status are shown, not changed.

use crate::ui::components::display::When;
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::profile::{
        get_account_security, get_profile, ChangeEmail, EndSessions, RemoveAvatar, UpdateProfile,
        UploadAvatar,
    },
    i18n::{use_locale, Locale},
    model::{
        profile::{
            AccountSecurity, Notifications, Profile, ProfileChange, Theme, AVATAR_MAX_BYTES,
        },
        AppError,
    },
    tr,
    ui::{
        components::{
            display::{raw_text, StatusBadge, TypeBadge},
            form::{
                action_error, field_error, read_chosen_file_base64, Field, FormAlert, FormValues,
            },
        },
        pages::shell::{AvatarChoice, ThemeChoice},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Time zones offered as suggestions; any IANA name is accepted.
const COMMON_ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[component]
pub fn ProfilePage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let profile = Resource::new(slug, get_profile);
    // Created here, not inside the profile's Suspense: a resource made while a suspended view
    // renders can be numbered differently on the server and in the browser, which then cannot
    // match the server's data to it and fails to hydrate the page.
    let end = ServerAction::<EndSessions>::new();
    let security = Resource::new(
        move || (slug(), end.version().get()),
        |(slug, _)| get_account_security(slug),
    );
    let confirmed = use_query_map()
        .read_untracked()
        .get("email")
        .is_some_and(|v| v == "confirmed");
    view! {
        <Title text=tr!(l, "profile.title") />
        <header class="page-header">
            <h1>{tr!(l, "profile.title")}</h1>
            <p class="muted">{tr!(l, "profile.intro")}</p>
        </header>
        {confirmed.then(|| view! {
            <div class="alert alert-success" role="status">{tr!(l, "profile.email.confirmed")}</div>
        })}
        <Suspense fallback=move || view! { <p aria-busy="true">{tr!(l, "common.loading")}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(found) => view! { <ProfileSections profile=found slug=slug() security end /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileSections(
    profile: Profile,
    slug: String,
    security: Resource<Result<AccountSecurity, AppError>>,
    end: ServerAction<EndSessions>,
) -> impl IntoView {
    let l = use_locale();
    let roles = if profile.roles.is_empty() {
        tr!(l, "profile.no_roles")
    } else {
        profile.roles.join(", ")
    };
    view! {
        <div class="detail-layout">
            <div class="stack">
                <Details profile=profile.clone() slug=slug.clone() />
                <EmailAddress profile=profile.clone() slug=slug.clone() />
                <section class="card stack" aria-labelledby="password-heading">
                    <h2 id="password-heading">{tr!(l, "profile.password.title")}</h2>
                    <p class="muted">{tr!(l, "profile.password.hint")}</p>
                    <p><a class="button" href=format!("/o/{slug}/change-password")>{tr!(l, "profile.password.action")}</a></p>
                </section>
                <Security slug=slug.clone() security end />
            </div>
            <div class="stack">
                <Picture profile=profile.clone() slug=slug.clone() />
                <section class="card stack" aria-labelledby="standing-heading">
                    <h2 id="standing-heading">{tr!(l, "profile.standing.title")}</h2>
                    <dl class="facts">
                        <dt>{tr!(l, "profile.standing.organisation")}</dt>
                        <dd>{profile.organisation_name.clone()}</dd>
                        <dt>{tr!(l, "profile.standing.type")}</dt>
                        <dd><TypeBadge user_type=profile.user_type /></dd>
                        <dt>{tr!(l, "profile.standing.roles")}</dt>
                        <dd>{roles}</dd>
                        <dt>{tr!(l, "profile.standing.status")}</dt>
                        <dd><StatusBadge status=profile.status /></dd>
                    </dl>
                    <p class="muted">{tr!(l, "profile.standing.hint")}</p>
                </section>
            </div>
        </div>
    }
}

/// The picture, or the initials standing in for it.
#[component]
fn Picture(profile: Profile, slug: String) -> impl IntoView {
    let l = use_locale();
    let upload = ServerAction::<UploadAvatar>::new();
    let remove = ServerAction::<RemoveAvatar>::new();
    let too_large = RwSignal::new(None::<String>);
    let server_error = field_error(action_error(upload), "avatar");
    let other_error = Signal::derive(move || {
        action_error(upload)
            .get()
            .filter(|e| e.field_message("avatar").is_none())
            .map(|e| e.message(l))
    });
    let error =
        Signal::derive(move || too_large.get().or(server_error.get()).or(other_error.get()));
    // The sidebar shows the picture too: both follow the same signal.
    let current = use_context::<AvatarChoice>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(profile.avatar_url.clone()));
    Effect::new(move || {
        if let Some(Ok(url)) = upload.value().get() {
            current.set(url);
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            current.set(None);
        }
    });
    let on_choose = {
        let slug = slug.clone();
        move |ev: leptos::ev::Event| {
            too_large.set(None);
            let slug = slug.clone();
            // A file over the limit is refused before it is read.
            read_chosen_file_base64(&ev, AVATAR_MAX_BYTES, move |size, data| match data {
                Some(data) => {
                    upload.dispatch(UploadAvatar { slug, data });
                }
                None => too_large.set(Some(tr!(
                    l,
                    "profile.picture.too_large",
                    size = format!("{:.1} MB", size / 1_048_576.0),
                    max = format!("{:.1} MB", AVATAR_MAX_BYTES as f64 / 1_048_576.0)
                ))),
            });
        }
    };
    let initials = crate::model::session::initials(&profile.first_name, &profile.last_name);
    let picture = move || {
        match current.get() {
        Some(url) => view! { <img class="avatar avatar-large" src=url alt=tr!(l, "profile.picture.alt") width="96" height="96" /> }.into_any(),
        None => view! { <span class="avatar avatar-large" aria-hidden="true">{initials.clone()}</span> }.into_any(),
    }
    };
    view! {
        <section class="card stack" aria-labelledby="picture-heading">
            <h2 id="picture-heading">{tr!(l, "profile.picture.title")}</h2>
            <div class="profile-picture">
                {picture}
                <div class="stack">
                    <label class="button" for="field-avatar">{tr!(l, "profile.picture.choose")}</label>
                    <input id="field-avatar" class="visually-hidden" type="file" accept="image/png,image/jpeg,image/webp"
                        aria-describedby="field-avatar-hint field-avatar-error"
                        on:change=on_choose />
                    {move || current.get().is_some().then(|| {
                        let slug = slug.clone();
                        view! {
                            <button type="button" class="button button-small" on:click=move |_| { remove.dispatch(RemoveAvatar { slug: slug.clone() }); }>
                                {tr!(l, "profile.picture.remove")}
                            </button>
                        }
                    })}
                </div>
            </div>
            <p class="field-hint" id="field-avatar-hint">{tr!(l, "profile.picture.hint")}</p>
            <p class="field-error" id="field-avatar-error" role="alert" hidden=move || error.get().is_none()>{move || error.get()}</p>
            <p class="muted" role="status" hidden=move || !upload.pending().get()>{tr!(l, "profile.picture.uploading")}</p>
        </section>
    }
}

/// Loads the page again, so a new language shows everywhere at once.
fn reload_page() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Name, time zone, language, theme, signature and notifications.
#[component]
fn Details(profile: Profile, slug: String) -> impl IntoView {
    let l = use_locale();
    let save = ServerAction::<UpdateProfile>::new();
    let error = action_error(save);
    let theme = use_context::<ThemeChoice>();
    let version = RwSignal::new(profile.version);
    let saved_theme = profile.theme;
    // A theme tried but not saved is undone when the person leaves the page.
    let kept_theme = StoredValue::new(saved_theme);
    on_cleanup(move || {
        if let (Some(theme), Some(kept)) = (theme, kept_theme.try_get_value()) {
            theme.0.try_set(kept);
        }
    });
    Effect::new(move || {
        if let Some(Ok(saved)) = save.value().get() {
            version.set(saved.version);
            kept_theme.set_value(saved.theme);
            if saved.locale != l {
                reload_page();
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = FormValues::of(&ev);
        let ticked = |name: &str| !form.all(name).is_empty();
        save.dispatch(UpdateProfile {
            slug: slug.clone(),
            change: ProfileChange {
                first_name: form.text("first_name"),
                last_name: form.text("last_name"),
                timezone: form.text("timezone"),
                locale: form.text("locale"),
                theme: form.text("theme"),
                signature: form.text("signature"),
                notifications: Notifications {
                    assignment: ticked("notify_assignment"),
                    mention: ticked("notify_mention"),
                    daily_digest: ticked("notify_daily_digest"),
                },
                version: version.get_untracked(),
            },
        });
    };
    let zones = COMMON_ZONES
        .iter()
        .map(|zone| view! { <option value=*zone></option> })
        .collect_view();
    let languages = Locale::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <option value=choice.code() selected=choice == profile.locale lang=choice.code()>
                    {choice.native_name()}
                </option>
            }
        })
        .collect_view();
    let themes = Theme::ALL
        .into_iter()
        .map(|choice| {
            let label = match choice {
                Theme::Light => tr!(l, "profile.theme.light"),
                Theme::Dark => tr!(l, "profile.theme.dark"),
                Theme::System => tr!(l, "profile.theme.system"),
            };
            view! {
                <label class="choice">
                    <input type="radio" name="theme" value=choice.code() checked=choice == saved_theme
                        on:change=move |_| if let Some(theme) = theme { theme.0.set(choice) } />
                    {label}
                </label>
            }
        })
        .collect_view();
    let notification = |name: &'static str, label: String, on: bool| {
        view! {
            <label class="choice">
                <input type="checkbox" name=name value="on" checked=on />
                {label}
            </label>
        }
    };
    let n = profile.notifications;
    let signature_error = field_error(error, "signature");
    view! {
        <form class="card stack" on:submit=on_submit novalidate aria-labelledby="details-heading">
            <h2 id="details-heading">{tr!(l, "profile.details.title")}</h2>
            <FormAlert error />
            <div class="field-row">
                <Field label=tr!(l, "profile.details.first_name") name="first_name" autocomplete="given-name"
                    value=profile.first_name.clone() error=field_error(error, "first_name") required=true />
                <Field label=tr!(l, "profile.details.last_name") name="last_name" autocomplete="family-name"
                    value=profile.last_name.clone() error=field_error(error, "last_name") required=true />
            </div>
            <div class="field" class:field-invalid=move || field_error(error, "timezone").get().is_some()>
                <label for="field-timezone">{tr!(l, "profile.details.timezone")}</label>
                <input id="field-timezone" name="timezone" list="timezones" value=profile.timezone.clone()
                    autocomplete="off" aria-describedby="field-timezone-hint field-timezone-error" />
                <datalist id="timezones">{zones}</datalist>
                <p class="field-hint" id="field-timezone-hint">{tr!(l, "profile.details.timezone_hint")}</p>
                <p class="field-error" id="field-timezone-error" hidden=move || field_error(error, "timezone").get().is_none()>
                    {move || field_error(error, "timezone").get()}
                </p>
            </div>
            <div class="field">
                <label for="field-locale">{tr!(l, "profile.details.language")}</label>
                <select id="field-locale" name="locale">{languages}</select>
                <p class="field-error" hidden=move || field_error(error, "locale").get().is_none()>
                    {move || field_error(error, "locale").get()}
                </p>
            </div>
            <fieldset class="field">
                <legend>{tr!(l, "profile.theme.title")}</legend>
                <div class="choices choices-inline">{themes}</div>
                <p class="field-hint">{tr!(l, "profile.theme.hint")}</p>
            </fieldset>
            <div class="field" class:field-invalid=move || signature_error.get().is_some()>
                <label for="field-signature">{tr!(l, "profile.details.signature")}</label>
                <textarea id="field-signature" name="signature" rows="4"
                    aria-describedby="field-signature-hint field-signature-error">{raw_text(profile.signature.clone())}</textarea>
                <p class="field-hint" id="field-signature-hint">{tr!(l, "profile.details.signature_hint")}</p>
                <p class="field-error" id="field-signature-error" hidden=move || signature_error.get().is_none()>
                    {move || signature_error.get()}
                </p>
            </div>
            <fieldset class="field">
                <legend>{tr!(l, "profile.notifications.title")}</legend>
                <div class="choices">
                {notification("notify_assignment", tr!(l, "profile.notifications.assignment"), n.assignment)}
                {notification("notify_mention", tr!(l, "profile.notifications.mention"), n.mention)}
                {notification("notify_daily_digest", tr!(l, "profile.notifications.daily_digest"), n.daily_digest)}
                </div>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {tr!(l, "profile.details.save")}
                </button>
                <span class="muted" role="status">
                    {move || matches!(save.value().get(), Some(Ok(_))).then(|| tr!(l, "profile.details.saved"))}
                </span>
            </div>
        </form>
    }
}

/// The sign-in address, changed through a link sent to the new one.
#[component]
fn EmailAddress(profile: Profile, slug: String) -> impl IntoView {
    let l = use_locale();
    let change = ServerAction::<ChangeEmail>::new();
    let error = action_error(change);
    // The address waiting for its link: the one just asked for, else the one the page read.
    let waiting = profile.pending_email.clone();
    let pending = move || {
        change
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| waiting.clone())
            .map(|email| {
                view! { <p class="alert alert-info" role="status">{tr!(l, "profile.email.pending", email = email)}</p> }
            })
    };
    view! {
        <section class="card stack" aria-labelledby="email-heading">
            <h2 id="email-heading">{tr!(l, "profile.email.title")}</h2>
            <p>{tr!(l, "profile.email.current", email = profile.email.clone())}</p>
            {pending}
            <ActionForm action=change attr:class="stack" attr:novalidate=true>
                <FormAlert error />
                <input type="hidden" name="slug" value=slug />
                <Field label=tr!(l, "profile.email.new") name="new_email" kind="email" autocomplete="email"
                    error=field_error(error, "new_email") required=true />
                <Field label=tr!(l, "profile.email.password") name="password" kind="password" autocomplete="current-password"
                    error=field_error(error, "password") required=true />
                <div class="form-actions">
                    <button type="submit" class="button" disabled=move || change.pending().get()>{tr!(l, "profile.email.send")}</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// The person's signed-in browsers and latest sign-ins.
#[component]
fn Security(
    slug: String,
    security: Resource<Result<AccountSecurity, AppError>>,
    end: ServerAction<EndSessions>,
) -> impl IntoView {
    let l = use_locale();

    let end_error = action_error(end);
    let body = move || {
        let slug = slug.clone();
        Suspend::new(async move {
            let found = match security.await {
                Ok(found) => found,
                Err(error) => return view! { <ErrorAlert error /> }.into_any(),
            };
            let others = found.sessions.iter().filter(|s| !s.current).count();
            let sessions = found
                .sessions
                .into_iter()
                .map(|s| {
                    let slug = slug.clone();
                    let action = if s.current {
                        view! { <span class="badge badge-active">{tr!(l, "profile.sessions.this_browser")}</span> }.into_any()
                    } else {
                        let label = tr!(l, "profile.sessions.end_one", device = s.device.clone());
                        view! {
                            <button type="button" class="button button-small" aria-label=label
                                on:click=move |_| { end.dispatch(EndSessions { slug: slug.clone(), id: Some(s.id) }); }>
                                {tr!(l, "profile.sessions.sign_out")}
                            </button>
                        }.into_any()
                    };
                    view! {
                        <tr>
                            <td>{s.device.clone()}</td>
                            <td>{s.ip.clone().unwrap_or_else(|| "—".into())}</td>
                            <td><When at=s.started.clone() /></td>
                            <td><When at=s.last_seen.clone() /></td>
                            <td>{action}</td>
                        </tr>
                    }
                })
                .collect_view();
            let sign_ins = found
                .sign_ins
                .into_iter()
                .map(|e| {
                    let result = if e.success {
                        view! { <span class="badge badge-active">{tr!(l, "profile.sign_ins.succeeded")}</span> }
                    } else {
                        view! { <span class="badge badge-suspended">{tr!(l, "profile.sign_ins.failed")}</span> }
                    };
                    view! {
                        <tr>
                            <td><When at=e.at.clone() /></td>
                            <td>{e.device}</td>
                            <td>{e.ip.unwrap_or_else(|| "—".into())}</td>
                            <td>{result}</td>
                        </tr>
                    }
                })
                .collect_view();
            let end_others = (others > 0).then(|| {
                let slug = slug.clone();
                view! {
                    <button type="button" class="button" on:click=move |_| { end.dispatch(EndSessions { slug: slug.clone(), id: None }); }>
                        {tr!(l, "profile.sessions.end_others", count = others)}
                    </button>
                }
            });
            view! {
                <div class="table-wrap">
                    <table class="data-table">
                        <caption class="visually-hidden">{tr!(l, "profile.sessions.title")}</caption>
                        <thead><tr>
                            <th scope="col">{tr!(l, "profile.sessions.device")}</th>
                            <th scope="col">{tr!(l, "profile.sessions.ip")}</th>
                            <th scope="col">{tr!(l, "profile.sessions.started")}</th>
                            <th scope="col">{tr!(l, "profile.sessions.last_seen")}</th>
                            <th scope="col"><span class="visually-hidden">{tr!(l, "profile.sessions.actions")}</span></th>
                        </tr></thead>
                        <tbody>{sessions}</tbody>
                    </table>
                </div>
                {end_others}
                <h3>{tr!(l, "profile.sign_ins.title")}</h3>
                <div class="table-wrap">
                    <table class="data-table">
                        <caption class="visually-hidden">{tr!(l, "profile.sign_ins.title")}</caption>
                        <thead><tr>
                            <th scope="col">{tr!(l, "profile.sign_ins.when")}</th>
                            <th scope="col">{tr!(l, "profile.sessions.device")}</th>
                            <th scope="col">{tr!(l, "profile.sessions.ip")}</th>
                            <th scope="col">{tr!(l, "profile.sign_ins.result")}</th>
                        </tr></thead>
                        <tbody>{sign_ins}</tbody>
                    </table>
                </div>
            }
            .into_any()
        })
    };
    view! {
        <section class="card stack" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{tr!(l, "profile.sessions.title")}</h2>
            <p class="muted">{tr!(l, "profile.sessions.hint")}</p>
            <p class="field-error" role="alert" hidden=move || end_error.get().is_none()>
                {move || end_error.get().map(|e: AppError| e.message(l))}
            </p>
            <Transition fallback=move || view! { <p aria-busy="true">{tr!(l, "common.loading")}</p> }>
                {body.clone()}
            </Transition>
        </section>
    }
}
