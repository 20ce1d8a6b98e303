//! Access until a date: set when adding and editing someone (never in the past), shown and
//! filtered on the Users list, the administrators told once a week before, and the person
//! suspended by the system the day after their last day, signed out at once.

use crate::{
    fixtures::{acme, detail, new_account, Acme, PASSWORD},
    on_both_databases,
    support::Backend,
};
use app::{
    api::{accounts::UpdateUser, users::ListUsers},
    entities::{audit_event, outbox_message, user},
    model::{
        account::{access_ends, AccountChange, Added, Onboarding},
        users::{UserList, UserQuery},
        AppError, RoleTemplate, UserStatus, UserType,
    },
    services::accounts,
};
use chrono::{Duration, Utc};
use sea_orm::{prelude::*, ActiveValue::Set};

on_both_databases!(access_ends_on_its_own_after_a_warning);

async fn access_ends_on_its_own_after_a_warning(backend: Backend) {
    let a = acme(backend).await;
    let Acme { app, admin, .. } = &a;
    let agent = app.role(&a.acme, RoleTemplate::Agent).await;
    let today = Utc::now().date_naive();
    let add = |email: &str, until: String| {
        let mut add = new_account(
            email,
            &[agent],
            UserType::Agent,
            Onboarding::TemporaryPassword,
        );
        add.account.form.access_until = until;
        add
    };

    // A day in the past, or not a day, is refused with the reason; nothing is written.
    for (until, says) in [
        (
            (today - Duration::days(1)).to_string(),
            "cannot end in the past",
        ),
        ("next friday".to_string(), "such as 2027-01-31"),
    ] {
        let refused = admin.invoke(add("kim@acme.example", until)).await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        let AppError::Invalid { fields, .. } = refused.error() else {
            panic!("{}", refused.body)
        };
        assert!(
            fields
                .iter()
                .any(|f| f.field == "access_until" && f.message.contains(says)),
            "{fields:?}"
        );
    }
    // Kim's last day is in three days; Lin's in a year.
    let last_day = today + Duration::days(3);
    let kim: Added = admin
        .invoke(add("kim@acme.example", last_day.to_string()))
        .await
        .json();
    let lin: Added = admin
        .invoke(add(
            "lin@acme.example",
            (today + Duration::days(365)).to_string(),
        ))
        .await
        .json();
    let stored = user::Entity::find_by_id(kim.user_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.access_expires_at, Some(access_ends(last_day)));
    let kim_page = detail(admin, kim.user_id).await;
    assert_eq!(kim_page.form.access_until, last_day.to_string());

    // The list says until when, and finds whose access ends within 30 days.
    let ending: UserList = admin
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery {
                access_ending: true,
                ..Default::default()
            },
        })
        .await
        .json();
    assert_eq!(ending.rows.len(), 1, "{:?}", ending.rows);
    assert_eq!(ending.rows[0].id, kim.user_id);
    assert_eq!(
        ending.rows[0].access_until,
        Some(app::model::users::short_day(
            last_day,
            app::i18n::Locale::En
        ))
    );

    // The administrators hear of Kim once; Lin's is too far off.
    assert_eq!(accounts::warn_access_ending(&app.state).await.unwrap(), 1);
    assert_eq!(accounts::warn_access_ending(&app.state).await.unwrap(), 0);
    let notices = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq("ada@acme.example"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(notices, 1);
    // Read as delivered: the worker may already have sent it and emptied the outbox's copy.
    let notice = app.smtp.message_to("ada@acme.example").await;
    assert!(notice.text.contains("kim@acme.example"), "{notice:#?}");
    assert!(!notice.text.contains("lin@acme.example"), "{notice:#?}");

    // Renewed: a new date, a new warning when it comes near.
    let renewed = admin
        .invoke(UpdateUser {
            slug: "acme".into(),
            id: kim.user_id,
            change: AccountChange {
                form: app::model::account::AccountForm {
                    access_until: (today + Duration::days(5)).to_string(),
                    ..kim_page.form.clone()
                },
                version: kim_page.version,
            },
        })
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert_eq!(accounts::warn_access_ending(&app.state).await.unwrap(), 1);

    // The day comes: Kim, signed in, is suspended by the system and signed out at once.
    let mut with_password: user::ActiveModel = user::Entity::find_by_id(kim.user_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into();
    with_password.password_hash = Set(Some(
        app.state.passwords.hash(PASSWORD.into()).await.unwrap(),
    ));
    with_password.must_change_password = Set(false);
    with_password.update(app.db()).await.unwrap();
    let kim_browser = app.client();
    let signed = kim_browser
        .sign_in("acme", "kim@acme.example", PASSWORD)
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let mut past: user::ActiveModel = user::Entity::find_by_id(kim.user_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into();
    past.access_expires_at = Set(Some(Utc::now() - Duration::minutes(1)));
    past.update(app.db()).await.unwrap();
    assert_eq!(accounts::end_expired_access(&app.state).await.unwrap(), 1);
    let kim_now = user::Entity::find_by_id(kim.user_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kim_now.status, UserStatus::Suspended);
    let entry = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(kim.user_id.to_string()))
        .filter(audit_event::Column::Action.eq(app::model::activity::AuditAction::AccessEnded))
        .one(app.db())
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(entry.actor_user_id, None, "done by the system");
    let me = kim_browser
        .call("session/current", &[("slug", "acme")])
        .await;
    assert_eq!(me.status, 401, "signed out at once: {}", me.body);
    // Nothing more to do on the next run; Lin is untouched.
    assert_eq!(accounts::end_expired_access(&app.state).await.unwrap(), 0);
    let lin_now = user::Entity::find_by_id(lin.user_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(lin_now.status, UserStatus::Suspended);
}
