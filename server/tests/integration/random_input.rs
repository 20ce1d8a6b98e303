//! Random input to every route (issue 19), enumerated from the same registry as the isolation
//! suite: each server function gets its well-formed request (the isolation suite's, made in
//! acme's own name so it passes authorization) with one field replaced by a random value, one
//! field left out or made very long, the whole body replaced by random bytes or random JSON, a
//! random content type, or a random session cookie; every page, download and HTTP API route gets
//! random query strings; directory sync gets random JSON bodies. The properties: never a 5xx (nor
//! a panic, which the suite counts), a refusal always says in words what is wrong, and a refused
//! request writes nothing. Then the parsers of the files people send (CSV import, licence files,
//! pictures) get random and damaged files: each is read or refused with a reason, never a panic.
//!
//! Inputs come from `proptest` with a fixed seed, so a failure is found again on the next run
//! and shrunk to the smallest input that shows it.

use crate::{
    isolation::{self, Attack, Body, World},
    on_both_databases,
    support::{Answer, Backend, Client},
};
use app::{
    api::guard::Need,
    entities::{
        api_key, audit_event, licence, organisation, outbox_message, role, role_permission,
        sso_connection, team, team_member, token, user, user_identity, user_role,
    },
    services::ServiceError,
};
use proptest::{
    prelude::*,
    test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner},
};
use sea_orm::{prelude::*, QueryOrder};
use serde_json::Value;

on_both_databases!(random_input_to_every_route_is_refused_by_name_and_writes_nothing);

/// Everything a request could write, as text (sessions, sign-in counters and history, which
/// any request may touch by design, left out; an API key's last use and a message's delivery,
/// which happen beside the request, too).
async fn written(db: &DatabaseConnection) -> String {
    macro_rules! dump {
        ($($entity:ident by $column:ident),+ $(,)?) => {{
            let mut text = String::new();
            $(
                let rows = $entity::Entity::find()
                    .order_by_asc($entity::Column::$column)
                    .all(db)
                    .await
                    .unwrap();
                text.push_str(&format!("{rows:?}\n"));
            )+
            text
        }};
    }
    let keys: Vec<(Uuid, String, Json, Option<DateTimeUtc>)> = api_key::Entity::find()
        .order_by_asc(api_key::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.id, k.name, k.scopes, k.revoked_at))
        .collect();
    let dumped = dump!(
        organisation by Id,
        user by Id,
        user_role by UserId,
        role by Id,
        role_permission by RoleId,
        team by Id,
        team_member by UserId,
        token by Id,
        sso_connection by Id,
        user_identity by Id,
        licence by Id,
        audit_event by Id,
    );
    // The mail worker delivers in the background: what was queued, not how its delivery goes.
    let queued: Vec<(Uuid, String, String)> = outbox_message::Entity::find()
        .order_by_asc(outbox_message::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.to_address, m.subject))
        .collect();
    format!("{dumped}{keys:?}\n{queued:?}")
}

/// Waits (up to 5 s) until nothing more is being written.
async fn settle(db: &DatabaseConnection) {
    let mut last = written(db).await;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let now = written(db).await;
        if now == last {
            return;
        }
        last = now;
    }
}

/// Where two dumps of [`written`] first differ, with some context.
fn difference(before: &str, after: &str) -> String {
    let at = before
        .char_indices()
        .zip(after.chars())
        .find(|((_, a), b)| a != b)
        .map_or(before.len().min(after.len()), |((i, _), _)| i);
    let from = before[..at]
        .char_indices()
        .rev()
        .nth(60)
        .map_or(0, |(i, _)| i);
    let window = |text: &str| {
        text.get(from..)
            .unwrap_or("")
            .chars()
            .take(400)
            .collect::<String>()
    };
    format!("before: …{}\nafter: …{}", window(before), window(after))
}

