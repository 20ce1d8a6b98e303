//! Cross-site request refusal, security headers, database-enforced invariants, health.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::{
    entities::{organisation, session, user},
    model::{PlatformRole, UserStatus, UserType},
    services::{bootstrap, organisations, people::NewUser},
};
use sea_orm::prelude::*;
use sea_orm::ActiveValue::Set;

const PASSWORD: &str = "a long and private phrase";

on_both_databases!(
    cross_site_requests_are_refused,
    pages_carry_security_headers,
    only_one_admin_tenant_can_exist,
    emails_are_unique_per_organisation_ignoring_case,
    health_reports_the_database,
    pages_outside_ones_access_answer_403_and_unknown_pages_404,
    first_start_creates_the_admin_tenant_once,
    a_refused_form_without_javascript_returns_to_its_page,
);

async fn cross_site_requests_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    let form = [
        ("slug", "acme"),
        ("email", "ada@example.com"),
        ("password", PASSWORD),
    ];
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = browser
            .http
            .post(format!("{}/api/auth/login", app.base))
            .header(name, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{name}: {value}");
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("came from another site"));
    }
    assert_eq!(session::Entity::find().count(app.db()).await.unwrap(), 0);
    // The same request from our own pages goes through.
    assert_eq!(
        browser
            .sign_in("acme", "ada@example.com", PASSWORD)
            .await
            .status,
        200
    );
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let page = app.client().get("/").await;
    assert_eq!(page.status, 200);
    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert!(!header("x-request-id").is_empty());
    let csp = header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // The hydration script runs because it carries this response's nonce.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("nonce in CSP");
    assert!(page
        .body
        .contains(&format!("<script type=\"module\" nonce=\"{nonce}\"")));
    let other = app.client().get("/").await;
    assert!(!other.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(nonce));
}

async fn only_one_admin_tenant_can_exist(backend: Backend) {
    let app = TestApp::start(backend).await;
    organisations::create(app.db(), "Operator", "operator", true, false)
        .await
        .unwrap();
    organisations::create(app.db(), "Customer", "customer", false, false)
        .await
        .unwrap();
    let second = organisations::create(app.db(), "Impostor", "impostor", true, false).await;
    assert!(
        second.is_err(),
        "the database must refuse a second admin tenant"
    );
}

async fn emails_are_unique_per_organisation_ignoring_case(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let globex = app.organisation("globex").await;
    app.user(&acme, "ada@example.com", PASSWORD).await;
    let duplicate = NewUser {
        organisation_id: acme.id,
        email: "ADA@Example.com",
        first_name: "A",
        last_name: "B",
        user_type: UserType::Viewer,
        status: UserStatus::Active,
        password_hash: None,
        must_change_password: false,
        platform_role: PlatformRole::None,
    }
    .into_active_model()
    .insert(app.db())
    .await;
    assert!(
        duplicate.is_err(),
        "same address in another case must be refused"
    );
    // A person in two organisations has two accounts.
    app.user(&globex, "ada@example.com", PASSWORD).await;
}

async fn health_reports_the_database(backend: Backend) {
    let app = TestApp::start(backend).await;
    let health = app.client().get("/health").await;
    assert_eq!(health.status, 200);
    assert!(health.body.contains("\"ok\""));
}

async fn pages_outside_ones_access_answer_403_and_unknown_pages_404(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user_with(&org, "agent@example.com", PASSWORD, |u| {
        u.user_type = Set(UserType::Agent)
    })
    .await;
    let browser = app.client();
    browser.sign_in("acme", "agent@example.com", PASSWORD).await;
    let overview = browser.get("/o/acme").await;
    assert_eq!(overview.status, 200);
    assert!(
        !overview.body.contains("/o/acme/roles"),
        "no Roles link for an agent"
    );
    let roles = browser.get("/o/acme/roles").await;
    assert_eq!(roles.status, 403);
    assert!(roles.body.contains("You do not have access to this page"));
    let platform = browser.get("/o/acme/platform/organisations").await;
    assert_eq!(platform.status, 403);
    let missing = browser.get("/o/acme/no-such-page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
}

async fn first_start_creates_the_admin_tenant_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let passwords = &app.state.passwords;
    let created = bootstrap::ensure_admin_tenant(
        app.db(),
        passwords,
        "Operator",
        "operator",
        "root@example.com",
    )
    .await
    .unwrap()
    .expect("created on first start");
    let again = bootstrap::ensure_admin_tenant(
        app.db(),
        passwords,
        "Operator",
        "operator",
        "root@example.com",
    )
    .await
    .unwrap();
    assert!(again.is_none(), "a second start creates nothing");
    let org = organisation::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(org.is_admin_tenant);
    let admin = user::Entity::find().one(app.db()).await.unwrap().unwrap();
    assert_eq!(admin.platform_role, PlatformRole::SuperAdmin);
    assert!(admin.must_change_password);
    assert_ne!(
        admin.password_hash.as_deref(),
        Some(created.one_time_password.as_str())
    );

    // The printed password works once and must then be replaced.
    let browser = app.client();
    let answer = browser
        .sign_in("operator", "root@example.com", &created.one_time_password)
        .await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/o/operator/change-password")
    );

    // More super-admins join the admin tenant; a customer organisation cannot hold them.
    bootstrap::create_super_admin(app.db(), passwords, "operator", None, "second@example.com")
        .await
        .unwrap();
    app.organisation("customer").await;
    let refused =
        bootstrap::create_super_admin(app.db(), passwords, "customer", None, "x@example.com").await;
    assert!(app::model::AppError::from(refused.unwrap_err())
        .to_string()
        .contains("not the admin tenant"));
    let duplicate =
        bootstrap::create_super_admin(app.db(), passwords, "operator", None, "ROOT@example.com")
            .await;
    assert!(duplicate.is_err());
}

async fn a_refused_form_without_javascript_returns_to_its_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let browser = app.client();
    let response = browser
        .http
        .post(format!("{}/api/auth/login", app.base))
        .header("origin", &app.base)
        .header("accept", "text/html")
        .header("referer", format!("{}/o/acme/login", app.base))
        .form(&[
            ("slug", "acme"),
            ("email", "a@b.example"),
            ("password", "wrong password 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    // Back to the sign-in page, carrying the error for the page to show.
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("{}/o/acme/login?", app.base)) && location.contains("__err="),
        "{location}"
    );
    let page = browser.get(location.trim_start_matches(&app.base)).await;
    assert!(
        page.body.contains(app::services::auth::SIGN_IN_REFUSED),
        "the sign-in page shows why: {}",
        page.body
    );
}
