//! A sign-in through a provider, from the "Sign in with …" button to the session: the flow is a
//! row (its state hashed) so whichever process the provider sends the browser back to finishes
//! it, once. The person is found by their identity at the provider (issuer and subject); the
//! first time, by their verified address when the admin allowed linking, or an account is
//! created for them when the connection provisions just in time. "Test sign-in" runs the same
//! flow and keeps the claims for the admin instead of signing anyone in.

use super::provisioning::{account_for, Why};
use super::redirect_uri;
use crate::services::{
    auth::{record_login, Method},
    locking::write_txn,
    now,
    oidc::{self as provider, Client, ProviderError, Verified},
    people::normalise_email,
    sessions, throttle, AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{organisation, sso_connection, sso_flow, user},
    i18n::Locale,
    model::sso::SsoTestResult,
    msg,
    services::messages::Refusal,
};
use sea_orm::{prelude::*, ActiveValue::Set};
use serde_json::json;

/// How long a person has to sign in at the provider.
const FLOW_TTL_MINUTES: i64 = 10;

/// What a flow is for.
#[derive(Debug, Clone)]
pub enum Purpose {
    /// Signing in, then going to `next` (checked like the password sign-in's).
    SignIn { next: Option<String> },
    /// An admin trying the connection: the claims are kept for them, nobody is signed in.
    Test { by: Uuid },
}

/// The cookie that ties a flow to the browser that started it, sent back to the callback only.
pub const BROWSER_COOKIE: &str = "tenantry_sso";

/// A flow on its way to the provider.
#[derive(Debug)]
pub struct Begun {
    /// The provider's address to send the browser to.
    pub url: String,
    /// The `Set-Cookie` value tying the flow to this browser.
    pub cookie: String,
}

/// The `Set-Cookie` value of the browser's flow cookie: `value` for the ten minutes of a flow,
/// or its removal when `None`.
pub fn browser_cookie(config: &crate::services::AuthConfig, value: Option<&str>) -> String {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = if value.is_some() {
        FLOW_TTL_MINUTES * 60
    } else {
        0
    };
    format!(
        "{BROWSER_COOKIE}={}; Path=/sso/callback; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        value.unwrap_or_default()
    )
}

/// Starts a flow through connection `connection_id` of organisation `organisation_id`: the
/// provider's address to send the browser to, and the cookie the browser must bring back (a
/// sign-in link opened by anyone else, say from an attacker who started it, finds no flow).
/// Signing in needs the connection enabled; a test does not.
pub async fn start(
    state: &AppState,
    organisation_id: Uuid,
    connection_id: Uuid,
    purpose: Purpose,
    client: &ClientInfo,
) -> ServiceResult<Begun> {
    let db = &state.db;
    if matches!(purpose, Purpose::SignIn { .. }) {
        throttle::claim(
            db,
            throttle::Attempts::SignIn,
            &[(start_key(client).as_str(), &state.auth.ip_throttle)],
            now().timestamp(),
        )
        .await?;
    }
    let connection = sso_connection::Entity::find_by_id(connection_id)
        .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .filter(|c| c.enabled || matches!(purpose, Purpose::Test { .. }))
        .ok_or_else(|| Refusal::NotFound(msg!("msg.sso.that_connection")))?;
    let redirect = redirect_uri(state);
    let client = client_of(state, &connection, &redirect)?;
    let started = provider::authorize(&state.sso, &client)
        .await
        .map_err(|e| Refusal::Conflict(e.message()))?;
    let at = now();
    sso_flow::Entity::delete_many()
        .filter(sso_flow::Column::ExpiresAt.lt(at))
        .exec(db)
        .await?;
    let (next, started_by, purpose) = match purpose {
        Purpose::SignIn { next } => (next, None, "sign_in"),
        Purpose::Test { by } => (None, Some(by), "test"),
    };
    let browser = sessions::new_secret();
    sso_flow::ActiveModel {
        id: Set(Uuid::new_v4()),
        state_hash: Set(sessions::hash_secret(&started.state)),
        browser_hash: Set(sessions::hash_secret(&browser)),
        connection_id: Set(connection.id),
        purpose: Set(purpose.to_string()),
        nonce: Set(started.nonce),
        pkce_verifier: Set(started.pkce_verifier),
        next: Set(next),
        started_by: Set(started_by),
        claims: Set(None),
        created_at: Set(at),
        expires_at: Set(at + chrono::Duration::minutes(FLOW_TTL_MINUTES)),
    }
    .insert(db)
    .await?;
    Ok(Begun {
        url: started.url,
        cookie: browser_cookie(&state.auth, Some(&browser)),
    })
}

fn client_of<'a>(
    state: &AppState,
    connection: &'a sso_connection::Model,
    redirect: &'a str,
) -> ServiceResult<Client<'a>> {
    let secret = state
        .sso
        .secret_key()
        .and_then(|key| key.open(connection.id, &connection.client_secret))
        .ok_or_else(|| Refusal::Conflict(msg!("msg.sso.secret_unreadable")))?;
    Ok(Client {
        issuer: &connection.issuer,
        client_id: &connection.client_id,
        client_secret: secret,
        redirect_uri: redirect,
        scopes: &connection.scopes,
    })
}

