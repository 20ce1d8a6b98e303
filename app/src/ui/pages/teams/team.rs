//! `/o/{slug}/teams/{id}`: a team's members (added, made manager, removed), its signature with
//! the placeholders it may use, and for those who manage teams its name and deletion.

use super::without_helpdesk;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::teams::{
        get_team, team_candidates, DeleteTeam, RemoveTeamMember, SetTeamMember, SetTeamSignature,
        UpdateTeam,
    },
    i18n::use_locale,
    model::{
        account::NAME_SEARCH_MIN_CHARS,
        teams::{TeamDetail, TeamForm, TeamRole, SIGNATURE_PLACEHOLDERS},
        AppError, CurrentUser, Permission,
    },
    tr,
    ui::components::{
        dialog::Modal,
        display::{raw_text, StatusBadge},
        form::{action_error, field_error, navigate_on_success, Field, FormAlert, FormValues},
        in_browser,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

#[component]
pub fn TeamPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if let Some(refusal) = without_helpdesk(&user) {
        return refusal;
    }
    let slug = user.organisation.slug.clone();
    let id = crate::ui::pages::route_id();
    let set_member = ServerAction::<SetTeamMember>::new();
    let remove = ServerAction::<RemoveTeamMember>::new();
    let sign = ServerAction::<SetTeamSignature>::new();
    let rename = ServerAction::<UpdateTeam>::new();
    let detail = Resource::new(
        move || {
            (
                id.get(),
                set_member.version().get(),
                remove.version().get(),
                sign.version().get(),
                rename.version().get(),
            )
        },
        {
            let slug = slug.clone();
            move |(id, ..): (Option<Uuid>, usize, usize, usize, usize)| {
                let slug = slug.clone();
                async move {
                    match id {
                        Some(id) => get_team(slug, id).await,
                        None => Err(AppError::NotFound("That team".into())),
                    }
                }
            }
        },
    );
    let actions = Actions {
        set_member,
        remove,
        sign,
        rename,
        search: RwSignal::new(String::new()),
        role: RwSignal::new(TeamRole::Member),
    };
    view! {
        <p class="breadcrumb"><a href=format!("/o/{slug}/teams")>{tr!(l, "teams.back")}</a></p>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "teams.team.loading")}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(team) => view! { <Team team actions /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

/// The changes a team page makes (each reloads the team when it succeeds), and the "Add
/// someone" search, kept across those reloads.
#[derive(Clone, Copy)]
struct Actions {
    set_member: ServerAction<SetTeamMember>,
    remove: ServerAction<RemoveTeamMember>,
    sign: ServerAction<SetTeamSignature>,
    rename: ServerAction<UpdateTeam>,
    search: RwSignal<String>,
    role: RwSignal<TeamRole>,
}

#[component]
fn Team(team: TeamDetail, actions: Actions) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let slug = user.organisation.slug.clone();
    let deleting = RwSignal::new(false);
    let member_error = Signal::derive(move || {
        action_error(actions.set_member)
            .get()
            .or_else(|| action_error(actions.remove).get())
    });
    let rows = team
        .members
        .iter()
        .map(|m| {
            let (slug, team_id, user_id) = (slug.clone(), team.id, m.user_id);
            let can_remove = team.can_manage_members
                && (m.role == TeamRole::Member || team.can_manage_teams);
            let other_role = match m.role {
                TeamRole::Member => TeamRole::Manager,
                TeamRole::Manager => TeamRole::Member,
            };
            let slug_for_role = slug.clone();
            view! {
                <tr>
                    <td>
                        <strong>{m.name.clone()}</strong>
                        <span class="cell-sub">{m.email.clone()}</span>
                    </td>
                    <td>{m.role.label_in(l)}</td>
                    <td><StatusBadge status=m.status /></td>
                    <td><div class="row-actions">
                        {team.can_manage_teams.then(|| view! {
                            <button type="button" class="button button-small" on:click=move |_| {
                                actions.set_member.dispatch(SetTeamMember { slug: slug_for_role.clone(), id: team_id, user_id, role: other_role });
                            }>{match other_role {
                                TeamRole::Manager => tr!(l, "teams.team.make_manager"),
                                TeamRole::Member => tr!(l, "teams.team.make_member"),
                            }}</button>
                        })}
                        {can_remove.then(|| view! {
                            <button type="button" class="button button-small" on:click=move |_| {
                                actions.remove.dispatch(RemoveTeamMember { slug: slug.clone(), id: team_id, user_id });
                            }>{tr!(l, "teams.team.remove")}</button>
                        })}
                    </div></td>
                </tr>
            }
        })
        .collect_view();
    let members = if team.members.is_empty() {
        view! { <p class="muted">{tr!(l, "teams.team.no_members")}</p> }.into_any()
    } else {
        view! {
            <DataTable caption=tr!(l, "teams.team.members") columns=vec![Column::Shown(tr!(l, "teams.team.person")), Column::Shown(tr!(l, "teams.team.in_team")), Column::Shown(tr!(l, "teams.team.status")), Column::Hidden(tr!(l, "teams.team.actions"))]>{rows}</DataTable>
        }
        .into_any()
    };
    view! {
        <Title text=team.name.clone() />
        <header class="page-header page-header-row">
            <div>
                <h1>{team.name.clone()}</h1>
                <p class="muted">{team.description.clone()}</p>
            </div>
            <div class="header-actions">
                {team.can_manage_teams.then(|| view! {
                    <button type="button" class="button button-danger" on:click=move |_| deleting.set(true)>{tr!(l, "teams.delete.action")}</button>
                })}
            </div>
        </header>
        <div class="detail-layout">
            <div class="stack">
                <section class="card stack" aria-labelledby="members-heading">
                    <h2 id="members-heading">{tr!(l, "teams.team.members")}</h2>
                    <FormAlert error=member_error />
                    <p class="field-error" role="alert" hidden=move || field_error(member_error, "member").get().is_none()>
                        {move || field_error(member_error, "member").get()}
                    </p>
                    {members}
                    {team.can_manage_members.then(|| view! { <AddMember team_id=team.id managers=team.can_manage_teams actions /> })}
                </section>
                <Signature team=team.clone() action=actions.sign />
            </div>
            {team.can_manage_teams.then(|| view! { <Rename team=team.clone() action=actions.rename /> })}
        </div>
        {
            let (name, id) = (team.name.clone(), team.id);
            move || deleting.get().then(|| view! {
                <DeleteTeamDialog name=name.clone() id close=Callback::new(move |_| deleting.set(false)) />
            })
        }
    }
}

