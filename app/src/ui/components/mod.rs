//! Building blocks every page uses.

pub mod display;
pub mod form;