/// A random JSON value: scalars of every kind (text with any character), arrays and objects.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        "[0-9a-f-]{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// What is done to a well-formed request.
#[derive(Debug, Clone)]
enum Change {
    /// The value at one place (one field of a form; one leaf of a JSON body) replaced.
    Field(prop::sample::Index, Value),
    /// One field left out.
    Drop(prop::sample::Index),
    /// One field's value made `n` characters long.
    Long(prop::sample::Index, usize),
    /// The whole body replaced by bytes, sent as the endpoint's own content type.
    Bytes(Vec<u8>),
    /// The whole body replaced by a JSON document.
    Json(Value),
    /// The well-formed body sent with another content type.
    ContentType(String),
    /// The well-formed body sent by someone signed out, with a made-up session cookie.
    Cookie(String),
}

fn changes() -> impl Strategy<Value = Change> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), any_json()).prop_map(|(i, v)| Change::Field(i, v)),
        1 => any::<prop::sample::Index>().prop_map(Change::Drop),
        1 => (any::<prop::sample::Index>(), 1_000usize..300_000).prop_map(|(i, n)| Change::Long(i, n)),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Change::Bytes),
        1 => any_json().prop_map(Change::Json),
        1 => "[ -~]{0,60}".prop_map(Change::ContentType),
        1 => "[ -~]{0,80}".prop_map(Change::Cookie),
    ]
}

/// The places of a JSON document's leaves, as JSON pointers.
fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, v) in map {
                leaves(v, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{at}/{i}"), out);
            }
        }
        _ => out.push(at),
    }
}

/// A JSON value as a form field's text.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The content type and body `change` makes of `attack`'s request.
fn changed(attack: &Attack, change: &Change) -> (String, Vec<u8>) {
    let (content_type, body) = match &attack.body {
        Body::Form(fields) => {
            let mut fields: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (String::from(*k), v.replace("globex", "acme")))
                .collect();
            match change {
                Change::Field(i, value) if !fields.is_empty() => {
                    let i = i.index(fields.len());
                    fields[i].1 = as_text(value);
                }
                Change::Drop(i) if !fields.is_empty() => {
                    fields.remove(i.index(fields.len()));
                }
                Change::Long(i, n) if !fields.is_empty() => {
                    let i = i.index(fields.len());
                    fields[i].1 = "x".repeat(*n);
                }
                _ => {}
            }
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish();
            ("application/x-www-form-urlencoded", encoded.into_bytes())
        }
        Body::Json(body) => {
            let mut body: Value =
                serde_json::from_str(&body.to_string().replace("globex", "acme")).unwrap();
            let mut places = Vec::new();
            leaves(&body, String::new(), &mut places);
            let place = |i: &prop::sample::Index| places[i.index(places.len())].clone();
            match change {
                Change::Field(i, value) => {
                    if let Some(slot) = body.pointer_mut(&place(i)) {
                        *slot = value.clone();
                    }
                }
                Change::Drop(i) => {
                    let place = place(i);
                    if let Some((parent, key)) = place.rsplit_once('/') {
                        if let Some(Value::Object(map)) = body.pointer_mut(parent) {
                            map.remove(key);
                        }
                    }
                }
                Change::Long(i, n) => {
                    if let Some(slot) = body.pointer_mut(&place(i)) {
                        *slot = Value::from("x".repeat(*n));
                    }
                }
                _ => {}
            }
            ("application/json", body.to_string().into_bytes())
        }
    };
    match change {
        Change::Bytes(bytes) => (content_type.to_string(), bytes.clone()),
        Change::Json(value) => (content_type.to_string(), value.to_string().into_bytes()),
        Change::ContentType(other) => (other.clone(), body),
        _ => (content_type.to_string(), body),
    }
}

/// Sends one changed request: as the signed-in acme admin, or as someone signed out with a
/// made-up session cookie.
async fn send_changed(w: &World, attack: &Attack, change: &Change) -> Answer {
    let (content_type, body) = changed(attack, change);
    let client = if matches!(change, Change::Cookie(_)) {
        w.app.client()
    } else {
        w.attacker.clone()
    };
    let mut request = client
        .http
        .post(format!("{}/api/{}", client.base, attack.endpoint))
        .header("origin", &client.base)
        .body(body);
    // A header value cannot hold every character: those that cannot be sent are not.
    if let Ok(value) = reqwest::header::HeaderValue::from_str(&content_type) {
        request = request.header(reqwest::header::CONTENT_TYPE, value);
    }
    if let Change::Cookie(cookie) = change {
        if let Ok(value) =
            reqwest::header::HeaderValue::from_str(&format!("tenantry_session={cookie}"))
        {
            request = request.header(reqwest::header::COOKIE, value);
        }
    }
    Client::send(request).await
}

