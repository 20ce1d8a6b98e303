//! What a tenant admin does to people's accounts: invite, create with a temporary password, edit,
//! suspend, reactivate, reset passwords, and manage pending invitations. Every change is checked
//! against the guardrails, made in one transaction with its audit event and its email, and
//! refused with a sentence a person understands.

use super::{
    audit::{self, AuditEntry},
    auth, mail, now,
    passwords::{self, temporary_password},
    sessions,
    text::TextProblem,
    tokens::{self, Minted, TokenKind},
    users::NewUser,
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{organisation, outbox_message, role, role_permission, user, user_role},
    i18n::{request_locale, Locale},
    model::{
        access::effective_permissions,
        account::{
            AccountChange, AccountDetail, AccountForm, Added, Assignable, GrantSource,
            GrantedPermission, Invitation, NewAccount, Onboarding, ResetDone, ResetMethod,
            INVITATION_DAYS, RESET_HOURS,
        },
        users::Moment,
        AppError, CurrentUser, Feature, FieldError, Permission, PlatformRole, UserStatus, UserType,
    },
    tr,
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Query},
    ActiveValue::Set,
    Condition, DatabaseTransaction, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The admin acting, and from where.
pub struct Actor<'a> {
    pub user: &'a CurrentUser,
    pub client: &'a ClientInfo,
    /// What the actor is granted here, read once per request (a bulk change asks per person).
    grants: tokio::sync::OnceCell<Vec<Permission>>,
    /// The same, read again inside a change's transaction once the organisation is locked: what
    /// the change goes by, whatever was read before.
    locked: tokio::sync::OnceCell<Vec<Permission>>,
}

impl<'a> Actor<'a> {
    pub fn new(user: &'a CurrentUser, client: &'a ClientInfo) -> Self {
        Self {
            user,
            client,
            grants: tokio::sync::OnceCell::new(),
            locked: tokio::sync::OnceCell::new(),
        }
    }
}

impl Actor<'_> {
    pub(super) fn organisation_id(&self) -> Uuid {
        self.user.organisation.id
    }

    pub(super) fn audit<'e>(
        &self,
        action: &'e str,
        target: Uuid,
        changes: Option<Value>,
    ) -> AuditEntry<'e> {
        self.audit_of(action, "user", target, changes)
    }

    /// An audit entry of the actor doing `action` to the `target_type` with id `target`.
    pub(super) fn audit_of<'e>(
        &self,
        action: &'e str,
        target_type: &'e str,
        target: Uuid,
        changes: Option<Value>,
    ) -> AuditEntry<'e> {
        AuditEntry {
            organisation_id: self.user.organisation.id,
            actor_user_id: Some(self.user.id),
            actor_organisation_id: Some(self.user.home_organisation.id),
            action,
            target_type,
            target_id: Some(target.to_string()),
            changes,
            ip: self.client.ip.clone(),
        }
    }

    pub(super) fn name(&self) -> String {
        self.user.display_name()
    }
}

/// A form after checking: trimmed, optional fields as `None`.
pub(super) struct Checked {
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) external_id: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) roles: BTreeSet<Uuid>,
}

fn optional(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// A person's first name or, when `last`, last name as it is stored, or what is wrong with it.
fn person_name(last: bool, value: &str) -> Result<String, String> {
    let l = request_locale();
    let too_long = |last: bool| {
        if last {
            tr!(l, "msg.accounts.last_name.too_long")
        } else {
            tr!(l, "msg.accounts.first_name.too_long")
        }
    };
    Err(match super::text::name(value) {
        Ok(name) if name.is_empty() => {
            if last {
                tr!(l, "msg.accounts.last_name.missing")
            } else {
                tr!(l, "msg.accounts.first_name.missing")
            }
        }
        Ok(name) if name.chars().count() > 100 => too_long(last),
        Err(TextProblem::TooLong) => too_long(last),
        Ok(name) => return Ok(name),
        Err(TextProblem::Control) => {
            if last {
                tr!(l, "msg.accounts.last_name.control")
            } else {
                tr!(l, "msg.accounts.first_name.control")
            }
        }
        Err(TextProblem::Invisible) => super::text::refusal(TextProblem::Invisible, false),
    })
}

/// Whether `zone` is an IANA time zone name.
pub(super) fn valid_timezone(zone: &str) -> bool {
    zone.parse::<chrono_tz::Tz>().is_ok()
}

/// How to write a time zone, said when one is not understood.
pub(super) fn timezone_hint() -> String {
    let l = request_locale();
    tr!(l, "msg.accounts.timezone_hint")
}

/// A person's first and last names as they are stored, with what is wrong with them as field
/// errors, first name first. A name sent back exactly as `stored` (first, last) is kept as it
/// is: what was accepted once stays accepted, so an account saved under older rules can still be
/// edited.
pub(super) fn person_names(
    first_name: &str,
    last_name: &str,
    stored: Option<(&str, &str)>,
) -> (String, String, Vec<FieldError>) {
    let mut fields = Vec::new();
    let mut checked = |field: &str, last: bool, value: &str, kept: Option<&str>| {
        if kept == Some(value) {
            return value.to_string();
        }
        person_name(last, value).unwrap_or_else(|message| {
            fields.push(FieldError {
                field: field.to_string(),
                message,
            });
            String::new()
        })
    };
    let first = checked("first_name", false, first_name, stored.map(|s| s.0));
    let last = checked("last_name", true, last_name, stored.map(|s| s.1));
    (first, last, fields)
}

/// "Some details need your attention.": the message of a form refused for several reasons.
pub(super) fn check_details() -> String {
    let l = request_locale();
    tr!(l, "msg.error.check_details")
}

/// Checks every field of `form` at once, so the person sees all problems together. Names and an
/// address sent back unchanged from the `stored` account are kept as they are.
pub(super) fn check_form(
    form: &AccountForm,
    stored: Option<&user::Model>,
) -> Result<Checked, AppError> {
    let l = request_locale();
    let (first_name, last_name, mut fields) = person_names(
        &form.first_name,
        &form.last_name,
        stored.map(|u| (u.first_name.as_str(), u.last_name.as_str())),
    );
    let mut problem = |field: &str, message: String| {
        fields.push(FieldError {
            field: field.to_string(),
            message,
        })
    };
    let email = form.email.trim().to_string();
    let unchanged = stored.is_some_and(|u| u.email == email);
    if email.is_empty() {
        problem("email", tr!(l, "msg.accounts.email_missing"));
    } else if let (false, Err(e)) = (unchanged, super::text::check_email("email", &email)) {
        problem("email", e.to_string());
    }
    let phone = optional(&form.phone);
    if let Some(phone) = &phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(5..=20).contains(&digits) || phone.len() > 32 {
            problem("phone", tr!(l, "msg.accounts.phone_invalid"));
        }
    }
    let external_id = optional(&form.external_id);
    if external_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 255 || id.chars().any(char::is_control))
    {
        problem("external_id", tr!(l, "msg.accounts.external_id_invalid"));
    }
    let timezone = optional(&form.timezone);
    if timezone
        .as_deref()
        .is_some_and(|zone| !valid_timezone(zone))
    {
        problem("timezone", timezone_hint());
    }
    if form.roles.is_empty() {
        problem("roles", tr!(l, "msg.accounts.roles_missing"));
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid {
            message: check_details(),
            fields,
        });
    }
    Ok(Checked {
        first_name,
        last_name,
        email,
        phone,
        external_id,
        timezone,
        roles: form.roles.iter().copied().collect(),
    })
}

