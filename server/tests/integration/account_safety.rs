//! The ways around the Users guardrails that a security review found, each closed: acting on a
//! more powerful account, links outliving a suspension or an email change, an acceptance racing
//! a suspension, expired access, malformed input reaching a redirect or a mail, roles of a
//! switched-off feature, and live links kept in sent mail.

use crate::{
    fixtures::{
        accepting, acme, change, custom_role, detail, find_user, invite, link_state, member,
        new_account, resetting, token_of, wait_until, Acme, PASSWORD,
    },
    on_both_databases,
    support::{Answer, Backend, Client},
};
use app::api::accounts::ResetUserPassword;
use app::api::{
    accounts::SuspendUser,
    auth::{Logout, SignedInUser},
    links::ForgotPassword,
};
use app::model::account::Onboarding;
use app::model::account::ResetMethod;
use app::model::UserType;
use app::{
    entities::{outbox_message, user},
    model::{account::LinkState, AppError, Permission, RoleTemplate, UserStatus},
};
use sea_orm::{
    prelude::*, ActiveValue::Set, ConnectionTrait, QuerySelect, Statement, TransactionTrait,
};

on_both_databases!(
    nobody_acts_on_an_account_more_powerful_than_their_own,
    links_die_with_a_suspension_or_an_email_change,
    an_acceptance_waiting_on_a_suspension_is_refused,
    expired_access_makes_links_unusable,
    malformed_input_never_reaches_a_redirect_or_a_mail,
    roles_of_a_switched_off_feature_are_checked_too,
    sent_mail_keeps_no_live_links,
);

/// Accepts the invitation with `secret`: the answer's status, or 200 when it signs the person in.
async fn accept(client: &Client, secret: &str) -> u16 {
    let answer = client.invoke(accepting(secret)).await;
    match answer.location() {
        Some(to) if to == "/o/acme" => 200,
        _ => answer.status,
    }
}

/// Asks for a password reset of `id` by `method`.
async fn reset(client: &Client, id: Uuid, method: ResetMethod) -> Answer {
    client
        .invoke(ResetUserPassword {
            slug: "acme".into(),
            id,
            method,
        })
        .await
}

/// The secret of the link to `page` in the mail that reached `to`.
async fn mailed_secret(a: &Acme, to: &str, page: &str) -> String {
    let link = a
        .app
        .smtp
        .message_to(to)
        .await
        .link(&format!("{}{page}?token=", a.app.base));
    token_of(&link)
}

/// An administrator's reset link for `id`, as it reached `email`.
async fn reset_link(a: &Acme, id: Uuid, email: &str) -> String {
    let sent = reset(&a.admin, id, ResetMethod::Email).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    mailed_secret(a, email, "/reset-password").await
}

