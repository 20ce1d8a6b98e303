//! One person's page: their details and roles to edit, their access (suspend, reactivate) and
//! their password (reset).

use super::{
    actions::{ActionDialogs, Pending, Person},
    form::{roles_resource, AccountFields, RoleChoices, Roles},
    history::{History, PersonHistory},
    retype::NewTypeCard,
    teams::{PersonTeams, TeamsOfPerson},
};
use crate::ui::components::display::When;
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::accounts::{get_user, SetPlatformRole, UpdateUser},
    i18n::{use_locale, Locale},
    model::{
        account::{AccountChange, AccountDetail, DirectoryFacts, GrantSource, GrantedPermission},
        AppError, CurrentUser, Permission, PlatformRole, UserStatus,
    },
    tr,
    ui::{
        components::{
            display::{Avatar, StatusBadge, TypeBadge},
            form::{action_error, FormAlert, FormValues},
        },
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/o/{slug}/users/{id}`.
#[component]
pub fn UserPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersView) {
        return view! { <ForbiddenPage reason=tr!(l, "users.forbidden.view") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let id = crate::ui::pages::route_id();
    let detail = Resource::new(move || id.get(), {
        let slug = slug.clone();
        move |id| {
            let slug = slug.clone();
            async move {
                match id {
                    Some(id) => get_user(slug, id).await,
                    None => Err(AppError::NotFound("That person".into())),
                }
            }
        }
    });
    let reload = Callback::new(move |_| detail.refetch());
    // What the sections load, made here rather than inside the Transition (see TeamsOfPerson).
    let sections = Sections {
        roles: roles_resource(),
        teams: TeamsOfPerson::new(slug.clone(), id),
        history: History::new(&user, slug.clone(), id),
    };
    view! {
        <Title text=tr!(l, "users.detail.title") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>{tr!(l, "users.common.back")}</a></p>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "common.loading")}</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <Account slug detail reload sections /> }.into_any(),
                        Err(error) => view! {
                            <ErrorAlert error />
                        }.into_any(),
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}

/// What the person's sections load, made with the page.
#[derive(Clone, Copy)]
struct Sections {
    roles: Roles,
    teams: TeamsOfPerson,
    history: History,
}

#[component]
fn Account(
    slug: String,
    detail: AccountDetail,
    reload: Callback<()>,
    sections: Sections,
) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    let person = Person {
        id: detail.id,
        name: detail.full_name(),
        email: detail.form.email.clone(),
    };
    let dialogs = RwSignal::new(None::<Pending>);
    let initials = crate::model::session::initials(&detail.form.first_name, &detail.form.last_name);
    let can_suspend = me.can(Permission::UsersSuspend);
    let can_reset = me.can(Permission::UsersResetPassword);
    let access = match (detail.status, detail.is_self) {
        (_, true) => view! {
            <p class="muted">{tr!(l, "users.detail.own_account")}</p>
        }
        .into_any(),
        (_, false) if !can_suspend => view! {
            <p class="muted">{tr!(l, "users.detail.no_suspend")}</p>
        }
        .into_any(),
        (UserStatus::Suspended, false) => {
            let person = person.clone();
            view! {
                <p>{tr!(l, "users.detail.suspended")}</p>
                <button type="button" class="button" on:click=move |_| dialogs.set(Some(Pending::Reactivate(person.clone())))>
                    {tr!(l, "users.action.reactivate")}
                </button>
            }
            .into_any()
        }
        (_, false) => {
            let person = person.clone();
            view! {
                <p class="muted">{tr!(l, "users.detail.suspend_hint")}</p>
                <button type="button" class="button button-danger-outline" on:click=move |_| dialogs.set(Some(Pending::Suspend(person.clone())))>
                    {tr!(l, "users.action.suspend")}
                </button>
            }
            .into_any()
        }
    };
    let password = match detail.status {
        _ if detail.is_self => view! {
            <p class="muted">{tr!(l, "users.detail.own_password")}</p>
            <a class="button" href=format!("/o/{slug}/profile")>{tr!(l, "users.detail.own_profile")}</a>
        }
        .into_any(),
        UserStatus::Invited => view! {
            <p class="muted">
                {tr!(l, "users.detail.invited_before")}
                <a href=format!("/o/{slug}/users/invitations")>{tr!(l, "users.detail.invited_link")}</a>
                {tr!(l, "users.detail.invited_after")}
            </p>
        }
        .into_any(),
        UserStatus::Suspended => view! {
            <p class="muted">{tr!(l, "users.detail.reactivate_first")}</p>
        }
        .into_any(),
        UserStatus::Active if !can_reset => view! {
            <p class="muted">{tr!(l, "users.detail.no_reset")}</p>
        }
        .into_any(),
        UserStatus::Active => {
            let person = person.clone();
            view! {
                <p class="muted">{tr!(l, "users.detail.reset_hint")}</p>
                <button type="button" class="button" on:click=move |_| dialogs.set(Some(Pending::Reset(person.clone())))>
                    {tr!(l, "users.action.reset_password")}
                </button>
            }
            .into_any()
        }
    };
    let last_sign_in = match detail.last_sign_in.clone() {
        Some(at) => view! { <When at=at.clone() /> }.into_any(),
        None => view! { <span>{tr!(l, "users.common.never")}</span> }.into_any(),
    };
    let retype = (me.can(Permission::UsersInvite)
        && can_suspend
        && !detail.is_self
        && !detail.replaced)
        .then(|| view! {
            <NewTypeCard slug=slug.clone() id=detail.id name=person.name.clone() current=detail.user_type />
        });
    let directory = detail
        .directory
        .clone()
        .map(|facts| view! { <DirectoryCard facts /> });
    let platform = (me.is_super_admin()
        && !me.is_switched()
        && !detail.is_self
        && detail.platform_role != PlatformRole::SuperAdmin)
        .then(|| view! { <PlatformRoleCard slug=slug.clone() id=detail.id role=detail.platform_role /> });
    view! {
        <Title text=person.name.clone() />
        <header class="page-header person-header">
            <Avatar initials url=detail.avatar_url.clone() />
            <div>
                <h1>{person.name.clone()}</h1>
                <p class="muted">
                    {detail.form.email.clone()} " · " <TypeBadge user_type=detail.user_type /> " "
                    <StatusBadge status=detail.status />
                </p>
            </div>
        </header>
        <div class="detail-layout">
            <EditForm slug=slug.clone() detail=detail.clone() roles=sections.roles />
            <div class="detail-side">
                <section class="card">
                    <h2>{tr!(l, "users.detail.access")}</h2>
                    {access}
                </section>
                <section class="card">
                    <h2>{tr!(l, "users.detail.password")}</h2>
                    {password}
                </section>
                {directory}
                {retype}
                {platform}
                <PersonTeams slug=slug.clone() user_id=detail.id suspended=detail.status == UserStatus::Suspended
                    data=sections.teams />
                <section class="card" aria-labelledby="granted-heading">
                    <h2 id="granted-heading">{tr!(l, "users.detail.granted")}</h2>
                    <GrantedList permissions=detail.permissions.clone() />
                </section>
                <section class="card">
                    <h2>{tr!(l, "users.detail.activity")}</h2>
                    <dl class="facts">
                        <dt>{tr!(l, "users.detail.last_sign_in")}</dt>
                        <dd>{last_sign_in}</dd>
                        <dt>{tr!(l, "users.detail.added")}</dt>
                        <dd><When at=detail.created.clone() /></dd>
                    </dl>
                </section>
            </div>
        </div>
        <PersonHistory slug=slug.clone() person=person.clone() data=sections.history
            may_sign_out=can_suspend && !detail.is_self />
        <ActionDialogs slug open=dialogs on_done=reload />
    }
}

/// Loads the page afresh, so every field shows what is saved now.
fn reload_page() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

#[component]
fn EditForm(slug: String, detail: AccountDetail, roles: Roles) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    let can_edit = me.can(Permission::UsersEdit);
    let save = ServerAction::<UpdateUser>::new();
    let error = action_error(save);
    let version = RwSignal::new(detail.version);
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(updated)) = save.value().get() {
            version.set(updated.version);
            saved.set(true);
        }
    });
    let conflict = move || matches!(error.get(), Some(AppError::Conflict(_)));
    let id = detail.id;
    let (is_self, held_roles) = (detail.is_self, detail.form.roles.clone());
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            saved.set(false);
            let values = FormValues::of(&ev);
            let mut form = super::form::read_account_form(&values);
            if is_self {
                // The role boxes are disabled for one's own account; keep what is held.
                form.roles = held_roles.clone();
            }
            save.dispatch(UpdateUser {
                slug: slug.clone(),
                id,
                change: AccountChange {
                    form,
                    version: version.get_untracked(),
                },
            });
        }
    };
    // Setting an address is a way to reset the password: one's own changes from My profile,
    // anyone else's needs the permission to reset passwords (the server refuses both too).
    let email_locked = if detail.is_self {
        Some(tr!(l, "users.detail.own_email"))
    } else if !me.can(Permission::UsersResetPassword) {
        Some(tr!(l, "users.detail.email_needs_reset"))
    } else {
        None
    };
    let roles_note = if detail.is_self {
        tr!(l, "users.detail.own_roles")
    } else {
        String::new()
    };
    view! {
        <form class="card stack edit-form" on:submit=on_submit novalidate>
            <h2>{tr!(l, "users.detail.details")}</h2>
            <FormAlert error />
            <Show when=conflict>
                <button type="button" class="button" on:click=move |_| reload_page()>{tr!(l, "users.detail.reload")}</button>
            </Show>
            <p class="alert alert-success" role="status" hidden=move || !saved.get()>{tr!(l, "users.detail.saved")}</p>
            <AccountFields form=detail.form.clone() error email_locked />
            <div class="field">
                <span class="label">{tr!(l, "users.common.user_type")}</span>
                <p><TypeBadge user_type=detail.user_type /></p>
                <p class="field-hint">{tr!(l, "users.detail.type_hint")}</p>
            </div>
            <RoleChoices roles selected=detail.form.roles.clone() error disabled=detail.is_self note=roles_note />
            {if can_edit {
                view! {
                    <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { tr!(l, "users.common.saving") } else { tr!(l, "users.detail.save") }}
                    </button>
                }.into_any()
            } else {
                view! { <p class="muted">{tr!(l, "users.detail.no_edit")}</p> }.into_any()
            }}
        </form>
    }
}

/// Each permission the person holds with where it comes from, so an admin can answer "why can
/// this person do X".
#[component]
fn GrantedList(permissions: Vec<GrantedPermission>) -> impl IntoView {
    let l = use_locale();
    if permissions.is_empty() {
        return view! { <p class="muted">{tr!(l, "users.detail.granted_none")}</p> }.into_any();
    }
    let items = permissions
        .into_iter()
        .map(|g| {
            let missing = g
                .missing_feature
                .map(|f| tr!(l, "users.detail.not_in_force", feature = f.label_in(l)));
            let off = missing.is_some();
            let sources = g
                .sources
                .iter()
                .map(|s| source_in(s, l))
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <li class:granted-off=off>
                    <span class="granted-name">{g.permission.description_in(l)}</span>
                    <span class="granted-why">{tr!(l, "users.detail.granted_from", sources = sources)}</span>
                    {missing.map(|text| view! { <span class="granted-why">{text}</span> })}
                </li>
            }
        })
        .collect_view();
    view! { <ul class="granted-list">{items}</ul> }.into_any()
}
/// Where a permission comes from, in `l`.
fn source_in(source: &GrantSource, l: Locale) -> String {
    match source {
        GrantSource::UserType(user_type) => tr!(
            l,
            "users.detail.source_type",
            user_type = user_type.label_in(l)
        ),
        GrantSource::Role(role) => tr!(l, "users.detail.source_role", role = role),
    }
}

/// A member of the admin tenant's platform role, which a super-admin gives or takes.
#[component]
fn PlatformRoleCard(slug: String, id: uuid::Uuid, role: PlatformRole) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<SetPlatformRole>::new();
    let error = action_error(action);
    let chosen = RwSignal::new(role);
    let saved = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <section class="card stack" aria-labelledby="platform-role">
            <h2 id="platform-role">{tr!(l, "users.platform.title")}</h2>
            <p class="muted">{tr!(l, "users.platform.intro")}</p>
            <FormAlert error />
            <p class="alert alert-success" role="status" hidden=move || !saved()>{tr!(l, "users.platform.saved")}</p>
            <fieldset class="radio-group">
                <legend class="visually-hidden">{tr!(l, "users.platform.title")}</legend>
                {[PlatformRole::None, PlatformRole::Support].into_iter().map(|choice| view! {
                    <label class="check">
                        <input type="radio" name="platform-role" value=choice.code()
                            prop:checked=move || chosen.get() == choice
                            on:change=move |_| chosen.set(choice) />
                        <span>{choice.label_in(l)}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="form-actions">
                <button type="button" class="button" disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SetPlatformRole { slug: slug.clone(), id, role: chosen.get_untracked() }); }>
                    {tr!(l, "users.platform.save")}
                </button>
            </div>
        </section>
    }
}

/// What the organisation's directory says of the person (SCIM), and whether it removed them.
#[component]
fn DirectoryCard(facts: DirectoryFacts) -> impl IntoView {
    let l = use_locale();
    view! {
        <section class="card" aria-labelledby="directory-heading">
            <h2 id="directory-heading">{tr!(l, "users.detail.directory")}</h2>
            {facts.removed.map(|at| view! {
                <p class="alert alert-info" role="note">{tr!(l, "users.detail.directory_removed")} " " <When at /></p>
            })}
            <dl class="facts">
                {facts.user_name.map(|name| view! {
                    <dt>{tr!(l, "users.detail.directory_name")}</dt>
                    <dd>{name}</dd>
                })}
                {facts.title.map(|title| view! {
                    <dt>{tr!(l, "users.detail.job_title")}</dt>
                    <dd>{title}</dd>
                })}
            </dl>
        </section>
    }
}
