//! One person's account as an admin adds, reads and changes it, and the public pages reached from
//! an emailed link. Shared by the pages and the server.

use super::{users::Moment, Feature, Permission, UserStatus, UserType};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
/// How long a password-reset link works.
pub const RESET_HOURS: i64 = 1;

/// The details an admin types when adding or editing someone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountForm {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub external_id: String,
    pub timezone: String,
    pub roles: Vec<Uuid>,
    /// The last day the person may sign in, as `YYYY-MM-DD`; empty for no end.
    #[serde(default)]
    pub access_until: String,
}

/// When access that lasts until the end of `day` (UTC) ends: the next day's first instant.
pub fn access_ends(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.succ_opt()
        .unwrap_or(day)
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
}

/// The last day of access that ends at `ends`.
pub fn access_day(ends: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    (ends - chrono::Duration::nanoseconds(1)).date_naive()
}

/// How a new account reaches its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Onboarding {
    /// An email with a link valid [`INVITATION_DAYS`] days; the person chooses their password.
    #[default]
    Invitation,
    /// A generated password, shown once to the admin; the person must replace it at first sign-in.
    TemporaryPassword,
}

/// A new account, as the admin sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub form: AccountForm,
    pub user_type: UserType,
    pub onboarding: Onboarding,
    /// Teams the person joins as a member.
    #[serde(default)]
    pub teams: Vec<Uuid>,
}

/// What adding someone produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Added {
    pub user_id: Uuid,
    pub email: String,
    /// The generated password, shown once, when the account was created with one.
    pub temporary_password: Option<String>,
}

/// A changed account, as the admin sends it: `version` is the one their form was loaded with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChange {
    pub form: AccountForm,
    pub version: i32,
}

/// One account, as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDetail {
    pub id: Uuid,
    pub form: AccountForm,
    pub user_type: UserType,
    pub status: UserStatus,
    pub version: i32,
    pub created: Moment,
    pub last_sign_in: Option<Moment>,
    /// The account is the caller's own.
    pub is_self: bool,
    /// The person's picture, when they chose one.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Everything the account is granted, each with where it comes from.
    pub permissions: Vec<GrantedPermission>,
    /// This account was replaced by another when the person was given a new user type.
    #[serde(default)]
    pub replaced: bool,
    /// Their powers over the platform (members of the admin tenant only).
    #[serde(default = "no_platform_role")]
    pub platform_role: crate::model::PlatformRole,
    /// What a directory (SCIM) says of the person, when one provisioned them.
    #[serde(default)]
    pub directory: Option<DirectoryFacts>,
}

/// What a directory keeps in step on an account: shown on the person's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryFacts {
    /// The name the directory knows them by, when it is not their address.
    pub user_name: Option<String>,
    pub title: Option<String>,
    /// When the directory removed them (the account is kept, suspended).
    pub removed: Option<Moment>,
}

fn no_platform_role() -> crate::model::PlatformRole {
    crate::model::PlatformRole::None
}

/// Where a permission comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantSource {
    /// The baseline of the account's user type.
    UserType(UserType),
    /// A role, by name.
    Role(String),
}

/// One permission an account holds, and why: "user type Agent", "role Team lead".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantedPermission {
    pub permission: Permission,
    pub sources: Vec<GrantSource>,
    /// Set when the organisation lacks the permission's feature: granted, but not in force.
    pub missing_feature: Option<Feature>,
}

impl AccountDetail {
    pub fn full_name(&self) -> String {
        super::session::display_name(
            &self.form.first_name,
            &self.form.last_name,
            &self.form.email,
        )
    }
}

/// How an admin resets someone's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetMethod {
    /// A link valid [`RESET_HOURS`] hour by email.
    Email,
    /// A generated password shown once.
    TemporaryPassword,
}

/// What a reset produced: the temporary password when one was generated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetDone {
    pub temporary_password: Option<String>,
}

/// Where an email stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// Waiting for the worker.
    Queued,
    /// Handed to the mail server.
    Sent { at: Moment },
    /// Not delivered yet; the worker tries again.
    Retrying {
        error: String,
        attempts: u32,
        next: Moment,
    },
    /// The mail server refused it for good.
    Failed { error: String },
}

/// One pending invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub user_type: UserType,
    pub sent: Moment,
    pub expires: Moment,
    pub expired: bool,
    pub delivery: Option<Delivery>,
}

/// What an emailed link (invitation or password reset) leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    /// The link works: the person may choose their password.
    Valid {
        organisation_name: String,
        organisation_slug: String,
        email: String,
        first_name: String,
    },
    /// The link is older than its validity.
    Expired {
        organisation_name: String,
        organisation_slug: String,
    },
    /// The link was used already, or replaced by a newer one.
    Used {
        organisation_name: String,
        organisation_slug: String,
    },
    /// The account's access has ended (it was given access until a date).
    AccessEnded { organisation_name: String },
    /// No such link.
    Unknown,
}

/// Someone who can be given work: active members, for assignee pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignable {
    pub id: Uuid,
    pub name: String,
    /// Shown only to those who may see the people list.
    pub email: Option<String>,
}

/// The fewest letters a team manager who may not see the people list types to find someone to
/// add: they look people up by name, they do not browse the directory.
pub const NAME_SEARCH_MIN_CHARS: usize = 3;
