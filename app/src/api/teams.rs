//! Teams, part of the Helpdesk feature: an organisation without it is refused by name.

use super::codec::{Form, JsonBody};
use crate::model::{
    account::Assignable,
    teams::{PersonTeam, TeamDetail, TeamForm, TeamRole, TeamSummary},
    AppError,
};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::guard,
    crate::{
        model::{Feature, Permission},
        services::teams,
    },
};

/// The teams of organisation `slug`: all of them for those who see its people, else the teams
/// the caller belongs to.
#[server(endpoint = "teams/list", input = Form)]
pub async fn list_teams(slug: String) -> Result<Vec<TeamSummary>, AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let only_of = (!caller.user.can(Permission::UsersView)).then_some(caller.user.id);
            Ok(teams::list(&caller.state.db, caller.user.organisation.id, only_of).await?)
        }
        .await,
    )
}

/// One team with its members.
#[server(endpoint = "teams/get", input = Form)]
pub async fn get_team(slug: String, id: Uuid) -> Result<TeamDetail, AppError> {
    guard::respond(
        async {
            // Its members read it too: the service checks.
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::detail(&caller.state.db, &actor, id).await?)
        }
        .await,
    )
}

/// Creates a team; returns its id.
#[server(endpoint = "teams/create", input = JsonBody)]
pub async fn create_team(slug: String, team: TeamForm) -> Result<Uuid, AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::create(&caller.state, &actor, &team).await?)
        }
        .await,
    )
}

/// Renames a team or changes its description.
#[server(endpoint = "teams/update", input = JsonBody)]
pub async fn update_team(
    slug: String,
    id: Uuid,
    team: TeamForm,
    version: i32,
) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::update(&caller.state, &actor, id, &team, version).await?)
        }
        .await,
    )
}

/// Sets a team's signature for its public replies.
#[server(endpoint = "teams/signature", input = JsonBody)]
pub async fn set_team_signature(
    slug: String,
    id: Uuid,
    signature: String,
    version: i32,
) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::set_signature(&caller.state, &actor, id, &signature, version).await?)
        }
        .await,
    )
}

/// Deletes a team; its members stay in the organisation.
#[server(endpoint = "teams/delete", input = Form)]
pub async fn delete_team(slug: String, id: Uuid) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::delete(&caller.state, &actor, id).await?)
        }
        .await,
    )
}

/// The teams person `user_id` is in, and those the caller may add them to: their page's Teams.
#[server(endpoint = "teams/of-person", input = Form)]
pub async fn teams_of_person(slug: String, user_id: Uuid) -> Result<Vec<PersonTeam>, AppError> {
    guard::respond(
        async {
            let caller =
                guard::require_feature(&slug, Feature::Helpdesk, Some(Permission::UsersView))
                    .await?;
            let actor = caller.actor();
            Ok(teams::of_person(&caller.state.db, &actor, user_id).await?)
        }
        .await,
    )
}

/// Adds someone to a team as a member or manager, or changes what they are in it.
#[server(endpoint = "teams/members/set", input = JsonBody)]
pub async fn set_team_member(
    slug: String,
    id: Uuid,
    user_id: Uuid,
    role: TeamRole,
) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::add_member(&caller.state, &actor, id, user_id, role).await?)
        }
        .await,
    )
}

/// Takes someone out of a team.
#[server(endpoint = "teams/members/remove", input = Form)]
pub async fn remove_team_member(slug: String, id: Uuid, user_id: Uuid) -> Result<(), AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::remove_member(&caller.state, &actor, id, user_id).await?)
        }
        .await,
    )
}

/// Active people not in the team yet, matching `search`: the team page's "Add" picker.
#[server(endpoint = "teams/candidates", input = Form)]
pub async fn team_candidates(
    slug: String,
    id: Uuid,
    search: String,
) -> Result<Vec<Assignable>, AppError> {
    guard::respond(
        async {
            let caller = guard::require_feature(&slug, Feature::Helpdesk, None).await?;
            let actor = caller.actor();
            Ok(teams::candidates(&caller.state.db, &actor, id, &search).await?)
        }
        .await,
    )
}
