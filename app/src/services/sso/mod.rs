//! Single sign-on with OpenID Connect, per organisation: the connections its administrators
//! (org.settings) set up in Settings → Single sign-on, whether it is required, and the buttons of
//! its sign-in page. The sign-in itself is in [`flow`]; the protocol is the `openidconnect`
//! crate's, through the `oidc` building block, which also seals client secrets at rest.

pub mod connections;
pub mod flow;
mod provisioning;

pub use connections::{remove, save, set_enabled};

use super::{
    acting::Actor,
    audit::{self, Changes},
    locking::OrgTxn,
    AppState, ServiceError, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::{
    entities::{organisation, role, sso_connection, user},
    model::{
        sso::{
            SignInOptions, SsoButton, SsoConnectionSummary, SsoOverview, SsoPerson, SsoRequirement,
        },
        UserStatus, UserType,
    },
};
use crate::{msg, services::messages::Refusal};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Func},
    Condition, QueryOrder,
};
use std::collections::BTreeSet;

/// The address providers send people back to, registered as the client's redirect URI.
pub fn redirect_uri(state: &AppState) -> String {
    format!("{}/sso/callback", state.mail.base_url)
}

fn domains_of(connection: &sso_connection::Model) -> Vec<String> {
    strings_of(&connection.allowed_domains)
}

fn strings_of(json: &Json) -> Vec<String> {
    json.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn role_ids_of(connection: &sso_connection::Model) -> Vec<Uuid> {
    strings_of(&connection.jit_roles)
        .iter()
        .filter_map(|id| id.parse().ok())
        .collect()
}

fn summary(c: sso_connection::Model) -> SsoConnectionSummary {
    SsoConnectionSummary {
        allowed_domains: domains_of(&c),
        jit_roles: role_ids_of(&c),
        id: c.id,
        name: c.name,
        preset: c.preset,
        issuer: c.issuer,
        client_id: c.client_id,
        scopes: c.scopes,
        enabled: c.enabled,
        link_by_email: c.link_by_email,
        provisioning: c.provisioning,
        jit_user_type: c.jit_user_type,
    }
}

/// Everything Settings → Single sign-on shows.
pub async fn overview(state: &AppState, actor: &Actor<'_>) -> ServiceResult<SsoOverview> {
    let db = &state.db;
    let organisation_id = actor.user.organisation.id;
    let connections = sso_connection::Entity::find()
        .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(sso_connection::Column::CreatedAt)
        .all(db)
        .await?;
    let organisation = organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::Internal("organisation gone".into()))?;
    let admins = active_admins(organisation_id)
        .filter(
            Condition::any()
                .add(user::Column::SsoBreakGlass.eq(true))
                .add(user::Column::Id.eq(actor.user.id)),
        )
        .order_by_asc(user::Column::FirstName)
        .order_by_asc(user::Column::LastName)
        .all(db)
        .await?;
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    Ok(SsoOverview {
        connections: connections.into_iter().map(summary).collect(),
        required: organisation.sso_required,
        break_glass: admins
            .iter()
            .filter(|u| u.sso_break_glass)
            .map(|u| u.id)
            .collect(),
        admins: admins
            .iter()
            .map(|u| SsoPerson {
                id: u.id,
                name: u.display_name(),
                email: u.email.clone(),
            })
            .collect(),
        roles: roles.into_iter().map(|r| (r.id, r.name)).collect(),
        can_store_secrets: state.sso.secret_key().is_some(),
        redirect_uri: redirect_uri(state),
    })
}

/// The active tenant admins of `organisation_id`.
fn active_admins(organisation_id: Uuid) -> sea_orm::Select<user::Entity> {
    user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::UserType.eq(UserType::TenantAdmin))
        .filter(user::Column::Status.eq(UserStatus::Active))
}

