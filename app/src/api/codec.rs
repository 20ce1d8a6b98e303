//! How server functions read their arguments: a form body (`Form`, what a page's forms post, with
//! or without JavaScript) or a JSON body (`JsonBody`); and how they answer: JSON (`Answer`). They
//! work like Leptos' own `PostUrl` and `Json`, except that an argument that cannot be read is
//! refused naming where it is (`form.user_type: unknown variant "boss"…`), and the answer is a
//! 400, never a 500.

use leptos::server_fn::{codec::Post, Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// Arguments as a URL-encoded body, read as `PostUrl` reads them.
pub struct FormEncoding;

/// Arguments in a URL-encoded `POST` body.
pub type Form = Post<FormEncoding>;

impl ContentType for FormEncoding {
    const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";
}

impl FormatType for FormEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for FormEncoding {
    type Error = serde_qs::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_qs::to_string(value).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for FormEncoding {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        // The settings `PostUrl` reads with: nesting up to 5 levels, brackets encoded or not.
        let config = serde_qs::Config::new(5, false);
        let deserializer =
            serde_qs::Deserializer::with_config(&config, &bytes).map_err(|e| e.to_string())?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| e.to_string())
    }
}

/// Arguments as a JSON body, read as `Json` reads them.
pub struct JsonEncoding;

/// Arguments in a JSON `POST` body.
pub type JsonBody = Post<JsonEncoding>;

impl ContentType for JsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonEncoding {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

/// Every server function's answer: JSON in the body, as arguments are.
pub type Answer = Post<JsonEncoding>;

impl<T: DeserializeOwned> Decodes<T> for JsonEncoding {
    type Error = String;

    /// On the server (arguments), naming where a value cannot be read. In the browser
    /// (answers), exactly as the data a page carries for its resources is read
    /// (`serde_json::from_str`), so that the WebAssembly holds one JSON reader per type instead
    /// of two.
    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        #[cfg(feature = "ssr")]
        {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let value =
                serde_path_to_error::deserialize(&mut deserializer).map_err(|e| e.to_string())?;
            deserializer.end().map_err(|e| e.to_string())?;
            Ok(value)
        }
        #[cfg(not(feature = "ssr"))]
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}
