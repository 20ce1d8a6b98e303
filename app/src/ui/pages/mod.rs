//! One file per screen, named as the product names it.

pub mod activity;
pub mod change_password;
pub mod errors;
pub mod home;
pub mod links;
pub mod login;
pub mod overview;
pub mod platform;
pub mod profile;
pub mod roles;
pub mod settings;
pub mod shell;
pub mod sign_ins;
pub mod sso;
pub mod teams;
pub mod users;

/// The `:id` of the page's route, when it is a well-formed id.
fn route_id() -> leptos::prelude::Memo<Option<uuid::Uuid>> {
    use leptos::prelude::*;
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| uuid::Uuid::parse_str(&id).ok())
    })
}

/// `path` with URL parameters `params`: the address of a filtered list, or of its download.
pub(crate) fn with_params(path: String, params: Vec<(&'static str, String)>) -> String {
    let mut map = leptos_router::params::ParamsMap::new();
    for (key, value) in params {
        map.insert(key, value);
    }
    format!("{path}{}", map.to_query_string())
}
