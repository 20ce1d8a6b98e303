//! Tenant isolation, proven from the registry: for every server function the application
//! registers and every page route it serves, a tenant admin of acme tries to read or change
//! globex's data (naming globex, naming acme with globex's ids, guessing ids). Every attempt must
//! leave globex's data as it was and show none of it. A server function without an attack below
//! fails the suite, so a new endpoint cannot ship uncovered. What each attempt must get is read
//! from what its endpoint declares it needs (`needs!`): a 401 for anyone signed out, a refusal
//! for acme's admin naming globex or calling a super-admin's endpoint.

use crate::{
    fixtures::PASSWORD,
    on_both_databases,
    support::{Answer, Backend, Client, TestApp},
};
use app::{
    api::guard::{self, Need},
    entities::{
        api_key, audit_event, organisation, outbox_message, role, role_permission, session,
        sso_connection, sso_flow, team, team_member, token, user, user_role,
    },
    model::{Permission, PlatformRole, UserStatus},
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

on_both_databases!(no_endpoint_reaches_another_organisation);

/// acme's admin (the attacker) and globex's people and roles (the victims).
pub(crate) struct World {
    pub(crate) app: TestApp,
    globex: organisation::Model,
    pub(crate) attacker: Client,
    /// globex's own admin, for reading the bodies a legitimate request would send.
    victim: Client,
    vic: user::Model,
    ivy: user::Model,
    sue: user::Model,
    secret_role: Uuid,
    /// globex's team, managed by Vic.
    secret_team: Uuid,
    /// acme's own team, into which the attacker tries to put globex's people.
    acme_team: Uuid,
    /// globex's API key.
    secret_key: Uuid,
    /// globex's single sign-on connection (turned off, so its sign-in page does not show it),
    /// and a test sign-in Vic made through it.
    secret_sso: Uuid,
    secret_sso_test: Uuid,
}

/// What must never appear in an answer to acme's admin: globex's people and roles.
const MARKERS: &[&str] = &[
    "vic@globex.example",
    "ivy@globex.example",
    "sue@globex.example",
    "Victoria",
    "Ivanka",
    "Susannah",
    "Globex secret role",
    "GLX-EXTERNAL-7",
    "Globex secret team",
    "Globex secret key",
    "globex-secret-idp",
    "Globex secret SSO",
    "globex-secret-client",
];

pub(crate) async fn world(backend: Backend) -> World {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let globex = app.organisation("globex").await;
    // acme's admin even claims a platform role: outside the admin tenant it must count for
    // nothing.
    app.user_with(&acme, "ada@acme.example", PASSWORD, |u| {
        u.platform_role = Set(PlatformRole::SuperAdmin);
    })
    .await;
    let person = |first: &'static str, status: UserStatus| {
        move |u: &mut user::ActiveModel| {
            u.first_name = Set(first.into());
            u.status = Set(status);
            u.external_id = Set(Some("GLX-EXTERNAL-7".into()).filter(|_| first == "Victoria"));
        }
    };
    let vic = app
        .user_with(
            &globex,
            "vic@globex.example",
            PASSWORD,
            person("Victoria", UserStatus::Active),
        )
        .await;
    let ivy = app
        .user_with(
            &globex,
            "ivy@globex.example",
            PASSWORD,
            person("Ivanka", UserStatus::Invited),
        )
        .await;
    let sue = app
        .user_with(
            &globex,
            "sue@globex.example",
            PASSWORD,
            person("Susannah", UserStatus::Suspended),
        )
        .await;
    let secret_role = crate::fixtures::custom_role(
        &app,
        &globex,
        "Globex secret role",
        &[Permission::UsersView],
    )
    .await;
    user_role::ActiveModel {
        user_id: Set(vic.id),
        role_id: Set(secret_role),
    }
    .insert(app.db())
    .await
    .unwrap();
    let team_row = |org: Uuid, name: &str| team::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(org),
        name: Set(name.into()),
        description: Set(String::new()),
        signature: Set("Regards, {agent_name}".into()),
        external_id: Set(None),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    };
    let secret_team = team_row(globex.id, "Globex secret team")
        .insert(app.db())
        .await
        .unwrap()
        .id;
    team_member::ActiveModel {
        team_id: Set(secret_team),
        user_id: Set(vic.id),
        role: Set(app::model::teams::TeamRole::Manager),
        added_at: Set(chrono::Utc::now()),
    }
    .insert(app.db())
    .await
    .unwrap();
    let acme_team = team_row(acme.id, "Acme helpers")
        .insert(app.db())
        .await
        .unwrap()
        .id;
    let secret_key = api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(globex.id),
        name: Set("Globex secret key".into()),
        prefix: Set("tnty_abcdef".into()),
        secret_hash: Set(app::services::sessions::hash_secret("tnty_globex")),
        scopes: Set(json!(["teams.read"])),
        created_by: Set(Some(vic.id)),
        created_at: Set(chrono::Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(app.db())
    .await
    .unwrap()
    .id;
    let secret_sso = sso_connection::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(globex.id),
        name: Set("Globex secret SSO".into()),
        preset: Set(app::model::sso::SsoPreset::Generic),
        issuer: Set("https://globex-secret-idp.example".into()),
        client_id: Set("globex-secret-client".into()),
        client_secret: Set("v1:sealed".into()),
        scopes: Set("email profile".into()),
        allowed_domains: Set(json!(["globex.example"])),
        enabled: Set(false),
        link_by_email: Set(true),
        provisioning: Set(app::model::sso::Provisioning::PreProvisioned),
        jit_user_type: Set(None),
        jit_roles: Set(json!([])),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(app.db())
    .await
    .unwrap()
    .id;
    let secret_sso_test = sso_flow::ActiveModel {
        id: Set(Uuid::new_v4()),
        state_hash: Set("used:globex".into()),
        browser_hash: Set("vic's browser".into()),
        connection_id: Set(secret_sso),
        purpose: Set("test".into()),
        nonce: Set("n".into()),
        pkce_verifier: Set("v".into()),
        next: Set(None),
        started_by: Set(Some(vic.id)),
        claims: Set(Some(json!({ "claims": { "email": "vic@globex.example" } }))),
        created_at: Set(chrono::Utc::now()),
        expires_at: Set(chrono::Utc::now() + chrono::Duration::minutes(10)),
    }
    .insert(app.db())
    .await
    .unwrap()
    .id;
    let attacker = app.client();
    assert_eq!(
        attacker
            .sign_in("acme", "ada@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let victim = app.client();
    assert_eq!(
        victim
            .sign_in("globex", "vic@globex.example", PASSWORD)
            .await
            .status,
        200
    );
    World {
        app,
        globex,
        attacker,
        victim,
        vic,
        ivy,
        sue,
        secret_role,
        secret_team,
        acme_team,
        secret_key,
        secret_sso,
        secret_sso_test,
    }
}

/// Everything of globex that an attack could change, as text.
async fn snapshot(w: &World) -> String {
    let db = w.app.db();
    let org = organisation::Entity::find_by_id(w.globex.id)
        .one(db)
        .await
        .unwrap();
    let users = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(w.globex.id))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await
        .unwrap();
    let ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let member_ids = ids.clone();
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(w.globex.id))
        .order_by_asc(role::Column::Id)
        .all(db)
        .await
        .unwrap();
    let role_ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    let mut grants = role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(role_ids.clone()))
        .all(db)
        .await
        .unwrap();
    grants.sort_by(|a, b| (a.role_id, &a.permission).cmp(&(b.role_id, &b.permission)));
    // Memberships of globex's people, and anyone's membership of a globex role.
    let mut memberships = user_role::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(user_role::Column::UserId.is_in(ids.clone()))
                .add(user_role::Column::RoleId.is_in(role_ids.clone())),
        )
        .all(db)
        .await
        .unwrap();
    memberships.sort_by_key(|m| (m.user_id, m.role_id));
    let tokens = token::Entity::find()
        .filter(token::Column::UserId.is_in(ids.clone()))
        .order_by_asc(token::Column::Id)
        .all(db)
        .await
        .unwrap();
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.is_in(ids))
        .order_by_asc(session::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        // Using a session moves its last-seen time; which sessions exist is what matters.
        .map(|s| (s.id, s.user_id, s.absolute_expires_at))
        .collect::<Vec<_>>();
    let teams = team::Entity::find()
        .filter(team::Column::OrganisationId.eq(w.globex.id))
        .order_by_asc(team::Column::Id)
        .all(db)
        .await
        .unwrap();
    // Members of globex's teams, and globex's people in anyone's team.
    let mut team_members = team_member::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(team_member::Column::TeamId.is_in(teams.iter().map(|t| t.id)))
                .add(team_member::Column::UserId.is_in(member_ids)),
        )
        .all(db)
        .await
        .unwrap();
    team_members.sort_by_key(|m| (m.team_id, m.user_id));
    let mail = outbox_message::Entity::find()
        .filter(outbox_message::Column::OrganisationId.eq(w.globex.id))
        .count(db)
        .await
        .unwrap();
    let audit = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(w.globex.id))
        .count(db)
        .await
        .unwrap();
    let keys = api_key::Entity::find()
        .filter(api_key::Column::OrganisationId.eq(w.globex.id))
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await
        .unwrap();
    let sso = sso_connection::Entity::find()
        .filter(sso_connection::Column::OrganisationId.eq(w.globex.id))
        .order_by_asc(sso_connection::Column::Id)
        .all(db)
        .await
        .unwrap();
    format!(
        "{sso:?}\n{org:?}\n{users:?}\n{roles:?}\n{grants:?}\n{memberships:?}\n{teams:?}\n{team_members:?}\n{tokens:?}\n{sessions:?}\n{keys:?}\nmail {mail}\naudit {audit}"
    )
}

