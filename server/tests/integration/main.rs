//! Integration tests: the real axum app over HTTP with cookies, against SQLite and PostgreSQL.
//! One binary, because linking is the slow part.

// The tests and their helpers (a fake SMTP server, fixtures) stop at the first failed step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod provider;
mod smtp;
mod support;

mod access;
mod account_safety;
mod accounts;
mod activity;
mod api_keys;
mod audit;
mod auth;
mod bulk;
mod crashes;
mod exports;
mod hardening;
mod isolation;
mod licence;
mod platform;
mod processes;
mod profile;
mod random_input;
mod roles;
mod scim;
mod security;
mod sign_ins;
mod sso;
mod teams;
mod user_types;
mod users;
