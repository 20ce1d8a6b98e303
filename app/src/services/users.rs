//! People's accounts.

use super::now;
use crate::{
    entities::user,
    model::{PlatformRole, UserStatus, UserType},
};
use sea_orm::{prelude::*, ActiveValue::Set};

/// What a new account starts with; everything else takes its default.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub organisation_id: Uuid,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub user_type: UserType,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub platform_role: PlatformRole,
}

impl NewUser<'_> {
    /// The row to insert.
    pub fn into_active_model(self) -> user::ActiveModel {
        let now = now();
        user::ActiveModel {
            id: Set(Uuid::new_v4()),
            organisation_id: Set(self.organisation_id),
            email: Set(self.email.trim().to_string()),
            first_name: Set(self.first_name.trim().to_string()),
            last_name: Set(self.last_name.trim().to_string()),
            phone: Set(None),
            external_id: Set(None),
            timezone: Set(None),
            locale: Set("en".to_string()),
            theme: Set("system".to_string()),
            signature: Set(None),
            notification_prefs: Set(None),
            user_type: Set(self.user_type.code().to_string()),
            status: Set(self.status.code().to_string()),
            password_hash: Set(self.password_hash),
            must_change_password: Set(self.must_change_password),
            platform_role: Set(self.platform_role.code().to_string()),
            access_expires_at: Set(None),
            last_login_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}
