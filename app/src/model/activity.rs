//! The Activity page's query and answer: the audit trail as people read it.

use super::access::code_enum;
use super::users::Moment;
use crate::{i18n::Locale, tr};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Entries per page of the Activity view.
pub const PAGE_SIZE: u64 = 50;

/// How long a new organisation keeps its trail, in days.
pub const RETENTION_DEFAULT_DAYS: i32 = 365;
/// The shortest time an organisation may keep its trail, in days.
pub const RETENTION_MIN_DAYS: i32 = 30;
/// The longest, ten years.
pub const RETENTION_MAX_DAYS: i32 = 3_650;

code_enum!(
    /// What an audit entry records was done.
    AuditAction {
        UserCreated = "user.created",
        UserInvited = "user.invited",
        UserUpdated = "user.updated",
        UserSuspended = "user.suspended",
        UserReactivated = "user.reactivated",
        UserSignedOut = "user.signed_out",
        AccessEnded = "user.access_ended",
        UserTypeChanged = "user.type_changed",
        UserDeprovisioned = "user.deprovisioned",
        InvitationAccepted = "user.invitation_accepted",
        InvitationResent = "user.invitation_resent",
        InvitationRevoked = "user.invitation_revoked",
        PasswordChanged = "user.password_changed",
        PasswordResetRequested = "user.password_reset_requested",
        PasswordResetSent = "user.password_reset_sent",
        PasswordResetTemporary = "user.password_reset_temporary",
        PasswordResetCompleted = "user.password_reset_completed",
        ProfileUpdated = "profile.updated",
        EmailChangeRequested = "profile.email_change_requested",
        EmailChanged = "profile.email_changed",
        PictureChanged = "profile.avatar_changed",
        PictureRemoved = "profile.avatar_removed",
        SessionsEnded = "profile.sessions_ended",
        RoleCreated = "role.created",
        RoleUpdated = "role.updated",
        RoleDeleted = "role.deleted",
        TeamCreated = "team.created",
        TeamUpdated = "team.updated",
        TeamDeleted = "team.deleted",
        TeamMemberSet = "team.member_set",
        TeamMemberRemoved = "team.member_removed",
        TeamSignatureChanged = "team.signature_changed",
        ApiKeyCreated = "api_key.created",
        ApiKeyRevoked = "api_key.revoked",
        SsoConnectionCreated = "sso.connection_created",
        SsoConnectionUpdated = "sso.connection_updated",
        SsoConnectionRemoved = "sso.connection_removed",
        SsoRequirementChanged = "sso.requirement_changed",
        OrganisationCreated = "organisation.created",
        OrganisationUpdated = "organisation.updated",
        LicenceInstalled = "licence.installed",
        DataExported = "data.exported",
        ActivityPruned = "activity.pruned",
    }
);

