//! An account's whole life as a tenant admin runs it: invitation by email (over a real SMTP
//! conversation) and acceptance, temporary passwords, edits with conflicts, suspension, password
//! resets, forgot-password, the guardrails, the audit trail, and isolation between organisations.

use crate::{
    fixtures::{
        accepting, acme, audit_actions, auth_user, change, custom_role, detail, find_user, invite,
        link_state, member, new_account, outbox_row, resetting, token_of, wait_until, NEW_PASSWORD,
        PASSWORD,
    },
    on_both_databases,
    support::{Backend, Client, TestApp},
};
use app::api::accounts::ReactivateUser;
use app::api::accounts::ResetUserPassword;
use app::api::users::ListUsers;
use app::api::{
    accounts::{
        AssignableUsers, GetUser, ListInvitations, ResendInvitation, RevokeInvitation, SuspendUser,
    },
    auth::SignedInUser,
    links::{AcceptInvitation, CompleteReset, ForgotPassword},
};
use app::model::account::Onboarding;
use app::model::account::ResetMethod;
use app::{
    entities::{audit_event, outbox_message, token, user, user_role},
    model::{
        account::{AccountDetail, Added, Assignable, Delivery, Invitation, LinkState, ResetDone},
        users::{UserList, UserQuery},
        AppError, Permission, RoleTemplate, UserStatus, UserType,
    },
};
use sea_orm::{prelude::*, ActiveValue::Set};
use std::time::Duration;

on_both_databases!(
    an_invitation_is_mailed_and_accepting_it_signs_the_person_in,
    an_invalid_invitation_names_every_field_and_writes_nothing,
    resending_replaces_the_link_and_revoking_removes_the_invitation,
    an_expired_invitation_says_so,
    a_mail_outage_delays_mail_and_a_refusal_is_shown,
    a_temporary_password_is_shown_once_and_must_be_replaced,
    edits_are_saved_audited_and_never_silently_overwritten,
    suspension_ends_sessions_and_reactivation_restores_access,
    the_guardrails_hold_on_the_server,
    password_resets_end_sessions_and_links_work_once,
    forgot_password_answers_the_same_and_is_rate_limited,
    accounts_of_another_organisation_are_out_of_reach,
);

async fn an_invitation_is_mailed_and_accepting_it_signs_the_person_in(backend: Backend) {
    let a = acme(backend).await;
    let added = invite(&a, "Grace@Acme.example").await;
    assert_eq!(added.temporary_password, None);
    let grace = find_user(&a.app, added.user_id).await.expect("created");
    assert_eq!(grace.status, UserStatus::Invited);
    assert_eq!(grace.password_hash, None);
    assert_eq!(grace.timezone.as_deref(), Some("Europe/London"));

    // A real SMTP conversation delivers it, with the organisation's name and a working link.
    let mail = a.app.smtp.message_to("Grace@Acme.example").await;
    assert!(mail.subject.contains("Org acme"), "{}", mail.subject);
    assert!(
        mail.text.contains("Ada Lovelace has invited you"),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("Org acme"), "{}", mail.html);
    let link = mail.link(&format!("{}/invitation?token=", a.app.base));
    let secret = token_of(&link);
    let stored = token::Entity::find()
        .filter(token::Column::UserId.eq(grace.id))
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, secret, "only a hash is stored");
    let days = (stored.expires_at - stored.created_at).num_days();
    assert_eq!(days, 7);

    let page = a
        .app
        .client()
        .get(&format!("/invitation?token={secret}"))
        .await;
    assert_eq!(page.status, 200);
    let guest = a.app.client();
    assert!(matches!(
        link_state(&guest, "links/invitation", &secret).await,
        LinkState::Valid { ref email, .. } if email == "Grace@Acme.example"
    ));

    let weak = guest
        .invoke(AcceptInvitation {
            token: secret.to_string(),
            password: "password".into(),
            confirmation: "password".into(),
        })
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.error().field_message("password").is_some());

    let accepted = guest.invoke(accepting(&secret)).await;
    assert_eq!(
        accepted.location().as_deref(),
        Some("/o/acme"),
        "{accepted:?}"
    );
    let me: app::model::CurrentUser = guest
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .json();
    assert_eq!(me.id, grace.id);
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().status,
        UserStatus::Active
    );

    // The link works once.
    let again = a.app.client().invoke(accepting(&secret)).await;
    assert_eq!(again.status, 409);
    assert!(matches!(
        link_state(&guest, "links/invitation", &secret).await,
        LinkState::Used { .. }
    ));
    assert_eq!(
        a.app
            .client()
            .sign_in("acme", "grace@acme.example", NEW_PASSWORD)
            .await
            .status,
        200
    );
    assert_eq!(
        audit_actions(&a.app, grace.id).await,
        ["user.invited", "user.invitation_accepted"]
    );
    assert!(matches!(
        link_state(&guest, "links/invitation", "made-up").await,
        LinkState::Unknown
    ));
}

