//! Directory sync (SCIM 2.0 at `/scim/v2`): an identity provider with a `scim` key creates,
//! reads, lists with filters, replaces, patches, suspends and deprovisions people, through the
//! same flows and guardrails as the console, with SCIM's error schema for what it gets wrong.

use crate::{
    fixtures::{acme, member, Acme, PASSWORD},
    on_both_databases,
    support::{Answer, Backend, Client},
};
use app::{
    api::{
        accounts::{GetUser, ReactivateUser},
        api_keys::CreateApiKey,
    },
    entities::{audit_event, session, user},
    model::{
        account::AccountDetail,
        api_keys::{CreatedApiKey, NewApiKey},
        UserStatus, UserType,
    },
};
use reqwest::Method;
use sea_orm::{prelude::*, ActiveValue::Set, IntoActiveModel, QueryOrder};
use serde_json::{json, Value};

on_both_databases!(
    a_directory_provisions_a_person_through_their_working_life,
    filters_find_exactly_what_they_say,
    mistakes_get_scim_errors_and_change_nothing,
    directory_sync_has_no_more_rights_than_its_creator,
    the_scim2_tester_conformance_suite_passes,
    a_key_over_its_rate_is_told_to_wait,
    groups_are_teams_kept_in_step_with_the_directory,
);

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn scim_key(admin: &Client, scopes: &[&str]) -> String {
    let created: CreatedApiKey = admin
        .invoke(CreateApiKey {
            slug: "acme".into(),
            key: NewApiKey {
                name: format!("Directory {}", &Uuid::new_v4().to_string()[..8]),
                scopes: scopes.iter().map(|s| String::from(*s)).collect(),
            },
        })
        .await
        .json();
    created.secret
}

/// A `scim` key of `org` created by `creator`, written straight to the database (the console
/// only lets those who change settings create keys); returns its secret.
async fn key_made_by(
    app: &crate::support::TestApp,
    org: &app::entities::organisation::Model,
    creator: Uuid,
    secret: &'static str,
) -> &'static str {
    app::entities::api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(org.id),
        name: Set(format!("Directory of {creator}")),
        prefix: Set(secret[..11].to_string()),
        secret_hash: Set(app::services::sessions::hash_secret(secret)),
        scopes: Set(json!(["scim"])),
        created_by: Set(Some(creator)),
        created_at: Set(chrono::Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(app.db())
    .await
    .unwrap();
    secret
}

fn body(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

/// The answer's SCIM error: status, scimType, detail.
fn scim_error(answer: &Answer) -> (u16, String, String) {
    let error = body(answer);
    assert_eq!(
        error["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{}",
        answer.body
    );
    assert_eq!(error["status"], answer.status.to_string());
    (
        answer.status,
        error["scimType"].as_str().unwrap_or_default().to_string(),
        error["detail"].as_str().unwrap_or_default().to_string(),
    )
}

fn new_user(email: &str, given: &str, family: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": email,
        "name": { "givenName": given, "familyName": family },
        "emails": [{ "value": email, "type": "work", "primary": true }],
        "externalId": format!("ext-{given}"),
        "active": true,
    })
}

