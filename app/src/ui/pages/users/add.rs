//! Adding someone: by invitation email, or with a temporary password shown once.

use super::form::{read_account_form, AccountFields, RoleChoices};
use crate::{
    api::accounts::AddUser,
    model::{
        account::{AccountForm, NewAccount, Onboarding, INVITATION_DAYS},
        CurrentUser, Permission, UserType,
    },
    ui::{
        components::{
            dialog::{Modal, OneTimePassword},
            form::{action_error, field_error, FormAlert, FormValues},
        },
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

/// `/o/{slug}/users/new`.
#[component]
pub fn AddUserPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersInvite) {
        return view! { <ForbiddenPage reason="Inviting people is not part of your access." /> }
            .into_any();
    }
    let slug = user.organisation.slug.clone();
    let add = ServerAction::<AddUser>::new();
    let error = action_error(add);
    let onboarding = RwSignal::new(Onboarding::Invitation);
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            let user_type =
                UserType::from_code(&values.text("user_type")).unwrap_or(UserType::Agent);
            add.dispatch(AddUser {
                slug: slug.clone(),
                account: NewAccount {
                    form: read_account_form(&values),
                    user_type,
                    onboarding: onboarding.get_untracked(),
                },
            });
        }
    };
    let added = move || add.value().get().and_then(Result::ok);
    Effect::new(move |_| {
        if let Some(Ok(added)) = add.value().get() {
            if added.temporary_password.is_none() {
                // Ready for the next person.
                if let Some(form) = form_ref.get_untracked() {
                    form.reset();
                    onboarding.set(Onboarding::Invitation);
                }
            }
        }
    });
    let navigate = use_navigate();
    let invited_notice = move || {
        added().filter(|a| a.temporary_password.is_none()).map(|a| {
            view! {
                <div class="alert alert-success" role="status">
                    "Invitation sent to " <strong>{a.email}</strong>
                    {format!(". The link works for {INVITATION_DAYS} days.")}
                </div>
            }
        })
    };
    let password_dialog = {
        let slug = slug.clone();
        move || {
            added().and_then(|a| {
                let password = a.temporary_password?;
                let target = format!("/o/{slug}/users/{}", a.user_id);
                let navigate = navigate.clone();
                let close = Callback::new(move |_| navigate(&target, Default::default()));
                Some(view! {
                    <Modal title="Account created" on_close=close>
                        <OneTimePassword password for_whom=a.email />
                        <div class="modal-actions">
                            <button type="button" class="button button-primary" on:click=move |_| close.run(())>
                                "I have noted it"
                            </button>
                        </div>
                    </Modal>
                })
            })
        }
    };
    let submit_label = move || match (add.pending().get(), onboarding.get()) {
        (true, _) => "Saving…",
        (false, Onboarding::Invitation) => "Send invitation",
        (false, Onboarding::TemporaryPassword) => "Create account",
    };
    view! {
        <Title text="Invite user" />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>"← Users"</a></p>
        <header class="page-header">
            <h1>"Invite user"</h1>
            <p class="muted">"Add someone to " {user.organisation.name.clone()} "."</p>
        </header>
        {invited_notice}
        {
            view! {
                <form class="card stack narrow-form" on:submit=on_submit novalidate node_ref=form_ref>
                    <FormAlert error />
                    <AccountFields form=AccountForm::default() error />
                    <div class="field" class:field-invalid=move || field_error(error, "user_type").get().is_some()>
                        <label for="field-user_type">"User type"</label>
                        <select id="field-user_type" name="user_type" aria-describedby="field-user_type-hint">
                            {UserType::ALL.iter().map(|t| {
                                let missing = t.feature().filter(|f| !user.features.contains(f));
                                let label = match missing {
                                    Some(f) => format!("{} (needs {})", t.label(), f.label()),
                                    None => t.label().to_string(),
                                };
                                view! {
                                    <option value=t.code() selected=*t == UserType::Agent disabled=missing.is_some()>{label}</option>
                                }
                            }).collect_view()}
                        </select>
                        <p class="field-hint" id="field-user_type-hint">
                            "Sets the baseline of what they can do. It cannot be changed later."
                        </p>
                        <p class="field-error" hidden=move || field_error(error, "user_type").get().is_none()>
                            {move || field_error(error, "user_type").get()}
                        </p>
                    </div>
                    <RoleChoices selected=Vec::new() error />
                    <fieldset class="field choices">
                        <legend>"How they get in"</legend>
                        <label class="choice">
                            <input type="radio" name="onboarding" checked=true
                                on:change=move |_| onboarding.set(Onboarding::Invitation) />
                            <span>
                                <strong>"Send an invitation email"</strong>
                                <span class="muted">{format!("They choose their password with a link that works for {INVITATION_DAYS} days.")}</span>
                            </span>
                        </label>
                        <label class="choice">
                            <input type="radio" name="onboarding"
                                on:change=move |_| onboarding.set(Onboarding::TemporaryPassword) />
                            <span>
                                <strong>"Create with a temporary password"</strong>
                                <span class="muted">"You see it once and hand it over; they replace it at first sign-in."</span>
                            </span>
                        </label>
                    </fieldset>
                    <div class="form-actions">
                        <button type="submit" class="button button-primary" disabled=move || add.pending().get()>
                            {submit_label}
                        </button>
                        <a class="button" href=format!("/o/{slug}/users")>"Cancel"</a>
                    </div>
                </form>
            }
        }
        {password_dialog}
    }
    .into_any()
}
