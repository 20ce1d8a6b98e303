//! The browser's round trip through an identity provider: `/o/{slug}/sso/{id}` sends it to the
//! provider's sign-in, `/sso/callback` takes it back, signs the person in and opens the console
//! (or the sign-in page, saying why not). Plain routes, since both answer with redirects.

use app::{
    api::auth::landing_path,
    model::AppError,
    services::{
        sessions,
        sso::flow::{self, Finished, Purpose},
        tenancy, AppState, ClientInfo,
    },
};
use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use serde::Deserialize;
use uuid::Uuid;

/// The routes' paths, which the isolation suite tries too.
pub const PATHS: [&str; 2] = ["/o/{slug}/sso/{id}", "/sso/callback"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATHS[0], get(start))
        .route(PATHS[1], get(callback))
}

#[derive(Debug, Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// A redirect that no cache keeps, setting `cookies` on the way.
fn redirect(to: &str, cookies: &[String]) -> Response {
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn login_page(slug: &str, reason: flow::FailReason) -> String {
    format!("/o/{slug}/login?sso={}", reason.code())
}

async fn start(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    Query(query): Query<StartQuery>,
    client: Option<Extension<ClientInfo>>,
) -> Response {
    let client = client.map(|Extension(c)| c).unwrap_or_default();
    // Only a well-formed slug goes into a redirect, whatever was asked for.
    if tenancy::check_slug("slug", &slug).is_err() {
        return redirect("/", &[]);
    }
    let organisation = match tenancy::find_by_slug(&state.db, &slug).await {
        Ok(Some(organisation)) => organisation,
        Ok(None) => return redirect("/", &[]),
        Err(error) => return failure(error.into()),
    };
    let Ok(id) = Uuid::parse_str(&id) else {
        return redirect(&login_page(&slug, flow::FailReason::Expired), &[]);
    };
    let next = query.next.map(|n| landing_path(&slug, Some(&n)));
    match flow::start(
        &state,
        organisation.id,
        id,
        Purpose::SignIn { next },
        &client,
    )
    .await
    {
        Ok(begun) => redirect(&begun.url, &[begun.cookie]),
        Err(error) => {
            tracing::info!(error = %error, "single sign-on could not start");
            let reason = match AppError::from(error) {
                AppError::NotFound(_) => flow::FailReason::Expired,
                AppError::Throttled { .. } => flow::FailReason::Throttled,
                _ => flow::FailReason::Provider,
            };
            redirect(&login_page(&slug, reason), &[])
        }
    }
}

/// What a provider sends back.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
    client: Option<Extension<ClientInfo>>,
) -> Response {
    let client = client.map(|Extension(c)| c).unwrap_or_default();
    let Some(flow_state) = query.state.as_deref() else {
        return redirect("/", &[]);
    };
    let browser = app::cookies::value(&headers, flow::BROWSER_COOKIE);
    let finished = flow::finish(
        &state,
        flow_state,
        browser,
        query.code.as_deref(),
        query.error.as_deref(),
        &client,
    )
    .await;
    // The flow is over either way: its cookie goes.
    let spent = flow::browser_cookie(&state.auth, None);
    match finished {
        Ok(Finished::SignedIn {
            slug,
            secret,
            locale,
            next,
        }) => redirect(
            &landing_path(&slug, next.as_deref()),
            &[
                sessions::cookie(&state.auth, &secret),
                locale.cookie(state.auth.secure_cookies),
                spent,
            ],
        ),
        Ok(Finished::Tested { slug, flow }) => {
            redirect(&format!("/o/{slug}/settings/sso?test={flow}"), &[spent])
        }
        Err(failed) => match failed.slug {
            Some(slug) => redirect(&login_page(&slug, failed.reason), &[spent]),
            None => redirect("/", &[spent]),
        },
    }
}

fn failure(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, error.message(app::i18n::request_locale())).into_response()
}
