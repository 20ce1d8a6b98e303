//! Pages and components.

pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy, SsrMode,
};
use pages::{
    activity::ActivityPage,
    change_password::ChangePasswordPage,
    errors::NotFoundPage,
    home::HomePage,
    links::{AcceptInvitationPage, ConfirmEmailPage, ForgotPasswordPage, ResetPasswordPage},
    login::LoginPage,
    overview::OverviewPage,
    platform::{
        licence::LicencePage, new_organisation::NewOrganisationPage,
        organisation::OrganisationPage, organisations::OrganisationsPage,
    },
    profile::ProfilePage,
    roles::{
        edit::{NewRolePage, RolePage},
        list::RolesPage,
    },
    settings::SettingsPage,
    shell::ConsoleShell,
    sign_ins::SignInsPage,
    sso::SsoSettingsPage,
    teams::{list::TeamsPage, team::TeamPage},
    users::{
        add::AddUserPage, detail::UserPage, import::ImportUsersPage, invitations::InvitationsPage,
        list::UsersPage,
    },
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_security_policy();
    let locale = crate::i18n::Locale::of_request();
    // The page's texts, before the hydration script that reads them (both are deferred).
    #[cfg(feature = "ssr")]
    let texts = crate::i18n::BrowserTexts::of(locale).path.as_str();
    #[cfg(not(feature = "ssr"))]
    let texts = "";
    view! {
        <!DOCTYPE html>
        <html lang=locale.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <script defer src=texts></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
                {forget_chunk_preloads}
            </body>
        </html>
    }
}

/// Empties the list of code chunks the page's lazy routes asked the server to announce, once the
/// page has rendered. leptos_integration_utils 0.8.9 renders those `<link rel="preload">` tags
/// after the page, outside its reactive owner: mostly they are silently lost, and about one
/// console page in ten (those whose thread still had another owner) logged "tried to use a
/// leptos_meta component without `ServerMetaContext` provided" instead. With the list empty it
/// does neither; the browser loads a route's chunk when it hydrates the route, as it did.
fn forget_chunk_preloads() {
    #[cfg(feature = "ssr")]
    if let Some(preloads) = use_context::<leptos::PrefetchLazyFn>() {
        if let Some(mut set) = preloads.0.try_write_value() {
            set.clear();
        }
    }
}

/// Where a page's render leaves its Content-Security-Policy for the server's security-headers
/// middleware, which puts it on the response when the render's own response headers lack it (seen
/// once in a full browser run: a page answered without it could not hydrate).
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct PolicySlot(pub std::sync::Arc<std::sync::OnceLock<String>>);

/// Content-Security-Policy with this response's nonce, which the hydration scripts carry.
#[cfg(feature = "ssr")]
fn set_security_policy() {
    let nonce = leptos::nonce::use_nonce()
        .map(|n| format!(" 'nonce-{n}'"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{nonce}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Some(slot) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PolicySlot>().cloned())
    {
        let _ = slot.0.set(policy.clone());
    }
    if let (Some(options), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        options.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Hydrates the page the server rendered, lazy routes included, after reading its texts. Marks
/// `<body data-hydrated>` once everything is hydrated, the chunks of the page's lazy route
/// included: the browser tests wait for that before they click (a click on a form not yet
/// hydrated submits it the browser's way and reloads the page). Marks `<body data-panicked>` when
/// the WebAssembly panics (a hydration mismatch, a bug), so the browser tests fail on it instead
/// of clicking on a page that no longer answers; the hook already set (which writes the panic to
/// the console) still runs.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        mark_body("data-panicked");
        previous(info);
    }));
    crate::i18n::browser::load();
    // What `leptos::mount::hydrate_lazy` does (`hydrate_from_async` sets up Leptos' executor on
    // wasm-bindgen's), and then the mark.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, App).await.forget();
        mark_body("data-hydrated");
    });
}

#[cfg(feature = "hydrate")]
fn mark_body(attribute: &str) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute(attribute, "true");
    }
}

/// Declares `$route`, the route of page `$page` whose code the browser loads in a chunk of its own
/// the first time it is opened (`cargo leptos build --split`), so the first download carries only
/// the sign-in page and the console with its Users page.
macro_rules! lazy_page {
    ($($route:ident => $page:ident),+ $(,)?) => {$(
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )+};
}

