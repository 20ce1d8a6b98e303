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