/// Ada changes the email address of account `id`.
async fn change_email(a: &Acme, id: Uuid, email: &str) {
    let body = change(&detail(&a.admin, id).await, |f| f.email = email.into());
    let saved = a.admin.invoke(body.clone()).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

fn forbidden(answer: &Answer) -> String {
    assert_eq!(answer.status, 403, "{}", answer.body);
    match answer.error() {
        AppError::Forbidden(why) => why,
        other => panic!("not a refusal: {other:?}"),
    }
}

async fn nobody_acts_on_an_account_more_powerful_than_their_own(backend: Backend) {
    let a = acme(backend).await;
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let helpers = custom_role(
        &a.app,
        &a.acme,
        "Helpdesk for people",
        &[
            Permission::UsersView,
            Permission::UsersEdit,
            Permission::UsersSuspend,
            Permission::UsersResetPassword,
        ],
    )
    .await;
    let (_, max) = member(&a.app, &a.acme, "max@acme.example", &[helpers]).await;
    let (pat, _) = member(&a.app, &a.acme, "pat@acme.example", &[viewer]).await;
    let ada_before = find_user(&a.app, a.ada.id).await.unwrap();
    let ada = a.ada.id.to_string();

    // Max may reset, edit and suspend people, but Ada (a tenant admin) may do more than Max:
    // a temporary password, a reset link or a new email address would hand Max her account.
    for (endpoint, method) in [
        ("users/reset-password", Some("TemporaryPassword")),
        ("users/reset-password", Some("Email")),
        ("users/suspend", None),
    ] {
        let mut form = vec![("slug", "acme"), ("id", ada.as_str())];
        form.extend(method.map(|m| ("method", m)));
        let why = forbidden(&max.call(endpoint, &form).await);
        assert!(why.contains("which you may not"), "{why}");
    }
    let body = change(&detail(&max, a.ada.id).await, |f| {
        f.email = "max+ada@acme.example".into();
        f.roles = vec![viewer];
    });
    forbidden(&max.invoke(body.clone()).await);
    assert_eq!(find_user(&a.app, a.ada.id).await.unwrap(), ada_before);
    assert!(a.app.smtp.messages().is_empty(), "no reset link was sent");

    // Pat may do less than Max: Max resets Pat's password.
    let done = reset(&max, pat.id, ResetMethod::TemporaryPassword).await;
    assert_eq!(done.status, 200, "{}", done.body);

    // A platform administrator's account is a super-admin's business, even for a tenant admin.
    let root = a
        .app
        .user_with(&a.acme, "root@acme.example", PASSWORD, |u| {
            u.platform_role = Set(app::model::PlatformRole::SuperAdmin);
        })
        .await;
    let why = forbidden(
        &a.admin
            .invoke(SuspendUser {
                slug: "acme".into(),
                id: root.id,
            })
            .await,
    );
    assert!(why.contains("whole platform"), "{why}");
    assert_eq!(find_user(&a.app, root.id).await.unwrap(), root);
}

async fn links_die_with_a_suspension_or_an_email_change(backend: Backend) {
    let a = acme(backend).await;
    // An invitation does not survive a suspension: reactivated, Grace is invited again, but the
    // old link is dead.
    let grace = invite(&a, "grace@acme.example").await;
    let secret = mailed_secret(&a, "grace@acme.example", "/invitation").await;
    let id = grace.user_id.to_string();
    for endpoint in ["users/suspend", "users/reactivate"] {
        let answer = a
            .admin
            .call(endpoint, &[("slug", "acme"), ("id", &id)])
            .await;
        assert_eq!(answer.status, 200, "{endpoint}: {}", answer.body);
    }
    let guest = a.app.client();
    assert!(matches!(
        link_state(&guest, "links/invitation", &secret).await,
        LinkState::Used { .. }
    ));
    assert_eq!(accept(&guest, &secret).await, 409);
    let status = find_user(&a.app, grace.user_id).await.unwrap().status;
    assert_eq!(status, UserStatus::Invited);
    // Reactivated, she gets a fresh invitation instead.
    let fresh = a
        .app
        .smtp
        .nth_to("grace@acme.example", 1)
        .await
        .link(&format!("{}/invitation?token=", a.app.base));
    let fresh = token_of(&fresh);
    assert!(matches!(
        link_state(&guest, "links/invitation", &fresh).await,
        LinkState::Valid { .. }
    ));

    // A pending invitation follows a corrected address; the link sent to the old one dies.
    let moved = "grace.hopper@acme.example";
    change_email(&a, grace.user_id, moved).await;
    let new_secret = mailed_secret(&a, moved, "/invitation").await;
    assert_eq!(accept(&guest, &secret).await, 409);
    assert_eq!(
        accept(&guest, &fresh).await,
        409,
        "the old address's link died"
    );
    assert_eq!(accept(&guest, &new_secret).await, 200);

    // A reset link sent to an old address dies with the change of address.
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let (lin, _) = member(&a.app, &a.acme, "lin@acme.example", &[viewer]).await;
    let secret = reset_link(&a, lin.id, "lin@acme.example").await;
    change_email(&a, lin.id, "lin.new@acme.example").await;
    assert!(matches!(
        link_state(&guest, "links/reset", &secret).await,
        LinkState::Used { .. }
    ));
}

/// Waits until a statement of this database is waiting for a row lock.
async fn someone_waits_for_a_lock(db: &DatabaseConnection) -> bool {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS waiting FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "waiting").unwrap() > 0
}

async fn an_acceptance_waiting_on_a_suspension_is_refused(backend: Backend) {
    let a = acme(backend).await;
    let grace = invite(&a, "grace@acme.example").await;
    let secret = mailed_secret(&a, "grace@acme.example", "/invitation").await;
    let suspend = |txn| async move {
        user::Entity::update_many()
            .col_expr(user::Column::Status, Expr::value(UserStatus::Suspended))
            .filter(user::Column::Id.eq(grace.user_id))
            .exec(&txn)
            .await
            .unwrap();
        txn
    };
    if backend == Backend::Postgres {
        // An administrator's suspension holds Grace's row while Grace accepts: the acceptance
        // must wait for it and then see the suspension, not overwrite it.
        let txn = a.app.db().begin().await.unwrap();
        user::Entity::find_by_id(grace.user_id)
            .lock_exclusive()
            .one(&txn)
            .await
            .unwrap();
        let guest = a.app.client();
        let secret_ = secret.clone();
        let accepting = tokio::spawn(async move { accept(&guest, &secret_).await });
        wait_until("the acceptance waits for the suspension", || {
            someone_waits_for_a_lock(a.app.db())
        })
        .await;
        suspend(txn).await.commit().await.unwrap();
        assert_eq!(accepting.await.unwrap(), 409);
    } else {
        // SQLite has one writer at a time: the suspension simply comes first.
        let txn = a.app.db().begin().await.unwrap();
        suspend(txn).await.commit().await.unwrap();
        assert_eq!(accept(&a.app.client(), &secret).await, 409);
    }
    let after = find_user(&a.app, grace.user_id).await.unwrap();
    assert_eq!(after.status, UserStatus::Suspended);
    assert_eq!(after.password_hash, None);
}

