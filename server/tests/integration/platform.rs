//! The Platform screens' server functions: super-admins only.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::model::{organisations::OrganisationList, PlatformRole};
use sea_orm::ActiveValue::Set;

on_both_databases!(only_super_admins_list_the_organisations);

async fn only_super_admins_list_the_organisations(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.organisation("globex").await;
    app.many_users(&acme, 3, |i, u| {
        if i == 0 {
            u.status = Set("suspended".into());
        }
    })
    .await;
    let root = app.super_admin().await;
    let list = |client: &crate::support::Client, search: &str| {
        let client = client.clone();
        let search = search.to_string();
        async move {
            client
                .call(
                    "platform/organisations",
                    &[("slug", "operator"), ("search", &search)],
                )
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
        .call(
            "platform/organisations",
            &[("slug", "acme"), ("search", "")],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let operator = app::services::organisations::find_by_slug(app.db(), "operator")
        .await
        .unwrap()
        .unwrap();
    app.user_with(
        &operator,
        "help@operator.example",
        "a long and private phrase",
        |u| {
            u.platform_role = Set(PlatformRole::Support.code().into());
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
