//! Signing in and out, throttling, sessions, forced password change.

use crate::{
    on_both_databases,
    support::{Backend, TestApp},
};
use app::api::auth::{Logout, SignedInUser};
use app::{
    entities::{login_event, session, user},
    model::{AppError, UserStatus},
    services::auth::SIGN_IN_REFUSED,
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};
use sha2::{Digest, Sha256};

const PASSWORD: &str = "a long and private phrase";

on_both_databases!(
    signing_in_opens_the_console,
    every_failed_sign_in_gets_the_same_answer_and_is_recorded,
    repeated_failures_are_slowed_then_refused,
    parallel_guesses_cannot_pass_the_limit,
    signing_out_ends_the_session,
    an_expired_session_lands_on_the_sign_in_page,
    a_temporary_password_must_be_replaced_first,
    changing_the_password_ends_other_sessions,
    old_hashes_are_upgraded_at_sign_in,
    a_session_of_one_organisation_does_not_open_another,
    one_address_spraying_many_accounts_is_refused,
);

async fn signing_in_opens_the_console(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "Ada@Example.com", PASSWORD).await;
    let browser = app.client();

    let before = browser.get("/o/acme").await;
    assert_eq!(before.status, 303);
    assert_eq!(
        before.location().as_deref(),
        Some("/o/acme/login?next=/o/acme")
    );

    let answer = browser
        .sign_in("acme", "  ada@example.COM ", PASSWORD)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.location().as_deref(), Some("/o/acme"));
    let cookie = answer
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );

    // Only the SHA-256 of the cookie's secret is stored.
    let secret = cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("secret");
    assert!(secret.len() >= 43, "256-bit secret expected, got {secret}");
    let stored = session::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, secret);
    assert_eq!(
        stored.token_hash,
        hex::encode(Sha256::digest(secret.as_bytes()))
    );

    let page = browser.get("/o/acme").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Ada Lovelace") && page.body.contains("Welcome"),
        "{}",
        page.body
    );
}

async fn every_failed_sign_in_gets_the_same_answer_and_is_recorded(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    app.user_with(&org, "gone@example.com", PASSWORD, |u| {
        u.status = Set(UserStatus::Suspended)
    })
    .await;
    app.user_with(&org, "new@example.com", PASSWORD, |u| {
        u.status = Set(UserStatus::Invited)
    })
    .await;
    let browser = app.client();
    let attempts = [
        (
            "nowhere",
            "ada@example.com",
            PASSWORD,
            "unknown_organisation",
        ),
        ("acme", "nobody@example.com", PASSWORD, "unknown_user"),
        (
            "acme",
            "ada@example.com",
            "not the password at all",
            "wrong_password",
        ),
        ("acme", "gone@example.com", PASSWORD, "not_active"),
        ("acme", "new@example.com", PASSWORD, "not_active"),
    ];
    let mut bodies = Vec::new();
    for (slug, email, password, _) in attempts {
        let answer = browser.sign_in(slug, email, password).await;
        assert_eq!(answer.status, 422);
        assert_eq!(answer.error().to_string(), SIGN_IN_REFUSED);
        assert!(answer.headers.get("set-cookie").is_none());
        bodies.push(answer.body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "answers differ: {bodies:?}"
    );

    let events = login_event::Entity::find()
        .order_by_asc(login_event::Column::At)
        .all(app.db())
        .await
        .unwrap();
    let reasons: Vec<_> = events
        .iter()
        .map(|e| e.failure_reason.clone().unwrap_or_default())
        .collect();
    let expected: Vec<_> = attempts.iter().map(|a| a.3.to_string()).collect();
    assert_eq!(reasons, expected);
    assert!(events.iter().all(|e| !e.success
        && e.ip.as_deref() == Some("127.0.0.1")
        && e.user_agent.as_deref() == Some("tenantry-tests/1.0")));
}

async fn repeated_failures_are_slowed_then_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    for _ in 0..5 {
        let answer = browser
            .sign_in("acme", "ada@example.com", "wrong guess here")
            .await;
        assert_eq!(answer.error().to_string(), SIGN_IN_REFUSED);
    }
    // Even the right password is refused now, with a message saying why and for how long.
    let answer = browser.sign_in("acme", "ada@example.com", PASSWORD).await;
    assert_eq!(answer.status, 429);
    match answer.error() {
        AppError::Throttled {
            message,
            retry_after_secs,
        } => {
            assert!(
                message.starts_with("Too many failed sign-in attempts"),
                "{message}"
            );
            assert!(retry_after_secs > 0);
        }
        other => panic!("expected throttling, got {other:?}"),
    }
    // Another account of the same organisation is not affected.
    app.user(&org, "grace@example.com", PASSWORD).await;
    assert_eq!(
        browser
            .sign_in("acme", "grace@example.com", PASSWORD)
            .await
            .status,
        200
    );
}

