//! Teams: groups of people with MEMBER or MANAGER standing, and the signature of the team's
//! public replies. Those who may manage teams do everything; a team's managers change its
//! members (not its managers) and its signature without being administrators. Suspended people
//! cannot be added.

use crate::services::audit::AuditAction;
mod members;
mod signatures;

pub use members::*;
pub use signatures::*;

use super::{
    acting::{that_person, Actor},
    audit::{self, AuditEntry, Changes},
    naming::{self, Named},
    now,
    people::find_user_by_email,
    ServiceResult,
};
use crate::services::locking::{bump_version, claim_version, OrgTxn};
use crate::{
    entities::{organisation, team, team_member, user},
    model::{
        account::{Assignable, NAME_SEARCH_MIN_CHARS},
        teams::{
            render_signature, unknown_placeholders, PersonTeam, TeamDetail, TeamForm, TeamMember,
            TeamRole, TeamSummary, SIGNATURE_MAX_CHARS,
        },
        users::Moment,
        Permission, UserStatus,
    },
};
use crate::{msg, services::messages::Refusal};
use sea_orm::{prelude::*, ActiveValue::Set, QueryOrder};

/// The organisation's teams as person `user_id`'s page shows them: those the person is in, and
/// those the actor may add them to (every team for those who manage teams, else the teams the
/// actor manages). Another organisation's person is "not found".
pub async fn of_person(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    user_id: Uuid,
) -> ServiceResult<Vec<PersonTeam>> {
    let organisation_id = actor.user.organisation.id;
    user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .ok_or_else(that_person)?;
    let teams = team::Entity::find()
        .filter(team::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    let rows = team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(teams.iter().map(|t| t.id)))
        .filter(team_member::Column::UserId.is_in([user_id, actor.user.id]))
        .all(db)
        .await?;
    let role_of = |team: Uuid, person: Uuid| {
        rows.iter()
            .find(|m| m.team_id == team && m.user_id == person)
            .map(|m| m.role)
    };
    let manages_all = actor.user.can(Permission::TeamsManage);
    Ok(teams
        .into_iter()
        .map(|t| PersonTeam {
            role: role_of(t.id, user_id),
            can_change: manages_all || role_of(t.id, actor.user.id) == Some(TeamRole::Manager),
            id: t.id,
            name: t.name,
        })
        .filter(|t| t.role.is_some() || t.can_change)
        .collect())
}

/// Every team of the organisation by name, with its size and managers.
pub async fn list(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    only_of: Option<Uuid>,
) -> ServiceResult<Vec<TeamSummary>> {
    let mut query = team::Entity::find().filter(team::Column::OrganisationId.eq(organisation_id));
    if let Some(person) = only_of {
        query = query.filter(
            team::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(team_member::Column::TeamId)
                    .from(team_member::Entity)
                    .and_where(team_member::Column::UserId.eq(person))
                    .to_owned(),
            ),
        );
    }
    let teams = query.order_by_asc(team::Column::Name).all(db).await?;
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(teams.iter().map(|t| t.id)))
        .all(db)
        .await?;
    let managers = user::Entity::find()
        .filter(
            user::Column::Id.is_in(
                members
                    .iter()
                    .filter(|m| m.role == TeamRole::Manager)
                    .map(|m| m.user_id),
            ),
        )
        .all(db)
        .await?;
    Ok(teams
        .into_iter()
        .map(|t| TeamSummary {
            members: members.iter().filter(|m| m.team_id == t.id).count() as u64,
            managers: members
                .iter()
                .filter(|m| m.team_id == t.id && m.role == TeamRole::Manager)
                .filter_map(|m| {
                    managers
                        .iter()
                        .find(|u| u.id == m.user_id)
                        .map(user::Model::display_name)
                })
                .collect(),
            id: t.id,
            name: t.name,
            description: t.description,
        })
        .collect())
}

/// Team `id` of the actor's organisation; another organisation's team is "not found".
async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(id)
        .filter(team::Column::OrganisationId.eq(actor.user.organisation.id))
        .one(db)
        .await?
        .ok_or_else(|| that_team().into())
}

