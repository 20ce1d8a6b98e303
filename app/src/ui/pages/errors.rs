//! The pages shown when something cannot be shown.

use crate::{i18n::use_locale, tr};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ErrorPanel(code: u16, title: String, children: Children) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
    view! {
        <Title text=title.clone() />
        <section class="error-page" aria-labelledby="error-title">
            <p class="error-code">{code}</p>
            <h1 id="error-title">{title}</h1>
            {children()}
        </section>
    }
}

/// 404: no such page.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    let l = use_locale();
    view! {
        <main class="auth-page">
            <ErrorPanel code=404 title=tr!(l, "errors.not_found.title")>
                <p class="muted">{tr!(l, "errors.not_found.body")}</p>
                <a class="button" href="/">{tr!(l, "errors.not_found.start")}</a>
            </ErrorPanel>
        </main>
    }
}

/// 403: signed in, but not allowed here.
#[component]
pub fn ForbiddenPage(#[prop(into)] reason: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <ErrorPanel code=403 title=tr!(l, "errors.forbidden.title")>
            <p class="muted">{reason}</p>
            <p class="muted">{tr!(l, "errors.forbidden.ask")}</p>
        </ErrorPanel>
    }
}

/// 500: our fault.
#[component]
pub fn ServerErrorPage(#[prop(into)] message: String) -> impl IntoView {
    let l = use_locale();
    view! {
        <ErrorPanel code=500 title=tr!(l, "errors.server.title")>
            <p class="muted">{message}</p>
            <a class="button" href="">{tr!(l, "errors.server.retry")}</a>
        </ErrorPanel>
    }
}
