//! The Users page's query and answer, shared by the page and the server.

use super::{UserStatus, UserType};
use crate::{i18n::Locale, tr};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// "Access ending soon" means within this many days.
pub const ACCESS_ENDING_DAYS: i64 = 30;

/// Rows per page of the user list.
pub const PAGE_SIZE: u64 = 50;

/// The list counts matching users up to this many; past it, it says "more than".
pub const COUNT_CAP: u64 = 1_000;

/// The last page the list shows: the pages of the first `COUNT_CAP` matches. Past it the page asks
/// for a narrower search, and a larger page number in a URL reads as this one.
pub const LAST_PAGE: u64 = COUNT_CAP / PAGE_SIZE;

/// Which statuses the list shows. By default suspended people are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StatusFilter {
    #[default]
    Current,
    All,
    Only(UserStatus),
}

impl StatusFilter {
    /// Every choice, in the order the filter offers them.
    pub const CHOICES: [StatusFilter; 5] = [
        StatusFilter::Current,
        StatusFilter::All,
        StatusFilter::Only(UserStatus::Active),
        StatusFilter::Only(UserStatus::Invited),
        StatusFilter::Only(UserStatus::Suspended),
    ];

    /// The value in the URL.
    pub fn code(self) -> &'static str {
        match self {
            StatusFilter::Current => "",
            StatusFilter::All => "all",
            StatusFilter::Only(status) => status.code(),
        }
    }

    /// What the filter calls it, in `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            StatusFilter::Current => tr!(l, "status_filter.current"),
            StatusFilter::All => tr!(l, "status_filter.all"),
            StatusFilter::Only(status) => status.label_in(l),
        }
    }

    /// What the filter calls it.
    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Current => "Active and invited",
            StatusFilter::All => "All statuses",
            StatusFilter::Only(UserStatus::Active) => "Active",
            StatusFilter::Only(UserStatus::Invited) => "Invited",
            StatusFilter::Only(UserStatus::Suspended) => "Suspended",
        }
    }

    fn parse(code: &str) -> Self {
        match code {
            "all" => StatusFilter::All,
            other => UserStatus::from_code(other).map_or(StatusFilter::Current, StatusFilter::Only),
        }
    }
}

/// The column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum UserSort {
    #[default]
    Name,
    Email,
    LastSignIn,
    Created,
}

impl UserSort {
    pub const ALL: [UserSort; 4] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::LastSignIn,
        UserSort::Created,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::LastSignIn => "last_sign_in",
            UserSort::Created => "created",
        }
    }

    /// The column's name in `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            UserSort::Name => tr!(l, "user_sort.name"),
            UserSort::Email => tr!(l, "user_sort.email"),
            UserSort::LastSignIn => tr!(l, "user_sort.last_sign_in"),
            UserSort::Created => tr!(l, "user_sort.created"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UserSort::Name => "Name",
            UserSort::Email => "Email",
            UserSort::LastSignIn => "Last sign-in",
            UserSort::Created => "Date added",
        }
    }

    fn parse(code: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .unwrap_or_default()
    }
}

/// What the Users page asks for; it lives in the URL so a view can be shared and reloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub search: String,
    pub status: StatusFilter,
    pub user_type: Option<UserType>,
    pub role: Option<Uuid>,
    /// Only people whose access ends within [`ACCESS_ENDING_DAYS`] days.
    #[serde(default)]
    pub access_ending: bool,
    pub sort: UserSort,
    pub descending: bool,
    /// 1-based.
    pub page: u64,
}

impl Default for UserQuery {
    fn default() -> Self {
        Self {
            search: String::new(),
            status: StatusFilter::default(),
            user_type: None,
            role: None,
            access_ending: false,
            sort: UserSort::default(),
            descending: false,
            page: 1,
        }
    }
}

