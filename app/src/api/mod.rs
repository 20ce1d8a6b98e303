//! Server functions, one file per resource. Each authorizes on the server, calls a service and
//! maps the result to model types.

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod codec;
pub mod licence;
pub mod links;
pub mod organisations;
pub mod profile;
pub mod roles;
pub mod teams;
pub mod users;

#[cfg(feature = "ssr")]
pub mod guard;
