//! Single sign-on as Settings → Single sign-on shows and saves it, and as the sign-in page offers
//! it. Shared by the pages and the server.

use super::{access::code_enum, UserType};
use crate::{i18n::Locale, tr};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

code_enum!(
    /// Where a connection's settings started from: a known provider, or any OpenID provider.
    SsoPreset {
        Google = "google",
        Entra = "entra",
        Okta = "okta",
        Generic = "generic",
    }
);

impl SsoPreset {
    /// The provider's name, also the connection's first name.
    pub fn label(self) -> &'static str {
        match self {
            SsoPreset::Google => "Google Workspace",
            SsoPreset::Entra => "Microsoft Entra ID",
            SsoPreset::Okta => "Okta",
            SsoPreset::Generic => "OpenID Connect",
        }
    }

    /// The issuer the form starts with; `{…}` marks the part the admin fills in.
    pub fn issuer_template(self) -> &'static str {
        match self {
            SsoPreset::Google => "https://accounts.google.com",
            SsoPreset::Entra => "https://login.microsoftonline.com/{tenant-id}/v2.0",
            SsoPreset::Okta => "https://{your-domain}.okta.com",
            SsoPreset::Generic => "",
        }
    }
}

code_enum!(
    /// Who may sign in through a connection the first time: only people who already have an
    /// active account (pre-provisioned), or anyone the provider vouches for within the allowed
    /// domains, for whom an account is created (just in time).
    Provisioning {
        PreProvisioned = "pre",
        JustInTime = "jit",
    }
);

impl Provisioning {
    pub fn label_in(self, l: Locale) -> String {
        match self {
            Provisioning::PreProvisioned => tr!(l, "sso.provisioning.pre"),
            Provisioning::JustInTime => tr!(l, "sso.provisioning.jit"),
        }
    }
}

/// The longest connection name, in characters.
pub const SSO_NAME_MAX: usize = 100;

/// The most connections one organisation may have.
pub const SSO_CONNECTIONS_MAX: u64 = 10;

/// A connection as the admin fills it in. An empty secret on an existing connection keeps the
/// stored one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SsoConnectionForm {
    pub name: String,
    pub preset: String,
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    /// Scopes besides `openid`, separated by spaces.
    #[serde(default)]
    pub scopes: String,
    /// Email domains, separated by spaces or commas; empty accepts any.
    #[serde(default)]
    pub allowed_domains: String,
    #[serde(default)]
    pub link_by_email: bool,
    pub provisioning: String,
    #[serde(default)]
    pub jit_user_type: Option<UserType>,
    #[serde(default)]
    pub jit_roles: Vec<Uuid>,
}

/// A connection as Settings lists it. The secret is never sent back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoConnectionSummary {
    pub id: Uuid,
    pub name: String,
    pub preset: SsoPreset,
    pub issuer: String,
    pub client_id: String,
    pub scopes: String,
    pub allowed_domains: Vec<String>,
    pub enabled: bool,
    pub link_by_email: bool,
    pub provisioning: Provisioning,
    pub jit_user_type: Option<UserType>,
    pub jit_roles: Vec<Uuid>,
}

/// A person an admin may name as a break-glass administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoPerson {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// Everything Settings → Single sign-on shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoOverview {
    pub connections: Vec<SsoConnectionSummary>,
    /// Single sign-on is the only way in, except for `break_glass`.
    pub required: bool,
    pub break_glass: Vec<Uuid>,
    /// The administrators the form offers to tick: the break-glass ones, and the one looking
    /// (others are added by address, so the page stays small in an organisation of thousands).
    pub admins: Vec<SsoPerson>,
    /// The roles an account created at first sign-in may be given.
    pub roles: Vec<(Uuid, String)>,
    /// The server has a key to seal client secrets with; without it nothing can be saved.
    pub can_store_secrets: bool,
    /// The address to register at the provider as the redirect URI.
    pub redirect_uri: String,
}

/// Whether single sign-on is required, and who may still use a password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SsoRequirement {
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub break_glass: Vec<Uuid>,
    /// The address of one more active tenant admin to name break-glass; empty for none.
    #[serde(default)]
    pub add: String,
}

/// A "Sign in with …" button of the sign-in page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoButton {
    pub id: Uuid,
    pub name: String,
}

/// What the sign-in page of an organisation offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignInOptions {
    pub connections: Vec<SsoButton>,
    /// Passwords are for break-glass administrators only.
    pub sso_required: bool,
}

/// What a "Test sign-in" received from the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsoTestResult {
    pub connection: String,
    /// The ID token's verified claims, as pretty-printed JSON; `None` while the test has not
    /// come back.
    pub claims: Option<String>,
    /// Why the provider's answer was refused, when it was.
    pub error: Option<String>,
}