/// Requires single sign-on (or stops requiring it) and names the administrators who may still
/// sign in with a password (those ticked, and the one whose address is given). Requiring it
/// needs an enabled connection and at least one break-glass administrator, so the organisation
/// never locks itself out.
pub async fn set_requirement(
    state: &AppState,
    actor: &Actor<'_>,
    requirement: &SsoRequirement,
) -> ServiceResult<()> {
    let organisation_id = actor.user.organisation.id;
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    let mut named: BTreeSet<Uuid> = requirement.break_glass.iter().copied().collect();
    let added = super::people::normalise_email(&requirement.add);
    // Only the people concerned are read: the break-glass ones, those named, the one added.
    let admins = active_admins(organisation_id)
        .filter(
            Condition::any()
                .add(user::Column::SsoBreakGlass.eq(true))
                .add(user::Column::Id.is_in(named.iter().copied()))
                .add(Expr::expr(Func::lower(Expr::col(user::Column::Email))).eq(added.as_str())),
        )
        .all(&*txn)
        .await?;
    if named.iter().any(|id| !admins.iter().any(|a| a.id == *id)) {
        return Err(Refusal::field("break_glass", msg!("msg.sso.break_glass_admin")).into());
    }
    if !added.is_empty() {
        let Some(admin) = admins
            .iter()
            .find(|a| super::people::normalise_email(&a.email) == added)
        else {
            return Err(Refusal::field(
                "add",
                msg!(
                    "msg.sso.break_glass_unknown",
                    email = requirement.add.trim()
                ),
            )
            .into());
        };
        named.insert(admin.id);
    }
    if requirement.required {
        let enabled = sso_connection::Entity::find()
            .filter(sso_connection::Column::OrganisationId.eq(organisation_id))
            .filter(sso_connection::Column::Enabled.eq(true))
            .count(&*txn)
            .await?;
        if enabled == 0 {
            return Err(Refusal::field("required", msg!("msg.sso.require_connection")).into());
        }
        if named.is_empty() {
            return Err(Refusal::field("break_glass", msg!("msg.sso.break_glass_none")).into());
        }
    }
    let organisation = organisation::Entity::find_by_id(organisation_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("organisation gone".into()))?;
    let before: Vec<&str> = admins
        .iter()
        .filter(|a| a.sso_break_glass)
        .map(|a| a.email.as_str())
        .collect();
    let after: Vec<&str> = admins
        .iter()
        .filter(|a| named.contains(&a.id))
        .map(|a| a.email.as_str())
        .collect();
    organisation::Entity::update_many()
        .col_expr(
            organisation::Column::SsoRequired,
            Expr::value(requirement.required),
        )
        .filter(organisation::Column::Id.eq(organisation_id))
        .exec(&*txn)
        .await?;
    user::Entity::update_many()
        .col_expr(
            user::Column::SsoBreakGlass,
            Expr::col(user::Column::Id).is_in(named.iter().copied()),
        )
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(
            Condition::any()
                .add(user::Column::SsoBreakGlass.eq(true))
                .add(user::Column::Id.is_in(named.iter().copied())),
        )
        .exec(&*txn)
        .await?;
    let changes = Changes::new()
        .field("required", organisation.sso_required, requirement.required)
        .field("break_glass", before, after);
    if !changes.is_empty() {
        audit::record(
            &*txn,
            actor.audit_of(
                AuditAction::SsoRequirementChanged,
                "organisation",
                organisation_id,
                changes,
            ),
        )
        .await?;
    }
    txn.commit().await
}

/// How many connections exist, in every organisation.
pub async fn count_connections(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    Ok(sso_connection::Entity::find().count(db).await?)
}

/// What the sign-in page of organisation `slug` offers: its enabled connections, and whether
/// passwords are for break-glass administrators only. Nothing for an unknown organisation.
pub async fn sign_in_options(
    db: &impl ConnectionTrait,
    slug: &str,
) -> ServiceResult<SignInOptions> {
    let Some(organisation) = super::tenancy::find_by_slug(db, slug).await? else {
        return Ok(SignInOptions::default());
    };
    let connections = sso_connection::Entity::find()
        .filter(sso_connection::Column::OrganisationId.eq(organisation.id))
        .filter(sso_connection::Column::Enabled.eq(true))
        .order_by_asc(sso_connection::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(SignInOptions {
        connections: connections
            .into_iter()
            .map(|c| SsoButton {
                id: c.id,
                name: c.name,
            })
            .collect(),
        sso_required: organisation.sso_required,
    })
}
