//! The HTTP API for other products (`/api/v1`), documented in `docs/api.md`. A product sends an
//! organisation's API key as `Authorization: Bearer tnty_…`; the key decides the organisation, so
//! no URL names one and no key reaches another organisation's data. Answers and errors are JSON.

use app::{
    i18n::request_locale,
    model::{api_keys::ApiScope, AppError, FieldError},
    services::{
        api_keys::{self, ApiClient},
        messages::Refusal,
        teams::{self, AgentRef},
        AppState, ServiceError,
    },
};
use axum::{
    extract::{FromRequestParts, Path, Query, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where the API is served.
pub const PREFIX: &str = "/api/v1";

/// The API's routes, to nest under [`PREFIX`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/teams/{id}/signature", get(team_signature))
        .fallback(not_found)
        .layer(axum::middleware::map_response(no_store))
}

/// Answers carry people's names and addresses: nothing in between keeps them.
async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Why a call was refused, as the product reads it: a service's refusal keeps its stable key,
/// which the body gives as `code`.
#[derive(Debug)]
pub struct ApiError {
    why: Why,
    /// A key was sent but is not (or no longer) valid.
    bad_key: bool,
}

#[derive(Debug)]
enum Why {
    Refused(Refusal),
    Failed(AppError),
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self {
            why: Why::Failed(error),
            bad_key: false,
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        Self {
            why: Why::Refused(refusal),
            bad_key: false,
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Refused(refusal) => refusal.into(),
            other => AppError::from(other).into(),
        }
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize)]
struct ErrorDetail {
    /// The stable key of the refusal (`teams.agent_ambiguous`), or its kind when it has none.
    code: &'static str,
    /// What kind of refusal it is, as the status says.
    kind: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldDetail>,
}

#[derive(Serialize)]
struct FieldDetail {
    field: String,
    code: &'static str,
    message: String,
}

/// The kind of `error`, one word per status.
fn kind(error: &AppError) -> &'static str {
    match error {
        AppError::Unauthenticated => "unauthenticated",
        AppError::PasswordChangeRequired | AppError::Forbidden(_) => "forbidden",
        AppError::NotFound(_) => "not_found",
        AppError::Invalid { .. } => "invalid",
        AppError::Conflict(_) => "conflict",
        AppError::Throttled { .. } => "throttled",
        AppError::Malformed(_) => "malformed",
        AppError::Internal(_) | AppError::Transport(_) => "internal",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let l = request_locale();
        let (error, code, field_codes) = match &self.why {
            Why::Refused(refusal) => (refusal.in_(l), Some(refusal.code()), refusal.field_codes()),
            Why::Failed(error) => (error.clone(), None, Vec::new()),
        };
        let kind = kind(&error);
        let message = match &error {
            AppError::Unauthenticated => api_keys::missing_key_message().in_(l),
            other => other.message(l),
        };
        let fields = match &error {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .map(|FieldError { field, message }| FieldDetail {
                    code: field_codes
                        .iter()
                        .find(|(f, _)| f == field)
                        .map_or(kind, |(_, code)| code),
                    field: field.clone(),
                    message: message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let status =
            StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: code.unwrap_or(kind),
                    kind,
                    message,
                    fields,
                },
            }),
        )
            .into_response();
        if let AppError::Throttled {
            retry_after_secs, ..
        } = &error
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(if self.bad_key {
                    "Bearer realm=\"tenantry\", error=\"invalid_token\""
                } else {
                    "Bearer realm=\"tenantry\""
                }),
            );
        }
        response
    }
}

/// A product authenticated by its key.
pub struct Product(ApiClient);

impl FromRequestParts<AppState> for Product {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(secret) = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, secret)| secret.trim())
        else {
            return Err(AppError::Unauthenticated.into());
        };
        match api_keys::authenticate(&state.db, secret).await? {
            Some(client) => {
                state.api_limits.check(client.key_id)?;
                Ok(Product(client))
            }
            None => Err(ApiError {
                why: Why::Failed(AppError::Unauthenticated),
                bad_key: true,
            }),
        }
    }
}

/// A team as the API lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiTeam {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub members: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TeamList {
    pub teams: Vec<ApiTeam>,
}

/// One team, with its signature as written (placeholders unfilled).
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiTeamDetail {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub signature_template: String,
    pub updated_at: String,
}

/// The agent a signature was filled in for.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiAgent {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// A team's signature filled in for one agent: what goes under a public reply.
#[derive(Debug, Serialize, Deserialize)]
pub struct ApiSignature {
    pub team_id: Uuid,
    pub team_name: String,
    pub agent: ApiAgent,
    pub signature: String,
}

/// The organisation's teams, by name.
async fn list_teams(
    State(state): State<AppState>,
    Product(client): Product,
) -> Result<Json<TeamList>, ApiError> {
    client.require(ApiScope::TeamsRead)?;
    let teams = teams::list(&state.db, client.organisation.id, None).await?;
    Ok(Json(TeamList {
        teams: teams
            .into_iter()
            .map(|t| ApiTeam {
                id: t.id,
                name: t.name,
                description: t.description,
                members: t.members,
            })
            .collect(),
    }))
}

/// A team id from the path; anything that is not one is a team that does not exist.
fn team_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| teams::that_team().into())
}

async fn get_team(
    State(state): State<AppState>,
    Product(client): Product,
    Path(id): Path<String>,
) -> Result<Json<ApiTeamDetail>, ApiError> {
    client.require(ApiScope::TeamsRead)?;
    let team = teams::for_product(&state.db, &client.organisation, team_id(&id)?).await?;
    Ok(Json(ApiTeamDetail {
        id: team.id,
        name: team.name,
        description: team.description,
        signature_template: team.signature,
        updated_at: team.updated_at.to_rfc3339(),
    }))
}

/// Who signs: `agent_id` or `agent_email`, exactly one.
#[derive(Debug, Deserialize)]
pub struct AgentQuery {
    agent_id: Option<String>,
    agent_email: Option<String>,
}

async fn team_signature(
    State(state): State<AppState>,
    Product(client): Product,
    Path(id): Path<String>,
    Query(query): Query<AgentQuery>,
) -> Result<Json<ApiSignature>, ApiError> {
    client.require(ApiScope::TeamsRead)?;
    let team_id = team_id(&id)?;
    let agent = AgentRef::from_query(query.agent_id, query.agent_email)?;
    let signed = teams::signature_for(&state.db, &client.organisation, team_id, &agent).await?;
    let name = format!("{} {}", signed.agent.first_name, signed.agent.last_name);
    Ok(Json(ApiSignature {
        team_id: signed.team.id,
        team_name: signed.team.name,
        agent: ApiAgent {
            id: signed.agent.id,
            name: name.trim().to_string(),
            email: signed.agent.email,
        },
        signature: signed.text,
    }))
}

async fn not_found() -> ApiError {
    api_keys::no_such_endpoint().into()
}
