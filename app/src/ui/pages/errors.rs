//! The pages shown when something cannot be shown.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn ErrorPanel(code: u16, title: &'static str, children: Children) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let (Some(options), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        options.set_status(status);
    }
    view! {
        <Title text=title />
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
    view! {
        <main class="auth-page">
            <ErrorPanel code=404 title="Page not found">
                <p class="muted">"The address may be mistyped, or the page has moved."</p>
                <a class="button" href="/">"Go to the start page"</a>
            </ErrorPanel>
        </main>
    }
}

/// 403: signed in, but not allowed here.
#[component]
pub fn ForbiddenPage(#[prop(into)] reason: String) -> impl IntoView {
    view! {
        <ErrorPanel code=403 title="You do not have access to this page">
            <p class="muted">{reason}</p>
            <p class="muted">"If you need it, ask an administrator of your organisation for the permission."</p>
        </ErrorPanel>
    }
}

/// 500: our fault.
#[component]
pub fn ServerErrorPage(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <ErrorPanel code=500 title="Something went wrong">
            <p class="muted">{message}</p>
            <a class="button" href="">"Try again"</a>
        </ErrorPanel>
    }
}
