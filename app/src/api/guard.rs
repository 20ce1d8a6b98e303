//! The one place server functions get their state, their caller and their authorization.
//!
//! Every server function declares what it needs with [`needs!`](crate::needs) and hands its work
//! to the `serve` that declaration gives its endpoint type: the need is checked before the work
//! runs, and the outcome always goes through [`respond`], so a refusal is a 401, 403 or 422 and
//! never a 500. The declarations are registered, so the tenant-isolation suite reads what each
//! endpoint needs ([`declared`]).

use crate::{
    i18n::{request_locale, Locale},
    model::{AppError, CurrentUser, Feature, Permission},
    services::{
        auth::{self, Signed},
        sessions, AppState, ClientInfo, ServiceError,
    },
    tr,
};
use axum::Extension;
use http::request::Parts;
use leptos::prelude::*;

/// The server's shared state.
fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        ServiceError::Internal("AppState missing from the server function context".into()).into()
    })
}

/// Where the request came from.
async fn client() -> ClientInfo {
    leptos_axum::extract::<Extension<ClientInfo>>()
        .await
        .map(|Extension(c)| c)
        .unwrap_or_default()
}

/// The session secret the request carries.
pub fn session_secret(state: &AppState) -> Option<String> {
    use_context::<Parts>()
        .and_then(|parts| sessions::secret_from_headers(&state.auth, &parts.headers))
}

/// What a server function needs of its caller before its work runs.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// Nothing: the pages reached before signing in (signing in and out, the links in emails,
    /// "forgot password"). The work gets a [`Visitor`].
    Anyone,
    /// Signed in to the organisation of the URL, even while a temporary password is still to be
    /// changed.
    SignedInPendingPassword,
    /// Signed in to the organisation of the URL.
    SignedIn,
    /// Signed in to the organisation of the URL, holding a permission.
    Permission(Permission),
    /// Signed in to an organisation that has a product area, holding a permission when one is
    /// named.
    Feature(Feature, Option<Permission>),
    /// A super-admin of the platform acting from the admin tenant; says in a language what is
    /// refused to anyone else ("install a licence").
    SuperAdmin(fn(Locale) -> String),
    /// A member of the admin tenant who may switch into other organisations.
    Switcher,
}

/// One server function's declared need, registered by [`needs!`](crate::needs).
pub struct Declared {
    /// The endpoint's path, `/api/...`.
    pub path: &'static str,
    pub need: Need,
}

leptos::server_fn::inventory::collect!(Declared);

/// Every server function's declared need, by path.
pub fn declared() -> impl Iterator<Item = (&'static str, Need)> {
    leptos::server_fn::inventory::iter::<Declared>
        .into_iter()
        .map(|d| (d.path, d.need))
}

/// Runs `work` for a caller who has what `need` asks in organisation `slug`, and gives the
/// response the status its outcome calls for. What `needs!` calls; nothing else should.
pub async fn serve_caller<T>(
    need: Need,
    slug: &str,
    work: impl AsyncFnOnce(Caller) -> Result<T, AppError>,
) -> Result<T, AppError> {
    respond(
        async {
            let caller = match need {
                Need::Anyone => {
                    return Err(ServiceError::Internal(
                        "an endpoint open to anyone asked for a caller".into(),
                    )
                    .into())
                }
                Need::SignedInPendingPassword => {
                    authorize(slug, None, PendingPassword::Allow).await?
                }
                Need::SignedIn => authorize(slug, None, PendingPassword::Refuse).await?,
                Need::Permission(permission) => require(slug, permission).await?,
                Need::Feature(feature, permission) => {
                    require_feature(slug, feature, permission).await?
                }
                Need::SuperAdmin(action) => require_super_admin(slug, action).await?,
                Need::Switcher => require_switcher(slug).await?,
            };
            work(caller).await
        }
        .await,
    )
}

/// Runs `work` for anyone, and gives the response the status its outcome calls for.
pub async fn serve_visitor<T>(
    work: impl AsyncFnOnce(Visitor) -> Result<T, AppError>,
) -> Result<T, AppError> {
    respond(
        async {
            let visitor = Visitor {
                state: state()?,
                client: client().await,
            };
            work(visitor).await
        }
        .await,
    )
}