async fn counts(app: &TestApp) -> (u64, u64, u64) {
    (
        user::Entity::find().count(app.db()).await.unwrap(),
        outbox_message::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        audit_event::Entity::find().count(app.db()).await.unwrap(),
    )
}

async fn an_invalid_invitation_names_every_field_and_writes_nothing(backend: Backend) {
    let a = acme(backend).await;
    let before = counts(&a.app).await;
    let empty = a
        .admin
        .invoke({
            let mut add = new_account(
                "not-an-address",
                &[],
                UserType::Agent,
                Onboarding::Invitation,
            );
            let form = &mut add.account.form;
            form.first_name = " ".into();
            form.last_name = String::new();
            form.phone = "call me".into();
            form.timezone = "Mars/Olympus".into();
            add
        })
        .await;
    assert_eq!(empty.status, 422);
    let error = empty.error();
    for field in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "timezone",
        "roles",
    ] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    assert!(error
        .field_message("timezone")
        .unwrap()
        .contains("Europe/London"));

    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let taken = a
        .admin
        .invoke(new_account(
            "ADA@acme.EXAMPLE",
            &[agent],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken
        .error()
        .field_message("email")
        .unwrap()
        .contains("already belongs"));

    let other = a.app.organisation("globex").await;
    let foreign_role = a.app.role(&other, RoleTemplate::Agent).await;
    let foreign = a
        .admin
        .invoke(new_account(
            "new@acme.example",
            &[foreign_role],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(foreign.status, 422);
    assert!(foreign.error().field_message("roles").is_some());

    let (users, outbox, audit) = counts(&a.app).await;
    // globex's creation added no users; nothing else was written.
    assert_eq!((users, outbox, audit), before);
}

async fn invitations(client: &Client) -> Vec<Invitation> {
    client
        .invoke(ListInvitations {
            slug: "acme".into(),
        })
        .await
        .json()
}

async fn resending_replaces_the_link_and_revoking_removes_the_invitation(backend: Backend) {
    let a = acme(backend).await;
    let grace = invite(&a, "grace@acme.example").await;
    let first = token_of(
        &a.app
            .smtp
            .message_to("grace@acme.example")
            .await
            .link(&format!("{}/invitation", a.app.base)),
    );
    wait_until("the invitation shows as sent", || async {
        matches!(
            invitations(&a.admin)
                .await
                .first()
                .and_then(|i| i.delivery.clone()),
            Some(Delivery::Sent { .. })
        )
    })
    .await;
    let listed = invitations(&a.admin).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].email, "grace@acme.example");
    assert!(!listed[0].expired);
    assert_eq!(
        listed[0].expires.relative(app::i18n::Locale::En),
        "in 6 days"
    );

    let resent = a
        .admin
        .invoke(ResendInvitation {
            slug: "acme".into(),
            id: grace.user_id,
        })
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    let second = token_of(
        &a.app
            .smtp
            .nth_to("grace@acme.example", 1)
            .await
            .link(&format!("{}/invitation", a.app.base)),
    );
    assert_ne!(first, second);
    let guest = a.app.client();
    assert!(matches!(
        link_state(&guest, "links/invitation", &first).await,
        LinkState::Used { .. }
    ));
    assert!(matches!(
        link_state(&guest, "links/invitation", &second).await,
        LinkState::Valid { .. }
    ));

    let revoked = a
        .admin
        .invoke(RevokeInvitation {
            slug: "acme".into(),
            id: grace.user_id,
        })
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert!(find_user(&a.app, grace.user_id).await.is_none());
    assert!(invitations(&a.admin).await.is_empty());
    assert!(matches!(
        link_state(&guest, "links/invitation", &second).await,
        LinkState::Unknown
    ));
    let accept = guest.invoke(accepting(&second)).await;
    assert_eq!(accept.status, 409);
    assert_eq!(
        audit_actions(&a.app, grace.user_id).await,
        [
            "user.invited",
            "user.invitation_resent",
            "user.invitation_revoked"
        ]
    );
    // Only invitations can be resent or revoked.
    let not_invited = a
        .admin
        .invoke(RevokeInvitation {
            slug: "acme".into(),
            id: a.ada.id,
        })
        .await;
    assert_eq!(not_invited.status, 409);
    assert!(find_user(&a.app, a.ada.id).await.is_some());
}

