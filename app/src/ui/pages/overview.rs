//! The first page after signing in: who you are here and what you can do.

use crate::{i18n::use_locale, model::CurrentUser, tr};
use leptos::prelude::*;
use leptos_meta::Title;

/// A summary of the signed-in user in this organisation.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let permissions = user
        .permissions
        .iter()
        .map(|p| view! { <li><code>{p.code()}</code>" "{p.description_in(l)}</li> })
        .collect_view();
    let features = if user.features.is_empty() {
        view! { <p class="muted">{tr!(l, "overview.no_products")}</p> }.into_any()
    } else {
        let items = user
            .features
            .iter()
            .map(|f| view! { <li><strong>{f.label_in(l)}</strong>" "<span class="muted">{f.description_in(l)}</span></li> })
            .collect_view();
        view! { <ul class="permission-list">{items}</ul> }.into_any()
    };
    view! {
        <Title text=tr!(l, "nav.overview") />
        <header class="page-header">
            <h1>{tr!(l, "overview.welcome", name = user.display_name())}</h1>
            <p class="muted">{format!("{} · {}", user.organisation.name, user.user_type.label_in(l))}</p>
        </header>
        <section class="card" aria-labelledby="abilities">
            <h2 id="abilities">{tr!(l, "overview.abilities")}</h2>
            <ul class="permission-list">{permissions}</ul>
        </section>
        <section class="card" aria-labelledby="features">
            <h2 id="features">{tr!(l, "overview.products", organisation = &user.organisation.name)}</h2>
            {features}
        </section>
    }
}
