//! Pending invitations: when each was sent, when it expires, whether the email went out; resend
//! or revoke.

use crate::ui::components::display::When;
use crate::ui::components::display::{Column, DataTable};
use crate::ui::components::form::ErrorAlert;
use crate::{
    api::accounts::{list_invitations, ResendInvitation, RevokeInvitation},
    i18n::{use_locale, Locale},
    model::{
        account::{Delivery, Invitation},
        CurrentUser, Permission,
    },
    tr,
    ui::{
        components::{
            dialog::Modal,
            display::TypeBadge,
            form::{action_error, FormAlert},
        },
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/o/{slug}/users/invitations`.
#[component]
pub fn InvitationsPage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersView) {
        return view! { <ForbiddenPage reason=tr!(l, "users.forbidden.view") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let can_invite = user.can(Permission::UsersInvite);
    let list = Resource::new(|| (), {
        let slug = slug.clone();
        move |_| list_invitations(slug.clone())
    });
    let resend = ServerAction::<ResendInvitation>::new();
    let resend_error = action_error(resend);
    let revoking = RwSignal::new(None::<Invitation>);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(())) = resend.value().get() {
            list.refetch();
        }
    });
    view! {
        <Title text=tr!(l, "users.common.pending_invitations") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>{tr!(l, "users.common.back")}</a></p>
        <header class="page-header page-header-row">
            <div>
                <h1>{tr!(l, "users.common.pending_invitations")}</h1>
                <p class="muted">{tr!(l, "users.invitations.intro")}</p>
            </div>
            <div class="header-actions">
                <button type="button" class="button" on:click=move |_| list.refetch()>{tr!(l, "users.common.refresh")}</button>
                {can_invite.then(|| view! {
                    <a class="button button-primary" href=format!("/o/{slug}/users/new")>{tr!(l, "users.common.invite")}</a>
                })}
            </div>
        </header>
        <FormAlert error=resend_error />
        <p class="alert alert-success" role="status" hidden=move || notice.get().is_none()>{move || notice.get()}</p>
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "users.invitations.loading")}</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <section class="card empty-state"><p>{tr!(l, "users.invitations.empty")}</p></section>
                        }.into_any(),
                        Ok(rows) => view! {
                            <InvitationTable rows slug can_invite resend revoking notice />
                        }.into_any(),
                        Err(error) => view! { <ErrorAlert error /> }.into_any(),
                    }
                })
            }}
        </Transition>
        {move || revoking.get().map(|invitation| view! {
            <RevokeDialog invitation revoking on_done=Callback::new(move |_| list.refetch()) />
        })}
    }
    .into_any()
}

fn delivery_view(delivery: Option<Delivery>, l: Locale) -> AnyView {
    match delivery {
        None | Some(Delivery::Queued) => view! { <span class="badge">{tr!(l, "users.invitations.queued")}</span> }.into_any(),
        Some(Delivery::Sent { at }) => view! {
            <span class="badge badge-active" title=at.exact.clone()>{tr!(l, "users.invitations.sent_at", when = at.relative(l))}</span>
        }
        .into_any(),
        Some(Delivery::Retrying { error, attempts, next }) => view! {
            <span class="badge badge-invited">{tr!(l, "users.invitations.retrying")}</span>
            <span class="delivery-error">{tr!(l, "users.invitations.retry_detail", attempts = attempts, next = next.relative(l), error = error)}</span>
        }
        .into_any(),
        Some(Delivery::Failed { error }) => view! {
            <span class="badge badge-suspended">{tr!(l, "users.invitations.failed")}</span>
            <span class="delivery-error">{tr!(l, "users.invitations.failed_detail", error = error)}</span>
        }
        .into_any(),
    }
}

#[component]
fn InvitationTable(
    rows: Vec<Invitation>,
    slug: String,
    can_invite: bool,
    resend: ServerAction<ResendInvitation>,
    revoking: RwSignal<Option<Invitation>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let l = use_locale();
    let rows = rows
        .into_iter()
        .map(|invitation| {
            let expires = if invitation.expired {
                view! { <span class="badge badge-suspended">{tr!(l, "users.invitations.expired")}</span> }.into_any()
            } else {
                view! { <When at=invitation.expires.clone() /> }.into_any()
            };
            let actions = can_invite.then(|| {
                let slug = slug.clone();
                let id = invitation.user_id;
                let email = invitation.email.clone();
                let for_revoke = invitation.clone();
                view! {
                    <div class="row-actions">
                        <button type="button" class="button button-small"
                            disabled=move || resend.pending().get()
                            on:click=move |_| {
                                notice.set(Some(tr!(l, "users.invitations.resent", email = email)));
                                resend.dispatch(ResendInvitation { slug: slug.clone(), id });
                            }>
                            {tr!(l, "users.invitations.resend")}
                        </button>
                        <button type="button" class="button button-small button-danger-outline"
                            on:click=move |_| revoking.set(Some(for_revoke.clone()))>
                            {tr!(l, "users.invitations.revoke")}
                        </button>
                    </div>
                }
            });
            view! {
                <tr>
                    <td>
                        <div class="person-name">{invitation.name.clone()}</div>
                        <div class="person-email">{invitation.email.clone()}</div>
                    </td>
                    <td><TypeBadge user_type=invitation.user_type /></td>
                    <td><When at=invitation.sent.clone() /></td>
                    <td>{expires}</td>
                    <td>{delivery_view(invitation.delivery.clone(), l)}</td>
                    <td>{actions}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable caption=tr!(l, "users.common.pending_invitations") columns=vec![Column::Shown(tr!(l, "users.invitations.person")), Column::Shown(tr!(l, "users.column.type")), Column::Shown(tr!(l, "users.invitations.sent")), Column::Shown(tr!(l, "users.invitations.expires")), Column::Shown(tr!(l, "users.column.email")), Column::Hidden(tr!(l, "users.column.actions"))]>{rows}</DataTable>
    }
}

#[component]
fn RevokeDialog(
    invitation: Invitation,
    revoking: RwSignal<Option<Invitation>>,
    on_done: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let slug = expect_context::<CurrentUser>().organisation.slug;
    let revoke = ServerAction::<RevokeInvitation>::new();
    let error = action_error(revoke);
    let close = Callback::new(move |_| revoking.set(None));
    Effect::new(move |_| {
        if let Some(Ok(())) = revoke.value().get() {
            revoking.set(None);
            on_done.run(());
        }
    });
    let id = invitation.user_id;
    view! {
        <Modal title=tr!(l, "users.invitations.revoke_title", name = invitation.name) on_close=close>
            <p>
                {tr!(l, "users.invitations.revoke_before")} <strong>{invitation.email.clone()}</strong>
                {tr!(l, "users.invitations.revoke_after")}
            </p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button type="button" class="button button-danger" disabled=move || revoke.pending().get()
                    on:click=move |_| { revoke.dispatch(RevokeInvitation { slug: slug.clone(), id }); }>
                    {tr!(l, "users.invitations.revoke_confirm")}
                </button>
            </div>
        </Modal>
    }
}
