//! SCIM Groups (RFC 7643 §4.2) are the organisation's teams: a directory creates, renames and
//! deletes them and sets their members, with the rights of its key's creator (who must manage
//! teams). Members a directory adds join as members; managers chosen in the console stay managers
//! while the directory lists them. Each change is one transaction, audited as the console's.

use super::{
    check_version, filter, invalid, patch as patching,
    resource::{self, text},
    visible, Directory, ListRequest,
};
use crate::{
    entities::{team, team_member, user},
    model::{
        teams::{TeamForm, TeamRole},
        Permission,
    },
    msg,
    services::{
        acting::Actor,
        audit::{self, AuditAction, Changes},
        locking::OrgTxn,
        messages::Refusal,
        teams, AppState, ServiceResult,
    },
};
use scim_v2::models::others::PatchOperation;
use sea_orm::{prelude::*, QuerySelect};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A team with the people in it the directory sees, by id.
pub struct Group {
    pub team: team::Model,
    pub members: Vec<Uuid>,
}

fn no_such_group() -> Refusal {
    Refusal::NotFound(msg!("msg.scim.no_such_group"))
}

/// The resource of `group`, with its address under `base`.
pub fn to_json(group: &Group, base: &str) -> Value {
    let team = &group.team;
    let mut resource = json!({
        "schemas": [super::SCHEMA_GROUP],
        "id": team.id,
        "displayName": team.name,
        "members": group.members.iter().map(|id| json!({
            "value": id,
            "type": "User",
            "$ref": format!("{base}/scim/v2/Users/{id}"),
        })).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Group",
            "created": team.created_at.to_rfc3339(),
            "lastModified": team.updated_at.to_rfc3339(),
            "location": format!("{base}/scim/v2/Groups/{}", team.id),
            "version": super::resource::version_tag(team.version),
        },
    });
    if let Some(external) = &team.external_id {
        resource["externalId"] = json!(external);
    }
    resource
}

/// The members of `teams` the directory sees, by team.
async fn members_of(
    db: &impl ConnectionTrait,
    organisation_id: Uuid,
    teams: &[Uuid],
) -> ServiceResult<BTreeMap<Uuid, Vec<Uuid>>> {
    let rows = team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(teams.to_vec()))
        .all(db)
        .await?;
    let people: BTreeSet<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(visible(organisation_id))
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.user_id).collect::<Vec<_>>()))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut by_team: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for row in rows.into_iter().filter(|r| people.contains(&r.user_id)) {
        by_team.entry(row.team_id).or_default().push(row.user_id);
    }
    Ok(by_team)
}

fn require(dir: &Directory) -> ServiceResult<()> {
    dir.require(Permission::TeamsManage)
}

/// Team `id`, as the directory sees it.
pub async fn get(state: &AppState, dir: &Directory, id: &str) -> ServiceResult<Group> {
    require(dir)?;
    let id = Uuid::parse_str(id).map_err(|_| no_such_group())?;
    let team = team::Entity::find_by_id(id)
        .filter(team::Column::OrganisationId.eq(dir.organisation_id))
        .one(&state.db)
        .await?
        .ok_or_else(no_such_group)?;
    let mut members = members_of(&state.db, dir.organisation_id, &[team.id]).await?;
    Ok(Group {
        members: members.remove(&team.id).unwrap_or_default(),
        team,
    })
}

/// The teams matching `request`, one page of them, and how many match.
pub async fn list(
    state: &AppState,
    dir: &Directory,
    request: &ListRequest,
) -> ServiceResult<(u64, Vec<Group>)> {
    require(dir)?;
    let mut select =
        team::Entity::find().filter(team::Column::OrganisationId.eq(dir.organisation_id));
    if let Some(f) = &request.filter {
        select = select.filter(filter::condition(
            filter::Kind::Group,
            request.unknown(),
            f,
        )?);
    }
    let (total, page) = super::page_of(
        &state.db,
        select,
        request,
        filter::Kind::Group,
        (team::Column::CreatedAt, team::Column::Id),
    )
    .await?;
    let ids: Vec<Uuid> = page.iter().map(|t| t.id).collect();
    let mut members = members_of(&state.db, dir.organisation_id, &ids).await?;
    Ok((
        total,
        page.into_iter()
            .map(|team| Group {
                members: members.remove(&team.id).unwrap_or_default(),
                team,
            })
            .collect(),
    ))
}

/// What a directory asks a team to be.
struct Desired {
    name: String,
    external_id: Option<String>,
    members: BTreeSet<Uuid>,
}

impl Desired {
    fn from_json(body: &Value) -> ServiceResult<Self> {
        let Some(body) = body.as_object() else {
            return Err(Refusal::Invalid {
                message: msg!("msg.scim.value.not_group"),
                fields: Vec::new(),
            }
            .into());
        };
        let name = text(body, "displayName")?.unwrap_or_default();
        let external_id = text(body, "externalId")?;
        let members = resource::list(body, "members")?
            .iter()
            .map(|m| {
                m.get("value")
                    .and_then(Value::as_str)
                    .and_then(|v| Uuid::parse_str(v).ok())
                    .ok_or_else(|| {
                        invalid(
                            "members",
                            msg!("msg.scim.value.member", value = m.to_string()),
                        )
                        .into()
                    })
            })
            .collect::<ServiceResult<BTreeSet<Uuid>>>()?;
        Ok(Desired {
            name,
            external_id,
            members,
        })
    }
}

