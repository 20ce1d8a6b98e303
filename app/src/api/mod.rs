//! Server functions, one file per resource. Each declares what it needs of its caller with
//! [`needs!`], which the guard checks on the server before the function's work calls a service.

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod codec;
pub mod licence;
pub mod links;
pub mod organisations;
pub mod profile;
pub mod roles;
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
            async fn serve<T>(
                work: impl AsyncFnOnce($crate::api::guard::Visitor) -> Result<T, AppError>,
            ) -> Result<T, AppError> {
                $crate::api::guard::serve_visitor(work).await
            }
        }
        $crate::needs!(@declare $endpoint, $crate::api::guard::Need::Anyone);
    };
    ($endpoint:ident, $need:expr) => {
        #[cfg(feature = "ssr")]
        impl $endpoint {
            async fn serve<T>(
                slug: &str,
                work: impl AsyncFnOnce($crate::api::guard::Caller) -> Result<T, AppError>,
            ) -> Result<T, AppError> {
                #[allow(unused_imports)]
                use $crate::{api::guard::Need, model::{Feature, Permission}};
                $crate::api::guard::serve_caller($need, slug, work).await
            }
        }
        // An endpoint open to anyone is declared `needs!(Endpoint, anyone)`: it gets no caller.
        #[cfg(feature = "ssr")]
        const _: () = {
            #[allow(unused_imports)]
            use $crate::{api::guard::Need, model::{Feature, Permission}};
            assert!(!matches!($need, Need::Anyone), "declare an open endpoint with `anyone`");
        };
        $crate::needs!(@declare $endpoint, {
            #[allow(unused_imports)]
            use $crate::{api::guard::Need, model::{Feature, Permission}};
            $need
        });
    };
    (@declare $endpoint:ident, $need:expr) => {
        #[cfg(feature = "ssr")]
        leptos::server_fn::inventory::submit! {
            $crate::api::guard::Declared {
                path: <$endpoint as leptos::server_fn::ServerFn>::PATH,
                need: $need,
            }
        }
    };
}
