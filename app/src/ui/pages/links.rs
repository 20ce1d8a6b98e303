//! Pages reached from an email or from the sign-in page, without a session: accepting an
//! invitation, choosing a new password from a reset link, asking for a reset link.

use crate::{
    api::links::{invitation_link, reset_link, AcceptInvitation, CompleteReset, ForgotPassword},
    model::{
        account::{LinkState, INVITATION_DAYS},
        password::MIN_LENGTH,
        AppError,
    },
    ui::components::form::{action_error, field_error, Field, FormAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The two password fields of both link pages.
#[component]
fn NewPasswordFields(error: Signal<Option<AppError>>) -> impl IntoView {
    let hint =
        format!("At least {MIN_LENGTH} characters. A phrase of a few unrelated words works well.");
    view! {
        <Field label="Password" name="password" kind="password" autocomplete="new-password"
            hint error=field_error(error, "password") required=true autofocus=true />
        <Field label="Repeat the password" name="confirmation" kind="password"
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
fn unusable(state: LinkState, invitation: bool) -> AnyView {
    match state {
        LinkState::Expired { organisation_name, organisation_slug } => {
            let (heading, text) = if invitation {
                (
                    "This invitation has expired".to_string(),
                    format!("Invitation links work for {INVITATION_DAYS} days. Ask an administrator of {organisation_name} to send you a new one."),
                )
            } else {
                (
                    "This link has expired".to_string(),
                    "Password-reset links work for one hour. Ask for a new one below.".to_string(),
                )
            };
            view! {
                <h1>{heading}</h1>
                <p class="muted">{text}</p>
                {(!invitation).then(|| view! {
                    <a class="button button-primary" href=format!("/o/{organisation_slug}/forgot-password")>"Send me a new link"</a>
                })}
                <p><a href=format!("/o/{organisation_slug}/login")>"Go to the sign-in page"</a></p>
            }
            .into_any()
        }
        LinkState::Used { organisation_name, organisation_slug } => {
            let text = if invitation {
                format!("This invitation was accepted already, or replaced by a newer one. If you accepted it, sign in to {organisation_name} with your email and password.")
            } else {
                "This link was used already, or replaced by a newer one. Sign in with your password, or ask for a new link.".to_string()
            };
            view! {
                <h1>"This link was already used"</h1>
                <p class="muted">{text}</p>
                <a class="button button-primary" href=format!("/o/{organisation_slug}/login")>"Sign in"</a>
            }
            .into_any()
        }
        LinkState::AccessEnded { organisation_name } => view! {
            <h1>"Your access has ended"</h1>
            <p class="muted">
                {format!("Your account with {organisation_name} was given access until a date that has passed, so this link no longer works. Ask an administrator of {organisation_name} if you still need access.")}
            </p>
            <a class="button" href="/">"Go to Tenantry"</a>
        }
        .into_any(),
        _ => view! {
            <h1>"This link does not work"</h1>
            <p class="muted">
                "Check that you opened the whole address from the email; some mail programs break long "
                "links across lines. If it still does not work, ask for a new one."
            </p>
            <a class="button" href="/">"Go to Tenantry"</a>
        }
        .into_any(),
    }
}

/// `/invitation?token=…`: choose a password and join.
#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let state = Resource::new(token, invitation_link);
    let accept = ServerAction::<AcceptInvitation>::new();
    let error = action_error(accept);
    view! {
        <Title text="Accept your invitation" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking your invitation…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Valid { organisation_name, email, first_name, .. }) => view! {
                            <h1>{format!("Welcome, {first_name}")}</h1>
                            <p class="muted">
                                "You are invited to " <strong>{organisation_name}</strong>
                                ". Choose a password to finish setting up the account for " <strong>{email}</strong> "."
                            </p>
                            <ActionForm action=accept attr:class="stack">
                                <FormAlert error />
                                <input type="hidden" name="token" value=token />
                                <NewPasswordFields error />
                                <button type="submit" class="button button-primary" disabled=move || accept.pending().get()>
                                    "Join and sign in"
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Ok(other) => unusable(other, true),
                        Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

/// `/reset-password?token=…`: choose a new password.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let state = Resource::new(token, reset_link);
    let reset = ServerAction::<CompleteReset>::new();
    let error = action_error(reset);
    view! {
        <Title text="Choose a new password" />
        <AuthCard>
            <Suspense fallback=|| view! { <p class="loading">"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Ok(LinkState::Valid { organisation_name, email, .. }) => view! {
                            <h1>"Choose a new password"</h1>
                            <p class="muted">
                                "For " <strong>{email}</strong> " in " <strong>{organisation_name}</strong>
                                ". Every other session of this account will be signed out."
                            </p>
                            <ActionForm action=reset attr:class="stack">
                                <FormAlert error />
                                <input type="hidden" name="token" value=token />
                                <NewPasswordFields error />
                                <button type="submit" class="button button-primary" disabled=move || reset.pending().get()>
                                    "Save and sign in"
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Ok(other) => unusable(other, false),
                        Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </AuthCard>
    }
}

/// `/o/{slug}/forgot-password`: ask for a reset link.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let sent = move || query.read().get("sent").is_some();
    let forgot = ServerAction::<ForgotPassword>::new();
    let error = action_error(forgot);
    view! {
        <Title text="Forgot your password?" />
        <AuthCard>
            <h1>"Forgot your password?"</h1>
            <Show
                when=sent
                fallback=move || view! {
                    <p class="muted">
                        "Enter the email address of your account in " <strong class="slug">{slug}</strong>
                        " and we will send you a link to choose a new password."
                    </p>
                    <ActionForm action=forgot attr:class="stack">
                        <FormAlert error />
                        <input type="hidden" name="slug" value=slug />
                        <Field label="Email" name="email" kind="email" autocomplete="username"
                            error=field_error(error, "email") required=true autofocus=true />
                        <button type="submit" class="button button-primary" disabled=move || forgot.pending().get()>
                            "Send the link"
                        </button>
                    </ActionForm>
                }
            >
                <div class="alert alert-success" role="status">
                    "If an account of " <strong>{slug}</strong> " uses that address, a link to choose a new "
                    "password is on its way. It works once, for one hour."
                </div>
                <p class="muted">"Nothing after a few minutes? Check your spam folder, or ask an administrator of your organisation to reset your password."</p>
            </Show>
            <p><a href=move || format!("/o/{}/login", slug())>"Back to sign in"</a></p>
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
                                <p class="muted">{error.to_string()}</p>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}
