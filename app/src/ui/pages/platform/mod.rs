//! The Platform screens, for super-admins: the organisations of this instance.

pub mod organisations;
