//! What every signed-in person changes about themselves: name, picture, signature, time zone,
//! language, theme, notifications, email address, and their own sessions. It acts on the person's
//! own account, in their home organisation, even while a super-admin is switched elsewhere.

use super::people::{
    avatar_url, check_details, check_email_free, locale_of, person_names, status_of, timezone_hint,
    unique_email, valid_timezone,
};
use super::{
    audit::{self, AuditEntry},
    auth::{self, Signed},
    mail, now, sessions,
    text::{self, TextProblem},
    tokens::{self, link_not_usable, Minted, TokenKind},
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{login_event, organisation, role, session, user, user_avatar, user_role},
    i18n::{request_locale, Locale},
    model::{
        profile::{
            device_of, AccountSecurity, Notifications, Profile, ProfileChange, SessionEntry,
            SignInEntry, Theme, AVATAR_MAX_BYTES, AVATAR_MAX_SIDE, AVATAR_SIDE,
            SIGNATURE_MAX_CHARS,
        },
        users::Moment,
        AppError, FieldError, PlatformRole, UserStatus, UserType,
    },
    tr,
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, OnConflict},
    ActiveValue::Set,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;

/// How long a change-of-address link works.
pub const EMAIL_CHANGE_HOURS: i64 = 24;
/// How many sign-ins "My profile" lists.
const SIGN_INS_SHOWN: u64 = 20;