async fn an_expired_invitation_says_so(backend: Backend) {
    let a = acme(backend).await;
    let grace = invite(&a, "grace@acme.example").await;
    let secret = token_of(
        &a.app
            .smtp
            .message_to("grace@acme.example")
            .await
            .link(&format!("{}/invitation", a.app.base)),
    );
    token::Entity::update_many()
        .col_expr(
            token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(token::Column::UserId.eq(grace.user_id))
        .exec(a.app.db())
        .await
        .unwrap();
    let guest = a.app.client();
    assert!(matches!(
        link_state(&guest, "links/invitation", &secret).await,
        LinkState::Expired { ref organisation_slug, .. } if organisation_slug == "acme"
    ));
    let accept = guest.invoke(accepting(&secret)).await;
    assert_eq!(accept.status, 409);
    assert!(accept.error().to_string().contains("send a new one"));
    assert!(invitations(&a.admin).await[0].expired);
    assert_eq!(
        find_user(&a.app, grace.user_id).await.unwrap().status,
        UserStatus::Invited
    );
}

async fn a_mail_outage_delays_mail_and_a_refusal_is_shown(backend: Backend) {
    let a = acme(backend).await;
    a.app
        .smtp
        .refuse_next(2, "451 4.3.0 Mail server busy, try again later");
    invite(&a, "grace@acme.example").await;
    // Two refusals, then delivered: retried with backoff, never lost.
    let mail = a.app.smtp.message_to("grace@acme.example").await;
    assert!(mail.subject.contains("invited"));
    wait_until("the delivery is recorded", || async {
        outbox_row(&a.app, "grace@acme.example")
            .await
            .sent_at
            .is_some()
    })
    .await;
    let row = outbox_row(&a.app, "grace@acme.example").await;
    assert_eq!(row.attempts, 3);
    assert!(row.sent_at.is_some());
    assert_eq!(row.failed_at, None);

    a.app.smtp.refuse_next(1, "550 5.1.1 No such mailbox here");
    invite(&a, "nobody@acme.example").await;
    wait_until("the refusal is recorded", || async {
        outbox_row(&a.app, "nobody@acme.example")
            .await
            .failed_at
            .is_some()
    })
    .await;
    let listed = invitations(&a.admin).await;
    let failed = listed
        .iter()
        .find(|i| i.email == "nobody@acme.example")
        .unwrap();
    match &failed.delivery {
        Some(Delivery::Failed { error }) => assert!(error.contains("No such mailbox"), "{error}"),
        other => panic!("{other:?}"),
    }
    // A permanent refusal is not retried.
    let transactions = a.app.smtp.transactions();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(a.app.smtp.transactions(), transactions);
}

async fn a_temporary_password_is_shown_once_and_must_be_replaced(backend: Backend) {
    let a = acme(backend).await;
    let viewer = a.app.role(&a.acme, RoleTemplate::Viewer).await;
    let added: Added = a
        .admin
        .invoke(new_account(
            "grace@acme.example",
            &[viewer],
            UserType::Viewer,
            Onboarding::TemporaryPassword,
        ))
        .await
        .json();
    let password = added.temporary_password.expect("shown once");
    let grace = find_user(&a.app, added.user_id).await.unwrap();
    assert_eq!(grace.status, UserStatus::Active);
    assert!(grace.must_change_password);
    assert!(!grace.password_hash.clone().unwrap().contains(&password));
    // No email, and reading the account back never shows the password.
    assert_eq!(
        outbox_message::Entity::find()
            .filter(outbox_message::Column::ToAddress.eq("grace@acme.example"))
            .count(a.app.db())
            .await
            .unwrap(),
        0
    );
    let detail = a
        .admin
        .invoke(GetUser {
            slug: "acme".into(),
            id: grace.id,
        })
        .await;
    assert!(!detail.body.contains(&password));
    let browser = a.app.client();
    let signed_in = browser
        .sign_in("acme", "grace@acme.example", &password)
        .await;
    assert_eq!(
        signed_in.location().as_deref(),
        Some("/o/acme/change-password")
    );
    let blocked = browser
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery::default(),
        })
        .await;
    assert_eq!(blocked.status, 403);
    assert_eq!(audit_actions(&a.app, grace.id).await, ["user.created"]);
}

