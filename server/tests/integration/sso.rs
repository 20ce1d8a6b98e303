//! Single sign-on with OpenID Connect against a real provider (`oidc-provider-mock`): connections
//! checked and saved with their secret sealed, signing in through the provider (linked by issuer
//! and subject, by verified address when allowed, or created just in time), every refusal, a
//! test sign-in that signs nobody in, single sign-on required with break-glass administrators,
//! and two issuers for two organisations that never let a person of one into the other.

use crate::{
    fixtures::{acme, new_account, Acme, PASSWORD},
    on_both_databases,
    provider::{location, round_trip, Provider},
    support::{Answer, Backend, Client},
};
use app::{
    api::{
        accounts::ResetUserPassword,
        links::ForgotPassword,
        sso::{
            EnableSsoConnection, SaveSsoConnection, SetSsoRequirement, SsoSettings, SsoTest,
            StartSsoTest,
        },
    },
    entities::{login_event, sso_connection, user, user_identity},
    model::{
        account::{Onboarding, ResetMethod},
        sso::{
            SsoConnectionForm, SsoConnectionSummary, SsoOverview, SsoRequirement, SsoTestResult,
        },
        AppError, RoleTemplate, UserStatus, UserType,
    },
};
use sea_orm::{prelude::*, QueryOrder};
use serde_json::json;

on_both_databases!(
    connections_are_checked_and_their_secret_sealed,
    people_sign_in_through_the_provider_by_issuer_and_subject,
    just_in_time_accounts_take_the_connections_type_roles_and_domains,
    a_test_sign_in_shows_the_claims_and_signs_nobody_in,
    required_single_sign_on_leaves_passwords_to_break_glass_admins,
    one_organisations_issuer_never_signs_anyone_in_to_another,
    a_provider_rotating_its_keys_is_followed,
    the_server_needs_its_key_once_a_connection_exists,
    an_address_starting_sign_ins_it_never_finishes_is_slowed,
);

/// Every action in the audit trail, oldest first.
async fn actions(app: &crate::support::TestApp) -> Vec<String> {
    app::entities::audit_event::Entity::find()
        .order_by_asc(app::entities::audit_event::Column::At)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.code().to_string())
        .collect()
}

const SECRET: &str = "provider-issued-client-secret";

fn form(provider: &Provider) -> SsoConnectionForm {
    SsoConnectionForm {
        name: "Acme ID".into(),
        preset: "generic".into(),
        issuer: provider.issuer.clone(),
        client_id: "tenantry-acme".into(),
        client_secret: SECRET.into(),
        scopes: "email profile".into(),
        allowed_domains: String::new(),
        link_by_email: true,
        provisioning: "pre".into(),
        jit_user_type: None,
        jit_roles: Vec::new(),
    }
}

/// `client` saves `form` in organisation `slug`: a new connection, or connection `id`.
async fn save(client: &Client, slug: &str, id: Option<Uuid>, form: SsoConnectionForm) -> Answer {
    client
        .invoke(SaveSsoConnection {
            slug: slug.into(),
            id,
            connection: form,
        })
        .await
}

/// `client` turns connection `id` of `slug` on or off.
async fn turn(client: &Client, slug: &str, id: Uuid, enabled: bool) -> Answer {
    client
        .invoke(EnableSsoConnection {
            slug: slug.into(),
            id,
            enabled,
        })
        .await
}

/// acme's admin requires single sign-on (or not) with `break_glass`.
async fn require(a: &Acme, required: bool, break_glass: Vec<Uuid>) -> Answer {
    a.admin
        .invoke(SetSsoRequirement {
            slug: "acme".into(),
            requirement: SsoRequirement {
                required,
                break_glass,
                add: String::new(),
            },
        })
        .await
}

/// Saves `form` as a new connection of acme and turns it on.
async fn connect(a: &Acme, form: SsoConnectionForm) -> SsoConnectionSummary {
    let saved: SsoConnectionSummary = save(&a.admin, "acme", None, form).await.json();
    assert!(!saved.enabled, "a new connection starts turned off");
    turn(&a.admin, "acme", saved.id, true).await.json::<()>();
    saved
}

