//! The licence, features per organisation and seats: installed by super-admins only, signatures
//! checked, effective features = licence ∩ override, seats counted when people are added.

use crate::{
    fixtures::{acme, invite, new_account, Acme, PASSWORD},
    on_both_databases,
    support::{licence_file, Backend, Client, TestApp},
};
use app::api::accounts::ImportUsers;
use app::api::accounts::ReactivateUser;
use app::api::accounts::SuspendUser;
use app::api::{auth::SignedInUser, licence::GetLicence, organisations::GetOrganisation};
use app::api::{
    licence::InstallLicence,
    organisations::{CreateOrganisation, UpdateOrganisation},
};
use app::model::account::Onboarding;
use app::model::import::ImportRequest;
use app::model::organisations::{NewOrganisation, OrganisationChanges};
use app::model::UserType;
use app::{
    entities::{audit_event, licence, organisation},
    model::{
        licence::LicenceStatus, organisations::OrganisationDetail, AppError, CurrentUser, Feature,
        Permission, RoleTemplate,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set, IntoActiveModel};

on_both_databases!(
    only_a_super_admin_installs_a_licence_and_it_must_be_signed,
    features_are_the_licence_narrowed_by_the_organisation,
    seats_limit_who_can_be_added,
    an_expired_licence_blocks_adding_people_but_not_signing_in,
    editing_an_organisation_keeps_one_admin_tenant,
);

pub(crate) fn install(
    client: &Client,
    text: &str,
) -> impl std::future::Future<Output = crate::support::Answer> {
    let client = client.clone();
    let install = InstallLicence {
        slug: "operator".into(),
        document: text.into(),
    };
    async move { client.invoke(install).await }
}

async fn licence_row(app: &TestApp) -> Option<licence::Model> {
    licence::Entity::find().one(app.db()).await.unwrap()
}

async fn only_a_super_admin_installs_a_licence_and_it_must_be_signed(backend: Backend) {
    let a = acme(backend).await;
    let root = a.app.super_admin().await;
    let status: LicenceStatus = root
        .invoke(GetLicence {
            slug: "operator".into(),
        })
        .await
        .json();
    assert!(status.licence.is_none() && status.verifies_signatures);

    // Unsigned, tampered with, malformed: each refused with its reason, nothing installed.
    let good = licence_file(&["helpdesk", "crm"], 25, "2999-12-31");
    let mut unsigned: serde_json::Value = serde_json::from_str(&good).unwrap();
    unsigned.as_object_mut().unwrap().remove("signature");
    let tampered = good.replace("25", "2500");
    for (text, says) in [
        (unsigned.to_string(), "not signed"),
        (tampered, "signature does not match"),
        ("not json".to_string(), "not a Tenantry licence"),
        (
            licence_file(&["helpdesk", "teleport"], 25, "2999-12-31"),
            "\"teleport\"",
        ),
        (
            licence_file(&["helpdesk"], 25, "2001-01-01"),
            "expired on 2001-01-01",
        ),
    ] {
        let refused = install(&root, &text).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let message = refused.error().field_message("licence").unwrap_or_default();
        assert!(message.contains(says), "{says}: {message}");
    }
    assert!(licence_row(&a.app).await.is_none());

    // A tenant admin may neither read nor install the licence, even naming the operator.
    for slug in ["acme", "operator"] {
        let read = a
            .admin
            .invoke(GetLicence {
                slug: slug.to_string(),
            })
            .await;
        assert!(matches!(read.status, 401 | 403), "{}", read.body);
        let installed = a
            .admin
            .invoke(InstallLicence {
                slug: slug.to_string(),
                document: good.clone(),
            })
            .await;
        assert!(matches!(installed.status, 401 | 403), "{}", installed.body);
    }
    assert!(licence_row(&a.app).await.is_none());

    let status: LicenceStatus = install(&root, &good).await.json();
    let licence = status.licence.expect("installed");
    assert_eq!(licence.licensee, "Acme Hosting Ltd");
    assert_eq!(licence.features, [Feature::Helpdesk, Feature::Crm]);
    assert_eq!((licence.seats, status.seats_used), (25, 2));
    assert!(licence.signed && !licence.expired());
    let audited = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("licence.installed"))
        .one(a.app.db())
        .await
        .unwrap()
        .expect("audited");
    assert!(audited.actor_user_id.is_some());
}

async fn current(client: &Client, slug: &str) -> CurrentUser {
    client
        .invoke(SignedInUser {
            slug: slug.to_string(),
        })
        .await
        .json()
}

