//! What an admin does to one person from the list or their page: suspend, reactivate, reset the
//! password. Each asks for confirmation in a dialog and shows the server's refusal in words.

use crate::{
    api::accounts::{ReactivateUser, ResetUserPassword, SuspendUser, SuspendUsers},
    model::{account::ResetMethod, AppError},
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
    Reactivate(Person),
    Reset(Person),
}

/// The open dialog, if any; `on_done` runs after a change so the page can reload what it shows.
#[component]
pub fn ActionDialogs(
    slug: String,
    open: RwSignal<Option<Pending>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let close = Callback::new(move |_| open.set(None));
    move || {
        let slug = slug.clone();
        open.get().map(|pending| match pending {
            Pending::Suspend(person) => {
                view! { <SuspendDialog slug person close on_done /> }.into_any()
            }
            Pending::SuspendMany(people) => {
                view! { <SuspendManyDialog slug people close on_done /> }.into_any()
            }
            Pending::Reactivate(person) => {
                view! { <ReactivateDialog slug person close on_done /> }.into_any()
            }
            Pending::Reset(person) => {
                view! { <ResetDialog slug person close on_done /> }.into_any()
            }
        })
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
    let action = ServerAction::<SuspendUser>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let id = person.id;
    view! {
        <Modal title=format!("Suspend {}?", person.name) on_close=close>
            <p>
                "They are signed out everywhere at once and cannot sign in until an administrator "
                "reactivates them. They no longer appear in assignee lists. Their history stays, "
                "and so do their roles."
            </p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>"Cancel"</button>
                <button
                    type="button"
                    class="button button-danger"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SuspendUser { slug: slug.clone(), id }); }
                >
                    "Suspend"
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
    let action = ServerAction::<SuspendUsers>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let count = people.len();
    let names = people
        .iter()
        .map(|p| view! { <li>{p.name.clone()} " " <span class="muted-inline">{p.email.clone()}</span></li> })
        .collect_view();
    view! {
        <Modal title=format!("Suspend {count} {}?", if count == 1 { "person" } else { "people" }) on_close=close>
            <ul class="name-list">{names}</ul>
            <p>
                "They are signed out everywhere at once and cannot sign in until an administrator "
                "reactivates them. Their history and roles stay. If any of them cannot be "
                "suspended, nobody is, and you are told why."
            </p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>"Cancel"</button>
                <button
                    type="button"
                    class="button button-danger"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(SuspendUsers { slug: slug.clone(), ids: ids.clone() }); }
                >
                    {format!("Suspend {count}")}
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
    let action = ServerAction::<ReactivateUser>::new();
    let error = action_error(action);
    close_when_done(action, close, on_done);
    let id = person.id;
    view! {
        <Modal title=format!("Reactivate {}?", person.name) on_close=close>
            <p>"They can sign in again with their password, with the roles they had."</p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>"Cancel"</button>
                <button
                    type="button"
                    class="button button-primary"
                    disabled=move || action.pending().get()
                    on:click=move |_| { action.dispatch(ReactivateUser { slug: slug.clone(), id }); }
                >
                    "Reactivate"
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
                        "A reset link is on its way to " {person.email.clone()}
                        ". It works once, for one hour."
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
        <Modal title=format!("Reset the password of {}", person.name) on_close=close>
            <Show when=move || !done()>
                <fieldset class="choices">
                    <legend class="visually-hidden">"How"</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="reset-method"
                            checked=true
                            on:change=move |_| method.set(ResetMethod::Email)
                        />
                        <span>
                            <strong>"Email a reset link"</strong>
                            <span class="muted">"They choose a new password with a link that works once, for one hour."</span>
                        </span>
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="reset-method"
                            on:change=move |_| method.set(ResetMethod::TemporaryPassword)
                        />
                        <span>
                            <strong>"Generate a temporary password"</strong>
                            <span class="muted">"You hand it over; they must replace it when they next sign in."</span>
                        </span>
                    </label>
                </fieldset>
                <p class="muted">"Either way they are signed out everywhere now."</p>
                <FormAlert error />
                <div class="modal-actions">
                    <button type="button" class="button" on:click=move |_| close.run(())>"Cancel"</button>
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
                        "Reset password"
                    </button>
                </div>
            </Show>
            {outcome}
            <Show when=done>
                <div class="modal-actions">
                    <button type="button" class="button button-primary" on:click=finish>"Done"</button>
                </div>
            </Show>
        </Modal>
    }
}