/// The client secret stored for connection `id`, opened with the server's key; it must not be
/// readable in the row itself.
async fn stored_secret(a: &Acme, id: Uuid) -> String {
    let row = sso_connection::Entity::find_by_id(id)
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    let key = a.app.state.sso.secret_key().unwrap();
    let secret = key.open(row.id, &row.client_secret).unwrap();
    assert!(!row.client_secret.contains(&secret), "sealed at rest");
    secret
}

fn fields(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 422, "{}", answer.body);
    match answer.error() {
        AppError::Invalid { fields, .. } => fields.into_iter().map(|f| f.field).collect(),
        other => panic!("{other:?}"),
    }
}

/// The sign-in page's reason in a redirect after a refused sign-in through a provider.
fn refused_for(answer: &Answer) -> String {
    assert_eq!(answer.status, 303, "{}", answer.body);
    let to = location(&answer.headers);
    assert!(
        to.starts_with("/o/acme/login?sso="),
        "sent to {to} instead of the sign-in page"
    );
    assert_no_session(answer);
    to.trim_start_matches("/o/acme/login?sso=").to_string()
}

/// Fails when `answer` starts a session.
fn assert_no_session(answer: &Answer) {
    let cookies: Vec<&str> = answer
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok())
        .collect();
    assert!(
        cookies.iter().all(|c| !c.starts_with("tenantry_session")),
        "a session was started: {cookies:?}"
    );
}

/// Where a callback that signed nobody in sent the browser.
fn refused_for_anyone(answer: &Answer) -> String {
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_no_session(answer);
    location(&answer.headers)
}