/// Search the organisation's active people who are not in the team, and add one.
#[component]
fn AddMember(team_id: Uuid, managers: bool, actions: Actions) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    let slug = me.organisation.slug.clone();
    // Those who may not see the people list look people up by a few letters of their name.
    let by_name_only = !me.can(Permission::UsersView);
    let (action, search, role) = (actions.set_member, actions.search, actions.role);
    let too_short = move || {
        by_name_only
            && search
                .read()
                .split_whitespace()
                .collect::<String>()
                .chars()
                .count()
                < NAME_SEARCH_MIN_CHARS
    };
    let found = LocalResource::new({
        let slug = slug.clone();
        move || {
            // Reload after each addition, so the one just added leaves the list.
            action.version().track();
            let (slug, search, skip) = (slug.clone(), search.get(), too_short());
            async move {
                if skip {
                    Ok(Vec::new())
                } else {
                    team_candidates(slug, team_id, search).await
                }
            }
        }
    });
    let ready = in_browser();
    let results = move || {
        let slug = slug.clone();
        if !ready.get() {
            return None;
        }
        if too_short() {
            return Some(view! { <li class="muted">{tr!(l, "teams.add.type_name", min = NAME_SEARCH_MIN_CHARS)}</li> }.into_any());
        }
        found.get().map(|answer| match answer {
            Ok(people) if people.is_empty() => view! { <li class="muted">{tr!(l, "teams.add.no_match")}</li> }.into_any(),
            Ok(people) => people
                .into_iter()
                .map(|p| {
                    let slug = slug.clone();
                    view! {
                        <li>
                            <span>{p.name}{p.email.map(|email| view! { " " <span class="muted">{email}</span> })}</span>
                            <button type="button" class="button button-small" on:click=move |_| {
                                action.dispatch(SetTeamMember { slug: slug.clone(), id: team_id, user_id: p.id, role: role.get_untracked() });
                            }>{tr!(l, "teams.add.add")}</button>
                        </li>
                    }
                })
                .collect_view()
                .into_any(),
            Err(error) => view! { <li class="field-error">{error.message(l)}</li> }.into_any(),
        })
    };
    view! {
        <div class="add-member stack">
            <h3>{tr!(l, "teams.add.title")}</h3>
            <div class="field-row">
                <div class="field field-search">
                    <label for="member-search">{tr!(l, "teams.add.find")}</label>
                    <input id="member-search" type="search" autocomplete="off" placeholder=tr!(l, "teams.add.placeholder")
                        prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
                </div>
                {managers.then(|| view! {
                    <div class="field">
                        <label for="member-role">{tr!(l, "teams.add.as")}</label>
                        <select id="member-role" on:change=move |ev| {
                            role.set(if event_target_value(&ev) == "manager" { TeamRole::Manager } else { TeamRole::Member });
                        }>
                            <option value="member" selected=move || role.get() == TeamRole::Member>{TeamRole::Member.label_in(l)}</option>
                            <option value="manager" selected=move || role.get() == TeamRole::Manager>{TeamRole::Manager.label_in(l)}</option>
                        </select>
                    </div>
                })}
            </div>
            <ul class="candidate-list" aria-label=tr!(l, "teams.add.candidates")>{results}</ul>
        </div>
    }
}

