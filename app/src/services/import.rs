//! Inviting many people at once from a CSV file. The file is checked row by row against the same
//! rules as the Invite form (fields, unique address, roles the admin may give); a review says
//! what would happen, and sending invites everyone in one transaction, or nobody when any row has
//! a problem.

use super::{
    accounts::invitation_email,
    acting::{check_grants, Actor},
    audit, mail,
    people::NewUser,
    people::{check_form, unique_email},
    tokens::{Minted, TokenKind},
    AppState, ServiceError, ServiceResult,
};
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{
    entities::{role, user, user_role},
    model::{
        account::{AccountForm, INVITATION_DAYS},
        import::{
            ImportRequest, ImportReview, ReadyRow, RowProblem, IMPORT_COLUMNS, IMPORT_MAX_BYTES,
            IMPORT_MAX_ROWS, IMPORT_PREVIEW_ROWS,
        },
        PlatformRole, UserStatus, UserType,
    },
};
use crate::{
    msg,
    services::messages::{one_decimal, Message, Refusal},
};
use sea_orm::{
    prelude::*,
    sea_query::{ExprTrait, Func, SimpleExpr},
    ActiveValue::Set,
    QuerySelect,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Rows inserted per statement: well under both databases' limits on bound values.
const CHUNK: usize = 400;

/// One row of the file, read.
struct Row {
    line: usize,
    form: AccountForm,
    user_type: Option<UserType>,
    role_names: Vec<String>,
}

fn refuse(message: Message) -> ServiceError {
    Refusal::field("csv", message).into()
}

/// The header's name for a column, as we compare it.
fn column_key(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace([' ', '-'], "_")
}

/// A user type by its code or its label ("Tenant admin", "tenant_admin"); blank means Agent.
fn parse_user_type(text: &str) -> Option<UserType> {
    let key = column_key(text);
    if key.is_empty() {
        return Some(UserType::Agent);
    }
    UserType::ALL
        .iter()
        .copied()
        .find(|t| t.code() == key || column_key(t.label()) == key)
}

/// Reads the file: the header must name the required columns and no unknown ones.
fn read(csv_text: &str) -> ServiceResult<Vec<Row>> {
    if csv_text.len() > IMPORT_MAX_BYTES {
        return Err(refuse(msg!(
            "msg.import.too_big",
            size = one_decimal(csv_text.len() as f64 / 1_048_576.0),
            max = IMPORT_MAX_BYTES / 1_048_576
        )));
    }
    if csv_text.contains('\u{fffd}') {
        return Err(refuse(msg!("msg.import.not_utf8")));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| refuse(msg!("msg.import.unreadable", error = e.to_string())))?
        .iter()
        .map(column_key)
        .collect::<Vec<_>>();
    let known: Vec<&str> = IMPORT_COLUMNS.iter().map(|(name, _)| *name).collect();
    // A trailing comma in the first line (spreadsheets add them) names no column.
    if let Some(unknown) = headers
        .iter()
        .find(|h| !h.is_empty() && !known.contains(&h.as_str()))
    {
        return Err(refuse(msg!(
            "msg.import.unknown_column",
            column = unknown,
            columns = known.join(", ")
        )));
    }
    let missing: Vec<&str> = ["email", "first_name", "last_name", "roles"]
        .into_iter()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(refuse(msg!(
            "msg.import.missing_columns",
            columns = missing.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refuse(msg!(
                "msg.import.line_unreadable",
                line = line,
                error = e.to_string()
            ))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let unnamed = record
            .iter()
            .enumerate()
            .any(|(i, value)| !value.is_empty() && headers.get(i).is_none_or(String::is_empty));
        if unnamed {
            let line = record.position().map_or(0, |p| p.line());
            return Err(refuse(msg!("msg.import.unnamed_value", line = line)));
        }
        if rows.len() == IMPORT_MAX_ROWS {
            return Err(refuse(msg!(
                "msg.import.too_many_rows",
                max = IMPORT_MAX_ROWS
            )));
        }
        let field = |name: &str| -> String {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        rows.push(Row {
            line,
            user_type: parse_user_type(&field("user_type")),
            role_names: field("roles")
                .split([';', '|'])
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
            form: AccountForm {
                first_name: field("first_name"),
                last_name: field("last_name"),
                email: field("email"),
                phone: field("phone"),
                external_id: field("external_id"),
                timezone: field("timezone"),
                roles: Vec::new(),
                access_until: field("access_until"),
            },
        });
    }
    if rows.is_empty() {
        return Err(refuse(msg!("msg.import.no_rows")));
    }
    Ok(rows)
}

/// The addresses among `emails` (lowercase) that already have an account in the organisation.
async fn taken_emails(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    emails: &[String],
) -> ServiceResult<HashSet<String>> {
    let mut taken = HashSet::new();
    for chunk in emails.chunks(1000) {
        let lower: SimpleExpr = Func::lower(Expr::col(user::Column::Email)).into();
        let found: Vec<String> = user::Entity::find()
            .select_only()
            .expr(lower.clone())
            .filter(user::Column::OrganisationId.eq(organisation_id))
            .filter(lower.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(found);
    }
    Ok(taken)
}

/// A row that passed every check.
struct Ready {
    line: usize,
    checked: super::people::Checked,
    user_type: UserType,
    roles: Vec<role::Model>,
}

/// Checks every row, collecting every problem of every row.
async fn review(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    rows: Vec<Row>,
) -> ServiceResult<(Vec<Ready>, Vec<RowProblem>)> {
    let organisation_id = actor.organisation_id();
    let roles: Vec<role::Model> = role::Entity::find()
        .filter(role::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?;
    let by_name: HashMap<String, &role::Model> =
        roles.iter().map(|r| (r.name.to_lowercase(), r)).collect();
    let emails: Vec<String> = rows
        .iter()
        .map(|r| super::people::normalise_email(&r.form.email))
        .collect();
    let taken = taken_emails(db, organisation_id, &emails).await?;
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    // Whether the actor may give a user type with a set of roles, asked once per combination.
    let mut grants: HashMap<(UserType, BTreeSet<Uuid>), Option<Refusal>> = HashMap::new();
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    for (mut row, email) in rows.into_iter().zip(&emails) {
        let mut found = Vec::new();
        let mut said = Vec::new();
        for name in &row.role_names {
            match by_name.get(&name.to_lowercase()) {
                Some(r) if found.iter().any(|f: &role::Model| f.id == r.id) => {}
                Some(r) => found.push((*r).clone()),
                None => said.push(msg!("msg.import.unknown_role", name = name)),
            }
        }
        row.form.roles = found.iter().map(|r| r.id).collect();
        let checked = match check_form(&row.form, None) {
            Ok(checked) => Some(checked),
            Err(Refusal::Invalid { fields, .. }) => {
                said.extend(
                    fields
                        .into_iter()
                        // Unknown role names were already said.
                        .filter(|f| f.field != "roles" || row.role_names.is_empty())
                        .map(|f| f.message),
                );
                None
            }
            Err(other) => return Err(other.into()),
        };
        if row.user_type.is_none() {
            said.push(msg!("msg.import.unknown_user_type"));
        }
        if !email.is_empty() {
            if taken.contains(email) {
                said.push(msg!("msg.accounts.email_taken", email = row.form.email));
            }
            match first_line.get(email.as_str()) {
                Some(line) => said.push(msg!("msg.import.duplicate_address", line = line)),
                None => {
                    first_line.insert(email, row.line);
                }
            }
        }
        if let (Some(user_type), true) = (row.user_type, said.is_empty()) {
            let key = (
                user_type,
                found.iter().map(|r| r.id).collect::<BTreeSet<_>>(),
            );
            if !grants.contains_key(&key) {
                let verdict = match check_grants(db, actor, Some(user_type), &found).await {
                    Ok(()) => None,
                    Err(ServiceError::Refused(refused)) => Some(refused),
                    Err(other) => return Err(other),
                };
                grants.insert(key.clone(), verdict);
            }
            if let Some(Some(refused)) = grants.get(&key) {
                said.push(refused.sentence());
            }
        }
        match (checked, row.user_type) {
            (Some(checked), Some(user_type)) if said.is_empty() => ready.push(Ready {
                line: row.line,
                checked,
                user_type,
                roles: found,
            }),
            _ => problems.push(RowProblem {
                line: row.line,
                email: row.form.email,
                problems: said.iter().map(|m| m.in_(actor.user.locale)).collect(),
            }),
        }
    }
    Ok((ready, problems))
}

/// Reviews the file and, when asked and nothing is wrong, invites everyone in it.
pub async fn import(
    state: &AppState,
    actor: &Actor<'_>,
    request: &ImportRequest,
) -> ServiceResult<ImportReview> {
    let rows = read(&request.csv)?;
    let count = rows.len();
    let (ready, problems) = review(&state.db, actor, rows).await?;
    let mut outcome = ImportReview {
        rows: count,
        ready: ready.len(),
        preview: ready
            .iter()
            .take(IMPORT_PREVIEW_ROWS)
            .map(|r| ReadyRow {
                line: r.line,
                name: crate::model::session::display_name(
                    &r.checked.first_name,
                    &r.checked.last_name,
                    &r.checked.email,
                ),
                email: r.checked.email.clone(),
                user_type: r.user_type,
                roles: r.roles.iter().map(|role| role.name.clone()).collect(),
            })
            .collect(),
        problems,
        invited: 0,
    };
    if request.send && outcome.problems.is_empty() {
        outcome.invited = invite_all(state, actor, &ready).await?;
    }
    Ok(outcome)
}

/// Writes every account, role, link, email and audit entry in one transaction.
async fn invite_all(state: &AppState, actor: &Actor<'_>, ready: &[Ready]) -> ServiceResult<usize> {
    let organisation_id = actor.organisation_id();
    let organisation = actor.user.organisation.name.clone();
    let inviter = actor.name();
    let valid_for = chrono::Duration::days(INVITATION_DAYS);
    let mut users = Vec::with_capacity(ready.len());
    let mut memberships = Vec::new();
    let mut messages = Vec::with_capacity(ready.len());
    let mut links = Vec::with_capacity(ready.len());
    let mut entries = Vec::with_capacity(ready.len());
    for r in ready {
        let c = &r.checked;
        let mut model = NewUser {
            organisation_id,
            email: &c.email,
            first_name: &c.first_name,
            last_name: &c.last_name,
            user_type: r.user_type,
            status: UserStatus::Invited,
            password_hash: None,
            must_change_password: false,
            platform_role: PlatformRole::None,
        }
        .into_active_model();
        model.phone = Set(c.phone.clone());
        model.external_id = Set(c.external_id.clone());
        model.timezone = Set(c.timezone.clone());
        model.access_expires_at = Set(c.access_ends);
        // Invitees start in the language of whoever invites them.
        model.locale = Set(actor.user.locale);
        let user_id = Uuid::new_v4();
        model.id = Set(user_id);
        users.push(model);
        memberships.extend(r.roles.iter().map(|role| user_role::ActiveModel {
            user_id: Set(user_id),
            role_id: Set(role.id),
        }));
        let minted = Minted::new(TokenKind::Invitation);
        let email = invitation_email(
            state,
            &organisation,
            &inviter,
            (&c.email, &c.first_name, actor.user.locale),
            &minted,
        );
        let (message_id, message) = mail::outbox_row(Some(organisation_id), email);
        messages.push(message);
        links.push(minted.row(user_id, valid_for, Some(actor.user.id), Some(message_id)));
        entries.push(audit::row(
            actor.audit(
                AuditAction::UserInvited,
                user_id,
                audit::Changes::new()
                    .added("email", &c.email)
                    .added("first_name", &c.first_name)
                    .added("last_name", &c.last_name)
                    .added("user_type", r.user_type)
                    .added(
                        "roles",
                        r.roles.iter().map(|role| &role.name).collect::<Vec<_>>(),
                    )
                    .added("onboarding", "csv_import")
                    .added("line", r.line),
            ),
        ));
    }
    let txn = OrgTxn::begin(&state.db, organisation_id).await?;
    super::licence::reserve_seats(&txn, users.len() as u64).await?;
    for chunk in users.chunks(CHUNK) {
        user::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .map_err(|e| match unique_email(e, "") {
                ServiceError::Refused(_) => refuse(msg!("msg.import.added_meanwhile")),
                other => other,
            })?;
    }
    for chunk in memberships.chunks(CHUNK) {
        user_role::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in messages.chunks(CHUNK) {
        crate::entities::outbox_message::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in links.chunks(CHUNK) {
        crate::entities::token::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for chunk in entries.chunks(CHUNK) {
        crate::entities::audit_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    state.mail.wake();
    Ok(ready.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely_and_checked() {
        let rows = read("\u{feff}Email,First Name,last-name,ROLES\nada@x.example,Ada,Lovelace,Agent; Viewer\n\n")
            .map_err(|e| e.to_string())
            .expect("read");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].form.email, "ada@x.example");
        assert_eq!(rows[0].role_names, ["Agent", "Viewer"]);
        assert_eq!(rows[0].user_type, Some(UserType::Agent));

        let unknown = read("email,first_name,last_name,roles,shoe_size\n")
            .err()
            .map(|e| e.to_string());
        assert!(unknown.is_some_and(|m| m.contains("shoe_size")));
        let missing = read("email,first_name\nada@x.example,Ada\n")
            .err()
            .map(|e| e.to_string());
        assert!(missing.is_some_and(|m| m.contains("last_name, roles")));
        let empty = read("email,first_name,last_name,roles\n")
            .err()
            .map(|e| e.to_string());
        assert!(empty.is_some_and(|m| m.contains("no people")));
    }

    #[test]
    fn stray_values_and_other_encodings_are_refused() {
        let trailing = read("email,first_name,last_name,roles,\nada@x.example,Ada,L,Agent,\n");
        assert!(trailing.is_ok(), "an empty trailing column is fine");
        let stray = read("email,first_name,last_name,roles\nada@x.example,Ada,L,Agent,Viewer\n")
            .err()
            .map(|e| e.to_string());
        assert!(stray.is_some_and(|m| m.contains("Line 2") && m.contains("semicolons")));
        let latin = read("email,first_name,last_name,roles\nren@x.example,Ren\u{fffd},D,Agent\n")
            .err()
            .map(|e| e.to_string());
        assert!(latin.is_some_and(|m| m.contains("UTF-8")));
    }

    #[test]
    fn user_types_by_code_or_label() {
        assert_eq!(parse_user_type("Tenant admin"), Some(UserType::TenantAdmin));
        assert_eq!(parse_user_type("bot_admin"), Some(UserType::BotAdmin));
        assert_eq!(parse_user_type(""), Some(UserType::Agent));
        assert_eq!(parse_user_type("wizard"), None);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let mut text = String::from("email,first_name,last_name,roles\n");
        for i in 0..=IMPORT_MAX_ROWS {
            text.push_str(&format!("p{i}@x.example,P,{i},Agent\n"));
        }
        let refused = read(&text).err().map(|e| e.to_string());
        assert!(refused.is_some_and(|m| m.contains("more than 10000")));
    }
}