async fn stored(app: &crate::support::TestApp, id: &str) -> user::Model {
    user::Entity::find_by_id(Uuid::parse_str(id).unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn a_directory_provisions_a_person_through_their_working_life(backend: Backend) {
    let Acme { app, admin, .. } = acme(backend).await;
    let key = scim_key(&admin, &["scim"]).await;
    let idp = app.client();

    // Joiner: created, invited by email, its address and version given back.
    let created = idp
        .scim(
            Method::POST,
            "/Users",
            &key,
            Some(&json!({
                "schemas": [USER],
                "userName": "grace@acme.example",
                "name": { "givenName": "Grace", "familyName": "Hopper" },
                "emails": [{ "value": "grace@acme.example", "type": "work", "primary": true }],
                "phoneNumbers": [{ "value": "+44 20 7946 0000", "type": "work" }],
                "externalId": "00u1",
                "title": "Rear admiral",
                "locale": "fr-FR",
                "timezone": "Europe/Paris",
                "active": true,
            })),
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let grace = body(&created);
    let id = grace["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.location().unwrap(),
        format!("{}/scim/v2/Users/{id}", app.client().base)
    );
    assert_eq!(created.headers["content-type"], "application/scim+json");
    assert_eq!(
        grace["meta"]["version"],
        created.headers["etag"].to_str().unwrap()
    );
    assert_eq!(grace["userName"], "grace@acme.example");
    assert_eq!(grace["title"], "Rear admiral");
    assert_eq!(grace["locale"], "fr");
    assert_eq!(grace["phoneNumbers"][0]["value"], "+44 20 7946 0000");
    assert_eq!(grace["active"], true);
    let account = stored(&app, &id).await;
    assert_eq!(account.status, UserStatus::Invited);
    assert_eq!(account.user_type, UserType::Agent);
    assert_eq!(account.external_id.as_deref(), Some("00u1"));
    let invited = app::entities::outbox_message::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to_address == "grace@acme.example")
        .count();
    assert_eq!(invited, 1, "one invitation");

    // Read back, by id and through a filter.
    let read = idp
        .scim(Method::GET, &format!("/Users/{id}"), &key, None, None)
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(body(&read)["name"]["familyName"], "Hopper");
    let found = idp
        .scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22GRACE%40acme.example%22",
            &key,
            None,
            None,
        )
        .await;
    let found = body(&found);
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    // Mover: her address changes through a value path, her title goes; a stale version is
    // refused.
    let version = body(&read)["meta"]["version"].as_str().unwrap().to_string();
    let moved = idp
        .scim(Method::PATCH, &format!("/Users/{id}"), &key, Some(&json!({
            "schemas": [PATCH],
            "Operations": [
                { "op": "replace", "path": "emails[type eq \"work\"].value", "value": "grace.hopper@acme.example" },
                { "op": "remove", "path": "title" },
            ],
        })), Some(&version))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(body(&moved)["userName"], "grace.hopper@acme.example");
    assert!(body(&moved).get("title").is_none());
    let stale = idp
        .scim(
            Method::PUT,
            &format!("/Users/{id}"),
            &key,
            Some(&new_user("x@acme.example", "X", "Y")),
            Some(&version),
        )
        .await;
    assert_eq!(scim_error(&stale).0, 412);
    assert_eq!(stored(&app, &id).await.email, "grace.hopper@acme.example");

    // Leaver (for a while): active false suspends and ends her sessions.
    let mut account = stored(&app, &id).await.into_active_model();
    account.status = Set(UserStatus::Active);
    account.password_hash = Set(Some(
        app::services::passwords::Passwords::new(1)
            .unwrap()
            .hash(PASSWORD.into())
            .await
            .unwrap(),
    ));
    account.update(app.db()).await.unwrap();
    let browser = app.client();
    assert_eq!(
        browser
            .sign_in("acme", "grace.hopper@acme.example", PASSWORD)
            .await
            .status,
        200
    );
    let suspended = idp
        .scim(
            Method::PATCH,
            &format!("/Users/{id}"),
            &key,
            Some(&json!({
                "schemas": [PATCH],
                "Operations": [{ "op": "replace", "value": { "active": false } }],
            })),
            None,
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.body);
    assert_eq!(body(&suspended)["active"], false);
    assert_eq!(stored(&app, &id).await.status, UserStatus::Suspended);
    let open = session::Entity::find()
        .filter(session::Column::UserId.eq(Uuid::parse_str(&id).unwrap()))
        .all(app.db())
        .await
        .unwrap();
    assert!(open.is_empty(), "her sessions ended");
    let back = idp
        .scim(
            Method::PUT,
            &format!("/Users/{id}"),
            &key,
            Some(&json!({
                "schemas": [USER],
                "userName": "grace.hopper@acme.example",
                "name": { "givenName": "Grace", "familyName": "Murray Hopper" },
                "active": true,
            })),
            None,
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    let account = stored(&app, &id).await;
    assert_eq!(account.status, UserStatus::Active);
    assert_eq!(account.last_name, "Murray Hopper");
    assert_eq!(
        account.phone, None,
        "a PUT replaces: no number sent, none kept"
    );

    // Leaver: deprovisioned, gone for the directory, kept with her history.
    let deleted = idp
        .scim(Method::DELETE, &format!("/Users/{id}"), &key, None, None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    let gone = idp
        .scim(Method::GET, &format!("/Users/{id}"), &key, None, None)
        .await;
    assert_eq!(scim_error(&gone).0, 404);
    let account = stored(&app, &id).await;
    assert_eq!(account.status, UserStatus::Suspended);
    assert!(account.deprovisioned_at.is_some());
    let trail: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(id.clone()))
        .order_by_asc(audit_event::Column::At)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.code().to_string())
        .collect();
    for action in [
        "user.invited",
        "user.updated",
        "user.suspended",
        "user.reactivated",
        "user.deprovisioned",
    ] {
        assert!(trail.iter().any(|a| a == action), "{action} in {trail:?}");
    }
    let again = idp
        .scim(Method::DELETE, &format!("/Users/{id}"), &key, None, None)
        .await;
    assert_eq!(scim_error(&again).0, 404);

    // Her page says so; reactivated in the console, she is back for the directory too.
    let page: AccountDetail = admin
        .invoke(GetUser {
            slug: "acme".into(),
            id: account.id,
        })
        .await
        .json();
    let facts = page.directory.expect("directory facts");
    assert!(facts.removed.is_some(), "{facts:?}");
    let back = admin
        .invoke(ReactivateUser {
            slug: "acme".into(),
            id: account.id,
        })
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    let seen = idp
        .scim(Method::GET, &format!("/Users/{id}"), &key, None, None)
        .await;
    assert_eq!(body(&seen)["active"], true, "{}", seen.body);
}

async fn filters_find_exactly_what_they_say(backend: Backend) {
    let Acme { app, admin, .. } = acme(backend).await;
    let key = scim_key(&admin, &["scim"]).await;
    let idp = app.client();
    for (email, given, family) in [
        ("barbara@acme.example", "Barbara", "Jensen"),
        ("bob@acme.example", "Bob", "O'Brien"),
        ("carol_100%@acme.example", "Carol", "Smith"),
    ] {
        let answer = idp
            .scim(
                Method::POST,
                "/Users",
                &key,
                Some(&new_user(email, given, family)),
                None,
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    // A directory's own name for someone, apart from their address, finds them too, and is
    // theirs alone.
    let mut named = new_user("dee@acme.example", "Dee", "Named");
    named["userName"] = json!("dnamed");
    let dee = idp
        .scim(Method::POST, "/Users", &key, Some(&named), None)
        .await;
    assert_eq!(body(&dee)["userName"], "dnamed", "{}", dee.body);
    assert_eq!(body(&dee)["emails"][0]["value"], "dee@acme.example");
    let found = idp
        .scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22DNAMED%22",
            &key,
            None,
            None,
        )
        .await;
    assert_eq!(body(&found)["totalResults"], 1, "{}", found.body);
    let mut twin = new_user("twin@acme.example", "Twin", "Named");
    twin["userName"] = json!("dnamed");
    let taken = idp
        .scim(Method::POST, "/Users", &key, Some(&twin), None)
        .await;
    assert_eq!(
        (scim_error(&taken).0, scim_error(&taken).1.as_str()),
        (409, "uniqueness")
    );
    let dee_id = body(&dee)["id"].as_str().unwrap().to_string();
    let gone = idp
        .scim(
            Method::DELETE,
            &format!("/Users/{dee_id}"),
            &key,
            None,
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let carol = idp
        .scim(
            Method::GET,
            "/Users?filter=userName%20sw%20%22carol%22",
            &key,
            None,
            None,
        )
        .await;
    let carol_id = body(&carol)["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    idp.scim(
        Method::PATCH,
        &format!("/Users/{carol_id}"),
        &key,
        Some(&json!({
            "schemas": [PATCH],
            "Operations": [{ "op": "add", "path": "title", "value": "Engineer" }],
        })),
        None,
    )
    .await;
    let names = |filter: &str| {
        let idp = idp.clone();
        let key = key.clone();
        let filter = filter.to_string();
        async move {
            let answer = idp
                .scim(
                    Method::POST,
                    "/Users/.search",
                    &key,
                    Some(&json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                        "filter": filter,
                        "sortBy": "name.givenName",
                        "attributes": ["name.givenName"],
                    })),
                    None,
                )
                .await;
            assert_eq!(answer.status, 200, "{filter}: {}", answer.body);
            let list = body(&answer);
            let mut names: Vec<String> = list["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"]["givenName"].as_str().unwrap_or("?").to_string())
                .collect();
            // Only what was asked, and what is always returned.
            for r in list["Resources"].as_array().unwrap() {
                assert!(r.get("userName").is_none() && r.get("id").is_some(), "{r}");
            }
            names.retain(|n| n != "Ada");
            names
        }
    };
    assert_eq!(names(r#"name.familyName eq "jensen""#).await, ["Barbara"]);
    assert_eq!(
        names(r#"userName ne "bob@acme.example" and userName ew "@acme.example""#).await,
        ["Barbara", "Carol"]
    );
    assert_eq!(names(r#"name.familyName co "'b""#).await, ["Bob"]);
    // `%` and `_` are themselves, not wildcards.
    assert_eq!(names(r#"userName co "_100%""#).await, ["Carol"]);
    assert_eq!(names(r#"userName co "%""#).await, ["Carol"]);
    assert_eq!(names(r#"title pr"#).await, ["Carol"]);
    assert_eq!(
        names(r#"not (title pr) and externalId sw "ext-B""#).await,
        ["Barbara", "Bob"]
    );
    assert_eq!(
        names(r#"(name.givenName eq "Bob" or name.givenName eq "Carol") and active eq true"#).await,
        ["Bob", "Carol"]
    );
    assert_eq!(
        names(r#"emails[type eq "work" and value sw "bo"]"#).await,
        ["Bob"]
    );
    assert_eq!(
        names(r#"emails[type eq "home"]"#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(r#"externalId eq "EXT-BOB""#).await,
        Vec::<String>::new(),
        "externalId is case-exact"
    );
    assert_eq!(names(r#"meta.lastModified gt "2000-01-01T00:00:00Z" and meta.created lt "2999-01-01T00:00:00Z" and userName sw "b""#).await, ["Barbara", "Bob"]);
    assert_eq!(
        names(r#"meta.lastModified ge "2999-01-01T00:00:00Z""#).await,
        Vec::<String>::new()
    );
    assert_eq!(
        names(r#"meta.lastModified le "2000-01-01T00:00:00Z""#).await,
        Vec::<String>::new()
    );

    // Pages: startIndex counts from 1; count 0 is only the total.
    let page = |query: &'static str| {
        let idp = idp.clone();
        let key = key.clone();
        async move {
            body(
                &idp.scim(Method::GET, &format!("/Users?{query}"), &key, None, None)
                    .await,
            )
        }
    };
    let all = page("sortBy=userName&sortOrder=descending").await;
    assert_eq!(all["totalResults"], 4, "{all}");
    assert_eq!(all["Resources"][0]["userName"], "carol_100%@acme.example");
    let second = page("sortBy=userName&startIndex=2&count=2").await;
    assert_eq!(
        (second["startIndex"].clone(), second["itemsPerPage"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(second["Resources"][0]["userName"], "barbara@acme.example");
    let none = page("count=0").await;
    assert_eq!(
        (none["totalResults"].clone(), none["Resources"].clone()),
        (json!(4), json!([]))
    );
    let slim = page(
        "excludedAttributes=emails,name.familyName&filter=userName%20eq%20%22bob%40acme.example%22",
    )
    .await;
    let bob = &slim["Resources"][0];
    assert!(
        bob.get("emails").is_none() && bob["name"].get("familyName").is_none(),
        "{bob}"
    );
    assert_eq!(bob["name"]["givenName"], "Bob");
}

async fn mistakes_get_scim_errors_and_change_nothing(backend: Backend) {
    let Acme { app, admin, .. } = acme(backend).await;
    let key = scim_key(&admin, &["scim"]).await;
    let idp = app.client();
    let made = idp
        .scim(
            Method::POST,
            "/Users",
            &key,
            Some(&new_user("dan@acme.example", "Dan", "Brown")),
            None,
        )
        .await;
    let dan = body(&made)["id"].as_str().unwrap().to_string();
    let before = stored(&app, &dan).await;
    // What is sent, and the status, scimType and words of the error it must get.
    type Case = (
        Method,
        String,
        Option<Value>,
        u16,
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            Method::GET,
            "/Users?filter=userName%20eq".into(),
            None,
            400,
            "invalidFilter",
            "could not be read",
        ),
        (
            Method::GET,
            "/Users?filter=nickName%20eq%20%22x%22".into(),
            None,
            400,
            "invalidFilter",
            "nickName",
        ),
        (
            Method::GET,
            "/Users?filter=meta.lastModified%20gt%20%22soon%22".into(),
            None,
            400,
            "invalidFilter",
            "date",
        ),
        (
            Method::GET,
            "/Users?count=many".into(),
            None,
            400,
            "invalidValue",
            "count",
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(json!("not a user")),
            400,
            "invalidValue",
            "JSON object",
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(json!({ "schemas": [USER], "name": { "givenName": "No" } })),
            400,
            "invalidValue",
            "userName",
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(new_user("DAN@acme.example", "Dan", "Again")),
            409,
            "uniqueness",
            "dan@acme.example",
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(new_user("not an address", "Eve", "X")),
            400,
            "invalidValue",
            "address",
        ),
        (
            Method::POST,
            "/Users".into(),
            Some(
                json!({ "schemas": [USER], "userName": "f@acme.example", "name": { "givenName": "F", "familyName": "G" }, "active": "perhaps" }),
            ),
            400,
            "invalidValue",
            "active",
        ),
        (
            Method::PATCH,
            format!("/Users/{dan}"),
            Some(
                json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "shoeSize", "value": 44 }] }),
            ),
            400,
            "invalidPath",
            "shoeSize",
        ),
        (
            Method::PATCH,
            format!("/Users/{dan}"),
            Some(
                json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "emails[type eq \"home\"].value", "value": "h@acme.example" }] }),
            ),
            400,
            "noTarget",
            "emails",
        ),
        (
            Method::PATCH,
            format!("/Users/{dan}"),
            Some(
                json!({ "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "emails[type eq", "value": "x" }] }),
            ),
            400,
            "invalidPath",
            "path",
        ),
        // The first operation would be fine; the second is not: neither is kept.
        (
            Method::PATCH,
            format!("/Users/{dan}"),
            Some(json!({ "schemas": [PATCH], "Operations": [
            { "op": "replace", "path": "name.givenName", "value": "Daniel" },
            { "op": "replace", "path": "userType", "value": "tenant_admin" }] })),
            400,
            "mutability",
            "userType",
        ),
        (
            Method::PUT,
            format!("/Users/{dan}"),
            Some(
                json!({ "schemas": [USER], "userName": "dan@acme.example", "name": { "givenName": "", "familyName": "Brown" } }),
            ),
            400,
            "invalidValue",
            "first name",
        ),
        (
            Method::GET,
            format!("/Users/{}", Uuid::new_v4()),
            None,
            404,
            "",
            "no such user",
        ),
        (
            Method::GET,
            "/Users/not-an-id".into(),
            None,
            404,
            "",
            "no such user",
        ),
        (Method::GET, "/Bulk".into(), None, 404, "", "nothing"),
    ];
    for (method, path, sent, status, scim_type, words) in cases {
        let mut answer = idp
            .scim(method.clone(), &path, &key, sent.as_ref(), None)
            .await;
        if sent == Some(json!("not a user")) {
            // A body that is not JSON at all.
            answer = idp.scim(method.clone(), &path, &key, None, None).await;
            assert_eq!(scim_error(&answer).1, "invalidSyntax", "{}", answer.body);
            answer = idp
                .scim(method.clone(), &path, &key, sent.as_ref(), None)
                .await;
        }
        let (got, got_type, detail) = scim_error(&answer);
        let what = format!("{method} {path}: {}", answer.body);
        assert_eq!((got, got_type.as_str()), (status, scim_type), "{what}");
        assert!(
            detail.to_lowercase().contains(&words.to_lowercase()),
            "{what}"
        );
    }
    let after = stored(&app, &dan).await;
    assert_eq!(
        (after.version, after.first_name.as_str()),
        (before.version, "Dan")
    );
    let people = user::Entity::find().all(app.db()).await.unwrap().len();
    assert_eq!(people, 2, "Ada and Dan, nobody half-made");
}

async fn directory_sync_has_no_more_rights_than_its_creator(backend: Backend) {
    let Acme {
        app, admin, acme, ..
    } = acme(backend).await;
    let idp = app.client();
    // No key, a wrong key, a key without the scope.
    let none = idp.scim(Method::GET, "/Users", "", None, None).await;
    assert_eq!(scim_error(&none).0, 401);
    let wrong = idp
        .scim(Method::GET, "/Users", "tnty_nothing", None, None)
        .await;
    assert_eq!(scim_error(&wrong).0, 401);
    let teams_only = scim_key(&admin, &["teams.read"]).await;
    let refused = idp
        .scim(Method::GET, "/Users", &teams_only, None, None)
        .await;
    let (status, _, detail) = scim_error(&refused);
    assert_eq!(status, 403);
    assert!(detail.contains("scim"), "{detail}");

    // A key made by someone who may not see every ticket, so may not give the Agent role that
    // everyone a directory creates starts with.
    let editor_role = crate::fixtures::custom_role(
        &app,
        &acme,
        "People editors",
        &app::model::Permission::ALL
            .iter()
            .copied()
            .filter(|p| *p != app::model::Permission::TicketsViewAll)
            .collect::<Vec<_>>(),
    )
    .await;
    let (editor, editor_client) = member(&app, &acme, "ed@acme.example", &[editor_role]).await;
    drop(editor_client);
    let key = key_made_by(&app, &acme, editor.id, "tnty_directory_of_an_editor").await;
    let boss = idp
        .scim(
            Method::POST,
            "/Users",
            key,
            Some(&json!({
                "schemas": [USER], "userName": "boss@acme.example",
                "name": { "givenName": "Big", "familyName": "Boss" }, "userType": "tenant_admin",
            })),
            None,
        )
        .await;
    // The user type a directory sends counts for nothing: it would have been an agent.
    let (status, _, detail) = scim_error(&boss);
    assert_eq!(status, 400, "{}", boss.body);
    assert!(detail.contains("\"Agent\""), "{detail}");
    assert_eq!(
        user::Entity::find().all(app.db()).await.unwrap().len(),
        2,
        "Ada and Ed"
    );
    // Nor can it suspend the organisation's admin, whom its creator does not outrank.
    let ada = idp
        .scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22ada%40acme.example%22",
            key,
            None,
            None,
        )
        .await;
    let ada_id = body(&ada)["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let coup = idp
        .scim(Method::PATCH, &format!("/Users/{ada_id}"), key, Some(&json!({
            "schemas": [PATCH], "Operations": [{ "op": "replace", "path": "active", "value": false }],
        })), None)
        .await;
    assert_eq!(scim_error(&coup).0, 403, "{}", coup.body);
    assert_eq!(stored(&app, &ada_id).await.status, UserStatus::Active);

    // When its creator is suspended, the key stops.
    let mut gone = editor.into_active_model();
    gone.status = Set(UserStatus::Suspended);
    gone.update(app.db()).await.unwrap();
    let stopped = idp.scim(Method::GET, "/Users", key, None, None).await;
    let (status, _, detail) = scim_error(&stopped);
    assert_eq!(status, 403);
    assert!(detail.contains("new key"), "{detail}");
}

/// The conformance suite of the SCIM community (`scim2-tester`, installed by
/// `scripts/install-tools.sh --test`) against the running server: discovery, creation, reading,
/// attributes, search, replacement, PATCH add/replace/remove of every attribute, deletion.
async fn the_scim2_tester_conformance_suite_passes(backend: Backend) {
    let Acme { app, admin, .. } = acme(backend).await;
    let key = scim_key(&admin, &["scim"]).await;
    let cli = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/scim-venv/bin/scim2");
    assert!(
        cli.exists(),
        "{} is missing: run scripts/install-tools.sh --test",
        cli.display()
    );
    let url = format!("{}/scim/v2", app.client().base);
    // The server answers on this process's runtime while the suite runs beside it.
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&cli)
            .args(["--url", &url, "test"])
            .env("SCIM_CLI_HEADERS", format!("Authorization: Bearer {key}"))
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let report = String::from_utf8_lossy(&run.stdout);
    let passed = report.lines().filter(|l| l.starts_with("SUCCESS")).count();
    assert!(
        run.status.success() && !report.contains("ERROR"),
        "{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Every kind of check ran, not only discovery.
    for check in [
        "object_creation",
        "object_replacement",
        "check_replace_attribute",
        "object_deletion",
    ] {
        assert!(report.contains(check), "{check} did not run: {report}");
    }
    assert!(passed >= 40, "{passed} checks passed: {report}");
}

async fn a_key_over_its_rate_is_told_to_wait(backend: Backend) {
    let app = crate::support::TestApp::start_with(backend, |auth| {
        auth.api_rate = app::services::rates::ApiRate {
            per_minute: 1,
            burst: 3,
        };
    })
    .await;
    let acme = app.organisation("acme").await;
    app.user(&acme, "ada@acme.example", PASSWORD).await;
    let admin = app.client();
    admin.sign_in("acme", "ada@acme.example", PASSWORD).await;
    let key = scim_key(&admin, &["scim"]).await;
    let idp = app.client();
    for _ in 0..3 {
        let answer = idp.scim(Method::GET, "/Users", &key, None, None).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let refused = idp.scim(Method::GET, "/Users", &key, None, None).await;
    let (status, _, detail) = scim_error(&refused);
    assert_eq!(status, 429);
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(detail.contains(&format!("{wait} seconds")), "{detail}");
    // The same key through the HTTP API counts against the same rate.
    let api = idp.api_get("/teams", Some(&key)).await;
    assert_eq!(api.status, 429, "{}", api.body);
    assert!(api.headers.contains_key("retry-after"));
    // Another key has its own.
    let other = scim_key(&admin, &["scim"]).await;
    let answer = idp.scim(Method::GET, "/Users", &other, None, None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

async fn groups_are_teams_kept_in_step_with_the_directory(backend: Backend) {
    let Acme {
        app, admin, acme, ..
    } = acme(backend).await;
    let key = scim_key(&admin, &["scim"]).await;
    let idp = app.client();
    let mut people = Vec::new();
    for (email, given) in [
        ("ann@acme.example", "Ann"),
        ("ben@acme.example", "Ben"),
        ("cy@acme.example", "Cy"),
    ] {
        let made = idp
            .scim(
                Method::POST,
                "/Users",
                &key,
                Some(&new_user(email, given, "Member")),
                None,
            )
            .await;
        people.push(body(&made)["id"].as_str().unwrap().to_string());
    }
    let (ann, ben, cy) = (&people[0], &people[1], &people[2]);
    let types = body(
        &idp.scim(Method::GET, "/ResourceTypes", &key, None, None)
            .await,
    );
    assert_eq!(types["totalResults"], 2, "{types}");

    // A group is a team, with its members, in one step.
    let created = idp
        .scim(
            Method::POST,
            "/Groups",
            &key,
            Some(&json!({
                "schemas": [GROUP], "displayName": "Night shift", "externalId": "grp-7",
                "members": [{ "value": ann }, { "value": ben }],
            })),
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let group = body(&created);
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.location().unwrap(),
        format!("{}/scim/v2/Groups/{id}", app.client().base)
    );
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    assert_eq!(group["externalId"], "grp-7");
    let team = app::entities::team::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (team.name.as_str(), team.organisation_id),
        ("Night shift", acme.id)
    );
    let members = |app: &crate::support::TestApp, id: String| {
        let db = app.db().clone();
        async move {
            let mut held: Vec<String> = app::entities::team_member::Entity::find()
                .filter(
                    app::entities::team_member::Column::TeamId.eq(Uuid::parse_str(&id).unwrap()),
                )
                .all(&db)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.user_id.to_string())
                .collect();
            held.sort();
            held
        }
    };
    let mut want = vec![ann.clone(), ben.clone()];
    want.sort();
    assert_eq!(members(&app, id.clone()).await, want);

    // Filters: by name, by member.
    for (filter, found) in [
        ("displayName%20eq%20%22night%20shift%22", 1),
        (&*format!("members%5Bvalue%20eq%20%22{cy}%22%5D"), 0),
        (&*format!("members.value%20eq%20%22{ann}%22"), 1),
    ] {
        let list = body(
            &idp.scim(
                Method::GET,
                &format!("/Groups?filter={filter}"),
                &key,
                None,
                None,
            )
            .await,
        );
        assert_eq!(list["totalResults"], found, "{filter}: {list}");
    }

    // PATCH: add one, take one out the way Entra ID does (a value list), rename.
    let version = group["meta"]["version"].as_str().unwrap().to_string();
    let patched = idp
        .scim(
            Method::PATCH,
            &format!("/Groups/{id}"),
            &key,
            Some(&json!({
                "schemas": [PATCH],
                "Operations": [
                    { "op": "add", "path": "members", "value": [{ "value": cy }] },
                    { "op": "remove", "path": "members", "value": [{ "value": ann }] },
                    { "op": "replace", "path": "displayName", "value": "Night team" },
                ],
            })),
            Some(&version),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let mut want = vec![ben.clone(), cy.clone()];
    want.sort();
    assert_eq!(members(&app, id.clone()).await, want);
    assert_eq!(body(&patched)["displayName"], "Night team");
    let stale = idp
        .scim(Method::PATCH, &format!("/Groups/{id}"), &key, Some(&json!({
            "schemas": [PATCH], "Operations": [{ "op": "remove", "path": format!("members[value eq \"{ben}\"]") }],
        })), Some(&version))
        .await;
    assert_eq!(scim_error(&stale).0, 412);
    let by_path = idp
        .scim(Method::PATCH, &format!("/Groups/{id}"), &key, Some(&json!({
            "schemas": [PATCH], "Operations": [{ "op": "remove", "path": format!("members[value eq \"{ben}\"]") }],
        })), None)
        .await;
    assert_eq!(by_path.status, 200, "{}", by_path.body);
    assert_eq!(members(&app, id.clone()).await, vec![cy.clone()]);

    // Someone of another organisation, or nobody, is refused, and nothing is half-made.
    let globex = app.organisation("globex").await;
    let stranger = app.user(&globex, "sam@globex.example", PASSWORD).await;
    for member in [
        stranger.id.to_string(),
        Uuid::new_v4().to_string(),
        "not-an-id".to_string(),
    ] {
        let refused = idp
            .scim(
                Method::POST,
                "/Groups",
                &key,
                Some(&json!({
                    "schemas": [GROUP], "displayName": "Stray", "members": [{ "value": member }],
                })),
                None,
            )
            .await;
        let (status, scim_type, _) = scim_error(&refused);
        assert_eq!(
            (status, scim_type.as_str()),
            (400, "invalidValue"),
            "{}",
            refused.body
        );
    }
    let strays = app::entities::team::Entity::find()
        .filter(app::entities::team::Column::Name.eq("Stray"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(strays, 0);
    let taken = idp
        .scim(
            Method::POST,
            "/Groups",
            &key,
            Some(&json!({ "schemas": [GROUP], "displayName": "Night team" })),
            None,
        )
        .await;
    assert_eq!(scim_error(&taken).0, 400, "{}", taken.body);

    // PUT replaces the members; DELETE removes the team, its people stay.
    let put = idp
        .scim(
            Method::PUT,
            &format!("/Groups/{id}"),
            &key,
            Some(&json!({
                "schemas": [GROUP], "displayName": "Night team", "members": [{ "value": ann }],
            })),
            None,
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(members(&app, id.clone()).await, vec![ann.clone()]);
    assert_eq!(
        body(&put).get("externalId"),
        None,
        "a PUT without it clears it"
    );
    let deleted = idp
        .scim(Method::DELETE, &format!("/Groups/{id}"), &key, None, None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        scim_error(
            &idp.scim(Method::GET, &format!("/Groups/{id}"), &key, None, None)
                .await
        )
        .0,
        404
    );
    assert_eq!(stored(&app, ann).await.email, "ann@acme.example");

    // The root search finds both kinds.
    let all = idp
        .scim(
            Method::POST,
            "/.search",
            &key,
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "filter": "displayName sw \"Zz\" or userName sw \"ann\"",
            })),
            None,
        )
        .await;
    assert_eq!(body(&all)["totalResults"], 1, "{}", all.body);

    // A directory whose creator does not manage teams has no Groups.
    let no_teams = crate::fixtures::custom_role(
        &app,
        &acme,
        "People only",
        &[
            app::model::Permission::UsersView,
            app::model::Permission::UsersInvite,
            app::model::Permission::UsersEdit,
            app::model::Permission::UsersSuspend,
        ],
    )
    .await;
    let (editor, _) = member(&app, &acme, "ed@acme.example", &[no_teams]).await;
    let secret = key_made_by(&app, &acme, editor.id, "tnty_people_only_directory").await;
    let types = body(
        &idp.scim(Method::GET, "/ResourceTypes", secret, None, None)
            .await,
    );
    assert_eq!(types["totalResults"], 1, "{types}");
    assert_eq!(
        scim_error(&idp.scim(Method::GET, "/Groups", secret, None, None).await).0,
        403
    );
}
