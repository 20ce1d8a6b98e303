//! Types both the browser and the server use. No database types here.

pub mod access;
pub mod account;
pub mod activity;
pub mod api_keys;
pub mod bulk;
pub mod error;
pub mod import;
pub mod licence;
pub mod organisations;
pub mod password;
pub mod profile;
pub mod roles;
pub mod session;
pub mod sign_ins;
pub mod sso;
pub mod teams;
pub mod users;

pub use access::{Feature, Permission, PlatformRole, RoleTemplate, UserStatus, UserType};
pub use error::{AppError, FieldError, BODY_TOO_LARGE};
pub use session::{CurrentUser, OrganisationSummary};
