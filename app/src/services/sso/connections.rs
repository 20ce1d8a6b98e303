//! The connections of Settings → Single sign-on: checked, saved with the client secret sealed,
//! turned on and off, removed; every change audited.

use super::{domains_of, role_ids_of, summary};
use crate::services::{
    acting::{check_grants, roles_of, Actor},
    audit::{self, AuditAction, Changes},
    locking::OrgTxn,
    now, oidc, AppState, ServiceError, ServiceResult,
};
use crate::{
    entities::{organisation, role, sso_connection},
    model::{
        sso::{
            Provisioning, SsoConnectionForm, SsoConnectionSummary, SsoPreset, SSO_CONNECTIONS_MAX,
            SSO_NAME_MAX,
        },
        UserType,
    },
    msg,
    services::messages::{FieldProblem, Message, Refusal},
};
use sea_orm::{prelude::*, ActiveValue::Set};
use serde_json::json;
use std::collections::BTreeSet;

/// A connection's form, checked: every problem named at once.
struct Checked {
    name: String,
    preset: SsoPreset,
    issuer: String,
    client_id: String,
    scopes: String,
    domains: Vec<String>,
    provisioning: Provisioning,
    jit_user_type: Option<UserType>,
    jit_roles: Vec<role::Model>,
}

fn problem(fields: &mut Vec<FieldProblem>, field: &'static str, message: Message) {
    fields.push(FieldProblem { field, message });
}

/// Whether `domain` looks like an email domain (`example.com`).
fn plain_domain(domain: &str) -> bool {
    domain.contains('.')
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

async fn check(
    state: &AppState,
    actor: &Actor<'_>,
    form: &SsoConnectionForm,
) -> ServiceResult<Checked> {
    let mut fields = Vec::new();
    let name = crate::services::text::name(&form.name).unwrap_or_else(|p| {
        problem(
            &mut fields,
            "name",
            crate::services::text::refusal(p, false),
        );
        String::new()
    });
    if name.is_empty() && fields.is_empty() {
        problem(&mut fields, "name", msg!("msg.sso.name_missing"));
    } else if name.chars().count() > SSO_NAME_MAX {
        problem(
            &mut fields,
            "name",
            msg!("msg.sso.name_too_long", max = SSO_NAME_MAX),
        );
    }
    let preset = SsoPreset::from_code(&form.preset).unwrap_or(SsoPreset::Generic);
    let issuer = form.issuer.trim().trim_end_matches('/').to_string();
    if let Err(message) = oidc::check_issuer(&state.sso, &issuer) {
        problem(&mut fields, "issuer", message);
    }
    let client_id = form.client_id.trim().to_string();
    if client_id.is_empty() || client_id.len() > 255 || client_id.chars().any(char::is_control) {
        problem(&mut fields, "client_id", msg!("msg.sso.client_id"));
    }
    if form.client_secret.len() > 1000 || form.client_secret.chars().any(char::is_control) {
        problem(&mut fields, "client_secret", msg!("msg.sso.client_secret"));
    }
    let scopes: Vec<&str> = form
        .scopes
        .split_whitespace()
        .filter(|s| *s != "openid")
        .collect();
    if scopes.len() > 20
        || scopes.iter().any(|s| {
            s.len() > 100
                || !s
                    .chars()
                    .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        })
    {
        problem(&mut fields, "scopes", msg!("msg.sso.scopes"));
    }
    let mut domains: Vec<String> = form
        .allowed_domains
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
        .collect();
    domains.sort();
    domains.dedup();
    if let Some(bad) = domains.iter().find(|d| !plain_domain(d)) {
        problem(
            &mut fields,
            "allowed_domains",
            msg!("msg.sso.domain", domain = bad.clone()),
        );
    } else if domains.len() > 50 {
        problem(&mut fields, "allowed_domains", msg!("msg.sso.domains_many"));
    }
    let provisioning = Provisioning::from_code(&form.provisioning).unwrap_or_else(|| {
        problem(&mut fields, "provisioning", msg!("msg.sso.provisioning"));
        Provisioning::PreProvisioned
    });
    let (jit_user_type, jit_roles) = if provisioning == Provisioning::JustInTime {
        let Some(user_type) = form.jit_user_type else {
            problem(&mut fields, "jit_user_type", msg!("msg.sso.jit_user_type"));
            return Err(refusal(fields));
        };
        let ids: BTreeSet<Uuid> = form.jit_roles.iter().copied().collect();
        let roles = roles_of(&state.db, actor.user.organisation.id, &ids)
            .await
            .map_err(|e| rename_field(e, "jit_roles"))?;
        // Nobody hands people arriving through a provider more than they may grant themselves.
        check_grants(&state.db, actor, Some(user_type), &roles)
            .await
            .map_err(|e| rename_field(rename_field(e, "jit_roles"), "jit_user_type"))?;
        (Some(user_type), roles)
    } else {
        (None, Vec::new())
    };
    if !fields.is_empty() {
        return Err(refusal(fields));
    }
    Ok(Checked {
        name,
        preset,
        issuer,
        client_id,
        scopes: scopes.join(" "),
        domains,
        provisioning,
        jit_user_type,
        jit_roles,
    })
}

/// A guardrail's refusal of the `roles` or `user_type` field, moved to this form's field.
fn rename_field(error: ServiceError, to: &'static str) -> ServiceError {
    match error {
        ServiceError::Refused(Refusal::Invalid { message, fields }) => Refusal::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|f| FieldProblem {
                    field: if (f.field == "roles" && to == "jit_roles")
                        || (f.field == "user_type" && to == "jit_user_type")
                    {
                        to
                    } else {
                        f.field
                    },
                    message: f.message,
                })
                .collect(),
        }
        .into(),
        other => other,
    }
}

