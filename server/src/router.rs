//! The HTTP application: the console's pages and server functions, the HTTP API for products,
//! health, static files.

use crate::middleware;
use app::{services::AppState, shell, App};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Json},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sea_orm::ConnectionTrait;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

/// Where the built site (WASM, CSS, static files) lives, from cargo-leptos's environment.
pub fn leptos_options() -> LeptosOptions {
    let output_name = std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "tenantry".into());
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    LeptosOptions::builder()
        .output_name(output_name)
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

/// The largest request body accepted: a CSV import's largest file, escaped in JSON.
pub const BODY_LIMIT: usize = 2 * app::model::import::IMPORT_MAX_BYTES + 1024 * 1024;

/// The whole application, ready to serve.
pub fn build(state: AppState, trust_proxy: bool) -> Router {
    let options = leptos_options();
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            leptos::nonce::provide_nonce();
        }
    };
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    Router::new()
        .route("/health", get(health))
        .route("/avatars/{id}", get(avatar))
        .route(
            &format!("{}{{file}}", app::i18n::BrowserTexts::PREFIX),
            get(texts),
        )
        .merge(crate::exports::routes())
        .merge(crate::sso::routes())
        .nest(crate::http_api::PREFIX, crate::http_api::routes())
        .nest(crate::scim::PREFIX, crate::scim::routes())
        .with_state(state.clone())
        .leptos_routes_with_context(
            &options,
            routes,
            context.clone(),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context, shell,
        ))
        .with_state(options)
        .layer(axum::middleware::from_fn_with_state(
            state,
            middleware::page_gate,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            BODY_LIMIT,
            middleware::read_body,
        ))
        .layer(axum::middleware::from_fn(middleware::request_locale))
        .layer(axum::middleware::from_fn_with_state(
            middleware::RenderLimits::default(),
            middleware::render_pages,
        ))
        .layer(axum::middleware::from_fn(middleware::refuse_cross_site))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            trust_proxy,
            middleware::client_info,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// The browser's texts in one language ([`app::i18n::BrowserTexts`]), kept by browsers for a
/// year at today's address (it changes with them); asked for with another version's address,
/// today's texts, kept by nobody.
async fn texts(uri: axum::http::Uri) -> axum::response::Response {
    use axum::http::header;
    match app::i18n::BrowserTexts::at(uri.path()) {
        Some((texts, today)) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (
                    header::CACHE_CONTROL,
                    if today {
                        "public, max-age=31536000, immutable"
                    } else {
                        "no-cache"
                    },
                ),
            ],
            texts.script.as_str(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A person's picture, for those who may see it (their organisation, the platform's staff).
async fn avatar(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::http::header;
    let secret = app::services::sessions::secret_from_headers(&state.auth, &headers);
    match app::services::profile::avatar_for(&state, secret.as_deref(), id).await {
        Ok(Some(picture)) => (
            [
                (header::CONTENT_TYPE, picture.content_type),
                // The address carries the picture's version.
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable".to_string(),
                ),
            ],
            picture.data,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "serving a picture failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// For load balancers: 200 when the database answers, 503 when it does not.
async fn health(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable" })),
            )
        }
    }
}

/// A free loopback port to serve on, and the base URL it will have. For tests and benchmarks.
pub async fn bind_loopback() -> std::io::Result<(tokio::net::TcpListener, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    Ok((listener, base))
}

/// Serves the application on `listener` in the background. For tests and benchmarks.
pub fn serve_in_background(listener: tokio::net::TcpListener, state: AppState) {
    let app = build(state, false);
    tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
        if let Err(error) = served {
            tracing::error!(%error, "background server stopped");
        }
    });
}