async fn signed_in_as(client: &crate::support::Client, slug: &str) -> Option<String> {
    let me = client.call("session/current", &[("slug", slug)]).await;
    (me.status == 200).then(|| {
        serde_json::from_str::<serde_json::Value>(&me.body).unwrap()["email"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    })
}

async fn connections_are_checked_and_their_secret_sealed(backend: Backend) {
    let a = acme(backend).await;
    let provider = Provider::start().await;
    let bad = SsoConnectionForm {
        name: "  ".into(),
        issuer: "https://login.microsoftonline.com/{tenant-id}/v2.0".into(),
        client_id: String::new(),
        client_secret: String::new(),
        allowed_domains: "acme.example, not a domain".into(),
        provisioning: "jit".into(),
        jit_user_type: None,
        ..form(&provider)
    };
    let answer = save(&a.admin, "acme", None, bad).await;
    let named = fields(&answer);
    for field in [
        "name",
        "issuer",
        "client_id",
        "allowed_domains",
        "jit_user_type",
    ] {
        assert!(
            named.contains(&field.to_string()),
            "{field} not named: {}",
            answer.body
        );
    }
    let no_secret = save(
        &a.admin,
        "acme",
        None,
        SsoConnectionForm {
            client_secret: String::new(),
            ..form(&provider)
        },
    )
    .await;
    assert_eq!(fields(&no_secret), ["client_secret"]);
    assert_eq!(
        sso_connection::Entity::find()
            .count(a.app.db())
            .await
            .unwrap(),
        0,
        "nothing half-written"
    );
    // Requiring single sign-on needs a connection turned on and a break-glass admin.
    let early = require(&a, true, vec![a.ada.id]).await;
    assert_eq!(fields(&early), ["required"]);

    let saved = connect(&a, form(&provider)).await;
    assert_eq!(stored_secret(&a, saved.id).await, SECRET);
    let overview = a
        .admin
        .invoke(SsoSettings {
            slug: "acme".into(),
        })
        .await;
    assert!(!overview.body.contains(SECRET), "never shown again");
    let overview: SsoOverview = overview.json();
    assert_eq!(overview.connections.len(), 1);
    assert!(overview.connections[0].enabled);
    assert!(overview.redirect_uri.ends_with("/sso/callback"));
    // Saved again without a secret: the stored one stays.
    let renamed: SsoConnectionSummary = save(
        &a.admin,
        "acme",
        Some(saved.id),
        SsoConnectionForm {
            name: "Acme Identity".into(),
            client_secret: String::new(),
            ..form(&provider)
        },
    )
    .await
    .json();
    assert_eq!(renamed.name, "Acme Identity");
    assert!(renamed.enabled);
    assert_eq!(stored_secret(&a, saved.id).await, SECRET);
    let no_admin = require(&a, true, Vec::new()).await;
    assert_eq!(fields(&no_admin), ["break_glass"]);
    let actions = actions(&a.app).await;
    for action in ["sso.connection_created", "sso.connection_updated"] {
        assert!(actions.iter().any(|x| x == action), "{action}: {actions:?}");
    }
}

async fn people_sign_in_through_the_provider_by_issuer_and_subject(backend: Backend) {
    let a = acme(backend).await;
    let provider = Provider::start().await;
    let saved = connect(&a, form(&provider)).await;
    let button = format!("/o/acme/sso/{}?next=/o/acme/users", saved.id);
    provider.vouch("ada-at-idp", "ADA@acme.example").await;
    let browser = a.app.client();
    let back = round_trip(&browser, &button, &provider, "ada-at-idp").await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(location(&back.headers), "/o/acme/users");
    assert_eq!(
        signed_in_as(&browser, "acme").await.as_deref(),
        Some("ada@acme.example")
    );
    let linked = user_identity::Entity::find().all(a.app.db()).await.unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(
        (linked[0].user_id, linked[0].issuer.as_str()),
        (a.ada.id, provider.issuer.as_str())
    );
    let history = login_event::Entity::find()
        .order_by_desc(login_event::Column::At)
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            history.method.as_str(),
            history.connection.as_deref(),
            history.success
        ),
        ("sso", Some("Acme ID"), true)
    );

    // Linked by subject from now on, whatever address the provider gives later.
    provider
        .set_claims(
            "ada-at-idp",
            json!({ "email": "ada.lovelace@elsewhere.example" }),
        )
        .await;
    let again = a.app.client();
    let opened = again.get(&button).await;
    let callback = provider
        .sign_in_as(&location(&opened.headers), "ada-at-idp")
        .await;
    let callback = callback.strip_prefix(&again.base).unwrap().to_string();
    let back = again.get(&callback).await;
    assert_eq!(back.status, 303);
    assert_eq!(
        signed_in_as(&again, "acme").await.as_deref(),
        Some("ada@acme.example")
    );

    // A sign-in someone else started is theirs: its way back, opened in another browser (sent
    // in a link, say), signs nobody in there, and is spent.
    let victim = a.app.client();
    let opened = again.get(&button).await;
    let planted = provider
        .sign_in_as(&location(&opened.headers), "ada-at-idp")
        .await;
    let planted = planted.strip_prefix(&again.base).unwrap().to_string();
    assert_eq!(refused_for_anyone(&victim.get(&planted).await), "/");
    assert_eq!(signed_in_as(&victim, "acme").await, None);

    // The callback works once: replayed by someone else, it signs nobody in.
    let thief = a.app.client();
    let replayed = thief.get(&callback).await;
    assert_eq!(location(&replayed.headers), "/");
    assert_no_session(&replayed);
    assert_eq!(signed_in_as(&thief, "acme").await, None);

    // Nobody else gets in: no account (pre-provisioned), an address not vouched for.
    provider.vouch("bob", "bob@acme.example").await;
    let bob = a.app.client();
    assert_eq!(
        refused_for(&round_trip(&bob, &button, &provider, "bob").await),
        "no_account"
    );
    assert_eq!(signed_in_as(&bob, "acme").await, None);
    let grace = a.app.user(&a.acme, "grace@acme.example", PASSWORD).await;
    provider
        .set_claims(
            "grace",
            json!({ "email": "grace@acme.example", "email_verified": false }),
        )
        .await;
    assert_eq!(
        refused_for(&round_trip(&bob, &button, &provider, "grace").await),
        "domain"
    );
    // A suspended account stays shut.
    provider.vouch("grace", "grace@acme.example").await;
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(UserStatus::Suspended))
        .filter(user::Column::Id.eq(grace.id))
        .exec(a.app.db())
        .await
        .unwrap();
    assert_eq!(
        refused_for(&round_trip(&bob, &button, &provider, "grace").await),
        "not_active"
    );
    assert_eq!(signed_in_as(&bob, "acme").await, None);
    // A provider's refusal comes back as one.
    let opened = bob.get(&button).await;
    let authorize = location(&opened.headers);
    let denied = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(&authorize)
        .form(&[("action", "deny")])
        .send()
        .await
        .unwrap();
    let back = location(denied.headers());
    let back = bob.get(back.strip_prefix(&bob.base).unwrap()).await;
    assert_eq!(refused_for(&back), "provider");
    let failures: Vec<Option<String>> = login_event::Entity::find()
        .filter(login_event::Column::Success.eq(false))
        .all(a.app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.failure_reason)
        .collect();
    for reason in ["no_account", "domain", "not_active", "provider"] {
        assert!(
            failures.contains(&Some(reason.into())),
            "{reason}: {failures:?}"
        );
    }
    // A connection turned off is no way in.
    turn(&a.admin, "acme", saved.id, false).await.json::<()>();
    let off = bob.get(&button).await;
    assert_eq!(refused_for(&off), "expired");
}

