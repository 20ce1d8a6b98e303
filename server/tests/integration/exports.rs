//! CSV downloads: the Users list and the Activity view under their filters, every row once across
//! the batches the file is read in, formulas neutralised, each export audited, and each refused
//! without its permissions or outside the caller's organisation.

use crate::{
    fixtures::{acme, audit_actions, member, Acme},
    on_both_databases,
    support::Backend,
};
use app::{
    entities::audit_event,
    model::{activity::AuditAction, RoleTemplate, UserStatus},
    services::exports::BATCH,
};
use sea_orm::{prelude::*, ActiveValue::Set};

on_both_databases!(
    exports_follow_the_filters_across_batches_and_neutralise_formulas,
    exports_need_their_permissions_and_stay_in_the_organisation,
);

/// The records of a CSV file: its header, then its rows.
fn records(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

async fn exports_follow_the_filters_across_batches_and_neutralise_formulas(backend: Backend) {
    let a = acme(backend).await;
    let Acme { app, admin, .. } = &a;
    let count = BATCH as usize + 100;
    app.many_users(&a.acme, count, |i, u| {
        if i % 10 == 0 {
            u.status = Set(UserStatus::Suspended);
        }
        if i == 7 {
            u.first_name = Set("=HYPERLINK(\"http://evil.example\",\"click\")".into());
            u.last_name = Set("@SUM(A1)".into());
        }
    })
    .await;

    // Everyone, by address, across two batches: each once.
    let all = admin.get("/o/acme/users/export.csv?status=all").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        all.headers["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(all.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"people-"));
    let (header, rows) = records(&all.body);
    assert_eq!(&header[..3], ["first_name", "last_name", "email"]);
    assert_eq!(rows.len(), count + 1, "every person once, Ada too");
    let emails: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let mut sorted = emails.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(emails, sorted, "by address, none twice");
    let evil = rows
        .iter()
        .find(|r| r[2] == "person007@acme.example")
        .unwrap();
    assert!(evil[0].starts_with("'=HYPERLINK"), "{evil:?}");
    assert_eq!(evil[1], "'@SUM(A1)");
    let ada = rows.iter().find(|r| r[2] == "ada@acme.example").unwrap();
    assert_eq!((ada[3].as_str(), ada[5].as_str()), ("tenant_admin", ""));

    // The list's filters: the default leaves suspended people out; a search narrows.
    let current = admin.get("/o/acme/users/export.csv").await;
    assert_eq!(
        records(&current.body).1.len(),
        count + 1 - count.div_ceil(10)
    );
    let found = admin.get("/o/acme/users/export.csv?q=person00").await;
    let (_, found) = records(&found.body);
    // person001..person009: person000 is suspended.
    assert_eq!(found.len(), 9, "{found:?}");

    // The activity log with a filter; the exports themselves are in it.
    let trail = admin
        .get("/o/acme/activity/export.csv?action=data.exported")
        .await;
    assert_eq!(trail.status, 200, "{}", trail.body);
    let (header, exported) = records(&trail.body);
    assert_eq!(header[0], "at");
    // Three downloads of people (the activity export is recorded before it is read).
    assert_eq!(exported.len(), 4, "{exported:?}");
    assert!(exported
        .iter()
        .all(|r| r[5] == "data.exported" && r[2] == "ada@acme.example"));
    assert!(exported[0][8].contains("activity"), "{:?}", exported[0]);
    assert!(exported[1][8].contains("q=person00"), "{:?}", exported[1]);
    let recorded = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(AuditAction::DataExported))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(recorded, 4);
}

async fn exports_need_their_permissions_and_stay_in_the_organisation(backend: Backend) {
    let a = acme(backend).await;
    let Acme { app, admin, .. } = &a;
    let globex = app.organisation("globex").await;
    app.user(&globex, "vic@globex.example", "vic's own long phrase")
        .await;
    // A viewer sees people but may not export them; nobody signed out may.
    let viewer = app.role(&a.acme, RoleTemplate::Viewer).await;
    let (val, viewer_client) = member(app, &a.acme, "val@acme.example", &[viewer]).await;
    for path in ["/o/acme/users/export.csv", "/o/acme/activity/export.csv"] {
        let refused = viewer_client.get(path).await;
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        assert!(!refused.body.contains("ada@acme.example"));
        let anonymous = app.client().get(path).await;
        assert!(
            matches!(anonymous.status, 401 | 303 | 302),
            "{path}: {} {}",
            anonymous.status,
            anonymous.body
        );
        assert!(!anonymous.body.contains("ada@acme.example"));
    }
    // Acme's admin asking for globex's files gets nothing of globex (the page gate sends a
    // browser without a session there to its sign-in page).
    for path in [
        "/o/globex/users/export.csv?status=all",
        "/o/globex/activity/export.csv",
    ] {
        let refused = admin.get(path).await;
        assert!(
            matches!(refused.status, 303 | 401 | 403 | 404),
            "{path}: {} {}",
            refused.status,
            refused.body
        );
        assert!(!refused.body.contains("vic@globex.example"), "{path}");
    }
    // Refusals export nothing and record nothing.
    assert!(audit_actions(app, val.id).await.is_empty());
    let recorded = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(AuditAction::DataExported))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(recorded, 0);
}
