//! Who a verified identity is in the organisation: the account linked to it before, the one with
//! the address the provider vouches for (when the admin allowed linking), or one created for it
//! (just-in-time provisioning), within the licence's seats. An invited person accepts their
//! invitation by signing in.

use super::flow::FailReason;
use crate::services::{
    audit::{self, AuditAction, AuditEntry, Changes},
    licence,
    locking::OrgTxn,
    now,
    oidc::Verified,
    people::{find_user_by_email, normalise_email, NewUser},
    tokens::{self, TokenKind},
    AppState, ServiceError,
};
use crate::{
    entities::{organisation, role, sso_connection, user, user_identity, user_role},
    i18n::Locale,
    model::{sso::Provisioning, PlatformRole, UserStatus},
};
use sea_orm::{prelude::*, sea_query::ExprTrait, ActiveValue::Set};

/// Why no account opens.
pub(super) enum Why {
    /// Refused for `reason`; the account, when one was found.
    Refused(FailReason, Option<Box<user::Model>>),
    Broken(ServiceError),
}

impl From<ServiceError> for Why {
    fn from(error: ServiceError) -> Self {
        Why::Broken(error)
    }
}

impl From<DbErr> for Why {
    fn from(error: DbErr) -> Self {
        Why::Broken(error.into())
    }
}

/// The account of the person `verified` names, in `organisation`: linked before, linked now by
/// their verified address, or created for them; refused when none may be used.
pub(super) async fn account_for(
    state: &AppState,
    organisation: &organisation::Model,
    connection: &sso_connection::Model,
    verified: &Verified,
) -> Result<user::Model, Why> {
    let txn = OrgTxn::begin(&state.db, organisation.id).await?;
    let linked = user_identity::Entity::find()
        .filter(user_identity::Column::OrganisationId.eq(organisation.id))
        .filter(user_identity::Column::Issuer.eq(verified.issuer.as_str()))
        .filter(user_identity::Column::Subject.eq(verified.subject.as_str()))
        .one(&*txn)
        .await?;
    let user = match linked {
        Some(identity) => {
            user_identity::Entity::update_many()
                .col_expr(user_identity::Column::LastUsedAt, Expr::value(now()))
                .filter(user_identity::Column::Id.eq(identity.id))
                .exec(&*txn)
                .await?;
            user::Entity::find_by_id(identity.user_id)
                .one(&*txn)
                .await?
                .ok_or(Why::Refused(FailReason::NoAccount, None))?
        }
        None => first_sign_in(&txn, organisation, connection, verified).await?,
    };
    let user = if user.status == UserStatus::Invited {
        accept_invitation(&txn, user, connection).await?
    } else {
        user
    };
    if user.status != UserStatus::Active
        || user.deprovisioned_at.is_some()
        || user.access_expires_at.is_some_and(|at| at <= now())
    {
        return Err(Why::Refused(FailReason::NotActive, Some(Box::new(user))));
    }
    txn.commit().await?;
    Ok(user)
}

/// The address `verified` gives, when the provider vouches for it and it is in one of the
/// connection's domains.
fn vouched_address(connection: &sso_connection::Model, verified: &Verified) -> Result<String, Why> {
    let email = verified
        .email
        .as_deref()
        .map(normalise_email)
        .filter(|e| verified.email_verified && crate::services::text::plain_email(e))
        .ok_or(Why::Refused(FailReason::Domain, None))?;
    let domains = super::domains_of(connection);
    let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
    if !domains.is_empty() && !domains.iter().any(|d| d == domain) {
        return Err(Why::Refused(FailReason::Domain, None));
    }
    Ok(email)
}