/// Refuses `email` when another account of the organisation has it (ignoring case).
pub(super) async fn check_email_free(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    email: &str,
    except: Option<Uuid>,
) -> ServiceResult<()> {
    match auth::find_user_by_email(db, organisation_id, email).await? {
        Some(other) if Some(other.id) != except => Err(email_taken(email).into()),
        _ => Ok(()),
    }
}

fn email_taken(email: &str) -> AppError {
    let l = request_locale();
    AppError::field("email", tr!(l, "msg.accounts.email_taken", email = email))
}

/// Maps the database's uniqueness refusal (two admins adding the same address at once) to the
/// same message the check gives.
pub(super) fn unique_email(error: DbErr, email: &str) -> ServiceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(email).into(),
        _ => error.into(),
    }
}

/// The organisation's roles among `ids`; a role of another organisation is refused as unknown.
pub(super) async fn roles_of(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    ids: &BTreeSet<Uuid>,
) -> ServiceResult<Vec<role::Model>> {
    let found = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(role::Column::Name)
        .all(db)
        .await?;
    if found.len() != ids.len() {
        let l = request_locale();
        return Err(AppError::field("roles", tr!(l, "msg.accounts.role_gone")).into());
    }
    Ok(found)
}

/// The permissions each of `role_ids` grants.
pub(super) async fn permissions_of(
    db: &impl ConnectionTrait,
    role_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<Vec<(Uuid, Permission)>> {
    let rows: Vec<(Uuid, String)> = role_permission::Entity::find()
        .select_only()
        .column(role_permission::Column::RoleId)
        .column(role_permission::Column::Permission)
        .filter(role_permission::Column::RoleId.is_in(role_ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, code)| Permission::from_code(&code).map(|p| (role, p)))
        .collect())
}

/// Nobody grants what they do not hold: every permission of the added roles (and of a new
/// account's user type) that the organisation has must be one the actor holds.
pub(super) async fn check_grants(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user_type: Option<UserType>,
    added: &[role::Model],
) -> ServiceResult<()> {
    // Compared whatever features the organisation has now: a permission of a feature switched
    // off today is one the account holds the day it is switched on.
    let mine = grants_of_actor(db, actor).await?;
    let l = request_locale();
    if let Some(feature) = user_type.and_then(UserType::feature) {
        if !actor.user.features.contains(&feature) {
            return Err(AppError::field(
                "user_type",
                tr!(
                    l,
                    "msg.accounts.type_needs_feature",
                    user_type = user_type.map(|t| t.label_in(l)).unwrap_or_default(),
                    feature = feature.label_in(l),
                    organisation = actor.user.organisation.name
                ),
            )
            .into());
        }
    }
    if let Some(user_type) = user_type {
        if let Some(missing) = user_type.baseline().iter().find(|p| !mine.contains(p)) {
            return Err(AppError::field(
                "user_type",
                tr!(
                    l,
                    "msg.accounts.cannot_create_type",
                    user_type = user_type.label_in(l).to_lowercase(),
                    permission = missing.description_in(l).to_lowercase()
                ),
            )
            .into());
        }
    }
    let granted = permissions_of(db, added.iter().map(|r| r.id)).await?;
    if let Some((role_id, missing)) = granted.iter().find(|(_, p)| !mine.contains(p)) {
        let name = added
            .iter()
            .find(|r| r.id == *role_id)
            .map(|r| r.name.as_str())
            .unwrap_or("?");
        return Err(AppError::field(
            "roles",
            tr!(
                l,
                "msg.accounts.cannot_give_role",
                role = name,
                permission = missing.description_in(l).to_lowercase()
            ),
        )
        .into());
    }
    Ok(())
}

/// What the actor is granted in the organisation they act in, whatever its features: as read
/// under the organisation's lock once [`still_may`] has run in this change, else as read at the
/// first question.
pub(super) async fn grants_of_actor<'b>(
    db: &impl ConnectionTrait,
    actor: &'b Actor<'_>,
) -> ServiceResult<&'b [Permission]> {
    if let Some(locked) = actor.locked.get() {
        return Ok(locked);
    }
    let grants = actor
        .grants
        .get_or_try_init(|| read_grants(db, actor))
        .await?;
    Ok(grants)
}

async fn read_grants(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
) -> ServiceResult<Vec<Permission>> {
    let home = organisation::Entity::find_by_id(actor.user.home_organisation.id)
        .one(db)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    auth::granted(
        db,
        actor.user.id,
        actor.user.user_type,
        actor.user.platform_role,
        &home,
        actor.organisation_id(),
    )
    .await?
    .ok_or_else(|| ServiceError::from(AppError::Unauthenticated))
}

/// Refuses unless the actor, read again inside `txn` (which holds the organisation's lock), is
/// still active and still holds `needs`. The request was authorized when it began; a suspension
/// or a change of roles that committed while this change waited for the lock (two admins acting
/// on each other at the same moment) counts.
pub(super) async fn still_may(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    needs: Permission,
) -> ServiceResult<()> {
    let granted = actor
        .locked
        .get_or_try_init(|| async {
            let status = user::Entity::find_by_id(actor.user.id)
                .select_only()
                .column(user::Column::Status)
                .into_tuple::<String>()
                .one(txn)
                .await?;
            if status.as_deref() != Some(UserStatus::Active.code()) {
                return Err(AppError::Unauthenticated.into());
            }
            read_grants(txn, actor).await
        })
        .await?;
    if granted.contains(&needs) {
        Ok(())
    } else {
        let l = request_locale();
        Err(AppError::Forbidden(needs.description_in(l).to_lowercase()).into())
    }
}