pub(crate) enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// One attempt on globex through one endpoint.
pub(crate) struct Attack {
    pub(crate) endpoint: &'static str,
    pub(crate) body: Body,
}

impl Attack {
    /// The organisation the attempt names in its `slug`, if any.
    fn slug(&self) -> Option<&str> {
        match &self.body {
            Body::Form(fields) => fields
                .iter()
                .find(|(k, _)| *k == "slug")
                .map(|(_, v)| v.as_str()),
            Body::Json(body) => body["slug"].as_str(),
        }
    }

    /// Whether acme's admin must be refused outright (401 or 403), not merely answered with
    /// acme's own data, read from what the endpoint declares it needs: anything but an open
    /// endpoint refuses a caller naming globex, whom it does not know, and an endpoint for
    /// super-admins or those who switch refuses acme's admin, who is neither.
    fn refused(&self, need: Need) -> bool {
        match need {
            Need::Anyone => false,
            Need::SuperAdmin(_) | Need::Switcher => true,
            _ => self.slug() == Some("globex"),
        }
    }
}

fn form(endpoint: &'static str, fields: &[(&'static str, String)]) -> Attack {
    Attack {
        endpoint,
        body: Body::Form(fields.to_vec()),
    }
}

fn json_body(endpoint: &'static str, body: Value) -> Attack {
    Attack {
        endpoint,
        body: Body::Json(body),
    }
}