fn refusal(fields: Vec<FieldProblem>) -> ServiceError {
    Refusal::Invalid {
        message: fields
            .first()
            .map_or_else(|| msg!("msg.sso.check"), |f| f.message.clone()),
        fields,
    }
    .into()
}

/// Creates a connection (`id` none) or changes connection `id`, from `form`. A new connection
/// needs a client secret and starts disabled until the admin enables it (after a test, say).
pub async fn save(
    state: &AppState,
    actor: &Actor<'_>,
    id: Option<Uuid>,
    form: &SsoConnectionForm,
) -> ServiceResult<SsoConnectionSummary> {
    let Some(key) = state.sso.secret_key() else {
        return Err(Refusal::Conflict(msg!("msg.sso.no_key")).into());
    };
    let checked = check(state, actor, form).await?;
    let organisation_id = actor.user.organisation.id;
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let existing = match id {
        Some(id) => Some(find(&txn, organisation_id, id).await?),
        None => None,
    };
    let secret = form.client_secret.trim();
    let id = existing.as_ref().map_or_else(Uuid::new_v4, |c| c.id);
    let sealed = match (&existing, secret) {
        (None, "") => {
            return Err(Refusal::field("client_secret", msg!("msg.sso.secret_missing")).into())
        }
        (Some(c), "") => c.client_secret.clone(),
        (_, secret) => key.seal(id, secret).map_err(ServiceError::Internal)?,
    };
    if existing.is_none() {
        let count = sso_connection::Entity::find()
            .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
            .count(&*txn)
            .await?;
        if count >= SSO_CONNECTIONS_MAX {
            return Err(
                Refusal::Conflict(msg!("msg.sso.too_many", max = SSO_CONNECTIONS_MAX)).into(),
            );
        }
    }
    let role_ids: Vec<String> = checked.jit_roles.iter().map(|r| r.id.to_string()).collect();
    let at = now();
    let model = sso_connection::ActiveModel {
        id: Set(id),
        organisation_id: Set(organisation_id),
        name: Set(checked.name.clone()),
        preset: Set(checked.preset),
        issuer: Set(checked.issuer.clone()),
        client_id: Set(checked.client_id.clone()),
        client_secret: Set(sealed),
        scopes: Set(checked.scopes.clone()),
        allowed_domains: Set(json!(checked.domains)),
        enabled: Set(existing.as_ref().is_some_and(|c| c.enabled)),
        link_by_email: Set(form.link_by_email),
        provisioning: Set(checked.provisioning),
        jit_user_type: Set(checked.jit_user_type),
        jit_roles: Set(json!(role_ids)),
        created_at: Set(existing.as_ref().map_or(at, |c| c.created_at)),
        updated_at: Set(at),
    };
    let role_names: Vec<&str> = checked.jit_roles.iter().map(|r| r.name.as_str()).collect();
    let saved = if let Some(before) = &existing {
        let saved = model.update(&*txn).await?;
        let changes = Changes::new()
            .field("name", &before.name, &saved.name)
            .field("issuer", &before.issuer, &saved.issuer)
            .field("client_id", &before.client_id, &saved.client_id)
            .field(
                "client_secret",
                "",
                if secret.is_empty() { "" } else { "(new)" },
            )
            .field("scopes", &before.scopes, &saved.scopes)
            .field("allowed_domains", domains_of(before), &checked.domains)
            .field("link_by_email", before.link_by_email, saved.link_by_email)
            .field("provisioning", before.provisioning, saved.provisioning)
            .field("jit_user_type", before.jit_user_type, saved.jit_user_type)
            .field("jit_roles", role_ids_of(before), role_ids_of(&saved));
        if !changes.is_empty() {
            let changes = if before.name == saved.name {
                changes.same("name", &saved.name)
            } else {
                changes
            };
            audit::record(
                &*txn,
                actor.audit_of(
                    AuditAction::SsoConnectionUpdated,
                    "sso_connection",
                    id,
                    changes,
                ),
            )
            .await?;
        }
        saved
    } else {
        let saved = model.insert(&*txn).await?;
        audit::record(
            &*txn,
            actor.audit_of(
                AuditAction::SsoConnectionCreated,
                "sso_connection",
                id,
                Changes::new()
                    .added("name", &saved.name)
                    .added("issuer", &saved.issuer)
                    .added("client_id", &saved.client_id)
                    .added("scopes", &saved.scopes)
                    .added("allowed_domains", &checked.domains)
                    .added("link_by_email", saved.link_by_email)
                    .added("provisioning", saved.provisioning)
                    .added("jit_user_type", saved.jit_user_type)
                    .added("jit_roles", &role_names),
            ),
        )
        .await?;
        saved
    };
    txn.commit().await?;
    state.sso.forget(&saved.issuer);
    Ok(summary(saved))
}

