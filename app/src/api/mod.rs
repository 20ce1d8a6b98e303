//! Server functions, one file per resource. Each authorizes on the server, calls a service and
//! maps the result to model types.

pub mod auth;

#[cfg(feature = "ssr")]
pub mod guard;
