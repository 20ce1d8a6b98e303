//! Teams as the Teams pages show and edit them. Shared by the pages and the server.

use super::{users::Moment, UserStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a member is to their team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub enum TeamRole {
    /// Belongs to the team.
    Member,
    /// Manages the team's members and signature.
    Manager,
}

crate::stored_as_code!(TeamRole);

impl TeamRole {
    pub fn code(self) -> &'static str {
        match self {
            TeamRole::Member => "member",
            TeamRole::Manager => "manager",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "member" => Some(TeamRole::Member),
            "manager" => Some(TeamRole::Manager),
            _ => None,
        }
    }

    /// The role's name in `l`.
    pub fn label_in(self, l: crate::i18n::Locale) -> String {
        match self {
            TeamRole::Member => crate::tr!(l, "team_role.member"),
            TeamRole::Manager => crate::tr!(l, "team_role.manager"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Member => "Member",
            TeamRole::Manager => "Manager",
        }
    }
}

/// One team in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub members: u64,
    /// The managers' names.
    pub managers: Vec<String>,
}

/// A team as a person's page lists it: what the person is in it, and whether the viewer may
/// change that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonTeam {
    pub id: Uuid,
    pub name: String,
    /// `None`: not in the team.
    pub role: Option<TeamRole>,
    /// The viewer may add the person to this team or take them out of it.
    pub can_change: bool,
}

/// Someone in a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub status: UserStatus,
    pub role: TeamRole,
    pub added: Moment,
}

/// A team as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub signature: String,
    pub members: Vec<TeamMember>,
    /// Whether the caller may rename or delete the team and choose its managers.
    pub can_manage_teams: bool,
    /// Whether the caller may change its members and signature (a team manager may).
    pub can_manage_members: bool,
    /// Changes are refused when the team changed since this was read.
    pub version: i32,
}

/// A team's name and description as the form fills them in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamForm {
    pub name: String,
    pub description: String,
}

/// The placeholders a team signature may use, with what each becomes.
pub const SIGNATURE_PLACEHOLDERS: &[(&str, &str)] = &[
    ("{agent_name}", "the full name of the agent who replies"),
    ("{agent_first_name}", "the agent's first name"),
    ("{team_name}", "the team's name"),
    ("{organisation_name}", "the organisation's name"),
];

/// The longest signature, in characters.
pub const SIGNATURE_MAX_CHARS: usize = 2000;

/// Unknown `{placeholders}` in `signature`, in order of appearance.
pub fn unknown_placeholders(signature: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    let mut rest = signature;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let found = &rest[start..start + len + 1];
        if !SIGNATURE_PLACEHOLDERS.iter().any(|(p, _)| *p == found) {
            unknown.push(found.to_string());
        }
        rest = &rest[start + len + 1..];
    }
    unknown
}

/// `signature` with its placeholders filled in.
pub fn render_signature(
    signature: &str,
    agent_first: &str,
    agent_last: &str,
    team: &str,
    organisation: &str,
) -> String {
    let full = format!("{agent_first} {agent_last}");
    signature
        .replace("{agent_name}", full.trim())
        .replace("{agent_first_name}", agent_first)
        .replace("{team_name}", team)
        .replace("{organisation_name}", organisation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_checked_and_filled() {
        let text = "Best,\n{agent_name}\n{team_name} at {organisation_name} {nope}";
        assert_eq!(unknown_placeholders(text), ["{nope}"]);
        assert_eq!(
            render_signature(text, "Ada", "Lovelace", "Billing", "Acme"),
            "Best,\nAda Lovelace\nBilling at Acme {nope}"
        );
    }
}
