//! Sign-in history for admins (sign_ins.view), and ending a person's sessions (users.suspend).

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    sign_ins::{PersonSignIns, SignInList, SignInQuery},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::services::sign_ins;

crate::needs!(ListSignIns, Need::Permission(Permission::SignInsView));

/// One page of organisation `slug`'s sign-in attempts matching `query`, newest first.
#[server(endpoint = "sign-ins/list", input = JsonBody, output = Answer)]
pub async fn list_sign_ins(slug: String, query: SignInQuery) -> Result<SignInList, AppError> {
    ListSignIns::serve(&slug, async |caller| {
        Ok(sign_ins::list(&caller.state.db, caller.user.organisation.id, &query).await?)
    })
    .await
}

crate::needs!(SignInsOfPerson, Need::Permission(Permission::SignInsView));

/// Person `id`'s latest sign-ins, their count over 30 days, and their open sessions.
#[server(endpoint = "sign-ins/person", input = Form, output = Answer)]
pub async fn sign_ins_of_person(slug: String, id: Uuid) -> Result<PersonSignIns, AppError> {
    SignInsOfPerson::serve(&slug, async |caller| {
        Ok(sign_ins::of_person(&caller.state.db, caller.user.organisation.id, id).await?)
    })
    .await
}

crate::needs!(
    SignOutEverywhere,
    Need::Permission(Permission::UsersSuspend)
);

/// Ends every session of person `id`; returns how many ended.
#[server(endpoint = "users/sign-out-everywhere", input = Form, output = Answer)]
pub async fn sign_out_everywhere(slug: String, id: Uuid) -> Result<u64, AppError> {
    SignOutEverywhere::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(crate::services::accounts::sign_out_everywhere(&caller.state, &actor, id).await?)
    })
    .await
}
