//! Integration tests: the real axum app over HTTP with cookies, against SQLite and PostgreSQL.
//! One binary, because linking is the slow part.

mod support;

mod auth;
mod security;
mod users;
