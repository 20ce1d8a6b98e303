//! `/o/{slug}/activity`: the organisation's audit trail, newest first, for holders of
//! audit.view. The filters (person acting, person acted on, kind of action, dates) live in the
//! URL; a page ends where the next, older one starts.

use super::errors::ForbiddenPage;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::pages::with_params;
use crate::{
    api::activity::list_activity,
    i18n::{use_locale, Locale},
    model::{
        activity::{
            ActivityEntry, ActivityList, ActivityPerson, ActivityQuery, ActivitySubject,
            AuditAction, FieldChange, PagedQuery, SubjectKind,
        },
        CurrentUser, Permission,
    },
    tr,
    ui::components::{display::When, form::ErrorAlert},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    NavigateOptions,
};

/// The address of the Activity view showing `query`.
pub fn href(slug: &str, query: &ActivityQuery) -> String {
    with_params(format!("/o/{slug}/activity"), query.to_params())
}

/// The Activity view.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::AuditView) {
        return view! {
            <ForbiddenPage reason=tr!(l, "section.forbidden", section = tr!(l, "nav.activity")) />
        }
        .into_any();
    }
    let slug = user.organisation.slug.clone();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        ActivityQuery::from_params(|key| params.get(key))
    });
    let list = Resource::new(move || query.get(), {
        let slug = slug.clone();
        move |query| list_activity(slug.clone(), query)
    });
    let navigate = use_navigate();
    let show = {
        let slug = slug.clone();
        move |query: ActivityQuery| {
            navigate(
                &href(&slug, &query),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            )
        }
    };
    view! {
        <Title text=tr!(l, "nav.activity") />
        <header class="page-header page-header-row">
            <div>
                <h1>{tr!(l, "nav.activity")}</h1>
                <p class="muted">{tr!(l, "activity.intro", organisation = user.organisation.name.clone())}</p>
            </div>
            {user.can(Permission::DataExport).then(|| {
                let slug = slug.clone();
                view! {
                    <div class="header-actions">
                        <a class="button" download
                            href=move || with_params(format!("/o/{slug}/activity/export.csv"), query.get().first_page().to_params())>
                            {tr!(l, "activity.export")}
                        </a>
                    </div>
                }
            })}
        </header>
        <Filters query show />
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "common.loading")}</p> }>
            {
                let slug = slug.clone();
                move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        match list.await {
                            Ok(list) => view! { <Results list slug query=query.get_untracked() /> }.into_any(),
                            Err(error) => view! { <ErrorAlert error /> }.into_any(),
                        }
                    })
                }
            }
        </Transition>
    }
    .into_any()
}

#[component]
fn Filters(
    query: Memo<ActivityQuery>,
    show: impl Fn(ActivityQuery) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let l = use_locale();
    let on_action = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            show(ActivityQuery {
                action: AuditAction::from_code(&event_target_value(&ev)),
                ..query.get_untracked().first_page()
            })
        }
    };
    let on_from = {
        let show = show.clone();
        move |ev: leptos::ev::Event| {
            show(ActivityQuery {
                from: event_target_value(&ev).parse().ok(),
                ..query.get_untracked().first_page()
            })
        }
    };
    let on_to = move |ev: leptos::ev::Event| {
        show(ActivityQuery {
            to: event_target_value(&ev).parse().ok(),
            ..query.get_untracked().first_page()
        })
    };
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <form class="filter-bar" method="get" role="search" aria-label=tr!(l, "activity.filter.label")
            on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="field">
                <label for="activity-action">{tr!(l, "activity.filter.action")}</label>
                <select id="activity-action" name="action" on:change=on_action>
                    <option value="" selected=move || query.read().action.is_none()>{tr!(l, "activity.filter.all_actions")}</option>
                    {AuditAction::ALL.iter().map(|a| {
                        let a = *a;
                        view! { <option value=a.code() selected=move || query.read().action == Some(a)>{a.label_in(l)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="activity-from">{tr!(l, "activity.filter.from")}</label>
                <input id="activity-from" name="from" type="date" prop:value=move || day(query.read().from) on:change=on_from />
            </div>
            <div class="field">
                <label for="activity-to">{tr!(l, "activity.filter.to")}</label>
                <input id="activity-to" name="to" type="date" prop:value=move || day(query.read().to) on:change=on_to />
            </div>
            <noscript><button type="submit" class="button">{tr!(l, "users.list.filter.apply")}</button></noscript>
        </form>
    }
}

/// Who the view is narrowed to, each with a way to widen it again; the entries; the pages.
#[component]
fn Results(list: ActivityList, slug: String, query: ActivityQuery) -> impl IntoView {
    let l = use_locale();
    let chip = |label: String, without: ActivityQuery| {
        view! {
            <span class="chip">
                {label.clone()}
                <a href=href(&slug, &without) class="chip-remove" aria-label=tr!(l, "activity.filter.remove", filter = label)>"×"</a>
            </span>
        }
    };
    let name = |person: &Option<ActivityPerson>| {
        person
            .as_ref()
            .map_or_else(|| tr!(l, "activity.someone"), |p| p.name.clone())
    };
    let mut chips = Vec::new();
    if query.actor.is_some() {
        let label = tr!(l, "activity.filter.by", name = name(&list.actor));
        chips.push(chip(
            label,
            ActivityQuery {
                actor: None,
                ..query.first_page()
            },
        ));
    }
    if query.subject.is_some() {
        let label = tr!(l, "activity.filter.to_person", name = name(&list.subject));
        chips.push(chip(
            label,
            ActivityQuery {
                subject: None,
                ..query.first_page()
            },
        ));
    }
    if query.person.is_some() {
        let label = tr!(l, "activity.filter.involving", name = name(&list.person));
        chips.push(chip(
            label,
            ActivityQuery {
                person: None,
                ..query.first_page()
            },
        ));
    }
    let filtered = query.is_filtered();
    let newest = query.before.is_some().then(|| query.first_page());
    let older = list.older.map(|before| ActivityQuery {
        before: Some(before),
        ..query.clone()
    });
    let empty = list.entries.is_empty();
    view! {
        {(!chips.is_empty()).then(|| view! {
            <div class="chips" aria-label=tr!(l, "activity.filter.people")>{chips}</div>
        })}
        {if empty {
            view! {
                <section class="card empty-state">
                    {if filtered {
                        view! {
                            <p>{tr!(l, "activity.empty.filtered")}</p>
                            <a class="button" href=format!("/o/{slug}/activity")>{tr!(l, "users.list.empty.clear")}</a>
                        }.into_any()
                    } else {
                        view! { <p>{tr!(l, "activity.empty.none")}</p> }.into_any()
                    }}
                </section>
            }.into_any()
        } else {
            view! { <ActivityTable entries=list.entries slug=slug.clone() narrowing=query.first_page() /> }.into_any()
        }}
        {(newest.is_some() || older.is_some()).then(|| view! {
            <nav class="pager" aria-label=tr!(l, "activity.pages")>
                {newest.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "activity.newest")}</a> })}
                {older.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "activity.older")}</a> })}
            </nav>
        })}
    }
}

