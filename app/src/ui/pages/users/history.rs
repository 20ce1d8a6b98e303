//! A person's history on their page: what they did and had done to them (for those who read the
//! activity log), their sign-ins and where they are signed in now (for those who see sign-in
//! history), with "Sign out everywhere" for those who may suspend them.

use super::actions::Person;
use crate::{
    api::{
        activity::list_activity,
        sign_ins::{sign_ins_of_person, SignOutEverywhere},
    },
    i18n::use_locale,
    model::{
        activity::{ActivityList, ActivityQuery},
        sign_ins::{PersonSignIns, SignInQuery},
        AppError, CurrentUser, Permission,
    },
    tr,
    ui::{
        components::form::{action_error, ErrorAlert, FormAlert},
        pages::{activity::ActivityTable, sign_ins::SignInTable},
    },
};
use leptos::prelude::*;
use uuid::Uuid;

/// How many entries of the activity log the person's page shows.
const ACTIVITY_SHOWN: usize = 10;

/// What the person's history loads, made with the page (never inside its Transition); each part
/// only for those who may see it.
#[derive(Clone, Copy)]
pub struct History {
    activity: Option<Resource<Result<ActivityList, AppError>>>,
    sign_ins: Option<Resource<Result<PersonSignIns, AppError>>>,
    sign_out: ServerAction<SignOutEverywhere>,
}

impl History {
    pub fn new(me: &CurrentUser, slug: String, id: Memo<Option<Uuid>>) -> Self {
        let sign_out = ServerAction::<SignOutEverywhere>::new();
        let activity = me.can(Permission::AuditView).then(|| {
            let slug = slug.clone();
            Resource::new(
                move || id.get(),
                move |person| {
                    let query = ActivityQuery {
                        person,
                        ..Default::default()
                    };
                    list_activity(slug.clone(), query)
                },
            )
        });
        let sign_ins = me.can(Permission::SignInsView).then(|| {
            Resource::new(
                move || (id.get(), sign_out.version().get()),
                move |(person, _)| {
                    let slug = slug.clone();
                    async move {
                        match person {
                            Some(person) => sign_ins_of_person(slug, person).await,
                            None => Err(AppError::NotFound("That person".into())),
                        }
                    }
                },
            )
        });
        Self {
            activity,
            sign_ins,
            sign_out,
        }
    }
}

/// The person's activity and sign-ins, each where the viewer may see it.
#[component]
pub fn PersonHistory(
    slug: String,
    person: Person,
    data: History,
    /// Whether the viewer may end the person's sessions.
    may_sign_out: bool,
) -> impl IntoView {
    view! {
        <div class="person-history">
            {data.sign_ins.map(|list| view! {
                <PersonSignInsSection slug=slug.clone() person=person.clone() list sign_out=data.sign_out may_sign_out />
            })}
            {data.activity.map(|list| view! {
                <PersonActivity slug=slug.clone() person=person.clone() list />
            })}
        </div>
    }
}

/// The latest of what the person did and had done to them, with the way to all of it.
#[component]
fn PersonActivity(
    slug: String,
    person: Person,
    list: Resource<Result<ActivityList, AppError>>,
) -> impl IntoView {
    let l = use_locale();
    let all = crate::ui::pages::activity::href(
        &slug,
        &ActivityQuery {
            person: Some(person.id),
            ..Default::default()
        },
    );
    view! {
        <section class="card stack" aria-labelledby="person-activity">
            <div class="section-heading">
                <h2 id="person-activity">{tr!(l, "activity.person.title")}</h2>
                <a href=all>{tr!(l, "activity.person.all", name = person.name.clone())}</a>
            </div>
            <Transition fallback=move || view! { <p class="loading">{tr!(l, "common.loading")}</p> }>
                {
                    let (slug, name) = (slug.clone(), person.name.clone());
                    move || {
                        let (slug, name) = (slug.clone(), name.clone());
                        Suspend::new(async move {
                            match list.await {
                                Ok(list) if list.entries.is_empty() => view! {
                                    <p class="muted">{tr!(l, "activity.person.none", name = name)}</p>
                                }.into_any(),
                                Ok(mut list) => {
                                    list.entries.truncate(ACTIVITY_SHOWN);
                                    view! { <ActivityTable entries=list.entries slug /> }.into_any()
                                }
                                Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            }
                        })
                    }
                }
            </Transition>
        </section>
    }
}

