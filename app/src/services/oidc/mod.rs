//! Talking to OpenID providers (a building block of single sign-on), through the `openidconnect` crate: discovery documents and signing
//! keys cached per issuer (an hour, the keys fetched again at once when a token names a key we do
//! not have, at most once a minute), the authorization URL with PKCE, state and nonce, and the
//! code exchanged for an ID token whose issuer, audience, expiry, nonce and signature are checked.

pub mod secrets;

use crate::{msg, services::messages::Message};
use openidconnect::{
    core::{
        CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJsonWebKeySet,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    },
    AdditionalClaims, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IdToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, SignatureVerificationError, TokenResponse,
};
use secrets::SecretKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// How long a provider's discovery document and keys are used before being fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// The least time between two fetches of one provider's keys on account of an unknown key.
const KEYS_REFETCH: Duration = Duration::from_secs(60);

/// What single sign-on needs from the running server: the key client secrets are sealed with,
/// an HTTP client that follows no redirects, and what it learnt of each provider.
pub struct SsoContext {
    secret_key: Option<SecretKey>,
    http: openidconnect::reqwest::Client,
    /// Issuers may be plain `http://` addresses (tests and local providers only).
    allow_http: bool,
    providers: Mutex<HashMap<String, Cached>>,
}

struct Cached {
    metadata: Arc<CoreProviderMetadata>,
    fetched: Instant,
    /// When the keys were last fetched again for a token naming an unknown key.
    keys_refetched: Option<Instant>,
}

impl SsoContext {
    pub fn new(secret_key: Option<SecretKey>, allow_http: bool) -> Result<Self, String> {
        let http = openidconnect::reqwest::Client::builder()
            // A provider that redirects its discovery or token endpoint elsewhere is refused:
            // the server fetches only the addresses the admin named.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            secret_key,
            http,
            allow_http,
            providers: Mutex::new(HashMap::new()),
        })
    }

    /// The key client secrets are sealed with, when the server has one.
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
    }

    /// Forgets what was learnt of `issuer` (its connection changed).
    pub fn forget(&self, issuer: &str) {
        if let Ok(mut providers) = self.providers.lock() {
            providers.remove(issuer);
        }
    }

    fn cached(&self, issuer: &str) -> Option<Arc<CoreProviderMetadata>> {
        let providers = self.providers.lock().ok()?;
        providers
            .get(issuer)
            .filter(|c| c.fetched.elapsed() < METADATA_TTL)
            .map(|c| c.metadata.clone())
    }

    fn keep(
        &self,
        issuer: &str,
        metadata: Arc<CoreProviderMetadata>,
        fetched: Instant,
        keys_refetched: Option<Instant>,
    ) {
        if let Ok(mut providers) = self.providers.lock() {
            providers.insert(
                issuer.to_string(),
                Cached {
                    metadata,
                    fetched,
                    keys_refetched,
                },
            );
        }
    }

    /// `issuer`'s discovery document and keys, from the cache or fetched.
    async fn metadata(&self, issuer: &str) -> Result<Arc<CoreProviderMetadata>, ProviderError> {
        if let Some(metadata) = self.cached(issuer) {
            return Ok(metadata);
        }
        let url = IssuerUrl::new(issuer.to_string())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| ProviderError::Unreachable(describe(&e)))?;
        let metadata = Arc::new(metadata);
        self.keep(issuer, metadata.clone(), Instant::now(), None);
        Ok(metadata)
    }

    /// `issuer`'s keys fetched again (it rotated them), unless an unknown key already had them
    /// fetched again a moment ago: tokens naming made-up keys do not make the server download
    /// keys at every request.
    async fn refetch_keys(
        &self,
        issuer: &str,
        metadata: &CoreProviderMetadata,
    ) -> Result<Option<Arc<CoreProviderMetadata>>, ProviderError> {
        let cached = self.providers.lock().ok().and_then(|p| {
            p.get(issuer).map(|c| {
                (
                    c.keys_refetched
                        .is_some_and(|at| at.elapsed() < KEYS_REFETCH),
                    c.fetched,
                )
            })
        });
        let fetched = match cached {
            Some((true, _)) => return Ok(None),
            Some((false, fetched)) => fetched,
            None => Instant::now(),
        };
        let keys = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .map_err(|e| ProviderError::Unreachable(describe(&e)))?;
        let metadata = Arc::new(metadata.clone().set_jwks(keys));
        self.keep(issuer, metadata.clone(), fetched, Some(Instant::now()));
        Ok(Some(metadata))
    }
}

fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Why a provider did not answer as it should, in its own words.
#[derive(Debug, Clone)]
pub enum ProviderError {
    /// Its discovery document or keys could not be fetched or read.
    Unreachable(String),
    /// It refused the code, or the ID token did not pass the checks.
    Refused(String),
}

