//! People: checking what is typed about a person (names, address, time zone, phone), finding an
//! account by address, and reading an account (its name, status, type, picture and language).
//! A building block: no feature module is imported here.

use super::{now, text::TextProblem, ServiceError, ServiceResult};
use crate::{
    entities::user,
    i18n::Locale,
    model::{account::AccountForm, PlatformRole, UserStatus, UserType},
};
use crate::{
    msg,
    services::messages::{FieldProblem, Message, Refusal},
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Func},
    ActiveValue::Set,
    SqlErr,
};
use std::collections::BTreeSet;

/// A form after checking: trimmed, optional fields as `None`.
pub(super) struct Checked {
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) external_id: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) roles: BTreeSet<Uuid>,
    /// When access ends: after the last day the form names.
    pub(super) access_ends: Option<chrono::DateTime<chrono::Utc>>,
}

pub(super) fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// A person's first name or, when `last`, last name as it is stored, or what is wrong with it.
pub(super) fn person_name(last: bool, value: &str) -> Result<String, Message> {
    let too_long = |last: bool| {
        if last {
            msg!("msg.accounts.last_name.too_long")
        } else {
            msg!("msg.accounts.first_name.too_long")
        }
    };
    Err(match super::text::name(value) {
        Ok(name) if name.is_empty() => {
            if last {
                msg!("msg.accounts.last_name.missing")
            } else {
                msg!("msg.accounts.first_name.missing")
            }
        }
        Ok(name) if name.chars().count() > 100 => too_long(last),
        Err(TextProblem::TooLong) => too_long(last),
        Ok(name) => return Ok(name),
        Err(TextProblem::Control) => {
            if last {
                msg!("msg.accounts.last_name.control")
            } else {
                msg!("msg.accounts.first_name.control")
            }
        }
        Err(TextProblem::Invisible) => super::text::refusal(TextProblem::Invisible, false),
    })
}

/// Whether `zone` is an IANA time zone name.
pub(super) fn valid_timezone(zone: &str) -> bool {
    zone.parse::<chrono_tz::Tz>().is_ok()
}

/// How to write a time zone, said when one is not understood.
pub(super) fn timezone_hint() -> Message {
    msg!("msg.accounts.timezone_hint")
}

/// A person's first and last names as they are stored, with what is wrong with them as field
/// errors, first name first. A name sent back exactly as `stored` (first, last) is kept as it
/// is: what was accepted once stays accepted, so an account saved under older rules can still be
/// edited.
pub(super) fn person_names(
    first_name: &str,
    last_name: &str,
    stored: Option<(&str, &str)>,
) -> (String, String, Vec<FieldProblem>) {
    let mut fields = Vec::new();
    let mut checked = |field: &'static str, last: bool, value: &str, kept: Option<&str>| {
        if kept == Some(value) {
            return value.to_string();
        }
        person_name(last, value).unwrap_or_else(|message| {
            fields.push(FieldProblem { field, message });
            String::new()
        })
    };
    let first = checked("first_name", false, first_name, stored.map(|s| s.0));
    let last = checked("last_name", true, last_name, stored.map(|s| s.1));
    (first, last, fields)
}

/// "Some details need your attention.": the message of a form refused for several reasons.
pub(super) fn check_details() -> Message {
    msg!("msg.error.check_details")
}

