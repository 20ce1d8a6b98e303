//! API keys: the credentials other products present to the HTTP API. An organisation's
//! administrators (org.settings) create and revoke them; a key acts in its own organisation only,
//! within the scopes it was given, and only while the organisation has those scopes' features.
//! The secret is shown once; the database keeps its SHA-256, like sessions and links.

use super::{
    acting::Actor,
    audit::{self, Changes},
    licence, now, sessions, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{
    entities::{api_key, organisation, user},
    model::{
        api_keys::{
            ApiKeySummary, ApiScope, CreatedApiKey, NewApiKey, API_KEYS_MAX_ACTIVE,
            API_KEY_NAME_MAX, API_KEY_PREFIX,
        },
        users::Moment,
        Feature,
    },
};
use crate::{
    msg,
    services::messages::{lower, FieldProblem, Message, Refusal},
};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};
use serde_json::json;

/// How many characters of the secret stay readable in the list.
const SHOWN_CHARS: usize = API_KEY_PREFIX.len() + 6;

/// How stale `last_used_at` may get before a request writes it again: a busy product does not
/// turn every read into a write.
const LAST_USED_GRANULARITY_SECS: i64 = 60;

fn scopes_of(key: &api_key::Model) -> Vec<ApiScope> {
    key.scopes
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().and_then(ApiScope::from_code))
                .collect()
        })
        .unwrap_or_default()
}

/// The organisation's keys: unrevoked first, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
) -> ServiceResult<Vec<ApiKeySummary>> {
    let keys = api_key::Entity::find()
        .filter(api_key::Column::OrganisationId.eq(actor.user.organisation.id))
        .order_by_desc(api_key::Column::CreatedAt)
        .all(db)
        .await?;
    let creators = user::Entity::find()
        .filter(user::Column::Id.is_in(keys.iter().filter_map(|k| k.created_by)))
        .all(db)
        .await?;
    let at = now();
    let mut summaries: Vec<ApiKeySummary> = keys
        .into_iter()
        .map(|k| ApiKeySummary {
            scopes: scopes_of(&k),
            created_by: k.created_by.and_then(|id| {
                creators
                    .iter()
                    .find(|u| u.id == id)
                    .map(|u| u.display_name())
            }),
            created_at: Moment::new(k.created_at, at),
            last_used_at: k.last_used_at.map(|t| Moment::new(t, at)),
            revoked_at: k.revoked_at.map(|t| Moment::new(t, at)),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
        })
        .collect();
    summaries.sort_by_key(|k| k.revoked_at.is_some());
    Ok(summaries)
}

