//! Roles as the Roles page shows and edits them. Shared by the pages and the server.

use super::{Feature, Permission};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One role in the organisation's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    /// One of the roles every organisation starts with (Admin, Agent, Viewer): not editable.
    pub built_in: bool,
    pub permissions: Vec<Permission>,
    /// People holding the role, suspended ones included.
    pub holders: u64,
}

/// Someone who holds a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHolder {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// A role as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDetail {
    pub role: RoleSummary,
    /// The first holders by name (at most [`HOLDERS_SHOWN`]).
    pub holders: Vec<RoleHolder>,
    /// Changes are refused when the role changed since this was read.
    pub version: i32,
}

/// How many holders a role's page names.
pub const HOLDERS_SHOWN: usize = 50;

/// A role as the form fills it in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleForm {
    pub name: String,
    pub description: String,
    pub permissions: Vec<Permission>,
}

/// What becomes of a deleted role's holders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HoldersPlan {
    /// They lose the role and keep their other roles.
    Remove,
    /// They get this role instead.
    MoveTo(Uuid),
}

/// The permissions under one heading of the Roles form: those of no feature, then each feature's.
pub fn permission_groups() -> Vec<(Option<Feature>, Vec<Permission>)> {
    let mut groups: Vec<(Option<Feature>, Vec<Permission>)> = vec![(None, Vec::new())];
    for feature in Feature::ALL {
        groups.push((Some(*feature), Vec::new()));
    }
    for permission in Permission::ALL {
        if let Some(group) = groups.iter_mut().find(|(f, _)| *f == permission.feature()) {
            group.1.push(*permission);
        }
    }
    groups.retain(|(_, permissions)| !permissions.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_one_group() {
        let groups = permission_groups();
        let count: usize = groups.iter().map(|(_, p)| p.len()).sum();
        assert_eq!(count, Permission::ALL.len());
        assert_eq!(groups[0].0, None);
        assert!(groups.iter().any(|(f, _)| *f == Some(Feature::Helpdesk)));
    }
}
