//! The Tenantry console: one Leptos app rendered on the server and hydrated in the browser.
#![recursion_limit = "256"]

pub mod api;
pub mod i18n;
pub mod model;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod services;

pub use ui::{shell, App};

// The texts of app/locales, compiled in; English stands in for a text not yet translated. The
// server has them all; the browser only those of locales/console (pages and the errors it shows),
// not the server's messages and emails in locales/server.
#[cfg(feature = "ssr")]
rust_i18n::i18n!("locales", fallback = "en");
#[cfg(not(feature = "ssr"))]
rust_i18n::i18n!("locales/console", fallback = "en");
