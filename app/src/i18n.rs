//! Languages of the console and its emails.
//!
//! The texts live in `app/locales/*/*.yml` (one file per area, every language of a text side by
//! side) and are compiled in by `rust-i18n`: `console/` holds what the pages show, and reaches the
//! browser; `server/` the server's messages and emails, which stay on the server. Nothing reads a global language: each call names its
//! locale, so concurrent requests on the server never see each other's choice.
//!
//! - Pages take the locale from context: the signed-in person's choice inside the console, else the
//!   `tenantry_lang` cookie, else the browser's `Accept-Language`. The server writes it into
//!   `<html lang>`, and the browser reads it back from there when it hydrates.
//! - Emails use the recipient's saved language.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Translates a key of `app/locales` into a locale: `tr!(locale, "nav.users")`, or with values
/// for its `%{placeholders}`: `tr!(locale, "users.count", count = n)`.
#[cfg(feature = "ssr")]
#[macro_export]
macro_rules! tr {
    ($locale:expr, $key:literal) => {
        rust_i18n::t!($key, locale = $locale.code()).into_owned()
    };
    ($locale:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        rust_i18n::t!($key, locale = $locale.code(), $($name = $value),+).into_owned()
    };
}

/// Translates a key of `app/locales/console` in the browser, from the page's texts
/// ([`browser`]).
#[cfg(not(feature = "ssr"))]
#[macro_export]
macro_rules! tr {
    ($locale:expr, $key:literal) => {
        $crate::i18n::browser::text($locale, $key)
    };
    ($locale:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::browser::text_with(
            $locale,
            $key,
            &[$((stringify!($name), ::std::string::ToString::to_string(&$value))),+],
        )
    };
}

/// The global through which the texts script ([`BrowserTexts`]) hands the page's texts to the
/// WebAssembly.
const TEXTS_GLOBAL: &str = "__tenantryTexts";

/// The texts the browser may show, those of `app/locales/console`, compiled into the server a
/// second time on their own (the server's own texts are all in the crate's backend).
#[cfg(feature = "ssr")]
#[allow(unused_imports, dead_code, missing_docs)]
mod console_texts {
    rust_i18n::i18n!("locales/console", fallback = "en");
}

/// The browser's texts in one language, as the script that hands them to the WebAssembly. A page
/// loads only its own language's (the WebAssembly carries none: both languages made up about a
/// twelfth of it), from an address that carries a hash of the texts, so a browser keeps the
/// script until they change.
#[cfg(feature = "ssr")]
pub struct BrowserTexts {
    /// Where the script is served: `/texts/{code}.{hash}.js`.
    pub path: String,
    /// `window.__tenantryTexts={"key":"text",...};`
    pub script: String,
}

#[cfg(feature = "ssr")]
impl BrowserTexts {
    /// The address under which every script is served.
    pub const PREFIX: &'static str = "/texts/";

    /// The texts of `locale`, built once.
    pub fn of(locale: Locale) -> &'static BrowserTexts {
        static ALL: std::sync::LazyLock<[BrowserTexts; 2]> =
            std::sync::LazyLock::new(|| Locale::ALL.map(BrowserTexts::build));
        match locale {
            Locale::En => &ALL[0],
            Locale::Fr => &ALL[1],
        }
    }

    /// The script to serve at `path` (`/texts/{code}.{hash}.js`): today's texts of that
    /// language, and whether `path` is today's address. A page from another version of Tenantry
    /// (a process not yet upgraded, or already) asks with another hash; it gets today's texts
    /// rather than none, which would show it keys.
    pub fn at(path: &str) -> Option<(&'static BrowserTexts, bool)> {
        let (code, _) = path.strip_prefix(Self::PREFIX)?.split_once('.')?;
        let texts = BrowserTexts::of(Locale::ALL.into_iter().find(|l| l.code() == code)?);
        Some((texts, texts.path == path))
    }

    fn build(locale: Locale) -> BrowserTexts {
        use sha2::Digest as _;
        let backend = console_texts::_rust_i18n_backend();
        let mut texts = std::collections::BTreeMap::new();
        // English stands in for a text not yet translated, as it does on the server.
        for code in ["en", locale.code()] {
            for (key, text) in backend.messages_for_locale(code).unwrap_or_default() {
                texts.insert(key.into_owned(), text.into_owned());
            }
        }
        let json = serde_json::to_string(&texts).unwrap_or_default();
        let script = format!("window.{TEXTS_GLOBAL}={json};");
        let hash = hex::encode(&sha2::Sha256::digest(script.as_bytes())[..8]);
        BrowserTexts {
            path: format!("{}{}.{hash}.js", Self::PREFIX, locale.code()),
            script,
        }
    }
}

