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
    }
}