/// The id of one of acme's people other than its admin, as text.
async fn acme_person(w: &World) -> String {
    user::Entity::find()
        .filter(user::Column::Email.ne("ada@acme.example"))
        .filter(user::Column::Email.like("%@acme.example"))
        .one(w.app.db())
        .await
        .unwrap()
        .map_or_else(|| Uuid::new_v4().to_string(), |u| u.id.to_string())
}

/// Whether `message` says something in words (at least eight letters), not a bare code.
fn has_words(message: &str) -> bool {
    message.chars().filter(|c| c.is_alphabetic()).count() >= 8
}

/// A refusal says what is wrong: the error decodes and its message has words in it.
fn names_the_problem(answer: &Answer) -> Result<(), String> {
    let error: app::model::AppError = serde_json::from_str(&answer.body)
        .map_err(|e| format!("not an error the console can show ({e})"))?;
    let message = error.to_string();
    if !has_words(&message) {
        return Err(format!("a refusal without words: {message:?}"));
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[19; 32]),
    )
}

/// Runs `property` on inputs of `strategy` from inside the test's runtime.
fn check<S: Strategy>(cases: u32, strategy: S, property: impl Fn(S::Value) -> Result<(), String>)
where
    S::Value: std::fmt::Debug,
{
    let outcome = runner(cases).run(&strategy, |input| {
        property(input).map_err(TestCaseError::fail)
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(future))
}

async fn random_input_to_every_route_is_refused_by_name_and_writes_nothing(backend: Backend) {
    let w = isolation::world(backend).await;
    let needs = isolation::declared_needs();
    let attacks = isolation::attacks(&w).await;
    // One well-formed request per server function; every registered one is covered (the
    // isolation suite fails on any without an attack).
    let mut endpoints = std::collections::BTreeSet::new();
    let firsts: Vec<&Attack> = attacks
        .iter()
        .filter(|a| endpoints.insert(a.endpoint))
        .collect();
    assert_eq!(
        endpoints.len(),
        isolation::registered_endpoints().len(),
        "every server function"
    );
    let db = w.app.db().clone();
    let accepted = std::cell::Cell::new(false);
    for attack in firsts {
        // Signing out would end the session the other inputs are sent with.
        if attack.endpoint == "auth/logout" {
            continue;
        }
        let need = needs[&format!("/api/{}", attack.endpoint)];
        check(12, changes(), |change| {
            block_on(async {
                // What an accepted input started in the background ("forgot password" writes its
                // link after answering) has finished before the next input is judged.
                if accepted.replace(false) {
                    settle(&db).await;
                }
                let before = written(&db).await;
                let answer = send_changed(&w, attack, &change).await;
                let what = format!("{} ← {change:?}: {}", attack.endpoint, answer.status);
                if answer.status >= 500 {
                    return Err(format!("{what}: {}", answer.body));
                }
                if matches!(change, Change::Cookie(_))
                    && !matches!(need, Need::Anyone)
                    && answer.status != 401
                {
                    return Err(format!("{what}: a made-up session was let in"));
                }
                if answer.status < 400 {
                    accepted.set(true);
                } else {
                    names_the_problem(&answer)
                        .map_err(|e| format!("{what}: {e}: {}", answer.body))?;
                    let after = written(&db).await;
                    if after != before {
                        return Err(format!(
                            "{what}: refused, yet something was written: {}",
                            difference(&before, &after)
                        ));
                    }
                }
                // Inputs that sign out or change the password end the session: sign in again.
                if w.attacker
                    .call("session/current", &[("slug", "acme")])
                    .await
                    .status
                    != 200
                {
                    let again = w
                        .attacker
                        .sign_in("acme", "ada@acme.example", crate::fixtures::PASSWORD)
                        .await;
                    if again.status != 200 {
                        return Err(format!("{what}: could not sign in again: {}", again.body));
                    }
                }
                Ok(())
            })
        });
    }

    // Directory sync with acme's own key: random JSON to every route that takes a body, and
    // random query strings to the others; a refusal is a SCIM error with a detail, and writes
    // nothing.
    let key = isolation::directory_key(&w).await;
    settle(&db).await;
    for (method, path) in server::scim::ROUTES {
        let path = path
            .replace("{id}", &acme_person(&w).await)
            .replace("{name}", "User");
        let method: reqwest::Method = method.parse().unwrap();
        let takes_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
        check(10, (any_json(), "[ -~]{0,60}"), |(body, query)| {
            block_on(async {
                let before = written(&db).await;
                let answer = if takes_body {
                    w.attacker
                        .scim(method.clone(), &path, key, Some(&body), None)
                        .await
                } else {
                    let target = format!("{path}?{query}");
                    w.attacker
                        .scim(method.clone(), &target, key, None, None)
                        .await
                };
                let what = format!(
                    "{method} /scim/v2{path} ← {body} ?{query}: {}",
                    answer.status
                );
                if answer.status >= 500 {
                    return Err(format!("{what}: {}", answer.body));
                }
                if answer.status >= 400 {
                    let error: Value = serde_json::from_str(&answer.body)
                        .map_err(|e| format!("{what}: not SCIM JSON ({e}): {}", answer.body))?;
                    let detail = error["detail"].as_str().unwrap_or_default();
                    if !has_words(detail) {
                        return Err(format!("{what}: a refusal without words: {}", answer.body));
                    }
                    if written(&db).await != before {
                        return Err(format!("{what}: refused, yet something was written"));
                    }
                }
                Ok(())
            })
        });
    }

    // Every page and download with random query strings: never a 5xx.
    let mut paths: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|route| {
            route
                .path()
                .replace(":slug", "acme")
                .replace(":organisation", "acme")
                .replace(":id", &Uuid::new_v4().to_string())
        })
        .collect();
    paths.extend(
        server::exports::PATHS
            .iter()
            .map(|p| p.replace("{slug}", "acme")),
    );
    let team = Uuid::new_v4();
    paths.extend([
        "/api/v1/teams".to_string(),
        format!("/api/v1/teams/{team}"),
        format!("/api/v1/teams/{team}/signature"),
    ]);
    for path in &paths {
        check(6, "[ -~]{0,80}", |query| {
            block_on(async {
                let url = format!("{}{path}?{query}", w.attacker.base);
                let Ok(url) = reqwest::Url::parse(&url) else {
                    return Ok(());
                };
                let answer = Client::send(w.attacker.http.get(url)).await;
                if answer.status >= 500 {
                    return Err(format!("GET {path}?{query}: {}", answer.status));
                }
                Ok(())
            })
        });
    }
}

