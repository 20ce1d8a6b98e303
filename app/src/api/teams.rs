//! Teams, part of the Helpdesk feature: an organisation without it is refused by name.

use super::codec::{Answer, Form, JsonBody};
use crate::model::{
    account::Assignable,
    teams::{PersonTeam, TeamDetail, TeamForm, TeamRole, TeamSummary},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use crate::{model::Permission, services::teams};

crate::needs!(ListTeams, Need::Feature(Feature::Helpdesk, None));

/// The teams of organisation `slug`: all of them for those who see its people, else the teams
/// the caller belongs to.
#[server(endpoint = "teams/list", input = Form, output = Answer)]
pub async fn list_teams(slug: String) -> Result<Vec<TeamSummary>, AppError> {
    ListTeams::serve(&slug, async |caller| {
        let only_of = (!caller.user.can(Permission::UsersView)).then_some(caller.user.id);
        Ok(teams::list(&caller.state.db, caller.user.organisation.id, only_of).await?)
    })
    .await
}

// Its members read it too: the service checks.
crate::needs!(GetTeam, Need::Feature(Feature::Helpdesk, None));

/// One team with its members.
#[server(endpoint = "teams/get", input = Form, output = Answer)]
pub async fn get_team(slug: String, id: Uuid) -> Result<TeamDetail, AppError> {
    GetTeam::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::detail(&caller.state.db, &actor, id).await?)
    })
    .await
}

crate::needs!(CreateTeam, Need::Feature(Feature::Helpdesk, None));

/// Creates a team; returns its id.
#[server(endpoint = "teams/create", input = JsonBody, output = Answer)]
pub async fn create_team(slug: String, team: TeamForm) -> Result<Uuid, AppError> {
    CreateTeam::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::create(&caller.state, &actor, &team).await?)
    })
    .await
}

crate::needs!(UpdateTeam, Need::Feature(Feature::Helpdesk, None));

/// Renames a team or changes its description.
#[server(endpoint = "teams/update", input = JsonBody, output = Answer)]
pub async fn update_team(
    slug: String,
    id: Uuid,
    team: TeamForm,
    version: i32,
) -> Result<(), AppError> {
    UpdateTeam::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::update(&caller.state, &actor, id, &team, version).await?)
    })
    .await
}

crate::needs!(SetTeamSignature, Need::Feature(Feature::Helpdesk, None));

/// Sets a team's signature for its public replies.
#[server(endpoint = "teams/signature", input = JsonBody, output = Answer)]
pub async fn set_team_signature(
    slug: String,
    id: Uuid,
    signature: String,
    version: i32,
) -> Result<(), AppError> {
    SetTeamSignature::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::set_signature(&caller.state, &actor, id, &signature, version).await?)
    })
    .await
}

crate::needs!(DeleteTeam, Need::Feature(Feature::Helpdesk, None));

/// Deletes a team; its members stay in the organisation.
#[server(endpoint = "teams/delete", input = Form, output = Answer)]
pub async fn delete_team(slug: String, id: Uuid) -> Result<(), AppError> {
    DeleteTeam::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::delete(&caller.state, &actor, id).await?)
    })
    .await
}

crate::needs!(
    TeamsOfPerson,
    Need::Feature(Feature::Helpdesk, Some(Permission::UsersView))
);

/// The teams person `user_id` is in, and those the caller may add them to: their page's Teams.
#[server(endpoint = "teams/of-person", input = Form, output = Answer)]
pub async fn teams_of_person(slug: String, user_id: Uuid) -> Result<Vec<PersonTeam>, AppError> {
    TeamsOfPerson::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::of_person(&caller.state.db, &actor, user_id).await?)
    })
    .await
}

crate::needs!(SetTeamMember, Need::Feature(Feature::Helpdesk, None));

/// Adds someone to a team as a member or manager, or changes what they are in it.
#[server(endpoint = "teams/members/set", input = JsonBody, output = Answer)]
pub async fn set_team_member(
    slug: String,
    id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<(), AppError> {
    SetTeamMember::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::add_member(&caller.state, &actor, id, user_id, role).await?)
    })
    .await
}

crate::needs!(RemoveTeamMember, Need::Feature(Feature::Helpdesk, None));

/// Takes someone out of a team.
#[server(endpoint = "teams/members/remove", input = Form, output = Answer)]
pub async fn remove_team_member(slug: String, id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    RemoveTeamMember::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::remove_member(&caller.state, &actor, id, user_id).await?)
    })
    .await
}

crate::needs!(TeamCandidates, Need::Feature(Feature::Helpdesk, None));

/// Active people not in the team yet, matching `search`: the team page's "Add" picker.
#[server(endpoint = "teams/candidates", input = Form, output = Answer)]
pub async fn team_candidates(
    slug: String,
    id: Uuid,
    search: String,
) -> Result<Vec<Assignable>, AppError> {
    TeamCandidates::serve(&slug, async |caller| {
        let actor = caller.actor();
        Ok(teams::candidates(&caller.state.db, &actor, id, &search).await?)
    })
    .await
}
