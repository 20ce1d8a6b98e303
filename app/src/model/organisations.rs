//! Organisations as the platform's super-admins see them. Shared by the pages and the server.

use super::users::Moment;
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
