//! `/o/{slug}/roles`: every role with what it allows and how many hold it.

use crate::{
    api::roles::role_overview,
    model::{CurrentUser, Permission},
    ui::pages::errors::ForbiddenPage,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RolesPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::RolesManage) {
        return view! { <ForbiddenPage reason="Managing roles is not part of your access in this organisation." /> }
            .into_any();
    }
    let slug = user.organisation.slug.clone();
    let roles = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| role_overview(slug.clone())
    });
    view! {
        <Title text="Roles" />
        <header class="page-header page-header-row">
            <div>
                <h1>"Roles"</h1>
                <p class="muted">"What people may do comes from their user type and their roles. Changes apply at their next click."</p>
            </div>
            <div class="header-actions">
                <a class="button button-primary" href=format!("/o/{slug}/roles/new")>"+ New role"</a>
            </div>
        </header>
        <Transition fallback=|| view! { <p class="loading">"Loading roles…"</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match roles.await {
                        Ok(roles) => {
                            let rows = roles
                                .into_iter()
                                .map(|r| {
                                    let allows = if r.permissions.is_empty() {
                                        "Nothing yet".to_string()
                                    } else if r.permissions.len() == Permission::ALL.len() {
                                        "Everything".to_string()
                                    } else {
                                        r.permissions.iter().map(|p| p.description()).collect::<Vec<_>>().join(" · ")
                                    };
                                    view! {
                                        <tr>
                                            <td>
                                                <a href=format!("/o/{slug}/roles/{}", r.id)><strong>{r.name}</strong></a>
                                                {r.built_in.then(|| view! { " " <span class="badge badge-type">"Built-in"</span> })}
                                                <span class="cell-sub">{r.description}</span>
                                            </td>
                                            <td class="role-allows">{allows}</td>
                                            <td>{r.holders}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="data-table">
                                        <caption class="visually-hidden">"Roles"</caption>
                                        <thead><tr>
                                            <th scope="col">"Role"</th>
                                            <th scope="col">"Allows"</th>
                                            <th scope="col">"People"</th>
                                        </tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}