async fn just_in_time_accounts_take_the_connections_type_roles_and_domains(backend: Backend) {
    let a = acme(backend).await;
    let provider = Provider::start().await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let saved = connect(
        &a,
        SsoConnectionForm {
            provisioning: "jit".into(),
            jit_user_type: Some(UserType::Agent),
            jit_roles: vec![agent],
            allowed_domains: "acme.example".into(),
            link_by_email: false,
            ..form(&provider)
        },
    )
    .await;
    let button = format!("/o/acme/sso/{}", saved.id);
    provider
        .set_claims(
            "linus",
            json!({ "email": "linus@acme.example", "email_verified": true,
                    "given_name": "Linus", "family_name": "Torvalds" }),
        )
        .await;
    let browser = a.app.client();
    let back = round_trip(&browser, &button, &provider, "linus").await;
    assert_eq!(location(&back.headers), "/o/acme");
    let linus =
        app::services::people::find_user_by_email(a.app.db(), a.acme.id, "linus@acme.example")
            .await
            .unwrap()
            .expect("created at first sign-in");
    assert_eq!(
        (
            linus.first_name.as_str(),
            linus.last_name.as_str(),
            linus.user_type,
            linus.status
        ),
        ("Linus", "Torvalds", UserType::Agent, UserStatus::Active)
    );
    assert!(linus.password_hash.is_none());
    let roles = app::entities::user_role::Entity::find()
        .filter(app::entities::user_role::Column::UserId.eq(linus.id))
        .all(a.app.db())
        .await
        .unwrap();
    assert_eq!(roles.iter().map(|r| r.role_id).collect::<Vec<_>>(), [agent]);
    assert!(actions(&a.app).await.iter().any(|x| x == "user.created"));
    // Outside the allowed domains: nobody is created.
    provider.vouch("eve", "eve@evil.example").await;
    let eve = a.app.client();
    assert_eq!(
        refused_for(&round_trip(&eve, &button, &provider, "eve").await),
        "domain"
    );
    // An existing account is not taken over when linking by address is not allowed.
    provider.vouch("not-ada", "ada@acme.example").await;
    assert_eq!(
        refused_for(&round_trip(&eve, &button, &provider, "not-ada").await),
        "no_account"
    );
    assert_eq!(signed_in_as(&eve, "acme").await, None);
    assert_eq!(
        user::Entity::find()
            .filter(user::Column::OrganisationId.eq(a.acme.id))
            .count(a.app.db())
            .await
            .unwrap(),
        2,
        "Ada and Linus"
    );
    // The licence's seats hold: with none left, nobody is created.
    let root = a.app.super_admin().await;
    let used = app::services::licence::seats_used(a.app.db())
        .await
        .unwrap();
    crate::licence::install(
        &root,
        &crate::support::licence_file(&["helpdesk"], used, "2999-12-31"),
    )
    .await
    .json::<app::model::licence::LicenceStatus>();
    provider.vouch("mary", "mary@acme.example").await;
    assert_eq!(
        refused_for(&round_trip(&eve, &button, &provider, "mary").await),
        "seats"
    );
    assert_eq!(
        app::services::people::find_user_by_email(a.app.db(), a.acme.id, "mary@acme.example")
            .await
            .unwrap(),
        None
    );
}

