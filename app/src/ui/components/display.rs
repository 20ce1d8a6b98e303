//! Small pieces that show a value: avatars, badges, stat cards.

use crate::{
    i18n::use_locale,
    model::{users::Moment, UserStatus, UserType},
};
use leptos::prelude::*;

/// The text of a `<title>` or `<textarea>`, which Leptos 0.8 writes into server-rendered HTML
/// without escaping it (fixed upstream in 0.9): escaped there, so a name or signature holding
/// `</textarea><meta …>` stays text. The browser sets these as text, so it gets them as they are.
pub fn raw_text(text: String) -> String {
    #[cfg(feature = "ssr")]
    let text = html_escape::encode_text(&text).into_owned();
    text
}

/// A person's picture, or their initials in a circle when they have none. Decorative: the
/// person's name is always written next to it.
#[component]
pub fn Avatar(
    #[prop(into)] initials: String,
    #[prop(default = None)] url: Option<String>,
) -> impl IntoView {
    match url {
        Some(url) => {
            view! { <img class="avatar" src=url alt="" width="32" height="32" /> }.into_any()
        }
        None => view! { <span class="avatar" aria-hidden="true">{initials}</span> }.into_any(),
    }
}

/// An account's status.
#[component]
pub fn StatusBadge(status: UserStatus) -> impl IntoView {
    let label = status.label_in(use_locale());
    view! { <span class=format!("badge badge-{}", status.code())>{label}</span> }
}

/// An account's user type.
#[component]
pub fn TypeBadge(user_type: UserType) -> impl IntoView {
    view! { <span class="badge badge-type">{user_type.label_in(use_locale())}</span> }
}

/// A number with its label, at the top of a page.
#[component]
pub fn StatCard(#[prop(into)] label: String, #[prop(into)] value: Signal<String>) -> impl IntoView {
    view! {
        <div class="stat-card">
            <p class="stat-label">{label}</p>
            <p class="stat-value">{value}</p>
        </div>
    }
}

/// A moment as "3 hours ago" in the page's language, the exact time in its tooltip.
#[component]
pub fn When(at: Moment) -> impl IntoView {
    let text = at.relative(use_locale());
    view! { <time datetime=at.iso title=at.exact>{text}</time> }
}

/// A column of a [`DataTable`]: its name, shown, or read only by screen readers (a column of
/// buttons).
pub enum Column {
    Shown(String),
    Hidden(String),
}

/// A table of records in its card: a caption for screen readers, the columns' names, the rows.
#[component]
pub fn DataTable(
    #[prop(into)] caption: String,
    columns: Vec<Column>,
    /// Further classes of the table, for a page's own layout.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView {
    let headers = columns
        .into_iter()
        .map(|column| match column {
            Column::Shown(name) => view! { <th scope="col">{name}</th> }.into_any(),
            Column::Hidden(name) => view! {
                <th scope="col"><span class="visually-hidden">{name}</span></th>
            }
            .into_any(),
        })
        .collect_view();
    let class = if class.is_empty() {
        "data-table".to_string()
    } else {
        format!("data-table {class}")
    };
    view! {
        <div class="table-wrap">
            <table class=class>
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr>{headers}</tr></thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
