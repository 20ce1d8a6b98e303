//! The organisation's roles.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    roles::{HoldersPlan, RoleDetail, RoleForm, RoleSummary},
    users::RoleTag,
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

crate::needs!(ListRoles, Need::Permission(Permission::UsersView));

/// The roles of organisation `slug`, by name: for filters and pickers.
#[server(endpoint = "roles/list", input = Form, output = Answer)]
pub async fn list_roles(slug: String) -> Result<Vec<RoleTag>, AppError> {
    ListRoles::serve(&slug, async |caller| {
        Ok(crate::services::roles::tags(&caller.state.db, caller.user.organisation.id).await?)
    })
    .await
}

crate::needs!(RoleOverview, Need::Permission(Permission::RolesManage));

/// Every role with its permissions and holders: the Roles page.
#[server(endpoint = "roles/overview", input = Form, output = Answer)]
pub async fn role_overview(slug: String) -> Result<Vec<RoleSummary>, AppError> {
    RoleOverview::serve(&slug, async |caller| {
        Ok(crate::services::roles::overview(&caller.state.db, caller.user.organisation.id).await?)
    })
    .await
}

crate::needs!(GetRole, Need::Permission(Permission::RolesManage));

/// One role with its holders.
#[server(endpoint = "roles/get", input = Form, output = Answer)]
pub async fn get_role(slug: String, id: Uuid) -> Result<RoleDetail, AppError> {
    GetRole::serve(&slug, async |caller| {
        Ok(
            crate::services::roles::detail(&caller.state.db, caller.user.organisation.id, id)
                .await?,
        )
    })
    .await
}

crate::needs!(CreateRole, Need::Permission(Permission::RolesManage));

/// Creates a custom role; returns its id.
#[server(endpoint = "roles/create", input = JsonBody, output = Answer)]
pub async fn create_role(slug: String, role: RoleForm) -> Result<Uuid, AppError> {
    CreateRole::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::roles::create(&caller.state, &actor, &role).await?)
    })
    .await
}

crate::needs!(UpdateRole, Need::Permission(Permission::RolesManage));

/// Changes a custom role, unless someone changed it since `version`.
#[server(endpoint = "roles/update", input = JsonBody, output = Answer)]
pub async fn update_role(
    slug: String,
    id: Uuid,
    role: RoleForm,
    version: i32,
) -> Result<RoleDetail, AppError> {
    UpdateRole::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::roles::update(&caller.state, &actor, id, &role, version).await?)
    })
    .await
}

crate::needs!(DeleteRole, Need::Permission(Permission::RolesManage));

/// Deletes a custom role; its holders lose it or get another role instead.
#[server(endpoint = "roles/delete", input = JsonBody, output = Answer)]
pub async fn delete_role(slug: String, id: Uuid, holders: HoldersPlan) -> Result<(), AppError> {
    DeleteRole::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::roles::delete(&caller.state, &actor, id, holders).await?)
    })
    .await
}