fn notifications_of(user: &user::Model) -> Notifications {
    user.notification_prefs
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// An audit entry of the person changing their own account.
fn own_audit<'a>(
    user: &user::Model,
    action: &'a str,
    changes: Option<serde_json::Value>,
    client: &ClientInfo,
) -> AuditEntry<'a> {
    AuditEntry {
        organisation_id: user.organisation_id,
        actor_user_id: Some(user.id),
        actor_organisation_id: Some(user.organisation_id),
        action,
        target_type: "user",
        target_id: Some(user.id.to_string()),
        changes,
        ip: client.ip.clone(),
    }
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
        locale: locale_of(&user),
        theme: Theme::from_code(&user.theme).unwrap_or_default(),
        signature: user.signature.clone().unwrap_or_default(),
        notifications: notifications_of(&user),
        user_type: UserType::from_code(&user.user_type).unwrap_or(UserType::Viewer),
        platform_role: PlatformRole::from_code(&user.platform_role).unwrap_or(PlatformRole::None),
        status: status_of(&user),
        roles,
        organisation_name: organisation.name,
        avatar_url: avatar_url(&user),
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
    let l = request_locale();
    let stored = &signed.user;
    let (first_name, last_name, mut fields) = person_names(
        &change.first_name,
        &change.last_name,
        Some((&stored.first_name, &stored.last_name)),
    );
    let mut problem = |field: &str, message: String| {
        fields.push(FieldError {
            field: field.to_string(),
            message,
        })
    };
    let timezone = change.timezone.trim();
    if !timezone.is_empty() && !valid_timezone(timezone) {
        problem("timezone", timezone_hint());
    }
    let locale = Locale::from_code(&change.locale).filter(|l| l.code() == change.locale);
    if locale.is_none() {
        problem(
            "locale",
            tr!(
                l,
                "msg.profile.locale_invalid",
                languages = Locale::ALL.map(Locale::native_name).join(", ")
            ),
        );
    }
    let theme = Theme::from_code(&change.theme);
    if theme.is_none() {
        problem("theme", tr!(l, "msg.profile.theme_invalid"));
    }
    let kept = stored.signature.as_deref().unwrap_or_default() == change.signature;
    let signature = match text::lines(&change.signature) {
        _ if kept => change.signature.clone(),
        Ok(signature) if signature.chars().count() > SIGNATURE_MAX_CHARS => {
            problem(
                "signature",
                tr!(
                    l,
                    "msg.profile.signature_too_long",
                    max = SIGNATURE_MAX_CHARS,
                    count = signature.chars().count()
                ),
            );
            signature
        }
        Ok(signature) => signature,
        Err(TextProblem::Control) => {
            problem("signature", tr!(l, "msg.profile.signature_control"));
            String::new()
        }
        Err(refused) => {
            problem("signature", text::refusal(refused, true));
            String::new()
        }
    };
    if !fields.is_empty() {
        return Err(AppError::Invalid {
            message: check_details(),
            fields,
        }
        .into());
    }
    let (Some(locale), Some(theme)) = (locale, theme) else {
        return Err(ServiceError::Internal("checked above".into()));
    };
    let txn = state.db.begin().await?;
    // Compare and set the version first: the write takes SQLite's lock at once too, so a save
    // made at the same moment waits for this one and then finds the version moved (409), where
    // a read first would have left it a "database busy" failure.
    let claimed = user::Entity::update_many()
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .filter(user::Column::Id.eq(signed.user.id))
        .filter(user::Column::Version.eq(change.version))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(tr!(l, "msg.profile.changed_meanwhile")).into());
    }
    let before = user::Entity::find_by_id(signed.user.id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("signed-in account is gone".into()))?;
    let after = user::ActiveModel {
        id: Set(before.id),
        first_name: Set(first_name),
        last_name: Set(last_name),
        timezone: Set((!timezone.is_empty()).then(|| timezone.to_string())),
        locale: Set(locale.code().to_string()),
        theme: Set(theme.code().to_string()),
        signature: Set((!signature.is_empty()).then_some(signature)),
        notification_prefs: Set(Some(json!(change.notifications))),
        updated_at: Set(now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let mut changes = serde_json::Map::new();
    let pairs = [
        (
            "first_name",
            json!(before.first_name),
            json!(after.first_name),
        ),
        ("last_name", json!(before.last_name), json!(after.last_name)),
        ("timezone", json!(before.timezone), json!(after.timezone)),
        ("locale", json!(before.locale), json!(after.locale)),
        ("theme", json!(before.theme), json!(after.theme)),
        ("signature", json!(before.signature), json!(after.signature)),
        (
            "notifications",
            json!(notifications_of(&before)),
            json!(notifications_of(&after)),
        ),
    ];
    for (field, old, new) in pairs {
        if old != new {
            changes.insert(field.into(), json!({ "before": old, "after": new }));
        }
    }
    if !changes.is_empty() {
        audit::record(
            &txn,
            own_audit(&after, "profile.updated", Some(changes.into()), client),
        )
        .await?;
    }
    txn.commit().await?;
    get(&state.db, signed).await
}

/// Why a picture was refused.
fn avatar_refused(message: String) -> ServiceError {
    AppError::field("avatar", message).into()
}

/// A size in megabytes with one decimal, as written in `l`.
fn megabytes(bytes: usize, l: Locale) -> String {
    let size = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
    let size = match l {
        Locale::En => size,
        Locale::Fr => size.replace('.', ","),
    };
    tr!(l, "msg.units.megabytes", size = size)
}

/// Checks a picture and turns it into the square PNG kept: the type is read from the bytes, not
/// the name; the size is read from the header before anything is decoded, so a small file
/// announcing a huge image costs nothing; decoding and re-encoding drops every piece of metadata
/// (location, camera, comments). Refusals are written in `l` (this runs off the request's task).
pub fn reencode_avatar(bytes: &[u8], l: Locale) -> ServiceResult<Vec<u8>> {
    use image::{ImageFormat, ImageReader, Limits};
    if bytes.is_empty() {
        return Err(avatar_refused(tr!(l, "msg.profile.avatar_missing")));
    }
    if bytes.len() > AVATAR_MAX_BYTES {
        return Err(avatar_refused(tr!(
            l,
            "msg.profile.avatar_too_big",
            size = megabytes(bytes.len(), l),
            max = megabytes(AVATAR_MAX_BYTES, l)
        )));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) => f,
        _ => return Err(avatar_refused(tr!(l, "msg.profile.avatar_not_a_picture"))),
    };
    let damaged = || avatar_refused(tr!(l, "msg.profile.avatar_damaged"));
    let (width, height) = ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| damaged())?;
    if width > AVATAR_MAX_SIDE || height > AVATAR_MAX_SIDE {
        return Err(avatar_refused(tr!(
            l,
            "msg.profile.avatar_too_large",
            width = width,
            height = height,
            max = AVATAR_MAX_SIDE
        )));
    }
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(AVATAR_MAX_SIDE);
    limits.max_image_height = Some(AVATAR_MAX_SIDE);
    limits.max_alloc = Some(u64::from(AVATAR_MAX_SIDE) * u64::from(AVATAR_MAX_SIDE) * 8);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| damaged())?;
    let square = decoded.resize_to_fill(
        AVATAR_SIDE,
        AVATAR_SIDE,
        image::imageops::FilterType::Lanczos3,
    );
    let mut out = std::io::Cursor::new(Vec::new());
    square
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ServiceError::Internal(format!("png encoding: {e}")))?;
    Ok(out.into_inner())
}

