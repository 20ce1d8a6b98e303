//! Organisations as the platform's super-admins see them. Shared by the pages and the server.

use super::{users::Moment, Feature};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most organisations one list shows; past that, search narrows it.
pub const ORGANISATION_LIST_LIMIT: u64 = 200;

/// One organisation in the platform's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    pub active_users: u64,
    pub users: u64,
    pub created: Moment,
}

/// The organisations matching a search, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationList {
    pub rows: Vec<OrganisationRow>,
    /// How many match (the list shows at most [`ORGANISATION_LIST_LIMIT`]).
    pub matching: u64,
    /// People invited or active across the instance, and the licence's seats (`None`: no
    /// licence, no limit).
    pub seats_used: u64,
    pub seats: Option<u64>,
}

/// An organisation someone may switch into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchTarget {
    pub name: String,
    pub slug: String,
    pub is_demo: bool,
}

/// A new organisation as the super-admin fills it in, with its first tenant admin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub name: String,
    pub slug: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    pub admin_first_name: String,
    pub admin_last_name: String,
    pub admin_email: String,
}

/// One organisation as its edit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationDetail {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    /// The override: `None` means every feature the licence allows.
    pub features_enabled: Option<Vec<Feature>>,
    /// What the licence allows (every feature while none is installed).
    pub licensed: Vec<Feature>,
    /// What the organisation can use: the licence's features narrowed by the override.
    pub effective: Vec<Feature>,
    /// The organisation that is the admin tenant, when it is another one.
    pub admin_tenant_elsewhere: Option<String>,
    pub active_users: u64,
    pub users: u64,
    pub created: Moment,
}

/// The changes a super-admin makes to an organisation. Its address cannot change: links and
/// bookmarks depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationChanges {
    pub name: String,
    pub is_admin_tenant: bool,
    pub is_demo: bool,
    /// Feature codes, as the seed's JSON array (`["helpdesk","crm"]`); `None` (or JSON `null`)
    /// for every feature the licence allows.
    pub features_enabled: Option<Vec<String>>,
}

/// The address suggested for an organisation called `name`: lowercase letters and digits, words
/// joined by single hyphens, at most 63 characters.
pub fn suggest_slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(63).collect();
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::suggest_slug;

    #[test]
    fn slugs_are_suggested_from_names() {
        assert_eq!(suggest_slug("Acme Support, Ltd."), "acme-support-ltd");
        assert_eq!(suggest_slug("  --Ünïcode & Co-- "), "n-code-co");
        assert_eq!(suggest_slug("!!!"), "");
        assert_eq!(suggest_slug(&"x".repeat(80)).len(), 63);
    }
}
