use crate::model::{PlatformRole, UserStatus, UserType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
    pub timezone: Option<String>,
    pub locale: crate::i18n::Locale,
    pub theme: crate::model::profile::Theme,
    pub signature: Option<String>,
    pub notification_prefs: Option<Json>,
    pub user_type: UserType,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub platform_role: PlatformRole,
    pub access_expires_at: Option<DateTimeUtc>,
    /// When the organisation's administrators were told the access ends soon.
    pub access_warned_at: Option<DateTimeUtc>,
    /// The account that took this one's place when the person was given a new user type; its
    /// address then belongs to that one.
    pub replaced_by: Option<Uuid>,
    /// The name a directory knows the person by (SCIM `userName`); none: their address.
    pub user_name: Option<String>,
    /// The job title a directory sent.
    pub title: Option<String>,
    /// When a directory deprovisioned the account (SCIM DELETE): it stays suspended, with its
    /// history, and the directory sees it no more.
    pub deprovisioned_at: Option<DateTimeUtc>,
    pub last_login_at: Option<DateTimeUtc>,
    /// May still sign in with a password when the organisation requires single sign-on.
    pub sso_break_glass: bool,
    pub avatar_updated_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// "First Last", or the address when both names are blank.
    pub fn display_name(&self) -> String {
        crate::model::session::display_name(&self.first_name, &self.last_name, &self.email)
    }

    /// Where the person's picture is served; the version changes the address whenever the picture
    /// does, so browsers may keep it as long as they like.
    pub fn avatar_url(&self) -> Option<String> {
        avatar_url(self.id, self.avatar_updated_at)
    }
}

/// Where the picture of person `id`, last changed at `updated_at` (none: no picture), is served.
pub fn avatar_url(id: Uuid, updated_at: Option<DateTimeUtc>) -> Option<String> {
    updated_at.map(|at| format!("/avatars/{id}?v={}", at.timestamp_millis()))
}