async fn edits_are_saved_audited_and_never_silently_overwritten(backend: Backend) {
    let a = acme(backend).await;
    let grace = invite(&a, "grace@acme.example").await;
    let second_admin = a.app.user(&a.acme, "bob@acme.example", PASSWORD).await;
    let bob = a.app.client();
    bob.sign_in("acme", "bob@acme.example", PASSWORD).await;
    let _ = second_admin;

    let loaded_by_ada = detail(&a.admin, grace.user_id).await;
    let loaded_by_bob = detail(&bob, grace.user_id).await;
    assert_eq!(loaded_by_ada.user_type, UserType::Agent);
    assert_eq!(loaded_by_ada.status, UserStatus::Invited);

    let saved = a
        .admin
        .invoke(change(&loaded_by_ada, |f| {
            f.last_name = "Brewster Hopper".into();
            f.phone = "+1 555 0100 123".into();
        }))
        .await;
    let saved: AccountDetail = saved.json();
    assert_eq!(saved.version, loaded_by_ada.version + 1);
    assert_eq!(saved.form.last_name, "Brewster Hopper");

    // Bob saves from the form he loaded before Ada's change: refused, nothing overwritten.
    let stale = bob
        .invoke(change(&loaded_by_bob, |f| f.first_name = "Amazing".into()))
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.error().to_string().contains("Someone else changed"));
    let now = detail(&a.admin, grace.user_id).await;
    assert_eq!(now.form.first_name, "Grace");
    assert_eq!(now.form.last_name, "Brewster Hopper");

    // Validation on edit, and email uniqueness ignoring case.
    let taken = a
        .admin
        .invoke(change(&now, |f| f.email = "BOB@acme.example".into()))
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.error().field_message("email").is_some());

    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("user.updated"))
        .one(a.app.db())
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(event.actor_user_id, Some(a.ada.id));
    let changes = event.changes.unwrap();
    assert_eq!(changes["last_name"]["before"], "Hopper");
    assert_eq!(changes["last_name"]["after"], "Brewster Hopper");
    assert!(changes.get("first_name").is_none());
}

async fn current(client: &Client) -> u16 {
    client
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .status
}

async fn assignable(client: &Client) -> Vec<Assignable> {
    client
        .invoke(AssignableUsers {
            slug: "acme".into(),
            search: "".into(),
        })
        .await
        .json()
}