/// Connection `id` of `organisation_id`; another organisation's is not found.
async fn find(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    id: Uuid,
) -> ServiceResult<sso_connection::Model> {
    sso_connection::Entity::find_by_id(id)
        .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(|| Refusal::NotFound(msg!("msg.sso.that_connection")).into())
}

/// Turns connection `id` on or off. The last enabled connection cannot be turned off while
/// single sign-on is required (nobody but the break-glass admins could sign in).
pub async fn set_enabled(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    enabled: bool,
) -> ServiceResult<()> {
    let organisation_id = actor.user.organisation.id;
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let connection = find(&*txn, organisation_id, id).await?;
    if connection.enabled == enabled {
        return Ok(());
    }
    if !enabled {
        check_not_last(&txn, organisation_id, id).await?;
    }
    sso_connection::Entity::update_many()
        .col_expr(sso_connection::Column::Enabled, Expr::value(enabled))
        .col_expr(sso_connection::Column::UpdatedAt, Expr::value(now()))
        .filter(sso_connection::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        actor.audit_of(
            AuditAction::SsoConnectionUpdated,
            "sso_connection",
            id,
            Changes::new().same("name", &connection.name).field(
                "enabled",
                connection.enabled,
                enabled,
            ),
        ),
    )
    .await?;
    txn.commit().await
}

/// Refuses to take away connection `id` when it is the last enabled one and sign-on is required.
async fn check_not_last(txn: &OrgTxn, organisation_id: Uuid, id: Uuid) -> ServiceResult<()> {
    let required = organisation::Entity::find_by_id(organisation_id)
        .one(&**txn)
        .await?
        .is_some_and(|o| o.sso_required);
    let others = sso_connection::Entity::find()
        .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
        .filter(sso_connection::Column::Enabled.eq(true))
        .filter(sso_connection::Column::Id.ne(id))
        .count(&**txn)
        .await?;
    if required && others == 0 {
        return Err(Refusal::Conflict(msg!("msg.sso.last_connection")).into());
    }
    Ok(())
}

/// Removes connection `id`. The people who signed in through it keep their accounts and their
/// links to the provider, which a new connection to the same issuer finds again.
pub async fn remove(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let organisation_id = actor.user.organisation.id;
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let connection = find(&*txn, organisation_id, id).await?;
    if connection.enabled {
        check_not_last(&txn, organisation_id, id).await?;
    }
    sso_connection::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::record(
        &*txn,
        actor.audit_of(
            AuditAction::SsoConnectionRemoved,
            "sso_connection",
            id,
            Changes::new()
                .removed("name", &connection.name)
                .removed("issuer", &connection.issuer),
        ),
    )
    .await?;
    txn.commit().await
}
