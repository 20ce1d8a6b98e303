//! What every request handler can reach: the database, the auth settings, the password hasher,
//! the mail settings.

use super::{mail::Mail, passwords::Passwords, rates::ApiRate, throttle::ThrottlePolicy};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// Settings of sign-in and sessions.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// A session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// A session ends this long after sign-in, however busy.
    pub session_absolute: chrono::Duration,
    /// Mark cookies `Secure` (the public base URL is https).
    pub secure_cookies: bool,
    /// Limits for one account (organisation and email).
    pub account_throttle: ThrottlePolicy,
    /// Limits for one client address.
    pub ip_throttle: ThrottlePolicy,
    /// Requests one API key may make (HTTP API and directory sync), in each process.
    pub api_rate: ApiRate,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_idle: chrono::Duration::hours(8),
            session_absolute: chrono::Duration::days(7),
            secure_cookies: false,
            account_throttle: ThrottlePolicy::ACCOUNT,
            ip_throttle: ThrottlePolicy::IP,
            api_rate: ApiRate::DEFAULT,
        }
    }
}

/// Shared state of the running server.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub auth: Arc<AuthConfig>,
    pub passwords: Passwords,
    /// Links, sender and the mail worker's wake-up call.
    pub mail: Arc<Mail>,
    /// The vendor key licence files must be signed with; `None` accepts unsigned licences.
    pub licence_key: Option<super::licence::LicenceKey>,
    /// What each API key has used of its rate.
    pub api_limits: Arc<super::rates::ApiLimits>,
    /// Single sign-on: the key sealing client secrets, and what is known of each provider.
    pub sso: Arc<super::oidc::SsoContext>,
}

/// Where a request came from, as the server's middleware determined it.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