/// The signature of the team's public replies, with the placeholders it may use.
#[component]
fn Signature(team: TeamDetail, action: ServerAction<SetTeamSignature>) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let error = action_error(action);
    let placeholders = SIGNATURE_PLACEHOLDERS
        .iter()
        .map(|(code, what)| {
            let what = match *code {
                "{agent_name}" => tr!(l, "teams.signature.agent_name"),
                "{agent_first_name}" => tr!(l, "teams.signature.agent_first_name"),
                "{team_name}" => tr!(l, "teams.signature.team_name"),
                "{organisation_name}" => tr!(l, "teams.signature.organisation_name"),
                _ => what.to_string(),
            };
            view! { <li><code>{*code}</code>" "{what}</li> }
        })
        .collect_view();
    let saved = move || {
        matches!(action.value().get(), Some(Ok(()))).then(|| {
            view! {
                <div class="alert alert-success" role="status">{tr!(l, "teams.signature.saved")}</div>
            }
        })
    };
    let body = if team.can_manage_members {
        let (id, version) = (team.id, team.version);
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            action.dispatch(SetTeamSignature {
                slug: slug.clone(),
                id,
                signature: FormValues::of(&ev).text("signature"),
                version,
            });
        };
        let signature_error = field_error(error, "signature");
        view! {
            <form class="stack" on:submit=on_submit novalidate>
                {saved}
                <FormAlert error />
                <div class="field" class:field-invalid=move || signature_error.get().is_some()>
                    <label for="field-signature">{tr!(l, "teams.signature.label")}</label>
                    <textarea id="field-signature" name="signature" rows="5" aria-describedby="signature-help field-signature-error">
                        {raw_text(team.signature.clone())}
                    </textarea>
                    <p class="field-error" id="field-signature-error" hidden=move || signature_error.get().is_none()>
                        {move || signature_error.get()}
                    </p>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>{tr!(l, "teams.signature.save")}</button>
                </div>
            </form>
        }
        .into_any()
    } else if team.signature.is_empty() {
        view! { <p class="muted">{tr!(l, "teams.signature.none")}</p> }.into_any()
    } else {
        view! { <pre class="signature">{team.signature.clone()}</pre> }.into_any()
    };
    view! {
        <section class="card stack" aria-labelledby="signature-heading">
            <h2 id="signature-heading">{tr!(l, "teams.signature.title")}</h2>
            {body}
            <div id="signature-help" class="field-hint">
                {tr!(l, "teams.signature.placeholders")}
                <ul class="placeholder-list">{placeholders}</ul>
            </div>
        </section>
    }
}

/// The team's name and description, for those who manage teams.
#[component]
fn Rename(team: TeamDetail, action: ServerAction<UpdateTeam>) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let error = action_error(action);
    let (id, version) = (team.id, team.version);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let values = FormValues::of(&ev);
        action.dispatch(UpdateTeam {
            slug: slug.clone(),
            id,
            team: TeamForm {
                name: values.text("name"),
                description: values.text("description"),
            },
            version,
        });
    };
    view! {
        <form class="card stack detail-side" on:submit=on_submit novalidate aria-labelledby="rename-heading">
            <h2 id="rename-heading">{tr!(l, "teams.rename.title")}</h2>
            <FormAlert error />
            <Field label=tr!(l, "teams.fields.name") name="name" autocomplete="off" value=team.name.clone() error=field_error(error, "name") required=true />
            <Field label=tr!(l, "teams.fields.description") name="description" autocomplete="off" value=team.description.clone() error=field_error(error, "description") />
            <div class="form-actions">
                <button type="submit" class="button" disabled=move || action.pending().get()>{tr!(l, "teams.rename.save")}</button>
            </div>
        </form>
    }
}

#[component]
fn DeleteTeamDialog(name: String, id: Uuid, close: Callback<()>) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let delete = ServerAction::<DeleteTeam>::new();
    let error = action_error(delete);
    navigate_on_success(delete, {
        let slug = slug.clone();
        move |_| format!("/o/{slug}/teams")
    });
    view! {
        <Modal title=tr!(l, "teams.delete.title", name = name) on_close=close>
            <FormAlert error />
            <p>{tr!(l, "teams.delete.body")}</p>
            <div class="form-actions">
                <button type="button" class="button button-danger" disabled=move || delete.pending().get()
                    on:click=move |_| { delete.dispatch(DeleteTeam { slug: slug.clone(), id }); }>{tr!(l, "teams.delete.action")}</button>
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "teams.cancel")}</button>
            </div>
        </Modal>
    }
}
