//! Roles: custom roles created, changed and deleted by those who may manage roles, never giving
//! more than they hold, never leaving the organisation without an administrator; changes reach
//! holders at their next request.

use crate::{
    fixtures::{acme, custom_role, member, Acme},
    on_both_databases,
    support::{Backend, Client},
};
use app::{
    api::{
        accounts::GetUser,
        auth::SignedInUser,
        roles::{CreateRole, DeleteRole, GetRole, RoleOverview, UpdateRole},
    },
    entities::audit_event,
    model::{
        account::{AccountDetail, GrantSource},
        roles::{HoldersPlan, RoleDetail, RoleForm, RoleSummary},
        AppError, CurrentUser, Permission, RoleTemplate,
    },
};
use sea_orm::prelude::*;

on_both_databases!(
    custom_roles_are_created_changed_and_deleted,
    nobody_gives_a_role_more_than_they_hold,
    a_role_change_cannot_leave_the_organisation_without_an_administrator,
);

async fn overview(client: &Client) -> Vec<RoleSummary> {
    client
        .invoke(RoleOverview {
            slug: "acme".into(),
        })
        .await
        .json()
}

async fn role(client: &Client, id: Uuid) -> RoleDetail {
    client
        .invoke(GetRole {
            slug: "acme".into(),
            id,
        })
        .await
        .json()
}

fn form(name: &str, permissions: &[&str]) -> RoleForm {
    RoleForm {
        name: name.into(),
        description: "Looks after a team".into(),
        permissions: permissions
            .iter()
            .map(|code| Permission::from_code(code).expect(code))
            .collect(),
    }
}

fn create(role: RoleForm) -> CreateRole {
    CreateRole {
        slug: "acme".into(),
        role,
    }
}

fn update(id: Uuid, role: RoleForm, version: i32) -> UpdateRole {
    UpdateRole {
        slug: "acme".into(),
        id,
        role,
        version,
    }
}

fn delete(id: Uuid, holders: HoldersPlan) -> DeleteRole {
    DeleteRole {
        slug: "acme".into(),
        id,
        holders,
    }
}

async fn permissions_of(client: &Client) -> Vec<Permission> {
    client
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .json::<CurrentUser>()
        .permissions
}

async fn custom_roles_are_created_changed_and_deleted(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let created = admin
        .invoke(create(form(
            "Team lead",
            &["users.view", "tickets.view_all"],
        )))
        .await;
    let id: Uuid = created.json();
    let listed = overview(&admin).await;
    assert_eq!(listed.len(), 4);
    assert!(listed[..3].iter().all(|r| r.built_in), "built-in first");
    let lead = listed.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        lead.permissions,
        [Permission::UsersView, Permission::TicketsViewAll]
    );
    assert_eq!(lead.holders, 0);

    // The same name, in other letters, is taken; bad input is named field by field.
    let refused = admin
        .invoke(create(RoleForm {
            name: "team LEAD".into(),
            description: "x".repeat(201),
            permissions: Vec::new(),
        }))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let error = refused.error();
    assert!(error
        .field_message("name")
        .is_some_and(|m| m.contains("already a role")));
    assert!(error.field_message("description").is_some());

    // Its holder gains and loses permissions from their next request.
    let (grace_user, grace) = member(&app, &acme, "grace@acme.example", &[id]).await;
    assert!(permissions_of(&grace)
        .await
        .contains(&Permission::TicketsViewAll));
    // Her page says where each of her permissions comes from.
    let why: AccountDetail = admin
        .invoke(GetUser {
            slug: "acme".into(),
            id: grace_user.id,
        })
        .await
        .json();
    let granted: Vec<(Permission, Vec<GrantSource>)> = why
        .permissions
        .iter()
        .map(|g| (g.permission, g.sources.clone()))
        .collect();
    let lead = vec![GrantSource::Role("Team lead".to_string())];
    assert_eq!(
        granted,
        [
            (Permission::UsersView, lead.clone()),
            (Permission::TicketsViewAll, lead),
        ]
    );
    let detail = role(&admin, id).await;
    assert_eq!(detail.holders.len(), 1);
    let change =
        |version: i32, permissions: &[&str]| update(id, form("Team lead", permissions), version);
    let updated: RoleDetail = admin
        .invoke(change(detail.version, &["users.view", "audit.view"]))
        .await
        .json();
    let now = permissions_of(&grace).await;
    assert!(now.contains(&Permission::AuditView) && !now.contains(&Permission::TicketsViewAll));
    // A save based on what was read before that change is refused, not merged.
    let stale = admin.invoke(change(detail.version, &["users.view"])).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(role(&admin, id).await.version, updated.version);

    // Built-in roles are fixed.
    let viewer = app.role(&acme, RoleTemplate::Viewer).await;
    let version = role(&admin, viewer).await.version;
    let fixed = admin
        .invoke(update(viewer, form("Viewer", &[]), version))
        .await;
    assert_eq!(fixed.status, 409);
    let fixed = admin.invoke(delete(viewer, HoldersPlan::Remove)).await;
    assert_eq!(fixed.status, 409);

    // Deleting a role in use: its holders get the Viewer role instead.
    let deleted = admin.invoke(delete(id, HoldersPlan::MoveTo(viewer))).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(overview(&admin).await.len(), 3);
    let now = permissions_of(&grace).await;
    assert!(now.contains(&Permission::UsersView) && !now.contains(&Permission::AuditView));
    assert_eq!(role(&admin, viewer).await.holders.len(), 1);
    let actions: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq("role"))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.code().to_string())
        .collect();
    assert_eq!(actions, ["role.created", "role.updated", "role.deleted"]);
}

