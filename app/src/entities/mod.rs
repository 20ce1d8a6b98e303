//! SeaORM entities, one file per table. Only the services use them.

pub mod api_key;
pub mod audit_event;
pub mod licence;
pub mod login_event;
pub mod login_throttle;
pub mod organisation;
pub mod organisation_user_count;
pub mod outbox_message;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod sso_connection;
pub mod sso_flow;
pub mod team;
pub mod team_member;
pub mod token;
pub mod user;
pub mod user_avatar;
pub mod user_identity;
pub mod user_role;
