//! The name and description that roles and teams carry, checked the same way for both.

use super::ServiceError;
use crate::model::{AppError, FieldError};
use sea_orm::{DbErr, SqlErr};

/// Trims a `kind`'s ("role", "team") name and description, noting in `fields` what is wrong:
/// a name of 1 to 60 characters on one line, a description of at most 200.
pub(super) fn check(
    kind: &str,
    name: &str,
    description: &str,
    fields: &mut Vec<FieldError>,
) -> (String, String) {
    let name = name.trim().to_string();
    let description = description.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        fields.push(FieldError {
            field: "name".into(),
            message: format!("Give the {kind} a name of 1 to 60 characters, on one line."),
        });
    }
    if description.chars().count() > 200 {
        fields.push(FieldError {
            field: "description".into(),
            message: "Keep the description to 200 characters.".into(),
        });
    }
    (name, description)
}

/// What is wrong with a name another `kind` of the organisation has.
pub(super) fn taken(kind: &str, name: &str) -> FieldError {
    FieldError {
        field: "name".into(),
        message: format!("There is already a {kind} called \"{name}\"; choose another name."),
    }
}

/// A database error, read as "the name is taken" when it broke the unique name index.
pub(super) fn taken_or(kind: &str, error: DbErr, name: &str) -> ServiceError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        let FieldError { field, message } = taken(kind, name);
        AppError::field(&field, message).into()
    } else {
        error.into()
    }
}
