//! The pages reached without signing in: an invitation link, a password-reset link, and the
//! "forgot password" request. Plain forms, so they work before the page's script has loaded.

use super::codec::{Answer, Form};
use crate::model::{account::LinkState, AppError};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::guard::{self, Visitor};
#[cfg(feature = "ssr")]
use crate::services::tokens::TokenKind;

crate::needs!(InvitationLink, anyone);

/// What the invitation link with `token` leads to.
#[server(endpoint = "links/invitation", input = Form, output = Answer)]
pub async fn invitation_link(token: String) -> Result<LinkState, AppError> {
    InvitationLink::serve(async |visitor| link_state(&visitor, TokenKind::Invitation, &token).await)
        .await
}

crate::needs!(ResetLink, anyone);

/// What the password-reset link with `token` leads to.
#[server(endpoint = "links/reset", input = Form, output = Answer)]
pub async fn reset_link(token: String) -> Result<LinkState, AppError> {
    ResetLink::serve(async |visitor| link_state(&visitor, TokenKind::PasswordReset, &token).await)
        .await
}

#[cfg(feature = "ssr")]
async fn link_state(
    visitor: &Visitor,
    kind: TokenKind,
    token: &str,
) -> Result<LinkState, AppError> {
    Ok(crate::services::links::link_state(&visitor.state.db, kind, token).await?)
}

crate::needs!(AcceptInvitation, anyone);

/// Accepts an invitation: sets the password, activates the account and signs the person in.
#[server(endpoint = "links/accept-invitation", output = Answer)]
pub async fn accept_invitation(
    token: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    AcceptInvitation::serve(async |visitor| {
        complete(
            &visitor,
            TokenKind::Invitation,
            &token,
            &password,
            &confirmation,
        )
        .await
    })
    .await
}

crate::needs!(CompleteReset, anyone);

/// Sets a new password from a reset link and signs the person in; other sessions end.
#[server(endpoint = "links/reset-password", output = Answer)]
pub async fn complete_reset(
    token: String,
    password: String,
    confirmation: String,
) -> Result<(), AppError> {
    CompleteReset::serve(async |visitor| {
        complete(
            &visitor,
            TokenKind::PasswordReset,
            &token,
            &password,
            &confirmation,
        )
        .await
    })
    .await
}

#[cfg(feature = "ssr")]
async fn complete(
    visitor: &Visitor,
    kind: TokenKind,
    token: &str,
    password: &str,
    confirmation: &str,
) -> Result<(), AppError> {
    let state = &visitor.state;
    let done = crate::services::links::complete_link(
        state,
        kind,
        token,
        password,
        confirmation,
        &visitor.client,
    )
    .await?;
    guard::set_cookie(&crate::services::sessions::cookie(
        &state.auth,
        &done.session_secret,
    ))?;
    leptos_axum::redirect(&format!("/o/{}", done.organisation_slug));
    Ok(())
}

crate::needs!(ForgotPassword, anyone);

/// Sends a password-reset link to `email` if it has an account in organisation `slug`. The
/// answer is the same either way; it is rate-limited per address and per account.
#[server(endpoint = "links/forgot-password", output = Answer)]
pub async fn forgot_password(slug: String, email: String) -> Result<(), AppError> {
    ForgotPassword::serve(async |Visitor { state, client }| {
        // The slug goes into the redirect: only a well-formed one, whatever was posted.
        crate::services::tenancy::check_slug("slug", &slug)?;
        crate::services::accounts::request_reset(&state, &slug, &email, &client).await?;
        leptos_axum::redirect(&format!("/o/{slug}/forgot-password?sent=1"));
        Ok(())
    })
    .await
}
