//! What every signed-in person changes about themselves: name, picture, signature, time zone,
//! language, theme, notifications, email address, and their own sessions. It acts on the person's
//! own account, in their home organisation, even while a super-admin is switched elsewhere.

use crate::services::audit::AuditAction;
mod email_change;
mod picture;
mod security;

pub use email_change::*;
pub use picture::*;
pub use security::*;

use super::people::{
    check_details, check_email_free, person_names, timezone_hint, unique_email, valid_timezone,
};
use super::{
    audit::{self, AuditEntry, Changes},
    auth::{self, Signed},
    locking::claim_version,
    mail, now, sessions,
    text::{self, TextProblem},
    tokens::{self, link_not_usable, Minted, TokenKind},
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{login_event, organisation, role, session, user, user_avatar, user_role},
    i18n::Locale,
    model::{
        profile::{
            device_of, AccountSecurity, Notifications, Profile, ProfileChange, SignInEntry, Theme,
            AVATAR_MAX_BYTES, AVATAR_MAX_SIDE, AVATAR_SIDE, SIGNATURE_MAX_CHARS,
        },
        users::Moment,
        PlatformRole, UserStatus,
    },
    tr,
};
use crate::{
    msg,
    services::messages::{FieldProblem, Message, Refusal},
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, OnConflict},
    ActiveValue::Set,
    QueryOrder, QuerySelect,
};
use serde_json::json;

fn notifications_of(user: &user::Model) -> Notifications {
    user.notification_prefs
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// "My profile" of the signed-in person.
pub async fn get(db: &impl ConnectionTrait, signed: &Signed) -> ServiceResult<Profile> {
    let user = user::Entity::find_by_id(signed.user.id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal("signed-in account is gone".into()))?;
    let organisation = organisation::Entity::find_by_id(user.organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?;
    let roles = role::Entity::find()
        .filter(
            role::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(user_role::Column::RoleId)
                    .from(user_role::Entity)
                    .and_where(user_role::Column::UserId.eq(user.id))
                    .to_owned(),
            ),
        )
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let pending_email = tokens::latest(db, TokenKind::EmailChange, [user.id])
        .await?
        .into_iter()
        .find(|t| t.used_at.is_none() && t.expires_at > now())
        .and_then(|t| t.new_email);
    Ok(Profile {
        id: user.id,
        pending_email,
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        timezone: user.timezone.clone().unwrap_or_default(),
        locale: user.locale,
        theme: user.theme,
        signature: user.signature.clone().unwrap_or_default(),
        notifications: notifications_of(&user),
        user_type: user.user_type,
        platform_role: user.platform_role,
        status: user.status,
        roles,
        organisation_name: organisation.name,
        avatar_url: user.avatar_url(),
        version: user.version,
        email: user.email,
    })
}

/// Saves "My profile". Type, roles, status and email are not changed here.
pub async fn update(
    state: &AppState,
    signed: &Signed,
    change: &ProfileChange,
    client: &ClientInfo,
) -> ServiceResult<Profile> {
    let stored = &signed.user;
    let (first_name, last_name, mut fields) = person_names(
        &change.first_name,
        &change.last_name,
        Some((&stored.first_name, &stored.last_name)),
    );
    let mut problem =
        |field: &'static str, message: Message| fields.push(FieldProblem { field, message });
    let timezone = change.timezone.trim();
    if !timezone.is_empty() && !valid_timezone(timezone) {
        problem("timezone", timezone_hint());
    }
    let locale = Locale::from_code(&change.locale).filter(|l| l.code() == change.locale);
    if locale.is_none() {
        problem(
            "locale",
            msg!(
                "msg.profile.locale_invalid",
                languages = Locale::ALL.map(Locale::native_name).join(", ")
            ),
        );
    }
    let theme = Theme::from_code(&change.theme);
    if theme.is_none() {
        problem("theme", msg!("msg.profile.theme_invalid"));
    }
    let kept = stored.signature.as_deref().unwrap_or_default() == change.signature;
    let signature = match text::lines(&change.signature) {
        _ if kept => change.signature.clone(),
        Ok(signature) if signature.chars().count() > SIGNATURE_MAX_CHARS => {
            problem(
                "signature",
                msg!(
                    "msg.profile.signature_too_long",
                    max = SIGNATURE_MAX_CHARS,
                    count = signature.chars().count()
                ),
            );
            signature
        }
        Ok(signature) => signature,
        Err(TextProblem::Control) => {
            problem("signature", msg!("msg.profile.signature_control"));
            String::new()
        }
        Err(refused) => {
            problem("signature", text::refusal(refused, true));
            String::new()
        }
    };
    if !fields.is_empty() {
        return Err(Refusal::Invalid {
            message: check_details(),
            fields,
        }
        .into());
    }
    let (Some(locale), Some(theme)) = (locale, theme) else {
        return Err(ServiceError::Internal("checked above".into()));
    };
    let txn = crate::services::locking::write_txn(&state.db).await?;
    // Compare and set the version first: on PostgreSQL the write locks the row, so a save made
    // at the same moment waits for this one and then finds the version moved (409).
    claim_version::<user::Entity>(&txn, signed.user.id, change.version, || {
        Refusal::Conflict(msg!("msg.profile.changed_meanwhile"))
    })
    .await?;
    let before = user::Entity::find_by_id(signed.user.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("signed-in account is gone".into()))?;
    let after = user::ActiveModel {
        id: Set(before.id),
        first_name: Set(first_name),
        last_name: Set(last_name),
        timezone: Set((!timezone.is_empty()).then(|| timezone.to_string())),
        locale: Set(locale),
        theme: Set(theme),
        signature: Set((!signature.is_empty()).then_some(signature)),
        notification_prefs: Set(Some(json!(change.notifications))),
        updated_at: Set(now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let changes = Changes::new()
        .field("first_name", &before.first_name, &after.first_name)
        .field("last_name", &before.last_name, &after.last_name)
        .field("timezone", &before.timezone, &after.timezone)
        .field("locale", before.locale.code(), after.locale.code())
        .field("theme", before.theme.code(), after.theme.code())
        .field("signature", &before.signature, &after.signature)
        .field(
            "notifications",
            notifications_of(&before),
            notifications_of(&after),
        );
    if !changes.is_empty() {
        audit::record(
            &txn,
            AuditEntry::by_self(&after, AuditAction::ProfileUpdated, changes, client),
        )
        .await?;
    }
    txn.commit().await?;
    get(&state.db, signed).await
}
