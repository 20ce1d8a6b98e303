//! `/scim/v2/Users`: people.

use super::{
    base, expected_version, json_body, list_query, list_response, patch_body, resource_response,
    search_body, Caller, ScimError, Shape,
};
use app::{
    entities::user,
    services::{
        scim::{self, resource},
        AppState,
    },
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use std::collections::HashMap;

fn answer(state: &AppState, status: StatusCode, user: &user::Model, shape: &Shape) -> Response {
    resource_response(
        state,
        status,
        shape.apply(resource::to_json(user, base(state))),
        user.version,
        format!("/Users/{}", user.id),
    )
}

pub(super) async fn get(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    let user = scim::get(&state, &dir, &id).await?;
    Ok(answer(
        &state,
        StatusCode::OK,
        &user,
        &Shape::from_query(&query),
    ))
}

pub(super) async fn create(
    State(state): State<AppState>,
    Caller(dir): Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let user = scim::create(&state, &dir, &json_body(&body)?).await?;
    Ok(answer(
        &state,
        StatusCode::CREATED,
        &user,
        &Shape::default(),
    ))
}

pub(super) async fn replace(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let body = json_body(&body)?;
    let user = scim::replace(&state, &dir, &id, &body, expected_version(&headers)).await?;
    Ok(answer(&state, StatusCode::OK, &user, &Shape::default()))
}

pub(super) async fn patch(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ScimError> {
    let operations = patch_body(&body)?.operations;
    let version = expected_version(&headers);
    let user = scim::patch(&state, &dir, &id, &operations, version, base(&state)).await?;
    Ok(answer(&state, StatusCode::OK, &user, &Shape::default()))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Caller(dir): Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    scim::deprovision(&state, &dir, &id, expected_version(&headers)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn listed(
    state: &AppState,
    dir: &scim::Directory,
    request: scim::ListRequest,
    shape: Shape,
) -> Result<Response, ScimError> {
    let (total, page) = scim::list(state, dir, &request).await?;
    let resources = page
        .iter()
        .map(|u| shape.apply(resource::to_json(u, base(state))))
        .collect();
    Ok(list_response(total, request.start_index, resources))
}

pub(super) async fn list(
    State(state): State<AppState>,
    Caller(dir): Caller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ScimError> {
    let (request, shape) = list_query(&query)?;
    listed(&state, &dir, request, shape).await
}

pub(super) async fn search(
    State(state): State<AppState>,
    Caller(dir): Caller,
    body: Bytes,
) -> Result<Response, ScimError> {
    let (request, shape) = search_body(&body)?;
    listed(&state, &dir, request, shape).await
}
