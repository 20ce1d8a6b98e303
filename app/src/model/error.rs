//! The one error type that crosses from server to browser. Every message is meant for a person.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A problem with one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Everything a server function can refuse with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Please sign in again.")]
    Unauthenticated,
    #[error("Please choose a new password before you continue.")]
    PasswordChangeRequired,
    #[error("You are not allowed to {0}.")]
    Forbidden(String),
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{message}")]
    Invalid {
        message: String,
        fields: Vec<FieldError>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    Throttled {
        message: String,
        retry_after_secs: u64,
    },
    /// The request itself could not be read (a missing or malformed argument, a body too large):
    /// what the page sends never gets this, a hand-made request may.
    #[error("This request could not be read: {0}. Reload the page and try again.")]
    Malformed(String),
    #[error("Something went wrong on our side. Please try again in a moment (reference {0}).")]
    Internal(String),
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The error's words in `l`, as a person reads them (`to_string` gives the English).
    pub fn message(&self, l: crate::i18n::Locale) -> String {
        use crate::tr;
        match self {
            AppError::Unauthenticated => tr!(l, "msg.error.unauthenticated"),
            AppError::PasswordChangeRequired => tr!(l, "msg.error.password_change_required"),
            AppError::Forbidden(action) => tr!(l, "msg.error.forbidden", action = action),
            AppError::NotFound(what) => tr!(l, "msg.error.not_found", what = what),
            AppError::Internal(reference) => {
                tr!(l, "msg.error.internal", reference = reference)
            }
            AppError::Transport(detail) => tr!(l, "msg.error.transport", detail = detail),
            AppError::Malformed(detail) => tr!(l, "msg.error.malformed", detail = detail),
            AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Throttled { .. } => {
                self.to_string()
            }
        }
    }

    /// A validation failure of a single field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Invalid {
            message: message.clone(),
            fields: vec![FieldError {
                field: field.to_string(),
                message,
            }],
        }
    }

    /// The message for `field`, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::PasswordChangeRequired | AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::Throttled { .. } => 429,
            AppError::Malformed(detail) if detail == BODY_TOO_LARGE => 413,
            AppError::Malformed(_) => 400,
            AppError::Internal(_) | AppError::Transport(_) => 500,
        }
    }
}

/// The detail of a `Malformed` refusal of a body over the size limit, answered 413 (the server's
/// body limit refuses such requests before any server function runs).
pub const BODY_TOO_LARGE: &str = "the request body is larger than the server accepts";

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, a request whose arguments could not be read (the only way these errors
    /// arise there) is refused as malformed, with a 400 or 413; in the browser, a failure to
    /// reach the server or read its answer is a transport error.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        if let ServerFnErrorErr::Args(detail)
        | ServerFnErrorErr::MissingArg(detail)
        | ServerFnErrorErr::Deserialization(detail) = &value
        {
            let error = AppError::Malformed(detail.trim().to_string());
            crate::api::guard::mark_response(&error);
            return error;
        }
        AppError::Transport(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::AppError;
    use crate::i18n::Locale;

    #[test]
    fn messages_in_english_are_the_errors_own_words() {
        for error in [
            AppError::Unauthenticated,
            AppError::PasswordChangeRequired,
            AppError::Forbidden("suspend yourself".into()),
            AppError::NotFound("That person".into()),
            AppError::Conflict("Taken.".into()),
            AppError::Internal("ab12cd34".into()),
            AppError::Transport("offline".into()),
            AppError::Malformed("missing field `slug`".into()),
        ] {
            assert_eq!(error.message(Locale::En), error.to_string());
        }
        assert_eq!(
            AppError::NotFound("Cette personne".into()).message(Locale::Fr),
            "Cette personne est introuvable."
        );
    }
}
