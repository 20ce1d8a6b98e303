//! The console around every page of an organisation: sidebar, user menu, banners.

use super::errors::ServerErrorPage;
use crate::{
    api::{
        auth::{signed_in_user, Logout},
        organisations::switch_targets,
    },
    model::{AppError, CurrentUser, Feature, Permission},
};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::{use_location, use_navigate, use_params_map},
};

/// Loads the signed-in user for the organisation in the URL and lays out the console.
#[component]
pub fn ConsoleShell() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let user = Resource::new(slug, signed_in_user);
    view! {
        <Suspense fallback=|| view! { <div class="loading" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(user) => view! { <Console user /> }.into_any(),
                    Err(AppError::PasswordChangeRequired) => {
                        view! { <Redirect path=format!("/o/{}/change-password", slug()) /> }.into_any()
                    }
                    Err(AppError::Unauthenticated) => {
                        let next = use_location().pathname.get_untracked();
                        view! { <Redirect path=format!("/o/{}/login?next={next}", slug()) /> }.into_any()
                    }
                    Err(error) => view! {
                        <main class="auth-page"><ServerErrorPage message=error.to_string() /></main>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A sidebar entry: where it goes and who sees it.
struct NavItem {
    label: &'static str,
    path: &'static str,
    visible: fn(&CurrentUser) -> bool,
}

const NAV: &[NavItem] = &[
    NavItem {
        label: "Overview",
        path: "",
        visible: |_| true,
    },
    NavItem {
        label: "Users",
        path: "users",
        visible: |u| u.can(Permission::UsersView),
    },
    NavItem {
        label: "Teams",
        path: "teams",
        visible: |u| u.features.contains(&Feature::Helpdesk) && u.can(Permission::UsersView),
    },
    NavItem {
        label: "Roles",
        path: "roles",
        visible: |u| u.can(Permission::RolesManage),
    },
    NavItem {
        label: "Activity",
        path: "activity",
        visible: |u| u.can(Permission::AuditView),
    },
    NavItem {
        label: "Settings",
        path: "settings",
        visible: |u| u.can(Permission::OrgSettings),
    },
];

#[component]
fn Console(user: CurrentUser) -> impl IntoView {
    let slug = user.organisation.slug.clone();
    let base = format!("/o/{slug}");
    let theme = (user.theme != "system").then(|| user.theme.clone());
    let nav = NAV
        .iter()
        .filter(|item| (item.visible)(&user))
        .map(|item| {
            let href = if item.path.is_empty() {
                base.clone()
            } else {
                format!("{base}/{}", item.path)
            };
            view! { <li><A href=href exact=true>{item.label}</A></li> }
        })
        .collect_view();
    let platform = (user.is_super_admin() && !user.is_switched()).then(|| {
        view! {
            <p class="nav-heading" id="nav-platform">"Platform"</p>
            <ul aria-labelledby="nav-platform">
                <li><A href=format!("{base}/platform/organisations")>"Organisations"</A></li>
                <li><A href=format!("{base}/platform/licence")>"Licence"</A></li>
            </ul>
        }
    });
    let switcher = user
        .can_switch()
        .then(|| view! { <TenantSwitcher home=user.home_organisation.slug.clone() current=user.organisation.name.clone() acting=slug.clone() /> });
    let switched = user.is_switched().then(|| {
        let home = format!("/o/{}", user.home_organisation.slug);
        view! {
            <div class="banner banner-switched" role="status">
                "You are acting in " <strong>{user.organisation.name.clone()}</strong>
                ", not your own organisation. " <a href=home>"Return to "{user.home_organisation.name.clone()}</a>
            </div>
        }
    });
    let demo = user.organisation.is_demo.then(|| view! {
        <div class="banner banner-demo" role="status">"Demo organisation: the people and activity here are synthetic."</div>
    });
    let expired = user
        .licence_expired
        .clone()
        .filter(|_| user.can(Permission::UsersInvite) || user.is_super_admin())
        .map(|day| {
            let text = format!(
                "The licence expired on {day}: nobody can be invited, created or reactivated until a super-admin installs a new one. Everyone here can still sign in."
            );
            view! { <div class="banner banner-licence" role="alert">{text}</div> }
        });
    watch_session(slug.clone());
    let org_name = user.organisation.name.clone();
    let display_name = user.display_name();
    let initials = user.initials();
    let email = user.email.clone();
    provide_context(user);
    view! {
        <div class="console" data-theme=theme>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <aside class="sidebar">
                <div class="sidebar-org">
                    <span class="brand">"Tenantry"</span>
                    <span class="org-name">{org_name}</span>
                </div>
                <nav aria-label="Main">
                    <ul>{nav}</ul>
                    {platform}
                </nav>
                {switcher}
                <UserMenu slug=slug display_name initials email />
            </aside>
            <div class="content">
                {switched}
                {demo}
                {expired}
                <main id="main" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

/// Checks the session again on every navigation inside the console, so a session ended elsewhere
/// (sign-out in another tab, suspension, password change) sends this browser to the sign-in page
/// at its next click rather than leaving a dead console on screen.
fn watch_session(slug: String) {
    let location = use_location();
    let check = LocalResource::new({
        let slug = slug.clone();
        move || {
            location.pathname.track();
            signed_in_user(slug.clone())
        }
    });
    let navigate = use_navigate();
    Effect::new(move || {
        let target = match check.get() {
            Some(Err(AppError::Unauthenticated)) => {
                let next = location.pathname.get_untracked();
                format!("/o/{slug}/login?next={next}")
            }
            Some(Err(AppError::PasswordChangeRequired)) => format!("/o/{slug}/change-password"),
            _ => return,
        };
        navigate(&target, Default::default());
    });
}

#[component]
fn UserMenu(slug: String, display_name: String, initials: String, email: String) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <details class="user-menu">
            <summary>
                <span class="avatar" aria-hidden="true">{initials}</span>
                <span class="user-name">{display_name}</span>
            </summary>
            <div class="user-menu-panel">
                <p class="muted">{email}</p>
                <a href=format!("/o/{slug}/change-password")>"Change password"</a>
                <ActionForm action=logout>
                    <input type="hidden" name="slug" value=slug />
                    <button type="submit" class="button">"Sign out"</button>
                </ActionForm>
            </div>
        </details>
    }
}

/// The tenant switcher at the bottom of the sidebar, for the platform's super-admins and support
/// staff: a searchable list of organisations; choosing one loads the same section there.
#[component]
fn TenantSwitcher(home: String, current: String, acting: String) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let targets = LocalResource::new({
        let acting = acting.clone();
        move || switch_targets(acting.clone(), search.get())
    });
    let location = use_location();
    // The section (users, teams, …) the page belongs to; platform pages exist only at home.
    let section = move || {
        let path = location.pathname.get();
        let rest = path
            .strip_prefix(&format!("/o/{acting}"))
            .unwrap_or_default()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        if rest == "platform" {
            String::new()
        } else {
            rest
        }
    };
    let list = move || {
        let section = section();
        let home = home.clone();
        targets.get().map(|answer| match answer {
            Ok(found) if found.is_empty() => view! { <li class="muted">"No organisation matches."</li> }.into_any(),
            Ok(found) => found
                .into_iter()
                .map(|target| {
                    let href = if section.is_empty() {
                        format!("/o/{}", target.slug)
                    } else {
                        format!("/o/{}/{section}", target.slug)
                    };
                    let mine = target.slug == home;
                    view! {
                        <li>
                            <a href=href rel="external">
                                {target.name}
                                {mine.then(|| view! { " " <span class="muted">"(home)"</span> })}
                                {target.is_demo.then(|| view! { " " <span class="badge badge-invited">"Demo"</span> })}
                            </a>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
            Err(error) => view! { <li class="field-error">{error.to_string()}</li> }.into_any(),
        })
    };
    view! {
        <details class="tenant-switcher">
            <summary>
                <span class="muted">"Switch organisation"</span>
                <span class="switcher-current">{current}</span>
            </summary>
            <div class="switcher-panel">
                <label for="switcher-search">"Switch to"</label>
                <input id="switcher-search" type="search" autocomplete="off" placeholder="Find an organisation"
                    on:input=move |ev| search.set(event_target_value(&ev)) />
                <ul class="switcher-list" aria-label="Organisations">{list}</ul>
            </div>
        </details>
    }
}
