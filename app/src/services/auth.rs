//! Signing in and out, who is signed in, and choosing a new password.

use super::{acting::granted, people::normalise_email};
use super::{
    audit::{self, AuditEntry, Changes},
    now, passwords, sessions, throttle, AppState, ClientInfo, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::{
    entities::{login_event, organisation, session, user},
    model::{CurrentUser, Feature, UserStatus},
};
use crate::{
    msg,
    services::messages::{Message, Refusal},
};
use sea_orm::{
    prelude::*,
    sea_query::{Expr, ExprTrait, Func},
    ActiveValue::Set,
};

/// The one answer to every failed sign-in, whatever the reason, so it reveals nothing.
pub fn sign_in_refused() -> Message {
    msg!("msg.auth.sign_in_refused")
}

/// The English words of [`sign_in_refused`], which the tests compare answers with.
pub const SIGN_IN_REFUSED: &str =
    "That email and password did not match an active account of this organisation.";

/// A successful sign-in.
#[derive(Debug)]
pub struct SignedIn {
    pub secret: String,
    pub must_change_password: bool,
    /// The person's language, which the browser then remembers.
    pub locale: crate::i18n::Locale,
}

/// How someone signed in (or tried to).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Method<'a> {
    Password,
    /// Through the single sign-on connection named so.
    SingleSignOn(&'a str),
}

/// Writes one line of the sign-in history.
pub(crate) async fn record_login(
    db: &impl ConnectionTrait,
    organisation_id: Option<Uuid>,
    user: Option<&user::Model>,
    email: &str,
    client: &ClientInfo,
    method: Method<'_>,
    failure: Option<&str>,
) -> ServiceResult<()> {
    login_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(organisation_id),
        user_id: Set(user.map(|u| u.id)),
        email: Set(email.chars().take(320).collect()),
        at: Set(now()),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.clone()),
        method: Set(match method {
            Method::Password => "password",
            Method::SingleSignOn(_) => "sso",
        }
        .to_string()),
        success: Set(failure.is_none()),
        failure_reason: Set(failure.map(str::to_string)),
        connection: Set(match method {
            Method::Password => None,
            Method::SingleSignOn(name) => Some(name.to_string()),
        }),
    }
    .insert(db)
    .await?;
    Ok(())
}

fn refused() -> Refusal {
    Refusal::Invalid {
        message: sign_in_refused(),
        fields: Vec::new(),
    }
}