/// The CSV import's reader and checks, through the review of the Invite-from-a-file page:
/// random text shaped like a CSV file (known and unknown columns, quotes, separators, line ends,
/// a byte-order mark) is reviewed or refused with a reason, never a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_files_of_every_shape_are_reviewed_or_refused_with_a_reason() {
    use app::{api::accounts::ImportUsers, model::import::ImportRequest};
    let w = isolation::world(Backend::Sqlite).await;
    let column = prop_oneof![
        Just("email".to_string()),
        Just("first_name".to_string()),
        Just("last_name".to_string()),
        Just("roles".to_string()),
        Just("user_type".to_string()),
        Just("timezone".to_string()),
        "[a-zA-Z_ ]{0,12}",
    ];
    let cell = prop_oneof![
        "[a-z]{1,8}@acme\\.example",
        ".{0,20}",
        "\"[^\"]{0,10}\"",
        "\"[a-z]{0,5}\"\"[a-z]{0,5}\"",
        Just(String::new()),
    ];
    let separator = prop_oneof![Just(","), Just(";"), Just("\t")];
    let line_end = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
    let file = (
        any::<bool>(),
        prop::collection::vec(column, 0..8),
        prop::collection::vec(prop::collection::vec(cell, 0..8), 0..12),
        separator,
        line_end,
    )
        .prop_map(|(bom, header, rows, separator, end)| {
            let mut text = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            text.push_str(&header.join(separator));
            for row in rows {
                text.push_str(end);
                text.push_str(&row.join(separator));
            }
            text
        });
    let before = written(w.app.db()).await;
    check(150, file, |csv| {
        block_on(async {
            let answer = w
                .attacker
                .invoke(ImportUsers {
                    slug: "acme".into(),
                    request: ImportRequest { csv, send: false },
                })
                .await;
            match answer.status {
                200 => Ok(()),
                500.. => Err(format!("{}: {}", answer.status, answer.body)),
                _ => names_the_problem(&answer).map_err(|e| format!("{e}: {}", answer.body)),
            }
        })
    });
    assert_eq!(written(w.app.db()).await, before, "a review writes nothing");
}

