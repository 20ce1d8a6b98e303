//! The Platform screens' server functions: super-admins only.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::api::accounts::SetPlatformRole;
use app::api::organisations::CreateOrganisation;
use app::api::organisations::SwitchTargets;
use app::api::{auth::SignedInUser, licence::GetLicence, organisations::ListOrganisations};
use app::entities::{audit_event, organisation};
use app::model::account::Onboarding;
use app::model::organisations::NewOrganisation;
use app::model::UserType;
use app::model::{organisations::OrganisationList, PlatformRole};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

on_both_databases!(
    only_super_admins_list_the_organisations,
    a_super_admin_creates_an_organisation_and_its_first_admin_joins,
    platform_staff_switch_organisations_and_are_audited_from_home,
    a_demo_organisation_is_filled_with_synthetic_people,
    super_admins_give_and_take_the_support_role,
);

async fn only_super_admins_list_the_organisations(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.organisation("globex").await;
    app.many_users(&acme, 3, |i, u| {
        if i == 0 {
            u.status = Set(app::model::UserStatus::Suspended);
        }
    })
    .await;
    let root = app.super_admin().await;
    let list = |client: &crate::support::Client, search: &str| {
        let client = client.clone();
        let search = search.to_string();
        async move {
            client
                .invoke(ListOrganisations {
                    slug: "operator".into(),
                    search: search.to_string(),
                })
                .await
        }
    };
    let all: OrganisationList = list(&root, "").await.json();
    let names: Vec<&str> = all.rows.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["Operator", "Org acme", "Org globex"]);
    assert_eq!(all.matching, 3);
    assert!(all.rows[0].is_admin_tenant && !all.rows[1].is_admin_tenant);
    assert_eq!((all.rows[1].active_users, all.rows[1].users), (2, 3));
    let found: OrganisationList = list(&root, "ACM").await.json();
    assert_eq!(found.rows.len(), 1);
    assert_eq!(found.rows[0].slug, "acme");
    let none: OrganisationList = list(&root, "zzz").await.json();
    assert!(none.rows.is_empty());

    // A tenant admin of acme, and the platform's support staff, are refused.
    app.user(&acme, "ada@acme.example", "a long and private phrase")
        .await;
    let ada = app.client();
    ada.sign_in("acme", "ada@acme.example", "a long and private phrase")
        .await;
    let refused = ada
        .invoke(ListOrganisations {
            slug: "acme".into(),
            search: "".into(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let operator = app::services::tenancy::find_by_slug(app.db(), "operator")
        .await
        .unwrap()
        .unwrap();
    app.user_with(
        &operator,
        "help@operator.example",
        "a long and private phrase",
        |u| {
            u.platform_role = Set(PlatformRole::Support);
        },
    )
    .await;
    let help = app.client();
    help.sign_in(
        "operator",
        "help@operator.example",
        "a long and private phrase",
    )
    .await;
    assert_eq!(list(&help, "").await.status, 403);
    let anonymous = app.client();
    assert_eq!(list(&anonymous, "").await.status, 401);
}

fn new_organisation(name: &str, slug: &str, email: &str) -> CreateOrganisation {
    CreateOrganisation {
        slug: "operator".into(),
        organisation: NewOrganisation {
            name: name.into(),
            slug: slug.into(),
            is_admin_tenant: false,
            is_demo: false,
            admin_first_name: "Grace".into(),
            admin_last_name: "Hopper".into(),
            admin_email: email.into(),
        },
    }
}

async fn a_super_admin_creates_an_organisation_and_its_first_admin_joins(backend: Backend) {
    use app::entities::{organisation, role, user};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::start(backend).await;
    let root = app.super_admin().await;
    let organisations = || organisation::Entity::find().count(app.db());

    // Every problem at once, nothing written.
    let before = organisations().await.unwrap();
    let mut bad = new_organisation("", "Not A Slug", "nope");
    bad.organisation.is_admin_tenant = true;
    bad.organisation.admin_last_name = String::new();
    let refused = root.invoke(bad).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let error = refused.error();
    for field in ["name", "slug", "admin_last_name", "admin_email"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    assert!(error
        .field_message("is_admin_tenant")
        .is_some_and(|m| m.contains("Operator is the admin tenant already")));
    assert_eq!(organisations().await.unwrap(), before);

    let created = root
        .invoke(new_organisation(
            "Globex Corp",
            "globex",
            "grace@globex.example",
        ))
        .await;
    assert_eq!(created.json::<String>(), "globex");
    let globex = app::services::tenancy::find_by_slug(app.db(), "globex")
        .await
        .unwrap()
        .unwrap();
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(globex.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(roles, 3, "the built-in roles");
    let taken = root
        .invoke(new_organisation(
            "Globex again",
            "globex",
            "x@globex.example",
        ))
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.error().field_message("slug").is_some());

    // The first tenant admin is invited by email and lands in the new organisation.
    let mail = app.smtp.message_to("grace@globex.example").await;
    assert!(mail.subject.contains("Globex Corp"), "{}", mail.subject);
    let link = mail.link(&format!("{}/invitation?token=", app.base));
    let token = link.split_once("token=").unwrap().1.to_string();
    let grace = app.client();
    let accepted = grace.invoke(crate::fixtures::accepting(&token)).await;
    assert_eq!(
        accepted.location().as_deref(),
        Some("/o/globex"),
        "{accepted:?}"
    );
    let me: app::model::CurrentUser = grace
        .invoke(SignedInUser {
            slug: "globex".into(),
        })
        .await
        .json();
    assert_eq!(me.user_type, app::model::UserType::TenantAdmin);
    assert!(me.can(app::model::Permission::RolesManage));
    let admin = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(globex.id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.email, "grace@globex.example");

    // Nobody else creates organisations.
    let refused = grace
        .invoke({
            let mut body = new_organisation("Mine", "mine", "me@mine.example");
            body.slug = "globex".into();
            body
        })
        .await;
    assert_eq!(refused.status, 403);
    assert!(app::services::tenancy::find_by_slug(app.db(), "mine")
        .await
        .unwrap()
        .is_none());
}

async fn platform_staff_switch_organisations_and_are_audited_from_home(backend: Backend) {
    use crate::fixtures::{new_account, PASSWORD};
    use app::{
        entities::audit_event,
        model::{organisations::SwitchTarget, CurrentUser, Permission, RoleTemplate},
    };
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::start(backend).await;
    let root = app.super_admin().await;
    let acme = app.organisation("acme").await;
    app.organisation("globex").await;
    let targets = |client: &crate::support::Client, slug: &str, search: &str| {
        let client = client.clone();
        let targets = SwitchTargets {
            slug: slug.into(),
            search: search.into(),
        };
        async move { client.invoke(targets).await }
    };
    let all: Vec<SwitchTarget> = targets(&root, "operator", "").await.json();
    let slugs: Vec<&str> = all.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["operator", "acme", "globex"]);
    let found: Vec<SwitchTarget> = targets(&root, "operator", "glob").await.json();
    assert_eq!(found.len(), 1);

    // Switched into acme, the super-admin acts there as a tenant admin would ...
    let me: CurrentUser = root
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .json();
    assert!(me.is_switched() && me.can(Permission::UsersInvite));
    assert_eq!(me.home_organisation.slug, "operator");
    let agent = app.role(&acme, RoleTemplate::Agent).await;
    let mut body = new_account(
        "grace@acme.example",
        &[agent],
        UserType::Agent,
        Onboarding::Invitation,
    );
    body.slug = "acme".into();
    let added = root.invoke(body.clone()).await;
    assert_eq!(added.status, 200, "{}", added.body);
    // ... and the audit trail says where they acted and where they came from.
    let entry = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("user.invited"))
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    let operator = app::services::tenancy::find_by_slug(app.db(), "operator")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.organisation_id, acme.id);
    assert_eq!(entry.actor_organisation_id, Some(operator.id));
    // The Platform screens work only from home, not while acting in a customer organisation.
    let refused = root
        .invoke(ListOrganisations {
            slug: "acme".into(),
            search: "".into(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("go back to Operator"),
        "{}",
        refused.body
    );

    // Support staff switch too, with read-only standing.
    app.user_with(&operator, "help@operator.example", PASSWORD, |u| {
        u.platform_role = Set(PlatformRole::Support);
    })
    .await;
    let help = app.client();
    help.sign_in("operator", "help@operator.example", PASSWORD)
        .await;
    assert_eq!(targets(&help, "operator", "").await.status, 200);
    let support: CurrentUser = help
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .json();
    assert!(support.can(Permission::UsersView) && !support.can(Permission::UsersInvite));
    body.account.form.email = "linus@acme.example".into();
    assert_eq!(help.invoke(body.clone()).await.status, 403);

    // Nobody else can switch: not a tenant admin, not even one whose account claims a platform
    // role outside the admin tenant; whatever the URL says.
    app.user_with(&acme, "ada@acme.example", PASSWORD, |u| {
        u.platform_role = Set(PlatformRole::SuperAdmin);
    })
    .await;
    let ada = app.client();
    ada.sign_in("acme", "ada@acme.example", PASSWORD).await;
    for slug in ["acme", "globex", "operator"] {
        let refused = targets(&ada, slug, "").await;
        assert!(
            matches!(refused.status, 401 | 403),
            "{slug}: {}",
            refused.body
        );
    }
    for slug in ["globex", "operator"] {
        let refused = ada
            .invoke(SignedInUser {
                slug: slug.to_string(),
            })
            .await;
        assert_eq!(refused.status, 401, "{slug}");
    }
    let refused = ada
        .invoke(ListOrganisations {
            slug: "acme".into(),
            search: "".into(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

async fn a_demo_organisation_is_filled_with_synthetic_people(backend: Backend) {
    use app::{
        entities::{audit_event, login_event, organisation, outbox_message, user},
        model::{licence::LicenceStatus, UserStatus, UserType},
        services::demo::DEMO_PEOPLE,
    };
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let app = TestApp::start(backend).await;
    let root = app.super_admin().await;
    let mut body = new_organisation("Initech Demo", "initech", "bill@initech.example");
    body.organisation.is_demo = true;

    // Not enough seats for the sample people: refused, nothing created.
    let installed = crate::licence::install(
        &root,
        &crate::support::licence_file(&["helpdesk"], 10, "2999-12-31"),
    )
    .await;
    assert_eq!(installed.json::<LicenceStatus>().seats_used, 1);
    let refused = root.invoke(body.clone()).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(
        organisation::Entity::find().count(app.db()).await.unwrap(),
        1
    );
    let installed = crate::licence::install(
        &root,
        &crate::support::licence_file(&["helpdesk"], 100, "2999-12-31"),
    )
    .await;
    assert_eq!(installed.status, 200);

    let created = root.invoke(body.clone()).await;
    assert_eq!(created.json::<String>(), "initech");
    let initech = app::services::tenancy::find_by_slug(app.db(), "initech")
        .await
        .unwrap()
        .unwrap();
    assert!(initech.is_demo);
    let people = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(initech.id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(
        people.len(),
        DEMO_PEOPLE + 1,
        "the sample people and the first admin"
    );
    for t in UserType::ALL {
        assert!(people.iter().any(|p| p.user_type == *t), "a {t}");
    }
    for s in UserStatus::ALL {
        assert!(people.iter().any(|p| p.status == *s), "someone {s}");
    }
    assert!(people.iter().filter(|p| p.last_login_at.is_some()).count() > 10);
    let sign_ins = login_event::Entity::find()
        .filter(login_event::Column::OrganisationId.eq(initech.id))
        .count(app.db())
        .await
        .unwrap();
    assert!(sign_ins > 20, "{sign_ins} sign-ins");
    let activity = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(initech.id))
        .count(app.db())
        .await
        .unwrap();
    assert!(activity > DEMO_PEOPLE as u64, "{activity} audit entries");
    let teams = app::entities::team::Entity::find()
        .filter(app::entities::team::Column::OrganisationId.eq(initech.id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(teams.len(), 2);
    let in_teams = app::entities::team_member::Entity::find()
        .filter(app::entities::team_member::Column::TeamId.is_in(teams.iter().map(|t| t.id)))
        .count(app.db())
        .await
        .unwrap();
    assert!(in_teams > 10, "{in_teams} team members");
    // Only the real first admin is emailed.
    let mail = outbox_message::Entity::find()
        .filter(outbox_message::Column::OrganisationId.eq(initech.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(mail, 1);
    let status: LicenceStatus = root
        .invoke(GetLicence {
            slug: "operator".into(),
        })
        .await
        .json();
    assert_eq!(
        status.seats_used,
        2 + app::services::demo::seats_needed(),
        "root, the first admin and the sample people who are not suspended"
    );
}

async fn super_admins_give_and_take_the_support_role(backend: Backend) {
    let app = TestApp::start(backend).await;
    let root = app.super_admin().await;
    let operator = organisation::Entity::find()
        .filter(organisation::Column::Slug.eq("operator"))
        .one(app.db())
        .await
        .unwrap()
        .expect("the admin tenant");
    let phrase = "sam's own long phrase";
    let sam = app
        .user_with(&operator, "sam@operator.example", phrase, |u| {
            u.user_type = Set(UserType::Agent);
        })
        .await;
    let sam_client = app.client();
    assert_eq!(
        sam_client
            .sign_in("operator", "sam@operator.example", phrase)
            .await
            .status,
        200
    );
    let switch = |client: &crate::support::Client| {
        let client = client.clone();
        async move {
            client
                .invoke(SwitchTargets {
                    slug: "operator".into(),
                    search: String::new(),
                })
                .await
                .status
        }
    };
    assert_eq!(switch(&sam_client).await, 403, "no platform role yet");
    let give = |role: PlatformRole| SetPlatformRole {
        slug: "operator".into(),
        id: sam.id,
        role,
    };
    assert_eq!(root.invoke(give(PlatformRole::Support)).await.status, 200);
    assert_eq!(switch(&sam_client).await, 200, "support staff switch");
    let entry = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(sam.id.to_string()))
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(
        entry.changes.unwrap(),
        serde_json::json!({ "platform_role": { "before": "none", "after": "support" } })
    );
    // Nobody is made a super-admin here; support staff cannot pass the role on.
    let refused = root.invoke(give(PlatformRole::SuperAdmin)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let refused = sam_client.invoke(give(PlatformRole::None)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    // Taken away: no more switching.
    assert_eq!(root.invoke(give(PlatformRole::None)).await.status, 200);
    assert_eq!(switch(&sam_client).await, 403);
}
