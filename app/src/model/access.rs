//! Permissions, features, user types and platform roles: closed sets shared by browser and server.

use crate::{i18n::Locale, tr};
use serde::{Deserialize, Serialize};

/// A stored code that is not one of a closed set's: data written by something else, or by a
/// newer version. Reading it fails loudly instead of guessing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} code {:?}", self.kind, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// `FromStr` and `Display` through a closed set's `from_code` and `code`: how it is stored in a
/// text column (SeaORM's `DeriveValueType` reads and writes through them) and how it prints.
#[macro_export]
macro_rules! stored_as_code {
    ($name:ident) => {
        impl std::str::FromStr for $name {
            type Err = $crate::model::access::UnknownCode;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                Self::from_code(code).ok_or_else(|| $crate::model::access::UnknownCode {
                    kind: stringify!($name),
                    code: code.to_string(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        // Stored in a text column as its code, read back through `FromStr`: the one place a
        // stored value is decoded, and an unknown one is an error, never a default.
        #[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
        #[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
        pub enum $name {
            $(#[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used by the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a code; `None` when it is not one of ours.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        $crate::stored_as_code!($name);
    };
}

pub(crate) use code_enum;

code_enum!(
    /// A product area that the licence and the organisation's override can switch off.
    Feature {
        Helpdesk = "helpdesk",
        Crm = "crm",
        Rmm = "rmm",
        Analytics = "analytics",
        Bots = "bots",
    }
);

code_enum!(
    /// Something a user may do inside an organisation.
    Permission {
        UsersView = "users.view",
        UsersInvite = "users.invite",
        UsersEdit = "users.edit",
        UsersSuspend = "users.suspend",
        UsersResetPassword = "users.reset_password",
        RolesManage = "roles.manage",
        TeamsManage = "teams.manage",
        AuditView = "audit.view",
        SignInsView = "sign_ins.view",
        OrgSettings = "org.settings",
        TicketsViewAll = "tickets.view_all",
        TicketsDelete = "tickets.delete",
        DataExport = "data.export",
        MacrosManage = "macros.manage",
        AnalyticsView = "analytics.view",
        BotsManage = "bots.manage",
    }
);

code_enum!(
    /// What kind of person an account is for. Fixed when the account is created.
    UserType {
        TenantAdmin = "tenant_admin",
        BotAdmin = "bot_admin",
        Supervisor = "supervisor",
        Agent = "agent",
        Analyst = "analyst",
        Viewer = "viewer",
    }
);

code_enum!(
    /// Where an account is in its life.
    UserStatus {
        Invited = "invited",
        Active = "active",
        Suspended = "suspended",
    }
);

code_enum!(
    /// Powers over the whole platform, held only by members of the admin tenant.
    PlatformRole {
        None = "none",
        Support = "support",
        SuperAdmin = "super_admin",
    }
);

code_enum!(
    /// The built-in roles every organisation starts with.
    RoleTemplate {
        Admin = "admin",
        Agent = "agent",
        Viewer = "viewer",
    }
);

impl PlatformRole {
    /// The role in words of `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            PlatformRole::None => tr!(l, "platform_role.none"),
            PlatformRole::Support => tr!(l, "platform_role.support"),
            PlatformRole::SuperAdmin => tr!(l, "platform_role.super_admin"),
        }
    }
}

impl UserStatus {
    /// The status as a badge names it, in `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            UserStatus::Invited => tr!(l, "status.invited"),
            UserStatus::Active => tr!(l, "status.active"),
            UserStatus::Suspended => tr!(l, "status.suspended"),
        }
    }
}

impl Feature {
    /// The feature's name in the console.
    pub fn label(self) -> &'static str {
        match self {
            Feature::Helpdesk => "Helpdesk",
            Feature::Crm => "CRM",
            Feature::Rmm => "RMM",
            Feature::Analytics => "Analytics",
            Feature::Bots => "Bots",
        }
    }

    /// The feature's name in `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            Feature::Helpdesk => tr!(l, "feature.helpdesk"),
            Feature::Crm => tr!(l, "feature.crm"),
            Feature::Rmm => tr!(l, "feature.rmm"),
            Feature::Analytics => tr!(l, "feature.analytics"),
            Feature::Bots => tr!(l, "feature.bots"),
        }
    }

    /// What the feature is, in `l`.
    pub fn description_in(self, l: Locale) -> String {
        match self {
            Feature::Helpdesk => tr!(l, "feature.helpdesk.description"),
            Feature::Crm => tr!(l, "feature.crm.description"),
            Feature::Rmm => tr!(l, "feature.rmm.description"),
            Feature::Analytics => tr!(l, "feature.analytics.description"),
            Feature::Bots => tr!(l, "feature.bots.description"),
        }
    }

    /// One line saying what the feature is.
    pub fn description(self) -> &'static str {
        match self {
            Feature::Helpdesk => "Tickets, macros and teams of agents",
            Feature::Crm => "Contacts, companies and deals",
            Feature::Rmm => "Remote monitoring and management of devices",
            Feature::Analytics => "Reports and dashboards",
            Feature::Bots => "Automated assistants and their administrators",
        }
    }
}

