//! The Users screens.

pub mod list;