/// Every attack, by endpoint. Each names globex by slug (refused unless the endpoint is open to
/// anyone) and, where the endpoint takes ids, uses acme's slug with globex's ids or a guessed id.
pub(crate) async fn attacks(w: &World) -> Vec<Attack> {
    let s = |v: &str| v.to_string();
    let (vic, ivy, sue) = (
        w.vic.id.to_string(),
        w.ivy.id.to_string(),
        w.sue.id.to_string(),
    );
    let guess = Uuid::new_v4().to_string();
    // The session of globex's signed-in admin.
    let victim_session = session::Entity::find()
        .filter(session::Column::UserId.eq(w.vic.id))
        .one(w.app.db())
        .await
        .unwrap()
        .expect("vic is signed in")
        .id
        .to_string();
    let role = w.secret_role.to_string();
    let team = w.secret_team.to_string();
    let role_form = json!({ "name": "Renamed", "description": "", "permissions": ["users.view", "users.edit"] });
    let new_account = |slug: &str| {
        json!({ "slug": slug, "account": {
            "form": { "first_name": "Eve", "last_name": "Intruder", "email": "eve@globex.example",
                      "phone": "", "external_id": "", "timezone": "UTC", "roles": [w.secret_role] },
            "user_type": "agent", "onboarding": "Invitation" } })
    };
    // The body globex's own admin would send to edit Vic, replayed by the attacker.
    let vic_detail: app::model::account::AccountDetail = w
        .victim
        .call("users/get", &[("slug", "globex"), ("id", &vic)])
        .await
        .json();
    let edit = |slug: &str| {
        let mut form = serde_json::to_value(&vic_detail.form).unwrap();
        form["first_name"] = json!("Hijacked");
        form["email"] = json!("eve@acme.example");
        json!({ "slug": slug, "id": vic_detail.id, "change": { "form": form, "version": vic_detail.version } })
    };
    let csv =
        "email,first_name,last_name,roles\neve@globex.example,Eve,Intruder,globex secret role\n";
    let update_globex = json!({ "slug": "acme", "organisation": "globex", "changes": {
        "name": "Pwned", "is_admin_tenant": false, "is_demo": false, "features_enabled": [] } });
    vec![
        // Reading people.
        json_body(
            "users/list",
            json!({ "slug": "globex", "query": { "search": "", "status": "All", "user_type": null, "role": null, "sort": "Name", "descending": false, "page": 1 } }),
        ),
        json_body(
            "users/list",
            json!({ "slug": "acme", "query": { "search": "globex", "status": "All", "user_type": null, "role": w.secret_role, "sort": "Name", "descending": false, "page": 1 } }),
        ),
        form("users/get", &[("slug", s("globex")), ("id", vic.clone())]),
        form("users/get", &[("slug", s("acme")), ("id", vic.clone())]),
        form("users/get", &[("slug", s("acme")), ("id", guess.clone())]),
        form("users/invitations", &[("slug", s("globex"))]),
        form(
            "users/assignable",
            &[("slug", s("globex")), ("search", s(""))],
        ),
        form(
            "users/assignable",
            &[("slug", s("acme")), ("search", s("vic"))],
        ),
        form("roles/list", &[("slug", s("globex"))]),
        form("session/current", &[("slug", s("globex"))]),
        // Changing people.
        json_body("users/add", new_account("globex")),
        json_body("users/add", new_account("acme")),
        json_body("users/update", edit("globex")),
        json_body("users/update", edit("acme")),
        form(
            "users/suspend",
            &[("slug", s("globex")), ("id", vic.clone())],
        ),
        form("users/suspend", &[("slug", s("acme")), ("id", vic.clone())]),
        json_body(
            "users/suspend-many",
            json!({ "slug": "globex", "ids": [w.vic.id] }),
        ),
        json_body(
            "users/suspend-many",
            json!({ "slug": "acme", "ids": [w.vic.id, w.ivy.id] }),
        ),
        json_body(
            "users/import",
            json!({ "slug": "globex", "request": { "csv": csv, "send": true } }),
        ),
        json_body(
            "users/import",
            json!({ "slug": "acme", "request": { "csv": csv, "send": true } }),
        ),
        form(
            "users/reactivate",
            &[("slug", s("globex")), ("id", sue.clone())],
        ),
        form(
            "users/reactivate",
            &[("slug", s("acme")), ("id", sue.clone())],
        ),
        form(
            "users/reset-password",
            &[
                ("slug", s("globex")),
                ("id", vic.clone()),
                ("method", s("TemporaryPassword")),
            ],
        ),
        form(
            "users/reset-password",
            &[
                ("slug", s("acme")),
                ("id", vic.clone()),
                ("method", s("Email")),
            ],
        ),
        form(
            "users/invitations/resend",
            &[("slug", s("globex")), ("id", ivy.clone())],
        ),
        form(
            "users/invitations/resend",
            &[("slug", s("acme")), ("id", ivy.clone())],
        ),
        form(
            "users/invitations/revoke",
            &[("slug", s("globex")), ("id", ivy.clone())],
        ),
        form(
            "users/invitations/revoke",
            &[("slug", s("acme")), ("id", ivy.clone())],
        ),
        // Roles.
        form("roles/overview", &[("slug", s("globex"))]),
        form("roles/get", &[("slug", s("globex")), ("id", role.clone())]),
        form("roles/get", &[("slug", s("acme")), ("id", role.clone())]),
        json_body(
            "roles/create",
            json!({ "slug": "globex", "role": { "name": "Eve's", "description": "", "permissions": ["users.view"] } }),
        ),
        json_body(
            "roles/update",
            json!({ "slug": "globex", "id": w.secret_role, "role": role_form, "version": 1 }),
        ),
        json_body(
            "roles/update",
            json!({ "slug": "acme", "id": w.secret_role, "role": role_form, "version": 1 }),
        ),
        json_body(
            "roles/delete",
            json!({ "slug": "globex", "id": w.secret_role, "holders": "Remove" }),
        ),
        json_body(
            "roles/delete",
            json!({ "slug": "acme", "id": w.secret_role, "holders": "Remove" }),
        ),
        // Teams.
        form("teams/list", &[("slug", s("globex"))]),
        form("teams/get", &[("slug", s("globex")), ("id", team.clone())]),
        form("teams/get", &[("slug", s("acme")), ("id", team.clone())]),
        json_body(
            "teams/create",
            json!({ "slug": "globex", "team": { "name": "Eve's", "description": "" } }),
        ),
        json_body(
            "teams/update",
            json!({ "slug": "globex", "id": w.secret_team, "team": { "name": "Renamed", "description": "" }, "version": 1 }),
        ),
        json_body(
            "teams/update",
            json!({ "slug": "acme", "id": w.secret_team, "team": { "name": "Renamed", "description": "" }, "version": 1 }),
        ),
        json_body(
            "teams/signature",
            json!({ "slug": "globex", "id": w.secret_team, "signature": "pwned", "version": 1 }),
        ),
        json_body(
            "teams/signature",
            json!({ "slug": "acme", "id": w.secret_team, "signature": "pwned", "version": 1 }),
        ),
        form(
            "teams/delete",
            &[("slug", s("globex")), ("id", team.clone())],
        ),
        form("teams/delete", &[("slug", s("acme")), ("id", team.clone())]),
        json_body(
            "teams/members/set",
            json!({ "slug": "globex", "id": w.secret_team, "user_id": w.ivy.id, "role": "Manager" }),
        ),
        json_body(
            "teams/members/set",
            json!({ "slug": "acme", "id": w.secret_team, "user_id": w.ivy.id, "role": "Member" }),
        ),
        json_body(
            "teams/members/set",
            json!({ "slug": "acme", "id": w.acme_team, "user_id": w.vic.id, "role": "Member" }),
        ),
        form(
            "teams/members/remove",
            &[
                ("slug", s("globex")),
                ("id", team.clone()),
                ("user_id", vic.clone()),
            ],
        ),
        form(
            "teams/members/remove",
            &[
                ("slug", s("acme")),
                ("id", team.clone()),
                ("user_id", vic.clone()),
            ],
        ),
        form(
            "teams/candidates",
            &[
                ("slug", s("globex")),
                ("id", team.clone()),
                ("search", s("")),
            ],
        ),
        form(
            "teams/candidates",
            &[("slug", s("acme")), ("id", team.clone()), ("search", s(""))],
        ),
        form(
            "teams/candidates",
            &[
                ("slug", s("acme")),
                ("id", w.acme_team.to_string()),
                ("search", s("vic")),
            ],
        ),
        form(
            "teams/of-person",
            &[("slug", s("globex")), ("user_id", vic.clone())],
        ),
        form(
            "teams/of-person",
            &[("slug", s("acme")), ("user_id", ivy.clone())],
        ),
        // API keys: the organisation's settings.
        form("api-keys/list", &[("slug", s("globex"))]),
        form("api-keys/list", &[("slug", s("acme"))]),
        json_body(
            "api-keys/create",
            json!({ "slug": "globex", "key": { "name": "Backdoor", "scopes": ["teams.read"] } }),
        ),
        form(
            "api-keys/revoke",
            &[("slug", s("globex")), ("id", w.secret_key.to_string())],
        ),
        form(
            "api-keys/revoke",
            &[("slug", s("acme")), ("id", w.secret_key.to_string())],
        ),
        // Single sign-on: the organisation's settings; the sign-in page's buttons for anyone.
        form("sso/settings", &[("slug", s("globex"))]),
        form("sso/settings", &[("slug", s("acme"))]),
        json_body(
            "sso/save",
            json!({ "slug": "acme", "id": w.secret_sso, "connection": {
                "name": "Taken", "preset": "generic", "issuer": "https://evil.example",
                "client_id": "x", "client_secret": "y", "provisioning": "pre" } }),
        ),
        json_body(
            "sso/save",
            json!({ "slug": "globex", "id": w.secret_sso, "connection": {
                "name": "Taken", "preset": "generic", "issuer": "https://evil.example",
                "client_id": "x", "client_secret": "y", "provisioning": "pre" } }),
        ),
        form(
            "sso/enable",
            &[
                ("slug", s("acme")),
                ("id", w.secret_sso.to_string()),
                ("enabled", s("true")),
            ],
        ),
        form(
            "sso/enable",
            &[
                ("slug", s("globex")),
                ("id", w.secret_sso.to_string()),
                ("enabled", s("true")),
            ],
        ),
        form(
            "sso/remove",
            &[("slug", s("acme")), ("id", w.secret_sso.to_string())],
        ),
        form(
            "sso/remove",
            &[("slug", s("globex")), ("id", w.secret_sso.to_string())],
        ),
        json_body(
            "sso/requirement",
            json!({ "slug": "globex", "requirement": { "required": false, "break_glass": [w.vic.id] } }),
        ),
        json_body(
            "sso/requirement",
            json!({ "slug": "acme", "requirement": { "required": false, "break_glass": [w.vic.id], "add": "vic@globex.example" } }),
        ),
        form(
            "sso/test/start",
            &[("slug", s("acme")), ("id", w.secret_sso.to_string())],
        ),
        form(
            "sso/test/start",
            &[("slug", s("globex")), ("id", w.secret_sso.to_string())],
        ),
        form(
            "sso/test",
            &[("slug", s("acme")), ("id", w.secret_sso_test.to_string())],
        ),
        form(
            "sso/test",
            &[("slug", s("globex")), ("id", w.secret_sso_test.to_string())],
        ),
        form("auth/sso-options", &[("slug", s("globex"))]),
        // My profile: only ever the caller's own account.
        form("profile/get", &[("slug", s("globex"))]),
        form("profile/get", &[("slug", s("acme"))]),
        json_body(
            "profile/update",
            json!({ "slug": "globex", "change": { "first_name": "Hijacked", "last_name": "X",
                "timezone": "", "locale": "en", "theme": "dark", "signature": "",
                "notifications": { "assignment": true, "mention": true, "daily_digest": true },
                "version": 1 } }),
        ),
        json_body(
            "profile/avatar",
            json!({ "slug": "globex", "data": "iVBORw0KGgo=" }),
        ),
        form("profile/avatar/remove", &[("slug", s("globex"))]),
        form("profile/security", &[("slug", s("globex"))]),
        form("profile/security", &[("slug", s("acme"))]),
        form(
            "profile/sessions/end",
            &[("slug", s("globex")), ("id", victim_session.clone())],
        ),
        form(
            "profile/sessions/end",
            &[("slug", s("acme")), ("id", victim_session.clone())],
        ),
        form(
            "profile/email",
            &[
                ("slug", s("globex")),
                ("new_email", s("eve@evil.example")),
                ("password", s(PASSWORD)),
            ],
        ),
        form("links/email-change", &[("token", guess.clone())]),
        form("links/email-change/confirm", &[("token", guess.clone())]),
        // The attacker's own account, pointed at globex.
        form(
            "auth/change-password",
            &[
                ("slug", s("globex")),
                ("current_password", s(PASSWORD)),
                ("new_password", s("a brand new long phrase")),
                ("confirmation", s("a brand new long phrase")),
            ],
        ),
        form(
            "auth/login",
            &[
                ("slug", s("globex")),
                ("email", s("vic@globex.example")),
                ("password", s("a guessed long password")),
            ],
        ),
        form(
            "auth/login",
            &[
                ("slug", s("globex")),
                ("email", s("ada@acme.example")),
                ("password", s(PASSWORD)),
            ],
        ),
        form("auth/organisation", &[("slug", s("globex"))]),
        form("auth/logout", &[("slug", s("globex"))]),
        // Links: only a secret from an email opens them; guesses do nothing.
        form("links/invitation", &[("token", guess.clone())]),
        form("links/reset", &[("token", guess.clone())]),
        form(
            "links/accept-invitation",
            &[
                ("token", guess.clone()),
                ("password", s("a brand new long phrase")),
                ("confirmation", s("a brand new long phrase")),
            ],
        ),
        form(
            "links/reset-password",
            &[
                ("token", guess.clone()),
                ("password", s("a brand new long phrase")),
                ("confirmation", s("a brand new long phrase")),
            ],
        ),
        form(
            "links/forgot-password",
            &[("slug", s("globex")), ("email", s("ada@acme.example"))],
        ),
        form(
            "links/forgot-password",
            &[("slug", s("acme")), ("email", s("vic@globex.example"))],
        ),
        // The platform's screens: super-admins only.
        form(
            "platform/organisations",
            &[("slug", s("acme")), ("search", s("globex"))],
        ),
        form(
            "platform/organisations",
            &[("slug", s("globex")), ("search", s(""))],
        ),
        form(
            "platform/organisations/get",
            &[("slug", s("acme")), ("organisation", s("globex"))],
        ),
        json_body("platform/organisations/update", update_globex),
        json_body(
            "platform/organisations/create",
            json!({ "slug": "acme", "organisation": {
            "name": "Globex", "slug": "globex-2", "is_admin_tenant": false, "is_demo": false,
            "admin_first_name": "Eve", "admin_last_name": "I", "admin_email": "eve@globex.example" } }),
        ),
        form(
            "platform/switch-targets",
            &[("slug", s("acme")), ("search", s(""))],
        ),
        form(
            "platform/switch-targets",
            &[("slug", s("globex")), ("search", s(""))],
        ),
        // The activity log: globex's by slug; acme's narrowed to globex's people names none.
        json_body(
            "activity/list",
            json!({ "slug": "globex", "query": { "actor": null, "subject": null, "person": null,
                    "action": null, "from": null, "to": null, "before": null } }),
        ),
        json_body(
            "activity/list",
            json!({ "slug": "acme", "query": { "actor": vic, "subject": ivy, "person": sue,
                    "action": null, "from": null, "to": null, "before": null } }),
        ),
        form("activity/retention", &[("slug", s("globex"))]),
        form(
            "users/new-type",
            &[
                ("slug", s("globex")),
                ("id", vic.clone()),
                ("user_type", s("viewer")),
            ],
        ),
        form(
            "users/new-type",
            &[
                ("slug", s("acme")),
                ("id", vic.clone()),
                ("user_type", s("viewer")),
            ],
        ),
        form(
            "users/platform-role",
            &[
                ("slug", s("acme")),
                ("id", vic.clone()),
                ("role", s("support")),
            ],
        ),
        form(
            "users/platform-role",
            &[
                ("slug", s("globex")),
                ("id", vic.clone()),
                ("role", s("support")),
            ],
        ),
        // Bulk changes: globex's people by slug, and by id from acme.
        json_body(
            "users/update-many",
            json!({ "slug": "globex", "ids": [vic.clone(), ivy.clone()], "change": "Reactivate" }),
        ),
        json_body(
            "users/update-many",
            json!({ "slug": "acme", "ids": [vic.clone(), ivy.clone(), sue.clone()], "change": { "AddRole": role.clone() } }),
        ),
        json_body(
            "users/update-many",
            json!({ "slug": "acme", "ids": [vic.clone()], "change": { "AddToTeam": team.clone() } }),
        ),
        // Sign-in history: globex's by slug; globex's people by id from acme.
        json_body(
            "sign-ins/list",
            json!({ "slug": "globex", "query": { "failed_only": false, "email": "",
                    "ip": "", "from": null, "to": null, "before": null } }),
        ),
        json_body(
            "sign-ins/list",
            json!({ "slug": "acme", "query": { "failed_only": false, "email": "vic@globex.example",
                    "ip": "", "from": null, "to": null, "before": null } }),
        ),
        form(
            "sign-ins/person",
            &[("slug", s("globex")), ("id", vic.clone())],
        ),
        form(
            "sign-ins/person",
            &[("slug", s("acme")), ("id", vic.clone())],
        ),
        form(
            "users/sign-out-everywhere",
            &[("slug", s("globex")), ("id", vic.clone())],
        ),
        form(
            "users/sign-out-everywhere",
            &[("slug", s("acme")), ("id", vic.clone())],
        ),
        json_body(
            "activity/retention/set",
            json!({ "slug": "globex", "days": "30" }),
        ),
        form("platform/licence", &[("slug", s("acme"))]),
        json_body(
            "platform/licence/install",
            json!({ "slug": "acme", "document": crate::support::licence_file(&[], 1, "2999-12-31") }),
        ),
    ]
}

