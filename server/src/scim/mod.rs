//! Directory sync over HTTP: SCIM 2.0 (RFC 7644) at `/scim/v2`, documented in `docs/scim.md`. An
//! identity provider sends an organisation's API key holding the `scim` scope as
//! `Authorization: Bearer tnty_…`; the key decides the organisation. Bodies and errors are
//! `application/scim+json`; errors carry the SCIM error schema with a `scimType` where the RFC
//! names one, and a `detail` a person can act on.

use app::{
    i18n::request_locale,
    model::{api_keys::ApiScope, AppError},
    services::{
        api_keys,
        messages::Refusal,
        scim::{self, Directory, ListRequest},
        AppState, ClientInfo, ServiceError,
    },
};
use axum::{
    body::Bytes,
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use scim_v2::{
    models::others::{PatchOp, SearchRequest, SortOrder},
    schema_urns,
};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

mod discovery;
mod groups;
mod users;

/// Where directory sync is served.
pub const PREFIX: &str = "/scim/v2";

/// The content type of every SCIM body.
const SCIM_JSON: &str = "application/scim+json";

/// Every route below, as method and path: the isolation suite attacks each one. Keep it in step
/// with [`routes`].
pub const ROUTES: [(&str, &str); 20] = [
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
    ("GET", "/Groups"),
    ("POST", "/Groups"),
    ("POST", "/Groups/.search"),
    ("GET", "/Groups/{id}"),
    ("PUT", "/Groups/{id}"),
    ("PATCH", "/Groups/{id}"),
    ("DELETE", "/Groups/{id}"),
];

/// The routes, to nest under [`PREFIX`].
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{name}", get(discovery::resource_type))
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        // A search at the root looks through every resource type: Users, then Groups.
        .route("/.search", post(search_all))
        .route(
            "/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", post(groups::search))
        .route(
            "/Groups/{id}",
            get(groups::get)
                .put(groups::replace)
                .patch(groups::patch)
                .delete(groups::delete),
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
        state.api_limits.check(api.key_id)?;
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
        across_types: false,
    })
}

/// One resource answered with its version as the entity tag, and its address when just created.
fn resource_response(
    state: &AppState,
    status: StatusCode,
    body: Value,
    version: i32,
    path: String,
) -> Response {
    let mut response = scim_json(status, &body);
    if let Ok(tag) = HeaderValue::from_str(&scim::resource::version_tag(version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(location) = HeaderValue::from_str(&format!("{}{PREFIX}{path}", base(state))) {
            response.headers_mut().insert(header::LOCATION, location);
        }
    }
    response
}

/// A page of resources as a ListResponse.
fn list_response(total: u64, start_index: u64, resources: Vec<Value>) -> Response {
    scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::LIST_RESPONSE],
            "totalResults": total,
            "startIndex": Ord::max(start_index, 1),
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// The list and shape a query string asks for (`GET /Users?filter=…`).
fn list_query(query: &HashMap<String, String>) -> Result<(ListRequest, Shape), ScimError> {
    let descending = query
        .get("sortOrder")
        .is_some_and(|o| o.eq_ignore_ascii_case("descending"));
    let request = list_request(
        query.get("filter").map(String::as_str),
        query.get("sortBy").cloned(),
        descending,
        number(query, "startIndex")?,
        number(query, "count")?,
    )?;
    Ok((request, Shape::from_query(query)))
}

/// The list and shape a search body asks for (`POST /Users/.search`).
fn search_body(body: &Bytes) -> Result<(ListRequest, Shape), ScimError> {
    // The filter is read as text first, so a bad one is an invalidFilter, not a bad body.
    let search: SearchRequest<String> = serde_json::from_slice(body).map_err(syntax)?;
    let request = list_request(
        search.filter.as_deref(),
        search.sort_by.clone(),
        matches!(search.sort_order, Some(SortOrder::Descending)),
        search.start_index,
        search.count,
    )?;
    Ok((
        request,
        Shape::from_lists(&search.attributes, &search.excluded_attributes),
    ))
}

/// `POST /.search`: Users, then Groups (when the directory may use them), as one list. An
/// attribute only one of them has counts as absent in the other.
async fn search_all(
    axum::extract::State(state): axum::extract::State<AppState>,
    Caller(dir): Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let (request, shape) = search_body(&body)?;
    let request = ListRequest {
        across_types: true,
        ..request
    };
    let start = Ord::max(request.start_index, 1);
    let (users_total, users) = scim::list(&state, &dir, &request).await?;
    let mut total = users_total;
    let mut resources: Vec<Value> = users
        .iter()
        .map(|u| shape.apply(scim::resource::to_json(u, base(&state))))
        .collect();
    if dir.can(app::model::Permission::TeamsManage) {
        // The window of Groups that follows the Users in the list.
        let window = ListRequest {
            start_index: Ord::max(start.saturating_sub(users_total), 1),
            count: request.count.saturating_sub(resources.len() as u64),
            ..request.clone()
        };
        let (groups_total, page) = scim::groups::list(&state, &dir, &window).await?;
        total += groups_total;
        resources.extend(
            page.iter()
                .map(|g| shape.apply(scim::groups::to_json(g, base(&state)))),
        );
    }
    Ok(list_response(total, start, resources))
}

/// A PATCH body, its paths parsed; a path that does not parse is an `invalidPath`.
fn patch_body(body: &Bytes) -> Result<PatchOp, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        if text.contains("invalid SCIM path") {
            ScimError::new(StatusCode::BAD_REQUEST, Some("invalidPath"), text)
        } else {
            syntax(text)
        }
    })
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
