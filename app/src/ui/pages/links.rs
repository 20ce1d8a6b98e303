//! Pages reached from an email or from the sign-in page, without a session: accepting an
//! invitation, choosing a new password from a reset link, asking for a reset link.

use crate::ui::components::form::ErrorAlert;
use crate::{
    api::links::{invitation_link, reset_link, AcceptInvitation, CompleteReset, ForgotPassword},
    i18n::{use_locale, Locale},
    model::{
        account::{LinkState, INVITATION_DAYS},
        password::MIN_LENGTH,
        AppError,
    },
    tr,
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The two password fields of both link pages.
#[component]
fn NewPasswordFields(error: Signal<Option<AppError>>) -> impl IntoView {
    let l = use_locale();
    let hint = tr!(l, "password.hint", min = MIN_LENGTH);
    view! {
        <Field label=tr!(l, "links.password") name="password" kind="password" autocomplete="new-password"
            hint error=field_error(error, "password") required=true autofocus=true />
        <Field label=tr!(l, "links.password_repeat") name="confirmation" kind="password"
            autocomplete="new-password" error=field_error(error, "confirmation") required=true />
    }
}

/// The card every link page is drawn in.
#[component]
fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <main class="auth-page">
            <div class="auth-card">
                <p class="brand">"Tenantry"</p>
                {children()}
            </div>
        </main>
    }
}

/// What to say about a link that no longer works.
fn unusable(l: Locale, state: LinkState, invitation: bool) -> AnyView {
    match state {
        LinkState::Expired {
            organisation_name,
            organisation_slug,
        } => {
            let (heading, text) = if invitation {
                (
                    tr!(l, "links.expired.invitation.title"),
                    tr!(
                        l,
                        "links.expired.invitation.body",
                        days = INVITATION_DAYS,
                        organisation = organisation_name
                    ),
                )
            } else {
                (
                    tr!(l, "links.expired.reset.title"),
                    tr!(l, "links.expired.reset.body"),
                )
            };
            view! {
                <h1>{heading}</h1>
                <p class="muted">{text}</p>
                {(!invitation).then(|| view! {
                    <a class="button button-primary" href=format!("/o/{organisation_slug}/forgot-password")>{tr!(l, "links.expired.send_new")}</a>
                })}
                <p><a href=format!("/o/{organisation_slug}/login")>{tr!(l, "links.go_to_sign_in")}</a></p>
            }
            .into_any()
        }
        LinkState::Used {
            organisation_name,
            organisation_slug,
        } => {
            let text = if invitation {
                tr!(l, "links.used.invitation", organisation = organisation_name)
            } else {
                tr!(l, "links.used.reset")
            };
            view! {
                <h1>{tr!(l, "links.used.title")}</h1>
                <p class="muted">{text}</p>
                <a class="button button-primary" href=format!("/o/{organisation_slug}/login")>{tr!(l, "login.submit")}</a>
            }
            .into_any()
        }
        LinkState::AccessEnded { organisation_name } => view! {
            <h1>{tr!(l, "links.access_ended.title")}</h1>
            <p class="muted">
                {tr!(l, "links.access_ended.body", organisation = organisation_name)}
            </p>
            <a class="button" href="/">{tr!(l, "links.go_to_tenantry")}</a>
        }
        .into_any(),
        _ => view! {
            <h1>{tr!(l, "links.invalid.title")}</h1>
            <p class="muted">{tr!(l, "links.invalid.body")}</p>
            <a class="button" href="/">{tr!(l, "links.go_to_tenantry")}</a>
        }
        .into_any(),
    }
}

