//! "My profile": every person edits their own details and preferences (checked, versioned,
//! audited), uploads a picture that is checked and re-encoded, changes their address only through
//! a link sent to the new one, and ends their own sessions, never anyone else's.

use crate::{
    fixtures::{acme, audit_actions, find_user, member, token_of, Acme, NEW_PASSWORD, PASSWORD},
    on_both_databases,
    support::{Backend, Client},
};
use app::api::profile::UpdateProfile;
use app::api::users::ListUsers;
use app::model::profile::ProfileChange;
use app::{
    api::{
        accounts::GetUser,
        auth::SignedInUser,
        profile::{
            ChangeEmail, ConfirmEmailChange, EmailChangeLink, EndSessions, GetAccountSecurity,
            GetProfile, RemoveAvatar, UploadAvatar,
        },
    },
    entities::session,
    model::{
        profile::{AccountSecurity, Profile},
        AppError, CurrentUser, UserType,
    },
};
use base64::Engine;
use sea_orm::prelude::*;
use serde_json::{json, Value};

on_both_databases!(
    a_profile_is_checked_saved_and_audited,
    pictures_are_checked_reencoded_and_shown_to_colleagues_only,
    an_address_changes_only_once_the_new_one_confirms,
    people_end_their_own_sessions_and_no_one_elses,
);

pub(crate) async fn profile(client: &Client) -> Profile {
    client
        .invoke(GetProfile {
            slug: "acme".into(),
        })
        .await
        .json()
}

/// Saving `p` as read, changed by `adjust`.
pub(crate) fn edit(p: &Profile, adjust: impl FnOnce(&mut ProfileChange)) -> UpdateProfile {
    let mut change = ProfileChange {
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        timezone: p.timezone.clone(),
        locale: p.locale.code().into(),
        theme: p.theme.code().into(),
        signature: p.signature.clone(),
        notifications: p.notifications,
        version: p.version,
    };
    adjust(&mut change);
    UpdateProfile {
        slug: "acme".into(),
        change,
    }
}

/// The body that saves `p` with `edits`, which may name fields no form has.
pub(crate) fn change(p: &Profile, edits: Value) -> Value {
    let mut change = json!({
        "first_name": p.first_name,
        "last_name": p.last_name,
        "timezone": p.timezone,
        "locale": p.locale.code(),
        "theme": p.theme.code(),
        "signature": p.signature,
        "notifications": p.notifications,
        "version": p.version,
    });
    for (key, value) in edits.as_object().expect("an object") {
        change[key] = value.clone();
    }
    json!({ "slug": "acme", "change": change })
}

