//! Directory sync over HTTP: SCIM 2.0 (RFC 7644) at `/scim/v2`, documented in `docs/scim.md`. An
//! identity provider sends an organisation's API key holding the `scim` scope as
//! `Authorization: Bearer tnty_…`; the key decides the organisation. Bodies and errors are
//! `application/scim+json`; errors carry the SCIM error schema with a `scimType` where the RFC
//! names one, and a `detail` a person can act on.

use app::{
    entities::user,
    i18n::{request_locale, Locale},
    model::{api_keys::ApiScope, AppError, UserType},
    services::{
        api_keys,
        messages::Refusal,
        scim::{self, resource, Directory, ListRequest},
        AppState, ClientInfo, ServiceError,
    },
};
use axum::{
    body::Bytes,
    extract::{FromRequestParts, Path, Query, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use scim_v2::{
    models::others::{PatchOp, SearchRequest, SortOrder},
    schema_urns,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Where directory sync is served.
pub const PREFIX: &str = "/scim/v2";

/// The content type of every SCIM body.
const SCIM_JSON: &str = "application/scim+json";

/// Every route below, as method and path: the isolation suite attacks each one. Keep it in step
/// with [`routes`].
pub const ROUTES: [(&str, &str); 13] = [
    ("GET", "/ServiceProviderConfig"),
    ("GET", "/ResourceTypes"),
    ("GET", "/ResourceTypes/{name}"),
    ("GET", "/Schemas"),
    ("GET", "/Schemas/{id}"),
    ("GET", "/Users"),
    ("POST", "/Users"),
    ("POST", "/Users/.search"),
    ("POST", "/.search"),
    ("GET", "/Users/{id}"),
    ("PUT", "/Users/{id}"),
    ("PATCH", "/Users/{id}"),
    ("DELETE", "/Users/{id}"),
];

/// The routes, to nest under [`PREFIX`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{name}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .route("/Users", get(list_users).post(create_user))
        .route("/Users/.search", axum::routing::post(search_users))
        // A search at the root looks through every resource type: here, Users.
        .route("/.search", axum::routing::post(search_users))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .fallback(not_found)
}

/// A SCIM error answer (RFC 7644 §3.12).
#[derive(Debug)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
    /// When a key over its rate may call again, in seconds.
    retry_after: Option<u64>,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }
}

/// The `scimType` and status of a refusal whose code (its message's key) says what kind it is.
fn kind_of(code: &str) -> Option<(StatusCode, &'static str)> {
    Some(match code {
        c if c.starts_with("scim.filter.") => (StatusCode::BAD_REQUEST, "invalidFilter"),
        "scim.path.invalid" => (StatusCode::BAD_REQUEST, "invalidPath"),
        "scim.path.no_target" => (StatusCode::BAD_REQUEST, "noTarget"),
        "scim.path.read_only" => (StatusCode::BAD_REQUEST, "mutability"),
        "accounts.email_taken" | "scim.value.user_name_taken" => {
            (StatusCode::CONFLICT, "uniqueness")
        }
        "scim.version_changed" => (StatusCode::PRECONDITION_FAILED, "invalidVers"),
        _ => return None,
    })
}

impl From<ServiceError> for ScimError {
    fn from(error: ServiceError) -> Self {
        let l = request_locale();
        let (kind, error) = match error {
            ServiceError::Refused(refusal) => (
                refusal
                    .field_codes()
                    .first()
                    .and_then(|(_, c)| kind_of(c))
                    .or(kind_of(refusal.code())),
                refusal.in_(l),
            ),
            other => (None, AppError::from(other)),
        };
        let detail = match &error {
            AppError::Invalid { fields, message } => fields
                .first()
                .map_or_else(|| message.clone(), |f| f.message.clone()),
            AppError::Unauthenticated => api_keys::missing_key_message().in_(l),
            other => other.message(l),
        };
        let (status, scim_type) = match (kind, &error) {
            (Some((status, scim_type)), _) => (status, Some(scim_type)),
            // SCIM has no 422: a value it cannot take is a 400.
            (None, AppError::Invalid { .. } | AppError::Malformed(_)) => {
                (StatusCode::BAD_REQUEST, Some("invalidValue"))
            }
            (None, error) => (
                StatusCode::from_u16(error.status_code())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                None,
            ),
        };
        ScimError {
            retry_after: match error {
                AppError::Throttled {
                    retry_after_secs, ..
                } => Some(retry_after_secs),
                _ => None,
            },
            ..ScimError::new(status, scim_type, detail)
        }
    }
}

