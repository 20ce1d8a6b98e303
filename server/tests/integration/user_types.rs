//! Giving someone a new user type: the old account suspended and linked to its replacement, the
//! new one invited with the same address, roles and teams; refused to oneself, for the same
//! type, and to whoever may not both invite and suspend.

use crate::{
    fixtures::{acme, audit_actions, find_user, member, outbox_row, Acme},
    on_both_databases,
    support::Backend,
};
use app::{
    api::{accounts::GiveNewUserType, teams::CreateTeam, teams::SetTeamMember},
    entities::{team_member, user, user_role},
    model::{account::Added, teams::TeamForm, teams::TeamRole, RoleTemplate, UserStatus, UserType},
    services::people::find_user_by_email,
};
use sea_orm::prelude::*;

on_both_databases!(a_new_user_type_replaces_the_account_and_invites_again);

async fn a_new_user_type_replaces_the_account_and_invites_again(backend: Backend) {
    let a = acme(backend).await;
    let Acme {
        app, admin, ada, ..
    } = &a;
    let agent = app.role(&a.acme, RoleTemplate::Agent).await;
    let (kim, kim_browser) = member(app, &a.acme, "kim@acme.example", &[agent]).await;
    let team: Uuid = admin
        .invoke(CreateTeam {
            slug: "acme".into(),
            team: TeamForm {
                name: "Night shift".into(),
                description: String::new(),
            },
        })
        .await
        .json();
    let joined = admin
        .invoke(SetTeamMember {
            slug: "acme".into(),
            id: team,
            user_id: kim.id,
            role: TeamRole::Manager,
        })
        .await;
    assert_eq!(joined.status, 200, "{}", joined.body);
    let retype = |id: Uuid, user_type: UserType| GiveNewUserType {
        slug: "acme".into(),
        id,
        user_type,
    };

    // The same type, or oneself: refused, with the reason.
    let same = admin.invoke(retype(kim.id, UserType::Agent)).await;
    assert_eq!(same.status, 422, "{}", same.body);
    assert!(
        same.body.contains("choose another user type"),
        "{}",
        same.body
    );
    let own = admin.invoke(retype(ada.id, UserType::Viewer)).await;
    assert_eq!(own.status, 403, "{}", own.body);

    let added: Added = admin
        .invoke(retype(kim.id, UserType::Supervisor))
        .await
        .json();
    assert_ne!(added.user_id, kim.id);
    let old = find_user(app, kim.id).await.unwrap();
    assert_eq!(old.status, UserStatus::Suspended);
    assert_eq!(old.replaced_by, Some(added.user_id));
    let new = find_user(app, added.user_id).await.unwrap();
    assert_eq!(
        (new.email.as_str(), new.user_type, new.status),
        (
            "kim@acme.example",
            UserType::Supervisor,
            UserStatus::Invited
        )
    );
    // Same roles and teams; the address now finds the new account; the old one is signed out.
    let roles: Vec<Uuid> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(new.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.role_id)
        .collect();
    assert_eq!(roles, [agent]);
    let membership = team_member::Entity::find_by_id((team, new.id))
        .one(app.db())
        .await
        .unwrap()
        .expect("in the team");
    assert_eq!(membership.role, TeamRole::Manager);
    let found = find_user_by_email(app.db(), a.acme.id, "KIM@acme.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, new.id);
    let me = kim_browser
        .call("session/current", &[("slug", "acme")])
        .await;
    assert_eq!(me.status, 401);
    // Linked both ways in the trail, and invited again.
    assert_eq!(
        audit_actions(app, kim.id).await,
        ["team.member_set", "user.suspended", "user.type_changed"]
    );
    assert_eq!(audit_actions(app, new.id).await, ["user.invited"]);
    assert!(outbox_row(app, "kim@acme.example")
        .await
        .subject
        .contains("invit"));
    // Once replaced, not again; a viewer may do none of it.
    let again = admin.invoke(retype(kim.id, UserType::Viewer)).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let viewer = app.role(&a.acme, RoleTemplate::Viewer).await;
    let (_, val) = member(app, &a.acme, "val@acme.example", &[viewer]).await;
    let refused = val.invoke(retype(new.id, UserType::Agent)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let people = user::Entity::find()
        .filter(user::Column::Email.eq("kim@acme.example"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(people, 2, "the old account keeps its history");
}