/// `/invitation?token=…`: choose a password and join.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let state = Resource::new(token, invitation_link);
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    view! {
        <Title text=tr!(l, "links.invitation.title") />
        <AuthCard>
            <Suspense fallback=move || view! { <p class="loading">{tr!(l, "links.invitation.checking")}</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Valid { organisation_name, email, first_name, .. }) => view! {
                            <h1>{tr!(l, "links.invitation.welcome", name = first_name)}</h1>
                            <p class="muted">
                                {tr!(l, "links.invitation.invited_to")} <strong>{organisation_name}</strong>
                                {tr!(l, "links.invitation.choose_for")} <strong>{email}</strong> {tr!(l, "links.invitation.end")}
                            </p>
                            <ActionForm action=accept attr:class="stack">
                                <FormAlert error />
                                <input type="hidden" name="token" value=token />
                                <NewPasswordFields error />
                                <button type="submit" class="button button-primary" disabled=move || accept.pending().get()>
                                    {tr!(l, "links.invitation.submit")}
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Ok(other) => unusable(l, other, true),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

/// `/reset-password?token=…`: choose a new password.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let l = use_locale();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let state = Resource::new(token, reset_link);
    let reset = ServerAction::<CompleteReset>::new();
    let error = action_error(reset);
    view! {
        <Title text=tr!(l, "change_password.title") />
        <AuthCard>
            <Suspense fallback=move || view! { <p class="loading">{tr!(l, "links.reset.checking")}</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Valid { organisation_name, email, .. }) => view! {
                            <h1>{tr!(l, "change_password.title")}</h1>
                            <p class="muted">
                                {tr!(l, "links.reset.for")} <strong>{email}</strong> {tr!(l, "links.reset.in")} <strong>{organisation_name}</strong>
                                {tr!(l, "links.reset.signed_out")}
                            </p>
                            <ActionForm action=reset attr:class="stack">
                                <FormAlert error />
                                <input type="hidden" name="token" value=token />
                                <NewPasswordFields error />
                                <button type="submit" class="button button-primary" disabled=move || reset.pending().get()>
                                    {tr!(l, "links.reset.submit")}
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Ok(other) => unusable(l, other, false),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

/// `/o/{slug}/forgot-password`: ask for a reset link.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let l = use_locale();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let sent = move || query.read().get("sent").is_some();
    let forgot = ServerAction::<ForgotPassword>::new();
    let error = action_error(forgot);
    view! {
        <Title text=tr!(l, "login.forgot") />
        <AuthCard>
            <h1>{tr!(l, "login.forgot")}</h1>
            <Show
                when=sent
                fallback=move || view! {
                    <p class="muted">
                        {tr!(l, "links.forgot.intro_before")} <strong class="slug">{slug}</strong>
                        {tr!(l, "links.forgot.intro_after")}
                    </p>
                    <ActionForm action=forgot attr:class="stack">
                        <FormAlert error />
                        <input type="hidden" name="slug" value=slug />
                        <Field label=tr!(l, "login.email") name="email" kind="email" autocomplete="username"
                            error=field_error(error, "email") required=true autofocus=true />
                        <button type="submit" class="button button-primary" disabled=move || forgot.pending().get()>
                            {tr!(l, "links.forgot.submit")}
                        </button>
                    </ActionForm>
                }
            >
                <div class="alert alert-success" role="status">
                    {tr!(l, "links.forgot.sent_before")} <strong>{slug}</strong>
                    {tr!(l, "links.forgot.sent_after")}
                </div>
                <p class="muted">{tr!(l, "links.forgot.nothing")}</p>
            </Show>
            <p><a href=move || format!("/o/{}/login", slug())>{tr!(l, "links.forgot.back")}</a></p>
        </AuthCard>
    }
}

/// `/confirm-email?token=…`: confirms the new address a person gave for themselves. Opening the
/// link only shows the address; a button confirms it, so a mail scanner following links changes
/// nothing.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let l = crate::i18n::use_locale();
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let state = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        crate::api::profile::email_change_link,
    );
    let confirm = ServerAction::<crate::api::profile::ConfirmEmailChange>::new();
    let error = action_error(confirm);
    view! {
        <Title text=crate::tr!(l, "confirm_email.title") />
        <AuthCard>
            <Suspense fallback=move || view! { <p aria-busy="true">{crate::tr!(l, "common.loading")}</p> }>
                {move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        match state.await {
                            Ok(email) => view! {
                                <h1>{crate::tr!(l, "confirm_email.title")}</h1>
                                <p>{crate::tr!(l, "confirm_email.body", email = email)}</p>
                                <ActionForm action=confirm attr:class="stack">
                                    <FormAlert error />
                                    <input type="hidden" name="token" value=token />
                                    <button type="submit" class="button button-primary" disabled=move || confirm.pending().get()>
                                        {crate::tr!(l, "confirm_email.action")}
                                    </button>
                                </ActionForm>
                            }
                            .into_any(),
                            Err(error) => view! {
                                <h1>{crate::tr!(l, "confirm_email.unusable")}</h1>
                                <p class="muted">{error.message(l)}</p>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}
