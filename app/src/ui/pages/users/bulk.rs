//! The bulk changes of the Users list's selection besides suspending: a role given or taken, a
//! team joined, reactivation. One dialog: what to give (a role, a team), the people named, and
//! the server's refusal in words when anyone may not be changed (then nobody is).

use super::actions::Person;
use crate::{
    api::{accounts::UpdateUsers, roles::list_roles, teams::list_teams},
    i18n::use_locale,
    model::bulk::BulkChange,
    tr,
    ui::components::{
        dialog::Modal,
        form::{action_error, FormAlert},
    },
};
use leptos::prelude::*;
use uuid::Uuid;

/// Which bulk change a dialog makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    AddRole,
    RemoveRole,
    AddToTeam,
    Reactivate,
}

impl BulkKind {
    /// The change, with the role or team chosen.
    fn change(self, chosen: Option<Uuid>) -> Option<BulkChange> {
        Some(match self {
            BulkKind::AddRole => BulkChange::AddRole(chosen?),
            BulkKind::RemoveRole => BulkChange::RemoveRole(chosen?),
            BulkKind::AddToTeam => BulkChange::AddToTeam(chosen?),
            BulkKind::Reactivate => BulkChange::Reactivate,
        })
    }
}

#[component]
pub fn BulkChangeDialog(
    slug: String,
    people: Vec<Person>,
    kind: BulkKind,
    close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let action = ServerAction::<UpdateUsers>::new();
    let error = action_error(action);
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            close.run(());
            on_done.run(());
        }
    });
    let count = people.len();
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let names = people
        .iter()
        .map(|p| view! { <li>{p.name.clone()} " " <span class="muted-inline">{p.email.clone()}</span></li> })
        .collect_view();
    let (title, confirm) = match kind {
        BulkKind::AddRole => (
            tr!(l, "users.bulk.add_role_title", count = count),
            tr!(l, "users.bulk.add_role"),
        ),
        BulkKind::RemoveRole => (
            tr!(l, "users.bulk.remove_role_title", count = count),
            tr!(l, "users.bulk.remove_role"),
        ),
        BulkKind::AddToTeam => (
            tr!(l, "users.bulk.add_to_team_title", count = count),
            tr!(l, "users.bulk.add_to_team"),
        ),
        BulkKind::Reactivate => (
            tr!(l, "users.bulk.reactivate_title", count = count),
            tr!(l, "users.bulk.reactivate"),
        ),
    };
    let chosen = RwSignal::new(None::<Uuid>);
    let choice = match kind {
        BulkKind::AddRole | BulkKind::RemoveRole => {
            let options = LocalResource::new({
                let slug = slug.clone();
                move || {
                    let slug = slug.clone();
                    async move {
                        list_roles(slug)
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|r| (r.id, r.name))
                            .collect::<Vec<_>>()
                    }
                }
            });
            Some(view! { <Choice label=tr!(l, "users.bulk.role") options chosen /> })
        }
        BulkKind::AddToTeam => {
            let options = LocalResource::new({
                let slug = slug.clone();
                move || {
                    let slug = slug.clone();
                    async move {
                        list_teams(slug)
                            .await
                            .unwrap_or_default()
                            .into_iter()
                            .map(|t| (t.id, t.name))
                            .collect::<Vec<_>>()
                    }
                }
            });
            Some(view! { <Choice label=tr!(l, "users.bulk.team") options chosen /> })
        }
        BulkKind::Reactivate => None,
    };
    let ready = move || kind.change(chosen.get()).is_some();
    let send = move |_| {
        if let Some(change) = kind.change(chosen.get_untracked()) {
            action.dispatch(UpdateUsers {
                slug: slug.clone(),
                ids: ids.clone(),
                change,
            });
        }
    };
    view! {
        <Modal title on_close=close>
            <ul class="name-list">{names}</ul>
            {choice}
            {(kind == BulkKind::Reactivate).then(|| view! { <p>{tr!(l, "users.bulk.reactivate_body")}</p> })}
            <p class="muted">{tr!(l, "users.bulk.all_or_nothing")}</p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button type="button" class="button button-primary"
                    disabled=move || action.pending().get() || !ready()
                    on:click=send>
                    {confirm}
                </button>
            </div>
        </Modal>
    }
}

/// A labelled choice of a role or a team, loaded when the dialog opens.
#[component]
fn Choice(
    label: String,
    options: LocalResource<Vec<(Uuid, String)>>,
    chosen: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let l = use_locale();
    view! {
        <div class="field">
            <label for="bulk-choice">{label}</label>
            <select id="bulk-choice" on:change=move |ev| chosen.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                <option value="">{tr!(l, "users.bulk.choose")}</option>
                {move || options.get().unwrap_or_default().into_iter().map(|(id, name)| view! {
                    <option value=id.to_string()>{name}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
