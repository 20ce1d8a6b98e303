//! What many test files start from: the acme organisation with its signed-in tenant admin, the
//! shared passwords, people with roles, and small readers of what a change left behind (audit
//! actions, links in mail, outbox rows).

use crate::support::{Backend, Client, TestApp};
use app::api::accounts::GetUser;
use app::api::{
    accounts::{AddUser, UpdateUser},
    links::{AcceptInvitation, CompleteReset},
};
use app::model::account::{AccountChange, AccountForm, NewAccount, Onboarding};
use app::{
    entities::{audit_event, organisation, outbox_message, role, role_permission, user, user_role},
    model::{
        account::{AccountDetail, Added, LinkState},
        Permission, RoleTemplate, UserType,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};
use std::time::Duration;

pub(crate) const PASSWORD: &str = "a long and private phrase";

pub(crate) const NEW_PASSWORD: &str = "another quite private phrase";

/// acme with its signed-in tenant admin Ada.
pub(crate) struct Acme {
    pub app: TestApp,
    pub acme: organisation::Model,
    pub ada: user::Model,
    pub admin: Client,
}

pub(crate) async fn acme(backend: Backend) -> Acme {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let ada = app.user(&acme, "ada@acme.example", PASSWORD).await;
    let admin = app.client();
    assert_eq!(
        admin
            .sign_in("acme", "ada@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    Acme {
        app,
        acme,
        ada,
        admin,
    }
}

pub(crate) fn new_account(
    email: &str,
    roles: &[Uuid],
    user_type: UserType,
    onboarding: Onboarding,
) -> AddUser {
    AddUser {
        slug: "acme".into(),
        account: NewAccount {
            form: AccountForm {
                first_name: "Grace".into(),
                last_name: "Hopper".into(),
                email: email.into(),
                phone: String::new(),
                external_id: String::new(),
                timezone: "Europe/London".into(),
                roles: roles.to_vec(),
                access_until: String::new(),
            },
            user_type,
            onboarding,
            teams: Vec::new(),
        },
    }
}

pub(crate) async fn invite(a: &Acme, email: &str) -> Added {
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    a.admin
        .invoke(new_account(
            email,
            &[agent],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await
        .json()
}

pub(crate) async fn find_user(app: &TestApp, id: Uuid) -> Option<user::Model> {
    user::Entity::find_by_id(id).one(app.db()).await.unwrap()
}

pub(crate) async fn audit_actions(app: &TestApp, target: Uuid) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(target.to_string()))
        .order_by_asc(audit_event::Column::At)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.code().to_string())
        .collect()
}

/// Accepting the invitation with `token`, choosing [`NEW_PASSWORD`].
pub(crate) fn accepting(token: &str) -> AcceptInvitation {
    AcceptInvitation {
        token: token.into(),
        password: NEW_PASSWORD.into(),
        confirmation: NEW_PASSWORD.into(),
    }
}

/// Completing a password reset from the link with `token`, choosing [`NEW_PASSWORD`].
pub(crate) fn resetting(token: &str) -> CompleteReset {
    CompleteReset {
        token: token.into(),
        password: NEW_PASSWORD.into(),
        confirmation: NEW_PASSWORD.into(),
    }
}

/// The token in a link.
pub(crate) fn token_of(link: &str) -> String {
    link.split_once("token=").expect("a token").1.to_string()
}

pub(crate) async fn link_state(client: &Client, endpoint: &str, token: &str) -> LinkState {
    client.call(endpoint, &[("token", token)]).await.json()
}

pub(crate) async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..400 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting until {what}");
}

pub(crate) async fn outbox_row(app: &TestApp, to: &str) -> outbox_message::Model {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq(to))
        .one(app.db())
        .await
        .unwrap()
        .expect("queued")
}

pub(crate) async fn detail(client: &Client, id: Uuid) -> AccountDetail {
    client
        .invoke(GetUser {
            slug: "acme".into(),
            id,
        })
        .await
        .json()
}

pub(crate) fn change(detail: &AccountDetail, adjust: impl FnOnce(&mut AccountForm)) -> UpdateUser {
    let mut form = detail.form.clone();
    adjust(&mut form);
    UpdateUser {
        slug: "acme".into(),
        id: detail.id,
        change: AccountChange {
            form,
            version: detail.version,
        },
    }
}

/// A custom role with `permissions`, as issue 5's Roles page will create them.
pub(crate) async fn custom_role(
    app: &TestApp,
    org: &organisation::Model,
    name: &str,
    permissions: &[Permission],
) -> Uuid {
    let id = Uuid::new_v4();
    role::ActiveModel {
        id: Set(id),
        organisation_id: Set(org.id),
        name: Set(name.into()),
        description: Set(String::new()),
        template: Set(None),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(app.db())
    .await
    .unwrap();
    for p in permissions {
        role_permission::ActiveModel {
            role_id: Set(id),
            permission: Set(p.code().into()),
        }
        .insert(app.db())
        .await
        .unwrap();
    }
    id
}

pub(crate) async fn member(
    app: &TestApp,
    org: &organisation::Model,
    email: &str,
    roles: &[Uuid],
) -> (user::Model, Client) {
    let person = app
        .user_with(org, email, PASSWORD, |u| {
            u.user_type = Set(UserType::Agent);
        })
        .await;
    for role in roles {
        user_role::ActiveModel {
            user_id: Set(person.id),
            role_id: Set(*role),
        }
        .insert(app.db())
        .await
        .unwrap();
    }
    let client = app.client();
    assert_eq!(client.sign_in(&org.slug, email, PASSWORD).await.status, 200);
    (person, client)
}

pub(crate) async fn auth_user(
    app: &TestApp,
    org: &organisation::Model,
    email: &str,
) -> Option<user::Model> {
    app::services::people::find_user_by_email(app.db(), org.id, email)
        .await
        .unwrap()
}