async fn suspension_ends_sessions_and_reactivation_restores_access(backend: Backend) {
    let a = acme(backend).await;
    let agent = a.app.role(&a.acme, RoleTemplate::Agent).await;
    let grace = a
        .app
        .user_with(&a.acme, "grace@acme.example", PASSWORD, |u| {
            u.user_type = Set(UserType::Agent);
        })
        .await;
    user_role::ActiveModel {
        user_id: Set(grace.id),
        role_id: Set(agent),
    }
    .insert(a.app.db())
    .await
    .unwrap();
    let browser = a.app.client();
    browser
        .sign_in("acme", "grace@acme.example", PASSWORD)
        .await;
    assert_eq!(current(&browser).await, 200);
    assert!(assignable(&a.admin).await.iter().any(|p| p.id == grace.id));

    let id = grace.id;
    let suspended = a
        .admin
        .invoke(SuspendUser {
            slug: "acme".into(),
            id,
        })
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    // Her open browser is signed out on its next request, and she cannot sign in.
    assert_eq!(current(&browser).await, 401);
    assert_eq!(
        browser
            .sign_in("acme", "grace@acme.example", PASSWORD)
            .await
            .status,
        422
    );
    assert!(!assignable(&a.admin).await.iter().any(|p| p.id == grace.id));
    let list: UserList = a
        .admin
        .invoke(ListUsers {
            slug: "acme".into(),
            query: UserQuery::default(),
        })
        .await
        .json();
    assert!(!list.rows.iter().any(|r| r.id == grace.id));
    assert_eq!(list.stats.suspended, 1);

    let reactivated = a
        .admin
        .invoke(ReactivateUser {
            slug: "acme".into(),
            id,
        })
        .await;
    assert_eq!(reactivated.status, 200, "{}", reactivated.body);
    assert_eq!(
        browser
            .sign_in("acme", "grace@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    assert_eq!(detail(&a.admin, grace.id).await.form.roles, vec![agent]);
    assert_eq!(
        audit_actions(&a.app, grace.id).await,
        ["user.suspended", "user.reactivated"]
    );
}

async fn the_guardrails_hold_on_the_server(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    let admin_role = app.role(&acme, RoleTemplate::Admin).await;
    let agent_role = app.role(&acme, RoleTemplate::Agent).await;
    let viewer = app.role(&acme, RoleTemplate::Viewer).await;
    let manager_role = custom_role(
        &app,
        &acme,
        "People manager",
        &[
            Permission::UsersView,
            Permission::UsersEdit,
            Permission::UsersSuspend,
            Permission::UsersInvite,
        ],
    )
    .await;
    // Ann administers through the Admin role; Max manages people but not roles.
    let (ann, ann_client) = member(&app, &acme, "ann@acme.example", &[admin_role]).await;
    let (_, max_client) = member(&app, &acme, "max@acme.example", &[manager_role]).await;

    // Nobody suspends themselves or changes their own roles.
    let own = ann_client
        .invoke(SuspendUser {
            slug: "acme".into(),
            id: ann.id,
        })
        .await;
    assert_eq!(own.status, 403);
    assert!(own.error().to_string().contains("suspend yourself"));
    let mine = detail(&ann_client, ann.id).await;
    let own_roles = ann_client
        .invoke(change(&mine, |f| f.roles = vec![admin_role, agent_role]))
        .await;
    assert_eq!(own_roles.status, 422);
    assert!(own_roles
        .error()
        .field_message("roles")
        .unwrap()
        .contains("your own roles"));
    // Changing one's own name is fine.
    let renamed = ann_client
        .invoke(change(&mine, |f| f.first_name = "Anne".into()))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);

    // Max manages people, but not Ann, who may do more than he may.
    let outranked = max_client
        .invoke(SuspendUser {
            slug: "acme".into(),
            id: ann.id,
        })
        .await;
    assert_eq!(outranked.status, 403, "{}", outranked.body);

    // The last active administrator can be neither suspended nor demoted, not even by a
    // super-admin acting in the organisation.
    let root = app.super_admin().await;
    let last = root
        .invoke(SuspendUser {
            slug: "acme".into(),
            id: ann.id,
        })
        .await;
    assert_eq!(last.status, 409, "{}", last.body);
    assert!(last
        .error()
        .to_string()
        .contains("last active administrator"));
    let ann_now = detail(&root, ann.id).await;
    let demote = root
        .invoke(change(&ann_now, |f| f.roles = vec![viewer]))
        .await;
    assert_eq!(demote.status, 422);
    assert!(
        demote
            .error()
            .field_message("roles")
            .unwrap()
            .contains("last active administrator"),
        "{:?}",
        demote.error()
    );

    // Nobody grants what they do not hold: not a role, not a user type.
    let (grace, _) = member(&app, &acme, "grace@acme.example", &[viewer]).await;
    let grace_now = detail(&max_client, grace.id).await;
    let grant = max_client
        .invoke(change(&grace_now, |f| f.roles = vec![viewer, admin_role]))
        .await;
    assert_eq!(grant.status, 422);
    assert!(grant
        .error()
        .field_message("roles")
        .unwrap()
        .contains("Admin"));
    let admin_type = max_client
        .invoke(new_account(
            "boss@acme.example",
            &[agent_role],
            UserType::TenantAdmin,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(admin_type.status, 422);
    assert!(admin_type.error().field_message("user_type").is_some());
    assert!(auth_user(&app, &acme, "boss@acme.example").await.is_none());

    // With a second administrator, Ann may be demoted.
    let (_, _) = member(&app, &acme, "second@acme.example", &[admin_role]).await;
    let demoted = root
        .invoke(change(&ann_now, |f| f.roles = vec![viewer]))
        .await;
    assert_eq!(demoted.status, 200, "{}", demoted.body);
    // And her new permissions apply on her next request.
    let denied = ann_client
        .invoke(SuspendUser {
            slug: "acme".into(),
            id: grace.id,
        })
        .await;
    assert_eq!(denied.status, 403);

    // Someone with only the Viewer role may look but not change.
    let (_, viewer_client) = member(&app, &acme, "vic@acme.example", &[viewer]).await;
    let refused = viewer_client
        .invoke(SuspendUser {
            slug: "acme".into(),
            id: grace.id,
        })
        .await;
    assert_eq!(refused.status, 403);
    let refused = viewer_client
        .invoke(new_account(
            "x@acme.example",
            &[agent_role],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(refused.status, 403);
    let refused = viewer_client
        .invoke(ResetUserPassword {
            slug: "acme".into(),
            id: grace.id,
            method: ResetMethod::TemporaryPassword,
        })
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        find_user(&app, grace.id).await.unwrap().status,
        UserStatus::Active
    );
}

async fn password_resets_end_sessions_and_links_work_once(backend: Backend) {
    let a = acme(backend).await;
    let grace = a.app.user(&a.acme, "grace@acme.example", PASSWORD).await;
    let browser = a.app.client();
    browser
        .sign_in("acme", "grace@acme.example", PASSWORD)
        .await;
    let id = grace.id;

    let sent: ResetDone = a
        .admin
        .invoke(ResetUserPassword {
            slug: "acme".into(),
            id,
            method: ResetMethod::Email,
        })
        .await
        .json();
    assert_eq!(sent.temporary_password, None);
    assert_eq!(current(&browser).await, 401, "sessions end at once");
    let mail = a.app.smtp.message_to("grace@acme.example").await;
    assert!(
        mail.text
            .contains("Ada Lovelace, an administrator of Org acme"),
        "{}",
        mail.text
    );
    let secret = token_of(&mail.link(&format!("{}/reset-password?token=", a.app.base)));
    let stored = token::Entity::find()
        .filter(token::Column::UserId.eq(grace.id))
        .one(a.app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.expires_at - stored.created_at).num_minutes(), 60);
    let page = a
        .app
        .client()
        .get(&format!("/reset-password?token={secret}"))
        .await;
    assert_eq!(page.status, 200);

    let reset = browser.invoke(resetting(&secret)).await;
    assert_eq!(reset.location().as_deref(), Some("/o/acme"), "{reset:?}");
    assert_eq!(current(&browser).await, 200);
    assert_eq!(
        a.app
            .client()
            .sign_in("acme", "grace@acme.example", PASSWORD)
            .await
            .status,
        422
    );
    let twice = a
        .app
        .client()
        .invoke(CompleteReset {
            token: secret.to_string(),
            password: "yet another long phrase".into(),
            confirmation: "yet another long phrase".into(),
        })
        .await;
    assert_eq!(twice.status, 409);

    let temporary: ResetDone = a
        .admin
        .invoke(ResetUserPassword {
            slug: "acme".into(),
            id,
            method: ResetMethod::TemporaryPassword,
        })
        .await
        .json();
    let password = temporary.temporary_password.expect("shown once");
    assert_eq!(current(&browser).await, 401);
    let again = a.app.client();
    assert_eq!(
        again
            .sign_in("acme", "grace@acme.example", &password)
            .await
            .location()
            .as_deref(),
        Some("/o/acme/change-password")
    );
    assert_eq!(
        audit_actions(&a.app, grace.id).await,
        [
            "user.password_reset_sent",
            "user.password_reset_completed",
            "user.password_reset_temporary"
        ]
    );
}

async fn forgot_password_answers_the_same_and_is_rate_limited(backend: Backend) {
    let a = acme(backend).await;
    a.app.user(&a.acme, "grace@acme.example", PASSWORD).await;
    let guest = a.app.client();
    let unknown = guest
        .invoke(ForgotPassword {
            slug: "acme".into(),
            email: "nobody@acme.example".into(),
        })
        .await;
    let known = guest
        .invoke(ForgotPassword {
            slug: "acme".into(),
            email: "Grace@acme.example".into(),
        })
        .await;
    assert_eq!(unknown.status, known.status);
    assert_eq!(unknown.location(), known.location());
    assert_eq!(unknown.body, known.body);
    assert_eq!(
        known.location().as_deref(),
        Some("/o/acme/forgot-password?sent=1")
    );
    let mail = a.app.smtp.message_to("grace@acme.example").await;
    assert!(
        mail.text.contains("Someone asked to reset"),
        "{}",
        mail.text
    );
    assert_eq!(
        outbox_message::Entity::find()
            .filter(outbox_message::Column::ToAddress.eq("nobody@acme.example"))
            .count(a.app.db())
            .await
            .unwrap(),
        0
    );
    // Three requests for one address go through; the next is slowed down.
    for _ in 0..2 {
        let ok = guest
            .invoke(ForgotPassword {
                slug: "acme".into(),
                email: "grace@acme.example".into(),
            })
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
    let throttled = guest
        .invoke(ForgotPassword {
            slug: "acme".into(),
            email: "grace@acme.example".into(),
        })
        .await;
    assert_eq!(throttled.status, 429);
    assert!(matches!(throttled.error(), AppError::Throttled { .. }));
    // The same limit for an address nobody has: the answer reveals nothing.
    for _ in 0..3 {
        guest
            .invoke(ForgotPassword {
                slug: "acme".into(),
                email: "ghost@acme.example".into(),
            })
            .await;
    }
    let ghost = guest
        .invoke(ForgotPassword {
            slug: "acme".into(),
            email: "ghost@acme.example".into(),
        })
        .await;
    assert_eq!(ghost.status, 429);
    // Only the newest link works (links are written after the answer).
    let db = a.app.db();
    wait_until("the three links are written", || async {
        token::Entity::find().count(db).await.unwrap() == 3
    })
    .await;
    let live = token::Entity::find()
        .filter(token::Column::UsedAt.is_null())
        .count(a.app.db())
        .await
        .unwrap();
    assert_eq!(live, 1);
}

async fn accounts_of_another_organisation_are_out_of_reach(backend: Backend) {
    let a = acme(backend).await;
    let globex = a.app.organisation("globex").await;
    let victim = a.app.user(&globex, "victim@globex.example", PASSWORD).await;
    let globex_role = a.app.role(&globex, RoleTemplate::Agent).await;
    let id = victim.id.to_string();
    let before = find_user(&a.app, victim.id).await.unwrap();

    // Acme's admin names globex's account under acme: not found, nothing changes.
    for (endpoint, extra) in [
        ("users/get", None),
        ("users/suspend", None),
        ("users/reactivate", None),
        (
            "users/reset-password",
            Some(("method", "TemporaryPassword")),
        ),
        ("users/invitations/resend", None),
        ("users/invitations/revoke", None),
    ] {
        let mut form = vec![("slug", "acme"), ("id", id.as_str())];
        form.extend(extra);
        let answer = a.admin.call(endpoint, &form).await;
        assert_eq!(answer.status, 404, "{endpoint}: {}", answer.body);
        // And under globex's slug: not a member there.
        form[0] = ("slug", "globex");
        let answer = a.admin.call(endpoint, &form).await;
        assert_eq!(answer.status, 401, "{endpoint}: {}", answer.body);
    }
    let victim_detail = AccountDetail {
        id: victim.id,
        form: app::model::account::AccountForm {
            first_name: "Mallory".into(),
            last_name: "X".into(),
            email: "victim@globex.example".into(),
            roles: vec![globex_role],
            ..Default::default()
        },
        user_type: UserType::TenantAdmin,
        status: UserStatus::Active,
        version: before.version,
        created: app::model::users::Moment::new(before.created_at, before.created_at),
        last_sign_in: None,
        permissions: Vec::new(),
        is_self: false,
        avatar_url: None,
        platform_role: app::model::PlatformRole::None,
        replaced: false,
        directory: None,
    };
    let update = a.admin.invoke(change(&victim_detail, |_| {})).await;
    assert_eq!(update.status, 404);
    let invited = a
        .admin
        .invoke(new_account(
            "spy@acme.example",
            &[globex_role],
            UserType::Agent,
            Onboarding::Invitation,
        ))
        .await;
    assert_eq!(
        invited.status, 422,
        "another organisation's role is refused"
    );
    assert_eq!(find_user(&a.app, victim.id).await.unwrap(), before);
    let names: Vec<String> = assignable(&a.admin)
        .await
        .into_iter()
        .filter_map(|p| p.email)
        .collect();
    assert_eq!(names, ["ada@acme.example"]);
}