impl From<Refusal> for ScimError {
    fn from(refusal: Refusal) -> Self {
        ServiceError::from(refusal).into()
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [schema_urns::ERROR],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        let mut response = scim_json(self.status, &body);
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tenantry\""),
            );
        }
        response
    }
}

fn scim_json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, SCIM_JSON),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// A body that is not JSON, or not the JSON expected.
fn syntax(detail: impl std::fmt::Display) -> ScimError {
    ScimError::new(
        StatusCode::BAD_REQUEST,
        Some("invalidSyntax"),
        format!("The request body could not be read as SCIM JSON: {detail}."),
    )
}

/// The directory calling: a valid key holding the `scim` scope, and a creator still able to act.
struct Caller(Directory);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimError> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, secret)| secret.trim().to_string())
            .ok_or_else(|| ScimError::from(Refusal::Unauthenticated))?;
        let api = api_keys::authenticate(&state.db, &secret)
            .await?
            .ok_or_else(|| ScimError::from(Refusal::Unauthenticated))?;
        state.api_limits.check(&api)?;
        api.require(ApiScope::Scim)?;
        let client = parts
            .extensions
            .get::<ClientInfo>()
            .cloned()
            .unwrap_or(ClientInfo {
                ip: None,
                user_agent: None,
            });
        Ok(Caller(scim::directory(state, &api, client).await?))
    }
}

/// The version a change was read at (`If-Match: W/"3"`); none for `*` or no header.
fn expected_version(headers: &HeaderMap) -> Option<i32> {
    let value = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    value
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}

fn base(state: &AppState) -> &str {
    &state.mail.base_url
}

