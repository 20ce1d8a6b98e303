//! `/o/{slug}/teams`: every team with its size and managers; those who manage teams create one.

use super::without_helpdesk;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::teams::{list_teams, CreateTeam},
    i18n::use_locale,
    model::{teams::TeamForm, CurrentUser, Permission},
    tr,
    ui::components::form::{
        action_error, field_error, navigate_on_success, Field, FormAlert, FormValues,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamsPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if let Some(refusal) = without_helpdesk(&user) {
        return refusal;
    }
    let slug = user.organisation.slug.clone();
    let teams = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| list_teams(slug.clone())
    });
    let create = ServerAction::<CreateTeam>::new();
    let error = action_error(create);
    navigate_on_success(create, {
        let slug = slug.clone();
        move |id| format!("/o/{slug}/teams/{id}")
    });
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            create.dispatch(CreateTeam {
                slug: slug.clone(),
                team: TeamForm {
                    name: values.text("name"),
                    description: values.text("description"),
                },
            });
        }
    };
    let new_team = user.can(Permission::TeamsManage).then(|| {
        view! {
            <form class="card stack narrow-form" on:submit=on_submit novalidate aria-labelledby="new-team">
                <h2 id="new-team">{tr!(l, "teams.new.title")}</h2>
                <FormAlert error />
                <Field label=tr!(l, "teams.fields.name") name="name" autocomplete="off" error=field_error(error, "name") required=true />
                <Field label=tr!(l, "teams.fields.description_optional") name="description" autocomplete="off"
                    error=field_error(error, "description") />
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || create.pending().get()>{tr!(l, "teams.new.create")}</button>
                </div>
            </form>
        }
    });
    view! {
        <Title text=tr!(l, "teams.list.title") />
        <header class="page-header">
            <h1>{tr!(l, "teams.list.title")}</h1>
            <p class="muted">{tr!(l, "teams.list.intro")}</p>
        </header>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "teams.list.loading")}</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match teams.await {
                        Ok(list) if list.is_empty() => view! {
                            <section class="card empty-state"><p>{tr!(l, "teams.list.empty")}</p></section>
                        }.into_any(),
                        Ok(list) => {
                            let rows = list.into_iter().map(|t| view! {
                                <tr>
                                    <td>
                                        <a href=format!("/o/{slug}/teams/{}", t.id)><strong>{t.name}</strong></a>
                                        <span class="cell-sub">{t.description}</span>
                                    </td>
                                    <td>{t.members}</td>
                                    <td>{if t.managers.is_empty() { "—".to_string() } else { t.managers.join(", ") }}</td>
                                </tr>
                            }).collect_view();
                            view! {
                                <DataTable caption=tr!(l, "teams.list.title") columns=vec![Column::Shown(tr!(l, "teams.list.team")), Column::Shown(tr!(l, "teams.list.members")), Column::Shown(tr!(l, "teams.list.managers"))]>{rows}</DataTable>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })
            }}
        </Transition>
        {new_team}
    }
    .into_any()
}
