//! A person's own profile and account: what "My profile" shows and takes.

use super::{users::Moment, PlatformRole, UserStatus, UserType};
use crate::i18n::Locale;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The largest picture accepted, before re-encoding.
pub const AVATAR_MAX_BYTES: usize = 2 * 1024 * 1024;
/// The longest side of a picture accepted; larger ones would take too much memory to decode.
pub const AVATAR_MAX_SIDE: u32 = 4000;
/// The side of the square picture kept.
pub const AVATAR_SIDE: u32 = 256;
/// The longest personal signature.
pub const SIGNATURE_MAX_CHARS: usize = 2000;

/// How the console looks for the person.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

crate::stored_as_code!(Theme);

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::System];

    pub fn code(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    pub fn from_code(code: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The value of the console's `data-theme`: none when the system decides.
    pub fn attribute(self) -> Option<&'static str> {
        (self != Theme::System).then(|| self.code())
    }
}

/// Which emails the person wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    /// When a ticket or conversation is assigned to them.
    pub assignment: bool,
    /// When someone mentions them.
    pub mention: bool,
    /// A summary of the day, each morning.
    pub daily_digest: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            assignment: true,
            mention: true,
            daily_digest: false,
        }
    }
}

/// "My profile".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: Uuid,
    pub email: String,
    /// A new address waiting for its confirmation link to be opened.
    pub pending_email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub timezone: String,
    pub locale: Locale,
    pub theme: Theme,
    pub signature: String,
    pub notifications: Notifications,
    pub user_type: UserType,
    pub platform_role: PlatformRole,
    pub status: UserStatus,
    pub roles: Vec<String>,
    pub organisation_name: String,
    pub avatar_url: Option<String>,
    pub version: i32,
}

/// What "My profile" saves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProfileChange {
    pub first_name: String,
    pub last_name: String,
    pub timezone: String,
    pub locale: String,
    pub theme: String,
    pub signature: String,
    pub notifications: Notifications,
    pub version: i32,
}

/// One of the person's signed-in browsers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionEntry {
    pub id: Uuid,
    pub device: String,
    pub ip: Option<String>,
    pub started: Moment,
    pub last_seen: Moment,
    /// The browser asking.
    pub current: bool,
}

/// One attempt to sign in to the person's account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignInEntry {
    pub at: Moment,
    pub device: String,
    pub ip: Option<String>,
    pub success: bool,
}

/// The person's sessions and recent sign-ins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSecurity {
    pub sessions: Vec<SessionEntry>,
    pub sign_ins: Vec<SignInEntry>,
}

/// A short name for the browser behind a `User-Agent`, such as "Firefox on Windows".
pub fn device_of(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.filter(|a| !a.trim().is_empty()) else {
        return "Unknown browser".to_string();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| name);
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        (None, Some(s)) => format!("A browser on {s}"),
        (None, None) => agent.chars().take(60).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::device_of;

    #[test]
    fn devices_are_named() {
        assert_eq!(
            device_of(Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36 Chrome/120")),
            "Chrome on Linux"
        );
        assert_eq!(
            device_of(Some(
                "Mozilla/5.0 (Windows NT 10.0; rv:120.0) Gecko/20100101 Firefox/120.0"
            )),
            "Firefox on Windows"
        );
        assert_eq!(device_of(None), "Unknown browser");
    }
}