/// Anyone, signed in or not: the server's state and where the request came from.
pub struct Visitor {
    pub state: AppState,
    pub client: ClientInfo,
}

/// A caller who is signed in and may act in the organisation of the URL.
pub struct Caller {
    pub state: AppState,
    pub signed: Signed,
    pub user: CurrentUser,
    pub client: ClientInfo,
}

impl Caller {
    /// The caller as the account services see an acting admin.
    pub fn actor(&self) -> crate::services::acting::Actor<'_> {
        crate::services::acting::Actor::new(&self.user, &self.client)
    }
}

/// Whether a caller who still holds a temporary password may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PendingPassword {
    Refuse,
    Allow,
}

/// The signed-in caller acting in organisation `slug`, holding `permission` when one is named.
async fn authorize(
    slug: &str,
    permission: Option<Permission>,
    pending: PendingPassword,
) -> Result<Caller, AppError> {
    let state = state()?;
    // A page the gate let through carries what it found; anything else is looked up.
    let checked = use_context::<Parts>()
        .and_then(|parts| parts.extensions.get::<auth::Authorized>().cloned())
        .filter(|checked| checked.slug == slug);
    let (signed, user) = match checked {
        Some(checked) => (checked.signed, Some(checked.user)),
        None => (
            auth::signed(&state, session_secret(&state).as_deref())
                .await?
                .ok_or(AppError::Unauthenticated)?,
            None,
        ),
    };
    if signed.user.must_change_password && pending == PendingPassword::Refuse {
        return Err(AppError::PasswordChangeRequired);
    }
    let user = match user {
        Some(user) => user,
        None => auth::current_user(&state, &signed, slug).await?,
    };
    crate::i18n::set_request_locale(user.locale);
    if let Some(permission) = permission {
        holds(&user, permission)?;
    }
    Ok(Caller {
        state,
        signed,
        user,
        client: client().await,
    })
}

/// Refuses, saying what is missing, unless `user` holds `permission`.
fn holds(user: &CurrentUser, permission: Permission) -> Result<(), AppError> {
    if user.can(permission) {
        return Ok(());
    }
    let l = request_locale();
    let action = permission.description_in(l).to_lowercase();
    // A permission of a product area the organisation lacks: say which.
    Err(AppError::Forbidden(
        match permission.feature().filter(|f| !user.features.contains(f)) {
            Some(feature) => tr!(
                l,
                "msg.guard.feature_missing",
                action = action,
                organisation = user.organisation.name.clone(),
                feature = feature.label_in(l)
            ),
            None => action,
        },
    ))
}

/// The signed-in caller of a plain HTTP route of organisation `slug` (a download, which is no
/// server function), holding each of `permissions`: the checks of a server function's
/// [`Need::Permission`], made from the request's own headers.
pub async fn request_caller(
    state: &AppState,
    headers: &http::HeaderMap,
    client: ClientInfo,
    slug: &str,
    permissions: &[Permission],
) -> Result<Caller, AppError> {
    let secret = crate::services::sessions::secret_from_headers(&state.auth, headers);
    let signed = auth::signed(state, secret.as_deref())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if signed.user.must_change_password {
        return Err(AppError::PasswordChangeRequired);
    }
    let user = auth::current_user(state, &signed, slug).await?;
    crate::i18n::set_request_locale(user.locale);
    for permission in permissions {
        holds(&user, *permission)?;
    }
    Ok(Caller {
        state: state.clone(),
        signed,
        user,
        client,
    })
}

/// The signed-in caller acting in organisation `slug` and holding `permission`: what almost every
/// server function starts with.
async fn require(slug: &str, permission: Permission) -> Result<Caller, AppError> {
    authorize(slug, Some(permission), PendingPassword::Refuse).await
}

/// The signed-in caller, a super-admin of the platform acting from the admin tenant: the Platform
/// pages' server functions. `action` says in a language what is refused to anyone else ("install
/// a licence").
async fn require_super_admin(slug: &str, action: fn(Locale) -> String) -> Result<Caller, AppError> {
    let caller = authorize(slug, None, PendingPassword::Refuse).await?;
    let l = request_locale();
    if !caller.user.is_super_admin() {
        return Err(AppError::Forbidden(tr!(
            l,
            "msg.guard.super_admins_only",
            action = action(l)
        )));
    }
    if caller.user.is_switched() {
        return Err(AppError::Forbidden(tr!(
            l,
            "msg.guard.switched",
            action = action(l),
            organisation = caller.user.home_organisation.name
        )));
    }
    Ok(caller)
}

