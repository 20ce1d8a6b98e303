//! Inviting many people at once from a CSV file: what the admin uploads and what they are told
//! back. Shared by the Import page and the server.

use serde::{Deserialize, Serialize};

/// The most rows one file may hold (the Import page says "10,000").
pub const IMPORT_MAX_ROWS: usize = 10_000;
/// The largest file accepted, in bytes.
pub const IMPORT_MAX_BYTES: usize = 4 * 1024 * 1024;
/// How many ready rows the review shows.
pub const IMPORT_PREVIEW_ROWS: usize = 20;

/// The columns a file may have, as its header row names them (any order, any case; spaces and
/// hyphens count as underscores). `email`, `first_name`, `last_name` and `roles` are required.
pub const IMPORT_COLUMNS: &[(&str, &str)] = &[
    ("email", "Their email address: the invitation goes there."),
    ("first_name", "First name."),
    ("last_name", "Last name."),
    (
        "roles",
        "One or more role names of this organisation, separated by semicolons.",
    ),
    (
        "user_type",
        "Optional: tenant_admin, bot_admin, supervisor, agent (the default), analyst or viewer.",
    ),
    ("phone", "Optional."),
    ("external_id", "Optional: their ID in another system."),
    (
        "timezone",
        "Optional: an IANA time zone such as Europe/London.",
    ),
    (
        "teams",
        "Optional: team names, separated by semicolons; they join as members.",
    ),
    (
        "access_until",
        "Optional: their last day of access, such as 2027-01-31.",
    ),
];

/// A file, and whether to send the invitations or only review it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub csv: String,
    /// `false`: check the file and say what would happen; `true`: invite everyone in it, or
    /// nobody when any row has a problem.
    pub send: bool,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The line of the file (the header is line 1).
    pub line: usize,
    pub email: String,
    pub problems: Vec<String>,
}

/// A row ready to be invited, as the review previews it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyRow {
    pub line: usize,
    pub name: String,
    pub email: String,
    pub user_type: super::UserType,
    pub roles: Vec<String>,
}

/// What the file holds, and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReview {
    /// Rows below the header.
    pub rows: usize,
    /// Rows that can be invited.
    pub ready: usize,
    /// The first ready rows.
    pub preview: Vec<ReadyRow>,
    pub problems: Vec<RowProblem>,
    /// How many invitations were sent (0 when only reviewing or when anything was wrong).
    pub invited: usize,
}