async fn parallel_guesses_cannot_pass_the_limit(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let guesses = (0..20).map(|i| {
        let browser = app.client();
        async move {
            browser
                .sign_in(
                    "acme",
                    "ada@example.com",
                    &format!("wrong guess number {i}"),
                )
                .await
        }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| a.status == 422).count();
    let refused = answers.iter().filter(|a| a.status == 429).count();
    assert_eq!(
        checked, 5,
        "only the free attempts may reach the password check"
    );
    assert_eq!(refused, 15);
    let wrong = login_event::Entity::find()
        .filter(login_event::Column::FailureReason.eq("wrong_password"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(wrong, 5);
}

async fn signing_out_ends_the_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    browser.sign_in("acme", "ada@example.com", PASSWORD).await;
    assert_eq!(browser.get("/o/acme").await.status, 200);

    let answer = browser
        .invoke(Logout {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(answer.location().as_deref(), Some("/o/acme/login"));
    assert_eq!(session::Entity::find().count(app.db()).await.unwrap(), 0);
    assert_eq!(browser.get("/o/acme").await.status, 303);
}

async fn an_expired_session_lands_on_the_sign_in_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    browser.sign_in("acme", "ada@example.com", PASSWORD).await;
    assert_eq!(browser.get("/o/acme").await.status, 200);

    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    session::Entity::update_many()
        .col_expr(session::Column::IdleExpiresAt, Expr::value(past))
        .exec(app.db())
        .await
        .unwrap();
    let page = browser.get("/o/acme/users").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location().as_deref(),
        Some("/o/acme/login?next=/o/acme/users")
    );
    let answer = browser
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.error(), AppError::Unauthenticated);

    // The absolute limit holds however busy the session is.
    browser.sign_in("acme", "ada@example.com", PASSWORD).await;
    session::Entity::update_many()
        .col_expr(session::Column::AbsoluteExpiresAt, Expr::value(past))
        .exec(app.db())
        .await
        .unwrap();
    assert_eq!(browser.get("/o/acme").await.status, 303);
}

async fn a_temporary_password_must_be_replaced_first(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    let temporary = "Tmp-abcde-fghij-klmno";
    app.user_with(&org, "ada@example.com", temporary, |u| {
        u.must_change_password = Set(true)
    })
    .await;
    let browser = app.client();
    let answer = browser.sign_in("acme", "ada@example.com", temporary).await;
    assert_eq!(
        answer.location().as_deref(),
        Some("/o/acme/change-password")
    );
    let page = browser.get("/o/acme").await;
    assert_eq!(page.location().as_deref(), Some("/o/acme/change-password"));
    assert_eq!(browser.get("/o/acme/change-password").await.status, 200);
    let answer = browser
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(answer.error(), AppError::PasswordChangeRequired);

    let change = |new: &'static str, confirmation: &'static str| {
        let browser = browser.clone();
        async move {
            browser
                .change_password_confirmed("acme", temporary, new, confirmation)
                .await
        }
    };
    let short = change("short", "short").await;
    assert!(short
        .error()
        .field_message("new_password")
        .unwrap()
        .contains("at least 12"));
    let breached = change("Password1234", "Password1234").await;
    assert!(breached
        .error()
        .field_message("new_password")
        .unwrap()
        .contains("breached"));
    let mismatch = change("a fresh private phrase", "a fresh private phrasf").await;
    assert!(mismatch.error().field_message("confirmation").is_some());
    let long = "x".repeat(128) + " and more";
    assert!(
        app::model::password::length_problem(&long).is_none(),
        "up to at least 128 is allowed"
    );

    let done = change("a fresh private phrase", "a fresh private phrase").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(browser.get("/o/acme").await.status, 200);
    let stored = user::Entity::find().one(app.db()).await.unwrap().unwrap();
    assert!(!stored.must_change_password);
}

async fn changing_the_password_ends_other_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let laptop = app.client();
    let phone = app.client();
    laptop.sign_in("acme", "ada@example.com", PASSWORD).await;
    phone.sign_in("acme", "ada@example.com", PASSWORD).await;
    let wrong_current = laptop
        .change_password("acme", "not my password", "another private phrase")
        .await;
    assert!(wrong_current
        .error()
        .field_message("current_password")
        .is_some());
    assert_eq!(phone.get("/o/acme").await.status, 200);

    let done = laptop
        .change_password("acme", PASSWORD, "another private phrase")
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(laptop.get("/o/acme").await.status, 200);
    assert_eq!(phone.get("/o/acme").await.status, 303);
    let fresh = app.client();
    assert_eq!(
        fresh
            .sign_in("acme", "ada@example.com", PASSWORD)
            .await
            .status,
        422
    );
    assert_eq!(
        fresh
            .sign_in("acme", "ada@example.com", "another private phrase")
            .await
            .status,
        200
    );
}