/// The signed-in caller acting in organisation `slug`, which must have `feature` (a clear 403
/// naming it otherwise), holding `permission` when one is named: the server functions of a
/// product area.
async fn require_feature(
    slug: &str,
    feature: Feature,
    permission: Option<Permission>,
) -> Result<Caller, AppError> {
    let caller = authorize(slug, None, PendingPassword::Refuse).await?;
    let l = request_locale();
    if !caller.user.features.contains(&feature) {
        return Err(AppError::Forbidden(tr!(
            l,
            "msg.guard.use_feature",
            feature = feature.label_in(l),
            organisation = caller.user.organisation.name
        )));
    }
    if let Some(permission) = permission.filter(|p| !caller.user.can(*p)) {
        return Err(AppError::Forbidden(
            permission.description_in(l).to_lowercase(),
        ));
    }
    Ok(caller)
}

/// The signed-in caller, a member of the admin tenant who may switch into other organisations.
async fn require_switcher(slug: &str) -> Result<Caller, AppError> {
    let caller = authorize(slug, None, PendingPassword::Refuse).await?;
    if !caller.user.can_switch() {
        let l = request_locale();
        return Err(AppError::Forbidden(tr!(l, "msg.guard.switch_forbidden")));
    }
    Ok(caller)
}

/// Whether the request is a plain HTML form post (the page's JavaScript has not loaded).
fn from_plain_form() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

/// Sets the response status from the outcome, so API clients see 401/403/422 and not 500, and
/// says when to try again after a 429. A plain form post keeps the redirect back to its page
/// instead of landing on an error document.
fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        mark_response(error);
    }
    result
}

/// Gives the response the status and headers `error` calls for, unless it answers a plain form
/// post, which goes back to its page.
pub fn mark_response(error: &AppError) {
    if from_plain_form() {
        return;
    }
    let Some(options) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    if let Ok(status) = http::StatusCode::from_u16(error.status_code()) {
        options.set_status(status);
    }
    if let AppError::Throttled {
        retry_after_secs, ..
    } = error
    {
        options.insert_header(
            http::header::RETRY_AFTER,
            http::HeaderValue::from(*retry_after_secs),
        );
    }
}

/// Adds a `Set-Cookie` header to the response.
pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let options = use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| AppError::from(ServiceError::Internal("no response options".into())))?;
    let value = http::HeaderValue::from_str(value)
        .map_err(|e| AppError::from(ServiceError::Internal(format!("bad cookie: {e}"))))?;
    options.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{declared, Need};
    use std::collections::BTreeMap;

    /// Every server function declares its need once, and every declaration is of a server
    /// function: a new endpoint without `needs!` has no `serve` and does not compile, and this
    /// catches a declaration left behind or made twice.
    #[test]
    fn every_server_function_declares_what_it_needs_once() {
        let mut needs: BTreeMap<&str, Vec<Need>> = BTreeMap::new();
        for (path, need) in declared() {
            needs.entry(path).or_default().push(need);
        }
        let twice: Vec<_> = needs.iter().filter(|(_, n)| n.len() > 1).collect();
        assert!(twice.is_empty(), "declared more than once: {twice:?}");
        let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_string())
            .collect();
        assert!(registered.len() >= 30, "registered: {registered:?}");
        for path in &registered {
            assert!(needs.contains_key(path.as_str()), "{path} declares no need");
        }
        for path in needs.keys() {
            assert!(
                registered.iter().any(|r| r == path),
                "{path} is declared but no server function has that path"
            );
        }
        // Open to anyone: only what a person reaches before signing in.
        let open: Vec<&str> = needs
            .iter()
            .filter(|(_, n)| matches!(n[0], Need::Anyone))
            .map(|(path, _)| *path)
            .collect();
        assert!(
            open.iter()
                .all(|p| p.starts_with("/api/links/") || p.starts_with("/api/auth/")),
            "open to anyone: {open:?}"
        );
    }
}