/// Signs in with email and password to the organisation `slug`.
pub async fn sign_in(
    state: &AppState,
    slug: &str,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> ServiceResult<SignedIn> {
    let db = &state.db;
    let email = normalise_email(email);
    if email.is_empty() || password.is_empty() {
        return Err(Refusal::Invalid {
            message: msg!("msg.auth.credentials_missing"),
            fields: Vec::new(),
        }
        .into());
    }
    let unix_now = now().timestamp();
    let account_key = format!("account:{slug}:{email}");
    let ip_key = format!("ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    // One query on the common path: the user of that organisation with that address.
    let user = user::Entity::find()
        .filter(
            user::Column::OrganisationId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(organisation::Column::Id)
                    .from(organisation::Entity)
                    .and_where(Expr::col(organisation::Column::Slug).eq(slug))
                    .to_owned(),
            ),
        )
        .filter(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(email.as_str()))
        .filter(user::Column::ReplacedBy.is_null())
        .one(db)
        .await?;
    let claimed = throttle::claim(
        db,
        throttle::Attempts::SignIn,
        &[
            (account_key.as_str(), &state.auth.account_throttle),
            (ip_key.as_str(), &state.auth.ip_throttle),
        ],
        unix_now,
    )
    .await;
    if let Err(refused) = claimed {
        let org_id = user.as_ref().map(|u| u.organisation_id);
        record_login(
            db,
            org_id,
            user.as_ref(),
            &email,
            client,
            Method::Password,
            Some("throttled"),
        )
        .await?;
        return Err(refused);
    }
    let verified = state
        .passwords
        .verify(
            password.to_string(),
            user.as_ref().and_then(|u| u.password_hash.clone()),
        )
        .await?;
    let failure = match &user {
        None if super::tenancy::find_by_slug(db, slug).await?.is_none() => {
            Some("unknown_organisation")
        }
        None => Some("unknown_user"),
        Some(_) if !verified.matches => Some("wrong_password"),
        Some(u) if u.status != UserStatus::Active => Some("not_active"),
        Some(u) if u.access_expires_at.is_some_and(|at| at <= now()) => Some("access_expired"),
        Some(_) => None,
    };
    // Passwords are for break-glass administrators where single sign-on is required; only
    // someone who knew the password learns it.
    let sso_only = match (&user, failure) {
        (Some(u), None) => super::people::check_password_allowed(db, u).await.err(),
        _ => None,
    };
    let failure = failure.or(sso_only.as_ref().map(|_| "sso_required"));
    let (Some(user), None) = (&user, failure) else {
        let org_id = match &user {
            Some(u) => Some(u.organisation_id),
            None => super::tenancy::find_by_slug(db, slug).await?.map(|o| o.id),
        };
        record_login(
            db,
            org_id,
            user.as_ref(),
            &email,
            client,
            Method::Password,
            failure,
        )
        .await?;
        return Err(sso_only.unwrap_or_else(|| refused().into()));
    };

    // Hash before the transaction: a write lock must not wait on 19 MiB of argon2.
    let rehashed = if verified.needs_rehash {
        Some(state.passwords.hash(password.to_string()).await?)
    } else {
        None
    };
    let secret = {
        let txn = crate::services::locking::write_txn(db).await?;
        throttle::settle_success(&txn, &account_key, &ip_key).await?;
        let mut update = user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(now()))
            .filter(user::Column::Id.eq(user.id));
        if let Some(rehashed) = rehashed {
            update = update.col_expr(user::Column::PasswordHash, Expr::value(rehashed));
        }
        update.exec(&txn).await?;
        record_login(
            &txn,
            Some(user.organisation_id),
            Some(user),
            &email,
            client,
            Method::Password,
            None,
        )
        .await?;
        let secret = sessions::start(&txn, &state.auth, user.id, client).await?;
        txn.commit().await?;
        secret
    };
    Ok(SignedIn {
        secret,
        must_change_password: user.must_change_password,
        locale: user.locale,
    })
}

/// A signed-in request: the session and the user behind it.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: session::Model,
    pub user: user::Model,
}

/// A page request already checked by the page gate: who is signed in and what they may do in
/// organisation `slug`. The gate puts it in the request's extensions, so the server functions the
/// page calls while it renders on the server do not look the same things up again.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub slug: String,
    pub signed: Signed,
    pub user: CurrentUser,
}

/// The signed-in user of a request with `secret`, if the session is live and the account active.
pub async fn signed(state: &AppState, secret: Option<&str>) -> ServiceResult<Option<Signed>> {
    let Some(secret) = secret else {
        return Ok(None);
    };
    let Some((session, user)) = sessions::resolve(&state.db, &state.auth, secret).await? else {
        return Ok(None);
    };
    if user.status != UserStatus::Active {
        sessions::end_all_for_user(&state.db, user.id, None).await?;
        return Ok(None);
    }
    Ok(Some(Signed { session, user }))
}

/// The console's view of `signed` acting in organisation `slug`: refused when the user is not a
/// member and may not switch there.
pub async fn current_user(
    state: &AppState,
    signed: &Signed,
    slug: &str,
) -> ServiceResult<CurrentUser> {
    acting_in(state, &signed.user, slug).await
}

