//! Teams: groups of people with MEMBER or MANAGER standing, and the signature of the team's
//! public replies. Those who may manage teams do everything; a team's managers change its
//! members (not its managers) and its signature without being administrators. Suspended people
//! cannot be added.

use super::{
    acting::{lock_organisation, that_person, Actor},
    audit,
    naming::{self, Named},
    now,
    people::find_user_by_email,
    ServiceResult,
};
use crate::{
    entities::{organisation, team, team_member, user},
    i18n::request_locale,
    model::{
        account::{Assignable, NAME_SEARCH_MIN_CHARS},
        teams::{
            render_signature, unknown_placeholders, PersonTeam, TeamDetail, TeamForm, TeamMember,
            TeamRole, TeamSummary, SIGNATURE_MAX_CHARS,
        },
        users::Moment,
        AppError, Permission, UserStatus,
    },
    tr,
};
use sea_orm::{prelude::*, ActiveValue::Set, DatabaseTransaction, QueryOrder, TransactionTrait};
use serde_json::json;

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
            .and_then(|m| TeamRole::from_code(&m.role))
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
                    .filter(|m| m.role == TeamRole::Manager.code())
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
                .filter(|m| m.team_id == t.id && m.role == TeamRole::Manager.code())
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
        .is_some_and(|m| m.role == TeamRole::Manager.code()))
}

fn version_of(team: &team::Model) -> String {
    team.updated_at.to_rfc3339()
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
        let l = request_locale();
        return Err(
            AppError::Forbidden(Permission::UsersView.description_in(l).to_lowercase()).into(),
        );
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
                status: UserStatus::from_code(&u.status).unwrap_or(UserStatus::Suspended),
                email: u.email,
                role: TeamRole::from_code(&row.role).unwrap_or(TeamRole::Member),
                added: Moment::new(row.added_at, at),
            })
        })
        .collect();
    let can_manage_teams = actor.user.can(Permission::TeamsManage);
    Ok(TeamDetail {
        id: team.id,
        version: version_of(&team),
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
        let l = request_locale();
        Err(AppError::Forbidden(tr!(l, "msg.teams.manage_forbidden")).into())
    }
}

/// Refuses unless the actor may change team `id`'s members and signature: they manage teams, or
/// they are one of its managers.
async fn require_member_manager(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    team: &team::Model,
) -> ServiceResult<()> {
    if actor.user.can(Permission::TeamsManage) || is_manager(db, actor, team.id).await? {
        Ok(())
    } else {
        let l = request_locale();
        Err(AppError::Forbidden(tr!(l, "msg.teams.members_forbidden", team = team.name)).into())
    }
}

