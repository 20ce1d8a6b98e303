//! Who is signed in, as the console shows it.

use super::{Feature, Permission, PlatformRole, UserType};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An organisation as the console names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationSummary {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    /// Single sign-on is the only way in (passwords for break-glass administrators only).
    #[serde(default)]
    pub sso_required: bool,
}

/// The signed-in user, acting in the organisation of the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_type: UserType,
    pub platform_role: PlatformRole,
    pub theme: String,
    /// The language the person chose for pages and emails.
    pub locale: crate::i18n::Locale,
    /// Where the person's picture is served, `None` when they have none (initials are shown).
    pub avatar_url: Option<String>,
    pub organisation: OrganisationSummary,
    pub home_organisation: OrganisationSummary,
    pub features: Vec<Feature>,
    pub permissions: Vec<Permission>,
    /// The last day of the instance's licence, once it has passed: nobody can be added.
    pub licence_expired: Option<String>,
}

impl CurrentUser {
    /// Whether the user may do what `permission` allows in this organisation.
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// "First Last", or the email when no name is set.
    pub fn display_name(&self) -> String {
        display_name(&self.first_name, &self.last_name, &self.email)
    }

    /// Initials for the avatar placeholder.
    pub fn initials(&self) -> String {
        initials(&self.first_name, &self.last_name)
    }

    /// Whether the organisation in the URL is not the user's own (tenant switching).
    pub fn is_switched(&self) -> bool {
        self.organisation.id != self.home_organisation.id
    }

    /// Whether the user may switch into other organisations: super-admins and support staff of
    /// the admin tenant.
    pub fn can_switch(&self) -> bool {
        self.home_organisation.is_admin_tenant
            && matches!(
                self.platform_role,
                PlatformRole::SuperAdmin | PlatformRole::Support
            )
    }

    /// Whether the user administers the whole platform: a platform role counts only in the admin
    /// tenant.
    pub fn is_super_admin(&self) -> bool {
        self.home_organisation.is_admin_tenant && self.platform_role == PlatformRole::SuperAdmin
    }
}

/// How a person is named on screen and in emails: "First Last", trimmed, or `email` when both
/// names are blank. The one place a display name is made.
pub fn display_name(first_name: &str, last_name: &str, email: &str) -> String {
    let name = format!("{} {}", first_name.trim(), last_name.trim());
    match name.trim() {
        "" => email.to_string(),
        name => name.to_string(),
    }
}

/// The initials of a name, for avatar placeholders.
pub fn initials(first_name: &str, last_name: &str) -> String {
    let firsts: String = [first_name, last_name]
        .iter()
        .filter_map(|s| s.chars().next())
        .collect();
    to_uppercase(&firsts)
}

/// `text` in capitals. The browser asks JavaScript's `toUpperCase` (the same Unicode mapping),
/// which keeps Rust's case tables (about 12 KB) out of the WebAssembly.
#[cfg(feature = "hydrate")]
fn to_uppercase(text: &str) -> String {
    js_sys::JsString::from(text).to_upper_case().into()
}

#[cfg(not(feature = "hydrate"))]
fn to_uppercase(text: &str) -> String {
    text.to_uppercase()
}