impl UserQuery {
    /// Reads the query from URL parameters; anything unreadable takes its default.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            search: get("q").unwrap_or_default(),
            status: StatusFilter::parse(&get("status").unwrap_or_default()),
            user_type: get("type").and_then(|t| UserType::from_code(&t)),
            role: get("role").and_then(|r| Uuid::parse_str(&r).ok()),
            access_ending: get("access").as_deref() == Some("ending"),
            sort: UserSort::parse(&get("sort").unwrap_or_default()),
            descending: get("dir").as_deref() == Some("desc"),
            page: get("page")
                .and_then(|p| {
                    // A number too large to read is past the last page all the same.
                    let digits = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
                    p.parse::<u64>().ok().or(digits.then_some(u64::MAX))
                })
                .filter(|p| *p > 0)
                .unwrap_or(1)
                .min(LAST_PAGE),
        }
    }

    /// The URL parameters for this query, leaving out defaults.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if !self.search.trim().is_empty() {
            params.push(("q", self.search.trim().to_string()));
        }
        if self.status != StatusFilter::Current {
            params.push(("status", self.status.code().to_string()));
        }
        if let Some(user_type) = self.user_type {
            params.push(("type", user_type.code().to_string()));
        }
        if let Some(role) = self.role {
            params.push(("role", role.to_string()));
        }
        if self.access_ending {
            params.push(("access", "ending".to_string()));
        }
        if self.sort != UserSort::Name {
            params.push(("sort", self.sort.code().to_string()));
        }
        if self.descending {
            params.push(("dir", "desc".to_string()));
        }
        if self.page > 1 {
            params.push(("page", self.page.to_string()));
        }
        params
    }
}

/// A role as a tag on a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTag {
    pub id: Uuid,
    pub name: String,
}

/// One line of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_type: UserType,
    pub status: UserStatus,
    pub roles: Vec<RoleTag>,
    pub last_sign_in: Option<Moment>,
    /// Where the person's picture is served, when they have one.
    pub avatar_url: Option<String>,
    /// The last day of their access, when it ends, as the page shows it ("12 Jan 2027"):
    /// written on the server, so the browser needs no date code.
    #[serde(default)]
    pub access_until: Option<String>,
}

impl UserRow {
    pub fn full_name(&self) -> String {
        super::session::display_name(&self.first_name, &self.last_name, &self.email)
    }

    pub fn initials(&self) -> String {
        super::session::initials(&self.first_name, &self.last_name)
    }
}

/// Counts for the stat cards: the whole organisation, whatever the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserStats {
    pub total: u64,
    pub active: u64,
    pub invited: u64,
    pub suspended: u64,
}

/// One page of the user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub rows: Vec<UserRow>,
    /// Users matching the filters, on all pages; `COUNT_CAP + 1` means "more than `COUNT_CAP`".
    pub matching: u64,
    pub page: u64,
    pub stats: UserStats,
}

/// A moment in time as the console shows it, worked out on the server so the browser needs no
/// date library: how long ago (shown as "3 hours ago" in the page's language), with the exact time
/// for a tooltip and a machine-readable one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    /// Seconds from the moment to when it was read; negative for a moment to come.
    pub seconds_ago: i64,
    /// The day, for moments more than a month away.
    pub day: String,
    pub exact: String,
    pub iso: String,
}

impl Moment {
    /// `at` as seen at `now`.
    pub fn new(at: DateTime<Utc>, now: DateTime<Utc>) -> Self {
        Self {
            seconds_ago: (now - at).num_seconds(),
            day: at.format("%Y-%m-%d").to_string(),
            exact: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            iso: at.to_rfc3339(),
        }
    }