impl Permission {
    /// The feature this permission belongs to; it vanishes when the organisation lacks it.
    pub fn feature(self) -> Option<Feature> {
        use Permission::*;
        match self {
            TicketsViewAll | TicketsDelete | MacrosManage => Some(Feature::Helpdesk),
            AnalyticsView => Some(Feature::Analytics),
            BotsManage => Some(Feature::Bots),
            _ => None,
        }
    }

    /// What holding this permission allows, in `l`.
    pub fn description_in(self, l: Locale) -> String {
        use Permission::*;
        match self {
            UsersView => tr!(l, "permission.users_view"),
            UsersInvite => tr!(l, "permission.users_invite"),
            UsersEdit => tr!(l, "permission.users_edit"),
            UsersSuspend => tr!(l, "permission.users_suspend"),
            UsersResetPassword => tr!(l, "permission.users_reset_password"),
            RolesManage => tr!(l, "permission.roles_manage"),
            TeamsManage => tr!(l, "permission.teams_manage"),
            AuditView => tr!(l, "permission.audit_view"),
            SignInsView => tr!(l, "permission.sign_ins_view"),
            OrgSettings => tr!(l, "permission.org_settings"),
            TicketsViewAll => tr!(l, "permission.tickets_view_all"),
            TicketsDelete => tr!(l, "permission.tickets_delete"),
            DataExport => tr!(l, "permission.data_export"),
            MacrosManage => tr!(l, "permission.macros_manage"),
            AnalyticsView => tr!(l, "permission.analytics_view"),
            BotsManage => tr!(l, "permission.bots_manage"),
        }
    }

    /// One line saying what holding this permission allows.
    pub fn description(self) -> &'static str {
        use Permission::*;
        match self {
            UsersView => "See the people in this organisation",
            UsersInvite => "Invite people and create accounts",
            UsersEdit => "Change people's details and roles",
            UsersSuspend => "Suspend and reactivate people",
            UsersResetPassword => "Reset other people's passwords",
            RolesManage => "Create and change roles",
            TeamsManage => "Create teams and manage their members",
            AuditView => "Read the activity log",
            SignInsView => "See sign-in history and where people are signed in",
            OrgSettings => "Change the organisation's settings",
            TicketsViewAll => "View all tickets, not only assigned ones",
            TicketsDelete => "Delete tickets permanently",
            DataExport => "Export data and download reports",
            MacrosManage => "Create and edit macros",
            AnalyticsView => "View analytics and reports",
            BotsManage => "Create and manage bots",
        }
    }
}