/// The page's texts in the browser: only its language's, which the texts script
/// ([`BrowserTexts`]) leaves in a global that [`browser::load`] reads once, before hydrating.
/// A text missing there shows as its key.
#[cfg(not(feature = "ssr"))]
pub mod browser {
    use super::Locale;
    use std::{collections::HashMap, sync::OnceLock};

    static TEXTS: OnceLock<HashMap<String, String>> = OnceLock::new();

    /// Reads the texts the page's texts script left in its global.
    #[cfg(feature = "hydrate")]
    pub fn load() {
        use wasm_bindgen::JsCast;
        let mut texts = HashMap::new();
        if let Some(object) = web_sys::window()
            .and_then(|window| js_sys::Reflect::get(&window, &super::TEXTS_GLOBAL.into()).ok())
            .and_then(|value| value.dyn_into::<js_sys::Object>().ok())
        {
            for entry in js_sys::Object::entries(&object).iter() {
                let pair: js_sys::Array = entry.unchecked_into();
                if let (Some(key), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string())
                {
                    texts.insert(key, text);
                }
            }
        }
        let _ = TEXTS.set(texts);
    }

    /// The text of `key` in the page's language (the only one the browser has: `locale`).
    pub fn text(_locale: Locale, key: &str) -> String {
        TEXTS
            .get()
            .and_then(|texts| texts.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// [`text`] with its `%{placeholders}` filled in.
    pub fn text_with(locale: Locale, key: &str, values: &[(&str, String)]) -> String {
        super::fill_placeholders(&text(locale, key), values)
    }
}

/// `text` with each `%{name}` replaced by its value in one pass, as rust-i18n does on the server:
/// a value is never read for placeholders itself (a person may be called "%{count}"), and a
/// placeholder without a value stays as written.
#[cfg_attr(feature = "ssr", allow(dead_code))]
fn fill_placeholders(text: &str, values: &[(&str, String)]) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("%{") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        filled.push_str(&rest[..start]);
        let placeholder = &rest[start..start + length + 1];
        match values
            .iter()
            .find(|(name, _)| placeholder[2..length] == **name)
        {
            Some((_, value)) => filled.push_str(value),
            None => filled.push_str(placeholder),
        }
        rest = &rest[start + length + 1..];
    }
    filled.push_str(rest);
    filled
}

/// The name of the cookie that remembers the language for pages shown before signing in.
pub const COOKIE_NAME: &str = "tenantry_lang";

/// A language the console speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
pub enum Locale {
    #[default]
    En,
    Fr,
}

crate::stored_as_code!(Locale);

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// The BCP 47 code stored on the person and used in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The language's own name, as a person looking for it would recognise it.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }

    /// The locale of a code such as `fr`, `fr-CA` or `EN_gb`; `None` when not spoken here.
    pub fn from_code(code: &str) -> Option<Locale> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first language of an `Accept-Language` header spoken here, by the header's weights.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut ranked: Vec<(f32, usize, &str)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(position, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                    .unwrap_or(1.0);
                (weight > 0.0 && !tag.is_empty()).then_some((weight, position, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .find_map(|(_, _, tag)| Locale::from_code(tag))
    }

    /// The locale of this page: the cookie, then `Accept-Language` on the server; what the server
    /// wrote into `<html lang>` in the browser.
    pub fn of_request() -> Locale {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .map(|parts| {
                    // Set by the page gate for a signed-in person.
                    parts
                        .extensions
                        .get::<Locale>()
                        .copied()
                        .unwrap_or_else(|| Locale::from_headers(&parts.headers))
                })
                .unwrap_or_default()
        }
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
                .and_then(|html| html.get_attribute("lang"))
                .and_then(|lang| Locale::from_code(&lang))
                .unwrap_or_default()
        }
        #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
        Locale::En
    }

    /// The cookie's language, else the best of `Accept-Language`, else English.
    #[cfg(feature = "ssr")]
    pub fn from_headers(headers: &http::HeaderMap) -> Locale {
        let from_cookie = crate::cookies::value(headers, COOKIE_NAME).and_then(Locale::from_code);
        from_cookie
            .or_else(|| {
                headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::negotiate)
            })
            .unwrap_or_default()
    }

    /// A `Set-Cookie` value remembering this language for a year.
    pub fn cookie(self, secure: bool) -> String {
        let secure = if secure { "; Secure" } else { "" };
        format!(
            "{COOKIE_NAME}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
            self.code()
        )
    }
}

#[cfg(feature = "ssr")]
tokio::task_local! {
    /// The language of the request being served: the server's middleware sets it from the cookie
    /// or `Accept-Language`, and the guard (`api::guard`) from the signed-in person's choice.
    static REQUEST_LOCALE: std::cell::Cell<Locale>;
}

/// Runs `work` (the handling of one request) with `locale` as its language.
#[cfg(feature = "ssr")]
pub async fn serve_in<F: std::future::Future>(locale: Locale, work: F) -> F::Output {
    REQUEST_LOCALE
        .scope(std::cell::Cell::new(locale), work)
        .await
}

