//! `/o/{slug}/roles/new` and `/o/{slug}/roles/{id}`: a role's name, description and permissions,
//! grouped by feature with a line on what each allows; built-in roles are shown read-only; a
//! custom role in use asks what becomes of its holders before it is deleted.

use crate::ui::components::form::ErrorAlert;
use crate::{
    api::roles::{get_role, role_overview, CreateRole, DeleteRole, UpdateRole},
    i18n::use_locale,
    model::{
        roles::{permission_groups, HoldersPlan, RoleDetail, RoleForm, RoleSummary},
        AppError, CurrentUser, Permission,
    },
    tr,
    ui::{
        components::{
            dialog::Modal,
            form::{action_error, field_error, navigate_on_success, Field, FormAlert, FormValues},
        },
        pages::errors::ForbiddenPage,
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

/// `/o/{slug}/roles/new`.
#[component]
pub fn NewRolePage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::RolesManage) {
        return view! { <ForbiddenPage reason=tr!(l, "roles.forbidden") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let create = ServerAction::<CreateRole>::new();
    let error = action_error(create);
    navigate_on_success(create, {
        let slug = slug.clone();
        move |id| format!("/o/{slug}/roles/{id}?created=1")
    });
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            create.dispatch(CreateRole {
                slug: slug.clone(),
                role: read_form(&FormValues::of(&ev)),
            });
        }
    };
    view! {
        <Title text=tr!(l, "roles.new.title") />
        <p class="breadcrumb"><a href=format!("/o/{slug}/roles")>{tr!(l, "roles.back")}</a></p>
        <header class="page-header"><h1>{tr!(l, "roles.new.title")}</h1></header>
        <form class="card stack narrow-form" on:submit=on_submit novalidate>
            <FormAlert error />
            <RoleFields form=RoleForm::default() error editable=true />
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { tr!(l, "roles.new.creating") } else { tr!(l, "roles.new.create") }}
                </button>
                <a class="button" href=format!("/o/{slug}/roles")>{tr!(l, "roles.cancel")}</a>
            </div>
        </form>
    }
    .into_any()
}

fn read_form(values: &FormValues) -> RoleForm {
    RoleForm {
        name: values.text("name"),
        description: values.text("description"),
        permissions: values
            .all("permissions")
            .iter()
            .filter_map(|code| Permission::from_code(code))
            .collect(),
    }
}

