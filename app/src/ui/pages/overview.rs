//! The first page after signing in: who you are here and what you can do.

use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;

/// A summary of the signed-in user in this organisation.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    let permissions = user
        .permissions
        .iter()
        .map(|p| view! { <li><code>{p.code()}</code>" "{p.description()}</li> })
        .collect_view();
    let features = if user.features.is_empty() {
        view! { <p class="muted">"None: this organisation has no product areas enabled."</p> }
            .into_any()
    } else {
        let items = user
            .features
            .iter()
            .map(|f| view! { <li><strong>{f.label()}</strong>" "<span class="muted">{f.description()}</span></li> })
            .collect_view();
        view! { <ul class="permission-list">{items}</ul> }.into_any()
    };
    view! {
        <Title text="Overview" />
        <header class="page-header">
            <h1>"Welcome, " {user.display_name()}</h1>
            <p class="muted">{format!("{} · {}", user.organisation.name, user.user_type.label())}</p>
        </header>
        <section class="card" aria-labelledby="abilities">
            <h2 id="abilities">"What you can do here"</h2>
            <ul class="permission-list">{permissions}</ul>
        </section>
        <section class="card" aria-labelledby="features">
            <h2 id="features">"Products in " {user.organisation.name.clone()}</h2>
            {features}
        </section>
    }
}
