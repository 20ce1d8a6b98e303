//! The console around every page of an organisation: sidebar, user menu, banners.

use super::errors::ServerErrorPage;
use crate::{
    api::auth::{signed_in_user, Logout},
    model::{AppError, CurrentUser, Permission},
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
        visible: |u| u.can(Permission::UsersView),
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
    let platform = user.is_super_admin().then(|| {
        let href = format!("{base}/platform/organisations");
        view! {
            <p class="nav-heading" id="nav-platform">"Platform"</p>
            <ul aria-labelledby="nav-platform">
                <li><A href=href>"Organisations"</A></li>
            </ul>
        }
    });
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
                <UserMenu slug=slug display_name initials email />
            </aside>
            <div class="content">
                {switched}
                {demo}
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
