//! Many people at once: inviting from a CSV file (reviewed first, everyone or nobody) and
//! suspending a selection (everyone or nobody, each refusal named).

use crate::{
    fixtures::{accepting, acme, audit_actions, custom_role, find_user, member, token_of, Acme},
    on_both_databases,
    support::{Answer, Backend, Client},
};
use app::api::accounts::{ImportUsers, SuspendUsers, UpdateUsers};
use app::api::auth::SignedInUser;
use app::api::teams::CreateTeam;
use app::model::import::ImportRequest;
use app::model::{bulk::BulkChange, teams::TeamForm};
use app::{
    entities::{team_member, user, user_role},
    model::{import::ImportReview, AppError, Permission, RoleTemplate, UserStatus, UserType},
};
use sea_orm::prelude::*;

on_both_databases!(
    a_csv_file_is_reviewed_then_invites_everyone_or_nobody,
    an_import_gives_only_what_the_importer_holds,
    a_malformed_file_is_refused_with_a_reason,
    a_bulk_suspension_is_all_or_nothing,
    bulk_changes_give_and_take_roles_teams_and_access_all_or_nothing,
    people_join_teams_when_invited_and_imported,
);

async fn import(client: &Client, csv: &str, send: bool) -> Answer {
    client
        .invoke(ImportUsers {
            slug: "acme".into(),
            request: ImportRequest {
                csv: csv.to_string(),
                send,
            },
        })
        .await
}

async fn people(a: &Acme) -> u64 {
    user::Entity::find()
        .filter(user::Column::OrganisationId.eq(a.acme.id))
        .count(a.app.db())
        .await
        .unwrap()
}

const GOOD: &str = "email,first_name,last_name,roles,user_type,timezone\n\
    grace@acme.example,Grace,Hopper,Agent,,Europe/London\n\
    \"alan@acme.example\",Alan,Turing,Agent; Viewer; agent,Supervisor,\n\
    edsger@acme.example,Edsger,Dijkstra,viewer,analyst,\n";

async fn a_csv_file_is_reviewed_then_invites_everyone_or_nobody(backend: Backend) {
    let a = acme(backend).await;
    let before = people(&a).await;
    let bad = format!(
        "{GOOD}\
        not-an-address,Bad,Email,Agent,,\n\
        ada@acme.example,Ada,Again,Agent,,\n\
        Grace@Acme.example,Grace,Twice,Agent,,\n\
        ken@acme.example,Ken,,Janitor,wizard,Mars/Olympus\n"
    );
    // The review names every problem by line and writes nothing.
    let review: ImportReview = import(&a.admin, &bad, false).await.json();
    assert_eq!((review.rows, review.ready), (7, 3));
    assert_eq!(review.preview.len(), 3);
    assert_eq!(review.preview[1].roles, ["Agent", "Viewer"]);
    assert_eq!(
        review.preview[1].user_type,
        app::model::UserType::Supervisor
    );
    let lines: Vec<usize> = review.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [5, 6, 7, 8]);
    let said = |line: usize| review.problems[line - 5].problems.join(" | ");
    assert!(said(5).contains("email"), "{}", said(5));
    assert!(said(6).contains("already belongs"), "{}", said(6));
    assert!(said(7).contains("line 2"), "{}", said(7));
    let ken = said(8);
    for expected in [
        "last name",
        "no role named \"Janitor\"",
        "user type",
        "time zone",
    ] {
        assert!(ken.contains(expected), "{expected}: {ken}");
    }
    // Sending a file with problems invites nobody.
    let refused: ImportReview = import(&a.admin, &bad, true).await.json();
    assert_eq!(refused.invited, 0);
    assert_eq!(people(&a).await, before);
    assert!(a.app.smtp.messages().is_empty());

    // The corrected file invites everyone, each with their roles, link, email and audit entry.
    let done: ImportReview = import(&a.admin, GOOD, true).await.json();
    assert_eq!(done.invited, 3);
    assert_eq!(people(&a).await, before + 3);
    let alan = user::Entity::find()
        .filter(user::Column::Email.eq("alan@acme.example"))
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alan.status, UserStatus::Invited);
    assert_eq!(alan.user_type, UserType::Supervisor);
    let roles = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(alan.id))
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(roles, 2);
    assert_eq!(audit_actions(&a.app, alan.id).await, ["user.invited"]);
    for to in ["grace@acme.example", "edsger@acme.example"] {
        a.app.smtp.message_to(to).await;
    }
    let mail = a.app.smtp.message_to("alan@acme.example").await;
    assert!(mail.text.contains("Hello Alan,"), "{}", mail.text);
    let link = mail.link(&format!("{}/invitation?token=", a.app.base));
    let accepted = a.app.client().invoke(accepting(&token_of(&link))).await;
    assert_eq!(
        accepted.location().as_deref(),
        Some("/o/acme"),
        "{accepted:?}"
    );
    assert_eq!(
        find_user(&a.app, alan.id).await.unwrap().status,
        UserStatus::Active
    );
    // The same file again: everyone is already there.
    let again: ImportReview = import(&a.admin, GOOD, true).await.json();
    assert_eq!((again.invited, again.problems.len()), (0, 3));
}

