//! The console around every page of an organisation: sidebar, user menu, banners.

use super::errors::ServerErrorPage;
use crate::{
    api::{
        auth::{signed_in_user, Logout},
        organisations::switch_targets,
    },
    i18n::{use_locale, Locale},
    model::{profile::Theme, AppError, CurrentUser, Feature, Permission},
    tr,
    ui::components::{display::Avatar, in_browser},
};
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, Redirect, A},
    hooks::{use_location, use_navigate, use_params_map},
};

/// Loads the signed-in user for the organisation in the URL and lays out the console.
///
/// The console is awaited by a bare `Suspend`, not inside a `<Suspense>`: on the server a
/// Suspense renders its children again while it waits (Leptos 0.8's dry runs), which here would
/// build the whole console and page a second time on an owner about to be disposed, cutting
/// responses short and panicking. The route renders in `SsrMode::Async`, so no fallback is lost.
#[component]
pub fn ConsoleShell() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let location = use_location();
    let user = Resource::new(slug, signed_in_user);
    move || {
        Suspend::new(async move {
            match user.await {
                Ok(user) => view! { <Console user /> }.into_any(),
                Err(AppError::PasswordChangeRequired) => {
                    view! { <Redirect path=format!("/o/{}/change-password", slug()) /> }.into_any()
                }
                Err(AppError::Unauthenticated) => {
                    let next = location.pathname.get_untracked();
                    view! { <Redirect path=format!("/o/{}/login?next={next}", slug()) /> }
                        .into_any()
                }
                Err(error) => view! {
                    <main class="auth-page"><ServerErrorPage message=error.message(use_locale()) /></main>
                }
                .into_any(),
            }
        })
    }
}

/// The theme the console shows, which "My profile" changes at once.
#[derive(Clone, Copy)]
pub struct ThemeChoice(pub RwSignal<Theme>);

/// The person's picture as the sidebar shows it, which "My profile" replaces at once.
#[derive(Clone, Copy)]
pub struct AvatarChoice(pub RwSignal<Option<String>>);

/// A sidebar entry: where it goes and who sees it.
struct NavItem {
    label: fn(Locale) -> String,
    path: &'static str,
    visible: fn(&CurrentUser) -> bool,
}

const NAV: &[NavItem] = &[
    NavItem {
        label: |l| tr!(l, "nav.overview"),
        path: "",
        visible: |_| true,
    },
    NavItem {
        label: |l| tr!(l, "nav.users"),
        path: "users",
        visible: |u| u.can(Permission::UsersView),
    },
    NavItem {
        label: |l| tr!(l, "nav.teams"),
        path: "teams",
        // A team's managers and members reach their teams here too; the page lists what they may see.
        visible: |u| u.features.contains(&Feature::Helpdesk),
    },
    NavItem {
        label: |l| tr!(l, "nav.roles"),
        path: "roles",
        visible: |u| u.can(Permission::RolesManage),
    },
    NavItem {
        label: |l| tr!(l, "nav.activity"),
        path: "activity",
        visible: |u| u.can(Permission::AuditView),
    },
    NavItem {
        label: |l| tr!(l, "nav.sign_ins"),
        path: "sign-ins",
        visible: |u| u.can(Permission::SignInsView),
    },
    NavItem {
        label: |l| tr!(l, "nav.settings"),
        path: "settings",
        visible: |u| u.can(Permission::OrgSettings),
    },
];

