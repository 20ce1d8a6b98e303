//! "Give a new user type" on a person's page: a type is fixed for an account's life, so the old
//! account is suspended and a new one made for the same person, who is invited again.

use crate::{
    api::accounts::GiveNewUserType,
    i18n::use_locale,
    model::{CurrentUser, UserType},
    tr,
    ui::components::{
        dialog::Modal,
        form::{action_error, field_error, FormAlert},
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

/// The person's user type, and the way to give them another.
#[component]
pub fn NewTypeCard(slug: String, id: Uuid, name: String, current: UserType) -> impl IntoView {
    let l = use_locale();
    let open = RwSignal::new(false);
    view! {
        <section class="card stack" aria-labelledby="new-type">
            <h2 id="new-type">{tr!(l, "users.retype.title")}</h2>
            <p class="muted">{tr!(l, "users.retype.intro")}</p>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| open.set(true)>
                    {tr!(l, "users.retype.open")}
                </button>
            </div>
            {move || open.get().then(|| {
                let close = Callback::new(move |_| open.set(false));
                view! { <NewTypeDialog slug=slug.clone() id name=name.clone() current close /> }
            })}
        </section>
    }
}

#[component]
fn NewTypeDialog(
    slug: String,
    id: Uuid,
    name: String,
    current: UserType,
    close: Callback<()>,
) -> impl IntoView {
    let l = use_locale();
    let me = expect_context::<CurrentUser>();
    let action = ServerAction::<GiveNewUserType>::new();
    let error = action_error(action);
    let navigate = use_navigate();
    {
        let slug = slug.clone();
        Effect::new(move |_| {
            if let Some(Ok(added)) = action.value().get() {
                close.run(());
                navigate(
                    &format!("/o/{slug}/users/{}", added.user_id),
                    Default::default(),
                );
            }
        });
    }
    let chosen = RwSignal::new(None::<UserType>);
    let choices = UserType::ALL
        .iter()
        .filter(|t| **t != current)
        .map(|t| {
            let missing = t.feature().filter(|f| !me.features.contains(f));
            view! { <option value=t.code() disabled=missing.is_some()>{t.label_in(l)}</option> }
        })
        .collect_view();
    let problem = field_error(error, "user_type");
    view! {
        <Modal title=tr!(l, "users.retype.dialog_title", name = name) on_close=close>
            <p>{tr!(l, "users.retype.what_happens")}</p>
            <FormAlert error />
            <div class="field" class:field-invalid=move || problem.get().is_some()>
                <label for="new-user-type">{tr!(l, "users.retype.new_type")}</label>
                <select id="new-user-type" on:change=move |ev| chosen.set(UserType::from_code(&event_target_value(&ev)))>
                    <option value="">{tr!(l, "users.bulk.choose")}</option>
                    {choices}
                </select>
                <p class="field-error" hidden=move || problem.get().is_none()>{move || problem.get()}</p>
            </div>
            <div class="modal-actions">
                <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "users.common.cancel")}</button>
                <button type="button" class="button button-primary"
                    disabled=move || action.pending().get() || chosen.get().is_none()
                    on:click=move |_| {
                        if let Some(user_type) = chosen.get_untracked() {
                            action.dispatch(GiveNewUserType { slug: slug.clone(), id, user_type });
                        }
                    }>
                    {tr!(l, "users.retype.confirm")}
                </button>
            </div>
        </Modal>
    }
}
