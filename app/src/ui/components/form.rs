//! Form fields with their errors, and the alert that carries a form's overall error.

use crate::model::AppError;
use leptos::prelude::*;

/// A labelled input with the server's message for it underneath.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    /// Shown, sent with the form, but not editable (the hint says why).
    #[prop(optional)]
    readonly: bool,
    #[prop(optional, into)] value: Option<String>,
) -> impl IntoView {
    let hint = hint.filter(|text| !text.is_empty());
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let has_hint = hint.is_some();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                readonly=readonly
                value=value
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by
            />
            {hint.map(|text| view! { <p class="field-hint" id=hint_id>{text}</p> })}
            <p class="field-error" id=error_id hidden=move || error.get().is_none()>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A failure that stops a whole page or section from showing, in the page's language.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    let text = error.message(crate::i18n::use_locale());
    view! { <div class="alert alert-error" role="alert">{text}</div> }
}

/// The message of a form's failure that belongs to no single field.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let l = crate::i18n::use_locale();
    let message = move || {
        error.get().and_then(|e| match &e {
            AppError::Invalid { fields, .. } if !fields.is_empty() => None,
            _ => Some(e.message(l)),
        })
    };
    view! {
        <div class="alert alert-error" role="alert" hidden=move || message().is_none()>
            {message}
        </div>
    }
}

/// The error of a server action's last run, if it failed.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Goes to the page `to` names once `action` succeeds (a created item's page, a list after a
/// deletion).
pub fn navigate_on_success<I, O>(action: ServerAction<I>, to: impl Fn(&O) -> String + 'static)
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move || {
        if let Some(Ok(done)) = action.value().get() {
            navigate(&to(&done), Default::default());
        }
    });
}

/// The message for one field from an action's error.
pub fn field_error(error: Signal<Option<AppError>>, field: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || error.get().and_then(|e| e.field_message(field)))
}

/// The values of a submitted form, read in the browser: for forms whose server function takes
/// JSON (several roles, nested data) instead of a plain form post.
pub struct FormValues {
    #[cfg(feature = "hydrate")]
    data: Option<web_sys::FormData>,
}

impl FormValues {
    /// The values of the form that fired `ev`.
    pub fn of(ev: &leptos::ev::SubmitEvent) -> Self {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let data = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                .and_then(|form| web_sys::FormData::new_with_form(&form).ok());
            Self { data }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            Self {}
        }
    }

    /// Every value submitted under `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        #[cfg(feature = "hydrate")]
        {
            self.data
                .as_ref()
                .map(|d| {
                    d.get_all(name)
                        .iter()
                        .filter_map(|v| v.as_string())
                        .collect()
                })
                .unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            Vec::new()
        }
    }

    /// The value submitted under `name`, or "".
    pub fn text(&self, name: &str) -> String {
        self.all(name).into_iter().next().unwrap_or_default()
    }
}

/// Reads the file chosen in the file input of `ev` and hands its size and its bytes in base64 to
/// `done` (binary files such as pictures); a file larger than `max_bytes` is not read, and `done`
/// gets its size and `None`. Browser only.
pub fn read_chosen_file_base64(
    ev: &leptos::ev::Event,
    max_bytes: usize,
    done: impl FnOnce(f64, Option<String>) + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let input: web_sys::HtmlInputElement = event_target(ev);
        if let Some(chosen) = input.files().and_then(|list| list.get(0)) {
            if chosen.size() > max_bytes as f64 {
                done(chosen.size(), None);
                return;
            }
            leptos::task::spawn_local(async move {
                let bytes = wasm_bindgen_futures::JsFuture::from(chosen.array_buffer())
                    .await
                    .map(|buffer| js_sys::Uint8Array::new(&buffer).to_vec())
                    .unwrap_or_default();
                // btoa takes one character per byte.
                let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
                let encoded = web_sys::window()
                    .and_then(|w| w.btoa(&binary).ok())
                    .unwrap_or_default();
                done(chosen.size(), Some(encoded));
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, max_bytes, done);
}

/// Reads the file chosen in the file input of `ev` and hands its name and text to `done`, unless
/// it is larger than `max_bytes`: then it returns `false` and reads nothing. Browser only.
pub fn read_chosen_file(
    ev: &leptos::ev::Event,
    max_bytes: usize,
    done: impl FnOnce(String, String) + 'static,
) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let input: web_sys::HtmlInputElement = event_target(ev);
        if let Some(chosen) = input.files().and_then(|list| list.get(0)) {
            if chosen.size() > max_bytes as f64 {
                return false;
            }
            leptos::task::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(chosen.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default();
                done(chosen.name(), text);
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, max_bytes, done);
    true
}
