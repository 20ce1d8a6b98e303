//! What a tenant admin does to people's accounts: invite, create with a temporary password, edit,
//! suspend, reactivate, reset passwords, and manage pending invitations. Every change is checked
//! against the guardrails, made in one transaction with its audit event and its email, and
//! refused with a sentence a person understands.

mod access;
mod edit;
mod invitations;
mod invite;
mod lifecycle;
mod reset;
mod retype;

pub use access::*;
pub use edit::*;
pub use invitations::*;
pub use invite::*;
pub use lifecycle::*;
pub use reset::*;
pub use retype::*;

use super::{
    acting::{
        administers, another_administrator, check_grants, check_outranks, managed, permissions_of,
        role_ids_of, roles_of, still_may, target, Actor,
    },
    people::{check_email_free, check_form, unique_email, NewUser},
};
use super::{
    audit::{self, AuditEntry, Changes},
    mail, now,
    passwords::temporary_password,
    sessions,
    tokens::{self, Minted, TokenKind},
    AppState, ClientInfo, ServiceError, ServiceResult,
};
use crate::{
    entities::{organisation, outbox_message, role, user, user_role},
    i18n::Locale,
    model::{
        account::{
            AccountChange, AccountDetail, AccountForm, Added, Assignable, DirectoryFacts,
            GrantSource, GrantedPermission, Invitation, NewAccount, Onboarding, ResetDone,
            ResetMethod, INVITATION_DAYS, RESET_HOURS,
        },
        users::Moment,
        Permission, PlatformRole, UserStatus, UserType,
    },
    tr,
};
use crate::{msg, services::messages::Refusal};
use sea_orm::{
    prelude::*, sea_query::ExprTrait, ActiveValue::Set, DatabaseTransaction, QueryOrder,
    QuerySelect,
};
use std::collections::BTreeSet;

fn organisation_name(actor: &Actor<'_>) -> String {
    actor.user.organisation.name.clone()
}

fn conflict() -> Refusal {
    Refusal::Conflict(msg!("msg.accounts.changed_meanwhile"))
}
