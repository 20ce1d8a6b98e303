//! The Platform screens, for super-admins: the organisations of this instance.

pub mod new_organisation;
pub mod organisations;