/// Makes `locale` the language of the rest of this request (the signed-in person's choice).
#[cfg(feature = "ssr")]
pub fn set_request_locale(locale: Locale) {
    let _ = REQUEST_LOCALE.try_with(|current| current.set(locale));
}

/// The language of the request being served, in which the edges say the services' messages;
/// English outside a request (the command line, background work, tests calling services).
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    REQUEST_LOCALE
        .try_with(std::cell::Cell::get)
        // Pages rendered on the server load their data in spawned tasks, outside the task-local:
        // there the page's own locale (its context) is the request's.
        .ok()
        .or_else(use_context::<Locale>)
        .or_else(|| use_context::<http::request::Parts>().map(|_| Locale::of_request()))
        .unwrap_or_default()
}

/// The locale of the page being built (see the module's documentation).
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Locale;

    #[test]
    fn codes_and_accept_language() {
        assert_eq!(Locale::from_code("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_code("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::from_code("de"), None);
        assert_eq!(
            Locale::negotiate("de-DE,de;q=0.9,fr;q=0.8,en;q=0.7"),
            Some(Locale::Fr)
        );
        assert_eq!(Locale::negotiate("en;q=0.5, fr"), Some(Locale::Fr));
        assert_eq!(Locale::negotiate("fr;q=0, en"), Some(Locale::En));
        assert_eq!(Locale::negotiate("de, ja"), None);
        assert_eq!(Locale::negotiate(""), None);
    }

    /// Every key the code asks for exists in every language, so nobody sees a raw key or falls
    /// back to English without a translator having decided so.
    #[test]
    fn every_key_used_is_translated_into_every_language() {
        let backend = crate::_rust_i18n_backend();
        let mut keys = Vec::new();
        collect_keys(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src")
                .as_path(),
            &mut keys,
        );
        assert!(keys.len() > 20, "found only {} keys", keys.len());
        let mut missing = Vec::new();
        for key in &keys {
            for locale in Locale::ALL {
                if backend.translate(locale.code(), key).is_none() {
                    missing.push(format!("{}: {key}", locale.code()));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    /// The browser has only the console's texts: every key the pages and the model ask for is
    /// among them, in each language's script, and each script is in its own language.
    #[test]
    fn the_browser_texts_hold_every_key_the_pages_use() {
        let mut keys = Vec::new();
        for dir in ["src/ui", "src/model"] {
            collect_keys(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
                &mut keys,
            );
        }
        assert!(keys.len() > 20, "found only {} keys", keys.len());
        for (locale, users) in [(Locale::En, "Users"), (Locale::Fr, "Utilisateurs")] {
            let texts = super::BrowserTexts::of(locale);
            assert!(texts
                .path
                .starts_with(&format!("/texts/{}.", locale.code())));
            let json = texts
                .script
                .strip_prefix("window.__tenantryTexts=")
                .and_then(|s| s.strip_suffix(';'))
                .expect("the script sets the global");
            let table: std::collections::HashMap<String, String> =
                serde_json::from_str(json).expect("JSON");
            let missing: Vec<&String> = keys.iter().filter(|k| !table.contains_key(*k)).collect();
            assert!(
                missing.is_empty(),
                "{}: not in the browser's texts: {missing:#?}",
                locale.code()
            );
            assert_eq!(table.get("nav.users").map(String::as_str), Some(users));
        }
        assert_ne!(
            super::BrowserTexts::of(Locale::En).path,
            super::BrowserTexts::of(Locale::Fr).path
        );
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let values = [("name", "%{count}".to_string()), ("count", "3".to_string())];
        assert_eq!(
            super::fill_placeholders("%{name} has %{count} roles, %{other} 100%{", &values),
            "%{count} has 3 roles, %{other} 100%{"
        );
        assert_eq!(
            super::fill_placeholders("no placeholder", &values),
            "no placeholder"
        );
    }

    /// The keys of every `tr!(locale, "key"` and `msg!("key"` under `dir`.
    fn collect_keys(dir: &std::path::Path, keys: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_keys(&path, keys);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("i18n.rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                // `tr!(locale, "key"` and the services' `msg!("key"`.
                let calls = text
                    .match_indices("tr!(")
                    .chain(text.match_indices("msg!("));
                for (at, _) in calls {
                    // Not the end of another macro's name, such as include_str!(.
                    let before = text[..at].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &text[at..];
                    let Some(open) = rest.find('"') else { continue };
                    // Only the macros' own calls: the key comes first or after the locale.
                    if rest[..open].contains([')', ';']) {
                        continue;
                    }
                    let rest = &rest[open + 1..];
                    if let Some(close) = rest.find('"') {
                        keys.push(rest[..close].to_string());
                    }
                }
            }
        }
    }
}