async fn old_hashes_are_upgraded_at_sign_in(backend: Backend) {
    use argon2::{password_hash::SaltString, Algorithm, Argon2, Params, PasswordHasher, Version};
    let app = TestApp::start(backend).await;
    let org = app.organisation("acme").await;
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(4096, 1, 1, None).unwrap(),
    );
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let old = weak
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    app.user_with(&org, "ada@example.com", PASSWORD, |u| {
        u.password_hash = Set(Some(old.clone()))
    })
    .await;
    assert_eq!(
        app.client()
            .sign_in("acme", "ada@example.com", PASSWORD)
            .await
            .status,
        200
    );
    let stored = user::Entity::find().one(app.db()).await.unwrap().unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert_eq!(
        app.client()
            .sign_in("acme", "ada@example.com", PASSWORD)
            .await
            .status,
        200
    );
}

async fn a_session_of_one_organisation_does_not_open_another(backend: Backend) {
    let app = TestApp::start(backend).await;
    let acme = app.organisation("acme").await;
    app.organisation("globex").await;
    app.user(&acme, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    browser.sign_in("acme", "ada@example.com", PASSWORD).await;
    let page = browser.get("/o/globex").await;
    assert_eq!(
        page.location().as_deref(),
        Some("/o/globex/login?next=/o/globex")
    );
    let answer = browser
        .invoke(SignedInUser {
            slug: "globex".into(),
        })
        .await;
    assert_eq!(answer.error(), AppError::Unauthenticated);
    // Signing in to globex with acme's credentials fails like any unknown account.
    let answer = browser.sign_in("globex", "ada@example.com", PASSWORD).await;
    assert_eq!(answer.error().to_string(), SIGN_IN_REFUSED);
}

async fn one_address_spraying_many_accounts_is_refused(backend: Backend) {
    let app = TestApp::start_with(backend, |auth| {
        auth.ip_throttle.free_attempts = 3;
        auth.ip_throttle.max_attempts = 6;
        auth.ip_throttle.delay_step_secs = 300;
    })
    .await;
    let org = app.organisation("acme").await;
    app.user(&org, "ada@example.com", PASSWORD).await;
    let browser = app.client();
    // A successful sign-in gives its attempt back: legitimate traffic from one office never adds up.
    for _ in 0..5 {
        assert_eq!(
            browser
                .sign_in("acme", "ada@example.com", PASSWORD)
                .await
                .status,
            200
        );
    }
    for i in 0..3 {
        let answer = browser
            .sign_in(
                "acme",
                &format!("person{i}@example.com"),
                "spray password 1",
            )
            .await;
        assert_eq!(answer.status, 422, "attempt {i}");
    }
    let answer = browser
        .sign_in("acme", "person9@example.com", "spray password 1")
        .await;
    assert_eq!(answer.status, 429);
    let throttled = login_event::Entity::find()
        .filter(login_event::Column::FailureReason.eq("throttled"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(throttled, 1);
}