/// A first sign-in with this identity: linked to the account with the verified address when the
/// admin allowed it, or a new account when the connection provisions just in time.
async fn first_sign_in(
    txn: &OrgTxn,
    organisation: &organisation::Model,
    connection: &sso_connection::Model,
    verified: &Verified,
) -> Result<user::Model, Why> {
    let email = vouched_address(connection, verified)?;
    let existing = find_user_by_email(&**txn, organisation.id, &email).await?;
    let user = match existing {
        Some(user) if connection.link_by_email => user,
        Some(user) => return Err(Why::Refused(FailReason::NoAccount, Some(Box::new(user)))),
        None if connection.provisioning == Provisioning::JustInTime => {
            create(txn, organisation, connection, verified, &email).await?
        }
        None => return Err(Why::Refused(FailReason::NoAccount, None)),
    };
    user_identity::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(organisation.id),
        user_id: Set(user.id),
        issuer: Set(verified.issuer.clone()),
        subject: Set(verified.subject.clone()),
        created_at: Set(now()),
        last_used_at: Set(Some(now())),
    }
    .insert(&**txn)
    .await?;
    Ok(user)
}

/// A name from the provider, when it is one a person could type; else `fallback`.
fn name_or(claim: Option<&str>, fallback: &str) -> String {
    claim
        .and_then(|n| crate::services::text::name(n).ok())
        .filter(|n| !n.is_empty() && n.chars().count() <= 100)
        .unwrap_or_else(|| fallback.to_string())
}

/// The account created at a first sign-in, with the connection's user type and roles, within
/// the licence's seats; audited as the system's doing, naming the connection.
async fn create(
    txn: &OrgTxn,
    organisation: &organisation::Model,
    connection: &sso_connection::Model,
    verified: &Verified,
    email: &str,
) -> Result<user::Model, Why> {
    let Some(user_type) = connection.jit_user_type else {
        return Err(Why::Refused(FailReason::NoAccount, None));
    };
    if licence::reserve_seats(txn, 1).await.is_err() {
        return Err(Why::Refused(FailReason::Seats, None));
    }
    let local = email.split('@').next().unwrap_or(email);
    let first_name = name_or(verified.given_name.as_deref(), local);
    let last_name = name_or(verified.family_name.as_deref(), "-");
    let mut model = NewUser {
        organisation_id: organisation.id,
        email,
        first_name: &first_name,
        last_name: &last_name,
        user_type,
        status: UserStatus::Active,
        password_hash: None,
        must_change_password: false,
        platform_role: PlatformRole::None,
    }
    .into_active_model();
    model.locale = Set(Locale::En);
    let created = model.insert(&**txn).await?;
    let role_ids = super::role_ids_of(connection);
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation.id))
        .filter(role::Column::Id.is_in(role_ids))
        .all(&**txn)
        .await?;
    if !roles.is_empty() {
        user_role::Entity::insert_many(roles.iter().map(|r| user_role::ActiveModel {
            user_id: Set(created.id),
            role_id: Set(r.id),
        }))
        .exec_without_returning(&**txn)
        .await?;
    }
    audit::record(
        &**txn,
        AuditEntry::by_system(
            organisation.id,
            AuditAction::UserCreated,
            created.id,
            Changes::new()
                .added("email", &created.email)
                .added("first_name", &created.first_name)
                .added("last_name", &created.last_name)
                .added("user_type", user_type)
                .added("roles", roles.iter().map(|r| &r.name).collect::<Vec<_>>())
                .added("onboarding", "single_sign_on")
                .added("connection", &connection.name),
        ),
    )
    .await?;
    Ok(created)
}

/// An invited person signing in through the provider accepts their invitation: the provider
/// vouched for the address the invitation went to.
async fn accept_invitation(
    txn: &OrgTxn,
    user: user::Model,
    connection: &sso_connection::Model,
) -> Result<user::Model, Why> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(UserStatus::Active))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(UserStatus::Invited))
        .exec(&**txn)
        .await?;
    tokens::retire(&**txn, user.id, TokenKind::Invitation).await?;
    audit::record(
        &**txn,
        AuditEntry::by_system(
            user.organisation_id,
            AuditAction::InvitationAccepted,
            user.id,
            Changes::new().added("connection", &connection.name),
        ),
    )
    .await?;
    Ok(user::Model {
        status: UserStatus::Active,
        ..user
    })
}
