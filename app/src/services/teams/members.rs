//! A team's members: adding, changing their role, removing, and finding people to add.

use super::*;
use crate::services::locking::OrgTxn;
use crate::{msg, services::messages::Refusal};

/// Adds person `user_id` to team `id` as `role`, or changes their role in it. Managers of the
/// team add members; only those who manage teams choose managers.
pub async fn add_member(
    state: &crate::services::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let team = team_for_members(&txn, actor, id).await?;
    add_member_in(&txn, actor, &team, user_id, role, Joining::ByHand).await?;
    txn.commit().await?;
    Ok(())
}

/// Team `id`, locked, once the actor may change its members.
pub(crate) async fn team_for_members(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
) -> ServiceResult<team::Model> {
    let team = locked(txn, actor, id, None).await?;
    require_member_manager(txn, actor, &team).await?;
    Ok(team)
}

/// Who asks for someone to join a team: a person in the console, who may not add a suspended
/// person (a likely mistake), or a directory keeping its group as it is, whoever is in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Joining {
    ByHand,
    FromDirectory,
}

/// Adds person `user_id` to `team` (from [`team_for_members`]) as `role`, or changes their role
/// in it, inside `txn`; returns whether anything changed.
pub(crate) async fn add_member_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    team: &team::Model,
    user_id: Uuid,
    role: TeamRole,
    joining: Joining,
) -> ServiceResult<bool> {
    let existing = team_member::Entity::find_by_id((team.id, user_id))
        .one(txn)
        .await?;
    let previous = existing.as_ref().map(|m| m.role);
    if previous == Some(role) {
        return Ok(false);
    }
    let touches_manager = role == TeamRole::Manager || previous == Some(TeamRole::Manager);
    if touches_manager {
        require_teams_manager(actor)?;
    }
    let person = user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganisationId.eq(actor.user.organisation.id))
        .one(txn)
        .await?
        .ok_or_else(that_person)?;
    if person.status == UserStatus::Suspended && joining == Joining::ByHand {
        return Err(Refusal::field(
            "member",
            msg!("msg.teams.suspended_member", name = person.display_name()),
        )
        .into());
    }
    match existing {
        Some(row) => {
            let mut model: team_member::ActiveModel = row.into();
            model.role = Set(role);
            model.update(txn).await?;
        }
        None => {
            team_member::ActiveModel {
                team_id: Set(team.id),
                user_id: Set(person.id),
                role: Set(role),
                added_at: Set(now()),
            }
            .insert(txn)
            .await?;
        }
    }
    bump_version::<team::Entity>(txn, team.id).await?;
    audit::record(
        txn,
        membership_entry(actor, team, person.id, previous, Some(role)),
    )
    .await?;
    Ok(true)
}

/// Takes person `user_id` out of team `id`. Managers of the team remove members; only those who
/// manage teams remove a manager.
pub async fn remove_member(
    state: &crate::services::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    user_id: Uuid,
) -> ServiceResult<()> {
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let team = team_for_members(&txn, actor, id).await?;
    remove_member_in(&txn, actor, &team, user_id).await?;
    txn.commit().await?;
    Ok(())
}

/// Takes person `user_id` out of `team` (from [`team_for_members`]) inside `txn`.
pub(crate) async fn remove_member_in(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    team: &team::Model,
    user_id: Uuid,
) -> ServiceResult<()> {
    let Some(row) = team_member::Entity::find_by_id((team.id, user_id))
        .one(txn)
        .await?
    else {
        return Err(Refusal::NotFound(msg!("msg.teams.that_member")).into());
    };
    if row.role == TeamRole::Manager {
        require_teams_manager(actor)?;
    }
    team_member::Entity::delete_by_id((team.id, user_id))
        .exec(txn)
        .await?;
    bump_version::<team::Entity>(txn, team.id).await?;
    audit::record(
        txn,
        membership_entry(actor, team, user_id, Some(row.role), None),
    )
    .await?;
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
        return Err(Refusal::field(
            "search",
            msg!("msg.teams.search_too_short", min = NAME_SEARCH_MIN_CHARS),
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
        crate::services::accounts::assignable(db, actor.user.organisation.id, search, 40)
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

/// Adds someone as [`accounts::add`](crate::services::accounts::add) does, joining each team of
/// `new.teams` as a member in the same transaction: the account and its memberships are written
/// together, or not at all.
pub async fn add_person(
    state: &crate::services::AppState,
    actor: &Actor<'_>,
    new: &crate::model::account::NewAccount,
) -> ServiceResult<crate::model::account::Added> {
    if !new.teams.is_empty()
        && !actor
            .user
            .features
            .contains(&crate::model::Feature::Helpdesk)
    {
        return Err(Refusal::field("teams", msg!("msg.teams.no_helpdesk")).into());
    }
    crate::services::accounts::add_then(state, actor, new, async |txn, id| {
        for team in &new.teams {
            let team = team_for_members(txn, actor, *team).await?;
            add_member_in(txn, actor, &team, id, TeamRole::Member, Joining::ByHand).await?;
        }
        Ok(())
    })
    .await
}
