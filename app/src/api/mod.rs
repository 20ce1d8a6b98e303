//! Server functions, one file per resource. Each declares what it needs of its caller with
//! [`needs!`], which the guard checks on the server before the function's work calls a service.

pub mod accounts;
pub mod activity;
pub mod api_keys;
pub mod auth;
pub mod codec;
pub mod licence;
pub mod links;
pub mod organisations;
pub mod profile;
pub mod roles;
pub mod sign_ins;
pub mod sso;
pub mod teams;
pub mod users;

#[cfg(feature = "ssr")]
pub mod guard;

/// Declares what server function `$endpoint` (the type `#[server]` makes of it) needs of its
/// caller, and gives it a `serve` that checks that need and sets the response's status from the
/// outcome:
///
/// - `needs!(Login, anyone)`: `Login::serve(async |visitor| ...)`;
/// - `needs!(AddUser, Need::Permission(Permission::UsersInvite))` (any other [`guard::Need`]):
///   `AddUser::serve(&slug, async |caller| ...)`.
#[macro_export]
macro_rules! needs {
    ($endpoint:ident, anyone) => {
        #[cfg(feature = "ssr")]
        impl $endpoint {
            const NEED: $crate::api::guard::Need = $crate::api::guard::Need::Anyone;

            async fn serve<T>(
                work: impl AsyncFnOnce($crate::api::guard::Visitor) -> Result<T, AppError>,
            ) -> Result<T, AppError> {
                $crate::api::guard::serve_visitor(work).await
            }
        }
        $crate::needs!(@declare $endpoint);
    };
    ($endpoint:ident, $need:expr) => {
        #[cfg(feature = "ssr")]
        impl $endpoint {
            const NEED: $crate::api::guard::Need = {
                #[allow(unused_imports)]
                use $crate::{api::guard::Need, model::{Feature, Permission}};
                // An open endpoint is declared `needs!(Endpoint, anyone)`: it gets no caller.
                assert!(!matches!($need, Need::Anyone), "declare an open endpoint with `anyone`");
                $need
            };

            async fn serve<T>(
                slug: &str,
                work: impl AsyncFnOnce($crate::api::guard::Caller) -> Result<T, AppError>,
            ) -> Result<T, AppError> {
                $crate::api::guard::serve_caller(Self::NEED, slug, work).await
            }
        }
        $crate::needs!(@declare $endpoint);
    };
    (@declare $endpoint:ident) => {
        #[cfg(feature = "ssr")]
        leptos::server_fn::inventory::submit! {
            $crate::api::guard::Declared {
                path: <$endpoint as leptos::server_fn::ServerFn>::PATH,
                need: $endpoint::NEED,
            }
        }
    };
}