fn check_form(form: &TeamForm) -> Result<(String, String), AppError> {
    let mut fields = Vec::new();
    let (name, description) =
        naming::check(Named::Team, &form.name, &form.description, &mut fields);
    match fields.first() {
        None => Ok((name, description)),
        Some(first) => Err(AppError::Invalid {
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
    require_teams_manager(actor)?;
    let (name, description) = check_form(form)?;
    let txn = state.db.begin().await?;
    let at = now();
    let created = team::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(actor.user.organisation.id),
        name: Set(name.clone()),
        description: Set(description.clone()),
        signature: Set(String::new()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&txn)
    .await
    .map_err(|e| naming::taken_or(Named::Team, e, &name))?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.created",
            "team",
            created.id,
            Some(json!({ "name": name, "description": description })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// The team, locked for a change, unless it changed since `version` was read.
async fn locked(
    txn: &DatabaseTransaction,
    actor: &Actor<'_>,
    id: Uuid,
    version: Option<&str>,
) -> ServiceResult<team::Model> {
    lock_organisation(txn, actor.user.organisation.id).await?;
    let team = find(txn, actor, id).await?;
    if version.is_some_and(|v| v != version_of(&team)) {
        let l = request_locale();
        return Err(AppError::Conflict(tr!(l, "msg.teams.changed_meanwhile")).into());
    }
    Ok(team)
}

async fn touch(txn: &DatabaseTransaction, team: &team::Model) -> ServiceResult<()> {
    team::Entity::update_many()
        .col_expr(team::Column::UpdatedAt, Expr::value(now()))
        .filter(team::Column::Id.eq(team.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Renames team `id` or changes its description.
pub async fn update(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    form: &TeamForm,
    version: &str,
) -> ServiceResult<()> {
    require_teams_manager(actor)?;
    let (name, description) = check_form(form)?;
    let txn = state.db.begin().await?;
    let team = locked(&txn, actor, id, Some(version)).await?;
    let mut model: team::ActiveModel = team.clone().into();
    model.name = Set(name.clone());
    model.description = Set(description.clone());
    model.updated_at = Set(now());
    model
        .update(&txn)
        .await
        .map_err(|e| naming::taken_or(Named::Team, e, &name))?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.updated",
            "team",
            team.id,
            Some(json!({ "before": { "name": team.name, "description": team.description }, "after": { "name": name, "description": description } })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Sets team `id`'s signature: its managers or those who manage teams.
pub async fn set_signature(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    signature: &str,
    version: &str,
) -> ServiceResult<()> {
    let l = request_locale();
    let signature = super::text::lines(signature)
        .map_err(|problem| AppError::field("signature", super::text::refusal(problem, true)))?;
    if signature.chars().count() > SIGNATURE_MAX_CHARS {
        return Err(AppError::field(
            "signature",
            tr!(l, "msg.teams.signature_too_long", max = SIGNATURE_MAX_CHARS),
        )
        .into());
    }
    let unknown = unknown_placeholders(&signature);
    if !unknown.is_empty() {
        return Err(AppError::field(
            "signature",
            tr!(
                l,
                "msg.teams.unknown_placeholders",
                placeholders = unknown.join(", ")
            ),
        )
        .into());
    }
    let txn = state.db.begin().await?;
    let team = locked(&txn, actor, id, Some(version)).await?;
    require_member_manager(&txn, actor, &team).await?;
    let mut model: team::ActiveModel = team.clone().into();
    model.signature = Set(signature.clone());
    model.updated_at = Set(now());
    model.update(&txn).await?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.signature_changed",
            "team",
            team.id,
            Some(json!({ "before": team.signature, "after": signature })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes team `id`; its members stay in the organisation.
pub async fn delete(state: &super::AppState, actor: &Actor<'_>, id: Uuid) -> ServiceResult<()> {
    require_teams_manager(actor)?;
    let txn = state.db.begin().await?;
    let team = locked(&txn, actor, id, None).await?;
    team_member::Entity::delete_many()
        .filter(team_member::Column::TeamId.eq(team.id))
        .exec(&txn)
        .await?;
    team::Entity::delete_by_id(team.id).exec(&txn).await?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.deleted",
            "team",
            team.id,
            Some(json!({ "name": team.name })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Adds person `user_id` to team `id` as `role`, or changes their role in it. Managers of the
/// team add members; only those who manage teams choose managers.
pub async fn add_member(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    let team = locked(&txn, actor, id, None).await?;
    require_member_manager(&txn, actor, &team).await?;
    let existing = team_member::Entity::find_by_id((team.id, user_id))
        .one(&txn)
        .await?;
    let touches_manager = role == TeamRole::Manager
        || existing
            .as_ref()
            .is_some_and(|m| m.role == TeamRole::Manager.code());
    if touches_manager {
        require_teams_manager(actor)?;
    }
    let person = user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganisationId.eq(actor.user.organisation.id))
        .one(&txn)
        .await?
        .ok_or_else(that_person)?;
    if person.status == UserStatus::Suspended.code() {
        let l = request_locale();
        return Err(AppError::field(
            "member",
            tr!(
                l,
                "msg.teams.suspended_member",
                name = person.display_name()
            ),
        )
        .into());
    }
    match existing {
        Some(row) => {
            let mut model: team_member::ActiveModel = row.into();
            model.role = Set(role.code().to_string());
            model.update(&txn).await?;
        }
        None => {
            team_member::ActiveModel {
                team_id: Set(team.id),
                user_id: Set(person.id),
                role: Set(role.code().to_string()),
                added_at: Set(now()),
            }
            .insert(&txn)
            .await?;
        }
    }
    touch(&txn, &team).await?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.member_set",
            "team",
            team.id,
            Some(json!({ "user_id": person.id, "email": person.email, "role": role.code() })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Takes person `user_id` out of team `id`. Managers of the team remove members; only those who
/// manage teams remove a manager.
pub async fn remove_member(
    state: &super::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> ServiceResult<()> {
    let txn = state.db.begin().await?;
    let team = locked(&txn, actor, id, None).await?;
    require_member_manager(&txn, actor, &team).await?;
    let Some(row) = team_member::Entity::find_by_id((team.id, user_id))
        .one(&txn)
        .await?
    else {
        let l = request_locale();
        return Err(AppError::NotFound(tr!(l, "msg.teams.that_member")).into());
    };
    if row.role == TeamRole::Manager.code() {
        require_teams_manager(actor)?;
    }
    team_member::Entity::delete_by_id((team.id, user_id))
        .exec(&txn)
        .await?;
    touch(&txn, &team).await?;
    audit::record(
        &txn,
        actor.audit_of(
            "team.member_removed",
            "team",
            team.id,
            Some(json!({ "user_id": user_id })),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Active people of the organisation matching `search` who are not in team `id` yet: whom its
/// managers may add.
pub async fn candidates(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    id: Uuid,
    search: &str,
) -> ServiceResult<Vec<Assignable>> {
    let team = find(db, actor, id).await?;
    require_member_manager(db, actor, &team).await?;
    // A team's manager who may not see the people list finds people by name, a few letters at
    // least, and sees names only: the picker is no way to read the directory.
    let browse = actor.user.can(Permission::UsersView);
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    if !browse && words.concat().chars().count() < NAME_SEARCH_MIN_CHARS {
        let l = request_locale();
        return Err(AppError::field(
            "search",
            tr!(l, "msg.teams.search_too_short", min = NAME_SEARCH_MIN_CHARS),
        )
        .into());
    }
    let members: Vec<Uuid> = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(team.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let by_name = |person: &Assignable| {
        let name = person.name.to_lowercase();
        let name_words: Vec<&str> = name.split_whitespace().collect();
        words
            .iter()
            .all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())))
    };
    Ok(
        super::accounts::assignable(db, actor.user.organisation.id, search, 40)
            .await?
            .into_iter()
            .filter(|p| !members.contains(&p.id) && (browse || by_name(p)))
            .map(|p| Assignable {
                email: p.email.filter(|_| browse),
                ..p
            })
            .take(20)
            .collect(),
    )
}

/// The agent a product names when it asks for a signature: by id or by email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRef {
    Id(Uuid),
    Email(String),
}

impl AgentRef {
    /// The agent named by exactly one of `agent_id` and `agent_email` (a query's parameters).
    pub fn from_query(
        agent_id: Option<String>,
        agent_email: Option<String>,
    ) -> Result<Self, AppError> {
        let l = request_locale();
        let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        match (given(agent_id), given(agent_email)) {
            (Some(id), None) => Uuid::parse_str(id.trim())
                .map(AgentRef::Id)
                .map_err(|_| AppError::field("agent_id", tr!(l, "msg.api.agent_id_invalid"))),
            (None, Some(email)) => Ok(AgentRef::Email(email)),
            _ => Err(AppError::field("agent", tr!(l, "msg.api.agent_missing"))),
        }
    }
}

/// The refusal for a team that is not there (or is another organisation's).
pub fn that_team() -> AppError {
    let l = request_locale();
    AppError::NotFound(tr!(l, "msg.teams.that_team"))
}

/// A team's signature filled in for one agent, as the HTTP API serves it.
#[derive(Debug, Clone)]
pub struct RenderedSignature {
    pub team: team::Model,
    pub agent: user::Model,
    pub text: String,
}

/// Team `team_id` of `organisation` for a product; another organisation's team is not found.
pub async fn for_product(
    db: &impl ConnectionTrait,
    organisation: &organisation::Model,
    team_id: Uuid,
) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(team_id)
        .filter(team::Column::OrganisationId.eq(organisation.id))
        .one(db)
        .await?
        .ok_or_else(|| that_team().into())
}

/// Team `team_id`'s signature as `agent` of the same organisation signs with it. The agent must
/// be active: an invited or suspended person sends no replies.
pub async fn signature_for(
    db: &impl ConnectionTrait,
    organisation: &organisation::Model,
    team_id: Uuid,
    agent: &AgentRef,
) -> ServiceResult<RenderedSignature> {
    let l = request_locale();
    let team = for_product(db, organisation, team_id).await?;
    let agent = match agent {
        AgentRef::Id(id) => {
            user::Entity::find_by_id(*id)
                .filter(user::Column::OrganisationId.eq(organisation.id))
                .one(db)
                .await?
        }
        AgentRef::Email(email) => find_user_by_email(db, organisation.id, email).await?,
    }
    .ok_or_else(|| AppError::field("agent", tr!(l, "msg.teams.agent_unknown")))?;
    if agent.status != UserStatus::Active.code() {
        return Err(AppError::field(
            "agent",
            tr!(
                l,
                "msg.teams.agent_inactive",
                name = agent.display_name(),
                status = UserStatus::from_code(&agent.status)
                    .unwrap_or(UserStatus::Suspended)
                    .label_in(l)
                    .to_lowercase()
            ),
        )
        .into());
    }
    let text = render_signature(
        &team.signature,
        &agent.first_name,
        &agent.last_name,
        &team.name,
        &organisation.name,
    );
    Ok(RenderedSignature { team, agent, text })
}
