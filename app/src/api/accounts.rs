//! One person's account: adding, reading, changing, suspending, resetting, and the pending
//! invitations. Each call names the permission it needs; the services enforce the guardrails.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    account::{
        AccountChange, AccountDetail, Added, Assignable, Invitation, NewAccount, ResetDone,
        ResetMethod,
    },
    import::{ImportRequest, ImportReview},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

crate::needs!(AddUser, Need::Permission(Permission::UsersInvite));

/// Invites someone, or creates their account with a temporary password shown once.
#[server(endpoint = "users/add", input = JsonBody, output = Answer)]
pub async fn add_user(slug: String, account: NewAccount) -> Result<Added, AppError> {
    AddUser::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::teams::add_person(&caller.state, &actor, &account).await?)
    })
    .await
}

crate::needs!(GetUser, Need::Permission(Permission::UsersView));

/// One account of organisation `slug`.
#[server(endpoint = "users/get", input = Form, output = Answer)]
pub async fn get_user(slug: String, id: Uuid) -> Result<AccountDetail, AppError> {
    GetUser::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::detail(&caller.state.db, &actor, id).await?)
    })
    .await
}

crate::needs!(UpdateUser, Need::Permission(Permission::UsersEdit));

/// Saves changes to an account; refused with a conflict when someone saved in between.
#[server(endpoint = "users/update", input = JsonBody, output = Answer)]
pub async fn update_user(
    slug: String,
    id: Uuid,
    change: AccountChange,
) -> Result<AccountDetail, AppError> {
    UpdateUser::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::update(&caller.state, &actor, id, &change).await?)
    })
    .await
}

crate::needs!(SuspendUser, Need::Permission(Permission::UsersSuspend));

/// Suspends an account: its sessions end at once.
#[server(endpoint = "users/suspend", input = Form, output = Answer)]
pub async fn suspend_user(slug: String, id: Uuid) -> Result<(), AppError> {
    SuspendUser::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::suspend(&caller.state, &actor, id).await?)
    })
    .await
}

crate::needs!(SuspendUsers, Need::Permission(Permission::UsersSuspend));

/// Suspends every account of `ids`, or nobody when any of them may not be suspended.
#[server(endpoint = "users/suspend-many", input = JsonBody, output = Answer)]
pub async fn suspend_users(slug: String, ids: Vec<Uuid>) -> Result<usize, AppError> {
    SuspendUsers::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::suspend_many(&caller.state, &actor, &ids).await?)
    })
    .await
}

crate::needs!(UpdateUsers, Need::Permission(Permission::UsersView));

/// Makes `change` to every person of `ids`, or to nobody when any of them may not be changed.
/// What each change needs (users.edit for roles, managing the team, users.suspend to
/// reactivate) is checked for each person under the organisation's lock.
#[server(endpoint = "users/update-many", input = JsonBody, output = Answer)]
pub async fn update_users(
    slug: String,
    ids: Vec<Uuid>,
    change: crate::model::bulk::BulkChange,
) -> Result<usize, AppError> {
    UpdateUsers::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::bulk::update_many(&caller.state, &actor, &ids, change).await?)
    })
    .await
}

crate::needs!(
    SetPlatformRole,
    Need::SuperAdmin(|l| crate::tr!(l, "msg.guard.platform_role"))
);

/// Gives member `id` of the admin tenant `slug` the platform role `role` (support or none).
#[server(endpoint = "users/platform-role", input = Form, output = Answer)]
pub async fn set_platform_role(
    slug: String,
    id: Uuid,
    role: crate::model::PlatformRole,
) -> Result<(), AppError> {
    SetPlatformRole::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::set_platform_role(&caller.state, &actor, id, role).await?)
    })
    .await
}

crate::needs!(GiveNewUserType, Need::Permission(Permission::UsersInvite));

/// Replaces person `id`'s account with a new one of type `user_type` (suspending the old one and
/// inviting them again); returns the new account. Also needs users.suspend.
#[server(endpoint = "users/new-type", input = Form, output = Answer)]
pub async fn give_new_user_type(
    slug: String,
    id: Uuid,
    user_type: crate::model::UserType,
) -> Result<Added, AppError> {
    GiveNewUserType::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::give_new_type(&caller.state, &actor, id, user_type).await?)
    })
    .await
}

crate::needs!(ImportUsers, Need::Permission(Permission::UsersInvite));

/// Reviews a CSV file of people to invite and, when asked and nothing is wrong, invites them all.
#[server(endpoint = "users/import", input = JsonBody, output = Answer)]
pub async fn import_users(slug: String, request: ImportRequest) -> Result<ImportReview, AppError> {
    ImportUsers::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::import::import(&caller.state, &actor, &request).await?)
    })
    .await
}

crate::needs!(ReactivateUser, Need::Permission(Permission::UsersSuspend));

/// Reactivates a suspended account.
#[server(endpoint = "users/reactivate", input = Form, output = Answer)]
pub async fn reactivate_user(slug: String, id: Uuid) -> Result<(), AppError> {
    ReactivateUser::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::reactivate(&caller.state, &actor, id).await?)
    })
    .await
}

crate::needs!(
    ResetUserPassword,
    Need::Permission(Permission::UsersResetPassword)
);

/// Resets someone's password by email link or temporary password; their sessions end.
#[server(endpoint = "users/reset-password", input = Form, output = Answer)]
pub async fn reset_user_password(
    slug: String,
    id: Uuid,
    method: ResetMethod,
) -> Result<ResetDone, AppError> {
    ResetUserPassword::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::reset_password(&caller.state, &actor, id, method).await?)
    })
    .await
}

crate::needs!(ListInvitations, Need::Permission(Permission::UsersView));

/// The pending invitations of organisation `slug`.
#[server(endpoint = "users/invitations", input = Form, output = Answer)]
pub async fn list_invitations(slug: String) -> Result<Vec<Invitation>, AppError> {
    ListInvitations::serve(&slug, async |caller| {
        Ok(
            crate::services::accounts::invitations(&caller.state.db, caller.user.organisation.id)
                .await?,
        )
    })
    .await
}

crate::needs!(ResendInvitation, Need::Permission(Permission::UsersInvite));

/// Sends a fresh invitation link; the previous one stops working.
#[server(endpoint = "users/invitations/resend", input = Form, output = Answer)]
pub async fn resend_invitation(slug: String, id: Uuid) -> Result<(), AppError> {
    ResendInvitation::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::resend_invitation(&caller.state, &actor, id).await?)
    })
    .await
}

crate::needs!(RevokeInvitation, Need::Permission(Permission::UsersInvite));

/// Withdraws an invitation.
#[server(endpoint = "users/invitations/revoke", input = Form, output = Answer)]
pub async fn revoke_invitation(slug: String, id: Uuid) -> Result<(), AppError> {
    RevokeInvitation::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::revoke_invitation(&caller.state, &actor, id).await?)
    })
    .await
}

crate::needs!(AssignableUsers, Need::Permission(Permission::UsersView));

/// Active people of organisation `slug` matching `search`, for assignee pickers: suspended and
/// invited people are never offered.
#[server(endpoint = "users/assignable", input = Form, output = Answer)]
pub async fn assignable_users(slug: String, search: String) -> Result<Vec<Assignable>, AppError> {
    AssignableUsers::serve(&slug, async |caller| {
        Ok(crate::services::accounts::assignable(
            &caller.state.db,
            caller.user.organisation.id,
            &search,
            20,
        )
        .await?)
    })
    .await
}