pub(crate) async fn send(client: &Client, attack: &Attack) -> Answer {
    match &attack.body {
        Body::Form(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            client.call(attack.endpoint, &fields).await
        }
        Body::Json(body) => client.call_json(attack.endpoint, body).await,
    }
}

/// A marker of globex's in `body`: its people and roles, or its id (which no attack sends).
fn leaked(w: &World, body: &str) -> Option<String> {
    MARKERS
        .iter()
        .map(|m| String::from(*m))
        .chain([w.globex.id.to_string()])
        .find(|m| body.contains(m.as_str()))
}

/// A directory-sync (SCIM) key of acme's, made by its admin: the bearer token.
pub(crate) async fn directory_key(w: &World) -> &'static str {
    let ada = user::Entity::find()
        .filter(user::Column::Email.eq("ada@acme.example"))
        .one(w.app.db())
        .await
        .unwrap()
        .unwrap();
    let acme_key: &'static str = "tnty_acme_directory";
    api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(ada.organisation_id),
        name: Set("Acme directory".into()),
        prefix: Set("tnty_acme_d".into()),
        secret_hash: Set(app::services::sessions::hash_secret(acme_key)),
        scopes: Set(json!(["scim"])),
        created_by: Set(Some(ada.id)),
        created_at: Set(chrono::Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(w.app.db())
    .await
    .unwrap();
    acme_key
}

