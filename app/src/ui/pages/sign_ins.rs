//! `/o/{slug}/sign-ins`: every attempt to sign in to the organisation, newest first, for holders
//! of sign_ins.view spotting an attack: failed only, an address typed, an IP address, dates, all
//! in the URL.

use super::errors::ForbiddenPage;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::pages::with_params;
use crate::{
    api::sign_ins::list_sign_ins,
    i18n::use_locale,
    model::{
        activity::PagedQuery,
        sign_ins::{SignInList, SignInQuery, SignInRow},
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

/// The address of the Sign-ins view showing `query`.
pub fn href(slug: &str, query: &SignInQuery) -> String {
    with_params(format!("/o/{slug}/sign-ins"), query.to_params())
}

/// The Sign-ins view.
#[component]
pub fn SignInsPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::SignInsView) {
        return view! {
            <ForbiddenPage reason=tr!(l, "section.forbidden", section = tr!(l, "nav.sign_ins")) />
        }
        .into_any();
    }
    let slug = user.organisation.slug.clone();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        SignInQuery::from_params(|key| params.get(key))
    });
    let list = Resource::new(move || query.get(), {
        let slug = slug.clone();
        move |query| list_sign_ins(slug.clone(), query)
    });
    let navigate = use_navigate();
    let show = {
        let slug = slug.clone();
        move |query: SignInQuery| {
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
        <Title text=tr!(l, "nav.sign_ins") />
        <header class="page-header">
            <h1>{tr!(l, "nav.sign_ins")}</h1>
            <p class="muted">{tr!(l, "sign_ins.intro", organisation = user.organisation.name.clone())}</p>
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
    query: Memo<SignInQuery>,
    show: impl Fn(SignInQuery) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let l = use_locale();
    let change = {
        let show = show.clone();
        move |set: fn(&mut SignInQuery, String)| {
            let show = show.clone();
            move |ev: leptos::ev::Event| {
                let mut next = query.get_untracked().first_page();
                set(&mut next, event_target_value(&ev));
                show(next)
            }
        }
    };
    let on_failed = {
        move |ev: leptos::ev::Event| {
            show(SignInQuery {
                failed_only: event_target_checked(&ev),
                ..query.get_untracked().first_page()
            })
        }
    };
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <form class="filter-bar" method="get" role="search" aria-label=tr!(l, "sign_ins.filter.label")
            on:submit=|ev: leptos::ev::SubmitEvent| ev.prevent_default()>
            <div class="field field-search">
                <label for="sign-in-email">{tr!(l, "sign_ins.filter.email")}</label>
                <input id="sign-in-email" name="email" type="search" autocomplete="off"
                    prop:value=move || query.read().email.clone()
                    on:change=change(|q, v| q.email = v.trim().to_string()) />
            </div>
            <div class="field">
                <label for="sign-in-ip">{tr!(l, "sign_ins.filter.ip")}</label>
                <input id="sign-in-ip" name="ip" type="search" autocomplete="off"
                    prop:value=move || query.read().ip.clone()
                    on:change=change(|q, v| q.ip = v.trim().to_string()) />
            </div>
            <div class="field">
                <label for="sign-in-from">{tr!(l, "activity.filter.from")}</label>
                <input id="sign-in-from" name="from" type="date" prop:value=move || day(query.read().from)
                    on:change=change(|q, v| q.from = v.parse().ok()) />
            </div>
            <div class="field">
                <label for="sign-in-to">{tr!(l, "activity.filter.to")}</label>
                <input id="sign-in-to" name="to" type="date" prop:value=move || day(query.read().to)
                    on:change=change(|q, v| q.to = v.parse().ok()) />
            </div>
            <label class="check filter-check">
                <input type="checkbox" name="failed" value="1" prop:checked=move || query.read().failed_only on:change=on_failed />
                <span>{tr!(l, "sign_ins.filter.failed_only")}</span>
            </label>
            <noscript><button type="submit" class="button">{tr!(l, "users.list.filter.apply")}</button></noscript>
        </form>
    }
}