/// The scopes of `form`, checked: known, in a feature the organisation has, and held by the
/// actor. Every problem is named.
fn check_scopes(actor: &Actor<'_>, codes: &[String]) -> Result<Vec<ApiScope>, Vec<Message>> {
    let mut problems = Vec::new();
    let mut scopes = Vec::new();
    for code in codes {
        let Some(scope) = ApiScope::from_code(code) else {
            problems.push(msg!("msg.api_keys.unknown_scope", scope = code));
            continue;
        };
        if let Some(feature) = scope.feature().filter(|f| !actor.user.features.contains(f)) {
            problems.push(msg!(
                "msg.api_keys.scope_feature",
                scope = scope,
                feature = feature
            ));
        } else if !actor.user.can(scope.permission()) {
            problems.push(msg!(
                "msg.api_keys.scope_permission",
                scope = scope,
                permission = lower(scope.permission())
            ));
        } else if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if codes.is_empty() {
        problems.push(msg!("msg.api_keys.no_scope"));
    }
    if problems.is_empty() {
        scopes.sort();
        Ok(scopes)
    } else {
        Err(problems)
    }
}

/// Creates a key named `form.name` with `form.scopes`; its secret is in the answer and nowhere
/// else.
pub async fn create(
    state: &super::AppState,
    actor: &Actor<'_>,
    form: &NewApiKey,
) -> ServiceResult<CreatedApiKey> {
    let organisation_id = actor.user.organisation.id;
    let mut fields = Vec::new();
    let name = super::text::name(&form.name).unwrap_or_else(|problem| {
        fields.push(FieldProblem {
            field: "name",
            message: super::text::refusal(problem, false),
        });
        String::new()
    });
    if name.is_empty() && fields.is_empty() {
        fields.push(FieldProblem {
            field: "name",
            message: msg!("msg.api_keys.name_missing"),
        });
    } else if name.chars().count() > API_KEY_NAME_MAX {
        fields.push(FieldProblem {
            field: "name",
            message: msg!("msg.api_keys.name_too_long", max = API_KEY_NAME_MAX),
        });
    }
    let scopes = check_scopes(actor, &form.scopes).unwrap_or_else(|problems| {
        fields.push(FieldProblem {
            field: "scopes",
            message: msg!("msg.text.sentences", sentences = problems),
        });
        Vec::new()
    });
    // Two admins creating keys at once see each other's: the name and the count stay true.
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let active = api_key::Entity::find()
        .filter(api_key::Column::OrganisationId.eq(organisation_id))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(&txn)
        .await?;
    if !name.is_empty()
        && active
            .iter()
            .any(|k| k.name.to_lowercase() == name.to_lowercase())
    {
        fields.push(FieldProblem {
            field: "name",
            message: msg!("msg.api_keys.name_taken", name = name),
        });
    }
    if let Some(first) = fields.first() {
        return Err(Refusal::Invalid {
            message: first.message.clone(),
            fields,
        }
        .into());
    }
    if active.len() as u64 >= API_KEYS_MAX_ACTIVE {
        return Err(
            Refusal::Conflict(msg!("msg.api_keys.too_many", max = API_KEYS_MAX_ACTIVE)).into(),
        );
    }
    let secret = format!("{API_KEY_PREFIX}{}", sessions::new_secret());
    let codes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
    let key = api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(organisation_id),
        name: Set(name.clone()),
        prefix: Set(secret[..SHOWN_CHARS].to_string()),
        secret_hash: Set(sessions::hash_secret(&secret)),
        scopes: Set(json!(codes)),
        created_by: Set(Some(actor.user.id)),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::ApiKeyCreated,
            "api_key",
            key.id,
            Changes::new().added("name", &name).added("scopes", &codes),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(CreatedApiKey {
        id: key.id,
        name,
        secret,
    })
}

/// Revokes key `id` of the actor's organisation: the products using it are refused from their
/// next request. Revoking a revoked key changes nothing.
pub async fn revoke(state: &super::AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = crate::services::locking::write_txn(&state.db).await?;
    let key = api_key::Entity::find_by_id(id)
        .filter(api_key::Column::OrganisationId.eq(actor.user.organisation.id))
        .one(&txn)
        .await?
        .ok_or_else(|| Refusal::NotFound(msg!("msg.api_keys.that_key")))?;
    if key.revoked_at.is_some() {
        return Ok(());
    }
    api_key::Entity::update_many()
        .col_expr(api_key::Column::RevokedAt, Expr::value(now()))
        .filter(api_key::Column::Id.eq(key.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::ApiKeyRevoked,
            "api_key",
            key.id,
            Changes::new().removed("name", &key.name),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A product calling the HTTP API with a valid key.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub key_id: Uuid,
    /// Who created the key: directory sync acts with their rights.
    pub created_by: Option<Uuid>,
    pub organisation: organisation::Model,
    pub scopes: Vec<ApiScope>,
    /// The organisation's features now (licence ∩ override).
    pub features: Vec<Feature>,
}

impl ApiClient {
    /// Refuses, in words, a call that needs `scope` when the key lacks it or the organisation
    /// lacks the scope's feature.
    pub fn require(&self, scope: ApiScope) -> Result<(), Refusal> {
        if !self.scopes.contains(&scope) {
            return Err(Refusal::Forbidden(msg!(
                "msg.api_keys.key_lacks_scope",
                scope = scope.code()
            )));
        }
        if let Some(feature) = scope.feature().filter(|f| !self.features.contains(f)) {
            return Err(Refusal::Forbidden(msg!(
                "msg.guard.use_feature",
                feature = feature,
                organisation = self.organisation.name
            )));
        }
        Ok(())
    }
}

/// The client behind `secret`, when it is an unrevoked key.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> ServiceResult<Option<ApiClient>> {
    if !secret.starts_with(API_KEY_PREFIX) {
        return Ok(None);
    }
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::SecretHash.eq(sessions::hash_secret(secret)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(organisation) = organisation::Entity::find_by_id(key.organisation_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = now();
    if key
        .last_used_at
        .is_none_or(|t| (at - t).num_seconds() >= LAST_USED_GRANULARITY_SECS)
    {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(at))
            .filter(api_key::Column::Id.eq(key.id))
            .exec(db)
            .await?;
    }
    let licensed = licence::licensed_features(db).await?;
    Ok(Some(ApiClient {
        key_id: key.id,
        created_by: key.created_by,
        scopes: scopes_of(&key),
        features: super::tenancy::effective_features(&licensed, &organisation),
        organisation,
    }))
}

/// What a product is told when it sends no key or a key that does not work.
pub fn missing_key_message() -> Message {
    msg!("msg.api.unauthenticated")
}

/// The refusal for an address under the API that is not one of its endpoints.
pub fn no_such_endpoint() -> Refusal {
    Refusal::NotFound(msg!("msg.api.no_such_endpoint"))
}