async fn nobody_gives_a_role_more_than_they_hold(backend: Backend) {
    let Acme { app, acme, .. } = acme(backend).await;
    let manager = custom_role(
        &app,
        &acme,
        "Role keeper",
        &[
            Permission::RolesManage,
            Permission::UsersView,
            Permission::TicketsViewAll,
        ],
    )
    .await;
    let (_, keeper) = member(&app, &acme, "keeper@acme.example", &[manager]).await;
    let refused = keeper
        .invoke(create(form("Suspenders", &["users.view", "users.suspend"])))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused
        .error()
        .field_message("permissions")
        .is_some_and(|m| m.contains("suspend and reactivate people")));
    let editors = custom_role(&app, &acme, "Editors", &[Permission::UsersEdit]).await;
    let refused = keeper.invoke(delete(editors, HoldersPlan::Remove)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let admin_role = app.role(&acme, RoleTemplate::Admin).await;
    let sorters = custom_role(&app, &acme, "Sorters", &[Permission::UsersView]).await;
    let refused = keeper
        .invoke(delete(sorters, HoldersPlan::MoveTo(admin_role)))
        .await;
    assert_eq!(
        refused.status, 422,
        "moving people into Admin: {}",
        refused.body
    );
    assert_eq!(overview(&keeper).await.len(), 6, "nothing was deleted");

    // A permission of a feature the organisation lacks is not given, even by a tenant admin.
    app.restrict_features(&acme, &["crm"]).await;
    let ada = app.client();
    ada.sign_in("acme", "ada@acme.example", crate::fixtures::PASSWORD)
        .await;
    let refused = ada
        .invoke(create(form("Ticketeers", &["tickets.view_all"])))
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused
        .error()
        .field_message("permissions")
        .is_some_and(|m| m.contains("Helpdesk feature")));
    // Someone without "manage roles" cannot even read them.
    let viewer = app.role(&acme, RoleTemplate::Viewer).await;
    let (_, reader) = member(&app, &acme, "reader@acme.example", &[viewer]).await;
    let refused = reader
        .invoke(RoleOverview {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(refused.status, 403);
    assert!(matches!(refused.error(), AppError::Forbidden(_)));
}

async fn a_role_change_cannot_leave_the_organisation_without_an_administrator(backend: Backend) {
    let app = crate::support::TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    // acme is run by an agent whose custom role lets them manage roles: no tenant admin.
    let boss = custom_role(
        &app,
        &acme,
        "Boss",
        &[Permission::RolesManage, Permission::UsersView],
    )
    .await;
    let (_, chief) = member(&app, &acme, "chief@acme.example", &[boss]).await;
    let version = role(&chief, boss).await.version;
    let refused = chief
        .invoke(update(boss, form("Boss", &["users.view"]), version))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("without an active administrator"));
    let refused = chief.invoke(delete(boss, HoldersPlan::Remove)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(permissions_of(&chief)
        .await
        .contains(&Permission::RolesManage));
}
