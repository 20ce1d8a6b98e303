//! `/o/{slug}/roles`: every role with what it allows and how many hold it.

use crate::ui::components::display::{Column, DataTable};
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::roles::role_overview,
    i18n::use_locale,
    model::{CurrentUser, Permission},
    tr,
    ui::pages::errors::ForbiddenPage,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RolesPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::RolesManage) {
        return view! { <ForbiddenPage reason=tr!(l, "roles.forbidden") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let roles = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| role_overview(slug.clone())
    });
    view! {
        <Title text=tr!(l, "roles.list.title") />
        <header class="page-header page-header-row">
            <div>
                <h1>{tr!(l, "roles.list.title")}</h1>
                <p class="muted">{tr!(l, "roles.list.intro")}</p>
            </div>
            <div class="header-actions">
                <a class="button button-primary" href=format!("/o/{slug}/roles/new")>{tr!(l, "roles.list.new")}</a>
            </div>
        </header>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "roles.list.loading")}</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match roles.await {
                        Ok(roles) => {
                            let rows = roles
                                .into_iter()
                                .map(|r| {
                                    let allows = if r.permissions.is_empty() {
                                        tr!(l, "roles.list.nothing")
                                    } else if r.permissions.len() == Permission::ALL.len() {
                                        tr!(l, "roles.list.everything")
                                    } else {
                                        r.permissions.iter().map(|p| p.description_in(l)).collect::<Vec<_>>().join(" · ")
                                    };
                                    view! {
                                        <tr>
                                            <td>
                                                <a href=format!("/o/{slug}/roles/{}", r.id)><strong>{r.name}</strong></a>
                                                {r.built_in.then(|| view! { " " <span class="badge badge-type">{tr!(l, "roles.built_in")}</span> })}
                                                <span class="cell-sub">{r.description}</span>
                                            </td>
                                            <td class="role-allows">{allows}</td>
                                            <td>{r.holders}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <DataTable caption=tr!(l, "roles.list.title") columns=vec![Column::Shown(tr!(l, "roles.list.role")), Column::Shown(tr!(l, "roles.list.allows")), Column::Shown(tr!(l, "roles.list.people"))]>{rows}</DataTable>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}
