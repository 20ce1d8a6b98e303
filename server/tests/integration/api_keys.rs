//! API keys and the HTTP API: an organisation's administrators create keys with scopes (the
//! secret shown once, only its hash stored) and revoke them; a product with a key reads its own
//! organisation's teams and their signatures filled in for an agent, and nothing of another
//! organisation's.

use crate::{
    fixtures::{acme, custom_role, member, Acme},
    on_both_databases,
    support::{Answer, Backend},
};
use app::api::{
    api_keys::CreateApiKey,
    teams::{CreateTeam, SetTeamSignature},
};
use app::api::{
    api_keys::{ListApiKeys, RevokeApiKey},
    teams::GetTeam,
};
use app::model::{api_keys::NewApiKey, teams::TeamForm};
use app::{
    entities::{api_key, audit_event, user},
    model::{
        api_keys::{ApiKeySummary, CreatedApiKey},
        teams::TeamDetail,
        Permission, UserStatus,
    },
    services::sessions::hash_secret,
};
use sea_orm::{prelude::*, ActiveValue::Set, IntoActiveModel};
use serde_json::Value;
use server::http_api::{ApiSignature, ApiTeamDetail, TeamList};

on_both_databases!(
    products_read_signatures_with_a_key_until_it_is_revoked,
    keys_are_checked_when_created,
    a_key_sees_only_its_organisation,
);

const SIGNATURE: &str = "Best regards,\n{agent_name}\n{team_name} at {organisation_name}";

