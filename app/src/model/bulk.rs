//! Changes made to the people ticked on the Users list, all at once or not at all.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most people one bulk change may name.
pub const BULK_MAX: usize = 500;

/// What a bulk change does to each person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkChange {
    AddRole(Uuid),
    RemoveRole(Uuid),
    /// As a member of the team.
    AddToTeam(Uuid),
    Reactivate,
}