/// The person's sign-ins over the last 30 days, the latest of them, and their open sessions.
#[component]
fn PersonSignInsSection(
    slug: String,
    person: Person,
    list: Resource<Result<PersonSignIns, AppError>>,
    sign_out: ServerAction<SignOutEverywhere>,
    may_sign_out: bool,
) -> impl IntoView {
    let l = use_locale();
    let all = crate::ui::pages::sign_ins::href(
        &slug,
        &SignInQuery {
            email: person.email.clone(),
            ..Default::default()
        },
    );
    let error = action_error(sign_out);
    let done = move || match sign_out.value().get() {
        Some(Ok(count)) => Some(tr!(l, "sign_ins.person.signed_out", count = count)),
        _ => None,
    };
    let end_all = {
        let slug = slug.clone();
        move |_| {
            sign_out.dispatch(SignOutEverywhere {
                slug: slug.clone(),
                id: person.id,
            });
        }
    };
    view! {
        <section class="card stack" aria-labelledby="person-sign-ins">
            <div class="section-heading">
                <h2 id="person-sign-ins">{tr!(l, "sign_ins.person.title")}</h2>
                <a href=all>{tr!(l, "sign_ins.person.all", email = person.email.clone())}</a>
            </div>
            <FormAlert error />
            <p class="alert alert-success" role="status" hidden=move || done().is_none()>{done}</p>
            <Transition fallback=move || view! { <p class="loading">{tr!(l, "common.loading")}</p> }>
                {
                    let slug = slug.clone();
                    let end_all = end_all.clone();
                    move || {
                        let (slug, end_all) = (slug.clone(), end_all.clone());
                        Suspend::new(async move {
                            match list.await {
                                Ok(history) => {
                                    let sessions = history.sessions.iter().map(|s| view! {
                                        <li>{tr!(l, "sign_ins.person.session",
                                            device = s.device.clone(),
                                            started = s.started.relative(l),
                                            seen = s.last_seen.relative(l))}
                                            {s.ip.clone().map(|ip| format!(" · {ip}"))}
                                        </li>
                                    }).collect_view();
                                    let open = !history.sessions.is_empty();
                                    view! {
                                        <p>{tr!(l, "sign_ins.person.counts",
                                            signed = history.last_30_days,
                                            failed = history.failed_30_days)}</p>
                                        <h3>{tr!(l, "sign_ins.person.sessions")}</h3>
                                        {if open {
                                            view! { <ul class="plain-list">{sessions}</ul> }.into_any()
                                        } else {
                                            view! { <p class="muted">{tr!(l, "sign_ins.person.no_sessions")}</p> }.into_any()
                                        }}
                                        {(open && may_sign_out).then(|| view! {
                                            <div class="form-actions">
                                                <button type="button" class="button button-danger-outline"
                                                    disabled=move || sign_out.pending().get() on:click=end_all>
                                                    {tr!(l, "sign_ins.person.sign_out")}
                                                </button>
                                            </div>
                                        })}
                                        {if history.recent.is_empty() {
                                            view! { <p class="muted">{tr!(l, "sign_ins.person.none")}</p> }.into_any()
                                        } else {
                                            view! { <SignInTable rows=history.recent slug with_email=false /> }.into_any()
                                        }}
                                    }
                                    .into_any()
                                }
                                Err(error) => view! { <ErrorAlert error /> }.into_any(),
                            }
                        })
                    }
                }
            </Transition>
        </section>
    }
}
