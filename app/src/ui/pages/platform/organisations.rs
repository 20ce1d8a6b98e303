//! Platform → Organisations: every organisation of the instance, searchable by name or address,
//! with its admin-tenant and demo badges and how many people it has.

use crate::ui::components::display::When;
use crate::{
    api::organisations::list_organisations,
    model::{organisations::ORGANISATION_LIST_LIMIT, CurrentUser},
    ui::pages::errors::ForbiddenPage,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

/// `/o/{slug}/platform/organisations`.
#[component]
pub fn OrganisationsPage() -> impl IntoView {
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason="Managing the platform's organisations is for super-admins, from their own organisation." /> }
            .into_any();
    }
    let slug = user.organisation.slug.clone();
    let params = use_query_map();
    let search = Memo::new(move |_| params.read().get("q").unwrap_or_default());
    let list = Resource::new(move || search.get(), {
        let slug = slug.clone();
        move |search| list_organisations(slug.clone(), search)
    });
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    let on_search = {
        let slug = slug.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let (navigate, slug) = (navigate.clone(), slug.clone());
            let handle = set_timeout_with_handle(
                move || {
                    let mut query = ParamsMap::new();
                    if !text.trim().is_empty() {
                        query.insert("q", text);
                    }
                    let query = query.to_query_string();
                    navigate(
                        &format!("/o/{slug}/platform/organisations{query}"),
                        NavigateOptions {
                            replace: true,
                            scroll: false,
                            ..Default::default()
                        },
                    )
                },
                std::time::Duration::from_millis(300),
            )
            .ok();
            pending.set_value(handle);
        }
    };
    view! {
        <Title text="Organisations" />
        <header class="page-header page-header-row">
            <div>
                <h1>"Organisations"</h1>
                <p class="muted">"Every organisation of this Tenantry instance."</p>
            </div>
            <div class="header-actions">
                <a class="button button-primary" href=format!("/o/{slug}/platform/organisations/new")>"+ New organisation"</a>
            </div>
        </header>
        <form class="filter-bar" method="get" role="search" aria-label="Search organisations"
            on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="field field-search">
                <label for="organisation-search">"Search"</label>
                <input id="organisation-search" name="q" type="search" autocomplete="off"
                    placeholder="Name or address" prop:value=move || search.get() on:input=on_search />
            </div>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading organisations…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.rows.is_empty() => view! {
                        <section class="card empty-state"><p>"No organisation matches this search."</p></section>
                    }.into_any(),
                    Ok(list) => {
                        let shown = list.rows.len();
                        let base = format!("/o/{}/platform/organisations", expect_context::<CurrentUser>().organisation.slug);
                        let seats = match list.seats {
                            Some(seats) => format!("{} of the licence's {seats} seats in use across the instance.", list.seats_used),
                            None => format!("{} people invited or active across the instance; no licence limits the seats.", list.seats_used),
                        };
                        let rows = list.rows.into_iter().map(|o| view! {
                            <tr>
                                <td>
                                    <a href=format!("{base}/{}", o.slug)><strong>{o.name}</strong></a>
                                    {o.is_admin_tenant.then(|| view! { " " <span class="badge badge-type">"Admin tenant"</span> })}
                                    {o.is_demo.then(|| view! { " " <span class="badge badge-invited">"Demo"</span> })}
                                </td>
                                <td><code>{format!("/o/{}", o.slug)}</code></td>
                                <td>{o.active_users}</td>
                                <td>{o.users}</td>
                                <td><When at=o.created.clone() /></td>
                            </tr>
                        }).collect_view();
                        view! {
                            <div class="table-wrap">
                                <table class="data-table">
                                    <caption class="visually-hidden">"Organisations"</caption>
                                    <thead><tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Address"</th>
                                        <th scope="col">"Active users"</th>
                                        <th scope="col">"All users"</th>
                                        <th scope="col">"Created"</th>
                                    </tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            <p class="muted">
                                {if list.matching > shown as u64 {
                                    format!("Showing the first {ORGANISATION_LIST_LIMIT} of {}; search to narrow the list.", list.matching)
                                } else if shown == 1 {
                                    "1 organisation".to_string()
                                } else {
                                    format!("{shown} organisations")
                                }}
                                " · " {seats}
                            </p>
                        }.into_any()
                    }
                    Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