/// Checks every field of `form` at once, so the person sees all problems together. Names and an
/// address sent back unchanged from the `stored` account are kept as they are.
pub(super) fn check_form(
    form: &AccountForm,
    stored: Option<&user::Model>,
) -> Result<Checked, Refusal> {
    let (first_name, last_name, mut fields) = person_names(
        &form.first_name,
        &form.last_name,
        stored.map(|u| (u.first_name.as_str(), u.last_name.as_str())),
    );
    let mut problem =
        |field: &'static str, message: Message| fields.push(FieldProblem { field, message });
    let email = form.email.trim().to_string();
    let unchanged = stored.is_some_and(|u| u.email == email);
    if email.is_empty() {
        problem("email", msg!("msg.accounts.email_missing"));
    } else if let (false, Err(e)) = (unchanged, super::text::check_email("email", &email)) {
        problem("email", e.sentence());
    }
    let phone = optional(&form.phone);
    if let Some(phone) = &phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(5..=20).contains(&digits) || phone.len() > 32 {
            problem("phone", msg!("msg.accounts.phone_invalid"));
        }
    }
    let external_id = optional(&form.external_id);
    if external_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 255 || id.chars().any(char::is_control))
    {
        problem("external_id", msg!("msg.accounts.external_id_invalid"));
    }
    let timezone = optional(&form.timezone);
    if timezone
        .as_deref()
        .is_some_and(|zone| !valid_timezone(zone))
    {
        problem("timezone", timezone_hint());
    }
    if form.roles.is_empty() {
        problem("roles", msg!("msg.accounts.roles_missing"));
    }
    let access_ends = match optional(&form.access_until) {
        None => None,
        Some(day) => match day.parse::<chrono::NaiveDate>() {
            Ok(day) => {
                let ends = crate::model::account::access_ends(day);
                // A date already stored may have passed; a new one may not.
                let kept = stored.is_some_and(|u| u.access_expires_at == Some(ends));
                if !kept && ends <= super::now() {
                    problem("access_until", msg!("msg.accounts.access_until_past"));
                }
                Some(ends)
            }
            Err(_) => {
                problem("access_until", msg!("msg.accounts.access_until_invalid"));
                None
            }
        },
    };
    if !fields.is_empty() {
        return Err(Refusal::Invalid {
            message: check_details(),
            fields,
        });
    }
    Ok(Checked {
        first_name,
        last_name,
        email,
        phone,
        external_id,
        timezone,
        roles: form.roles.iter().copied().collect(),
        access_ends,
    })
}

/// Refuses `email` when another account of the organisation has it (ignoring case).
pub(super) async fn check_email_free(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    except: Option<Uuid>,
) -> ServiceResult<()> {
    match find_user_by_email(db, organisation_id, email).await? {
        Some(other) if Some(other.id) != except => Err(email_taken(email).into()),
        _ => Ok(()),
    }
}

pub(super) fn email_taken(email: &str) -> Refusal {
    Refusal::field("email", msg!("msg.accounts.email_taken", email = email))
}

/// Maps the database's uniqueness refusal (two admins adding the same address at once) to the
/// same message the check gives.
pub(super) fn unique_email(error: DbErr, email: &str) -> ServiceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(email).into(),
        _ => error.into(),
    }
}

/// Normalises an email address for comparison: trimmed, lowercase.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The user of `organisation_id` with `email`, ignoring case.
pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
) -> ServiceResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(normalise_email(email)))
        // An account replaced by another for a new user type has given its address up.
        .filter(user::Column::ReplacedBy.is_null())
        .one(db)
        .await?)
}

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
            locale: Set(Locale::En),
            theme: Set(crate::model::profile::Theme::System),
            signature: Set(None),
            notification_prefs: Set(None),
            user_type: Set(self.user_type),
            status: Set(self.status),
            password_hash: Set(self.password_hash),
            must_change_password: Set(self.must_change_password),
            platform_role: Set(self.platform_role),
            access_expires_at: Set(None),
            access_warned_at: Set(None),
            replaced_by: Set(None),
            user_name: Set(None),
            title: Set(None),
            deprovisioned_at: Set(None),
            last_login_at: Set(None),
            sso_break_glass: Set(false),
            avatar_updated_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    }
}

/// Refuses a password for `user` when their organisation requires single sign-on and they are
/// not one of its break-glass administrators: signing in, resetting, or setting one from a link.
pub async fn check_password_allowed(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<()> {
    if user.sso_break_glass {
        return Ok(());
    }
    let required = crate::entities::organisation::Entity::find_by_id(user.organisation_id)
        .one(db)
        .await?
        .filter(|o| o.sso_required);
    match required {
        Some(organisation) => Err(password_refused(&organisation.name).into()),
        None => Ok(()),
    }
}

/// The refusal of a password in an organisation that signs in with single sign-on.
pub fn password_refused(organisation: &str) -> Refusal {
    Refusal::Conflict(msg!(
        "msg.sso.password_required_sso",
        organisation = organisation
    ))
}
