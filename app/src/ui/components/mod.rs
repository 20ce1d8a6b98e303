//! Building blocks every page uses.

pub mod dialog;
pub mod display;
pub mod form;

use leptos::prelude::*;

/// Whether the page runs in the browser yet: false while the server renders and while the browser
/// hydrates, true from then on. Parts that only make sense to someone clicking (a picker's
/// search results, the tenant switcher's list) wait for it, so the server renders them empty
/// instead of waiting on data only the browser fetches, and hydration finds what it rendered.
pub fn in_browser() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}
