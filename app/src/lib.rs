//! The Tenantry console: one Leptos app rendered on the server and hydrated in the browser.
#![recursion_limit = "256"]

pub mod api;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod services;

pub use ui::{shell, App};
