//! Cross-site request refusal, security headers, database-enforced invariants, health.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::{entities::session, services::organisations};
use sea_orm::prelude::*;

const PASSWORD: &str = "a long and private phrase";

on_both_databases!(
    cross_site_requests_are_refused,
    pages_carry_security_headers,
    only_one_admin_tenant_can_exist,
    emails_are_unique_per_organisation_ignoring_case,
    health_reports_the_database,
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
    let duplicate = tokio::spawn({
        let db = app.db().clone();
        let org = acme.id;
        async move {
            use app::entities::user;
            use sea_orm::ActiveValue::Set;
            let now = chrono::Utc::now();
            user::ActiveModel {
                id: Set(Uuid::new_v4()),
                organisation_id: Set(org),
                email: Set("ADA@Example.com".into()),
                first_name: Set("A".into()),
                last_name: Set("B".into()),
                phone: Set(None),
                external_id: Set(None),
                timezone: Set(None),
                locale: Set("en".into()),
                theme: Set("system".into()),
                signature: Set(None),
                notification_prefs: Set(None),
                user_type: Set("viewer".into()),
                status: Set("active".into()),
                password_hash: Set(None),
                must_change_password: Set(false),
                platform_role: Set("none".into()),
                access_expires_at: Set(None),
                last_login_at: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&db)
            .await
        }
    })
    .await
    .unwrap();
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
