//! Team signatures: set by a team manager, rendered for the products that send mail as an agent.

use super::*;
use crate::services::audit::AuditAction;
use crate::services::locking::OrgTxn;
use crate::{
    msg,
    services::messages::{lower, Refusal},
};

/// Sets team `id`'s signature: its managers or those who manage teams.
pub async fn set_signature(
    state: &crate::services::AppState,
    actor: &Actor<'_>,
    id: Uuid,
    signature: &str,
    version: i32,
) -> ServiceResult<()> {
    let signature = crate::services::text::lines(signature).map_err(|problem| {
        Refusal::field("signature", crate::services::text::refusal(problem, true))
    })?;
    if signature.chars().count() > SIGNATURE_MAX_CHARS {
        return Err(Refusal::field(
            "signature",
            msg!("msg.teams.signature_too_long", max = SIGNATURE_MAX_CHARS),
        )
        .into());
    }
    let unknown = unknown_placeholders(&signature);
    if !unknown.is_empty() {
        return Err(Refusal::field(
            "signature",
            msg!(
                "msg.teams.unknown_placeholders",
                placeholders = unknown.join(", ")
            ),
        )
        .into());
    }
    let txn = OrgTxn::begin(&state.db, actor.user.organisation.id).await?;
    let team = locked(&txn, actor, id, Some(version)).await?;
    require_member_manager(&txn, actor, &team).await?;
    let mut model: team::ActiveModel = team.clone().into();
    model.signature = Set(signature.clone());
    model.update(&txn).await?;
    audit::record(
        &txn,
        actor.audit_of(
            AuditAction::TeamSignatureChanged,
            "team",
            team.id,
            Changes::new().field("signature", &team.signature, &signature),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
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
    ) -> Result<Self, Refusal> {
        let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        match (given(agent_id), given(agent_email)) {
            (Some(id), None) => Uuid::parse_str(id.trim())
                .map(AgentRef::Id)
                .map_err(|_| Refusal::field("agent_id", msg!("msg.api.agent_id_invalid"))),
            (None, Some(email)) => Ok(AgentRef::Email(email)),
            _ => Err(Refusal::field("agent", msg!("msg.api.agent_missing"))),
        }
    }
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
    .ok_or_else(|| Refusal::field("agent", msg!("msg.teams.agent_unknown")))?;
    if agent.status != UserStatus::Active {
        return Err(Refusal::field(
            "agent",
            msg!(
                "msg.teams.agent_inactive",
                name = agent.display_name(),
                status = lower(agent.status)
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
