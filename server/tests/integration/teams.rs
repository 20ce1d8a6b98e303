//! Teams: created by those who manage teams; members and managers; a team's managers change its
//! members and signature without being administrators; suspended people cannot join; all of it
//! belongs to the Helpdesk feature.

use crate::{
    fixtures::{acme, member, Acme},
    on_both_databases,
    support::Backend,
    support::Client,
};
use app::{
    api::teams::{
        CreateTeam, DeleteTeam, GetTeam, ListTeams, RemoveTeamMember, SetTeamMember,
        SetTeamSignature, TeamsOfPerson, UpdateTeam,
    },
    model::{
        teams::{PersonTeam, TeamDetail, TeamForm, TeamRole, TeamSummary},
        AppError, UserStatus,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set, IntoActiveModel};

on_both_databases!(
    teams_are_created_and_their_members_managed,
    teams_need_the_helpdesk_feature,
);

async fn team(client: &Client, id: Uuid) -> TeamDetail {
    client
        .invoke(GetTeam {
            slug: "acme".into(),
            id,
        })
        .await
        .json()
}

fn set_member(id: Uuid, user_id: Uuid, role: TeamRole) -> SetTeamMember {
    SetTeamMember {
        slug: "acme".into(),
        id,
        user_id,
        role,
    }
}

fn team_form(name: &str, description: &str) -> TeamForm {
    TeamForm {
        name: name.into(),
        description: description.into(),
    }
}

fn create(name: &str, description: &str) -> CreateTeam {
    CreateTeam {
        slug: "acme".into(),
        team: team_form(name, description),
    }
}

fn list() -> ListTeams {
    ListTeams {
        slug: "acme".into(),
    }
}

fn signature(id: Uuid, signature: &str, version: i32) -> SetTeamSignature {
    SetTeamSignature {
        slug: "acme".into(),
        id,
        signature: signature.into(),
        version,
    }
}

fn remove(id: Uuid, user_id: Uuid) -> RemoveTeamMember {
    RemoveTeamMember {
        slug: "acme".into(),
        id,
        user_id,
    }
}

fn delete(id: Uuid) -> DeleteTeam {
    DeleteTeam {
        slug: "acme".into(),
        id,
    }
}

async fn teams_are_created_and_their_members_managed(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let created = admin
        .invoke(create("Billing", "Invoices and refunds"))
        .await;
    let id: Uuid = created.json();
    let again = admin.invoke(create("billing", "")).await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(again
        .error()
        .field_message("name")
        .is_some_and(|m| m.contains("already a team")));

    let (grace, grace_client) = member(&app, &acme, "grace@acme.example", &[]).await;
    let (linus, lead) = member(&app, &acme, "linus@acme.example", &[]).await;
    let (ken, _) = member(&app, &acme, "ken@acme.example", &[]).await;
    let (sue, _) = member(&app, &acme, "sue@acme.example", &[]).await;
    let mut suspended = sue.clone().into_active_model();
    suspended.status = Set(UserStatus::Suspended);
    suspended.update(app.db()).await.unwrap();

    for (who, role) in [(grace.id, TeamRole::Member), (linus.id, TeamRole::Manager)] {
        let added = admin.invoke(set_member(id, who, role)).await;
        assert_eq!(added.status, 200, "{}", added.body);
    }
    let refused = admin.invoke(set_member(id, sue.id, TeamRole::Member)).await;
    assert_eq!(refused.status, 422);
    assert!(refused
        .error()
        .field_message("member")
        .is_some_and(|m| m.contains("suspended")));
    let listed: Vec<TeamSummary> = admin.invoke(list()).await.json();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].members, 2);
    // (Everyone `member` creates is called Ada Lovelace.)
    assert_eq!(listed[0].managers, ["Ada Lovelace"]);
    // Without the people list, a person sees only the teams they belong to.
    let other = admin.invoke(create("Shipping", "")).await;
    assert_eq!(other.status, 200, "{}", other.body);
    let hers: Vec<TeamSummary> = grace_client.invoke(list()).await.json();
    assert_eq!(
        hers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Billing"]
    );
    let everyone: Vec<TeamSummary> = admin.invoke(list()).await.json();
    assert_eq!(everyone.len(), 2);
    // A person's page lists their teams and those they may be added to.
    let of_grace = |client: &Client| {
        let client = client.clone();
        let user_id = grace.id;
        async move {
            client
                .invoke(TeamsOfPerson {
                    slug: "acme".into(),
                    user_id,
                })
                .await
        }
    };
    let hers: Vec<PersonTeam> = of_grace(&admin).await.json();
    let summary: Vec<(&str, Option<TeamRole>, bool)> = hers
        .iter()
        .map(|t| (t.name.as_str(), t.role, t.can_change))
        .collect();
    assert_eq!(
        summary,
        [
            ("Billing", Some(TeamRole::Member), true),
            ("Shipping", None, true)
        ]
    );
    // Without the people list, no one's page: not even a team's manager.
    assert_eq!(of_grace(&lead).await.status, 403);

    // Linus manages Billing without managing teams: members and signature, nothing more.
    let mine = team(&lead, id).await;
    assert!(mine.can_manage_members && !mine.can_manage_teams);
    let added = lead.invoke(set_member(id, ken.id, TeamRole::Member)).await;
    assert_eq!(added.status, 200, "{}", added.body);
    let version = team(&lead, id).await.version;
    let unknown = lead
        .invoke(signature(id, "Thanks,\n{agent_nickname}", version))
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown
        .error()
        .field_message("signature")
        .is_some_and(|m| m.contains("{agent_nickname}")));
    let signed = lead
        .invoke(signature(id, "Thanks,\n{agent_name}\n{team_name}", version))
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let stale = lead.invoke(signature(id, "Old", version)).await;
    assert_eq!(stale.status, 409, "a save from before the last change");
    for refused in [
        lead.invoke(set_member(id, grace.id, TeamRole::Manager))
            .await,
        lead.invoke(UpdateTeam {
            slug: "acme".into(),
            id,
            team: team_form("Mine", ""),
            version: team(&lead, id).await.version,
        })
        .await,
        lead.invoke(delete(id)).await,
    ] {
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    // Grace is only a member: she can read the team, not change it.
    let refused = grace_client.invoke(remove(id, ken.id)).await;
    assert_eq!(refused.status, 403);
    let removed = lead.invoke(remove(id, ken.id)).await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let detail = team(&admin, id).await;
    let mut names: Vec<(&str, TeamRole)> = detail
        .members
        .iter()
        .map(|m| (m.email.as_str(), m.role))
        .collect();
    names.sort_by_key(|(email, _)| *email);
    assert_eq!(
        names,
        [
            ("grace@acme.example", TeamRole::Member),
            ("linus@acme.example", TeamRole::Manager)
        ]
    );
    assert!(detail.signature.contains("{agent_name}"));

    let deleted = admin.invoke(delete(id)).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let gone = admin
        .invoke(GetTeam {
            slug: "acme".into(),
            id,
        })
        .await;
    assert_eq!(gone.status, 404);
}

async fn teams_need_the_helpdesk_feature(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    app.restrict_features(&acme, &["crm"]).await;
    for answer in [
        admin.invoke(list()).await,
        admin.invoke(create("Billing", "")).await,
    ] {
        assert_eq!(answer.status, 403, "{}", answer.body);
        match answer.error() {
            AppError::Forbidden(message) => {
                assert!(message.contains("Helpdesk feature"), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
}