/// One User answered with its version as the entity tag.
fn user_response(
    state: &AppState,
    status: StatusCode,
    user: &user::Model,
    shape: &Shape,
) -> Response {
    let body = shape.apply(resource::to_json(user, base(state)));
    let mut response = scim_json(status, &body);
    if let Ok(tag) = HeaderValue::from_str(&resource::version_tag(user.version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(location) =
            HeaderValue::from_str(&format!("{}{PREFIX}/Users/{}", base(state), user.id))
        {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// Which attributes an answer carries (RFC 7644 §3.9): `attributes` keeps only those (and the
/// ones always returned), `excludedAttributes` drops those.
#[derive(Debug, Default)]
struct Shape {
    only: Vec<String>,
    without: Vec<String>,
}

impl Shape {
    /// The shape a query string asks for.
    fn from_query(query: &HashMap<String, String>) -> Self {
        let list = |name: &str| query.get(name).cloned().into_iter().collect::<Vec<_>>();
        Self::from_lists(&list("attributes"), &list("excludedAttributes"))
    }

    fn from_lists(attributes: &[String], excluded: &[String]) -> Self {
        let clean = |list: &[String]| {
            list.iter()
                .flat_map(|a| a.split(','))
                .map(|a| {
                    // A name may carry the core schema's URI.
                    let a = a.trim();
                    a.strip_prefix(scim::SCHEMA_USER)
                        .map(|rest| rest.trim_start_matches(':'))
                        .unwrap_or(a)
                        .to_ascii_lowercase()
                })
                .filter(|a| !a.is_empty())
                .collect()
        };
        Shape {
            only: clean(attributes),
            without: clean(excluded),
        }
    }

    fn apply(&self, resource: Value) -> Value {
        let Value::Object(object) = resource else {
            return resource;
        };
        let always = |k: &str| k == "id" || k == "schemas";
        let mut out = Map::new();
        for (key, value) in object {
            let lower = key.to_ascii_lowercase();
            if always(&lower) {
                out.insert(key, value);
                continue;
            }
            if self.without.contains(&lower) {
                continue;
            }
            let value = match value {
                Value::Object(inner) => {
                    let inner: Map<String, Value> = inner
                        .into_iter()
                        .filter(|(sub, _)| {
                            let path = format!("{lower}.{}", sub.to_ascii_lowercase());
                            !self.without.contains(&path)
                                && (self.only.is_empty()
                                    || self.only.contains(&lower)
                                    || self.only.contains(&path))
                        })
                        .collect();
                    if inner.is_empty() {
                        continue;
                    }
                    Value::Object(inner)
                }
                other => {
                    let wanted = self.only.is_empty()
                        || self
                            .only
                            .iter()
                            .any(|o| *o == lower || o.starts_with(&format!("{lower}.")));
                    if !wanted {
                        continue;
                    }
                    other
                }
            };
            out.insert(key, value);
        }
        Value::Object(out)
    }
}

/// Reads a JSON body, refusing anything else in words.
fn json_body(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(syntax)
}

async fn get_user(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    let user = scim::get(&state, &dir, &id).await?;
    let shape = Shape::from_query(&query);
    Ok(user_response(&state, StatusCode::OK, &user, &shape))
}

async fn create_user(
    State(state): State<AppState>,
    Caller(dir): Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let user = scim::create(&state, &dir, &body).await?;
    Ok(user_response(
        &state,
        StatusCode::CREATED,
        &user,
        &Shape::default(),
    ))
}

async fn replace_user(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let user = scim::replace(&state, &dir, &id, &body, expected_version(&headers)).await?;
    Ok(user_response(
        &state,
        StatusCode::OK,
        &user,
        &Shape::default(),
    ))
}

async fn patch_user(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let patch: PatchOp = serde_json::from_slice(&body).map_err(|e| {
        let text = e.to_string();
        if text.contains("invalid SCIM path") {
            ScimError::new(StatusCode::BAD_REQUEST, Some("invalidPath"), text)
        } else {
            syntax(text)
        }
    })?;
    let user = scim::patch(
        &state,
        &dir,
        &id,
        &patch.operations,
        expected_version(&headers),
        base(&state),
    )
    .await?;
    Ok(user_response(
        &state,
        StatusCode::OK,
        &user,
        &Shape::default(),
    ))
}

async fn delete_user(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    scim::deprovision(&state, &dir, &id, expected_version(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A page of Users as a ListResponse.
async fn listed(
    state: &AppState,
    dir: &Directory,
    request: ListRequest,
    shape: Shape,
) -> Result<Response, ScimError> {
    let listed = scim::list(state, dir, &request).await?;
    let resources: Vec<Value> = listed
        .users
        .iter()
        .map(|u| shape.apply(resource::to_json(u, base(state))))
        .collect();
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::LIST_RESPONSE],
            "totalResults": listed.total,
            "startIndex": listed.start_index,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    ))
}

/// A number from the query string, refused in words when it is not one.
fn number(query: &HashMap<String, String>, name: &str) -> Result<Option<i64>, ScimError> {
    query
        .get(name)
        .map(|v| {
            v.trim().parse::<i64>().map_err(|_| {
                ScimError::new(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    format!("“{name}” must be a whole number."),
                )
            })
        })
        .transpose()
}

fn list_request(
    filter: Option<&str>,
    sort_by: Option<String>,
    descending: bool,
    start_index: Option<i64>,
    count: Option<i64>,
) -> Result<ListRequest, ScimError> {
    Ok(ListRequest {
        filter: filter
            .filter(|f| !f.trim().is_empty())
            .map(scim::parse_filter)
            .transpose()?,
        sort_by,
        descending,
        start_index: u64::try_from(start_index.unwrap_or(1)).unwrap_or(1),
        count: u64::try_from(count.unwrap_or(100)).unwrap_or(0),
    })
}

async fn list_users(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    let descending = query
        .get("sortOrder")
        .is_some_and(|o| o.eq_ignore_ascii_case("descending"));
    let request = list_request(
        query.get("filter").map(String::as_str),
        query.get("sortBy").cloned(),
        descending,
        number(&query, "startIndex")?,
        number(&query, "count")?,
    )?;
    let shape = Shape::from_query(&query);
    listed(&state, &dir, request, shape).await
}

async fn search_users(
    State(state): State<AppState>,
    Caller(dir): Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    // The filter is read as text first, so a bad one is an invalidFilter, not a bad body.
    let search: SearchRequest<String> = serde_json::from_slice(&body).map_err(syntax)?;
    let request = list_request(
        search.filter.as_deref(),
        search.sort_by.clone(),
        matches!(search.sort_order, Some(SortOrder::Descending)),
        search.start_index,
        search.count,
    )?;
    let shape = Shape::from_lists(&search.attributes, &search.excluded_attributes);
    listed(&state, &dir, request, shape).await
}

/// The server's SCIM features (RFC 7643 §5).
async fn service_provider_config(
    State(state): State<AppState>,
    _: Caller,
) -> Result<Response, ScimError> {
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::SERVICE_PROVIDER_CONFIG],
            "documentationUri": format!("{}/docs/scim", base(&state)),
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": scim::MAX_PAGE },
            "changePassword": { "supported": false },
            "sort": { "supported": true },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "API key",
                "description": "An organisation's API key with the scim scope, as a bearer token.",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{}{PREFIX}/ServiceProviderConfig", base(&state)),
            },
        }),
    ))
}

fn user_resource_type(state: &AppState) -> Value {
    json!({
        "schemas": [schema_urns::RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person of the organisation",
        "schema": schema_urns::USER,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}{PREFIX}/ResourceTypes/User", base(state)),
        },
    })
}