#[component]
fn Results(list: SignInList, slug: String, query: SignInQuery) -> impl IntoView {
    let l = use_locale();
    let newest = query.before.is_some().then(|| query.first_page());
    let older = list.older.map(|before| SignInQuery {
        before: Some(before),
        ..query.clone()
    });
    let body = if list.rows.is_empty() {
        view! {
            <section class="card empty-state">
                {if query.is_filtered() {
                    view! {
                        <p>{tr!(l, "sign_ins.empty.filtered")}</p>
                        <a class="button" href=format!("/o/{slug}/sign-ins")>{tr!(l, "users.list.empty.clear")}</a>
                    }.into_any()
                } else {
                    view! { <p>{tr!(l, "sign_ins.empty.none")}</p> }.into_any()
                }}
            </section>
        }
        .into_any()
    } else {
        view! { <SignInTable rows=list.rows slug=slug.clone() narrowing=query.first_page() /> }
            .into_any()
    };
    view! {
        {body}
        {(newest.is_some() || older.is_some()).then(|| view! {
            <nav class="pager" aria-label=tr!(l, "sign_ins.pages")>
                {newest.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "activity.newest")}</a> })}
                {older.map(|q| view! { <a class="button" href=href(&slug, &q)>{tr!(l, "activity.older")}</a> })}
            </nav>
        })}
    }
}

/// Sign-in attempts as a table: when, the address typed (and whose account), the result, how,
/// from where. An address narrows the view `narrowing` to it.
#[component]
pub fn SignInTable(
    rows: Vec<SignInRow>,
    slug: String,
    #[prop(optional)] narrowing: SignInQuery,
    /// Whether to show the address typed: not on the person's own page.
    #[prop(default = true)]
    with_email: bool,
) -> impl IntoView {
    let l = use_locale();
    let lines = rows
        .into_iter()
        .map(|row| {
            let by_email = SignInQuery {
                email: row.email.clone(),
                ..narrowing.clone()
            };
            let email = with_email.then(|| {
                let person = row.person.clone().map(|(id, name)| {
                    view! { <a class="person-email" href=format!("/o/{slug}/users/{id}")>{name}</a> }
                });
                view! {
                    <td>
                        <a href=href(&slug, &by_email)>{row.email.clone()}</a>
                        <div>{person}</div>
                    </td>
                }
            });
            let result = match row.failure {
                None => view! { <span class="badge badge-active">{tr!(l, "sign_ins.succeeded")}</span> }.into_any(),
                Some(failure) => view! {
                    <span class="badge badge-suspended">{tr!(l, "sign_ins.failed")}</span>
                    <div class="person-email">{failure.label_in(l)}</div>
                }
                .into_any(),
            };
            let ip = row.ip.clone().map(|ip| {
                let by_ip = SignInQuery {
                    ip: ip.clone(),
                    ..narrowing.clone()
                };
                view! { <a href=href(&slug, &by_ip)>{ip}</a> }
            });
            let method = match (row.method.as_str(), row.connection) {
                ("password", _) => tr!(l, "sign_ins.method.password"),
                ("sso", Some(connection)) => {
                    tr!(l, "sign_ins.method.sso_named", connection = connection)
                }
                ("sso", None) => tr!(l, "sign_ins.method.sso"),
                (other, _) => other.to_string(),
            };
            view! {
                <tr>
                    <td class="nowrap"><When at=row.at /></td>
                    {email}
                    <td>{result}</td>
                    <td>{method}</td>
                    <td>{ip}</td>
                    <td>{row.device}</td>
                </tr>
            }
        })
        .collect_view();
    let mut columns = vec![Column::Shown(tr!(l, "activity.column.when"))];
    if with_email {
        columns.push(Column::Shown(tr!(l, "sign_ins.column.email")));
    }
    columns.extend([
        Column::Shown(tr!(l, "sign_ins.column.result")),
        Column::Shown(tr!(l, "sign_ins.column.method")),
        Column::Shown(tr!(l, "sign_ins.column.ip")),
        Column::Shown(tr!(l, "sign_ins.column.device")),
    ]);
    view! {
        <DataTable caption=tr!(l, "nav.sign_ins") columns>{lines}</DataTable>
    }
}