/// Replaces the signed-in person's picture with `bytes` re-encoded.
pub async fn set_avatar(
    state: &AppState,
    signed: &Signed,
    bytes: Vec<u8>,
    client: &ClientInfo,
) -> ServiceResult<Option<String>> {
    // Read here: the blocking thread does not see the request's language.
    let l = request_locale();
    // Decoding takes up to ~130 MB: a few at a time, whoever uploads.
    static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = DECODING
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("avatar queue: {e}")))?;
    let png = tokio::task::spawn_blocking(move || reencode_avatar(&bytes, l))
        .await
        .map_err(|e| ServiceError::Internal(format!("avatar task: {e}")))??;
    let at = now();
    let txn = state.db.begin().await?;
    user_avatar::Entity::insert(user_avatar::ActiveModel {
        user_id: Set(signed.user.id),
        content_type: Set("image/png".into()),
        data: Set(png),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(user_avatar::Column::UserId)
            .update_columns([
                user_avatar::Column::ContentType,
                user_avatar::Column::Data,
                user_avatar::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let user = user::ActiveModel {
        id: Set(signed.user.id),
        avatar_updated_at: Set(Some(at)),
        updated_at: Set(at),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        own_audit(&user, "profile.avatar_changed", None, client),
    )
    .await?;
    txn.commit().await?;
    Ok(avatar_url(&user))
}

/// Removes the signed-in person's picture: initials are shown again.
pub async fn remove_avatar(
    state: &AppState,
    signed: &Signed,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    user_avatar::Entity::delete_by_id(signed.user.id)
        .exec(&txn)
        .await?;
    let user = user::ActiveModel {
        id: Set(signed.user.id),
        avatar_updated_at: Set(None),
        updated_at: Set(now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        own_audit(&user, "profile.avatar_removed", None, client),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The picture of `user_id` for the person signed in with `secret`: people see the pictures of
/// their own organisation; the platform's staff, who switch into any, see everyone's.
pub async fn avatar_for(
    state: &AppState,
    secret: Option<&str>,
    user_id: Uuid,
) -> ServiceResult<Option<user_avatar::Model>> {
    let Some(viewer) = auth::signed(state, secret).await? else {
        return Ok(None);
    };
    let Some(owner) = user::Entity::find_by_id(user_id).one(&state.db).await? else {
        return Ok(None);
    };
    let allowed = owner.organisation_id == viewer.user.organisation_id
        || (PlatformRole::from_code(&viewer.user.platform_role)
            .is_some_and(|r| r != PlatformRole::None)
            && organisation::Entity::find_by_id(viewer.user.organisation_id)
                .one(&state.db)
                .await?
                .is_some_and(|o| o.is_admin_tenant));
    if !allowed {
        return Ok(None);
    }
    Ok(user_avatar::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?)
}

/// The signed-in person's live sessions and latest sign-ins.
pub async fn security(
    db: &impl ConnectionTrait,
    signed: &Signed,
) -> ServiceResult<AccountSecurity> {
    let at = now();
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(signed.user.id))
        .filter(session::Column::IdleExpiresAt.gt(at))
        .filter(session::Column::AbsoluteExpiresAt.gt(at))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SessionEntry {
            id: s.id,
            device: device_of(s.user_agent.as_deref()),
            ip: s.ip,
            started: Moment::new(s.created_at, at),
            last_seen: Moment::new(s.last_seen_at, at),
            current: s.id == signed.session.id,
        })
        .collect();
    let sign_ins = login_event::Entity::find()
        .filter(login_event::Column::UserId.eq(signed.user.id))
        .order_by_desc(login_event::Column::At)
        .limit(SIGN_INS_SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|e| SignInEntry {
            at: Moment::new(e.at, at),
            device: device_of(e.user_agent.as_deref()),
            ip: e.ip,
            success: e.success,
        })
        .collect();
    Ok(AccountSecurity { sessions, sign_ins })
}

/// Ends one of the signed-in person's sessions (`None`: all but the one asking). Returns how
/// many ended; another person's session is never touched.
pub async fn end_sessions(
    state: &AppState,
    signed: &Signed,
    which: Option<Uuid>,
    client: &ClientInfo,
) -> ServiceResult<u64> {
    let txn = state.db.begin().await?;
    let ended = match which {
        Some(id) => {
            session::Entity::delete_many()
                .filter(session::Column::Id.eq(id))
                .filter(session::Column::UserId.eq(signed.user.id))
                .exec(&txn)
                .await?
                .rows_affected
        }
        None => sessions::end_all_for_user(&txn, signed.user.id, Some(signed.session.id)).await?,
    };
    if ended > 0 {
        audit::record(
            &txn,
            own_audit(
                &signed.user,
                "profile.sessions_ended",
                Some(json!({ "sessions": ended })),
                client,
            ),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ended)
}

/// The confirmation sent to the new address.
fn confirmation_email(
    state: &AppState,
    user: &user::Model,
    organisation: &str,
    new_email: &str,
    minted: &Minted,
) -> mail::Email {
    let l = locale_of(user);
    mail::compose(
        l,
        new_email,
        tr!(l, "email.change.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.change.body",
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.change.expiry", hours = EMAIL_CHANGE_HOURS),
        ],
        Some((
            &tr!(l, "email.change.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.change.closing"),
    )
}

/// The notice sent to the old address, which keeps working until the new one is confirmed.
fn notice_email(user: &user::Model, organisation: &str, new_email: &str) -> mail::Email {
    let l = locale_of(user);
    mail::compose(
        l,
        &user.email,
        tr!(
            l,
            "email.change_notice.subject",
            organisation = organisation
        ),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.change_notice.body",
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.change_notice.unexpected"),
        ],
        None,
        &tr!(l, "email.change_notice.closing"),
    )
}

/// Starts a change of the signed-in person's address: their password proves it is them; a link
/// goes to the new address, which takes over only once the link is opened.
pub async fn request_email_change(
    state: &AppState,
    signed: &Signed,
    new_email: &str,
    password: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let l = request_locale();
    let new_email = new_email.trim();
    super::text::check_email("new_email", new_email)?;
    if super::people::normalise_email(new_email)
        == super::people::normalise_email(&signed.user.email)
    {
        return Err(AppError::field("new_email", tr!(l, "msg.profile.same_address")).into());
    }
    // Guessing the password from a borrowed session is slowed, then locked out, like signing in.
    let throttle_key = super::throttle::current_password_key(signed.user.id);
    super::throttle::claim(
        &state.db,
        super::throttle::Attempts::CurrentPassword,
        &[(throttle_key.as_str(), &state.auth.account_throttle)],
        now().timestamp(),
    )
    .await?;
    let verified = state
        .passwords
        .verify(password.to_string(), signed.user.password_hash.clone())
        .await?;
    if !verified.matches {
        return Err(super::passwords::not_current("password"));
    }
    let txn = state.db.begin().await?;
    super::acting::lock_organisation(&txn, signed.user.organisation_id).await?;
    match check_email_free(&txn, signed.user.organisation_id, new_email, None).await {
        Err(ServiceError::Refused(_)) => {
            return Err(AppError::field("new_email", tr!(l, "msg.profile.address_taken")).into())
        }
        other => other?,
    }
    let organisation = organisation::Entity::find_by_id(signed.user.organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?;
    let mut minted = Minted::new(TokenKind::EmailChange);
    minted.new_email = Some(new_email.to_string());
    let confirmation =
        confirmation_email(state, &signed.user, &organisation.name, new_email, &minted);
    let message = mail::enqueue(&txn, Some(organisation.id), confirmation).await?;
    mail::enqueue(
        &txn,
        Some(organisation.id),
        notice_email(&signed.user, &organisation.name, new_email),
    )
    .await?;
    minted
        .store(
            &txn,
            signed.user.id,
            chrono::Duration::hours(EMAIL_CHANGE_HOURS),
            Some(signed.user.id),
            Some(message),
        )
        .await?;
    audit::record(
        &txn,
        own_audit(
            &signed.user,
            "profile.email_change_requested",
            Some(json!({ "email": { "before": signed.user.email, "after": new_email } })),
            client,
        ),
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// What a change-of-address link leads to: the new address, or why it cannot be used.
pub async fn email_change_state(
    db: &impl ConnectionTrait,
    secret: &str,
) -> ServiceResult<Result<String, AppError>> {
    let usable = tokens::find(db, TokenKind::EmailChange, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now());
    let Some(token) = usable else {
        return Ok(Err(link_not_usable(TokenKind::EmailChange)));
    };
    let active = user::Entity::find_by_id(token.user_id)
        .one(db)
        .await?
        .is_some_and(|u| status_of(&u) == UserStatus::Active);
    Ok(match token.new_email {
        Some(email) if active => Ok(email),
        _ => Err(link_not_usable(TokenKind::EmailChange)),
    })
}

/// Confirms a new address with the link's `secret`; returns the organisation's address (slug) to
/// continue to.
pub async fn confirm_email_change(
    state: &AppState,
    secret: &str,
    client: &ClientInfo,
) -> ServiceResult<String> {
    let not_usable = || ServiceError::from(link_not_usable(TokenKind::EmailChange));
    let token = tokens::find(&state.db, TokenKind::EmailChange, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(not_usable)?;
    let new_email = token.new_email.clone().ok_or_else(not_usable)?;
    // Asked for under older rules, perhaps: the address must be a plain one today.
    super::text::check_email("new_email", &new_email)?;
    let organisation_id = user::Entity::find_by_id(token.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(not_usable)?
        .organisation_id;
    let txn = state.db.begin().await?;
    super::acting::lock_organisation(&txn, organisation_id).await?;
    let before = user::Entity::find_by_id(token.user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|u| status_of(u) == UserStatus::Active)
        .ok_or_else(not_usable)?;
    if !tokens::consume(&txn, token.id).await? {
        return Err(not_usable());
    }
    check_email_free(&txn, organisation_id, &new_email, Some(before.id)).await?;
    user::Entity::update_many()
        .col_expr(user::Column::Email, Expr::value(&new_email))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(before.id))
        .exec(&txn)
        .await
        .map_err(|e| unique_email(e, &new_email))?;
    // Links mailed to the old address stop working.
    tokens::retire(&txn, before.id, TokenKind::PasswordReset).await?;
    tokens::retire(&txn, before.id, TokenKind::EmailChange).await?;
    audit::record(
        &txn,
        own_audit(
            &before,
            "profile.email_changed",
            Some(json!({ "email": { "before": before.email, "after": new_email } })),
            client,
        ),
    )
    .await?;
    let slug = organisation::Entity::find_by_id(organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?
        .slug;
    txn.commit().await?;
    Ok(slug)
}