/// Name, description and the permission checkboxes.
#[component]
fn RoleFields(
    form: RoleForm,
    #[prop(into)] error: Signal<Option<AppError>>,
    editable: bool,
) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let groups = permission_groups()
        .into_iter()
        .map(|(feature, permissions)| {
            let missing = feature.filter(|f| !user.features.contains(f));
            let heading = match feature {
                None => tr!(l, "roles.fields.people_group"),
                Some(f) => f.label_in(l),
            };
            let note = missing.map(|f| {
                tr!(
                    l,
                    "roles.fields.feature_missing",
                    organisation = user.organisation.name,
                    feature = f.label_in(l)
                )
            });
            let boxes = permissions
                .into_iter()
                .map(|p| {
                    let checked = form.permissions.contains(&p);
                    // Kept if the role has it already, but not newly given while the feature is off.
                    let disabled = !editable || (missing.is_some() && !checked);
                    view! {
                        <label class="check permission-check">
                            <input type="checkbox" name="permissions" value=p.code() checked=checked disabled=disabled />
                            <span>
                                <span class="permission-name">{p.description_in(l)}</span>
                                <code class="muted">{p.code()}</code>
                            </span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="permission-group">
                    <legend>{heading}</legend>
                    {note.map(|text| view! { <p class="field-hint">{text}</p> })}
                    <div class="permission-grid">{boxes}</div>
                </fieldset>
            }
        })
        .collect_view();
    let permissions_error = field_error(error, "permissions");
    view! {
        <Field label=tr!(l, "roles.fields.name") name="name" autocomplete="off" value=form.name.clone()
            error=field_error(error, "name") required=true />
        <Field label=tr!(l, "roles.fields.description") name="description" autocomplete="off" value=form.description.clone()
            hint=tr!(l, "roles.fields.description_hint") error=field_error(error, "description") />
        <div class="field" class:field-invalid=move || permissions_error.get().is_some()>
            <span class="label">{tr!(l, "roles.fields.permissions")}</span>
            {groups}
            <p class="field-error" role="alert" hidden=move || permissions_error.get().is_none()>
                {move || {
                    // Every refused permission, one per line.
                    error.get().map(|e| match e {
                        AppError::Invalid { fields, .. } => fields
                            .into_iter()
                            .filter(|f| f.field == "permissions")
                            .map(|f| view! { <span class="error-line">{f.message}</span> })
                            .collect_view()
                            .into_any(),
                        _ => ().into_any(),
                    })
                }}
            </p>
        </div>
    }
}

/// `/o/{slug}/roles/{id}`.
#[component]
pub fn RolePage() -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    if !user.can(Permission::RolesManage) {
        return view! { <ForbiddenPage reason=tr!(l, "roles.forbidden") /> }.into_any();
    }
    let slug = user.organisation.slug.clone();
    let id = crate::ui::pages::route_id();
    let update = ServerAction::<UpdateRole>::new();
    let detail = Resource::new(move || (id.get(), update.version().get()), {
        let slug = slug.clone();
        move |(id, _)| {
            let slug = slug.clone();
            async move {
                match id {
                    Some(id) => get_role(slug, id).await,
                    None => Err(AppError::NotFound("That role".into())),
                }
            }
        }
    });
    let created = use_query_map().read_untracked().get("created").is_some();
    view! {
        <p class="breadcrumb"><a href=format!("/o/{slug}/roles")>{tr!(l, "roles.back")}</a></p>
        {created.then(|| view! {
            <div class="alert alert-success" role="status">{tr!(l, "roles.edit.created")}</div>
        })}
        <Transition fallback=move || view! { <p class="loading">{tr!(l, "roles.edit.loading")}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <RoleEditor detail update /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn RoleEditor(detail: RoleDetail, update: ServerAction<UpdateRole>) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let slug = user.organisation.slug.clone();
    let error = action_error(update);
    let role = detail.role.clone();
    let built_in = role.built_in;
    let deleting = RwSignal::new(false);
    let on_submit = {
        let (slug, version) = (slug.clone(), detail.version);
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            update.dispatch(UpdateRole {
                slug: slug.clone(),
                id: role.id,
                role: read_form(&FormValues::of(&ev)),
                version,
            });
        }
    };
    let saved = move || {
        matches!(update.value().get(), Some(Ok(_))).then(|| {
            view! { <div class="alert alert-success" role="status">{tr!(l, "roles.edit.saved")}</div> }
        })
    };
    let holders = detail
        .holders
        .iter()
        .map(|h| {
            view! {
                <li><a href=format!("/o/{slug}/users/{}", h.id)>{h.name.clone()}</a>" "<span class="muted">{h.email.clone()}</span></li>
            }
        })
        .collect_view();
    let form = RoleForm {
        name: role.name.clone(),
        description: role.description.clone(),
        permissions: role.permissions.clone(),
    };
    let summary = role.clone();
    view! {
        <Title text=role.name.clone() />
        <header class="page-header page-header-row">
            <div>
                <h1>{role.name.clone()} {built_in.then(|| view! { " " <span class="badge badge-type">{tr!(l, "roles.built_in")}</span> })}</h1>
                <p class="muted">{match role.holders {
                    0 => tr!(l, "roles.edit.holders_none"),
                    1 => tr!(l, "roles.edit.holders_one", count = role.holders),
                    count => tr!(l, "roles.edit.holders_many", count = count),
                }}</p>
            </div>
            <div class="header-actions">
                {(!built_in).then(|| view! {
                    <button type="button" class="button button-danger" on:click=move |_| deleting.set(true)>{tr!(l, "roles.delete.action")}</button>
                })}
            </div>
        </header>
        {saved}
        {built_in.then(|| view! {
            <div class="alert alert-info" role="note">{tr!(l, "roles.edit.built_in_note")}</div>
        })}
        <div class="detail-layout">
            <form class="card stack edit-form" on:submit=on_submit novalidate>
                <FormAlert error />
                <RoleFields form error editable=!built_in />
                {(!built_in).then(|| view! {
                    <div class="form-actions">
                        <button type="submit" class="button button-primary" disabled=move || update.pending().get()>
                            {move || if update.pending().get() { tr!(l, "roles.edit.saving") } else { tr!(l, "roles.edit.save") }}
                        </button>
                    </div>
                })}
            </form>
            <aside class="card detail-side" aria-labelledby="holders-heading">
                <h2 id="holders-heading">{tr!(l, "roles.edit.held_by")}</h2>
                {if detail.holders.is_empty() {
                    view! { <p class="muted">{tr!(l, "roles.edit.nobody")}</p> }.into_any()
                } else {
                    view! { <ul class="holder-list">{holders}</ul> }.into_any()
                }}
            </aside>
        </div>
        {move || deleting.get().then(|| view! {
            <DeleteRoleDialog role=summary.clone() close=Callback::new(move |_| deleting.set(false)) />
        })}
    }
}

/// Confirms deleting a role; when people hold it, asks whether they lose it or get another.
#[component]
fn DeleteRoleDialog(role: RoleSummary, close: Callback<()>) -> impl IntoView {
    let l = use_locale();
    let user = expect_context::<CurrentUser>();
    let slug = user.organisation.slug.clone();
    let delete = ServerAction::<DeleteRole>::new();
    let error = action_error(delete);
    let others = LocalResource::new({
        let slug = slug.clone();
        move || role_overview(slug.clone())
    });
    navigate_on_success(delete, {
        let slug = slug.clone();
        move |_| format!("/o/{slug}/roles")
    });
    let on_submit = {
        let slug = slug.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = FormValues::of(&ev);
            let holders = match Uuid::parse_str(&values.text("move_to")) {
                Ok(target) if values.text("plan") == "move" => HoldersPlan::MoveTo(target),
                _ => HoldersPlan::Remove,
            };
            delete.dispatch(DeleteRole {
                slug: slug.clone(),
                id: role.id,
                holders,
            });
        }
    };
    let choices = move || {
        others.get().and_then(Result::ok).map(|list| {
            list.into_iter()
                .filter(|r| r.id != role.id)
                .map(|r| view! { <option value=r.id.to_string()>{r.name}</option> })
                .collect_view()
        })
    };
    let holders_error = field_error(error, "holders");
    view! {
        <Modal title=tr!(l, "roles.delete.title", name = role.name) on_close=close>
            <form class="stack" on:submit=on_submit novalidate>
                <FormAlert error=Signal::derive(move || error.get().filter(|e| e.field_message("holders").is_none())) />
                {if role.holders == 0 {
                    view! { <p>{tr!(l, "roles.delete.unused")}</p> }.into_any()
                } else {
                    view! {
                        <fieldset class="field choices">
                            <legend>{if role.holders == 1 {
                                tr!(l, "roles.delete.question_one", count = role.holders)
                            } else {
                                tr!(l, "roles.delete.question_many", count = role.holders)
                            }}</legend>
                            <label class="choice">
                                <input type="radio" name="plan" value="remove" checked=true />
                                <span><strong>{tr!(l, "roles.delete.remove")}</strong><span class="muted">{tr!(l, "roles.delete.remove_hint")}</span></span>
                            </label>
                            <label class="choice">
                                <input type="radio" name="plan" value="move" />
                                <span><strong>{tr!(l, "roles.delete.move")}</strong></span>
                            </label>
                            <label for="move-to">{tr!(l, "roles.delete.move_to")}</label>
                            <select id="move-to" name="move_to">{choices}</select>
                            <p class="field-error" hidden=move || holders_error.get().is_none()>{move || holders_error.get()}</p>
                        </fieldset>
                    }.into_any()
                }}
                <div class="form-actions">
                    <button type="submit" class="button button-danger" disabled=move || delete.pending().get()>
                        {move || if delete.pending().get() { tr!(l, "roles.delete.deleting") } else { tr!(l, "roles.delete.action") }}
                    </button>
                    <button type="button" class="button" on:click=move |_| close.run(())>{tr!(l, "roles.cancel")}</button>
                </div>
            </form>
        </Modal>
    }
}
