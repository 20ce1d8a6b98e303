//! Signing in and out, the signed-in user, choosing a new password.

use super::codec::{Answer, Form};
use crate::model::{AppError, CurrentUser};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::guard::{self, Visitor};

/// Where to go after signing in: `next` when it stays inside this organisation, else its home.
pub fn landing_path(slug: &str, next: Option<&str>) -> String {
    let home = format!("/o/{slug}");
    match next {
        Some(next)
            if (next == home || next.starts_with(&format!("{home}/")))
                && !next.contains("//")
                && !next.contains('\\')
                && next.chars().all(|c| c.is_ascii_graphic()) =>
        {
            next.to_string()
        }
        _ => home,
    }
}

crate::needs!(GoToOrganisation, anyone);

/// Sends the person to the sign-in page of the organisation they name.
#[server(endpoint = "auth/organisation", output = Answer)]
pub async fn go_to_organisation(slug: String) -> Result<(), AppError> {
    GoToOrganisation::serve(async |_| {
        let slug = slug.trim().to_lowercase();
        crate::services::tenancy::check_slug("slug", &slug)?;
        leptos_axum::redirect(&format!("/o/{slug}/login"));
        Ok(())
    })
    .await
}

crate::needs!(Login, anyone);

/// Signs in with email and password to organisation `slug`.
#[server(endpoint = "auth/login", output = Answer)]
pub async fn login(
    slug: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    Login::serve(async |Visitor { state, client }| {
        let signed =
            crate::services::auth::sign_in(&state, &slug, &email, &password, &client).await?;
        guard::set_cookie(&crate::services::sessions::cookie(
            &state.auth,
            &signed.secret,
        ))?;
        super::profile::remember_locale(&state, signed.locale)?;
        let target = if signed.must_change_password {
            format!("/o/{slug}/change-password")
        } else {
            landing_path(&slug, next.as_deref())
        };
        leptos_axum::redirect(&target);
        Ok(())
    })
    .await
}

crate::needs!(Logout, anyone);

/// Ends the caller's session.
#[server(endpoint = "auth/logout", output = Answer)]
pub async fn logout(slug: String) -> Result<(), AppError> {
    Logout::serve(async |visitor| {
        let state = &visitor.state;
        if let Some(secret) = guard::session_secret(state) {
            crate::services::sessions::end(&state.db, &secret).await?;
        }
        guard::set_cookie(&crate::services::sessions::clearing_cookie(&state.auth))?;
        // The slug goes into the redirect: only a well-formed one, whatever was posted.
        if crate::services::tenancy::check_slug("slug", &slug).is_ok() {
            leptos_axum::redirect(&format!("/o/{slug}/login"));
        } else {
            leptos_axum::redirect("/");
        }
        Ok(())
    })
    .await
}

crate::needs!(SignedInUser, Need::SignedIn);

/// The signed-in user acting in organisation `slug`.
#[server(endpoint = "session/current", input = Form, output = Answer)]
pub async fn signed_in_user(slug: String) -> Result<CurrentUser, AppError> {
    SignedInUser::serve(&slug, async |caller| Ok(caller.user)).await
}

crate::needs!(ChangePassword, Need::SignedInPendingPassword);

/// Replaces the caller's password; the browser carries on in a new session, every other one ends.
#[server(endpoint = "auth/change-password", output = Answer)]
pub async fn change_password(
    slug: String,
    current_password: String,
    new_password: String,
    confirmation: String,
) -> Result<(), AppError> {
    ChangePassword::serve(&slug, async |caller| {
        let secret = crate::services::auth::change_password(
            &caller.state,
            &caller.signed,
            &current_password,
            &new_password,
            &confirmation,
            &caller.client,
        )
        .await?;
        guard::set_cookie(&crate::services::sessions::cookie(
            &caller.state.auth,
            &secret,
        ))?;
        leptos_axum::redirect(&format!("/o/{slug}"));
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::landing_path;

    #[test]
    fn sign_in_never_redirects_outside_the_organisation() {
        assert_eq!(landing_path("acme", Some("/o/acme/users")), "/o/acme/users");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/o/other/",
            "/o/acme/\\x",
            "/o/acme//evil",
        ] {
            assert_eq!(landing_path("acme", Some(bad)), "/o/acme", "{bad}");
        }
        assert_eq!(landing_path("acme", None), "/o/acme");
        assert_eq!(landing_path("acme", Some("/o/acme")), "/o/acme");
        assert_eq!(landing_path("acme", Some("/o/acmeevil")), "/o/acme");
    }
}
