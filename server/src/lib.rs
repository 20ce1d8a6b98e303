//! The Tenantry server: command line, configuration, HTTP router and middleware.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod database;
pub mod http_api;
pub mod middleware;
pub mod router;
