//! The CSV downloads: `/o/{slug}/users/export.csv` and `/o/{slug}/activity/export.csv`, each
//! with the filters of its page in the query string. Plain routes rather than server functions,
//! so a link downloads the file; they check the caller as a server function's guard does, and
//! stream the file as the database hands over its rows.

use app::{
    api::guard,
    model::{activity::ActivityQuery, users::UserQuery, AppError, Permission},
    services::{exports, AppState, ClientInfo},
};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Extension, Router,
};
use std::collections::HashMap;

/// The download routes' paths, which the isolation suite tries too.
pub const PATHS: [&str; 2] = [
    "/o/{slug}/users/export.csv",
    "/o/{slug}/activity/export.csv",
];

/// The download routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PATHS[0], get(users))
        .route(PATHS[1], get(activity))
}

type Params = Query<HashMap<String, String>>;

async fn users(
    state: State<AppState>,
    Path(slug): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    client: Option<Extension<ClientInfo>>,
) -> Response {
    let query = UserQuery::from_params(|key| params.get(key).cloned());
    download(
        &state,
        &slug,
        &headers,
        client,
        &[Permission::UsersView, Permission::DataExport],
        exports::Export::Users(query),
    )
    .await
}

async fn activity(
    state: State<AppState>,
    Path(slug): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    client: Option<Extension<ClientInfo>>,
) -> Response {
    let query = ActivityQuery::from_params(|key| params.get(key).cloned());
    download(
        &state,
        &slug,
        &headers,
        client,
        &[Permission::AuditView, Permission::DataExport],
        exports::Export::Activity(query),
    )
    .await
}

/// The file of `export` for a caller of organisation `slug` holding `needs`, or the refusal in
/// words with its status.
async fn download(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    client: Option<Extension<ClientInfo>>,
    needs: &[Permission],
    export: exports::Export,
) -> Response {
    let client = client.map(|Extension(c)| c).unwrap_or_default();
    let caller = match guard::request_caller(state, headers, client, slug, needs).await {
        Ok(caller) => caller,
        Err(error) => return refusal(&error),
    };
    let name = export.file_name();
    let locale = caller.user.locale;
    let stream = match exports::start(state, &caller.actor(), export, locale).await {
        Ok(stream) => stream,
        Err(error) => return refusal(&AppError::from(error)),
    };
    let body = Body::from_stream(stream);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A refused download: the status of `error` and its message as text.
fn refusal(error: &AppError) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::FORBIDDEN);
    (status, error.message(app::i18n::request_locale())).into_response()
}