async fn features_are_the_licence_narrowed_by_the_organisation(backend: Backend) {
    let a = acme(backend).await;
    let root = a.app.super_admin().await;
    // No licence: everything.
    assert_eq!(current(&a.admin, "acme").await.features, Feature::ALL);
    install(
        &root,
        &licence_file(&["helpdesk", "crm", "analytics"], 100, "2999-12-31"),
    )
    .await
    .json::<LicenceStatus>();
    let me = current(&a.admin, "acme").await;
    assert_eq!(
        me.features,
        [Feature::Helpdesk, Feature::Crm, Feature::Analytics]
    );
    assert!(!me.can(Permission::BotsManage), "bots are not licensed");

    // The override as the seed's JSON array; rmm is not licensed, so only crm remains.
    let update = |features: Option<&[&str]>| {
        let root = root.clone();
        let features_enabled = features.map(|f| f.iter().map(|c| String::from(*c)).collect());
        async move {
            root.invoke(UpdateOrganisation {
                slug: "operator".into(),
                organisation: "acme".into(),
                changes: OrganisationChanges {
                    name: "Org acme".into(),
                    is_admin_tenant: false,
                    is_demo: false,
                    features_enabled,
                },
            })
            .await
        }
    };
    let detail: OrganisationDetail = update(Some(&["crm", "rmm"])).await.json();
    assert_eq!(
        detail.features_enabled,
        Some(vec![Feature::Crm, Feature::Rmm])
    );
    assert_eq!(detail.effective, [Feature::Crm]);
    let me = current(&a.admin, "acme").await;
    assert_eq!(me.features, [Feature::Crm]);
    for gone in [
        Permission::TicketsViewAll,
        Permission::AnalyticsView,
        Permission::MacrosManage,
    ] {
        assert!(!me.can(gone), "{gone} belongs to a feature acme lacks");
    }
    assert!(me.can(Permission::UsersInvite));

    // Unknown codes are refused by name and change nothing.
    let refused = update(Some(&["crm", "teleport"])).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = refused
        .error()
        .field_message("features_enabled")
        .unwrap_or_default();
    assert!(message.contains("\"teleport\""), "{message}");
    assert_eq!(current(&a.admin, "acme").await.features, [Feature::Crm]);

    // A kind of account whose feature the organisation lacks cannot be added; the refusal names
    // the feature.
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let refused = a
        .admin
        .invoke(new_account(
            "an@acme.example",
            &[viewer],
            UserType::Analyst,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let message = refused
        .error()
        .field_message("user_type")
        .unwrap_or_default();
    assert!(message.contains("Analytics feature"), "{message}");

    // Blank again: every licensed feature.
    let detail: OrganisationDetail = update(None).await.json();
    assert_eq!(detail.features_enabled, None);
    assert_eq!(
        current(&a.admin, "acme").await.features,
        [Feature::Helpdesk, Feature::Crm, Feature::Analytics]
    );
    let changes = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("organisation.updated"))
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(changes, 2, "the refused change is not audited");
}

fn seats_error(answer: &crate::support::Answer) -> String {
    assert_eq!(answer.status, 409, "{}", answer.body);
    match answer.error() {
        AppError::Conflict(message) => message,
        other => panic!("{other:?}"),
    }
}

async fn seats_limit_who_can_be_added(backend: Backend) {
    let a = acme(backend).await;
    let root = a.app.super_admin().await;
    // In use: Ada and root. Room for one more.
    install(&root, &licence_file(&["helpdesk"], 3, "2999-12-31"))
        .await
        .json::<LicenceStatus>();
    let grace = invite(&a, "grace@acme.example").await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let refused = a
        .admin
        .invoke(new_account(
            "linus@acme.example",
            &[agent],
            UserType::Agent,
            Onboarding::TemporaryPassword,
        ))
        .await;
    let message = seats_error(&refused);
    assert!(message.contains("3 seats and 3 are in use"), "{message}");
    let csv = "email,first_name,last_name,roles\nlinus@acme.example,Linus,T,Agent\n";
    let refused = a
        .admin
        .invoke(ImportUsers {
            slug: "acme".into(),
            request: ImportRequest {
                csv: csv.to_string(),
                send: true,
            },
        })
        .await;
    assert!(seats_error(&refused).contains("3 are in use"));
    // A new organisation's first admin needs a seat too.
    let refused = root
        .invoke(CreateOrganisation {
            slug: "operator".into(),
            organisation: NewOrganisation {
                name: "Globex".into(),
                slug: "globex".into(),
                is_admin_tenant: false,
                is_demo: false,
                admin_first_name: "Hank".into(),
                admin_last_name: "Scorpio".into(),
                admin_email: "hank@globex.example".into(),
            },
        })
        .await;
    seats_error(&refused);
    assert!(app::services::tenancy::find_by_slug(a.app.db(), "globex")
        .await
        .unwrap()
        .is_none());

    // Suspending frees a seat; reactivating needs one.
    let id = grace.user_id;
    let suspended = a
        .admin
        .invoke(SuspendUser {
            slug: "acme".into(),
            id,
        })
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    let linus = a
        .admin
        .invoke(new_account(
            "linus@acme.example",
            &[agent],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(linus.status, 200, "{}", linus.body);
    let refused = a
        .admin
        .invoke(ReactivateUser {
            slug: "acme".into(),
            id,
        })
        .await;
    seats_error(&refused);
    let status: LicenceStatus = root
        .invoke(GetLicence {
            slug: "operator".into(),
        })
        .await
        .json();
    assert_eq!(status.seats_used, 3);
}

async fn an_expired_licence_blocks_adding_people_but_not_signing_in(backend: Backend) {
    let Acme { app, acme, .. } = acme(backend).await;
    let root = app.super_admin().await;
    install(&root, &licence_file(&["helpdesk"], 100, "2999-12-31"))
        .await
        .json::<LicenceStatus>();
    // Time passes: the licence's last day was yesterday.
    let mut row = licence_row(&app).await.unwrap().into_active_model();
    row.expires_on = Set((chrono::Utc::now() - chrono::Duration::days(1)).date_naive());
    row.update(app.db()).await.unwrap();

    let ada = app.client();
    let signed = ada.sign_in("acme", "ada@acme.example", PASSWORD).await;
    assert_eq!(
        signed.status, 200,
        "signing in still works: {}",
        signed.body
    );
    let agent = app.role(&acme, RoleTemplate::Agent).await;
    let refused = ada
        .invoke(new_account(
            "grace@acme.example",
            &[agent],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert!(seats_error(&refused).contains("expired on"));
    let status: LicenceStatus = root
        .invoke(GetLicence {
            slug: "operator".into(),
        })
        .await
        .json();
    assert!(status.licence.unwrap().expired());
    // The console knows, to show its banner.
    assert!(current(&ada, "acme").await.licence_expired.is_some());
}

async fn editing_an_organisation_keeps_one_admin_tenant(backend: Backend) {
    let a = acme(backend).await;
    let root = a.app.super_admin().await;
    let edit = |target: &str, name: &str, admin_tenant: bool| {
        let root = root.clone();
        let update = UpdateOrganisation {
            slug: "operator".into(),
            organisation: target.into(),
            changes: OrganisationChanges {
                name: name.into(),
                is_admin_tenant: admin_tenant,
                is_demo: true,
                features_enabled: None,
            },
        };
        async move { root.invoke(update).await }
    };
    let refused = edit("acme", "Acme", true).await;
    assert_eq!(refused.status, 422);
    let message = refused
        .error()
        .field_message("is_admin_tenant")
        .unwrap_or_default();
    assert!(
        message.contains("Operator is the admin tenant"),
        "{message}"
    );
    let refused = edit("operator", "Operator", false).await;
    assert_eq!(refused.status, 422);
    let refused = edit("acme", "  ", false).await;
    assert_eq!(refused.status, 422);
    assert!(refused.error().field_message("name").is_some());
    let unchanged = organisation::Entity::find_by_id(a.acme.id)
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (unchanged.name.as_str(), unchanged.is_demo),
        ("Org acme", false)
    );

    let detail: OrganisationDetail = edit("acme", "Acme Corporation", false).await.json();
    assert_eq!(detail.name, "Acme Corporation");
    assert!(detail.is_demo);
    assert_eq!(detail.slug, "acme");
    let missing = edit("nowhere", "X", false).await;
    assert_eq!(missing.status, 404);
    // Tenant admins cannot edit organisations, not even their own.
    let refused = a
        .admin
        .invoke(UpdateOrganisation {
            slug: "acme".into(),
            organisation: "acme".into(),
            changes: OrganisationChanges {
                name: "Mine".into(),
                is_admin_tenant: false,
                is_demo: false,
                features_enabled: None,
            },
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = a
        .admin
        .invoke(GetOrganisation {
            slug: "acme".into(),
            organisation: "acme".into(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

/// The operator installs a licence with `tenantry licence install FILE`; a tampered file is
/// refused with the reason and a failing exit status.
#[test]
fn the_command_line_installs_a_checked_licence() {
    let dir = std::env::temp_dir().join(format!("tenantry_cli_{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let tenantry = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .args(args)
            .env("TENANTRY_DATABASE_URL", &database)
            .env(
                "TENANTRY_LICENCE_PUBLIC_KEY",
                crate::support::test_licence_public_key(),
            )
            .env("RUST_LOG", "error")
            .output()
            .expect("tenantry runs")
    };
    let good = dir.join("good.json");
    std::fs::write(&good, licence_file(&["crm", "rmm"], 40, "2999-12-31")).unwrap();
    let tampered = dir.join("tampered.json");
    std::fs::write(
        &tampered,
        licence_file(&["crm", "rmm"], 40, "2999-12-31").replace("40", "4000"),
    )
    .unwrap();

    let refused = tenantry(&["licence", "install", tampered.to_str().unwrap()]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("signature does not match"), "{said}");
    let shown = tenantry(&["licence", "show"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("No licence installed"));

    let installed = tenantry(&["licence", "install", good.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&installed.stdout);
    assert!(
        installed.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&installed.stderr)
    );
    assert!(
        said.contains("40 seats") && said.contains("signature verified"),
        "{said}"
    );
    let shown = tenantry(&["licence", "show"]);
    let said = String::from_utf8_lossy(&shown.stdout);
    assert!(
        said.contains("0 of 40 seats in use") && said.contains("crm, rmm"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