async fn a_test_sign_in_shows_the_claims_and_signs_nobody_in(backend: Backend) {
    let a = acme(backend).await;
    let provider = Provider::start().await;
    let saved: SsoConnectionSummary = save(&a.admin, "acme", None, form(&provider)).await.json();
    provider
        .set_claims(
            "someone",
            json!({ "email": "someone@acme.example", "groups": ["ops"] }),
        )
        .await;
    // A test runs while the connection is still off.
    let authorize: String = a
        .admin
        .invoke(StartSsoTest {
            slug: "acme".into(),
            id: saved.id,
        })
        .await
        .json();
    let back = round_trip(&a.admin, &authorize, &provider, "someone").await;
    let to = location(&back.headers);
    assert!(to.starts_with("/o/acme/settings/sso?test="), "{to}");
    assert_no_session(&back);
    let id = to.rsplit('=').next().unwrap().parse().unwrap();
    let result: SsoTestResult = a
        .admin
        .invoke(SsoTest {
            slug: "acme".into(),
            id,
        })
        .await
        .json();
    let claims = result.claims.expect("claims");
    assert!(
        claims.contains("someone@acme.example") && claims.contains("ops"),
        "{claims}"
    );
    assert_eq!(
        signed_in_as(&a.admin, "acme").await.as_deref(),
        Some("ada@acme.example")
    );
    assert_eq!(
        app::services::people::find_user_by_email(a.app.db(), a.acme.id, "someone@acme.example")
            .await
            .unwrap(),
        None
    );
    // Only the admin who ran it reads it.
    let other = a.app.user(&a.acme, "root@acme.example", PASSWORD).await;
    user::Entity::update_many()
        .col_expr(user::Column::UserType, Expr::value(UserType::TenantAdmin))
        .filter(user::Column::Id.eq(other.id))
        .exec(a.app.db())
        .await
        .unwrap();
    let colleague = a.app.client();
    colleague
        .sign_in("acme", "root@acme.example", PASSWORD)
        .await;
    let theirs = colleague
        .invoke(SsoTest {
            slug: "acme".into(),
            id,
        })
        .await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);
}

