//! Sign-in history as admins read it: the organisation's Sign-ins view, for spotting attacks,
//! and a person's sign-ins and open sessions on their page.

use super::activity::{Cursor, PagedQuery};
use super::profile::SessionEntry;
use super::users::Moment;
use crate::{i18n::Locale, tr};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Attempts per page of the Sign-ins view.
pub const PAGE_SIZE: u64 = 50;

/// How many sign-ins a person's page lists.
pub const PERSON_SHOWN: u64 = 20;

/// Why a sign-in failed, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Failure {
    WrongPassword,
    UnknownAddress,
    NotActive,
    AccessExpired,
    Throttled,
    /// A password, where the organisation requires single sign-on.
    SsoRequired,
    /// Through a provider: nobody of the organisation has this identity.
    NoIdentity,
    /// Through a provider: the address was not verified or not in the allowed domains.
    AddressRefused,
    /// Through a provider: no seat was left for a new account.
    NoSeat,
    /// The provider refused, or its answer failed a check.
    ProviderRefused,
    /// A reason this version does not know.
    Other,
}

impl Failure {
    /// The reason recorded with a failed attempt.
    pub fn from_code(code: &str) -> Self {
        match code {
            "wrong_password" => Failure::WrongPassword,
            "unknown_user" => Failure::UnknownAddress,
            "not_active" => Failure::NotActive,
            "access_expired" => Failure::AccessExpired,
            "throttled" => Failure::Throttled,
            "sso_required" => Failure::SsoRequired,
            "no_account" => Failure::NoIdentity,
            "domain" => Failure::AddressRefused,
            "seats" => Failure::NoSeat,
            "provider" => Failure::ProviderRefused,
            _ => Failure::Other,
        }
    }

    /// The reason in words of `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            Failure::WrongPassword => tr!(l, "sign_ins.failure.wrong_password"),
            Failure::UnknownAddress => tr!(l, "sign_ins.failure.unknown_address"),
            Failure::NotActive => tr!(l, "sign_ins.failure.not_active"),
            Failure::AccessExpired => tr!(l, "sign_ins.failure.access_expired"),
            Failure::Throttled => tr!(l, "sign_ins.failure.throttled"),
            Failure::SsoRequired => tr!(l, "sign_ins.failure.sso_required"),
            Failure::NoIdentity => tr!(l, "sign_ins.failure.no_identity"),
            Failure::AddressRefused => tr!(l, "sign_ins.failure.address_refused"),
            Failure::NoSeat => tr!(l, "sign_ins.failure.no_seat"),
            Failure::ProviderRefused => tr!(l, "sign_ins.failure.provider_refused"),
            Failure::Other => tr!(l, "sign_ins.failure.other"),
        }
    }
}

/// What the Sign-ins view asks for; it lives in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInQuery {
    /// Only failed attempts.
    pub failed_only: bool,
    /// Only attempts with this address typed (any case).
    pub email: String,
    /// Only attempts from this IP address.
    pub ip: String,
    /// From the start of this day (UTC).
    pub from: Option<NaiveDate>,
    /// To the end of this day (UTC).
    pub to: Option<NaiveDate>,
    /// Only attempts older than this: the next page.
    pub before: Option<Cursor>,
}

impl SignInQuery {
    /// Reads the query from URL parameters; anything unreadable is left out.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let day = |key| get(key).and_then(|v| v.parse::<NaiveDate>().ok());
        Self {
            failed_only: get("failed").as_deref() == Some("1"),
            email: get("email").unwrap_or_default().trim().to_string(),
            ip: get("ip").unwrap_or_default().trim().to_string(),
            from: day("from"),
            to: day("to"),
            before: get("before").and_then(|c| Cursor::parse(&c)),
        }
    }

    /// The URL parameters for this query, leaving out what is not set.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if self.failed_only {
            params.push(("failed", "1".to_string()));
        }
        if !self.email.is_empty() {
            params.push(("email", self.email.clone()));
        }
        if !self.ip.is_empty() {
            params.push(("ip", self.ip.clone()));
        }
        if let Some(from) = self.from {
            params.push(("from", from.to_string()));
        }
        if let Some(to) = self.to {
            params.push(("to", to.to_string()));
        }
        if let Some(before) = self.before {
            params.push(("before", before.code()));
        }
        params
    }
}

impl PagedQuery for SignInQuery {
    fn before(&mut self) -> &mut Option<Cursor> {
        &mut self.before
    }
}

/// One attempt to sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRow {
    pub id: Uuid,
    pub at: Moment,
    /// The address typed.
    pub email: String,
    /// The account it matched, when one did: its id and name.
    pub person: Option<(Uuid, String)>,
    /// `None`: it succeeded.
    pub failure: Option<Failure>,
    /// How: "password", or "sso" through `connection`.
    pub method: String,
    /// The single sign-on connection's name, for a sign-in through one.
    #[serde(default)]
    pub connection: Option<String>,
    pub ip: Option<String>,
    /// Browser and device, in words.
    pub device: String,
}

/// One page of sign-in attempts, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInList {
    pub rows: Vec<SignInRow>,
    /// Where the next (older) page starts, when there is one.
    pub older: Option<Cursor>,
}

/// A person's sign-in history as their page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSignIns {
    /// The latest attempts on their account.
    pub recent: Vec<SignInRow>,
    /// Successful sign-ins in the last 30 days.
    pub last_30_days: u64,
    /// Failed attempts in the last 30 days.
    pub failed_30_days: u64,
    /// Where they are signed in now.
    pub sessions: Vec<SessionEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use std::collections::HashMap;

    #[test]
    fn queries_round_trip_through_the_url() {
        let query = SignInQuery {
            failed_only: true,
            email: "eve@example.com".into(),
            ip: "203.0.113.9".into(),
            from: NaiveDate::from_ymd_opt(2026, 1, 2),
            to: NaiveDate::from_ymd_opt(2026, 3, 4),
            before: Some(Cursor {
                at: DateTime::from_timestamp_nanos(1_764_000_000_123_456_789),
                id: Uuid::new_v4(),
            }),
        };
        let params: HashMap<_, _> = query.to_params().into_iter().collect();
        assert_eq!(SignInQuery::from_params(|k| params.get(k).cloned()), query);
        assert!(SignInQuery::default().to_params().is_empty());
    }

    #[test]
    fn failures_have_words() {
        for code in [
            "wrong_password",
            "unknown_user",
            "throttled",
            "sso_required",
            "no_account",
            "domain",
            "seats",
            "provider",
            "something new",
        ] {
            let label = Failure::from_code(code).label_in(Locale::Fr);
            assert!(!label.contains("sign_ins."), "{code}");
        }
    }
}
