//! Building blocks every page uses.

pub mod form;