async fn is_manager(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    team_id: Uuid,
) -> ServiceResult<bool> {
    Ok(team_member::Entity::find_by_id((team_id, actor.user.id))
        .one(db)
        .await?
        .is_some_and(|m| m.role == TeamRole::Manager))
}

/// Team `id` as its page shows it: to those who see the organisation's people, and to its own
/// members.
pub async fn detail(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<TeamDetail> {
    let team = find(db, actor, id).await?;
    let rows = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team.id))
        .all(db)
        .await?;
    // Those who see the organisation's people see every team; others only their own.
    if !actor.user.can(Permission::UsersView) && !rows.iter().any(|m| m.user_id == actor.user.id) {
        return Err(Refusal::lacks(Permission::UsersView).into());
    }
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
        .order_by_asc(user::Column::FirstName)
        .order_by_asc(user::Column::LastName)
        .all(db)
        .await?;
    let at = now();
    let members = people
        .into_iter()
        .filter_map(|u| {
            let row = rows.iter().find(|m| m.user_id == u.id)?;
            Some(TeamMember {
                user_id: u.id,
                name: u.display_name(),
                status: u.status,
                email: u.email,
                role: row.role,
                added: Moment::new(row.added_at, at),
            })
        })
        .collect();
    let can_manage_teams = actor.user.can(Permission::TeamsManage);
    Ok(TeamDetail {
        id: team.id,
        version: team.version,
        can_manage_members: can_manage_teams || is_manager(db, actor, team.id).await?,
        can_manage_teams,
        name: team.name,
        description: team.description,
        signature: team.signature,
        members,
    })
}

fn require_teams_manager(actor: &Actor<'_>) -> ServiceResult<()> {
    if actor.user.can(Permission::TeamsManage) {
        Ok(())
    } else {
        Err(Refusal::Forbidden(msg!("msg.teams.manage_forbidden")).into())
    }
}

/// Refuses unless the actor may change team `id`'s members and signature: they manage teams, or
/// they are one of its managers.
pub(crate) async fn require_member_manager(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    team: &team::Model,
) -> ServiceResult<()> {
    if actor.user.can(Permission::TeamsManage) || is_manager(db, actor, team.id).await? {
        Ok(())
    } else {
        Err(Refusal::Forbidden(msg!("msg.teams.members_forbidden", team = team.name)).into())
    }
}

fn check_form(form: &TeamForm) -> Result<(String, String), Refusal> {
    let mut fields = Vec::new();
    let (name, description) =
        naming::check(Named::Team, &form.name, &form.description, &mut fields);
    match fields.first() {
        None => Ok((name, description)),
        Some(first) => Err(Refusal::Invalid {
            message: first.message.clone(),
            fields,
        }),
    }
}

/// Creates a team; returns its id.
pub async fn create(
    state: &super::AppState,
    actor: &Actor<'_>,
    form: &TeamForm,
) -> ServiceResult<Uuid> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let id = create_in(&txn, actor, form).await?;
    txn.commit().await?;
    Ok(id)
}

/// Creates a team inside `txn` (which holds the organisation's lock); returns its id.
pub(crate) async fn create_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    form: &TeamForm,
) -> ServiceResult<Uuid> {
    require_teams_manager(actor)?;
    let (name, description) = check_form(form)?;
    let at = now();
    let created = team::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(actor.user.organisation.id),
        name: Set(name.clone()),
        description: Set(description.clone()),
        signature: Set(String::new()),
        external_id: Set(None),
        created_at: Set(at),
        version: Set(1),
        updated_at: Set(at),
    }
    .insert(txn)
    .await
    .map_err(|e| naming::taken_or(Named::Team, e, &name))?;
    audit::record(
        txn,
        actor.audit_of(
            AuditAction::TeamCreated,
            "team",
            created.id,
            Changes::new()
                .added("name", &name)
                .added("description", &description),
        ),
    )
    .await?;
    Ok(created.id)
}

/// The team, its version claimed when `version` (the one its form was read at) is given.
async fn locked(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    version: Option<i32>,
) -> ServiceResult<team::Model> {
    let team = find(txn, actor, id).await?;
    if let Some(read) = version {
        claim_version::<team::Entity>(txn, id, read, || {
            Refusal::Conflict(msg!("msg.teams.changed_meanwhile"))
        })
        .await?;
    }
    Ok(team)
}