impl AuditAction {
    /// What was done, in words of `l`.
    pub fn label_in(self, l: Locale) -> String {
        use AuditAction::*;
        match self {
            UserCreated => tr!(l, "audit_action.user_created"),
            UserInvited => tr!(l, "audit_action.user_invited"),
            UserUpdated => tr!(l, "audit_action.user_updated"),
            UserSuspended => tr!(l, "audit_action.user_suspended"),
            UserReactivated => tr!(l, "audit_action.user_reactivated"),
            UserSignedOut => tr!(l, "audit_action.user_signed_out"),
            AccessEnded => tr!(l, "audit_action.access_ended"),
            UserTypeChanged => tr!(l, "audit_action.user_type_changed"),
            UserDeprovisioned => tr!(l, "audit_action.user_deprovisioned"),
            InvitationAccepted => tr!(l, "audit_action.invitation_accepted"),
            InvitationResent => tr!(l, "audit_action.invitation_resent"),
            InvitationRevoked => tr!(l, "audit_action.invitation_revoked"),
            PasswordChanged => tr!(l, "audit_action.password_changed"),
            PasswordResetRequested => tr!(l, "audit_action.password_reset_requested"),
            PasswordResetSent => tr!(l, "audit_action.password_reset_sent"),
            PasswordResetTemporary => tr!(l, "audit_action.password_reset_temporary"),
            PasswordResetCompleted => tr!(l, "audit_action.password_reset_completed"),
            ProfileUpdated => tr!(l, "audit_action.profile_updated"),
            EmailChangeRequested => tr!(l, "audit_action.email_change_requested"),
            EmailChanged => tr!(l, "audit_action.email_changed"),
            PictureChanged => tr!(l, "audit_action.picture_changed"),
            PictureRemoved => tr!(l, "audit_action.picture_removed"),
            SessionsEnded => tr!(l, "audit_action.sessions_ended"),
            RoleCreated => tr!(l, "audit_action.role_created"),
            RoleUpdated => tr!(l, "audit_action.role_updated"),
            RoleDeleted => tr!(l, "audit_action.role_deleted"),
            TeamCreated => tr!(l, "audit_action.team_created"),
            TeamUpdated => tr!(l, "audit_action.team_updated"),
            TeamDeleted => tr!(l, "audit_action.team_deleted"),
            TeamMemberSet => tr!(l, "audit_action.team_member_set"),
            TeamMemberRemoved => tr!(l, "audit_action.team_member_removed"),
            TeamSignatureChanged => tr!(l, "audit_action.team_signature_changed"),
            ApiKeyCreated => tr!(l, "audit_action.api_key_created"),
            ApiKeyRevoked => tr!(l, "audit_action.api_key_revoked"),
            SsoConnectionCreated => tr!(l, "audit_action.sso_connection_created"),
            SsoConnectionUpdated => tr!(l, "audit_action.sso_connection_updated"),
            SsoConnectionRemoved => tr!(l, "audit_action.sso_connection_removed"),
            SsoRequirementChanged => tr!(l, "audit_action.sso_requirement_changed"),
            OrganisationCreated => tr!(l, "audit_action.organisation_created"),
            OrganisationUpdated => tr!(l, "audit_action.organisation_updated"),
            LicenceInstalled => tr!(l, "audit_action.licence_installed"),
            DataExported => tr!(l, "audit_action.data_exported"),
            ActivityPruned => tr!(l, "audit_action.activity_pruned"),
        }
    }
}

/// Where a page of the trail ends: the entries after it are older. Written into the URL as
/// `<nanoseconds since 1970>-<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// The value in the URL.
    pub fn code(&self) -> String {
        let nanos = self.at.timestamp_nanos_opt().unwrap_or_default();
        format!("{nanos}-{}", self.id.simple())
    }

    /// Reads a cursor from the URL; `None` when it is not one.
    pub fn parse(code: &str) -> Option<Self> {
        let (nanos, id) = code.split_once('-')?;
        Some(Self {
            at: DateTime::from_timestamp_nanos(nanos.parse().ok()?),
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// What the Activity view asks for; it lives in the URL so a view can be shared and reloaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityQuery {
    /// Only what this person did.
    pub actor: Option<Uuid>,
    /// Only what was done to this person.
    pub subject: Option<Uuid>,
    /// Only what this person did or had done to them (their page's Activity section).
    pub person: Option<Uuid>,
    pub action: Option<AuditAction>,
    /// From the start of this day (UTC).
    pub from: Option<NaiveDate>,
    /// To the end of this day (UTC).
    pub to: Option<NaiveDate>,
    /// Only entries older than this: the next page.
    pub before: Option<Cursor>,
}

impl ActivityQuery {
    /// Reads the query from URL parameters; anything unreadable is left out.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let id = |key| get(key).and_then(|v| Uuid::parse_str(&v).ok());
        let day = |key| get(key).and_then(|v| v.parse::<NaiveDate>().ok());
        Self {
            actor: id("actor"),
            subject: id("subject"),
            person: id("person"),
            action: get("action").and_then(|a| AuditAction::from_code(&a)),
            from: day("from"),
            to: day("to"),
            before: get("before").and_then(|c| Cursor::parse(&c)),
        }
    }

    /// The URL parameters for this query, leaving out what is not set.
    pub fn to_params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(actor) = self.actor {
            params.push(("actor", actor.to_string()));
        }
        if let Some(subject) = self.subject {
            params.push(("subject", subject.to_string()));
        }
        if let Some(person) = self.person {
            params.push(("person", person.to_string()));
        }
        if let Some(action) = self.action {
            params.push(("action", action.code().to_string()));
        }
        if let Some(from) = self.from {
            params.push(("from", from.to_string()));
        }
        if let Some(to) = self.to {
            params.push(("to", to.to_string()));
        }
        if let Some(before) = self.before {
            params.push(("before", before.code()));
        }
        params
    }
}

impl PagedQuery for ActivityQuery {
    fn before(&mut self) -> &mut Option<Cursor> {
        &mut self.before
    }
}

