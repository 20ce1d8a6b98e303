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

// The texts of app/locales, compiled into the server; English stands in for a text not yet
// translated. The browser gets only its page's language of those in locales/console (what pages
// show), from the server (`i18n::BrowserTexts`), not the server's messages and emails.
#[cfg(feature = "ssr")]
rust_i18n::i18n!("locales", fallback = "en");
