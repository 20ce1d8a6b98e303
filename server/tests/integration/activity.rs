//! The Activity view: the trail newest first under each filter, a page after another with nothing
//! shown twice or left out, who acted from another organisation, a person's own activity; and
//! retention: the organisation's choice, checked, and the job that removes older entries once a
//! day and says so.

use crate::{
    fixtures::{acme, invite, Acme},
    on_both_databases,
    support::{Backend, Client},
};
use app::{
    api::{
        accounts::{ReactivateUser, SuspendUser},
        activity::{ActivityRetention, ListActivity, SetActivityRetention},
    },
    entities::{audit_event, organisation},
    model::{
        activity::{ActivityList, ActivityQuery, ActivitySubject, AuditAction, PAGE_SIZE},
        AppError,
    },
    services::{
        activity,
        audit::{self, AuditEntry, Changes},
    },
};
use chrono::{Duration, Utc};
use sea_orm::{prelude::*, ActiveValue::Set};

on_both_databases!(
    the_trail_reads_newest_first_under_each_filter,
    pages_follow_one_another_with_nothing_twice_or_missing,
    retention_is_checked_and_the_job_removes_older_entries_once_a_day,
);

async fn list(client: &Client, query: ActivityQuery) -> ActivityList {
    let answer = client
        .invoke(ListActivity {
            slug: "acme".into(),
            query,
        })
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

fn actions(list: &ActivityList) -> Vec<AuditAction> {
    list.entries.iter().map(|e| e.action).collect()
}

async fn the_trail_reads_newest_first_under_each_filter(backend: Backend) {
    let a = acme(backend).await;
    let Acme {
        app, admin, ada, ..
    } = &a;
    let grace = invite(&a, "grace@acme.example").await.user_id;
    let kim = invite(&a, "kim@acme.example").await.user_id;
    let suspend = SuspendUser {
        slug: "acme".into(),
        id: grace,
    };
    assert_eq!(admin.invoke(suspend).await.status, 200);
    // A super-admin from the admin tenant reactivates her: named with where they come from.
    let root = app.super_admin().await;
    let reactivated = root
        .invoke(ReactivateUser {
            slug: "acme".into(),
            id: grace,
        })
        .await;
    assert_eq!(reactivated.status, 200, "{}", reactivated.body);

    let all = list(admin, ActivityQuery::default()).await;
    assert_eq!(
        actions(&all),
        [
            AuditAction::UserReactivated,
            AuditAction::UserSuspended,
            AuditAction::UserInvited,
            AuditAction::UserInvited,
        ]
    );
    assert!(all.older.is_none());
    let newest = &all.entries[0];
    let by = newest.actor.as_ref().expect("an actor");
    assert_eq!(by.email, "root@operator.example");
    assert_eq!(by.home.as_deref(), Some("Operator"));
    let ActivitySubject::Person(to) = newest.subject.clone().expect("a subject") else {
        panic!("a person: {:?}", newest.subject)
    };
    assert_eq!((to.id, to.home), (grace, None));
    let status = &newest.changes[0];
    assert_eq!(
        (
            status.field.as_str(),
            status.before.as_deref(),
            status.after.as_deref()
        ),
        ("status", Some("suspended"), Some("invited"))
    );
    let ada_listed = all.entries[1].actor.clone().expect("Ada");
    assert_eq!((ada_listed.id, ada_listed.home), (ada.id, None));

    // Each filter alone, and together.
    let by_ada = list(
        admin,
        ActivityQuery {
            actor: Some(ada.id),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(by_ada.entries.len(), 3);
    assert_eq!(
        by_ada.actor.map(|p| p.email).as_deref(),
        Some("ada@acme.example")
    );
    let to_grace = list(
        admin,
        ActivityQuery {
            subject: Some(grace),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(to_grace.entries.len(), 3);
    let invitations = list(
        admin,
        ActivityQuery {
            action: Some(AuditAction::UserInvited),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(invitations.entries.len(), 2);
    let grace_by_ada = list(
        admin,
        ActivityQuery {
            actor: Some(ada.id),
            subject: Some(grace),
            action: Some(AuditAction::UserSuspended),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(actions(&grace_by_ada), [AuditAction::UserSuspended]);
    let about_kim = list(
        admin,
        ActivityQuery {
            person: Some(kim),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(actions(&about_kim), [AuditAction::UserInvited]);
    // Ada's page: what she did (three) and nothing done to her yet.
    let about_ada = list(
        admin,
        ActivityQuery {
            person: Some(ada.id),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(about_ada.entries.len(), 3);

    // Dates: today holds everything, tomorrow nothing, and an end before the start is refused.
    let today = Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    let on = |from, to| ActivityQuery {
        from,
        to,
        ..Default::default()
    };
    assert_eq!(
        list(admin, on(Some(today), Some(today)))
            .await
            .entries
            .len(),
        4
    );
    assert!(list(admin, on(Some(tomorrow), None))
        .await
        .entries
        .is_empty());
    let reversed = admin
        .invoke(ListActivity {
            slug: "acme".into(),
            query: on(Some(tomorrow), Some(today)),
        })
        .await;
    assert_eq!(reversed.status, 422, "{}", reversed.body);
    let AppError::Invalid { fields, .. } = reversed.error() else {
        panic!("a field error: {}", reversed.body)
    };
    assert!(fields[0].field == "to" && fields[0].message.contains("before the start"));

    // Someone without audit.view is refused.
    let (_, viewer) = crate::fixtures::member(&a.app, &a.acme, "val@acme.example", &[]).await;
    let refused = viewer
        .invoke(ListActivity {
            slug: "acme".into(),
            query: ActivityQuery::default(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

/// `count` entries on organisation `org`, an hour apart and ending an hour ago, all at the same
/// instant in pairs (so paging must tell equal times apart by id).
async fn entries(db: &DatabaseConnection, org: Uuid, count: usize, start: chrono::DateTime<Utc>) {
    let rows = (0..count).map(|i| {
        let mut row = audit::row(AuditEntry {
            organisation_id: org,
            actor_user_id: None,
            actor_organisation_id: None,
            action: AuditAction::OrganisationUpdated,
            target_type: "organisation",
            target_id: Some(org.to_string()),
            changes: Changes::new().field("step", i, i + 1),
            ip: None,
        });
        row.at = Set(start - Duration::hours((i / 2) as i64));
        row
    });
    audit_event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .unwrap();
}

async fn pages_follow_one_another_with_nothing_twice_or_missing(backend: Backend) {
    let a = acme(backend).await;
    let total = 2 * PAGE_SIZE as usize + 21;
    entries(
        a.app.db(),
        a.acme.id,
        total,
        Utc::now() - Duration::hours(1),
    )
    .await;
    let mut seen = Vec::new();
    let mut query = ActivityQuery::default();
    let mut pages = 0;
    loop {
        let page = list(&a.admin, query.clone()).await;
        pages += 1;
        assert!(page.entries.len() as u64 <= PAGE_SIZE);
        seen.extend(page.entries.iter().map(|e| (e.at.iso.clone(), e.id)));
        match page.older {
            Some(cursor) => {
                query.before = Some(cursor);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), total);
    let mut unique: Vec<Uuid> = seen.iter().map(|(_, id)| *id).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), total, "an entry shown twice");
    assert!(
        seen.windows(2).all(|w| w[0].0 >= w[1].0),
        "newest first across pages"
    );
}

async fn retention_is_checked_and_the_job_removes_older_entries_once_a_day(backend: Backend) {
    let a = acme(backend).await;
    let db = a.app.db();
    let kept = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .invoke(ActivityRetention {
                    slug: "acme".into(),
                })
                .await
                .json::<i32>()
        }
    };
    assert_eq!(kept(&a.admin).await, 365);
    for days in ["29", "3651", "a year", ""] {
        let refused = a
            .admin
            .invoke(SetActivityRetention {
                slug: "acme".into(),
                days: days.into(),
            })
            .await;
        assert_eq!(refused.status, 422, "{days}: {}", refused.body);
        assert!(
            refused.body.contains("between 30 and 3650 days"),
            "{}",
            refused.body
        );
    }
    assert_eq!(kept(&a.admin).await, 365);
    let set = a
        .admin
        .invoke(SetActivityRetention {
            slug: "acme".into(),
            days: " 30 ".into(),
        })
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(kept(&a.admin).await, 30);
    let changed = list(
        &a.admin,
        ActivityQuery {
            action: Some(AuditAction::OrganisationUpdated),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(changed.entries.len(), 1);
    assert_eq!(changed.entries[0].changes[0].after.as_deref(), Some("30"));

    // 2,500 entries from 40 days ago and older go (more than two batches); today's stay, and
    // another organisation's old ones are its own business (it keeps a year).
    entries(db, a.acme.id, 2_500, Utc::now() - Duration::days(40)).await;
    let other = a.app.organisation("globex").await;
    entries(db, other.id, 10, Utc::now() - Duration::days(40)).await;
    let before_today = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(a.acme.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(activity::prune_due(db).await.unwrap(), 2_500);
    let left = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(a.acme.id))
        .count(db)
        .await
        .unwrap();
    // What stayed, and the job's own entry.
    assert_eq!(left, before_today - 2_500 + 1);
    let others = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(other.id))
        .count(db)
        .await
        .unwrap();
    assert_eq!(others, 10);
    let pruned = list(
        &a.admin,
        ActivityQuery {
            action: Some(AuditAction::ActivityPruned),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(pruned.entries.len(), 1);
    assert!(pruned.entries[0].actor.is_none(), "done by the system");
    assert_eq!(pruned.entries[0].changes[0].before.as_deref(), Some("2500"));

    // Once a day: older entries written since wait for tomorrow's run.
    entries(db, a.acme.id, 5, Utc::now() - Duration::days(40)).await;
    assert_eq!(activity::prune_due(db).await.unwrap(), 0);
    let acme_now = organisation::Entity::find_by_id(a.acme.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut yesterday: organisation::ActiveModel = acme_now.into();
    yesterday.audit_pruned_at = Set(Some(Utc::now() - Duration::hours(25)));
    yesterday.update(db).await.unwrap();
    assert_eq!(activity::prune_due(db).await.unwrap(), 5);
}