/// Entries of the trail as a table: when, who, what, to whom, and what changed. A person's name
/// narrows the view `narrowing` to them.
#[component]
pub fn ActivityTable(
    entries: Vec<ActivityEntry>,
    slug: String,
    #[prop(optional)] narrowing: ActivityQuery,
) -> impl IntoView {
    let l = use_locale();
    let rows = entries
        .into_iter()
        .map(|entry| {
            let by = match entry.actor {
                Some(actor) => {
                    let filter = ActivityQuery {
                        actor: Some(actor.id),
                        ..narrowing.clone()
                    };
                    view! { <PersonCell person=actor href=href(&slug, &filter) /> }.into_any()
                }
                None => view! { <span class="muted-inline">{tr!(l, "activity.system")}</span> }
                    .into_any(),
            };
            let to = entry.subject.map(|subject| match subject {
                ActivitySubject::Person(person) => {
                    let filter = ActivityQuery {
                        subject: Some(person.id),
                        ..narrowing.clone()
                    };
                    view! { <PersonCell person href=href(&slug, &filter) /> }.into_any()
                }
                ActivitySubject::Thing { kind, id, name } => {
                    let link = id.and_then(|id| match kind {
                        SubjectKind::Role => Some(format!("/o/{slug}/roles/{id}")),
                        SubjectKind::Team => Some(format!("/o/{slug}/teams/{id}")),
                        _ => None,
                    });
                    let name = match link {
                        Some(link) => view! { <a href=link>{name}</a> }.into_any(),
                        None => view! { <span>{name}</span> }.into_any(),
                    };
                    view! {
                        <div>
                            {name}
                            <div class="person-email">{kind.label_in(l)}</div>
                        </div>
                    }
                    .into_any()
                }
            });
            view! {
                <tr>
                    <td class="nowrap"><When at=entry.at /></td>
                    <td>{by}</td>
                    <td>{entry.action.label_in(l)}</td>
                    <td>{to}</td>
                    <td><Changes changes=entry.changes locale=l /></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable caption=tr!(l, "nav.activity") class="activity-table" columns=vec![Column::Shown(tr!(l, "activity.column.when")), Column::Shown(tr!(l, "activity.column.who")), Column::Shown(tr!(l, "activity.column.what")), Column::Shown(tr!(l, "activity.column.subject")), Column::Shown(tr!(l, "activity.column.changes"))]>{rows}</DataTable>
    }
}

/// A person an entry names, linked to the view of what concerns them.
#[component]
fn PersonCell(person: ActivityPerson, href: String) -> impl IntoView {
    let l = use_locale();
    let home = person
        .home
        .map(|home| view! { <span class="badge badge-type">{tr!(l, "activity.from", organisation = home)}</span> });
    view! {
        <div>
            <a href=href title=tr!(l, "activity.only_person", name = person.name.clone())>{person.name.clone()}</a>
            {home}
            <div class="person-email">{person.email}</div>
        </div>
    }
}

/// What an entry changed, a line per field: "Status: active → suspended".
#[component]
fn Changes(changes: Vec<FieldChange>, locale: Locale) -> impl IntoView {
    let none = || tr!(locale, "activity.no_value");
    (!changes.is_empty()).then(|| {
        let lines = changes
            .into_iter()
            .map(|change| {
                let value = match (change.before, change.after) {
                    (before, after) if before == after => after.unwrap_or_else(none),
                    (None, Some(after)) => after,
                    (before, after) => format!(
                        "{} → {}",
                        before.unwrap_or_else(none),
                        after.unwrap_or_else(none)
                    ),
                };
                view! { <li><span class="change-field">{field_label(&change.field)}</span>" "{value}</li> }
            })
            .collect_view();
        view! { <ul class="changes">{lines}</ul> }
    })
}

/// A recorded field's name as words: `first_name` reads "First name:".
fn field_label(field: &str) -> String {
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}:", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}
