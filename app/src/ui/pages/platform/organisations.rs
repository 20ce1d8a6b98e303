//! Platform → Organisations: every organisation of the instance, searchable by name or address,
//! with its admin-tenant and demo badges and how many people it has.

use crate::ui::components::display::When;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::organisations::list_organisations,
    i18n::use_locale,
    model::{organisations::ORGANISATION_LIST_LIMIT, CurrentUser},
    tr,
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
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.is_super_admin() || user.is_switched() {
        return view! { <ForbiddenPage reason=tr!(l, "platform.organisations.forbidden") /> }
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
        <Title text=tr!(l, "platform.organisations.title") />
        <header class="page-header page-header-row">
            <div>
                <h1>{tr!(l, "platform.organisations.title")}</h1>
                <p class="muted">{tr!(l, "platform.organisations.intro")}</p>
            </div>
            <div class="header-actions">
                <a class="button button-primary" href=format!("/o/{slug}/platform/organisations/new")>{tr!(l, "platform.organisations.new")}</a>
            </div>
        </header>
        <form class="filter-bar" method="get" role="search" aria-label=tr!(l, "platform.organisations.search_label")
            on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="field field-search">
                <label for="organisation-search">{tr!(l, "platform.organisations.search")}</label>
                <input id="organisation-search" name="q" type="search" autocomplete="off"
                    placeholder=tr!(l, "platform.organisations.placeholder") prop:value=move || search.get() on:input=on_search />
            </div>
        </form>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "platform.organisations.loading")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.rows.is_empty() => view! {
                        <section class="card empty-state"><p>{tr!(l, "platform.organisations.no_match")}</p></section>
                    }.into_any(),
                    Ok(list) => {
                        let shown = list.rows.len();
                        let base = format!("/o/{}/platform/organisations", expect_context::<CurrentUser>().organisation.slug);
                        let seats = match list.seats {
                            Some(seats) => tr!(l, "platform.organisations.seats", used = list.seats_used, seats = seats),
                            None => tr!(l, "platform.organisations.seats_unlimited", used = list.seats_used),
                        };
                        let rows = list.rows.into_iter().map(|o| view! {
                            <tr>
                                <td>
                                    <a href=format!("{base}/{}", o.slug)><strong>{o.name}</strong></a>
                                    {o.is_admin_tenant.then(|| view! { " " <span class="badge badge-type">{tr!(l, "platform.kind.admin_tenant")}</span> })}
                                    {o.is_demo.then(|| view! { " " <span class="badge badge-invited">{tr!(l, "platform.kind.demo")}</span> })}
                                </td>
                                <td><code>{format!("/o/{}", o.slug)}</code></td>
                                <td>{o.active_users}</td>
                                <td>{o.users}</td>
                                <td><When at=o.created.clone() /></td>
                            </tr>
                        }).collect_view();
                        view! {
                            <DataTable caption=tr!(l, "platform.organisations.title") columns=vec![Column::Shown(tr!(l, "platform.organisation.name")), Column::Shown(tr!(l, "platform.organisation.address")), Column::Shown(tr!(l, "platform.organisations.active_users")), Column::Shown(tr!(l, "platform.organisations.all_users")), Column::Shown(tr!(l, "platform.organisations.created"))]>{rows}</DataTable>
                            <p class="muted">
                                {if list.matching > shown as u64 {
                                    tr!(l, "platform.organisations.first", limit = ORGANISATION_LIST_LIMIT, matching = list.matching)
                                } else if shown == 1 {
                                    tr!(l, "platform.organisations.count_one")
                                } else {
                                    tr!(l, "platform.organisations.count_many", count = shown)
                                }}
                                " · " {seats}
                            </p>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
