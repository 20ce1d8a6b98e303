//! One file per screen, named as the product names it.

pub mod change_password;
pub mod errors;
pub mod home;
pub mod links;
pub mod login;
pub mod overview;
pub mod platform;
pub mod roles;
pub mod section;
pub mod shell;
pub mod teams;
pub mod users;
