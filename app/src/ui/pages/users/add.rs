//! Adding someone: by invitation email, or with a temporary password shown once.

use super::form::{read_account_form, roles_resource, AccountFields, RoleChoices};
use crate::{
    api::accounts::AddUser,
    i18n::use_locale,
    model::{
        account::{AccountForm, NewAccount, Onboarding, INVITATION_DAYS},
        CurrentUser, Permission, UserType,
    },
    tr,
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
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersInvite) {
        return view! { <ForbiddenPage reason=tr!(l, "users.forbidden.invite") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let roles = roles_resource();
    // Teams to join, for those who may add members (teams.manage) in a Helpdesk organisation.
    let teams = (user.can(crate::model::Permission::TeamsManage)
        && user.features.contains(&crate::model::Feature::Helpdesk))
    .then(|| {
        let slug = slug.clone();
        Resource::new(|| (), move |_| crate::api::teams::list_teams(slug.clone()))
    });
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
                    teams: values
                        .all("teams")
                        .iter()
                        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
                        .collect(),
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
                    {tr!(l, "users.add.sent_before")} <strong>{a.email}</strong>
                    {tr!(l, "users.add.sent_after", days = INVITATION_DAYS)}
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
                    <Modal title=tr!(l, "users.add.created") on_close=close>
                        <OneTimePassword password for_whom=a.email />
                        <div class="modal-actions">
                            <button type="button" class="button button-primary" on:click=move |_| close.run(())>
                                {tr!(l, "users.add.noted")}
                            </button>
                        </div>
                    </Modal>
                })
            })
        }
    };
    let submit_label = move || match (add.pending().get(), onboarding.get()) {
        (true, _) => tr!(l, "users.common.saving"),
        (false, Onboarding::Invitation) => tr!(l, "users.add.send_invitation"),
        (false, Onboarding::TemporaryPassword) => tr!(l, "users.add.create_account"),
    };
    view! {
        <Title text=tr!(l, "users.add.title") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>{tr!(l, "users.common.back")}</a></p>
        <header class="page-header">
            <h1>{tr!(l, "users.add.title")}</h1>
            <p class="muted">{tr!(l, "users.add.intro", organisation = user.organisation.name.clone())}</p>
        </header>
        {invited_notice}
        {
            view! {
                <form class="card stack narrow-form" on:submit=on_submit novalidate node_ref=form_ref>
                    <FormAlert error />
                    <AccountFields form=AccountForm::default() error />
                    <div class="field" class:field-invalid=move || field_error(error, "user_type").get().is_some()>
                        <label for="field-user_type">{tr!(l, "users.common.user_type")}</label>
                        <select id="field-user_type" name="user_type" aria-describedby="field-user_type-hint">
                            {UserType::ALL.iter().map(|t| {
                                let missing = t.feature().filter(|f| !user.features.contains(f));
                                let label = match missing {
                                    Some(f) => tr!(l, "users.add.type_needs", user_type = t.label_in(l), feature = f.label_in(l)),
                                    None => t.label_in(l),
                                };
                                view! {
                                    <option value=t.code() selected=*t == UserType::Agent disabled=missing.is_some()>{label}</option>
                                }
                            }).collect_view()}
                        </select>
                        <p class="field-hint" id="field-user_type-hint">
                            {tr!(l, "users.add.type_hint")}
                        </p>
                        <p class="field-error" hidden=move || field_error(error, "user_type").get().is_none()>
                            {move || field_error(error, "user_type").get()}
                        </p>
                    </div>
                    <RoleChoices roles selected=Vec::new() error />
                    {teams.map(|teams| view! { <TeamChoices teams error /> })}
                    <fieldset class="field choices">
                        <legend>{tr!(l, "users.add.onboarding")}</legend>
                        <label class="choice">
                            <input type="radio" name="onboarding" checked=true
                                on:change=move |_| onboarding.set(Onboarding::Invitation) />
                            <span>
                                <strong>{tr!(l, "users.add.by_invitation")}</strong>
                                <span class="muted">{tr!(l, "users.add.by_invitation_hint", days = INVITATION_DAYS)}</span>
                            </span>
                        </label>
                        <label class="choice">
                            <input type="radio" name="onboarding"
                                on:change=move |_| onboarding.set(Onboarding::TemporaryPassword) />
                            <span>
                                <strong>{tr!(l, "users.add.by_password")}</strong>
                                <span class="muted">{tr!(l, "users.add.by_password_hint")}</span>
                            </span>
                        </label>
                    </fieldset>
                    <div class="form-actions">
                        <button type="submit" class="button button-primary" disabled=move || add.pending().get()>
                            {submit_label}
                        </button>
                        <a class="button" href=format!("/o/{slug}/users")>{tr!(l, "users.common.cancel")}</a>
                    </div>
                </form>
            }
        }
        {password_dialog}
    }
    .into_any()
}

/// The organisation's teams as checkboxes: the new person joins those ticked as a member.
#[component]
fn TeamChoices(
    teams: Resource<Result<Vec<crate::model::teams::TeamSummary>, crate::model::AppError>>,
    error: Signal<Option<crate::model::AppError>>,
) -> impl IntoView {
    let l = use_locale();
    let message = field_error(error, "teams");
    view! {
        <fieldset class="field role-choices" class:field-invalid=move || message.get().is_some()
            aria-describedby="teams-error">
            <legend>{tr!(l, "users.add.teams")}</legend>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let teams = teams.await.unwrap_or_default();
                    if teams.is_empty() {
                        return view! { <p class="field-hint">{tr!(l, "users.add.no_teams")}</p> }.into_any();
                    }
                    teams.into_iter().map(|team| view! {
                        <label class="check">
                            <input type="checkbox" name="teams" value=team.id.to_string() />
                            {team.name}
                        </label>
                    }).collect_view().into_any()
                })}
            </Suspense>
            <p class="field-error" id="teams-error" hidden=move || message.get().is_none()>
                {move || message.get()}
            </p>
        </fieldset>
    }
}
