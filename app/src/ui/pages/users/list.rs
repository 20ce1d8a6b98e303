//! The Users page: stat cards, filters kept in the URL, and one page of the table.

use super::actions::{ActionDialogs, Pending, Person};
use super::bulk::BulkKind;
use crate::ui::components::display::When;
use crate::ui::components::form::ErrorAlert;
use crate::ui::pages::with_params;
use crate::{
    api::{roles::list_roles, users::list_users},
    i18n::use_locale,
    model::{
        users::{StatusFilter, UserList, UserQuery, UserSort, ACCESS_ENDING_DAYS},
        CurrentUser, Permission, UserStatus, UserType,
    },
    tr,
    ui::{
        components::display::{Avatar, StatCard, StatusBadge, TypeBadge},
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

/// The address of the Users page showing `query`.
fn href(slug: &str, query: &UserQuery) -> String {
    with_params(format!("/o/{slug}/users"), query.to_params())
}

/// The address of the CSV file of the people `query` finds.
fn export_href(slug: &str, query: &UserQuery) -> String {
    with_params(format!("/o/{slug}/users/export.csv"), query.to_params())
}

/// The Users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersView) {
        return view! { <ForbiddenPage reason=tr!(l, "users.forbidden.view") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        UserQuery::from_params(|key| params.get(key))
    });
    let list = Resource::new(move || query.get(), {
        let slug = slug.clone();
        move |query| list_users(slug.clone(), query)
    });
    let navigate = use_navigate();
    let show = {
        let slug = slug.clone();
        move |query: UserQuery| {
            navigate(
                &href(&slug, &query),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            )
        }
    };

    let dialogs = RwSignal::new(None::<Pending>);
    let can_invite = user.can(Permission::UsersInvite);
    // People ticked for a bulk action; a new view of the list starts with nobody ticked.
    let selected = RwSignal::new(Vec::<Person>::new());
    Effect::new(move |_| {
        query.track();
        selected.set(Vec::new());
    });
    let selection = [
        Permission::UsersSuspend,
        Permission::UsersEdit,
        Permission::TeamsManage,
    ]
    .into_iter()
    .any(|p| user.can(p))
    .then_some(selected);
    view! {
        <Title text=tr!(l, "users.list.title") />
        <header class="page-header page-header-row">
            <div>
                <h1>{tr!(l, "users.list.title")}</h1>
                <p class="muted">{tr!(l, "users.list.intro", organisation = user.organisation.name.clone())}</p>
            </div>
            <div class="header-actions">
                {user.can(Permission::DataExport).then(|| {
                    let slug = slug.clone();
                    view! {
                        <a class="button" download
                            href=move || export_href(&slug, &UserQuery { page: 1, ..query.get() })>
                            {tr!(l, "users.list.export")}
                        </a>
                    }
                })}
                <a class="button" href=format!("/o/{slug}/users/invitations")>{tr!(l, "users.common.pending_invitations")}</a>
                {can_invite.then(|| view! {
                    <a class="button" href=format!("/o/{slug}/users/import")>{tr!(l, "users.list.import")}</a>
                    <a class="button button-primary" href=format!("/o/{slug}/users/new")>{tr!(l, "users.common.invite")}</a>
                })}
            </div>
        </header>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "users.list.loading")}</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <Stats list=list.clone() /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
        <Filters query show=show.clone() refresh=move || list.refetch() />
        <BulkBar selected dialogs />
        <Transition fallback=|| ()>
            {
                let slug = slug.clone();
                move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(list) => view! { <UserTable list slug query=query.get_untracked() dialogs selection /> }.into_any(),
                            Err(_) => ().into_any(),
                        }
                    })
                }
            }
        </Transition>
        <ActionDialogs slug=user.organisation.slug.clone() open=dialogs on_done=Callback::new(move |_| {
            selected.set(Vec::new());
            list.refetch();
        }) />
    }
    .into_any()
}

