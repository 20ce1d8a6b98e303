//! Request middleware: client address, cross-site request refusal, security headers, and the
//! sign-in gate in front of the console's pages.

use app::services::{auth, sessions, AppState, ClientInfo, ServiceError};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use std::net::SocketAddr;

/// Records where the request came from for sign-in history, throttling and the audit trail.
pub async fn client_info(
    State(trust_proxy): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string());
    let forwarded = trust_proxy
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(512).collect());
    request.extensions_mut().insert(ClientInfo {
        ip: forwarded.or(peer),
        user_agent,
    });
    next.run(request).await
}

/// Whether a state-changing request may come from where it says: browsers mark cross-site
/// requests with `Sec-Fetch-Site` or an `Origin` that differs from the host. Requests with
/// neither come from programs, not from a page another site serves.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Refuses cross-site state-changing requests (CSRF), whatever cookies they carry.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || same_origin(request.headers()) {
        next.run(request).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "This request came from another site and was refused. Reload the page and try again.",
        )
            .into_response()
    }
}

/// Reads the whole request body before anything else does, refusing one over `limit` bytes with
/// a 413 (whether its length was announced or it came in chunks) and one that could not be read
/// with a 400, each with the error every server function answers with.
pub async fn read_body(State(limit): State<usize>, request: Request, next: Next) -> Response {
    // Pages and files take no body; only what posts one is read (and held) here.
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let refuse = |status: StatusCode, detail: &str| {
        (
            status,
            axum::Json(app::model::AppError::Malformed(detail.to_string())),
        )
            .into_response()
    };
    if announced.is_some_and(|length| length > limit as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, app::model::BODY_TOO_LARGE);
    }
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, limit);
    // A client that trickles its body holds memory; a minute is ample for the largest one.
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        http_body_util::BodyExt::collect(limited),
    )
    .await;
    match read {
        Ok(Ok(collected)) => {
            let body = axum::body::Body::from(collected.to_bytes());
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            refuse(StatusCode::PAYLOAD_TOO_LARGE, app::model::BODY_TOO_LARGE)
        }
        Ok(Err(_)) => refuse(StatusCode::BAD_REQUEST, "the request body was cut short"),
        Err(_) => refuse(
            StatusCode::REQUEST_TIMEOUT,
            "the request body took too long to arrive",
        ),
    }
}

/// Headers every response carries.
/// Serves the request in the language of its cookie or `Accept-Language`: messages from the
/// services are written in it.
pub async fn request_locale(request: Request, next: Next) -> Response {
    let locale = app::i18n::Locale::from_headers(request.headers());
    app::i18n::serve_in(locale, next.run(request)).await
}

pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let page_policy = app::ui::PolicySlot::default();
    request.extensions_mut().insert(page_policy.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // A page's policy, with its nonce, when its render's response headers did not carry it.
        if let Some(value) = page_policy
            .0
            .get()
            .and_then(|policy| HeaderValue::from_str(policy).ok())
        {
            tracing::info!("a page's security policy was set from its render");
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'; object-src 'none'",
        ));
    // Pages and answers may hold people's details or a password shown once: no cache, shared or
    // the browser's, keeps them. Static files (scripts, styles, pictures) may be cached.
    let dynamic = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if dynamic {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    response
}

/// How long a page may take to render before it is rendered again, and before it is given up.
#[derive(Clone, Copy)]
pub struct RenderLimits {
    /// A page is rendered in milliseconds; one still not done after this never will be.
    pub retry_after: std::time::Duration,
    /// The second attempt's limit, after which the request gets a 503.
    pub give_up_after: std::time::Duration,
}

impl Default for RenderLimits {
    fn default() -> Self {
        Self {
            retry_after: std::time::Duration::from_secs(10),
            give_up_after: std::time::Duration::from_secs(20),
        }
    }
}

/// Whether `request` asks for a page of the console (not a server function, a file, the API).
fn is_page(request: &Request) -> bool {
    let path = request.uri().path();
    matches!(*request.method(), Method::GET | Method::HEAD)
        && !["/api/", "/pkg/", "/avatars/", "/health"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
        && !path.rsplit('/').next().unwrap_or_default().contains('.')
}

/// Renders a page again when its first rendering stalls. Leptos 0.8's server rendering of a page
/// with several Suspense boundaries can, rarely, lose the wake-up that finishes it (seen here
/// about once in a thousand renders, only while other servers ran in the same process: the test
/// suite); the page then never answers and what it holds is never freed. A page only reads, so
/// rendering it again is safe; the stalled render is dropped, and the log says so.
pub async fn render_pages(
    State(limits): State<RenderLimits>,
    request: Request,
    next: Next,
) -> Response {
    if !is_page(&request) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let again = Request::from_parts(parts.clone(), axum::body::Body::empty());
    let first = next.clone().run(Request::from_parts(parts, body));
    if let Ok(response) = tokio::time::timeout(limits.retry_after, first).await {
        return response;
    }
    let path = again.uri().path().to_string();
    tracing::warn!(path, "a page stalled while rendering; rendering it again");
    match tokio::time::timeout(limits.give_up_after, next.run(again)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(path, "a page stalled twice while rendering; gave up");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Pages under `/o/{slug}/` that anyone may open: signing in, by password or through a provider
/// (`sso/{id}`), and asking for a reset link.
fn is_public_page(rest: &str) -> bool {
    matches!(rest, "login" | "forgot-password") || rest.starts_with("sso/")
}

/// Sends a browser without a live session to the sign-in page, and one holding a temporary
/// password to choose a new one, before any console page renders.
pub async fn page_gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let page = matches!(*request.method(), Method::GET | Method::HEAD);
    let Some((slug, rest)) = path
        .strip_prefix("/o/")
        .map(|p| p.split_once('/').unwrap_or((p, "")))
        .filter(|_| page)
    else {
        return next.run(request).await;
    };
    let rest = rest.trim_end_matches('/');
    if is_public_page(rest) {
        return next.run(request).await;
    }
    let login = format!(
        "/o/{slug}/login?next={}",
        urlencoding_path(request.uri().path())
    );
    let secret = sessions::secret_from_headers(&state.auth, request.headers());
    let signed = match auth::signed(&state, secret.as_deref()).await {
        Ok(Some(signed)) => signed,
        Ok(None) => return Redirect::to(&login).into_response(),
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    // The page is written in the person's language (`<html lang>` included).
    let mut request = request;
    let locale = signed.user.locale;
    request.extensions_mut().insert(locale);
    app::i18n::set_request_locale(locale);
    let user = match auth::current_user(&state, &signed, slug).await {
        Ok(user) => user,
        Err(ServiceError::Refused(_)) => return Redirect::to(&login).into_response(),
        Err(error) => {
            tracing::error!(%error, "loading the signed-in user failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if signed.user.must_change_password && rest != "change-password" {
        return Redirect::to(&format!("/o/{slug}/change-password")).into_response();
    }
    // The page's own server functions, called while it renders, reuse what was found here.
    request.extensions_mut().insert(auth::Authorized {
        slug: slug.to_string(),
        signed,
        user,
    });
    next.run(request).await
}

/// Percent-encodes what a `next` query value cannot carry as is.
fn urlencoding_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://a.test:3000"),
            ("host", "a.test:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "https://evil.test"),
            ("host", "a.test")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "a.test")
        ])));
        assert!(same_origin(&headers(&[])));
    }
}
