//! The fields an admin fills in to add or edit someone, shared by both pages.

use crate::{
    api::roles::list_roles,
    i18n::use_locale,
    model::{account::AccountForm, users::RoleTag, AppError, CurrentUser},
    tr,
    ui::components::form::{field_error, Field, FormValues},
};
use leptos::prelude::*;
use uuid::Uuid;

/// Reads the account fields of a submitted form.
pub fn read_account_form(values: &FormValues) -> AccountForm {
    AccountForm {
        first_name: values.text("first_name"),
        last_name: values.text("last_name"),
        email: values.text("email"),
        phone: values.text("phone"),
        external_id: values.text("external_id"),
        timezone: values.text("timezone"),
        access_until: values.text("access_until"),
        roles: values
            .all("roles")
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect(),
    }
}

/// Name, email and the optional details, with the server's message under each.
#[component]
pub fn AccountFields(
    form: AccountForm,
    error: Signal<Option<AppError>>,
    /// Why the address cannot be changed here, when it cannot.
    #[prop(default = None)]
    email_locked: Option<String>,
) -> impl IntoView {
    let l = use_locale();
    let email_readonly = email_locked.is_some();
    view! {
        <div class="field-row">
            <Field label=tr!(l, "users.form.first_name") name="first_name" autocomplete="off" value=form.first_name
                error=field_error(error, "first_name") required=true />
            <Field label=tr!(l, "users.form.last_name") name="last_name" autocomplete="off" value=form.last_name
                error=field_error(error, "last_name") required=true />
        </div>
        <Field label=tr!(l, "users.form.email") name="email" kind="email" autocomplete="off" value=form.email
            error=field_error(error, "email") required=true readonly=email_readonly hint=email_locked.unwrap_or_default() />
        <div class="field-row">
            <Field label=tr!(l, "users.form.phone") name="phone" kind="tel" autocomplete="off" value=form.phone
                error=field_error(error, "phone") />
            <Field label=tr!(l, "users.form.timezone") name="timezone" autocomplete="off" value=form.timezone
                hint=tr!(l, "users.form.timezone_hint") error=field_error(error, "timezone") />
        </div>
        <Field label=tr!(l, "users.form.external_id") name="external_id" autocomplete="off" value=form.external_id
            hint=tr!(l, "users.form.external_id_hint")
            error=field_error(error, "external_id") />
        <Field label=tr!(l, "users.form.access_until") name="access_until" kind="date" value=form.access_until
            hint=tr!(l, "users.form.access_until_hint")
            error=field_error(error, "access_until") />
    }
}

/// The organisation's roles, which the role check boxes list.
pub type Roles = Resource<Result<Vec<RoleTag>, AppError>>;

/// The organisation's roles, loaded for [`RoleChoices`]. Made with the page, outside any
/// Suspense (see `TeamsOfPerson`).
pub fn roles_resource() -> Roles {
    let slug = expect_context::<CurrentUser>().organisation.slug;
    Resource::new(|| (), move |_| list_roles(slug.clone()))
}

/// The organisation's roles as checkboxes.
#[component]
pub fn RoleChoices(
    roles: Roles,
    selected: Vec<Uuid>,
    error: Signal<Option<AppError>>,
    #[prop(optional)] disabled: bool,
    /// Shown above the boxes when not empty.
    #[prop(optional, into)]
    note: String,
) -> impl IntoView {
    let l = use_locale();
    let message = field_error(error, "roles");
    view! {
        <fieldset class="field role-choices" class:field-invalid=move || message.get().is_some()
            aria-describedby="roles-error">
            <legend>{tr!(l, "users.form.roles")}</legend>
            {(!note.is_empty()).then(|| view! { <p class="field-hint">{note}</p> })}
            <Suspense fallback=move || view! { <p class="loading">{tr!(l, "users.form.loading_roles")}</p> }>
                {move || {
                    let selected = selected.clone();
                    Suspend::new(async move {
                        roles.await.unwrap_or_default().into_iter().map(|role| {
                            let checked = selected.contains(&role.id);
                            view! {
                                <label class="check">
                                    <input type="checkbox" name="roles" value=role.id.to_string()
                                        checked=checked disabled=disabled />
                                    {role.name}
                                </label>
                            }
                        }).collect_view()
                    })
                }}
            </Suspense>
            <p class="field-error" id="roles-error" hidden=move || message.get().is_none()>
                {move || message.get()}
            </p>
        </fieldset>
    }
}