#[component]
fn Console(user: CurrentUser) -> impl IntoView {
    let slug = user.organisation.slug.clone();
    let base = format!("/o/{slug}");
    let l = user.locale;
    provide_context(l);
    let theme = RwSignal::new(Theme::from_code(&user.theme).unwrap_or_default());
    provide_context(ThemeChoice(theme));
    let nav = NAV
        .iter()
        .filter(|item| (item.visible)(&user))
        .map(|item| {
            let href = if item.path.is_empty() {
                base.clone()
            } else {
                format!("{base}/{}", item.path)
            };
            view! { <li><A href=href exact=true>{(item.label)(l)}</A></li> }
        })
        .collect_view();
    let platform = (user.is_super_admin() && !user.is_switched()).then(|| {
        view! {
            <p class="nav-heading" id="nav-platform">{tr!(l, "nav.platform")}</p>
            <ul aria-labelledby="nav-platform">
                <li><A href=format!("{base}/platform/organisations")>{tr!(l, "nav.organisations")}</A></li>
                <li><A href=format!("{base}/platform/licence")>{tr!(l, "nav.licence")}</A></li>
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
                {tr!(l, "shell.switched.before")} " " <strong>{user.organisation.name.clone()}</strong>
                {tr!(l, "shell.switched.after")} " " <a href=home>{tr!(l, "shell.switched.return", organisation = user.home_organisation.name)}</a>
            </div>
        }
    });
    let demo = user.organisation.is_demo.then(|| {
        view! {
            <div class="banner banner-demo" role="status">{tr!(l, "shell.demo")}</div>
        }
    });
    let expired = user
        .licence_expired
        .clone()
        .filter(|_| user.can(Permission::UsersInvite) || user.is_super_admin())
        .map(|day| {
            let text = tr!(l, "shell.licence_expired", day = day);
            view! { <div class="banner banner-licence" role="alert">{text}</div> }
        });
    watch_session(slug.clone());
    let org_name = user.organisation.name.clone();
    let display_name = user.display_name();
    let initials = user.initials();
    let email = user.email.clone();
    let avatar = RwSignal::new(user.avatar_url.clone());
    provide_context(AvatarChoice(avatar));
    provide_context(user);
    view! {
        <div class="console" data-theme=move || theme.get().attribute()>
            <a class="skip-link" href="#main">{tr!(l, "shell.skip")}</a>
            <aside class="sidebar">
                <div class="sidebar-inner">
                    <div class="sidebar-org">
                        <span class="brand">"Tenantry"</span>
                        <span class="org-name">{org_name}</span>
                    </div>
                    <nav aria-label=tr!(l, "shell.main_nav")>
                        <ul>{nav}</ul>
                        {platform}
                    </nav>
                    {switcher}
                    <UserMenu slug=slug display_name initials email avatar />
                </div>
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
fn UserMenu(
    slug: String,
    display_name: String,
    initials: String,
    email: String,
    avatar: RwSignal<Option<String>>,
) -> impl IntoView {
    let l = use_locale();
    let logout = ServerAction::<Logout>::new();
    let picture =
        move || view! { <Avatar initials=initials.clone() url=avatar.try_get().flatten() /> };
    view! {
        <details class="user-menu">
            <summary>
                {picture}
                <span class="user-name">{display_name}</span>
            </summary>
            <div class="user-menu-panel">
                <p class="muted">{email}</p>
                <A href=format!("/o/{slug}/profile")>{tr!(l, "shell.profile")}</A>
                <ActionForm action=logout>
                    <input type="hidden" name="slug" value=slug />
                    <button type="submit" class="button">{tr!(l, "shell.sign_out")}</button>
                </ActionForm>
            </div>
        </details>
    }
}

/// The tenant switcher at the bottom of the sidebar, for the platform's super-admins and support
/// staff: a searchable list of organisations; choosing one loads the same section there.
#[component]
fn TenantSwitcher(home: String, current: String, acting: String) -> impl IntoView {
    let l = use_locale();
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
    let ready = in_browser();
    let list = move || {
        if !ready.get() {
            return None;
        }
        let section = section();
        let home = home.clone();
        targets.get().map(|answer| match answer {
            Ok(found) if found.is_empty() => view! { <li class="muted">{tr!(l, "switcher.none")}</li> }.into_any(),
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
                                {mine.then(|| view! { " " <span class="muted">{tr!(l, "switcher.home")}</span> })}
                                {target.is_demo.then(|| view! { " " <span class="badge badge-invited">{tr!(l, "switcher.demo")}</span> })}
                            </a>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
            Err(error) => view! { <li class="field-error">{error.message(l)}</li> }.into_any(),
        })
    };
    view! {
        <details class="tenant-switcher">
            <summary>
                <span class="muted">{tr!(l, "switcher.title")}</span>
                <span class="switcher-current">{current}</span>
            </summary>
            <div class="switcher-panel">
                <label for="switcher-search">{tr!(l, "switcher.to")}</label>
                <input id="switcher-search" type="search" autocomplete="off" placeholder=tr!(l, "switcher.find")
                    on:input=move |ev| search.set(event_target_value(&ev)) />
                <ul class="switcher-list" aria-label=tr!(l, "nav.organisations")>{list}</ul>
            </div>
        </details>
    }
}