/// What a refusal of a service must be: a refusal with words, never an internal error.
fn refused_with_words<T>(outcome: Result<T, ServiceError>) -> Result<(), String> {
    match outcome {
        Ok(_) => Ok(()),
        Err(ServiceError::Refused(refusal)) => {
            let message = app::model::AppError::from(ServiceError::Refused(refusal)).to_string();
            if !has_words(&message) {
                Err(format!("a refusal without words: {message:?}"))
            } else {
                Ok(())
            }
        }
        Err(other) => Err(format!("not a refusal: {other}")),
    }
}

/// Licence files: random text, random JSON, and a real signed licence with a few of its bytes
/// changed, read with and without the vendor's key.
#[test]
fn licence_files_random_or_damaged_are_read_or_refused_with_a_reason() {
    use app::services::licence::{check as read_licence, LicenceKey};
    let key = LicenceKey::from_base64(&crate::support::test_licence_public_key()).unwrap();
    let genuine = crate::support::licence_file(&["helpdesk"], 25, "2999-12-31");
    let damaged = prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4)
        .prop_map(move |edits| {
            let mut chars: Vec<char> = genuine.chars().collect();
            for (at, c) in edits {
                let i = at.index(chars.len());
                chars[i] = c;
            }
            chars.into_iter().collect::<String>()
        });
    let file = prop_oneof![".{0,200}", any_json().prop_map(|v| v.to_string()), damaged,];
    check(400, file, |text| {
        refused_with_words(read_licence(&text, None))?;
        refused_with_words(read_licence(&text, Some(&key)))
    });
}

/// Pictures: random bytes, bytes that start like a PNG, JPEG or WebP, and a real PNG with
/// bytes changed or cut short, or claiming a size of millions of pixels.
#[test]
fn pictures_random_or_damaged_are_read_or_refused_with_a_reason() {
    use app::services::profile::reencode_avatar;
    let mut png = Vec::new();
    image::RgbImage::from_pixel(40, 30, image::Rgb([200, 40, 90]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert!(reencode_avatar(&png).is_ok(), "the genuine picture is read");
    let changed = {
        let png = png.clone();
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6).prop_map(
            move |edits| {
                let mut bytes = png.clone();
                for (at, b) in edits {
                    let i = at.index(bytes.len());
                    bytes[i] = b;
                }
                bytes
            },
        )
    };
    let cut = {
        let png = png.clone();
        any::<prop::sample::Index>().prop_map(move |at| png[..at.index(png.len())].to_vec())
    };
    // The width and height sit at bytes 16..24 of a PNG's header.
    let huge = {
        let png = png.clone();
        (1u32..=u32::MAX, 1u32..=u32::MAX).prop_map(move |(width, height)| {
            let mut bytes = png.clone();
            bytes[16..20].copy_from_slice(&width.to_be_bytes());
            bytes[20..24].copy_from_slice(&height.to_be_bytes());
            bytes
        })
    };
    let headed = prop_oneof![
        Just(b"\x89PNG\r\n\x1a\n".to_vec()),
        Just(b"\xff\xd8\xff\xe0".to_vec()),
        Just(b"RIFF\0\0\0\0WEBPVP8 ".to_vec()),
    ];
    let started = (headed, prop::collection::vec(any::<u8>(), 0..300)).prop_map(|(mut h, rest)| {
        h.extend(rest);
        h
    });
    let picture = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        started,
        changed,
        cut,
        huge,
    ];
    check(400, picture, |bytes| {
        refused_with_words(reencode_avatar(&bytes))
    });
}
