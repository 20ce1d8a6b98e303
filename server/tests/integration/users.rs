//! The Users page's list: filters, sorting, paging, counts, and who may read it.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::api::roles::ListRoles;
use app::api::users::ListUsers;
use app::{
    entities::user_role,
    model::{
        users::{UserList, UserQuery},
        AppError, RoleTemplate, UserStatus, UserType,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set};

const PASSWORD: &str = "a long and private phrase";

on_both_databases!(
    the_list_filters_sorts_pages_and_counts,
    the_list_stays_inside_the_organisation_and_needs_permission,
    sign_in_order_puts_people_who_never_signed_in_last_when_newest_first,
    a_huge_organisation_is_counted_up_to_the_cap,
    a_broad_search_far_along_the_sort_order_finds_every_page,
    the_stat_cards_follow_status_changes_and_removals,
    the_search_follows_renames_and_removals,
    an_unknown_stored_status_is_an_error_not_a_guess,
    the_role_filter_follows_grants_removals_and_deleted_roles,
);

async fn list(browser: &crate::support::Client, slug: &str, query: UserQuery) -> UserList {
    browser
        .invoke(ListUsers {
            slug: slug.into(),
            query,
        })
        .await
        .json()
}

async fn the_list_filters_sorts_pages_and_counts(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let admin = app.user(&acme, "admin@acme.example", PASSWORD).await;
    app.many_users(&acme, 60, |i, u| {
        u.status = Set(match i % 20 {
            0 => UserStatus::Suspended,
            1 => UserStatus::Invited,
            _ => UserStatus::Active,
        });
        if i % 3 == 0 {
            u.user_type = Set(UserType::Analyst);
        }
    })
    .await;
    let agent_role = app.role(&acme, RoleTemplate::Agent).await;
    user_role::Entity::insert(user_role::ActiveModel {
        user_id: Set(admin.id),
        role_id: Set(agent_role),
    })
    .exec_without_returning(app.db())
    .await
    .unwrap();
    let browser = app.client();
    browser
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;

    // Suspended people are left out by default; the stat cards count everyone.
    let first = list(&browser, "acme", UserQuery::default()).await;
    assert_eq!(first.stats.total, 61);
    assert_eq!(first.stats.suspended, 3);
    assert_eq!(first.stats.invited, 3);
    assert_eq!(first.stats.active, 55);
    assert_eq!(first.matching, 58);
    assert_eq!(first.rows.len(), 50);
    assert_eq!(first.pages(), 2);
    // Sorted by last name: "000", "001", … then "Lovelace".
    assert_eq!(first.rows[0].last_name, "001");
    let second = list(
        &browser,
        "acme",
        UserQuery {
            page: 2,
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(second.rows.len(), 8);
    assert_eq!(second.rows.last().unwrap().last_name, "Lovelace");
    assert_eq!(second.rows.last().unwrap().roles[0].name, "Agent");

    let suspended = list(
        &browser,
        "acme",
        UserQuery::from_params(|k| (k == "status").then(|| "suspended".to_string())),
    )
    .await;
    assert_eq!(suspended.matching, 3);
    assert!(suspended
        .rows
        .iter()
        .all(|r| r.status == UserStatus::Suspended));

    let analysts = list(
        &browser,
        "acme",
        UserQuery {
            user_type: Some(UserType::Analyst),
            ..UserQuery::default()
        },
    )
    .await;
    assert!(analysts
        .rows
        .iter()
        .all(|r| r.user_type == UserType::Analyst));
    assert_eq!(analysts.matching, 19, "20 analysts, one of them suspended");

    let agents = list(
        &browser,
        "acme",
        UserQuery {
            role: Some(agent_role),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(agents.matching, 1);
    assert_eq!(agents.rows[0].email, "admin@acme.example");

    // Search: each word begins a name or the email, ignoring case; LIKE wildcards are literal.
    let by_email = list(
        &browser,
        "acme",
        UserQuery {
            search: "PERSON04".into(),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(
        by_email.matching, 9,
        "person040 is suspended: {:?}",
        by_email.rows
    );
    let by_names = list(
        &browser,
        "acme",
        UserQuery {
            search: "ada love".into(),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(by_names.matching, 1);
    let inside_a_word = list(
        &browser,
        "acme",
        UserQuery {
            search: "velace".into(),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(inside_a_word.matching, 0);
    let wildcard = list(
        &browser,
        "acme",
        UserQuery {
            search: "%".into(),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(wildcard.matching, 0);

    let by_email_desc = list(
        &browser,
        "acme",
        UserQuery::from_params(|k| match k {
            "sort" => Some("email".into()),
            "dir" => Some("desc".into()),
            _ => None,
        }),
    )
    .await;
    assert_eq!(by_email_desc.rows[0].email, "person059@acme.example");
}

async fn the_list_stays_inside_the_organisation_and_needs_permission(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let globex = app.organisation("globex").await;
    app.user(&acme, "admin@acme.example", PASSWORD).await;
    app.user_with(&acme, "agent@acme.example", PASSWORD, |u| {
        u.user_type = Set(UserType::Agent)
    })
    .await;
    app.many_users(&globex, 5, |_, _| {}).await;
    let admin = app.client();
    admin.sign_in("acme", "admin@acme.example", PASSWORD).await;
    let own = list(&admin, "acme", UserQuery::default()).await;
    assert_eq!(own.stats.total, 2);
    assert!(own.rows.iter().all(|r| r.email.ends_with("acme.example")));

    let other = admin
        .invoke(ListUsers {
            slug: "globex".into(),
            query: UserQuery::default(),
        })
        .await;
    assert_eq!(other.status, 401);
    assert_eq!(other.error(), AppError::Unauthenticated);
    let roles = admin
        .invoke(ListRoles {
            slug: "globex".into(),
        })
        .await;
    assert_eq!(roles.status, 401);

    let agent = app.client();
    agent.sign_in("acme", "agent@acme.example", PASSWORD).await;
    let refused = agent
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery::default(),
        })
        .await;
    assert_eq!(refused.status, 403);
    assert!(matches!(refused.error(), AppError::Forbidden(_)));
    assert_eq!(agent.get("/o/acme/users").await.status, 403);

    let anonymous = app.client();
    let refused = anonymous
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery::default(),
        })
        .await;
    assert_eq!(refused.status, 401);
}

async fn sign_in_order_puts_people_who_never_signed_in_last_when_newest_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.many_users(&acme, 3, |i, u| {
        u.last_login_at = Set(match i {
            0 => None,
            n => Some(chrono::Utc::now() - chrono::Duration::days(n as i64)),
        })
    })
    .await;
    app.user(&acme, "admin@acme.example", PASSWORD).await;
    let browser = app.client();
    browser
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    let newest_first = list(
        &browser,
        "acme",
        UserQuery {
            sort: app::model::users::UserSort::LastSignIn,
            descending: true,
            ..UserQuery::default()
        },
    )
    .await;
    let order: Vec<_> = newest_first.rows.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(
        order,
        [
            "admin@acme.example",
            "person001@acme.example",
            "person002@acme.example",
            "person000@acme.example"
        ]
    );
    let oldest_first = list(
        &browser,
        "acme",
        UserQuery {
            sort: app::model::users::UserSort::LastSignIn,
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(oldest_first.rows[0].email, "person000@acme.example");
}

async fn a_huge_organisation_is_counted_up_to_the_cap(backend: Backend) {
    use app::model::users::COUNT_CAP;
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.user(&acme, "admin@acme.example", PASSWORD).await;
    for batch in 0..2 {
        app.many_users(&acme, 1_000, |i, u| {
            let n = batch * 1_000 + i;
            u.email = Set(format!("bulk{n:05}@acme.example"));
        })
        .await;
    }
    let browser = app.client();
    browser
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    let page = list(&browser, "acme", UserQuery::default()).await;
    assert_eq!(page.stats.total, 2_001, "the stat cards count everyone");
    assert!(page.more_than_counted());
    assert_eq!(page.matching, COUNT_CAP + 1);
    assert_eq!(page.pages(), COUNT_CAP / 50);
    let narrowed = list(
        &browser,
        "acme",
        UserQuery {
            search: "bulk0100".into(),
            ..UserQuery::default()
        },
    )
    .await;
    assert_eq!(narrowed.matching, 10);
    assert!(!narrowed.more_than_counted());

    // More matches than the cap: the page comes from walking the sort order, still filtered.
    for (search, role) in [("bulk", None), ("", Some(agent_role(&app, &acme).await))] {
        let broad = list(
            &browser,
            "acme",
            UserQuery {
                search: search.into(),
                role,
                sort: app::model::users::UserSort::Email,
                descending: true,
                ..UserQuery::default()
            },
        )
        .await;
        assert!(broad.more_than_counted(), "{search:?} {role:?}");
        let emails: Vec<&str> = broad.rows.iter().map(|r| r.email.as_str()).collect();
        assert_eq!(emails.len(), 50);
        assert_eq!(emails[0], "bulk01999@acme.example");
        assert!(emails.windows(2).all(|w| w[0] > w[1]), "{emails:?}");
    }
}

/// More matches than the count reaches, all of them far along the sort order: the page must be
/// exactly the matches' own first, or twentieth, fifty, however the list finds them (on
/// PostgreSQL a short walk of the sort order finds none, and the word index's matches are sorted
/// instead).
async fn a_broad_search_far_along_the_sort_order_finds_every_page(backend: Backend) {
    use app::model::users::UserSort;
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.user(&acme, "admin@acme.example", PASSWORD).await;
    for (word, count) in [("Able", 1_000), ("Baker", 1_200), ("Zed", 1_100)] {
        app.many_users(&acme, count, |i, u| {
            u.last_name = Set(format!("{word}{i:05}"));
            u.email = Set(format!("{}{i:05}@acme.example", word.to_lowercase()));
        })
        .await;
    }
    let browser = app.client();
    browser
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    for (page, descending, first) in [
        (1, false, "Zed00000"),
        (20, false, "Zed00950"),
        (2, true, "Zed01049"),
    ] {
        let found = list(
            &browser,
            "acme",
            UserQuery {
                search: "ze".into(),
                sort: UserSort::Name,
                descending,
                page,
                ..UserQuery::default()
            },
        )
        .await;
        assert!(found.more_than_counted(), "page {page}");
        let names: Vec<&str> = found.rows.iter().map(|r| r.last_name.as_str()).collect();
        assert_eq!(names.len(), 50, "page {page}");
        assert_eq!(names[0], first, "page {page}");
        assert!(
            names.windows(2).all(|w| (w[0] < w[1]) != descending),
            "{names:?}"
        );
        assert!(names.iter().all(|n| n.starts_with("Zed")), "{names:?}");
    }
}

/// The organisation's Agent role, given to every user whose email starts with "bulk".
async fn agent_role(app: &TestApp, org: &app::entities::organisation::Model) -> Uuid {
    use app::entities::user;
    let role = app.role(org, RoleTemplate::Agent).await;
    let holders = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org.id))
        .filter(user::Column::Email.starts_with("bulk"))
        .all(app.db())
        .await
        .expect("users");
    user_role::Entity::insert_many(holders.iter().map(|u| user_role::ActiveModel {
        user_id: Set(u.id),
        role_id: Set(role),
    }))
    .exec_without_returning(app.db())
    .await
    .expect("roles");
    role
}

async fn the_search_follows_renames_and_removals(backend: Backend) {
    use app::entities::user;
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let globex = app.organisation("globex").await;
    let admin = app
        .user_with(&acme, "admin@acme.example", PASSWORD, |u| {
            u.first_name = Set("Grace".into());
            u.last_name = Set("Hopper".into());
        })
        .await;
    app.user(&globex, "ada.lovelace@globex.example", PASSWORD)
        .await;
    app.many_users(&acme, 3, |i, u| {
        u.email = Set(format!("member{i}@acme.example"));
    })
    .await;
    let browser = app.client();
    browser
        .sign_in("acme", "admin@acme.example", PASSWORD)
        .await;
    let search = |words: &str| {
        let browser = &browser;
        let words = words.to_string();
        async move {
            list(
                browser,
                "acme",
                UserQuery {
                    search: words,
                    ..UserQuery::default()
                },
            )
            .await
            .rows
            .into_iter()
            .map(|r| r.email)
            .collect::<Vec<_>>()
        }
    };
    assert!(search("ada").await.is_empty(), "another organisation's Ada");
    let member = user::Entity::find()
        .filter(user::Column::Email.eq("member1@acme.example"))
        .one(app.db())
        .await
        .expect("query")
        .expect("member");
    let mut renamed: user::ActiveModel = member.clone().into();
    renamed.first_name = Set("Ada".into());
    renamed.last_name = Set("King-Lovelace".into());
    renamed.email = Set("countess@acme.example".into());
    renamed.update(app.db()).await.expect("rename");
    assert_eq!(search("ada").await, ["countess@acme.example"]);
    assert_eq!(search("lovelace ADA").await, ["countess@acme.example"]);
    assert_eq!(search("king-l").await, ["countess@acme.example"]);
    assert_eq!(search("countess@acme").await, ["countess@acme.example"]);
    assert!(search("member1").await.is_empty(), "the old email is gone");
    assert_eq!(search("acme").await.len(), 4, "every word of the address");
    user::Entity::delete_by_id(member.id)
        .exec(app.db())
        .await
        .expect("delete");
    assert!(search("ada").await.is_empty());
    assert_eq!(search("admin").await, [admin.email]);
}

async fn the_stat_cards_follow_status_changes_and_removals(backend: Backend) {
    use app::{entities::user, services::users::stats};
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let globex = app.organisation("globex").await;
    // One statement inserts people of two statuses; another deletes two people of two statuses.
    app.many_users(&acme, 5, |i, u| {
        if i == 4 {
            u.status = sea_orm::ActiveValue::Set(UserStatus::Invited);
        }
    })
    .await;
    app.many_users(&globex, 2, |_, _| {}).await;
    let counts = |org| {
        let db = app.db().clone();
        async move { stats(&db, org).await.unwrap() }
    };
    let before = counts(acme.id).await;
    assert_eq!((before.active, before.invited), (4, 1));
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(UserStatus::Suspended))
        .filter(user::Column::Email.is_in(["person000@acme.example", "person001@acme.example"]))
        .exec(app.db())
        .await
        .unwrap();
    // Unchanged status: nothing moves.
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(UserStatus::Active))
        .filter(user::Column::Email.eq("person002@acme.example"))
        .exec(app.db())
        .await
        .unwrap();
    user::Entity::delete_many()
        .filter(user::Column::Email.is_in(["person003@acme.example", "person004@acme.example"]))
        .exec(app.db())
        .await
        .unwrap();
    let after = counts(acme.id).await;
    assert_eq!(
        (after.total, after.active, after.suspended, after.invited),
        (3, 1, 2, 0)
    );
    let other = counts(globex.id).await;
    assert_eq!((other.total, other.active), (2, 2));
}

/// A status the code does not know (written by hand, or by a newer version) is read as an error,
/// never silently as some other status.
async fn an_unknown_stored_status_is_an_error_not_a_guess(backend: Backend) {
    use app::entities::user;
    use sea_orm::{
        sea_query::{ExprTrait, Query},
        ConnectionTrait,
    };
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let admin = app.user(&acme, "admin@acme.example", PASSWORD).await;
    let odd = app.user(&acme, "odd@acme.example", PASSWORD).await;
    let write = Query::update()
        .table(user::Entity)
        .value(user::Column::Status, "frozen")
        .and_where(Expr::col(user::Column::Id).eq(odd.id))
        .to_owned();
    app.db().execute(&write).await.unwrap();
    let read = user::Entity::find_by_id(odd.id).one(app.db()).await;
    let error = read
        .expect_err("an unknown status must not decode")
        .to_string();
    assert!(
        error.contains("frozen"),
        "the error names the value: {error}"
    );
    // The page reading it answers with an error the log can trace, not a wrong badge.
    let browser = app.client();
    browser.sign_in("acme", &admin.email, PASSWORD).await;
    let answer = browser
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery::default(),
        })
        .await;
    assert_eq!(answer.status, 500, "{}", answer.body);
}

/// The role filter follows every way a role changes hands: a grant, a removal, a role deleted
/// with its grants, a person removed (on PostgreSQL it reads `users.role_ids`, kept by triggers).
async fn the_role_filter_follows_grants_removals_and_deleted_roles(backend: Backend) {
    use app::entities::{role, user};
    use migration::{Migrator, MigratorTrait};
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let admin = app.user(&acme, "admin@acme.example", PASSWORD).await;
    let ada = app.user(&acme, "ada@acme.example", PASSWORD).await;
    let bob = app.user(&acme, "bob@acme.example", PASSWORD).await;
    let agent = app.role(&acme, RoleTemplate::Agent).await;
    let viewer = app.role(&acme, RoleTemplate::Viewer).await;
    let grant = |user_id, role_id| user_role::ActiveModel {
        user_id: Set(user_id),
        role_id: Set(role_id),
    };
    // Granted before migration 19 kept the roles on the row: migrating up copies them there.
    let after_18 = Migrator::migrations().len() - 18;
    Migrator::down(app.db(), Some(after_18 as u32))
        .await
        .unwrap();
    user_role::Entity::insert_many([
        grant(ada.id, agent),
        grant(bob.id, agent),
        grant(ada.id, viewer),
    ])
    .exec_without_returning(app.db())
    .await
    .unwrap();
    Migrator::up(app.db(), None).await.unwrap();
    let browser = app.client();
    browser.sign_in("acme", &admin.email, PASSWORD).await;
    let holders = |role| {
        let browser = &browser;
        async move {
            let found = list(
                browser,
                "acme",
                UserQuery {
                    role: Some(role),
                    ..UserQuery::default()
                },
            )
            .await;
            let mut emails: Vec<String> = found.rows.into_iter().map(|r| r.email).collect();
            emails.sort();
            (found.matching, emails)
        }
    };
    assert_eq!(
        holders(agent).await,
        (
            2,
            vec![
                "ada@acme.example".to_string(),
                "bob@acme.example".to_string()
            ]
        )
    );
    assert_eq!(
        holders(viewer).await,
        (1, vec!["ada@acme.example".to_string()])
    );

    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(bob.id))
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(
        holders(agent).await,
        (1, vec!["ada@acme.example".to_string()])
    );

    // A deleted role takes its grants along; the person keeps the others.
    role::Entity::delete_by_id(viewer)
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(holders(viewer).await.0, 0);
    assert_eq!(
        holders(agent).await,
        (1, vec!["ada@acme.example".to_string()])
    );

    user::Entity::delete_by_id(ada.id)
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(holders(agent).await, (0, vec![]));
}

/// The ids of `person`'s roles as PostgreSQL's `users.role_ids` holds them, comma-separated.
async fn stored_role_ids(db: &impl sea_orm::ConnectionTrait, person: Uuid) -> String {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT array_to_string(role_ids, ',') FROM users WHERE id = '{person}'"),
        ))
        .await
        .unwrap()
        .expect("the person's row");
    row.try_get_by_index(0).unwrap()
}

/// PostgreSQL: two transactions granting one person a role each at the same time both reach the
/// role filter. The trigger keeping `users.role_ids` locks the person's row before it reads the
/// grants; without that, the later transaction rebuilt the array from a snapshot without the
/// earlier grant and dropped it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_grants_at_once_to_one_person_both_reach_the_role_filter() {
    use sea_orm::TransactionTrait;
    let app = TestApp::start(Backend::Postgres).await;
    let acme = app.organisation("acme").await;
    let person = app.user(&acme, "person@acme.example", PASSWORD).await;
    let agent = app.role(&acme, RoleTemplate::Agent).await;
    let viewer = app.role(&acme, RoleTemplate::Viewer).await;
    let grant = move |role_id| user_role::ActiveModel {
        user_id: Set(person.id),
        role_id: Set(role_id),
    };
    let first = app.db().begin().await.unwrap();
    user_role::Entity::insert(grant(agent))
        .exec_without_returning(&first)
        .await
        .unwrap();
    let db = app.db().clone();
    let second = tokio::spawn(async move {
        let txn = db.begin().await?;
        user_role::Entity::insert(grant(viewer))
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await
    });
    // The second grant waits for the first transaction's lock on the person's row.
    let waiting = sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    let mut polls = 0;
    loop {
        let row = app
            .db()
            .query_one_raw(waiting.clone())
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() > 0 {
            break;
        }
        polls += 1;
        assert!(polls < 3_000, "the second grant never waited for the first");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    first.commit().await.unwrap();
    second.await.unwrap().unwrap();
    let mut both = [agent.to_string(), viewer.to_string()];
    both.sort();
    assert_eq!(stored_role_ids(app.db(), person.id).await, both.join(","));
}
