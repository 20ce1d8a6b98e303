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
    entities::{role, team, team_member, user, user_role},
    model::{
        account::{AccountForm, INVITATION_DAYS},
        import::{
            ImportRequest, ImportReview, ReadyRow, RowProblem, IMPORT_COLUMNS, IMPORT_MAX_BYTES,
            IMPORT_MAX_ROWS, IMPORT_PREVIEW_ROWS,
        },
        Feature, PlatformRole, UserStatus, UserType,
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

mod read;
use read::{read, refuse, Row};

/// Rows inserted per statement: well under both databases' limits on bound values.
const CHUNK: usize = 400;

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
            .filter(user::Column::ReplacedBy.is_null())
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
    teams: Vec<team::Model>,
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
    let teams = Teams::read(db, actor).await?;
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
        let joins = teams.named(&row.team_names, &mut said);
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
                teams: joins,
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

/// The teams a file may name, and whether the importer may add members to each.
struct Teams {
    /// By name in lower case: the team, or why the importer may not add to it.
    by_name: HashMap<String, Result<team::Model, Message>>,
    helpdesk: bool,
}

impl Teams {
    async fn read(db: &impl ConnectionTrait, actor: &Actor<'_>) -> ServiceResult<Self> {
        let mut by_name = HashMap::new();
        for (name, team) in super::teams::by_name(db, actor.organisation_id()).await? {
            let may = match super::teams::require_member_manager(db, actor, &team).await {
                Ok(()) => Ok(team),
                Err(ServiceError::Refused(refused)) => Err(refused.sentence()),
                Err(other) => return Err(other),
            };
            by_name.insert(name, may);
        }
        Ok(Self {
            by_name,
            helpdesk: actor.user.features.contains(&Feature::Helpdesk),
        })
    }

    /// The teams `names` name, each once; what is wrong with any of them goes to `said`.
    fn named(&self, names: &[String], said: &mut Vec<Message>) -> Vec<team::Model> {
        if !names.is_empty() && !self.helpdesk {
            said.push(msg!("msg.teams.no_helpdesk"));
            return Vec::new();
        }
        let mut found: Vec<team::Model> = Vec::new();
        for name in names {
            match self.by_name.get(&name.to_lowercase()) {
                Some(Ok(team)) if found.iter().any(|f| f.id == team.id) => {}
                Some(Ok(team)) => found.push(team.clone()),
                Some(Err(refused)) => said.push(refused.clone()),
                None => said.push(msg!("msg.import.unknown_team", name = name)),
            }
        }
        found
    }
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
    let (mut team_members, mut team_entries) = (Vec::new(), Vec::new());
    let mut joined_teams = BTreeSet::new();
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
        for team in &r.teams {
            let (member, entry) = super::teams::joined(actor, team, user_id);
            team_members.push(member);
            team_entries.push(audit::row(entry));
            joined_teams.insert(team.id);
        }
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
    for chunk in team_members.chunks(CHUNK) {
        team_member::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    for team in joined_teams {
        super::locking::bump_version::<team::Entity>(&txn, team).await?;
    }
    entries.extend(team_entries);
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