/// The error code (the refusal's stable key), its kind and the codes of the fields it names, of
/// an API refusal.
fn refusal(answer: &Answer) -> (String, String, Vec<(String, String)>) {
    let body: Value = serde_json::from_str(&answer.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", answer.status, answer.body));
    let error = &body["error"];
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        answer.body
    );
    let fields = error["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| {
                    let field = f["field"].as_str()?.to_string();
                    Some((field, f["code"].as_str()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    (
        error["code"].as_str().unwrap_or_default().to_string(),
        error["kind"].as_str().unwrap_or_default().to_string(),
        fields,
    )
}

/// A team named `name` in acme with the test signature; returns its id.
async fn signed_team(admin: &crate::support::Client, name: &str) -> Uuid {
    let id: Uuid = admin
        .invoke(CreateTeam {
            slug: "acme".into(),
            team: TeamForm {
                name: name.into(),
                description: "Invoices".into(),
            },
        })
        .await
        .json();
    let team: TeamDetail = admin
        .invoke(GetTeam {
            slug: "acme".into(),
            id,
        })
        .await
        .json();
    let signed = admin
        .invoke(SetTeamSignature {
            slug: "acme".into(),
            id,
            signature: SIGNATURE.into(),
            version: team.version,
        })
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    id
}

async fn create_key(admin: &crate::support::Client, name: &str) -> CreatedApiKey {
    admin
        .invoke(CreateApiKey {
            slug: "acme".into(),
            key: NewApiKey {
                name: name.into(),
                scopes: vec!["teams.read".into()],
            },
        })
        .await
        .json()
}

async fn products_read_signatures_with_a_key_until_it_is_revoked(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let billing = signed_team(&admin, "Billing").await;
    let (grace, _) = member(&app, &acme, "grace@acme.example", &[]).await;
    let mut named = grace.clone().into_active_model();
    named.first_name = Set("Grace".into());
    named.last_name = Set("Hopper".into());
    named.update(app.db()).await.unwrap();

    let created = create_key(&admin, "Helpdesk replies").await;
    assert!(created.secret.starts_with("tnty_"), "{}", created.secret);
    assert!(created.secret.len() >= 45, "256 bits: {}", created.secret);
    // Only the hash is stored; the list shows the first characters, never the secret.
    let row = api_key::Entity::find_by_id(created.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.secret_hash, hash_secret(&created.secret));
    assert!(!format!("{row:?}").contains(&created.secret));
    let listed = admin
        .invoke(ListApiKeys {
            slug: "acme".into(),
        })
        .await;
    assert!(!listed.body.contains(&created.secret));
    let keys: Vec<ApiKeySummary> = listed.json();
    assert_eq!(keys.len(), 1);
    assert!(created.secret.starts_with(&keys[0].prefix));
    assert_eq!(keys[0].created_by.as_deref(), Some("Ada Lovelace"));
    assert!(keys[0].last_used_at.is_none());

    // A product, which has no session, reads the teams and a signature.
    let product = app.client();
    let key = Some(created.secret.as_str());
    let answer = product.api_get("/teams", key).await;
    assert_eq!(
        answer
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let list: TeamList = answer.json();
    assert_eq!(list.teams.len(), 1);
    assert_eq!(list.teams[0].id, billing);
    assert_eq!(list.teams[0].name, "Billing");
    let detail: ApiTeamDetail = product
        .api_get(&format!("/teams/{billing}"), key)
        .await
        .json();
    assert_eq!(detail.signature_template, SIGNATURE);
    let expected = "Best regards,\nGrace Hopper\nBilling at Org acme";
    let by_id: ApiSignature = product
        .api_get(
            &format!("/teams/{billing}/signature?agent_id={}", grace.id),
            key,
        )
        .await
        .json();
    assert_eq!(by_id.signature, expected);
    assert_eq!(by_id.agent.id, grace.id);
    assert_eq!(by_id.agent.name, "Grace Hopper");
    let by_email: ApiSignature = product
        .api_get(
            &format!("/teams/{billing}/signature?agent_email=GRACE%40acme.example"),
            key,
        )
        .await
        .json();
    assert_eq!(by_email.signature, expected);

    // Bad requests are named.
    for (query, status, field, expected) in [
        (String::new(), 422, Some("agent"), "api.agent_missing"),
        (
            format!("?agent_id={}&agent_email=grace%40acme.example", grace.id),
            422,
            Some("agent"),
            "api.agent_missing",
        ),
        (
            "?agent_id=grace".to_string(),
            422,
            Some("agent_id"),
            "api.agent_id_invalid",
        ),
        (
            "?agent_email=nobody%40acme.example".to_string(),
            422,
            Some("agent"),
            "teams.agent_unknown",
        ),
    ] {
        let answer = product
            .api_get(&format!("/teams/{billing}/signature{query}"), key)
            .await;
        assert_eq!(answer.status, status, "{query}: {}", answer.body);
        let (code, kind, fields) = refusal(&answer);
        assert_eq!((code.as_str(), kind.as_str()), (expected, "invalid"));
        assert_eq!(fields.first().map(|(f, _)| f.as_str()), field, "{query}");
        assert_eq!(fields.first().map(|(_, c)| c.as_str()), Some(expected));
    }
    for path in [
        "/teams/not-a-team".to_string(),
        format!("/teams/{}", Uuid::new_v4()),
        format!("/teams/{}/signature?agent_id={}", Uuid::new_v4(), grace.id),
        "/no-such-thing".to_string(),
    ] {
        let answer = product.api_get(&path, key).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        let (code, kind, _) = refusal(&answer);
        assert_eq!(kind, "not_found", "{path}");
        assert!(
            ["teams.that_team", "api.no_such_endpoint"].contains(&code.as_str()),
            "{path}: {code}"
        );
    }

    // A suspended agent signs nothing.
    let mut suspended = user::Entity::find_by_id(grace.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    suspended.status = Set(UserStatus::Suspended);
    suspended.update(app.db()).await.unwrap();
    let answer = product
        .api_get(
            &format!("/teams/{billing}/signature?agent_id={}", grace.id),
            key,
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("suspended"), "{}", answer.body);

    // The list says when the key was last used.
    let keys: Vec<ApiKeySummary> = admin
        .invoke(ListApiKeys {
            slug: "acme".into(),
        })
        .await
        .json();
    assert!(keys[0].last_used_at.is_some());

    // No key, a wrong key, a session cookie: refused with a Bearer challenge.
    for (who, answer, invalid) in [
        ("no key", product.api_get("/teams", None).await, false),
        (
            "wrong key",
            product.api_get("/teams", Some("tnty_guessed")).await,
            true,
        ),
        (
            "another scheme's secret",
            product.api_get("/teams", Some("not-a-key")).await,
            true,
        ),
        (
            "the admin's session",
            admin.api_get("/teams", None).await,
            false,
        ),
    ] {
        assert_eq!(answer.status, 401, "{who}: {}", answer.body);
        assert_eq!(refusal(&answer).0, "unauthenticated");
        assert_eq!(refusal(&answer).1, "unauthenticated");
        let challenge = answer
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(challenge.starts_with("Bearer"), "{who}: {challenge}");
        assert_eq!(challenge.contains("invalid_token"), invalid, "{who}");
    }

    // Revoked: refused from the next request; listed as revoked; both acts audited.
    let revoked = admin
        .invoke(RevokeApiKey {
            slug: "acme".into(),
            id: created.id,
        })
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(product.api_get("/teams", key).await.status, 401);
    let keys: Vec<ApiKeySummary> = admin
        .invoke(ListApiKeys {
            slug: "acme".into(),
        })
        .await
        .json();
    assert!(keys[0].revoked_at.is_some());
    let again = admin
        .invoke(RevokeApiKey {
            slug: "acme".into(),
            id: created.id,
        })
        .await;
    assert_eq!(again.status, 200, "revoking twice changes nothing");
    let actions: Vec<String> = audit_event::Entity::find()
        .filter(audit_event::Column::OrganisationId.eq(acme.id))
        .filter(audit_event::Column::TargetId.eq(created.id.to_string()))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action.code().to_string())
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert!(actions.contains(&"api_key.created".to_string()));
    assert!(actions.contains(&"api_key.revoked".to_string()));
    // The name of a revoked key is free again.
    create_key(&admin, "Helpdesk replies").await;
}

async fn keys_are_checked_when_created(backend: Backend) {
    let Acme {
        app, acme, admin, ..
    } = acme(backend).await;
    let create = |name: &str, scopes: &[&str]| {
        let create = CreateApiKey {
            slug: "acme".into(),
            key: NewApiKey {
                name: name.into(),
                scopes: scopes.iter().map(|s| String::from(*s)).collect(),
            },
        };
        let admin = &admin;
        async move { admin.invoke(create).await }
    };
    let empty = create("  ", &[]).await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    let error = empty.error();
    assert!(error.field_message("name").is_some());
    assert!(error
        .field_message("scopes")
        .is_some_and(|m| m.contains("at least one")));
    let unknown = create("Sync", &["users.write"]).await;
    assert!(unknown
        .error()
        .field_message("scopes")
        .is_some_and(|m| m.contains("users.write")));
    let long = create(&"x".repeat(101), &["teams.read"]).await;
    assert!(long
        .error()
        .field_message("name")
        .is_some_and(|m| m.contains("100")));
    create_key(&admin, "Helpdesk").await;
    let taken = create("HELPDESK", &["teams.read"]).await;
    assert!(taken
        .error()
        .field_message("name")
        .is_some_and(|m| m.contains("already exists")));
    // None of the refusals left a key behind.
    let keys = api_key::Entity::find()
        .filter(api_key::Column::OrganisationId.eq(acme.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(keys, 1);

    // Keys belong to those who change the organisation's settings.
    let (_, agent) = member(&app, &acme, "ken@acme.example", &[]).await;
    for answer in [
        agent
            .invoke(ListApiKeys {
                slug: "acme".into(),
            })
            .await,
        agent
            .invoke(CreateApiKey {
                slug: "acme".into(),
                key: NewApiKey {
                    name: "Mine".into(),
                    scopes: vec!["teams.read".into()],
                },
            })
            .await,
    ] {
        assert_eq!(answer.status, 403, "{}", answer.body);
    }
    // Someone who may change settings but not manage teams cannot hand teams to a product.
    let settings_only = custom_role(&app, &acme, "Settings only", &[Permission::OrgSettings]).await;
    let (_, settler) = member(&app, &acme, "sam@acme.example", &[settings_only]).await;
    let listed = settler
        .invoke(ListApiKeys {
            slug: "acme".into(),
        })
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let refused = settler
        .invoke(CreateApiKey {
            slug: "acme".into(),
            key: NewApiKey {
                name: "Sneaky".into(),
                scopes: vec!["teams.read".into()],
            },
        })
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused
        .error()
        .field_message("scopes")
        .is_some_and(|m| m.contains("do not hold")));

    // Without Helpdesk the scope can be neither granted nor used.
    let used = create_key(&admin, "Before").await;
    app.restrict_features(&acme, &["crm"]).await;
    let refused = create("After", &["teams.read"]).await;
    assert!(refused
        .error()
        .field_message("scopes")
        .is_some_and(|m| m.contains("Helpdesk")));
    let answer = app.client().api_get("/teams", Some(&used.secret)).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert!(answer.body.contains("Helpdesk"), "{}", answer.body);
    let (code, kind, _) = refusal(&answer);
    assert_eq!(
        (code.as_str(), kind.as_str()),
        ("guard.use_feature", "forbidden")
    );
}

async fn a_key_sees_only_its_organisation(backend: Backend) {
    let Acme { app, admin, .. } = acme(backend).await;
    let own_team = signed_team(&admin, "Billing").await;
    let key = create_key(&admin, "Replies").await;
    let globex = app.organisation("globex").await;
    let (vic, victim) = member(&app, &globex, "vic@globex.example", &[]).await;
    let mut admin_vic = vic.clone().into_active_model();
    admin_vic.first_name = Set("Victoria".into());
    admin_vic.user_type = Set(app::model::UserType::TenantAdmin);
    admin_vic.update(app.db()).await.unwrap();
    let globex_team: Uuid = victim
        .invoke(CreateTeam {
            slug: "globex".into(),
            team: TeamForm {
                name: "Globex secret team".into(),
                description: "".into(),
            },
        })
        .await
        .json();
    let product = app.client();
    let secret = Some(key.secret.as_str());
    let list = product.api_get("/teams", secret).await;
    assert!(!list.body.contains("Globex"), "{}", list.body);
    for path in [
        format!("/teams/{globex_team}"),
        format!("/teams/{globex_team}/signature?agent_id={}", vic.id),
    ] {
        let answer = product.api_get(&path, secret).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert!(!answer.body.contains("Globex"), "{}", answer.body);
    }
    // Another organisation's person is nobody here, by id or by address.
    for query in [
        format!("agent_id={}", vic.id),
        "agent_email=vic%40globex.example".to_string(),
    ] {
        let answer = product
            .api_get(&format!("/teams/{own_team}/signature?{query}"), secret)
            .await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert!(!answer.body.contains("Victoria"), "{}", answer.body);
    }
    // globex's admin cannot revoke or list acme's key.
    let revoke = victim
        .invoke(RevokeApiKey {
            slug: "globex".into(),
            id: key.id,
        })
        .await;
    assert_eq!(revoke.status, 404, "{}", revoke.body);
    let listed: Vec<ApiKeySummary> = victim
        .invoke(ListApiKeys {
            slug: "globex".into(),
        })
        .await
        .json();
    assert!(listed.is_empty());
    assert_eq!(product.api_get("/teams", secret).await.status, 200);
}