async fn expired_access_makes_links_unusable(backend: Backend) {
    let a = acme(backend).await;
    let (lin, _) = member(&a.app, &a.acme, "lin@acme.example", &[]).await;
    let secret = reset_link(&a, lin.id, "lin@acme.example").await;
    let mut expired: user::ActiveModel = find_user(&a.app, lin.id).await.unwrap().into();
    expired.access_expires_at = Set(Some(chrono::Utc::now() - chrono::Duration::minutes(1)));
    expired.update(a.app.db()).await.unwrap();
    let before = find_user(&a.app, lin.id).await.unwrap();

    let guest = a.app.client();
    assert!(matches!(
        link_state(&guest, "links/reset", &secret).await,
        LinkState::AccessEnded { .. }
    ));
    let used = guest.invoke(resetting(&secret)).await;
    assert_eq!(used.status, 409, "{}", used.body);
    assert_eq!(find_user(&a.app, lin.id).await.unwrap(), before);
}

async fn malformed_input_never_reaches_a_redirect_or_a_mail(backend: Backend) {
    let a = acme(backend).await;
    let guest = a.app.client();
    // A slug is written into the redirect: a malformed one is refused, not a crash.
    let forgot = guest
        .invoke(ForgotPassword {
            slug: "é\r\nx".into(),
            email: "ada@acme.example".into(),
        })
        .await;
    assert_eq!(forgot.status, 422, "{}", forgot.body);
    assert!(forgot.error().field_message("slug").is_some());
    let out = a.admin.invoke(Logout { slug: "é".into() }).await;
    assert_eq!(out.location().as_deref(), Some("/"), "{out:?}");
    assert_eq!(
        a.admin
            .invoke(SignedInUser {
                slug: "acme".into()
            })
            .await
            .status,
        401,
        "signed out all the same"
    );

    // A line break in a name would forge lines of the plain-text invitation.
    let admin = a.app.client();
    admin.sign_in("acme", "ada@acme.example", PASSWORD).await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let mut body = new_account(
        "eve@acme.example",
        &[agent],
        UserType::Agent,
        Onboarding::Invitation,
    );
    body.account.form.first_name = "Eve\r\nClick https://evil.example".into();
    body.account.form.external_id = "id\u{7}".into();
    let refused = admin.invoke(body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let error = refused.error();
    assert!(error
        .field_message("first_name")
        .is_some_and(|m| m.contains("line breaks")));
    assert!(error.field_message("external_id").is_some());
    let people = user::Entity::find()
        .filter(user::Column::Email.eq("eve@acme.example"))
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(people, 0);
}

async fn roles_of_a_switched_off_feature_are_checked_too(backend: Backend) {
    let a = acme(backend).await;
    // acme has no helpdesk today; Max may invite people but not delete tickets.
    a.app
        .restrict_features(&a.acme, &["crm", "analytics"])
        .await;
    let inviter = custom_role(
        &a.app,
        &a.acme,
        "Inviter",
        &[Permission::UsersView, Permission::UsersInvite],
    )
    .await;
    let cleaner = custom_role(
        &a.app,
        &a.acme,
        "Ticket cleaner",
        &[Permission::UsersView, Permission::TicketsDelete],
    )
    .await;
    let (_, max) = member(&a.app, &a.acme, "max@acme.example", &[inviter]).await;
    // Giving "delete tickets" would take effect the day the helpdesk is switched on.
    let refused = max
        .invoke(new_account(
            "eve@acme.example",
            &[cleaner],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused
        .error()
        .field_message("roles")
        .is_some_and(|m| m.contains("Ticket cleaner")));
    // Ada, a tenant admin, may give it.
    let given = a
        .admin
        .invoke(new_account(
            "eve@acme.example",
            &[cleaner],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(given.status, 200, "{}", given.body);
}

async fn sent_mail_keeps_no_live_links(backend: Backend) {
    let a = acme(backend).await;
    let grace = invite(&a, "grace@acme.example").await;
    let secret = mailed_secret(&a, "grace@acme.example", "/invitation").await;
    let received = a.app.smtp.message_to("grace@acme.example").await;
    let db = a.app.db();
    wait_until("the outbox records the delivery", || async {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::ToAddress.eq("grace@acme.example"))
            .one(db)
            .await
            .unwrap()
            .is_some_and(|m| m.sent_at.is_some())
    })
    .await;
    let row = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq("grace@acme.example"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.text_body.contains(&secret) && !row.html_body.contains(&secret));
    assert_eq!(row.subject, received.subject, "what was sent stays visible");
    // The link itself still works: only the copy is gone.
    assert_eq!(accept(&a.app.client(), &secret).await, 200);
    assert_eq!(
        find_user(&a.app, grace.user_id).await.unwrap().status,
        UserStatus::Active
    );
}
