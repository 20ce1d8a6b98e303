//! Directory sync: SCIM 2.0 (RFC 7643, RFC 7644) Users of one organisation, for an identity
//! provider holding an API key with the `scim` scope.
//!
//! A directory acts with the rights of the person who created its key, through the same account
//! flows as the console (guardrails, seats, audit, mail): it cannot make a tenant admin unless
//! that person could, and it stops working when that person leaves. Each change is one
//! transaction. `active: false` suspends (sessions end, the seat is freed); DELETE deprovisions:
//! the account is suspended and kept with its history, and the directory sees it no more.

mod filter;
pub mod groups;
mod patch;
pub mod resource;

use super::{
    accounts,
    acting::Actor,
    api_keys::ApiClient,
    audit::{self, AuditAction, Changes},
    auth,
    locking::{bump_version, OrgTxn},
    messages::{Message, Refusal},
    now, AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{role, user},
    model::{
        account::{AccountChange, AccountForm, NewAccount, Onboarding},
        CurrentUser, Permission, RoleTemplate, UserStatus, UserType,
    },
    msg,
};
use resource::Desired;
use scim_v2::{filter::Filter, models::others::PatchOperation};
use sea_orm::{
    prelude::*, sea_query::ExprTrait, Condition, PaginatorTrait, QueryOrder, QuerySelect,
};
use serde_json::Value;

pub use scim_v2::schema_urns::{GROUP as SCHEMA_GROUP, USER as SCHEMA_USER};

/// The most resources one page of a list holds, whatever `count` asks.
pub const MAX_PAGE: u64 = 200;

/// A refusal of a value a directory sent, naming the attribute.
fn invalid(attribute: &'static str, message: Message) -> Refusal {
    Refusal::field(attribute, message)
}

/// A filter Tenantry cannot apply (SCIM `invalidFilter`).
fn invalid_filter(message: Message) -> ServiceError {
    Refusal::field("filter", message).into()
}

/// A PATCH path naming no attribute of a User (SCIM `invalidPath`).
fn invalid_path(path: &str) -> ServiceError {
    Refusal::field(
        "path",
        msg!("msg.scim.path.invalid", path = path.to_string()),
    )
    .into()
}

/// A PATCH of an attribute Tenantry keeps to itself (SCIM `mutability`).
fn read_only(attribute: &str) -> ServiceError {
    Refusal::field(
        "path",
        msg!("msg.scim.path.read_only", attribute = attribute.to_string()),
    )
    .into()
}

/// A PATCH value path matching no value (SCIM `noTarget`).
fn no_target(path: &str) -> ServiceError {
    Refusal::field(
        "path",
        msg!("msg.scim.path.no_target", path = path.to_string()),
    )
    .into()
}

/// A filter as a directory wrote it, refused in words when it does not parse.
pub fn parse_filter(text: &str) -> ServiceResult<Filter> {
    text.parse().map_err(|e: scim_v2::filter::ParseError| {
        invalid_filter(msg!("msg.scim.filter.syntax", detail = e.to_string()))
    })
}

/// The directory behind an API key: the key's creator acting in the key's organisation.
pub struct Directory {
    user: CurrentUser,
    client: ClientInfo,
    organisation_id: Uuid,
}

impl Directory {
    /// Whether the key's creator may do `permission` here now.
    pub fn can(&self, permission: Permission) -> bool {
        self.user.can(permission)
    }

    fn actor(&self) -> Actor<'_> {
        Actor::new(&self.user, &self.client)
    }

    fn require(&self, permission: Permission) -> ServiceResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(Refusal::lacks(permission).into())
        }
    }
}

/// The directory calling with `api`'s key from `client`: refused when the key's creator is gone,
/// suspended, or no longer in the organisation.
pub async fn directory(
    state: &AppState,
    api: &ApiClient,
    client: ClientInfo,
) -> ServiceResult<Directory> {
    let gone = || Refusal::Forbidden(msg!("msg.scim.creator_gone"));
    let creator = match api.created_by {
        Some(id) => user::Entity::find_by_id(id).one(&state.db).await?,
        None => None,
    }
    .filter(|u| u.status == UserStatus::Active && u.replaced_by.is_none())
    .ok_or_else(gone)?;
    let user = auth::acting_in(state, &creator, &api.organisation.slug)
        .await
        .map_err(|_| gone())?;
    Ok(Directory {
        user,
        client,
        organisation_id: api.organisation.id,
    })
}

