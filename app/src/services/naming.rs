//! The name and description that roles and teams carry, checked the same way for both.

use super::{
    text::{self, TextProblem},
    ServiceError,
};
use crate::{
    msg,
    services::messages::{FieldProblem, Refusal},
};
use sea_orm::{DbErr, SqlErr};

/// What carries the name: a role or a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Named {
    Role,
    Team,
}

/// A role's or team's name and description as they are stored (see [`text::name`]), noting in
/// `fields` what is wrong: a name of 1 to 60 characters on one line, a description of at most 200
/// on one line, neither with invisible characters.
pub(super) fn check(
    kind: Named,
    name: &str,
    description: &str,
    fields: &mut Vec<FieldProblem>,
) -> (String, String) {
    let name = match text::name(name) {
        Ok(name) if !name.is_empty() && name.chars().count() <= 60 => name,
        Err(TextProblem::Invisible) => {
            fields.push(FieldProblem {
                field: "name",
                message: text::refusal(TextProblem::Invisible, false),
            });
            String::new()
        }
        _ => {
            fields.push(FieldProblem {
                field: "name",
                message: match kind {
                    Named::Role => msg!("msg.roles.name_invalid"),
                    Named::Team => msg!("msg.teams.name_invalid"),
                },
            });
            String::new()
        }
    };
    let description = match text::name(description) {
        Ok(description) if description.chars().count() <= 200 => description,
        Ok(_) => {
            fields.push(FieldProblem {
                field: "description",
                message: msg!("msg.naming.description_too_long"),
            });
            String::new()
        }
        Err(problem) => {
            fields.push(FieldProblem {
                field: "description",
                message: text::refusal(problem, false),
            });
            String::new()
        }
    };
    (name, description)
}

/// What is wrong with a name another role or team of the organisation has.
pub(super) fn taken(kind: Named, name: &str) -> FieldProblem {
    FieldProblem {
        field: "name",
        message: match kind {
            Named::Role => msg!("msg.roles.name_taken", name = name),
            Named::Team => msg!("msg.teams.name_taken", name = name),
        },
    }
}

/// A database error, read as "the name is taken" when it broke the unique name index.
pub(super) fn taken_or(kind: Named, error: DbErr, name: &str) -> ServiceError {
    if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        let FieldProblem { field, message } = taken(kind, name);
        Refusal::field(field, message).into()
    } else {
        error.into()
    }
}
