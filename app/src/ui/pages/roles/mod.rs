//! Roles: the organisation's roles and their permissions (`list`), and the page that creates or
//! edits one (`edit`).

pub mod edit;
pub mod list;
