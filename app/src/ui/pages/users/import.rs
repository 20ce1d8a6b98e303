//! Inviting many people from a CSV file: choose the file, read the review (every problem by line,
//! a preview of who is ready), then send every invitation at once, or fix the file first.

use crate::{
    api::accounts::ImportUsers,
    i18n::{use_locale, Locale},
    model::{
        account::INVITATION_DAYS,
        import::{ImportRequest, ImportReview, IMPORT_COLUMNS},
        CurrentUser, Permission,
    },
    tr,
    ui::{
        components::form::{action_error, field_error, read_chosen_file, FormAlert},
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/o/{slug}/users/import`.
#[component]
pub fn ImportUsersPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersInvite) {
        return view! { <ForbiddenPage reason=tr!(l, "users.forbidden.invite") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    // The chosen file's name and text.
    let file = RwSignal::new(None::<(String, String)>);
    let action = ServerAction::<ImportUsers>::new();
    let error = action_error(action);
    let too_big = RwSignal::new(false);
    let server_csv_error = field_error(error, "csv");
    let csv_error = Signal::derive(move || {
        if too_big.get() {
            Some(tr!(l, "users.import.too_big"))
        } else {
            server_csv_error.get()
        }
    });
    let run = {
        let slug = slug.clone();
        move |send: bool| {
            if let Some((_, csv)) = file.get_untracked() {
                action.dispatch(ImportUsers {
                    slug: slug.clone(),
                    request: ImportRequest { csv, send },
                });
            }
        }
    };
    let on_file = {
        let run = run.clone();
        move |ev: leptos::ev::Event| {
            let run = run.clone();
            let read = read_chosen_file(
                &ev,
                crate::model::import::IMPORT_MAX_BYTES,
                move |name, text| {
                    file.set(Some((name, text)));
                    run(false);
                },
            );
            too_big.set(!read);
        }
    };
    let outcome = {
        let slug = slug.clone();
        let run = run.clone();
        move || {
            if too_big.get() {
                return None;
            }
            let review = action.value().get()?.ok()?;
            let name = file.get().map(|(name, _)| name).unwrap_or_default();
            Some(if review.invited > 0 {
                view! { <Sent review slug=slug.clone() /> }.into_any()
            } else {
                let run = run.clone();
                view! {
                    <Review review name pending=action.pending() send=Callback::new(move |_| run(true)) />
                }
                .into_any()
            })
        }
    };
    let columns = IMPORT_COLUMNS
        .iter()
        .map(|(name, what)| view! { <tr><th scope="row"><code>{*name}</code></th><td>{column_in(name, what, l)}</td></tr> })
        .collect_view();
    view! {
        <Title text=tr!(l, "users.import.title") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>{tr!(l, "users.common.back")}</a></p>
        <header class="page-header">
            <h1>{tr!(l, "users.import.heading")}</h1>
            <p class="muted">
                {tr!(l, "users.import.intro", organisation = user.organisation.name.clone())}
            </p>
        </header>
        <section class="card stack">
            <h2>{tr!(l, "users.import.prepare")}</h2>
            <p>
                {tr!(l, "users.import.prepare_before")}
                <a href="/users-import-template.csv" download="tenantry-users.csv">{tr!(l, "users.import.template")}</a>
                {tr!(l, "users.import.prepare_after")}
            </p>
            <table class="data-table compact">
                <caption class="visually-hidden">{tr!(l, "users.import.columns")}</caption>
                <thead><tr><th scope="col">{tr!(l, "users.import.column_name")}</th><th scope="col">{tr!(l, "users.import.what")}</th></tr></thead>
                <tbody>{columns}</tbody>
            </table>
        </section>
        <section class="card stack">
            <h2>{tr!(l, "users.import.choose")}</h2>
            <div class="field" class:field-invalid=move || csv_error.get().is_some()>
                <label for="import-file">{tr!(l, "users.import.file")}</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file
                    aria-describedby="import-file-error" />
                <p class="field-error" id="import-file-error" hidden=move || csv_error.get().is_none()>
                    {move || csv_error.get()}
                </p>
            </div>
            <p class="muted" hidden=move || !action.pending().get()>{tr!(l, "users.import.reading")}</p>
            <FormAlert error />
        </section>
        {outcome}
    }
    .into_any()
}

/// What the file holds: the problems to fix, or who is ready, and the button that invites them.
#[component]
fn Review(
    review: ImportReview,
    name: String,
    pending: Memo<bool>,
    send: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    // Only the browser's click handler uses it.
    let _ = send;
    let ready = review.ready;
    let problems = review.problems.len();
    let summary = if review.rows == 1 {
        tr!(
            l,
            "users.import.summary_one",
            name = name,
            rows = review.rows,
            ready = ready,
            problems = problems
        )
    } else {
        tr!(
            l,
            "users.import.summary_many",
            name = name,
            rows = review.rows,
            ready = ready,
            problems = problems
        )
    };
    let problem_rows = review
        .problems
        .into_iter()
        .map(|p| {
            view! {
                <tr>
                    <td>{p.line}</td>
                    <td>{p.email}</td>
                    <td><ul class="problem-list">{p.problems.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul></td>
                </tr>
            }
        })
        .collect_view();
    let preview_rows = review
        .preview
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td>{r.line}</td>
                    <td>{r.name}</td>
                    <td>{r.email}</td>
                    <td>{r.user_type.label_in(l)}</td>
                    <td><div class="tags">{r.roles.into_iter().map(|n| view! { <span class="tag">{n}</span> }).collect_view()}</div></td>
                </tr>
            }
        })
        .collect_view();
    let shown = ready.min(crate::model::import::IMPORT_PREVIEW_ROWS);
    view! {
        <section class="card stack" aria-labelledby="review-title">
            <h2 id="review-title">{tr!(l, "users.import.review")}</h2>
            <p role="status"><strong>{summary}</strong></p>
            {(problems > 0).then(|| view! {
                <div class="alert alert-error" role="alert">
                    {tr!(l, "users.import.blocked")}
                </div>
                <div class="table-wrap">
                    <table class="data-table">
                        <caption>{tr!(l, "users.import.to_fix")}</caption>
                        <thead><tr>
                            <th scope="col">{tr!(l, "users.import.line")}</th><th scope="col">{tr!(l, "users.column.email")}</th>
                            <th scope="col">{tr!(l, "users.import.what_to_fix")}</th>
                        </tr></thead>
                        <tbody>{problem_rows}</tbody>
                    </table>
                </div>
            })}
            {(ready > 0).then(|| view! {
                <div class="table-wrap">
                    <table class="data-table">
                        <caption>{if shown < ready {
                            tr!(l, "users.import.first_ready", shown = shown, ready = ready)
                        } else {
                            tr!(l, "users.import.ready")
                        }}</caption>
                        <thead><tr>
                            <th scope="col">{tr!(l, "users.import.line")}</th><th scope="col">{tr!(l, "users.column.name")}</th>
                            <th scope="col">{tr!(l, "users.column.email")}</th>
                            <th scope="col">{tr!(l, "users.column.type")}</th><th scope="col">{tr!(l, "users.column.roles")}</th>
                        </tr></thead>
                        <tbody>{preview_rows}</tbody>
                    </table>
                </div>
            })}
            <div class="form-actions">
                <button type="button" class="button button-primary"
                    disabled=move || { problems > 0 || ready == 0 || pending.get() }
                    on:click=move |_| send.run(())>
                    {move || if pending.get() {
                        tr!(l, "users.import.sending")
                    } else if ready == 1 {
                        tr!(l, "users.import.send_one", count = ready)
                    } else {
                        tr!(l, "users.import.send_many", count = ready)
                    }}
                </button>
            </div>
        </section>
    }
}

/// The invitations went out.
#[component]
fn Sent(review: ImportReview, slug: String) -> impl IntoView {
    let l = use_locale();
    let sent = if review.invited == 1 {
        tr!(
            l,
            "users.import.sent_one",
            count = review.invited,
            days = INVITATION_DAYS
        )
    } else {
        tr!(
            l,
            "users.import.sent_many",
            count = review.invited,
            days = INVITATION_DAYS
        )
    };
    view! {
        <section class="card stack">
            <div class="alert alert-success" role="status">{sent}</div>
            <div class="form-actions">
                <a class="button button-primary" href=format!("/o/{slug}/users/invitations")>{tr!(l, "users.import.see_pending")}</a>
                <a class="button" href=format!("/o/{slug}/users")>{tr!(l, "users.import.back")}</a>
            </div>
        </section>
    }
}

/// What goes in a column of the file, in `l`; `what` for a column this page has no words for.
fn column_in(name: &str, what: &str, l: Locale) -> String {
    match name {
        "email" => tr!(l, "users.import.column.email"),
        "first_name" => tr!(l, "users.import.column.first_name"),
        "last_name" => tr!(l, "users.import.column.last_name"),
        "roles" => tr!(l, "users.import.column.roles"),
        "user_type" => tr!(l, "users.import.column.user_type"),
        "phone" => tr!(l, "users.import.column.phone"),
        "external_id" => tr!(l, "users.import.column.external_id"),
        "timezone" => tr!(l, "users.import.column.timezone"),
        "access_until" => tr!(l, "users.import.column.access_until"),
        "teams" => tr!(l, "users.import.column.teams"),
        _ => what.to_string(),
    }
}
