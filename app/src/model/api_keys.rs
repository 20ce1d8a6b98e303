//! API keys as the Settings page shows and creates them, and the scopes a key can hold. Shared by
//! the page and the server.

use super::{users::Moment, Feature, Permission};
use crate::{i18n::Locale, tr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a key lets a product do through the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ApiScope {
    /// List the organisation's teams and read their rendered reply signatures.
    #[serde(rename = "teams.read")]
    TeamsRead,
    /// Provision people through SCIM 2.0 (`/scim/v2`): create, update, suspend and deprovision,
    /// acting with the rights of the person who created the key.
    #[serde(rename = "scim")]
    Scim,
}

impl ApiScope {
    /// Every scope, in display order.
    pub const ALL: &'static [ApiScope] = &[ApiScope::TeamsRead, ApiScope::Scim];

    /// The stable code stored with the key.
    pub fn code(self) -> &'static str {
        match self {
            ApiScope::TeamsRead => "teams.read",
            ApiScope::Scim => "scim",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// The product area the scope belongs to: without it the scope cannot be granted or used.
    pub fn feature(self) -> Option<Feature> {
        match self {
            ApiScope::TeamsRead => Some(Feature::Helpdesk),
            ApiScope::Scim => None,
        }
    }

    /// What the person creating a key must hold to grant the scope: nobody hands a product more
    /// than they may do themselves.
    pub fn permission(self) -> Permission {
        match self {
            ApiScope::TeamsRead => Permission::TeamsManage,
            ApiScope::Scim => Permission::UsersEdit,
        }
    }

    /// What the scope allows, in `l`.
    pub fn description_in(self, l: Locale) -> String {
        match self {
            ApiScope::TeamsRead => tr!(l, "api_scope.teams_read"),
            ApiScope::Scim => tr!(l, "api_scope.scim"),
        }
    }
}

/// The longest key name, in characters.
pub const API_KEY_NAME_MAX: usize = 100;

/// The most keys an organisation may hold unrevoked at once.
pub const API_KEYS_MAX_ACTIVE: u64 = 50;

/// The start of every secret, so leaked keys are easy to recognise (secret scanners, logs).
pub const API_KEY_PREFIX: &str = "tnty_";

/// A key as the Settings page lists it. The secret is never listed, only its first characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeySummary {
    pub id: Uuid,
    pub name: String,
    /// The secret's first characters ("tnty_Ab3dE…").
    pub prefix: String,
    pub scopes: Vec<ApiScope>,
    /// Who created it, when the account still exists.
    pub created_by: Option<String>,
    pub created_at: Moment,
    pub last_used_at: Option<Moment>,
    pub revoked_at: Option<Moment>,
}

/// What the Settings page sends to create a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiKey {
    pub name: String,
    /// Scope codes as ticked; unknown codes are refused by name.
    pub scopes: Vec<String>,
}

/// A key just created: the only time its secret is seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    pub id: Uuid,
    pub name: String,
    pub secret: String,
}