impl ProviderError {
    pub fn message(&self) -> Message {
        match self {
            ProviderError::Unreachable(detail) => {
                msg!("msg.sso.provider_unreachable", detail = detail.clone())
            }
            ProviderError::Refused(detail) => {
                msg!("msg.sso.provider_refused", detail = detail.clone())
            }
        }
    }
}

/// Whether `issuer` may be a connection's issuer: an `https://` URL (`http://` only when the
/// server allows it, for local providers), without query or fragment.
pub fn check_issuer(context: &SsoContext, issuer: &str) -> Result<(), Message> {
    let url = openidconnect::url::Url::parse(issuer).map_err(|_| msg!("msg.sso.issuer"))?;
    let scheme_ok = url.scheme() == "https" || (context.allow_http && url.scheme() == "http");
    if !scheme_ok
        || url.host_str().is_none()
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || issuer.contains('{')
        || issuer.len() > 500
    {
        return Err(msg!("msg.sso.issuer"));
    }
    Ok(())
}

/// A client made from a provider's discovery document (its authorization endpoint known, its
/// token endpoint checked when used).
type OidcClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// A connection as the protocol needs it.
pub struct Client<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: String,
    pub redirect_uri: &'a str,
    /// Scopes besides `openid`, space-separated.
    pub scopes: &'a str,
}

impl Client<'_> {
    fn build(&self, metadata: &CoreProviderMetadata) -> Result<OidcClient, ProviderError> {
        let redirect = RedirectUrl::new(self.redirect_uri.to_string())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.client_id.to_string()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }
}

/// The secrets of a sign-in on its way to the provider, kept until it comes back.
#[derive(Debug)]
pub struct Started {
    /// Where to send the browser.
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The address of the provider's sign-in for `client`, with a fresh state, nonce and PKCE
/// challenge.
pub async fn authorize(
    context: &SsoContext,
    client: &Client<'_>,
) -> Result<Started, ProviderError> {
    let metadata = context.metadata(client.issuer).await?;
    let oidc = client.build(&metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = oidc.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for scope in client.scopes.split_whitespace() {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Ok(Started {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.into_secret(),
    })
}

/// Every claim of the ID token, the provider's own ones too.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AllClaims(HashMap<String, Value>);
impl AdditionalClaims for AllClaims {}

type FullIdToken =
    IdToken<AllClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// Who the provider says signed in, from a verified ID token.
#[derive(Debug, Clone)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Every claim, for "Test sign-in".
    pub claims: Value,
}

/// Exchanges `code` (with the PKCE verifier) for an ID token and verifies it: issuer, audience,
/// expiry, `nonce` and signature (with the provider's keys fetched again once when the token names
/// a key we do not know).
pub async fn exchange(
    context: &SsoContext,
    client: &Client<'_>,
    code: &str,
    pkce_verifier: String,
    nonce: &str,
) -> Result<Verified, ProviderError> {
    let metadata = context.metadata(client.issuer).await?;
    let oidc = client.build(&metadata)?;
    let token = oidc
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| ProviderError::Refused(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(&context.http)
        .await
        .map_err(|e| {
            ProviderError::Refused(match &e {
                RequestTokenError::ServerResponse(answer) => match answer.error_description() {
                    Some(description) => format!("{}: {description}", answer.error()),
                    None => answer.error().to_string(),
                },
                other => describe(other),
            })
        })?;
    let id_token = token
        .id_token()
        .ok_or_else(|| ProviderError::Refused("no ID token in the answer".into()))?;
    let id_token: FullIdToken = id_token
        .to_string()
        .parse()
        .map_err(|e: serde_json::Error| ProviderError::Refused(e.to_string()))?;
    let nonce = Nonce::new(nonce.to_string());
    match verify(&oidc, &id_token, &nonce) {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => match context.refetch_keys(client.issuer, &metadata).await? {
            Some(metadata) => verify(&client.build(&metadata)?, &id_token, &nonce)
                .map_err(|e| ProviderError::Refused(describe(&e))),
            None => Err(ProviderError::Refused(
                "the ID token is signed with a key the provider does not publish".into(),
            )),
        },
        other => other.map_err(|e| ProviderError::Refused(describe(&e))),
    }
}

fn verify(
    oidc: &OidcClient,
    token: &FullIdToken,
    nonce: &Nonce,
) -> Result<Verified, ClaimsVerificationError> {
    let claims = token.claims(&oidc.id_token_verifier(), nonce)?;
    Ok(Verified {
        issuer: claims.issuer().as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified() == Some(true),
        given_name: claims
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        family_name: claims
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        claims: serde_json::to_value(claims).unwrap_or(Value::Null),
    })
}
