//! What an admin does to one person from the list or their page: suspend, reactivate, reset the
//! password. Each asks for confirmation in a dialog and shows the server's refusal in words.

use super::bulk::{BulkChangeDialog, BulkKind};
use crate::{
    api::accounts::{ReactivateUser, ResetUserPassword, SuspendUser, SuspendUsers},
    i18n::use_locale,
    model::{account::ResetMethod, AppError},
    tr,
    ui::components::{
        dialog::{Modal, OneTimePassword},
        form::{action_error, FormAlert},
    },
};
use leptos::prelude::*;
use uuid::Uuid;

/// The person an action is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Suspend(Person),
    /// Several people chosen on the list.
    SuspendMany(Vec<Person>),
    /// Another change to several people chosen on the list.
    Change(Vec<Person>, BulkKind),
    Reactivate(Person),
    Reset(Person),
}

/// The open dialog, if any; `on_done` runs after a change so the page can reload what it shows.
/// The dialogs are a chunk of the WebAssembly of their own, fetched once the page is interactive
/// rather than with it: no page shows one when it is first drawn.
#[component]
pub fn ActionDialogs(
    slug: String,
    open: RwSignal<Option<Pending>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let close = Callback::new(move |_| open.set(None));
    // Effects run in the browser only, after hydration: the first dialog then opens at once.
    Effect::new(move |_| {
        leptos::lazy_preload!(dialog);
    });
    move || {
        let slug = slug.clone();
        open.get()
            .map(|pending| Suspend::new(async move { dialog(slug, pending, close, on_done).await }))
    }
}

/// The dialog of `pending`.
#[lazy]
fn dialog(slug: String, pending: Pending, close: Callback<()>, on_done: Callback<()>) -> AnyView {
    match pending {
        Pending::Suspend(person) => {
            view! { <SuspendDialog slug person close on_done /> }.into_any()
        }
        Pending::SuspendMany(people) => {
            view! { <SuspendManyDialog slug people close on_done /> }.into_any()
        }
        Pending::Change(people, kind) => {
            view! { <BulkChangeDialog slug people kind close on_done /> }.into_any()
        }
        Pending::Reactivate(person) => {
            view! { <ReactivateDialog slug person close on_done /> }.into_any()
        }
        Pending::Reset(person) => view! { <ResetDialog slug person close on_done /> }.into_any(),
    }
}

/// Closes the dialog and lets the page reload once `action` has succeeded.
fn close_when_done<I, O>(action: ServerAction<I>, close: Callback<()>, on_done: Callback<()>)
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            close.run(());
            on_done.run(());
        }
    });
}

#[component]
fn SuspendDialog(
    slug: String,
    person: Person,
    close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<SuspendUser>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let id = person.id;
    view! {
        <Modal title=tr!(l, "users.dialog.suspend_title", name = person.name) on_close=close>
            <p>{tr!(l, "users.dialog.suspend_body")}</p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button
                    type="button"
                    class="button button-danger"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SuspendUser { slug: slug.clone(), id }); }
                >
                    {tr!(l, "users.action.suspend")}
                </button>
            </div>
        </Modal>
    }
}

#[component]
fn SuspendManyDialog(
    slug: String,
    people: Vec<Person>,
    close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<SuspendUsers>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let count = people.len();
    let names = people
        .iter()
        .map(|p| view! { <li>{p.name.clone()} " " <span class="muted-inline">{p.email.clone()}</span></li> })
        .collect_view();
    let title = if count == 1 {
        tr!(l, "users.dialog.suspend_many_title_one", count = count)
    } else {
        tr!(l, "users.dialog.suspend_many_title_many", count = count)
    };
    view! {
        <Modal title=title on_close=close>
            <ul class="name-list">{names}</ul>
            <p>{tr!(l, "users.dialog.suspend_many_body")}</p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button
                    type="button"
                    class="button button-danger"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SuspendUsers { slug: slug.clone(), ids: ids.clone() }); }
                >
                    {tr!(l, "users.dialog.suspend_many_confirm", count = count)}
                </button>
            </div>
        </Modal>
    }
}

#[component]
fn ReactivateDialog(
    slug: String,
    person: Person,
    close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<ReactivateUser>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let id = person.id;
    view! {
        <Modal title=tr!(l, "users.dialog.reactivate_title", name = person.name) on_close=close>
            <p>{tr!(l, "users.dialog.reactivate_body")}</p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button
                    type="button"
                    class="button button-primary"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(ReactivateUser { slug: slug.clone(), id }); }
                >
                    {tr!(l, "users.action.reactivate")}
                </button>
            </div>
        </Modal>
    }
}

#[component]
fn ResetDialog(
    slug: String,
    person: Person,
    close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<ResetUserPassword>::new();
    let error = action_error(action);
    let method = RwSignal::new(ResetMethod::Email);
    let id = person.id;
    let name = person.name.clone();
    let outcome = move || {
        let name = name.clone();
        match action.value().get() {
            Some(Ok(done)) => Some(match done.temporary_password {
                Some(password) => view! {
                    <OneTimePassword password for_whom=name />
                }
                .into_any(),
                None => view! {
                    <p class="alert alert-success" role="status">
                        {tr!(l, "users.dialog.reset_sent", email = person.email)}
                    </p>
                }
                .into_any(),
            }),
            _ => None,
        }
    };
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    let finish = move |_| {
        close.run(());
        on_done.run(());
    };
    view! {
        <Modal title=tr!(l, "users.dialog.reset_title", name = person.name) on_close=close>
            <Show when=move || !done()>
                <fieldset class="choices">
                    <legend class="visually-hidden">{tr!(l, "users.dialog.reset_how")}</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="reset-method"
                            checked=true
                            on:change=move |_| method.set(ResetMethod::Email)
                        />
                        <span>
                            <strong>{tr!(l, "users.dialog.reset_by_email")}</strong>
                            <span class="muted">{tr!(l, "users.dialog.reset_by_email_hint")}</span>
                        </span>
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="reset-method"
                            on:change=move |_| method.set(ResetMethod::TemporaryPassword)
                        />
                        <span>
                            <strong>{tr!(l, "users.dialog.reset_by_password")}</strong>
                            <span class="muted">{tr!(l, "users.dialog.reset_by_password_hint")}</span>
                        </span>
                    </label>
                </fieldset>
                <p class="muted">{tr!(l, "users.dialog.reset_signed_out")}</p>
                <FormAlert error />
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                    <button
                        type="button"
                        class="button button-primary"
                        disabled=move || action.pending().get()
                        on:click={
                            let slug = slug.clone();
                            move |_| {
                                action.dispatch(ResetUserPassword {
                                    slug: slug.clone(),
                                    id,
                                    method: method.get_untracked(),
                                });
                            }
                        }
                    >
                        {tr!(l, "users.action.reset_password")}
                    </button>
                </div>
            </Show>
            {outcome}
            <Show when=done>
                <div class="modal-actions">
                    <button type="button" class="button button-primary" on:click=finish>{tr!(l, "users.dialog.done")}</button>
                </div>
            </Show>
        </Modal>
    }
}