async fn an_import_gives_only_what_the_importer_holds(backend: Backend) {
    let a = acme(backend).await;
    let inviter = custom_role(
        &a.app,
        &a.acme,
        "Inviter",
        &[
            Permission::UsersView,
            Permission::UsersInvite,
            Permission::TicketsViewAll,
        ],
    )
    .await;
    let (_, max) = member(&a.app, &a.acme, "max@acme.example", &[inviter]).await;
    let before = people(&a).await;
    let review: ImportReview = import(
        &max,
        "email,first_name,last_name,roles,user_type\n\
         eve@acme.example,Eve,Agent,Agent,agent\n\
         boss@acme.example,Big,Boss,Admin,agent\n\
         root@acme.example,Root,Admin,Agent,tenant_admin\n",
        true,
    )
    .await
    .json();
    assert_eq!(review.invited, 0);
    assert_eq!(review.ready, 1);
    let problems: Vec<String> = review
        .problems
        .iter()
        .map(|p| p.problems.join(" "))
        .collect();
    assert!(problems[0].contains("the role \"Admin\""), "{problems:?}");
    assert!(problems[1].contains("tenant admin"), "{problems:?}");
    assert_eq!(people(&a).await, before);

    // Someone who may not invite may not import.
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let (_, vic) = member(&a.app, &a.acme, "vic@acme.example", &[viewer]).await;
    assert_eq!(import(&vic, GOOD, false).await.status, 403);
}

async fn a_malformed_file_is_refused_with_a_reason(backend: Backend) {
    let a = acme(backend).await;
    for (csv, expected) in [
        ("", "missing: email"),
        ("email,first_name,last_name,roles\n\n", "no people"),
        ("email,name\nada@x.example,Ada\n", "\"name\""),
        ("email,first_name,roles\n", "missing: last_name"),
    ] {
        let answer = import(&a.admin, csv, false).await;
        assert_eq!(answer.status, 422, "{csv}: {}", answer.body);
        let message = answer.error().field_message("csv").unwrap_or_default();
        assert!(message.contains(expected), "{csv}: {message}");
    }
    let huge = "x".repeat(app::model::import::IMPORT_MAX_BYTES + 1);
    let answer = import(&a.admin, &huge, false).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer
        .error()
        .field_message("csv")
        .is_some_and(|m| m.contains("at most 4 MB")));
}

async fn a_bulk_suspension_is_all_or_nothing(backend: Backend) {
    let a = acme(backend).await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let (grace, grace_browser) = member(&a.app, &a.acme, "grace@acme.example", &[agent]).await;
    let (lin, _) = member(&a.app, &a.acme, "lin@acme.example", &[agent]).await;
    let suspend = |ids: Vec<Uuid>| {
        let admin = a.admin.clone();
        async move {
            admin
                .invoke(SuspendUsers {
                    slug: "acme".into(),
                    ids,
                })
                .await
        }
    };
    // Ada among the selection: nobody is suspended, and the answer says why.
    let refused = suspend(vec![grace.id, a.ada.id, lin.id]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(matches!(
        refused.error(),
        AppError::Conflict(ref m) if m.starts_with("Nobody was suspended") && m.contains("suspend yourself")
    ));
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().status,
        UserStatus::Active
    );
    let none = suspend(Vec::new()).await;
    assert_eq!(none.status, 422);

    let done = suspend(vec![grace.id, lin.id]).await;
    assert_eq!(done.json::<usize>(), 2);
    for id in [grace.id, lin.id] {
        assert_eq!(
            find_user(&a.app, id).await.unwrap().status,
            UserStatus::Suspended
        );
        assert_eq!(audit_actions(&a.app, id).await, ["user.suspended"]);
    }
    let session = grace_browser
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(session.status, 401, "sessions end at once");
    // Already suspended: nothing to do, no error.
    assert_eq!(suspend(vec![grace.id]).await.json::<usize>(), 0);
    // Only with the suspend permission.
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let (_, vic) = member(&a.app, &a.acme, "vic@acme.example", &[viewer]).await;
    let denied = vic
        .invoke(SuspendUsers {
            slug: "acme".into(),
            ids: vec![lin.id],
        })
        .await;
    assert_eq!(denied.status, 403);
}

