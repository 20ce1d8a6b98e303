//! Server-side sessions: the browser holds a 256-bit random secret, the database only its SHA-256.

use super::{now, AuthConfig, ClientInfo, ServiceResult};
use crate::entities::{session, user};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::{rngs::OsRng, RngCore};
use sea_orm::{prelude::*, ActiveValue::Set, JoinType, QuerySelect};
use sha2::{Digest, Sha256};

/// Name of the session cookie served over plain HTTP (development, tests).
pub const COOKIE_NAME: &str = "tenantry_session";

/// Name of the session cookie served over HTTPS: browsers keep a `__Host-` cookie only when it is
/// `Secure`, for the whole site and this host alone, so a neighbouring subdomain cannot plant or
/// shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-tenantry_session";

/// The session cookie's name under `config`.
pub fn cookie_name(config: &AuthConfig) -> &'static str {
    if config.secure_cookies {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// A fresh 256-bit secret, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret, hex: what the database keeps of sessions and tokens.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Starts a session for `user_id`; returns the secret for the cookie.
pub async fn start(
    db: &impl ConnectionTrait,
    config: &AuthConfig,
    user_id: Uuid,
    client: &ClientInfo,
) -> ServiceResult<String> {
    let secret = new_secret();
    let now = now();
    session::ActiveModel {
        id: Set(Uuid::new_v4()),
        token_hash: Set(hash_secret(&secret)),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        idle_expires_at: Set(now + config.session_idle),
        absolute_expires_at: Set(now + config.session_absolute),
        ip: Set(client.ip.clone()),
        user_agent: Set(client.user_agent.clone()),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The live session for `secret` and its user, extending its idle expiry; `None` when there is no
/// such session or it has expired (an expired one is deleted).
pub async fn resolve(
    db: &impl ConnectionTrait,
    config: &AuthConfig,
    secret: &str,
) -> ServiceResult<Option<(session::Model, user::Model)>> {
    // The session and its person in one query.
    let owner = session::Entity::belongs_to(user::Entity)
        .from(session::Column::UserId)
        .to(user::Column::Id)
        .into();
    let Some((found, user)) = session::Entity::find()
        .join(JoinType::LeftJoin, owner)
        .select_also(user::Entity)
        .filter(session::Column::TokenHash.eq(hash_secret(secret)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = now();
    if found.idle_expires_at <= now || found.absolute_expires_at <= now {
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = user else {
        return Ok(None);
    };
    // Writing on every request would make reads into writes; a minute's precision is plenty.
    if now - found.last_seen_at > chrono::Duration::minutes(1) {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(
                session::Column::IdleExpiresAt,
                Expr::value((now + config.session_idle).min(found.absolute_expires_at)),
            )
            .filter(session::Column::Id.eq(found.id))
            .exec(db)
            .await?;
    }
    Ok(Some((found, user)))
}

/// Ends the session with `secret`, if any.
pub async fn end(db: &impl ConnectionTrait, secret: &str) -> ServiceResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(hash_secret(secret)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user_id` except `keep` (suspension, password changes).
pub async fn end_all_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> ServiceResult<u64> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Where person `user_id` is signed in now, most recently active first; `current` marks the
/// session asking, when it is theirs.
pub async fn open(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    current: Option<Uuid>,
) -> ServiceResult<Vec<crate::model::profile::SessionEntry>> {
    use sea_orm::QueryOrder;
    let at = now();
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::IdleExpiresAt.gt(at))
        .filter(session::Column::AbsoluteExpiresAt.gt(at))
        .order_by_desc(session::Column::LastSeenAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| crate::model::profile::SessionEntry {
            id: s.id,
            device: crate::model::profile::device_of(s.user_agent.as_deref()),
            ip: s.ip,
            started: crate::model::users::Moment::new(s.created_at, at),
            last_seen: crate::model::users::Moment::new(s.last_seen_at, at),
            current: Some(s.id) == current,
        })
        .collect())
}

/// The `Set-Cookie` value that stores `secret` in the browser.
pub fn cookie(config: &AuthConfig, secret: &str) -> String {
    cookie_with(config, secret, config.session_absolute.num_seconds())
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(config: &AuthConfig) -> String {
    cookie_with(config, "", 0)
}

fn cookie_with(config: &AuthConfig, value: &str, max_age: i64) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(config)
    )
}

/// The session secret in a request's `Cookie` headers, read from the one cookie `config` sets.
pub fn secret_from_headers(config: &AuthConfig, headers: &http::HeaderMap) -> Option<String> {
    crate::cookies::value(headers, cookie_name(config))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_https_the_cookie_is_bound_to_the_host_and_read_only_by_that_name() {
        let mut config = AuthConfig::default();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            http::HeaderValue::from_static("tenantry_session=planted; other=1"),
        );
        assert_eq!(
            secret_from_headers(&config, &headers).as_deref(),
            Some("planted")
        );
        assert!(cookie(&config, "s").starts_with("tenantry_session=s; Path=/; HttpOnly"));
        config.secure_cookies = true;
        // A cookie without the prefix may come from a neighbouring subdomain: not ours.
        assert_eq!(secret_from_headers(&config, &headers), None);
        let set = cookie(&config, "s");
        assert!(
            set.starts_with("__Host-tenantry_session=s; Path=/;"),
            "{set}"
        );
        assert!(
            set.ends_with("; Secure") && !set.contains("Domain"),
            "{set}"
        );
        assert!(clearing_cookie(&config).starts_with("__Host-tenantry_session=;"));
    }
}
