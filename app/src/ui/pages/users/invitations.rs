//! Pending invitations: when each was sent, when it expires, whether the email went out; resend
//! or revoke.

use crate::ui::components::display::When;
use crate::{
    api::accounts::{list_invitations, ResendInvitation, RevokeInvitation},
    model::{
        account::{Delivery, Invitation},
        CurrentUser, Permission,
    },
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
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::UsersView) {
        return view! { <ForbiddenPage reason="Seeing the people of this organisation is not part of your access." /> }
            .into_any();
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
        <Title text="Pending invitations" />
        <p class="breadcrumb"><a href=format!("/o/{slug}/users")>"← Users"</a></p>
        <header class="page-header page-header-row">
            <div>
                <h1>"Pending invitations"</h1>
                <p class="muted">"People who have not accepted their invitation yet. Links work for 7 days."</p>
            </div>
            <div class="header-actions">
                <button type="button" class="button" on:click=move |_| list.refetch()>"Refresh"</button>
                {can_invite.then(|| view! {
                    <a class="button button-primary" href=format!("/o/{slug}/users/new")>"+ Invite user"</a>
                })}
            </div>
        </header>
        <FormAlert error=resend_error />
        <p class="alert alert-success" role="status" hidden=move || notice.get().is_none()>{move || notice.get()}</p>
        <Transition fallback=|| view! { <p class="loading">"Loading invitations…"</p> }>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match list.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <section class="card empty-state"><p>"No invitations are waiting to be accepted."</p></section>
                        }.into_any(),
                        Ok(rows) => view! {
                            <InvitationTable rows slug can_invite resend revoking notice />
                        }.into_any(),
                        Err(error) => view! { <div class="alert alert-error" role="alert">{error.to_string()}</div> }.into_any(),
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

fn delivery_view(delivery: Option<Delivery>) -> AnyView {
    match delivery {
        None | Some(Delivery::Queued) => view! { <span class="badge">"Queued"</span> }.into_any(),
        Some(Delivery::Sent { at }) => view! {
            <span class="badge badge-active" title=at.exact.clone()>"Sent " {at.relative(crate::i18n::use_locale())}</span>
        }
        .into_any(),
        Some(Delivery::Retrying { error, attempts, next }) => view! {
            <span class="badge badge-invited">"Retrying"</span>
            <span class="delivery-error">{format!("{attempts} attempts so far, next {}: {error}", next.relative(crate::i18n::use_locale()))}</span>
        }
        .into_any(),
        Some(Delivery::Failed { error }) => view! {
            <span class="badge badge-suspended">"Not delivered"</span>
            <span class="delivery-error">{error}" Check the address, then resend."</span>
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
    let rows = rows
        .into_iter()
        .map(|invitation| {
            let expires = if invitation.expired {
                view! { <span class="badge badge-suspended">"Expired"</span> }.into_any()
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
                                notice.set(Some(format!("A new invitation is on its way to {email}. The previous link no longer works.")));
                                resend.dispatch(ResendInvitation { slug: slug.clone(), id });
                            }>
                            "Resend"
                        </button>
                        <button type="button" class="button button-small button-danger-outline"
                            on:click=move |_| revoking.set(Some(for_revoke.clone()))>
                            "Revoke"
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
                    <td>{delivery_view(invitation.delivery.clone())}</td>
                    <td>{actions}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table">
                <caption class="visually-hidden">"Pending invitations"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Person"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Sent"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn RevokeDialog(
    invitation: Invitation,
    revoking: RwSignal<Option<Invitation>>,
    on_done: Callback<()>,
) -> impl IntoView {
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
        <Modal title=format!("Revoke the invitation of {}?", invitation.name) on_close=close>
            <p>
                "The link sent to " <strong>{invitation.email.clone()}</strong>
                " stops working and the pending account is removed. You can invite them again later."
            </p>
            <FormAlert error />
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>"Cancel"</button>
                <button type="button" class="button button-danger" disabled=move || revoke.pending().get()
                    on:click=move |_| { revoke.dispatch(RevokeInvitation { slug: slug.clone(), id }); }>
                    "Revoke invitation"
                </button>
            </div>
        </Modal>
    }
}