/// What `user` may do and sees acting in organisation `slug` (a signed-in request, or a directory
/// acting with the rights of its key's creator): refused when they are not a member and may not
/// switch there.
pub async fn acting_in(
    state: &AppState,
    user: &user::Model,
    slug: &str,
) -> ServiceResult<CurrentUser> {
    let db = &state.db;
    let home = organisation::Entity::find_by_id(user.organisation_id)
        .one(db)
        .await?
        .ok_or(Refusal::Unauthenticated)?;
    let acting = if home.slug == slug {
        home.clone()
    } else {
        super::tenancy::find_by_slug(db, slug)
            .await?
            .ok_or(Refusal::Unauthenticated)?
    };
    let platform_role = user.platform_role;
    let user_type = user.user_type;
    let licence = super::licence::current(db).await?;
    let licensed = licence
        .as_ref()
        .map_or_else(|| Feature::ALL.to_vec(), super::licence::features_of);
    let features = super::tenancy::effective_features(&licensed, &acting);
    let licence_expired = licence
        .filter(super::licence::expired)
        .map(|l| l.expires_on.to_string());
    let permissions = granted(db, user.id, user_type, platform_role, &home, acting.id)
        .await?
        // A member of another organisation: as far as this one is concerned, nobody.
        .ok_or(Refusal::Unauthenticated)?
        .into_iter()
        .filter(|p| p.feature().is_none_or(|f| features.contains(&f)))
        .collect();
    Ok(CurrentUser {
        id: user.id,
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        user_type,
        platform_role,
        theme: user.theme.code().to_string(),
        locale: user.locale,
        avatar_url: user.avatar_url(),
        organisation: super::tenancy::summary(&acting),
        home_organisation: super::tenancy::summary(&home),
        features,
        permissions,
        licence_expired,
    })
}

/// Sets a new password for the signed-in user and ends every session of theirs, this one
/// included: the browser that changed it gets a new session, whose secret is returned, so a
/// secret seen before the change opens nothing after it. Reset links and changes of address
/// asked for before it stop working.
pub async fn change_password(
    state: &AppState,
    signed: &Signed,
    current_password: &str,
    new_password: &str,
    confirmation: &str,
    client: &ClientInfo,
) -> ServiceResult<String> {
    let user = &signed.user;
    // The new password is checked first: trying several that the policy refuses costs none of
    // the guesses at the current one.
    passwords::check_policy("new_password", new_password, &user.email)?;
    if new_password != confirmation {
        return Err(passwords::mismatch());
    }
    if new_password == current_password {
        return Err(Refusal::field("new_password", msg!("msg.passwords.unchanged")).into());
    }
    // Guessing the password from a borrowed session is slowed, then locked out, like signing in.
    let throttle_key = super::throttle::current_password_key(user.id);
    super::throttle::claim(
        &state.db,
        super::throttle::Attempts::CurrentPassword,
        &[(throttle_key.as_str(), &state.auth.account_throttle)],
        now().timestamp(),
    )
    .await?;
    let verified = state
        .passwords
        .verify(current_password.to_string(), user.password_hash.clone())
        .await?;
    if !verified.matches {
        return Err(passwords::not_current("current_password"));
    }
    let hash = state.passwords.hash(new_password.to_string()).await?;
    let txn = crate::services::locking::write_txn(&state.db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    sessions::end_all_for_user(&txn, user.id, None).await?;
    let secret = sessions::start(&txn, &state.auth, user.id, client).await?;
    // A reset link or a change of address asked for before the new password (by whoever held the
    // old one, or the mailbox) dies.
    for kind in [
        super::tokens::TokenKind::PasswordReset,
        super::tokens::TokenKind::EmailChange,
    ] {
        super::tokens::retire(&txn, user.id, kind).await?;
    }
    audit::record(
        &txn,
        AuditEntry::by_self(user, AuditAction::PasswordChanged, Changes::new(), client),
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_in_english_is_the_constant_tests_compare_with() {
        assert_eq!(
            sign_in_refused().in_(crate::i18n::Locale::En),
            SIGN_IN_REFUSED
        );
    }
}