/// Where a finished flow sends the browser.
#[derive(Debug)]
pub enum Finished {
    /// Signed in: the session's secret, and the page to open.
    SignedIn {
        slug: String,
        secret: String,
        locale: Locale,
        next: Option<String>,
    },
    /// A test came back: its result is flow `flow` of organisation `slug`.
    Tested { slug: String, flow: Uuid },
}

/// Why a flow did not sign the person in: the code the sign-in page of `slug` explains.
#[derive(Debug)]
pub struct Failed {
    pub slug: Option<String>,
    pub reason: FailReason,
}

/// What the sign-in page says when a provider's sign-in did not open the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The flow is unknown, used or too old: start again.
    Expired,
    /// The provider refused or could not be reached, or its token failed a check.
    Provider,
    /// Nobody in the organisation has this identity, and the connection creates nobody.
    NoAccount,
    /// The account is suspended, its access ended or it was deprovisioned.
    NotActive,
    /// The address is not one of the connection's domains, or not verified.
    Domain,
    /// Creating the account would take a seat the licence does not have.
    Seats,
    /// Too many sign-ins were started from this address without finishing.
    Throttled,
}

impl FailReason {
    /// The code in the sign-in page's address, also the history's failure reason.
    pub fn code(self) -> &'static str {
        match self {
            FailReason::Expired => "expired",
            FailReason::Provider => "provider",
            FailReason::NoAccount => "no_account",
            FailReason::NotActive => "not_active",
            FailReason::Domain => "domain",
            FailReason::Seats => "seats",
            FailReason::Throttled => "throttled",
        }
    }
}

/// The throttling key of sign-ins through a provider started from `client`'s address: each start
/// writes a flow, so an address starting many and finishing none is slowed, then locked out, like
/// password sign-ins (a finished one gives its attempt back).
fn start_key(client: &ClientInfo) -> String {
    format!("sso-ip:{}", client.ip.as_deref().unwrap_or("unknown"))
}

fn failed(slug: &str, reason: FailReason) -> Failed {
    Failed {
        slug: Some(slug.to_string()),
        reason,
    }
}

fn expired() -> Failed {
    Failed {
        slug: None,
        reason: FailReason::Expired,
    }
}

/// Takes the live flow whose state is `flow_state`, started in the browser holding the cookie
/// `browser`: found and marked used in one transaction, the mark made only while the row still
/// has that state, so of two callbacks racing with the same state (on PostgreSQL both can read
/// it) exactly one gets the flow.
async fn take(
    db: &DatabaseConnection,
    flow_state: &str,
    browser: Option<&str>,
) -> ServiceResult<Option<sso_flow::Model>> {
    let state_hash = sessions::hash_secret(flow_state);
    let txn = write_txn(db).await?;
    let Some(flow) = sso_flow::Entity::find()
        .filter(sso_flow::Column::StateHash.eq(state_hash.as_str()))
        .filter(
            sso_flow::Column::BrowserHash.eq(sessions::hash_secret(browser.unwrap_or_default())),
        )
        .one(&txn)
        .await?
        .filter(|f| f.expires_at > now())
    else {
        return Ok(None);
    };
    let taken = sso_flow::Entity::update_many()
        .col_expr(
            sso_flow::Column::StateHash,
            Expr::value(format!("used:{}", flow.id)),
        )
        .filter(sso_flow::Column::Id.eq(flow.id))
        .filter(sso_flow::Column::StateHash.eq(state_hash.as_str()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((taken.rows_affected == 1).then_some(flow))
}

/// Finishes the flow whose `state` came back with `code` (or with the provider's `error`), in the
/// browser that brought back the flow's cookie `browser`.
pub async fn finish(
    state: &AppState,
    flow_state: &str,
    browser: Option<&str>,
    code: Option<&str>,
    error: Option<&str>,
    client: &ClientInfo,
) -> Result<Finished, Failed> {
    let db = &state.db;
    // A failure to read is logged and told as an expired sign-in: nothing was signed in.
    let broken = |error: ServiceError| {
        tracing::error!(%error, "single sign-on: the flow could not be read");
        expired()
    };
    let flow = take(db, flow_state, browser)
        .await
        .map_err(broken)?
        .ok_or_else(expired)?;
    let connection = sso_connection::Entity::find_by_id(flow.connection_id)
        .one(db)
        .await
        .map_err(|e| broken(e.into()))?
        .ok_or_else(expired)?;
    let organisation = organisation::Entity::find_by_id(connection.organisation_id)
        .one(db)
        .await
        .map_err(|e| broken(e.into()))?
        .ok_or_else(expired)?;
    let slug = organisation.slug.clone();
    let verified = verify(state, &connection, &flow, code, error).await;
    if flow.purpose == "test" {
        let result = match &verified {
            Ok(v) => json!({ "claims": v.claims }),
            Err(e) => json!({ "error": e.message().in_(Locale::En) }),
        };
        sso_flow::Entity::update_many()
            .col_expr(sso_flow::Column::Claims, Expr::value(result))
            .filter(sso_flow::Column::Id.eq(flow.id))
            .exec(db)
            .await
            .map_err(|e| broken(e.into()))?;
        return Ok(Finished::Tested {
            slug,
            flow: flow.id,
        });
    }
    sso_flow::Entity::delete_by_id(flow.id)
        .exec(db)
        .await
        .map_err(|e| broken(e.into()))?;
    let verified = match verified {
        Ok(v) => v,
        Err(e) => {
            tracing::info!(connection = %connection.id, error = ?e, "single sign-on refused by the provider");
            note(
                state,
                &organisation,
                None,
                "",
                client,
                &connection,
                Some("provider"),
            )
            .await;
            return Err(failed(&slug, FailReason::Provider));
        }
    };
    let email = verified
        .email
        .as_deref()
        .map(normalise_email)
        .unwrap_or_default();
    let user = match account_for(state, &organisation, &connection, &verified).await {
        Ok(user) => user,
        Err(Why::Refused(reason, user)) => {
            note(
                state,
                &organisation,
                user.as_deref(),
                &email,
                client,
                &connection,
                Some(reason.code()),
            )
            .await;
            return Err(failed(&slug, reason));
        }
        Err(Why::Broken(e)) => {
            tracing::error!(error = %e, "single sign-on failed");
            return Err(failed(&slug, FailReason::Provider));
        }
    };
    let secret = sign_in(state, &organisation, &connection, &user, client)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "single sign-on: starting the session failed");
            failed(&slug, FailReason::Provider)
        })?;
    Ok(Finished::SignedIn {
        slug,
        secret,
        locale: user.locale,
        next: flow.next,
    })
}