    /// "just now", "5 minutes ago", "in 6 days", or the day for moments further away, in `l`.
    pub fn relative(&self, l: Locale) -> String {
        let (seconds, future) = (self.seconds_ago.abs(), self.seconds_ago < 0);
        #[derive(PartialEq)]
        enum Unit {
            Minute,
            Hour,
            Day,
        }
        let (n, unit) = match seconds {
            0..=59 => return tr!(l, "time.just_now"),
            60..=3_599 => (seconds / 60, Unit::Minute),
            3_600..=86_399 => (seconds / 3_600, Unit::Hour),
            86_400..=2_591_999 => (seconds / 86_400, Unit::Day),
            _ => return self.day.clone(),
        };
        match (unit, n == 1, future) {
            (Unit::Minute, true, false) => tr!(l, "time.minute_ago"),
            (Unit::Minute, false, false) => tr!(l, "time.minutes_ago", count = n),
            (Unit::Minute, true, true) => tr!(l, "time.in_minute"),
            (Unit::Minute, false, true) => tr!(l, "time.in_minutes", count = n),
            (Unit::Hour, true, false) => tr!(l, "time.hour_ago"),
            (Unit::Hour, false, false) => tr!(l, "time.hours_ago", count = n),
            (Unit::Hour, true, true) => tr!(l, "time.in_hour"),
            (Unit::Hour, false, true) => tr!(l, "time.in_hours", count = n),
            (Unit::Day, true, false) => tr!(l, "time.day_ago"),
            (Unit::Day, false, false) => tr!(l, "time.days_ago", count = n),
            (Unit::Day, true, true) => tr!(l, "time.in_day"),
            (Unit::Day, false, true) => tr!(l, "time.in_days", count = n),
        }
    }
}

/// `day` as a person reads it in `l`: "12 Jan 2027", "12 janv. 2027".
pub fn short_day(day: chrono::NaiveDate, l: Locale) -> String {
    use chrono::Datelike;
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const FR: [&str; 12] = [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ];
    let months = match l {
        Locale::En => EN,
        Locale::Fr => FR,
    };
    let month = months[day.month0() as usize];
    format!("{} {month} {}", day.day(), day.year())
}

/// How many pages `matching` people fill, counting only the first `COUNT_CAP`.
pub fn page_count(matching: u64) -> u64 {
    matching.min(COUNT_CAP).div_ceil(PAGE_SIZE).max(1)
}

impl UserList {
    pub fn pages(&self) -> u64 {
        page_count(self.matching)
    }

    /// Whether more users match than were counted.
    pub fn more_than_counted(&self) -> bool {
        self.matching > COUNT_CAP
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn queries_round_trip_through_the_url() {
        let query = UserQuery {
            search: "ada".into(),
            status: StatusFilter::Only(UserStatus::Suspended),
            user_type: Some(UserType::Agent),
            role: Some(Uuid::nil()),
            access_ending: true,
            sort: UserSort::LastSignIn,
            descending: true,
            page: 3,
        };
        let params: HashMap<_, _> = query.to_params().into_iter().collect();
        let read = UserQuery::from_params(|k| params.get(k).cloned());
        assert_eq!(read, query);
        assert!(UserQuery::default().to_params().is_empty());
    }

    #[test]
    fn unreadable_parameters_take_their_defaults() {
        let read = UserQuery::from_params(|k| Some(format!("nonsense-{k}")));
        assert_eq!(
            read,
            UserQuery {
                search: "nonsense-q".into(),
                ..UserQuery::default()
            }
        );
    }

    #[test]
    fn page_numbers_past_the_last_page_read_as_the_last() {
        for page in ["21", "18446744073709551615", "99999999999999999999999"] {
            let read = UserQuery::from_params(|k| (k == "page").then(|| page.to_string()));
            assert_eq!(read.page, LAST_PAGE, "{page}");
        }
        assert_eq!(LAST_PAGE * PAGE_SIZE, COUNT_CAP);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Utc::now();
        let text = |at, l| Moment::new(at, now).relative(l);
        let en = Locale::En;
        assert_eq!(text(now, en), "just now");
        assert_eq!(text(now - chrono::Duration::minutes(1), en), "1 minute ago");
        assert_eq!(text(now - chrono::Duration::hours(5), en), "5 hours ago");
        assert_eq!(text(now - chrono::Duration::days(2), en), "2 days ago");
        assert_eq!(text(now + chrono::Duration::days(6), en), "in 6 days");
        assert_eq!(
            text(now - chrono::Duration::hours(5), Locale::Fr),
            "il y a 5 heures"
        );
        assert_eq!(
            text(now + chrono::Duration::days(1), Locale::Fr),
            "dans 1 jour"
        );
        let long_ago = now - chrono::Duration::days(90);
        assert_eq!(text(long_ago, en), long_ago.format("%Y-%m-%d").to_string());
    }
}
