//! The Users screens: the list, adding someone, importing many, one person's page, pending
//! invitations.

pub mod actions;
pub mod add;
pub mod bulk;
pub mod detail;
pub mod form;
pub mod history;
pub mod import;
pub mod invitations;
pub mod list;
pub mod retype;
pub mod teams;