/// The accounts a directory sees: the organisation's current ones, not deprovisioned.
fn visible(organisation_id: Uuid) -> Condition {
    Condition::all()
        .add(user::Column::OrganisationId.eq(organisation_id))
        .add(user::Column::DeprovisionedAt.is_null())
        .add(user::Column::ReplacedBy.is_null())
}

fn no_such_user() -> Refusal {
    Refusal::NotFound(msg!("msg.scim.no_such_user"))
}

/// Account `id`, as the directory sees it.
pub async fn get(state: &AppState, dir: &Directory, id: &str) -> ServiceResult<user::Model> {
    dir.require(Permission::UsersView)?;
    let id = Uuid::parse_str(id).map_err(|_| no_such_user())?;
    user::Entity::find_by_id(id)
        .filter(visible(dir.organisation_id))
        .one(&state.db)
        .await?
        .ok_or_else(|| no_such_user().into())
}

/// What a list asks for (RFC 7644 §3.4.2).
#[derive(Debug, Default, Clone)]
pub struct ListRequest {
    pub filter: Option<Filter>,
    pub sort_by: Option<String>,
    pub descending: bool,
    /// 1-based, as SCIM counts.
    pub start_index: u64,
    pub count: u64,
    /// The list is one part of a search across resource types: a filter naming what this type
    /// does not have finds none of it, instead of being refused.
    pub across_types: bool,
}

impl ListRequest {
    /// How its filter treats an attribute the resource does not have.
    fn unknown(&self) -> filter::Unknown {
        if self.across_types {
            filter::Unknown::Absent
        } else {
            filter::Unknown::Refused
        }
    }
}

/// How many `select` finds, and the page `request` asks for: sorted as it says (else oldest
/// first), then by id so pages never overlap.
async fn page_of<E: EntityTrait>(
    db: &DatabaseConnection,
    select: sea_orm::Select<E>,
    request: &ListRequest,
    kind: filter::Kind,
    (created, id): (E::Column, E::Column),
) -> ServiceResult<(u64, Vec<E::Model>)>
where
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let order = if request.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let sorted = match request
        .sort_by
        .as_deref()
        .and_then(|by| filter::sort_key(kind, by))
    {
        Some(key) => select.order_by(key, order.clone()),
        None => select.order_by(created, order.clone()),
    };
    let page = sorted
        .order_by(id, order)
        .offset(Ord::max(request.start_index, 1) - 1)
        .limit(Ord::min(request.count, MAX_PAGE))
        .all(db)
        .await?;
    Ok((total, page))
}

/// The accounts matching `request`: how many in all, and one page of them.
pub async fn list(
    state: &AppState,
    dir: &Directory,
    request: &ListRequest,
) -> ServiceResult<(u64, Vec<user::Model>)> {
    dir.require(Permission::UsersView)?;
    let mut condition = visible(dir.organisation_id);
    if let Some(filter) = &request.filter {
        condition = condition.add(filter::condition(
            filter::Kind::User,
            request.unknown(),
            filter,
        )?);
    }
    page_of(
        &state.db,
        user::Entity::find().filter(condition),
        request,
        filter::Kind::User,
        (user::Column::CreatedAt, user::Column::Id),
    )
    .await
}

/// The form of the console's account flows for `desired`, keeping what SCIM does not manage
/// (roles, the end of access) from `current`.
fn form_of(
    desired: &Desired,
    email: String,
    roles: Vec<Uuid>,
    access_until: String,
) -> AccountForm {
    AccountForm {
        first_name: desired.first_name.clone(),
        last_name: desired.last_name.clone(),
        email,
        phone: desired.phone.clone().unwrap_or_default(),
        external_id: desired.external_id.clone().unwrap_or_default(),
        timezone: desired.timezone.clone().unwrap_or_default(),
        roles,
        access_until,
    }
}