/// The query of a list that lives in the URL and pages after the last row shown.
pub trait PagedQuery: Clone + Default + PartialEq {
    /// Where the page starts: rows older than this.
    fn before(&mut self) -> &mut Option<Cursor>;

    /// The same filters from the newest row on.
    fn first_page(&self) -> Self {
        let mut first = self.clone();
        *first.before() = None;
        first
    }

    /// Whether anything narrows the view.
    fn is_filtered(&self) -> bool {
        self.first_page() != Self::default()
    }
}

/// A person an entry names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPerson {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// The organisation they belong to, when it is not the one whose trail this is (a
    /// super-admin or support person who acted from the admin tenant).
    pub home: Option<String>,
}

/// What an entry was done to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivitySubject {
    Person(ActivityPerson),
    /// A role, a team, an API key, …: its kind, id and name (the name it had, once deleted).
    Thing {
        kind: SubjectKind,
        id: Option<Uuid>,
        name: String,
    },
}

/// The kinds of things besides people the trail records changes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    Role,
    Team,
    ApiKey,
    Organisation,
    Licence,
    SsoConnection,
}

impl SubjectKind {
    /// The kind stored as an entry's target type.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "role" => Some(SubjectKind::Role),
            "team" => Some(SubjectKind::Team),
            "api_key" => Some(SubjectKind::ApiKey),
            "organisation" => Some(SubjectKind::Organisation),
            "licence" => Some(SubjectKind::Licence),
            "sso_connection" => Some(SubjectKind::SsoConnection),
            _ => None,
        }
    }

    /// The kind in words of `l`.
    pub fn label_in(self, l: Locale) -> String {
        match self {
            SubjectKind::Role => tr!(l, "activity.kind.role"),
            SubjectKind::Team => tr!(l, "activity.kind.team"),
            SubjectKind::ApiKey => tr!(l, "activity.kind.api_key"),
            SubjectKind::Organisation => tr!(l, "activity.kind.organisation"),
            SubjectKind::Licence => tr!(l, "activity.kind.licence"),
            SubjectKind::SsoConnection => tr!(l, "activity.kind.sso_connection"),
        }
    }
}

/// One field an entry changed, its values as text (`None`: it had none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One line of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub id: Uuid,
    pub at: Moment,
    /// Who did it; `None` for the system (a scheduled job) or someone since removed.
    pub actor: Option<ActivityPerson>,
    pub action: AuditAction,
    pub subject: Option<ActivitySubject>,
    pub changes: Vec<FieldChange>,
    pub ip: Option<String>,
}

/// One page of the trail, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityList {
    pub entries: Vec<ActivityEntry>,
    /// Where the next (older) page starts, when there is one.
    pub older: Option<Cursor>,
    /// The people the filters name, to show who the view is narrowed to.
    pub actor: Option<ActivityPerson>,
    pub subject: Option<ActivityPerson>,
    pub person: Option<ActivityPerson>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn queries_round_trip_through_the_url() {
        let query = ActivityQuery {
            actor: Some(Uuid::new_v4()),
            subject: Some(Uuid::new_v4()),
            person: Some(Uuid::new_v4()),
            action: Some(AuditAction::TeamMemberSet),
            from: NaiveDate::from_ymd_opt(2026, 1, 2),
            to: NaiveDate::from_ymd_opt(2026, 3, 4),
            before: Some(Cursor {
                at: DateTime::from_timestamp_nanos(1_764_000_000_123_456_789),
                id: Uuid::new_v4(),
            }),
        };
        let params: HashMap<_, _> = query.to_params().into_iter().collect();
        assert_eq!(
            ActivityQuery::from_params(|k| params.get(k).cloned()),
            query
        );
        assert!(ActivityQuery::default().to_params().is_empty());
        assert!(query.is_filtered() && !ActivityQuery::default().is_filtered());
    }

    #[test]
    fn unreadable_parameters_are_left_out() {
        let read = ActivityQuery::from_params(|k| Some(format!("nonsense-{k}")));
        assert_eq!(read, ActivityQuery::default());
    }

    #[test]
    fn every_action_has_words_in_every_language() {
        for action in AuditAction::ALL {
            for l in Locale::ALL {
                let label = action.label_in(l);
                assert!(!label.contains("audit_action."), "{action} in {l:?}");
            }
        }
    }
}