async fn a_profile_is_checked_saved_and_audited(backend: Backend) {
    let Acme { app, acme, .. } = acme(backend).await;
    let (grace, client) = member(&app, &acme, "grace@acme.example", &[]).await;
    let before = profile(&client).await;
    assert_eq!(before.user_type, UserType::Agent);
    assert!(before.notifications.assignment && !before.notifications.daily_digest);

    // Every problem is named at once, and nothing is written.
    let refused = client
        .invoke(edit(&before, |c| {
            c.first_name = " ".into();
            c.timezone = "Mars/Olympus".into();
            c.locale = "tlh".into();
            c.theme = "neon".into();
            c.signature = "x".repeat(2001);
        }))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let error = refused.error();
    for field in ["first_name", "timezone", "locale", "theme", "signature"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    assert!(error
        .field_message("timezone")
        .is_some_and(|m| m.contains("Europe/London")));
    assert_eq!(profile(&client).await, before);

    // A valid change is saved; type and roles are not the person's to change.
    let saved = client
        .call_json(
            "profile/update",
            &change(
                &before,
                json!({ "first_name": "Grâce", "timezone": "Europe/Paris", "locale": "fr",
                        "theme": "dark", "signature": "Grace\nSupport",
                        "notifications": { "assignment": false, "mention": true, "daily_digest": true },
                        "user_type": "tenant_admin" }),
            ),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let cookie = saved
        .headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("tenantry_lang=fr"));
    assert!(cookie, "the browser remembers the language");
    let after: Profile = saved.json();
    assert_eq!(after.first_name, "Grâce");
    assert_eq!(after.timezone, "Europe/Paris");
    assert_eq!(after.signature, "Grace\nSupport");
    assert!(!after.notifications.assignment && after.notifications.daily_digest);
    assert_eq!(after.user_type, UserType::Agent);
    let me: CurrentUser = client
        .invoke(SignedInUser {
            slug: "acme".into(),
        })
        .await
        .json();
    assert_eq!((me.locale.code(), me.theme.as_str()), ("fr", "dark"));
    assert!(audit_actions(&app, grace.id)
        .await
        .contains(&"profile.updated".to_string()));

    // The page itself is written in French.
    let page = client.get("/o/acme/profile").await;
    assert!(
        page.body.contains("<html lang=\"fr\""),
        "{}",
        &page.body[..200]
    );
    assert!(page.body.contains("Mon profil"));
    // Its browser loads the French texts alone, from a script kept for a year (its address
    // changes with the texts); a page in English names the English ones.
    let texts = client.get(&texts_script(&page.body)).await;
    assert_eq!(texts.status, 200);
    assert_eq!(
        texts.headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"public, max-age=31536000, immutable"[..])
    );
    assert!(
        texts.body.contains("\"Mon profil\""),
        "{}",
        &texts.body[..200]
    );
    assert!(!texts.body.contains("\"My profile\""));
    let english = app.client().get("/o/acme/login").await;
    assert!(texts_script(&english.body).starts_with("/texts/en."));
    // A page from another version asks with its own hash: today's texts, kept by nobody.
    let other = client.get("/texts/fr.0123456789abcdef.js").await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body, texts.body);
    assert_eq!(
        other.headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-cache"[..])
    );
    assert_eq!(
        client.get("/texts/de.0123456789abcdef.js").await.status,
        404
    );
    assert_eq!(client.get("/texts/fr").await.status, 404);

    // A save from a stale page is refused rather than silently undoing the newer one.
    let stale = client
        .invoke(edit(&before, |c| c.last_name = "Stale".into()))
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert_eq!(
        find_user(&app, grace.id).await.unwrap().last_name,
        "Lovelace"
    );

    // Two tabs saving the same page at the same moment: one wins, the other is told (never a
    // database failure, on SQLite either).
    for _ in 0..5 {
        let current = profile(&client).await;
        let (tab_a, tab_b) = (
            edit(&current, |c| c.first_name = "Tab A".into()),
            edit(&current, |c| c.first_name = "Tab B".into()),
        );
        let (a, b) = tokio::join!(client.invoke(tab_a), client.invoke(tab_b),);
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", a.body, b.body);
    }

    // Signed out, nothing is readable or writable.
    let stranger = app.client();
    let answer = stranger
        .invoke(GetProfile {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(answer.status, 401);
    let answer = stranger.invoke(edit(&after, |_| {})).await;
    assert_eq!(answer.status, 401);
}

fn encoded(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn picture(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A JPEG carrying an EXIF segment with a location in it, as phones write.
fn jpeg_with_location() -> Vec<u8> {
    let plain = picture(640, 480, image::ImageFormat::Jpeg);
    let payload = b"Exif\0\0GPS-SECRET-LOCATION-51.5N";
    let length = (payload.len() + 2) as u16;
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

async fn upload(client: &Client, bytes: &[u8]) -> crate::support::Answer {
    client
        .invoke(UploadAvatar {
            slug: "acme".into(),
            data: encoded(bytes),
        })
        .await
}

async fn fetch_bytes(client: &Client, path: &str) -> (u16, Vec<u8>) {
    let response = client
        .http
        .get(format!("{}{path}", client.base))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

async fn pictures_are_checked_reencoded_and_shown_to_colleagues_only(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let (grace, client) = member(&app, &acme, "grace@acme.example", &[]).await;
    let refusal = |answer: crate::support::Answer| -> String {
        assert_eq!(answer.status, 422, "{}", answer.body);
        answer
            .error()
            .field_message("avatar")
            .expect("about the picture")
    };

    let not_an_image = refusal(upload(&client, b"%PDF-1.7 not a picture at all").await);
    assert!(
        not_an_image.contains("not a PNG, JPEG or WebP"),
        "{not_an_image}"
    );
    let mut oversized = picture(8, 8, image::ImageFormat::Png);
    oversized.resize(2 * 1024 * 1024 + 1, 0);
    let too_big = refusal(upload(&client, &oversized).await);
    assert!(too_big.contains("largest accepted is 2.0 MB"), "{too_big}");
    // Small on disk, huge once decoded: refused from its header alone.
    let huge = refusal(upload(&client, &picture(4001, 2, image::ImageFormat::Png)).await);
    assert!(huge.contains("4001 × 2 pixels"), "{huge}");
    let mut damaged = picture(64, 64, image::ImageFormat::Png);
    damaged.truncate(60);
    let broken = refusal(upload(&client, &damaged).await);
    assert!(broken.contains("could not be read"), "{broken}");
    assert_eq!(profile(&client).await.avatar_url, None);

    // A phone photo is cropped to a square PNG without its metadata.
    let url: Option<String> = upload(&client, &jpeg_with_location()).await.json();
    let url = url.expect("an address");
    assert_eq!(
        profile(&client).await.avatar_url.as_deref(),
        Some(url.as_str())
    );
    // Her page in the Users section shows it too.
    let detail: app::model::account::AccountDetail = admin
        .invoke(GetUser {
            slug: "acme".into(),
            id: grace.id,
        })
        .await
        .json();
    assert_eq!(detail.avatar_url.as_deref(), Some(url.as_str()));
    // And so does her row in the Users list.
    let listed: app::model::users::UserList = admin
        .invoke(ListUsers {
            slug: "acme".into(),
            query: app::model::users::UserQuery::default(),
        })
        .await
        .json();
    let row = listed
        .rows
        .iter()
        .find(|r| r.id == grace.id)
        .expect("listed");
    assert_eq!(row.avatar_url.as_deref(), Some(url.as_str()));
    let (status, served) = fetch_bytes(&admin, &url).await;
    assert_eq!(status, 200, "a colleague sees it");
    let kept = image::load_from_memory(&served).expect("an image");
    assert_eq!((kept.width(), kept.height()), (256, 256));
    assert_eq!(
        image::guess_format(&served).unwrap(),
        image::ImageFormat::Png
    );
    assert!(!served.windows(10).any(|w| w == b"GPS-SECRET"));
    let webp = upload(&client, &picture(300, 200, image::ImageFormat::WebP)).await;
    assert_eq!(webp.status, 200, "{}", webp.body);

    // Another organisation and strangers get nothing.
    let globex = app.organisation("globex").await;
    let (_, outsider) = member(&app, &globex, "vic@globex.example", &[]).await;
    let path = format!("/avatars/{}", grace.id);
    assert_eq!(fetch_bytes(&outsider, &path).await.0, 404);
    assert_eq!(fetch_bytes(&app.client(), &path).await.0, 404);

    // Removed, the initials come back.
    let removed = client
        .invoke(RemoveAvatar {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(profile(&client).await.avatar_url, None);
    assert_eq!(fetch_bytes(&admin, &path).await.0, 404);
    let actions = audit_actions(&app, grace.id).await;
    assert!(actions.contains(&"profile.avatar_changed".to_string()));
    assert!(actions.contains(&"profile.avatar_removed".to_string()));
}

async fn an_address_changes_only_once_the_new_one_confirms(backend: Backend) {
    let a = acme(backend).await;
    let (grace, client) = member(&a.app, &a.acme, "grace@acme.example", &[]).await;
    // Grace reads her mail in French.
    let p = profile(&client).await;
    let saved = client.invoke(edit(&p, |c| c.locale = "fr".into())).await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let ask = |email: &'static str, password: &'static str| {
        let client = &client;
        async move {
            client
                .invoke(ChangeEmail {
                    slug: "acme".into(),
                    new_email: email.into(),
                    password: password.into(),
                })
                .await
        }
    };
    let wrong = ask("grace@new.example", "not my password").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.error().field_message("password").is_some());
    let taken = ask("ada@acme.example", PASSWORD).await;
    // In the language Grace chose.
    assert!(taken
        .error()
        .field_message("new_email")
        .is_some_and(|m| m.contains("a déjà cette adresse")));
    let invalid = ask("not an address", PASSWORD).await;
    assert!(invalid.error().field_message("new_email").is_some());

    let asked = ask("grace@new.example", PASSWORD).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(
        profile(&client).await.pending_email.as_deref(),
        Some("grace@new.example")
    );
    let confirmation = a.app.smtp.message_to("grace@new.example").await;
    assert!(
        confirmation
            .subject
            .starts_with("Confirmez votre nouvelle adresse"),
        "{}",
        confirmation.subject
    );
    let notice = a.app.smtp.message_to("grace@acme.example").await;
    assert!(notice.text.contains("grace@new.example"));
    assert!(
        !notice.text.contains("confirm-email"),
        "the link goes only to the new address"
    );

    // Until the link is opened, the old address is the one that signs in.
    let guest = a.app.client();
    assert_eq!(
        guest
            .sign_in("acme", "grace@new.example", PASSWORD)
            .await
            .status,
        422
    );
    let secret = token_of(&confirmation.link(&format!("{}/confirm-email?token=", a.app.base)));
    let shown: String = guest
        .invoke(EmailChangeLink {
            token: secret.clone(),
        })
        .await
        .json();
    assert_eq!(shown, "grace@new.example");
    // Opening the page changes nothing; only the button does.
    assert_eq!(
        guest
            .get(&format!("/confirm-email?token={secret}"))
            .await
            .status,
        200
    );
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().email,
        "grace@acme.example"
    );
    let confirmed = guest
        .invoke(ConfirmEmailChange {
            token: secret.clone(),
        })
        .await;
    assert!(
        confirmed
            .location()
            .is_some_and(|l| l.ends_with("/o/acme/profile?email=confirmed")),
        "{confirmed:?}"
    );
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().email,
        "grace@new.example"
    );
    assert_eq!(
        guest
            .sign_in("acme", "grace@new.example", PASSWORD)
            .await
            .status,
        200
    );
    assert!(audit_actions(&a.app, grace.id)
        .await
        .contains(&"profile.email_changed".to_string()));

    // The link works once.
    let again = guest
        .invoke(ConfirmEmailChange {
            token: secret.clone(),
        })
        .await;
    assert!(
        matches!(again.error(), AppError::Conflict(_)),
        "{}",
        again.body
    );
    let guessed = guest
        .invoke(EmailChangeLink {
            token: "guessed".into(),
        })
        .await;
    assert!(matches!(guessed.error(), AppError::Conflict(_)));

    // A change asked for before the password changes (by whoever held it) dies with it.
    let third = ask("grace@third.example", PASSWORD).await;
    assert_eq!(third.status, 200, "{}", third.body);
    let pending = a.app.smtp.message_to("grace@third.example").await;
    let secret = token_of(&pending.link(&format!("{}/confirm-email?token=", a.app.base)));
    let changed = client.change_password("acme", PASSWORD, NEW_PASSWORD).await;
    assert!(changed.status < 400, "{}", changed.body);
    let dead = guest
        .invoke(ConfirmEmailChange {
            token: secret.clone(),
        })
        .await;
    assert!(
        matches!(dead.error(), AppError::Conflict(_)),
        "{}",
        dead.body
    );
    assert_eq!(
        find_user(&a.app, grace.id).await.unwrap().email,
        "grace@new.example"
    );

    // Someone holding her session cannot guess her password through this form at leisure.
    let mut throttled = false;
    for _ in 0..12 {
        let answer = ask("grace@other.example", "a wrong guess of mine").await;
        if matches!(answer.error(), AppError::Throttled { .. }) {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "wrong passwords are slowed and then refused");
    // The Password page counts against the same limit: switching forms buys no more guesses.
    let switched = client
        .change_password("acme", NEW_PASSWORD, "yet another long phrase")
        .await;
    assert!(
        matches!(switched.error(), AppError::Throttled { .. }),
        "{}",
        switched.body
    );
}

async fn people_end_their_own_sessions_and_no_one_elses(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let (grace, laptop) = member(&app, &acme, "grace@acme.example", &[]).await;
    let phone = app.client();
    assert_eq!(
        phone
            .sign_in("acme", "grace@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let tablet = app.client();
    assert_eq!(
        tablet
            .sign_in("acme", "grace@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let failed = app
        .client()
        .sign_in("acme", "grace@acme.example", "a wrong guess of hers")
        .await;
    assert_eq!(failed.status, 422);

    let seen: AccountSecurity = laptop
        .invoke(GetAccountSecurity {
            slug: "acme".into(),
        })
        .await
        .json();
    assert_eq!(seen.sessions.len(), 3);
    assert_eq!(seen.sessions.iter().filter(|s| s.current).count(), 1);
    assert!(seen.sign_ins.iter().any(|s| !s.success));
    assert!(seen.sign_ins.iter().filter(|s| s.success).count() >= 3);

    // Another person's session cannot be ended, even by its id.
    let ada_session = session::Entity::find()
        .filter(session::Column::UserId.ne(grace.id))
        .one(app.db())
        .await
        .unwrap()
        .expect("ada's session");
    let ended: u64 = laptop
        .invoke(EndSessions {
            slug: "acme".into(),
            id: Some(ada_session.id),
        })
        .await
        .json();
    assert_eq!(ended, 0);
    assert_eq!(
        admin
            .invoke(SignedInUser {
                slug: "acme".into()
            })
            .await
            .status,
        200
    );

    // One of hers, then all the others.
    let other = seen.sessions.iter().find(|s| !s.current).expect("another");
    let ended: u64 = laptop
        .invoke(EndSessions {
            slug: "acme".into(),
            id: Some(other.id),
        })
        .await
        .json();
    assert_eq!(ended, 1);
    let ended: u64 = laptop
        .invoke(EndSessions {
            slug: "acme".into(),
            id: None,
        })
        .await
        .json();
    assert_eq!(ended, 1);
    for gone in [&phone, &tablet] {
        assert_eq!(
            gone.invoke(SignedInUser {
                slug: "acme".into()
            })
            .await
            .status,
            401
        );
    }
    assert_eq!(
        laptop
            .invoke(SignedInUser {
                slug: "acme".into()
            })
            .await
            .status,
        200
    );
    assert!(audit_actions(&app, grace.id)
        .await
        .contains(&"profile.sessions_ended".to_string()));
}

/// The address of the texts script a page loads.
fn texts_script(page: &str) -> String {
    let start = page.find("src=\"/texts/").expect("a texts script") + 5;
    let end = start + page[start..].find('"').expect("its end");
    page[start..end].to_string()
}