/// How an account's `userName` is read: its own, else its address. Compared lowered, as the
/// index on it is.
fn user_name_expr() -> Expr {
    sea_orm::sea_query::Func::coalesce([
        Expr::col((user::Entity, user::Column::UserName)),
        Expr::col((user::Entity, user::Column::Email)),
    ])
    .into()
}

/// Refused when another account the directory sees already goes by `name`.
async fn check_user_name_free(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    name: &str,
    except: Option<Uuid>,
) -> ServiceResult<()> {
    let mut taken = user::Entity::find()
        .filter(visible(organisation_id))
        .filter(sea_orm::sea_query::Func::lower(user_name_expr()).eq(name.to_lowercase()));
    if let Some(id) = except {
        taken = taken.filter(user::Column::Id.ne(id));
    }
    if taken.count(db).await? > 0 {
        return Err(invalid(
            "userName",
            msg!("msg.scim.value.user_name_taken", name = name.to_string()),
        )
        .into());
    }
    Ok(())
}

/// Writes what only SCIM sets (the directory's name for the person, title, language) on account
/// `before`, recording the change.
async fn set_extras(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    before: &user::Model,
    desired: &Desired,
) -> ServiceResult<()> {
    if desired
        .title
        .as_ref()
        .is_some_and(|t| t.chars().count() > 200)
    {
        return Err(invalid("title", msg!("msg.scim.value.title_too_long")).into());
    }
    if desired.user_name.chars().count() > 200 {
        return Err(invalid("userName", msg!("msg.scim.value.user_name_too_long")).into());
    }
    check_user_name_free(
        txn,
        before.organisation_id,
        &desired.user_name,
        Some(before.id),
    )
    .await?;
    // A name that is the address follows the address: when the directory left it as it was, or
    // gave the new address.
    let address = desired.email.as_deref().unwrap_or(&before.email);
    let unchanged =
        before.user_name.is_none() && desired.user_name.eq_ignore_ascii_case(&before.email);
    let user_name = (!unchanged && !desired.user_name.eq_ignore_ascii_case(address))
        .then(|| desired.user_name.clone());
    let locale = desired.locale.unwrap_or(before.locale);
    if desired.title == before.title && locale == before.locale && user_name == before.user_name {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(user::Column::UserName, Expr::value(user_name.clone()))
        .col_expr(user::Column::Title, Expr::value(desired.title.clone()))
        .col_expr(user::Column::Locale, Expr::value(locale.code()))
        .filter(user::Column::Id.eq(before.id))
        .exec(txn)
        .await?;
    bump_version::<user::Entity>(txn, before.id).await?;
    let changes = Changes::new()
        .field("user_name", &before.user_name, &user_name)
        .field("title", &before.title, &desired.title)
        .field("locale", before.locale.code(), locale.code());
    audit::record(
        txn,
        actor.audit(AuditAction::UserUpdated, before.id, changes),
    )
    .await?;
    Ok(())
}

/// The built-in role people a directory creates start with: Agent (Viewer when the Agent role
/// was deleted).
async fn starting_role(db: &impl ConnectionTrait, organisation_id: Uuid) -> ServiceResult<Uuid> {
    let own = RoleTemplate::Agent;
    let roles = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .filter(role::Column::Template.is_in([own.code(), RoleTemplate::Viewer.code()]))
        .all(db)
        .await?;
    roles
        .iter()
        .find(|r| r.template.as_deref() == Some(own.code()))
        .or(roles.first())
        .map(|r| r.id)
        .ok_or_else(|| Refusal::Conflict(msg!("msg.scim.no_starting_role")).into())
}

/// Creates the account a directory's User body describes: invited by email, an agent with the
/// built-in Agent role, suspended at once when it says `active: false`. Types and roles are then
/// given in the console (`userType` is read-only here).
pub async fn create(state: &AppState, dir: &Directory, body: &Value) -> ServiceResult<user::Model> {
    let desired = Desired::from_json(body)?;
    let Some(email) = desired.email.clone() else {
        return Err(invalid("emails", msg!("msg.scim.value.email_required")).into());
    };
    let actor = dir.actor();
    let role = starting_role(&state.db, dir.organisation_id).await?;
    let new = NewAccount {
        form: form_of(&desired, email, vec![role], String::new()),
        user_type: UserType::Agent,
        onboarding: Onboarding::Invitation,
        teams: Vec::new(),
    };
    let added = accounts::add_then(state, &actor, &new, async |txn, id| {
        let created = user::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(no_such_user)?;
        set_extras(txn, &actor, &created, &desired).await?;
        if !desired.active {
            accounts::suspend_in(txn, &actor, id).await?;
        }
        Ok(())
    })
    .await?;
    user::Entity::find_by_id(added.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| no_such_user().into())
}

/// Refused unless the directory read the version it changes (`If-Match`).
fn check_version(current: i32, expected: Option<i32>) -> ServiceResult<()> {
    match expected {
        Some(v) if v != current => Err(Refusal::Conflict(msg!("msg.scim.version_changed")).into()),
        _ => Ok(()),
    }
}

/// Makes account `before` what `desired` says, in one transaction.
async fn apply(
    state: &AppState,
    dir: &Directory,
    before: user::Model,
    desired: Desired,
) -> ServiceResult<user::Model> {
    let actor = dir.actor();
    let txn = OrgTxn::begin(&state.db, dir.organisation_id).await?;
    let roles = super::acting::role_ids_of(&txn, before.id).await?;
    let access_until = before
        .access_expires_at
        .map(|at| crate::model::account::access_day(at).to_string())
        .unwrap_or_default();
    let change = AccountChange {
        form: form_of(
            &desired,
            desired
                .email
                .clone()
                .unwrap_or_else(|| before.email.clone()),
            roles.into_iter().collect(),
            access_until,
        ),
        version: before.version,
    };
    let moved = accounts::update_in(&txn, state, &actor, before.id, &change).await?;
    set_extras(&txn, &actor, &before, &desired).await?;
    let suspended = before.status == UserStatus::Suspended;
    if desired.active && suspended {
        accounts::reactivate_in(&txn, state, &actor, before.id).await?;
    } else if !desired.active && !suspended {
        accounts::suspend_in(&txn, &actor, before.id).await?;
    }
    let after = user::Entity::find_by_id(before.id)
        .one(&txn)
        .await?
        .ok_or_else(no_such_user)?;
    txn.commit().await?;
    if moved || (desired.active && suspended) {
        state.mail.wake();
    }
    Ok(after)
}

/// Replaces account `id` with a directory's User body (PUT).
pub async fn replace(
    state: &AppState,
    dir: &Directory,
    id: &str,
    body: &Value,
    expected: Option<i32>,
) -> ServiceResult<user::Model> {
    let before = get(state, dir, id).await?;
    check_version(before.version, expected)?;
    let desired = Desired::from_json(body)?;
    apply(state, dir, before, desired).await
}

/// Applies a directory's PATCH operations to account `id`.
pub async fn patch(
    state: &AppState,
    dir: &Directory,
    id: &str,
    operations: &[PatchOperation],
    expected: Option<i32>,
    base: &str,
) -> ServiceResult<user::Model> {
    let before = get(state, dir, id).await?;
    check_version(before.version, expected)?;
    let patched = patch::apply(&patch::USER, resource::to_json(&before, base), operations)?;
    let desired = Desired::from_json(&patched)?;
    apply(state, dir, before, desired).await
}

/// Deprovisions account `id` (DELETE): suspended (sessions end, links retire, the seat is
/// freed), kept with its history, and gone for the directory.
pub async fn deprovision(
    state: &AppState,
    dir: &Directory,
    id: &str,
    expected: Option<i32>,
) -> ServiceResult<()> {
    let before = get(state, dir, id).await?;
    check_version(before.version, expected)?;
    let actor = dir.actor();
    let txn = OrgTxn::begin(&state.db, dir.organisation_id).await?;
    accounts::suspend_in(&txn, &actor, before.id).await?;
    let gone = user::Entity::update_many()
        .col_expr(user::Column::DeprovisionedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(before.id))
        .filter(user::Column::DeprovisionedAt.is_null())
        .exec(&txn)
        .await?;
    if gone.rows_affected != 1 {
        return Err(no_such_user().into());
    }
    bump_version::<user::Entity>(&txn, before.id).await?;
    audit::record(
        &txn,
        actor.audit(AuditAction::UserDeprovisioned, before.id, Changes::new()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