async fn bulk_changes_give_and_take_roles_teams_and_access_all_or_nothing(backend: Backend) {
    let a = acme(backend).await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let (grace, _) = member(&a.app, &a.acme, "grace@acme.example", &[agent]).await;
    let (lin, _) = member(&a.app, &a.acme, "lin@acme.example", &[agent]).await;
    let (kim, _) = member(&a.app, &a.acme, "kim@acme.example", &[]).await;
    let change = |ids: Vec<Uuid>, change: BulkChange| {
        let admin = a.admin.clone();
        async move {
            admin
                .invoke(UpdateUsers {
                    slug: "acme".into(),
                    ids,
                    change,
                })
                .await
        }
    };
    let roles_of = |id: Uuid| {
        let db = a.app.db().clone();
        async move {
            user_role::Entity::find()
                .filter(user_role::Column::UserId.eq(id))
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.role_id)
                .collect::<Vec<_>>()
        }
    };

    // Ada among them: her own roles are not hers to change, so nobody's are; the answer says who.
    let refused = change(
        vec![grace.id, a.ada.id, lin.id],
        BulkChange::AddRole(viewer),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(matches!(
        refused.error(),
        AppError::Conflict(ref m) if m.starts_with("Nobody was changed") && m.contains("Ada Lovelace:")
    ));
    assert_eq!(roles_of(grace.id).await, [agent]);

    // Given to those without it, once each, each audited.
    let added = change(vec![grace.id, lin.id, kim.id], BulkChange::AddRole(viewer)).await;
    assert_eq!(added.json::<usize>(), 3);
    for id in [grace.id, lin.id] {
        let mut held = roles_of(id).await;
        held.sort();
        let mut expected = vec![agent, viewer];
        expected.sort();
        assert_eq!(held, expected);
        assert_eq!(audit_actions(&a.app, id).await, ["user.updated"]);
    }
    let removed = change(vec![grace.id, kim.id], BulkChange::RemoveRole(agent)).await;
    // Kim never held it.
    assert_eq!(removed.json::<usize>(), 1);
    assert_eq!(roles_of(grace.id).await, [viewer]);

    // A team, as members.
    let team: Uuid = a
        .admin
        .invoke(CreateTeam {
            slug: "acme".into(),
            team: TeamForm {
                name: "Night shift".into(),
                description: String::new(),
            },
        })
        .await
        .json();
    let joined = change(vec![grace.id, lin.id], BulkChange::AddToTeam(team)).await;
    assert_eq!(joined.json::<usize>(), 2);
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team))
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(members, 2);
    assert_eq!(
        audit_actions(&a.app, lin.id).await,
        ["user.updated", "team.member_set"]
    );

    // Reactivation: the suspended come back, the others are left as they are.
    let suspended = a
        .admin
        .invoke(SuspendUsers {
            slug: "acme".into(),
            ids: vec![grace.id, lin.id],
        })
        .await;
    assert_eq!(suspended.json::<usize>(), 2);
    let back = change(vec![grace.id, lin.id, kim.id], BulkChange::Reactivate).await;
    assert_eq!(back.json::<usize>(), 2);
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().status,
        UserStatus::Active
    );

    // Someone who may only look is refused at once; so is an empty selection.
    let (_, val) = member(&a.app, &a.acme, "val@acme.example", &[viewer]).await;
    let denied = val
        .invoke(UpdateUsers {
            slug: "acme".into(),
            ids: vec![kim.id],
            change: BulkChange::AddRole(viewer),
        })
        .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(change(Vec::new(), BulkChange::Reactivate).await.status, 422);
}

async fn people_join_teams_when_invited_and_imported(backend: Backend) {
    let a = acme(backend).await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let team: Uuid = a
        .admin
        .invoke(CreateTeam {
            slug: "acme".into(),
            team: TeamForm {
                name: "Night shift".into(),
                description: String::new(),
            },
        })
        .await
        .json();
    let members = || {
        let db = a.app.db().clone();
        async move {
            team_member::Entity::find()
                .filter(team_member::Column::TeamId.eq(team))
                .count(&db)
                .await
                .unwrap()
        }
    };
    // Invited into the team: the person and the membership together.
    let mut add = crate::fixtures::new_account(
        "grace@acme.example",
        &[agent],
        UserType::Agent,
        app::model::account::Onboarding::Invitation,
    );
    add.account.teams = vec![team];
    let added: app::model::account::Added = a.admin.invoke(add.clone()).await.json();
    assert_eq!(members().await, 1);
    assert_eq!(
        audit_actions(&a.app, added.user_id).await,
        ["user.invited", "team.member_set"]
    );
    // A team that is not there: nobody is added.
    add.account.form.email = "alan@acme.example".into();
    add.account.teams = vec![Uuid::new_v4()];
    let refused = a.admin.invoke(add).await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert_eq!(people(&a).await, 2);

    // A file naming teams: an unknown one is a problem of its line; then everyone joins.
    let file = "email,first_name,last_name,roles,teams\n\
        lin@acme.example,Lin,Chen,Agent,Night shift\n\
        kim@acme.example,Kim,Lee,Agent,night SHIFT; Day shift\n";
    let review: ImportReview = import(&a.admin, file, true).await.json();
    assert_eq!(review.invited, 0);
    assert_eq!(review.problems.len(), 1);
    assert!(review.problems[0].problems[0].contains("Day shift"));
    let fixed = file.replace("; Day shift", "");
    let done: ImportReview = import(&a.admin, &fixed, true).await.json();
    assert_eq!(done.invited, 2);
    assert_eq!(members().await, 3);
}
