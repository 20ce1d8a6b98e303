//! Sign-in history for admins: the organisation's attempts under each filter with the reason of
//! each failure, a person's attempts, counts and open sessions; "Sign out everywhere" ends the
//! sessions and is audited; each needs its permission.

use crate::{
    fixtures::{acme, audit_actions, member, Acme, PASSWORD},
    on_both_databases,
    support::{Backend, Client},
};
use app::{
    api::sign_ins::{ListSignIns, SignInsOfPerson, SignOutEverywhere},
    model::{
        sign_ins::{Failure, PersonSignIns, SignInList, SignInQuery},
        RoleTemplate,
    },
};

on_both_databases!(
    admins_read_sign_ins_under_each_filter,
    sign_out_everywhere_ends_every_session_of_the_person,
);

async fn list(client: &Client, query: SignInQuery) -> SignInList {
    let answer = client
        .invoke(ListSignIns {
            slug: "acme".into(),
            query,
        })
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

async fn admins_read_sign_ins_under_each_filter(backend: Backend) {
    let a = acme(backend).await;
    let Acme { app, admin, .. } = &a;
    let viewer_role = app.role(&a.acme, RoleTemplate::Viewer).await;
    let (kim, kim_client) = member(app, &a.acme, "kim@acme.example", &[viewer_role]).await;
    // An attacker tries Kim's account, and an address nobody has.
    let stranger = app.client();
    for _ in 0..2 {
        let refused = stranger
            .sign_in("acme", "Kim@acme.example", "not the password at all")
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
    }
    stranger
        .sign_in("acme", "nobody@acme.example", "not the password at all")
        .await;

    let all = list(admin, SignInQuery::default()).await;
    // Ada's and Kim's sign-ins, two wrong passwords, one unknown address.
    assert_eq!(all.rows.len(), 5, "{:?}", all.rows);
    assert!(all.older.is_none());
    let newest = &all.rows[0];
    assert_eq!(newest.email, "nobody@acme.example");
    assert_eq!(newest.failure, Some(Failure::UnknownAddress));
    assert!(newest.person.is_none());

    let failed = list(
        admin,
        SignInQuery {
            failed_only: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(failed.rows.len(), 3);
    let at_kim = list(
        admin,
        SignInQuery {
            email: "KIM@acme.example".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(at_kim.rows.len(), 3);
    assert_eq!(
        at_kim.rows[0].person.as_ref().map(|(id, _)| *id),
        Some(kim.id)
    );
    assert_eq!(at_kim.rows[0].failure, Some(Failure::WrongPassword));
    assert_eq!(at_kim.rows[2].failure, None);
    let ip = at_kim.rows[0].ip.clone().expect("the address is recorded");
    let from_there = list(
        admin,
        SignInQuery {
            ip: ip.clone(),
            failed_only: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(from_there.rows.len(), 3);
    let elsewhere = list(
        admin,
        SignInQuery {
            ip: "203.0.113.250".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(elsewhere.rows.is_empty());

    // Kim's page: counts over 30 days and the session she has open.
    let history: PersonSignIns = admin
        .invoke(SignInsOfPerson {
            slug: "acme".into(),
            id: kim.id,
        })
        .await
        .json();
    assert_eq!((history.last_30_days, history.failed_30_days), (1, 2));
    assert_eq!(history.recent.len(), 3);
    assert_eq!(history.sessions.len(), 1);
    assert_eq!(history.sessions[0].ip.as_deref(), Some(ip.as_str()));

    // Kim, a viewer, may not read anyone's sign-ins, hers included.
    let refused = kim_client
        .invoke(ListSignIns {
            slug: "acme".into(),
            query: SignInQuery::default(),
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = kim_client
        .invoke(SignInsOfPerson {
            slug: "acme".into(),
            id: kim.id,
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

async fn sign_out_everywhere_ends_every_session_of_the_person(backend: Backend) {
    let a = acme(backend).await;
    let Acme {
        app, admin, ada, ..
    } = &a;
    let viewer_role = app.role(&a.acme, RoleTemplate::Viewer).await;
    let (kim, laptop) = member(app, &a.acme, "kim@acme.example", &[viewer_role]).await;
    let phone = app.client();
    assert_eq!(
        phone
            .sign_in("acme", "kim@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let ended = admin
        .invoke(SignOutEverywhere {
            slug: "acme".into(),
            id: kim.id,
        })
        .await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert_eq!(ended.json::<u64>(), 2);
    for client in [&laptop, &phone] {
        let me = client.call("session/current", &[("slug", "acme")]).await;
        assert_eq!(me.status, 401, "{}", me.body);
    }
    assert_eq!(
        audit_actions(app, kim.id).await.last().map(String::as_str),
        Some("user.signed_out")
    );
    // The admin's own sessions end from My profile; a viewer may not end anyone's.
    let own = admin
        .invoke(SignOutEverywhere {
            slug: "acme".into(),
            id: ada.id,
        })
        .await;
    assert_eq!(own.status, 403, "{}", own.body);
    assert!(own.body.contains("My profile"), "{}", own.body);
    let (_, viewer) = member(app, &a.acme, "val@acme.example", &[viewer_role]).await;
    let refused = viewer
        .invoke(SignOutEverywhere {
            slug: "acme".into(),
            id: ada.id,
        })
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let still = admin.call("session/current", &[("slug", "acme")]).await;
    assert_eq!(still.status, 200);
}
