//! What a directory reads to learn the service (RFC 7643 §5–7): its features, its resource types
//! and their schemas, as Tenantry keeps them.

use super::{base, nothing_there, scim_json, Caller, ScimError, PREFIX};
use app::{
    i18n::Locale,
    model::{Permission, UserType},
    services::{
        scim::{self, Directory},
        AppState,
    },
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use scim_v2::schema_urns;
use serde_json::{json, Value};

/// The server's SCIM features (RFC 7643 §5).
pub(super) async fn service_provider_config(
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

/// The resource types (RFC 7643 §6): `User` and `Group`, with their endpoints and schemas.
const TYPES: [(&str, &str, &str, &str); 2] = [
    (
        "User",
        "/Users",
        "A person of the organisation",
        schema_urns::USER,
    ),
    (
        "Group",
        "/Groups",
        "A team of the organisation",
        schema_urns::GROUP,
    ),
];

fn resource_type_of(
    state: &AppState,
    (name, endpoint, description, schema): (&str, &str, &str, &str),
) -> Value {
    json!({
        "schemas": [schema_urns::RESOURCE_TYPE],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{}{PREFIX}/ResourceTypes/{name}", base(state)),
        },
    })
}

/// The resource types this directory may use: Groups only when its key's creator manages teams
/// (and the organisation has teams).
fn available(
    dir: &Directory,
) -> impl Iterator<Item = (&'static str, &'static str, &'static str, &'static str)> + '_ {
    TYPES
        .into_iter()
        .filter(|(name, ..)| *name == "User" || dir.can(Permission::TeamsManage))
}

pub(super) async fn resource_types(
    State(state): State<AppState>,
    Caller(dir): Caller,
) -> Result<Response, ScimError> {
    let types: Vec<Value> = available(&dir)
        .map(|t| resource_type_of(&state, t))
        .collect();
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

pub(super) async fn resource_type(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Path(name): Path<String>,
) -> Result<Response, ScimError> {
    let found = available(&dir)
        .find(|(n, ..)| *n == name)
        .ok_or_else(nothing_there)?;
    Ok(scim_json(StatusCode::OK, &resource_type_of(&state, found)))
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

/// The Group schema Tenantry serves (RFC 7643 §4.2): a team's name and its people.
fn group_schema(state: &AppState) -> Value {
    let read_only = |attribute: Value| with(attribute, "mutability", json!("readOnly"));
    json!({
        "schemas": [schema_urns::SCHEMA],
        "id": schema_urns::GROUP,
        "name": "Group",
        "description": "A team of the organisation",
        "attributes": [
            with(
                with(text("displayName", "The team's name, unique in the organisation"), "required", json!(true)),
                "uniqueness",
                json!("server"),
            ),
            with(text("externalId", "The directory's own identifier of the team"), "caseExact", json!(true)),
            { "name": "members", "type": "complex", "multiValued": true,
              "description": "The people in the team", "required": false,
              "mutability": "readWrite", "returned": "default", "uniqueness": "none",
              "subAttributes": [
                  with(with(text("value", "The person's id"), "required", json!(true)), "caseExact", json!(true)),
                  read_only(with(text("type", "Always User"), "canonicalValues", json!(["User"]))),
                  with(with(text("$ref", "The person's address (the value is what counts)"), "type", json!("reference")), "referenceTypes", json!(["User"])),
              ] },
        ],
        "meta": {
            "resourceType": "Schema",
            "location": format!("{}{PREFIX}/Schemas/{}", base(state), schema_urns::GROUP),
        },
    })
}

/// The schemas of the resource types this directory may use.
fn schemas_for(state: &AppState, dir: &Directory) -> Vec<Value> {
    available(dir)
        .map(|(name, ..)| {
            if name == "User" {
                user_schema(state)
            } else {
                group_schema(state)
            }
        })
        .collect()
}

pub(super) async fn schemas(
    State(state): State<AppState>,
    Caller(dir): Caller,
) -> Result<Response, ScimError> {
    let schemas = schemas_for(&state, &dir);
    Ok(scim_json(
        StatusCode::OK,
        &json!({
            "schemas": [schema_urns::LIST_RESPONSE],
            "totalResults": schemas.len(),
            "startIndex": 1,
            "itemsPerPage": schemas.len(),
            "Resources": schemas,
        }),
    ))
}

pub(super) async fn schema(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let found = schemas_for(&state, &dir)
        .into_iter()
        .find(|s| s["id"] == id.as_str())
        .ok_or_else(nothing_there)?;
    Ok(scim_json(StatusCode::OK, &found))
}