/// Every server function the application registers, as `/api/...` paths.
pub(crate) fn registered_endpoints() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect()
}

/// What each server function declares it needs of its caller, by `/api/...` path.
pub(crate) fn declared_needs() -> BTreeMap<String, Need> {
    guard::declared()
        .map(|(path, need)| (path.to_string(), need))
        .collect()
}

async fn no_endpoint_reaches_another_organisation(backend: Backend) {
    let w = world(backend).await;
    let before = snapshot(&w).await;
    let attacks = attacks(&w).await;

    // The registry and the attacks agree: no endpoint is left out, none is stale.
    let registered = registered_endpoints();
    assert!(registered.len() >= 30, "registry: {registered:?}");
    let covered: BTreeSet<String> = attacks
        .iter()
        .map(|a| format!("/api/{}", a.endpoint))
        .collect();
    let uncovered: Vec<&String> = registered.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "server functions with no isolation attack: {uncovered:?}; add attacks for them"
    );
    let stale: Vec<&String> = covered.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "attacks on endpoints that no longer exist: {stale:?}"
    );

    let needs = declared_needs();
    let anonymous = w.app.client();
    for attack in &attacks {
        let need = needs[&format!("/api/{}", attack.endpoint)];
        for (who, client) in [("acme's admin", &w.attacker), ("anonymous", &anonymous)] {
            let answer = send(client, attack).await;
            let what = format!("{who} → {} {}", attack.endpoint, answer.status);
            assert!(answer.status < 500, "{what}: {}", answer.body);
            if who == "anonymous" && !matches!(need, Need::Anyone) {
                assert_eq!(answer.status, 401, "{what} needs {need:?}: {}", answer.body);
            } else if attack.refused(need) {
                assert!(
                    matches!(answer.status, 401 | 403),
                    "{what} needs {need:?} and must be refused: {}",
                    answer.body
                );
            }
            if let Some(marker) = leaked(&w, &answer.body) {
                panic!("{what} showed globex's \"{marker}\": {}", answer.body);
            }
            assert_eq!(snapshot(&w).await, before, "{what} changed globex's data");
            // Sign-out and password attempts must not have cost acme's admin their session;
            // if they did, sign in again so the next attack is still made signed in.
            let me = w
                .attacker
                .call("session/current", &[("slug", "acme")])
                .await;
            if me.status != 200 {
                w.attacker
                    .sign_in("acme", "ada@acme.example", PASSWORD)
                    .await;
            }
        }
    }

    // Every page, with globex's slug and ids: nothing of globex is shown.
    let routes = leptos_axum::generate_route_list(app::App);
    assert!(routes.len() >= 10, "pages: {}", routes.len());
    for route in &routes {
        for slug in ["globex", "acme"] {
            let path = route
                .path()
                .replace(":slug", slug)
                .replace(":organisation", "globex")
                .replace(":id", &w.vic.id.to_string());
            assert!(
                !path.contains(':'),
                "a route parameter this suite does not fill: {path}"
            );
            let answer = w.attacker.get(&path).await;
            assert!(answer.status < 500, "GET {path}: {}", answer.status);
            if let Some(marker) = leaked(&w, &answer.body) {
                panic!("GET {path} showed globex's \"{marker}\"");
            }
        }
    }
    // Every download, with globex's slug and with everything it can filter by naming globex.
    for path in server::exports::PATHS {
        for slug in ["globex", "acme"] {
            let vic = w.vic.id;
            let path = format!(
                "{}?status=all&q=vic&actor={vic}&subject={vic}&person={vic}",
                path.replace("{slug}", slug)
            );
            let answer = w.attacker.get(&path).await;
            assert!(answer.status < 500, "GET {path}: {}", answer.status);
            if let Some(marker) = leaked(&w, &answer.body) {
                panic!("GET {path} showed globex's \"{marker}\"");
            }
        }
    }
    // The way through a provider: globex's connection (turned off) from either organisation's
    // address, and a callback with made-up or no state: a redirect, nobody signed in.
    for path in server::sso::PATHS {
        for slug in ["globex", "acme"] {
            let path = format!(
                "{}?next=/o/globex/users&state=made-up&code=x",
                path.replace("{slug}", slug)
                    .replace("{id}", &w.secret_sso.to_string())
            );
            let answer = w.attacker.get(&path).await;
            assert!(answer.status < 500, "GET {path}: {}", answer.status);
            if let Some(marker) = leaked(&w, &answer.body) {
                panic!("GET {path} showed globex's \"{marker}\"");
            }
        }
    }
    // Directory sync with acme's own key: every route, naming globex's people by id, address,
    // external id and filter, reaches nobody of globex.
    let acme_key = directory_key(&w).await;
    let vic = w.vic.id.to_string();
    let filters = [
        "userName eq \"vic@globex.example\"",
        "externalId eq \"GLX-EXTERNAL-7\"",
        "name.givenName sw \"Vic\" or emails co \"globex\"",
    ];
    let user_body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "vic@globex.example",
        "name": { "givenName": "Hijacked", "familyName": "X" },
        "active": false,
    });
    let new_body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "intruder@acme.example",
        "externalId": "GLX-EXTERNAL-8",
        "name": { "givenName": "In", "familyName": "Truder" },
    });
    let patch_body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "replace", "value": { "active": false, "userName": "x@acme.example" } }],
    });
    let anonymous = w.app.client();
    let team = w.secret_team.to_string();
    let group_filters = [
        "displayName eq \"Globex secret team\"".to_string(),
        format!("members[value eq \"{vic}\"]"),
        format!("id eq \"{team}\""),
    ];
    let group_body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Globex secret team",
        "members": [{ "value": vic }],
    });
    let group_patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            { "op": "add", "path": "members", "value": [{ "value": vic }] },
            { "op": "replace", "path": "displayName", "value": "Taken over" },
        ],
    });
    let query = |resource: &str, filter: &str| {
        format!(
            "/{resource}?filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        )
    };
    let search = |filter: &str| json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter });
    let user_searches: Vec<Value> = filters.iter().map(|f| search(f)).collect();
    let group_searches: Vec<Value> = group_filters.iter().map(|f| search(f)).collect();
    for (method, path) in server::scim::ROUTES {
        let method: reqwest::Method = method.parse().unwrap();
        let groups = path.starts_with("/Groups");
        let path = path
            .replace("{id}", if groups { &team } else { &vic })
            .replace("{name}", if groups { "Group" } else { "User" });
        let tries: Vec<(String, Option<&Value>)> = match (method.as_str(), path.as_str()) {
            ("GET", "/Users") => filters.iter().map(|f| (query("Users", f), None)).collect(),
            ("GET", "/Groups") => group_filters
                .iter()
                .map(|f| (query("Groups", f), None))
                .collect(),
            // Made in acme, whatever it says: globex's people stay as they are.
            ("POST", "/Users") => vec![(path.clone(), Some(&new_body))],
            // Made in acme with globex's person: refused, nothing made.
            ("POST", "/Groups") => vec![(path.clone(), Some(&group_body))],
            ("PUT", _) if groups => vec![(path.clone(), Some(&group_body))],
            ("PATCH", _) if groups => vec![(path.clone(), Some(&group_patch))],
            ("PUT", _) => vec![(path.clone(), Some(&user_body))],
            ("PATCH", _) => vec![(path.clone(), Some(&patch_body))],
            (_, "/Groups/.search") => group_searches
                .iter()
                .map(|b| (path.clone(), Some(b)))
                .collect(),
            (_, p) if p.ends_with(".search") => user_searches
                .iter()
                .map(|b| (path.clone(), Some(b)))
                .collect(),
            _ => vec![(path.clone(), None)],
        };
        for (path, body) in tries {
            for (who, key) in [
                ("acme's key", acme_key),
                ("a made-up key", "tnty_guessed"),
                ("no key", ""),
            ] {
                let answer = anonymous.scim(method.clone(), &path, key, body, None).await;
                let what = format!("{who} → {method} /scim/v2{path} {}", answer.status);
                assert!(answer.status < 500, "{what}: {}", answer.body);
                if key != acme_key {
                    assert!(
                        matches!(answer.status, 401 | 403),
                        "{what}: {}",
                        answer.body
                    );
                }
                let resource = path.split('?').next().unwrap_or_default();
                if resource.contains(&vic) || resource.contains(&team) {
                    assert!(
                        matches!(answer.status, 401 | 403 | 404),
                        "{what}: {}",
                        answer.body
                    );
                }
                if let Some(marker) = leaked(&w, &answer.body) {
                    panic!("{what} showed globex's \"{marker}\": {}", answer.body);
                }
                assert_eq!(snapshot(&w).await, before, "{what} changed globex's data");
            }
        }
    }
    // Checked once more after the pages: work the forgot-password attempts spawned has had
    // time to run, and still nothing changed.
    assert_eq!(snapshot(&w).await, before);
    // And the suite can tell: globex's own admin does see Victoria.
    let own = w
        .victim
        .call(
            "users/get",
            &[("slug", "globex"), ("id", &w.vic.id.to_string())],
        )
        .await;
    assert_eq!(leaked(&w, &own.body).as_deref(), Some("vic@globex.example"));
}