lazy_page!(
    ForgotPasswordRoute => ForgotPasswordPage,
    AcceptInvitationRoute => AcceptInvitationPage,
    ResetPasswordRoute => ResetPasswordPage,
    ConfirmEmailRoute => ConfirmEmailPage,
    ChangePasswordRoute => ChangePasswordPage,
    OverviewRoute => OverviewPage,
    ProfileRoute => ProfilePage,
    AddUserRoute => AddUserPage,
    InvitationsRoute => InvitationsPage,
    ImportUsersRoute => ImportUsersPage,
    UserRoute => UserPage,
    TeamsRoute => TeamsPage,
    TeamRoute => TeamPage,
    RolesRoute => RolesPage,
    NewRoleRoute => NewRolePage,
    RoleRoute => RolePage,
    ActivityRoute => ActivityPage,
    SignInsRoute => SignInsPage,
    SettingsRoute => SettingsPage,
    SsoSettingsRoute => SsoSettingsPage,
    OrganisationsRoute => OrganisationsPage,
    NewOrganisationRoute => NewOrganisationPage,
    OrganisationRoute => OrganisationPage,
    LicenceRoute => LicencePage,
);

/// The console's routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(crate::i18n::Locale::of_request());
    view! {
        <Stylesheet id="leptos" href="/pkg/tenantry.css" />
        <Title formatter=|text: String| {
            components::display::raw_text(
                if text.is_empty() { "Tenantry".to_string() } else { format!("{text} · Tenantry") },
            )
        } />
        <Router>
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage />
                <Route path=path!("/o/:slug/login") view=LoginPage />
                <Route path=path!("/o/:slug/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} />
                <Route path=path!("/invitation") view={Lazy::<AcceptInvitationRoute>::new()} />
                <Route path=path!("/reset-password") view={Lazy::<ResetPasswordRoute>::new()} />
                <Route path=path!("/confirm-email") view={Lazy::<ConfirmEmailRoute>::new()} />
                <Route path=path!("/o/:slug/change-password") view={Lazy::<ChangePasswordRoute>::new()} />
                <ParentRoute path=path!("/o/:slug") view=ConsoleShell ssr=SsrMode::Async>
                    <Route path=path!("") view={Lazy::<OverviewRoute>::new()} />
                    <Route path=path!("profile") view={Lazy::<ProfileRoute>::new()} />
                    <Route path=path!("users") view=UsersPage />
                    <Route path=path!("users/new") view={Lazy::<AddUserRoute>::new()} />
                    <Route path=path!("users/invitations") view={Lazy::<InvitationsRoute>::new()} />
                    <Route path=path!("users/import") view={Lazy::<ImportUsersRoute>::new()} />
                    <Route path=path!("users/:id") view={Lazy::<UserRoute>::new()} />
                    <Route path=path!("teams") view={Lazy::<TeamsRoute>::new()} />
                    <Route path=path!("teams/:id") view={Lazy::<TeamRoute>::new()} />
                    <Route path=path!("roles") view={Lazy::<RolesRoute>::new()} />
                    <Route path=path!("roles/new") view={Lazy::<NewRoleRoute>::new()} />
                    <Route path=path!("roles/:id") view={Lazy::<RoleRoute>::new()} />
                    <Route path=path!("activity") view={Lazy::<ActivityRoute>::new()} />
                    <Route path=path!("sign-ins") view={Lazy::<SignInsRoute>::new()} />
                    <Route path=path!("settings") view={Lazy::<SettingsRoute>::new()} />
                    <Route path=path!("settings/sso") view={Lazy::<SsoSettingsRoute>::new()} />
                    <Route path=path!("platform/organisations") view={Lazy::<OrganisationsRoute>::new()} />
                    <Route path=path!("platform/organisations/new") view={Lazy::<NewOrganisationRoute>::new()} />
                    <Route path=path!("platform/organisations/:organisation") view={Lazy::<OrganisationRoute>::new()} />
                    <Route path=path!("platform/licence") view={Lazy::<LicenceRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
