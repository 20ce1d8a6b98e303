//! The audit trail's one shape: every entry's changes are `{field: {before, after}}`, whoever
//! wrote them; a team membership change keeps the previous role; deleting a role writes an entry
//! for each person whose roles changed; entries of the older shapes are rewritten by migration 14.

use crate::{
    fixtures::{acme, custom_role, member, Acme},
    on_both_databases,
    support::Backend,
};
use app::{
    api::{
        roles::DeleteRole,
        teams::{CreateTeam, RemoveTeamMember, SetTeamMember},
    },
    entities::audit_event,
    model::{
        roles::HoldersPlan,
        teams::{TeamForm, TeamRole},
        Permission,
    },
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};
use serde_json::{json, Value};

on_both_databases!(
    every_entry_has_the_one_shape_and_keeps_what_was_before,
    older_entries_are_rewritten_into_the_one_shape,
);

/// The entries recorded on `target`, oldest first, as (action, changes).
async fn entries_on(db: &DatabaseConnection, target: Uuid) -> Vec<(String, Value)> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(target.to_string()))
        .order_by_asc(audit_event::Column::At)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.action.code().to_string(),
                e.changes.unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn in_the_one_shape(changes: &Value) -> bool {
    changes.as_object().is_some_and(|fields| {
        fields.values().all(|v| {
            v.as_object().is_some_and(|o| {
                o.len() == 2 && o.contains_key("before") && o.contains_key("after")
            })
        })
    })
}

async fn every_entry_has_the_one_shape_and_keeps_what_was_before(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let db = app.db();
    // A role held by two people, deleted with its holders moved to another.
    let ops = custom_role(&app, &acme, "Ops", &[Permission::UsersView]).await;
    let desk = custom_role(&app, &acme, "Desk", &[Permission::UsersView]).await;
    let (kim, _) = member(&app, &acme, "kim@acme.example", &[ops]).await;
    let (lou, _) = member(&app, &acme, "lou@acme.example", &[ops, desk]).await;
    let deleted = admin
        .invoke(DeleteRole {
            slug: "acme".into(),
            id: ops,
            holders: HoldersPlan::MoveTo(desk),
        })
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let kim_entries = entries_on(db, kim.id).await;
    assert_eq!(
        kim_entries,
        vec![(
            "user.updated".to_string(),
            json!({ "roles": { "before": ["Ops"], "after": ["Desk"] } })
        )]
    );
    assert_eq!(
        entries_on(db, lou.id).await,
        vec![(
            "user.updated".to_string(),
            json!({ "roles": { "before": ["Desk", "Ops"], "after": ["Desk"] } })
        )]
    );
    let role_entries = entries_on(db, ops).await;
    assert_eq!(role_entries.len(), 1);
    assert_eq!(role_entries[0].0, "role.deleted");
    assert_eq!(
        role_entries[0].1["name"],
        json!({ "before": "Ops", "after": null })
    );

    // A team member's role change keeps the role they had; leaving names the team.
    let team: Uuid = admin
        .invoke(CreateTeam {
            slug: "acme".into(),
            team: TeamForm {
                name: "Billing".into(),
                description: String::new(),
            },
        })
        .await
        .json();
    for role in [TeamRole::Member, TeamRole::Manager] {
        let set = admin
            .invoke(SetTeamMember {
                slug: "acme".into(),
                id: team,
                user_id: kim.id,
                role,
            })
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
    }
    let removed = admin
        .invoke(RemoveTeamMember {
            slug: "acme".into(),
            id: team,
            user_id: kim.id,
        })
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let memberships: Vec<Value> = entries_on(db, kim.id).await[1..]
        .iter()
        .map(|(_, changes)| changes.clone())
        .collect();
    assert_eq!(
        memberships,
        vec![
            json!({ "team": { "before": null, "after": "Billing" }, "team_role": { "before": null, "after": "member" } }),
            json!({ "team": { "before": "Billing", "after": "Billing" }, "team_role": { "before": "member", "after": "manager" } }),
            json!({ "team": { "before": "Billing", "after": null }, "team_role": { "before": "manager", "after": null } }),
        ]
    );

    // Whatever wrote them, every entry of the organisation has the one shape.
    let all = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(acme.id))
        .all(db)
        .await
        .unwrap();
    assert!(all.len() >= 7, "{} entries", all.len());
    for entry in all {
        if let Some(changes) = &entry.changes {
            assert!(in_the_one_shape(changes), "{}: {changes}", entry.action);
        }
    }
}

async fn older_entries_are_rewritten_into_the_one_shape(backend: Backend) {
    let Acme { app, acme, ada, .. } = acme(backend).await;
    let db = app.db();
    // Step back before migration 14 (its down changes nothing; 15's takes its indexes and
    // columns away) and write entries as the application wrote them before it.
    let steps = Migrator::migrations().len() - 13;
    Migrator::down(db, Some(steps as u32)).await.unwrap();
    let team = Uuid::new_v4();
    let old = [
        (
            "organisation.updated",
            "organisation",
            acme.id.to_string(),
            json!({ "before": { "name": "Acme" }, "after": { "name": "Acme Corp" } }),
        ),
        (
            "team.signature_changed",
            "team",
            team.to_string(),
            json!({ "before": null, "after": "Thanks, {name}" }),
        ),
        (
            "team.member_set",
            "team",
            team.to_string(),
            json!({ "user_id": ada.id, "email": ada.email, "role": "manager" }),
        ),
        (
            "role.created",
            "role",
            team.to_string(),
            json!({ "name": "Ops", "permissions": ["users.view"] }),
        ),
        (
            "user.suspended",
            "user",
            ada.id.to_string(),
            json!({ "status": { "before": "active", "after": "suspended" } }),
        ),
    ];
    let mut ids = Vec::new();
    for (action, target_type, target_id, changes) in old {
        let id = Uuid::new_v4();
        audit_event::ActiveModel {
            id: Set(id),
            organisation_id: Set(acme.id),
            actor_user_id: Set(Some(ada.id)),
            actor_organisation_id: Set(Some(acme.id)),
            action: Set(action.parse().expect("a known action")),
            target_type: Set(target_type.into()),
            target_id: Set(Some(target_id)),
            changes: Set(Some(changes)),
            at: Set(chrono::Utc::now()),
            ip: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        ids.push(id);
    }
    Migrator::up(db, None).await.unwrap();
    let mut now = Vec::new();
    for id in ids {
        let e = audit_event::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(in_the_one_shape(e.changes.as_ref().unwrap()), "{e:?}");
        now.push((e.target_type, e.target_id.unwrap(), e.changes.unwrap()));
    }
    assert_eq!(
        now[0].2,
        json!({ "name": { "before": "Acme", "after": "Acme Corp" } })
    );
    assert_eq!(
        now[1].2,
        json!({ "signature": { "before": null, "after": "Thanks, {name}" } })
    );
    // The membership moved to the person; the team is gone, so its id names it.
    assert_eq!(now[2].0, "user");
    assert_eq!(now[2].1, ada.id.to_string());
    assert_eq!(
        now[2].2,
        json!({ "team": { "before": team.to_string(), "after": team.to_string() }, "team_role": { "before": null, "after": "manager" } })
    );
    assert_eq!(
        now[3].2,
        json!({ "name": { "before": null, "after": "Ops" }, "permissions": { "before": null, "after": ["users.view"] } })
    );
    assert_eq!(
        now[4].2,
        json!({ "status": { "before": "active", "after": "suspended" } })
    );
}