impl UserType {
    /// The permissions every user of this type has, before any role.
    pub fn baseline(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            UserType::TenantAdmin => Permission::ALL,
            UserType::BotAdmin => &[UsersView, BotsManage],
            UserType::Supervisor => &[UsersView, TicketsViewAll, AnalyticsView],
            UserType::Agent => &[],
            UserType::Analyst => &[AnalyticsView, DataExport],
            UserType::Viewer => &[UsersView, TicketsViewAll, AnalyticsView],
        }
    }

    /// The feature without which this kind of account has nothing to do.
    pub fn feature(self) -> Option<Feature> {
        match self {
            UserType::BotAdmin => Some(Feature::Bots),
            UserType::Analyst => Some(Feature::Analytics),
            _ => None,
        }
    }

    /// The label shown in the console, in `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            UserType::TenantAdmin => tr!(l, "user_type.tenant_admin"),
            UserType::BotAdmin => tr!(l, "user_type.bot_admin"),
            UserType::Supervisor => tr!(l, "user_type.supervisor"),
            UserType::Agent => tr!(l, "user_type.agent"),
            UserType::Analyst => tr!(l, "user_type.analyst"),
            UserType::Viewer => tr!(l, "user_type.viewer"),
        }
    }

    /// The label shown in the console.
    pub fn label(self) -> &'static str {
        match self {
            UserType::TenantAdmin => "Tenant admin",
            UserType::BotAdmin => "Bot admin",
            UserType::Supervisor => "Supervisor",
            UserType::Agent => "Agent",
            UserType::Analyst => "Analyst",
            UserType::Viewer => "Viewer",
        }
    }
}

impl RoleTemplate {
    /// The role's name as created in a new organisation.
    pub fn name(self) -> &'static str {
        match self {
            RoleTemplate::Admin => "Admin",
            RoleTemplate::Agent => "Agent",
            RoleTemplate::Viewer => "Viewer",
        }
    }

    /// What the role is for.
    pub fn description(self) -> &'static str {
        match self {
            RoleTemplate::Admin => "Full access to people, roles, teams and settings",
            RoleTemplate::Agent => "Works tickets and uses macros; no administration",
            RoleTemplate::Viewer => "Read-only access",
        }
    }

    /// The permissions the role starts with.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            RoleTemplate::Admin => Permission::ALL,
            RoleTemplate::Agent => &[UsersView, TicketsViewAll],
            RoleTemplate::Viewer => &[UsersView],
        }
    }
}

/// The permissions a user holds: their type's baseline and their roles' permissions, minus those
/// whose feature the organisation does not have.
pub fn effective_permissions(
    user_type: UserType,
    role_permissions: impl IntoIterator<Item = Permission>,
    features: &[Feature],
) -> Vec<Permission> {
    let mut all: Vec<Permission> = user_type
        .baseline()
        .iter()
        .copied()
        .chain(role_permissions)
        .filter(|p| p.feature().is_none_or(|f| features.contains(&f)))
        .collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Server messages use the English names; the pages use the translated ones. They agree.
    #[test]
    fn english_names_agree_with_the_translations() {
        for f in Feature::ALL {
            assert_eq!(f.label_in(Locale::En), f.label());
            assert_eq!(f.description_in(Locale::En), f.description());
        }
        for p in Permission::ALL {
            assert_eq!(p.description_in(Locale::En), p.description());
        }
        for t in UserType::ALL {
            assert_eq!(t.label_in(Locale::En), t.label());
        }
        assert_eq!(UserType::Viewer.label_in(Locale::Fr), "Lecteur");
    }

    #[test]
    fn codes_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_code(p.code()), Some(*p));
        }
        assert_eq!(
            UserType::from_code("tenant_admin"),
            Some(UserType::TenantAdmin)
        );
        assert_eq!(Feature::from_code("crm"), Some(Feature::Crm));
        assert_eq!(Feature::from_code("nope"), None);
    }

    #[test]
    fn permissions_of_a_missing_feature_vanish() {
        let perms = effective_permissions(UserType::Viewer, [], &[Feature::Crm]);
        assert!(perms.contains(&Permission::UsersView));
        assert!(!perms.contains(&Permission::TicketsViewAll));
        assert!(!perms.contains(&Permission::AnalyticsView));
    }

    #[test]
    fn roles_add_to_the_baseline_without_duplicates() {
        let perms = effective_permissions(
            UserType::Agent,
            [
                Permission::UsersView,
                Permission::UsersView,
                Permission::AuditView,
            ],
            Feature::ALL,
        );
        assert_eq!(perms, vec![Permission::UsersView, Permission::AuditView]);
    }

    #[test]
    fn serde_uses_the_codes() {
        let json = serde_json::to_string(&Permission::UsersResetPassword).unwrap();
        assert_eq!(json, "\"users.reset_password\"");
    }
}
