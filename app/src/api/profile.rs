//! "My profile": every signed-in person's own details, picture, address and sessions. Each call
//! acts on the caller's own account only; nothing here takes another person's id.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    profile::{AccountSecurity, Profile, ProfileChange},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {super::guard, crate::services::profile};

/// Remembers `locale` in the browser for the pages shown before signing in.
#[cfg(feature = "ssr")]
pub(super) fn remember_locale(
    state: &crate::services::AppState,
    locale: crate::i18n::Locale,
) -> Result<(), AppError> {
    guard::set_cookie(&locale.cookie(state.auth.secure_cookies))
}

crate::needs!(GetProfile, Need::SignedIn);

/// The caller's profile.
#[server(endpoint = "profile/get", input = Form, output = Answer)]
pub async fn get_profile(slug: String) -> Result<Profile, AppError> {
    GetProfile::serve(&slug, async |caller| {
        Ok(profile::get(&caller.state.db, &caller.signed).await?)
    })
    .await
}

crate::needs!(UpdateProfile, Need::SignedIn);

/// Saves the caller's profile; the language is also remembered by the browser.
#[server(endpoint = "profile/update", input = JsonBody, output = Answer)]
pub async fn update_profile(slug: String, change: ProfileChange) -> Result<Profile, AppError> {
    UpdateProfile::serve(&slug, async |caller| {
        let saved = profile::update(&caller.state, &caller.signed, &change, &caller.client).await?;
        remember_locale(&caller.state, saved.locale)?;
        Ok(saved)
    })
    .await
}

crate::needs!(UploadAvatar, Need::SignedIn);

/// Replaces the caller's picture with `data` (the file's bytes in base64); returns its address.
#[server(endpoint = "profile/avatar", input = JsonBody, output = Answer)]
pub async fn upload_avatar(slug: String, data: String) -> Result<Option<String>, AppError> {
    UploadAvatar::serve(&slug, async |caller| {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| {
                let l = crate::i18n::request_locale();
                AppError::field("avatar", crate::tr!(l, "msg.profile.avatar_incomplete"))
            })?;
        Ok(profile::set_avatar(&caller.state, &caller.signed, bytes, &caller.client).await?)
    })
    .await
}

crate::needs!(RemoveAvatar, Need::SignedIn);

/// Removes the caller's picture.
#[server(endpoint = "profile/avatar/remove", input = Form, output = Answer)]
pub async fn remove_avatar(slug: String) -> Result<(), AppError> {
    RemoveAvatar::serve(&slug, async |caller| {
        Ok(profile::remove_avatar(&caller.state, &caller.signed, &caller.client).await?)
    })
    .await
}

crate::needs!(GetAccountSecurity, Need::SignedIn);

/// The caller's sessions and recent sign-ins.
#[server(endpoint = "profile/security", input = Form, output = Answer)]
pub async fn get_account_security(slug: String) -> Result<AccountSecurity, AppError> {
    GetAccountSecurity::serve(&slug, async |caller| {
        Ok(profile::security(&caller.state.db, &caller.signed).await?)
    })
    .await
}

crate::needs!(EndSessions, Need::SignedIn);

/// Ends one of the caller's own sessions, or with no `id` every one but this; returns how many.
#[server(endpoint = "profile/sessions/end", input = Form, output = Answer)]
pub async fn end_sessions(slug: String, id: Option<Uuid>) -> Result<u64, AppError> {
    EndSessions::serve(&slug, async |caller| {
        Ok(profile::end_sessions(&caller.state, &caller.signed, id, &caller.client).await?)
    })
    .await
}

crate::needs!(ChangeEmail, Need::SignedIn);

/// Sends a confirmation link to `new_email`, which it returns as the address now waiting; the
/// address changes when the link is opened.
#[server(endpoint = "profile/email", output = Answer)]
pub async fn change_email(
    slug: String,
    new_email: String,
    password: String,
) -> Result<String, AppError> {
    ChangeEmail::serve(&slug, async |caller| {
        profile::request_email_change(
            &caller.state,
            &caller.signed,
            &new_email,
            &password,
            &caller.client,
        )
        .await?;
        Ok(new_email.trim().to_string())
    })
    .await
}

crate::needs!(EmailChangeLink, anyone);

/// The new address a confirmation link is for.
#[server(endpoint = "links/email-change", input = Form, output = Answer)]
pub async fn email_change_link(token: String) -> Result<String, AppError> {
    EmailChangeLink::serve(async |visitor| {
        Ok(profile::email_change_state(&visitor.state.db, &token).await??)
    })
    .await
}

crate::needs!(ConfirmEmailChange, anyone);

/// Confirms the new address and sends the person to their organisation.
#[server(endpoint = "links/email-change/confirm", output = Answer)]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    ConfirmEmailChange::serve(async |visitor| {
        let slug = profile::confirm_email_change(&visitor.state, &token, &visitor.client).await?;
        leptos_axum::redirect(&format!("/o/{slug}/profile?email=confirmed"));
        Ok(())
    })
    .await
}
