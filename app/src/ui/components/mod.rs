//! Building blocks every page uses.

pub mod dialog;
pub mod display;
pub mod form;
