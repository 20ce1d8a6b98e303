//! The Teams section of a person's page: the teams they are in, and adding them to one.

use crate::{
    api::teams::{teams_of_person, RemoveTeamMember, SetTeamMember},
    i18n::use_locale,
    model::{
        teams::{PersonTeam, TeamRole},
        AppError, CurrentUser, Feature, Permission,
    },
    tr,
    ui::components::form::{action_error, ErrorAlert, FormAlert, FormValues},
};
use leptos::prelude::*;
use uuid::Uuid;

/// What the Teams section of a person's page reads and changes. Made with the page, not inside
/// the person's Transition: a resource created while a Suspense renders on the server is created
/// again with each of its dry runs, and the page then ships data the browser never reads.
#[derive(Clone, Copy)]
pub struct TeamsOfPerson {
    set: ServerAction<SetTeamMember>,
    remove: ServerAction<RemoveTeamMember>,
    teams: Resource<Result<Vec<PersonTeam>, AppError>>,
}

impl TeamsOfPerson {
    /// The teams of the person `id` names, reloaded after each change; nothing is asked of the
    /// server where the organisation has no teams.
    pub fn new(slug: String, id: Memo<Option<Uuid>>) -> Self {
        let helpdesk =
            use_context::<CurrentUser>().is_some_and(|u| u.features.contains(&Feature::Helpdesk));
        let set = ServerAction::<SetTeamMember>::new();
        let remove = ServerAction::<RemoveTeamMember>::new();
        let teams = Resource::new(
            move || (id.get(), set.version().get() + remove.version().get()),
            move |(id, _)| {
                let slug = slug.clone();
                async move {
                    match id {
                        Some(id) if helpdesk => teams_of_person(slug, id).await,
                        _ => Ok(Vec::new()),
                    }
                }
            },
        );
        Self { set, remove, teams }
    }
}

/// The person's teams, for organisations with the Helpdesk feature.
#[component]
pub fn PersonTeams(
    slug: String,
    user_id: Uuid,
    suspended: bool,
    data: TeamsOfPerson,
) -> impl IntoView {
    let l = use_locale();
    let me = use_context::<CurrentUser>();
    if !me
        .as_ref()
        .is_some_and(|u| u.features.contains(&Feature::Helpdesk))
    {
        return ().into_any();
    }
    let may_choose_managers = me.is_some_and(|u| u.can(Permission::TeamsManage));
    let TeamsOfPerson { set, remove, teams } = data;
    let error = Signal::derive(move || {
        action_error(set)
            .get()
            .or_else(|| action_error(remove).get())
    });
    let body = move || {
        let slug = slug.clone();
        Suspend::new(async move {
            let found = match teams.await {
                Ok(found) => found,
                Err(error) => return view! { <ErrorAlert error /> }.into_any(),
            };
            let (member_of, others): (Vec<_>, Vec<_>) =
                found.into_iter().partition(|t| t.role.is_some());
            let list = if member_of.is_empty() {
                view! { <p class="muted">{tr!(l, "users.teams.none")}</p> }.into_any()
            } else {
                let items = member_of
                    .into_iter()
                    .map(|t| {
                        let role = t.role.map(|r| r.label_in(l)).unwrap_or_default();
                        let may_remove = t.can_change
                            && (t.role != Some(TeamRole::Manager) || may_choose_managers);
                        let slug = slug.clone();
                        let label = tr!(l, "users.teams.remove_from", team = t.name.clone());
                        view! {
                            <li class="person-team">
                                <a href=format!("/o/{slug}/teams/{}", t.id)>{t.name.clone()}</a>
                                " · " <span class="muted">{role}</span>
                                {may_remove.then(|| view! {
                                    <button type="button" class="button button-small" aria-label=label
                                        on:click=move |_| { remove.dispatch(RemoveTeamMember { slug: slug.clone(), id: t.id, user_id }); }>
                                        {tr!(l, "users.teams.remove")}
                                    </button>
                                })}
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul class="plain-list" aria-label=tr!(l, "users.teams.title")>{items}</ul> }
                    .into_any()
            };
            let addable: Vec<_> = others.into_iter().filter(|t| t.can_change).collect();
            let add = (!addable.is_empty() && !suspended).then(|| {
                let options = addable
                    .into_iter()
                    .map(|t| view! { <option value=t.id.to_string()>{t.name}</option> })
                    .collect_view();
                let slug = slug.clone();
                let on_submit = move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    let form = FormValues::of(&ev);
                    let Ok(id) = form.text("team").parse::<Uuid>() else { return };
                    let role = if form.text("team_role") == "manager" { TeamRole::Manager } else { TeamRole::Member };
                    set.dispatch(SetTeamMember { slug: slug.clone(), id, user_id, role });
                };
                view! {
                    <form class="stack" on:submit=on_submit>
                        <div class="field-row">
                            <div class="field">
                                <label for="person-team">{tr!(l, "users.teams.add_to")}</label>
                                <select id="person-team" name="team">{options}</select>
                            </div>
                            <div class="field">
                                <label for="person-team-role">{tr!(l, "users.teams.as")}</label>
                                <select id="person-team-role" name="team_role">
                                    <option value="member">{TeamRole::Member.label_in(l)}</option>
                                    {may_choose_managers.then(|| view! { <option value="manager">{TeamRole::Manager.label_in(l)}</option> })}
                                </select>
                            </div>
                        </div>
                        <div class="form-actions">
                            <button type="submit" class="button" disabled=move || set.pending().get()>{tr!(l, "users.teams.add")}</button>
                        </div>
                    </form>
                }
            });
            view! { {list} {add} }.into_any()
        })
    };
    view! {
        <section class="card stack" aria-labelledby="person-teams-heading">
            <h2 id="person-teams-heading">{tr!(l, "users.teams.title")}</h2>
            <FormAlert error />
            <Transition fallback=move || view! { <p aria-busy="true">{tr!(l, "common.loading")}</p> }>
                {body.clone()}
            </Transition>
        </section>
    }
    .into_any()
}
