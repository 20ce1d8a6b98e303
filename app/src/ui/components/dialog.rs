//! A modal dialog, and the one-time display of a generated password or key.

use crate::{i18n::use_locale, tr};
use leptos::{html, prelude::*};

/// A modal dialog: the page behind is dimmed, Escape or Cancel closes it, focus moves into it.
#[component]
pub fn Modal(
    /// The dialog's heading, which also names it for screen readers.
    #[prop(into)]
    title: String,
    /// Called when the person closes the dialog.
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let panel = NodeRef::<html::Div>::new();
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let _ = panel.focus();
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };
    view! {
        <div class="modal-backdrop">
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="modal-title"
                tabindex="-1"
                node_ref=panel
                on:keydown=on_keydown
            >
                <h2 id="modal-title">{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// A dialog asking to confirm what `action` will do with `request`: its body, the refusal if the
/// server refuses, a danger button and Cancel. It closes once the action has succeeded (an
/// answer to an earlier dispatch does not close it).
#[component]
pub fn ConfirmDialog<S>(
    #[prop(into)] title: String,
    action: ServerAction<S>,
    /// What the danger button sends.
    request: S,
    /// The danger button's words.
    #[prop(into)]
    confirm: String,
    /// The cancel button's words.
    #[prop(into)]
    cancel: String,
    close: Callback<()>,
    children: Children,
) -> impl IntoView
where
    S: leptos::server_fn::ServerFn<Output = (), Error = crate::model::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let error = super::form::action_error(action);
    let opened_at = action.version().get_untracked();
    Effect::new(move |_| {
        if action.version().get() > opened_at {
            if let Some(Ok(())) = action.value().get() {
                close.run(());
            }
        }
    });
    view! {
        <Modal title on_close=close>
            <super::form::FormAlert error />
            {children()}
            <div class="form-actions">
                <button type="button" class="button button-danger" disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(request.clone()); }>
                    {confirm}
                </button>
                <button type="button" class="button" on:click=move |_| close.run(())>{cancel}</button>
            </div>
        </Modal>
    }
}

/// A generated password, shown once with a button that copies it.
#[component]
pub fn OneTimePassword(
    #[prop(into)] password: String,
    #[prop(into)] for_whom: String,
) -> impl IntoView {
    let l = use_locale();
    view! {
        <p>{tr!(l, "components.password.for_before")} <strong>{for_whom}</strong> {tr!(l, "components.password.for_after")}</p>
        <CopyableSecret secret=password testid="temporary-password" />
        <p class="muted">{tr!(l, "components.password.once")}</p>
    }
}

/// A secret in a code box with a button that copies it to the clipboard.
#[component]
pub fn CopyableSecret(#[prop(into)] secret: String, testid: &'static str) -> impl IntoView {
    let l = use_locale();
    let copied = RwSignal::new(false);
    let copy = {
        let secret = secret.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&secret);
                copied.set(true);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &secret;
        }
    };
    view! {
        <div class="secret">
            <code data-testid=testid>{secret.clone()}</code>
            <button type="button" class="button" on:click=copy>
                {move || if copied.get() { tr!(l, "components.password.copied") } else { tr!(l, "components.password.copy") }}
            </button>
        </div>
    }
}