async fn resource_types(State(state): State<AppState>, _: Caller) -> Result<Response, ScimError> {
    let types = vec![user_resource_type(&state)];
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::LIST_RESPONSE],
            "totalResults": types.len(),
            "startIndex": 1,
            "itemsPerPage": types.len(),
            "Resources": types,
        }),
    ))
}

async fn resource_type(
    State(state): State<AppState>,
    _: Caller,
    Path(name): Path<String>,
) -> Result<Response, ScimError> {
    if name != "User" {
        return Err(nothing_there());
    }
    Ok(scim_json(StatusCode::OK, &user_resource_type(&state)))
}

/// A string attribute of the served schema: optional, read and written, compared without case.
fn text(name: &str, description: &str) -> Value {
    json!({
        "name": name, "type": "string", "multiValued": false, "description": description,
        "required": false, "caseExact": false, "mutability": "readWrite",
        "returned": "default", "uniqueness": "none",
    })
}

/// `attribute` with `field` set to `value`.
fn with(mut attribute: Value, field: &str, value: Value) -> Value {
    attribute[field] = value;
    attribute
}

/// A multi-valued attribute of which Tenantry keeps one value, of type `work` (a directory may
/// mark the one it sends primary; it is the only one).
fn one_value(name: &str, description: &str, required: bool) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": true, "description": description,
        "required": required, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none",
        "subAttributes": [
            with(text("value", "The value"), "required", json!(required)),
            with(text("type", "Always work"), "canonicalValues", json!(["work"])),
        ],
    })
}

/// The User schema Tenantry serves (RFC 7643 §7): the attributes it keeps, and how. What it
/// works out or decides itself (the name shown, the user type) is read-only; languages and time
/// zones suggest the values Tenantry knows.
fn user_schema(state: &AppState) -> Value {
    let required = |attribute: Value| with(attribute, "required", json!(true));
    let read_only = |attribute: Value| with(attribute, "mutability", json!("readOnly"));
    let languages = json!(Locale::ALL.iter().map(|l| l.code()).collect::<Vec<_>>());
    json!({
        "schemas": [schema_urns::SCHEMA],
        "id": schema_urns::USER,
        "name": "User",
        "description": "A person of the organisation",
        "attributes": [
            with(
                required(text("userName", "The name the directory knows the person by, unique in the organisation (their address unless given)")),
                "uniqueness",
                json!("server"),
            ),
            { "name": "name", "type": "complex", "multiValued": false, "description": "The person's name",
              "required": true, "mutability": "readWrite", "returned": "default", "uniqueness": "none",
              "subAttributes": [
                  required(text("givenName", "First name")),
                  required(text("familyName", "Last name")),
              ] },
            read_only(text("displayName", "The name shown")),
            with(text("externalId", "The directory's own identifier"), "caseExact", json!(true)),
            text("title", "Job title"),
            // Chosen in the console; people a directory creates are agents.
            with(
                read_only(text("userType", "Tenantry user type")),
                "canonicalValues",
                json!(UserType::ALL.iter().map(|t| t.code()).collect::<Vec<_>>()),
            ),
            with(text("timezone", "IANA time zone"), "canonicalValues", json!(TIME_ZONES)),
            // Every account has a language and is active or not.
            required(with(text("locale", "Language"), "canonicalValues", languages)),
            { "name": "active", "type": "boolean", "multiValued": false,
              "description": "False suspends the account", "required": true,
              "mutability": "readWrite", "returned": "default" },
            one_value("emails", "The address people are invited and reached at", true),
            one_value("phoneNumbers", "A work number", false),
        ],
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}{PREFIX}/Schemas/{}", base(state), schema_urns::USER),
        },
    })
}

/// Time zones the schema suggests; any IANA name is taken.
const TIME_ZONES: [&str; 8] = [
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
];

async fn schemas(State(state): State<AppState>, _: Caller) -> Result<Response, ScimError> {
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::LIST_RESPONSE],
            "totalResults": 1,
            "startIndex": 1,
            "itemsPerPage": 1,
            "Resources": [user_schema(&state)],
        }),
    ))
}

async fn schema(
    State(state): State<AppState>,
    _: Caller,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    if id != schema_urns::USER {
        return Err(nothing_there());
    }
    Ok(scim_json(StatusCode::OK, &user_schema(&state)))
}

fn nothing_there() -> ScimError {
    ScimError::new(
        StatusCode::NOT_FOUND,
        None,
        "There is nothing at this address of the SCIM API.",
    )
}

async fn not_found() -> ScimError {
    nothing_there()
}