/// What can be done to the people ticked in the table, each for those who may.
#[component]
fn BulkBar(selected: RwSignal<Vec<Person>>, dialogs: RwSignal<Option<Pending>>) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    let change = move |kind: BulkKind| {
        move |_| dialogs.set(Some(Pending::Change(selected.get_untracked(), kind)))
    };
    let can_edit = me.can(Permission::UsersEdit);
    let can_suspend = me.can(Permission::UsersSuspend);
    let can_team =
        me.can(Permission::TeamsManage) && me.features.contains(&crate::model::Feature::Helpdesk);
    move || {
        let count = selected.read().len();
        (count > 0).then(|| {
            view! {
                <div class="bulk-bar" role="region" aria-label=tr!(l, "users.list.bulk.label")>
                    <strong>{if count == 1 {
                        tr!(l, "users.list.bulk.selected_one", count = count)
                    } else {
                        tr!(l, "users.list.bulk.selected_many", count = count)
                    }}</strong>
                    {can_edit.then(|| view! {
                        <button type="button" class="button button-small" on:click=change(BulkKind::AddRole)>
                            {tr!(l, "users.list.bulk.add_role")}
                        </button>
                        <button type="button" class="button button-small" on:click=change(BulkKind::RemoveRole)>
                            {tr!(l, "users.list.bulk.remove_role")}
                        </button>
                    })}
                    {can_team.then(|| view! {
                        <button type="button" class="button button-small" on:click=change(BulkKind::AddToTeam)>
                            {tr!(l, "users.list.bulk.add_to_team")}
                        </button>
                    })}
                    {can_suspend.then(|| view! {
                        <button type="button" class="button button-small" on:click=change(BulkKind::Reactivate)>
                            {tr!(l, "users.list.bulk.reactivate")}
                        </button>
                        <button type="button" class="button button-small button-danger-outline"
                            on:click=move |_| dialogs.set(Some(Pending::SuspendMany(selected.get_untracked())))>
                            {tr!(l, "users.list.bulk.suspend")}
                        </button>
                    })}
                    <button type="button" class="button button-small" on:click=move |_| selected.set(Vec::new())>
                        {tr!(l, "users.list.bulk.clear")}
                    </button>
                </div>
            }
        })
    }
}

#[component]
fn Stats(list: UserList) -> impl IntoView {
    let l = use_locale();
    let stats = list.stats;
    view! {
        <section class="stat-cards" aria-label=tr!(l, "users.list.stats.label")>
            <StatCard label=tr!(l, "users.list.stats.total") value=Signal::stored(stats.total.to_string()) />
            <StatCard label=tr!(l, "users.list.stats.active") value=Signal::stored(stats.active.to_string()) />
            <StatCard label=tr!(l, "users.list.stats.invited") value=Signal::stored(stats.invited.to_string()) />
            <StatCard label=tr!(l, "users.list.stats.suspended") value=Signal::stored(stats.suspended.to_string()) />
        </section>
    }
}