/// The organisation's teams by their names in lower case: what an import file names.
pub(crate) async fn by_name(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
) -> ServiceResult<std::collections::HashMap<String, team::Model>> {
    Ok(team::Entity::find()
        .filter(team::Column::OrganisationId.eq(organisation_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name.to_lowercase(), t))
        .collect())
}

/// The row making person `user_id` a member of `team`, and its audit entry: what an import
/// writes for each team of each new person.
pub(crate) fn joined<'a>(
    actor: &Actor<'_>,
    team: &team::Model,
    user_id: Uuid,
) -> (team_member::ActiveModel, AuditEntry<'a>) {
    (
        team_member::ActiveModel {
            team_id: Set(team.id),
            user_id: Set(user_id),
            role: Set(TeamRole::Member),
            added_at: Set(now()),
        },
        membership_entry(actor, team, user_id, None, Some(TeamRole::Member)),
    )
}

/// The audit entry of person `user_id`'s membership of `team` changing from `before` (not a
/// member: `None`) to `after`: recorded on the person, naming the team.
fn membership_entry<'a>(
    actor: &Actor<'_>,
    team: &team::Model,
    user_id: Uuid,
    before: Option<TeamRole>,
    after: Option<TeamRole>,
) -> AuditEntry<'a> {
    let changes = match (before, after) {
        (None, _) => Changes::new().added("team", &team.name),
        (_, None) => Changes::new().removed("team", &team.name),
        _ => Changes::new().same("team", &team.name),
    };
    actor.audit(
        if after.is_some() {
            AuditAction::TeamMemberSet
        } else {
            AuditAction::TeamMemberRemoved
        },
        user_id,
        changes.field(
            "team_role",
            before.map(TeamRole::code),
            after.map(TeamRole::code),
        ),
    )
}

/// Renames team `id` or changes its description.
pub async fn update(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    form: &TeamForm,
    version: i32,
) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    update_in(&txn, actor, id, form, Some(version)).await?;
    txn.commit().await?;
    Ok(())
}

/// Renames team `id` or changes its description inside `txn`, refused when it changed since
/// `version` was read (when given).
pub(crate) async fn update_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    form: &TeamForm,
    version: Option<i32>,
) -> ServiceResult<()> {
    require_teams_manager(actor)?;
    let (name, description) = check_form(form)?;
    let team = locked(txn, actor, id, version).await?;
    if team.name == name && team.description == description {
        return Ok(());
    }
    let mut model: team::ActiveModel = team.clone().into();
    model.name = Set(name.clone());
    model.description = Set(description.clone());
    model
        .update(txn)
        .await
        .map_err(|e| naming::taken_or(Named::Team, e, &name))?;
    audit::record(
        txn,
        actor.audit_of(
            AuditAction::TeamUpdated,
            "team",
            team.id,
            Changes::new().field("name", &team.name, &name).field(
                "description",
                &team.description,
                &description,
            ),
        ),
    )
    .await?;
    Ok(())
}

/// Deletes team `id`; its members stay in the organisation.
pub async fn delete(state: &super::AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    require_teams_manager(actor)?;
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let team = locked(&txn, actor, id, None).await?;
    let members = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team.id))
        .all(&txn)
        .await?;
    team_member::Entity::delete_many()
        .filter(team_member::Column::TeamId.eq(team.id))
        .exec(&txn)
        .await?;
    team::Entity::delete_by_id(team.id).exec(&txn).await?;
    // Each member's entry says which team they left and in what role.
    let mut entries: Vec<_> = members
        .iter()
        .map(|m| membership_entry(actor, &team, m.user_id, Some(m.role), None))
        .collect();
    entries.push(
        actor.audit_of(
            AuditAction::TeamDeleted,
            "team",
            team.id,
            Changes::new()
                .removed("name", &team.name)
                .removed("description", &team.description),
        ),
    );
    audit::record_all(&txn, entries).await?;
    txn.commit().await?;
    Ok(())
}

/// The refusal for a team that is not there (or is another organisation's).
pub fn that_team() -> Refusal {
    Refusal::NotFound(msg!("msg.teams.that_team"))
}
