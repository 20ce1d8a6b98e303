//! Inviting many people from a CSV file: choose the file, read the review (every problem by line,
//! a preview of who is ready), then send every invitation at once, or fix the file first.

use crate::{
    api::accounts::ImportUsers,
    model::{
        account::INVITATION_DAYS,
        import::{ImportRequest, ImportReview, IMPORT_COLUMNS},
        CurrentUser, Permission,
    },
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
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersInvite) {
        return view! { <ForbiddenPage reason="Inviting people is not part of your access." /> }
            .into_any();
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
            Some("The file is larger than 4 MB. Split it and import each part.".to_string())
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
        .map(|(name, what)| view! { <tr><th scope="row"><code>{*name}</code></th><td>{*what}</td></tr> })
        .collect_view();
    view! {
        <Title text="Import people" />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>"← Users"</a></p>
        <header class="page-header">
            <h1>"Import people from a CSV file"</h1>
            <p class="muted">
                "Invite up to 10,000 people to " {user.organisation.name.clone()}
                " at once. You see what the file holds before anyone is invited."
            </p>
        </header>
        <section class="card stack">
            <h2>"1. Prepare the file"</h2>
            <p>
                "One person per line, with a first line naming the columns. "
                <a href="/users-import-template.csv" download="tenantry-users.csv">"Download the template"</a>
                " to start from."
            </p>
            <table class="data-table compact">
                <caption class="visually-hidden">"Columns"</caption>
                <thead><tr><th scope="col">"Column"</th><th scope="col">"What goes in it"</th></tr></thead>
                <tbody>{columns}</tbody>
            </table>
        </section>
        <section class="card stack">
            <h2>"2. Choose it"</h2>
            <div class="field" class:field-invalid=move || csv_error.get().is_some()>
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file
                    aria-describedby="import-file-error" />
                <p class="field-error" id="import-file-error" hidden=move || csv_error.get().is_none()>
                    {move || csv_error.get()}
                </p>
            </div>
            <p class="muted" hidden=move || !action.pending().get()>"Reading the file…"</p>
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
    // Only the browser's click handler uses it.
    let _ = send;
    let ready = review.ready;
    let problems = review.problems.len();
    let summary = format!(
        "{name}: {} {} — {ready} ready, {problems} with problems.",
        review.rows,
        if review.rows == 1 { "person" } else { "people" }
    );
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
                    <td>{r.user_type}</td>
                    <td><div class="tags">{r.roles.into_iter().map(|n| view! { <span class="tag">{n}</span> }).collect_view()}</div></td>
                </tr>
            }
        })
        .collect_view();
    let shown = ready.min(crate::model::import::IMPORT_PREVIEW_ROWS);
    view! {
        <section class="card stack" aria-labelledby="review-title">
            <h2 id="review-title">"3. Review and send"</h2>
            <p role="status"><strong>{summary}</strong></p>
            {(problems > 0).then(|| view! {
                <div class="alert alert-error" role="alert">
                    "Nobody is invited while any line has a problem. Fix these lines in your file and choose it again."
                </div>
                <div class="table-wrap">
                    <table class="data-table">
                        <caption>"Lines to fix"</caption>
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Email"</th><th scope="col">"What to fix"</th></tr></thead>
                        <tbody>{problem_rows}</tbody>
                    </table>
                </div>
            })}
            {(ready > 0).then(|| view! {
                <div class="table-wrap">
                    <table class="data-table">
                        <caption>{if shown < ready { format!("The first {shown} of {ready} ready to invite") } else { "Ready to invite".to_string() }}</caption>
                        <thead><tr>
                            <th scope="col">"Line"</th><th scope="col">"Name"</th><th scope="col">"Email"</th>
                            <th scope="col">"Type"</th><th scope="col">"Roles"</th>
                        </tr></thead>
                        <tbody>{preview_rows}</tbody>
                    </table>
                </div>
            })}
            <div class="form-actions">
                <button type="button" class="button button-primary"
                    disabled=move || { problems > 0 || ready == 0 || pending.get() }
                    on:click=move |_| send.run(())>
                    {move || if pending.get() { "Sending…".to_string() } else { format!("Send {ready} invitations") }}
                </button>
            </div>
        </section>
    }
}

/// The invitations went out.
#[component]
fn Sent(review: ImportReview, slug: String) -> impl IntoView {
    view! {
        <section class="card stack">
            <div class="alert alert-success" role="status">
                {format!(
                    "{} invitations sent. Each link works for {INVITATION_DAYS} days.",
                    review.invited
                )}
            </div>
            <div class="form-actions">
                <a class="button button-primary" href=format!("/o/{slug}/users/invitations")>"See pending invitations"</a>
                <a class="button" href=format!("/o/{slug}/users")>"Back to Users"</a>
            </div>
        </section>
    }
}