async fn required_single_sign_on_leaves_passwords_to_break_glass_admins(backend: Backend) {
    let a = acme(backend).await;
    let provider = Provider::start().await;
    let saved = connect(&a, form(&provider)).await;
    let grace = a.app.user(&a.acme, "grace@acme.example", PASSWORD).await;
    // Break-glass administrators are named by address too; only active tenant admins.
    let by_address = |address: &str| {
        a.admin.invoke(SetSsoRequirement {
            slug: "acme".into(),
            requirement: SsoRequirement {
                required: true,
                break_glass: Vec::new(),
                add: address.into(),
            },
        })
    };
    let nobody = by_address("nobody@acme.example").await;
    assert_eq!(fields(&nobody), ["add"]);
    by_address("ADA@acme.example").await.json::<()>();
    let ada = user::Entity::find_by_id(a.ada.id)
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(ada.sso_break_glass);
    assert!(actions(&a.app)
        .await
        .iter()
        .any(|x| x == "sso.requirement_changed"));
    // Ada, break-glass, still signs in with her password; Grace is told to use the provider.
    assert_eq!(
        a.app
            .client()
            .sign_in("acme", "ada@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let refused = a
        .app
        .client()
        .sign_in("acme", "grace@acme.example", PASSWORD)
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("single sign-on"), "{}", refused.body);
    // A wrong password learns nothing about it.
    let wrong = a
        .app
        .client()
        .sign_in("acme", "grace@acme.example", "not her password at all")
        .await;
    assert!(!wrong.body.contains("single sign-on"), "{}", wrong.body);
    // No password by reset, by an admin, or for a new account.
    let reset = a
        .admin
        .invoke(ResetUserPassword {
            slug: "acme".into(),
            id: grace.id,
            method: ResetMethod::TemporaryPassword,
        })
        .await;
    assert_eq!(reset.status, 409, "{}", reset.body);
    // Asked for Grace, then for Ada: once Ada's link is written, Grace's would have been too.
    for email in ["grace@acme.example", "ada@acme.example"] {
        a.app
            .client()
            .invoke(ForgotPassword {
                slug: "acme".into(),
                email: email.into(),
            })
            .await;
    }
    let to = |address: &'static str| {
        app::entities::outbox_message::Entity::find()
            .filter(app::entities::outbox_message::Column::ToAddress.eq(address))
            .count(a.app.db())
    };
    for _ in 0..200 {
        if to("ada@acme.example").await.unwrap() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(to("ada@acme.example").await.unwrap(), 1, "Ada's reset link");
    let to_grace = app::entities::outbox_message::Entity::find()
        .filter(app::entities::outbox_message::Column::ToAddress.eq("grace@acme.example"))
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(to_grace, 0, "no reset link for Grace");
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let created = a
        .admin
        .invoke(new_account(
            "linus@acme.example",
            &[agent],
            UserType::Agent,
            Onboarding::TemporaryPassword,
        ))
        .await;
    assert_eq!(created.status, 409, "{}", created.body);
    // Grace signs in through the provider instead.
    provider.vouch("grace", "grace@acme.example").await;
    let browser = a.app.client();
    let back = round_trip(
        &browser,
        &format!("/o/acme/sso/{}", saved.id),
        &provider,
        "grace",
    )
    .await;
    assert_eq!(location(&back.headers), "/o/acme");
    // The only connection cannot be turned off while it is required.
    let off = turn(&a.admin, "acme", saved.id, false).await;
    assert_eq!(off.status, 409, "{}", off.body);
}

async fn one_organisations_issuer_never_signs_anyone_in_to_another(backend: Backend) {
    let a = acme(backend).await;
    let acme_idp = Provider::start().await;
    let globex_idp = Provider::start().await;
    assert_ne!(acme_idp.issuer, globex_idp.issuer);
    let acme_sso = connect(&a, form(&acme_idp)).await;
    // globex, with its own admin and its own provider.
    let globex = a.app.organisation("globex").await;
    a.app.user(&globex, "gil@globex.example", PASSWORD).await;
    let gil = a.app.client();
    gil.sign_in("globex", "gil@globex.example", PASSWORD).await;
    let globex_sso: SsoConnectionSummary = save(
        &gil,
        "globex",
        None,
        SsoConnectionForm {
            client_id: "tenantry-globex".into(),
            ..form(&globex_idp)
        },
    )
    .await
    .json();
    turn(&gil, "globex", globex_sso.id, true).await.json::<()>();
    // Ada is linked to acme's provider.
    for idp in [&acme_idp, &globex_idp] {
        idp.vouch("ada", "ada@acme.example").await;
    }
    let ada = a.app.client();
    round_trip(
        &ada,
        &format!("/o/acme/sso/{}", acme_sso.id),
        &acme_idp,
        "ada",
    )
    .await;
    assert!(signed_in_as(&ada, "acme").await.is_some());
    // The same subject and address at globex's provider, through globex's button: globex has no
    // such person, and acme's account is out of reach.
    let intruder = a.app.client();
    let back = round_trip(
        &intruder,
        &format!("/o/globex/sso/{}", globex_sso.id),
        &globex_idp,
        "ada",
    )
    .await;
    assert_eq!(location(&back.headers), "/o/globex/login?sso=no_account");
    assert_eq!(signed_in_as(&intruder, "acme").await, None);
    assert_eq!(signed_in_as(&intruder, "globex").await, None);
    // acme's connection id under globex's address is no connection of globex.
    let crossed = intruder
        .get(&format!("/o/globex/sso/{}", acme_sso.id))
        .await;
    assert_eq!(location(&crossed.headers), "/o/globex/login?sso=expired");
    // A code from acme's provider brought back on a flow of globex's: globex's provider never
    // issued it, so it is refused.
    let opened = intruder.get(&format!("/o/acme/sso/{}", acme_sso.id)).await;
    let acme_back = acme_idp.sign_in_as(&location(&opened.headers), "ada").await;
    let code = acme_back
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let opened = intruder
        .get(&format!("/o/globex/sso/{}", globex_sso.id))
        .await;
    let globex_back = globex_idp
        .sign_in_as(&location(&opened.headers), "ada")
        .await;
    let globex_state = globex_back
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let swapped = intruder
        .get(&format!("/sso/callback?code={code}&state={globex_state}"))
        .await;
    assert_eq!(location(&swapped.headers), "/o/globex/login?sso=provider");
    assert_eq!(signed_in_as(&intruder, "acme").await, None);
    assert_eq!(signed_in_as(&intruder, "globex").await, None);
}

/// A provider that starts signing with a new key (here: restarted, it makes a new one) is
/// followed: the token names a key the server has not seen, so it fetches the keys again.
async fn a_provider_rotating_its_keys_is_followed(backend: Backend) {
    let a = acme(backend).await;
    let mut provider = Provider::start().await;
    let saved = connect(&a, form(&provider)).await;
    let button = format!("/o/acme/sso/{}", saved.id);
    provider.vouch("ada", "ada@acme.example").await;
    let first = a.app.client();
    round_trip(&first, &button, &provider, "ada").await;
    assert!(signed_in_as(&first, "acme").await.is_some());
    provider.restart().await;
    provider.vouch("ada", "ada@acme.example").await;
    let second = a.app.client();
    let back = round_trip(&second, &button, &provider, "ada").await;
    assert_eq!(location(&back.headers), "/o/acme");
    assert!(signed_in_as(&second, "acme").await.is_some());
}

/// Without `TENANTRY_SECRET_KEY` the server starts while no organisation has a connection, and
/// refuses to once one has (their secrets could not be opened).
async fn the_server_needs_its_key_once_a_connection_exists(backend: Backend) {
    let a = acme(backend).await;
    let db = a.app.db();
    assert!(server::cli::sso_context(None, false, db).await.is_ok());
    let provider = Provider::start().await;
    connect(&a, form(&provider)).await;
    let refused = server::cli::sso_context(None, false, db)
        .await
        .err()
        .unwrap();
    assert!(refused.starts_with("TENANTRY_SECRET_KEY"), "{refused}");
    let key = crate::support::TEST_SECRET_KEY;
    assert!(server::cli::sso_context(Some(key), false, db).await.is_ok());
}

/// Each start writes a flow: an address starting sign-ins and finishing none is slowed like
/// password sign-ins, and a finished one gives its attempt back.
async fn an_address_starting_sign_ins_it_never_finishes_is_slowed(backend: Backend) {
    let app = crate::support::TestApp::start_with(backend, |auth| {
        auth.ip_throttle.free_attempts = 3;
        auth.ip_throttle.max_attempts = 6;
        auth.ip_throttle.delay_step_secs = 300;
    })
    .await;
    let acme = app.organisation("acme").await;
    app.user(&acme, "ada@acme.example", PASSWORD).await;
    let admin = app.client();
    admin.sign_in("acme", "ada@acme.example", PASSWORD).await;
    let provider = Provider::start().await;
    let saved: SsoConnectionSummary = save(&admin, "acme", None, form(&provider)).await.json();
    turn(&admin, "acme", saved.id, true).await.json::<()>();
    let button = format!("/o/acme/sso/{}", saved.id);
    let browser = app.client();
    // One finished sign-in, then starts left unfinished.
    provider.vouch("ada", "ada@acme.example").await;
    let back = round_trip(&browser, &button, &provider, "ada").await;
    assert_eq!(location(&back.headers), "/o/acme");
    let mut started = 0;
    let refused = loop {
        let opened = browser.get(&button).await;
        let to = location(&opened.headers);
        if !to.starts_with(&provider.issuer) {
            break to;
        }
        started += 1;
        assert!(started <= 4, "never slowed");
    };
    assert_eq!(refused, "/o/acme/login?sso=throttled");
    assert_eq!(started, 3, "the free attempts");
}