/// Gives team `id` exactly the members `wanted` (the directory's people only), inside `txn`.
async fn set_members(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    wanted: &BTreeSet<Uuid>,
) -> ServiceResult<()> {
    let team = teams::team_for_members(txn, actor, id).await?;
    let known: BTreeSet<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(visible(team.organisation_id))
        .filter(user::Column::Id.is_in(wanted.iter().copied().collect::<Vec<_>>()))
        .into_tuple::<Uuid>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if let Some(stranger) = wanted.iter().find(|w| !known.contains(w)) {
        return Err(invalid(
            "members",
            msg!("msg.scim.value.member", value = stranger.to_string()),
        )
        .into());
    }
    let held: BTreeSet<Uuid> = team_member::Entity::find()
        .filter(team_member::Column::TeamId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    for gone in held.difference(wanted) {
        teams::remove_member_in(txn, actor, &team, *gone).await?;
    }
    for new in wanted.difference(&held) {
        teams::add_member_in(
            txn,
            actor,
            &team,
            *new,
            TeamRole::Member,
            teams::Joining::FromDirectory,
        )
        .await?;
    }
    Ok(())
}

/// Keeps the directory's identifier of team `id` (`before` it was), recording a change.
async fn set_external_id(
    txn: &OrgTxn,
    actor: &Actor<'_>,
    id: Uuid,
    before: &Option<String>,
    after: &Option<String>,
) -> ServiceResult<()> {
    if before == after {
        return Ok(());
    }
    if after.as_ref().is_some_and(|a| a.chars().count() > 200) {
        return Err(invalid("externalId", msg!("msg.scim.value.external_id_too_long")).into());
    }
    team::Entity::update_many()
        .col_expr(team::Column::ExternalId, Expr::value(after.clone()))
        .filter(team::Column::Id.eq(id))
        .exec(txn)
        .await?;
    audit::record(
        txn,
        actor.audit_of(
            AuditAction::TeamUpdated,
            "team",
            id,
            Changes::new().field("external_id", before, after),
        ),
    )
    .await?;
    Ok(())
}

/// Creates the team a directory's Group body describes, with its members.
pub async fn create(state: &AppState, dir: &Directory, body: &Value) -> ServiceResult<Group> {
    require(dir)?;
    let desired = Desired::from_json(body)?;
    let actor = dir.actor();
    let txn = OrgTxn::begin(&state.db, dir.organisation_id).await?;
    let form = TeamForm {
        name: desired.name.clone(),
        description: String::new(),
    };
    let id = teams::create_in(&txn, &actor, &form).await?;
    set_external_id(&txn, &actor, id, &None, &desired.external_id).await?;
    set_members(&txn, &actor, id, &desired.members).await?;
    txn.commit().await?;
    get(state, dir, &id.to_string()).await
}

/// Makes team `before` what `desired` says, in one transaction, refused when the team changed
/// since `before` was read.
async fn apply(
    state: &AppState,
    dir: &Directory,
    before: &Group,
    desired: Desired,
) -> ServiceResult<Group> {
    let actor = dir.actor();
    let txn = OrgTxn::begin(&state.db, dir.organisation_id).await?;
    let form = TeamForm {
        name: desired.name.clone(),
        description: before.team.description.clone(),
    };
    teams::update_in(
        &txn,
        &actor,
        before.team.id,
        &form,
        Some(before.team.version),
    )
    .await?;
    set_external_id(
        &txn,
        &actor,
        before.team.id,
        &before.team.external_id,
        &desired.external_id,
    )
    .await?;
    set_members(&txn, &actor, before.team.id, &desired.members).await?;
    txn.commit().await?;
    get(state, dir, &before.team.id.to_string()).await
}

/// Replaces team `id` with a directory's Group body (PUT).
pub async fn replace(
    state: &AppState,
    dir: &Directory,
    id: &str,
    body: &Value,
    expected: Option<i32>,
) -> ServiceResult<Group> {
    let before = get(state, dir, id).await?;
    check_version(before.team.version, expected)?;
    let desired = Desired::from_json(body)?;
    apply(state, dir, &before, desired).await
}

/// Applies a directory's PATCH operations to team `id`.
pub async fn patch(
    state: &AppState,
    dir: &Directory,
    id: &str,
    operations: &[PatchOperation],
    expected: Option<i32>,
    base: &str,
) -> ServiceResult<Group> {
    let before = get(state, dir, id).await?;
    check_version(before.team.version, expected)?;
    let patched = patching::apply(&patching::GROUP, to_json(&before, base), operations)?;
    let desired = Desired::from_json(&patched)?;
    apply(state, dir, &before, desired).await
}

/// Deletes team `id`; its people stay.
pub async fn delete(
    state: &AppState,
    dir: &Directory,
    id: &str,
    expected: Option<i32>,
) -> ServiceResult<()> {
    let before = get(state, dir, id).await?;
    check_version(before.team.version, expected)?;
    teams::delete(state, &dir.actor(), before.team.id).await
}
