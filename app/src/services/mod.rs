//! Business rules over the database. Server only.

pub mod accounts;
pub mod acting;
pub mod activity;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod bulk;
pub mod demo;
pub mod exports;
pub mod import;
pub mod jobs;
pub mod keyset;
#[cfg(test)]
mod layers;
pub mod licence;
pub mod links;
pub mod locking;
pub mod mail;
pub mod messages;
mod naming;
pub mod oidc;
pub mod organisations;
pub mod passwords;
pub mod people;
pub mod profile;
pub mod rates;
pub mod roles;
pub mod scim;
pub mod sessions;
pub mod sign_ins;
pub mod sso;
pub mod state;
pub mod teams;
pub mod tenancy;
pub mod text;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use state::{AppState, AuthConfig, ClientInfo};

use crate::model::AppError;
use sea_orm::DbErr;

/// What a service can fail with: a refusal meant for the person, or a fault of ours.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Refused(#[from] messages::Refusal),
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for AppError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Refused(refusal) => refusal.in_(crate::i18n::request_locale()),
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
                tracing::error!(%reference, error = %other, "request failed");
                AppError::Internal(reference)
            }
        }
    }
}

/// Result of a service call.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// The current time, in the one place the services read it.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