/// What account `user` is granted: its type's baseline and its roles, whatever the features.
async fn grants_of(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> ServiceResult<Vec<Permission>> {
    let roles = permissions_of(db, role_ids_of(db, user.id).await?).await?;
    Ok(effective_permissions(
        user_type_of(user),
        roles.into_iter().map(|(_, p)| p),
        Feature::ALL,
    ))
}

/// Nobody acts on an account that may do more than they may: holding "reset passwords" or "edit
/// people" must not be a way to take over an administrator's account. A platform administrator's
/// account is a super-admin's business.
async fn check_outranks(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    target: &user::Model,
) -> ServiceResult<()> {
    if target.id == actor.user.id {
        return Ok(());
    }
    let l = request_locale();
    let platform_role =
        PlatformRole::from_code(&target.platform_role).unwrap_or(PlatformRole::None);
    if platform_role != PlatformRole::None && !actor.user.is_super_admin() {
        return Err(AppError::Forbidden(tr!(
            l,
            "msg.accounts.outranked_platform",
            name = display(target)
        ))
        .into());
    }
    let mine = grants_of_actor(db, actor).await?;
    if let Some(missing) = grants_of(db, target)
        .await?
        .into_iter()
        .find(|p| !mine.contains(p))
    {
        return Err(AppError::Forbidden(tr!(
            l,
            "msg.accounts.outranked",
            name = display(target),
            permission = missing.description_in(l).to_lowercase()
        ))
        .into());
    }
    Ok(())
}

/// What someone needs besides a tenant admin's type to count as an administrator: what it takes
/// to find people, reactivate them and give them roles back (and to shape those roles), so that
/// whoever holds it can restore anyone's access.
const RESTORES_ACCESS: [Permission; 4] = [
    Permission::UsersView,
    Permission::UsersEdit,
    Permission::UsersSuspend,
    Permission::RolesManage,
];

/// Whether an account of `user_type` holding `role_ids` can run the organisation: a tenant admin
/// by type, or someone whose roles hold all of [`RESTORES_ACCESS`].
async fn administers(
    db: &impl ConnectionTrait,
    user_type: UserType,
    role_ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<bool> {
    if user_type == UserType::TenantAdmin {
        return Ok(true);
    }
    let held: Vec<Permission> = permissions_of(db, role_ids)
        .await?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    Ok(RESTORES_ACCESS.iter().all(|p| held.contains(p)))
}

/// Whether anyone other than `except` is an active administrator of the organisation (see
/// [`administers`]).
pub(super) async fn another_administrator(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    except: Uuid,
) -> ServiceResult<bool> {
    let holding = |permission: Permission| {
        Query::select()
            .column((user_role::Entity, user_role::Column::UserId))
            .from(user_role::Entity)
            .inner_join(
                role_permission::Entity,
                Expr::col((role_permission::Entity, role_permission::Column::RoleId))
                    .equals((user_role::Entity, user_role::Column::RoleId)),
            )
            .inner_join(
                role::Entity,
                Expr::col((role::Entity, role::Column::Id))
                    .equals((user_role::Entity, user_role::Column::RoleId)),
            )
            .and_where(Expr::col((role::Entity, role::Column::OrganisationId)).eq(organisation_id))
            .and_where(
                Expr::col((role_permission::Entity, role_permission::Column::Permission))
                    .eq(permission.code()),
            )
            .to_owned()
    };
    let by_roles = RESTORES_ACCESS.iter().fold(Condition::all(), |all, p| {
        all.add(user::Column::Id.in_subquery(holding(*p)))
    });
    let found = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Status.eq(UserStatus::Active.code()))
        .filter(user::Column::Id.ne(except))
        .filter(
            Condition::any()
                .add(user::Column::UserType.eq(UserType::TenantAdmin.code()))
                .add(by_roles),
        )
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Serialises changes to the people of one organisation (two admins demoting each other at the
/// same moment must not leave nobody in charge). Every change to an account takes it first, then
/// the account's row, so changes never wait for each other in a circle. On PostgreSQL it is a
/// `FOR NO KEY UPDATE` row lock (which does not block the key-share locks of foreign keys); on
/// SQLite a write that takes the database's one write lock at once, so the transaction reads the
/// latest data and cannot fail later because someone wrote in between.
pub(super) async fn lock_organisation(
    txn: &DatabaseTransaction,
    organisation_id: Uuid,
) -> ServiceResult<()> {
    if txn.get_database_backend() == sea_orm::DbBackend::Sqlite {
        organisation::Entity::update_many()
            .col_expr(
                organisation::Column::UpdatedAt,
                Expr::col(organisation::Column::UpdatedAt),
            )
            .filter(organisation::Column::Id.eq(organisation_id))
            .exec(txn)
            .await?;
    } else {
        organisation::Entity::find_by_id(organisation_id)
            .lock(sea_orm::sea_query::LockType::NoKeyUpdate)
            .one(txn)
            .await?;
    }
    Ok(())
}

/// The account `id` of the actor's organisation; another organisation's account is "not found".
async fn target(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<user::Model> {
    user::Entity::find_by_id(id)
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .one(db)
        .await?
        .ok_or_else(|| that_person().into())
}

/// "That person", of a refusal saying they were not found.
pub(super) fn that_person() -> AppError {
    let l = request_locale();
    AppError::NotFound(tr!(l, "msg.accounts.that_person"))
}

/// The account `id` the actor is about to change, locked until the transaction `txn` ends (so a
/// concurrent suspension, acceptance or revocation waits for it), once the actor, read again under
/// the organisation's lock, still holds `needs` and outranks the person.
async fn managed(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
    needs: Permission,
) -> ServiceResult<user::Model> {
    still_may(txn, actor, needs).await?;
    let user = user::Entity::find_by_id(id)
        .filter(user::Column::OrganisationId.eq(actor.organisation_id()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(that_person)?;
    check_outranks(txn, actor, &user).await?;
    Ok(user)
}

async fn role_ids_of(db: &impl ConnectionTrait, user_id: Uuid) -> ServiceResult<BTreeSet<Uuid>> {
    Ok(user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleId)
        .filter(user_role::Column::UserId.eq(user_id))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

fn user_type_of(user: &user::Model) -> UserType {
    UserType::from_code(&user.user_type).unwrap_or(UserType::Viewer)
}

pub(super) fn status_of(user: &user::Model) -> UserStatus {
    UserStatus::from_code(&user.status).unwrap_or(UserStatus::Suspended)
}

fn organisation_name(actor: &Actor<'_>) -> String {
    actor.user.organisation.name.clone()
}

/// The invitation email to `to` (first name `first_name`), with its link, in `locale`.
pub(super) fn invitation_email(
    state: &AppState,
    organisation: &str,
    inviter: &str,
    (to, first_name, locale): (&str, &str, Locale),
    minted: &Minted,
) -> mail::Email {
    let l = locale;
    let expires = now() + chrono::Duration::days(INVITATION_DAYS);
    mail::compose(
        l,
        to,
        tr!(l, "email.invitation.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = first_name),
            tr!(
                l,
                "email.invitation.body",
                inviter = inviter,
                organisation = organisation
            ),
            tr!(
                l,
                "email.invitation.expiry",
                days = INVITATION_DAYS,
                until = expires.format("%Y-%m-%d %H:%M UTC")
            ),
        ],
        Some((
            &tr!(l, "email.invitation.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.invitation.closing"),
    )
}

/// The password-reset email for `user`, in their language.
fn reset_email(
    state: &AppState,
    organisation: &str,
    requested_by: Option<&str>,
    user: &user::Model,
    minted: &Minted,
) -> mail::Email {
    let l = super::profile::locale_of(user);
    let why = match requested_by {
        Some(admin) => tr!(
            l,
            "email.reset.by_admin",
            admin = admin,
            organisation = organisation,
            email = user.email
        ),
        None => tr!(
            l,
            "email.reset.by_request",
            organisation = organisation,
            email = user.email
        ),
    };
    mail::compose(
        l,
        &user.email,
        tr!(l, "email.reset.subject", organisation = organisation),
        organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            why,
            tr!(l, "email.reset.expiry", hours = RESET_HOURS),
        ],
        Some((
            &tr!(l, "email.reset.action"),
            &state.mail.link(&minted.path()),
        )),
        &tr!(l, "email.reset.closing"),
    )
}

/// Writes an invitation (token and email) for `user`; its older links stop working.
async fn send_invitation(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    user: &user::Model,
) -> ServiceResult<()> {
    invite_to(txn, state, actor, &organisation_name(actor), user).await
}

/// Writes an invitation to organisation `organisation` (the account's own) for `user`.
async fn invite_to(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    organisation: &str,
    user: &user::Model,
) -> ServiceResult<()> {
    let minted = Minted::new(TokenKind::Invitation);
    let email = invitation_email(
        state,
        organisation,
        &actor.name(),
        (
            &user.email,
            &user.first_name,
            super::profile::locale_of(user),
        ),
        &minted,
    );
    let message = mail::enqueue(txn, Some(user.organisation_id), email).await?;
    minted
        .store(
            txn,
            user.id,
            chrono::Duration::days(INVITATION_DAYS),
            Some(actor.user.id),
            Some(message),
        )
        .await?;
    Ok(())
}

/// Invites the first tenant admin of `org`, just created by a super-admin, inside `txn`: the
/// account, its Admin role, the link and email, and the audit trail of both.
pub(super) async fn invite_first_admin(
    txn: &DatabaseTransaction,
    state: &AppState,
    actor: &Actor<'_>,
    org: &organisation::Model,
    admin_role: &role::Model,
    new: &crate::model::organisations::NewOrganisation,
) -> ServiceResult<()> {
    super::licence::reserve_seats(txn, 1).await?;
    let created = NewUser {
        organisation_id: org.id,
        email: new.admin_email.trim(),
        first_name: new.admin_first_name.trim(),
        last_name: new.admin_last_name.trim(),
        user_type: UserType::TenantAdmin,
        status: UserStatus::Invited,
        password_hash: None,
        must_change_password: false,
        platform_role: PlatformRole::None,
    }
    .into_active_model()
    .insert(txn)
    .await?;
    user_role::ActiveModel {
        user_id: Set(created.id),
        role_id: Set(admin_role.id),
    }
    .insert(txn)
    .await?;
    invite_to(txn, state, actor, &org.name, &created).await?;
    let entry = |action, target_type, target: Uuid, changes| AuditEntry {
        organisation_id: org.id,
        actor_user_id: Some(actor.user.id),
        actor_organisation_id: Some(actor.user.home_organisation.id),
        action,
        target_type,
        target_id: Some(target.to_string()),
        changes: Some(changes),
        ip: actor.client.ip.clone(),
    };
    audit::record(
        txn,
        entry(
            "organisation.created",
            "organisation",
            org.id,
            json!({ "name": org.name, "slug": org.slug, "is_admin_tenant": org.is_admin_tenant, "is_demo": org.is_demo }),
        ),
    )
    .await?;
    audit::record(
        txn,
        entry(
            "user.invited",
            "user",
            created.id,
            json!({ "email": created.email, "user_type": UserType::TenantAdmin.code(), "roles": [admin_role.name], "onboarding": "invitation" }),
        ),
    )
    .await?;
    Ok(())
}

/// Adds someone: invited by email, or created with a temporary password shown once.
pub async fn add(state: &AppState, actor: &Actor<'_>, new: &NewAccount) -> ServiceResult<Added> {
    let checked = check_form(&new.form, None)?;
    let organisation_id = actor.organisation_id();
    let db = &state.db;
    check_email_free(db, organisation_id, &checked.email, None).await?;
    let roles = roles_of(db, organisation_id, &checked.roles).await?;
    check_grants(db, actor, Some(new.user_type), &roles).await?;
    let temporary = match new.onboarding {
        Onboarding::Invitation => None,
        Onboarding::TemporaryPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            Some((password, hash))
        }
    };
    let txn = db.begin().await?;
    lock_organisation(&txn, organisation_id).await?;
    super::licence::reserve_seats(&txn, 1).await?;
    let mut model = NewUser {
        organisation_id,
        email: &checked.email,
        first_name: &checked.first_name,
        last_name: &checked.last_name,
        user_type: new.user_type,
        status: if temporary.is_some() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        },
        password_hash: temporary.as_ref().map(|(_, hash)| hash.clone()),
        must_change_password: temporary.is_some(),
        platform_role: PlatformRole::None,
    }
    .into_active_model();
    // Invitees start in the language of whoever invites them.
    model.locale = Set(actor.user.locale.code().to_string());
    model.phone = Set(checked.phone.clone());
    model.external_id = Set(checked.external_id.clone());
    model.timezone = Set(checked.timezone.clone());
    let created = model
        .insert(&txn)
        .await
        .map_err(|e| unique_email(e, &checked.email))?;
    if !roles.is_empty() {
        user_role::Entity::insert_many(roles.iter().map(|r| user_role::ActiveModel {
            user_id: Set(created.id),
            role_id: Set(r.id),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    if temporary.is_none() {
        send_invitation(&txn, state, actor, &created).await?;
    }
    let action = if temporary.is_some() {
        "user.created"
    } else {
        "user.invited"
    };
    audit::record(
        &txn,
        actor.audit(
            action,
            created.id,
            Some(json!({
                "email": created.email,
                "first_name": created.first_name,
                "last_name": created.last_name,
                "user_type": new.user_type.code(),
                "roles": roles.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
                "onboarding": if temporary.is_some() { "temporary_password" } else { "invitation" },
            })),
        ),
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(Added {
        user_id: created.id,
        email: created.email,
        temporary_password: temporary.map(|(password, _)| password),
    })
}

/// One account of the actor's organisation.
pub async fn detail(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<AccountDetail> {
    let user = target(db, actor, id).await?;
    let roles = role_ids_of(db, user.id).await?;
    let at = now();
    let permissions = why_granted(db, actor, &user, &roles).await?;
    Ok(AccountDetail {
        permissions,
        id: user.id,
        user_type: user_type_of(&user),
        status: status_of(&user),
        version: user.version,
        created: Moment::new(user.created_at, at),
        last_sign_in: user.last_login_at.map(|t| Moment::new(t, at)),
        is_self: user.id == actor.user.id,
        avatar_url: super::profile::avatar_url(&user),
        form: AccountForm {
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
            phone: user.phone.unwrap_or_default(),
            external_id: user.external_id.unwrap_or_default(),
            timezone: user.timezone.unwrap_or_default(),
            roles: roles.into_iter().collect(),
        },
    })
}

/// Every permission `user` holds, with where it comes from (their type, each role), in the
/// order of `Permission::ALL`; those of a feature the organisation lacks are marked.
async fn why_granted(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user: &user::Model,
    roles: &BTreeSet<Uuid>,
) -> ServiceResult<Vec<GrantedPermission>> {
    let user_type = user_type_of(user);
    let names = role_names(db, user.organisation_id).await?;
    let by_role = permissions_of(db, roles.iter().copied()).await?;
    Ok(Permission::ALL
        .iter()
        .filter_map(|p| {
            let mut sources = Vec::new();
            if user_type.baseline().contains(p) {
                sources.push(GrantSource::UserType(user_type));
            }
            for (role_id, _) in by_role.iter().filter(|(_, granted)| granted == p) {
                if let Some((_, name)) = names.iter().find(|(id, _)| id == role_id) {
                    sources.push(GrantSource::Role(name.clone()));
                }
            }
            (!sources.is_empty()).then(|| GrantedPermission {
                permission: *p,
                sources,
                missing_feature: p.feature().filter(|f| !actor.user.features.contains(f)),
            })
        })
        .collect())
}

fn conflict() -> AppError {
    let l = request_locale();
    AppError::Conflict(tr!(l, "msg.accounts.changed_meanwhile"))
}

/// Refuses an admin's change of account `id`'s address unless the actor may make it. Whoever sets
/// an address can reset the password through it, so it takes the permission to reset passwords
/// (besides outranking the person, checked with every edit); one's own address changes from My
/// profile, where the password is asked and the new address must confirm.
async fn check_address_change(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<()> {
    let l = request_locale();
    if id == actor.user.id {
        return Err(AppError::field("email", tr!(l, "msg.accounts.own_email")).into());
    }
    match still_may(txn, actor, Permission::UsersResetPassword).await {
        Err(ServiceError::Refused(AppError::Forbidden(_))) => {
            Err(AppError::field("email", tr!(l, "msg.accounts.email_needs_reset")).into())
        }
        other => other,
    }
}

/// The notice to `user`'s old address that an administrator gave the account `new_email`.
fn address_changed_email(actor: &Actor<'_>, user: &user::Model, new_email: &str) -> mail::Email {
    let l = super::profile::locale_of(user);
    let organisation = organisation_name(actor);
    mail::compose(
        l,
        &user.email,
        tr!(l, "email.admin_change.subject", organisation = organisation),
        &organisation,
        &[
            tr!(l, "email.hello", name = user.first_name),
            tr!(
                l,
                "email.admin_change.body",
                admin = actor.name(),
                organisation = organisation,
                email = new_email
            ),
            tr!(l, "email.admin_change.unexpected"),
        ],
        None,
        &tr!(l, "email.admin_change.closing"),
    )
}

/// Saves an admin's edit of account `id`, refusing it when the account changed since the form
/// was loaded.
pub async fn update(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    change: &AccountChange,
) -> ServiceResult<AccountDetail> {
    let organisation_id = actor.organisation_id();
    let txn = state.db.begin().await?;
    lock_organisation(&txn, organisation_id).await?;
    let before = managed(&txn, actor, id, Permission::UsersEdit).await?;
    let checked = check_form(&change.form, Some(&before))?;
    if before.version != change.version {
        return Err(conflict().into());
    }
    check_email_free(&txn, organisation_id, &checked.email, Some(id)).await?;
    let email_changed = !before.email.eq_ignore_ascii_case(&checked.email);
    if email_changed {
        check_address_change(&txn, actor, id).await?;
    }
    let held = role_ids_of(&txn, id).await?;
    if held != checked.roles {
        if id == actor.user.id {
            let l = request_locale();
            return Err(AppError::field("roles", tr!(l, "msg.accounts.own_roles")).into());
        }
        let roles = roles_of(&txn, organisation_id, &checked.roles).await?;
        let added: Vec<role::Model> = roles
            .iter()
            .filter(|r| !held.contains(&r.id))
            .cloned()
            .collect();
        check_grants(&txn, actor, None, &added).await?;
        let user_type = user_type_of(&before);
        if status_of(&before) == UserStatus::Active
            && administers(&txn, user_type, held.iter().copied()).await?
            && !administers(&txn, user_type, checked.roles.iter().copied()).await?
            && !another_administrator(&txn, organisation_id, id).await?
        {
            let l = request_locale();
            return Err(AppError::field("roles", tr!(l, "msg.accounts.last_admin_roles")).into());
        }
        user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        user_role::Entity::insert_many(checked.roles.iter().map(|r| user_role::ActiveModel {
            user_id: Set(id),
            role_id: Set(*r),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::FirstName, Expr::value(&checked.first_name))
        .col_expr(user::Column::LastName, Expr::value(&checked.last_name))
        .col_expr(user::Column::Email, Expr::value(&checked.email))
        .col_expr(user::Column::Phone, Expr::value(checked.phone.clone()))
        .col_expr(
            user::Column::ExternalId,
            Expr::value(checked.external_id.clone()),
        )
        .col_expr(
            user::Column::Timezone,
            Expr::value(checked.timezone.clone()),
        )
        .col_expr(user::Column::Version, Expr::value(change.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(change.version))
        .exec(&txn)
        .await
        .map_err(|e| unique_email(e, &checked.email))?;
    if updated.rows_affected != 1 {
        return Err(conflict().into());
    }
    if email_changed {
        // Links sent to the old address stop working, and so does a change of address the person
        // asked for; a pending invitation follows the address, and anyone who has used the
        // account hears of the change at the address they know.
        for kind in [
            TokenKind::Invitation,
            TokenKind::PasswordReset,
            TokenKind::EmailChange,
        ] {
            tokens::retire(&txn, id, kind).await?;
        }
        if status_of(&before) == UserStatus::Invited {
            let mut moved = before.clone();
            moved.email.clone_from(&checked.email);
            moved.first_name.clone_from(&checked.first_name);
            send_invitation(&txn, state, actor, &moved).await?;
        } else {
            let notice = address_changed_email(actor, &before, &checked.email);
            mail::enqueue(&txn, Some(organisation_id), notice).await?;
        }
    }
    let mut changes = Map::new();
    let mut compare = |field: &str, old: Option<&str>, new: Option<&str>| {
        if old != new {
            changes.insert(field.into(), json!({ "before": old, "after": new }));
        }
    };
    compare(
        "first_name",
        Some(&before.first_name),
        Some(&checked.first_name),
    );
    compare(
        "last_name",
        Some(&before.last_name),
        Some(&checked.last_name),
    );
    compare("email", Some(&before.email), Some(&checked.email));
    compare("phone", before.phone.as_deref(), checked.phone.as_deref());
    compare(
        "external_id",
        before.external_id.as_deref(),
        checked.external_id.as_deref(),
    );
    compare(
        "timezone",
        before.timezone.as_deref(),
        checked.timezone.as_deref(),
    );
    if held != checked.roles {
        let names = role_names(&txn, organisation_id).await?;
        let named = |ids: &BTreeSet<Uuid>| {
            ids.iter()
                .filter_map(|id| names.iter().find(|(r, _)| r == id).map(|(_, n)| n.clone()))
                .collect::<Vec<_>>()
        };
        changes.insert(
            "roles".into(),
            json!({ "before": named(&held), "after": named(&checked.roles) }),
        );
    }
    if !changes.is_empty() {
        audit::record(
            &txn,
            actor.audit("user.updated", id, Some(Value::Object(changes))),
        )
        .await?;
    }
    let detail = detail(&txn, actor, id).await?;
    txn.commit().await?;
    if email_changed {
        state.mail.wake();
    }
    Ok(detail)
}

async fn role_names(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<(Uuid, String)>> {
    Ok(role::Entity::find()
        .select_only()
        .column(role::Column::Id)
        .column(role::Column::Name)
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .into_tuple()
        .all(db)
        .await?)
}

/// Sets the status of account `id`, bumping its version, and records it.
async fn set_status(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    user: &user::Model,
    status: UserStatus,
    action: &str,
) -> ServiceResult<()> {
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status.code()))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(&user.status))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(conflict().into());
    }
    audit::record(
        txn,
        actor.audit(
            action,
            user.id,
            Some(json!({ "status": { "before": user.status, "after": status.code() } })),
        ),
    )
    .await?;
    Ok(())
}

/// Suspends account `id`: its sessions end at once, it cannot sign in, it leaves assignee
/// pickers and default lists; its history and roles stay.
pub async fn suspend(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    if let Some(already) = suspend_in(&txn, actor, id).await? {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.already_suspended",
            name = display(&already)
        ))
        .into());
    }
    txn.commit().await?;
    Ok(())
}

/// The most people one bulk suspension may name.
pub const SUSPEND_MANY_MAX: usize = 500;

/// Suspends every account of `ids`, or nobody when any of them may not be suspended (the
/// refusal names each one and why). Those already suspended are left as they are. Returns how
/// many were suspended.
pub async fn suspend_many(
    state: &AppState,
    actor: &Actor<'_>,
    ids: &[Uuid],
) -> ServiceResult<usize> {
    let l = request_locale();
    let ids: BTreeSet<Uuid> = ids.iter().copied().collect();
    if ids.is_empty() {
        return Err(AppError::field("ids", tr!(l, "msg.accounts.suspend_none")).into());
    }
    if ids.len() > SUSPEND_MANY_MAX {
        return Err(AppError::field(
            "ids",
            tr!(l, "msg.accounts.suspend_too_many", max = SUSPEND_MANY_MAX),
        )
        .into());
    }
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let mut suspended = 0;
    let mut refusals = Vec::new();
    for id in ids {
        match suspend_in(&txn, actor, id).await {
            Ok(None) => suspended += 1,
            Ok(Some(_)) => {}
            Err(ServiceError::Refused(AppError::NotFound(_))) => {
                refusals.push(tr!(l, "msg.accounts.selected_gone"))
            }
            Err(ServiceError::Refused(refused)) => refusals.push(refused.message(l)),
            Err(other) => return Err(other),
        }
    }
    if !refusals.is_empty() {
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.nobody_suspended",
            reasons = refusals.join(" ")
        ))
        .into());
    }
    txn.commit().await?;
    Ok(suspended)
}

/// Suspends account `id` inside `txn` (which holds the organisation's lock); returns the account
/// instead when it was suspended already.
async fn suspend_in(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<Option<user::Model>> {
    let l = request_locale();
    if id == actor.user.id {
        return Err(AppError::Forbidden(tr!(l, "msg.accounts.suspend_self")).into());
    }
    let user = managed(txn, actor, id, Permission::UsersSuspend).await?;
    if status_of(&user) == UserStatus::Suspended {
        return Ok(Some(user));
    }
    let roles = role_ids_of(txn, id).await?;
    if status_of(&user) == UserStatus::Active
        && administers(txn, user_type_of(&user), roles).await?
        && !another_administrator(txn, actor.organisation_id(), id).await?
    {
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.last_admin_suspend",
            name = display(&user)
        ))
        .into());
    }
    set_status(txn, actor, &user, UserStatus::Suspended, "user.suspended").await?;
    sessions::end_all_for_user(txn, id, None).await?;
    // Neither an invitation, a reset link nor a change of address outlives a suspension.
    for kind in [
        TokenKind::Invitation,
        TokenKind::PasswordReset,
        TokenKind::EmailChange,
    ] {
        tokens::retire(txn, id, kind).await?;
    }
    Ok(None)
}

/// Reactivates account `id`: sign-in and roles come back. Someone who never accepted their
/// invitation goes back to Invited.
pub async fn reactivate(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersSuspend).await?;
    if status_of(&user) != UserStatus::Suspended {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.not_suspended",
            name = display(&user)
        ))
        .into());
    }
    super::licence::reserve_seats(&txn, 1).await?;
    let status = if user.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    set_status(&txn, actor, &user, status, "user.reactivated").await?;
    if status == UserStatus::Invited {
        // The suspension retired their link: a fresh invitation goes out.
        send_invitation(&txn, state, actor, &user).await?;
    }
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

fn display(user: &user::Model) -> String {
    let name = format!("{} {}", user.first_name, user.last_name);
    let name = name.trim();
    if name.is_empty() {
        user.email.clone()
    } else {
        name.to_string()
    }
}

/// Refuses to reset the password of an account that has none to reset or may not sign in.
fn resettable(user: &user::Model) -> ServiceResult<()> {
    let l = request_locale();
    match status_of(user) {
        UserStatus::Invited => {
            Err(
                AppError::Conflict(tr!(l, "msg.accounts.reset_invited", name = display(user)))
                    .into(),
            )
        }
        UserStatus::Suspended => {
            Err(
                AppError::Conflict(tr!(l, "msg.accounts.reset_suspended", name = display(user)))
                    .into(),
            )
        }
        UserStatus::Active => Ok(()),
    }
}

/// Resets the password of account `id` by email link or temporary password; either way its
/// sessions end.
pub async fn reset_password(
    state: &AppState,
    actor: &Actor<'_>,
    id: Uuid,
    method: ResetMethod,
) -> ServiceResult<ResetDone> {
    if id == actor.user.id {
        // One's own password changes with the current one (a borrowed session must not be
        // enough to set a new one).
        let l = request_locale();
        return Err(AppError::Forbidden(tr!(l, "msg.accounts.reset_self")).into());
    }
    // Checked before the slow hashing for a quick answer, and again under the lock below.
    let user = target(&state.db, actor, id).await?;
    check_outranks(&state.db, actor, &user).await?;
    resettable(&user)?;
    let temporary = match method {
        ResetMethod::Email => None,
        ResetMethod::TemporaryPassword => {
            let password = temporary_password();
            let hash = state.passwords.hash(password.clone()).await?;
            Some((password, hash))
        }
    };
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = managed(&txn, actor, id, Permission::UsersResetPassword).await?;
    resettable(&user)?;
    sessions::end_all_for_user(&txn, id, None).await?;
    match &temporary {
        Some((_, hash)) => {
            user::Entity::update_many()
                .col_expr(user::Column::PasswordHash, Expr::value(hash))
                .col_expr(user::Column::MustChangePassword, Expr::value(true))
                .col_expr(
                    user::Column::Version,
                    Expr::col(user::Column::Version).add(1),
                )
                .col_expr(user::Column::UpdatedAt, Expr::value(now()))
                .filter(user::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            tokens::retire(&txn, id, TokenKind::PasswordReset).await?;
            tokens::retire(&txn, id, TokenKind::EmailChange).await?;
        }
        None => {
            let minted = Minted::new(TokenKind::PasswordReset);
            let email = reset_email(
                state,
                &organisation_name(actor),
                Some(&actor.name()),
                &user,
                &minted,
            );
            let message = mail::enqueue(&txn, Some(actor.organisation_id()), email).await?;
            minted
                .store(
                    &txn,
                    id,
                    chrono::Duration::hours(RESET_HOURS),
                    Some(actor.user.id),
                    Some(message),
                )
                .await?;
        }
    }
    let action = if temporary.is_some() {
        "user.password_reset_temporary"
    } else {
        "user.password_reset_sent"
    };
    audit::record(&txn, actor.audit(action, id, None)).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(ResetDone {
        temporary_password: temporary.map(|(password, _)| password),
    })
}

/// The organisation's pending invitations, newest first, with their emails' delivery.
pub async fn invitations(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<Vec<Invitation>> {
    let invited = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Status.eq(UserStatus::Invited.code()))
        .order_by_desc(user::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    let latest = tokens::latest(db, TokenKind::Invitation, invited.iter().map(|u| u.id)).await?;
    let messages = outbox_message::Entity::find()
        .filter(outbox_message::Column::Id.is_in(latest.iter().filter_map(|t| t.outbox_message_id)))
        .all(db)
        .await?;
    let at = now();
    let mut list: Vec<Invitation> = invited
        .into_iter()
        .filter_map(|u| {
            let token = latest.iter().find(|t| t.user_id == u.id)?;
            let delivery = token
                .outbox_message_id
                .and_then(|m| messages.iter().find(|row| row.id == m))
                .map(mail::delivery_state);
            Some(Invitation {
                user_id: u.id,
                name: display(&u),
                email: u.email.clone(),
                user_type: user_type_of(&u),
                sent: Moment::new(token.created_at, at),
                expires: Moment::new(token.expires_at, at),
                // A link retired without being accepted (a suspension) needs a resend too.
                expired: token.expires_at <= at || token.used_at.is_some(),
                delivery,
            })
        })
        .collect();
    list.sort_by(|a, b| b.sent.iso.cmp(&a.sent.iso));
    Ok(list)
}

async fn invited(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<user::Model> {
    let user = managed(txn, actor, id, Permission::UsersInvite).await?;
    if status_of(&user) != UserStatus::Invited {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(
            l,
            "msg.accounts.no_pending_invitation",
            name = display(&user)
        ))
        .into());
    }
    Ok(user)
}

/// Sends a new invitation link to account `id`; the old link stops working.
pub async fn resend_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    send_invitation(&txn, state, actor, &user).await?;
    audit::record(&txn, actor.audit("user.invitation_resent", id, None)).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Withdraws the invitation of account `id`: the account, which never signed in, is removed and
/// its link stops working. The audit trail keeps the record.
pub async fn revoke_invitation(state: &AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    lock_organisation(&txn, actor.organisation_id()).await?;
    let user = invited(&txn, actor, id).await?;
    audit::record(
        &txn,
        actor.audit(
            "user.invitation_revoked",
            id,
            Some(json!({ "email": user.email, "first_name": user.first_name, "last_name": user.last_name })),
        ),
    )
    .await?;
    let deleted = user::Entity::delete_many()
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Status.eq(UserStatus::Invited.code()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(conflict().into());
    }
    txn.commit().await?;
    Ok(())
}

/// Active members of the organisation matching `search` (name or email prefix), for assignee
/// pickers: suspended and invited people are never offered.
pub async fn assignable(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    search: &str,
    limit: u64,
) -> ServiceResult<Vec<Assignable>> {
    let query = crate::model::users::UserQuery {
        search: search.to_string(),
        status: crate::model::users::StatusFilter::Only(UserStatus::Active),
        ..Default::default()
    };
    let (rows, _) =
        super::users::matching_page(db, organisation_id, &query, 0, Ord::min(limit, 100), None)
            .await?;
    Ok(rows
        .into_iter()
        .map(|u| Assignable {
            name: u.display_name(),
            id: u.id,
            email: Some(u.email),
        })
        .collect())
}

/// Per-address and per-account limits of "forgot password" requests.
pub const RESET_ACCOUNT_THROTTLE: super::throttle::ThrottlePolicy =
    super::throttle::ThrottlePolicy {
        free_attempts: 3,
        delay_step_secs: 60,
        max_attempts: 5,
        lockout_secs: 60 * 60,
    };
pub const RESET_IP_THROTTLE: super::throttle::ThrottlePolicy = super::throttle::ThrottlePolicy {
    free_attempts: 20,
    delay_step_secs: 5,
    max_attempts: 50,
    lockout_secs: 60 * 60,
};

/// "Forgot password": sends a reset link when `email` names an active account of organisation
/// `slug`. The caller always gets the same answer, as fast whether or not the account exists (the
/// link is written after the answer), so the form tells nobody who has an account.
pub async fn request_reset(
    state: &AppState,
    slug: &str,
    email: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    super::text::check_email("email", email)?;
    let normalised = auth::normalise_email(email);
    let account_key = format!("reset:{slug}:{normalised}");
    let ip_key = format!("reset-ip:{}", client.ip.as_deref().unwrap_or("unknown"));
    super::throttle::claim(
        &state.db,
        super::throttle::Attempts::ResetRequest,
        &[
            (ip_key.as_str(), &RESET_IP_THROTTLE),
            (account_key.as_str(), &RESET_ACCOUNT_THROTTLE),
        ],
        now().timestamp(),
    )
    .await?;
    let (state, slug, client) = (state.clone(), slug.to_string(), client.clone());
    tokio::spawn(async move {
        if let Err(error) = send_reset_link(&state, &slug, &normalised, &client).await {
            tracing::error!(%error, "forgot password: the reset link could not be written");
        }
    });
    Ok(())
}

/// Whether the account's access has run out (an account given access until a date).
pub(super) fn access_expired(user: &user::Model) -> bool {
    user.access_expires_at.is_some_and(|at| at <= now())
}

/// Writes the reset link and its email for `email` in organisation `slug`, if that is an active
/// account.
async fn send_reset_link(
    state: &AppState,
    slug: &str,
    normalised: &str,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let Some(org) = super::organisations::find_by_slug(&state.db, slug).await? else {
        return Ok(());
    };
    let Some(user) = auth::find_user_by_email(&state.db, org.id, normalised).await? else {
        return Ok(());
    };
    if status_of(&user) != UserStatus::Active || access_expired(&user) {
        return Ok(());
    }
    let txn = state.db.begin().await?;
    lock_organisation(&txn, org.id).await?;
    // Checked again under the lock: a suspension or a change of address in the meantime has
    // retired the links, and this one must not undo that.
    let Some(user) = user::Entity::find_by_id(user.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|u| {
            status_of(u) == UserStatus::Active
                && !access_expired(u)
                && auth::normalise_email(&u.email) == normalised
        })
    else {
        return Ok(());
    };
    let minted = Minted::new(TokenKind::PasswordReset);
    let email = reset_email(state, &org.name, None, &user, &minted);
    let message = mail::enqueue(&txn, Some(org.id), email).await?;
    minted
        .store(
            &txn,
            user.id,
            chrono::Duration::hours(RESET_HOURS),
            None,
            Some(message),
        )
        .await?;
    audit::record(
        &txn,
        AuditEntry {
            organisation_id: org.id,
            actor_user_id: None,
            actor_organisation_id: None,
            action: "user.password_reset_requested",
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes: None,
            ip: client.ip.clone(),
        },
    )
    .await?;
    txn.commit().await?;
    state.mail.wake();
    Ok(())
}

/// What the link with `secret` leads to.
pub async fn link_state(
    db: &impl ConnectionTrait,
    kind: TokenKind,
    secret: &str,
) -> ServiceResult<crate::model::account::LinkState> {
    use crate::model::account::LinkState;
    let Some(token) = tokens::find(db, kind, secret).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(user) = user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(org) = organisation::Entity::find_by_id(user.organisation_id)
        .one(db)
        .await?
    else {
        return Ok(LinkState::Unknown);
    };
    let usable_status = match kind {
        TokenKind::Invitation => UserStatus::Invited,
        TokenKind::PasswordReset | TokenKind::EmailChange => UserStatus::Active,
    };
    if access_expired(&user) {
        return Ok(LinkState::AccessEnded {
            organisation_name: org.name,
        });
    }
    Ok(
        if token.used_at.is_some() || status_of(&user) != usable_status {
            LinkState::Used {
                organisation_name: org.name,
                organisation_slug: org.slug,
            }
        } else if token.expires_at <= now() {
            LinkState::Expired {
                organisation_name: org.name,
                organisation_slug: org.slug,
            }
        } else {
            LinkState::Valid {
                organisation_name: org.name,
                organisation_slug: org.slug,
                email: user.email,
                first_name: user.first_name,
            }
        },
    )
}

/// A completed link: the new session's secret and where to go.
pub struct Completed {
    pub session_secret: String,
    pub organisation_slug: String,
}

pub(super) fn link_not_usable(kind: TokenKind) -> AppError {
    let l = request_locale();
    AppError::Conflict(match kind {
        TokenKind::Invitation => tr!(l, "msg.links.invitation_not_usable"),
        TokenKind::PasswordReset => tr!(l, "msg.links.reset_not_usable"),
        TokenKind::EmailChange => tr!(l, "msg.links.email_change_not_usable"),
    })
}

/// Sets the password chosen through an emailed link: an invitation activates the account, a reset
/// ends every other session. Either way the person is signed in.
pub async fn complete_link(
    state: &AppState,
    kind: TokenKind,
    secret: &str,
    password: &str,
    confirmation: &str,
    client: &ClientInfo,
) -> ServiceResult<Completed> {
    let token = tokens::find(&state.db, kind, secret)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(|| link_not_usable(kind))?;
    let holder = user::Entity::find_by_id(token.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| link_not_usable(kind))?;
    passwords::check_policy("password", password, &holder.email)?;
    if password != confirmation {
        return Err(passwords::mismatch());
    }
    let hash = state.passwords.hash(password.to_string()).await?;
    let organisation_id = holder.organisation_id;
    let txn = state.db.begin().await?;
    // The organisation, then the account, are locked before the link is spent, in the order a
    // suspension or revocation takes them, so the two wait for each other instead of
    // interleaving or deadlocking.
    lock_organisation(&txn, organisation_id).await?;
    let user = user::Entity::find_by_id(token.user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| link_not_usable(kind))?;
    if !tokens::consume(&txn, token.id).await? {
        return Err(link_not_usable(kind).into());
    }
    let (required, status, action) = match kind {
        TokenKind::Invitation => (
            UserStatus::Invited,
            UserStatus::Active,
            "user.invitation_accepted",
        ),
        TokenKind::PasswordReset => (
            UserStatus::Active,
            UserStatus::Active,
            "user.password_reset_completed",
        ),
        // Confirming an address sets no password (profile::confirm_email_change).
        TokenKind::EmailChange => return Err(link_not_usable(kind).into()),
    };
    if status_of(&user) != required || access_expired(&user) {
        return Err(link_not_usable(kind).into());
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(user::Column::Status, Expr::value(status.code()))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        // Completing the link signs the person in.
        .col_expr(user::Column::LastLoginAt, Expr::value(now()))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(required.code()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(link_not_usable(kind).into());
    }
    sessions::end_all_for_user(&txn, user.id, None).await?;
    tokens::retire(&txn, user.id, kind).await?;
    // Whoever asked for a change of address before the password was reset loses it.
    tokens::retire(&txn, user.id, TokenKind::EmailChange).await?;
    audit::record(
        &txn,
        AuditEntry {
            organisation_id: user.organisation_id,
            actor_user_id: Some(user.id),
            actor_organisation_id: Some(user.organisation_id),
            action,
            target_type: "user",
            target_id: Some(user.id.to_string()),
            changes: (kind == TokenKind::Invitation).then(
                || json!({ "status": { "before": UserStatus::Invited.code(), "after": UserStatus::Active.code() } }),
            ),
            ip: client.ip.clone(),
        },
    )
    .await?;
    let session_secret = sessions::start(&txn, &state.auth, user.id, client).await?;
    let org = organisation::Entity::find_by_id(user.organisation_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Internal("account without organisation".into()))?;
    txn.commit().await?;
    Ok(Completed {
        session_secret,
        organisation_slug: org.slug,
    })
}
