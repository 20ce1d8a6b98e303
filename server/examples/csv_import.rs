//! Benchmark (not a test): inviting 10,000 people from one CSV file, on SQLite and (when
//! `TENANTRY_TEST_POSTGRES_URL` names a server) PostgreSQL: the review alone, then the review and
//! the one transaction that writes every account, role, link, email and audit entry.
//!
//! `make bench`, or `cargo run --release -p server --example csv_import [PEOPLE]`.

// A benchmark stops at the first failed step: unwrap and expect are its error handling.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::{
    model::{
        access::effective_permissions, import::ImportRequest, CurrentUser, Feature, PlatformRole,
        UserStatus, UserType,
    },
    services::{
        acting::Actor, import, organisations, passwords::Passwords, people::NewUser, tenancy,
        AppState, AuthConfig, ClientInfo,
    },
};
use sea_orm::ActiveModelTrait;
use std::{sync::Arc, time::Instant};

#[path = "support/targets.rs"]
mod support;

#[path = "support/table.rs"]
mod table;

#[tokio::main]
async fn main() {
    let people: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut csv = String::from("email,first_name,last_name,roles,user_type,timezone\n");
    for i in 0..people {
        let (role, user_type) = match i % 3 {
            0 => ("Agent", "agent"),
            1 => ("Agent; Viewer", "supervisor"),
            _ => ("Viewer", "viewer"),
        };
        csv.push_str(&format!(
            "person{i}@import.example,Person,Number {i},{role},{user_type},Europe/London\n"
        ));
    }
    let targets = support::targets().await;
    println!(
        "CSV import of {people} people ({} KB), budget 10 s:",
        csv.len() / 1024
    );
    for (label, url) in &targets.urls {
        let db = server::database::connect(url).await.expect("connect");
        server::database::migrate(&db).await.expect("migrate");
        let state = AppState {
            db: db.clone(),
            auth: Arc::new(AuthConfig::default()),
            passwords: Passwords::new(1).expect("hasher"),
            mail: Arc::new(app::services::mail::Mail::new(
                "http://127.0.0.1",
                "bench@example.com",
            )),
            licence_key: None,
            api_limits: Arc::new(app::services::rates::ApiLimits::new(
                app::services::rates::ApiRate::DEFAULT,
            )),
            sso: Arc::new(app::services::oidc::SsoContext::new(None, false).expect("sso")),
        };
        let org = organisations::create(&db, "Import", "import", false, false)
            .await
            .expect("organisation");
        let admin = NewUser {
            organisation_id: org.id,
            email: "admin@import.example",
            first_name: "Ada",
            last_name: "Admin",
            user_type: UserType::TenantAdmin,
            status: UserStatus::Active,
            password_hash: None,
            must_change_password: false,
            platform_role: PlatformRole::None,
        }
        .into_active_model()
        .insert(&db)
        .await
        .expect("admin");
        let summary = tenancy::summary(&org);
        let user = CurrentUser {
            id: admin.id,
            email: admin.email.clone(),
            first_name: admin.first_name.clone(),
            last_name: admin.last_name.clone(),
            user_type: UserType::TenantAdmin,
            platform_role: PlatformRole::None,
            theme: "system".into(),
            locale: Default::default(),
            avatar_url: None,
            organisation: summary.clone(),
            home_organisation: summary,
            features: Feature::ALL.to_vec(),
            permissions: effective_permissions(UserType::TenantAdmin, [], Feature::ALL),
            licence_expired: None,
        };
        let client = ClientInfo::default();
        let actor = Actor::new(&user, &client);
        let mut request = ImportRequest {
            csv: csv.clone(),
            send: false,
        };
        let started = Instant::now();
        let review = import::import(&state, &actor, &request)
            .await
            .expect("review");
        let reviewed = started.elapsed();
        assert_eq!(review.ready, people, "{:?}", review.problems.first());
        request.send = true;
        let started = Instant::now();
        let done = import::import(&state, &actor, &request)
            .await
            .expect("import");
        let sent = started.elapsed();
        assert_eq!(done.invited, people);
        println!(
            "  {label:<10} review {:>6.2} s   review + invite everyone {:>6.2} s",
            reviewed.as_secs_f64(),
            sent.as_secs_f64()
        );
        table::row(
            &format!("CSV import of {people} people, {label}"),
            &format!("{:.2} s", sent.as_secs_f64()),
            "at most 10 s",
            sent.as_secs_f64() <= 10.0,
        );
    }
    let _ = std::fs::remove_file(&targets.sqlite_path);
}