async fn verify(
    state: &AppState,
    connection: &sso_connection::Model,
    flow: &sso_flow::Model,
    code: Option<&str>,
    error: Option<&str>,
) -> Result<Verified, ProviderError> {
    if let Some(error) = error {
        return Err(ProviderError::Refused(error.chars().take(200).collect()));
    }
    let code = code.ok_or_else(|| ProviderError::Refused("no code came back".into()))?;
    let redirect = redirect_uri(state);
    let client = client_of(state, connection, &redirect)
        .map_err(|_| ProviderError::Refused("the client secret cannot be read".into()))?;
    provider::exchange(
        &state.sso,
        &client,
        code,
        flow.pkce_verifier.clone(),
        &flow.nonce,
    )
    .await
}

/// One line of the sign-in history for a flow through `connection`.
async fn note(
    state: &AppState,
    organisation: &organisation::Model,
    user: Option<&user::Model>,
    email: &str,
    client: &ClientInfo,
    connection: &sso_connection::Model,
    failure: Option<&str>,
) {
    // The refusal goes to the person either way; a history line that could not be written is
    // logged, not passed over.
    if let Err(error) = record_login(
        &state.db,
        Some(organisation.id),
        user,
        email,
        client,
        Method::SingleSignOn(&connection.name),
        failure,
    )
    .await
    {
        tracing::error!(%error, "single sign-on: the sign-in history could not be written");
    }
}

/// Starts `user`'s session and writes the sign-in to the history.
async fn sign_in(
    state: &AppState,
    organisation: &organisation::Model,
    connection: &sso_connection::Model,
    user: &user::Model,
    client: &ClientInfo,
) -> ServiceResult<String> {
    let txn = write_txn(&state.db).await?;
    throttle::settle_success(&txn, "", &start_key(client)).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    record_login(
        &txn,
        Some(organisation.id),
        Some(user),
        &user.email,
        client,
        Method::SingleSignOn(&connection.name),
        None,
    )
    .await?;
    let secret = sessions::start(&txn, &state.auth, user.id, client).await?;
    txn.commit().await?;
    Ok(secret)
}

/// What test `flow` received, for the admin who started it (anyone else finds nothing).
pub async fn test_result(
    state: &AppState,
    organisation_id: Uuid,
    by: Uuid,
    flow: Uuid,
) -> ServiceResult<SsoTestResult> {
    let db = &state.db;
    let found = sso_flow::Entity::find_by_id(flow)
        .filter(sso_flow::Column::StartedBy.eq(by))
        .one(db)
        .await?;
    let connection = match &found {
        Some(flow) => {
            sso_connection::Entity::find_by_id(flow.connection_id)
                .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
                .one(db)
                .await?
        }
        None => None,
    };
    let (Some(flow), Some(connection)) = (found, connection) else {
        return Err(Refusal::NotFound(msg!("msg.sso.that_test")).into());
    };
    let claims = flow.claims.unwrap_or(serde_json::Value::Null);
    Ok(SsoTestResult {
        connection: connection.name,
        claims: claims
            .get("claims")
            .map(|c| serde_json::to_string_pretty(c).unwrap_or_default()),
        error: claims
            .get("error")
            .and_then(|e| e.as_str())
            .map(str::to_string),
    })
}