#[component]
fn Filters(
    query: Memo<UserQuery>,
    show: impl Fn(UserQuery) + Clone + Send + Sync + 'static,
    refresh: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let l = use_locale();
    let pending_search = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    let on_search = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            if let Some(handle) = pending_search.get_value() {
                handle.clear();
            }
            let show = show.clone();
            let handle = set_timeout_with_handle(
                move || {
                    show(UserQuery {
                        search: text,
                        page: 1,
                        ..query.get_untracked()
                    })
                },
                std::time::Duration::from_millis(300),
            )
            .ok();
            pending_search.set_value(handle);
        }
    };
    let on_status = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            let status = StatusFilter::CHOICES
                .into_iter()
                .find(|s| s.code() == value)
                .unwrap_or_default();
            show(UserQuery {
                status,
                page: 1,
                ..query.get_untracked()
            })
        }
    };
    let on_type = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            let user_type = UserType::from_code(&event_target_value(&ev));
            show(UserQuery {
                user_type,
                page: 1,
                ..query.get_untracked()
            })
        }
    };
    let on_role = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            let role = uuid::Uuid::parse_str(&event_target_value(&ev)).ok();
            show(UserQuery {
                role,
                page: 1,
                ..query.get_untracked()
            })
        }
    };
    let on_access = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            show(UserQuery {
                access_ending: event_target_checked(&ev),
                page: 1,
                ..query.get_untracked()
            })
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| ev.prevent_default();
    view! {
        <form class="filter-bar" method="get" role="search" aria-label=tr!(l, "users.list.filter.label") on:submit=on_submit>
            <div class="field field-search">
                <label for="user-search">{tr!(l, "users.list.filter.search")}</label>
                <input
                    id="user-search"
                    name="q"
                    type="search"
                    placeholder=tr!(l, "users.list.filter.search_placeholder")
                    autocomplete="off"
                    prop:value=move || query.read().search.clone()
                    on:input=on_search
                />
            </div>
            <div class="field">
                <label for="user-status">{tr!(l, "users.list.filter.status")}</label>
                <select id="user-status" name="status" on:change=on_status>
                    {StatusFilter::CHOICES.into_iter().map(|choice| view! {
                        <option value=choice.code() selected=move || query.read().status == choice>{choice.label_in(l)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="user-type">{tr!(l, "users.common.user_type")}</label>
                <select id="user-type" name="type" on:change=on_type>
                    <option value="" selected=move || query.read().user_type.is_none()>{tr!(l, "users.list.filter.all_types")}</option>
                    {UserType::ALL.iter().map(|t| {
                        let t = *t;
                        view! { <option value=t.code() selected=move || query.read().user_type == Some(t)>{t.label_in(l)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <RoleFilter query on_role />
            <label class="check filter-check">
                <input type="checkbox" name="access" value="ending" prop:checked=move || query.read().access_ending
                    on:change=on_access />
                <span>{tr!(l, "users.list.filter.access_ending", days = ACCESS_ENDING_DAYS)}</span>
            </label>
            <noscript><button type="submit" class="button">{tr!(l, "users.list.filter.apply")}</button></noscript>
            <button type="button" class="button" on:click=move |_| refresh()>{tr!(l, "users.common.refresh")}</button>
        </form>
    }
}

#[component]
fn RoleFilter(
    query: Memo<UserQuery>,
    on_role: impl Fn(leptos::ev::Event) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let roles = Resource::new(|| (), move |_| list_roles(slug.clone()));
    view! {
        <div class="field">
            <label for="user-role">{tr!(l, "users.list.filter.role")}</label>
            <select id="user-role" name="role" on:change=on_role>
                <option value="" selected=move || query.read().role.is_none()>{tr!(l, "users.list.filter.all_roles")}</option>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        roles.await.unwrap_or_default().into_iter().map(|role| {
                            let id = role.id;
                            view! {
                                <option value=id.to_string() selected=move || query.read().role == Some(id)>
                                    {role.name}
                                </option>
                            }
                        }).collect_view()
                    })}
                </Suspense>
            </select>
        </div>
    }
}

#[component]
fn UserTable(
    list: UserList,
    slug: String,
    query: UserQuery,
    dialogs: RwSignal<Option<Pending>>,
    /// The ticked people, when the admin may act on several at once.
    selection: Option<RwSignal<Vec<Person>>>,
) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    if list.rows.is_empty() {
        let filtered = query != UserQuery::default();
        return view! {
            <section class="card empty-state">
                {if filtered {
                    view! {
                        <p>{tr!(l, "users.list.empty.filtered")}</p>
                        <a class="button" href=format!("/o/{slug}/users")>{tr!(l, "users.list.empty.clear")}</a>
                    }.into_any()
                } else {
                    view! { <p>{tr!(l, "users.list.empty.none")}</p> }.into_any()
                }}
            </section>
        }
        .into_any();
    }
    let first = (list.page - 1) * crate::model::users::PAGE_SIZE + 1;
    let last = first + list.rows.len() as u64 - 1;
    let sort_header = |sort: UserSort, lead: Option<AnyView>| {
        let active = query.sort == sort;
        let next = UserQuery {
            sort,
            descending: active && !query.descending,
            page: 1,
            ..query.clone()
        };
        let aria_sort = match (active, query.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        };
        let arrow = match (active, query.descending) {
            (false, _) => "",
            (true, false) => " ↑",
            (true, true) => " ↓",
        };
        view! {
            <th scope="col" aria-sort=aria_sort>
                {lead}
                <a href=href(&slug, &next) class="sort-link">{sort.label_in(l)}{arrow}</a>
            </th>
        }
    };
    let rows = list
        .rows
        .iter()
        .map(|row| {
            let roles = row
                .roles
                .iter()
                .map(|r| view! { <span class="tag">{r.name.clone()}</span> })
                .collect_view();
            let last_sign_in = match row.last_sign_in.clone() {
                Some(at) => view! {
                    <When at=at.clone() />
                }
                .into_any(),
                None => view! { <span class="muted-inline">{tr!(l, "users.common.never")}</span> }.into_any(),
            };
            let person = Person {
                id: row.id,
                name: row.full_name(),
                email: row.email.clone(),
            };
            let is_self = row.id == me.id;
            let reset = (me.can(Permission::UsersResetPassword)
                && row.status == UserStatus::Active
                && !is_self)
                .then(|| {
                    let person = person.clone();
                    view! {
                        <button type="button" class="button button-small"
                            on:click=move |_| dialogs.set(Some(Pending::Reset(person.clone())))>
                            {tr!(l, "users.action.reset_password")}
                        </button>
                    }
                });
            let access = (me.can(Permission::UsersSuspend) && !is_self).then(|| {
                let person = person.clone();
                if row.status == UserStatus::Suspended {
                    view! {
                        <button type="button" class="button button-small"
                            on:click=move |_| dialogs.set(Some(Pending::Reactivate(person.clone())))>
                            {tr!(l, "users.action.reactivate")}
                        </button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="button button-small button-danger-outline"
                            on:click=move |_| dialogs.set(Some(Pending::Suspend(person.clone())))>
                            {tr!(l, "users.action.suspend")}
                        </button>
                    }
                    .into_any()
                }
            });
            let page = format!("/o/{slug}/users/{}", row.id);
            let tick = selection.map(|selected| {
                let ticked = {
                    let id = person.id;
                    move || selected.read().iter().any(|p| p.id == id)
                };
                let box_ = (!is_self).then(|| {
                    let person = person.clone();
                    let label = tr!(l, "users.list.select", name = person.name);
                    view! {
                        <input type="checkbox" aria-label=label prop:checked=ticked
                            on:change=move |_| selected.update(|all| {
                                match all.iter().position(|p| p.id == person.id) {
                                    Some(i) => { all.remove(i); }
                                    None => all.push(person.clone()),
                                }
                            }) />
                    }
                });
                view! { <span class="select-box">{box_}</span> }
            });
            view! {
                <tr>
                    <td>
                        <div class="person">
                            {tick}
                            <Avatar initials=row.initials() url=row.avatar_url.clone() />
                            <div>
                                <a class="person-name" href=page.clone()>{row.full_name()}</a>
                                <div class="person-email">{row.email.clone()}</div>
                            </div>
                        </div>
                    </td>
                    <td><TypeBadge user_type=row.user_type /></td>
                    <td><div class="tags">{roles}</div></td>
                    <td>
                        <StatusBadge status=row.status />
                        {row.access_until.clone().map(|day| view! {
                            <span class="cell-sub">{tr!(l, "users.list.access_until", day = day)}</span>
                        })}
                    </td>
                    <td>{last_sign_in}</td>
                    <td>
                        <div class="row-actions">
                            <a class="button button-small" href=page
                                aria-label=tr!(l, "users.list.edit_label", name = person.name.clone())>{tr!(l, "users.list.edit")}</a>
                            {(reset.is_some() || access.is_some()).then(|| view! {
                                <RowMenu name=person.name.clone()>{reset}{access}</RowMenu>
                            })}
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    // Everyone on this page who can be ticked.
    let tickable: Vec<Person> = list
        .rows
        .iter()
        .filter(|r| r.id != me.id)
        .map(|r| Person {
            id: r.id,
            name: r.full_name(),
            email: r.email.clone(),
        })
        .collect();
    let select_all = selection.map(|selected| {
        let all_ticked = {
            let tickable = tickable.clone();
            move || {
                !tickable.is_empty()
                    && tickable
                        .iter()
                        .all(|p| selected.read().iter().any(|s| s.id == p.id))
            }
        };
        let toggle = {
            let all_ticked = all_ticked.clone();
            move |_| {
                let untick = all_ticked();
                selected.update(|all| {
                    all.retain(|s| !tickable.iter().any(|p| p.id == s.id));
                    if !untick {
                        all.extend(tickable.iter().cloned());
                    }
                })
            }
        };
        view! {
            <span class="select-box">
                <input type="checkbox" aria-label=tr!(l, "users.list.select_page")
                    prop:checked=all_ticked on:change=toggle />
            </span>
        }
        .into_any()
    });
    let previous = (list.page > 1).then(|| UserQuery {
        page: list.page - 1,
        ..query.clone()
    });
    let next = (list.page < list.pages()).then(|| UserQuery {
        page: list.page + 1,
        ..query.clone()
    });
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <caption class="visually-hidden">{tr!(l, "users.list.title")}</caption>
                <thead>
                    <tr>
                        {sort_header(UserSort::Name, select_all)}
                        <th scope="col">{tr!(l, "users.column.type")}</th>
                        <th scope="col">{tr!(l, "users.column.roles")}</th>
                        <th scope="col">{tr!(l, "users.column.status")}</th>
                        {sort_header(UserSort::LastSignIn, None)}
                        <th scope="col"><span class="visually-hidden">{tr!(l, "users.column.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label=tr!(l, "users.list.pages")>
            <span class="muted-inline">
                {if list.more_than_counted() {
                    tr!(l, "users.list.showing_capped", first = first, last = last, cap = crate::model::users::COUNT_CAP)
                } else {
                    tr!(l, "users.list.showing", first = first, last = last, total = list.matching)
                }}
            </span>
            {previous.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "users.list.previous")}</a> })}
            {next.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "users.list.next")}</a> })}
        </nav>
    }
    .into_any()
}

/// A row's further actions behind one "More" button, so the table fits its page; it closes as
/// soon as one is chosen.
#[component]
fn RowMenu(name: String, children: Children) -> impl IntoView {
    let l = use_locale();
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move |_| {
        if let Some(menu) = menu.get_untracked() {
            let _ = menu.remove_attribute("open");
        }
    };
    view! {
        <details class="row-menu" node_ref=menu>
            <summary class="button button-small" aria-label=tr!(l, "users.list.more_label", name = name)>
                {tr!(l, "users.list.more")}
            </summary>
            <div class="row-menu-items" on:click=close>{children()}</div>
        </details>
    }
}
